//! `/metrics`: Prometheus text on a listener of its own (`METRICS_ADDR`), or on the main
//! port behind `METRICS_TOKEN`, and nowhere without either.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::claims::{Spec, claim, direct_members, rush_in, staff_token};
use crate::helpers::TestApp;

/// The value of the series `name{labels}` (exactly these labels), if present.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<&str, &str> = labels.iter().copied().collect();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, found) = match series.split_once('{') {
                Some((n, rest)) => (n, parse_labels(rest.strip_suffix('}')?)),
                None => (series, BTreeMap::new()),
            };
            (series_name == name && found == wanted).then(|| value.parse().ok())?
        })
}

fn parse_labels(text: &str) -> BTreeMap<&str, &str> {
    text.split("\",")
        .filter_map(|pair| {
            let (k, v) = pair.split_once("=\"")?;
            Some((k, v.trim_end_matches('"')))
        })
        .collect()
}

pub async fn scrape(app: &TestApp, url: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("scrape");
    (resp.status(), resp.text().await.expect("text"))
}

#[tokio::test]
async fn metrics_on_their_own_listener_count_claims_redemptions_requests_and_tasks() {
    let app = TestApp::spawn_with(|s| s.metrics_addr = Some("127.0.0.1:0".into())).await;
    let port = app.metrics_port.expect("a metrics listener");
    let ids = rush_in(&app, 1, json!({ "kind": "once" }), Spec::default()).await;
    let tokens = direct_members(&app, &ids.union_token, 1, 2).await;
    let won = claim(&app, ids.activity, &tokens[0], None).await;
    assert_eq!(won.status, StatusCode::CREATED, "{:?}", won.body);
    let lost = claim(&app, ids.activity, &tokens[1], None).await;
    assert_eq!(lost.code(), "SOLD_OUT");
    let staff = staff_token(&app, "13700000001").await;
    let code = won.body["code"].as_str().expect("code");
    for expected in [StatusCode::CREATED, StatusCode::CONFLICT] {
        let r = app
            .post("/api/merchant/redemptions", &staff, json!({ "code": code }))
            .await;
        assert_eq!(r.status, expected, "{:?}", r.body);
    }
    let root = app
        .admin_login("admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let root = root.body["token"].as_str().expect("token").to_owned();
    let task = app.ping_task(&root).await;
    app.wait_for_task(&root, task, std::time::Duration::from_secs(30))
        .await;

    let (status, text) = scrape(&app, &format!("http://127.0.0.1:{port}/metrics"), None).await;
    assert_eq!(status, StatusCode::OK);
    let value = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        value("gonghui_claims_total", &[("outcome", "success")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value("gonghui_claims_total", &[("outcome", "SOLD_OUT")]),
        Some(1.0)
    );
    assert_eq!(
        value("gonghui_redemptions_total", &[("outcome", "success")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            "gonghui_redemptions_total",
            &[("outcome", "ALREADY_REDEEMED")]
        ),
        Some(1.0)
    );
    // Requests by route template (not the path with its id), method and status.
    let claims = [
        ("method", "POST"),
        ("route", "/api/app/activities/:param0/claims"),
        ("status", "201"),
    ];
    assert_eq!(
        value("gonghui_http_requests_total", &claims),
        Some(1.0),
        "{text}"
    );
    let refused = [
        ("method", "POST"),
        ("route", "/api/app/activities/:param0/claims"),
        ("status", "409"),
    ];
    assert_eq!(value("gonghui_http_requests_total", &refused), Some(1.0));
    assert_eq!(
        value("gonghui_http_request_duration_seconds_count", &claims),
        Some(1.0)
    );
    let inf = [claims.as_slice(), &[("le", "+Inf")]].concat();
    assert_eq!(
        value("gonghui_http_request_duration_seconds_bucket", &inf),
        Some(1.0)
    );
    assert!(!text.contains(&format!("/api/app/activities/{}/claims", ids.activity)));
    // The in-process worker's task, and the pools.
    let ping = [("kind", "ping"), ("outcome", "succeeded")];
    assert_eq!(value("gonghui_tasks_total", &ping), Some(1.0));
    assert_eq!(
        value("gonghui_task_duration_seconds_count", &ping),
        Some(1.0)
    );
    assert_eq!(
        value("gonghui_tasks_running", &[("kind", "ping")]),
        Some(0.0)
    );
    assert_eq!(
        value("gonghui_db_pool_max_connections", &[("pool", "main")]),
        Some(8.0)
    );
    let idle = value(
        "gonghui_db_pool_connections",
        &[("pool", "main"), ("state", "idle")],
    );
    assert!(idle.is_some_and(|n| n >= 0.0), "{text}");
    if !app.settings.is_sqlite() {
        // PostgreSQL sends claims, redemptions and token lookups in batches.
        for kind in ["claims", "redemptions", "member_tokens", "staff_tokens"] {
            let batches = value("gonghui_batch_size_count", &[("kind", kind)]);
            assert!(batches.is_some_and(|n| n >= 1.0), "{kind}: {text}");
        }
        assert!(value("gonghui_db_pool_max_connections", &[("pool", "batches")]).is_some());
    }
    // With a listener of its own, the main port does not serve them.
    let (main, _) = scrape(&app, &format!("{}/metrics", app.base), None).await;
    assert_eq!(main, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_metrics_settings_the_main_port_has_no_metrics() {
    let app = TestApp::spawn().await;
    assert!(app.metrics_port.is_none());
    let (status, _) = scrape(&app, &format!("{}/metrics", app.base), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_a_metrics_token_the_main_port_serves_metrics_to_its_bearer_only() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some("scrape-8d1f2c".to_owned().into());
    })
    .await;
    let url = format!("{}/metrics", app.base);
    let (status, _) = scrape(&app, &url, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = scrape(&app, &url, Some("scrape-wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(body["code"], "UNAUTHORIZED");
    app.request(Method::GET, "/health", None, None).await;
    let (status, text) = scrape(&app, &url, Some("scrape-8d1f2c")).await;
    assert_eq!(status, StatusCode::OK);
    let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
    assert_eq!(
        sample(&text, "gonghui_http_requests_total", &health),
        Some(1.0),
        "{text}"
    );
}
