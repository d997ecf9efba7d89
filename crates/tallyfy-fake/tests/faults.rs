//! Every fault kind as a reqwest client observes it.

mod support;

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::json;
use support::{fake_with, get, start, users_url};
use tallyfy_fake::{FakeTallyfy, Fault, FaultKind, Faults, RetryAfter};

async fn scripted(faults: Vec<Fault>) -> tallyfy_fake::RunningFake {
    start(
        FakeTallyfy::builder()
            .members(12)
            .faults(Faults::script(faults)),
    )
    .await
}

#[tokio::test]
async fn rate_limited_sends_retry_after_in_seconds_or_as_a_date() {
    let fake = scripted(vec![
        Fault::rate_limited(7),
        Fault::RateLimited {
            retry_after: RetryAfter::HttpDate(Duration::from_secs(30)),
        },
    ])
    .await;
    let url = users_url(&fake);

    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "You've reached the limit for this operation.", "code": "RATE_LIMIT_EXCEEDED"})
    );

    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let date = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_owned();
    let at = httpdate::parse_http_date(&date).expect("an HTTP-date");
    let ahead = at.duration_since(SystemTime::now()).unwrap();
    assert!(
        ahead > Duration::from_secs(28) && ahead <= Duration::from_secs(31),
        "{ahead:?}"
    );

    // The script is used up: normal service resumes.
    assert_eq!(get(&fake, &url).await.unwrap().status(), StatusCode::OK);
    assert_eq!(fake.fault_counts().get(FaultKind::RateLimited), 2);
}

#[tokio::test]
async fn server_errors_come_as_json_html_or_empty() {
    let fake = scripted(vec![
        Fault::Status(502),
        Fault::HtmlStatus(503),
        Fault::Empty(504),
    ])
    .await;
    let url = users_url(&fake);

    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({"error": true, "message": "Server Error"}));

    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        response.text().await.unwrap(),
        "<html><body><h1>503 Service Unavailable</h1></body></html>"
    );

    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(response.headers().get("content-type").is_none());
    assert_eq!(response.bytes().await.unwrap().len(), 0);

    let counts = fake.fault_counts();
    assert_eq!(
        (
            counts.get(FaultKind::Status),
            counts.get(FaultKind::HtmlStatus),
            counts.get(FaultKind::Empty)
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn truncated_body_is_a_complete_200_that_does_not_decode() {
    let fake = scripted(vec![Fault::TruncatedBody]).await;
    let url = format!("{}?per_page=5", users_url(&fake));
    let response = get(&fake, &url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let half = response
        .bytes()
        .await
        .expect("the transfer itself completes");

    let full = get(&fake, &url).await.unwrap().bytes().await.unwrap();
    assert_eq!(half.len(), full.len() / 2);
    assert_eq!(&full[..half.len()], &half[..]);
    assert!(serde_json::from_slice::<serde_json::Value>(&half).is_err());

    // Through reqwest's own decoder: a decode error, not a transport error.
    fake.set_faults(Faults::script(vec![Fault::TruncatedBody]));
    let error = get(&fake, &url)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(error.is_decode(), "{error:?}");
    assert_eq!(fake.fault_counts().get(FaultKind::TruncatedBody), 2);
}

#[tokio::test]
async fn drop_closes_the_connection_without_a_response() {
    let fake = fake_with(3).await;
    let (url, client) = (users_url(&fake), support::client());
    let send = || {
        let request = client.get(&url).bearer_auth(fake.token());
        request.header("X-Tallyfy-Client", "t").send()
    };
    // A first answer leaves a pooled keep-alive connection, which the Drop then cuts.
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    fake.set_faults(Faults::script(vec![Fault::Drop]));
    let error = send().await.expect_err("no response at all");
    assert!(error.status().is_none());
    assert!(!error.is_timeout(), "closed, not hung: {error:?}");
    assert!(error.is_request(), "{error:?}");

    // Exactly one more request reached the fake (no silent retry), without a status.
    let recorded = fake.requests();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        (recorded[1].status, recorded[1].fault),
        (None, Some(FaultKind::Drop))
    );

    // The next request, on a new connection, is served normally.
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(fake.fault_counts().get(FaultKind::Drop), 1);
}

/// How long `Slow` and latency delay an answer is asserted on paused time, without a
/// socket, in the fake's own unit tests (`gateway.rs`). Here, over a real socket, only
/// what needs no clock: a slow answer is not given before its time (it is still
/// unanswered when a client gives up on it), and the log says which request was slow.
#[tokio::test]
async fn slow_and_latency_delay_a_normal_answer() {
    let fake = start(
        FakeTallyfy::builder()
            .latency(Duration::from_millis(30))
            .faults(Faults::script(vec![Fault::Slow(Duration::from_millis(
                150,
            ))])),
    )
    .await;
    let url = users_url(&fake);
    assert_eq!(get(&fake, &url).await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(&fake, &url).await.unwrap().status(), StatusCode::OK);
    let faults: Vec<_> = fake.requests().iter().map(|r| r.fault).collect();
    assert_eq!(faults, vec![Some(FaultKind::Slow), None]);

    // A client timeout shorter than the fault trips, and the fake has not answered:
    // an hour-long `Slow` cannot end during the test.
    fake.set_faults(Faults::script(vec![Fault::Slow(Duration::from_secs(3600))]));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let request = client
        .get(&url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "t");
    assert!(request.send().await.unwrap_err().is_timeout());
    assert_eq!((fake.arrivals(), fake.answers()), (3, 2));
}

#[tokio::test]
async fn pass_leaves_a_gap_in_the_script() {
    let fake = scripted(vec![Fault::Pass, Fault::Status(500)]).await;
    let url = users_url(&fake);
    assert_eq!(get(&fake, &url).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get(&fake, &url).await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(get(&fake, &url).await.unwrap().status(), StatusCode::OK);
    assert_eq!(fake.fault_counts().total(), 1);
    let statuses: Vec<_> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(200), Some(500), Some(200)]);
}

#[tokio::test]
async fn random_faults_replay_for_the_same_seed() {
    async fn campaign() -> Vec<Option<u16>> {
        let plan = Faults::random(0.5, 1234).with_kinds(vec![
            Fault::Status(503),
            Fault::rate_limited(0),
            Fault::Empty(502),
        ]);
        let fake = start(FakeTallyfy::builder().members(3).faults(plan)).await;
        let (url, client) = (users_url(&fake), support::client());
        for _ in 0..30 {
            let request = client.get(&url).bearer_auth(fake.token());
            request
                .header("X-Tallyfy-Client", "t")
                .send()
                .await
                .unwrap();
        }
        let counts = fake.fault_counts();
        let statuses: Vec<_> = fake.requests().iter().map(|r| r.status).collect();
        let failed = statuses.iter().filter(|s| *s != &Some(200)).count() as u64;
        assert_eq!(failed, counts.total());
        assert!(
            (5..=25).contains(&failed),
            "{failed} of 30 failed at rate 0.5"
        );
        statuses
    }
    assert_eq!(campaign().await, campaign().await);
}

#[tokio::test]
async fn faults_apply_before_authentication_and_routing() {
    let fake = scripted(vec![Fault::Status(503)]).await;
    let response = reqwest::get(format!("{}/nowhere", fake.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = reqwest::get(format!("{}/nowhere", fake.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    drop(fake_with(1).await); // dropping a fake stops it without a runtime panic
}

#[tokio::test]
async fn drop_writes_not_a_single_byte() {
    use std::io::{Read, Write};
    let fake = scripted(vec![Fault::Drop]).await;
    let (addr, org, token) = (fake.addr(), fake.org().to_owned(), fake.token().to_owned());
    // Plain blocking socket I/O, off the runtime the fake runs on.
    let received = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let request = format!(
            "GET /api/organizations/{org}/users HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {token}\r\nX-Tallyfy-Client: raw\r\n\r\n"
        );
        socket.write_all(request.as_bytes()).unwrap();
        let mut received = Vec::new();
        // End of stream (or a reset) before any byte: the connection was closed.
        let _ = socket.read_to_end(&mut received);
        received
    })
    .await
    .unwrap();
    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(fake.requests()[0].fault, Some(FaultKind::Drop));
}
