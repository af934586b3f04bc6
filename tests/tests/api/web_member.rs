//! The member H5 served by the `api` binary at `/m/` from the embedded `web/dist/m` build.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

use crate::helpers::TestApp;
use crate::web_console::{assert_assets_cached_and_missing_404, get, header};

#[tokio::test]
async fn the_member_page_is_served_at_m_and_never_cached() {
    let app = TestApp::spawn().await;
    let resp = get(&app, "/m/").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&resp, CACHE_CONTROL), "no-cache");
    let html = resp.text().await.expect("html");
    assert!(html.contains("会员端"), "{html}");
    assert!(html.contains("/m/assets/"), "{html}");
    // Not the console's page.
    assert!(!html.contains("/admin/assets/"), "{html}");
}

#[tokio::test]
async fn member_client_routes_fall_back_to_the_member_page() {
    let app = TestApp::spawn().await;
    let index = get(&app, "/m/").await.text().await.expect("index");
    for path in ["/m/vouchers/12", "/m/login", "/m/activities?x=1"] {
        let resp = get(&app, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.text().await.expect("html"), index, "{path}");
    }
}

#[tokio::test]
async fn member_assets_are_cached_for_good_and_a_missing_one_is_404() {
    let app = TestApp::spawn().await;
    assert_assets_cached_and_missing_404(&app, "/m/").await;
}
