//! Feed discovery: the feed URLs of a topic, commission, organisation, country or language, so
//! that frontends can print `<link rel="alternate">` tags.

use async_graphql::{Context, Object, ResultExt, SimpleObject};

use crate::{error::GqlResult, feeds::Format, validate};

/// This API's public base URL, as the request reached it (see `routes::feeds::base_url`).
#[derive(Clone, Debug)]
pub struct FeedBase(pub String);

/// The absolute URLs of one feed in each format, for `<link rel="alternate">` tags. A feed lists
/// what anonymous callers see (published releases, and scheduled ones once due), newest first.
#[derive(SimpleObject)]
pub struct FeedLinks {
    /// RSS 2.0 (`application/rss+xml`).
    rss: String,
    /// Atom 1.0 (`application/atom+xml`).
    atom: String,
    /// JSON Feed 1.1 (`application/feed+json`).
    json: String,
}

/// The feed at `path` (e.g. `/feeds/topics/health`) with `query` (already encoded, may be empty).
pub(crate) fn links(ctx: &Context<'_>, path: &str, query: &str) -> GqlResult<FeedLinks> {
    let base = ctx.data::<FeedBase>().map(|base| base.0.as_str()).unwrap_or_default();
    let separator = if query.is_empty() { "" } else { "?" };
    let url = |format: Format| format!("{base}{path}.{}{separator}{query}", format.extension());
    Ok(FeedLinks { rss: url(Format::Rss), atom: url(Format::Atom), json: url(Format::Json) })
}

/// Feed root fields.
#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// The feeds of all published releases, or of those datelined in `country` and/or in
    /// `language`.
    async fn feeds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO 3166-1 alpha-2 dateline country (any case), e.g. `EC`.")] country: Option<String>,
        #[graphql(desc = "BCP 47 language tag, e.g. `es`.")] language: Option<String>,
    ) -> GqlResult<FeedLinks> {
        let country = country.map(|c| validate::country("country", &c)).transpose().extend()?;
        let language = language.map(|l| validate::language("language", &l)).transpose().extend()?;
        match (country, language) {
            (Some(country), None) => links(ctx, &format!("/feeds/countries/{country}"), ""),
            (None, Some(language)) => links(ctx, &format!("/feeds/languages/{language}"), ""),
            (Some(country), Some(language)) => {
                links(ctx, "/feeds/releases", &format!("country={country}&language={language}"))
            }
            (None, None) => links(ctx, "/feeds/releases", ""),
        }
    }
}
