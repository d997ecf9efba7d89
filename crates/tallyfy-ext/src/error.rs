//! The SDK's one error type.
//!
//! [`Error`] is opaque (a box, so `Result<T>` stays small) and answers questions
//! through methods: [`Error::kind`] to match on, then [`Error::status`],
//! [`Error::message`], [`Error::request_id`], [`Error::retry_after`],
//! [`Error::resume_page`]... No foreign error type appears in the public API;
//! causes are reachable through [`std::error::Error::source`].
//!
//! No error ever holds the access token: requests are described by operation,
//! status and request id only, never by their headers, and the token is replaced
//! in whatever text the server sent (`error/redacted.rs`).

use crate::page::UntypedMember;
use crate::ratelimit::RateLimit;
use crate::redirect::RefusedRedirect;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

mod kind;
mod redacted;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub use kind::{ErrorKind, PaginationFault};

/// The error type of every fallible call in this crate.
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug, Default)]
pub(crate) struct Details {
    pub status: Option<u16>,
    pub message: Option<String>,
    pub code: Option<String>,
    pub operation: Option<&'static str>,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub field_errors: BTreeMap<String, Vec<String>>,
    pub body_snippet: Option<String>,
    pub attempts: u32,
    pub resume_page: Option<u64>,
    pub pagination_fault: Option<PaginationFault>,
    pub untyped: Option<Box<UntypedMember>>,
    pub rate_limit: Option<RateLimit>,
    pub redirect: Option<RefusedRedirect>,
    /// The operation deadline that ended the call early.
    pub deadline: Option<Duration>,
    /// A retry was refused because the client's retry budget was empty.
    pub budget_exhausted: bool,
}

struct Inner {
    kind: ErrorKind,
    details: Details,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, details: Details) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                details,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::InvalidInput,
            Details {
                message: Some(message.into()),
                ..Details::default()
            },
        )
    }

    /// A failure of the SDK's own set-up (HTTP client, blocking runtime).
    pub(crate) fn setup(
        message: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(
            ErrorKind::Setup,
            Details {
                message: Some(message.to_owned()),
                ..Details::default()
            },
        )
        .with_source(source)
    }

    /// A walk of `operation` that the server's pagination ended at `page`.
    pub(crate) fn pagination(
        operation: &'static str,
        fault: PaginationFault,
        page: u64,
        message: String,
    ) -> Self {
        Self::new(
            ErrorKind::Pagination,
            Details {
                message: Some(message),
                operation: Some(operation),
                resume_page: Some(page),
                pagination_fault: Some(fault),
                ..Details::default()
            },
        )
    }

    /// A member of a walk that could not be typed, as a stream item
    /// ([`MembersRequest::untyped_as_errors`](crate::MembersRequest::untyped_as_errors)).
    pub(crate) fn untyped_member_error(operation: &'static str, member: UntypedMember) -> Self {
        Self::new(
            ErrorKind::Decode,
            Details {
                message: Some(member.to_string()),
                operation: Some(operation),
                untyped: Some(Box::new(member)),
                ..Details::default()
            },
        )
    }

    /// A body that could not be decoded, outside any call.
    pub(crate) fn decode(message: String, body: &[u8]) -> Self {
        Self::new(
            ErrorKind::Decode,
            Details {
                message: Some(message),
                body_snippet: Some(snippet(body, SNIPPET_BYTES)),
                ..Details::default()
            },
        )
    }

    /// A call of `operation` answered with another item than the one asked for.
    pub(crate) fn wrong_item(
        operation: &'static str,
        message: String,
        request_id: Option<String>,
        attempts: u32,
    ) -> Self {
        Self::new(
            ErrorKind::Decode,
            Details {
                message: Some(message),
                operation: Some(operation),
                request_id,
                attempts,
                ..Details::default()
            },
        )
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_resume_page(mut self, page: u64) -> Self {
        self.inner.details.resume_page = Some(page);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the last response, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.details.status
    }

    /// The server's `message` (or the SDK's explanation for input and pagination errors).
    pub fn message(&self) -> Option<&str> {
        self.inner.details.message.as_deref()
    }

    /// The server's machine-readable `code`, such as `RATE_LIMIT_EXCEEDED`.
    pub fn code(&self) -> Option<&str> {
        self.inner.details.code.as_deref()
    }

    /// The operation that failed, by its spec `operationId` (`list_members`, `get_member`, ...).
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.details.operation
    }

    /// The `X-Request-Id` response header, when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.details.request_id.as_deref()
    }

    /// The wait the server asked for (`Retry-After`), on rate-limit and 503 errors.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.details.retry_after
    }

    /// Field errors of a 422 (`{"errors": {"per_page": ["..."]}}`), by field.
    pub fn field_errors(&self) -> &BTreeMap<String, Vec<String>> {
        &self.inner.details.field_errors
    }

    /// The start of a body that could not be decoded (at most 512 bytes, lossy UTF-8).
    pub fn body_snippet(&self) -> Option<&str> {
        self.inner.details.body_snippet.as_deref()
    }

    /// How many attempts were made (1 when the first failure was final).
    pub fn attempts(&self) -> u32 {
        self.inner.details.attempts
    }

    /// During a page walk: the page that failed. Restart the walk there with
    /// [`MembersRequest::start_page`](crate::MembersRequest::start_page); the members
    /// of earlier pages were already yielded.
    pub fn resume_page(&self) -> Option<u64> {
        self.inner.details.resume_page
    }

    /// For [`ErrorKind::Pagination`]: what the server did wrong.
    pub fn pagination_fault(&self) -> Option<PaginationFault> {
        self.inner.details.pagination_fault
    }

    /// For a [`ErrorKind::Decode`] of get-member: the member the server sent, raw,
    /// when it was JSON but could not be typed (e.g. its `id` is not a number).
    pub fn untyped_member(&self) -> Option<&UntypedMember> {
        self.inner.details.untyped.as_deref()
    }

    /// The request budget of the last response (`X-RateLimit-*`), when the server sent one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.details.rate_limit
    }

    /// For [`ErrorKind::Redirect`]: where the redirect came from and went to.
    pub fn redirect(&self) -> Option<&RefusedRedirect> {
        self.inner.details.redirect.as_ref()
    }

    /// The operation deadline that ended the call, when it did
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    pub fn deadline(&self) -> Option<Duration> {
        self.inner.details.deadline
    }

    /// Whether the call ended early because the client's retry budget was empty:
    /// the policy would have retried, but the client as a whole had spent its
    /// retries (an outage; see [`RetryBudget`](crate::RetryBudget)). The kind and
    /// the rest are the last attempt's.
    pub fn retry_budget_exhausted(&self) -> bool {
        self.inner.details.budget_exhausted
    }

    /// Whether the same call might succeed later (rate limits, 5xx, timeouts, transport);
    /// never a [`Tls`](ErrorKind::Tls) or [`Protocol`](ErrorKind::Protocol) failure.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Timeout | ErrorKind::Transport
        )
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.inner.details;
        if let Some(op) = d.operation {
            write!(f, "{op}: ")?;
        }
        f.write_str(self.inner.kind.phrase())?;
        if let Some(status) = d.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(message) = &d.message {
            write!(f, ": {message}")?;
        }
        for (field, messages) in &d.field_errors {
            write!(f, "; {field}: {}", messages.join(" "))?;
        }
        if let Some(redirect) = &d.redirect {
            write!(f, "; {redirect}")?;
        }
        if let Some(wait) = d.retry_after {
            write!(f, "; retry after {}s", wait.as_secs_f64())?;
        }
        if let Some(deadline) = d.deadline {
            write!(
                f,
                "; operation deadline of {}s reached",
                deadline.as_secs_f64()
            )?;
        }
        if let Some(page) = d.resume_page {
            write!(f, "; resume at page {page}")?;
        }
        if d.attempts > 1 {
            write!(f, "; after {} attempts", d.attempts)?;
        }
        if d.budget_exhausted {
            f.write_str("; no retry: the client's retry budget is exhausted")?;
        }
        if let Some(id) = &d.request_id {
            write!(f, "; request id {id}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.inner.details;
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind);
        // Only the fields that are set, so a log line stays readable.
        macro_rules! some {
            ($($name:ident),*) => {$( if let Some(v) = &d.$name { s.field(stringify!($name), v); } )*};
        }
        some!(
            status,
            operation,
            message,
            code,
            request_id,
            retry_after,
            resume_page,
            pagination_fault,
            body_snippet,
            untyped,
            rate_limit,
            redirect,
            deadline
        );
        if !d.field_errors.is_empty() {
            s.field("field_errors", &d.field_errors);
        }
        if d.attempts > 0 {
            s.field("attempts", &d.attempts);
        }
        if d.budget_exhausted {
            s.field("budget_exhausted", &true);
        }
        if let Some(source) = &self.inner.source {
            s.field("source", source);
        }
        s.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Bytes of an undecodable body kept in an error.
pub(crate) const SNIPPET_BYTES: usize = 512;

/// The start of a body, for error messages: at most `max` bytes, lossy UTF-8.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let cut = &body[..body.len().min(max)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > max {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests;
