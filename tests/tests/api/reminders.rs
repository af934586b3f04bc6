//! Expiry reminders (卡券到期提醒, issue 23): one SMS per unused voucher a few days
//! before its window ends, never twice, never in the quiet hours (postponed to 08:00),
//! never to a member who switched them off; the dashboard counts them.

use chrono::{Duration, NaiveTime, Timelike};
use jobs::clock::beijing;
use serde_json::{Value, json};

use crate::claims::{Spec, claim, direct_members, rush_in, staff_login, staff_token};
use crate::helpers::{ADMIN_PASSWORD, TestApp, separate_worker};
use crate::stubs::SmsGateway;

fn reminders(sms: &SmsGateway) -> Vec<Value> {
    sms.received_for(jobs::reminders::PURPOSE)
}

/// The next instant at `hour`:00 Beijing time after `t`.
fn next_beijing(t: chrono::DateTime<chrono::Utc>, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let local = t.with_timezone(&beijing());
    let mut day = local.date_naive();
    if local.hour() >= hour {
        day = day.succ_opt().expect("next day");
    }
    let at = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("time"));
    (at - Duration::hours(8)).and_utc()
}

#[tokio::test]
async fn reminders_go_once_per_voucher_after_the_quiet_hours_and_not_to_those_who_opted_out() {
    let sms = SmsGateway::start().await;
    let url = sms.url.clone();
    let app = TestApp::spawn_with(|s| s.sms_gateway_url = Some(url)).await;
    // Vouchers valid for five days from now.
    let ids = rush_in(
        &app,
        10,
        json!({ "kind": "once" }),
        Spec {
            coupon_to: Duration::days(5),
            ..Spec::default()
        },
    )
    .await;
    let tokens = direct_members(&app, &ids.union_token, 1, 3).await;
    let mut codes = Vec::new();
    for t in &tokens {
        let c = claim(&app, ids.activity, t, None).await;
        assert_eq!(c.status, reqwest::StatusCode::CREATED, "{:?}", c.body);
        codes.push(c.body["code"].as_str().expect("code").to_owned());
    }
    let valid_to = app
        .get("/api/app/vouchers?status=unused", &tokens[0])
        .await
        .body["items"][0]["valid_to"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .expect("valid_to")
        .with_timezone(&chrono::Utc);
    // The second member switches reminders off.
    let off = app
        .put(
            "/api/app/me/preferences",
            &tokens[1],
            json!({ "expiry_reminders": false }),
        )
        .await;
    assert_eq!(off.status, reqwest::StatusCode::OK, "{:?}", off.body);
    assert_eq!(off.body["expiry_reminders"], false);
    let me = app.get("/api/app/me", &tokens[1]).await;
    assert_eq!(me.body["preferences"]["expiry_reminders"], false);
    let on = app.get("/api/app/me/preferences", &tokens[0]).await;
    assert_eq!(on.body["expiry_reminders"], true);
    // The merchant's staff account, set up before the clock moves past its initial
    // password's life.
    staff_token(&app, "13700000001").await;

    // Not yet due: nothing.
    let ctx = app.job_context();
    jobs::reminders::run(&ctx).await.expect("run");
    assert!(reminders(&sms).is_empty());

    // Due (three days before the end) but at 22:00 Beijing time: postponed.
    let quiet = next_beijing(valid_to - Duration::days(3), 21) + Duration::hours(1);
    app.clock.advance(quiet - app.clock.now());
    let run = jobs::reminders::run(&ctx).await.expect("run");
    assert!(run.quiet);
    assert!(reminders(&sms).is_empty());

    // After 08:00: sent, once, however many runs and runners.
    let morning = next_beijing(app.clock.now(), 8) + Duration::minutes(1);
    app.clock.advance(morning - app.clock.now());
    let mut other = separate_worker(&app.settings, "other").await;
    other.clock = app.clock.clone();
    let (a, b) = tokio::join!(jobs::reminders::run(&ctx), jobs::reminders::run(&other));
    assert_eq!(a.expect("run").sent + b.expect("run").sent, 2);
    jobs::reminders::run(&ctx).await.expect("run");
    let sent = reminders(&sms);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let phones: Vec<&str> = sent.iter().filter_map(|b| b["phone"].as_str()).collect();
    assert!(phones.contains(&"13900000001") && phones.contains(&"13900000003"));
    assert!(!phones.contains(&"13900000002"), "opted out: {sent:?}");
    let first = sent
        .iter()
        .find(|b| b["phone"] == "13900000001")
        .expect("first member's reminder");
    let tail = first["voucher_code_tail"].as_str().expect("tail");
    assert_eq!(tail.chars().count(), 4);
    assert!(codes[0].ends_with(tail));
    assert_eq!(first["coupon_name"], "中秋蛋糕券");
    assert!(
        first["valid_to"]
            .as_str()
            .expect("valid_to")
            .ends_with("+08:00")
    );

    // One voucher is redeemed after its reminder: the dashboard counts both figures.
    let staff = staff_login(&app, "13700000001").await;
    let redeemed = app
        .post(
            "/api/merchant/redemptions",
            &staff,
            json!({ "code": codes[0] }),
        )
        .await;
    assert_eq!(
        redeemed.status,
        reqwest::StatusCode::CREATED,
        "{:?}",
        redeemed.body
    );
    let admin = app.admin_login("port", ADMIN_PASSWORD).await;
    let admin = admin.body["token"].as_str().expect("token").to_owned();
    let stats = app.get("/api/admin/stats", &admin).await;
    assert_eq!(stats.status, reqwest::StatusCode::OK, "{:?}", stats.body);
    assert_eq!(stats.body["total"]["reminders_sent"], 2);
    assert_eq!(stats.body["total"]["redeemed_after_reminder"], 1);
}

#[tokio::test]
async fn without_a_gateway_nothing_is_sent_and_preferences_need_a_member_session() {
    let app = TestApp::spawn().await;
    let run = jobs::reminders::run(&app.job_context()).await.expect("run");
    assert_eq!(run, jobs::reminders::Reminded::default());
    let anonymous = app
        .request(
            reqwest::Method::PUT,
            "/api/app/me/preferences",
            None,
            Some(json!({ "expiry_reminders": false })),
        )
        .await;
    assert_eq!(anonymous.status, reqwest::StatusCode::UNAUTHORIZED);
    let root = app.root_token().await;
    let by_admin = app
        .put(
            "/api/app/me/preferences",
            &root,
            json!({ "expiry_reminders": false }),
        )
        .await;
    assert_eq!(by_admin.status, reqwest::StatusCode::UNAUTHORIZED);
}
