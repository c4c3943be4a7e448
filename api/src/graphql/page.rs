//! Relay cursor connections over offset windows: argument checks, the page-size cap, opaque
//! cursors, and a `totalCount` that is only counted when a client asks for it.

use std::{future::Future, pin::Pin};

use async_graphql::{
    Enum, InputObject, Object, OutputType,
    connection::{Connection, CursorType, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{config::Limits, error::ApiError, service};

/// An opaque cursor: the position of a row in its ordered list.
pub struct OffsetCursor(pub u64);

impl CursorType for OffsetCursor {
    type Error = ApiError;

    fn decode_cursor(cursor: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::bad_input("cursor", format!("`{cursor}` is not a cursor from this API"));
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let offset = text.strip_prefix("offset:").ok_or_else(invalid)?;
        Ok(Self(offset.parse().map_err(|_| invalid())?))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("offset:{}", self.0))
    }
}

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(remote = "service::Direction")]
pub enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    #[default]
    Desc,
}

/// What a list sorted by name by default can be sorted by.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(remote = "service::NameOrderField")]
pub enum NameOrderField {
    /// Name, alphabetically (in the database's collation).
    #[default]
    Name,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// Sort order of the commission, organisation, contact and topic lists (default: name, A to Z).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct NameOrder {
    /// Sort key.
    #[graphql(default)]
    field: NameOrderField,
    /// Direction.
    #[graphql(default_with = "OrderDirection::Asc")]
    direction: OrderDirection,
}

impl NameOrder {
    /// The service order for an optional `orderBy` argument.
    pub fn or_default(order: Option<NameOrder>) -> service::NameOrder {
        order.map_or_else(service::NameOrder::default, |order| service::NameOrder {
            field: order.field.into(),
            direction: order.direction.into(),
        })
    }
}

/// The Relay paging arguments of one connection field.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Complexity of a connection: its children, times the rows it may return.
pub fn complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.into_iter().chain(last).max().unwrap_or(20).clamp(1, i32::MAX) as usize;
    rows.saturating_mul(child_complexity).saturating_add(1)
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64, ApiError>> + Send>>;

/// The connection-level fields: `totalCount`, counted on demand.
pub struct TotalCount {
    known: Option<u64>,
    count: Box<dyn Fn() -> CountFuture + Send + Sync>,
}

impl TotalCount {
    /// A count that runs `count` when (and only when) a client selects `totalCount`.
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<u64, ApiError>> + Send + 'static,
    {
        Self { known: None, count: Box::new(move || Box::pin(count())) }
    }

    /// The same, answering `known` without counting when it is `Some`.
    pub fn knowing(self, known: Option<u64>) -> Self {
        Self { known: known.or(self.known), ..self }
    }
}

#[Object]
impl TotalCount {
    /// How many records the connection holds across all pages.
    async fn total_count(&self) -> async_graphql::Result<u64> {
        use async_graphql::ErrorExtensions;
        match self.known {
            Some(total) => Ok(total),
            None => (self.count)().await.map_err(|error| error.extend()),
        }
    }
}

/// The rows one connection request covers.
pub struct Window {
    pub page: Page,
    has_previous: bool,
    /// One extra row is fetched to learn whether another page follows.
    probe: bool,
    before_bound: bool,
    total: Option<u64>,
}

/// The service-level page of a window.
pub use service::Page;

impl Window {
    /// Checks the paging arguments and works out the window; counts the rows only for `last`
    /// without `before`, which cannot be answered otherwise.
    pub async fn resolve(args: &PageArgs, limits: &Limits, total: &TotalCount) -> Result<Self, ApiError> {
        let first = checked("first", args.first, limits.max_page_size)?;
        let last = checked("last", args.last, limits.max_page_size)?;
        let after = cursor("after", args.after.as_deref())?;
        let before = cursor("before", args.before.as_deref())?;

        let mut start = after.map_or(0, |after| after + 1);
        let mut end = before;
        if let Some(end) = end {
            start = start.min(end);
        }
        let first = if first.is_none() && last.is_none() { Some(limits.default_page_size) } else { first };
        let mut probe = false;
        if let Some(first) = first {
            let bound = start + first;
            if end.is_none_or(|end| bound < end) {
                end = Some(bound);
                probe = true;
            }
        }
        let mut known_total = None;
        if let Some(last) = last {
            let bound = match end {
                Some(end) => end,
                None => {
                    let counted = (total.count)().await?;
                    known_total = Some(counted);
                    counted
                }
            };
            start = start.max(bound.saturating_sub(last));
            end = Some(bound);
            probe = probe && first.is_some();
        }
        let end = end.unwrap_or(start);
        let limit = end - start + u64::from(probe);
        Ok(Self {
            page: Page { offset: start, limit },
            has_previous: start > 0,
            probe,
            before_bound: before.is_some(),
            total: known_total,
        })
    }

    /// The connection holding `rows` (as fetched for `self.page`), each mapped by `node`.
    pub fn connection<Row, Node: OutputType>(
        self,
        mut rows: Vec<Row>,
        mut total: TotalCount,
        node: impl Fn(Row) -> Node,
    ) -> Connection<OffsetCursor, Node, TotalCount> {
        let page_size = self.page.limit - u64::from(self.probe);
        let more = rows.len() as u64 > page_size;
        rows.truncate(page_size as usize);
        let has_next = if self.probe {
            more
        } else {
            self.before_bound || self.total.is_some_and(|total| self.page.offset + page_size < total)
        };
        total.known = self.total;
        let mut connection = Connection::with_additional_fields(self.has_previous, has_next, total);
        connection.edges.extend(
            rows.into_iter()
                .enumerate()
                .map(|(index, row)| Edge::new(OffsetCursor(self.page.offset + index as u64), node(row))),
        );
        connection
    }
}

pub(crate) fn checked(argument: &'static str, value: Option<i32>, max: u64) -> Result<Option<u64>, ApiError> {
    match value {
        None => Ok(None),
        Some(value) if value < 0 => Err(ApiError::bad_input(argument, format!("`{argument}` must not be negative"))),
        Some(value) if value as u64 > max => {
            Err(ApiError::PageSizeExceeded { argument, max, requested: i64::from(value) })
        }
        Some(value) => Ok(Some(value as u64)),
    }
}

fn cursor(argument: &'static str, value: Option<&str>) -> Result<Option<u64>, ApiError> {
    value
        .map(|value| {
            OffsetCursor::decode_cursor(value)
                .map(|cursor| cursor.0)
                .map_err(|_| ApiError::bad_input(argument, format!("`{value}` is not a cursor from this API")))
        })
        .transpose()
}

/// One connection: resolves the window, fetches its rows with `fetch` and wraps each with `node`;
/// `count` runs only for `totalCount` or for `last` without `before`.
pub async fn paged<Row, Node, Count, CountFut, Fetch, FetchFut>(
    ctx: &async_graphql::Context<'_>,
    args: &PageArgs,
    count: Count,
    fetch: Fetch,
    node: impl Fn(Row) -> Node,
) -> async_graphql::Result<Connection<OffsetCursor, Node, TotalCount>>
where
    Node: OutputType,
    Count: Fn() -> CountFut + Send + Sync + 'static,
    CountFut: Future<Output = Result<u64, ApiError>> + Send + 'static,
    Fetch: FnOnce(Page) -> FetchFut,
    FetchFut: Future<Output = Result<Vec<Row>, ApiError>>,
{
    use async_graphql::ResultExt;
    let limits = ctx.data::<Limits>()?;
    let total = TotalCount::new(count);
    let window = Window::resolve(args, limits, &total).await.extend()?;
    let rows = fetch(window.page).await.extend()?;
    Ok(window.connection(rows, total, node))
}

/// A `count` for `paged`: runs `count` over its own handles to the database and the filter, so
/// the count can outlive the resolver that built it.
pub fn counter<T, F, Fut>(
    db: &sea_orm::DatabaseConnection,
    filter: &std::sync::Arc<T>,
    count: F,
) -> impl Fn() -> Fut + Send + Sync + 'static
where
    T: Send + Sync + 'static,
    F: Fn(sea_orm::DatabaseConnection, std::sync::Arc<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, ApiError>> + Send + 'static,
{
    let (db, filter) = (db.clone(), filter.clone());
    move || count(db.clone(), filter.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(first: Option<i32>, after: Option<u64>, last: Option<i32>, before: Option<u64>) -> PageArgs {
        PageArgs {
            first,
            after: after.map(|a| OffsetCursor(a).encode_cursor()),
            last,
            before: before.map(|b| OffsetCursor(b).encode_cursor()),
        }
    }

    async fn window(page: PageArgs) -> Result<Window, ApiError> {
        let total = TotalCount::new(|| async { Ok(45) });
        Window::resolve(&page, &Limits::default(), &total).await
    }

    #[tokio::test]
    async fn windows_follow_the_relay_arguments() {
        let w = window(args(None, None, None, None)).await.unwrap();
        assert_eq!((w.page.offset, w.page.limit, w.probe), (0, 21, true));
        let w = window(args(Some(10), Some(9), None, None)).await.unwrap();
        assert_eq!((w.page.offset, w.page.limit, w.has_previous), (10, 11, true));
        let w = window(args(None, None, Some(5), None)).await.unwrap();
        assert_eq!((w.page.offset, w.page.limit, w.total), (40, 5, Some(45)));
        let w = window(args(None, None, Some(5), Some(3))).await.unwrap();
        assert_eq!((w.page.offset, w.page.limit, w.has_previous), (0, 3, false));
    }

    #[tokio::test]
    async fn oversized_and_negative_pages_are_refused_with_codes() {
        let error = window(args(Some(101), None, None, None)).await.err().unwrap();
        assert_eq!(error.code(), "PAGE_SIZE_EXCEEDED");
        let error = window(args(None, None, Some(-1), None)).await.err().unwrap();
        assert_eq!(error.code(), "BAD_USER_INPUT");
        let bad = PageArgs { after: Some("nope".into()), ..PageArgs::default() };
        assert_eq!(window(bad).await.err().unwrap().code(), "BAD_USER_INPUT");
    }
}
