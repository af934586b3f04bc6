//! Settlement: the activity's settlement report (结算报表, a background task with a
//! 领取明细表 and a 结算汇总 sheet) and settlement statements per merchant and period
//! (结算单), which freeze when confirmed. Figures are hand-computed and read back from
//! the workbooks with calamine.

use chrono::Duration;
use entity::value::{mask_id_number, mask_phone};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use crate::claims::{activity, add_prize_and_open, direct_members, staff_login, staff_token};
use crate::helpers::{ADMIN_PASSWORD, Chain, Resp, TestApp};
use crate::merchants::{go_online, merchant_body};
use crate::sheets;

const PREVIEW_TITLE: &str = "预览（核销期未结束，数据可能变化）";
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A union (日照港工会) under a district (东港区总工会) with a sibling (日照钢铁工会);
/// merchants A (日照职工之家, 蛋糕 88.50), B (东港蛋糕店, 月饼 12.34) and C (港城超市,
/// granted A's 蛋糕); an open activity with both coupons as prizes (5 each); four
/// certified members who each claimed once (one 蛋糕 and one 月饼 each).
struct Scene {
    app: TestApp,
    district_token: String,
    union: i64,
    union_token: String,
    sibling_token: String,
    /// A, B, C
    merchants: [i64; 3],
    /// Staff tokens of A, B, C.
    staff: [String; 3],
    cake: i64,
    mooncake: i64,
    activity: i64,
    /// Per member (1..=4): (蛋糕 code, 月饼 code).
    codes: Vec<(String, String)>,
    /// Member app tokens (1..=4).
    members: Vec<String>,
}

async fn merchant(app: &TestApp, token: &str, name: &str, phone: &str, staff: &str) -> i64 {
    let mut body = merchant_body(name, phone);
    body["contact_name"] = json!(staff);
    let created = app.post("/api/admin/merchants", token, body).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let id = created.body["merchant"]["id"].as_i64().expect("id");
    go_online(app, token, id).await;
    id
}

async fn coupon(
    app: &TestApp,
    token: &str,
    merchant: i64,
    title: &str,
    amount_fen: i64,
    valid_for: Duration,
) -> i64 {
    let now = app.clock.now();
    let created = app
        .post(
            "/api/admin/coupons",
            token,
            json!({
                "merchant_id": merchant, "kind": "union_activity", "title": title,
                "name": title, "quantity": 10,
                "valid_from": (now - Duration::hours(1)).to_rfc3339(),
                "valid_to": (now + valid_for).to_rfc3339(),
                "amount_fen": amount_fen, "conditions": "凭券到店领取", "description": "中秋福利"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    let enabled = app
        .post(&format!("/api/admin/coupons/{id}/enable"), token, json!({}))
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{:?}", enabled.body);
    id
}

impl Scene {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let root = app.root_token().await;
        let Chain {
            district,
            district_token,
            union,
            union_token,
        } = app.district_and_union(&root, "日照港工会", "port").await;
        let (_, sibling_token) = app
            .create_org(
                &district_token,
                district,
                "日照钢铁工会",
                "grassroots_union",
                "steel",
            )
            .await;
        let a = merchant(&app, &union_token, "日照职工之家", "13700000001", "王店长").await;
        let b = merchant(&app, &union_token, "东港蛋糕店", "13700000002", "李师傅").await;
        let c = merchant(&app, &union_token, "港城超市", "13700000003", "赵收银").await;
        let cake = coupon(&app, &union_token, a, "中秋蛋糕券", 8850, Duration::days(5)).await;
        let mooncake = coupon(&app, &union_token, b, "月饼券", 1234, Duration::days(4)).await;
        let granted = app
            .post(
                &format!("/api/admin/coupons/{cake}/grants"),
                &union_token,
                json!({ "merchant_id": c }),
            )
            .await;
        assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);

        let activity = activity(
            &app,
            &union_token,
            &district_token,
            union,
            cake,
            5,
            json!({ "kind": "once" }),
            false,
            app.clock.now() + Duration::minutes(1),
            Some("prizes"),
        )
        .await;
        add_prize_and_open(&app, &union_token, &district_token, activity, mooncake, 5).await;

        let members = direct_members(&app, &union_token, 1, 4).await;
        let mut codes = Vec::new();
        for token in &members {
            let claimed = app
                .post(
                    &format!("/api/app/activities/{activity}/claims"),
                    token,
                    json!({}),
                )
                .await;
            assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
            let code_of = |coupon: i64| {
                claimed.body["vouchers"]
                    .as_array()
                    .expect("vouchers")
                    .iter()
                    .find(|v| v["coupon"]["id"] == coupon)
                    .and_then(|v| v["code"].as_str())
                    .expect("a voucher of the coupon")
                    .to_owned()
            };
            codes.push((code_of(cake), code_of(mooncake)));
        }
        let staff = [
            staff_token(&app, "13700000001").await,
            staff_token(&app, "13700000002").await,
            staff_token(&app, "13700000003").await,
        ];
        Self {
            app,
            district_token,
            union,
            union_token,
            sibling_token,
            merchants: [a, b, c],
            staff,
            cake,
            mooncake,
            activity,
            codes,
            members,
        }
    }

    /// Redeems `code` with the staff of merchant `m` (0 = A, 1 = B, 2 = C).
    async fn redeem(&self, m: usize, code: &str) {
        let done = self
            .app
            .post(
                "/api/merchant/redemptions",
                &self.staff[m],
                json!({ "code": code }),
            )
            .await;
        assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    }

    fn report_path(&self) -> String {
        format!("/api/admin/activities/{}/settlement-reports", self.activity)
    }

    /// Submits a report and waits for it; the task body.
    async fn report(&self, token: &str, body: Value) -> Value {
        let submitted = self.app.post(&self.report_path(), token, body).await;
        assert_eq!(
            submitted.status,
            StatusCode::ACCEPTED,
            "{:?}",
            submitted.body
        );
        assert_eq!(submitted.body["status"], "pending");
        let id = submitted.body["task_id"].as_i64().expect("task id");
        let task = self.app.wait_for_task(token, id, DEADLINE).await;
        assert_eq!(task["status"], "succeeded", "{task}");
        assert_eq!(task["kind"], "settlement_report");
        assert_eq!(task["kind_label"], "结算报表");
        assert_eq!(task["has_result"], true);
        task
    }

    async fn workbook(&self, token: &str, task_id: i64) -> Vec<(String, Vec<Vec<String>>)> {
        let (status, content_type, disposition, bytes) = self
            .app
            .download(&format!("/api/admin/tasks/{task_id}/result"), token)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.contains("spreadsheetml"), "{content_type}");
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        sheets::read(&bytes)
    }

    async fn login(&self, username: &str) -> String {
        let login = self.app.admin_login(username, ADMIN_PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        login.body["token"].as_str().expect("token").to_owned()
    }

    /// Moves the clock one day on and logs everyone in again (sessions last 12 hours).
    async fn next_day(&mut self) {
        self.app.clock.advance(Duration::days(1));
        self.union_token = self.login("port").await;
        self.district_token = self.login("donggang").await;
        self.sibling_token = self.login("steel").await;
        for (i, phone) in ["13700000001", "13700000002", "13700000003"]
            .into_iter()
            .enumerate()
        {
            self.staff[i] = staff_login(&self.app, phone).await;
        }
    }

    async fn sweep(&self) -> jobs::expiry::Swept {
        let ctx = self.app.job_context();
        jobs::expiry::run(&ctx).await.expect("sweep")
    }
}

/// The value beside `label` in a sheet's header block.
fn header_value<'a>(rows: &'a [Vec<String>], label: &str) -> &'a str {
    rows.iter()
        .find(|r| r[0] == label)
        .map(|r| r[1].as_str())
        .unwrap_or_else(|| panic!("no header line {label}"))
}

/// The table below the row whose first cell is `first_header`, up to the end.
fn table<'a>(rows: &'a [Vec<String>], first_header: &str) -> (&'a [String], &'a [Vec<String>]) {
    let at = rows
        .iter()
        .position(|r| r[0] == first_header)
        .unwrap_or_else(|| panic!("no table starting with {first_header}"));
    (&rows[at], &rows[at + 1..])
}

/// The sheet without its 生成时间 line and its verification lines (each generation is
/// a document of its own), for comparing two generations.
fn without_generation_time(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .filter(|r| !["生成时间", "验证码", "核验方式"].contains(&r[0].as_str()))
        .cloned()
        .collect()
}

async fn report_tasks(app: &TestApp) -> u64 {
    entity::task::Entity::find()
        .filter(entity::task::Column::Kind.eq(entity::enums::TaskKind::SettlementReport))
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_settlement_report_has_every_claimed_voucher_and_exact_per_merchant_amounts() {
    let s = Scene::new().await;
    // A redeems members 1 and 2's cakes, C (granted) member 3's; B redeems the
    // mooncakes of members 1–3. Member 4 redeems nothing.
    s.redeem(0, &s.codes[0].0).await;
    s.redeem(0, &s.codes[1].0).await;
    s.redeem(2, &s.codes[2].0).await;
    for m in 0..3 {
        s.redeem(1, &s.codes[m].1).await;
    }

    // Before the window ends only a preview is given, and it says so.
    let early = s
        .app
        .post(&s.report_path(), &s.union_token, json!({}))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{:?}", early.body);
    assert_eq!(early.code(), "SETTLEMENT_NOT_DUE");
    assert!(
        early.message().contains("核销期未结束"),
        "{}",
        early.message()
    );
    let preview = s.report(&s.union_token, json!({ "preview": true })).await;
    assert_eq!(preview["file_name"], "预览-结算报表-中秋节福利发放.xlsx");
    let book = s
        .workbook(&s.union_token, preview["id"].as_i64().expect("id"))
        .await;
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["领取明细表", "结算汇总"]);
    for (_, rows) in &book {
        assert_eq!(rows[0][0], PREVIEW_TITLE);
    }
    let detail = sheets::sheet(&book, "领取明细表");
    let (_, rows) = table(detail, "序号");
    let unused = rows.iter().filter(|r| r[9] == "未使用").count();
    assert_eq!(unused, 2, "{rows:?}");

    // A sibling union sees neither the activity nor the report; nothing is queued for it.
    let tasks_before = report_tasks(&s.app).await;
    let refused = s
        .app
        .post(
            &s.report_path(),
            &s.sibling_token,
            json!({ "preview": true }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{:?}", refused.body);
    assert_eq!(refused.code(), "NOT_FOUND");
    assert_eq!(report_tasks(&s.app).await, tasks_before);
    let preview_id = preview["id"].as_i64().expect("id");
    for path in [
        format!("/api/admin/tasks/{preview_id}"),
        format!("/api/admin/tasks/{preview_id}/result"),
    ] {
        let (status, _, _, _) = s.app.download(&path, &s.sibling_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // After the redemption window (coupons end in 5 days, the activity in 3), with the
    // sweep run, the final report: two expired vouchers and exact amounts.
    s.app.clock.advance(Duration::days(6));
    let swept = s.sweep().await;
    assert_eq!(swept.vouchers_expired, 2);
    let union_token = s.login("port").await;
    let final_task = s.report(&union_token, json!({})).await;
    assert_eq!(final_task["file_name"], "结算报表-中秋节福利发放.xlsx");
    assert_eq!(final_task["total"], 8);
    let final_id = final_task["id"].as_i64().expect("id");
    let book = s.workbook(&union_token, final_id).await;
    let detail = sheets::sheet(&book, "领取明细表");
    assert_eq!(detail[0][0], "领取明细表");
    assert!(book.iter().all(|(_, rows)| rows[0][0] != PREVIEW_TITLE));
    assert_eq!(header_value(detail, "工会"), "日照港工会");
    assert_eq!(header_value(detail, "活动"), "中秋节福利发放");
    assert_eq!(header_value(detail, "生成人"), "port（日照港工会）");
    assert!(header_value(detail, "核销期").contains(" 至 "));
    assert_eq!(header_value(detail, "生成时间").len(), 19);

    let (headers, rows) = table(detail, "序号");
    assert_eq!(
        headers,
        [
            "序号",
            "券码",
            "会员姓名",
            "证件号码（脱敏）",
            "手机号码（脱敏）",
            "所在单位",
            "优惠券",
            "面值（元）",
            "领取时间",
            "状态",
            "核销时间",
            "核销商家",
            "核销员"
        ]
    );
    assert_eq!(rows.len(), 8);
    let seqs: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(seqs, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    // (code, member, coupon, value, status, merchant, staff) per voucher.
    let mut expected: Vec<[String; 7]> = Vec::new();
    let redeemer = |m: usize, cake: bool| -> (&str, &str, &str) {
        match (m, cake) {
            (0 | 1, true) => ("已核销", "日照职工之家", "王店长"),
            (2, true) => ("已核销", "港城超市", "赵收银"),
            (0..=2, false) => ("已核销", "东港蛋糕店", "李师傅"),
            _ => ("已过期", "", ""),
        }
    };
    for (m, (cake, mooncake)) in s.codes.iter().enumerate() {
        for (code, is_cake) in [(cake, true), (mooncake, false)] {
            let (status, merchant, staff) = redeemer(m, is_cake);
            expected.push([
                code.clone(),
                format!("会员{}", m + 1),
                if is_cake {
                    "中秋蛋糕券"
                } else {
                    "月饼券"
                }
                .to_owned(),
                if is_cake { "88.5" } else { "12.34" }.to_owned(),
                status.to_owned(),
                merchant.to_owned(),
                staff.to_owned(),
            ]);
        }
    }
    let mut got: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r[1].clone(),
                r[2].clone(),
                r[6].clone(),
                r[7].clone(),
                r[9].clone(),
                r[11].clone(),
                r[12].clone(),
            ]
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for r in rows {
        let n: u32 = r[2].trim_start_matches("会员").parse().expect("member no");
        assert_eq!(r[3], mask_id_number(&sheets::id_number(n)));
        assert_eq!(r[4], mask_phone(&format!("139{n:08}")));
        assert_eq!(r[8].len(), 19, "claimed at: {r:?}");
        assert_eq!(r[10].is_empty(), r[9] != "已核销", "{r:?}");
    }

    let summary = sheets::sheet(&book, "结算汇总");
    assert_eq!(
        header_value(summary, "券数统计"),
        "领取8张，已核销6张，已过期2张，未使用0张"
    );
    let (headers, rows) = table(summary, "核销商家");
    assert_eq!(
        headers,
        [
            "核销商家",
            "优惠券",
            "核销数量（张）",
            "面值（元）",
            "金额（元）"
        ]
    );
    assert_eq!(
        rows,
        [
            ["日照职工之家", "中秋蛋糕券", "2", "88.5", "177"],
            ["东港蛋糕店", "月饼券", "3", "12.34", "37.02"],
            ["港城超市", "中秋蛋糕券", "1", "88.5", "88.5"],
            ["合计", "", "6", "", "302.52"],
        ]
    );

    // Reproducible: the same data gives the same workbook, generation time aside.
    let again = s.report(&union_token, json!({})).await;
    let again = s
        .workbook(&union_token, again["id"].as_i64().expect("id"))
        .await;
    for (name, rows) in &book {
        assert_eq!(
            without_generation_time(rows),
            without_generation_time(sheets::sheet(&again, name)),
            "{name}"
        );
    }

    // The district above may generate (its own task) and read the union's; the
    // sibling still may not.
    let district = s.login("donggang").await;
    let theirs = s.report(&district, json!({})).await;
    let book = s
        .workbook(&district, theirs["id"].as_i64().expect("id"))
        .await;
    assert_eq!(
        header_value(sheets::sheet(&book, "领取明细表"), "生成人"),
        "donggang（东港区总工会）"
    );
    let (status, _, _, _) = s
        .app
        .download(&format!("/api/admin/tasks/{final_id}/result"), &district)
        .await;
    assert_eq!(status, StatusCode::OK);
    let sibling = s.login("steel").await;
    let refused = s.app.post(&s.report_path(), &sibling, json!({})).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let union_view = s
        .app
        .get(&format!("/api/admin/tasks/{}", theirs["id"]), &union_token)
        .await;
    assert_eq!(union_view.status, StatusCode::NOT_FOUND);

    // Every generation is in the audit log.
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("generate_settlement_report"))
        .count(&s.app.state.db)
        .await
        .expect("count");
    assert_eq!(audited, 4);
    let _ = (s.union, &s.district_token, s.merchants, s.cake, s.mooncake);
}

fn statements_path() -> &'static str {
    "/api/admin/settlement-statements"
}

async fn statement_count(app: &TestApp) -> u64 {
    entity::settlement_statement::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

async fn line_count(app: &TestApp) -> u64 {
    entity::settlement_statement_line::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

fn created(resp: &Resp) -> i64 {
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.body);
    resp.body["id"].as_i64().expect("id")
}

/// Edits a coupon through the API: reads it, applies `change`, sends it back.
async fn edit_coupon(app: &TestApp, token: &str, id: i64, change: impl FnOnce(&mut Value)) {
    let path = format!("/api/admin/coupons/{id}");
    let read = app.get(&path, token).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let mut body = json!({});
    for key in [
        "version",
        "kind",
        "title",
        "name",
        "quantity",
        "valid_from",
        "valid_to",
        "amount_fen",
        "conditions",
        "description",
    ] {
        body[key] = read.body[key].clone();
    }
    change(&mut body);
    let edited = app.put(&path, token, body).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
}

/// Renames a merchant through the API (its phone and contact unchanged).
async fn rename_merchant(
    app: &TestApp,
    token: &str,
    id: i64,
    name: &str,
    phone: &str,
    contact: &str,
) {
    let path = format!("/api/admin/merchants/{id}");
    let read = app.get(&path, token).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let mut body = merchant_body(name, phone);
    body["contact_name"] = json!(contact);
    body["version"] = read.body["version"].clone();
    let edited = app.put(&path, token, body).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["name"], name);
}

async fn confirm_audits(app: &TestApp) -> u64 {
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("confirm_settlement_statement"))
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_preview_report_masks_the_codes_of_unused_vouchers_and_shows_spent_ones_in_full() {
    let s = Scene::new().await;
    // Members 1 and 2 redeem their cakes; the other six vouchers stay unused.
    s.redeem(0, &s.codes[0].0).await;
    s.redeem(0, &s.codes[1].0).await;
    let preview = s.report(&s.union_token, json!({ "preview": true })).await;
    let book = s
        .workbook(&s.union_token, preview["id"].as_i64().expect("id"))
        .await;
    let detail = sheets::sheet(&book, "领取明细表");
    assert_eq!(detail[0][0], PREVIEW_TITLE);
    let (_, rows) = table(detail, "序号");
    assert_eq!(rows.len(), 8);
    let redeemed = [s.codes[0].0.as_str(), s.codes[1].0.as_str()];
    for r in rows {
        let (code, status) = (&r[1], &r[9]);
        if status == "已核销" {
            assert!(redeemed.contains(&code.as_str()), "{r:?}");
        } else {
            assert_eq!(status, "未使用", "{r:?}");
            assert_eq!(code.len(), 24, "{r:?}");
            assert_eq!(&code[..20], "*".repeat(20), "{r:?}");
        }
    }
    assert_eq!(rows.iter().filter(|r| r[9] == "已核销").count(), 2);
    // Each unused voucher is listed by its last four characters only, and its full
    // code is nowhere in the workbook.
    let cells: Vec<&String> = book
        .iter()
        .flat_map(|(_, rows)| rows.iter().flatten())
        .collect();
    for (m, (cake, mooncake)) in s.codes.iter().enumerate() {
        let unused = if m < 2 {
            vec![mooncake]
        } else {
            vec![cake, mooncake]
        };
        for code in unused {
            assert!(
                !cells.iter().any(|c| c.contains(code.as_str())),
                "{code} is readable"
            );
            let tail = &code[20..];
            assert!(
                rows.iter()
                    .any(|r| r[1] == format!("{}{tail}", "*".repeat(20))),
                "{code} is not listed masked"
            );
        }
    }
    // Once the window is over, unused vouchers are expired and listed in full (the
    // final report of the main settlement test checks every code).
    s.app.clock.advance(Duration::days(6));
    let union_token = s.login("port").await;
    let final_task = s.report(&union_token, json!({})).await;
    let book = s
        .workbook(&union_token, final_task["id"].as_i64().expect("id"))
        .await;
    let (_, rows) = table(sheets::sheet(&book, "领取明细表"), "序号");
    assert!(rows.iter().all(|r| !r[1].contains('*')), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r[9] == "已过期").count(), 6);
}

#[tokio::test]
async fn a_statement_is_confirmed_only_after_its_period_and_a_refusal_writes_nothing() {
    let mut s = Scene::new().await;
    let b = s.merchants[1];
    s.redeem(1, &s.codes[0].1).await;
    let day = s.app.clock.today();

    // A period ending today and one ending in two days: drafts with live figures, but
    // neither may be confirmed yet.
    let mut ids = Vec::new();
    for (from, to) in [
        (day - Duration::days(1), day),
        (day, day + Duration::days(2)),
    ] {
        let draft = s
            .app
            .post(
                statements_path(),
                &s.union_token,
                json!({ "merchant_id": b, "from": from, "to": to }),
            )
            .await;
        let id = created(&draft);
        assert_eq!(draft.body["period_ended"], false);
        assert_eq!(draft.body["voucher_count"], 1);
        assert_eq!(draft.body["amount_fen"], 1234);
        let refused = s
            .app
            .post(
                &format!("{}/{id}/confirm", statements_path()),
                &s.union_token,
                json!({}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
        assert_eq!(refused.code(), "PERIOD_NOT_ENDED");
        let from_day = (to + Duration::days(1)).to_string();
        assert_eq!(
            refused.message(),
            format!("结算期间尚未结束（至{to}），期间内仍可能有券核销，{from_day}起方可确认结算单")
        );
        assert_eq!(refused.body["details"]["confirmable_from"], from_day);
        let still = s
            .app
            .get(&format!("{}/{id}", statements_path()), &s.union_token)
            .await;
        assert_eq!(still.body["status"], "draft");
        assert_eq!(still.body["version"], draft.body["version"]);
        assert!(still.body["confirmed_at"].is_null());
        assert!(still.body["confirmed_by"].is_null());
        ids.push(id);
    }
    assert_eq!(line_count(&s.app).await, 0);
    assert_eq!(confirm_audits(&s.app).await, 0);

    // The next day the first period is over and confirms; the second still runs (and
    // that is said before its overlap with the first).
    s.next_day().await;
    let confirmed = s
        .app
        .post(
            &format!("{}/{}/confirm", statements_path(), ids[0]),
            &s.union_token,
            json!({}),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(confirmed.body["period_ended"], true);
    assert_eq!(confirmed.body["voucher_count"], 1);
    let running = s
        .app
        .post(
            &format!("{}/{}/confirm", statements_path(), ids[1]),
            &s.union_token,
            json!({}),
        )
        .await;
    assert_eq!(running.code(), "PERIOD_NOT_ENDED", "{:?}", running.body);
    assert_eq!(line_count(&s.app).await, 1);
    assert_eq!(confirm_audits(&s.app).await, 1);
}

#[tokio::test]
async fn a_confirmed_statement_stays_frozen_and_a_voucher_is_settled_only_once() {
    let mut s = Scene::new().await;
    let [a, b, _] = s.merchants;
    s.redeem(1, &s.codes[0].1).await;
    s.redeem(1, &s.codes[1].1).await;
    // d0: the first redemptions; the clock then moves on a day at a time.
    let d0 = s.app.clock.today();
    let day = |n: i64| (d0 + Duration::days(n)).to_string();

    // Bad input is refused in Chinese and writes nothing.
    let backwards = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": day(1), "to": day(0) }),
        )
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert_eq!(backwards.code(), "VALIDATION");
    assert!(
        backwards.message().contains("开始日期"),
        "{:?}",
        backwards.body
    );
    let unknown = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": 999_999, "from": day(0), "to": day(0) }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.message(), "商家不存在");
    let steel_shop = merchant(
        &s.app,
        &s.sibling_token,
        "钢城商店",
        "13700000009",
        "钱老板",
    )
    .await;
    let elsewhere = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": steel_shop, "from": day(0), "to": day(0) }),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let malformed = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": "2026-13-01", "to": day(0) }),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(statement_count(&s.app).await, 0);

    // A draft for the running day shows live figures.
    let draft = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": day(0), "to": day(0) }),
        )
        .await;
    let first = created(&draft);
    let body = &draft.body;
    assert_eq!(body["status"], "draft");
    assert_eq!(body["status_label"], "草稿");
    assert_eq!(body["org_name"], "日照港工会");
    assert_eq!(body["merchant_name"], "东港蛋糕店");
    assert_eq!(body["voucher_count"], 2);
    assert_eq!(body["amount_fen"], 2468);
    assert_eq!(body["period_ended"], false);
    assert_eq!(body["already_settled_count"], 0);
    assert_eq!(
        body["by_coupon"],
        json!([{ "coupon_id": s.mooncake, "coupon_title": "月饼券", "face_value_fen": 1234,
                 "voucher_count": 2, "amount_fen": 2468 }])
    );
    let path = format!("{}/{first}", statements_path());

    // Who may do what: the sibling sees nothing, the district reads but cannot confirm.
    for (method, p) in [
        (Method::GET, path.clone()),
        (Method::GET, format!("{path}/export")),
        (Method::POST, format!("{path}/confirm")),
        (Method::DELETE, path.clone()),
    ] {
        let r = s
            .app
            .request(method.clone(), &p, Some(&s.sibling_token), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {p}");
    }
    let listed = s.app.get(statements_path(), &s.sibling_token).await;
    assert_eq!(listed.body["total"], 0, "{:?}", listed.body);
    let read = s.app.get(&path, &s.district_token).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let not_theirs = s
        .app
        .post(&format!("{path}/confirm"), &s.district_token, json!({}))
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(not_theirs.code(), "NOT_OWNER");

    // d1: the day is over, and 结算确认 freezes it.
    s.next_day().await;
    let confirmed = s
        .app
        .post(&format!("{path}/confirm"), &s.union_token, json!({}))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(confirmed.body["period_ended"], true);
    assert_eq!(confirmed.body["voucher_count"], 2);
    assert_eq!(confirmed.body["amount_fen"], 2468);
    assert_eq!(confirmed.body["confirmed_by_name"], "port");
    assert!(confirmed.body["confirmed_at"].is_string());
    assert_eq!(line_count(&s.app).await, 2);
    let (status, content_type, disposition, bytes) = s
        .app
        .download(&format!("{path}/export"), &s.union_token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    let before = sheets::read(&bytes);
    let sheet = sheets::sheet(&before, "结算单");
    assert_eq!(sheet[0][0], "结算单");
    assert_eq!(header_value(sheet, "付款工会"), "日照港工会");
    assert_eq!(header_value(sheet, "结算商家"), "东港蛋糕店");
    assert_eq!(
        header_value(sheet, "结算期间"),
        format!("{} 至 {}", day(0), day(0))
    );
    assert_eq!(header_value(sheet, "状态"), "已确认");
    let (_, rows) = table(sheet, "优惠券");
    assert_eq!(
        rows,
        [
            ["月饼券", "12.34", "2", "24.68"],
            ["合计", "", "2", "24.68"]
        ]
    );
    let lines = sheets::sheet(&before, "结算明细");
    let mut codes: Vec<&str> = lines[1..].iter().map(|r| r[1].as_str()).collect();
    codes.sort();
    let mut expected = vec![s.codes[0].1.as_str(), s.codes[1].1.as_str()];
    expected.sort();
    assert_eq!(codes, expected);
    assert!(lines[1..].iter().all(|r| r[3] == "月饼券"
        && r[4] == "12.34"
        && r[6] == "李师傅"
        && r[7] == "会**"
        && r[8].starts_with("139****")));

    // Everything a live computation reads changes: the coupon's face value and title,
    // the merchant's name, and B redeems another 月饼券 on d1. Neither the confirmed
    // figures nor its workbook move.
    edit_coupon(&s.app, &s.union_token, s.mooncake, |c| {
        c["title"] = json!("月饼券（新版）");
        c["amount_fen"] = json!(2000);
    })
    .await;
    rename_merchant(
        &s.app,
        &s.union_token,
        b,
        "东港蛋糕店（新址）",
        "13700000002",
        "李师傅",
    )
    .await;
    s.redeem(1, &s.codes[2].1).await;
    let after = s.app.get(&path, &s.union_token).await;
    assert_eq!(after.body["merchant_name"], "东港蛋糕店");
    assert_eq!(after.body["voucher_count"], 2);
    assert_eq!(after.body["amount_fen"], 2468);
    assert_eq!(after.body["by_coupon"], confirmed.body["by_coupon"]);
    assert_eq!(after.body["version"], confirmed.body["version"]);
    let (_, _, _, bytes) = s
        .app
        .download(&format!("{path}/export"), &s.union_token)
        .await;
    assert_eq!(sheets::read(&bytes), before);
    let again = s
        .app
        .post(&format!("{path}/confirm"), &s.union_token, json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "ALREADY_CONFIRMED");
    let delete = s
        .app
        .request(Method::DELETE, &path, Some(&s.union_token), None)
        .await;
    assert_eq!(delete.status, StatusCode::CONFLICT);

    // A draft over d0–d1 sees the new names, three vouchers at the face value they were
    // issued with (not the edited 20.00), two already settled. It cannot be confirmed
    // while d1 runs, nor on d2, when it would settle two vouchers again; nothing is
    // written either time.
    let overlap = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": day(0), "to": day(1) }),
        )
        .await;
    let second = created(&overlap);
    assert_eq!(overlap.body["merchant_name"], "东港蛋糕店（新址）");
    assert_eq!(overlap.body["voucher_count"], 3);
    assert_eq!(overlap.body["amount_fen"], 3702);
    assert_eq!(overlap.body["already_settled_count"], 2);
    assert_eq!(
        overlap.body["by_coupon"],
        json!([{ "coupon_id": s.mooncake, "coupon_title": "月饼券（新版）", "face_value_fen": 1234,
                 "voucher_count": 3, "amount_fen": 3702 }])
    );
    let confirm_second = format!("{}/{second}/confirm", statements_path());
    let early = s.app.post(&confirm_second, &s.union_token, json!({})).await;
    assert_eq!(early.code(), "PERIOD_NOT_ENDED", "{:?}", early.body);
    s.next_day().await;
    let refused = s.app.post(&confirm_second, &s.union_token, json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(refused.code(), "ALREADY_SETTLED");
    assert!(
        refused.message().contains("不能重复结算"),
        "{:?}",
        refused.body
    );
    assert_eq!(refused.body["details"]["statement_ids"], json!([first]));
    let still = s
        .app
        .get(&format!("{}/{second}", statements_path()), &s.union_token)
        .await;
    assert_eq!(still.body["status"], "draft");
    assert_eq!(line_count(&s.app).await, 2);
    let removed = s
        .app
        .request(
            Method::DELETE,
            &format!("{}/{second}", statements_path()),
            Some(&s.union_token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);

    // d1 alone settles the voucher redeemed that day, at its issued face value.
    let later = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": day(1), "to": day(1) }),
        )
        .await;
    let later = created(&later);
    let settled = s
        .app
        .post(
            &format!("{}/{later}/confirm", statements_path()),
            &s.union_token,
            json!({}),
        )
        .await;
    assert_eq!(settled.status, StatusCode::OK, "{:?}", settled.body);
    assert_eq!(settled.body["merchant_name"], "东港蛋糕店（新址）");
    assert_eq!(
        settled.body["by_coupon"],
        json!([{ "coupon_id": s.mooncake, "coupon_title": "月饼券（新版）", "face_value_fen": 1234,
                 "voucher_count": 1, "amount_fen": 1234 }])
    );
    assert_eq!(line_count(&s.app).await, 3);

    // A period without redemptions has nothing to confirm.
    let empty = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": day(-1), "to": day(-1) }),
        )
        .await;
    let empty = created(&empty);
    let nothing = s
        .app
        .post(
            &format!("{}/{empty}/confirm", statements_path()),
            &s.union_token,
            json!({}),
        )
        .await;
    assert_eq!(nothing.code(), "NOTHING_TO_SETTLE");

    // Two statements covering the same vouchers confirmed at the same moment (on d3,
    // for A's redemptions of d2): the database lets exactly one through.
    s.redeem(0, &s.codes[0].0).await;
    s.redeem(0, &s.codes[1].0).await;
    let mut racing = Vec::new();
    for _ in 0..2 {
        let r = s
            .app
            .post(
                statements_path(),
                &s.union_token,
                json!({ "merchant_id": a, "from": day(2), "to": day(2) }),
            )
            .await;
        racing.push(created(&r));
    }
    s.next_day().await;
    let paths: Vec<String> = racing
        .iter()
        .map(|id| format!("{}/{id}/confirm", statements_path()))
        .collect();
    let results = join_all(
        paths
            .iter()
            .map(|p| s.app.post(p, &s.union_token, json!({}))),
    )
    .await;
    let ok: Vec<&Resp> = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    assert_eq!(ok[0].body["amount_fen"], 17700);
    let lost = results
        .iter()
        .find(|r| r.status != StatusCode::OK)
        .expect("one refused");
    assert_eq!(lost.code(), "ALREADY_SETTLED", "{:?}", lost.body);
    assert_eq!(line_count(&s.app).await, 5);

    let union_list = s
        .app
        .get(
            &format!("{}?status=confirmed", statements_path()),
            &s.union_token,
        )
        .await;
    assert_eq!(union_list.body["total"], 3, "{:?}", union_list.body);
    let district_list = s.app.get(statements_path(), &s.district_token).await;
    assert_eq!(district_list.body["total"], 5, "{:?}", district_list.body);
    let _ = (s.union, s.cake);
}

#[tokio::test]
async fn an_amount_edit_after_issue_changes_no_issued_voucher() {
    let s = Scene::new().await;
    // A redeems member 1's cake before the edit, C (granted) member 2's after it.
    s.redeem(0, &s.codes[0].0).await;
    // Allowed while the coupon is in an open activity: it applies to vouchers issued later.
    edit_coupon(&s.app, &s.union_token, s.cake, |c| {
        c["amount_fen"] = json!(9999);
    })
    .await;
    let coupon = s
        .app
        .get(&format!("/api/admin/coupons/{}", s.cake), &s.union_token)
        .await;
    assert_eq!(coupon.body["amount_fen"], 9999);

    // Merchant side: the scan, the redemption and the history keep 88.50.
    let scanned = s
        .app
        .get(
            &format!("/api/merchant/vouchers/{}", s.codes[1].0),
            &s.staff[2],
        )
        .await;
    assert_eq!(scanned.status, StatusCode::OK, "{:?}", scanned.body);
    assert_eq!(scanned.body["coupon"]["amount_fen"], 8850);
    let done = s
        .app
        .post(
            "/api/merchant/redemptions",
            &s.staff[2],
            json!({ "code": s.codes[1].0 }),
        )
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["amount_fen"], 8850);
    for staff in [&s.staff[0], &s.staff[2]] {
        let history = s.app.get("/api/merchant/redemptions", staff).await;
        assert_eq!(history.body["total"], 1, "{:?}", history.body);
        assert_eq!(history.body["total_amount_fen"], 8850);
        assert_eq!(history.body["items"][0]["amount_fen"], 8850);
    }

    // Member side: the voucher shows the face value it was issued with.
    let mine = s.app.get("/api/app/vouchers", &s.members[2]).await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.body);
    let cake = mine.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["coupon"]["id"] == s.cake)
        .expect("the cake voucher");
    assert_eq!(cake["amount_fen"], 8850);
    assert_eq!(cake["coupon"]["amount_fen"], 8850);
    // The open activity shows members the value its vouchers carry, not the edited one
    // (after the server's 2-second activity copy has expired, so an edit could show).
    s.app.clock.advance(Duration::milliseconds(2_100));
    let shown = s
        .app
        .get(
            &format!("/api/app/activities/{}", s.activity),
            &s.members[3],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{:?}", shown.body);
    let cake_prize = shown.body["prizes"]
        .as_array()
        .expect("prizes")
        .iter()
        .find(|p| p["coupon"]["id"] == s.cake)
        .expect("the cake prize");
    assert_eq!(cake_prize["coupon"]["amount_fen"], 8850, "{cake_prize}");

    // The dashboard: two cakes redeemed, 177.00.
    let stats = s.app.get("/api/admin/stats", &s.union_token).await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    let own = &stats.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["name"] == "日照港工会")
        .expect("the union's line")["own"];
    assert_eq!(own["vouchers_redeemed"], 2);
    assert_eq!(own["redeemed_amount_fen"], 17700);

    // The settlement report: every cake at 88.50, in the detail and the summary.
    let task = s.report(&s.union_token, json!({ "preview": true })).await;
    let book = s
        .workbook(&s.union_token, task["id"].as_i64().expect("id"))
        .await;
    let (_, rows) = table(sheets::sheet(&book, "领取明细表"), "序号");
    let cakes: Vec<&str> = rows
        .iter()
        .filter(|r| r[6] == "中秋蛋糕券")
        .map(|r| r[7].as_str())
        .collect();
    assert_eq!(cakes, ["88.5"; 4]);
    let (_, rows) = table(sheets::sheet(&book, "结算汇总"), "核销商家");
    assert_eq!(
        rows,
        [
            ["日照职工之家", "中秋蛋糕券", "1", "88.5", "88.5"],
            ["港城超市", "中秋蛋糕券", "1", "88.5", "88.5"],
            ["合计", "", "2", "", "177"],
        ]
    );

    // A draft statement with A: 88.50.
    let today = s.app.clock.today();
    let draft = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": s.merchants[0], "from": today, "to": today }),
        )
        .await;
    created(&draft);
    assert_eq!(draft.body["amount_fen"], 8850);
    assert_eq!(draft.body["by_coupon"][0]["face_value_fen"], 8850);

    // An activity opened after the edit issues its vouchers at the new amount; the first
    // activity's keep theirs.
    let second = activity(
        &s.app,
        &s.union_token,
        &s.district_token,
        s.union,
        s.cake,
        5,
        json!({ "kind": "once" }),
        false,
        s.app.clock.now() + Duration::minutes(1),
        Some("open"),
    )
    .await;
    for (activity, amount) in [(second, 9999), (s.activity, 8850)] {
        let amounts: Vec<i64> = entity::voucher::Entity::find()
            .select_only()
            .column(entity::voucher::Column::AmountFen)
            .filter(entity::voucher::Column::ActivityId.eq(activity))
            .filter(entity::voucher::Column::CouponId.eq(s.cake))
            .into_tuple()
            .all(&s.app.state.db)
            .await
            .expect("amounts");
        assert_eq!(amounts, [amount; 5], "activity {activity}");
    }
}

// ---- Verifiable settlement sheets (防篡改) ----

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `GET /api/verify/{code}` without a token.
async fn verify(app: &TestApp, code: &str) -> Resp {
    app.request(Method::GET, &format!("/api/verify/{code}"), None, None)
        .await
}

/// Whether the workbook holds a picture (the verification QR code).
fn has_image(bytes: &[u8]) -> bool {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    zip.file_names()
        .flatten()
        .any(|n| n.starts_with("xl/media/") && n.ends_with(".png"))
}

/// The same workbook written anew with one cell changed, as someone editing the copy
/// would produce it.
fn with_one_cell_changed(
    bytes: &[u8],
    sheet: &str,
    row: usize,
    col: usize,
    value: &str,
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets::read(bytes) {
        let ws = book.add_worksheet();
        ws.set_name(&name).expect("name");
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let cell = if name == sheet && r == row && c == col {
                    value
                } else {
                    cell.as_str()
                };
                ws.write_string(r as u32, c as u16, cell).expect("write");
            }
        }
    }
    book.save_to_buffer().expect("saved")
}

#[tokio::test]
async fn an_exported_report_is_verified_by_its_code_and_an_edited_copy_no_longer_matches() {
    let s = Scene::new().await;
    s.redeem(0, &s.codes[0].0).await;
    s.redeem(1, &s.codes[0].1).await;
    let task = s.report(&s.union_token, json!({ "preview": true })).await;
    let (status, _, _, bytes) = s
        .app
        .download(
            &format!(
                "/api/admin/tasks/{}/result",
                task["id"].as_i64().expect("id")
            ),
            &s.union_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_image(&bytes), "the workbook carries the QR code");
    let book = sheets::read(&bytes);
    let printed = header_value(sheets::sheet(&book, "领取明细表"), "验证码").to_owned();
    assert_eq!(
        header_value(sheets::sheet(&book, "结算汇总"), "验证码"),
        printed
    );
    assert_eq!(printed.len(), 19, "{printed}");
    assert!(
        header_value(sheets::sheet(&book, "领取明细表"), "核验方式").contains("/api/verify/"),
        "no public base URL configured: the bare code"
    );

    // Typed as printed, or in lower case without the dashes: the same answer.
    let answer = verify(&s.app, &printed).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let typed = verify(&s.app, &printed.replace('-', "").to_lowercase()).await;
    assert_eq!(typed.body, answer.body);
    let a = &answer.body;
    assert_eq!(a["code"], printed.as_str());
    assert_eq!(a["kind"], "settlement_report");
    assert_eq!(a["kind_label"], "结算报表");
    assert_eq!(a["org_name"], "日照港工会");
    assert_eq!(a["activity_name"], "中秋节福利发放");
    assert_eq!(a["merchant_name"], Value::Null);
    // Every claimed voucher: four members, one 蛋糕 (88.50) and one 月饼 (12.34) each.
    assert_eq!(a["voucher_count"], 8);
    assert_eq!(a["total_face_value_fen"], 4 * (8850 + 1234));
    assert_eq!(a["sha256"], sha256_hex(&bytes).as_str());
    assert_eq!(a["size"], bytes.len() as i64);
    assert!(a["generated_at"].is_string());
    // Nothing personal in the answer: no member's name or phone, whole or masked (a bare
    // "139" may well be in the digest or the time's nanoseconds).
    let text = a.to_string();
    for m in 1..=4 {
        assert!(!text.contains(&format!("会员{m}")), "{text}");
        assert!(!text.contains(&format!("139{m:08}")), "{text}");
    }
    assert!(!text.contains("139****"), "{text}");

    // A copy with one amount changed keeps the code but not the digest.
    let (row, _) = sheets::sheet(&book, "结算汇总")
        .iter()
        .enumerate()
        .find(|(_, r)| r[0] == "合计")
        .expect("合计 row");
    let edited = with_one_cell_changed(&bytes, "结算汇总", row, 4, "1000");
    let edited_book = sheets::read(&edited);
    assert_eq!(
        header_value(sheets::sheet(&edited_book, "结算汇总"), "验证码"),
        printed
    );
    assert_ne!(sha256_hex(&edited), a["sha256"].as_str().expect("sha256"));

    // The page the QR code opens (with PUBLIC_BASE_URL) shows the same figures.
    let page = s
        .app
        .client
        .get(format!("{}/verify/{printed}", s.app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains(a["sha256"].as_str().expect("sha256")),
        "{html}"
    );
    assert!(
        html.contains("中秋节福利发放") && html.contains("403.36"),
        "{html}"
    );
    let unknown = s
        .app
        .client
        .get(format!("{}/verify/AAAA-BBBB-CCCC-DDDD", s.app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .text()
            .await
            .expect("html")
            .contains("该验证码对应的结算文件不存在")
    );

    // Unknown and malformed codes: 404, said in Chinese.
    for unknown in ["AAAA-BBBB-CCCC-DDDD", "not-a-code", "ABCD"] {
        let r = verify(&s.app, unknown).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{unknown}: {:?}", r.body);
        assert_eq!(r.code(), "NOT_FOUND");
        assert_eq!(r.message(), "该验证码对应的结算文件不存在");
    }
}

/// A statement's workbook: its verification code and bytes.
async fn export_statement(app: &TestApp, path: &str, token: &str) -> (String, Vec<u8>) {
    let (status, _, _, bytes) = app.download(&format!("{path}/export"), token).await;
    assert_eq!(status, StatusCode::OK);
    let book = sheets::read(&bytes);
    let code = header_value(sheets::sheet(&book, "结算单"), "验证码").to_owned();
    (code, bytes)
}

#[tokio::test]
async fn a_statement_export_is_verified_and_a_confirmed_one_is_the_same_file_every_time() {
    let mut s = Scene::new().await;
    let b = s.merchants[1];
    s.redeem(1, &s.codes[0].1).await;
    s.redeem(1, &s.codes[1].1).await;
    let d0 = s.app.clock.today().to_string();
    let draft = s
        .app
        .post(
            statements_path(),
            &s.union_token,
            json!({ "merchant_id": b, "from": d0, "to": d0 }),
        )
        .await;
    let id = created(&draft);
    let path = format!("{}/{id}", statements_path());
    let (draft_code, draft_bytes) = export_statement(&s.app, &path, &s.union_token).await;
    assert!(has_image(&draft_bytes));
    let answer = verify(&s.app, &draft_code).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["kind"], "settlement_statement");
    assert_eq!(answer.body["kind_label"], "结算单");
    assert_eq!(answer.body["org_name"], "日照港工会");
    assert_eq!(answer.body["merchant_name"], "东港蛋糕店");
    assert_eq!(answer.body["activity_name"], Value::Null);
    assert_eq!(answer.body["period"], format!("{d0} 至 {d0}"));
    assert_eq!(answer.body["voucher_count"], 2);
    assert_eq!(answer.body["total_face_value_fen"], 2468);
    assert_eq!(answer.body["sha256"], sha256_hex(&draft_bytes).as_str());

    // Confirmed, every export is the same document: one code, one file, one digest.
    s.next_day().await;
    let confirmed = s
        .app
        .post(&format!("{path}/confirm"), &s.union_token, json!({}))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    let (first_code, first) = export_statement(&s.app, &path, &s.union_token).await;
    assert_ne!(first_code, draft_code);
    s.app.clock.advance(Duration::minutes(5));
    let (again_code, again) = export_statement(&s.app, &path, &s.district_token).await;
    assert_eq!(again_code, first_code);
    assert_eq!(sha256_hex(&again), sha256_hex(&first));
    let answer = verify(&s.app, &first_code).await;
    assert_eq!(answer.body["sha256"], sha256_hex(&first).as_str());
    assert_eq!(answer.body["voucher_count"], 2);
    let rows: u64 = entity::document_verification::Entity::find()
        .count(&s.app.state.db)
        .await
        .expect("count");
    assert_eq!(rows, 2, "the draft's and the confirmed statement's");
}

#[tokio::test]
async fn verification_lookups_are_limited_per_client() {
    let app = TestApp::spawn_with(|s| s.verify_lookups_per_ip_per_minute = 3).await;
    for _ in 0..3 {
        let r = verify(&app, "AAAA-BBBB-CCCC-DDDD").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    }
    let limited = verify(&app, "AAAA-BBBB-CCCC-DDDD").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        limited.body
    );
    assert_eq!(limited.code(), "TOO_MANY_LOOKUPS");
    assert!(
        limited.message().contains("秒后再试"),
        "{}",
        limited.message()
    );
    // A minute later the client may ask again.
    app.clock.advance(Duration::seconds(61));
    let again = verify(&app, "AAAA-BBBB-CCCC-DDDD").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}
