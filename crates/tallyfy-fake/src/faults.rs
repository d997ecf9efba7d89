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

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

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

/// A [`Faults`] plan being played: the script left, the RNG, the latency.
#[derive(Debug)]
pub(crate) struct FaultPlayer {
    script: VecDeque<Fault>,
    rate: f64,
    kinds: Vec<Fault>,
    rng: fastrand::Rng,
    pub(crate) latency: Duration,
    enforce_window: bool,
    /// The rate-limit window in force: from, until.
    window: Option<(Instant, Instant)>,
    seed: u64,
    keyed: bool,
    /// Requests arrived since the plan was set, by method, path and query: the fault
    /// (if any) each attempt got, in order.
    pub(crate) arrivals: BTreeMap<String, Vec<Option<FaultKind>>>,
}

impl FaultPlayer {
    pub(crate) fn new(faults: Faults) -> Self {
        let kinds = if faults.kinds.is_empty() {
            Fault::transient_defaults()
        } else {
            faults.kinds
        };
        Self {
            script: faults.script.into(),
            rate: faults.rate,
            kinds,
            rng: fastrand::Rng::with_seed(faults.seed),
            latency: faults.latency,
            enforce_window: faults.rate_limit_window,
            window: None,
            seed: faults.seed,
            keyed: faults.keyed,
            arrivals: BTreeMap::new(),
        }
    }

    /// The fault for the next request, if any: a 429 inside a rate-limit window,
    /// else the next drawn one (which may open a window).
    pub(crate) fn next_fault(&mut self, request: &str) -> Option<Fault> {
        let fault = self.fault_for(request);
        // Only keyed plans need the log; a long-running fake should not grow one.
        if self.keyed {
            let attempt_kind = fault.as_ref().and_then(Fault::kind);
            self.arrivals
                .entry(request.to_owned())
                .or_default()
                .push(attempt_kind);
        }
        fault
    }

    fn fault_for(&mut self, request: &str) -> Option<Fault> {
        let attempt = self.arrivals.get(request).map_or(0, Vec::len) as u32;
        let now = Instant::now();
        if let Some((from, until)) = self.window {
            if now >= until {
                self.window = None;
            } else if now >= from {
                let left = until - now;
                let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                return Some(Fault::rate_limited(seconds));
            }
        }
        let fault = self.draw(request, attempt);
        if self.enforce_window
            && let Some((after, wait)) = fault.as_ref().and_then(Fault::rate_limit_window)
        {
            self.window = Some((now + after, now + after + wait));
        }
        fault
    }

    /// The next fault of the plan. The RNG is only drawn from when the script is
    /// empty and the rate is positive, so campaigns replay exactly. Keyed draws use
    /// an RNG seeded from the plan's seed, the request and its attempt alone.
    fn draw(&mut self, request: &str, attempt: u32) -> Option<Fault> {
        if let Some(fault) = self.script.pop_front() {
            return Some(fault);
        }
        if self.keyed {
            self.rng = fastrand::Rng::with_seed(keyed_seed(self.seed, request, attempt));
        }
        if self.rate > 0.0 && self.rng.f64() < self.rate {
            return Some(self.kinds[self.rng.usize(..self.kinds.len())].clone());
        }
        None
    }
}

/// A seed from (seed, request, attempt): FNV-1a over all three, stable across Rust
/// versions (unlike `DefaultHasher`), so recorded campaign figures stay reproducible.
fn keyed_seed(seed: u64, request: &str, attempt: u32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = seed
        .to_le_bytes()
        .into_iter()
        .chain(request.bytes())
        .chain(attempt.to_le_bytes());
    for byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(player: &mut FaultPlayer, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| player.next_fault("GET /x")).collect()
    }

    #[test]
    fn keyed_draws_depend_on_the_request_and_attempt_not_the_order() {
        let plan = Faults::random(0.5, 9).with_keyed_draws(true);
        let requests: Vec<String> = (0..40).map(|i| format!("GET /p?page={}", i % 10)).collect();
        let play = |order: &mut dyn Iterator<Item = &String>| {
            let mut p = FaultPlayer::new(plan.clone());
            let mut seen = BTreeMap::new();
            for r in order {
                let n = p.arrivals.get(r).map_or(0, Vec::len);
                seen.insert((r.clone(), n), p.next_fault(r));
            }
            seen
        };
        let forward = play(&mut requests.iter());
        assert_eq!(forward, play(&mut requests.iter().rev()));
        let injected = forward.values().flatten().count();
        assert!((5..35).contains(&injected), "{injected} faults out of 40");
        let mut p = FaultPlayer::new(plan.clone());
        let first = p.next_fault("GET /p?page=0").and_then(|f| f.kind());
        assert_eq!(p.arrivals["GET /p?page=0"], vec![first]);
        let mut unkeyed = FaultPlayer::new(Faults::random(0.5, 9));
        unkeyed.next_fault("GET /p?page=0");
        assert!(unkeyed.arrivals.is_empty(), "only keyed plans keep a log");
        // Another seed draws differently.
        let mut other = FaultPlayer::new(Faults::random(0.5, 10).with_keyed_draws(true));
        let differs = requests
            .iter()
            .take(10)
            .any(|r| other.next_fault(r) != forward[&(r.clone(), 0)]);
        assert!(differs);
    }

    #[test]
    fn script_comes_first_then_nothing() {
        let mut p = FaultPlayer::new(Faults::script(vec![Fault::Drop, Fault::Pass]));
        assert_eq!(
            draw(&mut p, 3),
            vec![Some(Fault::Drop), Some(Fault::Pass), None]
        );
    }

    #[test]
    fn random_faults_replay_for_a_seed_and_respect_the_rate() {
        let plan = Faults::random(0.3, 11);
        let a = draw(&mut FaultPlayer::new(plan.clone()), 1000);
        assert_eq!(a, draw(&mut FaultPlayer::new(plan), 1000));
        let injected = a.iter().flatten().count();
        assert!(
            (200..400).contains(&injected),
            "{injected} faults out of 1000"
        );
        let kinds = Fault::transient_defaults();
        assert!(a.iter().flatten().all(|f| kinds.contains(f)));
    }

    #[test]
    fn rate_is_clamped_and_kinds_are_honoured() {
        assert_eq!(Faults::random(7.0, 1).rate(), 1.0);
        assert_eq!(Faults::random(f64::NAN, 1).rate(), 0.0);
        let plan = Faults::random(1.0, 3).with_kinds(vec![Fault::Status(504)]);
        let drawn = draw(&mut FaultPlayer::new(plan), 20);
        assert!(drawn.iter().all(|f| f == &Some(Fault::Status(504))));
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limit_window_answers_429_until_the_wait_is_over() {
        let plan = Faults::script(vec![
            Fault::delayed(Duration::from_millis(100), Fault::rate_limited(2)),
            Fault::Status(503),
            Fault::Pass,
        ])
        .with_rate_limit_window(true);
        let mut p = FaultPlayer::new(plan);
        assert!(matches!(
            p.next_fault("GET /x"),
            Some(Fault::Delayed { .. })
        ));
        // Before the delayed 429 is sent, the script goes on.
        assert_eq!(p.next_fault("GET /x"), Some(Fault::Status(503)));
        tokio::time::advance(Duration::from_millis(600)).await;
        assert_eq!(
            p.next_fault("GET /x"),
            Some(Fault::rate_limited(2)),
            "1.5 s left"
        );
        tokio::time::advance(Duration::from_millis(1000)).await;
        assert_eq!(p.next_fault("GET /x"), Some(Fault::rate_limited(1)));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert_eq!(
            p.next_fault("GET /x"),
            Some(Fault::Pass),
            "the window is over"
        );
        // Off by default.
        let mut p = FaultPlayer::new(Faults::script(vec![Fault::rate_limited(5)]));
        p.next_fault("GET /x");
        assert_eq!(p.next_fault("GET /x"), None);
    }

    #[test]
    fn counts_by_kind() {
        let mut counts = FaultCounts::default();
        counts.add(FaultKind::Drop);
        counts.add(FaultKind::Drop);
        counts.add(FaultKind::Status);
        assert_eq!(counts.get(FaultKind::Drop), 2);
        assert_eq!(counts.get(FaultKind::Slow), 0);
        assert_eq!(counts.total(), 3);
        assert_eq!(Fault::Pass.kind(), None);
        let late = Fault::delayed(Duration::from_secs(1), Fault::Status(502));
        assert_eq!(late.kind(), Some(FaultKind::Status));
        assert_eq!(
            Fault::redirect("https://x.example/").kind(),
            Some(FaultKind::Redirect)
        );
    }
}
