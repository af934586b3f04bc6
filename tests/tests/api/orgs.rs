use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn creating_a_subordinate_org_creates_its_admin_with_the_initial_password() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let created = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({
                "name": "东港区总工会", "kind": "district_federation",
                "admin_username": "donggang", "admin_display_name": "王敏",
                "contact_phone": "0633-8221234", "postcode": "276800"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    assert_eq!(created.body["org"]["parent_id"], 1);
    assert_eq!(created.body["org"]["depth"], 1);
    assert_eq!(created.body["org"]["kind_label"], "区县/产业总工会");
    assert_eq!(created.body["admin"]["username"], "donggang");
    assert_eq!(created.body["admin"]["must_change_password"], true);
    assert!(created.body["admin"].get("password_hash").is_none());

    let initial = created.body["initial_password"]
        .as_str()
        .expect("initial password");
    let login = app.admin_login("donggang", initial).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["must_change_password"], true);
    assert_eq!(login.body["org"]["name"], "东港区总工会");

    let list = app.get("/api/admin/orgs", &root).await;
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["items"][1]["name"], "东港区总工会");

    let admins = app
        .get(
            &format!("/api/admin/orgs/{}/admins", created.body["org"]["id"]),
            &root,
        )
        .await;
    assert_eq!(admins.body.as_array().expect("admins").len(), 1);
}

#[tokio::test]
async fn another_branch_is_invisible_and_answers_404() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (a, a_token) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let (b, b_token) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let (a_union, _) = app
        .create_org(
            &a_token,
            a,
            "东港区第一基层工会",
            "grassroots_union",
            "dg-one",
        )
        .await;

    // A sees itself and its union; B's records do not exist for A.
    let list = app.get("/api/admin/orgs", &a_token).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["东港区总工会", "东港区第一基层工会"]);
    assert_eq!(
        app.get(&format!("/api/admin/orgs/{a_union}"), &a_token)
            .await
            .status,
        StatusCode::OK
    );

    for (path, token) in [
        (format!("/api/admin/orgs/{b}"), &a_token),
        (format!("/api/admin/orgs/{b}/admins"), &a_token),
        (format!("/api/admin/orgs/{a_union}"), &b_token),
        ("/api/admin/orgs/1".to_owned(), &a_token),
    ] {
        let resp = app.get(&path, token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(resp.code(), "NOT_FOUND");
    }
    // Writes into another branch: 404 as well, and nothing is created.
    let sneaky = app
        .post(
            "/api/admin/orgs",
            &a_token,
            json!({ "parent_id": b, "name": "越权工会", "kind": "grassroots_union", "admin_username": "sneaky" }),
        )
        .await;
    assert_eq!(sneaky.status, StatusCode::NOT_FOUND);
    let sneaky_admin = app
        .post(
            &format!("/api/admin/orgs/{b}/admins"),
            &a_token,
            json!({ "username": "sneaky2" }),
        )
        .await;
    assert_eq!(sneaky_admin.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/admin/orgs", &root).await.body["total"], 4);
    assert_eq!(
        app.admin_login("sneaky", "Any2026pass").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tree_rules_refuse_children_of_a_union_duplicate_names_and_taken_usernames() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (union, _) = app
        .create_org(&root, 1, "日照港工会", "grassroots_union", "port")
        .await;

    let under_union = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({ "parent_id": union, "name": "码头分会", "kind": "grassroots_union", "admin_username": "dock" }),
        )
        .await;
    assert_eq!(under_union.status, StatusCode::BAD_REQUEST);
    assert!(under_union.message().contains("基层工会"));

    let same_name = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({ "name": "日照港工会", "kind": "grassroots_union", "admin_username": "port2" }),
        )
        .await;
    assert_eq!(same_name.status, StatusCode::CONFLICT);
    assert_eq!(same_name.code(), "ORG_NAME_TAKEN");

    let taken = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({ "name": "日照钢铁工会", "kind": "grassroots_union", "admin_username": "PORT" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "USERNAME_TAKEN");

    let second_city = app
        .post(
            "/api/admin/orgs",
            &root,
            json!({ "name": "另一个市总", "kind": "city_federation", "admin_username": "city2" }),
        )
        .await;
    assert_eq!(second_city.status, StatusCode::BAD_REQUEST);

    // The failed attempts left nothing behind: no organisation, no account.
    assert_eq!(app.get("/api/admin/orgs", &root).await.body["total"], 2);
    assert_eq!(
        app.admin_login("dock", "Any2026pass").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_union_profile_is_validated_field_by_field_and_saved() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let bad_cases = [
        (json!({ "name": "  " }), "工会名称"),
        (
            json!({ "name": "日照市总工会", "credit_code": "91350100M000100Y44" }),
            "统一社会信用代码",
        ),
        (
            json!({ "name": "日照市总工会", "contact_phone": "12345" }),
            "联系电话",
        ),
        (
            json!({ "name": "日照市总工会", "postcode": "27680" }),
            "邮政编码",
        ),
        (
            json!({ "name": "日照市总工会", "founded_on": "2999-01-01" }),
            "成立日期",
        ),
    ];
    for (body, field) in bad_cases {
        let resp = app.put("/api/admin/org", &root, body).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(
            resp.message().contains(field),
            "{field}: {}",
            resp.message()
        );
    }
    let saved = app
        .put(
            "/api/admin/org",
            &root,
            json!({
                "name": "日照市总工会", "short_name": "市总", "credit_code": "91350100M000100Y43",
                "chairman": "李华", "contact_phone": "0633-8779999", "postcode": "276800",
                "address": "日照市东港区烟台路", "founded_on": "1950-05-01"
            }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let own = app.get("/api/admin/org", &root).await;
    assert_eq!(own.body["credit_code"], "91350100M000100Y43");
    assert_eq!(own.body["chairman"], "李华");
    assert_eq!(own.body["founded_on"], "1950-05-01");
}

#[tokio::test]
async fn org_list_filters_and_pages() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (district, _) = app
        .create_org(&root, 1, "五莲县总工会", "district_federation", "wulian")
        .await;
    for i in 0..3 {
        app.create_org(
            &root,
            district,
            &format!("五莲第{i}工会"),
            "grassroots_union",
            &format!("wl{i}"),
        )
        .await;
    }
    let unions = app
        .get("/api/admin/orgs?kind=grassroots_union&page_size=2", &root)
        .await;
    assert_eq!(unions.body["total"], 3);
    assert_eq!(unions.body["items"].as_array().expect("items").len(), 2);
    assert_eq!(unions.body["page_size"], 2);
    let page2 = app
        .get(
            "/api/admin/orgs?kind=grassroots_union&page_size=2&page=2",
            &root,
        )
        .await;
    assert_eq!(page2.body["items"].as_array().expect("items").len(), 1);
    let named = app.get("/api/admin/orgs?name=%E7%AC%AC1", &root).await;
    assert_eq!(named.body["total"], 1);
    let bad = app.get("/api/admin/orgs?page_size=1000", &root).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
