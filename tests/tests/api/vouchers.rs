//! Vouchers as members and merchants meet them: which activities a member sees and why
//! a claim is refused, the birthday rule, the member's vouchers and QR code, who may
//! redeem (owner or granted merchant) and when (the coupon's window), and the counts
//! the admins' activity list shows.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::certification::{ID_A, ID_B, add_member, certified_account};
use crate::claims::{
    Spec, activity, claim, coupon, direct_members, reissue, rush, rush_in, staff_login, staff_token,
};
use crate::helpers::{Resp, TestApp};
use crate::member_app::MemberApp;
use crate::merchants::online_merchant;

async fn redeem(app: &TestApp, staff: &str, code: &str) -> Resp {
    app.post("/api/merchant/redemptions", staff, json!({ "code": code }))
        .await
}

/// Grants the rush's coupon to merchant `other` (as the owning union), answered 200.
async fn grant(r: &crate::claims::Rush, other: i64) {
    let granted = r
        .app
        .post(
            &format!("/api/admin/coupons/{}/grants", r.coupon),
            &r.union_token,
            json!({ "merchant_id": other }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
}

fn code_of(claimed: &Resp) -> String {
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
    claimed.body["code"].as_str().expect("code").to_owned()
}

/// The ids of the activities in a member's list, in order.
fn listed(list: &Resp) -> Vec<i64> {
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    list.body
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect()
}

/// A valid resident ID number of someone born on `birth`.
fn id_born(birth: NaiveDate, seq: u32) -> String {
    let body = format!("371102{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// The same month and day in 1985 (1984 for a 29 February).
fn in_1985(d: NaiveDate) -> NaiveDate {
    d.with_year(1985)
        .or_else(|| d.with_year(1984))
        .expect("date")
}

#[tokio::test]
async fn a_granted_merchant_may_redeem_a_stranger_may_not_and_revoking_the_grant_takes_the_right_away()
 {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 3).await;
    let mut codes = Vec::new();
    for t in &tokens {
        codes.push(code_of(&r.claim(t, None).await));
    }
    let other = online_merchant(&r.app, &r.union_token, "东港蛋糕店", "13700000002").await;
    let stranger = staff_token(&r.app, "13700000002").await;

    let preview = r
        .app
        .get(&format!("/api/merchant/vouchers/{}", codes[0]), &stranger)
        .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN, "{:?}", preview.body);
    assert_eq!(preview.code(), "NOT_AUTHORISED");
    let refused = redeem(&r.app, &stranger, &codes[0]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "NOT_AUTHORISED");

    grant(&r, other).await;
    let done = redeem(&r.app, &stranger, &codes[0]).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["merchant_name"], "东港蛋糕店");
    assert_eq!(done.body["coupon_title"], "中秋蛋糕券");
    // The owner scanning the same voucher hears where it went.
    let owner = r.staff_token().await;
    let twice = redeem(&r.app, &owner, &codes[0]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "ALREADY_REDEEMED");
    assert_eq!(twice.body["details"]["merchant_name"], "东港蛋糕店");

    let revoked = r
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/admin/coupons/{}/grants/{other}", r.coupon),
            Some(&r.union_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let after = redeem(&r.app, &stranger, &codes[1]).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN, "{:?}", after.body);
    assert_eq!(after.code(), "NOT_AUTHORISED");
    let by_owner = redeem(&r.app, &owner, &codes[1]).await;
    assert_eq!(by_owner.status, StatusCode::CREATED, "{:?}", by_owner.body);

    // Each merchant's history holds its own redemptions only.
    let mine = r.app.get("/api/merchant/redemptions", &stranger).await;
    assert_eq!(mine.body["total"], 1, "{:?}", mine.body);
    assert_eq!(mine.body["items"][0]["code"], codes[0].as_str());
    let owners = r.app.get("/api/merchant/redemptions", &owner).await;
    assert_eq!(owners.body["total"], 1, "{:?}", owners.body);
    assert_eq!(owners.body["total_amount_fen"], 5000);
}

#[tokio::test]
async fn a_voucher_is_redeemed_only_inside_the_coupon_window_and_is_expired_after_it() {
    let app = TestApp::spawn().await;
    let spec = Spec {
        coupon_from: Duration::days(1),
        coupon_to: Duration::days(5),
        ..Spec::default()
    };
    let ids = rush_in(&app, 5, json!({ "kind": "once" }), spec).await;
    let tokens = direct_members(&app, &ids.union_token, 1, 2).await;
    let early = code_of(&claim(&app, ids.activity, &tokens[0], None).await);
    let late = code_of(&claim(&app, ids.activity, &tokens[1], None).await);
    let staff = staff_token(&app, "13700000001").await;

    let preview = app
        .get(&format!("/api/merchant/vouchers/{early}"), &staff)
        .await;
    assert_eq!(preview.body["status"], "unused", "{:?}", preview.body);
    assert_eq!(preview.body["reason"], "NOT_IN_WINDOW");
    let too_soon = redeem(&app, &staff, &early).await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT, "{:?}", too_soon.body);
    assert_eq!(too_soon.code(), "NOT_IN_WINDOW");
    assert!(too_soon.body["details"]["valid_from"].is_string());

    app.clock.advance(Duration::days(2));
    let staff = staff_login(&app, "13700000001").await;
    let done = redeem(&app, &staff, &early).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);

    app.clock.advance(Duration::days(4));
    let staff = staff_login(&app, "13700000001").await;
    let expired = redeem(&app, &staff, &late).await;
    assert_eq!(expired.status, StatusCode::CONFLICT, "{:?}", expired.body);
    assert_eq!(expired.code(), "EXPIRED");
    assert!(expired.message().contains("已过期"));
    // The member sees it as expired even before the sweep marks it.
    let token = reissue(&app, "13900000002").await;
    let mine = app.get("/api/app/vouchers?status=expired", &token).await;
    assert_eq!(mine.body["total"], 1, "{:?}", mine.body);
    assert_eq!(mine.body["items"][0]["code"], late.as_str());
    let unused = app.get("/api/app/vouchers?status=unused", &token).await;
    assert_eq!(unused.body["total"], 0);
}

#[tokio::test]
async fn only_a_member_whose_birthday_falls_inside_the_window_may_claim_in_a_birthday_activity() {
    let m = MemberApp::spawn().await;
    let spec = Spec {
        birthday_only: true,
        ..Spec::default()
    };
    let ids = rush_in(&m.app, 10, json!({ "kind": "once" }), spec).await;
    let today = m
        .app
        .clock
        .now()
        .with_timezone(&jobs::clock::beijing())
        .date_naive();
    let inside = id_born(in_1985(today + Duration::days(1)), 1);
    let outside = id_born(in_1985(today + Duration::days(40)), 2);
    add_member(&m, &ids.union_token, "王芳", &inside, "13800000001").await;
    add_member(&m, &ids.union_token, "赵敏", &outside, "13800000002").await;
    let born_inside = certified_account(&m, &ids.union_token, "13900000001", "王芳", &inside).await;
    let born_outside =
        certified_account(&m, &ids.union_token, "13900000002", "赵敏", &outside).await;

    let path = format!("/api/app/activities/{}", ids.activity);
    let seen = m.app.get(&path, &born_outside).await;
    assert_eq!(seen.status, StatusCode::OK, "{:?}", seen.body);
    assert_eq!(seen.body["birthday_only"], true);
    assert_eq!(seen.body["can_claim"], false);
    assert_eq!(seen.body["reason"], "NOT_ELIGIBLE");
    let refused = claim(&m.app, ids.activity, &born_outside, None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(refused.code(), "NOT_ELIGIBLE");

    let seen = m.app.get(&path, &born_inside).await;
    assert_eq!(seen.body["can_claim"], true, "{:?}", seen.body);
    let claimed = claim(&m.app, ids.activity, &born_inside, None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
}

#[tokio::test]
async fn members_see_only_open_approved_in_scope_activities_inside_their_window_with_what_remains()
{
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, 3, json!({ "kind": "once" }), Spec::default()).await;
    let more = coupon(
        &app,
        &ids.union_token,
        ids.merchant,
        100,
        Duration::hours(-1),
        Duration::days(30),
    )
    .await;
    let soon = app.clock.now() + Duration::minutes(1);
    let make = |starts, upto| {
        activity(
            &app,
            &ids.union_token,
            &ids.district_token,
            ids.union,
            more,
            10,
            json!({ "kind": "once" }),
            false,
            starts,
            upto,
        )
    };
    let approved = make(soon, Some("review")).await;
    let draft = make(soon, None).await;
    let tomorrow = make(app.clock.now() + Duration::days(1), Some("open")).await;
    let tokens = direct_members(&app, &ids.union_token, 1, 2).await;

    let list = app.get("/api/app/activities", &tokens[0]).await;
    assert_eq!(listed(&list), vec![ids.activity]);
    let a = &list.body[0];
    assert_eq!(a["title"], "中秋节福利发放");
    assert_eq!(a["org_name"], "日照港工会");
    assert_eq!(a["remaining"], 3);
    assert_eq!(a["prizes"][0]["remaining"], 3);
    assert_eq!(a["prizes"][0]["quantity"], 3);
    assert_eq!(a["can_claim"], true);
    assert_eq!(a["reason"], Value::Null);
    assert_eq!(
        a["claim_limit"],
        json!({ "kind": "once", "times": 1, "used": 0 })
    );
    assert!(a.get("content_html").is_none());
    for hidden in [approved, draft, tomorrow] {
        let detail = app
            .get(&format!("/api/app/activities/{hidden}"), &tokens[0])
            .await;
        assert_eq!(detail.status, StatusCode::NOT_FOUND, "{hidden}");
    }
    let detail = app
        .get(&format!("/api/app/activities/{}", ids.activity), &tokens[0])
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{:?}", detail.body);
    assert_eq!(detail.body["content_html"], "<p>领取</p>");

    code_of(&claim(&app, ids.activity, &tokens[0], None).await);
    let mine = app.get("/api/app/activities", &tokens[0]).await;
    assert_eq!(mine.body[0]["remaining"], 2, "{:?}", mine.body);
    assert_eq!(mine.body[0]["can_claim"], false);
    assert_eq!(mine.body[0]["reason"], "LIMIT_REACHED");
    assert_eq!(mine.body[0]["claim_limit"]["used"], 1);
    let theirs = app.get("/api/app/activities", &tokens[1]).await;
    assert_eq!(theirs.body[0]["remaining"], 2);
    assert_eq!(theirs.body[0]["can_claim"], true);

    // A day later the activity that starts tomorrow has opened its window too.
    app.clock.advance(Duration::days(1));
    let token = reissue(&app, "13900000002").await;
    let later = app.get("/api/app/activities", &token).await;
    assert_eq!(listed(&later), vec![tomorrow, ids.activity]);
    // And after the first one's window it is gone.
    app.clock.advance(Duration::days(2));
    let token = reissue(&app, "13900000002").await;
    let last = app.get("/api/app/activities", &token).await;
    assert_eq!(listed(&last), vec![tomorrow]);
}

#[tokio::test]
async fn another_branch_an_uncertified_account_and_a_member_who_left_are_each_refused() {
    let m = MemberApp::spawn().await;
    let ids = rush_in(&m.app, 10, json!({ "kind": "once" }), Spec::default()).await;
    let (_, steel_token) = m
        .app
        .create_org(
            &ids.district_token,
            ids.district,
            "日照钢铁工会",
            "grassroots_union",
            "steel",
        )
        .await;
    let path = format!("/api/app/activities/{}", ids.activity);

    // A certified member of another union does not see the activity at all.
    add_member(&m, &steel_token, "李四", ID_B, "13800000002").await;
    let elsewhere = certified_account(&m, &steel_token, "13900000002", "李四", ID_B).await;
    let list = m.app.get("/api/app/activities", &elsewhere).await;
    assert_eq!(listed(&list), Vec::<i64>::new());
    assert_eq!(
        m.app.get(&path, &elsewhere).await.status,
        StatusCode::NOT_FOUND
    );
    let claimed = claim(&m.app, ids.activity, &elsewhere, None).await;
    assert_eq!(claimed.status, StatusCode::NOT_FOUND, "{:?}", claimed.body);

    // An account without certification is asked to certify.
    let uncertified = m.register("13900000003").await;
    let list = m.app.get("/api/app/activities", &uncertified).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN, "{:?}", list.body);
    assert_eq!(list.code(), "NOT_CERTIFIED");
    let claimed = claim(&m.app, ids.activity, &uncertified, None).await;
    assert_eq!(claimed.status, StatusCode::CONFLICT, "{:?}", claimed.body);
    assert_eq!(claimed.code(), "NOT_ELIGIBLE");
    let vouchers = m.app.get("/api/app/vouchers", &uncertified).await;
    assert_eq!(vouchers.code(), "NOT_CERTIFIED");

    // A member who left still sees the activity, but may not claim.
    let member = add_member(&m, &ids.union_token, "张三", ID_A, "13800000001").await;
    let left = certified_account(&m, &ids.union_token, "13900000001", "张三", ID_A).await;
    let leave = m
        .app
        .post(
            &format!("/api/admin/members/{member}/leave"),
            &ids.union_token,
            json!({ "status": "retired" }),
        )
        .await;
    assert_eq!(leave.status, StatusCode::OK, "{:?}", leave.body);
    let list = m.app.get("/api/app/activities", &left).await;
    assert_eq!(listed(&list), vec![ids.activity]);
    assert_eq!(list.body[0]["can_claim"], false);
    assert_eq!(list.body[0]["reason"], "NOT_ELIGIBLE");
    let claimed = claim(&m.app, ids.activity, &left, None).await;
    assert_eq!(claimed.status, StatusCode::CONFLICT, "{:?}", claimed.body);
    assert_eq!(claimed.code(), "NOT_ELIGIBLE");
}

#[tokio::test]
async fn my_vouchers_filter_by_status_and_the_qr_code_is_shown_to_the_owner_only() {
    let r = rush(10, json!({ "kind": "per_day", "times": 3 })).await;
    let tokens = r.members(1, 2).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(code_of(&r.claim(&tokens[0], None).await));
    }
    let staff = r.staff_token().await;
    let done = redeem(&r.app, &staff, &codes[1]).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);

    let all = r.app.get("/api/app/vouchers", &tokens[0]).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(all.body["total"], 3);
    let unused = r
        .app
        .get("/api/app/vouchers?status=unused", &tokens[0])
        .await;
    assert_eq!(unused.body["total"], 2);
    assert!(
        unused.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|v| v["status"] == "unused" && v["code"] != codes[1].as_str())
    );
    let redeemed = r
        .app
        .get("/api/app/vouchers?status=redeemed", &tokens[0])
        .await;
    assert_eq!(redeemed.body["total"], 1);
    assert_eq!(redeemed.body["items"][0]["code"], codes[1].as_str());
    assert!(redeemed.body["items"][0]["redeemed_at"].is_string());
    let expired = r
        .app
        .get("/api/app/vouchers?status=expired", &tokens[0])
        .await;
    assert_eq!(expired.body["total"], 0);
    let bad = r.app.get("/api/app/vouchers?status=lost", &tokens[0]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let none = r.app.get("/api/app/vouchers", &tokens[1]).await;
    assert_eq!(none.body["total"], 0);

    let id = all.body["items"][0]["id"].as_i64().expect("id");
    let one = r
        .app
        .get(&format!("/api/app/vouchers/{id}"), &tokens[0])
        .await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    assert_eq!(one.body["coupon"]["merchant_name"], "日照职工之家");
    let (status, content_type, _, png) = r
        .app
        .download(&format!("/api/app/vouchers/{id}/qrcode.png"), &tokens[0])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "image/png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (status, _, _, _) = r
        .app
        .download(&format!("/api/app/vouchers/{id}/qrcode.png"), &tokens[1])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = r
        .app
        .get(&format!("/api/app/vouchers/{id}"), &tokens[1])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_voucher_names_where_it_may_be_used_and_once_used_where_it_was() {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let code = code_of(&r.claim(&tokens[0], None).await);
    let other = online_merchant(&r.app, &r.union_token, "东港蛋糕店", "13700000002").await;
    // A merchant that is neither the owner nor granted is never named.
    online_merchant(&r.app, &r.union_token, "岚山超市", "13700000003").await;
    grant(&r, other).await;

    let list = r.app.get("/api/app/vouchers", &tokens[0]).await;
    let item = &list.body["items"][0];
    // The list stays lean: places are only in the one-voucher answer.
    assert!(item.get("redeemable_at").is_none(), "{item:?}");
    let id = item["id"].as_i64().expect("id");
    let path = format!("/api/app/vouchers/{id}");
    let one = r.app.get(&path, &tokens[0]).await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    let names: Vec<&str> = one.body["redeemable_at"]
        .as_array()
        .expect("redeemable_at")
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["日照职工之家", "东港蛋糕店"], "the owner first");
    assert_eq!(one.body["redeemable_at"][0]["address"], "日照市东港区");
    assert_eq!(one.body["redeemable_at"][0]["landline"], "0633-8221234");
    assert!(
        one.body.get("redeemed_merchant").is_none(),
        "{:?}",
        one.body
    );

    let stranger = staff_token(&r.app, "13700000002").await;
    let done = redeem(&r.app, &stranger, &code).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    let used = r.app.get(&path, &tokens[0]).await;
    assert_eq!(used.body["status"], "redeemed");
    assert!(used.body["redeemed_at"].is_string());
    assert_eq!(used.body["redeemed_merchant"]["name"], "东港蛋糕店");
    assert_eq!(used.body["redeemed_merchant"]["id"], other);
    // Another member cannot read it.
    let theirs = r.app.get(&path, &tokens[1]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_admin_activity_list_counts_sign_ups_participants_and_redemptions() {
    let r = rush(10, json!({ "kind": "per_day", "times": 2 })).await;
    let tokens = r.members(1, 3).await;
    let mut codes = Vec::new();
    for t in [&tokens[0], &tokens[0], &tokens[1]] {
        codes.push(code_of(&r.claim(t, None).await));
    }
    let staff = r.staff_token().await;
    let done = redeem(&r.app, &staff, &codes[2]).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);

    let list = r.app.get("/api/admin/activities", &r.union_token).await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let item = &list.body["items"][0];
    assert_eq!(item["id"], r.activity);
    assert_eq!(item["sign_up_count"], 3);
    assert_eq!(item["participant_count"], 2);
    assert_eq!(item["redeemed_count"], 1);
    let totals = &list.body["totals"];
    assert_eq!(totals["sign_up_count"], 3);
    assert_eq!(totals["participant_count"], 2);
    assert_eq!(totals["redeemed_count"], 1);
    // The member app shows what is left.
    let member = r.app.get("/api/app/activities", &tokens[2]).await;
    assert_eq!(member.body[0]["remaining"], 7, "{:?}", member.body);
}

/// Every string in a JSON value, recursively (keys and values).
fn strings_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings_of).collect(),
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(strings_of(v)))
            .collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn a_merchant_that_may_not_redeem_a_voucher_learns_nothing_about_it() {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let unused = code_of(&r.claim(&tokens[0], None).await);
    let spent = code_of(&r.claim(&tokens[1], None).await);
    let owner = r.staff_token().await;
    assert_eq!(
        redeem(&r.app, &owner, &spent).await.status,
        StatusCode::CREATED
    );
    // The owner's preview shows the holder and the coupon.
    let own = r
        .app
        .get(&format!("/api/merchant/vouchers/{unused}"), &owner)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_eq!(own.body["member"]["name_masked"], "会**");

    online_merchant(&r.app, &r.union_token, "东港蛋糕店", "13700000002").await;
    let stranger = staff_token(&r.app, "13700000002").await;
    let unknown = r
        .app
        .get("/api/merchant/vouchers/0000000000000000000000ZZ", &stranger)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{:?}", unknown.body);
    for code in [&unused, &spent] {
        let preview = r
            .app
            .get(&format!("/api/merchant/vouchers/{code}"), &stranger)
            .await;
        assert_eq!(preview.status, StatusCode::FORBIDDEN, "{:?}", preview.body);
        assert_eq!(preview.code(), "NOT_AUTHORISED");
        // Code and message only, like the unknown code's answer: no holder, coupon,
        // place or time.
        let mut keys: Vec<&String> = preview.body.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["code", "message"], "{:?}", preview.body);
        for text in strings_of(&preview.body) {
            for secret in ["会员", "会*", "蛋糕", "日照职工之家", code.as_str()] {
                assert!(!text.contains(secret), "{secret} in {:?}", preview.body);
            }
        }
    }
    // Redeeming tells no more: the spent voucher is NOT_AUTHORISED for it, not
    // ALREADY_REDEEMED with when and where.
    let again = redeem(&r.app, &stranger, &spent).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{:?}", again.body);
    assert_eq!(again.code(), "NOT_AUTHORISED");
    assert!(again.body.get("details").is_none(), "{:?}", again.body);
    assert!(
        !again.message().contains("日照职工之家"),
        "{}",
        again.message()
    );
    // Codes it may not redeem count against its lookup limit like unknown ones.
    let counted: i64 = entity::rate_limit::Entity::find_by_id((
        api::services::redemptions::LOOKUP_SCOPE.to_owned(),
        stranger_id(&r.app, "13700000002").await.to_string(),
    ))
    .one(&r.app.state.db)
    .await
    .expect("read")
    .map_or(0, |l| i64::from(l.hits));
    assert_eq!(counted, 4);
}

/// The id of the staff account with this phone.
async fn stranger_id(app: &TestApp, phone: &str) -> i64 {
    entity::merchant_staff::Entity::find()
        .filter(entity::merchant_staff::Column::Phone.eq(phone))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("staff")
        .id
}

/// A principal read from the token now, as a request that passed the token check
/// a moment before an admin's change holds it.
async fn principal(app: &TestApp, token: &str) -> api::auth::StaffPrincipal {
    api::services::sessions::resolve_staff(&app.state, token)
        .await
        .expect("live token")
}

async fn voucher_status(app: &TestApp, code: &str) -> entity::enums::VoucherStatus {
    entity::voucher::Entity::find()
        .filter(entity::voucher::Column::Code.eq(code))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("voucher")
        .status
}

#[tokio::test]
async fn an_offline_merchant_cannot_preview_or_redeem_even_if_it_went_offline_after_the_token_check()
 {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let code = code_of(&r.claim(&tokens[0], None).await);
    let staff = r.staff_token().await;
    let scanned_before = principal(&r.app, &staff).await;
    let offline = r
        .app
        .post(
            &format!("/api/admin/merchants/{}/offline", r.merchant),
            &r.union_token,
            json!({}),
        )
        .await;
    assert_eq!(offline.status, StatusCode::OK, "{:?}", offline.body);

    let preview = r
        .app
        .get(&format!("/api/merchant/vouchers/{code}"), &staff)
        .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN, "{:?}", preview.body);
    assert_eq!(preview.code(), "MERCHANT_OFFLINE");
    let refused = redeem(&r.app, &staff, &code).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "MERCHANT_OFFLINE");
    // A scan whose token was checked while the merchant was still online is refused by
    // the redeeming statement itself.
    let raced =
        api::services::redemptions::redeem(&r.app.state, &scanned_before, &code, None, None).await;
    let err = raced.expect_err("refused");
    assert_eq!(err.body().code, "MERCHANT_OFFLINE");
    assert_eq!(
        voucher_status(&r.app, &code).await,
        entity::enums::VoucherStatus::Unused
    );

    crate::merchants::go_online(&r.app, &r.union_token, r.merchant).await;
    let done = redeem(&r.app, &staff, &code).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
}

#[tokio::test]
async fn disabled_staff_cannot_redeem_even_with_a_token_checked_before_it_was_disabled() {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 1).await;
    let code = code_of(&r.claim(&tokens[0], None).await);
    let staff = r.staff_token().await;
    let scanned_before = principal(&r.app, &staff).await;
    let disabled = r
        .app
        .post(
            &format!(
                "/api/admin/merchants/{}/staff/{}/disable",
                r.merchant, scanned_before.staff_id
            ),
            &r.union_token,
            json!({}),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);

    let refused = redeem(&r.app, &staff, &code).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        refused.body
    );
    let raced =
        api::services::redemptions::redeem(&r.app.state, &scanned_before, &code, None, None).await;
    let err = raced.expect_err("refused");
    assert_eq!(err.body().code, "ACCOUNT_DISABLED");
    assert_eq!(
        voucher_status(&r.app, &code).await,
        entity::enums::VoucherStatus::Unused
    );
}

#[tokio::test]
async fn a_coupon_closed_after_its_vouchers_were_issued_leaves_them_redeemable() {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let first = code_of(&r.claim(&tokens[0], None).await);
    let closed = r
        .app
        .post(
            &format!("/api/admin/coupons/{}/disable", r.coupon),
            &r.union_token,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["enabled"], false);
    // The open activity still hands out its vouchers, and every issued one redeems.
    let second = code_of(&r.claim(&tokens[1], None).await);
    let staff = r.staff_token().await;
    for code in [&first, &second] {
        let done = redeem(&r.app, &staff, code).await;
        assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    }
}
