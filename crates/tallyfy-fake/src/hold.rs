//! Holding answers until a test lets them go, so tests can order events (requests in
//! flight together, answers out of order, nothing sent after a cancel) by counting
//! instead of by clocks.

use std::collections::BTreeSet;
use tokio::sync::watch;

use crate::record::RecordedRequest;

/// Arrivals, answers and which arrivals must wait.
#[derive(Debug, Default)]
struct GateState {
    /// Requests that reached the gateway, numbered from 1 in the order their fault was drawn.
    arrivals: usize,
    /// Requests answered (recorded), including dropped connections.
    answered: usize,
    /// Arrivals after this many wait, unless released.
    hold_after: Option<usize>,
    released: BTreeSet<usize>,
    /// Each request as it arrived (no status yet), in arrival order.
    arrived: Vec<(usize, RecordedRequest)>,
}

impl GateState {
    fn holds(&self, arrival: usize) -> bool {
        self.hold_after.is_some_and(|n| arrival > n) && !self.released.contains(&arrival)
    }
}

/// The gate every request passes in the gateway.
#[derive(Debug)]
pub(crate) struct Gate(watch::Sender<GateState>);

impl Gate {
    pub(crate) fn new() -> Self {
        Self(watch::Sender::new(GateState::default()))
    }

    /// Counts one arrival, keeps `request` as it arrived, and returns its number (from 1).
    pub(crate) fn arrive(&self, request: RecordedRequest) -> usize {
        let mut number = 0;
        self.0.send_modify(|s| {
            s.arrivals += 1;
            number = s.arrivals;
            s.arrived.push((number, request));
        });
        number
    }

    /// Every request as it arrived, in arrival order.
    pub(crate) fn arrived_requests(&self) -> Vec<RecordedRequest> {
        let mut arrived = self.0.borrow().arrived.clone();
        arrived.sort_by_key(|(n, _)| *n);
        arrived.into_iter().map(|(_, r)| r).collect()
    }

    /// Waits while `arrival` is held.
    pub(crate) async fn pass(&self, arrival: usize) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as the server's state: an error cannot happen.
        let _ = rx.wait_for(|s| !s.holds(arrival)).await;
    }

    pub(crate) fn answered(&self) {
        self.0.send_modify(|s| s.answered += 1);
    }

    pub(crate) fn hold_after(&self, n: usize) {
        self.0.send_modify(|s| s.hold_after = Some(n));
    }

    pub(crate) fn release(&self, arrival: usize) {
        self.0.send_modify(|s| {
            s.released.insert(arrival);
        });
    }

    pub(crate) fn release_all(&self) {
        self.0.send_modify(|s| s.hold_after = None);
    }

    pub(crate) fn arrivals(&self) -> usize {
        self.0.borrow().arrivals
    }

    pub(crate) fn answers(&self) -> usize {
        self.0.borrow().answered
    }

    pub(crate) async fn wait_for_arrivals(&self, n: usize) {
        let _ = self.0.subscribe().wait_for(|s| s.arrivals >= n).await;
    }

    pub(crate) async fn wait_for_answers(&self, n: usize) {
        let _ = self.0.subscribe().wait_for(|s| s.answered >= n).await;
    }
}
