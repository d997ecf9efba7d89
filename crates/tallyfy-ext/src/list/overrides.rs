//! The per-request overrides of a [`ListRequest`]: they replace the client's
//! settings for each page's call of one request or walk.

use super::ListRequest;
use crate::policy::RetryPolicy;
use std::time::Duration;
use tallyfy_api::paging::PagedList;

/// # Per-request overrides
impl<P: PagedList> ListRequest<P> {
    /// Time allowed for each attempt of each page's request, replacing
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout). Default is the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// A deadline for each page's request: its attempts and the waits between them
    /// together, replacing
    /// [`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout).
    /// Default is the client's.
    pub fn operation_timeout(mut self, deadline: Duration) -> Self {
        self.overrides.operation_timeout = Some(deadline);
        self
    }

    /// The retry policy of each page's request, replacing
    /// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy); e.g.
    /// [`RetryPolicy::never`] for a latency-sensitive walk. Default is the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.overrides.retry = Some(policy);
        self
    }

    /// Whether each page's request may be sent twice. Default: from its method
    /// (a list is a `GET`: idempotent). A request that is not idempotent is retried
    /// only when its attempt never reached the server.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.overrides.idempotent = Some(idempotent);
        self
    }

    /// A header sent with each page's request, after the client's own (replacing
    /// one of the same name). The names
    /// [`ClientBuilder::header`](crate::ClientBuilder::header) refuses are refused
    /// here too, when the request is used, with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput). The value is
    /// treated as a secret: never printed, only the name.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.overrides.headers.add(name.as_ref(), value.as_ref());
        self
    }
}
