//! 数据比对: per union, whom to urge, pending applications, accounts whose member left,
//! the certification rate; JSON and xlsx.

use reqwest::StatusCode;
use serde_json::json;

use crate::certification::{ID_A, ID_B, ID_C, add_member, apply, certified_account, tree};
use crate::member_app::MemberApp;

const ID_D: &str = "37110219950505456X";
const ID_E: &str = "371102198808085676";

#[tokio::test]
async fn reconciliation_counts_each_union_and_lists_whom_to_urge() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    // Port: three active members, one certified, one pending, one to urge; one more
    // certified who then retires.
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    add_member(&m, &t.port_token, "李四", ID_B, "13800000002").await;
    add_member(&m, &t.port_token, "王五", ID_C, "13800000003").await;
    let retiree = add_member(&m, &t.port_token, "赵六", ID_D, "13800000004").await;
    certified_account(&m, &t.port_token, "13900000001", "张三", ID_A).await;
    let pending = m.register("13900000002").await;
    assert_eq!(
        apply(&m, &pending, "李四", ID_B).await.status,
        StatusCode::OK
    );
    certified_account(&m, &t.port_token, "13900000004", "赵六", ID_D).await;
    let left = m
        .app
        .post(
            &format!("/api/admin/members/{retiree}/leave"),
            &t.port_token,
            json!({ "status": "retired" }),
        )
        .await;
    assert_eq!(left.status, StatusCode::OK);
    // Steel: one active member, nobody certified.
    add_member(&m, &t.steel_token, "钱七", ID_E, "13800000005").await;

    let rec = m
        .app
        .get("/api/admin/reconciliation", &t.district_token)
        .await;
    assert_eq!(rec.status, StatusCode::OK, "{:?}", rec.body);
    assert_eq!(rec.body["org"]["name"], "东港区总工会");
    let unions = rec.body["unions"].as_array().expect("unions");
    assert_eq!(unions.len(), 2);
    let port = unions.iter().find(|u| u["org_id"] == t.port).expect("port");
    assert_eq!(port["active_members"], 3);
    assert_eq!(port["certified_members"], 1);
    assert_eq!(port["uncertified_members"], 2);
    assert_eq!(port["certification_rate"], 33.3);
    assert_eq!(port["pending_applications"], 1);
    assert_eq!(port["left_certified_accounts"], 1);
    let steel = unions
        .iter()
        .find(|u| u["org_id"] == t.steel)
        .expect("steel");
    assert_eq!(steel["active_members"], 1);
    assert_eq!(steel["certification_rate"], 0.0);
    assert_eq!(rec.body["totals"]["active_members"], 4);
    assert_eq!(rec.body["totals"]["certified_members"], 1);
    assert_eq!(rec.body["totals"]["certification_rate"], 25.0);

    let urge = m
        .app
        .get("/api/admin/reconciliation/uncertified", &t.district_token)
        .await;
    assert_eq!(urge.body["total"], 3);
    let names: Vec<&str> = urge.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default())
        .collect();
    assert!(names.contains(&"李四") && names.contains(&"王五") && names.contains(&"钱七"));
    let wang = urge.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "王五")
        .expect("王五")
        .clone();
    assert_eq!(wang["phone"], "138****0003");
    assert_eq!(wang["org_name"], "日照港工会");
    assert!(!urge.body.to_string().contains("13800000003"));
    let paged = m
        .app
        .get(
            "/api/admin/reconciliation/uncertified?page=2&page_size=2",
            &t.district_token,
        )
        .await;
    assert_eq!(paged.body["items"].as_array().expect("items").len(), 1);
    assert_eq!(paged.body["total"], 3);

    let pend = m
        .app
        .get("/api/admin/reconciliation/pending", &t.port_token)
        .await;
    assert_eq!(pend.body["total"], 1);
    assert_eq!(pend.body["items"][0]["name"], "李四");
    let gone = m
        .app
        .get("/api/admin/reconciliation/left", &t.port_token)
        .await;
    assert_eq!(gone.body["total"], 1);
    assert_eq!(gone.body["items"][0]["name"], "赵六");
    assert_eq!(gone.body["items"][0]["member_status_label"], "退休");
    assert_eq!(gone.body["items"][0]["phone"], "139****0004");

    // The steel union sees only itself.
    let own = m.app.get("/api/admin/reconciliation", &t.steel_token).await;
    assert_eq!(own.body["unions"].as_array().expect("unions").len(), 1);
    assert_eq!(own.body["totals"]["active_members"], 1);
    // The city sees everything, or one union on request.
    let one = m
        .app
        .get(
            &format!("/api/admin/reconciliation?org_id={}", t.port),
            &t.root,
        )
        .await;
    assert_eq!(one.body["totals"]["active_members"], 3);
}

#[tokio::test]
async fn reconciliation_outside_the_callers_scope_is_404() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    for path in [
        format!("/api/admin/reconciliation?org_id={}", t.port),
        format!(
            "/api/admin/reconciliation/uncertified?org_id={}",
            t.district
        ),
        format!("/api/admin/reconciliation/export?org_id={}", t.port),
    ] {
        let resp = m.app.get(&path, &t.steel_token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    let bad_page = m
        .app
        .get("/api/admin/reconciliation/left?page=0", &t.steel_token)
        .await;
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_reconciliation_export_is_an_xlsx_with_a_utf8_file_name() {
    let m = MemberApp::spawn().await;
    let t = tree(&m).await;
    add_member(&m, &t.port_token, "张三", ID_A, "13800000001").await;
    add_member(&m, &t.port_token, "李四", ID_B, "13800000002").await;
    certified_account(&m, &t.port_token, "13900000001", "张三", ID_A).await;
    let resp = m
        .app
        .client
        .get(format!("{}/api/admin/reconciliation/export", m.app.base))
        .bearer_auth(&t.port_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .expect("ascii header")
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E6%95%B0%E6%8D%AE%E6%AF%94%E5%AF%B9"),
        "{disposition}"
    );
    let bytes = resp.bytes().await.expect("body");
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip container");
    assert!(bytes.len() > 4000);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let workbook = read_entry(&mut archive, "xl/workbook.xml");
    for sheet in ["汇总", "未认证会员", "待审核申请", "已离会仍认证账号"] {
        assert!(workbook.contains(sheet), "sheet {sheet}");
    }
    let strings = read_entry(&mut archive, "xl/sharedStrings.xml");
    assert!(strings.contains("日照港工会"));
    assert!(strings.contains("李四"));
    assert!(
        strings.contains("138****0002"),
        "masked phone of the member to urge"
    );
    assert!(!strings.contains("13800000002"), "never the full phone");
    assert!(!strings.contains(ID_B), "never the full ID number");
}

fn read_entry(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    use std::io::Read;
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("entry")
        .read_to_string(&mut text)
        .expect("utf8");
    text
}
