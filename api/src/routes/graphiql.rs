//! `GET /graphiql`: the in-browser IDE, served whole by newsroom: GraphiQL and React are vendored
//! production builds (`api/assets/graphiql/`, versions and licences in its README) embedded in the
//! binary, so the page works on a closed network and runs only the code that was reviewed.

use actix_web::{HttpResponse, http::header, web};
use rust_embed::RustEmbed;

/// The page, its script and the vendored files.
#[derive(RustEmbed)]
#[folder = "assets/graphiql/"]
struct Assets;

/// Only this origin's own scripts and styles run, and the page talks only to this origin's
/// `/graphql`. Styles may be inline because GraphiQL's editors set them on elements; fonts and
/// icons come as `data:` URLs inside its stylesheet.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// Files of the folder that are about the assets, not part of the page.
const NOT_SERVED: [&str; 2] = ["README.md", "FILES"];

/// `GET /graphiql`.
pub async fn page() -> HttpResponse {
    serve("index.html", "no-cache")
}

/// `GET /graphiql/{file}`. Vendored files carry their version in their name; the page's own
/// script may change with newsroom, so a day's caching is the most any of them gets.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    serve(&file, "public, max-age=86400")
}

fn serve(name: &str, cache_control: &'static str) -> HttpResponse {
    let Some(file) = Assets::get(name).filter(|_| !NOT_SERVED.contains(&name)) else {
        return HttpResponse::NotFound()
            .json(serde_json::json!({ "code": "NOT_FOUND", "message": format!("/graphiql/{name} does not exist") }));
    };
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .body(file.data.into_owned())
}
