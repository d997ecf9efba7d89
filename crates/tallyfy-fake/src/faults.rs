//! Fault injection: what can go wrong, and when.
//!
//! A [`Faults`] plan has three parts, all optional:
//!
//! 1. a **script**: faults consumed one per request, in arrival order, before anything
//!    else is considered ([`Faults::script`]);
//! 2. a **random** part: once the script is used up, each request fails with
//!    probability `rate`, the fault drawn from a list of kinds with a seeded RNG, so a
//!    campaign replays identically for the same request order ([`Faults::random`]);
//! 3. extra **latency** added to every request ([`Faults::with_latency`]).
//!
//! Faults sit in front of the routes, like a gateway in front of the app: they are
//! applied before authentication and before routing, and every request (even a 404)
//! consumes one script entry.
//!
//! With [`Faults::with_keyed_draws`], the random part is instead a pure function of
//! the seed, the request (method, path and query) and how many times that request has
//! arrived since the plan was set: the same faults land on the same requests whatever
//! order concurrent requests arrive in.
//!
//! With [`Faults::with_rate_limit_window`], the fake also behaves like a real rate
//! limiter after each 429 it sends: until that 429's `Retry-After` has passed, every
//! request gets a 429 too (without consuming the script), so a client that keeps
//! sending during the wait is caught and counted.

use std::collections::BTreeMap;
use std::time::Duration;

mod player;

pub(crate) use player::FaultPlayer;

/// How a [`Fault::RateLimited`] answer tells the client when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>` (delta-seconds).
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`, the date lying this far after the moment the answer
    /// is sent. It is rounded up to a whole second (an HTTP-date has no fractions), so a
    /// client that honours it never comes back earlier than asked.
    HttpDate(Duration),
}

impl RetryAfter {
    /// The wait this value asks for.
    fn wait(self) -> Duration {
        match self {
            RetryAfter::Seconds(seconds) => Duration::from_secs(seconds),
            RetryAfter::HttpDate(delay) => delay,
        }
    }
}

/// One thing that can go wrong with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// No fault: serve this request normally. Lets a script put normal answers between
    /// faults. Never counted.
    Pass,
    /// `429 Too Many Requests` with a `Retry-After` header, `X-RateLimit-Remaining: 0`
    /// and the body `{"message": "You've reached the limit for this operation.",
    /// "code": "RATE_LIMIT_EXCEEDED"}`.
    RateLimited {
        /// The `Retry-After` value sent.
        retry_after: RetryAfter,
    },
    /// This status (typically 500, 502, 503 or 504) with the JSON body
    /// `{"error": true, "message": "Server Error"}`.
    Status(u16),
    /// This status with an HTML body such as
    /// `<html><body><h1>503 Service Unavailable</h1></body></html>` and
    /// `content-type: text/html`, as a gateway in front of the API sends.
    HtmlStatus(u16),
    /// This status with an empty body and no content type.
    Empty(u16),
    /// The normal answer (a `200` page for a valid request) with `content-type:
    /// application/json`, but only the first half of its body. `Content-Length` matches
    /// the half that is sent, so the transfer completes and JSON decoding fails.
    TruncatedBody,
    /// The TCP connection is closed after the request is read and before a single byte of
    /// response is written. The client sees a connection error and no status.
    Drop,
    /// Wait this long, then answer normally (use it to trip client timeouts).
    Slow(Duration),
    /// Wait this long, then apply `then` (a slow gateway error, a late 429, ...).
    Delayed {
        /// The wait before `then` applies.
        delay: Duration,
        /// The fault applied after the wait.
        then: Box<Fault>,
    },
    /// A redirect: this 3xx status with `Location: location` and an empty body.
    Redirect {
        /// The status, typically 301, 302, 307 or 308.
        status: u16,
        /// The `Location` header sent, absolute or relative.
        location: String,
    },
}

impl Fault {
    /// The kind this fault is counted under; `None` for [`Fault::Pass`].
    pub fn kind(&self) -> Option<FaultKind> {
        Some(match self {
            Fault::Pass => return None,
            Fault::RateLimited { .. } => FaultKind::RateLimited,
            Fault::Status(_) => FaultKind::Status,
            Fault::HtmlStatus(_) => FaultKind::HtmlStatus,
            Fault::Empty(_) => FaultKind::Empty,
            Fault::TruncatedBody => FaultKind::TruncatedBody,
            Fault::Drop => FaultKind::Drop,
            Fault::Slow(_) => FaultKind::Slow,
            Fault::Delayed { then, .. } => return then.kind(),
            Fault::Redirect { .. } => FaultKind::Redirect,
        })
    }

    /// `then`, applied after `delay`.
    pub fn delayed(delay: Duration, then: Fault) -> Self {
        Fault::Delayed {
            delay,
            then: Box::new(then),
        }
    }

    /// A `302 Found` to `location`.
    pub fn redirect(location: impl Into<String>) -> Self {
        Fault::Redirect {
            status: 302,
            location: location.into(),
        }
    }

    /// For a 429 (possibly delayed): when it is sent, and the wait it asks for.
    fn rate_limit_window(&self) -> Option<(Duration, Duration)> {
        match self {
            Fault::RateLimited { retry_after } => Some((Duration::ZERO, retry_after.wait())),
            Fault::Delayed { delay, then } => then
                .rate_limit_window()
                .map(|(after, wait)| (*delay + after, wait)),
            _ => None,
        }
    }

    /// A `429` whose `Retry-After` is `seconds` delta-seconds.
    pub fn rate_limited(seconds: u64) -> Self {
        Fault::RateLimited {
            retry_after: RetryAfter::Seconds(seconds),
        }
    }

    /// The kinds random injection picks from unless told otherwise: the transient
    /// failures a well-behaved client retries on a GET. `429` (with `Retry-After: 1`),
    /// JSON `500`/`502`/`503`/`504`, an HTML `503`, an empty `502` and a dropped
    /// connection. [`Fault::TruncatedBody`] and [`Fault::Slow`] are left out: the first
    /// is a decode failure a client should not retry, the second only adds time.
    pub fn transient_defaults() -> Vec<Fault> {
        vec![
            Fault::rate_limited(1),
            Fault::Status(500),
            Fault::Status(502),
            Fault::Status(503),
            Fault::Status(504),
            Fault::HtmlStatus(503),
            Fault::Empty(502),
            Fault::Drop,
        ]
    }
}

/// The kind of a [`Fault`], without its parameters; what [`FaultCounts`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// [`Fault::RateLimited`].
    RateLimited,
    /// [`Fault::Status`].
    Status,
    /// [`Fault::HtmlStatus`].
    HtmlStatus,
    /// [`Fault::Empty`].
    Empty,
    /// [`Fault::TruncatedBody`].
    TruncatedBody,
    /// [`Fault::Drop`].
    Drop,
    /// [`Fault::Slow`].
    Slow,
    /// [`Fault::Redirect`].
    Redirect,
}

/// How many faults of each kind the fake has injected so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    counts: BTreeMap<FaultKind, u64>,
}

impl FaultCounts {
    /// Faults of this kind injected so far (0 if none).
    pub fn get(&self, kind: FaultKind) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    /// Faults of every kind injected so far.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The kinds injected at least once, with their counts, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (FaultKind, u64)> + '_ {
        self.counts.iter().map(|(kind, n)| (*kind, *n))
    }

    pub(crate) fn add(&mut self, kind: FaultKind) {
        *self.counts.entry(kind).or_insert(0) += 1;
    }
}

/// A fault plan: a script, a random rate and extra latency.
///
/// `Faults::default()` injects nothing.
///
/// ```
/// use std::time::Duration;
/// use tallyfy_fake::{Fault, Faults, RetryAfter};
///
/// // The first request gets a 429, the second is served, the third is dropped.
/// let scripted = Faults::script(vec![
///     Fault::RateLimited { retry_after: RetryAfter::Seconds(1) },
///     Fault::Pass,
///     Fault::Drop,
/// ]);
/// // Then about one request in five fails with a 503 or a 504, replayably.
/// let plan = scripted
///     .with_rate(0.2)
///     .with_seed(7)
///     .with_kinds(vec![Fault::Status(503), Fault::Status(504)])
///     .with_latency(Duration::from_millis(5));
/// # let _ = plan;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    script: Vec<Fault>,
    rate: f64,
    seed: u64,
    kinds: Vec<Fault>,
    latency: Duration,
    rate_limit_window: bool,
    keyed: bool,
}

impl Faults {
    /// No faults at all (the same as `Faults::default()`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Faults consumed one per request, in order, before normal service.
    pub fn script(faults: Vec<Fault>) -> Self {
        Self::default().with_script(faults)
    }

    /// Random faults: each request fails with probability `rate` (clamped to 0..=1),
    /// drawn from [`Fault::transient_defaults`] with an RNG seeded by `seed`.
    pub fn random(rate: f64, seed: u64) -> Self {
        Self::default().with_rate(rate).with_seed(seed)
    }

    /// Replaces the script. Default is empty.
    pub fn with_script(mut self, faults: Vec<Fault>) -> Self {
        self.script = faults;
        self
    }

    /// Sets the random fault rate, clamped to 0..=1 (NaN counts as 0). Default is 0.
    pub fn with_rate(mut self, rate: f64) -> Self {
        self.rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }

    /// Sets the seed of the random fault RNG. Default is 0.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the faults random injection picks from, each equally likely. Default (and
    /// an empty list) is [`Fault::transient_defaults`].
    pub fn with_kinds(mut self, kinds: Vec<Fault>) -> Self {
        self.kinds = kinds;
        self
    }

    /// Sets extra latency added to every request. Default is none.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// After each 429 the fake sends, answer every request with a 429 (carrying the
    /// wait that is left, rounded up to a second) until that 429's `Retry-After` has
    /// passed, as a real rate limiter does. These answers consume no script entry and
    /// count as [`FaultKind::RateLimited`]. A [`Fault::Delayed`] 429's window starts
    /// when it is sent. Default is off.
    pub fn with_rate_limit_window(mut self, enforce: bool) -> Self {
        self.rate_limit_window = enforce;
        self
    }

    /// Draw each random fault from the seed, the request's method, path and query, and
    /// its attempt (how many times that same request arrived since this plan was set),
    /// instead of from one RNG in arrival order, so a campaign with concurrent requests
    /// replays exactly. Such a plan also logs every arrival
    /// ([`RunningFake::arrivals`](crate::RunningFake::arrivals)). Default is off.
    pub fn with_keyed_draws(mut self, keyed: bool) -> Self {
        self.keyed = keyed;
        self
    }

    /// The random fault rate (0..=1).
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests;
