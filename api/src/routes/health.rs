use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::state::AppState;

#[derive(Object)]
pub struct Health {
    /// `ok` or `degraded`
    pub status: String,
    /// `ok` or `down`: without the database nothing can be served.
    pub database: String,
    /// `ok` or `down` (Redis, or the embedded SQLite queue). While it is down the server
    /// still serves every request; new tasks wait as pending and run once it is back.
    pub queue: String,
}

#[derive(ApiResponse)]
pub enum HealthResponse {
    /// Every dependency answers.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// A dependency is down: `database` or `queue` says which. With only the queue down
    /// the server keeps serving (tasks are delayed, not lost).
    #[oai(status = 503)]
    Degraded(Json<Health>),
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::System")]
impl HealthApi {
    /// Health of the server, its database and its queue
    #[oai(path = "/health", method = "get")]
    async fn health(&self, state: Data<&AppState>) -> HealthResponse {
        let database = match state.db.ping().await {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                tracing::error!(error = %e, "health: database down");
                "down".to_owned()
            }
        };
        let queue = match state.queue.check().await {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                tracing::error!(error = %e, "health: queue down");
                "down".to_owned()
            }
        };
        let healthy = database == "ok" && queue == "ok";
        let body = Json(Health {
            status: if healthy { "ok" } else { "degraded" }.to_owned(),
            database,
            queue,
        });
        if healthy {
            HealthResponse::Ok(body)
        } else {
            HealthResponse::Degraded(body)
        }
    }
}
