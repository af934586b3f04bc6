//! A production-mode cluster for the fault tests: a fresh PostgreSQL database on the
//! machine's server, a `redis-server` of the test's own on a free port (so the test may
//! stop and restart it without touching anyone else's), and `api` and `jobs` binaries
//! started against them as child processes.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tests::bench::{self, Env, Server, free_port};

/// Every wait in the suite ends by this deadline unless it says otherwise.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A `redis-server` of this test's own, without persistence: a restart loses every
/// queued message, as the worst case of a Redis restart does.
pub struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// A free port for it; not started yet.
    pub fn reserve() -> Self {
        Self {
            port: free_port().expect("a free port"),
            child: None,
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it and waits until it answers PING.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "redis already running");
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        let started = Instant::now();
        while !self.answers().await {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "redis-server on port {} did not start",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills it (SIGKILL): everything it held is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn answers(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").await.is_ok()
            && stream.read_exact(&mut reply).await.is_ok()
            && &reply == b"+PONG\r\n"
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `jobs` process with its metrics listener.
pub struct Worker {
    child: Child,
    pub metrics_port: u16,
}

impl Worker {
    /// SIGKILL: no graceful shutdown, its task left running with its lease.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The worker's `/metrics` text, or None while it does not answer.
    pub async fn metrics(&self, client: &reqwest::Client) -> Option<String> {
        let resp = client
            .get(format!("http://127.0.0.1:{}/metrics", self.metrics_port))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        resp.text().await.ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The processes of one test on one database and one Redis.
pub struct Cluster {
    pub env: Env,
    pub redis: OwnRedis,
    pub apis: Vec<Server>,
    pub workers: Vec<Worker>,
    pub client: reqwest::Client,
}

/// What every process of the suite runs with, besides the environment's basics: a
/// housekeeping pass every second, lost tasks re-enqueued after 2 s, small pools (the
/// machine's PostgreSQL is shared), metrics on.
const SUITE_SETTINGS: &[(&str, &str)] = &[
    ("HOUSEKEEPING_CRON", "* * * * * *"),
    ("TASK_REQUEUE_AFTER_SECONDS", "2"),
    ("DATABASE_MAX_CONNECTIONS", "4"),
];

impl Cluster {
    /// A fresh database and an own Redis (started unless `redis_up` is false), and
    /// no processes yet. `settings` are added to every process's environment.
    pub async fn new(redis_up: bool, settings: &[(&str, &str)]) -> Self {
        let mut redis = OwnRedis::reserve();
        if redis_up {
            redis.start().await;
        }
        let admin_url = std::env::var("FAULT_DATABASE_URL").unwrap_or_else(|_| {
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".into()
        });
        let log = std::env::var("FAULT_LOG").unwrap_or_else(|_| "off".into());
        let mut env = Env::create(&admin_url, redis.url(), "gonghui_fault", log)
            .await
            .expect("a fresh PostgreSQL database");
        env.extra = SUITE_SETTINGS
            .iter()
            .chain(settings)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self {
            env,
            redis,
            apis: Vec::new(),
            workers: Vec::new(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    /// The usual cluster: two `api` processes and two `jobs` processes, healthy.
    pub async fn two_and_two(settings: &[(&str, &str)]) -> Self {
        let mut cluster = Self::new(true, settings).await;
        cluster.start(2, 2).await;
        cluster
    }

    /// Starts `apis` api processes and `workers` jobs processes and waits until all are
    /// up (the first api applies the migrations before the others start).
    pub async fn start(&mut self, apis: usize, workers: usize) {
        for _ in 0..apis {
            self.start_api(&[]).await;
        }
        for _ in 0..workers {
            self.start_worker();
        }
        for api in &self.apis {
            api.wait_healthy().await.expect("api healthy");
        }
        self.wait_for_workers().await;
    }

    /// Starts an `api` process and waits until it answers `/health` (whatever its
    /// dependencies say), so the next one finds the migrations applied.
    pub async fn start_api(&mut self, extra: &[(&str, &str)]) -> &Server {
        let api = Server::start_api_with(&self.env, extra).expect("api starts");
        api.wait_answering().await.expect("api answers");
        self.apis.push(api);
        self.apis.last().expect("just pushed")
    }

    /// Starts a `jobs` process with a metrics listener of its own.
    pub fn start_worker(&mut self) -> &Worker {
        let metrics_port = free_port().expect("a free port");
        let mut vars = self.env.vars();
        vars.push(("METRICS_ADDR".into(), format!("127.0.0.1:{metrics_port}")));
        let child = bench::spawn("jobs", &vars).expect("jobs starts");
        self.workers.push(Worker {
            child,
            metrics_port,
        });
        self.workers.last().expect("just pushed")
    }

    /// Waits until every worker's metrics listener answers (it binds once the worker
    /// has its database connection).
    pub async fn wait_for_workers(&self) {
        let started = Instant::now();
        for worker in &self.workers {
            while worker.metrics(&self.client).await.is_none() {
                assert!(started.elapsed() < DEADLINE, "a worker did not start");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    pub async fn db(&self) -> DatabaseConnection {
        self.env.connect().await.expect("database")
    }

    /// `SELECT ... AS n` as a number.
    pub async fn count(&self, sql: &str) -> i64 {
        self.env.count(sql).await.expect(sql)
    }

    /// A digest of the roster as an admin would compare it: every member's fields (the
    /// keyed hash stands for the ID number, whose ciphertext differs by nonce) and its
    /// history, ordered by person; ids and timestamps left out.
    pub async fn roster_digest(&self) -> (i64, String) {
        let db = self.db().await;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n, md5(COALESCE(string_agg(concat_ws('|', m.name, m.phone, \
                 m.id_type, m.id_number_hash, m.id_number_masked, m.gender, m.birth_date, \
                 m.migrant_worker, m.position, m.joined_on, m.status, m.status_reason, \
                 m.left_on, m.remark, m.certified, m.unit_id IS NULL, \
                 (SELECT string_agg(e.kind || ':' || COALESCE(e.reason, ''), ',' ORDER BY e.kind) \
                  FROM member_events e WHERE e.member_id = m.id)), \
                 E'\\n' ORDER BY m.id_number_hash), '')) AS digest FROM members m",
            ))
            .await
            .expect("digest")
            .expect("a row");
        db.close().await.ok();
        (
            row.try_get("", "n").expect("n"),
            row.try_get("", "digest").expect("digest"),
        )
    }

    /// Stops every process, then drops the database.
    pub async fn tear_down(mut self) {
        self.apis.clear();
        self.workers.clear();
        self.redis.kill();
        self.env.drop_database().await.expect("drop database");
    }
}

/// Uploads a roster workbook through `api`; the import task's id.
pub async fn submit_import(api: &Server, token: &str, name: &str, file: Vec<u8>) -> i64 {
    let submitted = api
        .upload("/api/admin/member-imports", token, name, file)
        .await
        .expect("upload");
    submitted["task_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{name} refused: {submitted}"))
}

/// The value of the series `name{labels}` in a `/metrics` text (the labels as written:
/// `kind="member_import"`).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}
