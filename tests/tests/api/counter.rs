//! The merchant's counter (商家端): the day's figures for the cashier and the whole shop,
//! and the history searched by one voucher code.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::claims::{Spec, claim, direct_members, rush_in, staff_token};
use crate::helpers::{Resp, TestApp};
use crate::merchants::online_merchant;

/// Every test voucher has the face value the test coupon gives it.
const FACE_VALUE_FEN: i64 = 5000;

async fn redeem(app: &TestApp, staff: &str, code: &str) -> Resp {
    let done = app
        .post("/api/merchant/redemptions", staff, json!({ "code": code }))
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    done
}

fn figures(summary: &Resp, who: &str) -> (i64, i64) {
    assert_eq!(summary.status, StatusCode::OK, "{:?}", summary.body);
    let f = &summary.body[who];
    (
        f["count"].as_i64().expect("count"),
        f["amount_fen"].as_i64().expect("amount"),
    )
}

/// An online merchant with its owner and a second cashier (both past the forced
/// password change), and `n` vouchers claimed by members; (owner, cashier, codes).
async fn counter_with_vouchers(app: &TestApp, n: u32) -> (String, String, Vec<String>) {
    let ids = rush_in(app, 10, json!({ "kind": "once" }), Spec::default()).await;
    let staff = app
        .post(
            &format!("/api/admin/merchants/{}/staff", ids.merchant),
            &ids.union_token,
            json!({ "name": "核销员李", "phone": "13700000009" }),
        )
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{:?}", staff.body);
    let owner = staff_token(app, "13700000001").await;
    let cashier = staff_token(app, "13700000009").await;
    let mut codes = Vec::new();
    for token in direct_members(app, &ids.union_token, 1, n).await {
        let claimed = claim(app, ids.activity, &token, None).await;
        assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
        codes.push(claimed.body["code"].as_str().expect("code").to_owned());
    }
    (owner, cashier, codes)
}

#[tokio::test]
async fn the_day_summary_counts_the_cashier_and_the_whole_shop() {
    let app = TestApp::spawn().await;
    let (owner, cashier, codes) = counter_with_vouchers(&app, 3).await;
    let empty = app.get("/api/merchant/summary", &owner).await;
    assert_eq!(figures(&empty, "mine"), (0, 0));
    assert_eq!(figures(&empty, "shop"), (0, 0));
    assert_eq!(empty.body["date"], app.clock.today().to_string());

    redeem(&app, &owner, &codes[0]).await;
    redeem(&app, &owner, &codes[1]).await;
    redeem(&app, &cashier, &codes[2]).await;
    let mine = app.get("/api/merchant/summary", &owner).await;
    assert_eq!(figures(&mine, "mine"), (2, 2 * FACE_VALUE_FEN));
    assert_eq!(figures(&mine, "shop"), (3, 3 * FACE_VALUE_FEN));
    let theirs = app.get("/api/merchant/summary", &cashier).await;
    assert_eq!(figures(&theirs, "mine"), (1, FACE_VALUE_FEN));
    assert_eq!(figures(&theirs, "shop"), (3, 3 * FACE_VALUE_FEN));

    // Another day, named or reached by the clock, starts from zero.
    let tomorrow = app.clock.today() + Duration::days(1);
    let named = app
        .get(&format!("/api/merchant/summary?date={tomorrow}"), &owner)
        .await;
    assert_eq!(figures(&named, "shop"), (0, 0));
    let today = app.clock.today();
    app.clock.advance(Duration::days(1));
    let owner = crate::claims::staff_login(&app, "13700000001").await;
    let next_day = app.get("/api/merchant/summary", &owner).await;
    assert_eq!(next_day.body["date"], tomorrow.to_string());
    assert_eq!(figures(&next_day, "shop"), (0, 0));
    let past = app
        .get(&format!("/api/merchant/summary?date={today}"), &owner)
        .await;
    assert_eq!(figures(&past, "shop"), (3, 3 * FACE_VALUE_FEN));

    let bad = app
        .get("/api/merchant/summary?date=2026-13-01", &owner)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
}

#[tokio::test]
async fn another_merchant_sees_none_of_the_shops_figures_or_redemptions() {
    let app = TestApp::spawn().await;
    let (owner, _, codes) = counter_with_vouchers(&app, 1).await;
    redeem(&app, &owner, &codes[0]).await;
    // The root admin activated in `rush_in` logs in with its changed password.
    let root = app
        .admin_login("admin", crate::helpers::ADMIN_PASSWORD)
        .await
        .body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (_, other) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    online_merchant(&app, &other, "岚山蛋糕店", "13700000005").await;
    let stranger = staff_token(&app, "13700000005").await;

    let summary = app.get("/api/merchant/summary", &stranger).await;
    assert_eq!(figures(&summary, "shop"), (0, 0));
    let found = app
        .get(
            &format!("/api/merchant/redemptions?code={}", codes[0]),
            &stranger,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["total"], 0);
    assert_eq!(found.body["items"], json!([]));
    assert_eq!(
        app.get("/api/merchant/summary", "not-a-token").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_history_finds_one_voucher_by_its_code_as_a_cashier_types_it() {
    let app = TestApp::spawn().await;
    let (owner, cashier, codes) = counter_with_vouchers(&app, 3).await;
    for (i, code) in codes.iter().enumerate() {
        redeem(&app, if i == 0 { &owner } else { &cashier }, code).await;
    }
    // Lower case and dashes, as people type them.
    let typed: String = codes[1]
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            if i > 0 && i % 4 == 0 {
                vec!['-', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let found = app
        .get(&format!("/api/merchant/redemptions?code={typed}"), &owner)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["total"], 1);
    assert_eq!(found.body["total_amount_fen"], FACE_VALUE_FEN);
    let items = found.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["code"], codes[1].as_str());
    assert_eq!(items[0]["staff_name"], "核销员李");
    // Combined with dates: a day without it finds nothing.
    let yesterday = app.clock.today() - Duration::days(1);
    let other_day = app
        .get(
            &format!(
                "/api/merchant/redemptions?code={}&from={yesterday}&to={yesterday}",
                codes[1]
            ),
            &owner,
        )
        .await;
    assert_eq!(other_day.body["total"], 0, "{:?}", other_day.body);
    // A code that cannot be one is a clear 400, not an empty page.
    let bad = app.get("/api/merchant/redemptions?code=ABC", &owner).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
    assert!(bad.message().contains("券码格式不正确"), "{:?}", bad.body);
    // Without a code, all three.
    let all: Value = app.get("/api/merchant/redemptions", &owner).await.body;
    assert_eq!(all["total"], 3);
}

async fn redeem_with_key(app: &TestApp, staff: &str, code: &str, key: &str) -> Resp {
    let resp = app
        .client
        .post(format!("{}/api/merchant/redemptions", app.base))
        .bearer_auth(staff)
        .header("Idempotency-Key", key)
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    Resp {
        status,
        body: resp.json().await.unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn a_retried_redemption_gets_the_first_answer_not_already_redeemed() {
    let app = TestApp::spawn().await;
    let (owner, cashier, codes) = counter_with_vouchers(&app, 3).await;
    let first = redeem_with_key(&app, &owner, &codes[0], "confirm-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    // The answer was lost; the phone retries with the same key, typed the same or not.
    let retry = redeem_with_key(&app, &owner, &codes[0].to_lowercase(), "confirm-1").await;
    assert_eq!(retry.status, StatusCode::CREATED, "{:?}", retry.body);
    assert_eq!(retry.body, first.body);
    // Another confirmation of the same voucher (a new key) hears the truth.
    let again = redeem_with_key(&app, &owner, &codes[0], "confirm-2").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert_eq!(again.code(), "ALREADY_REDEEMED");

    // A key already used for another voucher redeems nothing.
    let reused = redeem_with_key(&app, &owner, &codes[1], "confirm-1").await;
    assert_eq!(reused.status, StatusCode::CONFLICT, "{:?}", reused.body);
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    let preview = app
        .get(&format!("/api/merchant/vouchers/{}", codes[1]), &owner)
        .await;
    assert_eq!(preview.body["status"], "unused", "{:?}", preview.body);
    // Keys belong to one staff account: another cashier may use the same string.
    let theirs = redeem_with_key(&app, &cashier, &codes[1], "confirm-1").await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{:?}", theirs.body);
    // A key that cannot be one is a 400 that changes nothing.
    let bad = redeem_with_key(&app, &owner, &codes[2], &"k".repeat(65)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
    let summary = app.get("/api/merchant/summary", &owner).await;
    assert_eq!(figures(&summary, "shop"), (2, 2 * FACE_VALUE_FEN));
}

#[tokio::test]
async fn concurrent_retries_with_one_key_redeem_once_and_all_hear_the_same_answer() {
    let app = TestApp::spawn().await;
    let (owner, _, codes) = counter_with_vouchers(&app, 1).await;
    let answers = futures::future::join_all(
        (0..16).map(|_| redeem_with_key(&app, &owner, &codes[0], "flaky-network")),
    )
    .await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
        assert_eq!(a.body["id"], answers[0].body["id"]);
        assert_eq!(a.body["redeemed_at"], answers[0].body["redeemed_at"]);
    }
    let history = app.get("/api/merchant/redemptions", &owner).await;
    assert_eq!(history.body["total"], 1, "{:?}", history.body);
}

#[tokio::test]
async fn two_codes_sent_at_once_with_one_key_redeem_one_of_them() {
    let app = TestApp::spawn().await;
    let (owner, _, codes) = counter_with_vouchers(&app, 2).await;
    let (a, b) = tokio::join!(
        redeem_with_key(&app, &owner, &codes[0], "same-key"),
        redeem_with_key(&app, &owner, &codes[1], "same-key"),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let refused = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert_eq!(
        refused.code(),
        "IDEMPOTENCY_KEY_REUSED",
        "{:?}",
        refused.body
    );
    let history = app.get("/api/merchant/redemptions", &owner).await;
    assert_eq!(history.body["total"], 1, "{:?}", history.body);
}
