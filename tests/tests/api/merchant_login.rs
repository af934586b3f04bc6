//! Merchant staff log-in from the mini-program against the WeChat stub: binding the
//! openid from `jscode2session` at a password log-in, WeChat log-in of a bound account,
//! one WeChat per account, a password log-in that never fails because of WeChat, and
//! unbinding the WeChat of a shared counter phone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp};
use crate::member_app::MemberApp;
use crate::merchants::create_merchant;

async fn anon(app: &TestApp, path: &str, body: Value) -> Resp {
    app.request(Method::POST, path, None, Some(body)).await
}

/// Two merchants of one district, each with its owner account (one-time password).
async fn two_merchants(app: &TestApp) {
    let root = app.root_token().await;
    let (_, district) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    create_merchant(app, &district, "日照职工之家", "13700000001").await;
    create_merchant(app, &district, "东港蛋糕店", "13700000002").await;
}

async fn password_login(app: &TestApp, phone: &str, wx_code: Option<&str>) -> Resp {
    let mut body = json!({ "phone": phone, "password": app.initial_password(phone) });
    if let Some(code) = wx_code {
        body["wx_code"] = json!(code);
    }
    anon(app, "/api/merchant/login", body).await
}

async fn wechat_login(app: &TestApp, wx_code: &str) -> Resp {
    anon(
        app,
        "/api/merchant/login/wechat",
        json!({ "wx_code": wx_code }),
    )
    .await
}

#[tokio::test]
async fn a_password_log_in_with_a_wx_code_binds_the_openid_and_later_wechat_log_ins_need_no_password()
 {
    let m = MemberApp::spawn().await;
    two_merchants(&m.app).await;

    let first = password_login(&m.app, "13700000001", Some("staff-openid-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["merchant"]["name"], "日照职工之家");
    assert_eq!(first.body["wechat_bound"], true);
    assert!(
        first.body.get("wechat_bind_error").is_none(),
        "{:?}",
        first.body
    );
    let (path, query) = m.wechat.received()[0].clone();
    assert_eq!(path, "/sns/jscode2session");
    assert_eq!(query["js_code"], "staff-openid-1");
    assert_eq!(query["appid"], crate::stubs::MINI_APPID);

    let by_wechat = wechat_login(&m.app, "staff-openid-1").await;
    assert_eq!(by_wechat.status, StatusCode::OK, "{:?}", by_wechat.body);
    assert_eq!(by_wechat.body["staff"]["phone"], "13700000001");
    assert_eq!(by_wechat.body["merchant"]["name"], "日照职工之家");
    // The initial password still has to be changed first.
    assert_eq!(by_wechat.body["must_change_password"], true);
    let token = by_wechat.body["token"].as_str().expect("token");
    let me = m.app.get("/api/merchant/me", token).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["staff"]["phone"], "13700000001");
}

#[tokio::test]
async fn a_wechat_bound_to_one_staff_account_cannot_be_bound_to_another() {
    let m = MemberApp::spawn().await;
    two_merchants(&m.app).await;
    let first = password_login(&m.app, "13700000001", Some("staff-openid-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);

    // The second account logs in (its password was right) but stays unbound.
    let second = password_login(&m.app, "13700000002", Some("staff-openid-1")).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    assert_eq!(second.body["staff"]["phone"], "13700000002");
    assert_eq!(second.body["wechat_bound"], false);
    let why = second.body["wechat_bind_error"].as_str().expect("reason");
    assert!(why.contains("已绑定其他商家账号"), "{why}");
    // The WeChat still logs in to the first account.
    let by_wechat = wechat_login(&m.app, "staff-openid-1").await;
    assert_eq!(by_wechat.body["staff"]["phone"], "13700000001");
    // Logging in again with the same WeChat on its own account is fine.
    let again = password_login(&m.app, "13700000001", Some("staff-openid-1")).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
}

#[tokio::test]
async fn an_unbound_wechat_is_told_to_log_in_with_the_password_and_wechat_errors_are_clear() {
    let m = MemberApp::spawn().await;
    two_merchants(&m.app).await;
    let unbound = wechat_login(&m.app, "stranger-openid").await;
    assert_eq!(
        unbound.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        unbound.body
    );
    assert_eq!(unbound.code(), "WECHAT_NOT_BOUND");
    assert!(unbound.message().contains("手机号和密码"));

    let invalid = wechat_login(&m.app, "err40029").await;
    assert_eq!(
        invalid.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        invalid.body
    );
    assert_eq!(invalid.code(), "WECHAT_CODE_INVALID");
    let empty = wechat_login(&m.app, "  ").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    // A wrong password binds nothing.
    let wrong = anon(
        &m.app,
        "/api/merchant/login",
        json!({ "phone": "13700000001", "password": "Wrong2026pass", "wx_code": "staff-openid-9" }),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{:?}", wrong.body);
    assert_eq!(
        wechat_login(&m.app, "staff-openid-9").await.code(),
        "WECHAT_NOT_BOUND"
    );
}

#[tokio::test]
async fn without_wechat_configured_the_wechat_log_in_is_503_and_the_password_log_in_still_works() {
    let m = MemberApp::spawn_with(false).await;
    two_merchants(&m.app).await;
    let refused = wechat_login(&m.app, "staff-openid-1").await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.code(), "WECHAT_NOT_CONFIGURED");
    let by_password = password_login(&m.app, "13700000001", Some("staff-openid-1")).await;
    assert_eq!(by_password.status, StatusCode::OK, "{:?}", by_password.body);
    assert_eq!(by_password.body["wechat_bound"], false);
    assert!(
        by_password.body["wechat_bind_error"]
            .as_str()
            .is_some_and(|m| m.contains("未配置微信登录")),
        "{:?}",
        by_password.body
    );
    assert!(m.wechat.received().is_empty());
}

#[tokio::test]
async fn a_password_log_in_never_fails_because_of_wechat_and_says_why_it_did_not_bind() {
    let m = MemberApp::spawn().await;
    two_merchants(&m.app).await;
    // An invalid or used code, WeChat's rate limit, WeChat busy: each logs in unbound.
    for (code, reason) in [
        ("err40029", "微信授权码无效"),
        ("err45011", "过于频繁"),
        ("err-1", "繁忙"),
    ] {
        let login = password_login(&m.app, "13700000001", Some(code)).await;
        assert_eq!(login.status, StatusCode::OK, "{code}: {:?}", login.body);
        assert_eq!(login.body["wechat_bound"], false, "{code}");
        let why = login.body["wechat_bind_error"].as_str().expect("reason");
        assert!(
            why.starts_with("未绑定微信：") && why.contains(reason),
            "{code}: {why}"
        );
        let token = login.body["token"].as_str().expect("token");
        assert_eq!(
            m.app.get("/api/merchant/me", token).await.status,
            StatusCode::OK
        );
    }
    // A wrong password still fails, whatever WeChat says.
    let wrong = anon(
        &m.app,
        "/api/merchant/login",
        json!({ "phone": "13700000001", "password": "Wrong2026pass", "wx_code": "err-1" }),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{:?}", wrong.body);
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_password_log_in_works_while_wechat_is_unreachable() {
    // WeChat configured, but nothing listens at its address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let dead = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let m = MemberApp::spawn_configured(true, move |s| s.wechat_api_base = dead).await;
    two_merchants(&m.app).await;
    let login = password_login(&m.app, "13700000001", Some("staff-openid-1")).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["wechat_bound"], false);
    let why = login.body["wechat_bind_error"].as_str().expect("reason");
    assert!(why.contains("微信服务暂时不可用"), "{why}");
}

#[tokio::test]
async fn unbinding_stops_the_wechat_logging_in_as_the_previous_cashier() {
    let m = MemberApp::spawn().await;
    two_merchants(&m.app).await;
    let first = password_login(&m.app, "13700000001", Some("counter-phone")).await;
    assert_eq!(first.body["wechat_bound"], true, "{:?}", first.body);
    let token = first.body["token"].as_str().expect("token").to_owned();
    let by_wechat = wechat_login(&m.app, "counter-phone").await;
    assert_eq!(by_wechat.status, StatusCode::OK, "{:?}", by_wechat.body);

    // Unbinding is allowed before the forced password change (it only gives up access).
    let unbound = m
        .app
        .post("/api/merchant/wechat/unbind", &token, json!({}))
        .await;
    assert_eq!(unbound.status, StatusCode::OK, "{:?}", unbound.body);
    let refused = wechat_login(&m.app, "counter-phone").await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.code(), "WECHAT_NOT_BOUND");
    // Twice is fine; the next cashier's password log-in binds the phone to them.
    let again = m
        .app
        .post("/api/merchant/wechat/unbind", &token, json!({}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    let next = password_login(&m.app, "13700000002", Some("counter-phone")).await;
    assert_eq!(next.body["wechat_bound"], true, "{:?}", next.body);
    let by_wechat = wechat_login(&m.app, "counter-phone").await;
    assert_eq!(by_wechat.body["staff"]["phone"], "13700000002");

    // Log-out revokes the token for good.
    let out = m.app.post("/api/merchant/logout", &token, json!({})).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    let after = m
        .app
        .post("/api/merchant/wechat/unbind", &token, json!({}))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let anonymous = anon(&m.app, "/api/merchant/wechat/unbind", json!({})).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
