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

/// A real unique violation from the test's database (PostgreSQL's carries the clashing
/// value in its DETAIL line, `Key (phone)=(13800000000) already exists.`): the text the
/// server logs keeps the SQLSTATE, constraint, table and message, not the value.
#[tokio::test]
async fn a_unique_violation_is_logged_without_the_value_that_clashed() {
    use sea_orm::{ConnectionTrait, DatabaseBackend};
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    db.execute_unprepared("CREATE TABLE clash_test (phone VARCHAR(11) UNIQUE)")
        .await
        .expect("table");
    db.execute_unprepared("INSERT INTO clash_test VALUES ('13800000000')")
        .await
        .expect("first row");
    let err = db
        .execute_unprepared("INSERT INTO clash_test VALUES ('13800000000')")
        .await
        .expect_err("a unique violation");
    let logged = api::error::ApiError::Db(err.clone()).loggable();
    assert!(!logged.contains("13800000000"), "{logged}");
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // What `?e` used to write.
        assert!(format!("{err:?}").contains("13800000000"), "{err:?}");
        assert_eq!(
            logged,
            "execution error: database error SQLSTATE 23505, constraint clash_test_phone_key, \
             table clash_test: duplicate key value violates unique constraint \"clash_test_phone_key\""
        );
    } else {
        assert!(logged.contains("SQLSTATE 2067"), "{logged}");
        assert!(
            logged.contains("UNIQUE constraint failed: clash_test.phone"),
            "{logged}"
        );
    }
}

/// A page number past any list (here `i64::MAX`) made the row offset overflow and the
/// connection drop without an answer (found by the fuzzing pass): every paged route
/// declares and checks its bounds, and answers 400 naming `page`.
#[tokio::test]
async fn a_page_number_past_any_list_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    let token = app.root_token().await;
    for path in [
        "/api/admin/reconciliation/pending",
        "/api/admin/members",
        "/api/admin/orgs",
        "/api/admin/tasks",
    ] {
        let resp = app
            .get(&format!("{path}?page=9223372036854775807"), &token)
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{path}: {resp:?}");
        assert_eq!(resp.code(), "VALIDATION", "{path}");
        assert!(
            resp.body["message"].as_str().unwrap_or("").contains("page"),
            "{path}: {resp:?}"
        );
        let last = app.get(&format!("{path}?page=1000000"), &token).await;
        assert_eq!(last.status, StatusCode::OK, "{path}: {last:?}");
    }
}
