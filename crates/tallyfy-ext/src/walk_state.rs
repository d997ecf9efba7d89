//! [`WalkState`]: the decisions of a page walk, without I/O.
//!
//! The streams in `walk.rs` fetch pages and hand each one, in fetch order, to
//! [`WalkState::accept`] as [`PageFacts`] (what the page said: its number, sizes,
//! `links.next`, the ids of its items). The state answers with a [`Step`] (which
//! items to keep, whether the walk is over) or a [`Fault`]; [`WalkState::next_fetch`]
//! says which page to start next. Every guard is a table test in `walk_state/tests.rs`.
//!
//! The rules:
//! - exactly once: every id yielded goes into an exact set ([`IdSet`]); a member
//!   met again, on a later page or a re-read, is dropped;
//! - one page at a time until a page reports `total_pages`; then up to
//!   `concurrency` pages in flight, never past the largest `total_pages` seen;
//! - the walk ends at a page when nothing says there are more: not the largest
//!   `total_pages` seen, not a non-empty `links.next`, and (when neither is sent)
//!   not `total` (an empty page ends it only then too);
//! - drift is not a fault: a page holding exactly the members of the page before,
//!   with the same `total`, gets the page before re-read; only if that re-read is
//!   unchanged too does the server ignore `page` ([`PaginationFault::RepeatedPage`](crate::PaginationFault::RepeatedPage));
//! - bounds from what the walk observed (`bounds.rs`);
//! - healing (`heal.rs`): once the forward walk ends, the first page is re-read; if
//!   it changed, or the walk saw the list change, every page is re-read, and again
//!   until a pass finds nothing changed, within `heal_pages` extra requests;
//! - `max_items` cuts the page that reaches it, and fetches no more pages than
//!   the members still wanted need.

mod bounds;
mod facts;
mod heal;
mod track;

pub(crate) use facts::{Carried, Fault, PageFacts, Step, WalkLimits};

use crate::id_set::IdSet;
use crate::page::WalkSummary;
use track::fingerprint;

/// Which part of the walk the next pages belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading pages in order.
    Forward,
    /// Re-reading `page` (sent once) after `repeated` held its members; then on
    /// from `repeated + 1`.
    Recheck {
        page: u64,
        repeated: u64,
        sent: bool,
    },
    /// Re-reading the first page once the forward walk ended.
    Sentinel { sent: bool },
    /// A healing pass up to `last`; `changed`: a page of it differed from its last
    /// read; `complete`: the budget covers the whole pass.
    Heal {
        last: u64,
        changed: bool,
        complete: bool,
    },
}

/// The state of one walk; see the module docs for its rules.
#[derive(Debug)]
pub(crate) struct WalkState {
    limits: WalkLimits,
    phase: Phase,
    /// The next page to fetch in this phase (`None`: past `u64::MAX`).
    next_page: Option<u64>,
    /// The last page the forward walk accepted.
    forward_last: Option<u64>,
    forward_pages: u64,
    /// Members first yielded by forward pages.
    forward_new: u64,
    /// The largest `total_pages` seen, and the first.
    total_pages: Option<u64>,
    first_total_pages: Option<u64>,
    per_page: Option<u64>,
    ids: IdSet,
    /// `total` of the first page (`Some(None)`: it sent none), of the page before,
    /// and the largest seen.
    first_total: Option<Option<u64>>,
    last_total: Option<u64>,
    max_total: Option<u64>,
    /// The previous forward page's ids.
    last_ids: Vec<Option<i64>>,
    /// Fingerprint (ids in order and total) of each page as last read.
    prints: std::collections::BTreeMap<u64, u64>,
    /// Repeats on forward pages: members the list moved forward (inserted in front).
    repeats: u64,
    /// The list changed during the walk.
    changed: bool,
    /// Members the list lost between two forward pages that showed no repeat.
    suspect: u64,
    /// Extra requests spent on the end-of-walk check and healing.
    heal_used: u64,
    summary: WalkSummary,
    done: bool,
}

impl WalkState {
    pub(crate) fn new(limits: WalkLimits, carried: Carried) -> Self {
        let mut prints = std::collections::BTreeMap::new();
        if let Some(print) = carried.first_print {
            prints.insert(limits.first_page, print);
        }
        Self {
            phase: Phase::Forward,
            next_page: Some(limits.start_page),
            forward_last: None,
            forward_pages: 0,
            forward_new: 0,
            limits,
            total_pages: None,
            first_total_pages: None,
            per_page: None,
            ids: carried.ids,
            first_total: None,
            last_total: None,
            max_total: None,
            last_ids: Vec::new(),
            prints,
            repeats: 0,
            changed: carried.changed,
            suspect: carried.suspect,
            heal_used: 0,
            summary: WalkSummary::default(),
            done: false,
        }
    }

    /// How the walk went so far.
    pub(crate) fn summary(&self) -> WalkSummary {
        self.summary
    }

    /// The walk is over (ended, cut by `max_items`, or failed).
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Ends the walk (after an error). Failing in the end-of-walk check or a healing
    /// pass, it is not exact and cannot tell that nothing moved: it reports a
    /// possible gap (at least 1).
    pub(crate) fn end(&mut self) {
        match self.phase {
            Phase::Sentinel { .. } | Phase::Heal { .. } if !self.done => {
                self.finish(false);
                self.summary.gap = self.summary.gap.max(1);
            }
            _ => self.done = true,
        }
    }

    /// The first page the forward walk has not accepted, and what a walk resumed
    /// there must carry over to stay exact.
    pub(crate) fn resume_point(&self) -> (u64, Carried) {
        let next = self
            .forward_last
            .map_or(self.limits.start_page, |p| p.saturating_add(1));
        let carried = Carried {
            ids: self.ids.clone(),
            first_print: self.prints.get(&self.limits.first_page).copied(),
            changed: self.changed,
            suspect: self.suspect,
        };
        (next, carried)
    }

    /// The next page to start fetching, with `in_flight` pages already started and
    /// not yet accepted; `None` while the walk should wait (or is over).
    pub(crate) fn next_fetch(&mut self, in_flight: usize) -> Option<u64> {
        if self.done {
            return None;
        }
        match &mut self.phase {
            Phase::Forward => self.next_forward(in_flight),
            Phase::Recheck { page, sent, .. } => {
                let page = *page;
                (in_flight == 0 && !std::mem::replace(sent, true)).then(|| self.reread(page))
            }
            Phase::Sentinel { sent } => (in_flight == 0 && !std::mem::replace(sent, true))
                .then(|| self.reread(self.limits.first_page)),
            Phase::Heal { last, .. } => {
                let (last, next) = (*last, self.next_page?);
                if in_flight >= self.limits.concurrency || next > last {
                    return None;
                }
                self.next_page = next.checked_add(1);
                Some(self.reread(next))
            }
        }
    }

    fn reread(&mut self, page: u64) -> u64 {
        self.summary.reread_pages += 1;
        if !matches!(self.phase, Phase::Recheck { .. }) {
            self.heal_used += 1;
        }
        page
    }

    fn next_forward(&mut self, in_flight: usize) -> Option<u64> {
        let next = self.next_page?;
        // Until a page reports total_pages, and past it, one page at a time, and
        // only once the page before said there are more.
        let within = self.total_pages.is_some_and(|total| next <= total);
        let window = if within { self.limits.concurrency } else { 1 };
        let asked = self
            .forward_last
            .is_none_or(|last| last.checked_add(1) == Some(next));
        if in_flight >= window || !within && !asked {
            return None;
        }
        // With max_items, fetch no more pages than the members still wanted need.
        // (Before the first page the size is unknown: count pages in flight as 1.)
        if let Some(max) = self.limits.max_items {
            let wanted = max.saturating_sub(self.summary.items);
            if (in_flight as u64).saturating_mul(self.per_page.unwrap_or(1).max(1)) >= wanted {
                return None;
            }
        }
        self.next_page = next.checked_add(1);
        Some(next)
    }

    /// Takes the page `requested`, in fetch order, and says what to do with it.
    ///
    /// # Errors
    /// A [`Fault`] when the page shows the server's pagination misbehaving; the
    /// walk is then over.
    pub(crate) fn accept(&mut self, requested: u64, page: &PageFacts) -> Result<Step, Fault> {
        let outcome = self.check(requested, page);
        if outcome.is_err() {
            self.done = true;
        }
        outcome
    }

    fn check(&mut self, requested: u64, page: &PageFacts) -> Result<Step, Fault> {
        bounds::same_page(requested, page)?;
        bounds::consistent(requested, page)?;
        // Re-reads yield no untyped member, nor one without an id: it cannot be
        // told from the one the forward walk yielded.
        if matches!(self.phase, Phase::Forward) {
            self.summary.pages += 1;
            self.summary.untyped += page.untyped as u64;
        }
        let delta = self.track_size(requested, page);
        match self.phase {
            Phase::Forward => self.forward(requested, page, delta),
            Phase::Recheck { repeated, .. } => self.recheck(requested, repeated, page, delta),
            Phase::Sentinel { .. } => self.sentinel(requested, page),
            Phase::Heal { .. } => self.heal(requested, page),
        }
    }

    fn forward(&mut self, requested: u64, page: &PageFacts, delta: i64) -> Result<Step, Fault> {
        let later = self.forward_pages > 0;
        self.forward_pages += 1;
        self.forward_last = Some(requested);
        if self.next_page.is_some_and(|next| next <= requested) {
            self.next_page = requested.checked_add(1);
        }
        let print = fingerprint(page);
        self.prints.insert(requested, print);
        // The same members as the page before, and the same total: drift, or a
        // server ignoring `page`? A re-read of the page before tells.
        let some_id = page.ids.iter().any(Option::is_some);
        if later && some_id && page.ids == self.last_ids && delta == 0 {
            let before = self.last_ids_page(requested);
            self.phase = Phase::Recheck {
                page: before,
                repeated: requested,
                sent: false,
            };
            self.summary.duplicates_skipped += page.ids.len() as u64;
            return Ok(self.step(vec![false; page.ids.len()], false, true));
        }
        let (keep, fresh) = self.filter(&page.ids);
        let repeats = page.ids.iter().flatten().count() as u64 - fresh;
        self.forward_new += fresh;
        if later {
            // Repeats prove the list moved forward at this boundary (members kept
            // their order, so nothing unread moved behind the cursor); without
            // them, a fall of `total` may have pulled unread members behind it.
            if repeats > 0 {
                self.repeats += repeats;
                self.saw_change(requested);
            } else if delta < 0 {
                self.suspect += delta.unsigned_abs();
            }
        }
        self.last_ids.clone_from(&page.ids);
        let last = !self.says_more(requested, page);
        // An empty last page past the reported size is the end of a list that
        // shrank (or of a walk resumed there), not a server that never ends.
        if !(last && page.ids.is_empty()) {
            self.runaway(requested)?;
        }
        self.beyond_total()?;
        if !last && requested == u64::MAX {
            return Err(bounds::no_page_after(requested));
        }
        let mut step = self.step(keep, last, false);
        if last && !self.done {
            self.end_forward(requested, &mut step);
        }
        Ok(step)
    }

    /// The forward page before `requested` (the walk reads in order).
    fn last_ids_page(&self, requested: u64) -> u64 {
        requested.saturating_sub(1).max(self.limits.first_page)
    }

    /// A step yielding the kept items, within `max_items`.
    fn step(&mut self, keep: Vec<bool>, last: bool, restart: bool) -> Step {
        let kept = keep.iter().filter(|&&k| k).count();
        let mut take = kept;
        if let Some(max) = self.limits.max_items {
            let room =
                usize::try_from(max.saturating_sub(self.summary.items)).unwrap_or(usize::MAX);
            if kept >= room {
                take = room;
                self.summary.truncated = kept > room || !last;
                self.done = true;
            }
        }
        self.summary.items += take as u64;
        Step {
            keep,
            take,
            done: self.done,
            restart,
            reread: !matches!(self.phase, Phase::Forward),
        }
    }

    /// Whether anything the walk saw says there are pages after `requested`.
    fn says_more(&self, requested: u64, page: &PageFacts) -> bool {
        // The largest page count seen decides: a page fetched before members were
        // added can say it is the last while a later one said there are more.
        if self.total_pages.is_some_and(|total| requested < total) {
            return true;
        }
        if page.has_next_link == Some(true) {
            return true;
        }
        // Neither total_pages nor links: the size, if sent.
        page.total_pages.is_none()
            && page.has_next_link.is_none()
            && page
                .total
                .zip(page.per_page.or(self.per_page))
                .is_some_and(|(total, per_page)| requested.saturating_mul(per_page) < total)
    }
}

#[cfg(test)]
mod tests;
