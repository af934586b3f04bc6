//! Accounts an admin creates: one-time initial passwords (shown once, 72 hours, a new
//! one from an admin of the owning organisation, by SMS to merchants where a gateway is
//! configured), the bootstrap admin's, and disabling subordinate admins.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::claims::{STAFF_PASSWORD, staff_token};
use crate::helpers::{
    ADMIN_PASSWORD, Captured, ROOT_INITIAL_PASSWORD, Resp, TestApp, captured_logs,
};
use crate::member_app::MemberApp;
use crate::merchants::merchant_body;

/// The one-time password of an answer, checked for its shape.
fn initial_of(resp: &Resp) -> String {
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    let password = resp.body["initial_password"]
        .as_str()
        .unwrap_or_else(|| panic!("initial_password in {:?}", resp.body))
        .to_owned();
    assert!(password.len() >= 10, "{password}");
    assert!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "{password}"
    );
    assert!(
        !password.contains(['0', 'O', 'o', '1', 'l', 'I']),
        "{password}"
    );
    assert!(resp.body["initial_password_expires_at"].is_string());
    password
}

async fn staff_login(app: &TestApp, phone: &str, password: &str) -> Resp {
    app.request(
        Method::POST,
        "/api/merchant/login",
        None,
        Some(json!({ "phone": phone, "password": password })),
    )
    .await
}

/// How many audit-log entries have this action.
async fn audited(app: &TestApp, action: &str) -> usize {
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq(action))
        .all(&app.state.db)
        .await
        .expect("audit log")
        .len()
}

/// The answer to creating the union 日照港工会 (admin `port`) under the root.
async fn create_port_union(app: &TestApp, root: &str) -> Resp {
    app.post(
        "/api/admin/orgs",
        root,
        json!({ "name": "日照港工会", "kind": "grassroots_union", "admin_username": "port" }),
    )
    .await
}

#[tokio::test]
async fn every_new_account_gets_its_own_one_time_password_shown_only_once() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let org = create_port_union(&app, &root).await;
    let org_admin = initial_of(&org);
    let union = org.body["org"]["id"].as_i64().expect("org id");
    let second = app
        .post(
            &format!("/api/admin/orgs/{union}/admins"),
            &root,
            json!({ "username": "port2", "display_name": "李四" }),
        )
        .await;
    let second_admin = initial_of(&second);
    assert_eq!(second.body["username"], "port2");
    assert_eq!(second.body["must_change_password"], true);
    let union_token = app.activate_admin("port").await;
    let merchant = app
        .post(
            "/api/admin/merchants",
            &union_token,
            merchant_body("日照职工之家", "13700000001"),
        )
        .await;
    let merchant_account = initial_of(&merchant);
    // No SMS gateway here: the answer is the only place the password appears.
    assert_eq!(merchant.body["initial_password_sent_by_sms"], false);
    let merchant_id = merchant.body["merchant"]["id"].as_i64().expect("id");
    let staff = app
        .post(
            &format!("/api/admin/merchants/{merchant_id}/staff"),
            &union_token,
            json!({ "name": "核销员李", "phone": "13700000002" }),
        )
        .await;
    let staff_account = initial_of(&staff);
    assert_eq!(staff.body["phone"], "13700000002");

    let mut all = vec![
        org_admin.clone(),
        second_admin.clone(),
        merchant_account.clone(),
        staff_account.clone(),
        ROOT_INITIAL_PASSWORD.to_owned(),
    ];
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5, "every account has its own password");

    // Never readable again: not in the lists or records.
    for (path, token) in [
        (format!("/api/admin/orgs/{union}/admins"), &root),
        (format!("/api/admin/merchants/{merchant_id}"), &union_token),
        (
            format!("/api/admin/merchants/{merchant_id}/staff"),
            &union_token,
        ),
    ] {
        let text = app.get(&path, token).await.body.to_string();
        assert!(!text.contains("initial_password"), "{path}: {text}");
        for password in [&second_admin, &merchant_account, &staff_account] {
            assert!(!text.contains(password.as_str()), "{path}");
        }
    }

    // Each logs in once with it and must change it before anything else.
    let login = app.admin_login("port2", &second_admin).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["must_change_password"], true);
    let token = login.body["token"].as_str().expect("token");
    let blocked = app.get("/api/admin/org", token).await;
    assert_eq!(blocked.code(), "PASSWORD_CHANGE_REQUIRED");
    let first = staff_login(&app, "13700000002", &staff_account).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["must_change_password"], true);
    let staff_token = first.body["token"].as_str().expect("token");
    let blocked = app.get("/api/merchant/redemptions", staff_token).await;
    assert_eq!(blocked.code(), "PASSWORD_CHANGE_REQUIRED");
    // Keeping the initial password is refused.
    let kept = app
        .post(
            "/api/merchant/password",
            staff_token,
            json!({ "old_password": staff_account, "new_password": staff_account }),
        )
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST, "{:?}", kept.body);
    // The shared password of earlier versions opens nothing.
    assert_eq!(
        staff_login(&app, "13700000001", "gh123456").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_initial_password_expires_after_72_hours_and_an_admin_above_issues_a_new_one() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (district, district_token) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let union = app
        .post(
            "/api/admin/orgs",
            &district_token,
            json!({ "parent_id": district, "name": "东港区第一基层工会", "kind": "grassroots_union", "admin_username": "dg-one" }),
        )
        .await;
    let first = initial_of(&union);
    let union_id = union.body["org"]["id"].as_i64().expect("org id");
    let admin_id = union.body["admin"]["id"].as_i64().expect("admin id");

    app.clock
        .advance(Duration::hours(72) + Duration::minutes(1));
    let expired = app.admin_login("dg-one", &first).await;
    assert_eq!(
        expired.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        expired.body
    );
    assert_eq!(expired.code(), "INITIAL_PASSWORD_EXPIRED");
    assert!(
        expired.message().contains("联系管理员"),
        "{}",
        expired.message()
    );
    // A wrong password still says only that.
    assert_eq!(
        app.admin_login("dg-one", "Wrong2026pw").await.code(),
        "INVALID_CREDENTIALS"
    );

    // An admin above issues a new one (the district's token was issued 72 hours ago:
    // log in again).
    let district_token = app.admin_login("donggang", ADMIN_PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let reset = app
        .post(
            &format!("/api/admin/orgs/{union_id}/admins/{admin_id}/reset-password"),
            &district_token,
            json!({}),
        )
        .await;
    let second = initial_of(&reset);
    assert_ne!(second, first);
    assert_eq!(reset.body["must_change_password"], true);
    assert_eq!(audited(&app, "reset_admin_password").await, 1);
    assert_eq!(
        app.admin_login("dg-one", &first).await.code(),
        "INVALID_CREDENTIALS"
    );
    let token = app.activate_admin("dg-one").await;
    assert_eq!(
        app.get("/api/admin/org", &token).await.status,
        StatusCode::OK
    );

    // Nobody issues one for their own account, nor for another branch.
    let own = app
        .post(
            &format!("/api/admin/orgs/{union_id}/admins/{admin_id}/reset-password"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{:?}", own.body);
    assert_eq!(own.code(), "OWN_ACCOUNT");
    let root = app.admin_login("admin", ADMIN_PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (_, sibling) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let elsewhere = app
        .post(
            &format!("/api/admin/orgs/{union_id}/admins/{admin_id}/reset-password"),
            &sibling,
            json!({}),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_owning_union_issues_new_passwords_to_its_merchant_accounts_and_sessions_end() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "日照港工会", "port").await;
    let created = app
        .post(
            "/api/admin/merchants",
            &chain.union_token,
            merchant_body("日照职工之家", "13700000001"),
        )
        .await;
    let owner_first = initial_of(&created);
    let merchant = created.body["merchant"]["id"].as_i64().expect("id");
    let staff = app
        .post(
            &format!("/api/admin/merchants/{merchant}/staff"),
            &chain.union_token,
            json!({ "name": "核销员李", "phone": "13700000002" }),
        )
        .await;
    let staff_first = initial_of(&staff);
    let staff_id = staff.body["id"].as_i64().expect("id");
    // The staff account is in use; the owner account never logged in.
    let session = staff_token(&app, "13700000002").await;
    assert_eq!(
        app.get("/api/merchant/redemptions", &session).await.status,
        StatusCode::OK
    );

    app.clock.advance(Duration::hours(73));
    let expired = staff_login(&app, "13700000001", &owner_first).await;
    assert_eq!(
        expired.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        expired.body
    );
    assert_eq!(expired.code(), "INITIAL_PASSWORD_EXPIRED");
    // A changed password does not expire.
    let union_token = app.admin_login("port", ADMIN_PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let session = staff_login(&app, "13700000002", STAFF_PASSWORD).await;
    assert_eq!(session.status, StatusCode::OK, "{:?}", session.body);
    let session = session.body["token"].as_str().expect("token").to_owned();

    // The district above may read but not reset them.
    let district_token = app.admin_login("donggang", ADMIN_PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let refused = app
        .post(
            &format!("/api/admin/merchants/{merchant}/reset-password"),
            &district_token,
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "NOT_OWNER");

    let owner = app
        .post(
            &format!("/api/admin/merchants/{merchant}/reset-password"),
            &union_token,
            json!({}),
        )
        .await;
    let owner_second = initial_of(&owner);
    assert_eq!(owner.body["phone"], "13700000001");
    assert_eq!(owner.body["is_owner"], true);
    let login = staff_login(&app, "13700000001", &owner_second).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["must_change_password"], true);

    let reset = app
        .post(
            &format!("/api/admin/merchants/{merchant}/staff/{staff_id}/reset-password"),
            &union_token,
            json!({}),
        )
        .await;
    let staff_second = initial_of(&reset);
    assert_ne!(staff_second, staff_first);
    // Its sessions ended, its old password is gone, and it must change the new one.
    assert_eq!(
        app.get("/api/merchant/me", &session).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        staff_login(&app, "13700000002", STAFF_PASSWORD)
            .await
            .code(),
        "INVALID_CREDENTIALS"
    );
    let login = staff_login(&app, "13700000002", &staff_second).await;
    assert_eq!(login.body["must_change_password"], true);
    assert_eq!(audited(&app, "reset_merchant_staff_password").await, 2);
}

#[tokio::test]
async fn a_reset_revokes_every_session_of_the_admin_account() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let created = create_port_union(&app, &root).await;
    let union_id = created.body["org"]["id"].as_i64().expect("org id");
    let admin_id = created.body["admin"]["id"].as_i64().expect("admin id");
    let token = app.activate_admin("port").await;
    assert_eq!(
        app.get("/api/admin/org", &token).await.status,
        StatusCode::OK
    );

    let reset = app
        .post(
            &format!("/api/admin/orgs/{union_id}/admins/{admin_id}/reset-password"),
            &root,
            json!({}),
        )
        .await;
    let new = initial_of(&reset);
    assert_eq!(
        app.get("/api/admin/org", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.admin_login("port", ADMIN_PASSWORD).await.code(),
        "INVALID_CREDENTIALS"
    );
    let login = app.admin_login("port", &new).await;
    assert_eq!(login.body["must_change_password"], true);
}

#[tokio::test]
async fn a_parent_disables_and_enables_a_subordinate_admin_and_nobody_disables_themselves() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "日照港工会", "port").await;
    let admins = app
        .get(
            &format!("/api/admin/orgs/{}/admins", chain.union),
            &chain.district_token,
        )
        .await;
    let admin_id = admins.body[0]["id"].as_i64().expect("admin id");
    let path = |action: &str| format!("/api/admin/orgs/{}/admins/{admin_id}/{action}", chain.union);

    let own = app
        .post(&path("disable"), &chain.union_token, json!({}))
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{:?}", own.body);
    assert_eq!(own.code(), "OWN_ACCOUNT");
    let (_, sibling) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    assert_eq!(
        app.post(&path("disable"), &sibling, json!({})).await.status,
        StatusCode::NOT_FOUND
    );

    let disabled = app
        .post(&path("disable"), &chain.district_token, json!({}))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(
        app.get("/api/admin/org", &chain.union_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refused = app.admin_login("port", ADMIN_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "ACCOUNT_DISABLED");

    let enabled = app
        .post(&path("enable"), &chain.district_token, json!({}))
        .await;
    assert_eq!(enabled.body["disabled"], false);
    assert_eq!(
        app.admin_login("port", ADMIN_PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(audited(&app, "disable_admin").await, 1);
    assert_eq!(audited(&app, "enable_admin").await, 1);
}

#[tokio::test]
async fn where_the_sms_gateway_is_configured_a_merchant_account_also_gets_its_password_by_sms() {
    let m = MemberApp::spawn().await;
    let root = m.app.root_token().await;
    let created = m
        .app
        .post(
            "/api/admin/merchants",
            &root,
            merchant_body("日照职工之家", "13700000001"),
        )
        .await;
    let password = initial_of(&created);
    assert_eq!(created.body["initial_password_sent_by_sms"], true);
    let merchant = created.body["merchant"]["id"].as_i64().expect("id");
    let staff = m
        .app
        .post(
            &format!("/api/admin/merchants/{merchant}/staff"),
            &root,
            json!({ "name": "核销员李", "phone": "13700000002" }),
        )
        .await;
    let staff_password = initial_of(&staff);
    assert_eq!(staff.body["initial_password_sent_by_sms"], true);
    let reset = m
        .app
        .post(
            &format!("/api/admin/merchants/{merchant}/reset-password"),
            &root,
            json!({}),
        )
        .await;
    let renewed = initial_of(&reset);
    assert_eq!(
        m.sms.received(),
        vec![
            json!({ "phone": "13700000001", "purpose": "initial_password", "code": password }),
            json!({ "phone": "13700000002", "purpose": "initial_password", "code": staff_password }),
            json!({ "phone": "13700000001", "purpose": "initial_password", "code": renewed }),
        ]
    );
    // A gateway failure does not undo the account: the answer still has the password.
    m.sms.answer_with(500);
    let unsent = m
        .app
        .post(
            &format!("/api/admin/merchants/{merchant}/staff"),
            &root,
            json!({ "name": "核销员王", "phone": "13700000003" }),
        )
        .await;
    initial_of(&unsent);
    assert_eq!(unsent.body["initial_password_sent_by_sms"], false);
}

/// The `password=` field of the log line that announced `username`'s one-time password.
fn logged_password(text: &str, username: &str) -> Option<String> {
    let line = text.lines().rfind(|l| {
        l.contains("one-time password of the bootstrap admin") && l.contains(username)
    })?;
    let after = &line[line.find("password=")? + "password=".len()..];
    Some(
        after
            .trim_start_matches('"')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect(),
    )
}

/// A server without `BOOTSTRAP_ADMIN_PASSWORD` whose bootstrap admin has a name of its
/// own (to find its line among the parallel tests' logs): the settings, the name and the
/// password the log announced.
async fn spawn_with_a_generated_root_password(
    logs: &Captured,
) -> (TestApp, api::settings::Settings, String, String) {
    let username = format!("root{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = crate::helpers::fresh_settings(dir.path()).await;
    settings.bootstrap_admin_username = username.clone();
    settings.bootstrap_admin_password = None;
    let app = TestApp::spawn_on(settings.clone(), dir).await;
    let password = logged_password(&logs.text(), &username).expect("the password was logged");
    (app, settings, username, password)
}

#[tokio::test]
async fn the_bootstrap_admin_password_is_logged_once_and_in_embedded_mode_written_to_an_owner_only_file()
 {
    let logs = captured_logs();
    let (app, settings, username, password) = spawn_with_a_generated_root_password(&logs).await;
    assert!(password.len() >= 10, "{password}");
    let file = settings.data_dir.join("initial-admin-password");
    if settings.is_sqlite() {
        let written = std::fs::read_to_string(&file).expect("the password file");
        assert_eq!(written.trim(), password);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    } else {
        assert!(!file.exists(), "production mode writes no password file");
    }
    let login = app.admin_login(&username, &password).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["must_change_password"], true);

    // A second start on the same database announces nothing new.
    let again = TestApp::spawn_on(settings, tempfile::tempdir().expect("dir")).await;
    assert_eq!(
        logged_password(&logs.text(), &username),
        Some(password.clone())
    );
    let count = logs
        .text()
        .lines()
        .filter(|l| l.contains("one-time password of the bootstrap admin") && l.contains(&username))
        .count();
    assert_eq!(count, 1);
    assert_eq!(
        again.admin_login(&username, &password).await.status,
        StatusCode::OK
    );
    // A password set by BOOTSTRAP_ADMIN_PASSWORD (every other test's) is never logged.
    assert!(!logs.text().contains(ROOT_INITIAL_PASSWORD));
}

#[tokio::test]
async fn a_start_issues_the_bootstrap_admin_a_new_password_when_the_first_expired_unused() {
    let logs = captured_logs();
    let (app, settings, username, first) = spawn_with_a_generated_root_password(&logs).await;

    app.clock.advance(Duration::hours(73));
    let expired = app.admin_login(&username, &first).await;
    assert_eq!(expired.code(), "INITIAL_PASSWORD_EXPIRED");

    let restarted = TestApp::spawn_at(
        settings.clone(),
        tempfile::tempdir().expect("dir"),
        app.clock.clone(),
    )
    .await;
    let second = logged_password(&logs.text(), &username).expect("logged again");
    assert_ne!(second, first);
    if settings.is_sqlite() {
        let written = std::fs::read_to_string(settings.data_dir.join("initial-admin-password"))
            .expect("file");
        assert_eq!(written.trim(), second);
    }
    let login = restarted.admin_login(&username, &second).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
}

#[tokio::test]
async fn the_openapi_document_shows_the_one_time_passwords_and_the_new_account_routes() {
    let app = TestApp::spawn().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    let schemas = &spec.body["components"]["schemas"];
    for schema in [
        "CreatedOrg",
        "AdminWithPassword",
        "CreatedMerchant",
        "StaffWithPassword",
    ] {
        for field in ["initial_password", "initial_password_expires_at"] {
            assert!(
                schemas[schema]["properties"][field].is_object(),
                "{schema}.{field}"
            );
        }
    }
    // The flattened account fields stay where clients read them.
    assert!(schemas["AdminWithPassword"]["properties"]["username"].is_object());
    assert!(schemas["StaffWithPassword"]["properties"]["phone"].is_object());
    for path in [
        "/api/admin/orgs/{id}/admins/{admin_id}/reset-password",
        "/api/admin/orgs/{id}/admins/{admin_id}/disable",
        "/api/admin/orgs/{id}/admins/{admin_id}/enable",
        "/api/admin/merchants/{id}/reset-password",
        "/api/admin/merchants/{id}/staff/{staff_id}/reset-password",
    ] {
        assert!(spec.body["paths"][path]["post"].is_object(), "{path}");
    }
    let login = spec.body["paths"]["/api/admin/login"]["post"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(login.contains("INITIAL_PASSWORD_EXPIRED"), "{login}");
}
