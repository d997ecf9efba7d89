//! Pacing under the server's published budget (`X-RateLimit-Remaining` and
//! `X-RateLimit-Reset`), on by default: the client stops sending before the
//! budget is spent and resumes when it resets, instead of spending 429s.
//!
//! Why on by default: Tallyfy allows 100 requests a minute per organization, and
//! a `concurrency(8)` walk of a large organization spends that in seconds. Without
//! pacing, every request past the budget is a 429: with 8 in flight, up to 8 of
//! them per window, each costing the server a request and the walk a pause. With
//! it, the walk goes exactly as fast as the budget allows and sends no request
//! the server would refuse (`BENCHMARKS.md`, figure 8). Pacing does nothing until
//! a response publishes both headers, and never waits longer than the retry
//! policy's `Retry-After` ceiling (a longer reset is left to the server's 429).
//!
//! How: the [`Pacer`] shared by a client's clones keeps an estimate of the
//! requests it may still send in the current window: the lowest `Remaining` seen,
//! less the requests in flight when it was seen (the server may not have counted
//! them yet), less each request sent since. At 0 every attempt waits for the
//! reset; once the reset has passed, the next response sets a new estimate. The
//! estimate only errs low (an attempt that never reached the server still counted),
//! which costs at most an early wait, never a 429.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The pacing state shared by every clone of a client.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    enabled: bool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Requests that may still be sent before `reset_at`.
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    in_flight: u64,
}

/// An attempt admitted by the pacer: in flight until dropped or observed.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    pacer: Option<&'a Pacer>,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Some(pacer) = self.pacer.take() {
            let mut state = pacer.state();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

impl Pacer {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits one attempt now, or says until when the budget is spent.
    pub(crate) fn admit(&self, now: Instant) -> Result<Ticket<'_>, Instant> {
        if !self.enabled {
            return Ok(Ticket { pacer: None });
        }
        let mut state = self.state();
        if state.reset_at.is_some_and(|reset| now >= reset) {
            (state.remaining, state.reset_at) = (None, None);
        }
        match (state.remaining, state.reset_at) {
            (Some(0), Some(reset)) => return Err(reset),
            (Some(n), Some(_)) => state.remaining = Some(n - 1),
            _ => {}
        }
        state.in_flight += 1;
        Ok(Ticket { pacer: Some(self) })
    }

    /// Admits one attempt even though the budget is spent (the wait was too long).
    pub(crate) fn force(&self) -> Ticket<'_> {
        if !self.enabled {
            return Ticket { pacer: None };
        }
        self.state().in_flight += 1;
        Ticket { pacer: Some(self) }
    }

    /// A response to `ticket`'s attempt said `remaining` requests are left until
    /// `reset_after` from `now`.
    pub(crate) fn observe(
        &self,
        ticket: Ticket<'_>,
        remaining: Option<u64>,
        reset_after: Option<Duration>,
        now: Instant,
    ) {
        drop(ticket);
        let (Some(remaining), Some(after)) = (remaining, reset_after) else {
            return;
        };
        if !self.enabled || after.is_zero() {
            return; // counted in a window that is over
        }
        let mut state = self.state();
        if state.reset_at.is_some_and(|reset| now >= reset) {
            (state.remaining, state.reset_at) = (None, None);
        }
        let estimate = remaining.saturating_sub(state.in_flight);
        let reset_at = now + after;
        state.remaining = Some(state.remaining.map_or(estimate, |r| r.min(estimate)));
        state.reset_at = Some(state.reset_at.map_or(reset_at, |r| r.max(reset_at)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn it_stops_at_the_budget_counting_requests_in_flight_and_resumes_at_the_reset() {
        let pacer = Pacer::new(true);
        let t0 = Instant::now();
        // Nothing known: attempts go.
        let first = pacer.admit(t0).unwrap();
        let second = pacer.admit(t0).unwrap();
        // The first answer: 3 left, reset in 1 s; the second is still in flight.
        pacer.observe(first, Some(3), Some(SECOND), t0);
        // 3 - 1 in flight = 2 more may go.
        let a = pacer.admit(t0).unwrap();
        let b = pacer.admit(t0).unwrap();
        assert_eq!(pacer.admit(t0).unwrap_err(), t0 + SECOND);
        // A later, higher count (sent earlier) never raises the estimate.
        pacer.observe(second, Some(3), Some(SECOND), t0);
        assert!(pacer.admit(t0).is_err());
        drop((a, b));
        // At the reset the window is over and attempts go again.
        assert!(pacer.admit(t0 + SECOND).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn off_or_without_a_reset_it_never_holds_an_attempt() {
        let t0 = Instant::now();
        let off = Pacer::new(false);
        let ticket = off.admit(t0).unwrap();
        off.observe(ticket, Some(0), Some(SECOND), t0);
        assert!(off.admit(t0).is_ok());
        let on = Pacer::new(true);
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(0), None, t0);
        assert!(on.admit(t0).is_ok(), "no reset: nothing to wait for");
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(0), Some(Duration::ZERO), t0);
        assert!(on.admit(t0).is_ok(), "a window already over");
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(0), Some(SECOND), t0);
        assert!(on.admit(t0).is_err());
        let _forced = on.force();
    }
}
