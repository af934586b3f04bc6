//! 审计日志 (`GET /api/admin/audit-log`): own organisation and below, newest first, paged,
//! filtered by actor, action and date; never the entries of the organisations above or
//! beside.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The actions of a page of the audit log, newest first.
fn actions(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

async fn unit(app: &TestApp, token: &str, name: &str) {
    let created = app
        .post("/api/admin/units", token, json!({ "name": name }))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
}

#[tokio::test]
async fn a_union_sees_its_own_entries_and_never_the_citys_or_a_siblings() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "第一工会", "first").await;
    let (_, sibling) = app
        .create_org(
            &chain.district_token,
            chain.district,
            "第二工会",
            "grassroots_union",
            "second",
        )
        .await;
    unit(&app, &chain.union_token, "第一工会的单位").await;
    unit(&app, &sibling, "第二工会的单位").await;

    // The union: its own entries only (its unit; its admin's password change), never
    // the city's or district's (creating organisations) nor the sibling's unit.
    let own = app.get("/api/admin/audit-log", &chain.union_token).await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    let listed = actions(&own.body);
    assert!(listed.contains(&"create_unit".to_owned()), "{listed:?}");
    assert!(!listed.contains(&"create_org".to_owned()), "{listed:?}");
    for e in own.body["items"].as_array().expect("items") {
        assert_eq!(e["org_name"], "第一工会", "{e}");
    }
    let units = app
        .get(
            "/api/admin/audit-log?action=create_unit",
            &chain.union_token,
        )
        .await;
    assert_eq!(units.body["total"], 1, "{:?}", units.body);
    assert_eq!(units.body["items"][0]["actor_name"], "first");
    assert_eq!(units.body["items"][0]["action_label"], "新增单位");
    assert_eq!(units.body["items"][0]["target_type"], "unit");

    // Naming the city's admin or a sibling's finds nothing from the union.
    for actor in ["admin", "second", "donggang"] {
        let other = app
            .get(
                &format!("/api/admin/audit-log?actor={actor}"),
                &chain.union_token,
            )
            .await;
        assert_eq!(other.status, StatusCode::OK, "{:?}", other.body);
        assert_eq!(other.body["total"], 0, "{actor}: {:?}", other.body);
    }

    // The district sees both unions' units and its own entries; the city everything.
    let district = app
        .get(
            "/api/admin/audit-log?action=create_unit",
            &chain.district_token,
        )
        .await;
    assert_eq!(district.body["total"], 2, "{:?}", district.body);
    let city = app.get("/api/admin/audit-log?actor=admin", &root).await;
    assert!(
        actions(&city.body).contains(&"create_org".to_owned()),
        "{:?}",
        city.body
    );
}

#[tokio::test]
async fn the_audit_log_is_paged_filtered_by_date_and_refuses_bad_input_in_chinese() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (_, union) = app
        .create_org(&root, 1, "第一工会", "grassroots_union", "first")
        .await;
    for i in 0..3 {
        unit(&app, &union, &format!("单位{i}")).await;
    }
    let first = app
        .get(
            "/api/admin/audit-log?action=create_unit&page=1&page_size=2",
            &root,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["total"], 3);
    assert_eq!(first.body["items"].as_array().expect("items").len(), 2);
    // Newest first.
    let ids: Vec<i64> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert!(ids[0] > ids[1], "{ids:?}");

    let today = app.clock.today();
    let dated = app
        .get(
            &format!("/api/admin/audit-log?action=create_unit&from={today}&to={today}"),
            &root,
        )
        .await;
    assert_eq!(dated.body["total"], 3, "{:?}", dated.body);
    let yesterday = today.pred_opt().expect("a day before");
    let before = app
        .get(
            &format!("/api/admin/audit-log?from={yesterday}&to={yesterday}"),
            &root,
        )
        .await;
    assert_eq!(before.body["total"], 0, "{:?}", before.body);

    let reversed = app
        .get(
            &format!("/api/admin/audit-log?from={today}&to={yesterday}"),
            &root,
        )
        .await;
    assert_eq!(reversed.status, StatusCode::BAD_REQUEST);
    assert_eq!(reversed.message(), "结束日期不能早于开始日期");
    let long_actor = format!("actor={}", "a".repeat(51));
    for bad in [
        "page=0",
        "page_size=101",
        "page=1000001",
        "from=2026-13-01",
        long_actor.as_str(),
    ] {
        let refused = app.get(&format!("/api/admin/audit-log?{bad}"), &root).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {:?}",
            refused.body
        );
    }
    let anonymous = app.get("/api/admin/audit-log", "not-a-token").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
