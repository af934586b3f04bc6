//! Screenshot-proof vouchers (动态券码): an activity with `dynamic_code` gives vouchers
//! whose fixed code no longer redeems on its own. The member app shows a signed payload
//! of the current 30-second step (and a 6-digit number under it); merchants accept the
//! payload, or the code with the number. Time is moved with the injectable clock.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::claims::{add_prize_and_open, claim, coupon, direct_members, rush, staff_token};
use crate::helpers::{Chain, Resp, TestApp};
use crate::merchants::online_merchant;

/// A union with an online merchant and an open screenshot-proof activity (created so
/// through the API); two members with a voucher each.
struct Dynamic {
    app: TestApp,
    staff: String,
    members: Vec<String>,
    /// (voucher id, code) per member.
    vouchers: Vec<(i64, String)>,
}

fn activity_body(
    scope: i64,
    starts: chrono::DateTime<chrono::Utc>,
    dynamic: Option<bool>,
) -> Value {
    let mut body = json!({
        "title": "防截图福利", "cover_url": "https://img.example.cn/cover.png",
        "claim_limit": { "kind": "once" }, "scope_org_id": scope,
        "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::days(3)).to_rfc3339(),
        "content_html": "<p>领取</p>"
    });
    if let Some(d) = dynamic {
        body["dynamic_code"] = json!(d);
    }
    body
}

impl Dynamic {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let root = app.root_token().await;
        let Chain {
            district_token,
            union,
            union_token,
            ..
        } = app.district_and_union(&root, "日照港工会", "port").await;
        let merchant = online_merchant(&app, &union_token, "日照职工之家", "13700000001").await;
        let coupon = coupon(
            &app,
            &union_token,
            merchant,
            5,
            Duration::hours(-1),
            Duration::days(30),
        )
        .await;
        let created = app
            .post(
                "/api/admin/activities",
                &union_token,
                activity_body(union, app.clock.now() + Duration::minutes(1), Some(true)),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        assert_eq!(created.body["dynamic_code"], true);
        let activity = created.body["id"].as_i64().expect("id");
        add_prize_and_open(&app, &union_token, &district_token, activity, coupon, 5).await;
        let members = direct_members(&app, &union_token, 1, 2).await;
        let mut vouchers = Vec::new();
        for token in &members {
            let claimed = claim(&app, activity, token, None).await;
            assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
            vouchers.push((
                claimed.body["id"].as_i64().expect("id"),
                claimed.body["code"].as_str().expect("code").to_owned(),
            ));
        }
        let staff = staff_token(&app, "13700000001").await;
        Self {
            app,
            staff,
            members,
            vouchers,
        }
    }

    /// The dynamic code of member `m`'s voucher, as the member app asks for it.
    async fn dynamic_code(&self, m: usize) -> Value {
        let got = self
            .app
            .get(
                &format!("/api/app/vouchers/{}/dynamic-code", self.vouchers[m].0),
                &self.members[m],
            )
            .await;
        assert_eq!(got.status, StatusCode::OK, "{:?}", got.body);
        got.body
    }

    async fn redeem(&self, body: Value) -> Resp {
        self.app
            .post("/api/merchant/redemptions", &self.staff, body)
            .await
    }

    async fn preview(&self, scanned: &str) -> Resp {
        self.app
            .get(&format!("/api/merchant/vouchers/{scanned}"), &self.staff)
            .await
    }

    async fn status(&self, m: usize) -> entity::enums::VoucherStatus {
        entity::voucher::Entity::find()
            .filter(entity::voucher::Column::Id.eq(self.vouchers[m].0))
            .one(&self.app.state.db)
            .await
            .expect("read")
            .expect("voucher")
            .status
    }
}

fn refused(r: &Resp, code: &str) {
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(r.code(), code, "{:?}", r.body);
}

#[tokio::test]
async fn a_dynamic_payload_redeems_once_and_a_70_second_old_one_is_refused() {
    let d = Dynamic::new().await;
    let (id, code) = d.vouchers[0].clone();
    let seen = d
        .app
        .get(&format!("/api/app/vouchers/{id}"), &d.members[0])
        .await;
    assert_eq!(seen.body["dynamic_code"], true, "{:?}", seen.body);

    // Only the holder gets the dynamic code; a merchant token is not a member's.
    let path = format!("/api/app/vouchers/{id}/dynamic-code");
    let other = d.app.get(&path, &d.members[1]).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{:?}", other.body);
    let staff = d.app.get(&path, &d.staff).await;
    assert!(
        [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&staff.status),
        "{:?}",
        staff
    );
    let anonymous = d.app.request(Method::GET, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let first = d.dynamic_code(0).await;
    let payload = first["payload"].as_str().expect("payload").to_owned();
    assert!(payload.len() <= 64, "{payload}");
    assert!(
        !payload.contains(&code),
        "the payload does not give the code away"
    );
    let digits = first["digits"].as_str().expect("digits");
    assert!(digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()));
    let expires = first["expires_in_seconds"].as_i64().expect("expires");
    let refresh = first["refresh_in_seconds"].as_i64().expect("refresh");
    assert!((31..=60).contains(&expires), "{expires}");
    assert!((1..=30).contains(&refresh), "{refresh}");

    // The fixed code alone (a screenshot of it) is refused, in the preview as on
    // redemption.
    refused(&d.preview(&code).await, "DYNAMIC_CODE_REQUIRED");
    let plain = d.redeem(json!({ "code": code })).await;
    refused(&plain, "DYNAMIC_CODE_REQUIRED");
    assert!(
        plain.message().contains("6位动态数字"),
        "{}",
        plain.message()
    );

    // 70 seconds later that payload is refused.
    d.app.clock.advance(Duration::seconds(70));
    let late = d.redeem(json!({ "code": payload })).await;
    refused(&late, "DYNAMIC_CODE_EXPIRED");
    assert_eq!(late.message(), "请会员刷新券码后重新扫码");
    refused(&d.preview(&payload).await, "DYNAMIC_CODE_EXPIRED");
    assert_eq!(d.status(0).await, entity::enums::VoucherStatus::Unused);

    // A fresh one previews and redeems, once.
    let fresh = d.dynamic_code(0).await;
    let fresh = fresh["payload"].as_str().expect("payload");
    let preview = d.preview(fresh).await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["code"], code.as_str());
    assert_eq!(preview.body["dynamic_code"], true);
    assert_eq!(preview.body["redeemable"], true);
    let done = d.redeem(json!({ "code": fresh })).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["code"], code.as_str());
    let again = d.redeem(json!({ "code": fresh })).await;
    refused(&again, "ALREADY_REDEEMED");

    // A forged payload is an unknown code.
    let forged = fresh.replacen(
        &format!("DV1.{id}."),
        &format!("DV1.{}.", d.vouchers[1].0),
        1,
    );
    let r = d.redeem(json!({ "code": forged })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    assert_eq!(d.status(1).await, entity::enums::VoucherStatus::Unused);
}

#[tokio::test]
async fn a_typed_code_of_a_dynamic_voucher_needs_the_current_six_digits() {
    let logs = crate::helpers::captured_logs();
    let d = Dynamic::new().await;
    let code = d.vouchers[1].1.clone();
    let shown = d.dynamic_code(1).await;
    let digits = shown["digits"].as_str().expect("digits").to_owned();
    let wrong = if digits == "000000" {
        "111111"
    } else {
        "000000"
    };

    let bad = d.redeem(json!({ "code": code, "digits": wrong })).await;
    refused(&bad, "DYNAMIC_DIGITS_INVALID");
    assert!(bad.message().contains("6位数字"), "{}", bad.message());
    let empty = d.redeem(json!({ "code": code, "digits": "" })).await;
    refused(&empty, "DYNAMIC_CODE_REQUIRED");

    // The number read off the phone 70 seconds ago is no longer good.
    d.app.clock.advance(Duration::seconds(70));
    let stale = d.redeem(json!({ "code": code, "digits": digits })).await;
    refused(&stale, "DYNAMIC_DIGITS_INVALID");
    assert_eq!(d.status(1).await, entity::enums::VoucherStatus::Unused);

    let now = d.dynamic_code(1).await;
    let digits = now["digits"].as_str().expect("digits");
    let preview = d
        .app
        .get(
            &format!("/api/merchant/vouchers/{code}?digits={digits}"),
            &d.staff,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    let done = d.redeem(json!({ "code": code, "digits": digits })).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(d.status(1).await, entity::enums::VoucherStatus::Redeemed);
    // The six digits prove the member's phone is at the counter: no log records them
    // (every test's logs are captured, so this looks for the field, not the number).
    let text = logs.text();
    assert!(
        text.contains("redeem{"),
        "the redemption was logged: {text}"
    );
    assert!(!text.contains("digits=Some"), "typed digits in the logs");
}

#[tokio::test]
async fn vouchers_of_other_activities_keep_working_as_before() {
    let r = rush(5, json!({ "kind": "once" })).await;
    let members = r.members(1, 2).await;
    let mut vouchers = Vec::new();
    for m in &members {
        let claimed = r.claim(m, None).await;
        assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
        vouchers.push((
            claimed.body["id"].as_i64().expect("id"),
            claimed.body["code"].as_str().expect("code").to_owned(),
        ));
    }
    let seen = r
        .app
        .get(&format!("/api/app/vouchers/{}", vouchers[0].0), &members[0])
        .await;
    assert_eq!(seen.body["dynamic_code"], false);
    let none = r
        .app
        .get(
            &format!("/api/app/vouchers/{}/dynamic-code", vouchers[0].0),
            &members[0],
        )
        .await;
    refused(&none, "DYNAMIC_CODE_NOT_ENABLED");

    let staff = r.staff_token().await;
    let preview = r
        .app
        .get(&format!("/api/merchant/vouchers/{}", vouchers[0].1), &staff)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["dynamic_code"], false);
    let done = r
        .app
        .post(
            "/api/merchant/redemptions",
            &staff,
            json!({ "code": vouchers[0].1 }),
        )
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    // Digits sent with the code of an ordinary voucher do not matter.
    let with_digits = r
        .app
        .post(
            "/api/merchant/redemptions",
            &staff,
            json!({ "code": vouchers[1].1, "digits": "123456" }),
        )
        .await;
    assert_eq!(
        with_digits.status,
        StatusCode::CREATED,
        "{:?}",
        with_digits.body
    );
}

#[tokio::test]
async fn the_activity_form_sets_and_clears_dynamic_codes() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let Chain {
        union, union_token, ..
    } = app.district_and_union(&root, "日照港工会", "port").await;
    let starts = app.clock.now() + Duration::hours(1);
    let plain = app
        .post(
            "/api/admin/activities",
            &union_token,
            activity_body(union, starts, None),
        )
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{:?}", plain.body);
    assert_eq!(plain.body["dynamic_code"], false);
    let created = app
        .post(
            "/api/admin/activities",
            &union_token,
            activity_body(union, starts, Some(true)),
        )
        .await;
    assert_eq!(created.body["dynamic_code"], true);
    let id = created.body["id"].as_i64().expect("id");
    let mut edit = activity_body(union, starts, Some(false));
    edit["version"] = created.body["version"].clone();
    let edited = app
        .put(&format!("/api/admin/activities/{id}"), &union_token, edit)
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["dynamic_code"], false);
    let read = app
        .get(&format!("/api/admin/activities/{id}"), &union_token)
        .await;
    assert_eq!(read.body["dynamic_code"], false);
}
