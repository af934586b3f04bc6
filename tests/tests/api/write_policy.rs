//! The one write policy (`api::scope`): a record is changed only by admins of the
//! organisation that owns it. A parent federation reads a union's records and reviews
//! its activities, but every change answers 403 `NOT_OWNER`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::activities::{act, activity_body, add_prize, create_activity};
use crate::coupons::{coupon_body, create_coupon};
use crate::helpers::{Resp, TestApp};
use crate::merchants::{create_merchant, merchant_body};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Resp {
    app.request(method, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_district_reads_a_unions_records_but_every_change_answers_not_owner_and_the_union_may_change_them()
 {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "日照港工会", "port").await;
    let (union, district) = (&chain.union_token, &chain.district_token);

    let merchant = create_merchant(&app, union, "日照职工之家", "13700000001").await;
    let grantee = create_merchant(&app, union, "东港蛋糕店", "13700000002").await;
    let staff = app
        .post(
            &format!("/api/admin/merchants/{merchant}/staff"),
            union,
            json!({ "name": "核销员李", "phone": "13700000003" }),
        )
        .await;
    let staff = staff.body["id"].as_i64().expect("staff id");
    let coupon = create_coupon(&app, union, merchant, 100).await;
    let activity = create_activity(&app, union, chain.union).await;
    let prize = add_prize(&app, union, activity, coupon, 10).await;
    let prize = prize.body["id"].as_i64().expect("prize id");
    let unit = app
        .post("/api/admin/units", union, json!({ "name": "日照港集团" }))
        .await;
    let unit = unit.body["id"].as_i64().expect("unit id");
    let member_body = json!({ "name": "张三", "id_number": crate::sheets::id_number(1),
                              "phone": "13900000001", "joined_on": "2019-03-01" });
    let member = app
        .post("/api/admin/members", union, member_body.clone())
        .await;
    assert_eq!(member.status, StatusCode::OK, "{:?}", member.body);
    let member = member.body["id"].as_i64().expect("member id");

    // The district reads every one of them.
    let mut versions = Vec::new();
    for path in [
        format!("/api/admin/merchants/{merchant}"),
        format!("/api/admin/coupons/{coupon}"),
        format!("/api/admin/activities/{activity}"),
        format!("/api/admin/merchants/{merchant}/staff"),
        format!("/api/admin/coupons/{coupon}/grants"),
        format!("/api/admin/activities/{activity}/trail"),
        format!("/api/admin/units/{unit}"),
        format!("/api/admin/members/{member}"),
    ] {
        let read = app.get(&path, district).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {:?}", read.body);
        versions.push(read.body["version"].clone());
    }
    let with_version = |mut body: Value, version: &Value| {
        body["version"] = version.clone();
        body
    };
    let mut foreign_merchant = merchant_body("区总代建商家", "13700000009");
    foreign_merchant["org_id"] = json!(chain.union);

    // Every change by the district is refused, and changes nothing.
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/admin/merchants".into(),
            foreign_merchant,
        ),
        (
            Method::PUT,
            format!("/api/admin/merchants/{merchant}"),
            with_version(merchant_body("区总改名", "13700000001"), &versions[0]),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/online"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/offline"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/staff"),
            json!({ "name": "区总加的", "phone": "13700000008" }),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/staff/{staff}/disable"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/staff/{staff}/enable"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/reset-password"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/merchants/{merchant}/staff/{staff}/reset-password"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/admin/coupons".into(),
            coupon_body(merchant, 5),
        ),
        (
            Method::PUT,
            format!("/api/admin/coupons/{coupon}"),
            with_version(coupon_body(merchant, 500), &versions[1]),
        ),
        (
            Method::POST,
            format!("/api/admin/coupons/{coupon}/disable"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/coupons/{coupon}/enable"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/coupons/{coupon}/grants"),
            json!({ "merchant_id": grantee }),
        ),
        (
            Method::DELETE,
            format!("/api/admin/coupons/{coupon}/grants/{grantee}"),
            json!({}),
        ),
        (
            Method::PUT,
            format!("/api/admin/activities/{activity}"),
            with_version(activity_body(chain.union), &versions[2]),
        ),
        (
            Method::POST,
            format!("/api/admin/activities/{activity}/prizes"),
            json!({ "coupon_id": coupon, "quantity": 1 }),
        ),
        (
            Method::DELETE,
            format!("/api/admin/activities/{activity}/prizes/{prize}"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/activities/{activity}/submit"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/activities/{activity}/open"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/admin/activities/{activity}/close"),
            json!({}),
        ),
        (
            Method::DELETE,
            format!("/api/admin/activities/{activity}"),
            json!({}),
        ),
        (
            Method::PUT,
            format!("/api/admin/units/{unit}"),
            json!({ "name": "区总改的单位" }),
        ),
        (
            Method::DELETE,
            format!("/api/admin/units/{unit}"),
            json!({}),
        ),
        (
            Method::PUT,
            format!("/api/admin/members/{member}"),
            member_body,
        ),
        (
            Method::POST,
            format!("/api/admin/members/{member}/leave"),
            json!({ "status": "retired" }),
        ),
    ];
    for (method, path, body) in writes {
        let refused = send(&app, district, method.clone(), &path, body).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            refused.body
        );
        assert_eq!(refused.code(), "NOT_OWNER", "{method} {path}");
        assert!(
            refused.message().contains("所属组织的管理员"),
            "{method} {path}: {}",
            refused.message()
        );
    }
    let merchants = app.get("/api/admin/merchants", union).await;
    assert_eq!(merchants.body["total"], 2);
    let read = app
        .get(&format!("/api/admin/merchants/{merchant}"), union)
        .await;
    assert_eq!(read.body["name"], "日照职工之家");
    assert_eq!(read.body["version"], versions[0]);
    let staff_list = app
        .get(&format!("/api/admin/merchants/{merchant}/staff"), union)
        .await;
    assert_eq!(staff_list.body.as_array().expect("staff").len(), 2);
    assert_eq!(staff_list.body[1]["disabled"], false);
    let read = app
        .get(&format!("/api/admin/coupons/{coupon}"), union)
        .await;
    assert_eq!(
        (&read.body["version"], &read.body["enabled"]),
        (&versions[1], &json!(true))
    );
    let read = app
        .get(&format!("/api/admin/activities/{activity}"), union)
        .await;
    assert_eq!(read.body["version"], versions[2]);
    assert_eq!(read.body["status"], "draft");
    assert_eq!(read.body["prizes"].as_array().expect("prizes").len(), 1);

    // The union, which owns them, changes them; the district reviews the activity.
    let edited = app
        .put(
            &format!("/api/admin/merchants/{merchant}"),
            union,
            with_version(
                merchant_body("日照职工之家（港区）", "13700000001"),
                &versions[0],
            ),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    let granted = app
        .post(
            &format!("/api/admin/coupons/{coupon}/grants"),
            union,
            json!({ "merchant_id": grantee }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    let edited = app
        .put(
            &format!("/api/admin/coupons/{coupon}"),
            union,
            with_version(coupon_body(merchant, 200), &versions[1]),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    let edited = app
        .put(
            &format!("/api/admin/activities/{activity}"),
            union,
            with_version(activity_body(chain.union), &versions[2]),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    let submitted = act(&app, union, activity, "submit", json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{:?}", submitted.body);
    let reviewed = act(
        &app,
        district,
        activity,
        "review",
        json!({ "approve": true, "comment": "同意" }),
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{:?}", reviewed.body);
    assert_eq!(reviewed.body["status"], "approved");
}
