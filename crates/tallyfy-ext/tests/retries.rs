//! Retry sequences against the fake Tallyfy server, on paused tokio time: every
//! wait is virtual, so a 7-second `Retry-After` costs no wall time, and the elapsed
//! virtual time is exactly what the client chose to sleep.
//!
//! The fake runs in the test's own runtime, so loopback I/O is ready before the
//! paused clock can auto-advance past a request's timeout.

use futures::TryStreamExt;
use std::time::Duration;
use tallyfy_ext::{Client, ClientBuilder, ErrorKind, RetryPolicy};
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RetryAfter, RunningFake};
use tokio::time::Instant;

async fn fake(script: Vec<Fault>) -> RunningFake {
    FakeTallyfy::builder()
        .members(30)
        .faults(Faults::script(script))
        .start()
        .await
        .expect("fake starts")
}

fn client(fake: &RunningFake) -> Client {
    client_with(fake, |builder| builder)
}

/// A client for `fake` with extra settings.
fn client_with(
    fake: &RunningFake,
    settings: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    let builder = Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org());
    settings(builder).build().unwrap()
}

/// Gets member 1001, returning the outcome and the virtual time it took.
async fn timed_get(client: &Client) -> (tallyfy_ext::Result<i64>, Duration) {
    let started = Instant::now();
    let outcome = client.member(1001).send().await.map(|m| m.id);
    (outcome, started.elapsed())
}

fn within(elapsed: Duration, low_ms: u64, high_ms: u64) {
    assert!(
        elapsed >= Duration::from_millis(low_ms) && elapsed <= Duration::from_millis(high_ms),
        "waited {elapsed:?}, expected {low_ms}..={high_ms} ms"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_with_retry_after_seconds_waits_exactly_that_long() {
    let fake = fake(vec![Fault::RateLimited {
        retry_after: RetryAfter::Seconds(7),
    }])
    .await;
    let (outcome, elapsed) = timed_get(&client(&fake)).await;
    assert_eq!(outcome.unwrap(), 1001);
    within(elapsed, 7000, 7050);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_with_an_http_date_waits_until_then() {
    let fake = fake(vec![Fault::RateLimited {
        retry_after: RetryAfter::HttpDate(Duration::from_secs(5)),
    }])
    .await;
    let (outcome, elapsed) = timed_get(&client(&fake)).await;
    assert_eq!(outcome.unwrap(), 1001);
    // HTTP-dates have whole-second precision: 5 s from a moment within the current second.
    within(elapsed, 4000, 6100);
}

#[tokio::test(start_paused = true)]
async fn a_503_then_success_backs_off_once() {
    let fake = fake(vec![Fault::Status(503)]).await;
    let (outcome, elapsed) = timed_get(&client(&fake)).await;
    assert_eq!(outcome.unwrap(), 1001);
    within(elapsed, 125, 260); // first step: 250 ms with equal jitter
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn html_gateway_errors_and_dropped_connections_are_retried() {
    let fake = fake(vec![Fault::HtmlStatus(502), Fault::Drop, Fault::Empty(504)]).await;
    let client = client_with(&fake, |b| b.max_retries(3));
    let (outcome, _) = timed_get(&client).await;
    assert_eq!(outcome.unwrap(), 1001);
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_return_the_last_error_with_attempts() {
    let fake = fake(vec![
        Fault::Status(503),
        Fault::Status(503),
        Fault::HtmlStatus(503),
        Fault::Status(503),
    ])
    .await;
    let (outcome, elapsed) = timed_get(&client(&fake)).await;
    let err = outcome.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Server, Some(503), 3),
        "{err:?}"
    );
    assert!(
        err.body_snippet()
            .unwrap()
            .contains("503 Service Unavailable"),
        "{err:?}"
    );
    within(elapsed, 125 + 250, 250 + 500 + 20);
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_above_the_ceiling_is_not_slept() {
    let fake = fake(vec![Fault::RateLimited {
        retry_after: RetryAfter::Seconds(600),
    }])
    .await;
    let (outcome, elapsed) = timed_get(&client(&fake)).await;
    let err = outcome.unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::RateLimited, Some(Duration::from_secs(600)))
    );
    assert!(elapsed < Duration::from_millis(50), "slept {elapsed:?}");
    assert_eq!(fake.request_count(), 1);

    // A higher ceiling sleeps it.
    let fake = self::fake(vec![Fault::RateLimited {
        retry_after: RetryAfter::Seconds(600),
    }])
    .await;
    let patient = client_with(&fake, |b| {
        b.retry_policy(RetryPolicy::default().max_retry_after(Duration::from_secs(900)))
    });
    let (outcome, elapsed) = timed_get(&patient).await;
    assert_eq!(outcome.unwrap(), 1001);
    within(elapsed, 600_000, 600_050);
}

#[tokio::test(start_paused = true)]
async fn slow_responses_time_out_per_attempt() {
    let fake = fake(vec![
        Fault::Slow(Duration::from_secs(60)),
        Fault::Slow(Duration::from_secs(60)),
    ])
    .await;
    let client = client_with(&fake, |b| b.timeout(Duration::from_secs(2)).max_retries(1));
    let (outcome, elapsed) = timed_get(&client).await;
    let err = outcome.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts(), err.status()),
        (ErrorKind::Timeout, 2, None),
        "{err:?}"
    );
    within(elapsed, 4125, 4260); // two 2 s attempts and one backoff step
}

#[tokio::test(start_paused = true)]
async fn a_walk_survives_faults_on_later_pages_with_every_member_once() {
    let fake = FakeTallyfy::builder().members(95).start().await.unwrap();
    let client = client(&fake);
    // Page 1 clean, then a 429, a drop and a 502 land on later pages.
    fake.set_faults(Faults::script(vec![
        Fault::Pass,
        Fault::RateLimited {
            retry_after: RetryAfter::Seconds(1),
        },
        Fault::Pass,
        Fault::Drop,
        Fault::Pass,
        Fault::HtmlStatus(502),
    ]));
    let members: Vec<_> = client
        .members()
        .per_page(10)
        .concurrency(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    assert_eq!(ids, (1001..=1095).collect::<Vec<_>>());
    assert_eq!(fake.fault_counts().total(), 3);
}
