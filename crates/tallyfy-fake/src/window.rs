//! The fake's rate limit ([`FakeTallyfyBuilder::rate_limit`](crate::FakeTallyfyBuilder::rate_limit)):
//! a bucket of `limit` requests per window, as Laravel's throttle middleware (which
//! Tallyfy's API runs) keeps one: the window opens at the first request after the
//! last one closed, and the bucket is full again when it closes.
//!
//! Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (seconds until the window closes, to the millisecond, so
//! short test windows work); a request that finds the bucket empty gets a 429 with
//! `Retry-After` equal to the reset, and reaches neither the faults nor the routes.

use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use tokio::time::Instant;

/// The bucket and its window.
#[derive(Debug)]
pub(crate) struct RateWindow {
    limit: u64,
    window: Duration,
    /// When the current window opened, and the requests it admitted.
    state: Mutex<(Option<Instant>, u64)>,
}

/// What the bucket says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Served: this many are left, until `reset`.
    Allowed { remaining: u64, reset: Duration },
    /// The bucket is empty until `reset`.
    Refused { reset: Duration },
}

impl RateWindow {
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            state: Mutex::new((None, 0)),
        }
    }

    /// Takes one request from the bucket, if it has one.
    pub(crate) fn admit(&self, now: Instant) -> Admission {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let opened = match state.0 {
            Some(opened) if now < opened + self.window => opened,
            _ => {
                *state = (Some(now), 0);
                now
            }
        };
        let reset = (opened + self.window).saturating_duration_since(now);
        if state.1 >= self.limit {
            return Admission::Refused { reset };
        }
        state.1 += 1;
        Admission::Allowed {
            remaining: self.limit - state.1,
            reset,
        }
    }

    /// The budget headers of an answer.
    pub(crate) fn headers(&self, admission: Admission, headers: &mut HeaderMap) {
        let (remaining, reset) = match admission {
            Admission::Allowed { remaining, reset } => (remaining, reset),
            Admission::Refused { reset } => (0, reset),
        };
        let seconds = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let values = [
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", seconds(reset)),
        ];
        for (name, value) in values {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        if let Admission::Refused { reset } = admission
            && let Ok(value) = HeaderValue::from_str(&seconds(reset))
        {
            headers.insert(axum::http::header::RETRY_AFTER, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_empties_refuses_until_the_window_closes_and_refills() {
        let bucket = RateWindow::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(
            bucket.admit(t0),
            Admission::Allowed {
                remaining: 1,
                reset: 10 * second
            }
        );
        assert!(matches!(
            bucket.admit(t0 + second),
            Admission::Allowed { remaining: 0, .. }
        ));
        assert_eq!(
            bucket.admit(t0 + 4 * second),
            Admission::Refused { reset: 6 * second }
        );
        assert!(matches!(
            bucket.admit(t0 + 10 * second),
            Admission::Allowed { remaining: 1, .. }
        ));
        let mut headers = HeaderMap::new();
        bucket.headers(Admission::Refused { reset: second / 4 }, &mut headers);
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["x-ratelimit-reset"], "0.250");
        assert_eq!(headers["retry-after"], "0.250");
    }
}
