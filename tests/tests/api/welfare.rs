//! The annual welfare budget per member (年度福利经费标准, issue 23): set per
//! organisation, the smallest cap of the publishing union's chain applies, claims past
//! it are refused even when they race, the Beijing year resets it, and a submission a
//! member could never claim in full is refused.

use chrono::{Datelike, Duration};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::claims::{
    Ids, STEPS, Spec, claim, coupon, direct_members, reissue, rush_in, take_through,
};
use crate::helpers::{Resp, TestApp};

/// Sets the cap of the caller's organisation; asserts 200.
async fn set_cap(app: &TestApp, token: &str, cap: Option<i64>) -> Resp {
    let r = app
        .put(
            "/api/admin/org/welfare-budget",
            token,
            json!({ "annual_cap_fen": cap }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // Cached activity snapshots carry the cap for at most two seconds.
    app.clock.advance(Duration::seconds(3));
    r
}

/// A union's open activity of 100 vouchers of 50 元, `times` claims a day.
async fn per_day_rush(times: i32) -> (TestApp, Ids) {
    let app = TestApp::spawn().await;
    let ids = rush_in(
        &app,
        100,
        json!({ "kind": "per_day", "times": times }),
        Spec::default(),
    )
    .await;
    (app, ids)
}

fn codes(results: &[Resp]) -> Vec<&str> {
    results.iter().map(Resp::code).collect()
}

#[tokio::test]
async fn a_storm_of_32_claims_of_one_member_under_a_cap_of_two_vouchers_gives_exactly_two() {
    let (app, ids) = per_day_rush(50).await;
    // The coupon's face value is 50 元: a cap of 100 元 is two vouchers.
    let set = set_cap(&app, &ids.union_token, Some(10_000)).await;
    assert_eq!(set.body["annual_cap_fen"], 10_000);
    assert_eq!(set.body["applying_cap_fen"], 10_000);
    let token = direct_members(&app, &ids.union_token, 1, 1).await.remove(0);

    let results = join_all((0..32).map(|_| claim(&app, ids.activity, &token, None))).await;
    let won = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(won, 2, "{:?}", codes(&results));
    let refused: Vec<&Resp> = results
        .iter()
        .filter(|r| r.status != StatusCode::CREATED)
        .collect();
    assert!(
        refused
            .iter()
            .all(|r| r.status == StatusCode::CONFLICT && r.code() == "BUDGET_EXCEEDED"),
        "{:?}",
        codes(&results)
    );
    let message = refused[0].message();
    assert!(
        message.contains("100元") && message.contains("还可领取0元"),
        "{message}"
    );
    assert_eq!(refused[0].body["details"]["left_fen"], 0);

    let mine = app.get("/api/app/vouchers?status=unused", &token).await;
    assert_eq!(mine.body["total"], 2);

    // The member detail and the dashboard show the year's total.
    let members = app.get("/api/admin/members", &ids.union_token).await;
    let member = members.body["items"][0]["id"].as_i64().expect("member id");
    let detail = app
        .get(&format!("/api/admin/members/{member}"), &ids.union_token)
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{:?}", detail.body);
    assert_eq!(detail.body["welfare_year_total_fen"], 10_000);
    assert_eq!(detail.body["welfare_cap_fen"], 10_000);
    let stats = app.get("/api/admin/stats", &ids.district_token).await;
    let union_line = stats.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["org_id"] == ids.union)
        .expect("union line")
        .clone();
    assert_eq!(union_line["own"]["welfare_used_fen"], 10_000);
    assert_eq!(union_line["welfare_cap_fen"], 10_000);
    assert_eq!(stats.body["total"]["welfare_used_fen"], 10_000);
}

#[tokio::test]
async fn the_smallest_cap_of_the_chain_applies_and_clearing_it_lets_the_next_one_apply() {
    let (app, ids) = per_day_rush(10).await;
    set_cap(&app, &ids.union_token, Some(15_000)).await;
    let set = set_cap(&app, &ids.district_token, Some(5_000)).await;
    assert_eq!(set.body["applying_cap_fen"], 5_000);
    let org = app.get("/api/admin/org", &ids.union_token).await;
    assert_eq!(org.body["welfare_cap_fen"], 15_000);
    assert_eq!(org.body["welfare_cap_applying_fen"], 5_000);

    let token = direct_members(&app, &ids.union_token, 1, 1).await.remove(0);
    let first = claim(&app, ids.activity, &token, None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let second = claim(&app, ids.activity, &token, None).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{:?}", second.body);
    assert_eq!(second.code(), "BUDGET_EXCEEDED");
    assert!(
        second.message().contains("每人每年50元"),
        "{:?}",
        second.body
    );

    // Without the district's cap, the union's own (three vouchers) applies.
    set_cap(&app, &ids.district_token, None).await;
    for _ in 0..2 {
        let more = claim(&app, ids.activity, &token, None).await;
        assert_eq!(more.status, StatusCode::CREATED, "{:?}", more.body);
    }
    let over = claim(&app, ids.activity, &token, None).await;
    assert_eq!(over.code(), "BUDGET_EXCEEDED", "{:?}", over.body);
    assert!(over.message().contains("每人每年150元"), "{:?}", over.body);
}

#[tokio::test]
async fn the_budget_starts_again_with_the_beijing_calendar_year() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "日照港工会", "port").await;
    let merchant =
        crate::merchants::online_merchant(&app, &chain.union_token, "日照职工之家", "13700000001")
            .await;
    let coupon = coupon(
        &app,
        &chain.union_token,
        merchant,
        100,
        Duration::hours(-1),
        Duration::days(400),
    )
    .await;
    // An activity over the coming new year (Beijing time).
    let now = app.clock.now();
    let next_year = api::services::welfare::year_window(api::services::welfare::year_of(now)).1;
    let starts = now + Duration::minutes(1);
    let created = app
        .post(
            "/api/admin/activities",
            &chain.union_token,
            json!({
                "title": "跨年福利", "cover_url": "https://img.example.cn/cover.png",
                "claim_limit": { "kind": "per_day", "times": 5 }, "scope_org_id": chain.union,
                "starts_at": starts.to_rfc3339(),
                "ends_at": (next_year + Duration::days(2)).to_rfc3339(),
                "content_html": "<p>领取</p>", "birthday_only": false
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let activity = created.body["id"].as_i64().expect("id");
    take_through(
        &app,
        &chain.union_token,
        &chain.district_token,
        activity,
        coupon,
        10,
        &STEPS,
    )
    .await;
    set_cap(&app, &chain.union_token, Some(5_000)).await;
    app.clock.advance(Duration::minutes(2));
    let token = direct_members(&app, &chain.union_token, 1, 1)
        .await
        .remove(0);
    let first = claim(&app, activity, &token, None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let refused = claim(&app, activity, &token, None).await;
    assert_eq!(refused.code(), "BUDGET_EXCEEDED", "{:?}", refused.body);

    // Just before midnight in Beijing the year is still full; just after, it is new.
    let left = next_year - app.clock.now();
    app.clock.advance(left - Duration::seconds(30));
    let token = reissue(&app, "13900000001").await;
    let still = claim(&app, activity, &token, None).await;
    assert_eq!(still.code(), "BUDGET_EXCEEDED", "{:?}", still.body);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        app.clock
            .now()
            .with_timezone(&jobs::clock::beijing())
            .year(),
        api::services::welfare::year_of(next_year)
    );
    let fresh = claim(&app, activity, &token, None).await;
    assert_eq!(fresh.status, StatusCode::CREATED, "{:?}", fresh.body);
    let again = claim(&app, activity, &token, None).await;
    assert_eq!(again.code(), "BUDGET_EXCEEDED", "{:?}", again.body);
}

#[tokio::test]
async fn submitting_an_activity_whose_prizes_alone_exceed_the_cap_is_refused() {
    let app = TestApp::spawn().await;
    let Ids {
        union_token,
        district_token,
        union,
        merchant,
        ..
    } = rush_in(&app, 10, json!({ "kind": "once" }), Spec::default()).await;
    let coupon = coupon(
        &app,
        &union_token,
        merchant,
        10,
        Duration::hours(-1),
        Duration::days(30),
    )
    .await;
    // The district's cap of 40 元 is below one 50 元 voucher.
    set_cap(&app, &district_token, Some(4_000)).await;
    let activity = crate::claims::activity(
        &app,
        &union_token,
        &district_token,
        union,
        coupon,
        5,
        json!({ "kind": "once" }),
        false,
        app.clock.now() + Duration::minutes(1),
        Some("prizes"),
    )
    .await;
    let submit = app
        .post(
            &format!("/api/admin/activities/{activity}/submit"),
            &union_token,
            json!({}),
        )
        .await;
    assert_eq!(submit.status, StatusCode::CONFLICT, "{:?}", submit.body);
    assert_eq!(submit.code(), "BUDGET_EXCEEDED");
    assert!(
        submit.message().contains("最多可领取面值50元")
            && submit.message().contains("每人每年40元"),
        "{:?}",
        submit.body
    );
    // Raised to the voucher's worth, the same activity goes through.
    set_cap(&app, &district_token, Some(5_000)).await;
    let submit = app
        .post(
            &format!("/api/admin/activities/{activity}/submit"),
            &union_token,
            json!({}),
        )
        .await;
    assert_eq!(submit.status, StatusCode::OK, "{:?}", submit.body);
}

#[tokio::test]
async fn only_an_admin_sets_the_cap_of_their_own_organisation_within_bounds() {
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, 10, json!({ "kind": "once" }), Spec::default()).await;
    // A union admin cannot set its parent's cap.
    let parent = app
        .put(
            "/api/admin/org/welfare-budget",
            &ids.union_token,
            json!({ "org_id": ids.district, "annual_cap_fen": 100 }),
        )
        .await;
    assert_eq!(parent.status, StatusCode::FORBIDDEN, "{:?}", parent.body);
    let district = app.get("/api/admin/org", &ids.district_token).await;
    assert_eq!(district.body["welfare_cap_fen"], serde_json::Value::Null);
    // Nor can a member or an anonymous caller.
    let member = direct_members(&app, &ids.union_token, 1, 1).await.remove(0);
    let by_member = app
        .put(
            "/api/admin/org/welfare-budget",
            &member,
            json!({ "annual_cap_fen": 100 }),
        )
        .await;
    assert_eq!(
        by_member.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        by_member.body
    );
    let anonymous = app
        .request(
            Method::PUT,
            "/api/admin/org/welfare-budget",
            None,
            Some(json!({ "annual_cap_fen": 100 })),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // Out of bounds: a clear message, nothing written.
    for bad in [json!(0), json!(-100), json!(100_000_001_i64)] {
        let r = app
            .put(
                "/api/admin/org/welfare-budget",
                &ids.union_token,
                json!({ "annual_cap_fen": bad }),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
        assert!(r.message().contains("年度福利经费标准"), "{:?}", r.body);
    }
    let own = app.get("/api/admin/org", &ids.union_token).await;
    assert_eq!(own.body["welfare_cap_fen"], serde_json::Value::Null);
    // Its own: written and audit-logged.
    set_cap(&app, &ids.union_token, Some(30_000)).await;
    let log = app.get("/api/admin/audit-log", &ids.union_token).await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    assert!(
        log.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == "set_welfare_budget"),
        "{:?}",
        log.body
    );
}
