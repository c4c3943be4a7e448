//! What a release list loads beside its page: the relations its selection asks for, for the whole
//! page at once, from the reference cache when it is current and from the database otherwise.
//!
//! Topics, commissions (with their heads and members), organisations and contacts change far less
//! often than releases, and a page of releases names the same few of them again and again. So a
//! list reads only the keys its releases name, plus the database's write mark, in one statement;
//! when the mark is the one the cache was filled under and every key is cached, the page is
//! assembled from memory. Otherwise the list reads the records themselves (one statement per
//! relation) and fills the cache with them. Every write through newsroom, on any server in front
//! of the database, moves the mark in the transaction that commits its change (see
//! `service::write::advance_mark`): a cached record is never older than the mark it is filed under.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Mutex, PoisonError},
};

use async_graphql::Context;
use entity::{commission, commission_member, contact, organisation, release_organisation, topic};
use sea_orm::DatabaseConnection;

use super::loader::group;
use crate::{
    error::ApiError,
    service::{
        self,
        release::{Link, Linked, Links},
    },
};

/// A record with the organisation its statement joined (a commission's head, a contact's employer).
pub type Joined<T> = (T, Option<organisation::Model>);

/// The relations of a page of releases, by release (members by commission). A relation left
/// `None` was not asked for; its field falls back to the loader.
#[derive(Default)]
pub struct Preloaded {
    pub topics: Option<HashMap<i32, Vec<topic::Model>>>,
    pub commissions: Option<HashMap<i32, Vec<Joined<commission::Model>>>>,
    pub organisations: Option<HashMap<i32, Vec<(release_organisation::Role, organisation::Model)>>>,
    pub contacts: Option<HashMap<i32, Vec<Joined<contact::Model>>>>,
    /// By commission.
    pub members: Option<HashMap<i32, Vec<(commission_member::Model, organisation::Model)>>>,
}

/// Which relations a release list's selection asks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wants {
    topics: bool,
    commissions: bool,
    members: bool,
    organisations: bool,
    contacts: bool,
}

impl Wants {
    /// What the nodes of the connection being resolved select.
    pub fn of(ctx: &Context<'_>) -> Self {
        let look_ahead = ctx.look_ahead();
        Self::selected(&[look_ahead.field("edges").field("node"), look_ahead.field("nodes")])
    }

    /// What the one release being resolved selects (a release page: `release(language:, slug:)`).
    pub fn of_release(ctx: &Context<'_>) -> Self {
        Self::selected(&[ctx.look_ahead()])
    }

    fn selected(nodes: &[async_graphql::Lookahead<'_>]) -> Self {
        let any = |path: &[&str]| {
            nodes.iter().any(|node| {
                let mut field = node.field(path[0]);
                for name in &path[1..] {
                    field = field.field(name);
                }
                field.exists()
            })
        };
        Self {
            topics: any(&["topics"]),
            commissions: any(&["commissions"]),
            members: any(&["commissions", "members"]),
            organisations: any(&["organisations"]),
            contacts: any(&["contacts"]),
        }
    }

    fn any(self) -> bool {
        self.topics || self.commissions || self.organisations || self.contacts
    }
}

/// Records keyed by internal key, as the last statements that read them found them, filed under
/// the write mark read before those statements; `None` when the cache is turned off.
pub struct Reference(Option<Mutex<Cached>>);

#[derive(Default)]
struct Cached {
    mark: Option<i64>,
    topics: HashMap<i32, topic::Model>,
    commissions: HashMap<i32, Joined<commission::Model>>,
    organisations: HashMap<i32, organisation::Model>,
    contacts: HashMap<i32, Joined<contact::Model>>,
    /// Every member of each commission, by commission.
    members: HashMap<i32, Vec<(commission_member::Model, organisation::Model)>>,
}

/// Beyond this many cached records the cache starts afresh: it holds what recent pages named, not
/// a copy of the database.
const CAPACITY: usize = 20_000;

impl Cached {
    fn len(&self) -> usize {
        self.topics.len() + self.commissions.len() + self.organisations.len() + self.contacts.len() + self.members.len()
    }
}

impl Reference {
    /// A cache, empty, or none at all unless `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self(enabled.then(Mutex::default))
    }

    /// The relations `wants` asks for, built from `links` and the cache; `None` unless the cache is
    /// filed under the links' mark and holds every record they name.
    fn assemble(&self, links: &Links, wants: Wants) -> Option<Preloaded> {
        let cached = self.0.as_ref()?.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.mark != Some(links.mark) {
            return None;
        }
        let mut preloaded = Preloaded {
            topics: wants.topics.then(HashMap::new),
            commissions: wants.commissions.then(HashMap::new),
            organisations: wants.organisations.then(HashMap::new),
            contacts: wants.contacts.then(HashMap::new),
            members: None,
        };
        for &(release, link) in &links.rows {
            match link {
                Link::Topic(id) => {
                    if let Some(topics) = preloaded.topics.as_mut() {
                        topics.entry(release).or_default().push(cached.topics.get(&id)?.clone());
                    }
                }
                Link::Commission(id) => {
                    if let Some(commissions) = preloaded.commissions.as_mut() {
                        commissions.entry(release).or_default().push(cached.commissions.get(&id)?.clone());
                    }
                }
                Link::Organisation(id, role) => {
                    if let Some(organisations) = preloaded.organisations.as_mut() {
                        organisations.entry(release).or_default().push((role, cached.organisations.get(&id)?.clone()));
                    }
                }
                Link::Contact(id) => {
                    if let Some(contacts) = preloaded.contacts.as_mut() {
                        contacts.entry(release).or_default().push(cached.contacts.get(&id)?.clone());
                    }
                }
            }
        }
        if wants.members {
            let mut members = HashMap::new();
            for (commission, _) in rows(preloaded.commissions.as_ref()) {
                if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(commission.id) {
                    entry.insert(cached.members.get(&commission.id)?.clone());
                }
            }
            preloaded.members = Some(members);
        }
        Some(preloaded)
    }

    /// Files what `preloaded` read under `mark` (read before it), starting afresh if the mark moved.
    fn remember(&self, mark: i64, preloaded: &Preloaded) {
        let Some(cache) = &self.0 else { return };
        let mut cached = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.mark != Some(mark) || cached.len() > CAPACITY {
            *cached = Cached { mark: Some(mark), ..Cached::default() };
        }
        for topic in rows(preloaded.topics.as_ref()) {
            cached.topics.insert(topic.id, topic.clone());
        }
        for joined in rows(preloaded.commissions.as_ref()) {
            cached.commissions.insert(joined.0.id, joined.clone());
            if let Some(members) = &preloaded.members {
                // A commission without members is cached too, as an empty list.
                let seats = members.get(&joined.0.id).cloned().unwrap_or_default();
                cached.members.insert(joined.0.id, seats);
            }
        }
        for (_, organisation) in rows(preloaded.organisations.as_ref()) {
            cached.organisations.insert(organisation.id, organisation.clone());
        }
        for joined in rows(preloaded.contacts.as_ref()) {
            cached.contacts.insert(joined.0.id, joined.clone());
        }
    }
}

/// Every row of a preloaded relation, whichever release it belongs to.
fn rows<T>(relation: Option<&HashMap<i32, Vec<T>>>) -> impl Iterator<Item = &T> {
    relation.into_iter().flat_map(|by_release| by_release.values().flatten())
}

/// The relations `wants` asks for, for the releases `ids`: from the cache when it is current (one
/// statement), from the database otherwise (or always, with the cache turned off).
pub async fn preload(
    db: &DatabaseConnection,
    reference: &Reference,
    ids: &[i32],
    wants: Wants,
) -> Result<Preloaded, ApiError> {
    if !wants.any() || ids.is_empty() {
        return Ok(Preloaded::default());
    }
    if reference.0.is_none() {
        return load(db, ids, wants).await;
    }
    let linked = Linked {
        topics: wants.topics,
        commissions: wants.commissions,
        organisations: wants.organisations,
        contacts: wants.contacts,
    };
    let links = service::release::links_of(db, ids, linked).await?;
    if let Some(preloaded) = reference.assemble(&links, wants) {
        return Ok(preloaded);
    }
    let preloaded = load(db, ids, wants).await?;
    reference.remember(links.mark, &preloaded);
    Ok(preloaded)
}

/// Runs `load` only if its relation is `wanted`.
async fn when<T, F>(wanted: bool, load: impl FnOnce() -> F) -> Result<Option<T>, ApiError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    if wanted { load().await.map(Some) } else { Ok(None) }
}

/// Reads what `wants` asks for, for the releases `ids`: one statement per relation, concurrently,
/// then the members of the commissions found.
async fn load(db: &DatabaseConnection, ids: &[i32], wants: Wants) -> Result<Preloaded, ApiError> {
    let (topics, commissions, organisations, contacts) = futures_util::try_join!(
        when(wants.topics, || async { Ok(group(service::release::topics_of(db, ids).await?)) }),
        when(wants.commissions, || async {
            let rows = service::release::commissions_of(db, ids).await?;
            Ok(group(rows.into_iter().map(|(release, commission, head)| (release, (commission, head)))))
        }),
        when(wants.organisations, || async {
            let rows = service::release::organisations_of(db, ids).await?;
            Ok(group(rows.into_iter().map(|(release, role, organisation)| (release, (role, organisation)))))
        }),
        when(wants.contacts, || async {
            let rows = service::release::contacts_of(db, ids).await?;
            Ok(group(rows.into_iter().map(|(release, contact, employer)| (release, (contact, employer)))))
        }),
    )?;
    let members = match (&commissions, wants.members) {
        (Some(commissions), true) => {
            let mut commission_ids: Vec<i32> =
                commissions.values().flatten().map(|(commission, _)| commission.id).collect();
            commission_ids.sort_unstable();
            commission_ids.dedup();
            let rows = service::commission::members_of(db, &commission_ids).await?;
            Some(group(rows.into_iter().map(|(seat, member)| (seat.commission_id, (seat, member)))))
        }
        _ => None,
    };
    Ok(Preloaded { topics, commissions, organisations, contacts, members })
}
