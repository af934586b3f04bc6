//! Transfer requests (转会申请): a union asks for a person active in another union
//! without learning which; the holding union (or an organisation above both) approves
//! — the member moves with history — or rejects.

use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp};

const ID: &str = "11010519491231002X";
const UNKNOWN_ID: &str = "440524188001010014";
const ACTIVE_ELSEWHERE: &str = "该会员已在其他工会（会籍有效），请通过转会办理";

/// The city; 东港区总工会 (`donggang`) with 日照港工会 (`port`, holding 张三) and
/// 日照钢铁工会 (`steel`); 岚山区总工会 (`lanshan`) with 岚山港工会 (`lsport`).
struct Tree {
    app: TestApp,
    root: String,
    donggang: String,
    port: i64,
    port_token: String,
    steel: i64,
    steel_token: String,
    lanshan: String,
    lsport: i64,
    lsport_token: String,
    /// 张三's record in the port union.
    member: i64,
}

impl Tree {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let root = app.root_token().await;
        let chain = app.district_and_union(&root, "日照港工会", "port").await;
        let (steel, steel_token) = app
            .create_org(
                &chain.district_token,
                chain.district,
                "日照钢铁工会",
                "grassroots_union",
                "steel",
            )
            .await;
        let (lanshan_id, lanshan) = app
            .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
            .await;
        let (lsport, lsport_token) = app
            .create_org(
                &lanshan,
                lanshan_id,
                "岚山港工会",
                "grassroots_union",
                "lsport",
            )
            .await;
        let created = app
            .post(
                "/api/admin/members",
                &chain.union_token,
                json!({ "name": "张三", "id_number": ID, "phone": "13800000000", "joined_on": "2020-05-01" }),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        Self {
            member: created.body["id"].as_i64().expect("id"),
            app,
            root,
            donggang: chain.district_token,
            port: chain.union,
            port_token: chain.union_token,
            steel,
            steel_token,
            lanshan,
            lsport,
            lsport_token,
        }
    }

    async fn request(&self, token: &str, name: &str, id_number: &str) -> Resp {
        self.app
            .post(
                "/api/admin/transfer-requests",
                token,
                json!({ "name": name, "id_number": id_number, "reason": "工作调动" }),
            )
            .await
    }

    /// Files a request that must go in; its id.
    async fn requested(&self, token: &str) -> i64 {
        let resp = self.request(token, "张三", ID).await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
        resp.body["id"].as_i64().expect("id")
    }

    async fn list(&self, token: &str, direction: &str) -> Vec<Value> {
        let resp = self
            .app
            .get(
                &format!("/api/admin/transfer-requests?direction={direction}"),
                token,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
        assert_eq!(resp.body["page"], 1);
        resp.body["items"].as_array().expect("items").clone()
    }

    async fn approve(&self, token: &str, id: i64) -> Resp {
        self.app
            .post(
                &format!("/api/admin/transfer-requests/{id}/approve"),
                token,
                json!({}),
            )
            .await
    }

    async fn reject(&self, token: &str, id: i64, reason: &str) -> Resp {
        self.app
            .post(
                &format!("/api/admin/transfer-requests/{id}/reject"),
                token,
                json!({ "reason": reason }),
            )
            .await
    }

    /// The union where 张三 is active now.
    async fn active_in(&self) -> Vec<i64> {
        let hash = self.app.state.cipher.lookup_hash(ID);
        entity::member::Entity::find()
            .filter(entity::member::Column::IdNumberHash.eq(hash))
            .filter(entity::member::Column::Status.eq(entity::enums::MemberStatus::Active))
            .all(&self.app.state.db)
            .await
            .expect("members")
            .into_iter()
            .map(|m| m.org_id)
            .collect()
    }

    async fn audited(&self, action: &str) -> u64 {
        entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq(action))
            .count(&self.app.state.db)
            .await
            .expect("count")
    }
}

#[tokio::test]
async fn a_union_asks_for_a_member_held_elsewhere_and_the_holding_union_moves_them_with_history() {
    let t = Tree::new().await;
    // Entering the person names no union.
    let entered = t
        .app
        .post(
            "/api/admin/members",
            &t.steel_token,
            json!({ "name": "张三", "id_number": ID, "phone": "13800000009" }),
        )
        .await;
    assert_eq!(entered.code(), "MEMBER_ACTIVE_ELSEWHERE");
    assert_eq!(entered.message(), ACTIVE_ELSEWHERE);

    let filed = t
        .request(&t.steel_token, " 张三 ", &ID.to_lowercase())
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{:?}", filed.body);
    let id = filed.body["id"].as_i64().expect("id");
    assert_eq!(filed.body["status"], "pending");
    assert_eq!(filed.body["status_label"], "待审批");
    assert_eq!(filed.body["id_number"], "110***********002X");
    assert_eq!(filed.body["to_org"]["name"], "日照钢铁工会");
    // The requester is not told where the person is.
    assert_eq!(filed.body["from_org"], Value::Null);
    assert_eq!(filed.body["member_id"], Value::Null);
    assert!(
        !filed.body.to_string().contains("日照港工会"),
        "{}",
        filed.body
    );

    let incoming = t.list(&t.steel_token, "incoming").await;
    assert_eq!(incoming.len(), 1);
    assert_eq!(incoming[0]["from_org"], Value::Null);
    assert_eq!(incoming[0]["can_review"], false);
    assert!(t.list(&t.steel_token, "outgoing").await.is_empty());
    // The holding union sees who asks, for whom, and may decide.
    let outgoing = t.list(&t.port_token, "outgoing").await;
    assert_eq!(outgoing.len(), 1);
    assert_eq!(outgoing[0]["to_org"]["name"], "日照钢铁工会");
    assert_eq!(outgoing[0]["from_org"]["name"], "日照港工会");
    assert_eq!(outgoing[0]["member_id"], t.member);
    assert_eq!(outgoing[0]["name"], "张三");
    assert_eq!(outgoing[0]["id_number"], "110***********002X");
    assert_eq!(outgoing[0]["reason"], "工作调动");
    assert_eq!(outgoing[0]["can_review"], true);
    assert!(t.list(&t.port_token, "incoming").await.is_empty());

    let approved = t.approve(&t.port_token, id).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["can_review"], false);
    let new_id = approved.body["new_member_id"].as_i64().expect("new member");
    assert_eq!(t.active_in().await, [t.steel]);

    // Approved: now the requester may know where the member came from.
    let incoming = t.list(&t.steel_token, "incoming").await;
    assert_eq!(incoming[0]["status"], "approved");
    assert_eq!(incoming[0]["from_org"]["name"], "日照港工会");
    assert_eq!(incoming[0]["new_member_id"], new_id);

    // The member moved exactly as a transfer moves one: 转出 with history here, a new
    // active record there.
    let old = t
        .app
        .get(&format!("/api/admin/members/{}", t.member), &t.port_token)
        .await;
    assert_eq!(old.body["status"], "transferred_out");
    assert_eq!(old.body["status_reason"], "工作调动");
    assert_eq!(old.body["history"][1]["kind"], "transferred_out");
    assert_eq!(old.body["history"][1]["other_org_name"], "日照钢铁工会");
    let new = t
        .app
        .get(&format!("/api/admin/members/{new_id}"), &t.steel_token)
        .await;
    assert_eq!(new.status, StatusCode::OK, "{:?}", new.body);
    assert_eq!(new.body["status"], "active");
    assert_eq!(new.body["id_number_full"], ID);
    assert_eq!(new.body["history"][0]["kind"], "transferred_in");
    assert_eq!(new.body["history"][0]["other_org_name"], "日照港工会");

    // Every step is in the audit log; the request's entry names no holding union.
    assert_eq!(t.audited("create_transfer_request").await, 1);
    assert_eq!(t.audited("approve_transfer_request").await, 1);
    assert_eq!(t.audited("transfer_member").await, 1);
    let created = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("create_transfer_request"))
        .one(&t.app.state.db)
        .await
        .expect("read")
        .expect("entry");
    assert_eq!(created.org_id, Some(t.steel));
    let detail = created.detail.unwrap_or_default();
    assert!(detail.contains("110***********002X"), "{detail}");
    assert!(!detail.contains(&t.port.to_string()), "{detail}");

    // Decided once: a second approval is a state conflict.
    let again = t.approve(&t.port_token, id).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert_eq!(again.code(), "TRANSFER_REQUEST_NOT_PENDING");
}

#[tokio::test]
async fn only_the_holding_union_or_an_organisation_above_both_decides_and_a_rejection_is_final() {
    let t = Tree::new().await;
    let id = t.requested(&t.lsport_token).await;
    // One pending request per person.
    let second = t.request(&t.steel_token, "张三", ID).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{:?}", second.body);
    assert_eq!(second.code(), "TRANSFER_REQUEST_OPEN");

    // A sibling of the holding union sees nothing and cannot decide.
    assert!(t.list(&t.steel_token, "incoming").await.is_empty());
    assert!(t.list(&t.steel_token, "outgoing").await.is_empty());
    assert_eq!(
        t.approve(&t.steel_token, id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.reject(&t.steel_token, id, "不同意").await.status,
        StatusCode::NOT_FOUND
    );
    // The requester cannot approve its own request, nor can an organisation above only
    // one of the two unions.
    for token in [&t.lsport_token, &t.lanshan, &t.donggang] {
        let refused = t.approve(token, id).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        assert_eq!(refused.code(), "NOT_REVIEWER");
        let refused = t.reject(token, id, "不同意").await;
        assert_eq!(refused.code(), "NOT_REVIEWER");
    }
    // The district above the requester sees it as incoming, without the holder; the
    // district above the holder sees it as outgoing.
    let above_requester = t.list(&t.lanshan, "incoming").await;
    assert_eq!(above_requester.len(), 1);
    assert_eq!(above_requester[0]["from_org"], Value::Null);
    assert_eq!(above_requester[0]["can_review"], false);
    let above_holder = t.list(&t.donggang, "outgoing").await;
    assert_eq!(above_holder[0]["from_org"]["id"], t.port);
    assert_eq!(above_holder[0]["can_review"], false);

    let empty = t.reject(&t.port_token, id, "  ").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{:?}", empty.body);
    let rejected = t.reject(&t.port_token, id, "该会员未申请调动").await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    assert_eq!(rejected.body["status"], "rejected");
    let seen = t.list(&t.lsport_token, "incoming").await;
    assert_eq!(seen[0]["status_label"], "已驳回");
    assert_eq!(seen[0]["reject_reason"], "该会员未申请调动");
    assert_eq!(seen[0]["from_org"], Value::Null);
    // A rejected request cannot be approved afterwards; the member stays.
    let late = t.approve(&t.port_token, id).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{:?}", late.body);
    assert_eq!(late.code(), "TRANSFER_REQUEST_NOT_PENDING");
    assert_eq!(t.active_in().await, [t.port]);
    assert_eq!(t.audited("reject_transfer_request").await, 1);

    // A new request may follow; the city, above both unions, approves it.
    let id = t.requested(&t.lsport_token).await;
    let city = t.list(&t.root, "outgoing").await;
    assert_eq!(city[0]["id"], id);
    assert_eq!(city[0]["can_review"], true);
    let approved = t.approve(&t.root, id).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(t.active_in().await, [t.lsport]);
}

#[tokio::test]
async fn a_wrong_name_gets_the_same_answer_as_an_unknown_person_and_files_nothing() {
    let t = Tree::new().await;
    let wrong_name = t.request(&t.steel_token, "李四", ID).await;
    let unknown = t.request(&t.steel_token, "李四", UNKNOWN_ID).await;
    let unknown_right_name = t.request(&t.steel_token, "张三", UNKNOWN_ID).await;
    for resp in [&wrong_name, &unknown, &unknown_right_name] {
        assert_eq!(resp.status, StatusCode::CONFLICT, "{:?}", resp.body);
        assert_eq!(resp.code(), "NO_MATCHING_MEMBER");
    }
    assert_eq!(wrong_name.body, unknown.body);
    assert_eq!(unknown.body, unknown_right_name.body);
    assert!(t.list(&t.steel_token, "incoming").await.is_empty());
    assert!(t.list(&t.port_token, "outgoing").await.is_empty());
    assert_eq!(t.audited("transfer_request_no_match").await, 3);

    // The caller's own member, a federation, a malformed number.
    let own = t.request(&t.port_token, "张三", ID).await;
    assert_eq!(own.code(), "MEMBER_EXISTS");
    let federation = t.request(&t.donggang, "张三", ID).await;
    assert_eq!(federation.status, StatusCode::FORBIDDEN);
    assert_eq!(federation.code(), "NOT_A_UNION");
    let malformed = t
        .request(&t.steel_token, "张三", "11010519491231002Y")
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(
        malformed.message().contains("id_number"),
        "{}",
        malformed.message()
    );
    let no_direction = t
        .app
        .get("/api/admin/transfer-requests", &t.steel_token)
        .await;
    assert_eq!(no_direction.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn two_approvals_at_the_same_moment_move_the_member_once() {
    let t = Tree::new().await;
    let id = t.requested(&t.steel_token).await;
    let answers = join_all([t.approve(&t.port_token, id), t.approve(&t.root, id)]).await;
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{answers:?}"
    );
    let refused = answers
        .iter()
        .find(|a| a.status == StatusCode::CONFLICT)
        .expect("one refused");
    assert_eq!(refused.code(), "TRANSFER_REQUEST_NOT_PENDING");
    assert_eq!(t.active_in().await, [t.steel]);
    assert_eq!(t.audited("transfer_member").await, 1);
    let records = entity::member::Entity::find()
        .filter(entity::member::Column::IdNumberHash.eq(t.app.state.cipher.lookup_hash(ID)))
        .count(&t.app.state.db)
        .await
        .expect("count");
    assert_eq!(records, 2, "the old 转出 record and one new one");
}
