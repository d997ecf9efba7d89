//! What went wrong, for matching: [`ErrorKind`] and, for pagination, [`PaginationFault`].

use crate::cause::Cause;

/// What went wrong, for matching. New kinds may be added in minor releases (the
/// enum is `#[non_exhaustive]`: a `match` needs a `_` arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input was refused before any request: bad token, base URL,
    /// organization id, user id, page size... The message says which and why.
    InvalidInput,
    /// The SDK could not set itself up: the HTTP client (TLS backend, resolver) or
    /// the blocking runtime (a thread, file descriptors) failed to start. Not the
    /// caller's input; the source says what the system refused.
    Setup,
    /// 401: the token is missing, invalid or expired.
    Unauthorized,
    /// 403: the token may not read this organization or member.
    Forbidden,
    /// 404: unknown organization, member or route.
    NotFound,
    /// 422: the server refused a parameter; see [`Error::field_errors`](crate::Error::field_errors).
    Validation,
    /// 429: rate limited, and retries did not help; or the server asked for a
    /// longer wait than [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after)
    /// (not slept); or the client is still paused by an earlier 429 for longer than
    /// that, or past the operation deadline, and no request was sent
    /// ([`Error::status`](crate::Error::status) is then `None`). [`Error::retry_after`](crate::Error::retry_after) says how long to wait.
    RateLimited,
    /// 5xx after retries. A 503 whose `Retry-After` is above the ceiling is `Server`
    /// too (the status decides the kind), with [`Error::retry_after`](crate::Error::retry_after) set.
    Server,
    /// Another HTTP status the API does not document.
    UnexpectedStatus,
    /// An attempt took longer than the configured timeout, after retries.
    Timeout,
    /// The connection failed or broke (refused, reset, closed before the response
    /// was complete, a name that does not resolve), after retries. The message says
    /// which, when the cause is known; the source chain has the rest.
    Transport,
    /// The TLS handshake failed: the server's certificate is not trusted (the
    /// message gives the verifier's reason: an unknown issuer such as a corporate
    /// proxy's own CA, an expired certificate, another host name), or the server
    /// does not speak TLS acceptably. Not retried, since the same certificate fails the same
    /// way. A kind of its own, not [`Transport`](Self::Transport), because a service
    /// branches on it: this needs a person to fix a certificate or a trust store,
    /// not a wait.
    Tls,
    /// The server does not speak HTTP properly: its answer is not valid HTTP (a
    /// garbage status line, a malformed header, two `Content-Length`s, broken chunked
    /// framing), or its response headers are larger than the client accepts. Not
    /// retried: the server, or a proxy in front of it, answers the same way again.
    /// A kind of its own, neither `Transport` (the connection worked) nor `Decode`
    /// (no response arrived to decode): it points at a misconfigured endpoint.
    Protocol,
    /// The response body was not what the API sends (not JSON, wrong shape,
    /// truncated, or larger than the configured limit; or its `Content-Encoding`,
    /// such as gzip, could not be decoded: not retried), or another member than the
    /// one asked for; see [`Error::body_snippet`](crate::Error::body_snippet).
    Decode,
    /// The server's pagination misbehaved; see [`Error::pagination_fault`](crate::Error::pagination_fault).
    Pagination,
    /// A redirect was refused: to another host, to plain `http://`, or one too many.
    /// Nothing from the other host is trusted; see [`Error::redirect`](crate::Error::redirect).
    Redirect,
}

/// How a page walk went wrong, for [`ErrorKind::Pagination`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaginationFault {
    /// The server answered a request for page `requested` with page `returned`
    /// (it ignores the `page` parameter).
    #[non_exhaustive]
    PageMismatch {
        /// The page asked for.
        requested: u64,
        /// The `current_page` the server reported.
        returned: u64,
    },
    /// Page `page` held exactly the members of the page before it.
    #[non_exhaustive]
    RepeatedPage {
        /// The repeated page.
        page: u64,
    },
    /// Page `page` held more than `limit` items though `per_page` asked for
    /// `per_page`: the server ignores `per_page`. Detected while decoding, at item
    /// `limit + 1`, so such a page never costs more memory than `limit` items.
    #[non_exhaustive]
    OversizedPage {
        /// The page.
        page: u64,
        /// The page size asked for.
        per_page: u64,
        /// The most items a page of that size may hold ([`item_limit`](crate::item_limit)).
        limit: u64,
    },
    /// The walk went on far past the size the server first reported
    /// (`total_pages` or `total` that never ends).
    #[non_exhaustive]
    Runaway {
        /// Pages fetched when the walk was stopped.
        pages: u64,
    },
    /// Page `page` reported a `total_pages` that its own `total` and `per_page`
    /// contradict (more than one page off `ceil(total / per_page)`).
    #[non_exhaustive]
    InconsistentSize {
        /// The page that said so.
        page: u64,
        /// Its `total`.
        total: u64,
        /// Its `per_page`.
        per_page: u64,
        /// Its `total_pages`.
        total_pages: u64,
    },
    /// The walk received more new members than the list's first reported `total`
    /// plus what the walk saw join it (rises of `total`, repeats) and one page:
    /// a server inventing members.
    #[non_exhaustive]
    BeyondTotal {
        /// New members received when the walk was stopped.
        items: u64,
        /// The most the walk's observations allowed.
        allowed: u64,
    },
}

impl ErrorKind {
    /// The kind of a failed attempt with this cause.
    pub(crate) fn of_cause(cause: &Cause) -> Self {
        match cause {
            Cause::CertificateNotTrusted(_) | Cause::Handshake(_) => Self::Tls,
            Cause::InvalidResponse(_) | Cause::HeadersTooLarge => Self::Protocol,
            Cause::BodyDecoding(_) => Self::Decode,
            Cause::Timeout => Self::Timeout,
            Cause::ConnectionRefused
            | Cause::ConnectionReset
            | Cause::ClosedEarly
            | Cause::Other => Self::Transport,
        }
    }

    /// The kind an HTTP error status means.
    pub(crate) fn for_status(status: Option<u16>) -> Self {
        match status {
            Some(401) => Self::Unauthorized,
            Some(403) => Self::Forbidden,
            Some(404) => Self::NotFound,
            Some(408) => Self::Timeout,
            Some(422) => Self::Validation,
            Some(429) => Self::RateLimited,
            Some(500..=599) => Self::Server,
            _ => Self::UnexpectedStatus,
        }
    }

    /// A stable snake_case name, as recorded in the `error.type` field of spans:
    /// `rate_limited`, `timeout`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::Setup => "setup",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Validation => "validation",
            Self::RateLimited => "rate_limited",
            Self::Server => "server",
            Self::UnexpectedStatus => "unexpected_status",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
            Self::Tls => "tls",
            Self::Protocol => "protocol",
            Self::Decode => "decode",
            Self::Pagination => "pagination",
            Self::Redirect => "redirect",
        }
    }

    pub(super) fn phrase(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid input",
            Self::Setup => "set-up failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not found",
            Self::Validation => "validation failed",
            Self::RateLimited => "rate limited",
            Self::Server => "server error",
            Self::UnexpectedStatus => "unexpected status",
            Self::Timeout => "timed out",
            Self::Transport => "connection failed",
            Self::Tls => "TLS failed",
            Self::Protocol => "HTTP protocol violation",
            Self::Decode => "undecodable response",
            Self::Pagination => "pagination fault",
            Self::Redirect => "redirect refused",
        }
    }
}
