//! Client settings and recoveries not covered elsewhere: `connect_timeout`, a
//! caller's own `http_client`, HTTP 408, and get-member through faults. Asserted by
//! counts at the server; any timeout here is only a hang guard.

mod support;

use std::time::Duration;
use support::{ORG, TOKEN};
use tallyfy_ext::testing::{Fault, FaultKind, Faults, TestTallyfy};
use tallyfy_ext::{Client, ErrorKind, RetryPolicy};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HANG_GUARD: Duration = Duration::from_secs(60);

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
}

#[tokio::test]
async fn connect_timeout_ends_a_connect_that_never_completes() {
    // A loopback listener whose accept queue is full: Linux drops further SYNs, so a
    // connect to it never completes and only the connect timeout can end it. The
    // attempt timeout is an hour, so it cannot be what fires.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..8 {
        // Fill the queue; the later ones of these hang too, so don't wait for them.
        let connect = tokio::net::TcpStream::connect(addr);
        if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_millis(300), connect).await {
            queued.push(stream);
        }
    }
    let client = Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(format!("http://{addr}/api"))
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_secs(3600))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, client.member(1).send())
        .await
        .expect("hang guard: the connect timeout never fired")
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Timeout, None, 3),
        "{err:?}"
    );
    drop((queued, listener));
}

#[tokio::test]
async fn a_callers_http_client_is_the_one_that_sends() {
    let server = MockServer::start().await;
    // Only a request carrying the caller client's default header is answered.
    Mock::given(method("GET"))
        .and(header("x-caller", "own-client"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"id": 5}})),
        )
        .mount(&server)
        .await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-caller", "own-client".parse().unwrap());
    let own = reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .unwrap();
    let client = support::builder(&server).http_client(own).build().unwrap();
    assert_eq!(client.member(5).send().await.unwrap().id, 5);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    // The SDK's own headers still ride on it.
    let auth = received[0].headers.get("authorization").unwrap();
    assert_eq!(auth.to_str().unwrap(), format!("Bearer {TOKEN}"));

    // Without it, the header is absent: the check above can fail.
    let plain = support::client(&server);
    let err = plain.member(5).send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn a_408_is_retried_and_then_reported_as_a_timeout() {
    // As retry.rs documents: 408 is retried like a 503.
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::Empty(408)]))
        .start()
        .await
        .unwrap();
    assert_eq!(tallyfy.client().member(1001).send().await.unwrap().id, 1001);
    let statuses: Vec<_> = tallyfy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(408), Some(200)]);

    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::Status(408); 4]))
        .start()
        .await
        .unwrap();
    let err = tallyfy.client().member(1001).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Timeout, Some(408), 3),
        "{err:?}"
    );
    assert_eq!(tallyfy.requests().len(), 3);
}

#[tokio::test]
async fn get_member_recovers_from_a_429_a_500_and_a_dropped_connection() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![
            Fault::rate_limited(0),
            Fault::Status(500),
            Fault::Drop,
        ]))
        .client(|c| c.max_retries(3))
        .start()
        .await
        .unwrap();
    let member = tallyfy.client().member(1003).send().await.unwrap();
    assert_eq!(member.id, 1003);
    let seen: Vec<_> = tallyfy
        .requests()
        .iter()
        .map(|r| (r.path.ends_with("/users/1003"), r.fault, r.status))
        .collect();
    assert_eq!(
        seen,
        [
            (true, Some(FaultKind::RateLimited), Some(429)),
            (true, Some(FaultKind::Status), Some(500)),
            (true, Some(FaultKind::Drop), None),
            (true, None, Some(200)),
        ]
    );

    // One retry fewer than faults: the last fault is the error, counted.
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![
            Fault::Status(503),
            Fault::Drop,
            Fault::HtmlStatus(502),
        ]))
        .client(|c| c.max_retries(2))
        .start()
        .await
        .unwrap();
    let err = tallyfy.client().member(1003).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Server, Some(502), 3),
        "{err:?}"
    );
    assert_eq!(tallyfy.fake().fault_counts().total(), 3);
}
