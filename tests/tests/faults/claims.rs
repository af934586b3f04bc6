//! Claims on two `api` processes sharing one database: exactly the prize quantity is
//! handed out, and a PostgreSQL connection killed in the middle of the rush gives a
//! clean answer and no half-written claim.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use tests::bench::{Connection, Server};
use tests::rush::{self, Rush};

use crate::cluster::{Cluster, DEADLINE};

/// Longest a claim may take to be answered, even with its connection killed.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A rush on the cluster's first api: `vouchers` of one prize, `members` certified
/// members; their session tokens.
async fn rush_of(cluster: &Cluster, vouchers: usize, members: usize) -> (Rush, Vec<String>) {
    let setup = rush::open_activity(&cluster.apis[0], vouchers, json!({ "kind": "once" }))
        .await
        .expect("activity");
    let db = cluster.db().await;
    let accounts = rush::certified_members(&db, setup.union, members)
        .await
        .expect("members");
    db.close().await.ok();
    setup.wait_until_open().await.expect("open");
    (
        setup,
        accounts.into_iter().map(rush::member_token).collect(),
    )
}

/// One claim per token, `clients` at a time, each client on a keep-alive connection to
/// the apis in turn; every answer (api index, status, body) in token order. A claim not
/// answered within `ANSWER_WITHIN` fails the test.
async fn claim_all(
    apis: &[Server],
    path: &str,
    tokens: &[String],
    clients: usize,
) -> Vec<(usize, u16, Value)> {
    let tokens: Arc<Vec<String>> = Arc::new(tokens.to_vec());
    let cursor = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for client in 0..clients {
        let api = client % apis.len();
        let mut connection = Connection::open(&apis[api].addr).await.expect("connect");
        let (tokens, cursor, path) = (tokens.clone(), cursor.clone(), path.to_owned());
        set.spawn(async move {
            let mut answers = Vec::new();
            loop {
                let i = cursor.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else {
                    return answers;
                };
                let answer = tokio::time::timeout(
                    ANSWER_WITHIN,
                    connection.post_json(&path, token, &json!({})),
                )
                .await
                .unwrap_or_else(|_| panic!("claim {i} hung for {ANSWER_WITHIN:?}"))
                .expect("an HTTP answer");
                answers.push((i, api, answer));
            }
        });
    }
    let mut answers = Vec::with_capacity(tokens.len());
    while let Some(done) = set.join_next().await {
        answers.extend(done.expect("client"));
    }
    answers.sort_by_key(|(i, ..)| *i);
    answers
        .into_iter()
        .map(|(_, api, (status, body))| (api, status, body))
        .collect()
}

/// Claims and taken vouchers of the activity agree: one voucher per claim row, every
/// taken voucher held through a claim of its holder. Returns the number of claims.
async fn claims_match_vouchers(cluster: &Cluster, activity: i64) -> i64 {
    let claims = cluster
        .count(&format!(
            "SELECT COUNT(*) AS n FROM claims WHERE activity_id = {activity}"
        ))
        .await;
    let taken = cluster
        .count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers WHERE activity_id = {activity} AND member_id IS NOT NULL"
        ))
        .await;
    assert_eq!(claims, taken, "claim rows against vouchers taken");
    let orphans = cluster
        .count(&format!(
            "SELECT COUNT(*) AS n FROM vouchers v WHERE v.activity_id = {activity} \
             AND v.member_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM claims c \
             WHERE c.id = v.claim_id AND c.member_id = v.member_id)"
        ))
        .await;
    assert_eq!(orphans, 0, "taken vouchers without their claim");
    let uneven = cluster
        .count(&format!(
            "SELECT COUNT(*) AS n FROM claims c WHERE c.activity_id = {activity} \
             AND (SELECT COUNT(*) FROM vouchers v WHERE v.claim_id = c.id) <> 1"
        ))
        .await;
    assert_eq!(uneven, 0, "claims without exactly one voucher");
    claims
}

#[tokio::test]
#[ignore = "fault suite: cargo build -p api -p jobs, then --ignored"]
async fn claims_sent_to_two_api_processes_give_exactly_the_prize_quantity() {
    let cluster = Cluster::two_and_two(&[]).await;
    let (setup, tokens) = rush_of(&cluster, 200, 600).await;
    let answers = claim_all(&cluster.apis, &setup.claim_path(), &tokens, 32).await;

    let won: Vec<&(usize, u16, Value)> = answers.iter().filter(|a| a.1 == 201).collect();
    assert_eq!(won.len(), 200);
    assert!(
        answers
            .iter()
            .all(|(_, status, body)| *status == 201 || body["code"] == "SOLD_OUT"),
        "every other answer is SOLD_OUT"
    );
    for api in 0..cluster.apis.len() {
        assert!(
            won.iter().any(|(a, ..)| *a == api),
            "api {api} handed out no voucher"
        );
    }
    let codes: HashSet<&str> = won.iter().filter_map(|a| a.2["code"].as_str()).collect();
    assert_eq!(codes.len(), 200, "distinct voucher codes");
    assert_eq!(
        claims_match_vouchers(&cluster, setup.activity_id).await,
        200
    );
    let per_member = cluster
        .count(&format!(
            "SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM vouchers \
             WHERE activity_id = {} AND member_id IS NOT NULL GROUP BY member_id) x",
            setup.activity_id
        ))
        .await;
    assert_eq!(per_member, 1);
    cluster.tear_down().await;
}

/// Terminates the backends of `database` that are running a statement, every 50 ms,
/// until `stop` is set; how many it terminated.
async fn kill_running_backends(admin_url: String, database: String, stop: Arc<AtomicBool>) -> i64 {
    let admin = Database::connect(admin_url)
        .await
        .expect("admin connection");
    let sql = format!(
        "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = '{database}' AND pid <> pg_backend_pid() AND state = 'active'"
    );
    let mut killed = 0;
    while !stop.load(Ordering::Relaxed) {
        let row = admin
            .query_one_raw(Statement::from_string(admin.get_database_backend(), &sql))
            .await
            .expect("terminate")
            .expect("a row");
        killed += row.try_get::<i64>("", "n").expect("n");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    admin.close().await.ok();
    killed
}

#[tokio::test]
#[ignore = "fault suite: cargo build -p api -p jobs, then --ignored"]
async fn a_database_connection_killed_mid_claim_gives_a_clean_answer_and_no_half_written_claim() {
    let cluster = Cluster::two_and_two(&[]).await;
    let (setup, tokens) = rush_of(&cluster, 300, 900).await;
    let stop = Arc::new(AtomicBool::new(false));
    let killer = tokio::spawn(kill_running_backends(
        cluster.env.admin_url(),
        cluster.env.database.clone(),
        stop.clone(),
    ));
    let answers = tokio::time::timeout(
        DEADLINE,
        claim_all(&cluster.apis, &setup.claim_path(), &tokens, 32),
    )
    .await
    .expect("the rush ends in time");
    stop.store(true, Ordering::Relaxed);
    let killed = killer.await.expect("killer");
    assert!(killed > 0, "no backend was terminated during the rush");

    // Each answer is a voucher, a clean refusal, or a server error with the JSON body.
    let mut failed = Vec::new();
    for (i, (_, status, body)) in answers.iter().enumerate() {
        match status {
            201 => assert!(body["code"].is_string(), "{body}"),
            409 => assert_eq!(body["code"], "SOLD_OUT", "{body}"),
            500..=599 => {
                assert!(
                    body["code"].is_string() && body["message"].is_string(),
                    "{body}"
                );
                failed.push(i);
            }
            other => panic!("claim {i}: unexpected {other} {body}"),
        }
    }
    // Retried once the connections are back, each failed claim gets a clean answer:
    // its voucher, or the refusal its first attempt (if it went in) or the sell-out means.
    let retried: Vec<String> = failed.iter().map(|i| tokens[*i].clone()).collect();
    let again = claim_all(&cluster.apis, &setup.claim_path(), &retried, 8).await;
    for (_, status, body) in &again {
        assert!(
            *status == 201
                || (*status == 409
                    && (body["code"] == "SOLD_OUT" || body["code"] == "LIMIT_REACHED")),
            "a retry after the connection came back: {status} {body}"
        );
    }
    let claims = claims_match_vouchers(&cluster, setup.activity_id).await;
    let answered: usize = answers.iter().chain(&again).filter(|a| a.1 == 201).count();
    assert!(claims <= 300);
    assert!(
        answered as i64 <= claims,
        "{answered} vouchers answered, {claims} claims"
    );
    println!(
        "backends terminated {killed}; server errors {}; claims {claims}; vouchers answered {answered}",
        failed.len()
    );
    cluster.tear_down().await;
}
