//! Hostile servers below HTTP status: a self-signed certificate, garbage instead of
//! HTTP, a connection closed mid-headers or reset, a corrupt gzip body, endless
//! headers, nothing listening. Each failure names its cause, has the kind a
//! service branches on, and is retried only if a retry could help: attempts are
//! counted at the server (accepted connections), never by the clock.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{ORG, TOKEN};
use tallyfy_ext::{Client, Error, ErrorKind, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A self-signed certificate for 127.0.0.1 and localhost (`fixtures/README.md`).
const CERT: &[u8] = include_bytes!("fixtures/self-signed.cert.pem");
const KEY: &[u8] = include_bytes!("fixtures/self-signed.key.pem");

/// A loopback server that hands every accepted connection to `answer`, and counts them.
async fn server<F, Fut>(answer: F) -> (std::net::SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(answer(socket));
        }
    });
    (addr, accepted)
}

/// A server that reads the request head, then writes `bytes` and closes.
async fn answering(bytes: &'static [u8]) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    server(move |mut socket| async move {
        read_head(&mut socket).await;
        let _ = socket.write_all(bytes).await;
        let _ = socket.shutdown().await;
    })
    .await
}

async fn read_head(socket: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// A client with the default 2 retries (fast), so a retried failure takes 3 attempts.
fn client(base: String) -> Client {
    Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(base)
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(4)),
        )
        .build()
        .unwrap()
}

async fn get_member(base: String) -> Error {
    // A hang guard only; the outcome never depends on it.
    tokio::time::timeout(Duration::from_secs(60), client(base).member(1).send())
        .await
        .expect("hang guard")
        .unwrap_err()
}

/// Kind, attempts as the error counts them, attempts as the server counted them,
/// and the message in `Display`; no token anywhere.
#[track_caller]
fn assert_failure(err: &Error, kind: ErrorKind, attempts: u32, accepted: usize, says: &str) {
    let shown = err.to_string();
    assert_eq!(err.kind(), kind, "{shown}: {err:?}");
    assert_eq!(err.attempts(), attempts, "{shown}");
    assert_eq!(accepted as u32, attempts, "connections accepted: {shown}");
    assert!(shown.contains(says), "{shown:?} does not say {says:?}");
    assert!(
        std::error::Error::source(err).is_some(),
        "the cause is kept: {err:?}"
    );
    assert!(
        !format!("{shown}{err:?}").contains(TOKEN),
        "token in {err:?}"
    );
    assert_eq!(err.is_retryable(), attempts > 1, "{shown}");
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_once_with_the_verifier_reason() {
    let certs = vec![CertificateDer::from_pem_slice(CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let handshakes = Arc::new(AtomicUsize::new(0));
    let completed = Arc::clone(&handshakes);
    let (addr, accepted) = server(move |socket| {
        let (acceptor, completed) = (acceptor.clone(), Arc::clone(&completed));
        async move {
            // The client aborts the handshake; were it to finish, nothing is sent.
            if acceptor.accept(socket).await.is_ok() {
                completed.fetch_add(1, Ordering::SeqCst);
            }
        }
    })
    .await;
    // https on loopback is a valid base URL: only the certificate is wrong.
    let err = get_member(format!("https://{addr}/api")).await;
    let accepted = accepted.load(Ordering::SeqCst);
    assert_failure(
        &err,
        ErrorKind::Tls,
        1,
        accepted,
        "TLS failed: the server's certificate is not trusted: ",
    );
    // The verifier's own reason: rustls calls a self-signed issuer unknown.
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        0,
        "no handshake completed"
    );
}

#[tokio::test]
async fn a_server_that_does_not_speak_tls_fails_the_handshake_once() {
    // It answers the ClientHello with plain HTTP.
    let (addr, accepted) = server(|mut socket| async move {
        let _ = socket.read(&mut [0u8; 4096]).await;
        let _ = socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let err = get_member(format!("https://{addr}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Tls,
        1,
        accepted.load(Ordering::SeqCst),
        "TLS failed: the handshake failed: ",
    );
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_protocol_error_not_retried() {
    let cases: [(&'static [u8], &str); 4] = [
        (
            b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
            "invalid HTTP version parsed",
        ),
        (
            b"HTTP/1.1 2x0 OK\r\n\r\n",
            "invalid HTTP status-code parsed",
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}",
            "invalid content-length parsed",
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "Invalid chunk size",
        ),
    ];
    for (answer, hyper_says) in cases {
        let (addr, accepted) = answering(answer).await;
        let err = get_member(format!("http://{addr}/api")).await;
        let what = String::from_utf8_lossy(answer);
        let accepted = accepted.load(Ordering::SeqCst);
        assert_failure(
            &err,
            ErrorKind::Protocol,
            1,
            accepted,
            "HTTP protocol violation: the server's answer is not valid HTTP: ",
        );
        assert!(err.to_string().contains(hyper_says), "{what:?}: {err}");
    }
}

#[tokio::test]
async fn a_connection_closed_mid_headers_is_retried_and_named() {
    let (addr, accepted) = answering(b"HTTP/1.1 200 OK\r\ncontent-type: appl").await;
    let err = get_member(format!("http://{addr}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Transport,
        3,
        accepted.load(Ordering::SeqCst),
        "connection failed: the server closed the connection before the response was complete",
    );
}

#[tokio::test]
async fn a_reset_connection_is_retried_and_named() {
    let (addr, accepted) = server(|mut socket| async move {
        read_head(&mut socket).await;
        // SO_LINGER 0: closing sends RST, not FIN.
        socket.set_zero_linger().unwrap();
        drop(socket);
    })
    .await;
    let err = get_member(format!("http://{addr}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Transport,
        3,
        accepted.load(Ordering::SeqCst),
        "connection failed: the connection was reset",
    );
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_a_decode_error_not_retried() {
    // A gzip header, then bytes no deflate stream starts with.
    let (addr, accepted) = answering(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n\
          content-length: 20\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    )
    .await;
    let err = get_member(format!("http://{addr}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Decode,
        1,
        accepted.load(Ordering::SeqCst),
        "undecodable response: the response body's Content-Encoding could not be decoded: ",
    );
}

#[tokio::test]
async fn headers_beyond_the_client_limit_are_a_protocol_error_not_retried() {
    let (addr, accepted) = server(|mut socket| async move {
        read_head(&mut socket).await;
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\n").await;
        // One header line after another until the client hangs up (1 MiB at most).
        let line = format!("x-filler: {}\r\n", "a".repeat(1000));
        for _ in 0..1024 {
            if socket.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let err = get_member(format!("http://{addr}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Protocol,
        1,
        accepted.load(Ordering::SeqCst),
        "HTTP protocol violation: the response headers are larger than the HTTP client accepts",
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_named() {
    // A port nothing listens on, and nothing else can take meanwhile: bound, never
    // listening, kept open for the whole test. Nothing accepts, so the error's own
    // count is the only one.
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = reserved.local_addr().unwrap();
    let err = get_member(format!("http://{closed}/api")).await;
    assert_failure(
        &err,
        ErrorKind::Transport,
        3,
        3,
        "connection failed: the connection was refused",
    );
    drop(reserved);
}
