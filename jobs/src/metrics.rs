//! Prometheus metrics of one process (`GET /metrics`): HTTP requests by route and
//! status, claims and redemptions by outcome, tasks by kind and outcome, batch sizes
//! and database pool usage.
//!
//! Each process (and each test server) has a recorder of its own rather than the
//! `metrics` crate's global one, so two servers in one test process never mix their
//! figures. Metrics are off unless `METRICS_ADDR` or `METRICS_TOKEN` is set; then
//! nothing is recorded at all.
//!
//! Served on a listener of its own when `METRICS_ADDR` is set (`serve`), else on the
//! api's main port behind the bearer token `METRICS_TOKEN` (the api mounts `endpoint`).
//! A token, when set, is required wherever `/metrics` is served.

use std::sync::Arc;
use std::time::Duration;

use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use poem::http::{StatusCode, header};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{Endpoint, Request, Response, Route, Server};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

const METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Answer times of requests, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Run times of tasks, in seconds.
const TASK_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];
/// Requests per batch statement (a batch holds at most 128).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

const HTTP_REQUESTS: &str = "gonghui_http_requests_total";
const HTTP_DURATION: &str = "gonghui_http_request_duration_seconds";
const CLAIMS: &str = "gonghui_claims_total";
const REDEMPTIONS: &str = "gonghui_redemptions_total";
const TASKS: &str = "gonghui_tasks_total";
const TASK_DURATION: &str = "gonghui_task_duration_seconds";
const TASKS_RUNNING: &str = "gonghui_tasks_running";
const BATCH_SIZE: &str = "gonghui_batch_size";
const BATCH_REFUSED: &str = "gonghui_batch_refused_total";
const POOL_CONNECTIONS: &str = "gonghui_db_pool_connections";
const POOL_MAX: &str = "gonghui_db_pool_max_connections";

enum Kind {
    Counter,
    Histogram,
    Gauge,
}

/// Every series with its `# HELP` line.
#[rustfmt::skip]
const SERIES: &[(&str, Kind, Unit, &str)] = &[
    (HTTP_REQUESTS, Kind::Counter, Unit::Count, "HTTP requests by method, route template and status"),
    (HTTP_DURATION, Kind::Histogram, Unit::Seconds, "HTTP answer time by method, route template and status"),
    (CLAIMS, Kind::Counter, Unit::Count, "Claims by outcome: success or the refusal code"),
    (REDEMPTIONS, Kind::Counter, Unit::Count, "Redemptions by outcome: success or the refusal code"),
    (TASKS, Kind::Counter, Unit::Count, "Background task runs by kind and outcome"),
    (TASK_DURATION, Kind::Histogram, Unit::Seconds, "Background task run time by kind and outcome"),
    (TASKS_RUNNING, Kind::Gauge, Unit::Count, "Background tasks running in this process by kind"),
    (BATCH_SIZE, Kind::Histogram, Unit::Count, "Requests per batch statement by kind"),
    (BATCH_REFUSED, Kind::Counter, Unit::Count, "Requests answered 503 BUSY by the batch queues, by kind and reason (full, late)"),
    (POOL_CONNECTIONS, Kind::Gauge, Unit::Count, "Database pool connections by pool and state"),
    (POOL_MAX, Kind::Gauge, Unit::Count, "Database pool size limit by pool"),
];

/// The process's recorder, or nothing when metrics are off. Cloning shares it.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Inner>>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Metrics(on)"
        } else {
            "Metrics(off)"
        })
    }
}

/// The labels of one series: fixed names with their values.
type Labels<'a> = &'a [(&'static str, &'a str)];

impl Metrics {
    /// On when `METRICS_ADDR` or `METRICS_TOKEN` is set.
    pub fn from_settings(settings: &crate::Settings) -> Self {
        if settings.metrics_addr.is_some() || settings.metrics_token.is_some() {
            Self::enabled()
        } else {
            Self::default()
        }
    }

    /// A recorder of this process's own.
    pub fn enabled() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(TASK_DURATION.into()), TASK_BUCKETS)
            })
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), BATCH_BUCKETS))
            .expect("the bucket lists are not empty")
            .build_recorder();
        for (name, kind, unit, help) in SERIES {
            let (name, help) = (KeyName::from(*name), SharedString::from(*help));
            match kind {
                Kind::Counter => recorder.describe_counter(name, Some(*unit), help),
                Kind::Histogram => recorder.describe_histogram(name, Some(*unit), help),
                Kind::Gauge => recorder.describe_gauge(name, Some(*unit), help),
            }
        }
        let handle = recorder.handle();
        Self(Some(Arc::new(Inner { recorder, handle })))
    }

    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    fn key(name: &'static str, labels: Labels<'_>) -> Key {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(*k, (*v).to_owned()))
            .collect();
        Key::from_parts(name, labels)
    }

    /// Runs `record` on the recorder when metrics are on.
    fn with(&self, record: impl FnOnce(&PrometheusRecorder)) {
        if let Some(inner) = &self.0 {
            record(&inner.recorder);
        }
    }

    fn count(&self, name: &'static str, labels: Labels<'_>) {
        self.with(|r| {
            r.register_counter(&Self::key(name, labels), &METADATA)
                .increment(1)
        });
    }

    fn observe(&self, name: &'static str, labels: Labels<'_>, value: f64) {
        self.with(|r| {
            r.register_histogram(&Self::key(name, labels), &METADATA)
                .record(value)
        });
    }

    fn set(&self, name: &'static str, labels: Labels<'_>, value: f64) {
        self.with(|r| {
            r.register_gauge(&Self::key(name, labels), &METADATA)
                .set(value)
        });
    }

    fn add(&self, name: &'static str, labels: Labels<'_>, delta: f64) {
        self.with(|r| {
            r.register_gauge(&Self::key(name, labels), &METADATA)
                .increment(delta)
        });
    }

    /// One answered HTTP request; `route` is the matched route template
    /// (`/api/admin/tasks/:param0`), never the raw path.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [("method", method), ("route", route), ("status", &status)];
        self.count(HTTP_REQUESTS, &labels);
        self.observe(HTTP_DURATION, &labels, elapsed.as_secs_f64());
    }

    /// A claim's outcome: `success` or the refusal code (`SOLD_OUT`, `LIMIT_REACHED`, ...).
    pub fn claim(&self, outcome: &str) {
        self.count(CLAIMS, &[("outcome", outcome)]);
    }

    /// A redemption's outcome: `success` or the refusal code (`ALREADY_REDEEMED`, ...).
    pub fn redemption(&self, outcome: &str) {
        self.count(REDEMPTIONS, &[("outcome", outcome)]);
    }

    /// A task run starts in this process; the guard records its end.
    pub fn task_started(&self, kind: &'static str) -> TaskTimer {
        self.add(TASKS_RUNNING, &[("kind", kind)], 1.0);
        TaskTimer {
            metrics: self.clone(),
            kind,
            started: std::time::Instant::now(),
        }
    }

    /// The size of one batch statement of `kind` (claims, redemptions, token lookups).
    pub fn batch(&self, kind: &'static str, size: usize) {
        self.observe(BATCH_SIZE, &[("kind", kind)], size as f64);
    }

    /// A request of `kind` answered 503 `BUSY` by its batch queue: `full`, or `late`
    /// (it waited past `BATCH_QUEUE_WAIT_MS`).
    pub fn batch_refused(&self, kind: &'static str, reason: &'static str) {
        self.count(BATCH_REFUSED, &[("kind", kind), ("reason", reason)]);
    }

    /// The exposition text, with the pools' usage sampled now.
    pub fn render(&self, pools: &[(&'static str, DatabaseConnection)]) -> Option<String> {
        let inner = self.0.as_ref()?;
        for (name, db) in pools {
            let (size, idle, max) = pool_usage(db);
            self.set(
                POOL_CONNECTIONS,
                &[("pool", name), ("state", "idle")],
                idle as f64,
            );
            self.set(
                POOL_CONNECTIONS,
                &[("pool", name), ("state", "in_use")],
                (size as usize).saturating_sub(idle) as f64,
            );
            self.set(POOL_MAX, &[("pool", name)], max as f64);
        }
        Some(inner.handle.render())
    }

    /// Folds histogram samples into their buckets every few seconds, so a process that
    /// is never scraped does not keep every sample. Ends with the last clone.
    pub fn spawn_upkeep(&self) {
        let Some(inner) = self.0.clone() else {
            return;
        };
        let weak = Arc::downgrade(&inner);
        drop(inner);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                match weak.upgrade() {
                    Some(inner) => inner.handle.run_upkeep(),
                    None => return,
                }
            }
        });
    }
}

/// Ends a task run in the metrics when it is finished or dropped.
pub struct TaskTimer {
    metrics: Metrics,
    kind: &'static str,
    started: std::time::Instant,
}

impl TaskTimer {
    /// `succeeded`, `failed`, `lease_lost` or `error`.
    pub fn finish(self, outcome: &str) {
        let labels = [("kind", self.kind), ("outcome", outcome)];
        self.metrics.count(TASKS, &labels);
        self.metrics
            .observe(TASK_DURATION, &labels, self.started.elapsed().as_secs_f64());
        // Drop lowers the running gauge.
    }
}

impl Drop for TaskTimer {
    fn drop(&mut self) {
        self.metrics
            .add(TASKS_RUNNING, &[("kind", self.kind)], -1.0);
    }
}

/// Connections open, idle, and the pool's limit.
fn pool_usage(db: &DatabaseConnection) -> (u32, usize, u32) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => (0, 0, 0),
    }
}

/// `GET /metrics`: the exposition, behind `token` when one is set (401 otherwise);
/// 404 when metrics are off.
pub fn endpoint(
    metrics: Metrics,
    token: Option<SecretString>,
    pools: Vec<(&'static str, DatabaseConnection)>,
) -> impl Endpoint<Output = Response> {
    let token = token.map(|t| Sha256::digest(t.expose_secret().as_bytes()));
    poem::endpoint::make_sync(move |req: Request| {
        if !metrics.is_enabled() {
            return Response::builder().status(StatusCode::NOT_FOUND).finish();
        }
        if !authorised(&req, token.as_ref()) {
            return unauthorised();
        }
        Response::builder()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(metrics.render(&pools).unwrap_or_default())
    })
}

/// Compares digests, so the time taken says nothing about how much of a guess matched.
fn authorised(req: &Request, expected: Option<&sha2::digest::Output<Sha256>>) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| Sha256::digest(given.trim().as_bytes()) == *expected)
}

fn unauthorised() -> Response {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(header::WWW_AUTHENTICATE, "Bearer")
        .content_type("application/json; charset=utf-8")
        .body(
            serde_json::json!({ "code": "UNAUTHORIZED", "message": "监控指标需要有效的访问令牌" })
                .to_string(),
        )
}

/// The listener of `METRICS_ADDR`, bound now (so a port taken is a start-up error and
/// port 0 can be read back).
pub struct MetricsListener {
    acceptor: TcpAcceptor,
    pub port: u16,
}

impl MetricsListener {
    pub async fn bind(addr: &str) -> std::io::Result<Self> {
        let acceptor = TcpListener::bind(addr.to_owned()).into_acceptor().await?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .unwrap_or_default();
        Ok(Self { acceptor, port })
    }

    /// Serves `/metrics` (and nothing else) until `shutdown` resolves.
    pub async fn serve(
        self,
        endpoint: impl Endpoint<Output = Response> + 'static,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                Route::new().at("/metrics", endpoint),
                shutdown,
                Some(Duration::from_secs(1)),
            )
            .await
    }
}
