//! The body limit holds however the client frames the body: a declared length, chunked
//! HTTP/1.1, or HTTP/2 (prior knowledge, as the server speaks h2c) with no
//! `content-length` at all.

use entity::organisation;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::TestApp;

/// A valid request to create an organisation, padded with JSON whitespace to 8 KB: only
/// its size is wrong.
fn padded_org(name: &str) -> Vec<u8> {
    let body = json!({
        "parent_id": 1,
        "name": name,
        "kind": "district_federation",
        "admin_username": "padded",
    })
    .to_string();
    format!("{body}{}", " ".repeat(8 * 1024)).into_bytes()
}

/// A streamed body: reqwest declares no length for it.
fn streamed(bytes: Vec<u8>) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(1024).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

async fn orgs_named(app: &TestApp, name: &str) -> u64 {
    organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name))
        .count(&app.state.db)
        .await
        .expect("count")
}

async fn assert_refused(app: &TestApp, client: &reqwest::Client, token: &str, name: &str) {
    let resp = client
        .post(format!("{}/api/admin/orgs", app.base))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(streamed(padded_org(name)))
        .send()
        .await
        .expect("sent");
    let version = resp.version();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "{version:?}");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE", "{version:?}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("请求体过大"),
        "{body}"
    );
    assert_eq!(
        orgs_named(app, name).await,
        0,
        "{version:?}: nothing written"
    );
}

#[tokio::test]
async fn an_undeclared_oversized_body_is_a_413_over_http1_chunked_and_http2() {
    let app = TestApp::spawn_with(|s| s.body_limit_bytes = 4 * 1024).await;
    let root = app.root_token().await;

    // The same request within the limit is accepted, so the refusals are for size alone.
    let small = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({ "parent_id": 1, "name": "岚山区总工会", "kind": "district_federation",
                    "admin_username": "lanshan" }),
        )
        .await;
    assert_eq!(small.status, StatusCode::OK, "{:?}", small.body);

    let http1 = reqwest::Client::builder()
        .http1_only()
        .build()
        .expect("client");
    assert_refused(&app, &http1, &root, "东港区总工会").await;

    let http2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("client");
    // The server does speak HTTP/2 without TLS: a plain request goes through.
    let health = http2
        .get(format!("{}/health", app.base))
        .send()
        .await
        .expect("h2c");
    assert_eq!(health.version(), reqwest::Version::HTTP_2);
    assert_refused(&app, &http2, &root, "五莲县总工会").await;
}
