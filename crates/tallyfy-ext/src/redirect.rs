//! Redirects: followed only within the same origin, a few hops at most.
//!
//! A redirect to another host would hand that host the organization id and query
//! (in the URL, and in a `Referer` if one were sent), and its answer would be taken
//! for Tallyfy's. So the client built by [`ClientBuilder`](crate::ClientBuilder):
//! - sends no `Referer`;
//! - follows a redirect only to the same scheme, host and port, at most
//!   [`MAX_REDIRECTS`] times;
//! - refuses a redirect to another host or to plain `http://` with
//!   [`ErrorKind::Redirect`](crate::ErrorKind::Redirect), naming both origins
//!   ([`RefusedRedirect`]).
//!
//! With [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) the
//! caller's redirect policy decides what is followed; a response that nevertheless
//! comes from another origin is refused the same way, its body unread.

use reqwest::Url;
use std::fmt;

/// Redirect hops followed before the call fails.
pub const MAX_REDIRECTS: usize = 3;

/// A redirect the SDK refused to follow, for [`ErrorKind::Redirect`](crate::ErrorKind::Redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedRedirect {
    /// The origin that answered with the redirect (`https://go.tallyfy.com`).
    pub from: String,
    /// The origin it pointed to.
    pub to: String,
    /// Why it was refused.
    pub reason: RedirectReason,
}

/// Why a redirect was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectReason {
    /// To another host (or port).
    OtherHost,
    /// From `https://` to plain `http://`.
    PlainHttp,
    /// More than [`MAX_REDIRECTS`] hops.
    TooMany,
}

impl fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            RedirectReason::OtherHost => "another host",
            RedirectReason::PlainHttp => "plain http",
            RedirectReason::TooMany => "too many redirects",
        };
        write!(
            f,
            "redirect from {} to {} refused ({why})",
            self.from, self.to
        )
    }
}

impl std::error::Error for RefusedRedirect {}

/// `scheme://host[:port]`, without path, query or credentials.
pub(crate) fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Decides one hop: `hops` counts the URLs visited before `to` (1 for the first redirect).
pub(crate) fn check(from: &Url, to: &Url, hops: usize) -> Result<(), RefusedRedirect> {
    let reason = if from.scheme() == "https" && to.scheme() != "https" {
        RedirectReason::PlainHttp
    } else if !same_origin(from, to) {
        RedirectReason::OtherHost
    } else if hops > MAX_REDIRECTS {
        RedirectReason::TooMany
    } else {
        return Ok(());
    };
    Err(RefusedRedirect {
        from: origin(from),
        to: origin(to),
        reason,
    })
}

/// The policy of clients this crate builds.
pub(crate) fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let hops = attempt.previous().len();
        let verdict = match attempt.previous().last() {
            Some(from) => check(from, attempt.url(), hops),
            None => Ok(()),
        };
        match verdict {
            Ok(()) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    })
}

/// The refusal inside a redirect error from reqwest, if it is ours.
pub(crate) fn refusal_in(err: &reqwest::Error) -> Option<RefusedRedirect> {
    let mut source = std::error::Error::source(err);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<RefusedRedirect>() {
            return Some(refused.clone());
        }
        source = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_same_origin_hops_within_the_limit_are_followed() {
        let api = url("https://go.tallyfy.com/api/organizations/o/users?page=2");
        check(&api, &url("https://go.tallyfy.com/api/v2/users"), 1).unwrap();
        check(&api, &url("https://go.tallyfy.com:443/x"), MAX_REDIRECTS).unwrap();
        let other = check(&api, &url("https://evil.example/u?page=2"), 1).unwrap_err();
        assert_eq!(
            other,
            RefusedRedirect {
                from: "https://go.tallyfy.com".into(),
                to: "https://evil.example".into(),
                reason: RedirectReason::OtherHost,
            }
        );
        assert_eq!(
            other.to_string(),
            "redirect from https://go.tallyfy.com to https://evil.example refused (another host)"
        );
        let port = check(&api, &url("https://go.tallyfy.com:8443/x"), 1).unwrap_err();
        assert_eq!(port.reason, RedirectReason::OtherHost);
        let plain = check(&api, &url("http://go.tallyfy.com/api"), 1).unwrap_err();
        assert_eq!(
            (plain.reason, plain.to.as_str()),
            (RedirectReason::PlainHttp, "http://go.tallyfy.com")
        );
        let loops = check(&api, &api, MAX_REDIRECTS + 1).unwrap_err();
        assert_eq!(loops.reason, RedirectReason::TooMany);
        // Loopback http (tests) may redirect within itself.
        let local = url("http://127.0.0.1:8080/api/x");
        check(&local, &url("http://127.0.0.1:8080/api/y"), 1).unwrap();
        assert_eq!(
            check(&local, &url("http://localhost:8080/api/y"), 1)
                .unwrap_err()
                .reason,
            RedirectReason::OtherHost
        );
    }
}
