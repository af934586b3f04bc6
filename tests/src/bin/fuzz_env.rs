//! The environment of the fuzzing pass in `.ci/run`: starts the `api` binary (next to
//! this one) in embedded or production mode with stand-ins for WeChat and the SMS
//! gateway, makes a small living data set over HTTP, and writes the base URL and one
//! bearer token per kind of client (admin, member, merchant staff) to a file, as
//! `NAME=value` lines. Then it serves until stopped (SIGINT/SIGTERM) and removes what it
//! made.
//!
//! ```sh
//! fuzz_env embedded|production <file>
//! ```
//! Production mode uses `BENCH_DATABASE_URL` / `BENCH_REDIS_URL` like the benchmarks.

use anyhow::{Context, bail};
use serde_json::json;
use tests::bench::{self, Env, Server};
use tests::rush;
use tests::stubs::{self, SmsGateway, Wechat};

const MEMBER_PHONE: &str = "13900000001";
const MEMBER_ID_NUMBER: &str = "11010519491231002X";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(out)) = (args.get(1), args.get(2)) else {
        bail!("usage: fuzz_env embedded|production <file>");
    };
    let sms = SmsGateway::start().await;
    let wechat = Wechat::start_for_any_code().await;
    let mut vars = vec![
        ("RUN_WORKERS".into(), "true".into()),
        ("SMS_GATEWAY_URL".into(), sms.url.clone()),
        ("WECHAT_API_BASE".into(), wechat.url.clone()),
        ("WECHAT_APP_APPID".into(), stubs::APP_APPID.into()),
        ("WECHAT_APP_SECRET".into(), stubs::APP_SECRET.into()),
        ("WECHAT_MINIPROGRAM_APPID".into(), stubs::MINI_APPID.into()),
        (
            "WECHAT_MINIPROGRAM_SECRET".into(),
            stubs::MINI_SECRET.into(),
        ),
        (
            "RUST_LOG".into(),
            std::env::var("FUZZ_LOG").unwrap_or_else(|_| "error".into()),
        ),
    ];
    let data_dir = tempfile_dir()?;
    let env = match mode.as_str() {
        "production" => {
            let env = Env::fresh().await?;
            vars.extend(env.vars().into_iter().filter(|(k, _)| {
                // This process runs its workers itself, and logs as asked above.
                k != "RUN_WORKERS" && k != "RUST_LOG"
            }));
            Some(env)
        }
        "embedded" => {
            let dir = data_dir.display();
            vars.push(("DATA_DIR".into(), format!("{dir}")));
            vars.push((
                "BOOTSTRAP_ADMIN_PASSWORD".into(),
                bench::BOOTSTRAP_PASSWORD.into(),
            ));
            vars.push((
                "DATABASE_URL".into(),
                format!("sqlite://{dir}/gonghui.db?mode=rwc"),
            ));
            None
        }
        other => bail!("unknown mode {other}"),
    };
    let api = Server::start_api_on(vars)?;
    api.wait_healthy().await?;
    let tokens = seed(&api, &sms).await?;
    let lines: Vec<String> = [("BASE", api.base.clone())]
        .into_iter()
        .chain(tokens)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    std::fs::write(out, lines.join("\n") + "\n").with_context(|| format!("writing {out}"))?;
    println!("fuzz_env: {mode} mode ready at {}", api.base);

    jobs::shutdown::signal().await;
    drop(api);
    if let Some(env) = env {
        env.drop_database().await?;
    }
    std::fs::remove_dir_all(&data_dir).ok();
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("gonghui-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The claim rush's union and open activity, a unit, a certified member who has claimed once, and the
/// merchant's staff account with its own password; one token of each kind.
async fn seed(api: &Server, sms: &SmsGateway) -> anyhow::Result<Vec<(&'static str, String)>> {
    let setup = rush::open_activity(api, 100, json!({ "kind": "once" })).await?;
    let admin = setup.union_token.clone();
    api.post(
        "/api/admin/units",
        Some(&admin),
        json!({ "name": "日照港集团", "remark": "第一行\n第二行" }),
    )
    .await?;
    api.post(
        "/api/admin/members",
        Some(&admin),
        json!({ "name": "李娜", "id_number": MEMBER_ID_NUMBER, "phone": MEMBER_PHONE }),
    )
    .await?;

    api.post(
        "/api/app/sms-codes",
        None,
        json!({ "phone": MEMBER_PHONE, "purpose": "register" }),
    )
    .await?;
    let code = sms
        .last_code(MEMBER_PHONE, "register")
        .context("no SMS code sent")?;
    let registered = api
        .post(
            "/api/app/register",
            None,
            json!({ "phone": MEMBER_PHONE, "password": "Member2026ok", "sms_code": code,
                    "region": "山东省日照市", "agree": true }),
        )
        .await?;
    let member = registered["token"]
        .as_str()
        .with_context(|| format!("register: {registered}"))?
        .to_owned();
    api.post(
        "/api/app/certification",
        Some(&member),
        json!({ "name": "李娜", "id_number": MEMBER_ID_NUMBER }),
    )
    .await?;
    let pending = api
        .get("/api/admin/certifications?status=pending", &admin)
        .await?;
    let application = pending["items"][0]["id"]
        .as_i64()
        .with_context(|| format!("no pending certification: {pending}"))?;
    api.post(
        &format!("/api/admin/certifications/{application}/approve"),
        Some(&admin),
        json!({}),
    )
    .await?;

    setup.wait_until_open().await?;
    let claimed = api
        .post(&setup.claim_path(), Some(&member), json!({}))
        .await?;
    if claimed["id"].as_i64().is_none() {
        bail!("claim: {claimed}");
    }
    let staff = rush::staff_token(api, &setup).await?;
    Ok(vec![
        ("ADMIN_TOKEN", admin),
        ("MEMBER_TOKEN", member),
        ("MERCHANT_TOKEN", staff),
    ])
}
