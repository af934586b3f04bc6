//! Claim and redemption benchmark, production mode: the real `api` release binary on
//! PostgreSQL + Redis. One open activity with 10,000 vouchers (the time its opening took
//! is printed), 20,000 certified members (roster rows, certified app accounts and
//! sessions seeded with bulk SQL, as an import and the certification flow would leave
//! them), 64 concurrent HTTP clients claiming until sold out, then 64 clients redeeming
//! every issued voucher through the merchant's staff tokens. Reports throughput,
//! p50/p99 latency and the correctness counts read back from the database.
//!
//!     cargo build --release -p api -p jobs -p tests --bins
//!     cargo run --release -p tests --bin bench_claims
//!
//! Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
//! taken as given: without `sslmode` the connections speak TLS when the server offers
//! it; the benchmark prints which), BENCH_REDIS_URL (default redis://127.0.0.1:6379),
//! BENCH_VOUCHERS (default 10000), BENCH_LIMIT (`once`, the default, or `per_day:N`: the
//! activity allows N claims a day, and the members claim again and again — every
//! member's first claim of the day, then every member's second, … — until the vouchers
//! are gone), BENCH_MEMBERS (default 20000 for `once`, 3000 for `per_day:N`),
//! BENCH_CLIENTS (default 64), BENCH_KEEP_DB (keep the database for EXPLAIN afterwards),
//! BENCH_SETUP_SQL (statements run after seeding, to try a schema or setting change).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};
use tests::bench::{self, Connection, CpuSample, Env, Server};
use tests::rush;

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// One thread for the load generator (like `wrk -t1`): it shares the two cores with the
// server, and one thread at 0.18 of a core keeps 64 connections busy.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let limit = Limit::from_env()?;
    let vouchers = var("BENCH_VOUCHERS", 10_000);
    let members = var(
        "BENCH_MEMBERS",
        match limit {
            Limit::Once => 20_000,
            Limit::PerDay(_) => 3_000,
        },
    );
    let clients = var("BENCH_CLIENTS", 64);
    let env = Env::fresh().await?;
    println!("database connection: {}", env.tls_state().await?);
    let result = run(&env, vouchers, members, clients, limit).await;
    if std::env::var_os("BENCH_KEEP_DB").is_some() {
        println!("database kept: {}", env.database_url());
    } else {
        env.drop_database().await?;
    }
    result
}

/// The activity's claim limit (`BENCH_LIMIT`).
#[derive(Clone, Copy, Debug)]
enum Limit {
    Once,
    PerDay(usize),
}

impl Limit {
    fn from_env() -> anyhow::Result<Self> {
        let value = std::env::var("BENCH_LIMIT").unwrap_or_else(|_| "once".to_owned());
        if value == "once" {
            return Ok(Self::Once);
        }
        match value.strip_prefix("per_day:").map(str::parse) {
            Some(Ok(n)) if n >= 1 => Ok(Self::PerDay(n)),
            _ => bail!("BENCH_LIMIT must be `once` or `per_day:N` (N >= 1), not {value:?}"),
        }
    }

    /// How many claims a member may make (in one day).
    fn times(self) -> usize {
        match self {
            Self::Once => 1,
            Self::PerDay(n) => n,
        }
    }

    /// The activity's `claim_limit` in the API.
    fn json(self) -> Value {
        match self {
            Self::Once => json!({ "kind": "once" }),
            Self::PerDay(n) => json!({ "kind": "per_day", "times": n }),
        }
    }
}

/// Latency percentiles of a sample, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// What one phase produced: every response's (status, code, latency) and the wall time.
struct Phase {
    wall: Duration,
    latencies: Vec<Duration>,
    /// When each request was sent, from the phase's start (same order as `latencies`).
    sent_at: Vec<Duration>,
    codes: HashMap<String, usize>,
    ok: Vec<Value>,
    cpu: String,
}

impl Phase {
    fn report(&self, what: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let n = sorted.len();
        println!(
            "{what}: {n} requests in {:.2} s = {:.0} req/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.wall.as_secs_f64(),
            n as f64 / self.wall.as_secs_f64(),
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.99),
            percentile(&sorted, 1.0),
        );
        let mut codes: Vec<_> = self.codes.iter().collect();
        codes.sort();
        println!("  answers: {codes:?}");
        println!(
            "  answers over 50 ms by tenth of the phase (when sent): {:?}",
            self.slow_by_tenth(Duration::from_millis(50))
        );
        println!("  {}", self.cpu);
    }

    /// Where in the phase the slow answers were: a start-up or sell-out tail, or spread.
    fn slow_by_tenth(&self, over: Duration) -> [usize; 10] {
        let mut tenths = [0; 10];
        for (sent, took) in self.sent_at.iter().zip(&self.latencies) {
            if *took > over {
                let tenth = (sent.as_secs_f64() / self.wall.as_secs_f64() * 10.0) as usize;
                tenths[tenth.min(9)] += 1;
            }
        }
        tenths
    }
}

/// `clients` tasks, each on its own connection, POSTing `(path, token, body)` jobs taken
/// from a shared cursor until the list is exhausted or `stop` is set by an answer.
async fn hammer(
    api: &Server,
    clients: usize,
    jobs: Vec<(String, String, Value)>,
    stop_on: Option<&'static str>,
) -> anyhow::Result<Phase> {
    let jobs = Arc::new(jobs);
    let cursor = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        connections.push(Connection::open(&api.addr).await?);
    }
    let cpu = CpuSample::take(api.pid());
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for mut connection in connections {
        let (jobs, cursor, stop) = (jobs.clone(), cursor.clone(), stop.clone());
        set.spawn(async move {
            let mut out: Vec<(Duration, Duration, u16, String, Value)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let i = cursor.fetch_add(1, Ordering::Relaxed);
                let Some((path, token, body)) = jobs.get(i) else {
                    break;
                };
                let t = Instant::now();
                let (status, body) = connection.post_json(path, token, body).await?;
                let took = t.elapsed();
                let code = if status < 300 {
                    status.to_string()
                } else {
                    body["code"].as_str().unwrap_or("?").to_owned()
                };
                if stop_on == Some(code.as_str()) {
                    stop.store(true, Ordering::Relaxed);
                }
                out.push((t - started, took, status, code, body));
            }
            anyhow::Ok(out)
        });
    }
    let mut phase = Phase {
        wall: Duration::ZERO,
        latencies: Vec::new(),
        sent_at: Vec::new(),
        codes: HashMap::new(),
        ok: Vec::new(),
        cpu: String::new(),
    };
    while let Some(done) = set.join_next().await {
        for (sent_at, took, status, code, body) in done?? {
            phase.sent_at.push(sent_at);
            phase.latencies.push(took);
            *phase.codes.entry(code).or_default() += 1;
            if status < 300 {
                phase.ok.push(body);
            }
        }
    }
    phase.wall = started.elapsed();
    phase.cpu = cpu.split_since(&CpuSample::take(api.pid()), phase.wall, "api");
    Ok(phase)
}

async fn run(
    env: &Env,
    vouchers: usize,
    members: usize,
    clients: usize,
    limit: Limit,
) -> anyhow::Result<()> {
    let api = Server::start_api(env)?;
    // Opening more than OPEN_INLINE_SLOTS vouchers is a task for a jobs worker.
    let worker = bench::spawn("jobs", &env.vars())?;
    api.wait_healthy().await?;
    let db = env.connect().await?;

    let setup = rush::open_activity(&api, vouchers, limit.json()).await;
    bench::stop_worker(worker);
    let setup = setup?;
    let activity_id = setup.activity_id;
    println!(
        "opened {vouchers} vouchers (limit {limit:?}): Open answered {} in {:.2} s, 已开启 after {:.2} s",
        setup.opening.answered_status,
        setup.opening.answered_in.as_secs_f64(),
        setup.opening.open_after.as_secs_f64()
    );

    // The roster and the certified accounts, in bulk as an import plus certification
    // would leave them; each account gets a session (`rush::member_token`).
    let seeding = Instant::now();
    let mut accounts = rush::certified_members(&db, setup.union, members).await?;
    // An experiment's schema or setting change, applied before the rush.
    if let Ok(sql) = std::env::var("BENCH_SETUP_SQL") {
        rush::exec(&db, &sql).await?;
        rush::exec(&db, "ANALYZE").await?;
        accounts = rush::ids(&db, "SELECT id FROM app_accounts ORDER BY id").await?;
    }
    println!(
        "seeded {} certified members with sessions in {:.1} s; {} free vouchers",
        accounts.len(),
        seeding.elapsed().as_secs_f64(),
        env.count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers WHERE activity_id = {activity_id} AND member_id IS NULL"
        ))
        .await?
    );
    setup.wait_until_open().await?;

    // Phase 1: every member claims once, 64 at a time, until an answer is SOLD_OUT; under
    // a per-day limit of N, then every member a second time, …, up to N times.
    let path = setup.claim_path();
    let claims: Vec<(String, String, Value)> = (0..limit.times())
        .flat_map(|_| accounts.iter())
        .map(|id| (path.clone(), rush::member_token(*id), json!({})))
        .collect();
    let claimed = hammer(&api, clients, claims, Some("SOLD_OUT")).await?;
    claimed.report("claims");
    let issued = env
        .count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers WHERE activity_id = {activity_id} AND member_id IS NOT NULL"
        ))
        .await?;
    let per_member = env
        .count(&format!(
            "SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM vouchers \
             WHERE activity_id = {activity_id} AND member_id IS NOT NULL GROUP BY member_id) x"
        ))
        .await?;
    let per_member_day = env
        .count(&format!(
            "SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM claims \
             WHERE activity_id = {activity_id} GROUP BY member_id, day_key) x"
        ))
        .await?;
    let days = env
        .count(&format!(
            "SELECT COUNT(DISTINCT day_key) AS n FROM claims WHERE activity_id = {activity_id}"
        ))
        .await?;
    let claim_rows = env
        .count(&format!(
            "SELECT COUNT(*) AS n FROM claims WHERE activity_id = {activity_id}"
        ))
        .await?;
    println!(
        "  vouchers issued {issued} of {vouchers}; claim rows {claim_rows}; \
         201 answers {}; max vouchers per member {per_member}, max claims per member and \
         day {per_member_day} over {days} day(s) (limit: {limit:?})",
        claimed.ok.len()
    );

    // Phase 2: the merchant's staff redeem every issued voucher, 64 at a time.
    let staff_token = rush::staff_token(&api, &setup).await?;
    let codes: Vec<String> = claimed
        .ok
        .iter()
        .filter_map(|b| b["code"].as_str().map(str::to_owned))
        .collect();
    let redemptions: Vec<(String, String, Value)> = codes
        .iter()
        .map(|c| {
            (
                "/api/merchant/redemptions".to_owned(),
                staff_token.clone(),
                json!({ "code": c }),
            )
        })
        .collect();
    let redeemed = hammer(&api, clients, redemptions, None).await?;
    redeemed.report("redemptions");
    // A second pass over the first thousand codes: every one must be ALREADY_REDEEMED.
    let again: Vec<(String, String, Value)> = codes
        .iter()
        .take(1000)
        .map(|c| {
            (
                "/api/merchant/redemptions".to_owned(),
                staff_token.clone(),
                json!({ "code": c }),
            )
        })
        .collect();
    let replays = hammer(&api, clients, again, None).await?;
    let rows = env
        .count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers WHERE activity_id = {activity_id} AND status = 'redeemed'"
        ))
        .await?;
    let distinct_ok: std::collections::HashSet<&str> = redeemed
        .ok
        .iter()
        .filter_map(|b| b["code"].as_str())
        .collect();
    println!(
        "  redeemed rows {rows}; 201 answers {} for {} distinct codes; second pass: {:?}",
        redeemed.ok.len(),
        distinct_ok.len(),
        replays.codes
    );
    println!("api peak RSS {:.0} MB", bench::peak_rss_mb(api.pid()));

    let mut failures = Vec::new();
    let expected = vouchers.min(members * limit.times()) as i64;
    if issued != expected {
        failures.push(format!("issued {issued}, expected {expected}"));
    }
    if claim_rows != issued || claimed.ok.len() as i64 != issued {
        failures.push(format!(
            "{claim_rows} claim rows and {} 201 answers for {issued} vouchers",
            claimed.ok.len()
        ));
    }
    let times = limit.times() as i64;
    if per_member_day > times || per_member > times * days {
        failures.push(format!(
            "a member holds {per_member} vouchers, {per_member_day} claims in a day"
        ));
    }
    if rows != issued || redeemed.ok.len() != distinct_ok.len() || distinct_ok.len() != codes.len()
    {
        failures.push("a voucher redeemed twice or not at all".into());
    }
    if replays.codes.get("ALREADY_REDEEMED").copied() != Some(replays.latencies.len()) {
        failures.push("a second redemption did not answer ALREADY_REDEEMED".into());
    }
    if !failures.is_empty() {
        bail!("{failures:?}");
    }
    println!("correctness: OK");
    Ok(())
}
