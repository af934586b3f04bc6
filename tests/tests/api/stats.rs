use chrono::Duration;
use entity::member;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::activities::{act, add_prize, create_activity};
use crate::claims::{Spec, activity, claim, direct_members, rush_in, staff_token};
use crate::coupons::create_coupon;
use crate::helpers::{ADMIN_PASSWORD, TestApp};
use crate::merchants::online_merchant;
use crate::sheets;

async fn add_members(app: &TestApp, token: &str, first: u32, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in first..first + n {
        let body = json!({ "name": format!("会员{i}"), "id_number": sheets::id_number(i), "phone": format!("138{i:08}") });
        let created = app.post("/api/admin/members", token, body).await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        ids.push(created.body["id"].as_i64().expect("id"));
    }
    ids
}

fn line<'a>(dashboard: &'a Value, name: &str) -> &'a Value {
    dashboard["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line {name}"))
}

/// Root → 东港区 (→ 港务工会, 钢铁工会) and 岚山区 (→ 岚山工会).
#[tokio::test]
async fn the_dashboard_equals_a_hand_computed_tree_with_subtotals() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (dg, dg_token) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let (ls, ls_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let (port_id, port) = app
        .create_org(&dg_token, dg, "港务工会", "grassroots_union", "port")
        .await;
    let (_, steel) = app
        .create_org(&dg_token, dg, "钢铁工会", "grassroots_union", "steel")
        .await;
    let (_, lsu) = app
        .create_org(&ls_token, ls, "岚山工会", "grassroots_union", "lsu")
        .await;

    // 港务: 4 active (3 certified) + 1 retired; 钢铁: 2 active (0 certified); 岚山: 1 active (1 certified).
    let port_members = add_members(&app, &port, 0, 5).await;
    add_members(&app, &steel, 10, 2).await;
    let ls_members = add_members(&app, &lsu, 20, 1).await;
    let retired = app
        .post(
            &format!("/api/admin/members/{}/leave", port_members[4]),
            &port,
            json!({ "status": "retired" }),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK);
    let certified: Vec<i64> = port_members[..3]
        .iter()
        .chain(&ls_members)
        .copied()
        .collect();
    member::Entity::update_many()
        .col_expr(member::Column::Certified, Expr::value(true))
        .filter(member::Column::Id.is_in(certified))
        .exec(&app.state.db)
        .await
        .expect("certify");

    // 港务 publishes two activities (one submitted, one draft); 东港区 one draft.
    let merchant = online_merchant(&app, &port, "港务超市", "13900000001").await;
    let coupon = create_coupon(&app, &port, merchant, 100).await;
    let a1 = create_activity(&app, &port, port_id).await;
    add_prize(&app, &port, a1, coupon, 10).await;
    assert_eq!(
        act(&app, &port, a1, "submit", json!({})).await.status,
        StatusCode::OK
    );
    create_activity(&app, &port, port_id).await;
    create_activity(&app, &dg_token, dg).await;

    let stats = app.get("/api/admin/stats", &root).await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    let body = &stats.body;
    let names: Vec<&str> = body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "日照市总工会",
            "东港区总工会",
            "港务工会",
            "钢铁工会",
            "岚山区总工会",
            "岚山工会"
        ]
    );

    let port_line = line(body, "港务工会");
    assert_eq!(port_line["own"]["members"], 4);
    assert_eq!(port_line["own"]["certified"], 3);
    assert_eq!(port_line["own"]["certification_rate"], 0.75);
    assert_eq!(port_line["own"]["activities"]["submitted"], 1);
    assert_eq!(port_line["own"]["activities"]["draft"], 1);
    assert_eq!(port_line["level"], 2);

    let dg_line = line(body, "东港区总工会");
    assert_eq!(dg_line["own"]["members"], 0);
    assert_eq!(dg_line["subtotal"]["members"], 6);
    assert_eq!(dg_line["subtotal"]["certified"], 3);
    assert_eq!(dg_line["subtotal"]["certification_rate"], 0.5);
    assert_eq!(dg_line["subtotal"]["activities"]["total"], 3);
    assert_eq!(dg_line["own"]["activities"]["draft"], 1);

    assert_eq!(
        line(body, "岚山区总工会")["subtotal"]["certification_rate"],
        1.0
    );
    assert_eq!(body["total"]["members"], 7);
    assert_eq!(body["total"]["certified"], 4);
    assert_eq!(body["total"]["activities"]["total"], 3);

    // A district sees only its own subtree, starting at level 0.
    let district_view = app.get("/api/admin/stats", &ls_token).await;
    let names: Vec<&str> = district_view.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["岚山区总工会", "岚山工会"]);
    assert_eq!(district_view.body["lines"][0]["level"], 0);
    assert_eq!(district_view.body["total"]["members"], 1);

    // The export carries the same subtotals.
    let (status, content_type, _, bytes) = app.download("/api/admin/stats/export", &root).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let book = sheets::read(&bytes);
    let rows = sheets::sheet(&book, "进度统计");
    let dg_row = rows
        .iter()
        .find(|r| r[0].trim_start_matches('　') == "东港区总工会")
        .expect("row");
    assert_eq!(dg_row[2], "6");
    assert_eq!(dg_row[3], "3");
}

/// 日照港工会 (under 东港区): 4 vouchers claimed at 50.00, 2 redeemed, 2 left to expire;
/// its sibling 日照钢铁工会: 1 claimed and redeemed at 12.34. Counted from the vouchers
/// of each union's own activities and rolled up into the district and the city.
#[tokio::test]
async fn the_dashboard_counts_vouchers_claimed_redeemed_expired_and_the_amount_redeemed() {
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, 5, json!({ "kind": "once" }), Spec::default()).await;
    let (steel, steel_token) = app
        .create_org(
            &ids.district_token,
            ids.district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    let shop = online_merchant(&app, &steel_token, "钢城商店", "13700000009").await;
    let coupon_id = {
        let now = app.clock.now();
        let created = app
            .post(
                "/api/admin/coupons",
                &steel_token,
                json!({
                    "merchant_id": shop, "kind": "union_activity", "title": "月饼券",
                    "name": "月饼", "quantity": 3,
                    "valid_from": (now - Duration::hours(1)).to_rfc3339(),
                    "valid_to": (now + Duration::days(60)).to_rfc3339(),
                    "amount_fen": 1234
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        let id = created.body["id"].as_i64().expect("id");
        let enabled = app
            .post(
                &format!("/api/admin/coupons/{id}/enable"),
                &steel_token,
                json!({}),
            )
            .await;
        assert_eq!(enabled.status, StatusCode::OK, "{:?}", enabled.body);
        id
    };
    let steel_activity = activity(
        &app,
        &steel_token,
        &ids.district_token,
        steel,
        coupon_id,
        3,
        json!({ "kind": "once" }),
        false,
        app.clock.now() + Duration::minutes(1),
        Some("open"),
    )
    .await;
    app.clock.advance(Duration::minutes(2));

    let port_members = direct_members(&app, &ids.union_token, 1, 4).await;
    let mut port_codes = Vec::new();
    for t in &port_members {
        let c = claim(&app, ids.activity, t, None).await;
        assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);
        port_codes.push(c.body["code"].as_str().expect("code").to_owned());
    }
    let steel_member = direct_members(&app, &steel_token, 10, 1).await;
    let c = claim(&app, steel_activity, &steel_member[0], None).await;
    assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);
    let steel_code = c.body["code"].as_str().expect("code").to_owned();

    let port_staff = staff_token(&app, "13700000001").await;
    let steel_staff = staff_token(&app, "13700000009").await;
    for (staff, code) in [
        (&port_staff, &port_codes[0]),
        (&port_staff, &port_codes[1]),
        (&steel_staff, &steel_code),
    ] {
        let r = app
            .post("/api/merchant/redemptions", staff, json!({ "code": code }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }

    // Past the port coupon's 30 days (not the steel one's 60); the sweep marks the rest.
    app.clock.advance(Duration::days(31));
    let ctx = app.job_context();
    let swept = jobs::expiry::run(&ctx).await.expect("sweep");
    assert_eq!(swept.vouchers_expired, 2);

    let login = app.admin_login("admin", ADMIN_PASSWORD).await;
    let root = login.body["token"].as_str().expect("token").to_owned();
    let stats = app.get("/api/admin/stats", &root).await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    let figures = |l: &Value| {
        (
            l["vouchers_claimed"].as_i64().expect("claimed"),
            l["vouchers_redeemed"].as_i64().expect("redeemed"),
            l["vouchers_expired"].as_i64().expect("expired"),
            l["redeemed_amount_fen"].as_i64().expect("amount"),
        )
    };
    let body = &stats.body;
    assert_eq!(figures(&line(body, "日照港工会")["own"]), (4, 2, 2, 10_000));
    assert_eq!(
        figures(&line(body, "日照钢铁工会")["own"]),
        (1, 1, 0, 1_234)
    );
    assert_eq!(figures(&line(body, "东港区总工会")["own"]), (0, 0, 0, 0));
    assert_eq!(
        figures(&line(body, "东港区总工会")["subtotal"]),
        (5, 3, 2, 11_234)
    );
    assert_eq!(figures(&body["total"]), (5, 3, 2, 11_234));

    // The union sees only its own; the export carries the subtotal in yuan.
    let login = app.admin_login("steel", ADMIN_PASSWORD).await;
    let steel_token = login.body["token"].as_str().expect("token").to_owned();
    let own = app.get("/api/admin/stats", &steel_token).await;
    assert_eq!(figures(&own.body["total"]), (1, 1, 0, 1_234));
    let (status, _, _, bytes) = app.download("/api/admin/stats/export", &root).await;
    assert_eq!(status, StatusCode::OK);
    let book = sheets::read(&bytes);
    let rows = sheets::sheet(&book, "进度统计");
    let district = rows
        .iter()
        .find(|r| r[0].trim_start_matches('　') == "东港区总工会")
        .expect("row");
    assert_eq!(district[11..15], ["5", "3", "2", "112.34"]);
}
