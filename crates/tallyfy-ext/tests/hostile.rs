//! Hostile servers: endless bodies, and redirects that try to take the token elsewhere.

mod support;

use std::time::Duration;
use support::*;
use tallyfy_ext::{Client, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A raw HTTP/1.1 server that answers every request with a chunked body of
/// `total` bytes (no Content-Length), so the client cannot refuse it up front.
async fn chunked_server(total: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let frame = format!("{:x}\r\n", chunk.len());
                    let ok = socket.write_all(frame.as_bytes()).await.is_ok()
                        && socket.write_all(&chunk).await.is_ok()
                        && socket.write_all(b"\r\n").await.is_ok();
                    if !ok {
                        return; // the client hung up: what we want
                    }
                    sent += chunk.len();
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}/api")
}

#[tokio::test]
async fn a_50_mb_body_is_cut_off_at_the_limit_with_a_clear_error() {
    let base = chunked_server(50 * 1024 * 1024).await;
    let client = Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(base)
        .max_retries(0)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.member(1).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert!(
        err.to_string()
            .contains("larger than the 33554432-byte limit"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_token() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"id": 5}})),
        )
        .mount(&elsewhere)
        .await;
    let origin = MockServer::start().await;
    // Same machine, another host name and port: a different origin.
    let target = elsewhere.uri().replace("127.0.0.1", "localhost");
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{target}/stolen").as_str()),
        )
        .mount(&origin)
        .await;
    let member = client(&origin).member(5).send().await.unwrap();
    assert_eq!(member.id, 5);
    let at_origin = &origin.received_requests().await.unwrap()[0];
    assert!(
        at_origin.headers.get("authorization").is_some(),
        "the origin gets the token"
    );
    let forwarded = &elsewhere.received_requests().await.unwrap()[0];
    assert_eq!(forwarded.url.path(), "/stolen");
    assert!(
        forwarded.headers.get("authorization").is_none(),
        "token sent to another host: {:?}",
        forwarded.headers
    );
}
