//! The token never reaches a log line, even at TRACE, from any crate: every
//! `tracing` event and span field (the SDK's, reqwest's, hyper's, hyper-util's...)
//! and every `log` record (reqwest logs through the `log` crate), captured
//! process-wide during a walk with a retry, a failing request, and a server that
//! echoes the token in a request id header and an error body.
//!
//! Alone in its own test binary, with one test: the subscriber and the logger are
//! global (threads the runtime does not own, such as DNS lookups on the blocking
//! pool, are captured too), and tracing caches per-callsite interest process-wide.

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Mutex;
use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every line captured: `target level: fields...`.
static LINES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn keep(target: &str, line: String) {
    LINES.lock().unwrap().push((target.to_owned(), line));
}

/// A `log` logger that keeps every record at every level.
struct LogRecords;

impl log::Log for LogRecords {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        keep(&format!("log:{}", record.target()), line);
    }
    fn flush(&self) {}
}

/// Every field of every event, span and span record, at every level, as text.
struct Everything;

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl<S: Subscriber> Layer<S> for Everything {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let meta = attrs.metadata();
        let mut line = format!("{} {} span {}:", meta.target(), meta.level(), meta.name());
        attrs.record(&mut Text(&mut line));
        keep(meta.target(), line);
    }
    fn on_record(&self, _: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut line = "record:".to_owned();
        values.record(&mut Text(&mut line));
        keep("record", line);
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let mut line = format!("{} {}:", meta.target(), meta.level());
        event.record(&mut Text(&mut line));
        keep(meta.target(), line);
    }
}

#[tokio::test]
async fn no_log_line_from_any_crate_carries_the_token_even_at_trace() {
    log::set_logger(&LogRecords).expect("the only logger of this binary");
    log::set_max_level(log::LevelFilter::Trace);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Everything))
        .expect("the only subscriber of this binary");

    let server = MockServer::start().await;
    // The walk: page 1 fails once with a 503 and is retried.
    Mock::given(method("GET"))
        .and(path_regex("/users$"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/users$"))
        .respond_with(paged_org(12, 5))
        .mount(&server)
        .await;
    // A request that fails for good: a 401, not retried.
    Mock::given(method("GET"))
        .and(path_regex("/users/7$"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": true, "message": "unauthenticated"})),
        )
        .mount(&server)
        .await;
    // A server echoing the token: in the request id header and the error body.
    Mock::given(method("GET"))
        .and(path_regex("/users/8$"))
        .respond_with(
            ResponseTemplate::new(422)
                .insert_header("x-request-id", format!("req-{TOKEN}").as_str())
                .set_body_json(serde_json::json!({
                    "message": format!("token {TOKEN} rejected"),
                    "code": TOKEN,
                    "errors": {"token": [TOKEN]},
                })),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let echoed = client.member(8).send().await.unwrap_err();
    tracing::error!(?echoed, %echoed, "a caller logging an error built from an echo");
    let members: Vec<_> =
        futures::TryStreamExt::try_collect::<Vec<_>>(client.members().per_page(5).items())
            .await
            .unwrap();
    assert_eq!(members.len(), 12);
    let err = client.member(7).send().await.unwrap_err();
    tracing::error!(?err, %err, ?client, "a caller logging the error and the client");

    let lines = LINES.lock().unwrap().clone();
    let targets: BTreeSet<&str> = lines
        .iter()
        .map(|(target, _)| target.split("::").next().unwrap())
        .collect();
    let text: Vec<&str> = lines.iter().map(|(_, line)| line.as_str()).collect();
    let all = text.join("\n");
    eprintln!("captured {} lines from {targets:?}", lines.len());
    // Events were captured at all, from the SDK and from the HTTP stack under it.
    assert!(
        all.contains("tallyfy retrying") && all.contains("tallyfy.attempt"),
        "the SDK's events: {targets:?}"
    );
    assert!(
        targets.contains("log:reqwest") && all.contains("starting new connection"),
        "reqwest's log records: {targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("hyper")),
        "hyper's events: {targets:?}"
    );
    assert!(
        all.contains("request_id=req-[redacted]") && all.contains("token [redacted] rejected"),
        "the echo reached the spans and events, redacted"
    );
    for line in &text {
        assert!(
            !line.contains("TOPSECRET") && !line.to_lowercase().contains("bearer"),
            "token in a log line: {line}"
        );
    }

    // The detector is live: a caller's own reqwest client with byte-level logging
    // does put the header in a log record, and the check above would have seen it.
    let verbose = reqwest::Client::builder()
        .connection_verbose(true)
        .build()
        .unwrap();
    let client = builder(&server).http_client(verbose).build().unwrap();
    client.member(1).send().await.ok();
    let lines = LINES.lock().unwrap();
    assert!(
        lines.iter().any(|(_, line)| line.contains("TOPSECRET")),
        "verbose reqwest logs headers"
    );
}
