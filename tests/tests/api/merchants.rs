use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub fn merchant_body(name: &str, phone: &str) -> Value {
    json!({
        "name": name, "contact_name": "张三", "phone": phone,
        "landline": "0633-8221234", "kind": "merchant", "service_type": "普通商家",
        "tags": ["蛋糕", "节日福利"], "company_address": "日照市 东港区",
        "address": "日照市东港区", "intro": "日照职工之家", "settled_on": "2026-01-01",
        "longitude": 119.52, "latitude": 35.41
    })
}

/// Creates a merchant and returns its id.
pub async fn create_merchant(app: &TestApp, token: &str, name: &str, phone: &str) -> i64 {
    let created = app
        .post("/api/admin/merchants", token, merchant_body(name, phone))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    created.body["merchant"]["id"].as_i64().expect("id")
}

/// Creates a merchant and takes it online (上线), as it must be to redeem vouchers.
pub async fn online_merchant(app: &TestApp, token: &str, name: &str, phone: &str) -> i64 {
    let id = create_merchant(app, token, name, phone).await;
    go_online(app, token, id).await;
    id
}

/// 上线 of a merchant, answered 200.
pub async fn go_online(app: &TestApp, token: &str, id: i64) {
    let online = app
        .post(
            &format!("/api/admin/merchants/{id}/online"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(online.status, StatusCode::OK, "{:?}", online.body);
    assert_eq!(online.body["online"], true);
}

pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub async fn upload(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> crate::helpers::Resp {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("logo.png")
        .mime_str(mime)
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = app
        .client
        .post(format!("{}/api/admin/files", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let status = resp.status();
    let body = resp.json().await.unwrap_or(Value::Null);
    crate::helpers::Resp { status, body }
}

#[tokio::test]
async fn creating_a_merchant_creates_its_login_account_with_the_initial_password() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let created = app
        .post(
            "/api/admin/merchants",
            &root,
            merchant_body("日照职工之家", "186 6009 2881"),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let m = &created.body["merchant"];
    assert_eq!(m["phone"], "18660092881");
    assert_eq!(m["kind_label"], "商家");
    assert_eq!(m["tags"], json!(["蛋糕", "节日福利"]));
    assert_eq!(m["online"], false);
    assert_eq!(m["version"], 1);
    assert_eq!(created.body["account"]["phone"], "18660092881");
    assert_eq!(created.body["account"]["must_change_password"], true);
    assert_eq!(created.body["account"]["is_owner"], true);
    assert!(created.body["account"].get("password_hash").is_none());

    // The stored hash is argon2 of the one-time password in the answer.
    let initial = created.body["initial_password"].as_str().expect("initial");
    use sea_orm::EntityTrait;
    let staff = entity::merchant_staff::Entity::find()
        .all(&app.state.db)
        .await
        .expect("staff");
    assert_eq!(staff.len(), 1);
    assert!(staff[0].password_hash.starts_with("$argon2"));
    assert!(
        api::auth::password::verify(initial, Some(staff[0].password_hash.clone()))
            .await
            .expect("verify")
    );

    // Same phone again: 409, and no second merchant left behind.
    let again = app
        .post(
            "/api/admin/merchants",
            &root,
            merchant_body("另一家", "18660092881"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "PHONE_TAKEN");
    let list = app.get("/api/admin/merchants", &root).await;
    assert_eq!(list.body["total"], 1);
}

#[tokio::test]
async fn merchant_fields_are_validated_one_by_one() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let cases = [
        ("name", json!(" "), "商家名称"),
        ("contact_name", json!(""), "联系人"),
        ("phone", json!("12345"), "手机号码"),
        ("landline", json!("abc"), "固定电话"),
        ("longitude", json!(300.0), "经度"),
        ("latitude", json!(95.0), "纬度"),
        ("logo_file_id", json!(999), "商家Logo"),
        ("licence_file_id", json!(999), "营业执照"),
        (
            "tags",
            json!(["一二三四五六七八九十一二三四五六七八九十超"]),
            // Refused by the length the OpenAPI document declares, before the service.
            "tags长度不能超过20个字符",
        ),
    ];
    for (field, value, name) in cases {
        let mut body = merchant_body("日照职工之家", "18660092881");
        body[field] = value;
        let resp = app.post("/api/admin/merchants", &root, body).await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{field}: {:?}",
            resp.body
        );
        assert!(resp.message().contains(name), "{field}: {}", resp.message());
    }
}

#[tokio::test]
async fn logo_and_licence_are_uploaded_images_checked_by_content_and_size() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let ok = upload(&app, &root, PNG.to_vec(), "application/octet-stream").await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["content_type"], "image/png");
    assert_eq!(ok.body["size"], PNG.len());
    let logo = ok.body["id"].as_i64().expect("id");

    // A script named .png with an image content type is still not an image.
    let fake = upload(
        &app,
        &root,
        b"<script>alert(1)</script>".to_vec(),
        "image/png",
    )
    .await;
    assert_eq!(fake.status, StatusCode::BAD_REQUEST);
    assert!(fake.message().contains("file"), "{}", fake.message());

    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let too_big = upload(&app, &root, big, "image/png").await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);

    let mut body = merchant_body("日照职工之家", "18660092881");
    body["logo_file_id"] = json!(logo);
    body["licence_file_id"] = json!(logo);
    let created = app.post("/api/admin/merchants", &root, body).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    assert_eq!(
        created.body["merchant"]["logo_url"],
        format!("/api/admin/files/{logo}")
    );
    let file = app
        .client
        .get(format!("{}/api/admin/files/{logo}", app.base))
        .bearer_auth(&root)
        .send()
        .await
        .expect("sent");
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(
        file.headers()["content-type"].to_str().expect("ct"),
        "image/png"
    );
    assert_eq!(file.bytes().await.expect("bytes").as_ref(), PNG);

    // Another branch can neither read the file nor reference it.
    let (_, other) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let hidden = app.get(&format!("/api/admin/files/{logo}"), &other).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let mut body = merchant_body("岚山商家", "13900000001");
    body["logo_file_id"] = json!(logo);
    let refused = app.post("/api/admin/merchants", &other, body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn online_offline_edit_with_version_and_staff_accounts() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let id = create_merchant(&app, &root, "日照职工之家", "18660092881").await;

    let online = app
        .post(
            &format!("/api/admin/merchants/{id}/online"),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(online.body["online"], true);
    assert_eq!(online.body["online_label"], "上线");
    let offline = app
        .post(
            &format!("/api/admin/merchants/{id}/offline"),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(offline.body["online"], false);
    let version = offline.body["version"].as_i64().expect("version");

    let mut edit = merchant_body("日照职工之家（东港）", "18660092881");
    edit["version"] = json!(version);
    let edited = app
        .put(&format!("/api/admin/merchants/{id}"), &root, edit.clone())
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["name"], "日照职工之家（东港）");
    assert_eq!(edited.body["version"], version + 1);
    // A second edit with the old version is stale, not a silent overwrite.
    edit["name"] = json!("覆盖");
    let stale = app
        .put(&format!("/api/admin/merchants/{id}"), &root, edit)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "STALE_VERSION");
    let now = app.get(&format!("/api/admin/merchants/{id}"), &root).await;
    assert_eq!(now.body["name"], "日照职工之家（东港）");

    let staff = app
        .post(
            &format!("/api/admin/merchants/{id}/staff"),
            &root,
            json!({ "name": "核销员李", "phone": "13900000002" }),
        )
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{:?}", staff.body);
    assert_eq!(staff.body["must_change_password"], true);
    assert_eq!(staff.body["is_owner"], false);
    let staff_id = staff.body["id"].as_i64().expect("id");
    let taken = app
        .post(
            &format!("/api/admin/merchants/{id}/staff"),
            &root,
            json!({ "name": "重复", "phone": "18660092881" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let bad = app
        .post(
            &format!("/api/admin/merchants/{id}/staff"),
            &root,
            json!({ "name": "坏号码", "phone": "1234" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("手机号码"));

    let disabled = app
        .post(
            &format!("/api/admin/merchants/{id}/staff/{staff_id}/disable"),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(disabled.body["disabled"], true);
    let list = app
        .get(&format!("/api/admin/merchants/{id}/staff"), &root)
        .await;
    assert_eq!(list.body.as_array().expect("staff").len(), 2);
    assert_eq!(list.body[1]["disabled"], true);
    let enabled = app
        .post(
            &format!("/api/admin/merchants/{id}/staff/{staff_id}/enable"),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(enabled.body["disabled"], false);
}

#[tokio::test]
async fn merchants_of_another_branch_answer_404_for_reads_and_writes() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (_, a) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let (_, b) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let id = create_merchant(&app, &a, "东港商家", "13900000001").await;
    assert_eq!(
        app.get(&format!("/api/admin/merchants/{id}"), &b)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut edit = merchant_body("抢过来", "13900000001");
    edit["version"] = json!(1);
    for resp in [
        app.put(&format!("/api/admin/merchants/{id}"), &b, edit)
            .await,
        app.post(&format!("/api/admin/merchants/{id}/online"), &b, json!({}))
            .await,
        app.post(
            &format!("/api/admin/merchants/{id}/staff"),
            &b,
            json!({ "name": "x", "phone": "13900000009" }),
        )
        .await,
    ] {
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{:?}", resp.body);
    }
    assert_eq!(app.get("/api/admin/merchants", &b).await.body["total"], 0);
    // The parent federation sees it.
    assert_eq!(
        app.get("/api/admin/merchants", &root).await.body["total"],
        1
    );
}
