//! One rate limit per [`Client`](crate::Client): the budget the server reports and
//! the pause a 429 imposes on every request of the client.
//!
//! Tallyfy limits requests per user and organization, not per connection. So when one
//! of a walk's pages in flight gets a 429, the others would only collect 429s of their
//! own if they went on sending. The [`Limiter`] shared by all clones of a client
//! turns the first 429 into a pause of the whole client: every attempt (the 429'd
//! page's retry, the other pages' next attempts, other tasks' calls) waits until
//! the pause is over, so a `k = 8` walk that meets one 429 waits once and sends
//! nothing inside the wait.
//!
//! - A 429 pauses the client for its `Retry-After` (or the backoff step when it
//!   sent none). A pause never shortens an earlier, longer one.
//! - A 429 whose `Retry-After` is above the retry policy's ceiling fails its call at
//!   once, and pauses the client for that long too: later calls fail at once with
//!   [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) without sending.
//! - Pacing ([`ClientBuilder::pace_rate_limit`](crate::ClientBuilder::pace_rate_limit),
//!   on by default, in `pacing.rs`): the client stops sending before the published
//!   budget is spent and resumes when it resets, instead of spending 429s.
//!
//! The budget itself ([`RateLimit`]) is read from `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` on every response, and shown on
//! [`Page::rate_limit`](crate::Page::rate_limit), [`Error::rate_limit`](crate::Error::rate_limit),
//! [`ResponseMeta::rate_limit`](crate::ResponseMeta::rate_limit) and
//! [`Client::rate_limit`](crate::Client::rate_limit).

use reqwest::header::{HeaderMap, HeaderName};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// `X-RateLimit-Reset` values at least this large are Unix times, smaller ones
/// are seconds from now (servers send either).
const UNIX_TIME_THRESHOLD: f64 = 1_000_000_000.0;

/// The request budget a response reported (`X-RateLimit-*` headers).
///
/// Each field is `None` when its header was absent or unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the current window (`X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// When the window resets (`X-RateLimit-Reset`, read as a Unix time when it is
    /// one, else as seconds from the response).
    pub resets_at: Option<SystemTime>,
}

impl RateLimit {
    /// Whether the budget is spent (`remaining == 0`).
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Time from `now` until the window resets; zero once it has.
    pub fn reset_after(&self, now: SystemTime) -> Option<Duration> {
        self.resets_at
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// Reads the `X-RateLimit-*` headers; `None` when there is none of them.
    pub(crate) fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        // Most responses of most servers carry none: one lookup decides.
        let remaining = headers.get(REMAINING);
        let limit = headers.get(LIMIT);
        let reset = headers.get(RESET);
        if remaining.is_none() && limit.is_none() && reset.is_none() {
            return None;
        }
        let number = |v: Option<&reqwest::header::HeaderValue>| -> Option<f64> {
            let n = v?.to_str().ok()?.trim().parse::<f64>().ok()?;
            (n.is_finite() && n >= 0.0).then_some(n)
        };
        let resets_at = number(reset).map(|n| {
            if n >= UNIX_TIME_THRESHOLD {
                SystemTime::UNIX_EPOCH + Duration::from_secs_f64(n.min(1e11))
            } else {
                now + Duration::from_secs_f64(n)
            }
        });
        Some(Self {
            limit: number(limit).map(|n| n as u64),
            remaining: number(remaining).map(|n| n as u64),
            resets_at,
        })
    }
}

/// The state shared by every clone of a client.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    paused_until: Option<Instant>,
    last: Option<RateLimit>,
}

impl Limiter {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long requests must still wait, if the client is paused.
    pub(crate) fn pause_left(&self, now: Instant) -> Option<Duration> {
        let until = self.state().paused_until?;
        (until > now).then(|| until - now)
    }

    /// Pauses every request of the client until `until` (never shortens a pause).
    pub(crate) fn pause_until(&self, until: Instant) {
        let mut state = self.state();
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
    }

    /// Remembers a response's budget.
    pub(crate) fn observe(&self, budget: RateLimit) {
        self.state().last = Some(budget);
    }

    /// The budget of the last response that reported one.
    pub(crate) fn last(&self) -> Option<RateLimit> {
        self.state().last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::sync::Arc;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn budget_headers_are_read_with_either_reset_form() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(RateLimit::from_headers(&HeaderMap::new(), now), None);
        let budget = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-limit", "600"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "30"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!((budget.limit, budget.remaining), (Some(600), Some(0)));
        assert!(budget.is_exhausted());
        assert_eq!(budget.reset_after(now), Some(Duration::from_secs(30)));
        let unix =
            RateLimit::from_headers(&headers(&[("x-ratelimit-reset", "1700000042")]), now).unwrap();
        assert_eq!(unix.reset_after(now), Some(Duration::from_secs(42)));
        assert_eq!(unix.remaining, None);
        let junk = RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", "-1")]), now);
        assert_eq!(junk, Some(RateLimit::default()));
    }

    /// Eight requests in flight; one meets a 429 asking for 2 s. Every one of them
    /// resumes at the same instant, once: the pause is the client's, not the request's.
    #[tokio::test(start_paused = true)]
    async fn one_pause_holds_every_request_of_the_client_once() {
        let limiter = Arc::new(Limiter::default());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..8u64 {
            let limiter = Arc::clone(&limiter);
            tasks.push(tokio::spawn(async move {
                // Request i is sent i ms in; request 3 is the one answered with a 429.
                tokio::time::sleep(Duration::from_millis(i)).await;
                if i == 3 {
                    limiter.pause_until(Instant::now() + Duration::from_secs(2));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                // Its next attempt (or the next page) waits for the client's pause.
                let mut waits = 0;
                while let Some(left) = limiter.pause_left(Instant::now()) {
                    waits += 1;
                    tokio::time::sleep(left).await;
                }
                (i, waits, Instant::now() - start)
            }));
        }
        let mut resumed = Vec::new();
        for task in tasks {
            resumed.push(task.await.unwrap());
        }
        let pause_end = Duration::from_millis(3) + Duration::from_secs(2);
        for (i, waits, at) in resumed {
            assert_eq!((waits, at), (1, pause_end), "request {i}");
        }
        // A shorter, later pause does not cut the first one short.
        limiter.pause_until(Instant::now() + Duration::from_secs(5));
        limiter.pause_until(Instant::now() + Duration::from_secs(1));
        assert_eq!(
            limiter.pause_left(Instant::now()),
            Some(Duration::from_secs(5))
        );
    }
}
