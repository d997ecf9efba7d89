//! The token never reaches a log line, even at TRACE, through a walk with retries.
//!
//! Alone in its own test binary: tracing caches per-callsite interest process-wide,
//! so a test running in parallel without the capturing subscriber could hide events.

mod support;

use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn no_log_line_carries_the_token_even_at_trace() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(paged_org(12, 5))
        .mount(&server)
        .await;
    let client = client(&server);
    let members: Vec<_> =
        futures::TryStreamExt::try_collect::<Vec<_>>(client.members().per_page(5).items())
            .await
            .unwrap();
    assert_eq!(members.len(), 12);
    tracing::debug!(client = ?client, "client in a log line");
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying") && logs.contains("tallyfy response"),
        "logs were captured: {logs}"
    );
    assert!(!logs.contains("TOPSECRET"), "token in logs:\n{logs}");
}
