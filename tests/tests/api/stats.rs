use chrono::{Days, Duration};
use entity::member;
use jobs::clock::beijing_day_start;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::activities::{act, add_prize, create_activity};
use crate::claims::{Ids, Spec, activity, claim, coupon, direct_members, rush_in, staff_token};
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

/// 日照钢铁工会 (admin `steel`), a sibling of `ids`' union under 东港区, with its shop
/// 钢城商店 (13700000009), a coupon of 3 at 12.34 and an open activity of it; the clock
/// is then moved two minutes on, inside the activity's window. Returns the union, its
/// admin's token and the activity.
async fn steel_union(app: &TestApp, ids: &Ids) -> (i64, String, i64) {
    let (steel, steel_token) = app
        .create_org(
            &ids.district_token,
            ids.district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    let shop = online_merchant(app, &steel_token, "钢城商店", "13700000009").await;
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
        app,
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
    (steel, steel_token, steel_activity)
}

/// 日照港工会 (under 东港区): 4 vouchers claimed at 50.00, 2 redeemed, 2 left to expire;
/// its sibling 日照钢铁工会: 1 claimed and redeemed at 12.34. Counted from the vouchers
/// of each union's own activities and rolled up into the district and the city.
#[tokio::test]
async fn the_dashboard_counts_vouchers_claimed_redeemed_expired_and_the_amount_redeemed() {
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, 5, json!({ "kind": "once" }), Spec::default()).await;
    let (_, steel_token, steel_activity) = steel_union(&app, &ids).await;

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
    // After the seven activity states (开启中 included).
    assert_eq!(district[12..16], ["5", "3", "2", "112.34"]);
}

/// Claims `activity` for a new direct member of the organisation (its admin's `token`,
/// member number `i`) and redeems it at the shop of `staff`.
async fn claim_and_redeem(app: &TestApp, token: &str, i: u32, activity: i64, staff: &str) {
    let member = direct_members(app, token, i, 1).await;
    let c = claim(app, activity, &member[0], None).await;
    assert_eq!(c.status, StatusCode::CREATED, "{:?}", c.body);
    let r = app
        .post(
            "/api/merchant/redemptions",
            staff,
            json!({ "code": c.body["code"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}

/// A fresh token of an admin whose password is `ADMIN_PASSWORD` (after the clock moved
/// past the session's lifetime).
async fn admin(app: &TestApp, username: &str) -> String {
    let login = app.admin_login(username, ADMIN_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    login.body["token"].as_str().expect("token").to_owned()
}

/// `(date, vouchers, fen)` of each day the route answers, and its totals.
fn daily(resp: &crate::helpers::Resp) -> (Vec<(String, i64, i64)>, i64, i64) {
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let days = resp.body["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            (
                d["date"].as_str().expect("date").to_owned(),
                d["vouchers_redeemed"].as_i64().expect("vouchers"),
                d["amount_fen"].as_i64().expect("amount"),
            )
        })
        .collect();
    (
        days,
        resp.body["total_vouchers_redeemed"]
            .as_i64()
            .expect("total"),
        resp.body["total_amount_fen"].as_i64().expect("total"),
    )
}

/// Redemptions ten minutes before and after a Beijing midnight (day D, then D+1): the
/// port union's open activity (50.00 each: two on D, one on D+1) and a second one of it
/// redeemed on D+1 then closed (not counted); the sibling steel union's (12.34 on D+1);
/// the district's own, for the port union's members (50.00 on D+1). Each admin sees the open activities of its own
/// organisation and below, one figure per Beijing day, zero on days without any.
#[tokio::test]
async fn daily_redemptions_of_open_activities_are_split_at_beijing_midnight_within_scope() {
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, 5, json!({ "kind": "once" }), Spec::default()).await;
    let (_, _, steel_activity) = steel_union(&app, &ids).await;
    let root = admin(&app, "admin").await;
    let start = app.clock.now() + Duration::minutes(1);
    let once = json!({ "kind": "once" });
    let second_coupon = coupon(
        &app,
        &ids.union_token,
        ids.merchant,
        2,
        Duration::hours(-1),
        Duration::days(30),
    )
    .await;
    let closing = activity(
        &app,
        &ids.union_token,
        &ids.district_token,
        ids.union,
        second_coupon,
        2,
        once.clone(),
        false,
        start,
        Some("open"),
    )
    .await;
    let district_shop =
        online_merchant(&app, &ids.district_token, "东港职工超市", "13700000008").await;
    let district_coupon = coupon(
        &app,
        &ids.district_token,
        district_shop,
        2,
        Duration::hours(-1),
        Duration::days(30),
    )
    .await;
    let district_activity = activity(
        &app,
        &ids.district_token,
        &root,
        ids.union,
        district_coupon,
        2,
        once,
        false,
        start,
        Some("open"),
    )
    .await;

    // To 23:50 in Beijing (at least five minutes on, past the activities' start).
    let now = app.clock.now();
    let mut before_midnight =
        beijing_day_start(app.clock.today() + Days::new(1)) - Duration::minutes(10);
    if before_midnight - now < Duration::minutes(5) {
        before_midnight += Duration::days(1);
    }
    app.clock.advance(before_midnight - now);
    let day = app.clock.today();
    let next = day + Days::new(1);
    // Fresh sessions: the clock may have moved on by nearly a day, past a session's life.
    let root = admin(&app, "admin").await;
    let (port, district, steel) = (
        admin(&app, "port").await,
        admin(&app, "donggang").await,
        admin(&app, "steel").await,
    );
    let port_staff = staff_token(&app, "13700000001").await;
    let steel_staff = staff_token(&app, "13700000009").await;
    let district_staff = staff_token(&app, "13700000008").await;
    claim_and_redeem(&app, &port, 1, ids.activity, &port_staff).await;
    claim_and_redeem(&app, &port, 2, ids.activity, &port_staff).await;

    app.clock.advance(Duration::minutes(20));
    assert_eq!(app.clock.today(), next);
    claim_and_redeem(&app, &port, 3, ids.activity, &port_staff).await;
    claim_and_redeem(&app, &port, 4, closing, &port_staff).await;
    claim_and_redeem(&app, &steel, 10, steel_activity, &steel_staff).await;
    claim_and_redeem(&app, &port, 20, district_activity, &district_staff).await;
    let closed = app
        .post(
            &format!("/api/admin/activities/{closing}/close"),
            &port,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);

    let path = |days: u32| format!("/api/admin/stats/redemptions-daily?days={days}");
    let (d0, d1, d2) = (
        (day - Days::new(1)).to_string(),
        day.to_string(),
        next.to_string(),
    );
    let district_view = app.get(&path(3), &district).await;
    assert_eq!(district_view.body["from"], d0.as_str());
    assert_eq!(district_view.body["to"], d2.as_str());
    assert_eq!(
        daily(&district_view),
        (
            vec![
                (d0.clone(), 0, 0),
                (d1.clone(), 2, 10_000),
                (d2.clone(), 3, 11_234)
            ],
            5,
            21_234
        )
    );
    assert_eq!(
        daily(&app.get(&path(2), &root).await).0,
        [(d1.clone(), 2, 10_000), (d2.clone(), 3, 11_234)]
    );
    // A union sees neither its parent's nor its sibling's activities.
    assert_eq!(
        daily(&app.get(&path(2), &port).await),
        (
            vec![(d1.clone(), 2, 10_000), (d2.clone(), 1, 5_000)],
            3,
            15_000
        )
    );
    assert_eq!(
        daily(&app.get(&path(2), &steel).await),
        (vec![(d1, 0, 0), (d2.clone(), 1, 1_234)], 1, 1_234)
    );
    // Thirty days by default, ending today.
    let (days, _, _) = daily(&app.get("/api/admin/stats/redemptions-daily", &port).await);
    assert_eq!(days.len(), 30);
    assert_eq!(days.last().expect("today").0, d2);
    assert_eq!(daily(&app.get(&path(366), &port).await).0.len(), 366);
}

#[tokio::test]
async fn daily_redemptions_need_a_login_and_a_window_of_1_to_366_days() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let anonymous = app
        .request(
            reqwest::Method::GET,
            "/api/admin/stats/redemptions-daily",
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for days in ["0", "367", "-1", "99999999999"] {
        let r = app
            .get(
                &format!("/api/admin/stats/redemptions-daily?days={days}"),
                &root,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{days}: {:?}", r.body);
        assert_eq!(r.code(), "VALIDATION");
        assert_eq!(r.message(), "统计天数（days）须在 1 到 366 之间");
    }
    let r = app
        .get("/api/admin/stats/redemptions-daily?days=abc", &root)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(
        daily(
            &app.get("/api/admin/stats/redemptions-daily?days=1", &root)
                .await
        )
        .0,
        [(app.clock.today().to_string(), 0, 0)]
    );
}
