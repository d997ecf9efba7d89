//! Tracing: one span per walk, per call and per attempt, with OpenTelemetry's HTTP
//! field names.
//!
//! ```text
//! tallyfy.walk              INFO   tallyfy.operation, tallyfy.org_id, tallyfy.per_page,
//! │                                tallyfy.concurrency, tallyfy.start_page; at the end:
//! │                                tallyfy.pages, tallyfy.items, tallyfy.duplicates_skipped,
//! │                                tallyfy.truncated, tallyfy.drift, error.type,
//! │                                tallyfy.resume_page (or tallyfy.abandoned),
//! │                                tallyfy.retry_budget (tokens left)
//! └─ tallyfy.call           INFO   tallyfy.operation, http.request.method, url.path (the
//!    │                             route template, never the URL), server.address,
//!    │                             tallyfy.org_id, tallyfy.page / tallyfy.user_id; at the
//!    │                             end: http.response.status_code,
//!    │                             http.request.resend_count, tallyfy.request_id, error.type,
//!    │                             tallyfy.retry_budget_exhausted
//!    └─ tallyfy.attempt     DEBUG  otel.kind = client, otel.name (`POST /organizations/...`),
//!                                  the same HTTP fields per attempt (the request's real
//!                                  method), tallyfy.retry_wait_ms and tallyfy.retry_budget
//!                                  (tokens left) before a retry, or
//!                                  tallyfy.retry_budget_exhausted when one was refused
//! ```
//!
//! Every name comes from the operation's `operationId` and the generated operation
//! table, so an operation added to the spec gets correct spans with no code here.
//!
//! Events: each retry at DEBUG (`tallyfy retrying`, with the wait), a retry the
//! budget refused at DEBUG (`tallyfy retry refused`), a call's final
//! failure at WARN (`tallyfy call failed`; a 404 at DEBUG, it is an answer), the walk
//! summary at DEBUG when the walk ends. No span or event holds the token, a header
//! value or a full URL; `server.address` is the host alone.
//!
//! Spans cost one callsite check when no subscriber wants them; the per-call span is
//! made once per page, not per member.

use crate::cause;
use crate::error::{Error, ErrorKind};
use crate::page::WalkSummary;
use reqwest::StatusCode;
use std::fmt;
use tracing::Span;
use tracing::field::Empty;

/// The method and route template of a generated operation, from the operation
/// table `cargo xtask generate` writes (`tallyfy_api::operations`), so a new
/// operation is named correctly with no code here.
pub(crate) fn route(operation: &str) -> (&'static str, Option<&'static str>) {
    match tallyfy_api::operations::find(operation) {
        Some(op) => (op.method, Some(op.path)),
        None => ("GET", None),
    }
}

/// OpenTelemetry's span name for an HTTP client span: `{method} {template}`.
struct OtelName(&'static str, Option<&'static str>);

impl fmt::Display for OtelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(path) => write!(f, "{} {path}", self.0),
            None => f.write_str(self.0),
        }
    }
}

/// What one call addresses, beside its organization.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// A page of a paged list.
    Page(u64),
    /// One member (`{user_id}`).
    User(u64),
    /// Anything else: the route's other parameters are not recorded.
    Other,
}

/// The span of one generated call (all its attempts).
#[derive(Debug)]
pub(crate) struct Call {
    pub operation: &'static str,
    pub span: Span,
}

impl Call {
    /// A call of `operation` (its spec `operationId`) to `server_address`.
    pub(crate) fn start(
        operation: &'static str,
        server_address: &str,
        org: &str,
        target: Target,
    ) -> Self {
        let (method, path) = route(operation);
        let span = tracing::info_span!(
            "tallyfy.call",
            "tallyfy.operation" = operation,
            "http.request.method" = method,
            "url.path" = path,
            "server.address" = server_address,
            "tallyfy.org_id" = org,
            "tallyfy.page" = Empty,
            "tallyfy.user_id" = Empty,
            "http.response.status_code" = Empty,
            "http.request.resend_count" = Empty,
            "tallyfy.request_id" = Empty,
            "error.type" = Empty,
            "tallyfy.retry_budget_exhausted" = Empty,
        );
        match target {
            Target::Page(page) => {
                span.record("tallyfy.page", page);
            }
            Target::User(user) => {
                span.record("tallyfy.user_id", user);
            }
            Target::Other => {}
        }
        Self { operation, span }
    }

    /// Records how the call ended on its span.
    pub(crate) fn finish(
        &self,
        status: Option<u16>,
        attempts: u32,
        request_id: Option<&str>,
        budget_exhausted: bool,
    ) {
        if self.span.is_disabled() {
            return;
        }
        if budget_exhausted {
            self.span.record("tallyfy.retry_budget_exhausted", true);
        }
        if let Some(status) = status {
            self.span.record("http.response.status_code", status);
        }
        if attempts > 1 {
            self.span.record("http.request.resend_count", attempts - 1);
        }
        if let Some(id) = request_id {
            self.span.record("tallyfy.request_id", id);
        }
    }

    /// Records a final failure: `error.type` on the span, and a WARN event
    /// (DEBUG for a 404, which answers the question asked).
    pub(crate) fn failed(&self, err: &Error) {
        let kind = err.kind().as_str();
        self.span.record("error.type", kind);
        let status = err.status();
        let (attempts, request_id) = (err.attempts(), err.request_id());
        if err.kind() == ErrorKind::NotFound {
            tracing::debug!(parent: &self.span, attempts, request_id, "error.type" = kind, http.response.status_code = status, error = %err, "tallyfy call failed");
        } else {
            tracing::warn!(parent: &self.span, attempts, request_id, "error.type" = kind, http.response.status_code = status, error = %err, "tallyfy call failed");
        }
    }
}

// ===== attempts =====

/// A request's method as a `'static` name (the spans' field values are static).
fn method_name(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("_OTHER")
}

/// The span of one attempt; `resend` counts the attempts before it.
pub(crate) fn attempt_span(
    operation: &'static str,
    method: &str,
    host: Option<&str>,
    resend: u32,
) -> Span {
    let (_, path) = route(operation);
    let span = tracing::debug_span!(
        "tallyfy.attempt",
        "otel.kind" = "client",
        "otel.name" = %OtelName(method_name(method), path),
        "tallyfy.operation" = operation,
        "http.request.method" = method,
        "url.path" = path,
        "server.address" = host,
        "http.request.resend_count" = Empty,
        "http.response.status_code" = Empty,
        "tallyfy.request_id" = Empty,
        "error.type" = Empty,
        "tallyfy.retry_wait_ms" = Empty,
        "tallyfy.retry_budget" = Empty,
        "tallyfy.retry_budget_exhausted" = Empty,
    );
    if resend > 0 {
        span.record("http.request.resend_count", resend);
    }
    span
}

/// Records a response on its attempt span, and a DEBUG event.
pub(crate) fn attempt_response(
    span: &Span,
    status: StatusCode,
    request_id: Option<&str>,
    elapsed: std::time::Duration,
) {
    tracing::debug!(
        parent: span,
        http.response.status_code = status.as_u16(),
        elapsed_ms = elapsed.as_millis() as u64,
        request_id,
        "tallyfy response"
    );
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", status.as_u16());
    if status.is_client_error() || status.is_server_error() {
        span.record("error.type", status.as_str());
    }
    if let Some(id) = request_id {
        span.record("tallyfy.request_id", id);
    }
}

/// Records a failed attempt (no response) on its span.
pub(crate) fn attempt_failed(span: &Span, err: &reqwest::Error) {
    let kind = if err.is_redirect() {
        ErrorKind::Redirect
    } else {
        ErrorKind::of_cause(&cause::classify(err))
    };
    span.record("error.type", kind.as_str());
    tracing::debug!(parent: span, timeout = err.is_timeout(), error = %err, "tallyfy request failed");
}

/// Records the wait before the next attempt (and the retry budget left), as a DEBUG event.
pub(crate) fn retrying(
    span: &Span,
    operation: &'static str,
    attempt: u32,
    wait_ms: u64,
    budget_left: Option<u32>,
) {
    span.record("tallyfy.retry_wait_ms", wait_ms);
    if let Some(left) = budget_left {
        span.record("tallyfy.retry_budget", left);
    }
    tracing::debug!(
        parent: span,
        operation,
        attempt,
        tallyfy.retry_wait_ms = wait_ms,
        tallyfy.retry_budget = budget_left,
        "tallyfy retrying"
    );
}

/// Records a retry the client's empty retry budget refused, as a DEBUG event.
pub(crate) fn budget_refused(span: &Span, operation: &'static str, budget_left: Option<u32>) {
    span.record("tallyfy.retry_budget_exhausted", true);
    tracing::debug!(
        parent: span,
        operation,
        tallyfy.retry_budget = budget_left,
        "tallyfy retry refused: the retry budget is exhausted"
    );
}

// ===== walks =====

/// The span of one page walk; records the summary once, when the walk ends.
#[derive(Debug)]
pub(crate) struct WalkSpan {
    span: Span,
    finished: bool,
}

impl WalkSpan {
    pub(crate) fn start(
        operation: &'static str,
        org: &str,
        per_page: u64,
        concurrency: usize,
        start_page: u64,
    ) -> Self {
        let span = tracing::info_span!(
            "tallyfy.walk",
            "tallyfy.operation" = operation,
            "tallyfy.org_id" = org,
            "tallyfy.per_page" = per_page,
            "tallyfy.concurrency" = concurrency,
            "tallyfy.start_page" = start_page,
            "tallyfy.pages" = Empty,
            "tallyfy.items" = Empty,
            "tallyfy.duplicates_skipped" = Empty,
            "tallyfy.truncated" = Empty,
            "tallyfy.drift" = Empty,
            "tallyfy.resume_page" = Empty,
            "tallyfy.abandoned" = Empty,
            "tallyfy.retry_budget" = Empty,
            "error.type" = Empty,
        );
        Self {
            span,
            finished: false,
        }
    }

    /// The span, for entering while the walk is polled.
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// Records the summary (and the error that ended the walk); only the first call counts.
    pub(crate) fn finish(&mut self, summary: &WalkSummary, err: Option<&Error>) {
        if std::mem::replace(&mut self.finished, true) || self.span.is_disabled() {
            return;
        }
        let span = &self.span;
        span.record("tallyfy.pages", summary.pages);
        span.record("tallyfy.items", summary.items);
        span.record("tallyfy.duplicates_skipped", summary.duplicates_skipped);
        span.record("tallyfy.truncated", summary.truncated);
        span.record("tallyfy.drift", summary.drift.is_some());
        if let Some(budget) = summary.retry_budget {
            span.record("tallyfy.retry_budget", budget.available);
        }
        if let Some(err) = err {
            span.record("error.type", err.kind().as_str());
            if let Some(page) = err.resume_page() {
                span.record("tallyfy.resume_page", page);
            }
        }
        tracing::debug!(
            parent: span,
            pages = summary.pages,
            items = summary.items,
            truncated = summary.truncated,
            failed = err.is_some(),
            "tallyfy walk finished"
        );
    }
}

impl Drop for WalkSpan {
    fn drop(&mut self) {
        if !self.finished && !self.span.is_disabled() {
            self.span.record("tallyfy.abandoned", true);
        }
    }
}
