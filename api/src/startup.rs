//! Building and running the server: connect, migrate, bootstrap, bind, serve, and (in
//! the embedded mode) run the workers in the same process.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jobs::metrics::{Metrics, MetricsListener};
use jobs::workers::{self, JobContext};
use jobs::{Clock, Queue, database};
use migration::{Migrator, MigratorTrait};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{EndpointExt, Route, Server};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::client_ip::TrustedProxies;
use crate::error::render_any_error;
use crate::input;
use crate::middleware;
use crate::routes;
use crate::services::bootstrap;
use crate::services::rush_cache::RushCache;
use crate::services::store::Stores;
use crate::settings::Settings;
use crate::state::AppState;
use crate::web_apps::{self, WebApp};

pub struct Application {
    acceptor: TcpAcceptor,
    port: u16,
    /// `/metrics` on a port of its own (`METRICS_ADDR`).
    metrics_listener: Option<MetricsListener>,
    state: AppState,
}

impl Application {
    /// Connects to the database and queue, applies migrations, bootstraps an empty
    /// database and binds the listen address (port 0 picks a free port).
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let db = database::connect(&settings)
            .await
            .context("connecting to the database")?;
        migrate(&db).await.context("applying migrations")?;
        // Redis may be down now: the server starts anyway (`/health` says so), tasks
        // wait as pending and housekeeping enqueues them once the queue answers.
        let queue = Queue::connect(&settings)
            .await
            .context("connecting to the queue")?;
        if let Err(e) = queue.check().await {
            tracing::warn!(error = %e, "queue unavailable at start; serving without it");
        }
        let metrics = Metrics::from_settings(&settings);
        metrics.spawn_upkeep();
        let cipher = jobs::keys::load_cipher(&settings).context("loading the encryption key")?;
        let sms = crate::sms::from_settings(&settings).context("configuring the SMS sender")?;
        let trusted_proxies = TrustedProxies::parse(settings.trusted_proxies.as_deref())?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(8))
            .build()
            .context("building the HTTP client")?;
        let store = Stores::open(&db, &settings, &metrics).await?;
        let state = AppState {
            cipher: Arc::new(cipher),
            sms,
            trusted_proxies: Arc::new(trusted_proxies),
            http,
            cache: Arc::new(RushCache::new(clock.clone())),
            store,
            metrics,
            db,
            queue,
            settings: Arc::new(settings),
            clock,
        };
        bootstrap::ensure_root(&state)
            .await
            .map_err(|e| anyhow::anyhow!("bootstrap failed: {}", e.loggable()))?;
        let acceptor = TcpListener::bind(state.settings.app_addr.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", state.settings.app_addr))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("no local address")?;
        let metrics_listener = match &state.settings.metrics_addr {
            Some(addr) => Some(
                MetricsListener::bind(addr)
                    .await
                    .with_context(|| format!("binding METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        Ok(Self {
            acceptor,
            port,
            metrics_listener,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `METRICS_ADDR` listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener.as_ref().map(|l| l.port)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(jobs::shutdown::signal()).await
    }

    /// Serves until `shutdown` resolves, then drains requests and in-process workers.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let workers = self.state.settings.run_workers_in_api().then(|| {
            let ctx = JobContext {
                db: self.state.db.clone(),
                queue: self.state.queue.clone(),
                settings: Arc::new(self.state.settings.core.clone()),
                clock: self.state.clock.clone(),
                cipher: self.state.cipher.clone(),
                worker_name: format!("api-{}-{}", std::process::id(), self.port),
                metrics: self.state.metrics.clone(),
                import_lanes: jobs::import::ImportLanes::for_database(
                    &self.state.db,
                    &self.state.settings.core,
                ),
            };
            let mut rx = stop_rx.clone();
            tokio::spawn(workers::run(ctx, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }))
        });
        tracing::info!(
            permits = crate::auth::password::hashing_permits(),
            "password hashing runs at most this many at once"
        );
        tracing::info!(
            "listening on http://127.0.0.1:{} (API docs: http://{}/docs)",
            self.port,
            display_addr(&self.state.settings.app_addr, self.port)
        );
        if let Some(listener) = self.metrics_listener {
            tracing::info!("metrics on port {}", listener.port);
            let mut rx = stop_rx.clone();
            tokio::spawn(listener.serve(metrics_endpoint(&self.state), async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }));
        }
        let app = app(self.state.clone());
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(10)))
            .await;
        let _ = stop_tx.send(true);
        if let Some(handle) = workers {
            handle.await.context("worker task")??;
        }
        served.context("server")
    }
}

/// The whole HTTP application: OpenAPI routes, spec, Swagger UI, the web apps,
/// middleware, state.
pub fn app(state: AppState) -> impl poem::Endpoint {
    let api = routes::openapi_service();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let (json_limit, upload_limit) = (
        state.settings.body_limit_bytes,
        state.settings.upload_limit_bytes,
    );
    let mut routes = Route::new()
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .nest("/admin", WebApp::new("admin"))
        .nest("/m", WebApp::new("m"))
        .at("/verify/:code", poem::get(routes::verify::page));
    // Without a listener of its own, /metrics is on the main port only behind a token.
    if state.settings.metrics_addr.is_none() && state.settings.metrics_token.is_some() {
        routes = routes.at("/metrics", metrics_endpoint(&state));
    }
    let metrics = state.metrics.clone();
    routes
        .nest("/", api)
        .around(web_apps::redirect_root)
        .with(poem::middleware::CatchPanic::new().with_handler(crate::error::panicked))
        .around(input::refuse_nul)
        .around(move |ep, req| middleware::limit_body(ep, req, json_limit, upload_limit))
        .around(move |ep, req| crate::metrics::record_request(ep, req, metrics.clone()))
        .catch_all_error(render_any_error)
        .around(middleware::log_request)
        .data(state)
}

/// `/metrics` of this process: its figures and its database pools (the main one, and
/// on PostgreSQL the batch lanes' one).
fn metrics_endpoint(state: &AppState) -> impl poem::Endpoint<Output = poem::Response> + use<> {
    let mut pools = vec![("main", state.db.clone())];
    if let Some(batches) = &state.store.batch_pool {
        pools.push(("batches", batches.clone()));
    }
    jobs::metrics::endpoint(
        state.metrics.clone(),
        state.settings.metrics_token.clone(),
        pools,
    )
}

fn display_addr(configured: &str, port: u16) -> String {
    let host = configured.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
    let host = if host == "0.0.0.0" { "127.0.0.1" } else { host };
    format!("{host}:{port}")
}

/// Applies pending migrations. On PostgreSQL an advisory lock held in a transaction
/// serialises several servers starting at once.
async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let lock = db.begin().await?;
        lock.execute_unprepared("SELECT pg_advisory_xact_lock(727274001)")
            .await?;
        Migrator::up(db, None).await?;
        lock.commit().await?;
    } else {
        Migrator::up(db, None).await?;
    }
    Ok(())
}
