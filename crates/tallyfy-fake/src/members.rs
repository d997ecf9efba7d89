//! The fake organization's members, and the changes a test makes to them while a
//! walk runs (between page reads, or at a scheduled request).

use serde_json::Value;

use crate::server::RunningFake;
use crate::state::Change;

/// # The organization's members
impl RunningFake {
    /// The current members, in the order served by default, without includes.
    pub fn members(&self) -> Vec<Value> {
        let state = self.shared.lock();
        state.members.iter().map(|m| m.json.clone()).collect()
    }

    /// How many members the organization has now.
    pub fn member_count(&self) -> usize {
        self.shared.lock().members.len()
    }

    /// Adds `n` newly generated members with ids after the highest ever used, and
    /// returns their ids. They appear at the end of the default (id) order.
    pub fn insert_members(&self, n: usize) -> Vec<i64> {
        self.shared.change(Change::Insert(n))
    }

    /// Removes the `n` members with the lowest ids and returns their ids. Every later
    /// member moves towards page 1, which is what makes a page walk skip members.
    pub fn remove_members(&self, n: usize) -> Vec<i64> {
        self.shared.change(Change::Remove(n))
    }

    /// Removes the `n` lowest-id members once `after` requests in all have been
    /// answered: a deterministic mid-walk change for tests (with concurrency 1,
    /// request `after + 1` is the first to see it).
    pub fn remove_members_after(&self, after: usize, n: usize) {
        self.shared.schedule(after, Change::Remove(n));
    }

    /// Inserts `n` generated members once `after` requests have been answered.
    pub fn insert_members_after(&self, after: usize, n: usize) {
        self.shared.schedule(after, Change::Insert(n));
    }

    /// A newly generated member joins at `position` of the default order (modulo
    /// the length plus one: any `usize` is a position); returns its id. Members
    /// from there on move one place towards the last page.
    pub fn join_at(&self, position: usize) -> i64 {
        self.shared.change(Change::JoinAt(position))[0]
    }

    /// The member at `position` of the default order (modulo the length) leaves;
    /// returns its id, or `None` when there is no member. Members after it move
    /// one place towards page 1.
    pub fn leave_at(&self, position: usize) -> Option<i64> {
        self.shared.change(Change::LeaveAt(position)).pop()
    }
}
