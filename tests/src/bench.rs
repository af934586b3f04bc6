//! Plumbing of the benchmarks and the fault suite: a fresh PostgreSQL database and
//! Redis queue, the `api` and `jobs` binaries started against them as child processes,
//! and a small HTTP client.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "Bench2026pass";
/// The bootstrap admin's one-time password (`BOOTSTRAP_ADMIN_PASSWORD`).
pub const BOOTSTRAP_PASSWORD: &str = "BenchRoot2026";

/// A fresh database (dropped by `drop_database`) and a queue name of its own.
pub struct Env {
    server_url: String,
    /// The URL's query (`?sslmode=…`, if any), kept for every connection.
    options: String,
    pub database: String,
    pub redis_url: String,
    pub queue: String,
    pub encryption_key: String,
    /// `RUST_LOG` of the processes.
    pub log: String,
    /// More settings for every process started on this environment.
    pub extra: Vec<(String, String)>,
}

/// The URL as a user would write it: no `sslmode`, so the driver's default (`prefer`)
/// speaks TLS to a server that offers it, as this machine's PostgreSQL does.
const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl Env {
    /// A benchmark's: `BENCH_DATABASE_URL`, `BENCH_REDIS_URL`, `BENCH_LOG`.
    pub async fn fresh() -> anyhow::Result<Self> {
        let admin_url =
            std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| LOCAL_POSTGRES.into());
        let redis_url =
            std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let log = std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into());
        Self::create(&admin_url, redis_url, "gonghui_bench", log).await
    }

    /// A new database `<prefix>_<uuid>` on the server of `admin_url` (a URL of its
    /// `postgres` database), with a queue name and an encryption key of its own.
    pub async fn create(
        admin_url: &str,
        redis_url: String,
        prefix: &str,
        log: String,
    ) -> anyhow::Result<Self> {
        let (base, options) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let options = if options.is_empty() {
            String::new()
        } else {
            format!("?{options}")
        };
        let (server_url, _) = base.rsplit_once('/').context("URL ends with /database")?;
        let database = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .context("PostgreSQL reachable")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await?;
        admin.close().await?;
        Ok(Self {
            server_url: server_url.to_owned(),
            options,
            database,
            redis_url,
            queue: format!("gonghui.{prefix}.{}", uuid::Uuid::new_v4().simple()),
            encryption_key: entity::crypto::PiiCipher::generate_key(),
            log,
            extra: Vec::new(),
        })
    }

    /// The URL of the server's `postgres` database (to create, drop, or watch others).
    pub fn admin_url(&self) -> String {
        format!("{}/postgres{}", self.server_url, self.options)
    }

    pub fn database_url(&self) -> String {
        format!("{}/{}{}", self.server_url, self.database, self.options)
    }

    /// The environment of a production-mode process.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("DATABASE_URL".into(), self.database_url()),
            ("REDIS_URL".into(), self.redis_url.clone()),
            ("QUEUE_NAME".into(), self.queue.clone()),
            ("ENCRYPTION_KEY".into(), self.encryption_key.clone()),
            ("RUN_WORKERS".into(), "false".into()),
            ("BOOTSTRAP_ADMIN_PASSWORD".into(), BOOTSTRAP_PASSWORD.into()),
            ("RUST_LOG".into(), self.log.clone()),
        ];
        vars.extend(self.extra.iter().cloned());
        vars
    }

    pub async fn connect(&self) -> anyhow::Result<DatabaseConnection> {
        Ok(Database::connect(self.database_url()).await?)
    }

    /// Whether a connection made with the benchmark's URL speaks TLS to the server, as
    /// a benchmark prints it: "TLS (TLSv1.3)" or "no TLS".
    pub async fn tls_state(&self) -> anyhow::Result<String> {
        let db = self.connect().await?;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT ssl, COALESCE(version, '') AS version FROM pg_stat_ssl \
                 WHERE pid = pg_backend_pid()"
                    .to_owned(),
            ))
            .await?
            .context("a row of pg_stat_ssl")?;
        let ssl: bool = row.try_get("", "ssl")?;
        let version: String = row.try_get("", "version")?;
        db.close().await?;
        Ok(if ssl {
            format!("TLS ({version})")
        } else {
            "no TLS".to_owned()
        })
    }

    pub async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        let db = self.connect().await?;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                sql.to_owned(),
            ))
            .await?
            .context("a row")?;
        let n = row.try_get::<i64>("", "n")?;
        db.close().await?;
        Ok(n)
    }

    pub async fn drop_database(&self) -> anyhow::Result<()> {
        let admin = Database::connect(self.admin_url()).await?;
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.database
            ))
            .await?;
        Ok(())
    }
}

/// The `api` or `jobs` binary of the profile this program was built with: next to it
/// (a benchmark in `target/release/`) or one folder up (a test in `target/debug/deps/`).
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me.parent().context("binary dir")?;
    let candidates = [Some(dir), dir.parent()];
    if let Some(path) = candidates
        .into_iter()
        .flatten()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
    {
        return Ok(path);
    }
    bail!(
        "{name} not found beside {}: build it first (`cargo build --release -p api -p jobs` \
         for the benchmarks, `cargo build -p api -p jobs` for the fault suite)",
        dir.display()
    )
}

pub fn spawn(name: &str, vars: &[(String, String)]) -> anyhow::Result<Child> {
    Ok(Command::new(binary(name)?)
        .envs(vars.iter().cloned())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()?)
}

/// Stops a worker process and returns its peak resident set size in MB.
pub fn stop_worker(mut worker: Child) -> f64 {
    let peak = peak_rss_mb(worker.id());
    let _ = Command::new("kill").arg(worker.id().to_string()).status();
    let _ = worker.wait();
    peak
}

/// Peak resident set size (VmHWM) of a running process, in MB.
pub fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds used so far: by the machine (all cores, busy time), by one process (the
/// api, the jobs worker) and by this benchmark process, read from `/proc` (clock ticks
/// of 1/100 s).
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuSample {
    pub machine: f64,
    pub process: f64,
    pub client: f64,
}

impl CpuSample {
    pub fn take(pid: u32) -> Self {
        let ticks = |pid: &str| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    // Fields after the parenthesised command name: utime is the 12th, stime the 13th.
                    let rest = s.rsplit_once(')')?.1;
                    let f: Vec<&str> = rest.split_whitespace().collect();
                    Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
                })
                .unwrap_or(0.0)
                / 100.0
        };
        let machine = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let f: Vec<f64> = s
                    .lines()
                    .next()?
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|v| v.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
                Some(f.iter().sum::<f64>() - f.get(3)? - f.get(4)?)
            })
            .unwrap_or(0.0)
            / 100.0;
        Self {
            machine,
            process: ticks(&pid.to_string()),
            client: ticks("self"),
        }
    }

    /// Where the CPU went between `self` and `later`, per second of `wall`, as a line:
    /// the process (called `name`), this client, and everything else (PostgreSQL,
    /// Redis, other processes).
    pub fn split_since(&self, later: &Self, wall: Duration, name: &str) -> String {
        let w = wall.as_secs_f64().max(1e-9);
        let (machine, process, client) = (
            later.machine - self.machine,
            later.process - self.process,
            later.client - self.client,
        );
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        format!(
            "cores busy {:.2} of {cores}: {name} {:.2}, benchmark client {:.2}, rest (PostgreSQL, Redis) {:.2}",
            machine / w,
            process / w,
            client / w,
            (machine - process - client) / w
        )
    }
}

/// One keep-alive HTTP/1.1 connection to the server: what a simulated client of a
/// load phase sends its requests over, one at a time, like a wrk connection. Lighter
/// than a shared `reqwest` client (no pool to lock, no URL parsing per request), so
/// the load generator takes less of the cores it shares with the server.
pub struct Connection {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
    host: String,
}

impl Connection {
    pub async fn open(addr: &str) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self {
            sender,
            host: addr.to_owned(),
        })
    }

    /// POSTs a JSON body with a bearer token; the status and the JSON answer (`Null`
    /// when the body is not JSON).
    pub async fn post_json(
        &mut self,
        path: &str,
        token: &str,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        use http_body_util::BodyExt;
        let request = hyper::Request::post(path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from(
                serde_json::to_vec(body)?,
            )))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }
}

/// A running `api` process and a client for it; killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:<port>`
    pub addr: String,
    pub base: String,
    pub client: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// A port free now on 127.0.0.1 (for a child process to bind).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Server {
    pub fn start_api(env: &Env) -> anyhow::Result<Self> {
        Self::start_api_with(env, &[])
    }

    /// An `api` process with settings beyond the environment's.
    pub fn start_api_with(env: &Env, extra: &[(&str, &str)]) -> anyhow::Result<Self> {
        let mut vars = env.vars();
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self::start_api_on(vars)
    }

    /// An `api` process with exactly these settings and a free port (e.g. in embedded mode).
    pub fn start_api_on(mut vars: Vec<(String, String)>) -> anyhow::Result<Self> {
        let addr = format!("127.0.0.1:{}", free_port()?);
        vars.push(("APP_ADDR".into(), addr.clone()));
        Ok(Self {
            child: spawn("api", &vars)?,
            base: format!("http://{addr}"),
            addr,
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .build()?,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn wait_healthy(&self) -> anyhow::Result<()> {
        self.wait_for_health(|status| status.is_success()).await
    }

    /// Waits until `/health` answers at all (a dependency may be down), for 60 s at most.
    pub async fn wait_answering(&self) -> anyhow::Result<()> {
        self.wait_for_health(|_| true).await
    }

    async fn wait_for_health(
        &self,
        accept: impl Fn(reqwest::StatusCode) -> bool,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = self
                .client
                .get(format!("{}/health", self.base))
                .send()
                .await
                && accept(r.status())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("api did not answer /health as expected within 60 s")
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Ok(req.send().await?.json().await.unwrap_or(Value::Null))
    }

    /// Polls a task every 10 ms until it succeeded with its result file; fails on
    /// 执行失败 or after 300 s.
    pub async fn wait_for_result(&self, task_id: i64, token: &str) -> anyhow::Result<Value> {
        let task = self.wait_for_end(task_id, token).await?;
        match task["status"].as_str() {
            Some("succeeded") => Ok(task),
            _ => bail!("task failed: {task}"),
        }
    }

    /// Polls a task until it has succeeded with its result file, or failed.
    pub async fn wait_for_end(&self, task_id: i64, token: &str) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let task = self
                .get(&format!("/api/admin/tasks/{task_id}"), token)
                .await?;
            match task["status"].as_str() {
                Some("succeeded") if task["has_result"] == true => return Ok(task),
                Some("failed") => return Ok(task),
                _ if started.elapsed() > Duration::from_secs(300) => {
                    bail!("no result after 300 s: {task}")
                }
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> anyhow::Result<Value> {
        Ok(self
            .client
            .get(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?)
    }

    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<Value> {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await?;
        Ok(resp.json().await?)
    }

    /// Logs in with a one-time initial password and changes it; returns the new token.
    pub async fn activate(&self, username: &str, initial: &str) -> anyhow::Result<String> {
        let login = self
            .post(
                "/api/admin/login",
                None,
                json!({ "username": username, "password": initial }),
            )
            .await?;
        let token = login["token"].as_str().context("login token")?;
        let changed = self
            .post(
                "/api/admin/password",
                Some(token),
                json!({ "old_password": initial, "new_password": ADMIN_PASSWORD }),
            )
            .await?;
        Ok(changed["token"].as_str().context("new token")?.to_owned())
    }

    /// The bootstrap admin, password changed.
    pub async fn root_token(&self) -> anyhow::Result<String> {
        self.activate("admin", BOOTSTRAP_PASSWORD).await
    }

    /// Creates a grassroots union under the root with admin `username`; its id and the
    /// admin's token (password changed).
    pub async fn create_union(
        &self,
        root: &str,
        name: &str,
        username: &str,
    ) -> anyhow::Result<(i64, String)> {
        let created = self
            .post(
                "/api/admin/orgs",
                Some(root),
                json!({ "parent_id": 1, "name": name, "kind": "grassroots_union", "admin_username": username }),
            )
            .await?;
        let id = created["org"]["id"].as_i64().context("union created")?;
        let initial = created["initial_password"]
            .as_str()
            .context("initial password")?;
        Ok((id, self.activate(username, initial).await?))
    }

    /// A grassroots union under the root and its admin's token.
    pub async fn union_admin_token(&self) -> anyhow::Result<String> {
        let root = self.root_token().await?;
        Ok(self.create_union(&root, "基准测试工会", "bench").await?.1)
    }
}
