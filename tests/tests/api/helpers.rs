//! `TestApp`: the real server on 127.0.0.1:0 with its workers, against a fresh database
//! (a new SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set) and
//! the matching queue (SQLite, or Redis when `TEST_REDIS_URL` is set, on a queue name of
//! its own).

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use api::Application;
use api::settings::Settings;
use api::state::AppState;
use jobs::Clock;
use jobs::workers::JobContext;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

/// The bootstrap admin's one-time password in tests (`BOOTSTRAP_ADMIN_PASSWORD`).
pub const ROOT_INITIAL_PASSWORD: &str = "Bootstrap2026x";
pub const ADMIN_PASSWORD: &str = "Rizhao2026ok";
/// base64 of 32 fixed bytes; tests only.
pub const TEST_ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub struct TestApp {
    pub base: String,
    /// The `METRICS_ADDR` listener's port, when the settings ask for one.
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub state: AppState,
    pub settings: Settings,
    /// Every one-time initial password an answer handed out, by login name (username or
    /// phone), as the person who read it would note it down.
    passwords: Mutex<HashMap<String, String>>,
    _dir: tempfile::TempDir,
}

/// A JSON response: status and body (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// Settings of a fresh, isolated instance: own data dir, own database, own queue name.
pub async fn fresh_settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::embedded(dir);
    settings.app_addr = "127.0.0.1:0".into();
    settings.run_workers = Some(true);
    settings.queue_name = format!("gonghui.test.{}", uuid::Uuid::new_v4().simple());
    // Quiet by default; the schedule test sets its own.
    settings.housekeeping_cron = "0 0 0 1 1 *".into();
    settings.database_max_connections = 8;
    settings.bootstrap_admin_password = Some(SecretString::from(ROOT_INITIAL_PASSWORD));
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        settings.database_url = SecretString::from(create_postgres_database(&url).await);
        settings.encryption_key = Some(SecretString::from(TEST_ENCRYPTION_KEY));
    }
    if let Ok(url) = std::env::var("TEST_REDIS_URL") {
        settings.redis_url = Some(SecretString::from(url));
    }
    settings
}

/// Creates `gonghui_test_<uuid>` on the server of `admin_url` and returns its URL.
async fn create_postgres_database(admin_url: &str) -> String {
    let name = format!("gonghui_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL must reach PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (server, _) = admin_url.rsplit_once('/').expect("URL ends with /database");
    format!("{server}/{name}")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = fresh_settings(dir.path()).await;
        configure(&mut settings);
        Self::spawn_on(settings, dir).await
    }

    /// Spawns another server on the same settings (same database and queue).
    pub async fn spawn_on(settings: Settings, dir: tempfile::TempDir) -> Self {
        Self::spawn_at(settings, dir, Clock::system()).await
    }

    /// Spawns a server whose clock is `clock` (e.g. one a test already moved on).
    pub async fn spawn_at(settings: Settings, dir: tempfile::TempDir, clock: Clock) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            captured_logs();
        }
        let app = Application::build(settings.clone(), clock.clone())
            .await
            .expect("application builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let metrics_port = app.metrics_port();
        let state = app.state().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let mut passwords = HashMap::new();
        if let Some(root) = &settings.bootstrap_admin_password {
            passwords.insert(
                settings.bootstrap_admin_username.clone(),
                root.expose_secret().to_owned(),
            );
        }
        Self {
            base,
            metrics_port,
            client: reqwest::Client::new(),
            clock,
            state,
            settings,
            passwords: Mutex::new(passwords),
            _dir: dir,
        }
    }

    /// The last one-time initial password handed out for `login` (username or phone).
    pub fn initial_password(&self, login: &str) -> String {
        self.passwords
            .lock()
            .expect("lock")
            .get(login)
            .cloned()
            .unwrap_or_else(|| panic!("no initial password was handed out for {login}"))
    }

    /// Notes down the one-time password of an answer that carries one, under the login
    /// name it belongs to.
    fn note_initial_password(&self, body: &Value) {
        let Some(password) = body["initial_password"].as_str() else {
            return;
        };
        let login = [
            &body["username"],
            &body["phone"],
            &body["admin"]["username"],
            &body["account"]["phone"],
        ]
        .into_iter()
        .find_map(|v| v.as_str());
        if let Some(login) = login {
            self.remember_initial_password(login, password);
        }
    }

    /// Notes down a one-time password handed out other than in an HTTP answer (`--demo`).
    pub fn remember_initial_password(&self, login: &str, password: &str) {
        self.passwords
            .lock()
            .expect("lock")
            .insert(login.to_owned(), password.to_owned());
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.note_initial_password(&body);
        Resp { status, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// A multipart upload of one file in the field `file`.
    pub async fn upload(&self, path: &str, token: &str, file_name: &str, bytes: Vec<u8>) -> Resp {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("sent");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body read");
        Resp {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// A download: status, content type, content disposition, bytes.
    pub async fn download(&self, path: &str, token: &str) -> (StatusCode, String, String, Vec<u8>) {
        let resp = self
            .client
            .get(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (status, content_type, disposition) = (
            resp.status(),
            header("content-type"),
            header("content-disposition"),
        );
        (
            status,
            content_type,
            disposition,
            resp.bytes().await.expect("body").to_vec(),
        )
    }

    pub async fn admin_login(&self, username: &str, password: &str) -> Resp {
        self.request(
            Method::POST,
            "/api/admin/login",
            None,
            Some(json!({ "username": username, "password": password })),
        )
        .await
    }

    /// Logs in with the one-time initial password handed out for `username`, changes it
    /// to `ADMIN_PASSWORD`, returns the new token.
    pub async fn activate_admin(&self, username: &str) -> String {
        let initial = self.initial_password(username);
        let login = self.admin_login(username, &initial).await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        let token = login.body["token"].as_str().expect("token").to_owned();
        let changed = self
            .post(
                "/api/admin/password",
                &token,
                json!({ "old_password": initial, "new_password": ADMIN_PASSWORD }),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
        changed.body["token"].as_str().expect("token").to_owned()
    }

    /// The bootstrapped root admin, password changed.
    pub async fn root_token(&self) -> String {
        self.activate_admin("admin").await
    }

    /// Creates an organisation under `parent_id` with admin `username`; returns the
    /// organisation id and the new admin's token (password changed).
    pub async fn create_org(
        &self,
        token: &str,
        parent_id: i64,
        name: &str,
        kind: &str,
        username: &str,
    ) -> (i64, String) {
        let created = self
            .post(
                "/api/admin/orgs",
                token,
                json!({ "parent_id": parent_id, "name": name, "kind": kind, "admin_username": username }),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
        let id = created.body["org"]["id"].as_i64().expect("org id");
        (id, self.activate_admin(username).await)
    }

    /// The district federation 东港区总工会 (admin `donggang`) under the city and one
    /// grassroots union under it, created by the city's `root` admin.
    pub async fn district_and_union(&self, root: &str, union: &str, username: &str) -> Chain {
        let (district, district_token) = self
            .create_org(root, 1, "东港区总工会", "district_federation", "donggang")
            .await;
        let (union, union_token) = self
            .create_org(
                &district_token,
                district,
                union,
                "grassroots_union",
                username,
            )
            .await;
        Chain {
            district,
            district_token,
            union,
            union_token,
        }
    }

    /// What a job handler run by hand gets: this server's database, queue, settings,
    /// clock and cipher.
    pub fn job_context(&self) -> JobContext {
        JobContext {
            db: self.state.db.clone(),
            queue: self.state.queue.clone(),
            settings: std::sync::Arc::new(self.state.settings.core.clone()),
            clock: self.clock.clone(),
            cipher: self.state.cipher.clone(),
            worker_name: "test".into(),
            metrics: self.state.metrics.clone(),
            import_lanes: jobs::import::ImportLanes::for_database(
                &self.state.db,
                &self.state.settings.core,
            ),
        }
    }

    /// Submits a 系统自检 (ping) task as the admin of `token`; its id.
    pub async fn ping_task(&self, token: &str) -> i64 {
        let submitted = self
            .request(
                Method::POST,
                "/api/admin/system/ping-tasks",
                Some(token),
                None,
            )
            .await;
        assert_eq!(
            submitted.status,
            StatusCode::ACCEPTED,
            "{:?}",
            submitted.body
        );
        submitted.body["task_id"].as_i64().expect("task id")
    }

    /// Polls a task until it leaves pending/running, for at most `deadline`.
    pub async fn wait_for_task(&self, token: &str, task_id: i64, deadline: Duration) -> Value {
        let started = std::time::Instant::now();
        loop {
            let task = self
                .get(&format!("/api/admin/tasks/{task_id}"), token)
                .await;
            assert_eq!(task.status, StatusCode::OK, "{:?}", task.body);
            let status = task.body["status"].as_str().unwrap_or_default().to_owned();
            if status == "succeeded" || status == "failed" {
                return task.body;
            }
            assert!(
                started.elapsed() < deadline,
                "task {task_id} still {status} after {deadline:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `check` until it returns Some, for at most `deadline`.
    pub async fn eventually<T, F, Fut>(&self, deadline: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = std::time::Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                started.elapsed() < deadline,
                "condition not met within {deadline:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The context of a worker process of its own on `settings` (its own connections).
pub async fn separate_worker(settings: &Settings, name: &str) -> JobContext {
    let db = jobs::database::connect(settings).await.expect("db");
    JobContext {
        import_lanes: jobs::import::ImportLanes::for_database(&db, &settings.core),
        db,
        queue: jobs::Queue::connect(settings).await.expect("queue"),
        cipher: std::sync::Arc::new(jobs::keys::load_cipher(settings).expect("cipher")),
        settings: std::sync::Arc::new(settings.core.clone()),
        clock: Clock::system(),
        worker_name: name.into(),
        metrics: jobs::metrics::Metrics::default(),
    }
}

/// A district federation and a union under it (`TestApp::district_and_union`).
pub struct Chain {
    pub district: i64,
    pub district_token: String,
    pub union: i64,
    pub union_token: String,
}

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Everything logged by this test binary from the first call on (a global subscriber:
/// the servers of parallel tests log from their own threads). With `TEST_LOG` set the
/// same subscriber also writes to stderr, installed when the first server starts, so
/// the tests that read the log back run either way.
pub fn captured_logs() -> Captured {
    use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt};
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = if std::env::var_os("TEST_LOG").is_some() {
            BoxMakeWriter::new(logs.clone().and(std::io::stderr))
        } else {
            BoxMakeWriter::new(logs.clone())
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("the only global subscriber of the test binary");
        logs
    })
    .clone()
}
