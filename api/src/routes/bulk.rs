//! `POST /api/import` and `GET /api/export`, for the importer and admin roles: the body is
//! streamed to a temporary file (never held in memory), imported, and answered with the report;
//! an export is streamed out (NDJSON, or CSV for one type) a chunk at a time.

use std::io::Write;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, http::header, web};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use crate::{
    auth::{Caller, policy::Operation, token::Verifier},
    error::ApiError,
    export,
    import::{self, Format, Mode, Options, record::Kind},
    service::write::{Author, Generation},
};

/// Largest import body accepted (it goes to disk, not memory).
const MAX_IMPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The caller a request's `Authorization` header makes.
pub(crate) fn caller(verifier: &Verifier, request: &HttpRequest) -> Caller {
    let authorization = request.headers().get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or(""));
    Caller::from_authorization(verifier, authorization)
}

/// The query parameters of an import.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    mode: Option<String>,
    /// The record type of a CSV body.
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn format_of(request: &HttpRequest, kind: Option<&str>) -> Result<Format, ApiError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    match media {
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" | "application/json-seq" => {
            Ok(Format::Ndjson)
        }
        "application/json" => Ok(Format::Json),
        "text/csv" => {
            let kind = kind.ok_or_else(|| {
                ApiError::bad_input("type", "a CSV body needs ?type=organisation|topic|contact|commission|release")
            })?;
            Kind::parse(kind)
                .map(Format::Csv)
                .ok_or_else(|| ApiError::bad_input("type", format!("unknown type `{kind}`")))
        }
        _ => Err(ApiError::bad_input(
            "Content-Type",
            "send application/x-ndjson, application/json (an array) or text/csv",
        )),
    }
}

/// `POST /api/import`.
pub async fn import(
    request: HttpRequest,
    query: web::Query<ImportQuery>,
    mut body: web::Payload,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
    generation: web::Data<std::sync::Arc<Generation>>,
    limits: web::Data<crate::config::Limits>,
) -> HttpResponse {
    let caller = caller(&verifier, &request);
    let result = async {
        let principal = caller.require(Operation::Import)?;
        let format = format_of(&request, query.kind.as_deref())?;
        let mode = match &query.mode {
            Some(mode) => mode.parse::<Mode>().map_err(|message| ApiError::bad_input("mode", message))?,
            None => Mode::Atomic,
        };
        let spool = tempfile::NamedTempFile::new().map_err(|error| ApiError::BadRequest(error.to_string()))?;
        let mut file =
            std::io::BufWriter::new(spool.reopen().map_err(|error| ApiError::BadRequest(error.to_string()))?);
        let mut received = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|error| ApiError::BadRequest(error.to_string()))?;
            received += chunk.len() as u64;
            if received > MAX_IMPORT_BYTES {
                return Err(ApiError::PayloadTooLarge { limit: MAX_IMPORT_BYTES as usize });
            }
            file.write_all(&chunk).map_err(|error| ApiError::BadRequest(error.to_string()))?;
        }
        file.flush().map_err(|error| ApiError::BadRequest(error.to_string()))?;
        drop(file);
        let request_id = request.extensions().get::<RequestId>().map(ToString::to_string);
        let author = Author {
            principal,
            request_id: request_id.as_deref(),
            generation: generation.get_ref(),
            limits: limits.get_ref().into(),
        };
        let options = Options { mode, dry_run: query.dry_run };
        // The server's log follows a long import (the request's span names it).
        let progress: import::OnProgress = std::sync::Arc::new(|progress: import::Progress| {
            tracing::info!(
                phase = ?progress.phase,
                records = progress.records,
                total_records = progress.total_records,
                eta_seconds = progress.eta_seconds,
                done = progress.done,
                "import progress"
            );
        });
        let inputs = vec![(spool.path().to_path_buf(), format)];
        let report = import::run(&db, author, inputs, options, Some(progress)).await?;
        Ok::<_, ApiError>(report)
    };
    match result.await {
        // A report with failures is still the answer: 422 tells scripts to read it.
        Ok(report) if report.failed == 0 => HttpResponse::Ok().json(report),
        Ok(report) => HttpResponse::UnprocessableEntity().json(report),
        Err(error) => error.error_response(),
    }
}

/// `GET /api/export?type=…&format=ndjson|csv`: every record (of the types asked for), streamed.
pub async fn export(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
) -> HttpResponse {
    let caller = caller(&verifier, &request);
    if let Err(error) = caller.require(Operation::Export) {
        return error.error_response();
    }
    let mut kinds = Vec::new();
    let mut format = export::Format::default();
    for (name, value) in url::form_urlencoded::parse(request.query_string().as_bytes()) {
        match (name.as_ref(), Kind::parse(&value)) {
            ("type", Some(kind)) => kinds.push(kind),
            ("type", None) => return ApiError::bad_input("type", format!("unknown type `{value}`")).error_response(),
            ("format", _) => match value.parse() {
                Ok(parsed) => format = parsed,
                Err(message) => return ApiError::bad_input("format", message).error_response(),
            },
            (other, _) => return ApiError::bad_input(other, "export takes `type` and `format`").error_response(),
        }
    }
    // Checked before the response starts: once streaming, an error can only cut it short.
    if format == export::Format::Csv && kinds.len() != 1 {
        return ApiError::bad_input("type", "a CSV export holds one type: name it (type=release)").error_response();
    }
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = db.get_ref().clone();
    let (failed, mut failure) = tokio::sync::oneshot::channel::<ApiError>();
    tokio::spawn(async move {
        // `sender` lives until the failure (if any) is sent, so the stream sees it before its end.
        if let Err(error) = export::write(&db, &kinds, format, sender.clone()).await {
            tracing::warn!(error = %error, "export stopped");
            let _ = failed.send(error);
        }
        drop(sender);
    });
    // The body ends with the last chunk; an export that fails midway ends with an error, which
    // cuts the response short rather than passing a truncated file off as complete.
    let stream = futures_util::stream::poll_fn(move |context| match receiver.poll_recv(context) {
        std::task::Poll::Ready(Some(bytes)) => std::task::Poll::Ready(Some(Ok(web::Bytes::from(bytes)))),
        std::task::Poll::Ready(None) => match failure.try_recv() {
            Ok(error) => std::task::Poll::Ready(Some(Err(error))),
            Err(_) => std::task::Poll::Ready(None),
        },
        std::task::Poll::Pending => std::task::Poll::Pending,
    });
    HttpResponse::Ok().content_type(format.content_type()).streaming(stream)
}
