//! A small living data set made over HTTP, for the benchmarks and the fuzzing pass: a
//! grassroots union under the city root, a merchant, an enabled coupon and an approved
//! activity with one prize, opening a few seconds after it is made.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::bench::Server;

/// The merchant's phone, which is also the login of its first staff account.
pub const MERCHANT_PHONE: &str = "13700000001";
/// What `staff_token` changes the merchant's initial password to.
pub const STAFF_PASSWORD: &str = "Shop2026pass";

pub struct Welfare {
    /// The city root admin (reviews the union's activities).
    pub root: String,
    pub union: i64,
    pub union_token: String,
    pub merchant: i64,
    /// The one-time initial password of the merchant's first staff account.
    pub merchant_password: String,
    pub coupon: i64,
    pub activity: i64,
    /// When the activity opens for claims (`wait_until_open`).
    pub starts_at: DateTime<Utc>,
}

impl Welfare {
    /// The union `port` (日照港工会) and an activity of `vouchers` vouchers (limit: once)
    /// taken through submit, review and open.
    pub async fn create(api: &Server, vouchers: usize) -> anyhow::Result<Self> {
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
        let merchant_password = merchant["initial_password"]
            .as_str()
            .with_context(|| format!("merchant: {merchant}"))?
            .to_owned();
        let merchant = merchant["merchant"]["id"]
            .as_i64()
            .with_context(|| format!("merchant: {merchant}"))?;
        // Only an online (上线) merchant redeems.
        api.post(
            &format!("/api/admin/merchants/{merchant}/online"),
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
                    "merchant_id": merchant, "kind": "union_activity", "title": "中秋蛋糕券",
                    "name": "蛋糕", "quantity": vouchers,
                    "valid_from": (now - chrono::Duration::hours(1)).to_rfc3339(),
                    "valid_to": (now + chrono::Duration::days(30)).to_rfc3339(),
                    "amount_fen": 5000, "conditions": "凭券到店领取", "description": "中秋福利"
                }),
            )
            .await?;
        let coupon = coupon["id"]
            .as_i64()
            .with_context(|| format!("coupon: {coupon}"))?;
        api.post(
            &format!("/api/admin/coupons/{coupon}/enable"),
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
                    "claim_limit": { "kind": "once" }, "scope_org_id": union,
                    "starts_at": starts_at.to_rfc3339(),
                    "ends_at": (starts_at + chrono::Duration::days(3)).to_rfc3339(),
                    "content_html": "<p>领取</p>", "birthday_only": false
                }),
            )
            .await?;
        let activity = activity["id"]
            .as_i64()
            .with_context(|| format!("activity: {activity}"))?;
        for (token, action, body) in [
            (
                &union_token,
                "prizes",
                json!({ "coupon_id": coupon, "quantity": vouchers }),
            ),
            (&union_token, "submit", json!({})),
            (
                &root,
                "review",
                json!({ "approve": true, "comment": "同意" }),
            ),
            (&union_token, "open", json!({})),
        ] {
            let r = api
                .post(
                    &format!("/api/admin/activities/{activity}/{action}"),
                    Some(token),
                    body,
                )
                .await?;
            if r["code"].is_string() {
                bail!("{action}: {r}");
            }
        }
        Ok(Self {
            root,
            union,
            union_token,
            merchant,
            merchant_password,
            coupon,
            activity,
            starts_at,
        })
    }

    /// Waits until the activity's start has passed (a few seconds at most).
    pub async fn wait_until_open(&self) {
        while Utc::now() < self.starts_at {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Welfare {
    /// Logs the merchant's first staff account in with its initial password, changes it
    /// to `STAFF_PASSWORD` and returns the new token.
    pub async fn staff_token(&self, api: &Server) -> anyhow::Result<String> {
        let initial = &self.merchant_password;
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
}
