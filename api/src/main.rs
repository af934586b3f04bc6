//! The `api` binary: loads settings and runs the server (and, in the embedded mode, the
//! workers). `--print-openapi` prints the API document and exits; `--demo` fills an
//! empty embedded database with a demo city before serving.

use anyhow::Context;
use api::Application;
use api::settings::Settings;
use clap::Parser;
use jobs::{Clock, telemetry};

/// glibc's malloc took a sixth of the server's CPU under the claims benchmark
/// (fragmentation in many small, short-lived allocations across threads).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 工会福利发放系统的 HTTP 服务（后台、会员端、商家端接口与管理后台页面）。
#[derive(Parser)]
#[command(name = "api", version)]
struct Cli {
    /// Print the OpenAPI document (what `/api/openapi.json` serves) and exit, touching no
    /// database: the web console's API types are generated from it.
    #[arg(long)]
    print_openapi: bool,
    /// Fill an empty database with a demo city (organisations, units, members, merchants,
    /// activities), print its accounts and passwords, then serve.
    #[arg(long)]
    demo: bool,
    /// Let `--demo` write to a PostgreSQL (production-mode) database.
    #[arg(long, requires = "demo")]
    allow_production: bool,
    /// Development and end-to-end tests only, embedded mode only: run the server's clock
    /// this many days ahead (0–366), e.g. to confirm a settlement statement whose period
    /// ends today, as the Rust tests do by advancing their clock.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(i64).range(0..=366))]
    clock_offset_days: Option<i64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.print_openapi {
        println!("{}", api::routes::openapi_service().spec());
        return Ok(());
    }
    let settings = Settings::load().context("loading settings")?;
    if cli.demo && !settings.is_sqlite() && !cli.allow_production {
        anyhow::bail!(
            "--demo writes made-up people into the database; DATABASE_URL points at PostgreSQL \
             (production mode). Add --allow-production if that is really meant."
        );
    }
    if cli.clock_offset_days.is_some() && !settings.is_sqlite() {
        anyhow::bail!("--clock-offset-days is for development in embedded mode (SQLite) only");
    }
    telemetry::init(settings.log_format);
    let clock = Clock::system();
    if let Some(days) = cli.clock_offset_days {
        clock.advance(chrono::Duration::days(days));
        tracing::warn!(days, now = %clock.now(), "development only: the clock runs ahead");
    }
    let app = Application::build(settings, clock).await?;
    if cli.demo {
        let accounts = api::demo::seed(app.state()).await.context("--demo")?;
        println!(
            "\n{accounts}\n管理后台：http://127.0.0.1:{}/admin/\n",
            app.port()
        );
    }
    app.run_until_stopped().await
}
