//! Every error kind, from real HTTP exchanges, and the token's absence from all of them.

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tallyfy_ext::{Error, ErrorKind, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn get_error(template: ResponseTemplate) -> (Error, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let err = client(&server)
        .member(9)
        .send()
        .await
        .expect_err("should fail");
    assert_secret_free(&err);
    (err, server.received_requests().await.unwrap().len())
}

fn assert_secret_free(err: &Error) {
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(TOKEN) && !text.contains("TOPSECRET"),
        "token leaked: {text}"
    );
}

#[tokio::test]
async fn client_errors_map_by_status_and_keep_the_servers_words() {
    let cases = [
        (
            401,
            json!({"error": true, "message": "unauthenticated"}),
            ErrorKind::Unauthorized,
            "unauthenticated",
        ),
        (
            403,
            json!({"message": "This action is unauthorized."}),
            ErrorKind::Forbidden,
            "This action is unauthorized.",
        ),
        (
            404,
            json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}),
            ErrorKind::NotFound,
            "Resource not found",
        ),
        (
            409,
            json!({"error": {"code": "SEAT_POOL_EXHAUSTED", "message": "No seats"}}),
            ErrorKind::UnexpectedStatus,
            "No seats",
        ),
    ];
    for (status, body, kind, message) in cases {
        let template = ResponseTemplate::new(status)
            .set_body_json(body)
            .insert_header("x-request-id", "req-77");
        let (err, requests) = get_error(template).await;
        assert_eq!(
            (err.kind(), err.status(), err.message()),
            (kind, Some(status), Some(message)),
            "{err:?}"
        );
        assert_eq!(requests, 1, "{status} must not be retried");
        assert_eq!(
            (err.operation(), err.request_id()),
            (Some("get_member"), Some("req-77"))
        );
        assert!(err.to_string().starts_with("get_member: "), "{err}");
    }
}

#[tokio::test]
async fn validation_errors_carry_field_messages() {
    let body = json!({"message": "The given data was invalid.", "errors": {"per_page": ["The per page must be at least 1."]}});
    let (err, _) = get_error(ResponseTemplate::new(422).set_body_json(body)).await;
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(
        err.field_errors()["per_page"],
        ["The per page must be at least 1."]
    );
    assert!(
        err.to_string()
            .contains("per_page: The per page must be at least 1."),
        "{err}"
    );
}

#[tokio::test]
async fn html_and_empty_error_bodies_still_map_by_status() {
    let html = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    let (err, requests) =
        get_error(ResponseTemplate::new(503).set_body_raw(html, "text/html")).await;
    assert_eq!(
        (err.kind(), err.status(), requests),
        (ErrorKind::Server, Some(503), 3)
    );
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.body_snippet(), Some(html));

    let (err, _) = get_error(ResponseTemplate::new(429).insert_header("retry-after", "0")).await;
    assert_eq!(
        (err.kind(), err.status(), err.retry_after()),
        (ErrorKind::RateLimited, Some(429), Some(Duration::ZERO))
    );
    assert_eq!(err.body_snippet(), None);
}

#[tokio::test]
async fn a_retry_after_above_the_ceiling_fails_at_once_with_the_wait() {
    let template = ResponseTemplate::new(429)
        .insert_header("retry-after", "3600")
        .set_body_json(
            json!({"message": "You've reached the limit", "code": "RATE_LIMIT_EXCEEDED"}),
        );
    // One request and no sleep: a timeout here is only a hang guard.
    let (err, requests) = tokio::time::timeout(Duration::from_secs(60), get_error(template))
        .await
        .expect("hang guard: the hour-long wait was slept");
    assert_eq!((err.kind(), requests), (ErrorKind::RateLimited, 1));
    assert_eq!(
        (err.retry_after(), err.code()),
        (Some(Duration::from_secs(3600)), Some("RATE_LIMIT_EXCEEDED"))
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn undecodable_success_bodies_are_decode_errors_with_a_snippet() {
    for body in [
        &b"<html>maintenance</html>"[..],
        b"{\"data\": [{\"email\": \"no id\"}]}",
        b"",
        &[0xff, 0xfe, b'{'],
    ] {
        let (err, requests) =
            get_error(ResponseTemplate::new(200).set_body_raw(body.to_vec(), "application/json"))
                .await;
        assert_eq!(
            (err.kind(), err.status(), requests),
            (ErrorKind::Decode, Some(200), 1),
            "{err:?}"
        );
        assert!(body.is_empty() || err.body_snippet().is_some(), "{err:?}");
    }
    let long = format!("{{\"data\": {{\"id\": \"{}\"}}}}", "x".repeat(5000));
    let (err, _) =
        get_error(ResponseTemplate::new(200).set_body_raw(long, "application/json")).await;
    assert!(err.body_snippet().unwrap().len() <= 512 + '…'.len_utf8());
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them_whole() {
    let server = MockServer::start().await;
    let big = vec![b' '; 3 * 1024 * 1024];
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    let err = client.member(1).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("1048576-byte limit"), "{err}");
}

#[tokio::test]
async fn timeouts_and_connection_failures_are_retried_then_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                // An hour: only the client's timeout can end an attempt.
                .set_delay(Duration::from_secs(3600))
                .set_body_json(json!({"data": {"id": 1}})),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(50))
        .max_retries(1)
        .build()
        .unwrap();
    let err = client.member(1).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Timeout, 2),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_secret_free(&err);

    // A port nothing listens on, and nothing else can take meanwhile: a socket bound
    // to it that never calls listen(), kept open for the whole test. A connection to
    // it is refused (RST), which the client reports as a `Transport` error.
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = reserved.local_addr().unwrap();
    let client = tallyfy_ext::Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(format!("http://{closed}/api"))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.members().items().next_error().await;
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Transport, None, 3),
        "{err:?}"
    );
    assert_eq!(err.resume_page(), Some(1));
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    assert_secret_free(&err);
    drop(reserved);
}

trait NextError {
    async fn next_error(self) -> Error;
}

impl NextError for tallyfy_ext::MemberStream {
    async fn next_error(mut self) -> Error {
        use futures::StreamExt;
        loop {
            match self.next().await.expect("the walk should fail") {
                Ok(_) => continue,
                Err(err) => return err,
            }
        }
    }
}
