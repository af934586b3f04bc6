use std::time::Duration;

use entity::enums::{TaskKind, TaskStatus};
use entity::{housekeeping_run, task};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::helpers::{TestApp, fresh_settings};

const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_task_enqueued_through_the_api_is_run_by_a_worker() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let submitted = app
        .request(
            Method::POST,
            "/api/admin/system/ping-tasks",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    assert_eq!(submitted.body["status"], "pending");
    let id = submitted.body["task_id"].as_i64().expect("task id");
    let done = app.wait_for_task(&root, id, DEADLINE).await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["status_label"], "执行成功");
    assert_eq!(done["attempts"], 1);
    assert!(done["finished_at"].is_string());

    let list = app
        .get("/api/admin/tasks?kind=ping&status=succeeded", &root)
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], id);
}

#[tokio::test]
async fn tasks_of_another_branch_are_invisible() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let (_, a) = app
        .create_org(&root, 1, "东港区总工会", "district_federation", "donggang")
        .await;
    let (_, b) = app
        .create_org(&root, 1, "岚山区总工会", "district_federation", "lanshan")
        .await;
    let submitted = app
        .request(Method::POST, "/api/admin/system/ping-tasks", Some(&a), None)
        .await;
    let id = submitted.body["task_id"].as_i64().expect("task id");

    assert_eq!(
        app.get(&format!("/api/admin/tasks/{id}"), &b).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/admin/tasks", &b).await.body["total"], 0);
    // The parent sees its branches' tasks.
    assert_eq!(app.get("/api/admin/tasks", &root).await.body["total"], 1);
    assert_eq!(
        app.get(&format!("/api/admin/tasks/{id}"), &root)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_task_list_defaults_to_today_and_filters_by_date() {
    let app = TestApp::spawn().await;
    let root = app.root_token().await;
    let submitted = app
        .request(
            Method::POST,
            "/api/admin/system/ping-tasks",
            Some(&root),
            None,
        )
        .await;
    let id = submitted.body["task_id"].as_i64().expect("task id");
    app.wait_for_task(&root, id, DEADLINE).await;
    assert_eq!(app.get("/api/admin/tasks", &root).await.body["total"], 1);
    assert_eq!(
        app.get("/api/admin/tasks?from=2020-01-01&to=2020-01-31", &root)
            .await
            .body["total"],
        0
    );
    let backwards = app
        .get("/api/admin/tasks?from=2020-02-01&to=2020-01-01", &root)
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    // Tomorrow (Beijing time) the default view is empty again.
    app.clock.advance(chrono::Duration::days(1));
    let token = app
        .admin_login("admin", crate::helpers::ADMIN_PASSWORD)
        .await
        .body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(app.get("/api/admin/tasks", &token).await.body["total"], 0);
}

/// A pending task whose queue message was lost, and a running task whose worker died
/// (its lease ran out): the scheduled housekeeping job re-enqueues both, and a worker
/// finishes them.
#[tokio::test]
async fn the_scheduled_housekeeping_job_fires_and_recovers_lost_and_abandoned_tasks() {
    let app = TestApp::spawn_with(|s| {
        s.housekeeping_cron = "* * * * * *".into();
        s.task_requeue_after_seconds = 0;
    })
    .await;
    let now = app.clock.now();
    let long_ago = now - chrono::Duration::minutes(10);
    let mut ids = Vec::new();
    for (status, lease) in [
        (TaskStatus::Pending, None),
        (TaskStatus::Running, Some(long_ago)),
    ] {
        let row = task::ActiveModel {
            org_id: Set(1),
            kind: Set(TaskKind::Ping),
            status: Set(status),
            attempts: Set(i32::from(lease.is_some())),
            lease_until: Set(lease),
            total: Set(0),
            processed: Set(0),
            inserted: Set(0),
            updated: Set(0),
            failed: Set(0),
            created_at: Set(long_ago),
            updated_at: Set(long_ago),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .expect("insert task");
        ids.push(row.id);
    }
    let root = app.root_token().await;
    for id in ids {
        let done = app.wait_for_task(&root, id, DEADLINE).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    let runs = housekeeping_run::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert!(runs >= 1);
    let requeued: i64 = housekeeping_run::Entity::find()
        .all(&app.state.db)
        .await
        .expect("runs")
        .iter()
        .map(|r| r.tasks_requeued)
        .sum();
    assert!(requeued >= 2, "requeued {requeued}");
}

/// Several `api` processes and a separate `jobs` worker on one database and queue: a
/// task submitted through one api is visible through the other and run by the worker.
#[tokio::test]
async fn two_api_instances_without_workers_and_a_separate_worker_share_the_work() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = fresh_settings(dir.path()).await;
    settings.run_workers = Some(false);
    let first = TestApp::spawn_on(settings.clone(), tempfile::tempdir().expect("dir")).await;
    let second = TestApp::spawn_on(settings.clone(), tempfile::tempdir().expect("dir")).await;
    // Both started on the same database: still exactly one root organisation.
    let orgs = entity::organisation::Entity::find()
        .count(&first.state.db)
        .await
        .expect("count");
    assert_eq!(orgs, 1);

    let root = first.root_token().await;
    let submitted = first
        .request(
            Method::POST,
            "/api/admin/system/ping-tasks",
            Some(&root),
            None,
        )
        .await;
    let id = submitted.body["task_id"].as_i64().expect("task id");
    // No worker yet: the task waits.
    let seen = second.get(&format!("/api/admin/tasks/{id}"), &root).await;
    assert_eq!(seen.body["status"], "pending");

    let ctx = jobs::workers::JobContext {
        db: jobs::database::connect(&settings).await.expect("db"),
        queue: jobs::Queue::connect(&settings).await.expect("queue"),
        cipher: std::sync::Arc::new(jobs::keys::load_cipher(&settings).expect("cipher")),
        settings: std::sync::Arc::new(settings),
        clock: jobs::Clock::system(),
        worker_name: "separate-worker".into(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(jobs::workers::run(ctx, async move {
        let _ = stopped.await;
    }));
    let done = second.wait_for_task(&root, id, DEADLINE).await;
    assert_eq!(done["status"], "succeeded");
    // Graceful shutdown of the worker process.
    stop.send(()).expect("worker running");
    tokio::time::timeout(DEADLINE, worker)
        .await
        .expect("worker stops in time")
        .expect("worker task")
        .expect("worker result");
}
