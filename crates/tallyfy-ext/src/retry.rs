//! Retry mechanics that know nothing of calls: `Retry-After`, backoff, and the
//! client's retry budget (`retry/budget.rs`). What to retry is decided by a
//! [`RetryPolicy`](crate::RetryPolicy) (`policy.rs`), above the error type.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::{Duration, SystemTime};

mod budget;

pub(crate) use budget::{Bucket, Cost};
pub use budget::{RetryBudget, RetryBudgetState};

/// How long to wait before a retry, when neither the server (`Retry-After`) nor
/// the rule ([`RetryDecision::RetryAfter`](crate::RetryDecision::RetryAfter)) said.
///
/// Any `Fn(u32) -> Duration` closure is one: it gets the number of retries made
/// so far (0 before the first retry).
pub trait Backoff: Send + Sync + 'static {
    /// The wait before the retry that follows `retries` retries.
    fn wait(&self, retries: u32) -> Duration;
}

impl<F> Backoff for F
where
    F: Fn(u32) -> Duration + Send + Sync + 'static,
{
    fn wait(&self, retries: u32) -> Duration {
        self(retries)
    }
}

/// The default backoff: `initial · 2^retries` (250 ms, 500 ms, 1 s, ...) capped at
/// `max` (8 s), with "equal jitter" (a random wait between half and all of it), so
/// many clients that failed together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentialBackoff {
    initial: Duration,
    max: Duration,
}

impl Default for ExponentialBackoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(250), Duration::from_secs(8))
    }
}

impl ExponentialBackoff {
    /// Steps from `initial`, doubling, capped at `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// The first step.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The cap of a step.
    pub fn max(&self) -> Duration {
        self.max
    }
}

impl Backoff for ExponentialBackoff {
    fn wait(&self, retries: u32) -> Duration {
        let step = self
            .initial
            .saturating_mul(2u32.saturating_pow(retries.min(16)))
            .min(self.max);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }
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
    fn backoff_grows_is_jittered_and_capped() {
        let backoff = ExponentialBackoff::default();
        for retry in 0..20 {
            let step = Duration::from_millis(250)
                .saturating_mul(1 << retry.min(16))
                .min(Duration::from_secs(8));
            let wait = backoff.wait(retry);
            assert!(
                wait >= step / 2 && wait <= step,
                "retry {retry}: {wait:?} outside [{:?}, {step:?}]",
                step / 2
            );
        }
        let fixed = |_: u32| Duration::from_millis(7);
        assert_eq!(Backoff::wait(&fixed, 3), Duration::from_millis(7));
    }
}
