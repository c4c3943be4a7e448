//! Commission mutations, memberships included.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use crate::graphql::names::{self, LocalizedNameInput};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        commission::{Commission, CommissionStatus, MemberRole},
        db,
        node::Kind,
        scalar::Date,
    },
    service::commission::write::{self, Member, MemberPatch, Patch},
};

/// An organisation's seat on a commission.
#[derive(InputObject)]
pub struct CommissionMemberInput {
    /// The member organisation's global id.
    organisation: ID,
    /// Its part on the commission.
    role: MemberRole,
    /// First day of the term.
    since: Option<Date>,
    /// Last day of the term; not before `since`.
    until: Option<Date>,
}

impl From<CommissionMemberInput> for Member {
    fn from(input: CommissionMemberInput) -> Self {
        Member {
            organisation: key(&input.organisation, Kind::Organisation),
            role: input.role.into(),
            since: input.since.map(|date| date.0),
            until: input.until.map(|date| date.0),
        }
    }
}

/// Changes to a seat; fields left out stay as they are, `null` clears a date.
#[derive(InputObject)]
pub struct UpdateCommissionMemberInput {
    /// Its new part on the commission.
    role: Option<MemberRole>,
    /// New first day of the term; `null` clears it.
    since: MaybeUndefined<Date>,
    /// New last day of the term, not before `since`; `null` clears it.
    until: MaybeUndefined<Date>,
}

/// A new commission.
#[derive(InputObject)]
pub struct CreateCommissionInput {
    /// URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: String,
    /// Official name: not blank, at most 255 characters.
    name: String,
    /// What it was created to do, at most 65,535 bytes; none if unknown.
    mandate: Option<String>,
    /// ISO 3166-1 alpha-2 (any case); none for international bodies.
    country: Option<String>,
    /// The day it was established.
    established_on: Option<Date>,
    /// The instrument that created it, e.g. "Executive Decree 1981": not blank, at most 255
    /// characters.
    legal_basis: Option<String>,
    /// The global id of the organisation that heads it.
    head_organisation: Option<ID>,
    /// Whether it still sits; ACTIVE when left out.
    status: Option<CommissionStatus>,
    /// Its members, each organisation at most once; none when left out.
    members: Option<Vec<CommissionMemberInput>>,
    /// Its names in other languages, at most one per language, replacing the current ones.
    names: Option<Vec<LocalizedNameInput>>,
}

/// Changes to a commission; fields left out stay as they are, `null` clears an optional one, and
/// `members`, when given, replaces the whole membership.
#[derive(InputObject)]
pub struct UpdateCommissionInput {
    /// New URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: Option<String>,
    /// New official name: not blank, at most 255 characters.
    name: Option<String>,
    /// New mandate, at most 65,535 bytes.
    mandate: Option<String>,
    /// New country, ISO 3166-1 alpha-2 (any case); `null` clears it.
    country: MaybeUndefined<String>,
    /// New day of establishment; `null` clears it.
    established_on: MaybeUndefined<Date>,
    /// New legal basis: not blank, at most 255 characters; `null` clears it.
    legal_basis: MaybeUndefined<String>,
    /// The global id of the organisation that now heads it; `null` clears it.
    head_organisation: MaybeUndefined<ID>,
    /// Whether it still sits.
    status: Option<CommissionStatus>,
    /// All its members, replacing the current ones; `[]` removes them all.
    members: Option<Vec<CommissionMemberInput>>,
    /// Its names in other languages, at most one per language, replacing the current ones.
    names: Option<Vec<LocalizedNameInput>>,
}

#[derive(Default)]
pub struct CommissionMutation;

#[Object]
impl CommissionMutation {
    /// Creates a commission with its members (editor, admin).
    async fn create_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new commission.")] input: CreateCommissionInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            slug: Some(input.slug),
            name: Some(input.name),
            mandate: input.mandate,
            country: Some(input.country),
            established_on: Some(input.established_on.map(|date| date.0)),
            legal_basis: Some(input.legal_basis),
            head_organisation: Some(input.head_organisation.map(|id| key(&id, Kind::Organisation))),
            status: input.status.map(Into::into),
            members: input.members.map(|members| members.into_iter().map(Member::from).collect()),
            names: names::pairs(input.names),
        };
        write::create(db(ctx)?, author, patch).await.map(Commission::from).map_err(|error| fail(ctx, error))
    }

    /// Changes a commission (editor, admin). With `expectedVersion`, refused (CONFLICT) if it has
    /// changed since that version.
    async fn update_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateCommissionInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        let patch = Patch {
            slug: input.slug,
            name: input.name,
            mandate: input.mandate,
            country: patch(input.country, |value| value),
            established_on: patch(input.established_on, |date| date.0),
            legal_basis: patch(input.legal_basis, |value| value),
            head_organisation: patch(input.head_organisation, |id| key(&id, Kind::Organisation)),
            status: input.status.map(Into::into),
            members: input.members.map(|members| members.into_iter().map(Member::from).collect()),
            names: names::pairs(input.names),
        };
        write::update(db(ctx)?, author, id, expected_version, patch)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a commission and its memberships (admin); releases that named it lose it.
    async fn delete_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::delete(db(ctx)?, author, id, expected_version)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Gives an organisation a seat on the commission (editor, admin); CONFLICT if it has one.
    async fn add_commission_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The new seat.")] input: CommissionMemberInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::add_member(db(ctx)?, author, id, expected_version, input.into())
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Changes an organisation's seat on the commission (editor, admin).
    async fn update_commission_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's global id.")] id: ID,
        #[graphql(desc = "The global id of the organisation whose seat it is.")] organisation: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes to the seat.")] input: UpdateCommissionMemberInput,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        let seat = MemberPatch {
            role: input.role.map(Into::into),
            since: patch(input.since, |date| date.0),
            until: patch(input.until, |date| date.0),
        };
        write::update_member(db(ctx)?, author, id, expected_version, key(&organisation, Kind::Organisation), seat)
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Takes an organisation's seat on the commission away (editor, admin).
    async fn remove_commission_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's global id.")] id: ID,
        #[graphql(desc = "The global id of the organisation whose seat it is.")] organisation: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Commission> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Commission)?;
        write::remove_member(db(ctx)?, author, id, expected_version, key(&organisation, Kind::Organisation))
            .await
            .map(Commission::from)
            .map_err(|error| fail(ctx, error))
    }
}
