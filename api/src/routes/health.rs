//! Liveness (the process answers) and readiness (the database answers).

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// `GET /healthz`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers a ping.
pub async fn ready(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "code": "DATABASE_UNAVAILABLE", "message": "the database does not answer" }))
        }
    }
}
