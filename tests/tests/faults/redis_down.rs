//! Redis down at start: the `api` serves (its `/health` says the queue is down), the
//! `jobs` binary starts, and both take up the work once Redis answers.

use reqwest::StatusCode;
use serde_json::Value;
use tests::bench::Server;

use crate::cluster::{Cluster, submit_import};

async fn health(cluster: &Cluster, api: &Server) -> (StatusCode, Value) {
    let resp = cluster
        .client
        .get(format!("{}/health", api.base))
        .send()
        .await
        .expect("health answers");
    (resp.status(), resp.json().await.expect("JSON"))
}

/// Submits a 100-row import while the queue is down and checks it waits as pending.
async fn import_while_down(cluster: &Cluster) -> (String, i64) {
    let api = &cluster.apis[0];
    let (status, body) = health(cluster, api).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["queue"], "down");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["status"], "degraded");

    let token = api
        .union_admin_token()
        .await
        .expect("admin work without Redis");
    let file = tests::roster_file::generate(100).expect("file");
    // Accepted while Redis is down.
    let task_id = submit_import(api, &token, "会员.xlsx", file).await;
    let task = api
        .get(&format!("/api/admin/tasks/{task_id}"), &token)
        .await
        .expect("task");
    assert_eq!(task["status"], "pending", "{task}");
    (token, task_id)
}

/// Redis comes up: the task runs (housekeeping enqueues it again, a worker's consumer
/// registers) and `/health` is 200 again.
async fn redis_returns(cluster: &mut Cluster, token: &str, task_id: i64) {
    cluster.redis.start().await;
    let api = &cluster.apis[0];
    let task = api.wait_for_end(task_id, token).await.expect("task ends");
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["inserted"], 100);
    let (status, body) = health(cluster, api).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["queue"], "ok");
    assert_eq!(
        cluster.count("SELECT COUNT(*) AS n FROM members").await,
        100
    );
}

#[tokio::test]
#[ignore = "fault suite: cargo build -p api -p jobs, then --ignored"]
async fn api_and_jobs_start_while_redis_is_down_and_work_once_it_returns() {
    let mut cluster = Cluster::new(false, &[]).await;
    cluster.start_api(&[]).await;
    cluster.start_worker();
    cluster.wait_for_workers().await;
    let (token, task_id) = import_while_down(&cluster).await;
    redis_returns(&mut cluster, &token, task_id).await;
    cluster.tear_down().await;
}

#[tokio::test]
#[ignore = "fault suite: cargo build -p api -p jobs, then --ignored"]
async fn an_api_with_in_process_workers_starts_while_redis_is_down_and_runs_tasks_once_it_returns()
{
    let mut cluster = Cluster::new(false, &[]).await;
    cluster.start_api(&[("RUN_WORKERS", "true")]).await;
    let (token, task_id) = import_while_down(&cluster).await;
    redis_returns(&mut cluster, &token, task_id).await;
    cluster.tear_down().await;
}
