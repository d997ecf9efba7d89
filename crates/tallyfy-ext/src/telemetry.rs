//! Tracing: one span per walk, per call and per attempt, with OpenTelemetry's HTTP
//! field names.
//!
//! ```text
//! tallyfy.walk_members          INFO   tallyfy.org_id, tallyfy.per_page, tallyfy.concurrency,
//! │                                    tallyfy.start_page; at the end: tallyfy.pages,
//! │                                    tallyfy.items, tallyfy.duplicates_skipped,
//! │                                    tallyfy.truncated, tallyfy.drift, error.type,
//! │                                    tallyfy.resume_page (or tallyfy.abandoned)
//! └─ tallyfy.list_members       INFO   http.request.method, url.path (the route template,
//!    │  (or tallyfy.get_member)        never the URL), server.address, tallyfy.org_id,
//!    │                                 tallyfy.page / tallyfy.user_id; at the end:
//!    │                                 http.response.status_code, http.request.resend_count,
//!    │                                 tallyfy.request_id, error.type
//!    └─ tallyfy.attempt         DEBUG  otel.kind = client, otel.name, the same HTTP fields
//!                                      per attempt, tallyfy.retry_wait_ms before a retry
//! ```
//!
//! Events: each retry at DEBUG (`tallyfy retrying`, with the wait), a call's final
//! failure at WARN (`tallyfy call failed`; a 404 at DEBUG, it is an answer), the walk
//! summary at DEBUG when the walk ends. No span or event holds the token, a header
//! value or a full URL; `server.address` is the host alone.
//!
//! Spans cost one callsite check when no subscriber wants them; the per-call span is
//! made once per page, not per member.

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::pagination::WalkSummary;
use crate::transport::{CallMeta, Overrides};
use reqwest::StatusCode;
use tracing::Span;
use tracing::field::Empty;

const LIST_ROUTE: &str = "/organizations/{org_id}/users";
const GET_ROUTE: &str = "/organizations/{org_id}/users/{user_id}";

/// The route template of a generated operation (`url.path`).
pub(crate) fn route(operation: &str) -> Option<&'static str> {
    match operation {
        "list_members" => Some(LIST_ROUTE),
        "get_member" => Some(GET_ROUTE),
        _ => None,
    }
}

/// OpenTelemetry's span name for an HTTP client span: `{method} {template}`.
fn otel_name(operation: &str) -> &'static str {
    match operation {
        "list_members" => "GET /organizations/{org_id}/users",
        "get_member" => "GET /organizations/{org_id}/users/{user_id}",
        _ => "GET",
    }
}

/// One generated call: its span and its per-request settings.
#[derive(Debug)]
pub(crate) struct Call {
    pub operation: &'static str,
    pub span: Span,
    pub overrides: Overrides,
}

impl Call {
    /// One page of the paged operation `operation` (route template `path`).
    /// `list_members` keeps its own span name; other operations share
    /// `tallyfy.list` and say which they are in `tallyfy.operation`.
    pub(crate) fn list(
        client: &Client,
        operation: &'static str,
        path: &'static str,
        org: &str,
        page: u64,
        overrides: Overrides,
    ) -> Self {
        if operation == "list_members" {
            return Self::list_members(client, org, page, overrides);
        }
        let span = tracing::info_span!(
            "tallyfy.list",
            "tallyfy.operation" = operation,
            "http.request.method" = "GET",
            "url.path" = path,
            "server.address" = client.server_address(),
            "tallyfy.org_id" = org,
            "tallyfy.page" = page,
            "http.response.status_code" = Empty,
            "http.request.resend_count" = Empty,
            "tallyfy.request_id" = Empty,
            "error.type" = Empty,
        );
        Self {
            operation,
            span,
            overrides,
        }
    }

    /// `list_members` for one page.
    pub(crate) fn list_members(
        client: &Client,
        org: &str,
        page: u64,
        overrides: Overrides,
    ) -> Self {
        let span = tracing::info_span!(
            "tallyfy.list_members",
            "http.request.method" = "GET",
            "url.path" = LIST_ROUTE,
            "server.address" = client.server_address(),
            "tallyfy.org_id" = org,
            "tallyfy.page" = page,
            "http.response.status_code" = Empty,
            "http.request.resend_count" = Empty,
            "tallyfy.request_id" = Empty,
            "error.type" = Empty,
        );
        Self {
            operation: "list_members",
            span,
            overrides,
        }
    }

    /// `get_member`.
    pub(crate) fn get_member(
        client: &Client,
        org: &str,
        user_id: u64,
        overrides: Overrides,
    ) -> Self {
        let span = tracing::info_span!(
            "tallyfy.get_member",
            "http.request.method" = "GET",
            "url.path" = GET_ROUTE,
            "server.address" = client.server_address(),
            "tallyfy.org_id" = org,
            "tallyfy.user_id" = user_id,
            "http.response.status_code" = Empty,
            "http.request.resend_count" = Empty,
            "tallyfy.request_id" = Empty,
            "error.type" = Empty,
        );
        Self {
            operation: "get_member",
            span,
            overrides,
        }
    }

    /// Records how the call ended on its span.
    pub(crate) fn finish(&self, meta: &CallMeta) {
        if self.span.is_disabled() {
            return;
        }
        if let Some(status) = meta.status {
            self.span
                .record("http.response.status_code", status.as_u16());
        }
        if meta.attempts > 1 {
            self.span
                .record("http.request.resend_count", meta.attempts - 1);
        }
        if let Some(id) = &meta.request_id {
            self.span.record("tallyfy.request_id", id.as_str());
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

/// The span of one attempt; `resend` counts the attempts before it.
pub(crate) fn attempt_span(operation: &'static str, host: Option<&str>, resend: u32) -> Span {
    let span = tracing::debug_span!(
        "tallyfy.attempt",
        "otel.kind" = "client",
        "otel.name" = otel_name(operation),
        "http.request.method" = "GET",
        "url.path" = route(operation),
        "server.address" = host,
        "http.request.resend_count" = Empty,
        "http.response.status_code" = Empty,
        "tallyfy.request_id" = Empty,
        "error.type" = Empty,
        "tallyfy.retry_wait_ms" = Empty,
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
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_redirect() {
        ErrorKind::Redirect
    } else {
        ErrorKind::Transport
    };
    span.record("error.type", kind.as_str());
    tracing::debug!(parent: span, timeout = err.is_timeout(), error = %err, "tallyfy request failed");
}

/// Records the wait before the next attempt, as a DEBUG event.
pub(crate) fn retrying(span: &Span, operation: &'static str, attempt: u32, wait_ms: u64) {
    span.record("tallyfy.retry_wait_ms", wait_ms);
    tracing::debug!(
        parent: span,
        operation,
        attempt,
        tallyfy.retry_wait_ms = wait_ms,
        "tallyfy retrying"
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
    /// No span yet (before the walk's first poll).
    pub(crate) fn none() -> Self {
        Self {
            span: Span::none(),
            finished: false,
        }
    }

    pub(crate) fn start(org: &str, per_page: u64, concurrency: usize, start_page: u64) -> Self {
        let span = tracing::info_span!(
            "tallyfy.walk_members",
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
