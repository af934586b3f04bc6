//! Member app: SMS codes and their limits, registration, password / SMS / WeChat
//! log-in, bind tokens, password reset, and keeping codes and phones out of the logs.

use chrono::{Duration, TimeZone};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, captured_logs};
use crate::stubs::{self, SmsGateway, Wechat};

pub const MEMBER_PASSWORD: &str = "Member2026ok";
pub const REGION: &str = "山东省日照市东港区";

/// A server wired to an SMS gateway stub and a WeChat stub.
pub struct MemberApp {
    pub app: TestApp,
    pub sms: SmsGateway,
    pub wechat: Wechat,
}

impl MemberApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(true).await
    }

    pub async fn spawn_with(wechat_configured: bool) -> Self {
        Self::spawn_configured(wechat_configured, |_| {}).await
    }

    /// As `spawn_with`, with further settings adjusted by `configure`.
    pub async fn spawn_configured(
        wechat_configured: bool,
        configure: impl FnOnce(&mut api::settings::Settings),
    ) -> Self {
        let sms = SmsGateway::start().await;
        let wechat = Wechat::start().await;
        let (sms_url, wx_url) = (sms.url.clone(), wechat.url.clone());
        let app = TestApp::spawn_with(move |s| {
            s.sms_gateway_url = Some(sms_url);
            s.wechat_api_base = wx_url;
            if wechat_configured {
                s.wechat_app_appid = Some(stubs::APP_APPID.into());
                s.wechat_app_secret = Some(stubs::APP_SECRET.into());
                s.wechat_miniprogram_appid = Some(stubs::MINI_APPID.into());
                s.wechat_miniprogram_secret = Some(stubs::MINI_SECRET.into());
            }
            configure(s);
        })
        .await;
        Self { app, sms, wechat }
    }

    /// POST without a token.
    pub async fn anon(&self, path: &str, body: Value) -> Resp {
        self.app.request(Method::POST, path, None, Some(body)).await
    }

    pub async fn send_code(&self, phone: &str, purpose: &str) -> Resp {
        self.anon(
            "/api/app/sms-codes",
            json!({ "phone": phone, "purpose": purpose }),
        )
        .await
    }

    /// Requests a code and reads it from the gateway stub.
    pub async fn code(&self, phone: &str, purpose: &str) -> String {
        let sent = self.send_code(phone, purpose).await;
        assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
        self.sms
            .last_code(phone, purpose)
            .expect("the gateway got a code")
    }

    /// Registers `phone` with the standard password; returns the member token.
    pub async fn register(&self, phone: &str) -> String {
        let code = self.code(phone, "register").await;
        let resp = self
            .anon(
                "/api/app/register",
                json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
        // Past the resend cooldown, so the test may ask for another code at once.
        self.app.clock.advance(Duration::seconds(61));
        resp.body["token"].as_str().expect("token").to_owned()
    }

    pub async fn me(&self, token: &str) -> Resp {
        self.app.get("/api/app/me", token).await
    }

    /// Moves the clock to 01:00 tomorrow in Beijing, so a test never straddles a day.
    pub fn start_of_a_beijing_day(&self) {
        let bj = jobs::clock::beijing();
        let now = self.app.clock.now();
        let tomorrow = now.with_timezone(&bj).date_naive() + Duration::days(1);
        let target = bj
            .from_local_datetime(&tomorrow.and_hms_opt(1, 0, 0).expect("time"))
            .single()
            .expect("time");
        self.app
            .clock
            .advance(target.with_timezone(&chrono::Utc) - now);
    }
}

fn retry_after(resp: &Resp) -> i64 {
    resp.body["details"]["retry_after_seconds"]
        .as_i64()
        .expect("retry_after_seconds")
}

#[tokio::test]
async fn registering_with_an_sms_code_returns_a_token_that_opens_me() {
    let m = MemberApp::spawn().await;
    let sent = m.send_code("13800001111", "register").await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    assert_eq!(sent.body["sent"], true);
    assert_eq!(sent.body["expires_in_seconds"], 300);
    assert_eq!(sent.body["resend_after_seconds"], 60);
    let got = m.sms.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["phone"], "13800001111");
    assert_eq!(got[0]["purpose"], "register");
    let code = got[0]["code"].as_str().expect("code");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    let resp = m
        .anon(
            "/api/app/register",
            json!({ "phone": "138 0000 1111", "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true }),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let token = resp.body["token"].as_str().expect("token");
    let me = m.me(token).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["phone"], "13800001111");
    assert_eq!(me.body["phone_masked"], "138****1111");
    assert_eq!(me.body["region"], REGION);
    assert_eq!(me.body["certification"]["state"], "uncertified");
    assert_eq!(me.body["active_for_claiming"], false);
    assert!(me.body["card"].is_null());

    let login = m
        .anon(
            "/api/app/login",
            json!({ "phone": "13800001111", "password": MEMBER_PASSWORD }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let wrong = m
        .anon(
            "/api/app/login",
            json!({ "phone": "13800001111", "password": "Wrong2026ok" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn sms_codes_are_limited_per_phone_per_minute_and_per_day_without_sleeping() {
    let m = MemberApp::spawn().await;
    m.start_of_a_beijing_day();
    let phone = "13800002222";
    assert_eq!(m.send_code(phone, "register").await.status, StatusCode::OK);
    let again = m.send_code(phone, "register").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.code(), "SMS_TOO_FREQUENT");
    let wait = retry_after(&again);
    assert!((55..=60).contains(&wait), "{wait}");
    assert!(again.message().contains("秒后再试"), "{}", again.message());
    // Another purpose of the same phone shares the minute.
    assert_eq!(
        m.send_code(phone, "login").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    for _ in 1..10 {
        m.app.clock.advance(Duration::seconds(61));
        let sent = m.send_code(phone, "register").await;
        assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    }
    assert_eq!(m.sms.received().len(), 10);
    m.app.clock.advance(Duration::seconds(61));
    let eleventh = m.send_code(phone, "register").await;
    assert_eq!(eleventh.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(eleventh.code(), "SMS_DAILY_LIMIT");
    assert!(retry_after(&eleventh) > 3600);
    // Another phone is not affected.
    assert_eq!(
        m.send_code("13800002223", "register").await.status,
        StatusCode::OK
    );
    // The next day in Beijing the phone may ask again.
    m.start_of_a_beijing_day();
    assert_eq!(m.send_code(phone, "register").await.status, StatusCode::OK);
    assert_eq!(m.sms.received().len(), 12);
}

#[tokio::test]
async fn sms_sends_are_capped_per_client_ip() {
    let m = MemberApp::spawn().await;
    for i in 0..30 {
        let phone = format!("1390000{i:04}");
        let sent = m.send_code(&phone, "register").await;
        assert_eq!(sent.status, StatusCode::OK, "{i}: {:?}", sent.body);
    }
    let capped = m.send_code("13900009999", "register").await;
    assert_eq!(capped.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(capped.code(), "SMS_IP_LIMITED");
    assert!(retry_after(&capped) > 0);
    // Refused before the per-phone limits: that phone may still get a code later.
    m.app.clock.advance(Duration::seconds(3601));
    assert_eq!(
        m.send_code("13900009999", "register").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_answer_is_the_same_for_registered_and_unknown_phones() {
    let m = MemberApp::spawn().await;
    m.register("13800003333").await;
    let before = m.sms.received().len();
    let known = m.send_code("13800003333", "login").await;
    let unknown = m.send_code("13800004444", "login").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.body, unknown.body);
    // Only the account's phone actually receives a code.
    let sent = m.sms.received();
    assert_eq!(sent.len(), before + 1);
    assert_eq!(sent[before]["phone"], "13800003333");
    // The unknown phone is rate limited the same way.
    let again = m.send_code("13800004444", "login").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_gateway_failure_answers_502_and_does_not_use_up_the_limit() {
    let m = MemberApp::spawn().await;
    m.sms.answer_with(500);
    let failed = m.send_code("13800005555", "register").await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY);
    assert_eq!(failed.code(), "SMS_UNAVAILABLE");
    m.sms.answer_with(200);
    let sent = m.send_code("13800005555", "register").await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    // The code of the failed send never works: only the delivered one does.
    let first = m.sms.received()[0]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let second = m.sms.last_code("13800005555", "register").expect("code");
    if first != second {
        let resp = m
            .anon(
                "/api/app/register",
                json!({ "phone": "13800005555", "password": MEMBER_PASSWORD, "sms_code": first, "region": REGION, "agree": true }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_gateway_that_cannot_be_reached_is_a_502_too() {
    let sms = SmsGateway::start().await;
    drop(sms);
    let app = TestApp::spawn_with(|s| {
        // Nothing listens on port 9 of the loopback (discard; closed here).
        s.sms_gateway_url = Some("http://127.0.0.1:9/send".into());
    })
    .await;
    let resp = app
        .request(
            Method::POST,
            "/api/app/sms-codes",
            None,
            Some(json!({ "phone": "13800005556", "purpose": "register" })),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY, "{:?}", resp.body);
    assert_eq!(resp.code(), "SMS_UNAVAILABLE");
}

async fn register_with(m: &MemberApp, phone: &str, code: &str, password: &str) -> Resp {
    m.anon(
        "/api/app/register",
        json!({ "phone": phone, "password": password, "sms_code": code, "region": REGION, "agree": true }),
    )
    .await
}

#[tokio::test]
async fn wrong_expired_and_used_codes_are_refused_with_clear_400s() {
    let m = MemberApp::spawn().await;
    let phone = "13800006666";
    let code = m.code(phone, "register").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let first = register_with(&m, phone, wrong, MEMBER_PASSWORD).await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST);
    assert_eq!(first.code(), "SMS_CODE_INVALID");
    assert!(
        first.message().contains("还可尝试4次"),
        "{}",
        first.message()
    );
    for _ in 0..3 {
        assert_eq!(
            register_with(&m, phone, wrong, MEMBER_PASSWORD)
                .await
                .code(),
            "SMS_CODE_INVALID"
        );
    }
    let fifth = register_with(&m, phone, wrong, MEMBER_PASSWORD).await;
    assert_eq!(fifth.code(), "SMS_CODE_TOO_MANY_ATTEMPTS");
    // Dead now, even with the right code.
    let right = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(right.status, StatusCode::BAD_REQUEST);
    assert_eq!(right.code(), "SMS_CODE_TOO_MANY_ATTEMPTS");
    let malformed = register_with(&m, phone, "12ab", MEMBER_PASSWORD).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.message().contains("sms_code"));

    // Five minutes later a fresh code has expired.
    m.app.clock.advance(Duration::seconds(61));
    let code = m.code(phone, "register").await;
    m.app.clock.advance(Duration::seconds(301));
    let late = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(late.code(), "SMS_CODE_EXPIRED");

    // A code works for its own purpose only, and once.
    let code = m.code(phone, "register").await;
    let other_purpose = m
        .anon(
            "/api/app/login/sms",
            json!({ "phone": phone, "sms_code": code }),
        )
        .await;
    assert_eq!(other_purpose.status, StatusCode::BAD_REQUEST);
    let ok = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    m.app.clock.advance(Duration::seconds(61));
    let reset_code = m.code(phone, "reset_password").await;
    let reset = json!({ "phone": phone, "sms_code": reset_code, "new_password": "Changed2026ok" });
    assert_eq!(
        m.anon("/api/app/password/reset", reset.clone())
            .await
            .status,
        StatusCode::OK
    );
    let replay = m.anon("/api/app/password/reset", reset).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert_eq!(replay.code(), "SMS_CODE_EXPIRED");
}

#[tokio::test]
async fn registration_refuses_bad_input_without_using_up_the_code() {
    let m = MemberApp::spawn().await;
    let phone = "13800007777";
    let code = m.code(phone, "register").await;
    let cases = [
        (
            json!({ "phone": "12345", "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true }),
            "phone",
        ),
        (
            json!({ "phone": phone, "password": "short1", "sms_code": code, "region": REGION, "agree": true }),
            "密码长度",
        ),
        (
            json!({ "phone": phone, "password": "onlyletters", "sms_code": code, "region": REGION, "agree": true }),
            "字母和数字",
        ),
        (
            json!({ "phone": phone, "password": "1234567890", "sms_code": code, "region": REGION, "agree": true }),
            "字母和数字",
        ),
        (
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": " ", "agree": true }),
            "region",
        ),
        (
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": false }),
            "协议",
        ),
        (
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION }),
            "协议",
        ),
        (
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true, "bind_token": "forged" }),
            "绑定",
        ),
    ];
    for (body, needle) in cases {
        let resp = m.anon("/api/app/register", body).await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{needle}: {:?}",
            resp.body
        );
        assert!(
            resp.message().contains(needle),
            "{needle}: {}",
            resp.message()
        );
    }
    let not_json = m
        .app
        .client
        .post(format!("{}/api/app/register", m.app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    // Nothing was written and the code still works.
    let ok = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    // The phone is taken now (told only once the code is right).
    m.app.clock.advance(Duration::seconds(61));
    let code = m.code(phone, "register").await;
    let taken = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "PHONE_TAKEN");
    let malformed = m.send_code("2800000000", "register").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.message().contains("手机号码"));
    let purpose = m
        .anon(
            "/api/app/sms-codes",
            json!({ "phone": phone, "purpose": "spam" }),
        )
        .await;
    assert_eq!(purpose.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn password_login_locks_after_repeated_failures_and_a_reset_lifts_it() {
    let m = MemberApp::spawn().await;
    let phone = "13800008888";
    let old_token = m.register(phone).await;
    for _ in 0..5 {
        let resp = m
            .anon(
                "/api/app/login",
                json!({ "phone": phone, "password": "Wrong2026ok" }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    }
    let locked = m
        .anon(
            "/api/app/login",
            json!({ "phone": phone, "password": MEMBER_PASSWORD }),
        )
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "ACCOUNT_LOCKED");

    let code = m.code(phone, "reset_password").await;
    let weak = m
        .anon(
            "/api/app/password/reset",
            json!({ "phone": phone, "sms_code": code, "new_password": "abc" }),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let reset = m
        .anon(
            "/api/app/password/reset",
            json!({ "phone": phone, "sms_code": code, "new_password": "Changed2026ok" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    assert_eq!(m.me(&old_token).await.status, StatusCode::UNAUTHORIZED);
    let login = m
        .anon(
            "/api/app/login",
            json!({ "phone": phone, "password": "Changed2026ok" }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
}

#[tokio::test]
async fn an_sms_code_signs_in_an_existing_account() {
    let m = MemberApp::spawn().await;
    let phone = "13800009999";
    m.register(phone).await;
    m.app.clock.advance(Duration::seconds(61));
    let code = m.code(phone, "login").await;
    let resp = m
        .anon(
            "/api/app/login/sms",
            json!({ "phone": phone, "sms_code": code }),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let token = resp.body["token"].as_str().expect("token");
    assert_eq!(m.me(token).await.status, StatusCode::OK);
    // An unknown phone never has a login code.
    let unknown = m
        .anon(
            "/api/app/login/sms",
            json!({ "phone": "13700000000", "sms_code": code }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn member_tokens_are_refused_on_admin_and_merchant_routes_and_admin_tokens_on_app_routes() {
    let m = MemberApp::spawn().await;
    let member = m.register("13800001010").await;
    let admin = m.app.root_token().await;
    for path in [
        "/api/admin/org",
        "/api/admin/members",
        "/api/admin/certifications",
    ] {
        assert_eq!(
            m.app.get(path, &member).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let merchant = m.app.post("/api/merchant/logout", &member, json!({})).await;
    assert_eq!(merchant.status, StatusCode::UNAUTHORIZED);
    assert_eq!(m.me(&admin).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        m.app
            .request(Method::GET, "/api/app/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn wechat_login(m: &MemberApp, code: &str, source: Option<&str>) -> Resp {
    let mut body = json!({ "code": code });
    if let Some(s) = source {
        body["source"] = json!(s);
    }
    m.anon("/api/app/login/wechat", body).await
}

#[tokio::test]
async fn an_unknown_wechat_user_gets_a_bind_token_that_registration_consumes_once() {
    let m = MemberApp::spawn().await;
    let first = wechat_login(&m, "openid-app-1:union-1", None).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["need_binding"], true);
    assert!(first.body.get("token").is_none());
    let bind = first.body["bind_token"]
        .as_str()
        .expect("bind_token")
        .to_owned();
    assert_eq!(first.body["bind_token_expires_in_seconds"], 600);
    let (path, query) = m.wechat.received()[0].clone();
    assert_eq!(path, "/sns/oauth2/access_token");
    assert_eq!(query["appid"], stubs::APP_APPID);
    assert_eq!(query["secret"], stubs::APP_SECRET);
    assert_eq!(query["code"], "openid-app-1:union-1");
    assert_eq!(query["grant_type"], "authorization_code");

    let phone = "13800002020";
    let code = m.code(phone, "register").await;
    let reg = m
        .anon(
            "/api/app/register",
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true, "bind_token": bind }),
        )
        .await;
    assert_eq!(reg.status, StatusCode::OK, "{:?}", reg.body);
    let me = m.me(reg.body["token"].as_str().expect("token")).await;
    assert_eq!(me.body["wechat"]["app"], true);
    assert_eq!(me.body["wechat"]["miniprogram"], false);
    let account_id = me.body["id"].clone();

    let again = wechat_login(&m, "openid-app-1:union-1", Some("app")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["need_binding"], false);
    let token = again.body["token"].as_str().expect("token");
    assert_eq!(m.me(token).await.body["id"], account_id);

    // The bind token is spent: a replay at login is refused and links nothing.
    m.register("13800002021").await;
    let replay = m
        .anon(
            "/api/app/login",
            json!({ "phone": "13800002021", "password": MEMBER_PASSWORD, "bind_token": bind }),
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert_eq!(replay.code(), "BIND_TOKEN_INVALID");
}

#[tokio::test]
async fn a_bind_token_links_an_existing_account_at_password_login_until_it_expires() {
    let m = MemberApp::spawn().await;
    let phone = "13800003030";
    m.register(phone).await;
    let need = wechat_login(&m, "mini-openid-7", Some("miniprogram")).await;
    assert_eq!(need.body["need_binding"], true, "{:?}", need.body);
    assert_eq!(m.wechat.received()[0].0, "/sns/jscode2session");
    assert_eq!(m.wechat.received()[0].1["js_code"], "mini-openid-7");
    let bind = need.body["bind_token"].as_str().expect("bind").to_owned();
    let login = m
        .anon(
            "/api/app/login",
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "bind_token": bind }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let again = wechat_login(&m, "mini-openid-7", Some("miniprogram")).await;
    assert_eq!(again.body["need_binding"], false);

    // A second WeChat user cannot take over the same account.
    let other = wechat_login(&m, "mini-openid-8", Some("miniprogram")).await;
    let bind = other.body["bind_token"].as_str().expect("bind").to_owned();
    let conflict = m
        .anon(
            "/api/app/login",
            json!({ "phone": phone, "password": MEMBER_PASSWORD, "bind_token": bind }),
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert_eq!(conflict.code(), "WECHAT_ALREADY_BOUND");

    // An expired bind token is refused; a wrong password with a bind token is a 401.
    let late = wechat_login(&m, "mini-openid-9", Some("miniprogram")).await;
    let bind = late.body["bind_token"].as_str().expect("bind").to_owned();
    m.register("13800003031").await;
    let wrong = m
        .anon(
            "/api/app/login",
            json!({ "phone": "13800003031", "password": "Wrong2026ok", "bind_token": bind }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    m.app.clock.advance(Duration::seconds(601));
    let expired = m
        .anon(
            "/api/app/login",
            json!({ "phone": "13800003031", "password": MEMBER_PASSWORD, "bind_token": bind }),
        )
        .await;
    assert_eq!(expired.code(), "BIND_TOKEN_INVALID");
}

#[tokio::test]
async fn a_mini_program_login_finds_the_app_account_by_unionid() {
    let m = MemberApp::spawn().await;
    let need = wechat_login(&m, "app-openid-1:shared-union", None).await;
    let bind = need.body["bind_token"].as_str().expect("bind").to_owned();
    let code = m.code("13800004040", "register").await;
    let reg = m
        .anon(
            "/api/app/register",
            json!({ "phone": "13800004040", "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true, "bind_token": bind }),
        )
        .await;
    assert_eq!(reg.status, StatusCode::OK, "{:?}", reg.body);
    let mini = wechat_login(&m, "mini-openid-1:shared-union", Some("miniprogram")).await;
    assert_eq!(mini.status, StatusCode::OK, "{:?}", mini.body);
    assert_eq!(mini.body["need_binding"], false);
    let me = m.me(mini.body["token"].as_str().expect("token")).await;
    assert_eq!(me.body["phone"], "13800004040");
    assert_eq!(me.body["wechat"]["miniprogram"], true);
    // The mini-program openid is now remembered: it works without the unionid too.
    let by_openid = wechat_login(&m, "mini-openid-1", Some("miniprogram")).await;
    assert_eq!(by_openid.body["need_binding"], false);
}

#[tokio::test]
async fn wechat_errors_map_to_clear_answers() {
    let m = MemberApp::spawn().await;
    let cases = [
        ("err40029", StatusCode::BAD_REQUEST, "WECHAT_CODE_INVALID"),
        (
            "err45011",
            StatusCode::TOO_MANY_REQUESTS,
            "WECHAT_RATE_LIMITED",
        ),
        ("err-1", StatusCode::SERVICE_UNAVAILABLE, "WECHAT_BUSY"),
    ];
    for source in ["app", "miniprogram"] {
        for (code, status, expected) in cases {
            let resp = wechat_login(&m, code, Some(source)).await;
            assert_eq!(resp.status, status, "{source} {code}: {:?}", resp.body);
            assert_eq!(resp.code(), expected);
        }
    }
    let empty = wechat_login(&m, "  ", None).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let bad_source = wechat_login(&m, "x", Some("desktop")).await;
    assert_eq!(bad_source.status, StatusCode::BAD_REQUEST);

    let unconfigured = MemberApp::spawn_with(false).await;
    let resp = wechat_login(&unconfigured, "openid", None).await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.code(), "WECHAT_NOT_CONFIGURED");
    assert!(unconfigured.wechat.received().is_empty());

    let unreachable = TestApp::spawn_with(|s| {
        s.wechat_api_base = "http://127.0.0.1:9".into();
        s.wechat_app_appid = Some(stubs::APP_APPID.into());
        s.wechat_app_secret = Some(stubs::APP_SECRET.into());
    })
    .await;
    let resp = unreachable
        .request(
            Method::POST,
            "/api/app/login/wechat",
            None,
            Some(json!({ "code": "x" })),
        )
        .await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.code(), "WECHAT_UNAVAILABLE");
}

#[tokio::test]
async fn no_sms_code_or_full_phone_reaches_the_logs() {
    let logs = captured_logs();
    let m = MemberApp::spawn().await;
    let phone = "13812345678";
    let code = m.code(phone, "register").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    register_with(&m, phone, wrong, MEMBER_PASSWORD).await;
    register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    m.anon(
        "/api/app/login",
        json!({ "phone": phone, "password": "Wrong2026ok" }),
    )
    .await;
    m.sms.answer_with(500);
    m.app.clock.advance(Duration::seconds(61));
    m.send_code(phone, "login").await;
    let text = logs.text();
    assert!(
        text.contains("SMS code sent"),
        "logging was captured: {text}"
    );
    assert!(text.contains("138****5678"), "masked phones are fine");
    // Every test's logs are captured: the fractions of the times in their statements
    // (`…:34.123456`) are six-digit runs too, and one of them matched a code by chance.
    let digit_runs: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .collect();
    let whole_numbers: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .flat_map(|token| token.split('.').take(1))
        .filter(|run| !run.is_empty())
        .collect();
    assert!(!digit_runs.contains(&phone), "full phone in the logs");
    assert!(
        !whole_numbers.contains(&code.as_str()),
        "SMS code in the logs"
    );
    assert!(!text.contains(stubs::APP_SECRET));
}

#[tokio::test]
async fn concurrent_sends_for_one_phone_deliver_exactly_one_code() {
    let m = MemberApp::spawn().await;
    let sends = (0..8).map(|_| m.send_code("13800005050", "register"));
    let results = futures::future::join_all(sends).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let limited = results
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (1, 7), "{results:?}");
    assert_eq!(m.sms.received().len(), 1);
}

#[tokio::test]
async fn without_a_gateway_a_code_request_answers_503_unless_sms_dev_log_is_set() {
    // Neither a gateway nor SMS_DEV_LOG: nothing can be delivered, whatever the database.
    let app = TestApp::spawn().await;
    for purpose in ["register", "login"] {
        let resp = app
            .request(
                Method::POST,
                "/api/app/sms-codes",
                None,
                Some(json!({ "phone": "13800006060", "purpose": purpose })),
            )
            .await;
        assert_eq!(
            resp.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{:?}",
            resp.body
        );
        assert_eq!(resp.code(), "SMS_NOT_CONFIGURED");
        assert!(
            resp.message().contains("短信服务未配置"),
            "{}",
            resp.message()
        );
    }

    // SMS_DEV_LOG=true (development): the code goes to the log, marked as such, and works.
    let logs = captured_logs();
    let dev = TestApp::spawn_with(|s| s.sms_dev_log = true).await;
    let phone = "13800006061";
    let sent = dev
        .request(
            Method::POST,
            "/api/app/sms-codes",
            None,
            Some(json!({ "phone": phone, "purpose": "register" })),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("SMS_DEV_LOG") && l.contains("138****6061"))
        .unwrap_or_else(|| panic!("the code is in the development log: {text}"));
    let after = &line[line.find("code=").expect("code field") + 5..];
    let code: String = after
        .trim_start_matches('"')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{line}");
    let registered = dev
        .request(
            Method::POST,
            "/api/app/register",
            None,
            Some(json!({ "phone": phone, "password": MEMBER_PASSWORD, "sms_code": code, "region": REGION, "agree": true })),
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{:?}", registered.body);
}

#[tokio::test]
async fn registration_does_not_tell_whether_a_phone_is_registered_before_the_code_is_right() {
    let m = MemberApp::spawn().await;
    let registered = "13800007001";
    let unknown = "13800007002";
    m.register(registered).await;
    let same = |a: &Resp, b: &Resp| {
        assert_eq!(
            (a.status, a.code(), a.message()),
            (b.status, b.code(), b.message())
        );
    };

    // No code requested: the same answer for both phones.
    let a = register_with(&m, registered, "123456", MEMBER_PASSWORD).await;
    let b = register_with(&m, unknown, "123456", MEMBER_PASSWORD).await;
    same(&a, &b);
    assert_eq!(a.code(), "SMS_CODE_EXPIRED");

    // A wrong code: the same answer again.
    let registered_code = m.code(registered, "register").await;
    let unknown_code = m.code(unknown, "register").await;
    let wrong = |code: &str| if code == "000000" { "111111" } else { "000000" };
    let a = register_with(&m, registered, wrong(&registered_code), MEMBER_PASSWORD).await;
    let b = register_with(&m, unknown, wrong(&unknown_code), MEMBER_PASSWORD).await;
    same(&a, &b);
    assert_eq!(a.code(), "SMS_CODE_INVALID");

    // Only the right code, which only the phone's holder has, learns it.
    let taken = register_with(&m, registered, &registered_code, MEMBER_PASSWORD).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);
    assert_eq!(taken.code(), "PHONE_TAKEN");
}

#[tokio::test]
async fn a_burst_of_parallel_wrong_codes_is_counted_up_to_the_limit_and_then_even_the_right_code_fails()
 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let m = MemberApp::spawn().await;
    let phone = "13800007003";
    let code = m.code(phone, "register").await;
    let right: u32 = code.parse().expect("digits");
    let guesses: Vec<String> = (1..=20)
        .map(|i| format!("{:06}", (right + i) % 1_000_000))
        .collect();
    let answers = futures::future::join_all(
        guesses
            .iter()
            .map(|guess| register_with(&m, phone, guess, MEMBER_PASSWORD)),
    )
    .await;
    let invalid = answers
        .iter()
        .filter(|a| a.code() == "SMS_CODE_INVALID")
        .count();
    let exhausted = answers
        .iter()
        .filter(|a| a.code() == "SMS_CODE_TOO_MANY_ATTEMPTS")
        .count();
    // Five tries: four answered "wrong, N left", the fifth and every later one "no more".
    assert_eq!((invalid, exhausted), (4, 16), "{answers:?}");
    let stored = entity::sms_code::Entity::find()
        .filter(entity::sms_code::Column::Phone.eq(phone))
        .one(&m.app.state.db)
        .await
        .expect("query")
        .expect("the code");
    assert_eq!(stored.attempts, 5);

    let late = register_with(&m, phone, &code, MEMBER_PASSWORD).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{:?}", late.body);
    assert_eq!(late.code(), "SMS_CODE_TOO_MANY_ATTEMPTS");
}
