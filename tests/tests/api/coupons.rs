use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::merchants::create_merchant;

pub fn coupon_body(merchant_id: i64, quantity: i64) -> Value {
    json!({
        "merchant_id": merchant_id, "kind": "union_activity",
        "title": "中秋节福利券", "name": "中秋节福利券", "quantity": quantity,
        "valid_from": "2030-09-24T00:00:00+08:00", "valid_to": "2030-10-01T15:00:00+08:00",
        "amount_fen": 5000, "conditions": "凭券到店领取", "description": "中秋节福利"
    })
}

/// Creates and enables a coupon; returns its id.
pub async fn create_coupon(app: &TestApp, token: &str, merchant_id: i64, quantity: i64) -> i64 {
    let created = app
        .post(
            "/api/admin/coupons",
            token,
            coupon_body(merchant_id, quantity),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    let enabled = app
        .post(&format!("/api/admin/coupons/{id}/enable"), token, json!({}))
        .await;
    assert_eq!(enabled.body["enabled"], true);
    id
}

#[tokio::test]
async fn a_coupon_is_created_closed_and_can_be_opened_and_closed() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let m = create_merchant(&app, &root, "日照职工之家", "18660092881").await;
    let created = app
        .post("/api/admin/coupons", &root, coupon_body(m, 1000))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    assert_eq!(created.body["kind_label"], "工会活动券");
    assert_eq!(created.body["enabled"], false);
    assert_eq!(created.body["amount_fen"], 5000);
    assert_eq!(created.body["available"], 1000);
    let id = created.body["id"].as_i64().expect("id");
    let on = app
        .post(&format!("/api/admin/coupons/{id}/enable"), &root, json!({}))
        .await;
    assert_eq!(on.body["enabled_label"], "开启");
    let off = app
        .post(
            &format!("/api/admin/coupons/{id}/disable"),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(off.body["enabled"], false);
    let list = app
        .get(&format!("/api/admin/coupons?merchant_id={m}"), &root)
        .await;
    assert_eq!(list.body["total"], 1);
}

#[tokio::test]
async fn coupon_fields_are_validated_with_the_field_named() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let m = create_merchant(&app, &root, "日照职工之家", "18660092881").await;
    let cases = [
        ("quantity", json!(0), "优惠券数量应大于0"),
        ("amount_fen", json!(0), "优惠金额"),
        (
            "valid_to",
            json!("2030-09-01T00:00:00+08:00"),
            "有效期结束时间须晚于开始时间",
        ),
        ("title", json!(""), "优惠券标题"),
        ("name", json!("  "), "优惠券名称"),
    ];
    for (field, value, message) in cases {
        let mut body = coupon_body(m, 10);
        body[field] = value;
        let resp = app.post("/api/admin/coupons", &root, body).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(
            resp.message().contains(message),
            "{field}: {}",
            resp.message()
        );
    }
    let mut wrong_kind = coupon_body(m, 10);
    wrong_kind["kind"] = json!("cash");
    assert_eq!(
        app.post("/api/admin/coupons", &root, wrong_kind)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn grants_go_to_merchants_in_scope_are_listed_and_revocable() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (a, a_token) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let (_, b_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let (_, a_union) = app
        .create_org(
            &a_token,
            a,
            "东港区第一基层工会",
            "grassroots_union",
            "dg-one",
        )
        .await;
    let owner = create_merchant(&app, &a_token, "东港商家", "13900000001").await;
    let below = create_merchant(&app, &a_union, "基层商家", "13900000002").await;
    let elsewhere = create_merchant(&app, &b_token, "岚山商家", "13900000003").await;
    let coupon = create_coupon(&app, &a_token, owner, 100).await;

    let granted = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            &a_token,
            json!({ "merchant_id": below }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    assert_eq!(granted.body["merchant_name"], "基层商家");
    let twice = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            &a_token,
            json!({ "merchant_id": below }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let to_self = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            &a_token,
            json!({ "merchant_id": owner }),
        )
        .await;
    assert_eq!(to_self.status, StatusCode::BAD_REQUEST);
    // Another branch's merchant is not visible: 404.
    let other_branch = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            &a_token,
            json!({ "merchant_id": elsewhere }),
        )
        .await;
    assert_eq!(other_branch.status, StatusCode::NOT_FOUND);
    // The grantee's union cannot grant the owner's coupon (not in its scope).
    let by_child = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            &a_union,
            json!({ "merchant_id": below }),
        )
        .await;
    assert_eq!(by_child.status, StatusCode::NOT_FOUND);

    let list = app
        .get(&format!("/api/admin/coupons/{coupon}/grants"), &a_token)
        .await;
    assert_eq!(list.body.as_array().expect("grants").len(), 1);
    let revoked = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/coupons/{coupon}/grants/{below}"),
            Some(&a_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let list = app
        .get(&format!("/api/admin/coupons/{coupon}/grants"), &a_token)
        .await;
    assert_eq!(list.body.as_array().expect("grants").len(), 0);
    let again = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/coupons/{coupon}/grants/{below}"),
            Some(&a_token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stale_coupon_edit_is_409() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let m = create_merchant(&app, &root, "日照职工之家", "18660092881").await;
    let id = create_coupon(&app, &root, m, 100).await;
    let read = app.get(&format!("/api/admin/coupons/{id}"), &root).await;
    let version = read.body["version"].as_i64().expect("version");
    let mut body = coupon_body(m, 200);
    body["version"] = json!(version);
    let first = app
        .put(&format!("/api/admin/coupons/{id}"), &root, body.clone())
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["quantity"], 200);
    body["quantity"] = json!(300);
    let second = app
        .put(&format!("/api/admin/coupons/{id}"), &root, body)
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.code(), "STALE_VERSION");
    assert_eq!(
        app.get(&format!("/api/admin/coupons/{id}"), &root)
            .await
            .body["quantity"],
        200
    );
}
