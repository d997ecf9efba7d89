//! The executor alone, against the fake: idempotency decides which failures of a
//! request may be retried, counted at the fake. The spec has no write operation
//! yet, so the requests here are built by hand (a `POST` to the members route,
//! which the fake's faults answer before routing).

use super::*;
use crate::pacing::Pacer;
use crate::retry::RetryBudget;
use crate::scope::{self, Overrides};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::time::Duration;
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RunningFake};

fn executor(fake: &RunningFake) -> Executor {
    let mut headers = HeaderMap::new();
    let bearer = format!("Bearer {}", fake.token());
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&bearer).unwrap());
    headers.insert("x-tallyfy-client", HeaderValue::from_static("APIClient"));
    Executor {
        headers,
        attempt_timeout: Duration::from_secs(5),
        operation_timeout: None,
        retry: RetryPolicy::default()
            .initial_backoff(Duration::from_millis(1))
            .max_backoff(Duration::from_millis(2)),
        max_body_bytes: 1 << 20,
        limiter: Arc::default(),
        pacer: Arc::new(Pacer::new(true)),
        budget: Arc::new(Bucket::new(RetryBudget::default())),
        redactor: crate::redact::Redactor::new(fake.token()),
        send: crate::respond::Sender::Http,
    }
}

fn request(method: reqwest::Method, url: &str) -> reqwest::Request {
    reqwest::Client::new()
        .request(method, url)
        .body("{}")
        .build()
        .unwrap()
}

/// Sends `method` to the members route through the executor; returns the status
/// and the attempts the executor recorded.
async fn send(
    exec: &Executor,
    fake: &RunningFake,
    method: reqwest::Method,
    overrides: Overrides,
) -> (Option<u16>, u32) {
    let url = format!("{}/organizations/{}/users", fake.base_url(), fake.org());
    let http = reqwest::Client::new();
    let (out, meta) = scope::run(
        overrides,
        exec.run(&http, request(method, &url), "list_members"),
    )
    .await;
    (out.ok().map(|r| r.status().as_u16()), meta.attempts)
}

fn sent(fake: &RunningFake, method: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method)
        .count()
}

#[tokio::test]
async fn a_post_that_reached_the_server_is_sent_once_and_a_get_is_retried() {
    let fake = FakeTallyfy::builder().start().await.unwrap();
    let exec = executor(&fake);
    for fault in [Fault::Status(503), Fault::Drop, Fault::Status(500)] {
        fake.clear_requests();
        fake.set_faults(Faults::script(vec![fault.clone(); 3]));
        let (_, attempts) = send(&exec, &fake, reqwest::Method::POST, Overrides::default()).await;
        assert_eq!(
            (sent(&fake, "POST"), attempts),
            (1, 1),
            "POST after {fault:?}"
        );

        fake.clear_requests();
        fake.set_faults(Faults::script(vec![fault.clone(); 3]));
        let (_, attempts) = send(&exec, &fake, reqwest::Method::GET, Overrides::default()).await;
        assert_eq!(
            (sent(&fake, "GET"), attempts),
            (3, 3),
            "GET after {fault:?}"
        );

        // A request that says it is idempotent is retried as a GET is.
        fake.clear_requests();
        fake.set_faults(Faults::script(vec![fault.clone(); 3]));
        let overrides = Overrides {
            idempotent: Some(true),
            ..Overrides::default()
        };
        let (_, attempts) = send(&exec, &fake, reqwest::Method::POST, overrides).await;
        assert_eq!(
            (sent(&fake, "POST"), attempts),
            (3, 3),
            "idempotent POST after {fault:?}"
        );
    }
    // And the other way round: a GET declared non-idempotent is sent once.
    fake.clear_requests();
    fake.set_faults(Faults::script(vec![Fault::Status(503); 3]));
    let overrides = Overrides {
        idempotent: Some(false),
        ..Overrides::default()
    };
    let (status, _) = send(&exec, &fake, reqwest::Method::GET, overrides).await;
    assert_eq!((sent(&fake, "GET"), status), (1, Some(503)));
}

#[tokio::test]
async fn a_post_whose_connection_was_refused_is_retried() {
    let fake = FakeTallyfy::builder().start().await.unwrap();
    let exec = executor(&fake);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/organizations/x/users");
    let http = reqwest::Client::new();
    let (out, meta) = scope::run(
        Overrides::default(),
        exec.run(&http, request(reqwest::Method::POST, &url), "list_members"),
    )
    .await;
    assert!(out.unwrap_err().is_connect());
    assert_eq!(meta.attempts, 3, "never reached a server: safe to retry");
}
