//! Lanes that send the requests of one kind that arrive together to the database
//! together (PostgreSQL; used by claims and redemptions).
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

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use jobs::metrics::Metrics;
use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{ApiError, ApiResult};

/// How many batches of one kind one api process may have in the database at once.
pub const LANES: usize = 2;
/// The most requests in one statement.
const MAX_BATCH: usize = 128;

/// One kind of request that can be run as a batch.
pub trait Batched: Send + Sync + 'static {
    type Request: Send + Sync + 'static;
    type Answer: Send + 'static;
    type Key: Hash + Eq;

    /// Requests with equal keys never share a batch; `None` for requests that may
    /// share one with any other (lookups).
    fn key(request: &Self::Request) -> Option<Self::Key>;

    /// Runs the requests as one statement; the answers come back in request order.
    fn execute(
        db: &DatabaseConnection,
        requests: &[&Self::Request],
    ) -> impl Future<Output = ApiResult<Vec<Self::Answer>>> + Send;
}

/// One field of every request of a batch, in request order: an array the batch
/// statement binds and `unnest`s.
pub fn column<R, T>(requests: &[&R], field: impl Fn(&R) -> T) -> Vec<T> {
    requests.iter().map(|r| field(r)).collect()
}

struct Pending<B: Batched> {
    request: B::Request,
    reply: oneshot::Sender<ApiResult<B::Answer>>,
}

type Incoming<B> = Arc<Mutex<mpsc::UnboundedReceiver<Pending<B>>>>;

/// The queue in front of the lanes. Cloning shares it.
pub struct Lanes<B: Batched> {
    queue: mpsc::UnboundedSender<Pending<B>>,
}

impl<B: Batched> Clone for Lanes<B> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
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
    pub fn start(db: DatabaseConnection, metrics: Metrics, kind: &'static str) -> Self {
        let (queue, incoming) = mpsc::unbounded_channel();
        let incoming: Incoming<B> = Arc::new(Mutex::new(incoming));
        for _ in 0..LANES {
            let sizes = (metrics.clone(), kind);
            tokio::spawn(lane(db.clone(), incoming.clone(), sizes));
        }
        Self { queue }
    }

    /// Queues one request and waits for its batch's answer.
    pub async fn run(&self, request: B::Request) -> ApiResult<B::Answer> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { request, reply })
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("batch lanes stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a batch lane dropped a request")))?
    }
}

/// Takes what has queued (waiting for one request when it holds none), runs it,
/// answers, and again.
async fn lane<B: Batched>(
    db: DatabaseConnection,
    incoming: Incoming<B>,
    (metrics, kind): (Metrics, &'static str),
) {
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
        let (batch, later) = one_per_key(batch);
        held_back = later;
        metrics.batch(kind, batch.len());
        run(&db, batch).await;
    }
}

fn take_queued<B: Batched>(
    incoming: &mut mpsc::UnboundedReceiver<Pending<B>>,
    batch: &mut Vec<Pending<B>>,
) {
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
async fn run<B: Batched>(db: &DatabaseConnection, batch: Vec<Pending<B>>) {
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

async fn answer_one_by_one<B: Batched>(
    db: &DatabaseConnection,
    batch: Vec<Pending<B>>,
    why: &'static str,
) {
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
        type Request = (i64, i64);
        type Answer = i64;
        type Key = i64;

        fn key(request: &(i64, i64)) -> Option<i64> {
            (request.0 >= 0).then_some(request.0)
        }

        async fn execute(
            _db: &DatabaseConnection,
            requests: &[&(i64, i64)],
        ) -> ApiResult<Vec<i64>> {
            Ok(requests.iter().map(|r| r.1 * 2).collect())
        }
    }

    fn pending(key: i64, value: i64) -> Pending<Doubling> {
        Pending {
            request: (key, value),
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
        let lanes =
            Lanes::<Doubling>::start(DatabaseConnection::default(), Metrics::default(), "test");
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
}
