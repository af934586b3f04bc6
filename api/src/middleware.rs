//! Cross-cutting HTTP concerns: request logging and body size limits.

use std::time::Instant;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use poem::http::header;
use poem::{Body, Endpoint, IntoResponse, Request, Response, Result};
use tracing::Instrument;

use crate::error::ApiError;

/// One span per request with method and path (never the query string, which may carry
/// an ID number or phone being searched), and one line with status and latency.
pub async fn log_request<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path());
    async move {
        let started = Instant::now();
        let resp = next.call(req).await.map(IntoResponse::into_response);
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &resp {
            Ok(r) => tracing::info!(status = r.status().as_u16(), latency_ms, "response"),
            Err(e) => tracing::info!(status = e.status().as_u16(), latency_ms, "response"),
        }
        resp
    }
    .instrument(span)
    .await
}

/// Body size limits: `json_limit` for ordinary requests, `upload_limit` for multipart
/// uploads. A declared length over the limit is refused before reading. A body without
/// a declared length (chunked HTTP/1.1, HTTP/2 without `content-length`) is streamed
/// through a counter that fails the read past the limit; whatever the handler then
/// answers, the client gets 413. A declared length needs no counter: hyper never
/// delivers more bytes than it declares (HTTP/1.1 frames by it, HTTP/2 refuses a stream
/// that overruns it).
pub async fn limit_body<E: Endpoint>(
    next: E,
    mut req: Request,
    json_limit: usize,
    upload_limit: usize,
) -> Result<Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    let limit = if multipart { upload_limit } else { json_limit };
    let too_large = || ApiError::PayloadTooLarge(format!("请求体过大（上限 {} KB）", limit / 1024));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(len) if len > limit => Err(too_large().into()),
        Some(_) => next.call(req).await.map(IntoResponse::into_response),
        None => {
            let overrun = Arc::new(AtomicBool::new(false));
            let body = capped(req.take_body(), limit, overrun.clone());
            req.set_body(body);
            let resp = next.call(req).await.map(IntoResponse::into_response);
            // The handler saw its read fail (and answered 400 or the like, having
            // written nothing): the client learns the real reason.
            let failed = resp.as_ref().map_or(true, |r| !r.status().is_success());
            if failed && overrun.load(Ordering::SeqCst) {
                return Err(too_large().into());
            }
            resp
        }
    }
}

/// `body`, failing every read once more than `limit` bytes have come (and noting so in
/// `overrun`). Streams: nothing is buffered here.
fn capped(body: Body, limit: usize, overrun: Arc<AtomicBool>) -> Body {
    let mut seen = 0usize;
    Body::from_bytes_stream(body.into_bytes_stream().map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            overrun.store(true, Ordering::SeqCst);
            return Err(std::io::Error::other("request body over the limit"));
        }
        Ok(chunk)
    }))
}
