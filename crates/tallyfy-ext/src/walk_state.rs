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
//!   unchanged too does the server ignore `page` ([`PaginationFault::RepeatedPage`]);
//! - bounds from what the walk observed (`bounds.rs`);
//! - healing (`heal.rs`): once the forward walk ends, the first page is re-read; if
//!   it changed, or the walk saw the list change, every page is re-read, and again
//!   until a pass finds nothing changed, within `heal_pages` extra requests;
//! - `max_items` cuts the page that reaches it, and fetches no more pages than
//!   the members still wanted need.

mod bounds;
mod heal;

use crate::error::PaginationFault;
use crate::id_set::IdSet;
use crate::page::{Drift, WalkSummary};

/// The caller's bounds on a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalkLimits {
    /// The walk's first page: the end-of-walk check and healing start here.
    pub first_page: u64,
    /// The first page to fetch (after `first_page` when resumed).
    pub start_page: u64,
    pub concurrency: usize,
    pub max_items: Option<u64>,
    pub max_pages: Option<u64>,
    /// Extra page requests allowed for the end-of-walk check and healing; 0: off.
    pub heal_pages: u64,
}

/// What a walk resumed from a checkpoint carries over.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Carried {
    pub ids: IdSet,
    /// The fingerprint of the first page, as first read.
    pub first_print: Option<u64>,
    pub changed: bool,
    pub suspect: u64,
}

/// What one page said about the walk, beside its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageFacts {
    /// `meta.pagination.current_page`, when sent.
    pub current_page: Option<u64>,
    pub total_pages: Option<u64>,
    pub total: Option<u64>,
    pub per_page: Option<u64>,
    /// `Some(true)`: a non-empty `links.next`; `Some(false)`: `links` is `[]` or
    /// has no usable `next`; `None`: no `links`.
    pub has_next_link: Option<bool>,
    /// The ids of the typed items, in order (`None`: an item without one).
    pub ids: Vec<Option<i64>>,
    /// Items on the page that could not be typed.
    pub untyped: usize,
}

/// What to do with an accepted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    /// Per typed item, in order: whether to yield it (members yielded before are not).
    pub keep: Vec<bool>,
    /// Yield at most this many of the kept items (`max_items`).
    pub take: usize,
    /// The walk is over: cancel what is in flight, fetch nothing more.
    pub done: bool,
    /// The pages in flight belong to a part of the walk that is over: drop them.
    pub restart: bool,
    /// The page was a re-read (a check or healing), not the next page.
    pub reread: bool,
}

/// A page the walk refuses: the server's pagination misbehaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub fault: PaginationFault,
    pub message: String,
}

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

    /// Marks the ids of `ids` yielded; which ones are new, and how many.
    fn filter(&mut self, ids: &[Option<i64>]) -> (Vec<bool>, u64) {
        let forward = matches!(self.phase, Phase::Forward);
        let mut fresh = 0;
        let keep: Vec<bool> = ids
            .iter()
            .map(|id| match id {
                // An item without an id cannot be matched across pages: kept once.
                None => forward,
                Some(id) => {
                    let new = self.ids.insert(*id);
                    fresh += u64::from(new);
                    new
                }
            })
            .collect();
        if forward {
            self.summary.duplicates_skipped += keep.iter().filter(|k| !**k).count() as u64;
        }
        (keep, fresh)
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

    /// Records that the list changed, first seen on `page`.
    fn saw_change(&mut self, page: u64) {
        self.changed = true;
        if self.summary.drift.is_none() {
            let before = self.first_total.flatten();
            self.summary.drift = Some(Drift {
                at_page: page,
                total_before: before,
                total_after: self.last_total.or(before),
            });
        }
    }

    /// Re-reads the size reported by each page and records drift; returns how much
    /// the list grew (negative: shrank) since the page before.
    fn track_size(&mut self, requested: u64, page: &PageFacts) -> i64 {
        self.per_page = page.per_page.filter(|&p| p > 0).or(self.per_page);
        self.total_pages = match (self.total_pages, page.total_pages) {
            (Some(known), Some(now)) => Some(known.max(now)),
            (known, now) => now.or(known),
        };
        self.first_total_pages = self.first_total_pages.or(page.total_pages);
        let before = *self.first_total.get_or_insert(page.total);
        let Some(total) = page.total else { return 0 };
        self.max_total = Some(self.max_total.map_or(total, |max| max.max(total)));
        let last = self.last_total.replace(total).unwrap_or(total);
        if before != Some(total) {
            self.saw_change(requested);
        }
        if let Some(drift) = &mut self.summary.drift {
            drift.total_after = Some(total);
        }
        if total < last {
            self.summary.members_removed += last - total;
            tracing::warn!(
                page = requested,
                removed = last - total,
                "members left during the walk"
            );
        }
        self.summary.members_added += total.saturating_sub(last);
        // Both fit i64 when they differ by less than i64::MAX; saturate otherwise.
        i64::try_from(i128::from(total) - i128::from(last)).unwrap_or(i64::MIN)
    }
}

/// A page's ids, in order, and its total: equal prints are (almost surely) the
/// same page. FNV-1a: stable across processes, for checkpoints.
fn fingerprint(page: &PageFacts) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: [u8; 8]| {
        for byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    };
    eat(page.total.unwrap_or(u64::MAX).to_le_bytes());
    for id in &page.ids {
        // An item without an id hashes as a marker no id can collide with in place.
        eat(id.map_or([0xff; 8], i64::to_le_bytes));
        eat([u8::from(id.is_some()); 8]);
    }
    hash
}

#[cfg(test)]
mod tests;
