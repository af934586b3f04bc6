//! The `api` binary: loads settings and runs the server (and, in the embedded mode, the
//! workers).

use anyhow::Context;
use api::Application;
use jobs::{Clock, Settings, telemetry};

/// glibc's malloc took a sixth of the server's CPU under the claims benchmark
/// (fragmentation in many small, short-lived allocations across threads).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load().context("loading settings")?;
    telemetry::init(settings.log_format);
    let app = Application::build(settings, Clock::system()).await?;
    app.run_until_stopped().await
}
