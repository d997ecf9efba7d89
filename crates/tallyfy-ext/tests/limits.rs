//! One rate limit per client, operation deadlines and per-request overrides.
//!
//! Nothing here measures elapsed time: each test counts (and orders) the requests
//! the server received. Waits are real but short; a watchdog turns a hang into a
//! failure.

mod support;

use futures::TryStreamExt;
use std::time::Duration;
use tallyfy_ext::testing::{Fault, FaultKind, Faults, TestTallyfy};
use tallyfy_ext::{ErrorKind, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Fails the test instead of hanging when a deadline is not honoured.
async fn watchdog<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("the call should have ended long before")
}

// ===== one rate limit per client =====

/// A walk with 8 pages in flight meets one 429 (`Retry-After: 1`). The fake then
/// answers 429 to anything that arrives before that second is over, as a real rate
/// limiter does. The other 7 pages fail with slow 503s after the 429 has arrived,
/// and would retry at once: with one rate limit per client they wait for the same
/// pause instead, so the fake sees no request inside the wait and sends one 429.
#[tokio::test]
async fn eight_pages_in_flight_meet_one_429_and_wait_once_sending_nothing_inside_the_wait() {
    let mut script = vec![
        Fault::Pass, // page 1, alone: it reports total_pages
        Fault::delayed(Duration::from_millis(200), Fault::rate_limited(1)),
    ];
    script.extend((0..7).map(|_| Fault::delayed(Duration::from_millis(500), Fault::Status(503))));
    let tallyfy = TestTallyfy::builder()
        .members(45)
        .faults(Faults::script(script).with_rate_limit_window(true))
        .start()
        .await
        .unwrap();
    let members: Vec<i64> = watchdog(
        tallyfy
            .client()
            .members()
            .per_page(5)
            .concurrency(8)
            .heal_pages(0) // the end-of-walk check would add a request
            .items()
            .map_ok(|m| m.id)
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(members, (1001..=1045).collect::<Vec<_>>());

    let counts = tallyfy.fake().fault_counts();
    assert_eq!(
        counts.get(FaultKind::RateLimited),
        1,
        "a request was sent inside the wait: {:#?}",
        tallyfy.requests()
    );
    assert_eq!(counts.get(FaultKind::Status), 7);
    // Page 1 once; pages 2-9 twice each (the failure, then one retry after the pause).
    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 1 + 8 + 8);
    for page in 2..=9u64 {
        let sent = requests
            .iter()
            .filter(|r| r.query_pairs.contains(&("page".into(), page.to_string())))
            .count();
        assert_eq!(sent, 2, "page {page}");
    }
    // Every retry came after every first attempt had failed: one wait, together.
    assert!(requests[9..].iter().all(|r| r.status == Some(200)));
}

#[tokio::test]
async fn a_429_above_the_ceiling_pauses_the_client_so_later_calls_fail_without_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .insert_header("x-ratelimit-limit", "600")
                .insert_header("x-ratelimit-remaining", "0"),
        )
        .mount(&server)
        .await;
    let client = support::client(&server);
    let first = client.member(1).send().await.unwrap_err();
    assert_eq!(
        (first.kind(), first.status(), first.attempts()),
        (ErrorKind::RateLimited, Some(429), 1)
    );
    let budget = first.rate_limit().expect("the 429's budget");
    assert_eq!((budget.limit, budget.remaining), (Some(600), Some(0)));
    assert_eq!(client.rate_limit(), Some(budget));

    let second = client
        .clone()
        .members()
        .items()
        .try_next()
        .await
        .unwrap_err();
    assert_eq!(
        (second.kind(), second.status(), second.attempts()),
        (ErrorKind::RateLimited, None, 0),
        "{second:?}"
    );
    assert!(second.retry_after().unwrap() > Duration::from_secs(3500));
    assert!(
        second.to_string().contains("no request was sent"),
        "{second}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_503_above_the_ceiling_is_a_server_error_with_its_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let client = support::client(&server);
    let err = client.member(1).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.retry_after(), err.attempts()),
        (
            ErrorKind::Server,
            Some(503),
            Some(Duration::from_secs(3600)),
            1
        )
    );
    // A 503 is the server's trouble, not this client's budget: no client-wide pause.
    client.member(2).send().await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_budget_is_on_pages_meta_and_the_client_and_pacing_waits_for_the_reset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(support::page_body(1..=3, 1, 10, 3))
                .insert_header("x-ratelimit-limit", "100")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "30")
                .insert_header("x-request-id", "req-9"),
        )
        .mount(&server)
        .await;
    let plain = support::client(&server);
    let page = plain.members().page(1).await.unwrap();
    let budget = page.rate_limit.expect("the page's budget");
    assert_eq!((budget.limit, budget.remaining), (Some(100), Some(0)));
    assert!(budget.is_exhausted());
    assert_eq!(plain.rate_limit(), Some(budget));
    // Without pacing the next call is sent anyway.
    plain.members().page(1).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // With pacing the client pauses until the reset (30 s): a call that may not
    // wait that long fails without sending.
    let paced = support::builder(&server)
        .pace_rate_limit(true)
        .build()
        .unwrap();
    paced.members().page(1).await.unwrap();
    let err = paced
        .members()
        .operation_timeout(Duration::from_millis(300))
        .page(1)
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::RateLimited, None));
    assert_eq!(err.deadline(), Some(Duration::from_millis(300)));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

// ===== deadlines =====

#[tokio::test]
async fn an_attempt_is_cut_by_the_operation_deadline() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::Slow(Duration::from_secs(60))]))
        .start()
        .await
        .unwrap();
    let err = watchdog(
        tallyfy
            .client()
            .member(1001)
            .operation_timeout(Duration::from_millis(300))
            .send(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts(), err.deadline()),
        (ErrorKind::Timeout, 1, Some(Duration::from_millis(300))),
        "{err:?}"
    );
    assert!(err.to_string().contains("operation deadline"), "{err}");
    // The slow request arrived (it is recorded only once answered, a minute later);
    // no second attempt did (it would have been answered at once).
    assert_eq!(tallyfy.fake().fault_counts().get(FaultKind::Slow), 1);
    assert_eq!(tallyfy.requests().len(), 0);
}

#[tokio::test]
async fn a_retry_whose_wait_would_pass_the_deadline_is_not_made() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::rate_limited(1)]))
        .client(|c| c.operation_timeout(Duration::from_millis(500)))
        .start()
        .await
        .unwrap();
    let err = watchdog(tallyfy.client().member(1001).send())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::RateLimited, Some(429), 1)
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.deadline(), Some(Duration::from_millis(500)));
    assert_eq!(tallyfy.requests().len(), 1);

    // A request may allow itself longer than the client does: it waits and succeeds.
    tallyfy.set_faults(Faults::script(vec![Fault::rate_limited(1)]));
    let member = watchdog(
        tallyfy
            .client()
            .member(1001)
            .operation_timeout(Duration::from_secs(5))
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(member.id, 1001);
    assert_eq!(tallyfy.requests().len(), 3);
}

// ===== per-request overrides =====

#[tokio::test]
async fn requests_override_the_clients_retries_and_attempt_timeout() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::Status(503)]))
        .start()
        .await
        .unwrap();
    let client = tallyfy.client();
    let err = client
        .member(1001)
        .retry_policy(RetryPolicy::never())
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Server, 1));
    assert_eq!(tallyfy.requests().len(), 1);

    tallyfy.set_faults(Faults::script(vec![Fault::Slow(Duration::from_secs(60))]));
    let err = watchdog(
        client
            .member(1001)
            .timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::never())
            .send(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts(), err.deadline()),
        (ErrorKind::Timeout, 1, None)
    );

    // On a walk, the overrides ride on every page.
    tallyfy.set_faults(Faults::script(vec![Fault::Pass, Fault::Status(503)]));
    tallyfy.fake().clear_requests();
    let err = client
        .members()
        .per_page(10)
        .retry_policy(RetryPolicy::never())
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.resume_page(), err.attempts()),
        (ErrorKind::Server, Some(2), 1)
    );
    assert_eq!(tallyfy.requests().len(), 2);
    // Without the override the client's retries apply.
    tallyfy.set_faults(Faults::script(vec![Fault::Status(503)]));
    assert_eq!(client.member(1001).send().await.unwrap().id, 1001);
}

#[tokio::test]
async fn get_member_returns_its_request_id_and_budget_on_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": support::member(7)}))
                .insert_header("x-request-id", "req-42")
                .insert_header("x-ratelimit-remaining", "41"),
        )
        .mount(&server)
        .await;
    let (member, meta) = support::client(&server)
        .member(7)
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(member.id, 7);
    assert_eq!(meta.request_id.as_deref(), Some("req-42"));
    assert_eq!(meta.rate_limit.and_then(|b| b.remaining), Some(41));
    assert_eq!(meta.attempts, 1);
}
