//! The per-request overrides of a [`CallRequest`]: they replace the client's
//! settings for this one call.

use super::CallRequest;
use crate::policy::RetryPolicy;
use std::time::Duration;
use tallyfy_api::calling::Call;

/// # Per-request overrides
impl<C: Call> CallRequest<C> {
    /// Time allowed for each attempt of this request, replacing
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout). Default is the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// A deadline for this request: its attempts and the waits between them
    /// together, replacing
    /// [`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout).
    /// Default is the client's.
    pub fn operation_timeout(mut self, deadline: Duration) -> Self {
        self.overrides.operation_timeout = Some(deadline);
        self
    }

    /// The retry policy of this request, replacing
    /// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy); e.g.
    /// [`RetryPolicy::never`] for a latency-sensitive call. Default is the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.overrides.retry = Some(policy);
        self
    }

    /// Whether this request may be sent twice. Default: from its method (`GET`,
    /// `PUT`, `DELETE`...: idempotent; `POST`, `PATCH`: not). A request that is not
    /// idempotent is retried only when its attempt never reached the server.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.overrides.idempotent = Some(idempotent);
        self
    }

    /// A header sent with this request, after the client's own (replacing one of
    /// the same name). The names [`ClientBuilder::header`](crate::ClientBuilder::header)
    /// refuses are refused here too, when the request is sent, with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput). The value is
    /// treated as a secret: never printed, only the name.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.overrides.headers.add(name.as_ref(), value.as_ref());
        self
    }
}
