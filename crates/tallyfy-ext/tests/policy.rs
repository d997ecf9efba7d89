//! The request policy a service shapes, end to end, counted at the fake: the retry
//! budget during an outage and after it, idempotency on the public requests,
//! headers, and pacing under the server's published budget.

use futures::TryStreamExt;
use futures::future::join_all;
use std::time::Duration;
use tallyfy_ext::testing::{Fault, Faults, TestTallyfy};
use tallyfy_ext::{Client, ErrorKind, RetryBudget, RetryPolicy};

/// Production's rule with many retries, backing off 1 to 2 ms.
fn eager(retries: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(retries)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2))
}

/// Every request a 503.
fn outage() -> Faults {
    Faults::random(1.0, 7).with_kinds(vec![Fault::Status(503)])
}

/// Eight concurrent walks of one client, each wanting 20 retries of its first page.
async fn eight_walks(client: &Client) -> Vec<tallyfy_ext::Error> {
    let walks = (0..8).map(|_| {
        let client = client.clone();
        async move {
            let walk = client.members().per_page(5).items();
            walk.try_collect::<Vec<_>>().await.unwrap_err()
        }
    });
    join_all(walks).await
}

#[tokio::test]
async fn an_outage_met_by_eight_walks_spends_the_budget_once_and_successes_refill_it() {
    let tallyfy = TestTallyfy::builder()
        .members(25)
        .client(|c| c.retry_policy(eager(20)))
        .faults(outage())
        .start()
        .await
        .unwrap();
    let errors = eight_walks(tallyfy.client()).await;
    // 8 first attempts, then 500 tokens / 5 per retry = 100 retries for the client,
    // where the walks wanted 8 x 20 = 160.
    assert_eq!(tallyfy.requests().len(), 8 + 100);
    assert!(errors.iter().all(|e| e.kind() == ErrorKind::Server));
    let refused = errors.iter().filter(|e| e.retry_budget_exhausted()).count();
    assert!(refused >= 1, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("retry budget"))
    );
    let budget = tallyfy.client().retry_budget().unwrap();
    assert_eq!((budget.available, budget.capacity), (0, 500));
    assert_eq!(budget.refused, refused as u64);

    // Spent: the next failure is not retried at all.
    tallyfy.fake().clear_requests();
    let err = tallyfy.client().member(1001).send().await.unwrap_err();
    assert!(err.retry_budget_exhausted());
    assert_eq!((err.attempts(), tallyfy.requests().len()), (1, 1));

    // After recovery every success puts a token back, and retries resume.
    tallyfy.set_faults(Faults::none());
    tallyfy.fake().clear_requests();
    let mut walk = tallyfy.client().members().per_page(5).items();
    while walk.try_next().await.unwrap().is_some() {}
    let successes = tallyfy.requests().len() as u32;
    assert!(successes >= 5, "5 pages and the end-of-walk check");
    assert_eq!(walk.summary().retry_budget.unwrap().available, successes);
    tallyfy.set_faults(Faults::script(vec![Fault::Status(503)]));
    let member = tallyfy
        .client()
        .member(1001)
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(member.1.attempts, 2, "a retry again");
}

#[tokio::test]
async fn without_a_budget_the_same_outage_sends_every_retry() {
    let tallyfy = TestTallyfy::builder()
        .client(|c| {
            c.retry_policy(eager(20))
                .retry_budget(RetryBudget::disabled())
        })
        .faults(outage())
        .start()
        .await
        .unwrap();
    let errors = eight_walks(tallyfy.client()).await;
    assert_eq!(tallyfy.requests().len(), 8 * 21);
    assert!(errors.iter().all(|e| !e.retry_budget_exhausted()));
    assert_eq!(tallyfy.client().retry_budget(), None);
}

#[tokio::test]
async fn a_request_declared_non_idempotent_is_sent_once_after_a_503() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::Status(503); 3]))
        .start()
        .await
        .unwrap();
    let err = tallyfy
        .client()
        .member(1001)
        .idempotent(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Server, 1));
    assert_eq!(tallyfy.requests().len(), 1);
    // The same request, idempotent as its method says, is retried through.
    tallyfy.fake().clear_requests();
    tallyfy.set_faults(Faults::script(vec![Fault::Status(503); 2]));
    tallyfy.client().member(1001).send().await.unwrap();
    assert_eq!(tallyfy.requests().len(), 3);
}

#[tokio::test]
async fn a_custom_rule_over_the_error_code_and_a_time_limit_decide_the_retries() {
    use tallyfy_ext::{Attempt, RetryDecision, RetryRule, TransientErrors};
    // A 429 whose code says the quota is gone for the day is not worth a retry.
    let rule = |a: &Attempt<'_>| match a.code {
        Some("RATE_LIMIT_EXCEEDED") => RetryDecision::Stop,
        _ => TransientErrors.decide(a),
    };
    let tallyfy = TestTallyfy::builder()
        .client(|c| c.retry_policy(eager(5).rule(rule)))
        .faults(Faults::script(vec![Fault::rate_limited(0); 3]))
        .start()
        .await
        .unwrap();
    let err = tallyfy.client().member(1001).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::RateLimited, Some("RATE_LIMIT_EXCEEDED"))
    );
    assert_eq!(tallyfy.requests().len(), 1, "stopped by the code");

    // Per request: a rule with a time limit already spent stops after one attempt,
    // and one with an attempt limit of 2 after two.
    tallyfy.fake().clear_requests();
    tallyfy.set_faults(Faults::script(vec![Fault::Status(500); 5]));
    let spent = RetryPolicy::custom(TransientErrors.with_time_limit(Duration::ZERO));
    let err = tallyfy
        .client()
        .member(1001)
        .retry_policy(spent)
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.attempts(), tallyfy.requests().len()), (1, 1));
    tallyfy.fake().clear_requests();
    let two = RetryPolicy::custom(TransientErrors.with_attempt_limit(2))
        .backoff(|_: u32| Duration::from_millis(1));
    let err = tallyfy
        .client()
        .member(1001)
        .retry_policy(two)
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.attempts(), tallyfy.requests().len()), (2, 2));
}

/// A walk of 40 one-member pages, 8 at a time, against a budget of 10 requests per
/// 300 ms: paced (the default), no request gets a 429; unpaced, some do.
#[tokio::test]
async fn pacing_keeps_a_concurrent_walk_under_the_published_budget() {
    for pace in [true, false] {
        let tallyfy = TestTallyfy::builder()
            .members(40)
            .fake(|f| f.rate_limit(10, Duration::from_millis(300)))
            // Paced: the default configuration, untouched.
            .client(move |c| if pace { c } else { c.pace_rate_limit(false) })
            .start()
            .await
            .unwrap();
        let members: Vec<_> = tallyfy
            .client()
            .members()
            .per_page(1)
            .concurrency(8)
            .heal_pages(0)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(members.len(), 40);
        let refused = tallyfy
            .requests()
            .iter()
            .filter(|r| r.status == Some(429))
            .count();
        if pace {
            assert_eq!(refused, 0, "paced");
            assert_eq!(tallyfy.requests().len(), 40);
        } else {
            assert!(refused > 0, "unpaced, the walk bursts into the limit");
        }
    }
}
