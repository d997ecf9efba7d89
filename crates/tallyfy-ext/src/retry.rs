//! Retry policy: which failures are retried, and how long to wait.
//!
//! # Defaults
//! - **2 retries** (3 attempts in all); `max_retries(0)` or [`RetryPolicy::never`] disables them.
//! - Retried: connect errors, timeouts, broken responses, and HTTP 408, 429, 500, 502,
//!   503, 504. Never any other 4xx: a 401 or 422 will not change by asking again.
//! - Backoff: `initial_backoff · 2^retry` (250 ms, 500 ms, 1 s, ...) capped at
//!   `max_backoff` (8 s), with "equal jitter" (a random wait between half and all of
//!   it), so many clients that failed together do not retry together.
//! - `Retry-After` (delta-seconds or an HTTP-date) replaces the backoff when present.
//!   A wait longer than `max_retry_after` (60 s) is not slept: the call fails at once
//!   with the kind its status means, [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited)
//!   for a 429 and [`ErrorKind::Server`](crate::ErrorKind::Server) for a 503, and
//!   [`Error::retry_after`](crate::Error::retry_after) says how long the server asked for.
//! - A 429 pauses every request of the client, not only the one that got it (see
//!   [`Client`](crate::Client)); a call with an operation deadline
//!   ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout))
//!   makes no retry whose wait would end past it.
//!
//! **Only idempotent requests are retried.** Both member endpoints are `GET`s.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::{Duration, SystemTime};

/// When and how to retry. Cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// What the executor should do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Hand this outcome to the caller.
    Done,
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// The server asked for a wait above the ceiling: give up now.
    GiveUp(Duration),
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt. Default is 2; 0 disables retries.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// First backoff step. Default is 250 ms.
    #[must_use]
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// Upper bound of a computed backoff step. Default is 8 s.
    #[must_use]
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` that is honoured by sleeping. Default is 60 s.
    #[must_use]
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Retries after the first attempt.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The ceiling above which a `Retry-After` fails the call instead of sleeping.
    pub fn retry_after_ceiling(&self) -> Duration {
        self.max_retry_after
    }

    /// Decides after a response with `status` and its parsed `Retry-After`;
    /// `retry` counts retries done.
    pub(crate) fn after_response(
        &self,
        retry: u32,
        status: StatusCode,
        retry_after: Option<Duration>,
    ) -> Decision {
        if !is_retryable_status(status) {
            return Decision::Done;
        }
        match retry_after {
            Some(wait) if wait > self.max_retry_after => Decision::GiveUp(wait),
            _ if retry >= self.max_retries => Decision::Done,
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::RetryAfter(self.backoff(retry)),
        }
    }

    /// Decides after a transport failure (connect, timeout, broken body).
    pub(crate) fn after_transport_error(&self, retry: u32) -> Decision {
        if retry >= self.max_retries {
            Decision::Done
        } else {
            Decision::RetryAfter(self.backoff(retry))
        }
    }

    /// Exponential backoff with equal jitter: a wait in `[step/2, step]`.
    fn backoff(&self, retry: u32) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// The statuses worth another attempt.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After` as delta-seconds (integer or decimal) or an HTTP-date.
/// Negative, non-finite or unparsable values are ignored; a date in the past is zero.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(" 1.5 "), now),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&date), now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&past), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("-3"), now), None);
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        let policy = RetryPolicy::default();
        for code in [408, 429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                matches!(
                    policy.after_response(0, status, None),
                    Decision::RetryAfter(_)
                ),
                "{code}"
            );
        }
        for code in [200, 400, 401, 403, 404, 409, 422, 501] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                policy.after_response(0, status, None),
                Decision::Done,
                "{code}"
            );
        }
    }

    #[test]
    fn retries_stop_at_the_limit_and_above_the_retry_after_ceiling() {
        let policy = RetryPolicy::default();
        let busy = StatusCode::SERVICE_UNAVAILABLE;
        assert_eq!(
            policy.after_response(1, busy, Some(Duration::from_secs(3))),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            policy.after_response(2, busy, Some(Duration::from_secs(3))),
            Decision::Done
        );
        assert_eq!(
            policy.after_response(0, busy, Some(Duration::from_secs(61))),
            Decision::GiveUp(Duration::from_secs(61))
        );
        assert_eq!(
            RetryPolicy::never().after_response(0, busy, None),
            Decision::Done
        );
        assert_eq!(
            RetryPolicy::never().after_transport_error(0),
            Decision::Done
        );
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let policy = RetryPolicy::default();
        for retry in 0..20 {
            let step = Duration::from_millis(250)
                .saturating_mul(1 << retry.min(16))
                .min(Duration::from_secs(8));
            let wait = policy.backoff(retry);
            assert!(
                wait >= step / 2 && wait <= step,
                "retry {retry}: {wait:?} outside [{:?}, {step:?}]",
                step / 2
            );
        }
    }
}
