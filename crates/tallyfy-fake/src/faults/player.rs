//! [`FaultPlayer`]: a [`Faults`] plan being played, request by request.

use super::{Fault, FaultKind, Faults};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

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
