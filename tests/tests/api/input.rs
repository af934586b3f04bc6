//! The input rules of the boundary (`api::input`): NUL characters, control characters
//! and lengths are refused with a 400 naming the field, on both backends, and nothing is
//! written.

use entity::stored_file;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp};

fn assert_refused(resp: &Resp, field: &str) {
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{:?}", resp.body);
    assert_eq!(resp.code(), "VALIDATION", "{:?}", resp.body);
    assert!(
        resp.message().contains(field),
        "message names {field}: {:?}",
        resp.body
    );
}

fn assert_nul_refused(resp: &Resp, field: &str) {
    assert_refused(resp, field);
    assert!(resp.message().contains("不能包含空字符"), "{:?}", resp.body);
}

/// A grassroots union and its admin's token.
async fn union(app: &TestApp) -> String {
    let root = app.root_token().await;
    app.district_and_union(&root, "港务局工会", "gangwu")
        .await
        .union_token
}

#[tokio::test]
async fn a_nul_character_in_a_json_field_is_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = union(&app).await;
    let created = app
        .post("/api/admin/units", &token, json!({ "name": "单位\u{0}名" }))
        .await;
    assert_nul_refused(&created, "name");
    assert_eq!(created.body["details"][0]["field"], "name");

    let nested = app
        .put(
            "/api/admin/org",
            &token,
            json!({ "name": "港务局工会", "description": "简介\u{0}" }),
        )
        .await;
    assert_nul_refused(&nested, "description");

    let units = app.get("/api/admin/units", &token).await;
    assert_eq!(units.body["total"], 0, "{:?}", units.body);
    let org = app.get("/api/admin/org", &token).await;
    assert_eq!(org.body["name"], "港务局工会");
    assert!(org.body["description"].is_null(), "{:?}", org.body);
}

#[tokio::test]
async fn a_nul_character_in_a_login_is_refused_before_any_lookup() {
    let app = TestApp::spawn().await;
    let admin = app.admin_login("adm\u{0}in", "whatever1").await;
    assert_nul_refused(&admin, "username");
    let staff = app
        .request(
            Method::POST,
            "/api/merchant/login/wechat",
            None,
            Some(json!({ "wx_code": "0a1\u{0}b" })),
        )
        .await;
    assert_nul_refused(&staff, "wx_code");
}

#[tokio::test]
async fn a_nul_character_in_a_query_parameter_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let token = union(&app).await;
    let listed = app
        .get("/api/admin/members?name=%E5%BC%A0%00", &token)
        .await;
    assert_nul_refused(&listed, "name");
    let path = app.get("/api/admin/units/1%00", &token).await;
    assert_nul_refused(&path, "路径参数");
}

/// A multipart part's headers cannot carry a NUL: the form is refused as a whole, in
/// Chinese, and nothing is stored.
#[tokio::test]
async fn a_nul_character_in_an_uploaded_file_name_is_refused() {
    let app = TestApp::spawn().await;
    let token = union(&app).await;
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let uploaded = app
        .upload("/api/admin/files", &token, "logo\u{0}.png", png)
        .await;
    assert_refused(&uploaded, "文件名");
    let stored = stored_file::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn line_breaks_are_kept_in_remarks_and_refused_in_names() {
    let app = TestApp::spawn().await;
    let token = union(&app).await;
    let name = app
        .post("/api/admin/units", &token, json!({ "name": "港务\n集团" }))
        .await;
    assert_refused(&name, "单位名称");
    let bell = app
        .post(
            "/api/admin/units",
            &token,
            json!({ "name": "港务集团", "remark": "备注\u{7}" }),
        )
        .await;
    assert_refused(&bell, "备注");
    let ok = app
        .post(
            "/api/admin/units",
            &token,
            json!({ "name": "港务集团", "remark": "第一行\n第二行\t完" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["remark"], "第一行\n第二行\t完");
}

#[tokio::test]
async fn an_over_long_field_is_refused_naming_it_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = union(&app).await;
    let long = app
        .post(
            "/api/admin/units",
            &token,
            json!({ "name": "工".repeat(101) }),
        )
        .await;
    assert_refused(&long, "name");
    let query = app
        .get(
            &format!("/api/admin/members?name={}", "a".repeat(200)),
            &token,
        )
        .await;
    assert_refused(&query, "name");
    let units = app.get("/api/admin/units", &token).await;
    assert_eq!(units.body["total"], 0, "{:?}", units.body);
}

/// Every string a client sends (body fields at any depth, query, path and header
/// parameters) declares its maximum length in the OpenAPI document, so a client and a
/// fuzzer know the limit and an over-long value is refused before the database sees it.
#[tokio::test]
async fn every_string_input_declares_its_maximum_length() {
    let app = TestApp::spawn().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .body;
    let mut missing = Vec::new();
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, op) in operations.as_object().expect("operations") {
            let at = format!("{} {path}", method.to_uppercase());
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = format!("{at} {} `{}`", param["in"], param["name"]);
                unbounded_strings(&spec, &param["schema"], name, &mut missing);
            }
            for (_, media) in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                unbounded_strings(&spec, &media["schema"], format!("{at} body"), &mut missing);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "strings without maxLength:\n{}",
        missing.join("\n")
    );
}

fn unbounded_strings(spec: &Value, schema: &Value, at: String, missing: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &spec["components"]["schemas"][name];
        return unbounded_strings(spec, target, at, missing);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, part) in schema[key].as_array().into_iter().flatten().enumerate() {
            unbounded_strings(spec, part, format!("{at}/{key}[{i}]"), missing);
        }
    }
    match schema["type"].as_str() {
        Some("string") => {
            // Enumerations, dates, times and uploaded bytes have their own bounds.
            let bounded_by_format = matches!(
                schema["format"].as_str(),
                Some(
                    "date"
                        | "date-time"
                        | "time"
                        | "naive-date"
                        | "naive-date-time"
                        | "naive-time"
                        | "binary"
                        | "bytes"
                )
            );
            if schema["maxLength"].is_null() && schema["enum"].is_null() && !bounded_by_format {
                missing.push(at.clone());
            }
        }
        Some("array") => unbounded_strings(spec, &schema["items"], format!("{at}[]"), missing),
        _ => {}
    }
    for (field, property) in schema["properties"].as_object().into_iter().flatten() {
        unbounded_strings(spec, property, format!("{at}.{field}"), missing);
    }
}

/// WeChat's answer is outside input too: an identity that is not a plain identifier of
/// at most 64 characters (the columns' size) is a clear 502, and nothing is stored.
#[tokio::test]
async fn an_unusable_identity_from_wechat_is_a_502_and_nothing_is_stored() {
    use entity::wechat_bind_token;

    let m = crate::member_app::MemberApp::spawn().await;
    for code in [
        "o".repeat(65),
        format!("openid-1:{}", "u".repeat(65)),
        "open id".to_owned(),
    ] {
        let resp = m
            .anon("/api/app/login/wechat", json!({ "code": code }))
            .await;
        assert_eq!(resp.status, StatusCode::BAD_GATEWAY, "{:?}", resp.body);
        assert_eq!(resp.code(), "WECHAT_ERROR");
        assert!(resp.message().contains("微信"), "{:?}", resp.body);
    }
    let staff = m
        .anon(
            "/api/merchant/login/wechat",
            json!({ "wx_code": "o".repeat(65) }),
        )
        .await;
    assert_eq!(staff.status, StatusCode::BAD_GATEWAY, "{:?}", staff.body);
    let stored = wechat_bind_token::Entity::find()
        .count(&m.app.state.db)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}
