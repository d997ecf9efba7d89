//! The retry budget: one token bucket per [`Client`](crate::Client) (shared by its
//! clones) that every retry draws from and every success refills.
//!
//! During an outage every call of every concurrent walk fails, and without a budget
//! each would retry its full count, multiplying the load on a server that can least
//! take it. With one, the client as a whole stops retrying once the bucket is empty:
//! calls then fail at once with their last error, marked
//! ([`Error::retry_budget_exhausted`](crate::Error::retry_budget_exhausted)), until
//! successes have refilled it.
//!
//! The numbers are AWS's standard retry mode (the legacy token costs smithy-rs
//! still ships): 500 tokens, 5 per retry, 10 per retry after a timeout (a timeout
//! held a connection and a server slot for the whole attempt), 1 back per success.
//! So a client that only fails can make 100 retries (50 calls' worth at the default
//! 2 retries) before it stops, and a healthy one earns its budget back in 500
//! successful calls, a few walks of a large organization. A 429 retry draws
//! nothing: the whole client already waits out its `Retry-After` and sends nothing
//! meanwhile (see `ratelimit.rs`), so 429 retries cannot multiply the load.

use std::sync::{Mutex, PoisonError};

/// The retry budget of a client: a token bucket that retries draw from and
/// successful responses refill. On by default ([`RetryBudget::default`]);
/// set with [`ClientBuilder::retry_budget`](crate::ClientBuilder::retry_budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    enabled: bool,
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
    success_refund: u32,
}

impl Default for RetryBudget {
    /// 500 tokens (the bucket starts full), 5 per retry, 10 per retry after a
    /// timeout, 0 per retry after a 429, 1 back per successful response.
    fn default() -> Self {
        Self {
            enabled: true,
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

impl RetryBudget {
    /// No budget: every retry the policy wants is made.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Tokens the bucket holds, and starts with. Default is 500.
    #[must_use]
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// Tokens a retry draws (after a status or a connection failure). Default is 5.
    #[must_use]
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// Tokens a retry after a timed-out attempt draws. Default is 10.
    #[must_use]
    pub fn timeout_retry_cost(mut self, tokens: u32) -> Self {
        self.timeout_retry_cost = tokens;
        self
    }

    /// Tokens a successful (2xx) response puts back, up to the capacity. Default is 1.
    #[must_use]
    pub fn success_refund(mut self, tokens: u32) -> Self {
        self.success_refund = tokens;
        self
    }

    /// Whether retries are budgeted at all.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

/// The state of a client's retry budget, at one moment
/// ([`Client::retry_budget`](crate::Client::retry_budget),
/// [`WalkSummary::retry_budget`](crate::WalkSummary::retry_budget)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RetryBudgetState {
    /// Tokens left.
    pub available: u32,
    /// Tokens the bucket holds when full.
    pub capacity: u32,
    /// Retries refused because the bucket was empty, since the client was built.
    pub refused: u64,
}

impl RetryBudgetState {
    /// Whether the next retry would be refused (fewer tokens than a retry costs).
    pub fn is_exhausted(&self, cost: u32) -> bool {
        self.available < cost
    }
}

/// What a retry costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cost {
    /// After a status or a connection failure.
    Retry,
    /// After an attempt that timed out.
    TimeoutRetry,
    /// After a 429: paced by the client's pause, free.
    Throttled,
}

/// The bucket shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Bucket {
    config: RetryBudget,
    state: Mutex<RetryBudgetState>,
}

impl Bucket {
    pub(crate) fn new(config: RetryBudget) -> Self {
        Self {
            config,
            state: Mutex::new(RetryBudgetState {
                available: config.capacity,
                capacity: config.capacity,
                refused: 0,
            }),
        }
    }

    fn state_mut(&self) -> std::sync::MutexGuard<'_, RetryBudgetState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cost(&self, cost: Cost) -> u32 {
        match cost {
            Cost::Retry => self.config.retry_cost,
            Cost::TimeoutRetry => self.config.timeout_retry_cost,
            Cost::Throttled => 0,
        }
    }

    /// Takes the tokens of one retry; `false` (and counted) when there are too few.
    pub(crate) fn try_draw(&self, cost: Cost) -> bool {
        if !self.config.enabled {
            return true;
        }
        let cost = self.cost(cost);
        let mut state = self.state_mut();
        if state.available < cost {
            state.refused += 1;
            return false;
        }
        state.available -= cost;
        true
    }

    /// A successful response puts tokens back.
    pub(crate) fn refund_success(&self) {
        if !self.config.enabled || self.config.success_refund == 0 {
            return;
        }
        let mut state = self.state_mut();
        state.available = state
            .available
            .saturating_add(self.config.success_refund)
            .min(state.capacity);
    }

    /// The state now; `None` when the budget is disabled.
    pub(crate) fn state(&self) -> Option<RetryBudgetState> {
        self.config.enabled.then(|| *self.state_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_draw_successes_refill_and_an_empty_bucket_refuses() {
        let bucket = Bucket::new(RetryBudget::default().capacity(22));
        assert!(bucket.try_draw(Cost::TimeoutRetry)); // 12 left
        assert!(bucket.try_draw(Cost::Retry)); // 7
        assert!(bucket.try_draw(Cost::Retry)); // 2
        assert!(!bucket.try_draw(Cost::Retry), "2 tokens cannot pay 5");
        assert!(bucket.try_draw(Cost::Throttled), "a 429 retry is free");
        let state = bucket.state().unwrap();
        assert_eq!((state.available, state.refused), (2, 1));
        assert!(state.is_exhausted(5));
        for _ in 0..3 {
            bucket.refund_success();
        }
        assert!(bucket.try_draw(Cost::Retry), "refilled to 5");
        for _ in 0..100 {
            bucket.refund_success();
        }
        assert_eq!(
            bucket.state().unwrap().available,
            22,
            "never above capacity"
        );
    }

    #[test]
    fn a_disabled_budget_never_refuses_and_shows_no_state() {
        let bucket = Bucket::new(RetryBudget::disabled().capacity(0));
        for _ in 0..1000 {
            assert!(bucket.try_draw(Cost::TimeoutRetry));
        }
        assert_eq!(bucket.state(), None);
    }
}
