use entity::member;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The standard's own examples and a few more valid resident IDs.
pub const ID_FEMALE_1949: &str = "11010519491231002X";
pub const ID_MALE_1880: &str = "440524188001010014";

/// A root admin token plus a grassroots union with its admin token.
async fn union(app: &TestApp) -> (String, i64, String) {
    let root = app.root_token().await;
    let (org, token) = app
        .create_org(&root, 1, "日照港工会", "grassroots_union", "port")
        .await;
    (root, org, token)
}

fn member_body(name: &str, id_number: &str, phone: &str) -> Value {
    json!({ "name": name, "id_number": id_number, "phone": phone, "joined_on": "2020-05-01" })
}

async fn add(app: &TestApp, token: &str, body: Value) -> Value {
    let resp = app.post("/api/admin/members", token, body).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    resp.body
}

#[tokio::test]
async fn units_are_validated_created_listed_and_only_deleted_when_unused() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let bad = [
        (json!({ "name": "" }), "单位名称"),
        (
            json!({ "name": "港务公司", "credit_code": "91350100M000100Y44" }),
            "统一社会信用代码",
        ),
        (json!({ "name": "港务公司", "phone": "123" }), "联系电话"),
        (
            json!({ "name": "港务公司", "employee_count": -1 }),
            "职工人数",
        ),
        (
            json!({ "name": "港务公司", "employee_count": 10, "migrant_worker_count": 11 }),
            "农民工人数",
        ),
    ];
    for (body, field) in bad {
        let resp = app.post("/api/admin/units", &token, body).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(
            resp.message().contains(field),
            "{field}: {}",
            resp.message()
        );
    }
    let unit = app
        .post(
            "/api/admin/units",
            &token,
            json!({
                "name": "日照港集团", "credit_code": "91350100M000100Y43", "leader": "赵强",
                "phone": "0633-8381234", "nature": "企业", "economic_type": "国有", "industry": "交通运输",
                "collective_bargaining": true, "contract_valid_until": "2027-12-31",
                "address": "日照市东港区黄海一路", "employee_count": 1200, "migrant_worker_count": 300
            }),
        )
        .await;
    assert_eq!(unit.status, StatusCode::OK, "{:?}", unit.body);
    let unit_id = unit.body["id"].as_i64().expect("id");
    let dup = app
        .post("/api/admin/units", &token, json!({ "name": "日照港集团" }))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.code(), "UNIT_NAME_TAKEN");

    let list = app.get("/api/admin/units?name=%E6%B8%AF", &token).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["migrant_worker_count"], 300);

    let mut body = member_body("张三", ID_FEMALE_1949, "13800000000");
    body["unit_id"] = json!(unit_id);
    let member = add(&app, &token, body).await;
    assert_eq!(member["unit_name"], "日照港集团");

    let refused = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/units/{unit_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "UNIT_IN_USE");

    let empty = app
        .post("/api/admin/units", &token, json!({ "name": "临时单位" }))
        .await;
    let empty_id = empty.body["id"].as_i64().expect("id");
    let deleted = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/units/{empty_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/admin/units/{empty_id}"), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_member_is_stored_encrypted_and_listed_masked() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let created = add(
        &app,
        &token,
        member_body("张三", "11010519491231002x", "138 0000 0000"),
    )
    .await;
    assert_eq!(created["id_number"], "110***********002X");
    assert_eq!(created["phone"], "138****0000");
    assert_eq!(created["gender"], "female");
    assert_eq!(created["gender_label"], "女");
    assert_eq!(created["birth_date"], "1949-12-31");
    assert_eq!(created["status"], "active");
    assert_eq!(created["status_label"], "入会");
    assert_eq!(created["certified"], false);

    // At rest: neither the encrypted column nor any other holds the plain number.
    let id = created["id"].as_i64().expect("id");
    let row = member::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("row");
    assert!(!row.id_number_enc.contains(ID_FEMALE_1949));
    assert!(!row.id_number_hash.contains(ID_FEMALE_1949));
    assert!(row.id_number_enc.starts_with("v1:"));
    let backend = app.state.db.get_database_backend();
    let leaked = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM members WHERE id_number_enc LIKE '%{ID_FEMALE_1949}%' OR id_number_masked LIKE '%{ID_FEMALE_1949}%'"),
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(leaked.try_get::<i64>("", "n").expect("n"), 0);

    let list = app.get("/api/admin/members", &token).await;
    let text = list.body.to_string();
    assert!(!text.contains(ID_FEMALE_1949));
    assert!(!text.contains("13800000000"));
    assert_eq!(list.body["items"][0]["id_number"], "110***********002X");
}

#[tokio::test]
async fn the_detail_view_shows_full_values_and_is_audit_logged() {
    let app = TestApp::spawn().await;
    let (root, _, token) = union(&app).await;
    let created = add(
        &app,
        &token,
        member_body("李四", ID_MALE_1880, "13900001111"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let detail = app.get(&format!("/api/admin/members/{id}"), &token).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.body["id_number_full"], ID_MALE_1880);
    assert_eq!(detail.body["phone_full"], "13900001111");
    assert_eq!(detail.body["gender"], "male");
    assert_eq!(detail.body["history"][0]["kind"], "joined");
    // The parent federation may look too; each look is recorded.
    assert_eq!(
        app.get(&format!("/api/admin/members/{id}"), &root)
            .await
            .status,
        StatusCode::OK
    );
    let views = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .expect("audit")
        .into_iter()
        .filter(|a| {
            a.action == "view_member_detail" && a.target_id.as_deref() == Some(&id.to_string())
        })
        .collect::<Vec<_>>();
    assert_eq!(views.len(), 2);
    for v in &views {
        let detail = v.detail.clone().unwrap_or_default();
        assert!(
            !detail.contains(ID_MALE_1880),
            "audit detail leaks the ID: {detail}"
        );
    }
}

#[tokio::test]
async fn every_invalid_field_is_a_400_naming_it_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let cases = [
        (
            json!({ "name": "", "id_number": ID_FEMALE_1949, "phone": "13800000000" }),
            "姓名",
        ),
        (
            json!({ "name": "王五", "id_number": "110105194912310021", "phone": "13800000000" }),
            "证件号码",
        ),
        (
            json!({ "name": "王五", "id_number": "110105202902300021", "phone": "13800000000" }),
            "证件号码",
        ),
        (
            json!({ "name": "王五", "id_number": ID_FEMALE_1949, "phone": "12800000000" }),
            "手机号码",
        ),
        (
            json!({ "name": "王五", "id_number": ID_FEMALE_1949, "phone": "13800000000", "gender": "男" }),
            "性别",
        ),
        (
            json!({ "name": "王五", "id_type": "军官证", "id_number": "X1", "phone": "13800000000" }),
            "证件类型",
        ),
        (
            json!({ "name": "王五", "id_number": ID_FEMALE_1949, "phone": "13800000000", "joined_on": "2999-01-01" }),
            "入会日期",
        ),
        (
            json!({ "name": "王五", "id_number": ID_FEMALE_1949, "phone": "13800000000", "unit_id": 999 }),
            "所在单位",
        ),
    ];
    for (body, field) in cases {
        let resp = app.post("/api/admin/members", &token, body).await;
        assert!(
            resp.status == StatusCode::BAD_REQUEST
                || (field == "所在单位" && resp.status == StatusCode::NOT_FOUND),
            "{field}: {:?}",
            resp.body
        );
        assert!(
            resp.message().contains(field),
            "{field}: {}",
            resp.message()
        );
    }
    // Several problems at once are all named.
    let many = app
        .post(
            "/api/admin/members",
            &token,
            json!({ "name": "", "id_number": "1", "phone": "2" }),
        )
        .await;
    assert_eq!(many.body["details"].as_array().expect("details").len(), 3);
    assert_eq!(app.get("/api/admin/members", &token).await.body["total"], 0);
}

#[tokio::test]
async fn other_document_types_are_accepted_with_their_own_formats() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let passport = json!({ "name": "John Smith", "id_type": "护照", "id_number": "E12345678", "phone": "13800000001", "gender": "男" });
    let created = add(&app, &token, passport).await;
    assert_eq!(created["id_type"], "passport");
    assert_eq!(created["gender"], "male");
    let permit = json!({ "name": "陈大文", "id_type": "hk_macao_permit", "id_number": "H12345678", "phone": "13800000002", "gender": "男" });
    add(&app, &token, permit).await;
    let bad_permit = json!({ "name": "陈小文", "id_type": "港澳居民来往内地通行证", "id_number": "X12345678", "phone": "13800000003" });
    assert_eq!(
        app.post("/api/admin/members", &token, bad_permit)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn one_person_is_active_in_one_union_only_and_the_holder_is_not_named() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (_, steel_token) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;

    let again = app
        .post(
            "/api/admin/members",
            &port_token,
            member_body("张三", ID_FEMALE_1949, "13800000000"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "MEMBER_EXISTS");

    let elsewhere = app
        .post(
            "/api/admin/members",
            &steel_token,
            member_body("张三", "11010519491231002x", "13800000009"),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::CONFLICT);
    assert_eq!(elsewhere.code(), "MEMBER_ACTIVE_ELSEWHERE");
    assert_eq!(
        elsewhere.message(),
        "该会员已在其他工会（会籍有效），请通过转会办理"
    );
    assert!(
        !elsewhere.body.to_string().contains("日照港工会"),
        "{:?}",
        elsewhere.body
    );
    assert!(
        elsewhere.body.get("details").is_none(),
        "{:?}",
        elsewhere.body
    );
    assert_eq!(
        app.get("/api/admin/members", &steel_token).await.body["total"],
        0
    );
}

#[tokio::test]
async fn concurrent_entries_of_one_person_in_two_unions_leave_one_active_membership() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (_, steel_token) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    let attempts = (0..8).map(|i| {
        let token = if i % 2 == 0 {
            port_token.clone()
        } else {
            steel_token.clone()
        };
        let app = &app;
        async move {
            app.post(
                "/api/admin/members",
                &token,
                member_body("张三", ID_FEMALE_1949, "13800000000"),
            )
            .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT)
    );
    assert_eq!(
        app.get("/api/admin/members?status=active", &root)
            .await
            .body["total"],
        1
    );
}

#[tokio::test]
async fn search_by_name_id_number_phone_status_unit_and_certified_with_stable_paging() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let unit = app
        .post("/api/admin/units", &token, json!({ "name": "港务公司" }))
        .await
        .body["id"]
        .clone();
    let mut first = member_body("张三", ID_FEMALE_1949, "13800000000");
    first["unit_id"] = unit.clone();
    add(&app, &token, first).await;
    add(
        &app,
        &token,
        member_body("张三丰", ID_MALE_1880, "13900000000"),
    )
    .await;
    add(&app, &token, json!({ "name": "Li Lei", "id_type": "passport", "id_number": "G87654321", "phone": "13700000000", "gender": "男" })).await;

    let q = |query: &str| format!("/api/admin/members?{query}");
    assert_eq!(
        app.get(&q("name=%E5%BC%A0%E4%B8%89"), &token).await.body["total"],
        2
    );
    // Exact ID search, whatever case or full-width form is typed.
    let by_id = app.get(&q("id_number=11010519491231002x"), &token).await;
    assert_eq!(by_id.body["total"], 1);
    assert_eq!(by_id.body["items"][0]["name"], "张三");
    assert_eq!(
        app.get(&q("id_number=110105194912310000"), &token)
            .await
            .body["total"],
        0
    );
    assert_eq!(
        app.get(&q("phone=13900000000"), &token).await.body["total"],
        1
    );
    assert_eq!(
        app.get(&q("phone=139"), &token).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get(&q(&format!("unit_id={unit}")), &token).await.body["total"],
        1
    );
    assert_eq!(
        app.get(&q("certified=false"), &token).await.body["total"],
        3
    );
    assert_eq!(app.get(&q("certified=true"), &token).await.body["total"], 0);
    assert_eq!(app.get(&q("status=retired"), &token).await.body["total"], 0);

    let p1 = app.get(&q("page_size=2"), &token).await;
    let p2 = app.get(&q("page_size=2&page=2"), &token).await;
    let names: Vec<&str> = p1.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(p2.body["items"].as_array().expect("items"))
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["张三", "张三丰", "Li Lei"]);
}

#[tokio::test]
async fn editing_revalidates_and_keeps_one_active_membership() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (_, steel_token) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    add(
        &app,
        &steel_token,
        member_body("李四", ID_MALE_1880, "13900001111"),
    )
    .await;
    let created = add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");

    let mut edit = member_body("张三", ID_FEMALE_1949, "13600000000");
    edit["position"] = json!("班组长");
    let edited = app
        .put(&format!("/api/admin/members/{id}"), &port_token, edit)
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["position"], "班组长");
    assert_eq!(edited.body["phone"], "136****0000");

    let stolen = app
        .put(
            &format!("/api/admin/members/{id}"),
            &port_token,
            member_body("张三", ID_MALE_1880, "13600000000"),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::CONFLICT);
    assert_eq!(stolen.code(), "MEMBER_ACTIVE_ELSEWHERE");
    assert!(
        !stolen.body.to_string().contains("日照钢铁工会"),
        "{:?}",
        stolen.body
    );
    let bad = app
        .put(
            &format!("/api/admin/members/{id}"),
            &port_token,
            member_body("张三", "1", "136"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let detail = app
        .get(&format!("/api/admin/members/{id}"), &port_token)
        .await;
    assert_eq!(detail.body["id_number_full"], ID_FEMALE_1949);
    assert_eq!(detail.body["phone_full"], "13600000000");
}

#[tokio::test]
async fn a_transfer_moves_the_member_and_keeps_history_on_both_sides() {
    let app = TestApp::spawn().await;
    let (root, port, port_token) = union(&app).await;
    let (district, district_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let (steel, steel_token) = app
        .create_org(
            &district_token,
            district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    let created = add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");

    let targets = app
        .get(
            "/api/admin/transfer-targets?name=%E9%92%A2%E9%93%81",
            &port_token,
        )
        .await;
    assert_eq!(targets.body[0]["id"], steel);

    let moved = app
        .post(
            &format!("/api/admin/members/{id}/transfer"),
            &port_token,
            json!({ "to_org_id": steel, "reason": "工作调动" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["to_org"]["name"], "日照钢铁工会");
    let new_id = moved.body["member_id"].as_i64().expect("id");

    let old = app
        .get(&format!("/api/admin/members/{id}"), &port_token)
        .await;
    assert_eq!(old.body["status"], "transferred_out");
    assert_eq!(old.body["status_label"], "转出");
    assert_eq!(old.body["history"][1]["kind"], "transferred_out");
    assert_eq!(old.body["history"][1]["other_org_name"], "日照钢铁工会");

    let new = app
        .get(&format!("/api/admin/members/{new_id}"), &steel_token)
        .await;
    assert_eq!(new.body["status"], "active");
    assert_eq!(new.body["org_id"], steel);
    assert_eq!(new.body["id_number_full"], ID_FEMALE_1949);
    assert_eq!(new.body["history"][0]["kind"], "transferred_in");
    assert_eq!(new.body["history"][0]["other_org_name"], "日照港工会");
    // The old union no longer sees the new record; the member is active once.
    assert_eq!(
        app.get(&format!("/api/admin/members/{new_id}"), &port_token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/admin/members?status=active", &root)
            .await
            .body["total"],
        1
    );

    // A second transfer of the old record is a state conflict.
    let twice = app
        .post(
            &format!("/api/admin/members/{id}/transfer"),
            &port_token,
            json!({ "to_org_id": steel }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "MEMBER_NOT_ACTIVE");
    let _ = port;
}

#[tokio::test]
async fn transfers_are_refused_to_non_unions_unknown_orgs_and_by_non_owners() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (district, _) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let created = add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let path = format!("/api/admin/members/{id}/transfer");
    assert_eq!(
        app.post(&path, &port_token, json!({ "to_org_id": district }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post(&path, &port_token, json!({ "to_org_id": 9999 }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The parent federation can see the member but only the owning union writes.
    let by_parent = app
        .post(&path, &root, json!({ "to_org_id": district }))
        .await;
    assert_eq!(by_parent.status, StatusCode::FORBIDDEN);
    assert_eq!(by_parent.code(), "NOT_OWNER");
    assert_eq!(
        app.get(&format!("/api/admin/members/{id}"), &port_token)
            .await
            .body["status"],
        "active"
    );
}

#[tokio::test]
async fn leaving_records_the_reason_and_frees_the_person_to_join_elsewhere() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (_, steel_token) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    let created = add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let path = format!("/api/admin/members/{id}/leave");
    assert_eq!(
        app.post(&path, &port_token, json!({ "status": "other" }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post(&path, &port_token, json!({ "status": "transferred_out" }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let retired = app
        .post(
            &path,
            &port_token,
            json!({ "status": "retired", "reason": "到龄退休" }),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{:?}", retired.body);
    assert_eq!(retired.body["status_label"], "退休");
    assert!(retired.body["left_on"].is_string());
    let again = app
        .post(&path, &port_token, json!({ "status": "left_job" }))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // No longer active anywhere: another union may now add the person.
    add(
        &app,
        &steel_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    // Found by ID number whatever the status (on PostgreSQL the active and the other
    // records are in different indexes): the retired record here, both for the city.
    let by_id = format!("/api/admin/members?id_number={ID_FEMALE_1949}");
    let here = app.get(&by_id, &port_token).await;
    assert_eq!(here.body["total"], 1, "{:?}", here.body);
    assert_eq!(here.body["items"][0]["status"], "retired");
    assert_eq!(app.get(&by_id, &root).await.body["total"], 2);
    assert_eq!(
        app.get(&format!("{by_id}&status=active"), &root).await.body["total"],
        1
    );
    let detail = app
        .get(&format!("/api/admin/members/{id}"), &port_token)
        .await;
    assert_eq!(detail.body["history"][1]["reason"], "退休：到龄退休");
}

#[tokio::test]
async fn another_branch_cannot_see_or_touch_a_unions_roster() {
    let app = TestApp::spawn().await;
    let (root, _, port_token) = union(&app).await;
    let (district, district_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let (_, steel_token) = app
        .create_org(
            &district_token,
            district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    let unit = app
        .post(
            "/api/admin/units",
            &port_token,
            json!({ "name": "港务公司" }),
        )
        .await
        .body["id"]
        .as_i64()
        .expect("unit");
    let created = add(
        &app,
        &port_token,
        member_body("张三", ID_FEMALE_1949, "13800000000"),
    )
    .await;
    let id = created["id"].as_i64().expect("id");

    for token in [&steel_token, &district_token] {
        for path in [
            format!("/api/admin/members/{id}"),
            format!("/api/admin/units/{unit}"),
        ] {
            let resp = app.get(&path, token).await;
            assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(app.get("/api/admin/members", token).await.body["total"], 0);
        assert_eq!(app.get("/api/admin/units", token).await.body["total"], 0);
        let edit = app
            .put(
                &format!("/api/admin/members/{id}"),
                token,
                member_body("改名", ID_FEMALE_1949, "13800000000"),
            )
            .await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND);
        let leave = app
            .post(
                &format!("/api/admin/members/{id}/leave"),
                token,
                json!({ "status": "retired" }),
            )
            .await;
        assert_eq!(leave.status, StatusCode::NOT_FOUND);
        let del = app
            .request(
                reqwest::Method::DELETE,
                &format!("/api/admin/units/{unit}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(del.status, StatusCode::NOT_FOUND);
    }
    // A unit of another union cannot be used either.
    let mut body = member_body("李四", ID_MALE_1880, "13900001111");
    body["unit_id"] = json!(unit);
    assert_eq!(
        app.post("/api/admin/members", &steel_token, body)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Federations do not keep members themselves.
    let by_federation = app
        .post(
            "/api/admin/members",
            &district_token,
            member_body("王五", ID_MALE_1880, "13900001111"),
        )
        .await;
    assert_eq!(by_federation.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/admin/members/{id}"), &port_token)
            .await
            .body["name"],
        "张三"
    );
}
