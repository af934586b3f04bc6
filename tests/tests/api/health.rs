use reqwest::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_reports_the_database_and_the_queue() {
    let app = TestApp::spawn().await;
    let resp = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.body["status"], "ok");
    assert_eq!(resp.body["database"], "ok");
    assert_eq!(resp.body["queue"], "ok");
}

#[tokio::test]
async fn health_answers_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.expect("close pool");
    let resp = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.body["database"], "down");
}

#[tokio::test]
async fn the_openapi_document_declares_the_three_security_schemes_and_docs_are_served() {
    let app = TestApp::spawn().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    let schemes = spec.body["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for name in ["AdminAuth", "MemberAuth", "MerchantAuth"] {
        assert_eq!(schemes[name]["scheme"], "bearer", "{name}");
    }
    assert!(spec.body["paths"]["/api/admin/login"]["post"].is_object());
    assert!(spec.body["paths"]["/health"]["get"].is_object());
    let docs = app
        .client
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.expect("html").contains("swagger"));
}
