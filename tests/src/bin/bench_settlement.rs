//! Settlement report benchmark, production mode: one union's finished activity with
//! 100,000 claimed vouchers (90% redeemed across 20 merchants and 5 coupons, 5% expired,
//! 5% unused past their window), seeded by bulk SQL into PostgreSQL; then the report is
//! asked for through the release `api` binary and written by a separate release `jobs`
//! worker over Redis. Reports the time from the 202 to 执行成功 with the result file
//! ready, and the worker's peak RSS.
//!
//!     cargo build --release -p api -p jobs -p tests --bins && ./target/release/bench_settlement
//!
//! Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (as bench_import), BENCH_VOUCHERS
//! (default 100000).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;
use tests::bench::{self, Env, Server};

const MERCHANTS: i64 = 20;
const COUPONS: i64 = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vouchers: i64 = std::env::var("BENCH_VOUCHERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let env = Env::fresh().await?;
    let result = run(&env, vouchers).await;
    env.drop_database().await?;
    let outcome = result?;
    println!(
        "report 202 → 执行成功 with result file   {:.2} s",
        outcome.elapsed.as_secs_f64()
    );
    println!(
        "jobs worker peak RSS                     {:.0} MB",
        outcome.peak_rss_mb
    );
    println!(
        "result workbook                          {:.1} MB, {} detail rows",
        outcome.file_bytes as f64 / 1e6,
        outcome.rows
    );
    Ok(())
}

struct Outcome {
    elapsed: Duration,
    peak_rss_mb: f64,
    file_bytes: usize,
    rows: i64,
}

async fn run(env: &Env, vouchers: i64) -> anyhow::Result<Outcome> {
    let api = Server::start_api(env)?;
    let worker = bench::spawn("jobs", &env.vars())?;
    api.wait_healthy().await?;
    let token = api.union_admin_token().await?;
    let started = Instant::now();
    let activity = seed(env, vouchers).await?;
    println!(
        "seeded {vouchers} claimed vouchers, {MERCHANTS} merchants, {COUPONS} coupons in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let submitted = api
        .post(
            &format!("/api/admin/activities/{activity}/settlement-reports"),
            Some(&token),
            serde_json::json!({}),
        )
        .await?;
    let accepted = Instant::now();
    let task_id = submitted["task_id"]
        .as_i64()
        .with_context(|| format!("report refused: {submitted}"))?;
    let task = api.wait_for_result(task_id, &token).await?;
    let elapsed = accepted.elapsed();
    let peak_rss_mb = bench::stop_worker(worker);

    let file = api
        .client
        .get(format!("{}/api/admin/tasks/{task_id}/result", api.base))
        .bearer_auth(&token)
        .send()
        .await?
        .bytes()
        .await?;
    if !file.starts_with(b"PK") {
        bail!("the result is not an xlsx");
    }
    let rows = task["total"].as_i64().unwrap_or_default();
    if rows != vouchers {
        bail!("wrong row count: {task}");
    }
    Ok(Outcome {
        elapsed,
        peak_rss_mb,
        file_bytes: file.len(),
        rows,
    })
}

/// Bulk rows straight into PostgreSQL, as claims and redemptions would have left them;
/// returns the activity id.
async fn seed(env: &Env, vouchers: i64) -> anyhow::Result<i64> {
    let db = env.connect().await?;
    let union = "(SELECT id FROM organisations WHERE name = '基准测试工会')";
    let statements = [
        format!(
            "INSERT INTO units (org_id, name, collective_bargaining, employee_count,
                 migrant_worker_count, created_at, updated_at)
             SELECT {union}, '单位' || g, false, 0, 0, now(), now() FROM generate_series(1, 10) g"
        ),
        format!(
            "INSERT INTO merchants (org_id, name, contact_name, phone, kind, tags, online,
                 version, created_at, updated_at)
             SELECT {union}, '商家' || g, '联系人' || g, '137' || lpad(g::text, 8, '0'),
                 'merchant', '[]', true, 1, now(), now()
             FROM generate_series(1, {MERCHANTS}) g"
        ),
        "INSERT INTO merchant_staff (merchant_id, name, phone, password_hash,
             must_change_password, disabled, is_owner, created_at, updated_at)
         SELECT id, '核销员' || id, '136' || lpad(id::text, 8, '0'), 'x', false, false, true,
             now(), now()
         FROM merchants"
            .to_owned(),
        format!(
            "INSERT INTO coupons (merchant_id, org_id, kind, title, name, quantity, reserved,
                 valid_from, valid_to, amount_fen, enabled, version, created_at, updated_at)
             SELECT m.id, m.org_id, 'union_activity', '福利券' || m.id, '福利' || m.id, {vouchers},
                 {vouchers}, now() - interval '40 days', now() - interval '1 day',
                 1000 * m.id + 88, true, 1, now(), now()
             FROM merchants m ORDER BY m.id LIMIT {COUPONS}"
        ),
        format!(
            "INSERT INTO activities (org_id, title, claim_limit_kind, scope_org_id, starts_at,
                 ends_at, content_html, birthday_only, status, review_status, created_by,
                 version, created_at, updated_at)
             SELECT {union}, '中秋节福利发放', 'once', {union}, now() - interval '40 days',
                 now() - interval '10 days', '<p>领取</p>', false, 'closed', 'approved',
                 (SELECT id FROM admin_accounts WHERE username = 'bench'), 1, now(), now()"
        ),
        "INSERT INTO activity_prizes (activity_id, coupon_id, quantity, created_at)
         SELECT a.id, c.id, c.quantity, now() FROM activities a CROSS JOIN coupons c"
            .to_owned(),
        format!(
            "INSERT INTO members (org_id, unit_id, name, phone, id_type, id_number_enc,
                 id_number_hash, id_number_masked, migrant_worker, status, certified,
                 created_at, updated_at)
             SELECT {union}, (SELECT min(id) FROM units) + g % 10, '会员' || g,
                 '138' || lpad(g::text, 8, '0'), 'resident_id', 'v1:bench:x',
                 md5(g::text) || md5((g + 1)::text), '370***********' || lpad((g % 10000)::text, 4, '0'),
                 false, 'active', true, now(), now()
             FROM generate_series(1, {vouchers}) g"
        ),
        // 90% redeemed (by 20 merchants), 5% expired, 5% unused past the window.
        format!(
            "INSERT INTO vouchers (activity_id, prize_id, coupon_id, code, status, member_id,
                 holder_name_masked, holder_phone_masked, valid_from, valid_to, amount_fen, claimed_at,
                 redeemed_at, redeemed_by_merchant_id, redeemed_by_staff_id, expired_at, created_at)
             SELECT p.activity_id, p.id, p.coupon_id, upper(substr(md5('v' || m.n), 1, 24)),
                 CASE WHEN m.n % 20 = 0 THEN 'expired' WHEN m.n % 20 = 1 THEN 'unused'
                      ELSE 'redeemed' END,
                 m.id, '会*', '138****0000', c.valid_from, c.valid_to, c.amount_fen,
                 now() - interval '30 days' + m.n * interval '1 second',
                 CASE WHEN m.n % 20 > 1 THEN now() - interval '20 days' + m.n * interval '1 second' END,
                 CASE WHEN m.n % 20 > 1 THEN (SELECT min(id) FROM merchants) + m.n % {MERCHANTS} END,
                 CASE WHEN m.n % 20 > 1 THEN (SELECT min(id) FROM merchant_staff) + m.n % {MERCHANTS} END,
                 CASE WHEN m.n % 20 = 0 THEN now() - interval '1 day' END,
                 now() - interval '40 days'
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM members) m
             JOIN (SELECT id, activity_id, coupon_id, row_number() OVER (ORDER BY id) - 1 AS k
                   FROM activity_prizes) p ON p.k = m.n % {COUPONS}
             JOIN coupons c ON c.id = p.coupon_id
             ORDER BY m.n"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql)
            .await
            .with_context(|| sql.clone())?;
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM activities LIMIT 1".to_owned(),
        ))
        .await?
        .context("the activity")?;
    let id = row.try_get::<i64>("", "id")?;
    db.close().await?;
    Ok(id)
}
