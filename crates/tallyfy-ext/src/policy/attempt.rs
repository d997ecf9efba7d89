//! [`Attempt`]: what a [`RetryRule`](crate::RetryRule) sees of a failed attempt.

use crate::error::ErrorKind;
use std::time::Duration;

/// What a [`RetryRule`](crate::RetryRule) sees of the attempt that just failed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// Attempts made so far, this one included (1 after the first).
    pub number: u32,
    /// Time since the call's first attempt started.
    pub elapsed: Duration,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Tallyfy's error `code` from the response body (`"RATE_LIMIT_EXCEEDED"`...).
    pub code: Option<&'a str>,
    /// The kind of error the call would end with now.
    pub kind: ErrorKind,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// Whether the request may be sent twice (from its method, or as the request
    /// said). A rule's decision to retry a non-idempotent request that reached the
    /// server is overruled.
    pub idempotent: bool,
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: &'a str,
}

impl<'a> Attempt<'a> {
    /// An attempt, for testing a rule: number `number`, failed with `kind`, of an
    /// idempotent `GET`, with no status, code or wait.
    pub fn new(number: u32, kind: ErrorKind) -> Self {
        Self {
            number,
            elapsed: Duration::ZERO,
            status: None,
            code: None,
            kind,
            retry_after: None,
            idempotent: true,
            method: "GET",
        }
    }

    /// With this status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// With this Tallyfy error code.
    #[must_use]
    pub fn with_code(mut self, code: &'a str) -> Self {
        self.code = Some(code);
        self
    }

    /// With this much time since the first attempt.
    #[must_use]
    pub fn with_elapsed(mut self, elapsed: Duration) -> Self {
        self.elapsed = elapsed;
        self
    }

    /// With this `Retry-After`.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }
}
