//! Retry sequences against the fake Tallyfy server, asserted by counts at the fake
//! and by the waits the client asked for (its `tallyfy retrying` events), never by a
//! clock: paused tokio time with real sockets is flaky (tokio issues 4522, 8232), and
//! wall-clock bounds fail on a busy machine. A long wait is seen being requested,
//! then the call is dropped instead of slept; short waits are slept for real.

use futures::TryStreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tallyfy_ext::{Client, ClientBuilder, ErrorKind, RetryPolicy};
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RetryAfter, RunningFake};
use tokio::sync::Notify;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Longest a test waits for something that a correct client does at once.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// The `tallyfy.retry_wait_ms` of every retry event, in order.
#[derive(Clone, Default)]
struct Waits(Arc<(Mutex<Vec<u64>>, Notify)>);

impl Waits {
    /// Captures this test's events (the runtime is current-thread: every poll is here).
    fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let waits = Waits::default();
        let subscriber = tracing_subscriber::registry().with(waits.clone());
        (waits, tracing::subscriber::set_default(subscriber))
    }

    fn ms(&self) -> Vec<u64> {
        self.0.0.lock().unwrap().clone()
    }

    /// Waits until `n` retries were announced (each right before its sleep).
    async fn announced(&self, n: usize) -> Vec<u64> {
        let wait = async {
            loop {
                let notified = self.0.1.notified();
                if self.ms().len() >= n {
                    return self.ms();
                }
                notified.await;
            }
        };
        tokio::time::timeout(HANG_GUARD, wait)
            .await
            .expect("hang guard: the retry was never announced")
    }
}

struct WaitField(Option<u64>);

impl Visit for WaitField {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "tallyfy.retry_wait_ms" {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Waits {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut field = WaitField(None);
        event.record(&mut field);
        if let Some(ms) = field.0 {
            self.0.0.lock().unwrap().push(ms);
            self.0.1.notify_waiters();
        }
    }
}

async fn fake(script: Vec<Fault>) -> RunningFake {
    FakeTallyfy::builder()
        .members(30)
        .faults(Faults::script(script))
        .start()
        .await
        .expect("fake starts")
}

/// A client for `fake` with the production retry policy unless `settings` change it.
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

/// Starts `client.member(1001)` in the background, waits until it announces `n`
/// retries and returns their waits, then drops the call instead of sleeping.
async fn waits_asked_for(client: Client, waits: &Waits, n: usize) -> Vec<u64> {
    let call = tokio::spawn(async move { client.member(1001).send().await.map(|m| m.id) });
    let asked = waits.announced(n).await;
    call.abort();
    // Its spans close here, under this test's subscriber.
    let _ = call.await;
    asked
}

#[tokio::test]
async fn rate_limit_with_retry_after_seconds_waits_exactly_that_long() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![Fault::rate_limited(7)]).await;
    let asked = waits_asked_for(client_with(&fake, |b| b), &waits, 1).await;
    assert_eq!(asked, [7000]);
    assert_eq!(fake.request_count(), 1);

    // A short one is slept for real, and then the call succeeds.
    let fake = self::fake(vec![Fault::rate_limited(1)]).await;
    let member = client_with(&fake, |b| b).member(1001).send().await;
    assert_eq!(member.unwrap().id, 1001);
    assert_eq!((waits.ms(), fake.request_count()), (vec![7000, 1000], 2));
}

#[tokio::test]
async fn rate_limit_with_an_http_date_waits_until_then() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![Fault::RateLimited {
        retry_after: RetryAfter::HttpDate(Duration::from_secs(5)),
    }])
    .await;
    let asked = waits_asked_for(client_with(&fake, |b| b), &waits, 1).await;
    // The fake rounds the date up to a whole second: 5 s, plus at most one second
    // less the time between its answer and the client's reading of it.
    assert!((4000..=6000).contains(&asked[0]), "{asked:?}");
}

#[tokio::test]
async fn a_503_then_success_backs_off_once() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![Fault::Status(503)]).await;
    let asked = waits_asked_for(client_with(&fake, |b| b), &waits, 1).await;
    assert!(
        (125..=250).contains(&asked[0]),
        "first step: 250 ms with equal jitter, {asked:?}"
    );

    let fake = self::fake(vec![Fault::Status(503)]).await;
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(2));
    let client = client_with(&fake, |b| b.retry_policy(fast));
    assert_eq!(client.member(1001).send().await.unwrap().id, 1001);
    assert_eq!((waits.ms().len(), fake.request_count()), (2, 2));
    assert!((1..=2).contains(&waits.ms()[1]), "{:?}", waits.ms());
}

#[tokio::test]
async fn html_gateway_errors_and_dropped_connections_are_retried() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![Fault::HtmlStatus(502), Fault::Drop, Fault::Empty(504)]).await;
    let fast = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(2))
        .max_retries(3);
    let client = client_with(&fake, |b| b.retry_policy(fast));
    assert_eq!(client.member(1001).send().await.unwrap().id, 1001);
    assert_eq!(fake.request_count(), 4);
    // Backoff doubles: steps of 2, 4 and 8 ms, each jittered down to no less than half.
    let asked = waits.ms();
    assert_eq!(asked.len(), 3, "{asked:?}");
    for (wait, step) in asked.iter().zip([2, 4, 8]) {
        assert!((step / 2..=step).contains(wait), "{asked:?}");
    }
}

#[tokio::test]
async fn exhausted_retries_return_the_last_error_with_attempts() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![
        Fault::Status(503),
        Fault::Status(503),
        Fault::HtmlStatus(503),
        Fault::Status(503),
    ])
    .await;
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(2));
    let client = client_with(&fake, |b| b.retry_policy(fast));
    let err = client.member(1001).send().await.unwrap_err();
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
    // Two waits, none after the last attempt; the fourth scripted 503 is never asked for.
    assert_eq!((waits.ms().len(), fake.request_count()), (2, 3));
}

#[tokio::test]
async fn a_retry_after_above_the_ceiling_is_not_slept() {
    let (waits, _guard) = Waits::capture();
    let fake = fake(vec![Fault::rate_limited(600)]).await;
    let call = client_with(&fake, |b| b).member(1001).send();
    // A hang guard only: the call must fail without sleeping the 600 s.
    let err = tokio::time::timeout(HANG_GUARD, call)
        .await
        .expect("hang guard")
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::RateLimited, Some(Duration::from_secs(600)))
    );
    assert_eq!((waits.ms(), fake.request_count()), (vec![], 1));

    // A higher ceiling sleeps it.
    let fake = self::fake(vec![Fault::rate_limited(600)]).await;
    let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(900));
    let patient = client_with(&fake, |b| b.retry_policy(policy));
    assert_eq!(waits_asked_for(patient, &waits, 1).await, [600_000]);
}

#[tokio::test]
async fn slow_responses_time_out_per_attempt() {
    let (waits, _guard) = Waits::capture();
    // An hour-long answer cannot arrive during the test: only the timeout ends an attempt.
    let slow = Fault::Slow(Duration::from_secs(3600));
    let fake = fake(vec![slow.clone(), slow]).await;
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(2));
    let client = client_with(&fake, |b| {
        b.timeout(Duration::from_millis(200))
            .retry_policy(fast.max_retries(1))
    });
    let err = client.member(1001).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts(), err.status()),
        (ErrorKind::Timeout, 2, None),
        "{err:?}"
    );
    // Both attempts reached the fake, neither was answered; one wait between them.
    assert_eq!(
        (fake.arrivals(), fake.answers(), waits.ms().len()),
        (2, 0, 1)
    );
}

#[tokio::test]
async fn a_walk_survives_faults_on_later_pages_with_every_member_once() {
    let fake = FakeTallyfy::builder().members(95).start().await.unwrap();
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(2));
    let client = client_with(&fake, |b| b.retry_policy(fast));
    // Page 1 clean, then a 429, a drop and a 502 land on later pages.
    fake.set_faults(Faults::script(vec![
        Fault::Pass,
        Fault::rate_limited(1),
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
    // 10 pages, one retry for each fault, and page 1 re-read at the end.
    assert_eq!(fake.request_count(), 13 + 1);
}
