use std::io::Write;
use std::time::Duration;

use entity::enums::TaskStatus;
use entity::{member, task};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::roster::{ID_FEMALE_1949, ID_MALE_1880};
use crate::sheets::{self, Cell, HEADERS};

const DEADLINE: Duration = Duration::from_secs(60);
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn union(app: &TestApp) -> (String, i64, String) {
    let root = app.root_token().await;
    let (org, token) = app
        .create_org(&root, 1, "日照港工会", "grassroots_union", "port")
        .await;
    (root, org, token)
}

/// The union's token, with 王五 (`id_number(7)`) an active member of another union.
async fn union_beside_a_member_of_another(app: &TestApp) -> String {
    let (root, _, token) = union(app).await;
    let (_, steel) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    app.post(
        "/api/admin/members",
        &steel,
        json!({ "name": "王五", "id_number": sheets::id_number(7), "phone": "13700000007" }),
    )
    .await;
    token
}

/// Uploads, expects 202, waits for the task to finish, returns it.
async fn import(app: &TestApp, token: &str, bytes: Vec<u8>) -> Value {
    import_as(
        app,
        token,
        "/api/admin/member-imports",
        "三月会员.xlsx",
        bytes,
    )
    .await
}

/// A task's counters: total, inserted, updated, failed.
fn tally(task: &Value) -> (Option<i64>, Option<i64>, Option<i64>, Option<i64>) {
    (
        task["total"].as_i64(),
        task["inserted"].as_i64(),
        task["updated"].as_i64(),
        task["failed"].as_i64(),
    )
}

async fn result_rows(app: &TestApp, token: &str, task: &Value) -> Vec<Vec<String>> {
    let (status, content_type, disposition, bytes) = app
        .download(&format!("/api/admin/tasks/{}/result", task["id"]), token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, XLSX);
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    let book = sheets::read(&bytes);
    sheets::sheet(&book, "导入结果").clone()
}

#[tokio::test]
async fn the_template_has_the_columns_drop_downs_and_instructions_and_round_trips() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    app.post("/api/admin/units", &token, json!({ "name": "港务公司" }))
        .await;
    let (status, content_type, disposition, bytes) = app
        .download("/api/admin/member-imports/template", &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, XLSX);
    assert!(disposition.contains("%E5%B7%A5%E4%BC%9A"), "{disposition}"); // 工会
    let book = sheets::read(&bytes);
    let data = sheets::sheet(&book, "会员信息");
    assert_eq!(data[0], HEADERS.map(str::to_owned).to_vec());
    let help = sheets::sheet(&book, "填表说明");
    assert!(
        help.iter()
            .any(|r| r[0] == "证件号码" && r[1].contains("18位"))
    );
    assert_eq!(sheets::sheet(&book, "单位列表")[0][0], "港务公司");
    // Drop-downs and text formats live in the sheet XML.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").expect("sheet1"),
        &mut xml,
    )
    .expect("xml");
    assert!(xml.contains("<dataValidation"), "no drop-downs");
    assert!(
        xml.contains("居民身份证,护照") || xml.contains("居民身份证"),
        "ID types list"
    );
    assert!(xml.contains("单位列表!$A$1:$A$1"), "units list");

    // Fill the template's columns (in its own order) and import it.
    let headers: Vec<&str> = data[0].iter().map(String::as_str).collect();
    let mut row = sheets::member("张三", ID_FEMALE_1949, "13800000000");
    row[8] = Cell::Text("港务公司");
    let task = import(
        &app,
        &token,
        sheets::roster(
            &headers,
            &[row, sheets::member("李四", ID_MALE_1880, "13900000000")],
        ),
    )
    .await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(
        (
            task["total"].as_i64(),
            task["inserted"].as_i64(),
            task["failed"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(task["kind_label"], "会员批量采集");
    let list = app
        .get("/api/admin/members?name=%E5%BC%A0%E4%B8%89", &token)
        .await;
    assert_eq!(list.body["items"][0]["unit_name"], "港务公司");
    assert_eq!(list.body["items"][0]["gender"], "female");
    let rows = result_rows(&app, &token, &task).await;
    assert_eq!(
        rows[0],
        [
            "原行号",
            "姓名",
            "证件号码（脱敏）",
            "手机号码（脱敏）",
            "处理结果",
            "失败原因"
        ]
    );
    assert_eq!(
        rows[1][..5],
        ["2", "张三", "110***********002X", "138****0000", "新增"]
    );
    assert_eq!(rows[2][4], "新增");
}

#[tokio::test]
async fn every_bad_row_is_reported_with_all_its_reasons_and_good_rows_are_kept() {
    let app = TestApp::spawn().await;
    let token = union_beside_a_member_of_another(&app).await;

    let mut phone_as_number = sheets::member("数字手机", &sheets::id_number(1), "");
    phone_as_number[1] = Cell::Number(13800000001.0);
    phone_as_number[7] = Cell::Number(43952.0); // a date typed without a date format
    let mut full_width = sheets::member("  全角  ", "", "13800000002");
    full_width[3] = Cell::Owned(
        sheets::id_number(2)
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect(),
    );
    full_width[7] = Cell::Date(2019, 3, 8);
    let mut many_problems = sheets::member("", "110105194912310021", "12345");
    many_problems[7] = Cell::Text("去年");
    many_problems[5] = Cell::Text("也许");
    let mut wrong_gender = sheets::member("性别错", ID_FEMALE_1949, "13800000004");
    wrong_gender[4] = Cell::Text("男");
    let mut unknown_unit = sheets::member("单位错", &sheets::id_number(5), "13800000005");
    unknown_unit[8] = Cell::Text("不存在的公司");
    let duplicate = sheets::member("重复", &sheets::id_number(1), "13800000006");
    let elsewhere = sheets::member("王五", &sheets::id_number(7), "13700000007");
    let mut bad_status = sheets::member("状态错", &sheets::id_number(8), "13800000008");
    bad_status[9] = Cell::Text("在职");
    let retired = {
        let mut r = sheets::member("已退休", &sheets::id_number(9), "13800000009");
        r[9] = Cell::Text("退休");
        r
    };
    let blank = vec![Cell::Empty; 11];
    let formatted_empty = vec![Cell::Blank; 11];
    let rows = vec![
        phone_as_number, // row 2: ok
        full_width,      // row 3: ok
        blank,           // row 4: skipped
        many_problems,   // row 5
        wrong_gender,    // row 6
        unknown_unit,    // row 7
        formatted_empty, // row 8: skipped
        duplicate,       // row 9
        elsewhere,       // row 10
        bad_status,      // row 11
        retired,         // row 12: ok, not active
        vec![Cell::Blank; 11],
    ];
    let task = import(&app, &token, sheets::roster(&HEADERS, &rows)).await;
    assert_eq!(task["status"], "failed");
    assert_eq!(task["total"], 9, "{task}");
    assert_eq!(task["inserted"], 3);
    assert_eq!(task["failed"], 6);
    let error = task["error"].as_str().expect("error");
    assert!(
        error.contains("6行失败") && error.contains("3行已导入"),
        "{error}"
    );

    let rows = result_rows(&app, &token, &task).await;
    let by_row = |n: &str| {
        rows.iter()
            .find(|r| r[0] == n)
            .unwrap_or_else(|| panic!("row {n} missing"))
    };
    assert_eq!(by_row("2")[4], "新增");
    assert_eq!(by_row("3")[4], "新增");
    assert_eq!(by_row("3")[1], "全角");
    let many = &by_row("5")[5];
    for reason in [
        "姓名不能为空",
        "手机号码",
        "证件号码校验位错误",
        "入会日期格式不正确",
        "是否农民工",
    ] {
        assert!(many.contains(reason), "row 5 lacks {reason}: {many}");
    }
    assert!(by_row("6")[5].contains("性别与证件号码不符"));
    assert!(by_row("7")[5].contains("不存在的公司"));
    assert!(by_row("9")[5].contains("与第2行重复"), "{:?}", by_row("9"));
    // Active in another union, which the result workbook does not name.
    assert_eq!(
        by_row("10")[5],
        "该会员已在其他工会（会籍有效），请通过转会办理"
    );
    assert!(
        !rows
            .iter()
            .flatten()
            .any(|cell| cell.contains("日照钢铁工会")),
        "{rows:?}"
    );
    assert!(by_row("11")[5].contains("会籍状态"));
    assert_eq!(by_row("12")[4], "新增");
    assert!(
        !rows.iter().any(|r| r[0] == "4" || r[0] == "8"),
        "blank rows must not appear"
    );
    assert_eq!(rows.len(), 10);

    let number = app
        .get(
            &format!("/api/admin/members?id_number={}", sheets::id_number(1)),
            &token,
        )
        .await;
    assert_eq!(number.body["items"][0]["phone"], "138****0001");
    assert_eq!(number.body["items"][0]["joined_on"], "2020-05-01");
    let wide = app
        .get(
            &format!("/api/admin/members?id_number={}", sheets::id_number(2)),
            &token,
        )
        .await;
    assert_eq!(wide.body["items"][0]["joined_on"], "2019-03-08");
    assert_eq!(
        app.get("/api/admin/members?status=retired", &token)
            .await
            .body["total"],
        1
    );
    // The upload (full ID numbers in clear) is not kept.
    let uploads = entity::stored_file::Entity::find()
        .filter(entity::stored_file::Column::Purpose.eq(entity::enums::FilePurpose::ImportUpload))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(uploads, 0);
}

#[tokio::test]
async fn re_importing_the_same_file_changes_nothing_and_reports_updates() {
    let app = TestApp::spawn_with(|s| s.import_batch_size = 2).await;
    let (_, _, token) = union(&app).await;
    let rows: Vec<_> = (0..5)
        .map(|i| {
            sheets::member(
                &format!("会员{i}"),
                &sheets::id_number(i),
                &format!("1380000000{i}"),
            )
        })
        .collect();
    let file = sheets::roster(&HEADERS, &rows);
    let first = import(&app, &token, file.clone()).await;
    assert_eq!(
        (first["inserted"].as_i64(), first["updated"].as_i64()),
        (Some(5), Some(0))
    );
    let before = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members");
    let second = import(&app, &token, file).await;
    assert_eq!(second["status"], "succeeded");
    assert_eq!(
        (second["inserted"].as_i64(), second["updated"].as_i64()),
        (Some(0), Some(5))
    );
    let after = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members");
    assert_eq!(
        before, after,
        "a re-import of identical data writes nothing"
    );
    // Each imported member has exactly one 入会 entry in its history, from the import.
    for m in &after {
        let detail = app
            .get(&format!("/api/admin/members/{}", m.id), &token)
            .await
            .body;
        let history = detail["history"].as_array().expect("history");
        assert_eq!(history.len(), 1, "{detail}");
        assert_eq!(history[0]["kind"], "joined");
        assert_eq!(history[0]["reason"], "批量导入");
    }
    let rows = result_rows(&app, &token, &second).await;
    assert!(rows[1..].iter().all(|r| r[4] == "更新"));

    // A changed phone in a third import updates that record only.
    let mut changed = rows_for(5);
    changed[3][1] = Cell::Text("13999999999");
    let third = import(&app, &token, sheets::roster(&HEADERS, &changed)).await;
    assert_eq!(third["updated"], 5);
    assert_eq!(
        app.get("/api/admin/members?phone=13999999999", &token)
            .await
            .body["total"],
        1
    );
    assert_eq!(app.get("/api/admin/members", &token).await.body["total"], 5);
}

fn rows_for(n: u32) -> Vec<Vec<Cell>> {
    (0..n)
        .map(|i| {
            sheets::member(
                &format!("会员{i}"),
                &sheets::id_number(i),
                &format!("1380000000{i}"),
            )
        })
        .collect()
}

/// On PostgreSQL the first rows are written while the rest of the file is still read,
/// in transactions that last to its end: a file refused at its end (here: one row too
/// many, thousands of rows after the first batches went in) leaves nothing written.
#[tokio::test]
async fn a_file_refused_at_its_end_leaves_nothing_written() {
    let app = TestApp::spawn_with(|s| {
        s.import_max_rows = 6000;
        s.import_batch_size = 50;
    })
    .await;
    let (_, _, token) = union(&app).await;
    let rows: Vec<_> = (0..6001)
        .map(|i| {
            sheets::member(
                &format!("会员{i}"),
                &sheets::id_number(i),
                &format!("138{i:08}"),
            )
        })
        .collect();
    let task = import(&app, &token, sheets::roster(&HEADERS, &rows)).await;
    assert_eq!(task["status"], "failed", "{task}");
    assert!(
        task["error"]
            .as_str()
            .unwrap_or_default()
            .contains("超过上限6000行"),
        "{task}"
    );
    assert_eq!(app.get("/api/admin/members", &token).await.body["total"], 0);
    let events = entity::member_event::Entity::find()
        .count(&app.state.db)
        .await
        .expect("events");
    assert_eq!(events, 0);

    // The same rows within the limit all go in.
    let task = import(&app, &token, sheets::roster(&HEADERS, &rows[..6000])).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["inserted"], 6000, "{task}");
}

#[tokio::test]
async fn bad_files_fail_the_task_with_a_clear_reason_and_write_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.import_max_rows = 3;
        s.import_max_uncompressed_mb = 1;
    })
    .await;
    let (_, _, token) = union(&app).await;

    let wrong_headers = sheets::roster(
        &["名字", "电话"],
        &[vec![Cell::Text("张三"), Cell::Text("13800000000")]],
    );
    let mut missing = HEADERS.to_vec();
    missing.retain(|h| *h != "证件号码");
    let missing_column = sheets::roster(
        &missing,
        &[sheets::member("张三", ID_FEMALE_1949, "13800000000")],
    );
    let empty = sheets::roster(&HEADERS, &[vec![Cell::Blank; 11], vec![Cell::Empty; 11]]);
    let too_many = sheets::roster(&HEADERS, &rows_for(4));
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("wrong headers", wrong_headers, "模板不正确"),
        (
            "missing column",
            missing_column,
            "缺少列 证件号码（也可写作身份证号",
        ),
        ("empty", empty, "没有会员数据"),
        ("too many rows", too_many, "超过上限3行"),
        ("zip bomb", zip_bomb(), "解压后过大"),
    ];
    for (case, bytes, reason) in cases {
        let task = import(&app, &token, bytes).await;
        assert_eq!(task["status"], "failed", "{case}");
        assert!(
            task["error"].as_str().unwrap_or_default().contains(reason),
            "{case}: {task}"
        );
        assert_eq!(task["has_result"], false, "{case}");
    }
    assert_eq!(app.get("/api/admin/members", &token).await.body["total"], 0);

    // Neither a workbook nor text (a PDF, a binary file named .et), or empty: refused
    // at upload, naming what is accepted, and no task.
    let cases: [(&str, Vec<u8>); 3] = [
        (
            "roster.pdf",
            b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(),
        ),
        ("roster.et", (0..=255u8).cycle().take(4096).collect()),
        ("roster.csv", Vec::new()),
    ];
    for (name, bytes) in cases {
        let empty = bytes.is_empty();
        let resp = app
            .upload("/api/admin/member-imports", &token, name, bytes)
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(resp.message().contains("file"), "{}", resp.message());
        if !empty {
            assert!(
                resp.message().contains("请上传 .xlsx、.xls 或 .csv 文件"),
                "{name}: {}",
                resp.message()
            );
        }
    }
    assert_eq!(
        app.get("/api/admin/tasks?kind=member_import", &token)
            .await
            .body["total"],
        5
    );
}

/// A zip whose one part inflates from a few KB to 2 MB of zeros (the test limit is 1 MiB).
fn zip_bomb() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .expect("start");
    writer
        .write_all(&vec![0u8; 2 * 1024 * 1024])
        .expect("write");
    writer.finish().expect("finish").into_inner()
}

#[tokio::test]
async fn an_oversized_upload_is_a_413() {
    let app = TestApp::spawn_with(|s| s.upload_limit_bytes = 4096).await;
    let (_, _, token) = union(&app).await;
    let resp = app
        .upload(
            "/api/admin/member-imports",
            &token,
            "big.xlsx",
            vec![b'P'; 10_000],
        )
        .await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.code(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn import_tasks_and_results_are_visible_only_in_the_tree() {
    let app = TestApp::spawn().await;
    let (root, _, token) = union(&app).await;
    let (_, steel) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    let task = import(&app, &token, sheets::roster(&HEADERS, &rows_for(1))).await;
    let id = task["id"].as_i64().expect("id");
    assert_eq!(
        app.get(&format!("/api/admin/tasks/{id}"), &steel)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (status, ..) = app
        .download(&format!("/api/admin/tasks/{id}/result"), &steel)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/admin/tasks?kind=member_import", &steel)
            .await
            .body["total"],
        0
    );
    assert_eq!(
        app.get(
            "/api/admin/tasks?kind=member_import&status=succeeded",
            &root
        )
        .await
        .body["total"],
        1
    );
    let (status, ..) = app
        .download(&format!("/api/admin/tasks/{id}/result"), &root)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Federations keep no roster: their upload is refused before a task exists.
    let refused = app
        .upload(
            "/api/admin/member-imports",
            &root,
            "x.xlsx",
            sheets::roster(&HEADERS, &rows_for(1)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// An import submitted to an app whose workers do not run, so the test plays the
/// worker's part (or a dead worker's).
struct Submitted {
    app: TestApp,
    settings: api::settings::Settings,
    org: i64,
    token: String,
    id: i64,
}

async fn submitted_without_workers(rows: u32, batch_size: usize) -> Submitted {
    let (app, settings, org, token) = app_without_workers(batch_size).await;
    let id = upload_only(&app, &token, sheets::roster(&HEADERS, &rows_for(rows))).await;
    Submitted {
        app,
        settings,
        org,
        token,
        id,
    }
}

/// An app whose workers do not run, with a union: the app, its settings, the union and
/// its admin's token.
async fn app_without_workers(batch_size: usize) -> (TestApp, api::settings::Settings, i64, String) {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = crate::helpers::fresh_settings(dir.path()).await;
    settings.run_workers = Some(false);
    settings.import_batch_size = batch_size;
    let app = TestApp::spawn_on(settings.clone(), dir).await;
    let (_, org, token) = union(&app).await;
    (app, settings, org, token)
}

/// Uploads a roster (202) and returns its task's id, without waiting.
async fn upload_only(app: &TestApp, token: &str, file: Vec<u8>) -> i64 {
    let submitted = app
        .upload("/api/admin/member-imports", token, "三月.xlsx", file)
        .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    submitted.body["task_id"].as_i64().expect("id")
}

async fn task_row(app: &TestApp, id: i64) -> task::Model {
    task::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("task")
}

/// A worker died after writing the first batch: its lease runs out, another worker runs
/// the task again, and the roster ends with no duplicate and a correct result.
#[tokio::test]
async fn a_task_abandoned_mid_import_is_rerun_without_duplicates() {
    let Submitted {
        app,
        settings,
        org,
        token,
        id,
    } = submitted_without_workers(5, 2).await;

    // What the dead worker left: the task running with an expired lease, and the first
    // batch's members written.
    let mut dead = task_row(&app, id).await.into_active_model();
    dead.status = Set(TaskStatus::Running);
    dead.attempts = Set(1);
    dead.lease_until = Set(Some(app.clock.now() - chrono::Duration::minutes(1)));
    dead.processed = Set(2);
    dead.update(&app.state.db).await.expect("update");
    for i in 0..2 {
        let body = json!({ "name": format!("会员{i}"), "id_number": sheets::id_number(i), "phone": format!("1380000000{i}"), "joined_on": "2020-05-01" });
        let created = app.post("/api/admin/members", &token, body).await;
        let mid = created.body["id"].as_i64().expect("member");
        let m = member::Entity::find_by_id(mid)
            .one(&app.state.db)
            .await
            .expect("q")
            .expect("m");
        let mut m = m.into_active_model();
        m.import_task_id = Set(Some(id));
        m.update(&app.state.db).await.expect("mark");
    }

    // Another worker picks the task up from the queue.
    let ctx = crate::helpers::separate_worker(&settings, "second-worker").await;
    let worker = tokio::spawn(jobs::workers::run(ctx, std::future::pending()));
    let done = app.wait_for_task(&token, id, DEADLINE).await;
    worker.abort();
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 2);
    assert_eq!(
        (
            done["inserted"].as_i64(),
            done["updated"].as_i64(),
            done["failed"].as_i64()
        ),
        (Some(5), Some(0), Some(0))
    );
    let members = member::Entity::find()
        .filter(member::Column::OrgId.eq(org))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(members, 5);
    let rows = result_rows(&app, &token, &done).await;
    assert!(rows[1..].iter().all(|r| r[4] == "新增"), "{rows:?}");
}

/// A NUL character in a cell (Excel keeps it as `_x0000_`) fails its row with the
/// field's name, like any other bad value; the other rows go in, on both backends.
#[tokio::test]
async fn a_nul_character_in_a_cell_fails_its_row_and_keeps_the_others() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let mut nul_name = sheets::member("张\u{0}三", &sheets::id_number(1), "13800000001");
    nul_name[10] = Cell::Text("第一行\n第二行");
    let mut nul_remark = sheets::member("李四", &sheets::id_number(2), "13800000002");
    nul_remark[10] = Cell::Text("备注\u{0}");
    let mut nul_unit = sheets::member("赵六", &sheets::id_number(4), "13800000004");
    nul_unit[8] = Cell::Text("港务\u{0}集团");
    let good = sheets::member("王五", &sheets::id_number(3), "13800000003");
    let rows = vec![nul_name, nul_remark, good, nul_unit];
    let task = import(&app, &token, sheets::roster(&HEADERS, &rows)).await;
    assert_eq!(task["status"], "failed", "{task}");
    assert_eq!(task["inserted"], 1, "{task}");
    assert_eq!(task["failed"], 3, "{task}");

    let rows = result_rows(&app, &token, &task).await;
    let reason = |n: &str| {
        rows.iter()
            .find(|r| r[0] == n)
            .unwrap_or_else(|| panic!("row {n} missing"))[5]
            .clone()
    };
    assert!(
        reason("2").contains("姓名不能包含空字符"),
        "{}",
        reason("2")
    );
    assert!(
        reason("3").contains("备注不能包含空字符"),
        "{}",
        reason("3")
    );
    assert!(reason("5").contains("所在单位"), "{}", reason("5"));
    let members = member::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(members, 1);
}

/// The uploaded roster (full ID numbers) is stored encrypted, is never served by
/// `/api/admin/files/{id}` (404 like an unknown id; nor is the result workbook, which
/// its task serves), and is deleted once the task has ended.
#[tokio::test]
async fn an_upload_is_stored_encrypted_never_served_and_deleted_when_its_task_ends() {
    let Submitted { app, token, id, .. } = submitted_without_workers(2, 1000).await;
    let row = task_row(&app, id).await;
    let params: Value = serde_json::from_str(row.params.as_deref().expect("params")).expect("json");
    let file_id = params["file_id"].as_i64().expect("file id");

    let unknown = app.get("/api/admin/files/999999", &token).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let upload = app
        .get(&format!("/api/admin/files/{file_id}"), &token)
        .await;
    assert_eq!(upload.status, StatusCode::NOT_FOUND);
    assert_eq!(upload.body, unknown.body);

    let stored = entity::stored_file::Entity::find_by_id(file_id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("the upload waits for its task");
    assert!(!stored.data.starts_with(b"PK"), "stored in clear");
    let id_number = sheets::id_number(0);
    assert!(
        !stored
            .data
            .windows(id_number.len())
            .any(|w| w == id_number.as_bytes())
    );

    jobs::task_runner::run(&app.job_context(), id)
        .await
        .expect("run");
    let done = app.wait_for_task(&token, id, DEADLINE).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert!(
        entity::stored_file::Entity::find_by_id(file_id)
            .one(&app.state.db)
            .await
            .expect("q")
            .is_none(),
        "the upload is deleted when the task ends"
    );
    let result_id = task_row(&app, id).await.result_file_id.expect("a result");
    let by_id = app
        .get(&format!("/api/admin/files/{result_id}"), &token)
        .await;
    assert_eq!(by_id.status, StatusCode::NOT_FOUND);
    assert_eq!(result_rows(&app, &token, &done).await.len(), 3);
}

/// Uploads `bytes` as `file_name` to `path` (query included), expects 202 and waits.
async fn import_as(
    app: &TestApp,
    token: &str,
    path: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Value {
    let submitted = app.upload(path, token, file_name, bytes).await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{file_name}: {:?}",
        submitted.body
    );
    assert_eq!(submitted.body["status"], "pending");
    let id = submitted.body["task_id"].as_i64().expect("task id");
    app.wait_for_task(token, id, DEADLINE).await
}

/// The 汇总 sheet of a task's result workbook.
async fn summary_rows(app: &TestApp, token: &str, task: &Value) -> Vec<Vec<String>> {
    let (status, _, _, bytes) = app
        .download(&format!("/api/admin/tasks/{}/result", task["id"]), token)
        .await;
    assert_eq!(status, StatusCode::OK);
    sheets::sheet(&sheets::read(&bytes), "汇总").clone()
}

fn reason_of<'a>(rows: &'a [Vec<String>], row_no: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == row_no)
        .unwrap_or_else(|| panic!("row {row_no} missing: {rows:?}"))
}

const LOST_ID: &str = "证件号码被 Excel 存成了数字，后几位已丢失：请把该列设为文本后重新填写";

/// The template kept as Excel 97–2003 (`tests/fixtures/roster.xls`, written by
/// `make_roster_xls.py`: a title row above the headers, a phone typed as a number, a
/// date cell, and an ID number Excel stored as a number).
#[tokio::test]
async fn an_xls_roster_imports_and_an_id_stored_as_a_number_is_explained() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let xls = include_bytes!("../../fixtures/roster.xls").to_vec();
    let task = import_as(
        &app,
        &token,
        "/api/admin/member-imports",
        "老花名册.xls",
        xls,
    )
    .await;
    assert_eq!(task["status"], "failed", "{task}");
    assert_eq!(
        (
            task["total"].as_i64(),
            task["inserted"].as_i64(),
            task["failed"].as_i64()
        ),
        (Some(3), Some(2), Some(1)),
        "{task}"
    );
    let rows = result_rows(&app, &token, &task).await;
    assert_eq!(reason_of(&rows, "3")[4], "新增");
    assert_eq!(reason_of(&rows, "4")[4], "新增");
    // The lost digits are named, not a check-digit error that sends the clerk after a typo.
    assert_eq!(reason_of(&rows, "5")[5], LOST_ID);
    let li = app
        .get(
            &format!("/api/admin/members?id_number={}", sheets::id_number(72)),
            &token,
        )
        .await;
    let li = &li.body["items"][0];
    assert_eq!(li["phone"], "138****0072");
    assert_eq!(li["joined_on"], "2019-03-08");
    assert_eq!(li["migrant_worker"], true, "{li}");
}

/// The same roster as CSV text in every encoding Excel writes it in.
fn csv_roster(first: u32) -> String {
    let mut text = String::from("姓名,手机号码,证件号码,是否农民工,入会日期,所在单位,备注\r\n");
    for i in first..first + 2 {
        text.push_str(&format!(
            "会员{i},1380000{i:04},{},否,2020/5/1,,\"第一行,含逗号\"\r\n",
            sheets::id_number(i)
        ));
    }
    text
}

#[tokio::test]
async fn csv_in_utf8_with_and_without_bom_and_in_gbk_imports() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    let utf8 = csv_roster(10).into_bytes();
    let bom = [b"\xEF\xBB\xBF".as_slice(), csv_roster(20).as_bytes()].concat();
    let gbk_text = csv_roster(30);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
    for (name, bytes) in [
        ("utf8.csv", utf8),
        ("bom.csv", bom),
        ("gbk.csv", gbk.into_owned()),
    ] {
        let task = import_as(&app, &token, "/api/admin/member-imports", name, bytes).await;
        assert_eq!(task["status"], "succeeded", "{name}: {task}");
        assert_eq!(task["inserted"], 2, "{name}");
    }
    assert_eq!(app.get("/api/admin/members", &token).await.body["total"], 6);
    let gbk_member = app
        .get(
            &format!("/api/admin/members?id_number={}", sheets::id_number(31)),
            &token,
        )
        .await;
    assert_eq!(gbk_member.body["items"][0]["name"], "会员31");
    assert_eq!(gbk_member.body["items"][0]["joined_on"], "2020-05-01");

    // A CSV saved from a sheet where Excel showed the numbers in scientific notation.
    let lost = "姓名,手机号码,证件号码\r\n张三,1.38E+10,3.70203E+17\r\n";
    let task = import_as(
        &app,
        &token,
        "/api/admin/member-imports",
        "lost.csv",
        lost.into(),
    )
    .await;
    assert_eq!(task["failed"], 1, "{task}");
    let rows = result_rows(&app, &token, &task).await;
    let reason = &reason_of(&rows, "2")[5];
    assert!(reason.contains(LOST_ID), "{reason}");
    assert!(
        reason.contains("手机号码被 Excel 存成了科学计数法的数字"),
        "{reason}"
    );
    assert!(!reason.contains("校验位"), "{reason}");
}

/// An HR export: other names, a required-mark, full-width brackets, a column the import
/// does not know; the 汇总 sheet says how each column was read.
#[tokio::test]
async fn headers_by_other_names_are_read_and_the_summary_says_how() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    app.post("/api/admin/units", &token, json!({ "name": "港务公司" }))
        .await;
    let headers = [
        "序号",
        " 姓名* ",
        "身份证号（必填）",
        "手机",
        "工作单位",
        "入会时间",
        "农民工",
        "籍贯",
    ];
    let row = |i: u32| {
        vec![
            Cell::Owned(i.to_string()),
            Cell::Owned(format!("员工{i}")),
            Cell::Owned(sheets::id_number(40 + i)),
            Cell::Owned(format!("1390000{i:04}")),
            Cell::Text("港务公司"),
            Cell::Text("2021-01-02"),
            Cell::Text("是"),
            Cell::Text("山东日照"),
        ]
    };
    let task = import(&app, &token, sheets::roster(&headers, &[row(1), row(2)])).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["inserted"], 2);
    let m = app
        .get(
            &format!("/api/admin/members?id_number={}", sheets::id_number(41)),
            &token,
        )
        .await;
    let m = &m.body["items"][0];
    assert_eq!(
        (
            &m["name"],
            &m["unit_name"],
            &m["joined_on"],
            &m["migrant_worker"],
            &m["phone"]
        ),
        (
            &json!("员工1"),
            &json!("港务公司"),
            &json!("2021-01-02"),
            &json!(true),
            &json!("139****0001")
        )
    );
    let summary = summary_rows(&app, &token, &task).await;
    let read_as = |header: &str| {
        summary
            .iter()
            .find(|r| r[0] == header)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("{header} not listed: {summary:?}"))
    };
    assert_eq!(read_as("身份证号（必填）"), "证件号码");
    assert_eq!(read_as("手机"), "手机号码");
    assert_eq!(read_as("工作单位"), "所在单位");
    assert_eq!(read_as("姓名*"), "姓名");
    assert_eq!(read_as("籍贯"), "未使用（忽略）");
    assert_eq!(read_as("序号"), "未使用（忽略）");
    assert_eq!(read_as("（会籍状态）"), "文件中没有此列：使用默认值");
}

/// The third file (only 姓名, 手机号码, 证件号码, 所在单位: the rest take their
/// defaults), and an ID number stored as a number in an .xlsx.
#[tokio::test]
async fn only_the_columns_that_matter_import_with_defaults() {
    let app = TestApp::spawn().await;
    let (_, _, token) = union(&app).await;
    app.post("/api/admin/units", &token, json!({ "name": "港务公司" }))
        .await;
    let headers = ["姓名", "手机号码", "证件号码", "所在单位"];
    let rows = vec![
        vec![
            Cell::Text("张三"),
            Cell::Text("13800000000"),
            Cell::Text(ID_FEMALE_1949),
            Cell::Text("港务公司"),
        ],
        vec![
            Cell::Text("李四"),
            Cell::Text("13900000000"),
            Cell::Number(3.702_031_960_010_1e17),
            Cell::Empty,
        ],
    ];
    let task = import(&app, &token, sheets::roster(&headers, &rows)).await;
    assert_eq!(
        (task["inserted"].as_i64(), task["failed"].as_i64()),
        (Some(1), Some(1)),
        "{task}"
    );
    let list = app.get("/api/admin/members", &token).await;
    let m = &list.body["items"][0];
    assert_eq!(m["name"], "张三");
    assert_eq!(m["id_type"], "resident_id", "{m}");
    assert_eq!(m["gender"], "female");
    assert_eq!(m["migrant_worker"], false);
    assert_eq!(m["status"], "active");
    assert_eq!(m["joined_on"], Value::Null);
    assert_eq!(m["unit_name"], "港务公司");
    let rows = result_rows(&app, &token, &task).await;
    assert_eq!(reason_of(&rows, "3")[5], LOST_ID);
}

/// Only 姓名 and 证件号码: the rows take the unit chosen on upload, or fail saying why;
/// a unit not the caller's own is refused at upload.
#[tokio::test]
async fn name_and_id_number_only_with_a_default_unit() {
    let app = TestApp::spawn().await;
    let (root, _, token) = union(&app).await;
    let unit = app
        .post("/api/admin/units", &token, json!({ "name": "港务公司" }))
        .await
        .body["id"]
        .as_i64()
        .expect("unit");
    let (_, steel) = app
        .create_org(&root, 1, "日照钢铁工会", "grassroots_union", "steel")
        .await;
    let other_unit = app
        .post("/api/admin/units", &steel, json!({ "name": "炼钢厂" }))
        .await
        .body["id"]
        .as_i64()
        .expect("unit");
    let file = || {
        sheets::roster(
            &["姓名", "证件号码"],
            &[vec![Cell::Text("王五"), Cell::Owned(sheets::id_number(50))]],
        )
    };
    for refused in [other_unit, 999_999] {
        let resp = app
            .upload(
                &format!("/api/admin/member-imports?default_unit_id={refused}"),
                &token,
                "x.xlsx",
                file(),
            )
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(resp.message().contains("默认单位"), "{}", resp.message());
    }

    let without = import(&app, &token, file()).await;
    assert_eq!(without["failed"], 1, "{without}");
    let rows = result_rows(&app, &token, &without).await;
    assert!(
        reason_of(&rows, "2")[5].contains("没有“所在单位”列"),
        "{rows:?}"
    );

    let with = import_as(
        &app,
        &token,
        &format!("/api/admin/member-imports?default_unit_id={unit}"),
        "x.xlsx",
        file(),
    )
    .await;
    assert_eq!(with["status"], "succeeded", "{with}");
    let m = &app.get("/api/admin/members", &token).await.body["items"][0];
    assert_eq!(
        (&m["name"], &m["unit_name"], &m["phone"]),
        (&json!("王五"), &json!("港务公司"), &json!(""))
    );
    assert_eq!(m["status"], "active");
    assert_eq!(
        app.get("/api/admin/tasks?kind=member_import", &token)
            .await
            .body["total"],
        2,
        "refused uploads leave no task"
    );
}

/// 试导入: the same checks and result workbook, and the roster untouched.
#[tokio::test]
async fn a_dry_run_reports_what_would_happen_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = union_beside_a_member_of_another(&app).await;
    import(&app, &token, sheets::roster(&HEADERS, &rows_for(2))).await;
    let members_before = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members");
    let events_before = entity::member_event::Entity::find()
        .count(&app.state.db)
        .await
        .expect("events");

    let mut rows = rows_for(3); // 0 and 1 exist, 2 is new
    rows[0][1] = Cell::Text("13999999999");
    rows.push(sheets::member("", "110105194912310021", "12345"));
    rows.push(sheets::member("王五", &sheets::id_number(7), "13700000007"));
    let task = import_as(
        &app,
        &token,
        "/api/admin/member-imports?dry_run=true",
        "三月会员.xlsx",
        sheets::roster(&HEADERS, &rows),
    )
    .await;
    assert_eq!(task["dry_run"], true, "{task}");
    assert_eq!(task["status"], "failed");
    assert_eq!(tally(&task), (Some(5), Some(1), Some(2), Some(2)), "{task}");
    assert!(
        task["error"]
            .as_str()
            .unwrap_or_default()
            .contains("试导入"),
        "{task}"
    );
    let result = result_rows(&app, &token, &task).await;
    assert_eq!(reason_of(&result, "2")[4], "将更新");
    assert_eq!(reason_of(&result, "4")[4], "将新增");
    assert!(reason_of(&result, "5")[5].contains("证件号码校验位错误"));
    assert_eq!(
        reason_of(&result, "6")[5],
        "该会员已在其他工会（会籍有效），请通过转会办理"
    );
    let summary = summary_rows(&app, &token, &task).await;
    assert!(summary[0][1].contains("试导入"), "{summary:?}");

    // Nothing changed: the same records, byte for byte, and no history written.
    let members_after = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members");
    assert_eq!(members_before, members_after);
    let events_after = entity::member_event::Entity::find()
        .count(&app.state.db)
        .await
        .expect("events");
    assert_eq!(events_before, events_after);
    // A real import of the same file does what the dry run said.
    let real = import(&app, &token, sheets::roster(&HEADERS, &rows)).await;
    assert_eq!(real["dry_run"], false);
    assert_eq!(
        (
            real["inserted"].as_i64(),
            real["updated"].as_i64(),
            real["failed"].as_i64()
        ),
        (Some(1), Some(2), Some(2))
    );
}

/// Row `i` of the mixed roster: people below 2,000 were imported before; in `round` 2
/// every third of them has a new phone and every fiftieth (from 1) has retired, and
/// people from 2,000 are new, every hundredth with a wrong ID number.
fn mixed_row(i: u32, round: u32) -> Vec<Cell> {
    let phone = mixed_phone(i, round);
    let id = if i >= 2000 && i.is_multiple_of(100) {
        "110105194912310021".to_owned()
    } else {
        sheets::id_number(i)
    };
    let mut row = sheets::member(&format!("会员{i}"), &id, &phone);
    if round == 2 && i < 2000 && i % 50 == 1 {
        row[9] = Cell::Text("退休");
    }
    row
}

fn mixed_phone(i: u32, round: u32) -> String {
    if round == 2 && i < 2000 && i.is_multiple_of(3) {
        format!("139{i:08}")
    } else {
        format!("138{i:08}")
    }
}

/// The outcome a row of the second mixed file must have (by its index in the file).
fn mixed_expected(i: u32) -> &'static str {
    match i {
        7 | 3000 => "失败",
        i if i >= 2000 && i.is_multiple_of(100) => "失败",
        i if i >= 2000 => "新增",
        _ => "更新",
    }
}

/// A few thousand rows with every kind of outcome at once: new, changed (phone, status),
/// identical, failed (bad ID, repeated ID, active in another union). On PostgreSQL they
/// travel as column arrays in several batches on several lanes (the one meeting the
/// person active elsewhere writes its batch again); both backends must agree on every row.
#[tokio::test]
async fn a_big_mixed_file_gives_every_row_its_outcome() {
    let app = TestApp::spawn_with(|s| s.import_batch_size = 700).await;
    let token = union_beside_a_member_of_another(&app).await;
    let first: Vec<_> = (0..2000).map(|i| mixed_row(i, 1)).collect();
    let done = import(&app, &token, sheets::roster(&HEADERS, &first)).await;
    assert_eq!(
        (done["inserted"].as_i64(), done["failed"].as_i64()),
        (Some(1999), Some(1)),
        "{done}"
    );
    let before: std::collections::HashMap<String, member::Model> = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members")
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect();
    let joined = || {
        entity::member_event::Entity::find()
            .filter(entity::member_event::Column::Kind.eq(entity::enums::MemberEventKind::Joined))
            .count(&app.state.db)
    };
    let joined_before = joined().await.expect("events");

    let mut second: Vec<_> = (0..3000).map(|i| mixed_row(i, 2)).collect();
    second.push(sheets::member("重复", &sheets::id_number(5), "13800000005"));
    let done = import(&app, &token, sheets::roster(&HEADERS, &second)).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(
        tally(&done),
        (Some(3001), Some(990), Some(1999), Some(12)),
        "{done}"
    );
    let rows = result_rows(&app, &token, &done).await;
    assert_eq!(rows.len(), 3002);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], (i + 2).to_string());
        assert_eq!(row[4], mixed_expected(i as u32), "row {row:?}");
    }
    assert_eq!(
        reason_of(&rows, "9")[5],
        "该会员已在其他工会（会籍有效），请通过转会办理"
    );
    assert!(reason_of(&rows, "2002")[5].contains("证件号码校验位错误"));
    assert!(reason_of(&rows, "3002")[5].contains("重复"), "{rows:?}");

    let after = member::Entity::find()
        .all(&app.state.db)
        .await
        .expect("members");
    // 王五 of the other union, 1,999 known and 990 new.
    assert_eq!(after.len(), 1 + 1999 + 990);
    let mut changed = 0;
    for m in &after {
        let Some(i) = m
            .name
            .strip_prefix("会员")
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let old = before.get(&m.name);
        assert_eq!(m.phone, mixed_phone(i, 2), "{}", m.name);
        let retired = i < 2000 && i % 50 == 1;
        assert_eq!(
            m.status,
            if retired {
                entity::enums::MemberStatus::Retired
            } else {
                entity::enums::MemberStatus::Active
            }
        );
        match old {
            // Identical rows are not written at all.
            Some(old) if i % 3 != 0 && !retired => assert_eq!(old, m),
            Some(old) => {
                changed += 1;
                assert_eq!((old.id, old.created_at), (m.id, m.created_at));
                assert_ne!(old.updated_at, m.updated_at);
            }
            None => assert!(i >= 2000, "{}", m.name),
        }
    }
    // Every third (667) or every fiftieth from 1 (40), both every 150th from 51 (13).
    assert_eq!(changed, 667 + 40 - 13);
    let left = entity::member_event::Entity::find()
        .filter(entity::member_event::Column::Kind.eq(entity::enums::MemberEventKind::Left))
        .count(&app.state.db)
        .await
        .expect("events");
    assert_eq!(left, 40);
    assert_eq!(joined().await.expect("events"), joined_before + 990);
}

/// A worker died after writing part of a mixed file (changes to known people and some
/// new ones, marked as its task's): the task run again ends with the same members and
/// the same result as a run that never stopped.
#[tokio::test]
async fn a_rerun_after_a_partial_write_gives_the_same_members_and_results() {
    let (app, settings, org, token) = app_without_workers(150).await;
    let ctx = app.job_context();
    let known: Vec<_> = (0..500).map(|i| mixed_row(i, 1)).collect();
    let earlier = upload_only(&app, &token, sheets::roster(&HEADERS, &known)).await;
    jobs::task_runner::run(&ctx, earlier).await.expect("run");
    // Known people 0..500 (every third with a new phone), new people 2000..2500.
    let rows: Vec<_> = (0..500)
        .chain((2000..2600).filter(|i| i % 100 != 0).take(500))
        .map(|i| mixed_row(i, 2))
        .collect();
    let id = upload_only(&app, &token, sheets::roster(&HEADERS, &rows)).await;

    // The dead attempt: the first 600 rows written under this task, then nothing.
    let attempt = jobs::task_runner::claim(&ctx, id)
        .await
        .expect("claim")
        .expect("claimed");
    let partial = sheets::roster(&HEADERS, &rows[..600]);
    let stored = entity::stored_file::ActiveModel {
        org_id: Set(org),
        purpose: Set(entity::enums::FilePurpose::ImportUpload),
        file_name: Set("部分.xlsx".into()),
        content_type: Set(XLSX.into()),
        size: Set(partial.len() as i64),
        sha256: Set(String::new()),
        data: Set(ctx.cipher.encrypt_bytes(&partial)),
        uploaded_by: Set(attempt.submitted_by),
        created_at: Set(app.clock.now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("partial upload");
    let dead = task::Model {
        params: Some(json!({ "file_id": stored.id }).to_string()),
        ..attempt.clone()
    };
    jobs::import::run(&ctx, &dead).await.expect("first attempt");
    assert_eq!(
        member::Entity::find()
            .filter(member::Column::ImportTaskId.eq(id))
            .count(&app.state.db)
            .await
            .expect("count"),
        100
    );
    let mut expired = task_row(&app, id).await.into_active_model();
    expired.lease_until = Set(Some(app.clock.now() - chrono::Duration::minutes(1)));
    expired.update(&app.state.db).await.expect("expire");

    let worker = crate::helpers::separate_worker(&settings, "second-worker").await;
    jobs::task_runner::run(&worker, id).await.expect("rerun");
    let done = app.wait_for_task(&token, id, DEADLINE).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 2);
    assert_eq!(
        tally(&done),
        (Some(1000), Some(500), Some(500), Some(0)),
        "{done}"
    );
    let result = result_rows(&app, &token, &done).await;
    for (i, row) in result[1..].iter().enumerate() {
        assert_eq!(row[4], if i < 500 { "更新" } else { "新增" }, "{row:?}");
    }
    let members = member::Entity::find()
        .filter(member::Column::OrgId.eq(org))
        .all(&app.state.db)
        .await
        .expect("members");
    assert_eq!(members.len(), 1000);
    for m in &members {
        let i: u32 = m.name.trim_start_matches("会员").parse().expect("index");
        assert_eq!(m.phone, mixed_phone(i, 2));
    }
    // One 入会 entry per person, whichever attempt inserted them.
    let joined = entity::member_event::Entity::find()
        .filter(entity::member_event::Column::Kind.eq(entity::enums::MemberEventKind::Joined))
        .count(&app.state.db)
        .await
        .expect("events");
    assert_eq!(joined, 1000);
}
