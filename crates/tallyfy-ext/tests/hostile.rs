//! Hostile servers: endless bodies, and redirects that try to take the token elsewhere.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::*;
use tallyfy_ext::{Client, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A raw HTTP/1.1 server that answers every request with a chunked body of
/// `total` bytes (no Content-Length), so the client cannot refuse it up front.
/// Also returns how many body bytes it managed to write.
async fn chunked_server(total: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
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
                    counter.fetch_add(chunk.len(), Ordering::Relaxed);
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    (format!("http://{addr}/api"), written)
}

#[tokio::test]
async fn a_50_mb_body_is_cut_off_at_the_limit_with_a_clear_error() {
    let total = 50 * 1024 * 1024;
    let (base, written) = chunked_server(total).await;
    let client = Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(base)
        .max_retries(0)
        .build()
        .unwrap();
    // A hang guard only.
    let err = tokio::time::timeout(Duration::from_secs(120), client.member(1).send())
        .await
        .expect("hang guard")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert!(
        err.to_string()
            .contains("larger than the 33554432-byte limit"),
        "{err}"
    );
    // The client hung up at the limit: the server never got to write the whole body
    // (what it did write is the limit plus what the socket buffers took).
    let written = written.load(Ordering::Relaxed);
    assert!(written < total, "the whole {written}-byte body was written");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_before_anything_is_sent_there() {
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
    let err = client(&origin).member(5).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    let refused = err.redirect().expect("the refusal names both hosts");
    assert_eq!(
        (refused.from.as_str(), refused.to.as_str()),
        (origin.uri().as_str(), target.as_str())
    );
    assert!(err.to_string().contains(&target), "{err}");
    assert_eq!(err.attempts(), 1, "a refused redirect is not retried");
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the other host must get nothing, and its answer must not be trusted"
    );
}

/// A server that ignores `per_page`: the page is refused at item `limit + 1`, on the
/// strict path and on the tolerant one (ids as strings), as a named fault.
#[tokio::test]
async fn a_page_far_beyond_per_page_is_a_named_fault_counted_while_decoding() {
    for loose in [false, true] {
        let server = MockServer::start().await;
        let mut body = page_body(1..=500, 1, 500, 500);
        if loose {
            body["data"][0]["id"] = serde_json::json!("1");
        }
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let mut pages = client(&server).members().per_page(10).pages();
        let err = futures::TryStreamExt::try_next(&mut pages)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Pagination, "loose={loose}: {err}");
        assert_eq!(tallyfy_ext::item_limit(10), 20);
        assert!(
            matches!(
                err.pagination_fault(),
                Some(tallyfy_ext::PaginationFault::OversizedPage {
                    page: 1,
                    per_page: 10,
                    limit: 20,
                    ..
                })
            ),
            "loose={loose}: {err:?}"
        );
        assert!(err.to_string().contains("ignores per_page"), "{err}");
    }
    // Within the tolerance, a page is read.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(1..=20, 1, 20, 20)))
        .mount(&server)
        .await;
    let page = futures::TryStreamExt::try_next(&mut client(&server).members().per_page(10).pages())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.items.len(), 20);
}

/// `members get 1001` answered with member 666: an error, never member 666 as 1001.
#[tokio::test]
async fn another_member_than_the_one_asked_for_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req-9")
                .set_body_json(serde_json::json!({"data": member(666)})),
        )
        .mount(&server)
        .await;
    let err = client(&server).member(1001).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(
        err.to_string()
            .contains("asked for member 1001, the server answered with member 666"),
        "{err}"
    );
    assert_eq!(err.request_id(), Some("req-9"));
    assert_eq!(err.operation(), Some("get_member"));
    // The id asked for comes back as itself.
    let ok = client(&server).member(666).send().await.unwrap();
    assert_eq!(ok.id, 666);
}
