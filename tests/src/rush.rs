//! A claim rush, set up as the claims benchmark, the fault suite and the fuzzing
//! environment need it: an open activity created over HTTP through a running `api`, and
//! (production mode) certified members with sessions seeded in bulk SQL, as an import
//! plus certification would leave them.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;

use crate::bench::Server;

/// The merchant's phone, also its owner account's login name.
pub const MERCHANT_PHONE: &str = "13700000001";
const STAFF_PASSWORD: &str = "Shop2026pass";

/// What `open_activity` created.
pub struct Rush {
    pub root_token: String,
    pub union: i64,
    pub union_token: String,
    /// The one-time initial password of the merchant's owner account.
    pub merchant_password: String,
    pub activity_id: i64,
    pub starts_at: DateTime<Utc>,
    /// How the Open request went and how long until the activity was 已开启.
    pub opening: Opening,
}

/// The opening of the activity as an admin sees it: the Open request's answer time and
/// the state it answered, then the time from sending it until the activity is 已开启
/// (the same when it opened in the request; later when an opening task made the
/// vouchers, which needs a `jobs` worker running).
#[derive(Clone, Debug)]
pub struct Opening {
    pub answered_in: Duration,
    pub answered_status: String,
    pub open_after: Duration,
}

impl Rush {
    /// `/api/app/activities/{id}/claims`
    pub fn claim_path(&self) -> String {
        format!("/api/app/activities/{}/claims", self.activity_id)
    }

    /// Waits (at most until the start plus a minute) for the activity's window to open.
    pub async fn wait_until_open(&self) -> anyhow::Result<()> {
        let deadline = self.starts_at + chrono::Duration::minutes(1);
        while Utc::now() < self.starts_at {
            if Utc::now() > deadline {
                bail!("the activity did not open");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

/// A grassroots union under the city root (which reviews), its merchant and coupon, and
/// an activity with one prize of `vouchers` units and the claim limit `limit` (the
/// API's `claim_limit`, e.g. `{"kind": "once"}`) opening 3 s from now.
pub async fn open_activity(
    api: &Server,
    vouchers: usize,
    limit: serde_json::Value,
) -> anyhow::Result<Rush> {
    let root = api.root_token().await?;
    let (union, union_token) = api.create_union(&root, "日照港工会", "port").await?;

    let merchant = api
        .post(
            "/api/admin/merchants",
            Some(&union_token),
            json!({
                "name": "日照职工之家", "contact_name": "张三", "phone": MERCHANT_PHONE,
                "landline": "0633-8221234", "kind": "merchant", "service_type": "普通商家",
                "tags": ["蛋糕"], "company_address": "日照市 东港区", "address": "日照市东港区",
                "intro": "日照职工之家", "settled_on": "2026-01-01",
                "longitude": 119.52, "latitude": 35.41
            }),
        )
        .await?;
    let merchant_id = merchant["merchant"]["id"]
        .as_i64()
        .with_context(|| format!("merchant: {merchant}"))?;
    let merchant_password = merchant["initial_password"]
        .as_str()
        .with_context(|| format!("merchant: {merchant}"))?
        .to_owned();
    // Only an online (上线) merchant redeems.
    api.post(
        &format!("/api/admin/merchants/{merchant_id}/online"),
        Some(&union_token),
        json!({}),
    )
    .await?;
    let now = Utc::now();
    let coupon = api
        .post(
            "/api/admin/coupons",
            Some(&union_token),
            json!({
                "merchant_id": merchant_id, "kind": "union_activity", "title": "中秋蛋糕券",
                "name": "蛋糕", "quantity": vouchers,
                "valid_from": (now - chrono::Duration::hours(1)).to_rfc3339(),
                "valid_to": (now + chrono::Duration::days(30)).to_rfc3339(),
                "amount_fen": 5000, "conditions": "凭券到店领取", "description": "中秋福利"
            }),
        )
        .await?;
    let coupon_id = coupon["id"]
        .as_i64()
        .with_context(|| format!("coupon: {coupon}"))?;
    api.post(
        &format!("/api/admin/coupons/{coupon_id}/enable"),
        Some(&union_token),
        json!({}),
    )
    .await?;
    let starts_at = Utc::now() + chrono::Duration::seconds(3);
    let activity = api
        .post(
            "/api/admin/activities",
            Some(&union_token),
            json!({
                "title": "中秋节福利发放", "cover_url": "https://img.example.cn/cover.png",
                "claim_limit": limit, "scope_org_id": union,
                "starts_at": starts_at.to_rfc3339(),
                "ends_at": (starts_at + chrono::Duration::days(3)).to_rfc3339(),
                "content_html": "<p>领取</p>", "birthday_only": false
            }),
        )
        .await?;
    let activity_id = activity["id"]
        .as_i64()
        .with_context(|| format!("activity: {activity}"))?;
    for (token, action, body) in [
        (
            &union_token,
            "prizes",
            json!({ "coupon_id": coupon_id, "quantity": vouchers }),
        ),
        (&union_token, "submit", json!({})),
        (
            &root,
            "review",
            json!({ "approve": true, "comment": "同意" }),
        ),
    ] {
        let r = api
            .post(
                &format!("/api/admin/activities/{activity_id}/{action}"),
                Some(token),
                body,
            )
            .await?;
        if r["code"].is_string() {
            bail!("{action}: {r}");
        }
    }
    let opening = open_and_wait(api, &union_token, activity_id).await?;
    Ok(Rush {
        root_token: root,
        union,
        union_token,
        merchant_password,
        activity_id,
        starts_at,
        opening,
    })
}

/// Opens an approved activity and waits (at most 10 minutes) until it is 已开启.
pub async fn open_and_wait(api: &Server, token: &str, activity_id: i64) -> anyhow::Result<Opening> {
    let sent = std::time::Instant::now();
    let r = api
        .post(
            &format!("/api/admin/activities/{activity_id}/open"),
            Some(token),
            json!({}),
        )
        .await?;
    let answered_in = sent.elapsed();
    if r["code"].is_string() {
        bail!("open: {r}");
    }
    let answered_status = r["status"].as_str().unwrap_or_default().to_owned();
    let mut status = answered_status.clone();
    while status == "opening" {
        if sent.elapsed() > Duration::from_secs(600) {
            bail!("activity {activity_id} still 开启中 after 600 s (is a jobs worker running?)");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let a = api
            .get(&format!("/api/admin/activities/{activity_id}"), token)
            .await?;
        status = a["status"].as_str().unwrap_or_default().to_owned();
    }
    if status != "open" {
        bail!("activity {activity_id} ended {status}, not open");
    }
    Ok(Opening {
        answered_in,
        answered_status,
        open_after: sent.elapsed(),
    })
}

/// `members` roster members of `union`, each with a certified app account and a session
/// whose token is `member_token(account id)`; the account ids in order.
pub async fn certified_members(
    db: &DatabaseConnection,
    union: i64,
    members: usize,
) -> anyhow::Result<Vec<i64>> {
    exec(
        db,
        &format!(
            "INSERT INTO members (org_id, name, phone, id_type, id_number_enc, id_number_hash, \
             id_number_masked, gender, birth_date, migrant_worker, joined_on, status, certified, \
             created_at, updated_at) \
             SELECT {union}, '会员' || n, '13' || lpad(n::text, 9, '0'), 'resident_id', \
             'bench-' || n, md5('bench-id-' || n), '370203********' || lpad((n % 10000)::text, 4, '0'), \
             'male', DATE '1980-01-01' + (n % 7000), false, DATE '2020-05-01', 'active', true, \
             now(), now() FROM generate_series(1, {members}) AS n"
        ),
    )
    .await?;
    exec(
        db,
        "INSERT INTO app_accounts (phone, password_hash, region, agreement_accepted_at, member_id, \
         certified_id_hash, card_no, card_issued_at, created_at, updated_at) \
         SELECT '19' || lpad(id::text, 9, '0'), 'x', '山东省日照市', now(), id, id_number_hash, \
         'RZ' || lpad(id::text, 10, '0'), now(), now(), now() FROM members",
    )
    .await?;
    exec(
        db,
        "INSERT INTO sessions (token_hash, principal_kind, principal_id, created_at, expires_at) \
         SELECT encode(sha256(convert_to('bench-member-' || id, 'UTF8')), 'hex'), 'member', id, \
         now(), now() + interval '1 day' FROM app_accounts",
    )
    .await?;
    exec(db, "ANALYZE").await?;
    ids(db, "SELECT id FROM app_accounts ORDER BY id").await
}

/// The bearer token of a seeded member's session.
pub fn member_token(account_id: i64) -> String {
    format!("bench-member-{account_id}")
}

/// The merchant owner's token, after the forced change of the initial password.
pub async fn staff_token(api: &Server, rush: &Rush) -> anyhow::Result<String> {
    let initial = &rush.merchant_password;
    let owner = api
        .post(
            "/api/merchant/login",
            None,
            json!({ "phone": MERCHANT_PHONE, "password": initial }),
        )
        .await?;
    let first = owner["token"]
        .as_str()
        .with_context(|| format!("staff login: {owner}"))?;
    let changed = api
        .post(
            "/api/merchant/password",
            Some(first),
            json!({ "old_password": initial, "new_password": STAFF_PASSWORD }),
        )
        .await?;
    Ok(changed["token"].as_str().context("staff token")?.to_owned())
}

pub async fn exec(db: &DatabaseConnection, sql: &str) -> anyhow::Result<()> {
    db.execute_unprepared(sql)
        .await
        .with_context(|| sql.to_owned())?;
    Ok(())
}

/// The `id` column of a query's rows.
pub async fn ids(db: &DatabaseConnection, sql: &str) -> anyhow::Result<Vec<i64>> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64>("", "id").map_err(Into::into))
        .collect()
}
