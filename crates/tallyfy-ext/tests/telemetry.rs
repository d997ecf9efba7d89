//! The span tree of a walk with a retry, and the events of failed calls, captured
//! by a tracing layer that records every span, field and event.
//!
//! Alone in its own test binary: tracing caches per-callsite interest process-wide.
//! The tests run on current-thread runtimes, where the thread-local subscriber sees
//! every poll.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use tallyfy_ext::testing::{Fault, Faults, TestTallyfy};
use tallyfy_ext::{ErrorKind, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct SpanRec {
    name: &'static str,
    level: Level,
    parent: Option<usize>,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventRec {
    level: Level,
    span: Option<usize>,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Captured {
    spans: Vec<SpanRec>,
    events: Vec<EventRec>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

/// The index of a span in `Captured::spans`, kept in the span's extensions.
struct Index(usize);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a new span is registered");
        let parent = span
            .parent()
            .and_then(|p| p.extensions().get::<Index>().map(|i| i.0));
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut captured = self.0.lock().unwrap();
        captured.spans.push(SpanRec {
            name: attrs.metadata().name(),
            level: *attrs.metadata().level(),
            parent,
            fields,
        });
        let index = captured.spans.len() - 1;
        span.extensions_mut().insert(Index(index));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let Some(index) = span.extensions().get::<Index>().map(|i| i.0) else {
            return;
        };
        values.record(&mut Fields(&mut self.0.lock().unwrap().spans[index].fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let span = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<Index>().map(|i| i.0));
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().events.push(EventRec {
            level: *event.metadata().level(),
            span,
            fields,
        });
    }
}

impl Captured {
    fn named(&self, name: &str) -> Vec<(usize, &SpanRec)> {
        self.spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.name == name)
            .collect()
    }

    fn children(&self, parent: usize, name: &str) -> Vec<(usize, &SpanRec)> {
        self.named(name)
            .into_iter()
            .filter(|(_, s)| s.parent == Some(parent))
            .collect()
    }

    fn events_in(&self, span: usize, message: &str) -> Vec<&EventRec> {
        self.events
            .iter()
            .filter(|e| {
                e.span == Some(span) && e.fields.get("message").map(String::as_str) == Some(message)
            })
            .collect()
    }

    /// Every recorded value, for the secrecy checks.
    fn all_values(&self) -> Vec<&str> {
        let spans = self.spans.iter().flat_map(|s| s.fields.values());
        let events = self.events.iter().flat_map(|e| e.fields.values());
        spans.chain(events).map(String::as_str).collect()
    }
}

fn field<'a>(span: &'a SpanRec, name: &str) -> Option<&'a str> {
    span.fields.get(name).map(String::as_str)
}

async fn captured<F: Future>(run: impl FnOnce() -> F) -> (F::Output, Captured) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    let out = run().await;
    drop(guard);
    let captured = std::mem::take(&mut *capture.0.lock().unwrap());
    (out, captured)
}

#[tokio::test]
async fn a_walk_with_a_retry_makes_one_span_per_walk_call_and_attempt() {
    let (members, cap) = captured(|| async {
        // Page 1 clean, page 2's first attempt a 503, then clean.
        let tallyfy = TestTallyfy::builder()
            .members(25)
            .faults(Faults::script(vec![Fault::Pass, Fault::Status(503)]))
            .start()
            .await
            .unwrap();
        tallyfy
            .client()
            .members()
            .per_page(10)
            .heal_pages(0)
            .items()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    })
    .await;
    assert_eq!(members.len(), 25);

    let walks = cap.named("tallyfy.walk");
    assert_eq!(walks.len(), 1, "{:#?}", cap.spans);
    let (walk, walk_span) = walks[0];
    assert_eq!(walk_span.level, Level::INFO);
    assert_eq!(field(walk_span, "tallyfy.operation"), Some("list_members"));
    assert_eq!(field(walk_span, "tallyfy.pages"), Some("3"));
    assert_eq!(field(walk_span, "tallyfy.items"), Some("25"));
    assert_eq!(field(walk_span, "tallyfy.truncated"), Some("false"));
    assert_eq!(cap.events_in(walk, "tallyfy walk finished").len(), 1);

    let calls = cap.children(walk, "tallyfy.call");
    assert_eq!(calls.len(), 3, "one call span per page, inside the walk's");
    for (page, (_, call)) in (1..=3).zip(&calls) {
        assert_eq!(call.level, Level::INFO);
        assert_eq!(field(call, "tallyfy.operation"), Some("list_members"));
        assert_eq!(field(call, "tallyfy.page"), Some(page.to_string().as_str()));
        assert_eq!(field(call, "http.request.method"), Some("GET"));
        assert_eq!(
            field(call, "url.path"),
            Some("/organizations/{org_id}/users"),
            "the route template, never the URL"
        );
        assert_eq!(field(call, "server.address"), Some("127.0.0.1"));
        assert_eq!(field(call, "http.response.status_code"), Some("200"));
        assert!(field(call, "tallyfy.org_id").is_some());
        assert_eq!(field(call, "error.type"), None);
    }
    assert_eq!(field(calls[0].1, "http.request.resend_count"), None);
    assert_eq!(field(calls[1].1, "http.request.resend_count"), Some("1"));

    let attempts: Vec<_> = calls
        .iter()
        .map(|(call, _)| cap.children(*call, "tallyfy.attempt"))
        .collect();
    assert_eq!(
        attempts.iter().map(Vec::len).collect::<Vec<_>>(),
        [1, 2, 1],
        "page 2 was tried twice"
    );
    let (failed, first) = attempts[1][0];
    let (_, second) = attempts[1][1];
    assert_eq!(first.level, Level::DEBUG);
    assert_eq!(field(first, "otel.kind"), Some("client"));
    assert_eq!(field(first, "tallyfy.operation"), Some("list_members"));
    assert_eq!(field(first, "http.request.method"), Some("GET"));
    assert_eq!(
        field(first, "otel.name"),
        Some("GET /organizations/{org_id}/users")
    );
    assert_eq!(field(first, "http.response.status_code"), Some("503"));
    assert_eq!(field(first, "error.type"), Some("503"));
    assert_eq!(field(first, "http.request.resend_count"), None);
    assert!(field(first, "tallyfy.retry_wait_ms").is_some(), "{first:?}");
    assert_eq!(field(second, "http.request.resend_count"), Some("1"));
    assert_eq!(field(second, "http.response.status_code"), Some("200"));
    let retries = cap.events_in(failed, "tallyfy retrying");
    assert_eq!(retries.len(), 1);
    assert_eq!(
        retries[0].level,
        Level::DEBUG,
        "retries are DEBUG, not WARN"
    );
    assert!(retries[0].fields.contains_key("tallyfy.retry_wait_ms"));
    assert!(
        !cap.events.iter().any(|e| e.level <= Level::WARN),
        "a walk that recovered warns about nothing: {:#?}",
        cap.events
    );

    for value in cap.all_values() {
        assert!(
            !value.contains(tallyfy_fake::DEFAULT_TOKEN) && !value.contains("://"),
            "a token or a full URL was recorded: {value}"
        );
    }
}

#[tokio::test]
async fn a_final_failure_is_a_warning_and_a_404_is_not() {
    let (outcomes, cap) = captured(|| async {
        let tallyfy = TestTallyfy::builder()
            .faults(Faults::script(vec![Fault::Status(500)]))
            .start()
            .await
            .unwrap();
        let client = tallyfy.client();
        let failed = client
            .member(1001)
            .retry_policy(RetryPolicy::never())
            .send()
            .await
            .unwrap_err();
        let missing = client.member(999).send().await.unwrap_err();
        (failed.kind(), missing.kind())
    })
    .await;
    assert_eq!(outcomes, (ErrorKind::Server, ErrorKind::NotFound));
    let gets = cap.named("tallyfy.call");
    assert_eq!(gets.len(), 2);
    let (failed, failed_span) = gets[0];
    assert_eq!(field(failed_span, "tallyfy.operation"), Some("get_member"));
    assert_eq!(field(failed_span, "error.type"), Some("server"));
    assert_eq!(field(failed_span, "tallyfy.user_id"), Some("1001"));
    assert_eq!(
        field(failed_span, "url.path"),
        Some("/organizations/{org_id}/users/{user_id}")
    );
    let warnings = cap.events_in(failed, "tallyfy call failed");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].level, Level::WARN);
    assert_eq!(
        warnings[0].fields.get("error.type").map(String::as_str),
        Some("server")
    );
    let (missing, missing_span) = gets[1];
    assert_eq!(field(missing_span, "error.type"), Some("not_found"));
    assert_eq!(
        cap.events_in(missing, "tallyfy call failed")[0].level,
        Level::DEBUG
    );
}

#[tokio::test]
async fn a_protocol_violation_is_recorded_as_such_on_its_one_attempt() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (kind, cap) = captured(|| async {
        // Garbage instead of HTTP, on every connection.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let _ = socket.read(&mut [0u8; 4096]).await;
                let _ = socket.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
            }
        });
        let client = tallyfy_ext::Client::builder()
            .access_token("tok-telemetry-test")
            .org_id("org1")
            .base_url(format!("http://{addr}/api"))
            .build()
            .unwrap();
        client.member(1).send().await.unwrap_err().kind()
    })
    .await;
    assert_eq!(kind, ErrorKind::Protocol);
    let calls = cap.named("tallyfy.call");
    assert_eq!(calls.len(), 1);
    let (call, call_span) = calls[0];
    assert_eq!(field(call_span, "error.type"), Some("protocol"));
    let attempts = cap.children(call, "tallyfy.attempt");
    assert_eq!(attempts.len(), 1, "not retried: {attempts:?}");
    assert_eq!(field(attempts[0].1, "error.type"), Some("protocol"));
}

/// A `POST` a service sends through the raw generated client's hooks (the path of a
/// write operation the SDK does not wrap): its attempt span names the real method,
/// and, not idempotent, it is sent once despite a 503.
#[tokio::test]
async fn a_post_through_the_raw_client_is_sent_once_and_its_attempt_says_post() {
    use progenitor_client::{ClientHooks, OperationInfo};
    let (fake_posts, cap) = captured(|| async {
        let tallyfy = TestTallyfy::builder()
            .faults(Faults::script(vec![Fault::Status(503); 3]))
            .start()
            .await
            .unwrap();
        let url = format!(
            "{}/organizations/{}/users",
            tallyfy.fake().base_url(),
            tallyfy.org()
        );
        let request = reqwest::Client::new().post(url).body("{}").build().unwrap();
        let info = OperationInfo {
            operation_id: "list_members",
        };
        let response = ClientHooks::exec(tallyfy.client().api(), request, &info)
            .await
            .unwrap();
        assert_eq!(response.status(), 503);
        tallyfy
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    })
    .await;
    assert_eq!(
        fake_posts, 1,
        "a POST that reached the server is not retried"
    );
    let attempts = cap.named("tallyfy.attempt");
    assert_eq!(attempts.len(), 1);
    assert_eq!(field(attempts[0].1, "http.request.method"), Some("POST"));
    assert!(
        field(attempts[0].1, "otel.name")
            .unwrap()
            .starts_with("POST ")
    );
}

/// The retry budget is on the attempt span that retried, on the walk's span, and
/// in its summary.
#[tokio::test]
async fn the_retry_budget_shows_on_the_spans_and_in_the_summary() {
    let (summary, cap) = captured(|| async {
        let tallyfy = TestTallyfy::builder()
            .members(5)
            .faults(Faults::script(vec![Fault::Status(503)]))
            .start()
            .await
            .unwrap();
        let mut items = tallyfy.client().members().heal_pages(0).items();
        while items.try_next().await.unwrap().is_some() {}
        items.summary()
    })
    .await;
    // 500 - 5 for the retry + 1 for the page that then succeeded.
    let budget = summary.retry_budget.expect("on by default");
    assert_eq!((budget.available, budget.capacity), (496, 500));
    let attempts = cap.named("tallyfy.attempt");
    assert_eq!(field(attempts[0].1, "tallyfy.retry_budget"), Some("495"));
    let walks = cap.named("tallyfy.walk");
    assert_eq!(field(walks[0].1, "tallyfy.retry_budget"), Some("496"));
}
