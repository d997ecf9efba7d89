//! Retry policy: which failures are retried, and how long to wait.
//!
//! A [`RetryPolicy`] is a rule ([`RetryRule`]: retry, retry after a wait, or stop,
//! decided over what one failed [`Attempt`] shows), a [`Backoff`], a retry count and
//! a ceiling on the waits it sleeps. The default value is the SDK's behaviour:
//!
//! - **2 retries** (3 attempts in all); `max_retries(0)` or [`RetryPolicy::never`] disables them.
//! - Retried ([`TransientErrors`]): connect errors, resets, connections closed early,
//!   timeouts, and HTTP 408, 429, 500, 502, 503, 504. Never any other 4xx: a 401 or
//!   422 will not change by asking again; never a refused certificate, an answer that
//!   is not HTTP or a body that does not decode ([`ErrorKind::Tls`],
//!   [`ErrorKind::Protocol`], [`ErrorKind::Decode`]): the executor stops on those
//!   before any rule is asked.
//! - Backoff: [`ExponentialBackoff`], 250 ms doubling to 8 s, with jitter.
//! - `Retry-After` (delta-seconds or an HTTP-date) replaces the backoff when present.
//!   A wait longer than `max_retry_after` (60 s) is not slept: the call fails at once
//!   with the kind its status means, [`ErrorKind::RateLimited`] for a 429 and
//!   [`ErrorKind::Server`] for a 503, and
//!   [`Error::retry_after`](crate::Error::retry_after) says how long the server asked for.
//!
//! Around any policy, the executor keeps three rules of its own:
//! - **Only idempotent requests are retried after they reached the server.**
//!   Idempotency comes from the method (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`);
//!   a request can say otherwise (`.idempotent(..)`). A `POST` is retried only
//!   when its attempt provably never reached the server (connection refused, DNS).
//! - Every retry draws from the client's [`RetryBudget`](crate::RetryBudget).
//! - A call with an operation deadline makes no retry whose wait would end past it.

use crate::error::ErrorKind;
use crate::retry::{Backoff, ExponentialBackoff};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod attempt;

pub use attempt::Attempt;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Retry after the server's `Retry-After`, or else the policy's backoff.
    Retry,
    /// Retry after exactly this wait.
    RetryAfter(Duration),
    /// Stop: the call fails with this attempt's error.
    Stop,
}

/// Decides, after each failed attempt, whether to retry. Any
/// `Fn(&Attempt<'_>) -> RetryDecision` closure is one (see [`RetryPolicy::rule_fn`]).
pub trait RetryRule: Send + Sync + 'static {
    /// The decision after `attempt` failed.
    fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision;

    /// This rule, stopping once `attempts` attempts were made.
    fn with_attempt_limit(self, attempts: u32) -> AttemptLimit<Self>
    where
        Self: Sized,
    {
        AttemptLimit {
            inner: self,
            attempts,
        }
    }

    /// This rule, stopping once `limit` has passed since the first attempt started.
    fn with_time_limit(self, limit: Duration) -> TimeLimit<Self>
    where
        Self: Sized,
    {
        TimeLimit { inner: self, limit }
    }
}

impl<F> RetryRule for F
where
    F: Fn(&Attempt<'_>) -> RetryDecision + Send + Sync + 'static,
{
    fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision {
        self(attempt)
    }
}

/// The default rule: retry connect errors, resets, connections closed early,
/// timeouts and the statuses 408, 429, 500, 502, 503, 504; stop on anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransientErrors;

impl RetryRule for TransientErrors {
    fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision {
        let transient = match attempt.status {
            Some(status) => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            None => matches!(attempt.kind, ErrorKind::Timeout | ErrorKind::Transport),
        };
        if transient {
            RetryDecision::Retry
        } else {
            RetryDecision::Stop
        }
    }
}

/// A rule that stops after a number of attempts ([`RetryRule::with_attempt_limit`]).
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimit<R> {
    inner: R,
    attempts: u32,
}

impl<R: RetryRule> RetryRule for AttemptLimit<R> {
    fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision {
        if attempt.number >= self.attempts {
            RetryDecision::Stop
        } else {
            self.inner.decide(attempt)
        }
    }
}

/// A rule that stops once time has run out ([`RetryRule::with_time_limit`]).
#[derive(Debug, Clone, Copy)]
pub struct TimeLimit<R> {
    inner: R,
    limit: Duration,
}

impl<R: RetryRule> RetryRule for TimeLimit<R> {
    fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision {
        if attempt.elapsed >= self.limit {
            RetryDecision::Stop
        } else {
            self.inner.decide(attempt)
        }
    }
}

/// When and how to retry. Cheap to clone (the rule and backoff are shared).
///
/// ```
/// use std::time::Duration;
/// use tallyfy_ext::{RetryDecision, RetryPolicy, RetryRule, TransientErrors};
///
/// // Today's behaviour, with 4 retries instead of 2.
/// let more = RetryPolicy::default().max_retries(4);
/// // Never retry a 500 for this call, and give up after 20 s of trying.
/// let careful = RetryPolicy::custom(
///     (|a: &tallyfy_ext::Attempt<'_>| match a.status {
///         Some(500) => RetryDecision::Stop,
///         _ => TransientErrors.decide(a),
///     })
///     .with_attempt_limit(5)
///     .with_time_limit(Duration::from_secs(20)),
/// );
/// // Also retry a 409 whose Tallyfy code says the record is busy, after 2 s.
/// let busy = RetryPolicy::default().rule_fn(|a| match a.code {
///     Some("RECORD_LOCKED") => RetryDecision::RetryAfter(Duration::from_secs(2)),
///     _ => TransientErrors.decide(a),
/// });
/// // A fixed 100 ms between attempts.
/// let steady = RetryPolicy::default().backoff(|_retries: u32| Duration::from_millis(100));
/// # let _ = (more, careful, busy, steady);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    rule: Option<Arc<dyn RetryRule>>,
    exponential: ExponentialBackoff,
    backoff: Option<Arc<dyn Backoff>>,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            rule: None,
            exponential: ExponentialBackoff::default(),
            backoff: None,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("RetryPolicy");
        s.field("max_retries", &self.max_retries);
        match self.rule {
            Some(_) => s.field("rule", &"custom"),
            None => s.field("rule", &TransientErrors),
        };
        match self.backoff {
            Some(_) => s.field("backoff", &"custom"),
            None => s.field("backoff", &self.exponential),
        };
        s.field("max_retry_after", &self.max_retry_after).finish()
    }
}

/// What the executor should do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Hand this outcome to the caller.
    Done,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// A policy where `rule` alone decides (no retry count of its own: give the
    /// rule an [attempt limit](RetryRule::with_attempt_limit)), with the default
    /// backoff and `Retry-After` ceiling.
    pub fn custom(rule: impl RetryRule) -> Self {
        Self {
            max_retries: u32::MAX,
            rule: Some(Arc::new(rule)),
            ..Self::default()
        }
    }

    /// Replaces the rule ([`TransientErrors`] by default); the retry count still caps it.
    #[must_use]
    pub fn rule(mut self, rule: impl RetryRule) -> Self {
        self.rule = Some(Arc::new(rule));
        self
    }

    /// [`rule`](Self::rule) for a closure, whose argument type is then inferred.
    #[must_use]
    pub fn rule_fn<F>(self, rule: F) -> Self
    where
        F: Fn(&Attempt<'_>) -> RetryDecision + Send + Sync + 'static,
    {
        self.rule(rule)
    }

    /// Replaces the backoff ([`ExponentialBackoff`] by default).
    #[must_use]
    pub fn backoff(mut self, backoff: impl Backoff) -> Self {
        self.backoff = Some(Arc::new(backoff));
        self
    }

    /// Retries after the first attempt. Default is 2; 0 disables retries.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// First step of the default backoff (and back to it from a custom one).
    /// Default is 250 ms.
    #[must_use]
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.exponential = ExponentialBackoff::new(wait, self.exponential.max());
        self.backoff = None;
        self
    }

    /// Upper bound of a step of the default backoff (and back to it from a custom
    /// one). Default is 8 s.
    #[must_use]
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.exponential = ExponentialBackoff::new(self.exponential.initial(), wait);
        self.backoff = None;
        self
    }

    /// The longest wait that is slept before a retry (a server's `Retry-After` or a
    /// rule's [`RetryDecision::RetryAfter`]); a longer one ends the call. Default is 60 s.
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

    /// Decides after a failed attempt; `retries` counts retries done.
    pub(crate) fn decide(&self, attempt: &Attempt<'_>, retries: u32) -> Decision {
        if retries >= self.max_retries {
            return Decision::Done;
        }
        let wanted = match &self.rule {
            Some(rule) => rule.decide(attempt),
            None => TransientErrors.decide(attempt),
        };
        let wait = match wanted {
            RetryDecision::Stop => return Decision::Done,
            RetryDecision::RetryAfter(wait) => wait,
            RetryDecision::Retry => match attempt.retry_after {
                Some(wait) => wait,
                None => match &self.backoff {
                    Some(backoff) => backoff.wait(retries),
                    None => self.exponential.wait(retries),
                },
            },
        };
        if wait > self.max_retry_after {
            Decision::Done
        } else {
            Decision::RetryAfter(wait)
        }
    }
}

/// Tallyfy's error `code` in an error body: `{"code": ..}` or `{"error": {"code": ..}}`.
pub(crate) fn error_code(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(default)]
        code: Option<serde_json::Value>,
        #[serde(default)]
        error: Option<serde_json::Value>,
    }
    let shape: Shape = serde_json::from_slice(body).ok()?;
    let code = shape
        .code
        .or_else(|| shape.error.and_then(|e| e.get("code").cloned()))?;
    match code {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
