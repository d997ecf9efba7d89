//! [`ResponseMeta`]: what a successful call's response said beside its body.

use crate::ratelimit::RateLimit;

/// What a successful call's response said beside its body: request id, budget,
/// attempts. Returned by [`MemberRequest::send_with_meta`](crate::MemberRequest::send_with_meta).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The `X-Request-Id` (or `X-Correlation-Id`) response header, when sent.
    pub request_id: Option<String>,
    /// The request budget the response reported (`X-RateLimit-*`), when it did.
    pub rate_limit: Option<RateLimit>,
    /// Attempts made, 1 when the first one succeeded.
    pub attempts: u32,
}
