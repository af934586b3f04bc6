//! Opening benchmark, production mode: the real `api` and `jobs` release binaries on
//! PostgreSQL + Redis. One approved activity with one prize of BENCH_VOUCHERS vouchers
//! (default 1,000,000) is opened over HTTP; prints the Open request's answer time (the
//! admin's wait: above `OPEN_INLINE_SLOTS` it answers 开启中 at once), the time until
//! the activity is 已开启 (the opening task created every voucher), the vouchers and
//! distinct codes read back, and whether the database connection speaks TLS.
//!
//!     cargo build --release -p api -p jobs -p tests --bins
//!     cargo run --release -p tests --bin bench_open
//!
//! Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
//! taken as given), BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_VOUCHERS
//! (default 1000000), BENCH_OPEN_INLINE_SLOTS (the api's OPEN_INLINE_SLOTS; default its
//! own), BENCH_KEEP_DB (keep the database afterwards).

use tests::bench::{self, Env, Server};
use tests::rush;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let vouchers: usize = std::env::var("BENCH_VOUCHERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let env = Env::fresh().await?;
    println!("database connection: {}", env.tls_state().await?);
    let result = run(&env, vouchers).await;
    if std::env::var_os("BENCH_KEEP_DB").is_some() {
        println!("database kept: {}", env.database_url());
    } else {
        env.drop_database().await?;
    }
    result
}

async fn run(env: &Env, vouchers: usize) -> anyhow::Result<()> {
    let inline = std::env::var("BENCH_OPEN_INLINE_SLOTS").ok();
    let extra: Vec<(&str, &str)> = inline
        .as_deref()
        .map(|n| vec![("OPEN_INLINE_SLOTS", n)])
        .unwrap_or_default();
    let api = Server::start_api_with(env, &extra)?;
    // A deployed worker is already running when an admin opens an activity.
    let worker = bench::spawn("jobs", &env.vars())?;
    api.wait_healthy().await?;
    let setup = rush::open_activity(&api, vouchers, serde_json::json!({ "kind": "once" })).await;
    let peak_rss = bench::stop_worker(worker);
    let setup = setup?;
    let id = setup.activity_id;
    let made = env
        .count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers WHERE activity_id = {id}"
        ))
        .await?;
    let distinct = env
        .count(&format!(
            "SELECT COUNT(DISTINCT code) AS n FROM vouchers WHERE activity_id = {id}"
        ))
        .await?;
    let o = &setup.opening;
    println!("vouchers opened                           {vouchers}");
    println!(
        "Open request answered                     {:.3} s ({})",
        o.answered_in.as_secs_f64(),
        o.answered_status
    );
    println!(
        "until 已开启                               {:.2} s",
        o.open_after.as_secs_f64()
    );
    println!("vouchers / distinct codes in the database {made} / {distinct}");
    println!("jobs worker peak RSS                      {peak_rss:.0} MB");
    if made != vouchers as i64 || distinct != made {
        anyhow::bail!("expected {vouchers} vouchers with distinct codes");
    }
    Ok(())
}
