//! The batch queues in front of the claim, redemption and token-lookup lanes
//! (PostgreSQL) are bounded: a request that finds its queue full is answered 503 `BUSY`
//! with `Retry-After` and writes nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::claims::{Spec, direct_members, rush_in};
use crate::helpers::TestApp;
use crate::metrics::{sample, scrape};

const MEMBERS: usize = 24;
const CAPACITY: usize = 2;

/// A claim's status, body and `Retry-After` header.
async fn claim(app: &TestApp, activity: i64, token: &str) -> (StatusCode, Value, Option<String>) {
    let resp = app
        .client
        .post(format!("{}/api/app/activities/{activity}/claims", app.base))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        resp.json().await.unwrap_or(Value::Null),
        retry_after,
    )
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            sql,
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<i64>(0).expect("count")
}

/// The claims table is locked while 24 members claim at once, so both claim lanes hang
/// on their first batch and the queue (capacity 2) fills: at most 2 × (2 + 1) + 2
/// claims get in, every other one is 503 `BUSY` with `Retry-After` at once (at the claim
/// queue, or at the token lookup's queue of the same capacity). Once the lock is gone
/// the admitted claims go through, every `BUSY` member's retry gets its voucher, and
/// the claims and vouchers in the database match the 201s exactly.
#[tokio::test]
async fn a_burst_past_the_queue_capacity_is_503_busy_with_retry_after_and_writes_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.batch_queue_capacity = CAPACITY;
        s.batch_queue_wait_ms = 60_000;
        s.metrics_addr = Some("127.0.0.1:0".into());
    })
    .await;
    if app.settings.is_sqlite() {
        // SQLite has no batch lanes: claims are transactions of their own.
        return;
    }
    let ids = rush_in(
        &app,
        MEMBERS as i64,
        json!({ "kind": "once" }),
        Spec::default(),
    )
    .await;
    let tokens = direct_members(&app, &ids.union_token, 1, MEMBERS as u32).await;

    let lock = app.state.db.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE claims IN EXCLUSIVE MODE")
        .await
        .expect("lock");
    let answered = AtomicUsize::new(0);
    let burst = join_all(tokens.iter().map(|t| async {
        let answer = claim(&app, ids.activity, t).await;
        answered.fetch_add(1, Ordering::SeqCst);
        answer
    }));
    let admitted_at_most = 2 * (CAPACITY + 1) + CAPACITY;
    let release = async {
        // The refusals come back while the lock holds; then let the admitted through.
        tokio::time::timeout(Duration::from_secs(60), async {
            while answered.load(Ordering::SeqCst) < MEMBERS - admitted_at_most {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the refusals come back while the lanes are held");
        lock.rollback().await.expect("unlock");
    };
    let (results, ()) = tokio::join!(burst, release);

    let mut busy = Vec::new();
    let mut created = 0;
    for ((status, body, retry_after), token) in results.iter().zip(&tokens) {
        match *status {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["code"], "BUSY", "{body}");
                assert_eq!(body["message"], "系统繁忙，请稍后重试");
                assert_eq!(retry_after.as_deref(), Some("60"), "{body}");
                assert_eq!(body["details"]["retry_after_seconds"], 60);
                busy.push(token);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(busy.len() >= MEMBERS - admitted_at_most, "{results:?}");
    assert_eq!(created + busy.len(), MEMBERS);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM claims").await,
        created as i64
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM vouchers WHERE member_id IS NOT NULL"
        )
        .await,
        created as i64
    );

    // Nothing of a refused claim was written: each retry, alone, gets its voucher.
    for token in &busy {
        let (status, body, _) = claim(&app, ids.activity, token).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM claims").await,
        MEMBERS as i64
    );

    let port = app.metrics_port.expect("metrics listener");
    let (_, text) = scrape(&app, &format!("http://127.0.0.1:{port}/metrics"), None).await;
    let refused: f64 = ["claims", "member_tokens"]
        .iter()
        .filter_map(|kind| {
            sample(
                &text,
                "gonghui_batch_refused_total",
                &[("kind", kind), ("reason", "full")],
            )
        })
        .sum();
    assert_eq!(refused, busy.len() as f64, "{text}");
}
