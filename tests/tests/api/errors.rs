use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_a_400_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(format!("{}/api/admin/login", app.base))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "VALIDATION");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .starts_with("请求格式不正确")
    );
}

#[tokio::test]
async fn a_missing_field_is_a_400() {
    let app = TestApp::spawn().await;
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/admin/login",
            None,
            Some(serde_json::json!({ "username": "admin" })),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.code(), "VALIDATION");
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = TestApp::spawn().await;
    let resp = app
        .request(reqwest::Method::GET, "/api/admin/nothing-here", None, None)
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.code(), "NOT_FOUND");
}

#[tokio::test]
async fn an_oversized_body_is_a_413_declared_or_chunked() {
    let app = TestApp::spawn_with(|s| s.body_limit_bytes = 1024).await;
    let big = format!(
        "{{\"username\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(4096)
    );
    let declared = app
        .client
        .post(format!("{}/api/admin/login", app.base))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(big.into_bytes())]);
    let chunked = app
        .client
        .post(format!("{}/api/admin/login", app.base))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("sent");
    assert_eq!(chunked.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = chunked.json().await.expect("json");
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
}
