//! The token never reaches a log line, even at TRACE, through a walk with retries:
//! neither a `tracing` event nor a `log` record (reqwest logs through the `log`
//! crate; a header leaking through a dependency's log line would show up there).
//!
//! Alone in its own test binary: tracing caches per-callsite interest process-wide,
//! so a test running in parallel without the capturing subscriber could hide events,
//! and the `log` logger is process-wide too.

mod support;

use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `log` logger that keeps every record (target and message) at every level.
struct LogRecords(std::sync::Mutex<Vec<String>>);

impl log::Log for LogRecords {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static LOG_RECORDS: LogRecords = LogRecords(std::sync::Mutex::new(Vec::new()));

#[tokio::test]
async fn no_log_line_carries_the_token_even_at_trace() {
    log::set_logger(&LOG_RECORDS).expect("the only logger of this binary");
    log::set_max_level(log::LevelFilter::Trace);

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

    let records = LOG_RECORDS.0.lock().unwrap().join("\n");
    assert!(
        records.contains("reqwest") && records.contains("starting new connection"),
        "the bridge sees reqwest's log records: {records}"
    );
    assert!(
        !records.contains("TOPSECRET") && !records.to_lowercase().contains("bearer"),
        "token in a log record:\n{records}"
    );

    // The detector is live: a caller's own reqwest client with byte-level logging
    // does put the header in a log record, and the check above would have seen it.
    let verbose = reqwest::Client::builder()
        .connection_verbose(true)
        .build()
        .unwrap();
    let client = builder(&server).http_client(verbose).build().unwrap();
    client.member(1).send().await.ok();
    let records = LOG_RECORDS.0.lock().unwrap().join("\n");
    assert!(
        records.contains("TOPSECRET"),
        "verbose reqwest logs headers"
    );
}
