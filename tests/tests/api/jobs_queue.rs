use std::time::Duration;

use entity::enums::{TaskKind, TaskStatus};
use entity::{housekeeping_run, task};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set,
};

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

/// The worker polls only once an hour here, so the tasks run within the deadline only
/// because their push woke it (Redis: the queue's publish; SQLite: within the process).
#[tokio::test]
async fn an_enqueued_task_wakes_the_worker_without_waiting_for_its_poll() {
    let app = TestApp::spawn_with(|s| s.queue_poll_ms = 3_600_000).await;
    let root = app.root_token().await;
    // Two in a row: the worker goes back to waiting after the first and is woken again.
    for _ in 0..2 {
        let id = app.ping_task(&root).await;
        let done = app.wait_for_task(&root, id, DEADLINE).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
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
    let id = app.ping_task(&a).await;

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
    let id = app.ping_task(&root).await;
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
    let long_ago = app.clock.now() - chrono::Duration::minutes(10);
    let ids = vec![
        stale_task(&app, TaskStatus::Pending, None).await,
        stale_task(&app, TaskStatus::Running, Some(long_ago)).await,
    ];
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

/// A ping task last touched ten minutes ago, as a lost message or a dead worker
/// leaves it: `lease` set means running with that lease.
async fn stale_task(
    app: &TestApp,
    status: TaskStatus,
    lease: Option<chrono::DateTime<chrono::Utc>>,
) -> i64 {
    let long_ago = app.clock.now() - chrono::Duration::minutes(10);
    task::ActiveModel {
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
    .expect("insert task")
    .id
}

/// A Redis queue on a port where nothing listens: every push fails. Connecting to it
/// succeeds all the same (the connection is made when Redis answers).
async fn unreachable_queue(app: &TestApp) -> jobs::Queue {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut settings = app.settings.clone();
    settings.redis_url = Some(format!("redis://127.0.0.1:{port}").into());
    jobs::Queue::connect(&settings)
        .await
        .expect("a queue object while Redis is down")
}

#[tokio::test]
async fn a_housekeeping_pass_goes_on_past_failed_pushes_and_the_next_pass_enqueues_them() {
    let app = TestApp::spawn().await;
    let ids = [
        stale_task(&app, TaskStatus::Pending, None).await,
        stale_task(&app, TaskStatus::Pending, None).await,
    ];
    let mut down = app.job_context();
    down.queue = unreachable_queue(&app).await;
    assert!(down.queue.check().await.is_err());

    let row = |id: i64| {
        let db = app.state.db.clone();
        async move {
            task::Entity::find_by_id(id)
                .one(&db)
                .await
                .expect("query")
                .expect("task")
        }
    };
    let before = [row(ids[0]).await, row(ids[1]).await];
    let pass = jobs::housekeeping::run(&down)
        .await
        .expect("the pass completes although every push failed");
    assert_eq!(pass.tasks_requeued, 0);
    assert_eq!(
        housekeeping_run::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        1
    );
    // Untouched, so the next pass tries them again.
    for earlier in before {
        assert_eq!(row(earlier.id).await, earlier);
    }

    let pass = jobs::housekeeping::run(&app.job_context())
        .await
        .expect("pass");
    assert_eq!(pass.tasks_requeued, 2);
    let root = app.root_token().await;
    for id in ids {
        let done = app.wait_for_task(&root, id, DEADLINE).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
}

/// The scheduled expiry sweep needs only the database: it runs while the queue is down
/// and whatever happens to the housekeeping pass scheduled beside it (here it fails on
/// every tick, its table gone).
#[tokio::test]
async fn the_expiry_sweep_runs_on_schedule_while_the_queue_is_down_and_housekeeping_fails() {
    let app = TestApp::spawn().await;
    let ids = crate::claims::rush_in(
        &app,
        1,
        serde_json::json!({ "kind": "once" }),
        crate::claims::Spec::default(),
    )
    .await;
    let tokens = crate::claims::direct_members(&app, &ids.union_token, 1, 1).await;
    let claimed = crate::claims::claim(&app, ids.activity, &tokens[0], None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
    app.clock.advance(chrono::Duration::days(31));
    app.state
        .db
        .execute_unprepared("DROP TABLE housekeeping_runs")
        .await
        .expect("drop");
    stale_task(&app, TaskStatus::Pending, None).await;

    let mut ctx = app.job_context();
    ctx.queue = unreachable_queue(&app).await;
    let mut settings = (*ctx.settings).clone();
    settings.housekeeping_cron = "* * * * * *".into();
    ctx.settings = std::sync::Arc::new(settings);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let workers = tokio::spawn(jobs::workers::run(ctx, async move {
        let _ = stopped.await;
    }));
    let voucher_id = claimed.body["id"].as_i64().expect("voucher id");
    app.eventually(DEADLINE, || async {
        let v = entity::voucher::Entity::find_by_id(voucher_id)
            .one(&app.state.db)
            .await
            .expect("query")
            .expect("voucher");
        (v.status == entity::enums::VoucherStatus::Expired).then_some(())
    })
    .await;
    stop.send(()).expect("workers running");
    tokio::time::timeout(DEADLINE, workers)
        .await
        .expect("workers stop in time")
        .expect("worker task")
        .expect("workers result");
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
    let id = first.ping_task(&root).await;
    // No worker yet: the task waits.
    let seen = second.get(&format!("/api/admin/tasks/{id}"), &root).await;
    assert_eq!(seen.body["status"], "pending");

    let ctx = crate::helpers::separate_worker(&settings, "separate-worker").await;
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

/// A task whose worker keeps dying (the lease runs out attempt after attempt) ends
/// 执行失败 with a reason once `TASK_MAX_ATTEMPTS` attempts are spent, instead of being
/// leased forever; an import's upload is deleted then too.
#[tokio::test]
async fn a_task_that_keeps_dying_ends_failed_after_its_attempts() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = fresh_settings(dir.path()).await;
    settings.run_workers = Some(false);
    let app = TestApp::spawn_on(settings, dir).await;
    let root = app.root_token().await;
    let (_, token) = app
        .create_org(&root, 1, "日照港工会", "grassroots_union", "port")
        .await;
    let submitted = app
        .upload(
            "/api/admin/member-imports",
            &token,
            "三月.xlsx",
            crate::sheets::roster(
                &crate::sheets::HEADERS,
                &[crate::sheets::member(
                    "张三",
                    crate::roster::ID_FEMALE_1949,
                    "13800000000",
                )],
            ),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    let id = submitted.body["task_id"].as_i64().expect("id");
    let ctx = app.job_context();
    let expired = app.clock.now() - chrono::Duration::minutes(1);
    // Two attempts died: the third may still run.
    let row = task::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("task");
    let mut dying = row.clone().into_active_model();
    dying.status = Set(TaskStatus::Running);
    dying.attempts = Set(2);
    dying.lease_until = Set(Some(expired));
    dying.update(&app.state.db).await.expect("update");
    let third = jobs::task_runner::claim(&ctx, id)
        .await
        .expect("claim")
        .expect("a third attempt is allowed");
    assert_eq!(third.attempts, 3);

    // The third died too: nobody may take it again; it ends failed.
    let mut dead = third.into_active_model();
    dead.lease_until = Set(Some(expired));
    dead.update(&app.state.db).await.expect("update");
    jobs::task_runner::run(&ctx, id).await.expect("run");
    let ended = app
        .get(&format!("/api/admin/tasks/{id}"), &token)
        .await
        .body;
    assert_eq!(ended["status"], "failed", "{ended}");
    assert_eq!(ended["status_label"], "执行失败");
    assert_eq!(ended["attempts"], 3);
    assert_eq!(
        ended["error"],
        "任务多次执行未能完成（已尝试3次），请检查文件后重新导入"
    );
    assert!(ended["finished_at"].is_string());
    let uploads = entity::stored_file::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(uploads, 0, "the upload is deleted with the final failure");
    // Housekeeping does not bring it back.
    jobs::housekeeping::run(&ctx).await.expect("housekeeping");
    jobs::task_runner::run(&ctx, id).await.expect("run");
    let after = app
        .get(&format!("/api/admin/tasks/{id}"), &token)
        .await
        .body;
    assert_eq!(after["status"], "failed");
    assert_eq!(after["attempts"], 3);
}

/// A worker whose lease ran out and whose task another worker took over cannot write
/// the task's progress, outcome, result file or counters.
#[tokio::test]
async fn a_worker_that_lost_its_lease_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = fresh_settings(dir.path()).await;
    settings.run_workers = Some(false);
    let app = TestApp::spawn_on(settings, dir).await;
    let root = app.root_token().await;
    let id = app.ping_task(&root).await;
    let ctx = app.job_context();
    let first = jobs::task_runner::claim(&ctx, id)
        .await
        .expect("claim")
        .expect("claimed");
    let mut lapsed = first.clone().into_active_model();
    lapsed.lease_until = Set(Some(app.clock.now() - chrono::Duration::minutes(1)));
    lapsed.update(&app.state.db).await.expect("update");
    let second = jobs::task_runner::claim(&ctx, id)
        .await
        .expect("claim")
        .expect("taken over");
    assert_eq!(second.attempts, 2);
    let files_before = entity::stored_file::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");

    let lost = |r: Result<(), jobs::task_runner::TaskError>| {
        matches!(r, Err(jobs::task_runner::TaskError::LeaseLost))
    };
    assert!(lost(jobs::task_runner::renew(&ctx, &first, 99, 99).await));
    let counts = jobs::import::Counts {
        total: 99,
        inserted: 99,
        updated: 0,
        failed: 0,
    };
    assert!(lost(
        jobs::import::store_result(&ctx, &first, "x.xlsx", b"PK".to_vec(), counts).await
    ));
    assert!(lost(
        jobs::task_runner::finish(&ctx, &first, jobs::task_runner::Outcome::Succeeded).await
    ));

    let row = task::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("task");
    assert_eq!(row.status, TaskStatus::Running);
    assert_eq!(row.attempts, 2);
    assert_eq!((row.total, row.processed, row.inserted), (0, 0, 0));
    assert_eq!(row.result_file_id, None);
    assert_eq!(row.finished_at, None);
    assert_eq!(
        entity::stored_file::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        files_before
    );
    // The worker holding the lease still finishes it.
    jobs::task_runner::finish(&ctx, &second, jobs::task_runner::Outcome::Succeeded)
        .await
        .expect("finish");
    assert_eq!(
        app.wait_for_task(&root, id, DEADLINE).await["status"],
        "succeeded"
    );
}
