//! Checking and healing a walk once its forward pass ended.
//!
//! Members keep their order in a list, but a removal in front of the walk pulls
//! unread members onto pages already read, and a change that keeps `total` (as
//! many joined as left) shows no sign on the pages that follow. So the walk
//! re-reads its first page at the end (one request), a cheap probe: changed, or
//! with any other sign of change, the walk re-reads every page, yielding the
//! members it had not yielded (the id set keeps it exact), and again until a pass
//! finds every page as it last read it, within `heal_pages` extra requests. Only
//! such a pass (or a walk of one page) proves the walk exact: a first page found
//! unchanged does not, since a leave on page 2 and a join at the end keep it and
//! `total` as they were (`tests/churn.rs` has the case).

use super::{Fault, PageFacts, Phase, Step, WalkState, fingerprint};
use crate::error::PaginationFault;

impl WalkState {
    /// The forward walk ended at `last`: check it, heal it, or end.
    pub(super) fn end_forward(&mut self, _last: u64, step: &mut Step) {
        if self.forward_pages < 2 && !self.changed && self.whole_walk() {
            // One read of one page cannot have missed a member.
            self.finish(true);
        } else if self.limits.heal_pages == 0 {
            self.finish(false);
        } else if self.changed {
            self.start_pass(self.limits.first_page, false);
        } else {
            self.phase = Phase::Sentinel { sent: false };
            if self.budget() == 0 {
                self.finish(false);
            }
        }
        step.restart = true;
        step.done = self.done;
    }

    /// This walk read from its first page (it was not resumed).
    fn whole_walk(&self) -> bool {
        self.limits.start_page == self.limits.first_page
    }

    fn budget(&self) -> u64 {
        self.limits.heal_pages.saturating_sub(self.heal_used)
    }

    /// Starts a healing pass at `from` (`changed`: the pass already saw a change).
    fn start_pass(&mut self, from: u64, changed: bool) {
        let forward_last = self.forward_last.unwrap_or(self.limits.first_page);
        let sized = self
            .last_total
            .zip(self.per_page)
            .map(|(total, per)| total.div_ceil(per).max(1));
        let last = forward_last.max(sized.unwrap_or(0));
        if from > last {
            return self.pass_done(changed, true);
        }
        let budget = self.budget();
        if budget == 0 {
            return self.finish(false);
        }
        let complete = last - from < budget;
        let last = if complete { last } else { from + (budget - 1) };
        self.phase = Phase::Heal {
            last,
            changed,
            complete,
        };
        self.next_page = Some(from);
    }

    /// A healing pass ended: exact if it covered every page and found none changed.
    fn pass_done(&mut self, changed: bool, complete: bool) {
        if complete && !changed {
            self.finish(true);
        } else if changed {
            self.start_pass(self.limits.first_page, false);
        } else {
            self.finish(false);
        }
    }

    /// Ends the walk; an inexact walk that saw the list change reports a gap: a
    /// change that keeps `total` (one left before the walk's position, one joined
    /// after it) pulls a member onto a page already read with no sign on the pages
    /// that follow, so only a re-read (healing) could rule it out.
    pub(super) fn finish(&mut self, exact: bool) {
        self.done = true;
        self.summary.exact = exact;
        self.summary.gap = match (exact, self.changed) {
            (true, _) => 0,
            (false, true) => self.suspect.max(1),
            (false, false) => self.suspect,
        };
    }

    /// Re-reads a page: yields what was not yielded; says whether it changed.
    fn reread_page(&mut self, requested: u64, page: &PageFacts) -> (Step, bool) {
        let print = fingerprint(page);
        let (keep, fresh) = self.filter(&page.ids);
        let changed = self.prints.insert(requested, print) != Some(print) || fresh > 0;
        if changed {
            self.saw_change(requested);
        }
        let step = self.step(keep, false, false);
        self.summary.healed += step.take as u64;
        (step, changed)
    }

    pub(super) fn sentinel(&mut self, requested: u64, page: &PageFacts) -> Result<Step, Fault> {
        let (mut step, changed) = self.reread_page(requested, page);
        if !self.done {
            if changed || self.changed {
                self.changed = true;
                self.start_pass(requested.saturating_add(1), true);
            } else {
                // No sign of change, which is not a proof of none: not exact, no gap.
                self.finish(false);
            }
        }
        step.done = self.done;
        Ok(step)
    }

    pub(super) fn heal(&mut self, requested: u64, page: &PageFacts) -> Result<Step, Fault> {
        let (mut step, changed) = self.reread_page(requested, page);
        let Phase::Heal {
            last,
            changed: pass_changed,
            complete,
        } = self.phase
        else {
            unreachable!("heal is only called in the heal phase")
        };
        let pass_changed = pass_changed || changed;
        self.phase = Phase::Heal {
            last,
            changed: pass_changed,
            complete,
        };
        if !self.done && requested >= last {
            self.pass_done(pass_changed, complete);
        }
        step.done = self.done;
        Ok(step)
    }

    /// The page before `repeated` re-read: unchanged too, the server ignores `page`.
    pub(super) fn recheck(
        &mut self,
        requested: u64,
        repeated: u64,
        page: &PageFacts,
        delta: i64,
    ) -> Result<Step, Fault> {
        if page.ids == self.last_ids && delta == 0 {
            return Err(Fault {
                fault: PaginationFault::RepeatedPage { page: repeated },
                message: format!(
                    "page {repeated} repeats the members of the page before it, and a re-read of page {requested} shows no change"
                ),
            });
        }
        self.changed = true;
        let (mut step, _) = self.reread_page(requested, page);
        self.saw_change(repeated);
        self.phase = Phase::Forward;
        self.next_page = repeated.checked_add(1);
        if self.next_page.is_none() {
            return Err(super::bounds::no_page_after(repeated));
        }
        step.restart = true;
        Ok(step)
    }
}
