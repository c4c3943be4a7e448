//! Batched loads: every relation the API navigates is fetched with one statement per level of a
//! query, whatever the number of parent rows. One loader, one key type per relation path.
//!
//! Each path has its own key type even where the rows are the same (an organisation as a head, a
//! member, an employer or a parent): keys of one type are registered together when their parent
//! batch arrives, so a query's statements follow its shape exactly, and two paths never race to
//! share (or split) a batch depending on how fast the database answered.

use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{commission, commission_member, contact, organisation, release, release_organisation, topic};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    auth::Access,
    error::ApiError,
    service::{
        self, Page,
        release::{Columns, Filter, Order, Parent},
    },
};

/// One request's loader, with a count of the keys its resolvers have asked for so far.
///
/// A batch must wait until the request has asked for every key of its level. Actix workers run
/// one single-threaded runtime each, and a request resolving a long list yields part-way (futures'
/// `FuturesUnordered` yields once two children have yielded), so a batch started on a timer can
/// fire between two halves of a level and split in two; a batch deferred to an idle worker waits
/// for every other request on it. Instead a batch re-queues itself behind the request until a
/// round passes in which the request asked for no new key: then the level is complete, and the
/// statements of a query follow its shape whatever the load or the machine's speed.
pub struct RequestLoader {
    loader: DataLoader<DbLoader>,
    asked: Arc<AtomicUsize>,
}

impl RequestLoader {
    /// A loader over `db` for one request by `access`.
    pub fn new(db: &DatabaseConnection, access: Access) -> Self {
        let asked = Arc::new(AtomicUsize::new(0));
        let watched = asked.clone();
        let spawn = move |fetch: BoxFuture<'static, ()>| {
            let watched = watched.clone();
            tokio::spawn(async move {
                settle(&watched).await;
                fetch.await
            })
        };
        Self { loader: DataLoader::new(DbLoader::new(db.clone(), access), spawn).delay(Duration::ZERO), asked }
    }

    /// Loads `key` with the other keys of its level.
    pub async fn load<K>(&self, key: K) -> Result<Option<<DbLoader as Loader<K>>::Value>, ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        DbLoader: Loader<K, Error = ApiError>,
    {
        self.asked.fetch_add(1, Ordering::Relaxed);
        self.loader.load_one(key).await
    }
}

/// Returns once a whole round of the worker's queue has passed without a new key being asked for.
async fn settle(asked: &AtomicUsize) {
    loop {
        let seen = asked.load(Ordering::Relaxed);
        YieldOnce(false).await;
        if asked.load(Ordering::Relaxed) == seen {
            return;
        }
    }
}

/// Goes to the back of the worker's queue once (unlike `tokio::task::yield_now`, which waits for
/// the worker to poll its I/O driver, that is for the whole queue to drain under load).
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Loads relations through the services, for one caller.
pub struct DbLoader {
    db: DatabaseConnection,
    access: Access,
}

impl DbLoader {
    /// A loader over `db` for `access`.
    pub fn new(db: DatabaseConnection, access: Access) -> Self {
        Self { db, access }
    }
}

/// What one nested release connection asks for: the same for every parent of a list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReleasePage {
    pub filter: Filter,
    pub order: Order,
    pub page: Page,
    pub columns: Columns,
}

/// One page of the releases listed under a commission, organisation or topic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReleasesUnder {
    pub parent: Parent,
    pub id: i32,
    pub page: Arc<ReleasePage>,
}

/// How many releases are listed under a commission, organisation or topic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReleaseCountUnder {
    pub parent: Parent,
    pub id: i32,
    pub filter: Arc<Filter>,
}

/// Groups keys that share everything but their parent's id, keeping each group's ids.
fn by_query<K, Q: Hash + Eq>(keys: &[K], query: impl Fn(&K) -> (Q, i32)) -> HashMap<Q, Vec<i32>> {
    group(keys.iter().map(query))
}

impl Loader<ReleasesUnder> for DbLoader {
    type Value = Vec<release::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[ReleasesUnder]) -> Result<HashMap<ReleasesUnder, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        for ((parent, page), ids) in by_query(keys, |k| ((k.parent, k.page.clone()), k.id)) {
            let ReleasePage { filter, order, page: window, columns } = page.as_ref();
            let rows =
                service::release::list_under(&self.db, &self.access, parent, &ids, filter, *order, *window, *columns)
                    .await?;
            let mut rows = group(rows);
            for id in ids {
                let key = ReleasesUnder { parent, id, page: page.clone() };
                found.insert(key, rows.remove(&id).unwrap_or_default());
            }
        }
        Ok(found)
    }
}

impl Loader<ReleaseCountUnder> for DbLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(&self, keys: &[ReleaseCountUnder]) -> Result<HashMap<ReleaseCountUnder, u64>, ApiError> {
        let mut found = HashMap::new();
        for ((parent, filter), ids) in by_query(keys, |k| ((k.parent, k.filter.clone()), k.id)) {
            let counts: HashMap<i32, u64> =
                service::release::count_under(&self.db, &self.access, parent, &ids, &filter)
                    .await?
                    .into_iter()
                    .collect();
            for id in ids {
                let count = counts.get(&id).copied().unwrap_or(0);
                found.insert(ReleaseCountUnder { parent, id, filter: filter.clone() }, count);
            }
        }
        Ok(found)
    }
}

/// An organisation by internal key, reached along path `VIA` (see `via`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganisationById<const VIA: u8>(pub i32);

/// The paths along which the API reaches an organisation by key.
pub mod via {
    /// `Commission.headOrganisation`.
    pub const HEAD: u8 = 0;
    /// `Contact.organisation`.
    pub const EMPLOYER: u8 = 2;
    /// `Organisation.parent`.
    pub const PARENT: u8 = 3;
}
/// A commission by internal key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommissionById(pub i32);
/// The topics of a release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TopicsOfRelease(pub i32);
/// The commissions a release speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommissionsOfRelease(pub i32);
/// The organisations a release names, with their roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganisationsOfRelease(pub i32);
/// The media contacts of a release, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContactsOfRelease(pub i32);
/// The countries a release is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CountriesOfRelease(pub i32);
/// A topic by internal key (a topic's parent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TopicById(pub i32);
/// The narrower topics of a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenOfTopic(pub i32);
/// The external identifiers of a record of a type (`service::external_id::RELEASE`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternalIdsOf(pub &'static str, pub i32);
/// The releases of a translation group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TranslationGroup(pub Uuid);
/// The members of a commission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembersOfCommission(pub i32);
/// The commission seats of an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembershipsOfOrganisation(pub i32);
/// The departments of an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenOfOrganisation(pub i32);

/// Groups (key, value) pairs, keeping the order the statement returned them in.
pub(crate) fn group<K: Hash + Eq, V>(pairs: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut groups: HashMap<K, Vec<V>> = HashMap::new();
    for (key, value) in pairs {
        groups.entry(key).or_default().push(value);
    }
    groups
}

fn ids<K>(keys: &[K], id: impl Fn(&K) -> i32) -> Vec<i32> {
    keys.iter().map(id).collect()
}

impl<const VIA: u8> Loader<OrganisationById<VIA>> for DbLoader {
    type Value = organisation::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[OrganisationById<VIA>],
    ) -> Result<HashMap<OrganisationById<VIA>, Self::Value>, ApiError> {
        let rows = service::organisation::by_ids(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (OrganisationById(row.id), row)).collect())
    }
}

impl Loader<CommissionById> for DbLoader {
    type Value = commission::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[CommissionById]) -> Result<HashMap<CommissionById, Self::Value>, ApiError> {
        let rows = service::commission::by_ids(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (CommissionById(row.id), row)).collect())
    }
}

impl Loader<TopicsOfRelease> for DbLoader {
    type Value = Vec<topic::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[TopicsOfRelease]) -> Result<HashMap<TopicsOfRelease, Self::Value>, ApiError> {
        let rows = service::release::topics_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().map(|(release, topic)| (TopicsOfRelease(release), topic))))
    }
}

impl Loader<CountriesOfRelease> for DbLoader {
    type Value = Vec<String>;
    type Error = ApiError;

    async fn load(&self, keys: &[CountriesOfRelease]) -> Result<HashMap<CountriesOfRelease, Self::Value>, ApiError> {
        let rows = service::release::write::countries_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().map(|(release, country)| (CountriesOfRelease(release), country))))
    }
}

impl Loader<TopicById> for DbLoader {
    type Value = topic::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[TopicById]) -> Result<HashMap<TopicById, Self::Value>, ApiError> {
        let rows = service::topic::by_ids(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|row| (TopicById(row.id), row)).collect())
    }
}

impl Loader<ChildrenOfTopic> for DbLoader {
    type Value = Vec<topic::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[ChildrenOfTopic]) -> Result<HashMap<ChildrenOfTopic, Self::Value>, ApiError> {
        let rows = service::topic::children_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().filter_map(|row| Some((ChildrenOfTopic(row.parent_id?), row)))))
    }
}

impl Loader<ExternalIdsOf> for DbLoader {
    type Value = Vec<service::external_id::ExternalId>;
    type Error = ApiError;

    /// One statement per record type asked for (a page asks for one).
    async fn load(&self, keys: &[ExternalIdsOf]) -> Result<HashMap<ExternalIdsOf, Self::Value>, ApiError> {
        let mut found = HashMap::new();
        let types: std::collections::BTreeSet<&'static str> = keys.iter().map(|key| key.0).collect();
        for entity_type in types {
            let records: Vec<i32> = keys.iter().filter(|key| key.0 == entity_type).map(|key| key.1).collect();
            let ids = service::external_id::of(&self.db, entity_type, &records).await?;
            found.extend(ids.into_iter().map(|(id, list)| (ExternalIdsOf(entity_type, id), list)));
        }
        Ok(found)
    }
}

impl Loader<CommissionsOfRelease> for DbLoader {
    type Value = Vec<(commission::Model, Option<organisation::Model>)>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CommissionsOfRelease],
    ) -> Result<HashMap<CommissionsOfRelease, Self::Value>, ApiError> {
        let rows = service::release::commissions_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(
            rows.into_iter().map(|(release, commission, head)| (CommissionsOfRelease(release), (commission, head))),
        ))
    }
}

impl Loader<OrganisationsOfRelease> for DbLoader {
    type Value = Vec<(release_organisation::Role, organisation::Model)>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[OrganisationsOfRelease],
    ) -> Result<HashMap<OrganisationsOfRelease, Self::Value>, ApiError> {
        let rows = service::release::organisations_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(
            rows.into_iter()
                .map(|(release, role, organisation)| (OrganisationsOfRelease(release), (role, organisation))),
        ))
    }
}

impl Loader<ContactsOfRelease> for DbLoader {
    type Value = Vec<(contact::Model, Option<organisation::Model>)>;
    type Error = ApiError;

    async fn load(&self, keys: &[ContactsOfRelease]) -> Result<HashMap<ContactsOfRelease, Self::Value>, ApiError> {
        let rows = service::release::contacts_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(
            rows.into_iter().map(|(release, contact, employer)| (ContactsOfRelease(release), (contact, employer))),
        ))
    }
}

impl Loader<TranslationGroup> for DbLoader {
    type Value = Vec<release::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[TranslationGroup]) -> Result<HashMap<TranslationGroup, Self::Value>, ApiError> {
        let groups: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = service::release::in_translation_groups(&self.db, &groups).await?;
        Ok(group(rows.into_iter().filter_map(|row| Some((TranslationGroup(row.translation_group?), row)))))
    }
}

impl Loader<MembersOfCommission> for DbLoader {
    type Value = Vec<(commission_member::Model, organisation::Model)>;
    type Error = ApiError;

    async fn load(&self, keys: &[MembersOfCommission]) -> Result<HashMap<MembersOfCommission, Self::Value>, ApiError> {
        let rows = service::commission::members_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().map(|row| (MembersOfCommission(row.0.commission_id), row))))
    }
}

impl Loader<MembershipsOfOrganisation> for DbLoader {
    type Value = Vec<commission_member::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[MembershipsOfOrganisation],
    ) -> Result<HashMap<MembershipsOfOrganisation, Self::Value>, ApiError> {
        let rows = service::organisation::memberships_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().map(|row| (MembershipsOfOrganisation(row.organisation_id), row))))
    }
}

impl Loader<ChildrenOfOrganisation> for DbLoader {
    type Value = Vec<organisation::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ChildrenOfOrganisation],
    ) -> Result<HashMap<ChildrenOfOrganisation, Self::Value>, ApiError> {
        let rows = service::organisation::children_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(group(rows.into_iter().filter_map(|row| Some((ChildrenOfOrganisation(row.parent_id?), row)))))
    }
}
