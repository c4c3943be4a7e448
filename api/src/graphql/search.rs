//! What search adds to release lists: the cursor of a ranked list, the ranked (keyset) page, and
//! each edge's highlights.

use async_graphql::{
    Context, ResultExt, SimpleObject,
    connection::{Connection, CursorType, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::release;

use super::page::{OffsetCursor, PageArgs, TotalCount};
use crate::{
    body,
    config::Limits,
    error::ApiError,
    search::{Analyzer, highlight::Matcher, query::SearchQuery},
    service::release::{RankKey, Seek},
};

/// The cursor of a release list: a position (offset lists), or a release's place in a ranked
/// list, which stays valid whatever is written between two pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseCursor {
    Position(u64),
    Ranked(RankKey),
}

impl CursorType for ReleaseCursor {
    type Error = ApiError;

    fn decode_cursor(cursor: &str) -> Result<Self, ApiError> {
        if let Ok(OffsetCursor(position)) = OffsetCursor::decode_cursor(cursor) {
            return Ok(Self::Position(position));
        }
        let invalid = || ApiError::bad_input("cursor", format!("`{cursor}` is not a cursor from this API"));
        let text = URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|bytes| String::from_utf8(bytes).ok());
        let text = text.ok_or_else(invalid)?;
        let mut fields = text.strip_prefix("rank:").ok_or_else(invalid)?.splitn(3, '|');
        let mut next = || fields.next().ok_or_else(invalid);
        let rank = next()?.parse().map_err(|_| invalid())?;
        let at = DateTime::parse_from_rfc3339(next()?).map_err(|_| invalid())?.with_timezone(&Utc);
        let id = next()?.parse().map_err(|_| invalid())?;
        Ok(Self::Ranked(RankKey { rank, at, id }))
    }

    fn encode_cursor(&self) -> String {
        match self {
            Self::Position(position) => OffsetCursor(*position).encode_cursor(),
            Self::Ranked(RankKey { rank, at, id }) => URL_SAFE_NO_PAD
                .encode(format!("rank:{rank}|{}|{id}", at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
        }
    }
}

/// What an edge of a release list adds to its release.
#[derive(SimpleObject, Default)]
pub struct ReleaseHit {
    /// Where the list's `search` matched this release, marked; `null` when the list has no search
    /// (or it is a topic's, commission's or organisation's list).
    highlights: Option<Highlights>,
}

impl From<Option<Highlights>> for ReleaseHit {
    fn from(highlights: Option<Highlights>) -> Self {
        Self { highlights }
    }
}

/// A release's title and a snippet of its text, HTML-escaped, with the words a search matched
/// wrapped in `<mark>`; safe to put into a page as HTML.
#[derive(SimpleObject)]
pub struct Highlights {
    /// The whole title.
    title: String,
    /// Up to 30 words of the summary or body around the first match (`…` where cut); their
    /// opening when only the title or a name matched.
    snippet: String,
}

/// A page of releases.
pub type ReleaseConnection = Connection<ReleaseCursor, super::release::Release, TotalCount, ReleaseHit>;

/// The highlights of `release` for `query`.
pub fn highlights(query: &SearchQuery, release: &release::Model) -> Highlights {
    let matcher = Matcher::new(query);
    let analyzer = Analyzer::for_language(&release.language);
    let summary = release.summary.as_deref().unwrap_or_default();
    let text = body::to_text(&release.body, release.body_format);
    let snippet = matcher
        .snippet(&analyzer, summary)
        .or_else(|| matcher.snippet(&analyzer, &text))
        .unwrap_or_else(|| matcher.opening(&analyzer, if summary.is_empty() { &text } else { summary }));
    Highlights { title: matcher.mark(&analyzer, &release.title), snippet }
}

/// Whether the current connection field selects highlights.
pub fn wants_highlights(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("edges").field("highlights").exists()
}

/// Retypes an offset connection as a release list, each edge with `hit` of its release.
pub fn from_offsets(
    connection: Connection<OffsetCursor, super::release::Release, TotalCount>,
    hit: impl Fn(&super::release::Release) -> ReleaseHit,
) -> ReleaseConnection {
    let mut retyped = Connection::with_additional_fields(
        connection.has_previous_page,
        connection.has_next_page,
        connection.additional_fields,
    );
    retyped.edges.extend(connection.edges.into_iter().map(|edge| {
        let hit = hit(&edge.node);
        Edge::with_additional_fields(ReleaseCursor::Position(edge.cursor.0), edge.node, hit)
    }));
    retyped
}

/// The window a ranked page covers: where it starts, how many rows to fetch (one more than asked,
/// to learn whether another page follows), and how many to keep from the end when `last` trims
/// a `first` page.
pub struct RankedWindow {
    pub seek: Seek,
    pub limit: u64,
    after: bool,
    before: bool,
    last: Option<u64>,
}

impl RankedWindow {
    /// Checks the Relay arguments of a ranked list: cursors must come from a ranked list.
    pub fn resolve(args: &PageArgs, limits: &Limits) -> Result<Self, ApiError> {
        let first = super::page::checked("first", args.first, limits.max_page_size)?;
        let last = super::page::checked("last", args.last, limits.max_page_size)?;
        let ranked = |argument: &'static str, value: Option<&str>| -> Result<Option<RankKey>, ApiError> {
            match value.map(ReleaseCursor::decode_cursor).transpose() {
                Ok(None) => Ok(None),
                Ok(Some(ReleaseCursor::Ranked(key))) => Ok(Some(key)),
                _ => Err(ApiError::bad_input(
                    argument,
                    format!("`{}` is not a cursor of a list ordered by RELEVANCE", value.unwrap_or_default()),
                )),
            }
        };
        let after = ranked("after", args.after.as_deref())?;
        let before = ranked("before", args.before.as_deref())?;
        let (after_given, before_given) = (after.is_some(), before.is_some());
        // Forwards from `after` unless only `last` is asked for: then backwards from `before`
        // (or from the end).
        let backwards = first.is_none() && last.is_some();
        let size = if backwards { last } else { first.or(Some(limits.default_page_size)) }.unwrap_or_default();
        let seek = Seek { from: if backwards { before } else { after }, backwards };
        Ok(Self {
            seek,
            limit: size + 1,
            after: after_given,
            before: before_given,
            last: if backwards { None } else { last },
        })
    }

    /// The connection holding `rows` (as `list_ranked` returned them for this window).
    pub fn connection(
        self,
        mut rows: Vec<(RankKey, super::release::Release, ReleaseHit)>,
        total: TotalCount,
    ) -> ReleaseConnection {
        let size = (self.limit - 1) as usize;
        let more = rows.len() > size;
        rows.truncate(size);
        let (mut has_previous, mut has_next) = if self.seek.backwards {
            rows.reverse();
            (more, self.before)
        } else {
            (self.after, more)
        };
        if let Some(last) = self.last.map(|last| last as usize)
            && rows.len() > last
        {
            rows.drain(..rows.len() - last);
            has_previous = true;
            has_next = has_next || more;
        }
        let mut connection = Connection::with_additional_fields(has_previous, has_next, total);
        connection.edges.extend(
            rows.into_iter()
                .map(|(key, node, hit)| Edge::with_additional_fields(ReleaseCursor::Ranked(key), node, hit)),
        );
        connection
    }
}

/// Runs `fetch` on the window `args` asks for and builds the ranked connection.
pub async fn ranked<Fetch, FetchFut>(
    ctx: &Context<'_>,
    args: &PageArgs,
    total: TotalCount,
    fetch: Fetch,
) -> async_graphql::Result<ReleaseConnection>
where
    Fetch: FnOnce(Seek, u64) -> FetchFut,
    FetchFut: Future<Output = Result<RankedRows, ApiError>>,
{
    let limits = ctx.data::<Limits>()?;
    let window = RankedWindow::resolve(args, limits).extend()?;
    let (rows, known) = fetch(window.seek.clone(), window.limit).await.extend()?;
    Ok(window.connection(rows, total.knowing(known)))
}

/// What a ranked page's fetch returns: its rows, and how many match in all when it counted them.
pub type RankedRows = (Vec<(RankKey, super::release::Release, ReleaseHit)>, Option<u64>);
