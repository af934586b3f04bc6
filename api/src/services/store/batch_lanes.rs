//! Lanes that send the requests of one kind that arrive together to the database
//! together (PostgreSQL only: `store::postgres` starts them for claims, redemptions and
//! token lookups).
//!
//! In a rush every claim or redemption is a short write transaction, and on a small
//! server most of its cost is not the rows it writes but what surrounds them: a round
//! trip, executor start-up, and a commit that waits for the WAL to reach disk. So the
//! requests of one api process queue here, and a few lanes each take whatever has
//! queued — one request when the server is quiet, dozens in a rush — and run them as
//! one statement: one round trip and one commit for the lot. A lane takes its next
//! batch as soon as the previous one has answered, so nothing waits on a timer.
//!
//! The statement (`Batched::execute`) must give every request the answer it would get
//! on its own. Requests with the same key never share a batch: the second waits for
//! the next one. When a batch fails, its requests are retried one at a time, so one
//! request's error stays its own.
//!
//! The queue is bounded (`BATCH_QUEUE_CAPACITY`) and a request waits in it at most
//! `BATCH_QUEUE_WAIT_MS`: a request that finds it full, or that no lane took in time,
//! is answered 503 `BUSY` with `Retry-After` and is never run. Once a lane has taken a
//! request it runs it to the end, so a `BUSY` answer never hides a write.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use jobs::metrics::Metrics;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::time::Instant;

use crate::error::{ApiError, ApiResult};
use crate::settings::Settings;

/// How many batches of one kind one api process may have in the database at once.
pub const LANES: usize = 2;
/// The most requests in one statement.
const MAX_BATCH: usize = 128;

/// One kind of request that can be run as a batch.
pub trait Batched: Send + Sync + 'static {
    /// What the statement runs on (the batch pool).
    type Db: Clone + Send + Sync + 'static;
    type Request: Send + Sync + 'static;
    type Answer: Send + 'static;
    type Key: Hash + Eq;

    /// Requests with equal keys never share a batch; `None` for requests that may
    /// share one with any other (lookups).
    fn key(request: &Self::Request) -> Option<Self::Key>;

    /// Runs the requests as one statement; the answers come back in request order.
    fn execute(
        db: &Self::Db,
        requests: &[&Self::Request],
    ) -> impl Future<Output = ApiResult<Vec<Self::Answer>>> + Send;
}

/// One field of every request of a batch, in request order: an array the batch
/// statement binds and `unnest`s.
pub fn column<R, T>(requests: &[&R], field: impl Fn(&R) -> T) -> Vec<T> {
    requests.iter().map(|r| field(r)).collect()
}

/// How many requests of one kind may queue, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct QueueLimits {
    pub capacity: usize,
    pub wait: Duration,
}

impl QueueLimits {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            capacity: settings.batch_queue_capacity.max(1),
            wait: Duration::from_millis(settings.batch_queue_wait_ms),
        }
    }

    /// What a refused request is told: retry after the wait, rounded up to a second.
    fn busy(&self) -> ApiError {
        ApiError::Busy {
            retry_after_seconds: i64::try_from(self.wait.as_millis().div_ceil(1000))
                .unwrap_or(i64::MAX)
                .max(1),
        }
    }
}

struct Pending<B: Batched> {
    request: B::Request,
    /// Past this the request is answered `BUSY` instead of being run.
    deadline: Instant,
    reply: oneshot::Sender<ApiResult<B::Answer>>,
}

type Incoming<B> = Arc<Mutex<mpsc::Receiver<Pending<B>>>>;

/// The queue in front of the lanes. Cloning shares it.
pub struct Lanes<B: Batched> {
    queue: mpsc::Sender<Pending<B>>,
    limits: QueueLimits,
    refusals: (Metrics, &'static str),
}

impl<B: Batched> Clone for Lanes<B> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            limits: self.limits,
            refusals: self.refusals.clone(),
        }
    }
}

impl<B: Batched> std::fmt::Debug for Lanes<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes").finish_non_exhaustive()
    }
}

impl<B: Batched> Lanes<B> {
    /// Starts the lanes on the current tokio runtime; they end when the last clone of
    /// the queue is dropped. `kind` names their batches in the metrics.
    pub fn start(db: B::Db, limits: QueueLimits, metrics: Metrics, kind: &'static str) -> Self {
        let (queue, incoming) = mpsc::channel(limits.capacity.max(1));
        let incoming: Incoming<B> = Arc::new(Mutex::new(incoming));
        for _ in 0..LANES {
            let context = Lane {
                limits,
                metrics: metrics.clone(),
                kind,
            };
            tokio::spawn(lane(db.clone(), incoming.clone(), context));
        }
        Self {
            queue,
            limits,
            refusals: (metrics, kind),
        }
    }

    /// Queues one request and waits for its batch's answer; 503 `BUSY` when the queue
    /// is full or no lane took the request within the wait.
    pub async fn run(&self, request: B::Request) -> ApiResult<B::Answer> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            request,
            deadline: Instant::now() + self.limits.wait,
            reply,
        };
        match self.queue.try_send(pending) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let (metrics, kind) = &self.refusals;
                metrics.batch_refused(kind, "full");
                return Err(self.limits.busy());
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(ApiError::Internal(anyhow::anyhow!("batch lanes stopped")));
            }
        }
        // No timeout here: a lane answers every request it took (`BUSY` for a late
        // one, before running it), and a taken request runs to the end.
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a batch lane dropped a request")))?
    }
}

/// What a lane needs besides the queue and the database.
struct Lane {
    limits: QueueLimits,
    metrics: Metrics,
    kind: &'static str,
}

/// Takes what has queued (waiting for one request when it holds none), runs it,
/// answers, and again.
async fn lane<B: Batched>(db: B::Db, incoming: Incoming<B>, context: Lane) {
    let mut held_back: Vec<Pending<B>> = Vec::new();
    loop {
        let mut batch = std::mem::take(&mut held_back);
        if batch.is_empty() {
            let mut incoming = incoming.lock().await;
            match incoming.recv().await {
                Some(p) => batch.push(p),
                None => return,
            }
            take_queued(&mut incoming, &mut batch);
        } else if let Ok(mut incoming) = incoming.try_lock() {
            // Never wait for the queue with requests in hand: the lane waiting in it
            // may wait for a request that only these answers would let come.
            take_queued(&mut incoming, &mut batch);
        }
        let batch = refuse_late(batch, &context);
        let (batch, later) = one_per_key(batch);
        held_back = later;
        if batch.is_empty() {
            continue;
        }
        context.metrics.batch(context.kind, batch.len());
        run(&db, batch).await;
    }
}

/// Answers `BUSY` to the requests that waited past their deadline (without running
/// them) and keeps the rest.
fn refuse_late<B: Batched>(batch: Vec<Pending<B>>, context: &Lane) -> Vec<Pending<B>> {
    let now = Instant::now();
    let (late, in_time): (Vec<_>, Vec<_>) = batch.into_iter().partition(|p| p.deadline <= now);
    for pending in late {
        context.metrics.batch_refused(context.kind, "late");
        let _ = pending.reply.send(Err(context.limits.busy()));
    }
    in_time
}

fn take_queued<B: Batched>(incoming: &mut mpsc::Receiver<Pending<B>>, batch: &mut Vec<Pending<B>>) {
    while batch.len() < MAX_BATCH {
        match incoming.try_recv() {
            Ok(p) => batch.push(p),
            Err(_) => break,
        }
    }
}

/// Splits off the requests whose key an earlier request of the batch already has.
fn one_per_key<B: Batched>(batch: Vec<Pending<B>>) -> (Vec<Pending<B>>, Vec<Pending<B>>) {
    let mut seen = HashSet::new();
    batch
        .into_iter()
        .partition(|p| B::key(&p.request).is_none_or(|key| seen.insert(key)))
}

/// Runs a batch and answers each request; a failed batch of several is retried one
/// request at a time.
async fn run<B: Batched>(db: &B::Db, batch: Vec<Pending<B>>) {
    let requests: Vec<&B::Request> = batch.iter().map(|p| &p.request).collect();
    let answers = B::execute(db, &requests).await;
    drop(requests);
    match answers {
        Ok(answers) if answers.len() == batch.len() => {
            for (pending, answer) in batch.into_iter().zip(answers) {
                let _ = pending.reply.send(Ok(answer));
            }
        }
        Ok(_) => answer_one_by_one(db, batch, "a batch gave a wrong number of answers").await,
        Err(e) if batch.len() > 1 => {
            tracing::warn!(error = %e.loggable(), requests = batch.len(), "batch failed");
            answer_one_by_one(db, batch, "a batch failed").await;
        }
        Err(e) => {
            if let Some(pending) = batch.into_iter().next() {
                let _ = pending.reply.send(Err(e));
            }
        }
    }
}

async fn answer_one_by_one<B: Batched>(db: &B::Db, batch: Vec<Pending<B>>, why: &'static str) {
    for pending in batch {
        let answer = B::execute(db, &[&pending.request]).await.and_then(|mut a| {
            if a.len() == 1 {
                a.pop()
                    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!(why)))
            } else {
                Err(ApiError::Internal(anyhow::anyhow!(why)))
            }
        });
        let _ = pending.reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Doubling;

    impl Batched for Doubling {
        type Db = ();
        type Request = (i64, i64);
        type Answer = i64;
        type Key = i64;

        fn key(request: &(i64, i64)) -> Option<i64> {
            (request.0 >= 0).then_some(request.0)
        }

        async fn execute(_db: &(), requests: &[&(i64, i64)]) -> ApiResult<Vec<i64>> {
            Ok(requests.iter().map(|r| r.1 * 2).collect())
        }
    }

    fn pending(key: i64, value: i64) -> Pending<Doubling> {
        Pending {
            request: (key, value),
            deadline: Instant::now() + Duration::from_secs(60),
            reply: oneshot::channel().0,
        }
    }

    #[test]
    fn a_batch_holds_one_request_per_key_in_arrival_order() {
        let batch = vec![
            pending(1, 10),
            pending(2, 20),
            pending(1, 11),
            pending(3, 30),
        ];
        let (now, later) = one_per_key::<Doubling>(batch);
        let now: Vec<_> = now.iter().map(|p| p.request).collect();
        let later: Vec<_> = later.iter().map(|p| p.request).collect();
        assert_eq!(now, vec![(1, 10), (2, 20), (3, 30)]);
        assert_eq!(later, vec![(1, 11)]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_request_gets_its_own_answer_including_those_held_back() {
        let lanes = Lanes::<Doubling>::start(
            (),
            QueueLimits {
                capacity: 1024,
                wait: Duration::from_secs(60),
            },
            Metrics::default(),
            "test",
        );
        for round in 0..50 {
            let mut calls = tokio::task::JoinSet::new();
            for i in 0..20 {
                let lanes = lanes.clone();
                // Requests share keys, so most are held back at least once.
                calls.spawn(async move { (i, lanes.run((i % 2, i)).await) });
            }
            let all = async {
                while let Some(done) = calls.join_next().await {
                    let (i, answer) = done.expect("task");
                    assert_eq!(answer.ok(), Some(i * 2));
                }
            };
            tokio::time::timeout(std::time::Duration::from_secs(10), all)
                .await
                .unwrap_or_else(|_| panic!("round {round}: requests left unanswered"));
        }
    }

    /// Counts the requests it runs.
    struct Counting;

    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    impl Batched for Counting {
        type Db = ();
        type Request = i64;
        type Answer = ();
        type Key = i64;

        fn key(_: &i64) -> Option<i64> {
            None
        }

        async fn execute(_db: &(), requests: &[&i64]) -> ApiResult<Vec<()>> {
            RUN.fetch_add(requests.len(), std::sync::atomic::Ordering::SeqCst);
            Ok(vec![(); requests.len()])
        }
    }

    #[tokio::test]
    async fn a_request_no_lane_took_within_the_wait_is_busy_and_never_runs() {
        let lanes = Lanes::<Counting>::start(
            (),
            QueueLimits {
                capacity: 8,
                wait: Duration::ZERO,
            },
            Metrics::default(),
            "test",
        );
        for i in 0..20 {
            match lanes.run(i).await {
                Err(ApiError::Busy {
                    retry_after_seconds,
                }) => assert_eq!(retry_after_seconds, 1),
                other => panic!("expected BUSY, got {other:?}"),
            }
        }
        assert_eq!(RUN.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
