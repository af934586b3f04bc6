//! Real-name certification: apply against the roster, review by the union's admins,
//! the electronic member card, one person one account, transfers and leaving.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::Chain;
use crate::member_app::MemberApp;

pub const ID_A: &str = "371102198503151230";
pub const ID_B: &str = "37110219900101234X";
pub const ID_C: &str = "371102197807203453";

/// The city root, a district federation with two grassroots unions (port and steel),
/// each with its admin token.
pub struct Tree {
    pub root: String,
    pub district: i64,
    pub district_token: String,
    pub port: i64,
    pub port_token: String,
    pub steel: i64,
    pub steel_token: String,
}

pub async fn tree(m: &MemberApp) -> Tree {
    let app = &m.app;
    let root = app.root_token().await;
    let Chain {
        district,
        district_token,
        union: port,
        union_token: port_token,
    } = app.district_and_union(&root, "日照港工会", "port").await;
    let (steel, steel_token) = app
        .create_org(
            &district_token,
            district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    Tree {
        root,
        district,
        district_token,
        port,
        port_token,
        steel,
        steel_token,
    }
}

/// Adds a roster member; returns its id.
pub async fn add_member(
    m: &MemberApp,
    token: &str,
    name: &str,
    id_number: &str,
    phone: &str,
) -> i64 {
    let resp = m
        .app
        .post(
            "/api/admin/members",
            token,
            json!({ "name": name, "id_number": id_number, "phone": phone, "joined_on": "2019-03-01" }),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    resp.body["id"].as_i64().expect("id")
}

pub async fn apply(
    m: &MemberApp,
    token: &str,
    name: &str,
    id_number: &str,
) -> crate::helpers::Resp {
    m.app
        .post(
            "/api/app/certification",
            token,
            json!({ "name": name, "id_number": id_number }),
        )
        .await
}

/// The pending application of the union, as its admin sees it.
pub async fn pending_of(m: &MemberApp, admin: &str) -> Vec<Value> {
    let list = m
        .app
        .get("/api/admin/certifications?status=pending", admin)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    list.body["items"].as_array().expect("items").clone()
}

/// Registers, applies and has the union approve; returns the member token.
pub async fn certified_account(
    m: &MemberApp,
    admin: &str,
    phone: &str,
    name: &str,
    id_number: &str,
) -> String {
    let token = m.register(phone).await;
    let applied = apply(m, &token, name, id_number).await;
    assert_eq!(applied.status, StatusCode::OK, "{:?}", applied.body);
    let id = applied.body["application"]["id"].as_i64().expect("id");
    let approved = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            admin,
            json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    token
}

#[tokio::test]
async fn a_member_on_the_roster_is_certified_by_the_union_and_gets_a_member_card() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    let member_id = add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = m.register("13900000001").await;

    let applied = apply(&m, &token, " 张三 ", &ID_A.to_lowercase()).await;
    assert_eq!(applied.status, StatusCode::OK, "{:?}", applied.body);
    assert_eq!(applied.body["state"], "pending");
    assert_eq!(applied.body["application"]["status"], "pending");
    assert_eq!(
        applied.body["application"]["id_number"],
        "371***********1230"
    );
    let status = m.app.get("/api/app/certification", &token).await;
    assert_eq!(status.body["state"], "pending");
    let again = apply(&m, &token, "张三", ID_A).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "CERTIFICATION_PENDING");

    let pending = pending_of(&m, &t.port_token).await;
    assert_eq!(pending.len(), 1);
    let item = &pending[0];
    assert_eq!(item["org_name"], "日照港工会");
    assert_eq!(item["member_id"], member_id);
    assert_eq!(item["name"], "张三");
    assert_eq!(item["phone"], "139****0001");
    assert_eq!(item["status_label"], "待审核");
    assert!(!item.to_string().contains(ID_A));
    let id = item["id"].as_i64().expect("id");
    // The other union sees nothing of it.
    assert!(pending_of(&m, &t.steel_token).await.is_empty());

    let approved = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    let twice = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "CERTIFICATION_NOT_PENDING");

    let me = m.me(&token).await;
    assert_eq!(me.body["certification"]["state"], "certified");
    assert_eq!(me.body["active_for_claiming"], true);
    let card = &me.body["card"];
    let card_no = card["card_no"].as_str().expect("card_no");
    assert!(
        card_no.starts_with("GH") && card_no.len() == 14,
        "{card_no}"
    );
    assert_eq!(card["union_name"], "日照港工会");
    assert_eq!(card["name"], "张三");
    assert_eq!(card["id_number"], "371***********1230");
    assert_eq!(card["joined_on"], "2019-03-01");
    assert_eq!(card["member_status"], "active");
    // Stable across reads.
    assert_eq!(m.me(&token).await.body["card"]["card_no"], card_no);

    let roster = m
        .app
        .get(&format!("/api/admin/members/{member_id}"), &t.port_token)
        .await;
    assert_eq!(roster.body["certified"], true);
    let listed = m
        .app
        .get("/api/admin/members?certified=true", &t.port_token)
        .await;
    assert_eq!(listed.body["total"], 1);
    assert!(
        pending_of(&m, &t.port_token).await.is_empty(),
        "approved leaves the queue"
    );
}

#[tokio::test]
async fn applying_without_a_matching_active_member_is_refused_with_advice() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = m.register("13900000002").await;

    for (name, id_number) in [("张三", ID_B), ("李四", ID_A)] {
        let resp = apply(&m, &token, name, id_number).await;
        assert_eq!(resp.status, StatusCode::CONFLICT, "{:?}", resp.body);
        assert_eq!(resp.code(), "NOT_ON_ROSTER");
        assert!(
            resp.message().contains("联系所在工会"),
            "{}",
            resp.message()
        );
    }
    let malformed = apply(&m, &token, "张三", "371102198503151231").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.message().contains("id_number"));
    let nameless = apply(&m, &token, " ", ID_A).await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert!(nameless.message().contains("name"));
    assert_eq!(
        m.app.get("/api/app/certification", &token).await.body["state"],
        "uncertified"
    );
    assert!(pending_of(&m, &t.port_token).await.is_empty());

    // A member who has left cannot certify either.
    let left = add_member(&m, &t.port_token, "王五", ID_C, "13800000003").await;
    let resp = m
        .app
        .post(
            &format!("/api/admin/members/{left}/leave"),
            &t.port_token,
            json!({ "status": "retired" }),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    assert_eq!(
        apply(&m, &token, "王五", ID_C).await.code(),
        "NOT_ON_ROSTER"
    );
}

#[tokio::test]
async fn one_person_certifies_only_one_account() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let first = m.register("13900000003").await;
    let second = m.register("13900000004").await;
    // Both apply before either is reviewed.
    let a = apply(&m, &first, "张三", ID_A).await;
    let b = apply(&m, &second, "张三", ID_A).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(b.status, StatusCode::OK);
    let (a_id, b_id) = (
        a.body["application"]["id"].as_i64().expect("id"),
        b.body["application"]["id"].as_i64().expect("id"),
    );
    let ok = m
        .app
        .post(
            &format!("/api/admin/certifications/{a_id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let refused = m
        .app
        .post(
            &format!("/api/admin/certifications/{b_id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(refused.code(), "ID_ALREADY_CERTIFIED");
    // Nothing half-written: the second application is still pending, the account bare.
    let still = m
        .app
        .get(&format!("/api/admin/certifications/{b_id}"), &t.port_token)
        .await;
    assert_eq!(still.body["status"], "pending");
    assert_eq!(m.me(&second).await.body["card"], Value::Null);
    let rejected = m
        .app
        .post(
            &format!("/api/admin/certifications/{b_id}/reject"),
            &t.port_token,
            json!({ "reason": "该身份已由其他账号认证" }),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK);

    // A third account is refused at once.
    let third = m.register("13900000005").await;
    let resp = apply(&m, &third, "张三", ID_A).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.code(), "ID_ALREADY_CERTIFIED");
    // And the certified account cannot certify as somebody else.
    add_member(&m, &t.port_token, "李四", ID_B, "13800000002").await;
    let resp = apply(&m, &first, "李四", ID_B).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.code(), "ALREADY_CERTIFIED");
}

#[tokio::test]
async fn a_wrong_name_hears_not_on_roster_whether_or_not_the_id_number_is_certified() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    add_member(&m, &t.port_token, "李四", ID_B, "13800000002").await;
    certified_account(&m, &t.port_token, "13900000001", "张三", ID_A).await;
    let prober = m.register("13900000009").await;

    // ID_A is certified by another account, ID_B by none, ID_C is on no roster: with a
    // wrong name, the three answers are one and the same.
    let mut answers = Vec::new();
    for id_number in [ID_A, ID_B, ID_C] {
        let resp = apply(&m, &prober, "王二", id_number).await;
        assert_eq!(resp.status, StatusCode::CONFLICT, "{:?}", resp.body);
        assert_eq!(resp.code(), "NOT_ON_ROSTER", "{id_number}");
        answers.push(resp.body);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    // Only the right name learns that the person is taken.
    assert_eq!(
        apply(&m, &prober, "张三", ID_A).await.code(),
        "ID_ALREADY_CERTIFIED"
    );
}

#[tokio::test]
async fn review_is_scoped_parents_see_but_only_the_union_decides() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = m.register("13900000006").await;
    let id = apply(&m, &token, "张三", ID_A).await.body["application"]["id"]
        .as_i64()
        .expect("id");

    let district = pending_of(&m, &t.district_token).await;
    assert_eq!(district.len(), 1);
    let city = m
        .app
        .get(
            &format!("/api/admin/certifications?org_id={}", t.port),
            &t.root,
        )
        .await;
    assert_eq!(city.body["total"], 1);
    let parent = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &t.district_token,
            json!({}),
        )
        .await;
    assert_eq!(parent.status, StatusCode::FORBIDDEN);
    assert_eq!(parent.code(), "NOT_OWNER");
    for path in [
        format!("/api/admin/certifications/{id}"),
        format!("/api/admin/certifications/{id}/approve"),
    ] {
        let sibling = if path.ends_with("approve") {
            m.app.post(&path, &t.steel_token, json!({})).await
        } else {
            m.app.get(&path, &t.steel_token).await
        };
        assert_eq!(sibling.status, StatusCode::NOT_FOUND, "{path}");
    }
    let member_token_on_admin = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(member_token_on_admin.status, StatusCode::UNAUTHORIZED);
    assert_eq!(m.me(&token).await.body["certification"]["state"], "pending");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_that_the_member_sees_and_may_apply_again() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = m.register("13900000007").await;
    let id = apply(&m, &token, "张三", ID_A).await.body["application"]["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/admin/certifications/{id}/reject");
    let blank = m
        .app
        .post(&path, &t.port_token, json!({ "reason": "  " }))
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.message().contains("reason"));
    let rejected = m
        .app
        .post(
            &path,
            &t.port_token,
            json!({ "reason": "请本人到工会核实手机号" }),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    assert_eq!(rejected.body["status_label"], "驳回");
    let mine = m.app.get("/api/app/certification", &token).await;
    assert_eq!(mine.body["state"], "rejected");
    assert_eq!(
        mine.body["application"]["reject_reason"],
        "请本人到工会核实手机号"
    );
    let approve_rejected = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(approve_rejected.code(), "CERTIFICATION_NOT_PENDING");
    let again = apply(&m, &token, "张三", ID_A).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["state"], "pending");
}

#[tokio::test]
async fn a_transferred_member_stays_certified_with_the_same_card_number() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    let member_id = add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = certified_account(&m, &t.port_token, "13900000008", "张三", ID_A).await;
    let card_no = m.me(&token).await.body["card"]["card_no"].clone();

    let moved = m
        .app
        .post(
            &format!("/api/admin/members/{member_id}/transfer"),
            &t.port_token,
            json!({ "to_org_id": t.steel, "reason": "工作调动" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let new_id = moved.body["member_id"].as_i64().expect("id");
    let me = m.me(&token).await;
    assert_eq!(me.body["certification"]["state"], "certified");
    assert_eq!(me.body["active_for_claiming"], true);
    assert_eq!(me.body["card"]["card_no"], card_no);
    assert_eq!(me.body["card"]["union_name"], "日照钢铁工会");
    let new = m
        .app
        .get(&format!("/api/admin/members/{new_id}"), &t.steel_token)
        .await;
    assert_eq!(new.body["certified"], true);
    // Not "left" in the reconciliation: the account followed the person.
    let rec = m
        .app
        .get("/api/admin/reconciliation", &t.district_token)
        .await;
    assert_eq!(rec.body["totals"]["left_certified_accounts"], 0);
    assert_eq!(rec.body["totals"]["certified_members"], 1);
}

#[tokio::test]
async fn a_member_who_leaves_keeps_the_card_but_is_no_longer_active_for_claiming() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    let member_id = add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = certified_account(&m, &t.port_token, "13900000009", "张三", ID_A).await;
    let left = m
        .app
        .post(
            &format!("/api/admin/members/{member_id}/leave"),
            &t.port_token,
            json!({ "status": "retired" }),
        )
        .await;
    assert_eq!(left.status, StatusCode::OK, "{:?}", left.body);
    let me = m.me(&token).await;
    assert_eq!(me.body["certification"]["state"], "certified");
    assert_eq!(me.body["active_for_claiming"], false);
    assert_eq!(me.body["card"]["member_status"], "retired");
    assert_eq!(me.body["card"]["member_status_label"], "退休");
    // Another account still cannot take this person over: no longer an active member,
    // the person is not on the roster (which is said before whether the ID is taken).
    let other = m.register("13900000010").await;
    assert_eq!(
        apply(&m, &other, "张三", ID_A).await.code(),
        "NOT_ON_ROSTER"
    );
}

#[tokio::test]
async fn an_application_whose_member_left_meanwhile_cannot_be_approved() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    let member_id = add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let token = m.register("13900000011").await;
    let id = apply(&m, &token, "张三", ID_A).await.body["application"]["id"]
        .as_i64()
        .expect("id");
    m.app
        .post(
            &format!("/api/admin/members/{member_id}/leave"),
            &t.port_token,
            json!({ "status": "left_job" }),
        )
        .await;
    let resp = m
        .app
        .post(
            &format!("/api/admin/certifications/{id}/approve"),
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.code(), "MEMBER_NOT_ACTIVE");
    assert_eq!(m.me(&token).await.body["certification"]["state"], "pending");
    let unknown = m
        .app
        .post(
            "/api/admin/certifications/999999/approve",
            &t.port_token,
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn racing_approvals_of_one_person_link_only_one_account() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    let mut ids = Vec::new();
    for phone in ["13900000021", "13900000022", "13900000023"] {
        let token = m.register(phone).await;
        let applied = apply(&m, &token, "张三", ID_A).await;
        assert_eq!(applied.status, StatusCode::OK, "{:?}", applied.body);
        ids.push(applied.body["application"]["id"].as_i64().expect("id"));
    }
    let paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/api/admin/certifications/{id}/approve"))
        .collect();
    let approvals = paths
        .iter()
        .map(|path| m.app.post(path, &t.port_token, json!({})));
    let results = futures::future::join_all(approvals).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let conflicts = results
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, 2), "{results:?}");
    let certified = m
        .app
        .get("/api/admin/certifications?status=approved", &t.port_token)
        .await;
    assert_eq!(certified.body["total"], 1);
}
