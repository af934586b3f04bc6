//! Log-in limits: per client IP, and lock-outs per (login name, client IP) before the
//! much higher per-name count, so a stranger cannot lock an account out. The tests
//! vary the client with `X-Forwarded-For`, believed only from `TRUSTED_PROXIES`.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Resp, TestApp};
use crate::member_app::{MEMBER_PASSWORD, MemberApp};
use crate::merchants::create_merchant;

/// Every request comes from 127.0.0.1; with this the tests' proxy names the client.
fn behind_a_proxy(s: &mut api::settings::Settings) {
    s.trusted_proxies = Some("127.0.0.1".into());
}

/// A log-in "from" `client` (through the local proxy) and its `Retry-After` header.
async fn login_from(app: &TestApp, path: &str, body: Value, client: &str) -> (Resp, Option<i64>) {
    let resp = app
        .client
        .post(format!("{}{}", app.base, path))
        .header("x-forwarded-for", client)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let status = resp.status();
    let body = resp.json().await.unwrap_or(Value::Null);
    (Resp { status, body }, retry_after)
}

async fn admin_from(app: &TestApp, password: &str, client: &str) -> (Resp, Option<i64>) {
    login_from(
        app,
        "/api/admin/login",
        json!({ "username": "admin", "password": password }),
        client,
    )
    .await
}

const STRANGER: &str = "203.0.113.7";
const OFFICE: &str = "198.51.100.20";

#[tokio::test]
async fn wrong_passwords_from_one_client_lock_that_pair_but_the_right_password_still_logs_in_from_another()
 {
    let app = TestApp::spawn_with(behind_a_proxy).await;
    app.root_token().await;
    for _ in 0..app.settings.login_max_failures {
        let (wrong, _) = admin_from(&app, "Guess2026pw", STRANGER).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{:?}", wrong.body);
    }
    // The stranger is locked out, even with the right password.
    let (locked, retry_after) = admin_from(&app, ADMIN_PASSWORD, STRANGER).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "ACCOUNT_LOCKED");
    assert!(
        locked.message().contains("分钟后再试"),
        "{}",
        locked.message()
    );
    let wait = retry_after.expect("Retry-After");
    assert!(
        wait > 0 && wait <= app.settings.login_lock_minutes * 60,
        "{wait}"
    );

    // The admin, from the office, is not.
    let (ok, _) = admin_from(&app, ADMIN_PASSWORD, OFFICE).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);

    // The stranger's lock runs out.
    app.clock
        .advance(Duration::minutes(app.settings.login_lock_minutes + 1));
    let (later, _) = admin_from(&app, ADMIN_PASSWORD, STRANGER).await;
    assert_eq!(later.status, StatusCode::OK, "{:?}", later.body);
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    app.root_token().await;
    // Each guess claims another address; all come from 127.0.0.1, one pair.
    for i in 0..app.settings.login_max_failures {
        let (wrong, _) = admin_from(&app, "Guess2026pw", &format!("203.0.113.{i}")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let (locked, _) = admin_from(&app, ADMIN_PASSWORD, OFFICE).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "ACCOUNT_LOCKED");
}

#[tokio::test]
async fn the_login_name_is_locked_for_every_client_only_at_the_much_higher_count() {
    let app = TestApp::spawn_with(|s| {
        behind_a_proxy(s);
        s.login_max_failures = 3;
        s.login_max_failures_per_account = 7;
    })
    .await;
    app.root_token().await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..3 {
            assert_eq!(
                admin_from(&app, "Guess2026pw", client).await.0.status,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    // Six wrong passwords in all, under the name's limit: the admin still logs in.
    let (ok, _) = admin_from(&app, ADMIN_PASSWORD, OFFICE).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    // The seventh locks the name everywhere, the admin's office too.
    assert_eq!(
        admin_from(&app, "Guess2026pw", "203.0.113.3")
            .await
            .0
            .status,
        StatusCode::UNAUTHORIZED
    );
    let (locked, retry_after) = admin_from(&app, ADMIN_PASSWORD, OFFICE).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "ACCOUNT_LOCKED");
    assert!(retry_after.is_some());
}

#[tokio::test]
async fn log_in_attempts_are_capped_per_client_ip() {
    let app = TestApp::spawn_with(|s| {
        behind_a_proxy(s);
        s.login_attempts_per_ip_per_minute = 4;
    })
    .await;
    // Four attempts from one client, each for another name: tried and refused.
    for i in 0..4 {
        let (resp, _) = login_from(
            &app,
            "/api/admin/login",
            json!({ "username": format!("nobody{i}"), "password": "Guess2026pw" }),
            STRANGER,
        )
        .await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{:?}", resp.body);
    }
    let body = json!({ "username": "admin", "password": "Guess2026pw" });
    let (capped, retry_after) = login_from(&app, "/api/admin/login", body.clone(), STRANGER).await;
    assert_eq!(
        capped.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        capped.body
    );
    assert_eq!(capped.code(), "LOGIN_IP_LIMITED");
    assert!(
        capped.message().contains("秒后再试"),
        "{}",
        capped.message()
    );
    let wait = retry_after.expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    // The cap counts every kind of log-in.
    let (member, _) = login_from(
        &app,
        "/api/app/login",
        json!({ "phone": "13800001111", "password": "Guess2026pw" }),
        STRANGER,
    )
    .await;
    assert_eq!(member.code(), "LOGIN_IP_LIMITED");
    // Another client is not affected, and the stranger's minute runs out.
    assert_eq!(
        login_from(&app, "/api/admin/login", body.clone(), OFFICE)
            .await
            .0
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance(Duration::seconds(61));
    assert_eq!(
        login_from(&app, "/api/admin/login", body, STRANGER)
            .await
            .0
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn staff_and_member_log_ins_lock_the_pair_the_same_way() {
    let m = MemberApp::spawn_configured(true, behind_a_proxy).await;
    let app = &m.app;
    let root = app.root_token().await;
    create_merchant(app, &root, "日照职工之家", "13700000001").await;
    m.register("13800001111").await;

    let staff = |password: String| json!({ "phone": "13700000001", "password": password });
    let member = |password: &str| json!({ "phone": "13800001111", "password": password });
    for _ in 0..app.settings.login_max_failures {
        let (wrong, _) = login_from(
            app,
            "/api/merchant/login",
            staff("Guess2026pw".into()),
            STRANGER,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let (wrong, _) = login_from(app, "/api/app/login", member("Guess2026pw"), STRANGER).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let initial = app.initial_password("13700000001");
    let (locked, retry_after) =
        login_from(app, "/api/merchant/login", staff(initial.clone()), STRANGER).await;
    assert_eq!(locked.code(), "TOO_MANY_ATTEMPTS");
    assert!(retry_after.is_some());
    let (locked, _) = login_from(app, "/api/app/login", member(MEMBER_PASSWORD), STRANGER).await;
    assert_eq!(locked.code(), "ACCOUNT_LOCKED");

    let (ok, _) = login_from(app, "/api/merchant/login", staff(initial), OFFICE).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let (ok, _) = login_from(app, "/api/app/login", member(MEMBER_PASSWORD), OFFICE).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
}
