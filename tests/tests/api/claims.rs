//! Claims and redemptions under concurrency, on whichever backend the suite runs on.
//! Certified accounts are set up directly in the database (the certification flow has
//! its own tests); everything else goes over HTTP.

use chrono::{Duration, Utc};
use entity::enums::PrincipalKind;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{Chain, Resp, TestApp};
use crate::merchants::online_merchant;

#[allow(dead_code)]
pub struct Rush {
    pub app: TestApp,
    pub union_token: String,
    pub union: i64,
    pub merchant: i64,
    pub coupon: i64,
    pub activity: i64,
}

/// What `rush_in` set up: a district with a grassroots union (port), its merchant, a
/// coupon and an open activity scoped to the union.
#[allow(dead_code)]
pub struct Ids {
    pub district: i64,
    pub district_token: String,
    pub union: i64,
    pub union_token: String,
    pub merchant: i64,
    pub coupon: i64,
    pub activity: i64,
}

/// The coupon's validity and whether the activity is for birthdays only.
#[derive(Clone, Copy)]
pub struct Spec {
    pub coupon_from: Duration,
    pub coupon_to: Duration,
    pub birthday_only: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            coupon_from: Duration::hours(-1),
            coupon_to: Duration::days(30),
            birthday_only: false,
        }
    }
}

/// A union with a merchant, a coupon valid now, and an open activity with one prize.
pub async fn rush(quantity: i64, limit: Value) -> Rush {
    let app = TestApp::spawn().await;
    let ids = rush_in(&app, quantity, limit, Spec::default()).await;
    Rush {
        app,
        union_token: ids.union_token,
        union: ids.union,
        merchant: ids.merchant,
        coupon: ids.coupon,
        activity: ids.activity,
    }
}

/// Creates and enables a coupon of `merchant` valid over `now + from .. now + to`.
pub async fn coupon(
    app: &TestApp,
    token: &str,
    merchant: i64,
    quantity: i64,
    from: Duration,
    to: Duration,
) -> i64 {
    let now = app.clock.now();
    let coupon = app
        .post(
            "/api/admin/coupons",
            token,
            json!({
                "merchant_id": merchant, "kind": "union_activity", "title": "中秋蛋糕券",
                "name": "蛋糕", "quantity": quantity,
                "valid_from": (now + from).to_rfc3339(),
                "valid_to": (now + to).to_rfc3339(),
                "amount_fen": 5000, "conditions": "凭券到店领取", "description": "中秋福利"
            }),
        )
        .await;
    assert_eq!(coupon.status, StatusCode::OK, "{:?}", coupon.body);
    let coupon = coupon.body["id"].as_i64().expect("id");
    let enabled = app
        .post(
            &format!("/api/admin/coupons/{coupon}/enable"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{:?}", enabled.body);
    coupon
}

/// The workflow steps of an activity, in order; `activity` stops after the one named.
pub const STEPS: [&str; 4] = ["prizes", "submit", "review", "open"];

/// An activity of the union over `starts .. starts + 3 days` (starts must be in the
/// future), taken through the workflow up to and including `upto` (or left a draft).
#[allow(clippy::too_many_arguments)]
pub async fn activity(
    app: &TestApp,
    union_token: &str,
    district_token: &str,
    scope: i64,
    coupon: i64,
    quantity: i64,
    limit: Value,
    birthday_only: bool,
    starts: chrono::DateTime<Utc>,
    upto: Option<&str>,
) -> i64 {
    let created = app
        .post(
            "/api/admin/activities",
            union_token,
            json!({
                "title": "中秋节福利发放", "cover_url": "https://img.example.cn/cover.png", "claim_limit": limit, "scope_org_id": scope,
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::days(3)).to_rfc3339(),
                "content_html": "<p>领取</p>", "birthday_only": birthday_only
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let activity = created.body["id"].as_i64().expect("id");
    let Some(upto) = upto else {
        return activity;
    };
    let steps = STEPS
        .iter()
        .position(|s| *s == upto)
        .map_or(STEPS.len(), |i| i + 1);
    take_through(
        app,
        union_token,
        district_token,
        activity,
        coupon,
        quantity,
        &STEPS[..steps],
    )
    .await;
    activity
}

/// Takes an activity through workflow `steps` (of `STEPS`, in order), each answered
/// 200; `prizes` adds `quantity` of `coupon`.
pub async fn take_through(
    app: &TestApp,
    union_token: &str,
    district_token: &str,
    activity: i64,
    coupon: i64,
    quantity: i64,
    steps: &[&str],
) {
    for action in steps {
        let (token, body) = match *action {
            "prizes" => (
                union_token,
                json!({ "coupon_id": coupon, "quantity": quantity }),
            ),
            "review" => (
                district_token,
                json!({ "approve": true, "comment": "同意" }),
            ),
            _ => (union_token, json!({})),
        };
        let r = app
            .post(
                &format!("/api/admin/activities/{activity}/{action}"),
                token,
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {:?}", r.body);
    }
}

/// Adds a second prize to an activity left after its first (`activity(.., Some("prizes"))`),
/// takes it through submit, review and open, then moves the clock two minutes on, inside
/// its window.
pub async fn add_prize_and_open(
    app: &TestApp,
    union_token: &str,
    district_token: &str,
    activity: i64,
    coupon: i64,
    quantity: i64,
) {
    take_through(
        app,
        union_token,
        district_token,
        activity,
        coupon,
        quantity,
        &STEPS,
    )
    .await;
    app.clock.advance(Duration::minutes(2));
}

/// Sets up `Ids` on `app`: the activity opens a minute from now and the clock is then
/// moved two minutes on, inside its window.
pub async fn rush_in(app: &TestApp, quantity: i64, limit: Value, spec: Spec) -> Ids {
    set_up_through(app, quantity, limit, spec, "open").await
}

/// `rush_in` with the activity taken through the workflow up to and including `upto`
/// (of `STEPS`).
pub async fn set_up_through(
    app: &TestApp,
    quantity: i64,
    limit: Value,
    spec: Spec,
    upto: &str,
) -> Ids {
    let root = app.root_token().await;
    let Chain {
        district,
        district_token,
        union,
        union_token,
    } = app.district_and_union(&root, "日照港工会", "port").await;
    let merchant = online_merchant(app, &union_token, "日照职工之家", "13700000001").await;
    let coupon = coupon(
        app,
        &union_token,
        merchant,
        quantity,
        spec.coupon_from,
        spec.coupon_to,
    )
    .await;
    let activity = activity(
        app,
        &union_token,
        &district_token,
        union,
        coupon,
        quantity,
        limit,
        spec.birthday_only,
        app.clock.now() + Duration::minutes(1),
        Some(upto),
    )
    .await;
    app.clock.advance(Duration::minutes(2));
    Ids {
        district,
        district_token,
        union,
        union_token,
        merchant,
        coupon,
        activity,
    }
}

/// Logs a merchant's staff account in with its one-time initial password and changes
/// it; the new token.
pub async fn staff_token(app: &TestApp, phone: &str) -> String {
    let initial = app.initial_password(phone);
    let login = app
        .request(
            Method::POST,
            "/api/merchant/login",
            None,
            Some(json!({ "phone": phone, "password": initial })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["must_change_password"], true);
    let token = login.body["token"].as_str().expect("token").to_owned();
    let refused = app.get("/api/merchant/redemptions", &token).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "PASSWORD_CHANGE_REQUIRED");
    let changed = app
        .post(
            "/api/merchant/password",
            &token,
            json!({ "old_password": initial, "new_password": STAFF_PASSWORD }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    changed.body["token"].as_str().expect("token").to_owned()
}

pub const STAFF_PASSWORD: &str = "Shop2026pass";

/// A password log-in of a staff account whose password was already changed.
pub async fn staff_login(app: &TestApp, phone: &str) -> String {
    let login = app
        .request(
            Method::POST,
            "/api/merchant/login",
            None,
            Some(json!({ "phone": phone, "password": STAFF_PASSWORD })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    login.body["token"].as_str().expect("token").to_owned()
}

/// `n` roster members of the union, each with a certified app account; their tokens.
pub async fn direct_members(app: &TestApp, union_token: &str, first: u32, n: u32) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in first..first + n {
        let phone = format!("139{i:08}");
        let created = app
            .post(
                "/api/admin/members",
                union_token,
                json!({ "name": format!("会员{i}"), "id_number": crate::sheets::id_number(i),
                        "phone": phone, "joined_on": "2019-03-01" }),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        let member_id = created.body["id"].as_i64().expect("id");
        let now = Utc::now();
        let account = entity::app_account::ActiveModel {
            phone: Set(phone),
            password_hash: Set("x".into()),
            region: Set("山东省日照市".into()),
            agreement_accepted_at: Set(now),
            member_id: Set(Some(member_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .expect("account");
        let token = api::services::sessions::issue(
            &app.state.db,
            &app.state,
            PrincipalKind::Member,
            account.id,
        )
        .await
        .expect("session");
        tokens.push(token);
    }
    tokens
}

/// A fresh token for the account of `phone` (after the clock moved past its TTL).
pub async fn reissue(app: &TestApp, phone: &str) -> String {
    let account = account_id(app, phone).await;
    api::services::sessions::issue(&app.state.db, &app.state, PrincipalKind::Member, account)
        .await
        .expect("session")
}

/// The id of the app account of `phone`.
pub async fn account_id(app: &TestApp, phone: &str) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::app_account::Entity::find()
        .filter(entity::app_account::Column::Phone.eq(phone))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("account")
        .id
}

/// A claim in `activity`, with an `Idempotency-Key` when given.
pub async fn claim(app: &TestApp, activity: i64, token: &str, key: Option<&str>) -> Resp {
    let path = format!("/api/app/activities/{activity}/claims");
    match key {
        None => app.post(&path, token, json!({})).await,
        Some(key) => {
            let resp = app
                .client
                .post(format!("{}{path}", app.base))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .send()
                .await
                .expect("request");
            let status = resp.status();
            Resp {
                status,
                body: resp.json().await.unwrap_or(Value::Null),
            }
        }
    }
}

impl Rush {
    /// `n` roster members of the union, each with a certified app account; their tokens.
    pub async fn members(&self, first: u32, n: u32) -> Vec<String> {
        direct_members(&self.app, &self.union_token, first, n).await
    }

    /// A fresh token for the account of `phone` (after the clock moved past its TTL).
    pub async fn reissue(&self, phone: &str) -> String {
        reissue(&self.app, phone).await
    }

    pub async fn claim(&self, token: &str, key: Option<&str>) -> Resp {
        claim(&self.app, self.activity, token, key).await
    }

    /// The merchant's owner account after the forced password change; its token.
    pub async fn staff_token(&self) -> String {
        staff_token(&self.app, "13700000001").await
    }
}

/// Splits a burst's answers into the 201s and the rest, after checking that every other
/// answer is the `refusal` code.
fn created_and_refused<'a>(results: &'a [Resp], refusal: &str) -> (Vec<&'a Resp>, Vec<&'a Resp>) {
    let (created, refused): (Vec<&Resp>, Vec<&Resp>) = results
        .iter()
        .partition(|x| x.status == StatusCode::CREATED);
    assert!(refused.iter().all(|x| x.code() == refusal), "{results:?}");
    (created, refused)
}

#[tokio::test]
async fn sixty_four_members_racing_for_one_voucher_get_exactly_one() {
    let r = rush(1, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 64).await;
    let results = join_all(tokens.iter().map(|t| r.claim(t, None))).await;
    let (won, sold_out) = created_and_refused(&results, "SOLD_OUT");
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(sold_out.len(), 63);
    let list = r.app.get("/api/app/activities", &tokens[0]).await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    assert_eq!(list.body[0]["remaining"], 0);
    assert_eq!(list.body[0]["can_claim"], false);
}

#[tokio::test]
async fn after_the_sell_out_a_retry_gets_its_voucher_the_claimant_hears_the_limit_and_others_sold_out()
 {
    let r = rush(1, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let first = r.claim(&tokens[0], Some("key-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    // First through the slot probe that finds nothing free, then from the process's
    // note that the prize is gone: the answer rests on the member's own claims.
    assert_eq!(r.claim(&tokens[1], None).await.code(), "SOLD_OUT");
    assert_eq!(r.claim(&tokens[1], None).await.code(), "SOLD_OUT");
    assert_eq!(r.claim(&tokens[0], None).await.code(), "LIMIT_REACHED");
    let again = r.claim(&tokens[0], Some("key-1")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
}

#[tokio::test]
async fn one_member_claiming_32_times_at_once_on_a_once_limit_gets_one_voucher_and_a_retry_gets_the_same()
 {
    let r = rush(100, json!({ "kind": "once" })).await;
    let token = r.members(1, 1).await.remove(0);
    let results = join_all((0..32).map(|_| r.claim(&token, None))).await;
    let (won, _) = created_and_refused(&results, "LIMIT_REACHED");
    assert_eq!(won.len(), 1, "{results:?}");
    let code = won[0].body["code"].as_str().expect("code");
    assert_eq!(code.len(), 24);
    let vouchers = r.app.get("/api/app/vouchers?status=unused", &token).await;
    assert_eq!(vouchers.body["total"], 1);

    // Idempotency on a per-day activity: the same key answers the first voucher.
    let r = rush(10, json!({ "kind": "per_day", "times": 2 })).await;
    let token = r.members(1, 1).await.remove(0);
    let first = r.claim(&token, Some("key-1")).await;
    let again = r.claim(&token, Some("key-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(
        r.claim(&token, Some("key-2")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(r.claim(&token, Some("key-3")).await.code(), "LIMIT_REACHED");
    // The next Beijing day the limit starts again.
    r.app.clock.advance(Duration::days(1));
    let token = r.reissue("13900000001").await;
    assert_eq!(
        r.claim(&token, Some("key-4")).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn one_member_claiming_16_times_at_once_on_a_three_a_day_limit_gets_three_vouchers() {
    let r = rush(100, json!({ "kind": "per_day", "times": 3 })).await;
    let token = r.members(1, 1).await.remove(0);
    let results = join_all((0..16).map(|_| r.claim(&token, None))).await;
    let (won, _) = created_and_refused(&results, "LIMIT_REACHED");
    assert_eq!(won.len(), 3, "{results:?}");
    let vouchers = r.app.get("/api/app/vouchers?status=unused", &token).await;
    assert_eq!(vouchers.body["total"], 3);
}

/// Claims `n` times one after the other, each answered 201.
async fn claim_in_turn(r: &Rush, token: &str, n: usize) {
    for k in 1..=n {
        let claimed = r.claim(token, None).await;
        assert_eq!(
            claimed.status,
            StatusCode::CREATED,
            "claim {k}: {:?}",
            claimed.body
        );
    }
}

/// The sequence numbers of the claims of the account of `phone`, day by day.
async fn claim_seqs(app: &TestApp, phone: &str) -> Vec<i32> {
    claim_keys(app, phone)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

/// The claim rows of the account of `phone`: their day keys and sequence numbers.
async fn claim_keys(app: &TestApp, phone: &str) -> Vec<(String, i32)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::claim::Entity::find()
        .filter(entity::claim::Column::AppAccountId.eq(account_id(app, phone).await))
        .order_by_asc(entity::claim::Column::DayKey)
        .order_by_asc(entity::claim::Column::Seq)
        .all(&app.state.db)
        .await
        .expect("claims")
        .into_iter()
        .map(|c| (c.day_key, c.seq))
        .collect()
}

#[tokio::test]
async fn a_member_claims_five_times_a_day_the_sixth_hears_the_limit_and_the_next_day_starts_again()
{
    let r = rush(100, json!({ "kind": "per_day", "times": 5 })).await;
    let tokens = r.members(1, 2).await;
    claim_in_turn(&r, &tokens[0], 5).await;
    assert_eq!(r.claim(&tokens[0], None).await.code(), "LIMIT_REACHED");
    assert_eq!(
        r.claim(&tokens[0], Some("late")).await.code(),
        "LIMIT_REACHED"
    );
    let today = claim_keys(&r.app, "13900000001").await;
    let day = today[0].0.clone();
    assert_eq!(today, (1..=5).map(|s| (day.clone(), s)).collect::<Vec<_>>());

    // A number already used out of order (seq 2, as a lost race could leave it): the
    // claims fill the others, 1, 3, 4 and 5, and the limit is still five.
    let claimed = r.claim(&tokens[1], None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
    {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let account = account_id(&r.app, "13900000002").await;
        let moved = entity::claim::Entity::update_many()
            .col_expr(entity::claim::Column::Seq, Expr::value(2))
            .filter(entity::claim::Column::AppAccountId.eq(account))
            .exec(&r.app.state.db)
            .await
            .expect("update");
        assert_eq!(moved.rows_affected, 1);
    }
    claim_in_turn(&r, &tokens[1], 4).await;
    assert_eq!(r.claim(&tokens[1], None).await.code(), "LIMIT_REACHED");
    let seqs = claim_seqs(&r.app, "13900000002").await;
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);

    // The next Beijing day the member claims five times again.
    r.app.clock.advance(Duration::days(1));
    let token = r.reissue("13900000001").await;
    claim_in_turn(&r, &token, 5).await;
    assert_eq!(r.claim(&token, None).await.code(), "LIMIT_REACHED");
    let keys = claim_keys(&r.app, "13900000001").await;
    assert_eq!(keys.len(), 10);
    assert!(keys[5..].iter().all(|(d, _)| *d != day), "{keys:?}");
    let vouchers = r.app.get("/api/app/vouchers?status=unused", &token).await;
    assert_eq!(vouchers.body["total"], 10);
}

#[tokio::test]
async fn four_members_each_claiming_twelve_times_at_once_on_a_five_a_day_limit_get_five_each() {
    let r = rush(100, json!({ "kind": "per_day", "times": 5 })).await;
    let tokens = r.members(1, 4).await;
    let results = join_all(
        (0..12)
            .flat_map(|_| tokens.iter())
            .map(|t| r.claim(t, None)),
    )
    .await;
    let (won, _) = created_and_refused(&results, "LIMIT_REACHED");
    assert_eq!(won.len(), 20, "{results:?}");
    for (i, token) in tokens.iter().enumerate() {
        let mine = r.app.get("/api/app/vouchers?status=unused", token).await;
        assert_eq!(mine.body["total"], 5, "member {i}: {:?}", mine.body);
        let seqs = claim_seqs(&r.app, &format!("139{:08}", i + 1)).await;
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    }
}

#[tokio::test]
async fn sixteen_phones_redeeming_one_voucher_at_once_redeem_it_once_and_the_sweep_expires_the_rest()
 {
    let r = rush(5, json!({ "kind": "once" })).await;
    let tokens = r.members(1, 2).await;
    let claimed = r.claim(&tokens[0], None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
    let code = claimed.body["code"].as_str().expect("code").to_owned();
    let staff = r.staff_token().await;

    let preview = r
        .app
        .get(&format!("/api/merchant/vouchers/{code}"), &staff)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["redeemable"], true);
    assert_eq!(preview.body["member"]["name_masked"], "会**");

    let results = join_all((0..16).map(|_| {
        r.app
            .post("/api/merchant/redemptions", &staff, json!({ "code": code }))
    }))
    .await;
    let (ok, again) = created_and_refused(&results, "ALREADY_REDEEMED");
    assert_eq!(ok.len(), 1, "{results:?}");
    assert_eq!(again[0].body["details"]["merchant_name"], "日照职工之家");

    let history = r.app.get("/api/merchant/redemptions", &staff).await;
    assert_eq!(history.status, StatusCode::OK, "{:?}", history.body);
    assert_eq!(history.body["total"], 1);
    assert_eq!(history.body["total_amount_fen"], 5000);
    let list = r.app.get("/api/admin/activities", &r.union_token).await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);

    // An unknown code is a 404, and too many of them a 429.
    for _ in 0..20 {
        let miss = r
            .app
            .get("/api/merchant/vouchers/AAAAAAAAAAAAAAAAAAAAAAAA", &staff)
            .await;
        assert_eq!(miss.status, StatusCode::NOT_FOUND);
    }
    let blocked = r
        .app
        .get(&format!("/api/merchant/vouchers/{code}"), &staff)
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(blocked.code(), "TOO_MANY_LOOKUPS");

    // The second member's voucher expires with the coupon's window.
    let second = r.claim(&tokens[1], None).await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    r.app.clock.advance(Duration::days(31));
    let ctx = r.app.job_context();
    let swept = jobs::expiry::run(&ctx).await.expect("sweep");
    assert_eq!(swept.vouchers_expired, 1);
    assert_eq!(swept.activities_ended, 1);
    let token = r.reissue("13900000002").await;
    let mine = r.app.get("/api/app/vouchers?status=expired", &token).await;
    assert_eq!(mine.body["total"], 1);
}

#[tokio::test]
async fn a_gift_package_claimed_by_24_members_at_once_gives_each_prize_out_up_to_its_quantity() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let chain = app.district_and_union(&root, "日照港工会", "port").await;
    let merchant = online_merchant(&app, &chain.union_token, "日照职工之家", "13700000001").await;
    let (from, to) = (Duration::hours(-1), Duration::days(30));
    let cakes_coupon = coupon(&app, &chain.union_token, merchant, 5, from, to).await;
    let drinks = coupon(&app, &chain.union_token, merchant, 12, from, to).await;
    // 5 cakes and 12 drinks: 12 claims go through, 5 of them with a cake as well.
    let package = activity(
        &app,
        &chain.union_token,
        &chain.district_token,
        chain.union,
        cakes_coupon,
        5,
        json!({ "kind": "once" }),
        false,
        app.clock.now() + Duration::minutes(1),
        Some("prizes"),
    )
    .await;
    add_prize_and_open(
        &app,
        &chain.union_token,
        &chain.district_token,
        package,
        drinks,
        12,
    )
    .await;

    let tokens = direct_members(&app, &chain.union_token, 1, 24).await;
    let results = join_all(tokens.iter().map(|t| claim(&app, package, t, None))).await;
    let (won, _) = created_and_refused(&results, "SOLD_OUT");
    assert_eq!(won.len(), 12, "{results:?}");
    let mut cakes = 0;
    let mut codes = std::collections::HashSet::new();
    for claimed in &won {
        let vouchers = claimed.body["vouchers"].as_array().expect("vouchers");
        let coupons: Vec<i64> = vouchers
            .iter()
            .map(|v| v["coupon"]["id"].as_i64().expect("coupon id"))
            .collect();
        assert!(coupons.contains(&drinks), "{:?}", claimed.body);
        assert!(coupons.len() <= 2, "{:?}", claimed.body);
        cakes += coupons.iter().filter(|&&c| c == cakes_coupon).count();
        codes.extend(vouchers.iter().map(|v| v["code"].to_string()));
    }
    assert_eq!(cakes, 5);
    assert_eq!(codes.len(), 17);
    // What the members' own lists say agrees: every winner holds exactly what it was
    // answered, nobody else holds anything.
    for (token, result) in tokens.iter().zip(&results) {
        let mine = app.get("/api/app/vouchers", token).await;
        let expected = result.body["vouchers"].as_array().map_or(0, Vec::len);
        assert_eq!(mine.body["total"], expected, "{:?}", mine.body);
    }
}
