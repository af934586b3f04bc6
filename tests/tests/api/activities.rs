use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::coupons::create_coupon;
use crate::helpers::{Chain, Resp, TestApp};
use crate::merchants::create_merchant;

pub fn activity_body(scope_org_id: i64) -> Value {
    let start = Utc::now() + Duration::days(1);
    json!({
        "title": "中秋节福利发放",
        "cover_url": "https://img.example.cn/cover.png",
        "claim_limit": { "kind": "once" },
        "scope_org_id": scope_org_id,
        "starts_at": start.to_rfc3339(),
        "ends_at": (start + Duration::days(14)).to_rfc3339(),
        "content_html": "<p>请于<strong>节前</strong>领取</p>",
        "birthday_only": false
    })
}

pub async fn create_activity(app: &TestApp, token: &str, scope_org_id: i64) -> i64 {
    let created = app
        .post("/api/admin/activities", token, activity_body(scope_org_id))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    created.body["id"].as_i64().expect("id")
}

pub async fn add_prize(
    app: &TestApp,
    token: &str,
    activity: i64,
    coupon: i64,
    quantity: i64,
) -> Resp {
    app.post(
        &format!("/api/admin/activities/{activity}/prizes"),
        token,
        json!({ "coupon_id": coupon, "quantity": quantity }),
    )
    .await
}

pub async fn act(app: &TestApp, token: &str, activity: i64, action: &str, body: Value) -> Resp {
    app.post(
        &format!("/api/admin/activities/{activity}/{action}"),
        token,
        body,
    )
    .await
}

/// Root federation → district (own admin + a second admin) → grassroots union.
struct Tree {
    root: String,
    district: i64,
    district_token: String,
    union: i64,
    union_token: String,
    sibling_token: String,
}

async fn tree(app: &TestApp) -> Tree {
    let root = app.root_token().await;
    let Chain {
        district,
        district_token,
        union,
        union_token,
    } = app
        .district_and_union(&root, "东港区第一基层工会", "dg-one")
        .await;
    let (_, sibling_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    Tree {
        root,
        district,
        district_token,
        union,
        union_token,
        sibling_token,
    }
}

/// A union activity with one prize, ready to submit.
async fn ready_activity(app: &TestApp, t: &Tree) -> (i64, i64) {
    let m = create_merchant(app, &t.union_token, "基层商家", "13900000001").await;
    let coupon = create_coupon(app, &t.union_token, m, 100).await;
    let id = create_activity(app, &t.union_token, t.union).await;
    let prize = add_prize(app, &t.union_token, id, coupon, 10).await;
    assert_eq!(prize.status, StatusCode::OK, "{:?}", prize.body);
    (id, coupon)
}

#[tokio::test]
async fn activity_fields_are_validated_with_the_field_named() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("title", json!(""), "活动标题"),
        ("starts_at", json!(past), "活动开始时间须晚于当前时间"),
        (
            "ends_at",
            json!(Utc::now().to_rfc3339()),
            "活动结束时间须晚于开始时间",
        ),
        ("claim_limit", json!({ "kind": "per_day" }), "领券次数"),
        (
            "claim_limit",
            json!({ "kind": "per_day", "times": 0 }),
            "领券次数",
        ),
        ("cover_url", json!("javascript:alert(1)"), "活动封面"),
        ("cover_url", Value::Null, "活动封面不能为空"),
        ("content_html", json!(" "), "活动内容"),
        ("scope_unit_id", json!(987_654), "适用单位"),
        ("cover_file_id", json!(987_654), "活动封面"),
    ];
    for (field, value, message) in cases {
        let mut body = activity_body(t.union);
        body[field] = value;
        let resp = app
            .post("/api/admin/activities", &t.union_token, body)
            .await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{field}: {:?}",
            resp.body
        );
        assert!(
            resp.message().contains(message),
            "{field}: {}",
            resp.message()
        );
    }
    // The scope must be in the publisher's subtree: the parent is not.
    let up = app
        .post(
            "/api/admin/activities",
            &t.union_token,
            activity_body(t.district),
        )
        .await;
    assert_eq!(up.status, StatusCode::BAD_REQUEST);
    assert!(up.message().contains("适用范围"));
    // A district may target its union.
    let down = app
        .post(
            "/api/admin/activities",
            &t.district_token,
            activity_body(t.union),
        )
        .await;
    assert_eq!(down.status, StatusCode::OK, "{:?}", down.body);
    assert_eq!(down.body["status"], "draft");
    assert_eq!(down.body["status_label"], "草稿");
    assert_eq!(down.body["review_status_label"], "未提交");
    assert_eq!(down.body["org_name"], "东港区总工会");
}

#[tokio::test]
async fn a_unit_of_the_scope_organisation_may_narrow_the_scope() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let now = Utc::now();
    let unit = entity::unit::ActiveModel {
        org_id: Set(t.union),
        name: Set("日照港集团".into()),
        collective_bargaining: Set(false),
        employee_count: Set(10),
        migrant_worker_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("unit");
    let mut body = activity_body(t.union);
    body["scope_unit_id"] = json!(unit.id);
    let ok = app
        .post("/api/admin/activities", &t.union_token, body)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["scope_unit_id"], unit.id);
    // The unit belongs to the union, not to the sibling's subtree.
    let (sibling_org, sibling) = {
        let list = app.get("/api/admin/orgs?name=岚山", &t.root).await;
        (
            list.body["items"][0]["id"].as_i64().expect("id"),
            &t.sibling_token,
        )
    };
    let mut body = activity_body(sibling_org);
    body["scope_unit_id"] = json!(unit.id);
    let refused = app.post("/api/admin/activities", sibling, body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.message().contains("适用单位"));
}

#[tokio::test]
async fn content_is_sanitised_scripts_handlers_and_javascript_urls_removed() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let mut body = activity_body(t.union);
    body["content_html"] = json!(
        r#"<h2>活动说明</h2><p onclick="steal()">请<strong>按时</strong>领取<script>alert(1)</script></p><ul><li>东港区</li></ul><a href="javascript:alert(2)">点我</a><a href="https://www.rzzgh.cn/">总工会</a><img src="x" onerror="alert(3)"><img src="https://img.example.cn/a.png">"#
    );
    let created = app
        .post("/api/admin/activities", &t.union_token, body)
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let html = created.body["content_html"].as_str().expect("html");
    for bad in ["script", "onclick", "onerror", "javascript", "alert"] {
        assert!(!html.contains(bad), "{bad} left in {html}");
    }
    for good in [
        "<h2>活动说明</h2>",
        "<strong>按时</strong>",
        "<ul><li>东港区</li></ul>",
        r#"<a href="https://www.rzzgh.cn/" rel="noopener noreferrer">总工会</a>"#,
        r#"<img src="https://img.example.cn/a.png">"#,
    ] {
        assert!(html.contains(good), "{good} missing in {html}");
    }
}

#[tokio::test]
async fn prizes_never_exceed_the_coupon_quantity_across_activities() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let m = create_merchant(&app, &t.union_token, "基层商家", "13900000001").await;
    let coupon = create_coupon(&app, &t.union_token, m, 100).await;
    let first = create_activity(&app, &t.union_token, t.union).await;
    let second = create_activity(&app, &t.union_token, t.union).await;

    assert_eq!(
        add_prize(&app, &t.union_token, first, coupon, 0)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let ok = add_prize(&app, &t.union_token, first, coupon, 70).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["prizes"][0]["quantity"], 70);
    assert_eq!(ok.body["prize_quantity"], 70);
    let too_many = add_prize(&app, &t.union_token, second, coupon, 31).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT);
    assert_eq!(too_many.code(), "INSUFFICIENT_QUANTITY");
    let dup = add_prize(&app, &t.union_token, first, coupon, 1).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let rest = add_prize(&app, &t.union_token, second, coupon, 30).await;
    assert_eq!(rest.status, StatusCode::OK, "{:?}", rest.body);
    let c = app
        .get(&format!("/api/admin/coupons/{coupon}"), &t.union_token)
        .await;
    assert_eq!(c.body["reserved"], 100);
    assert_eq!(c.body["available"], 0);

    // The coupon's quantity cannot drop below what activities hold.
    let mut edit = crate::coupons::coupon_body(m, 99);
    edit["version"] = c.body["version"].clone();
    let shrink = app
        .put(
            &format!("/api/admin/coupons/{coupon}"),
            &t.union_token,
            edit.clone(),
        )
        .await;
    assert_eq!(shrink.status, StatusCode::CONFLICT);
    assert_eq!(shrink.code(), "QUANTITY_BELOW_RESERVED");

    // Removing a prize and deleting an activity give the quantity back.
    let prize_id = rest.body["prizes"][0]["id"].as_i64().expect("prize id");
    let removed = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/activities/{second}/prizes/{prize_id}"),
            Some(&t.union_token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert_eq!(removed.body["prizes"], json!([]));
    let deleted = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/activities/{first}"),
            Some(&t.union_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    let c = app
        .get(&format!("/api/admin/coupons/{coupon}"), &t.union_token)
        .await;
    assert_eq!(c.body["reserved"], 0);
    edit["version"] = c.body["version"].clone();
    let shrink = app
        .put(
            &format!("/api/admin/coupons/{coupon}"),
            &t.union_token,
            edit,
        )
        .await;
    assert_eq!(shrink.status, StatusCode::OK, "{:?}", shrink.body);
}

#[tokio::test]
async fn concurrent_prizes_cannot_together_exceed_the_quantity() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let m = create_merchant(&app, &t.union_token, "基层商家", "13900000001").await;
    let coupon = create_coupon(&app, &t.union_token, m, 10).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(create_activity(&app, &t.union_token, t.union).await);
    }
    let results = futures::future::join_all(
        ids.iter()
            .map(|id| add_prize(&app, &t.union_token, *id, coupon, 4)),
    )
    .await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 2, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r.status == StatusCode::OK || r.code() == "INSUFFICIENT_QUANTITY")
    );
    let c = app
        .get(&format!("/api/admin/coupons/{coupon}"), &t.union_token)
        .await;
    assert_eq!(c.body["reserved"], 8);
}

#[tokio::test]
async fn only_enabled_coupons_of_own_or_granting_merchants_can_be_prizes() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    // A coupon of the district's merchant: visible to nobody below, not usable by the union.
    let district_merchant =
        create_merchant(&app, &t.district_token, "区总商家", "13900000005").await;
    let district_coupon = create_coupon(&app, &t.district_token, district_merchant, 50).await;
    let union_merchant = create_merchant(&app, &t.union_token, "基层商家", "13900000001").await;
    let id = create_activity(&app, &t.union_token, t.union).await;
    let refused = add_prize(&app, &t.union_token, id, district_coupon, 5).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        refused.body
    );
    assert!(refused.message().contains("coupon_id"));

    // Once the district grants it to the union's merchant, the union may use it.
    let granted = app
        .post(
            &format!("/api/admin/coupons/{district_coupon}/grants"),
            &t.district_token,
            json!({ "merchant_id": union_merchant }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    let ok = add_prize(&app, &t.union_token, id, district_coupon, 5).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);

    // A closed coupon cannot be added.
    let own = create_coupon(&app, &t.union_token, union_merchant, 50).await;
    app.post(
        &format!("/api/admin/coupons/{own}/disable"),
        &t.union_token,
        json!({}),
    )
    .await;
    let closed = add_prize(&app, &t.union_token, id, own, 5).await;
    assert_eq!(closed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_whole_workflow_records_every_step_in_the_trail() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let (id, _) = ready_activity(&app, &t).await;

    let submitted = act(&app, &t.union_token, id, "submit", json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{:?}", submitted.body);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["review_status_label"], "待审核");

    // Submitted: no edit, no delete, no prize change; 409 naming the state.
    let mut edit = activity_body(t.union);
    edit["version"] = submitted.body["version"].clone();
    let refused = app
        .put(&format!("/api/admin/activities/{id}"), &t.union_token, edit)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "ILLEGAL_TRANSITION");
    assert!(
        refused.message().contains("待审核"),
        "{}",
        refused.message()
    );
    let del = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/activities/{id}"),
            Some(&t.union_token),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::CONFLICT);
    assert!(del.message().contains("待审核"));
    let open_early = act(&app, &t.union_token, id, "open", json!({})).await;
    assert_eq!(open_early.status, StatusCode::CONFLICT);

    let rejected = act(
        &app,
        &t.district_token,
        id,
        "review",
        json!({ "approve": false, "comment": "请补充领取地点" }),
    )
    .await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    assert_eq!(rejected.body["status_label"], "驳回");
    assert_eq!(rejected.body["review_comment"], "请补充领取地点");

    // Rejected: editable again.
    let mut edit = activity_body(t.union);
    edit["title"] = json!("中秋节福利发放（补充地点）");
    edit["version"] = rejected.body["version"].clone();
    let edited = app
        .put(&format!("/api/admin/activities/{id}"), &t.union_token, edit)
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["status"], "rejected");
    assert_eq!(
        act(&app, &t.union_token, id, "submit", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let approved = act(
        &app,
        &t.district_token,
        id,
        "review",
        json!({ "approve": true, "comment": "同意" }),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["review_status_label"], "审核通过");
    assert_eq!(approved.body["open_label"], "关闭");
    let again = act(
        &app,
        &t.district_token,
        id,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.message().contains("审核通过"));

    let opened = act(&app, &t.union_token, id, "open", json!({})).await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
    assert_eq!(opened.body["open_label"], "开启");
    let closed = act(
        &app,
        &t.union_token,
        id,
        "close",
        json!({ "comment": "提前结束" }),
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["status_label"], "已关闭");
    assert_eq!(closed.body["review_status_label"], "审核通过");
    let reopen = act(&app, &t.union_token, id, "open", json!({})).await;
    assert_eq!(reopen.status, StatusCode::CONFLICT);
    assert!(reopen.message().contains("已关闭"));

    let trail = app
        .get(&format!("/api/admin/activities/{id}/trail"), &t.union_token)
        .await;
    assert_eq!(trail.status, StatusCode::OK);
    let actions: Vec<&str> = trail
        .body
        .as_array()
        .expect("trail")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "add_prize",
            "submit",
            "reject",
            "edit",
            "submit",
            "approve",
            "open",
            "close"
        ]
    );
    let reject = &trail.body[3];
    assert_eq!(reject["actor_name"], "donggang");
    assert_eq!(reject["org_name"], "东港区总工会");
    assert_eq!(reject["comment"], "请补充领取地点");
    assert_eq!(reject["to_status_label"], "驳回");
    assert!(reject["created_at"].as_str().is_some());
}

#[tokio::test]
async fn an_activity_cannot_be_submitted_without_prizes_nor_opened_after_its_end() {
    // Tokens must outlive the jump past the activity's end.
    let app = TestApp::spawn_with(|s| s.session_ttl_hours = 24 * 60).await;
    let t = tree(&app).await;
    let empty = create_activity(&app, &t.union_token, t.union).await;
    let resp = act(&app, &t.union_token, empty, "submit", json!({})).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.message().contains("奖品"));

    let (id, _) = ready_activity(&app, &t).await;
    act(&app, &t.union_token, id, "submit", json!({})).await;
    let approved = act(
        &app,
        &t.district_token,
        id,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK);
    app.clock.advance(Duration::days(30));
    let late = act(&app, &t.union_token, id, "open", json!({})).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.code(), "ACTIVITY_ENDED");
    // Closing is still possible.
    assert_eq!(
        act(&app, &t.union_token, id, "close", json!({}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn review_is_only_for_ancestor_admins_never_own_or_sibling() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let (id, _) = ready_activity(&app, &t).await;
    act(&app, &t.union_token, id, "submit", json!({})).await;

    // The publisher's own admins: 403. A sibling branch: 404 (invisible).
    let own = act(
        &app,
        &t.union_token,
        id,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(own.code(), "NOT_REVIEWER");
    let sibling = act(
        &app,
        &t.sibling_token,
        id,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(sibling.status, StatusCode::NOT_FOUND);
    let no_reason = act(
        &app,
        &t.district_token,
        id,
        "review",
        json!({ "approve": false }),
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.message().contains("comment"));

    // Queues: the district and the root see it; the union and the sibling do not.
    for (token, expected) in [
        (&t.district_token, 1),
        (&t.root, 1),
        (&t.union_token, 0),
        (&t.sibling_token, 0),
    ] {
        let queue = app.get("/api/admin/activity-reviews", token).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert_eq!(queue.body["total"], expected, "{:?}", queue.body);
    }

    // The root (a grand-ancestor) may approve too.
    let ok = act(&app, &t.root, id, "review", json!({ "approve": true })).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(
        app.get("/api/admin/activity-reviews", &t.district_token)
            .await
            .body["total"],
        0
    );

    // A district's activity: its own admins cannot approve, the root can.
    let m = create_merchant(&app, &t.district_token, "区总商家", "13900000007").await;
    let coupon = create_coupon(&app, &t.district_token, m, 10).await;
    let district_activity = create_activity(&app, &t.district_token, t.district).await;
    add_prize(&app, &t.district_token, district_activity, coupon, 1).await;
    act(
        &app,
        &t.district_token,
        district_activity,
        "submit",
        json!({}),
    )
    .await;
    let self_review = act(
        &app,
        &t.district_token,
        district_activity,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(self_review.status, StatusCode::FORBIDDEN);
    let by_root = act(
        &app,
        &t.root,
        district_activity,
        "review",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(by_root.status, StatusCode::OK);
}

#[tokio::test]
async fn the_root_organisations_activity_needs_another_root_admin() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let added = app
        .post(
            "/api/admin/orgs/1/admins",
            &root,
            json!({ "username": "reviewer" }),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{:?}", added.body);
    let reviewer = app.activate_admin("reviewer").await;
    let m = create_merchant(&app, &root, "市总商家", "13900000001").await;
    let coupon = create_coupon(&app, &root, m, 10).await;
    let id = create_activity(&app, &root, 1).await;
    add_prize(&app, &root, id, coupon, 5).await;
    assert_eq!(
        act(&app, &root, id, "submit", json!({})).await.status,
        StatusCode::OK
    );
    let self_review = act(&app, &root, id, "review", json!({ "approve": true })).await;
    assert_eq!(self_review.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/admin/activity-reviews", &root).await.body["total"],
        0
    );
    assert_eq!(
        app.get("/api/admin/activity-reviews", &reviewer).await.body["total"],
        1
    );
    let ok = act(&app, &reviewer, id, "review", json!({ "approve": true })).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
}

#[tokio::test]
async fn a_stale_activity_edit_is_409_and_writes_elsewhere_are_404() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let id = create_activity(&app, &t.union_token, t.union).await;
    let read = app
        .get(&format!("/api/admin/activities/{id}"), &t.union_token)
        .await;
    let mut edit = activity_body(t.union);
    edit["version"] = read.body["version"].clone();
    edit["title"] = json!("第一次修改");
    assert_eq!(
        app.put(
            &format!("/api/admin/activities/{id}"),
            &t.union_token,
            edit.clone()
        )
        .await
        .status,
        StatusCode::OK
    );
    edit["title"] = json!("基于旧版本的修改");
    let stale = app
        .put(
            &format!("/api/admin/activities/{id}"),
            &t.union_token,
            edit.clone(),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "STALE_VERSION");
    assert_eq!(
        app.get(&format!("/api/admin/activities/{id}"), &t.union_token)
            .await
            .body["title"],
        "第一次修改"
    );

    for resp in [
        app.get(&format!("/api/admin/activities/{id}"), &t.sibling_token)
            .await,
        app.put(
            &format!("/api/admin/activities/{id}"),
            &t.sibling_token,
            edit,
        )
        .await,
        act(&app, &t.sibling_token, id, "submit", json!({})).await,
        act(&app, &t.sibling_token, id, "close", json!({})).await,
        app.get(
            &format!("/api/admin/activities/{id}/trail"),
            &t.sibling_token,
        )
        .await,
        app.request(
            reqwest::Method::DELETE,
            &format!("/api/admin/activities/{id}"),
            Some(&t.sibling_token),
            None,
        )
        .await,
    ] {
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{:?}", resp.body);
    }
}

#[tokio::test]
async fn the_list_filters_pages_and_totals_with_zero_claim_counts() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let m1 = create_merchant(&app, &t.union_token, "蛋糕店", "13900000001").await;
    let m2 = create_merchant(&app, &t.union_token, "超市", "13900000002").await;
    let c1 = create_coupon(&app, &t.union_token, m1, 100).await;
    let c2 = create_coupon(&app, &t.union_token, m2, 100).await;
    let a1 = create_activity(&app, &t.union_token, t.union).await;
    let a2 = create_activity(&app, &t.union_token, t.union).await;
    let mut body = activity_body(t.union);
    body["title"] = json!("生日蛋糕");
    body["birthday_only"] = json!(true);
    body["claim_limit"] = json!({ "kind": "per_day", "times": 2 });
    let a3 = app
        .post("/api/admin/activities", &t.union_token, body)
        .await;
    assert_eq!(
        a3.body["claim_limit"],
        json!({ "kind": "per_day", "times": 2 })
    );
    let a3 = a3.body["id"].as_i64().expect("id");
    add_prize(&app, &t.union_token, a1, c1, 10).await;
    add_prize(&app, &t.union_token, a2, c2, 20).await;
    add_prize(&app, &t.union_token, a3, c1, 30).await;
    act(&app, &t.union_token, a2, "submit", json!({})).await;

    let all = app
        .get("/api/admin/activities?page_size=2", &t.union_token)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(all.body["total"], 3);
    assert_eq!(all.body["items"].as_array().expect("items").len(), 2);
    assert_eq!(all.body["totals"]["prize_quantity"], 60);
    assert_eq!(all.body["totals"]["sign_up_count"], 0);
    assert_eq!(all.body["totals"]["participant_count"], 0);
    assert_eq!(all.body["totals"]["redeemed_count"], 0);
    let item = &all.body["items"][0];
    assert_eq!(item["sign_up_count"], 0);
    assert_eq!(item["redeemed_count"], 0);
    assert_eq!(item["org_name"], "东港区第一基层工会");
    assert!(item.get("content_html").is_none());

    let by_name = app
        .get("/api/admin/activities?name=蛋糕", &t.union_token)
        .await;
    assert_eq!(by_name.body["total"], 1);
    assert_eq!(by_name.body["items"][0]["id"], a3);
    let by_merchant = app
        .get(
            &format!("/api/admin/activities?merchant_id={m1}"),
            &t.union_token,
        )
        .await;
    assert_eq!(by_merchant.body["total"], 2);
    assert_eq!(by_merchant.body["totals"]["prize_quantity"], 40);
    let by_status = app
        .get("/api/admin/activities?status=submitted", &t.union_token)
        .await;
    assert_eq!(by_status.body["total"], 1);
    assert_eq!(by_status.body["items"][0]["id"], a2);
    let by_review = app
        .get(
            "/api/admin/activities?review_status=not_submitted",
            &t.union_token,
        )
        .await;
    assert_eq!(by_review.body["total"], 2);
    let bad = app
        .get("/api/admin/activities?status=bogus", &t.union_token)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The district sees its union's activities; the sibling sees none.
    assert_eq!(
        app.get("/api/admin/activities", &t.district_token)
            .await
            .body["total"],
        3
    );
    assert_eq!(
        app.get("/api/admin/activities", &t.sibling_token)
            .await
            .body["total"],
        0
    );
}

/// The expiry sweep closes an ended activity through the same writer as an admin's
/// close: the status, the version, a 处理轨迹 entry by 系统 and an audit-log entry by the
/// system, together; a second sweep finds nothing to close.
#[tokio::test]
async fn the_sweep_closes_an_ended_activity_with_version_trail_and_audit_like_an_admin() {
    use entity::activity_state::ActivityStatus;
    use entity::enums::{PrincipalKind, TrailAction};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    let r = crate::claims::rush(5, json!({ "kind": "once" })).await;
    let path = format!("/api/admin/activities/{}", r.activity);
    let before = r.app.get(&path, &r.union_token).await;
    assert_eq!(before.status, StatusCode::OK, "{:?}", before.body);
    assert_eq!(before.body["status"], "open");

    r.app.clock.advance(Duration::days(31));
    let ctx = r.app.job_context();
    let swept = jobs::expiry::run(&ctx).await.expect("sweep");
    assert_eq!(swept.activities_ended, 1);

    // Read from the database: the admin's session has lapsed with the clock.
    let after = entity::activity::Entity::find_by_id(r.activity)
        .one(&r.app.state.db)
        .await
        .expect("read")
        .expect("activity");
    assert_eq!(after.status, ActivityStatus::Closed);
    assert_eq!(
        Some(i64::from(after.version)),
        before.body["version"].as_i64().map(|v| v + 1)
    );
    let last = entity::activity_trail::Entity::find()
        .filter(entity::activity_trail::Column::ActivityId.eq(r.activity))
        .order_by_asc(entity::activity_trail::Column::Id)
        .all(&r.app.state.db)
        .await
        .expect("trail")
        .pop()
        .expect("entry");
    assert_eq!(last.action, TrailAction::Close);
    assert_eq!(last.from_status, Some(ActivityStatus::Open));
    assert_eq!(last.to_status, ActivityStatus::Closed);
    assert_eq!(last.actor_name, "系统");
    assert_eq!(last.org_id, r.union);
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("close_activity"))
        .filter(entity::audit_log::Column::TargetId.eq(r.activity.to_string()))
        .all(&r.app.state.db)
        .await
        .expect("audit log");
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].actor_kind, PrincipalKind::System);
    assert_eq!(audited[0].org_id, Some(r.union));

    let again = jobs::expiry::run(&ctx).await.expect("sweep");
    assert_eq!(again.activities_ended, 0);
}
