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
//! How: the [`Pacer`] shared by a client's clones counts the requests it sent in
//! the current window (since the last reset passed), and takes the server's count
//! (`Limit - Remaining`) when that is higher (another client spending the same
//! budget). Responses arrive out of order from several connections, so the
//! server's count alone lags behind what is in flight; the client's own count does
//! not. At `Limit` every attempt waits for the reset; once the reset has passed,
//! the count starts again. Without `X-RateLimit-Limit`, the estimate is the lowest
//! `Remaining` seen less the requests sent since its response. An attempt that
//! never reached the server still counts, which costs at most an early wait,
//! never a 429.

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
    /// The budget per window (`X-RateLimit-Limit`), once a response said.
    limit: Option<u64>,
    /// Requests of the current window: sent since it began, or the server's
    /// count when higher.
    used: u64,
    /// Without a limit: requests that may still be sent before `reset_at`.
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    /// Attempts admitted so far (their sequence numbers).
    sent: u64,
}

impl State {
    /// Forgets a window whose reset has passed.
    fn expire(&mut self, now: Instant) {
        if self.reset_at.is_some_and(|reset| now >= reset) {
            (self.used, self.remaining, self.reset_at) = (0, None, None);
        }
    }

    /// Counts one request sent now.
    fn send(&mut self) -> Ticket {
        self.used += 1;
        self.remaining = self.remaining.map(|r| r.saturating_sub(1));
        self.sent += 1;
        Ticket { seq: self.sent }
    }
}

/// An attempt admitted by the pacer, with its sequence number.
#[derive(Debug)]
pub(crate) struct Ticket {
    seq: u64,
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
    pub(crate) fn admit(&self, now: Instant) -> Result<Ticket, Instant> {
        if !self.enabled {
            return Ok(Ticket { seq: 0 });
        }
        let mut state = self.state();
        state.expire(now);
        if let Some(reset) = state.reset_at {
            let spent = match state.limit {
                Some(limit) => state.used >= limit,
                None => state.remaining == Some(0),
            };
            if spent {
                return Err(reset);
            }
        }
        Ok(state.send())
    }

    /// Admits one attempt even though the budget is spent (the wait was too long).
    pub(crate) fn force(&self) -> Ticket {
        self.state().send()
    }

    /// A response to `ticket`'s attempt said `remaining` of `limit` requests are
    /// left until `reset_after` from `now`.
    pub(crate) fn observe(
        &self,
        ticket: Ticket,
        limit: Option<u64>,
        remaining: Option<u64>,
        reset_after: Option<Duration>,
        now: Instant,
    ) {
        let (Some(remaining), Some(after)) = (remaining, reset_after) else {
            return;
        };
        if !self.enabled || after.is_zero() {
            return; // counted in a window that is over
        }
        let mut state = self.state();
        state.expire(now);
        if let Some(limit) = limit {
            state.limit = Some(limit);
            state.used = state.used.max(limit.saturating_sub(remaining));
        }
        // Without a limit: the requests sent after this one are not in its count.
        let estimate = remaining.saturating_sub(state.sent.saturating_sub(ticket.seq));
        state.remaining = Some(state.remaining.map_or(estimate, |r| r.min(estimate)));
        let reset_at = now + after;
        state.reset_at = Some(state.reset_at.map_or(reset_at, |r| r.max(reset_at)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn it_counts_what_it_sent_even_when_answers_come_out_of_order() {
        let pacer = Pacer::new(true);
        let t0 = Instant::now();
        // Nothing known: attempts go. Three are sent.
        let first = pacer.admit(t0).unwrap();
        let second = pacer.admit(t0).unwrap();
        let third = pacer.admit(t0).unwrap();
        // The third was counted first by the server: 4 of 5 left, it says. The
        // other two are in flight: only 2 more may go.
        pacer.observe(third, Some(5), Some(4), Some(SECOND), t0);
        let _a = pacer.admit(t0).unwrap();
        let _b = pacer.admit(t0).unwrap();
        assert_eq!(pacer.admit(t0).unwrap_err(), t0 + SECOND);
        // Later answers with higher counts change nothing.
        pacer.observe(first, Some(5), Some(3), Some(SECOND), t0);
        pacer.observe(second, Some(5), Some(2), Some(SECOND), t0);
        assert!(pacer.admit(t0).is_err());
        // Another client spent the budget: the server's count wins.
        let t1 = t0 + SECOND;
        let next = pacer.admit(t1).unwrap();
        pacer.observe(next, Some(5), Some(0), Some(SECOND), t1);
        assert!(pacer.admit(t1).is_err(), "1 sent, but the server counts 5");
        // At the reset the window is over and attempts go again.
        assert!(pacer.admit(t1 + SECOND).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_limit_the_lowest_remaining_less_later_requests_decides() {
        let pacer = Pacer::new(true);
        let t0 = Instant::now();
        let first = pacer.admit(t0).unwrap();
        let _second = pacer.admit(t0).unwrap();
        // 3 left when the first was counted; the second was sent after it.
        pacer.observe(first, None, Some(3), Some(SECOND), t0);
        let _a = pacer.admit(t0).unwrap();
        let _b = pacer.admit(t0).unwrap();
        assert!(pacer.admit(t0).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn off_or_without_a_reset_it_never_holds_an_attempt() {
        let t0 = Instant::now();
        let off = Pacer::new(false);
        let ticket = off.admit(t0).unwrap();
        off.observe(ticket, Some(1), Some(0), Some(SECOND), t0);
        assert!(off.admit(t0).is_ok());
        let on = Pacer::new(true);
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(1), Some(0), None, t0);
        assert!(on.admit(t0).is_ok(), "no reset: nothing to wait for");
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(1), Some(0), Some(Duration::ZERO), t0);
        assert!(on.admit(t0).is_ok(), "a window already over");
        let ticket = on.admit(t0).unwrap();
        on.observe(ticket, Some(1), Some(0), Some(SECOND), t0);
        assert!(on.admit(t0).is_err());
        let _forced = on.force();
    }
}
