//! The admin console served by the `api` binary from the embedded `web/dist` build.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};

use crate::helpers::TestApp;

/// A client that shows redirects instead of following them.
fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    plain_client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request sent")
}

pub fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_root_redirects_to_the_admin_console() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/").await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(header(&resp, LOCATION), "/admin/");
}

#[tokio::test]
async fn the_console_page_is_served_and_never_cached() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/admin/").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&resp, CACHE_CONTROL), "no-cache");
    let html = resp.text().await.expect("html");
    assert!(html.contains("管理后台"), "{html}");
    assert!(html.contains("/admin/assets/"), "{html}");
}

#[tokio::test]
async fn a_deep_client_route_falls_back_to_the_console_page() {
    let app = TestApp::spawn().await;
    let index = get(&app, "/admin/").await.text().await.expect("index");
    let resp = get(&app, "/admin/members").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, CACHE_CONTROL), "no-cache");
    assert_eq!(resp.text().await.expect("html"), index);
}

/// The first hashed asset the app's page at `base` (`/admin/`, `/m/`) links is served
/// to be cached for good, and a missing one is a 404 (never the page in its place).
pub async fn assert_assets_cached_and_missing_404(app: &TestApp, base: &str) {
    let html = get(app, base).await.text().await.expect("index");
    let prefix = format!("{base}assets/");
    let start = html.find(&prefix).expect("an asset link");
    let end = start + html[start..].find('"').expect("closing quote");
    let asset = &html[start..end];
    let resp = get(app, asset).await;
    assert_eq!(resp.status(), StatusCode::OK, "{asset}");
    assert_eq!(
        header(&resp, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let missing = get(app, &format!("{prefix}index-00000000.js")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_hashed_asset_is_cached_for_a_year_and_a_missing_one_is_404() {
    let app = TestApp::spawn().await;
    assert_assets_cached_and_missing_404(&app, "/admin/").await;
}

#[tokio::test]
async fn unknown_api_paths_still_answer_the_json_404() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/api/admin/no-such-thing").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(header(&resp, CONTENT_TYPE).starts_with("application/json"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "NOT_FOUND");
    assert_eq!(body["message"], "接口不存在");
}
