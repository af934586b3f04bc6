//! Federation dashboard benchmark, production mode: a city of 10 districts, 500 grassroots
//! unions and 300,000 members (PostgreSQL), then `GET /api/admin/stats` as the city
//! federation through the release `api` binary. Reports the median and worst of 20 calls.
//!
//!     cargo build --release -p api -p jobs && cargo run --release -p tests --bin bench_stats
//!
//! Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (as bench_import).

use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::ConnectionTrait;
use tests::bench::{Env, Server};

const DISTRICTS: i64 = 10;
const UNIONS: i64 = 500;
const MEMBERS: i64 = 300_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = Env::fresh().await?;
    let result = run(&env).await;
    env.drop_database().await?;
    let (median, worst, lines) = result?;
    println!("organisations on the dashboard   {lines}");
    println!(
        "GET /api/admin/stats median      {:.0} ms",
        median.as_secs_f64() * 1000.0
    );
    println!(
        "GET /api/admin/stats worst of 20 {:.0} ms",
        worst.as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn run(env: &Env) -> anyhow::Result<(Duration, Duration, usize)> {
    let api = Server::start_api(env)?;
    api.wait_healthy().await?;
    let token = api.root_token().await?;
    seed(env).await?;
    println!("seeded {DISTRICTS} districts, {UNIONS} unions, {MEMBERS} members");

    let mut times = Vec::new();
    let mut lines = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let body = api.get("/api/admin/stats", &token).await?;
        times.push(started.elapsed());
        lines = body["lines"].as_array().context("lines")?.len();
        anyhow::ensure!(
            body["total"]["members"].as_i64() == Some(MEMBERS * 9 / 10),
            "wrong total: {}",
            body["total"]
        );
    }
    times.sort();
    Ok((times[times.len() / 2], times[times.len() - 1], lines))
}

/// Bulk rows straight into PostgreSQL: the dashboard reads them like any others.
async fn seed(env: &Env) -> anyhow::Result<()> {
    let db = env.connect().await?;
    let statements = [
        format!(
            "INSERT INTO organisations (parent_id, path, depth, kind, name, created_at, updated_at)
             SELECT 1, '/pending/', 1, 'district_federation', '区县总工会' || g, now(), now()
             FROM generate_series(1, {DISTRICTS}) g"
        ),
        "UPDATE organisations SET path = '/1/' || id || '/' WHERE depth = 1".to_owned(),
        format!(
            "INSERT INTO organisations (parent_id, path, depth, kind, name, created_at, updated_at)
             SELECT d.id, d.path, 2, 'grassroots_union', '基层工会' || g, now(), now()
             FROM generate_series(1, {UNIONS}) g
             JOIN organisations d ON d.depth = 1 AND d.name = '区县总工会' || (1 + g % {DISTRICTS})"
        ),
        "UPDATE organisations SET path = path || id || '/' WHERE depth = 2".to_owned(),
        format!(
            "INSERT INTO members (org_id, name, phone, id_type, id_number_enc, id_number_hash,
                 id_number_masked, migrant_worker, status, certified, created_at, updated_at)
             SELECT u.id, '会员' || g, '138' || lpad(g::text, 8, '0'), 'resident_id', 'v1:bench:x',
                 md5(g::text) || md5((g + 1)::text), '370***********0000', g % 5 = 0,
                 CASE WHEN g % 10 = 0 THEN 'retired' ELSE 'active' END, g % 3 = 0, now(), now()
             FROM generate_series(1, {MEMBERS}) g
             JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM organisations WHERE depth = 2) u
               ON u.n = 1 + g % {UNIONS}"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql)
            .await
            .with_context(|| sql.clone())?;
    }
    db.close().await?;
    Ok(())
}
