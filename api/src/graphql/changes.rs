//! `changes`: the change log, a page at a time, for partners and build tools that keep a copy in
//! sync (the same entries as `GET /api/changes`; see `service::changes`).

use async_graphql::{Context, Enum, ID, InputObject, Object, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    commission::Commission,
    contact::Contact,
    node::{self, Node},
    organisation::Organisation,
    release::Release,
    topic::Topic,
};
use crate::{
    error::{ApiError, GqlResult},
    service::changes::{self, Change, Records, Subject},
    validate,
};

/// Most entries one page holds.
pub const MAX_PAGE: u64 = 1000;

/// The types of record the change log follows.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeType {
    /// A press release.
    Release,
    /// A topic.
    Topic,
    /// An organisation.
    Organisation,
    /// A commission.
    Commission,
    /// A media contact.
    Contact,
}

impl From<ChangeType> for Subject {
    fn from(kind: ChangeType) -> Self {
        match kind {
            ChangeType::Release => Subject::Release,
            ChangeType::Topic => Subject::Topic,
            ChangeType::Organisation => Subject::Organisation,
            ChangeType::Commission => Subject::Commission,
            ChangeType::Contact => Subject::Contact,
        }
    }
}

impl From<Subject> for ChangeType {
    fn from(subject: Subject) -> Self {
        match subject {
            Subject::Release => ChangeType::Release,
            Subject::Topic => ChangeType::Topic,
            Subject::Organisation => ChangeType::Organisation,
            Subject::Commission => ChangeType::Commission,
            Subject::Contact => ChangeType::Contact,
        }
    }
}

impl From<Subject> for node::Kind {
    fn from(subject: Subject) -> Self {
        match subject {
            Subject::Release => node::Kind::Release,
            Subject::Topic => node::Kind::Topic,
            Subject::Organisation => node::Kind::Organisation,
            Subject::Commission => node::Kind::Commission,
            Subject::Contact => node::Kind::Contact,
        }
    }
}

/// What a change did to a record, as the caller sees it. Anonymous callers see a release enter
/// the public set (`PUBLISHED`, also when a schedule comes due) and leave it (`UNPUBLISHED`,
/// `ARCHIVED`, `DELETED`), and nothing of drafts; other types are `CREATED`, `UPDATED` and
/// `DELETED` (a contact made private leaves as `DELETED`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The record appeared.
    Created,
    /// The record changed.
    Updated,
    /// The release went live (published, or its schedule came due).
    Published,
    /// The release was taken back to a draft or rescheduled: it is no longer public.
    Unpublished,
    /// The release was archived: it is no longer public.
    Archived,
    /// The record was deleted (or, for anonymous callers, can no longer be seen).
    Deleted,
}

impl From<Change> for ChangeKind {
    fn from(change: Change) -> Self {
        match change {
            Change::Created => Self::Created,
            Change::Updated => Self::Updated,
            Change::Published => Self::Published,
            Change::Unpublished => Self::Unpublished,
            Change::Archived => Self::Archived,
            Change::Deleted => Self::Deleted,
        }
    }
}

/// Which entries to follow. Every field narrows. A facet matches a record that had it before the
/// change or has it after, so a partner following a topic sees a release leave it.
#[derive(InputObject, Default)]
pub struct ChangeFilter {
    /// Only these types.
    types: Option<Vec<ChangeType>>,
    /// Only releases in this language (BCP 47), and records of other types.
    language: Option<String>,
    /// Only releases about the topic with this slug.
    topic: Option<String>,
    /// Only releases naming the organisation with this slug.
    organisation: Option<String>,
    /// Only releases about the commission with this slug.
    commission: Option<String>,
    /// Only releases about this country (ISO 3166-1 alpha-2).
    country: Option<String>,
}

impl ChangeFilter {
    fn into_service(self) -> Result<changes::Filter, ApiError> {
        let facets_given = self.language.is_some()
            || self.topic.is_some()
            || self.organisation.is_some()
            || self.commission.is_some()
            || self.country.is_some();
        let mut subjects: Vec<Subject> = self.types.unwrap_or_default().into_iter().map(Subject::from).collect();
        // Facets are releases' (the other types have none), so a facet asks for releases.
        if facets_given && subjects.is_empty() {
            subjects.push(Subject::Release);
        }
        Ok(changes::Filter {
            subjects,
            language: self.language.map(|l| validate::language("filter.language", &l)).transpose()?,
            topic: self.topic,
            organisation: self.organisation,
            commission: self.commission,
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
        })
    }
}

/// One entry of the change log.
pub struct ChangeEntry {
    entry: changes::Entry,
    record: Option<Node>,
}

/// One entry of the change log: a change to a record, at its place in commit order.
#[Object]
impl ChangeEntry {
    /// Where the entry sits in the log: pass it as `after` to read what came after it.
    async fn cursor(&self) -> String {
        self.entry.position.to_string()
    }

    /// The record's type.
    #[graphql(name = "type")]
    async fn kind(&self) -> ChangeType {
        self.entry.subject.into()
    }

    /// The record's global id (the same as its `id` field; kept for deleted records too).
    async fn id(&self) -> ID {
        node::global_id(self.entry.subject.into(), self.entry.id)
    }

    /// Its natural key as it was at the change: `language/slug` for a release, the slug (or a
    /// contact's key) for the others.
    async fn key(&self) -> Option<&str> {
        self.entry.key.as_deref()
    }

    /// What the change did, as the caller sees it.
    async fn change(&self) -> ChangeKind {
        self.entry.change.into()
    }

    /// When it happened: the commit, or the instant a scheduled release came due.
    async fn at(&self) -> DateTime<Utc> {
        self.entry.at
    }

    /// The record as the caller may see it now; null for a tombstone, and for a record since
    /// deleted or hidden (a later entry says so).
    async fn record(&self) -> Option<&Node> {
        self.record.as_ref()
    }
}

/// A page of the change log.
#[derive(SimpleObject)]
pub struct ChangePage {
    /// The entries, oldest first.
    entries: Vec<ChangeEntry>,
    /// Pass as `after` for the next page. On the last page it is where the log stood when read,
    /// so a partner resumes from there whether or not it saw any entry.
    end_cursor: String,
    /// Whether more entries follow now (read again at once) or the log is read to its end (poll
    /// later with `endCursor`).
    has_next_page: bool,
}

/// The change-log root field.
#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// The change log: every change to content, in commit order, each with its cursor. Without
    /// `after` it starts from the beginning (an initial sync: every record that exists appears);
    /// entries older than the retention are gone, and a cursor before them is refused with
    /// CURSOR_EXPIRED (sync again without one).
    #[graphql(complexity = "first.unwrap_or(100).max(0) as usize * (child_complexity + 1)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A cursor from a previous page (`endCursor`) or entry (`cursor`).")] after: Option<String>,
        #[graphql(desc = "Entries per page (default 100, at most 1000).")] first: Option<i32>,
        #[graphql(desc = "Which entries to follow.")] filter: Option<ChangeFilter>,
    ) -> GqlResult<ChangePage> {
        let db = super::db(ctx)?;
        let access = super::access(ctx)?;
        let limit = match first {
            None => 100,
            Some(first) if first < 0 => {
                return Err(ApiError::bad_input("first", "must not be negative")).extend();
            }
            Some(first) if first as u64 > MAX_PAGE => {
                return Err(ApiError::PageSizeExceeded { argument: "first", max: MAX_PAGE, requested: first.into() })
                    .extend();
            }
            Some(first) => first as u64,
        };
        let after = after.map(|cursor| changes::parse_cursor("after", &cursor)).transpose().extend()?;
        let filter = filter.unwrap_or_default().into_service().extend()?;
        let page = changes::page(db, access, after, limit, &filter).await.extend()?;
        let mut records = changes::records(db, access, &page.entries).await.extend()?;
        let entries = page
            .entries
            .into_iter()
            .map(|entry| {
                let record = if entry.change.is_tombstone() { None } else { node_of(&mut records, &entry) };
                ChangeEntry { entry, record }
            })
            .collect();
        Ok(ChangePage { entries, end_cursor: page.cursor.to_string(), has_next_page: page.more })
    }
}

fn node_of(records: &mut Records, entry: &changes::Entry) -> Option<Node> {
    let id = entry.id;
    Some(match entry.subject {
        Subject::Release => Node::from(Release::from(records.releases.get(&id)?.clone())),
        Subject::Topic => Node::from(Topic(records.topics.get(&id)?.clone())),
        Subject::Organisation => Node::from(Organisation(records.organisations.get(&id)?.clone())),
        Subject::Commission => Node::from(Commission::from(records.commissions.get(&id)?.clone())),
        Subject::Contact => Node::from(Contact::from(records.contacts.get(&id)?.clone())),
    })
}
