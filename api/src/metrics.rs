//! What the api adds to `jobs::metrics`: every request by its route template and
//! status, and the outcome label of a claim or redemption.

use std::time::Instant;

use jobs::metrics::Metrics;
use poem::PathPattern;
use poem::{Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiResult;

/// Counts and times a request under its matched route template (`/api/admin/tasks/:param0`,
/// so ids in paths do not make a series each); requests no route matched are
/// `unmatched`.
pub async fn record_request<E: Endpoint>(
    next: E,
    req: Request,
    metrics: Metrics,
) -> Result<Response> {
    if !metrics.is_enabled() {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).await.map(IntoResponse::into_response);
    let (status, route) = match &result {
        Ok(r) => (r.status(), r.data::<PathPattern>().cloned()),
        Err(e) => (e.status(), e.data::<PathPattern>().cloned()),
    };
    let route = route.map_or_else(|| "unmatched".into(), |p| p.0);
    metrics.http_request(method.as_str(), &route, status.as_u16(), started.elapsed());
    result
}

/// Counts a claim by its outcome.
pub fn count_claim<T>(metrics: &Metrics, result: &ApiResult<T>) {
    if metrics.is_enabled() {
        metrics.claim(&outcome(result));
    }
}

/// Counts a redemption by its outcome.
pub fn count_redemption<T>(metrics: &Metrics, result: &ApiResult<T>) {
    if metrics.is_enabled() {
        metrics.redemption(&outcome(result));
    }
}

/// `success`, or the error code the client hears (`SOLD_OUT`, `ALREADY_REDEEMED`, ...).
fn outcome<T>(result: &ApiResult<T>) -> String {
    match result {
        Ok(_) => "success".to_owned(),
        Err(e) => e.body().code.as_str().to_owned(),
    }
}
