//! Media contacts: type, filter, root fields. Non-public contacts exist only for callers who may
//! see them; everyone else gets `null` or an absent row.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, ResultExt, connection::Connection};
use chrono::{DateTime, Utc};
use entity::{contact, organisation};

use super::{
    loader::{OrganisationById, via},
    node::{self, Kind, found},
    organisation::Organisation,
    page::{NameOrder, OffsetCursor, PageArgs, TotalCount, counter, paged},
};
use crate::{
    error::{ApiError, GqlResult},
    service::{self, Ref},
    validate,
};

/// A media contact, with its organisation when the statement that found it joined it (`None`: not
/// loaded, ask the loader).
pub struct Contact(pub contact::Model, pub Option<Option<organisation::Model>>);

impl From<contact::Model> for Contact {
    fn from(row: contact::Model) -> Self {
        Self(row, None)
    }
}

/// A page of contacts.
pub type ContactConnection = Connection<OffsetCursor, Contact, TotalCount>;

/// A media contact: a person (or desk) journalists can call about a release. Anonymous callers
/// see public contacts only; readers, editors and admins see every contact.
#[Object(cache_control(max_age = 300))]
impl Contact {
    /// Global id.
    pub async fn id(&self) -> ID {
        node::global_id(Kind::Contact, self.0.public_id)
    }
    /// Full name (or the name of a desk).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Job title; `null` if unknown.
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }
    /// The office the contact speaks for, e.g. "IOM Ecuador".
    async fn office(&self) -> Option<&str> {
        self.0.office.as_deref()
    }
    /// E-mail address; `null` if none.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone numbers, exactly as published (e.g. "+593 2-22-53-948/49/50").
    async fn phones(&self) -> &[String] {
        &self.0.phones.0
    }
    /// ISO 3166-1 alpha-2 country; `null` if unknown.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Whether anonymous readers may see this contact.
    async fn public(&self) -> bool {
        self.0.is_public
    }
    /// Creation time (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The natural key imports name it by, if it has one.
    async fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }
    /// Bumped by every write: pass it back as `expectedVersion` so that an update made from a
    /// stale copy is refused instead of overwriting someone else's change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The organisation the contact works for; `null` if none is named.
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        if let Some(employer) = &self.1 {
            return Ok(employer.clone().map(Organisation));
        }
        let Some(id) = self.0.organisation_id else { return Ok(None) };
        Ok(super::loader(ctx)?.load(OrganisationById::<{ via::EMPLOYER }>(id)).await.extend()?.map(Organisation))
    }
}

/// Narrows a contact list.
#[derive(InputObject, Default)]
pub struct ContactFilter {
    /// Slug of the organisation they work for.
    organisation: Option<String>,
    /// ISO 3166-1 alpha-2 country (any case), e.g. `EC`.
    country: Option<String>,
    /// Case-insensitive substring of the name.
    name_contains: Option<String>,
}

impl ContactFilter {
    fn into_service(self) -> Result<service::contact::Filter, ApiError> {
        Ok(service::contact::Filter {
            organisation: self.organisation.map(Ref::Slug),
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            name_contains: self.name_contains,
        })
    }
}

/// Contact root fields.
#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// The contact with global id `id`; `null` if there is none the caller may see.
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's global id; an id of another type is refused with BAD_USER_INPUT.")] id: ID,
    ) -> GqlResult<Option<Contact>> {
        let uuid = node::decode_as("id", &id, Kind::Contact).extend()?;
        let contact = service::contact::get(super::db(ctx)?, super::access(ctx)?, uuid).await;
        Ok(found(contact).extend()?.map(Contact::from))
    }

    /// Contacts the caller may see, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many contacts from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: contacts written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many contacts from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the contacts that match; all of them when left out.")] filter: Option<ContactFilter>,
        #[graphql(desc = "The sort order; by name, A to Z, when left out.")] order_by: Option<NameOrder>,
    ) -> GqlResult<ContactConnection> {
        let order = NameOrder::or_default(order_by);
        let filter = Arc::new(filter.unwrap_or_default().into_service().extend()?);
        let db = super::db(ctx)?.clone();
        let access = *super::access(ctx)?;
        let count =
            counter(
                &db,
                &filter,
                move |db, filter| async move { service::contact::count(&db, &access, &filter).await },
            );
        let fetch = |page| async move { service::contact::list(&db, &access, &filter, order, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, Contact::from).await
    }
}
