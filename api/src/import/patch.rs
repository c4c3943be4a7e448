//! Records as the writes' patches: a record gives every field (an import writes it whole), so
//! each optional field is set, or cleared when the record leaves it out. The import checks
//! records with each type's `rules` and turns them into rows with each type's `columns`, both
//! given these patches, so a field is checked and stored the same way whichever face writes it.
//!
//! References are left out: a file names other records by natural key, and the import resolves
//! a chunk's at a time (the mutations resolve theirs one by one).

use std::collections::BTreeMap;

use super::record::{
    CommissionRecord, ContactRecord, ExternalIdRecord, OrganisationRecord, ReleaseRecord, TopicRecord,
};
use crate::service::{commission, contact, external_id::ExternalId, organisation, release, topic, write::Key};

/// An optional field of a record, as a patch that sets it (or clears it).
fn given<T: Clone>(value: &Option<T>) -> Option<Option<T>> {
    Some(value.clone())
}

fn names(names: &BTreeMap<String, String>) -> Option<Vec<(String, String)>> {
    Some(names.iter().map(|(language, name)| (language.clone(), name.clone())).collect())
}

fn external_ids(ids: &[ExternalIdRecord]) -> Option<Vec<ExternalId>> {
    Some(ids.iter().map(ExternalIdRecord::id).collect())
}

impl OrganisationRecord {
    /// Its fields as a patch; the parent is resolved apart.
    pub fn patch(&self) -> organisation::write::Patch {
        organisation::write::Patch {
            slug: Some(self.slug.clone()),
            name: Some(self.name.clone()),
            acronym: given(&self.acronym),
            kind: Some(self.kind),
            country: given(&self.country),
            parent: None,
            website: given(&self.website),
            description: given(&self.description),
            names: names(&self.names),
            external_ids: external_ids(&self.external_ids),
        }
    }
}

impl TopicRecord {
    /// Its fields as a patch; the parent is resolved apart.
    pub fn patch(&self) -> topic::Patch {
        topic::Patch {
            slug: Some(self.slug.clone()),
            name: Some(self.name.clone()),
            names: names(&self.names),
            scheme: given(&self.scheme),
            parent: None,
        }
    }
}

impl ContactRecord {
    /// Its fields as a patch; the organisation is resolved apart.
    pub fn patch(&self) -> contact::write::Patch {
        contact::write::Patch {
            key: given(&self.key),
            name: Some(self.name.clone()),
            job_title: given(&self.job_title),
            organisation: None,
            office: given(&self.office),
            email: given(&self.email),
            phones: Some(self.phones.clone()),
            country: given(&self.country),
            public: Some(self.public),
        }
    }
}

impl CommissionRecord {
    /// Its fields as a patch, members by slug (for the rules of their terms); the head and the
    /// members' organisations are resolved apart.
    pub fn patch(&self) -> commission::write::Patch {
        commission::write::Patch {
            slug: Some(self.slug.clone()),
            name: Some(self.name.clone()),
            // A record without a mandate has none: stored as empty text, as the mutations store it.
            mandate: Some(self.mandate.clone().unwrap_or_default()),
            country: given(&self.country),
            established_on: given(&self.established_on),
            legal_basis: given(&self.legal_basis),
            head_organisation: None,
            status: Some(self.status),
            members: Some(
                self.members
                    .iter()
                    .map(|member| commission::write::Member {
                        organisation: Key::Slug(member.organisation.clone()),
                        role: member.role,
                        since: member.since,
                        until: member.until,
                    })
                    .collect(),
            ),
            names: names(&self.names),
        }
    }
}

impl ReleaseRecord {
    /// Its fields as a patch; its relations and translations are resolved apart, and its
    /// workflow state (which the mutations move through workflow steps) is the import's to set.
    pub fn patch(&self) -> release::write::Patch {
        release::write::Patch {
            language: Some(self.language.clone()),
            slug: Some(self.slug.clone()),
            title: Some(self.title.clone()),
            summary: given(&self.summary),
            body: Some(self.body.clone()),
            body_format: Some(self.body_format),
            dateline_city: given(&self.dateline_city),
            dateline_country: given(&self.dateline_country),
            canonical_url: given(&self.canonical_url),
            revised_at: given(&self.revised_at),
            attachments: Some(self.attachments.clone()),
            countries: Some(self.countries.clone()),
            external_ids: external_ids(&self.external_ids),
            ..Default::default()
        }
    }
}
