//! Opening a big activity (more vouchers than `OPEN_INLINE_SLOTS`): the Open route
//! answers at once with the activity 开启中 and its progress, an opening task creates
//! the vouchers, then the activity is 已开启. Members cannot claim while it is 开启中.
//! Small activities open at once (the other suites). The task is run by hand here
//! (workers off) so every state can be looked at, except in the last test.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::claims::{Spec, claim, direct_members, set_up_through};
use crate::helpers::TestApp;

const QUANTITY: i64 = 45;

struct Opening {
    app: TestApp,
    union_token: String,
    activity: i64,
    /// A member of the union in scope, with a certified account.
    member: String,
}

/// An approved activity of `QUANTITY` vouchers on a server opening at most 10 inline,
/// inside its window; workers run only when `workers`.
async fn approved(workers: bool) -> Opening {
    approved_with(10, workers).await
}

async fn approved_with(inline: i64, workers: bool) -> Opening {
    let app = TestApp::spawn_with(|s| {
        s.open_inline_slots = inline;
        s.run_workers = Some(workers);
    })
    .await;
    let ids = set_up_through(
        &app,
        QUANTITY,
        json!({ "kind": "once" }),
        Spec::default(),
        "review",
    )
    .await;
    let (union_token, activity) = (ids.union_token, ids.activity);
    let member = direct_members(&app, &union_token, 1, 1).await.remove(0);
    Opening {
        app,
        union_token,
        activity,
        member,
    }
}

impl Opening {
    async fn open(&self) -> Value {
        let r = self
            .app
            .post(
                &format!("/api/admin/activities/{}/open", self.activity),
                &self.union_token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body
    }

    async fn detail(&self) -> Value {
        let r = self
            .app
            .get(
                &format!("/api/admin/activities/{}", self.activity),
                &self.union_token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body
    }

    async fn run_task(&self, task_id: i64) -> Value {
        jobs::task_runner::run(&self.app.job_context(), task_id)
            .await
            .expect("task run");
        let task = self
            .app
            .get(&format!("/api/admin/tasks/{task_id}"), &self.union_token)
            .await;
        assert_eq!(task.status, StatusCode::OK, "{:?}", task.body);
        task.body
    }

    /// The 处理轨迹, oldest first.
    async fn trail(&self) -> Vec<Value> {
        let r = self
            .app
            .get(
                &format!("/api/admin/activities/{}/trail", self.activity),
                &self.union_token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body.as_array().cloned().expect("trail")
    }

    /// `n` vouchers made by an earlier opening that did not finish.
    async fn made_before(&self, n: usize) {
        let prize = jobs::slots::prizes_of(&self.app.state.db, self.activity)
            .await
            .expect("prizes")
            .remove(0);
        jobs::slots::write_chunk(&self.app.state.db, &prize, n, self.app.clock.now())
            .await
            .expect("chunk");
    }

    /// Exactly the activity's quantity of vouchers, with distinct codes.
    async fn assert_every_voucher_made(&self) {
        let codes = self.codes().await;
        assert_eq!(codes.len() as i64, QUANTITY);
        assert_unique_codes(&codes);
    }

    async fn codes(&self) -> Vec<String> {
        entity::voucher::Entity::find()
            .filter(entity::voucher::Column::ActivityId.eq(self.activity))
            .all(&self.app.state.db)
            .await
            .expect("vouchers")
            .into_iter()
            .map(|v| v.code)
            .collect()
    }
}

fn task_of(opened: &Value) -> i64 {
    opened["opening_task_id"].as_i64().expect("opening task id")
}

fn assert_unique_codes(codes: &[String]) {
    let distinct: HashSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), codes.len());
    assert!(codes.iter().all(|c| c.len() == 24), "{codes:?}");
}

#[tokio::test]
async fn a_big_activity_is_opening_with_progress_until_its_task_made_every_voucher() {
    let o = approved(false).await;
    let opened = o.open().await;
    assert_eq!(opened["status"], "opening", "{opened:?}");
    assert_eq!(opened["status_label"], "开启中");
    assert_eq!(opened["open"], false);
    assert_eq!(opened["slots_total"], QUANTITY);
    assert_eq!(opened["slots_created"], 0);
    let task = task_of(&opened);
    assert!(o.codes().await.is_empty());

    // Not claimable while opening: answered as for an activity not yet open (members
    // see only open activities), and not listed.
    let refused = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{:?}", refused.body);
    let listed = o.app.get("/api/app/activities", &o.member).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(0),
        "{:?}",
        listed.body
    );
    // Opening again is illegal in this state.
    let again = o
        .app
        .post(
            &format!("/api/admin/activities/{}/open", o.activity),
            &o.union_token,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);

    let done = o.run_task(task).await;
    assert_eq!(done["status"], "succeeded", "{done:?}");
    assert_eq!(done["kind"], "activity_opening");
    assert_eq!(done["total"], QUANTITY);
    assert_eq!(done["processed"], QUANTITY);

    let now_open = o.detail().await;
    assert_eq!(now_open["status"], "open", "{now_open:?}");
    assert_eq!(now_open["opening_task_id"], task);
    assert!(now_open.get("slots_created").is_none(), "{now_open:?}");
    o.assert_every_voucher_made().await;

    let steps: Vec<(String, String)> = o
        .trail()
        .await
        .iter()
        .map(|e| {
            (
                e["to_status"].as_str().unwrap_or_default().to_owned(),
                e["actor_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let tail = &steps[steps.len() - 2..];
    assert_eq!(
        tail[0],
        ("opening".to_owned(), "port".to_owned()),
        "{steps:?}"
    );
    assert_eq!(tail[1], ("open".to_owned(), "系统".to_owned()), "{steps:?}");

    // At once: the api's copy of the activity taken while it was opening (the refused
    // claim above) is not used once the activity is no longer 开启中.
    let claimed = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
    // A repeated run changes nothing.
    jobs::opening::run(
        &o.app.job_context(),
        &entity::task::Entity::find_by_id(task)
            .one(&o.app.state.db)
            .await
            .expect("query")
            .expect("task"),
    )
    .await
    .expect("rerun");
    assert_eq!(o.codes().await.len() as i64, QUANTITY);
}

#[tokio::test]
async fn an_opening_taken_over_after_a_crash_makes_only_the_missing_vouchers() {
    let o = approved(false).await;
    let task = task_of(&o.open().await);
    // A first run died after writing one chunk of 20.
    o.made_before(20).await;
    let done = o.run_task(task).await;
    assert_eq!(done["status"], "succeeded", "{done:?}");
    o.assert_every_voucher_made().await;
    assert_eq!(o.detail().await["status"], "open");
}

/// An opening task whose attempts are used up (its worker died each time) gives the
/// activity back as 审核通过, with a 处理轨迹 entry, instead of leaving it 开启中; opening
/// it again makes only the missing vouchers.
#[tokio::test]
async fn an_opening_out_of_attempts_goes_back_to_approved_and_can_be_opened_again() {
    use sea_orm::sea_query::Expr;
    let o = approved(false).await;
    let task = task_of(&o.open().await);
    o.made_before(20).await;
    // Every attempt was taken, the last one's lease has run out.
    entity::task::Entity::update_many()
        .col_expr(
            entity::task::Column::Attempts,
            Expr::value(o.app.state.settings.core.task_max_attempts),
        )
        .col_expr(
            entity::task::Column::LeaseUntil,
            Expr::value(o.app.clock.now() - chrono::Duration::minutes(1)),
        )
        .col_expr(entity::task::Column::Status, Expr::value("running"))
        .filter(entity::task::Column::Id.eq(task))
        .exec(&o.app.state.db)
        .await
        .expect("attempts used up");

    let ended = o.run_task(task).await;
    assert_eq!(ended["status"], "failed", "{ended:?}");
    let error = ended["error"].as_str().unwrap_or_default();
    assert!(error.contains("已尝试3次"), "{error}");
    assert!(error.contains("审核通过"), "{error}");
    let back = o.detail().await;
    assert_eq!(back["status"], "approved", "{back:?}");
    assert_eq!(back["status_label"], "审核通过");
    let last = o.trail().await.pop().expect("trail entry");
    assert_eq!(last["action"], "open_failed", "{last:?}");
    assert_eq!(last["action_label"], "开启未完成");
    assert_eq!(last["from_status"], "opening");
    assert_eq!(last["to_status"], "approved");
    assert_eq!(last["actor_name"], "系统");
    assert_eq!(last["comment"], error);
    // Not claimable, and a second give-up changes nothing.
    let refused = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{:?}", refused.body);
    assert_eq!(o.run_task(task).await["status"], "failed");
    assert_eq!(o.detail().await["status"], "approved");

    // Opened again: a new task, which makes the 25 vouchers still missing.
    let reopened = o.open().await;
    assert_eq!(reopened["status"], "opening", "{reopened:?}");
    let again = task_of(&reopened);
    assert_ne!(again, task);
    assert_eq!(o.run_task(again).await["status"], "succeeded");
    assert_eq!(o.detail().await["status"], "open");
    o.assert_every_voucher_made().await;
    let claimed = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
}

/// Opening in the request makes only the vouchers an abandoned opening left missing.
#[tokio::test]
async fn opening_in_the_request_makes_only_the_missing_vouchers() {
    let o = approved_with(QUANTITY, false).await;
    o.made_before(20).await;
    let opened = o.open().await;
    assert_eq!(opened["status"], "open", "{opened:?}");
    o.assert_every_voucher_made().await;
}

#[tokio::test]
async fn an_activity_closed_while_opening_stays_closed_and_its_task_stops() {
    let o = approved(false).await;
    let task = task_of(&o.open().await);
    let closed = o
        .app
        .post(
            &format!("/api/admin/activities/{}/close", o.activity),
            &o.union_token,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    let done = o.run_task(task).await;
    assert_eq!(done["status"], "failed", "{done:?}");
    assert!(
        done["error"]
            .as_str()
            .unwrap_or_default()
            .contains("已关闭"),
        "{done:?}"
    );
    assert_eq!(o.detail().await["status"], "closed");
    let refused = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
}

#[tokio::test]
async fn with_workers_running_a_big_activity_becomes_open_by_itself() {
    let o = approved(true).await;
    let opened = o.open().await;
    assert!(
        opened["status"] == "opening" || opened["status"] == "open",
        "{opened:?}"
    );
    let detail = o
        .app
        .eventually(StdDuration::from_secs(30), || async {
            let d = o.detail().await;
            (d["status"] == "open").then_some(d)
        })
        .await;
    assert_eq!(detail["prize_quantity"], QUANTITY);
    o.assert_every_voucher_made().await;
    let claimed = claim(&o.app, o.activity, &o.member, None).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{:?}", claimed.body);
}

/// An activity of exactly the threshold still opens in the request.
#[tokio::test]
async fn an_activity_within_the_threshold_is_open_at_once() {
    let o = approved_with(QUANTITY, false).await;
    let opened = o.open().await;
    assert_eq!(opened["status"], "open", "{opened:?}");
    assert!(opened["opening_task_id"].is_null(), "{opened:?}");
    o.assert_every_voucher_made().await;
}
