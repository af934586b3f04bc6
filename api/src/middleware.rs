//! Cross-cutting HTTP concerns: request logging and body size limits.

use std::time::Instant;

use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use tokio::io::AsyncReadExt;
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
/// uploads. A declared length over the limit is refused before reading; a chunked body
/// is read up to the limit and refused past it.
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
        Some(len) if len > limit => return Err(too_large().into()),
        Some(_) => {}
        None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
            let mut bytes = Vec::new();
            req.take_body()
                .into_async_read()
                .take(limit as u64 + 1)
                .read_to_end(&mut bytes)
                .await
                .map_err(|_| ApiError::validation("请求体读取失败"))?;
            if bytes.len() > limit {
                return Err(too_large().into());
            }
            req.set_body(bytes);
        }
        None => {}
    }
    next.call(req).await.map(IntoResponse::into_response)
}
