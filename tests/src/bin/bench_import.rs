//! Roster import benchmark, production mode: a generated 100,000-row template imported
//! through the real `api` and `jobs` release binaries on PostgreSQL + Redis. Reports the
//! time from the upload's 202 to 执行成功 with the result file ready, the worker's peak
//! RSS, and the raw parse time of the same file.
//!
//!     cargo build --release -p api -p jobs && cargo run --release -p tests --bin bench_import
//!
//! Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, taken as
//! given: without `sslmode` the connections speak TLS when the server offers it; the
//! benchmark prints which),
//! BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_ROWS (default 100000).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tests::bench::{self, CpuSample, Env, Server};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let file = tests::roster_file::generate(rows)?;
    println!("generated {rows} rows, {:.1} MB", file.len() as f64 / 1e6);

    let limits = jobs::import::reader::Limits {
        max_rows: 200_000,
        max_uncompressed_bytes: 512 << 20,
    };
    let started = Instant::now();
    let parsed = jobs::import::reader::read(&file, limits).map_err(|e| anyhow::anyhow!("{e}"))?;
    let parse_time = started.elapsed();
    assert_eq!(parsed.len(), rows);
    drop(parsed);

    let env = Env::fresh().await?;
    println!("database connection: {}", env.tls_state().await?);
    let result = run(&env, rows, file).await;
    env.drop_database().await?;
    let (import_time, peak_rss) = result?;
    println!(
        "raw parse of the file (calamine + rows)   {:.2} s",
        parse_time.as_secs_f64()
    );
    println!(
        "upload 202 → 执行成功 with result file     {:.2} s",
        import_time.as_secs_f64()
    );
    println!("jobs worker peak RSS                      {peak_rss:.0} MB");
    Ok(())
}

async fn run(env: &Env, rows: usize, file: Vec<u8>) -> anyhow::Result<(Duration, f64)> {
    let api = Server::start_api(env)?;
    let worker = bench::spawn("jobs", &env.vars())?;
    api.wait_healthy().await?;
    let token = api.union_admin_token().await?;
    // A file without rows first: the worker refuses it, which shows it is up and
    // connected before the clock starts (a deployed worker is already running).
    let empty = tests::roster_file::generate(0)?;
    let warm_up = api
        .upload("/api/admin/member-imports", &token, "空表.xlsx", empty)
        .await?;
    let warm_up = warm_up["task_id"].as_i64().context("warm-up task")?;
    api.wait_for_end(warm_up, &token).await?;

    let submitted = api
        .upload(
            "/api/admin/member-imports",
            &token,
            "会员信息采集表.xlsx",
            file,
        )
        .await?;
    let accepted = Instant::now();
    let cpu = CpuSample::take(worker.id());
    let task_id = submitted["task_id"]
        .as_i64()
        .with_context(|| format!("upload refused: {submitted}"))?;
    let task = api.wait_for_result(task_id, &token).await?;
    let elapsed = accepted.elapsed();
    let cpu = cpu.split_since(&CpuSample::take(worker.id()), elapsed, "jobs worker");
    let peak = bench::stop_worker(worker);
    println!("{cpu}");

    let members = env.count("SELECT COUNT(*) AS n FROM members").await?;
    println!(
        "task: inserted {} updated {} failed {}; members in database {members}",
        task["inserted"], task["updated"], task["failed"]
    );
    if members != rows as i64 || task["inserted"].as_i64() != Some(rows as i64) {
        bail!("wrong counts");
    }
    Ok((elapsed, peak))
}
