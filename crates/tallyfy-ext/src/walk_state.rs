//! [`WalkState`]: the decisions of a page walk, without I/O.
//!
//! The streams in `walk.rs` fetch pages and hand each one, in page order, to
//! [`WalkState::accept`] as [`PageFacts`] (what the page said: its number, sizes,
//! `links.next`, the ids of its items). The state answers with a [`Step`] (which
//! items to keep, whether the walk is over) or a [`Fault`]; [`WalkState::next_fetch`]
//! says which page to start next. Everything a guard needs lives here, so every
//! guard is a table test in this file, not an HTTP round trip.
//!
//! The rules:
//! - one page at a time until a page reports `total_pages`; then up to
//!   `concurrency` pages in flight, never past the largest `total_pages` seen;
//! - the walk ends at the first page that is empty, or says it is the last
//!   (`current_page >=` its `total_pages`, or no `links.next`) while no page seen
//!   said there are more (a page read before an insert cannot end it early);
//! - faults: a page answered with another `current_page`; a page repeating the
//!   previous page's ids while `total` never changed; more pages than
//!   `max_pages`, or than twice the first `total_pages` plus 16;
//! - repeats (ids met on recent pages, when members were inserted in front of the
//!   walk) are dropped, checked against a window sized from the list's growth
//!   (`recent_ids.rs`); drift, growth and shrinkage are summed in [`WalkSummary`];
//! - `max_items` cuts the page that reaches it, and fetches no more pages than
//!   the members still wanted need.

use crate::error::PaginationFault;
use crate::page::{Drift, WalkSummary};
use crate::recent_ids::RecentIds;

/// The caller's bounds on a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalkLimits {
    pub start_page: u64,
    pub concurrency: usize,
    pub max_items: Option<u64>,
    pub max_pages: Option<u64>,
}

/// What one page said about the walk, beside its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageFacts {
    /// `meta.pagination.current_page`, when sent.
    pub current_page: Option<u64>,
    pub total_pages: Option<u64>,
    pub total: Option<u64>,
    pub per_page: Option<u64>,
    /// `Some(false)` when `links` is `[]` or an object without a `next`.
    pub has_next_link: Option<bool>,
    /// The ids of the typed items, in order (`None`: an item without one).
    pub ids: Vec<Option<i64>>,
    /// Items on the page that could not be typed.
    pub untyped: usize,
}

/// What to do with an accepted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    /// Per typed item, in order: whether to yield it (repeats are not).
    pub keep: Vec<bool>,
    /// Yield at most this many of the kept items (`max_items`).
    pub take: usize,
    /// The walk is over: cancel what is in flight, fetch nothing more.
    pub done: bool,
}

/// A page the walk refuses: the server's pagination misbehaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub fault: PaginationFault,
    pub message: String,
}

/// The state of one walk; see the module docs for its rules.
#[derive(Debug)]
pub(crate) struct WalkState {
    limits: WalkLimits,
    next_page: u64,
    /// The largest `total_pages` seen, and the first.
    total_pages: Option<u64>,
    first_total_pages: Option<u64>,
    per_page: Option<u64>,
    recent: RecentIds,
    /// `total` of the first page (`Some(None)`: it sent none), of the page before,
    /// and the largest seen.
    first_total: Option<Option<u64>>,
    last_total: Option<u64>,
    max_total: Option<u64>,
    last_ids: Vec<Option<i64>>,
    summary: WalkSummary,
    done: bool,
}

impl WalkState {
    pub(crate) fn new(limits: WalkLimits) -> Self {
        Self {
            next_page: limits.start_page,
            limits,
            total_pages: None,
            first_total_pages: None,
            per_page: None,
            recent: RecentIds::default(),
            first_total: None,
            last_total: None,
            max_total: None,
            last_ids: Vec::new(),
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

    /// Ends the walk (after an error).
    pub(crate) fn end(&mut self) {
        self.done = true;
    }

    /// The next page to start fetching, with `in_flight` pages already started and
    /// not yet accepted; `None` while the walk should wait (or is over).
    pub(crate) fn next_fetch(&mut self, in_flight: usize) -> Option<u64> {
        if self.done {
            return None;
        }
        // Until a page reports total_pages, fetch one page at a time.
        let window = if self.total_pages.is_some() {
            self.limits.concurrency
        } else {
            1
        };
        if in_flight >= window {
            return None;
        }
        if self.total_pages.is_some_and(|total| self.next_page > total) {
            return None;
        }
        if self.summary.pages > 0 && self.total_pages.is_none() {
            return None;
        }
        // With max_items, fetch no more pages than the members still wanted need.
        // (Before the first page the size is unknown: count pages in flight as 1.)
        if let Some(max) = self.limits.max_items {
            let wanted = max.saturating_sub(self.summary.items);
            if in_flight as u64 * self.per_page.unwrap_or(1).max(1) >= wanted {
                return None;
            }
        }
        let page = self.next_page;
        self.next_page += 1;
        Some(page)
    }

    /// Takes the page `requested`, in page order, and says what to do with it.
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
        if let Some(returned) = page.current_page.filter(|&p| p != requested) {
            return Err(Fault {
                fault: PaginationFault::PageMismatch {
                    requested,
                    returned,
                },
                message: format!(
                    "asked for page {requested}, the server answered with page {returned}"
                ),
            });
        }
        let growth_since_last = self.track_size(requested, page);
        let added = growth_since_last.max(0).unsigned_abs();
        // The same members twice with an unchanged total is a server ignoring `page`;
        // with a changed total it is drift (members inserted in front), and the
        // id check below drops the repeats.
        let total_unchanged = self.first_total == Some(page.total);
        let ids = &page.ids;
        if ids.iter().any(Option::is_some) && *ids == self.last_ids && total_unchanged {
            return Err(Fault {
                fault: PaginationFault::RepeatedPage { page: requested },
                message: format!("page {requested} repeats the members of the page before it"),
            });
        }
        self.summary.pages += 1;
        self.runaway()?;
        let typed = ids.len();
        // A repeat can come from as far back as members were added in front: size
        // the window from the growth so far, and count what it cannot cover.
        let per_page = self.per_page.unwrap_or(typed as u64);
        let growth = self
            .max_total
            .zip(self.first_total.flatten())
            .map_or(0, |(max, first)| max.saturating_sub(first));
        self.recent.keep_for_growth(growth, per_page);
        self.summary.repeats_unchecked += self.recent.unchecked(added);
        let keep = self.recent.page(ids, growth_since_last);
        let kept = keep.iter().filter(|&&k| k).count();
        self.summary.duplicates_skipped += (typed - kept) as u64;
        self.last_ids.clone_from(ids);
        self.summary.untyped += page.untyped as u64;
        // A page of untyped members only is not an empty page.
        let received = typed + page.untyped;

        // With pages in flight, a page fetched before members were added can say it
        // is the last while a page read after the insert said there are more: the
        // largest page count seen decides (an empty page still ends the walk).
        let says_last = page.total_pages.is_none_or(|total| requested >= total)
            || page.has_next_link == Some(false);
        let last =
            received == 0 || says_last && self.total_pages.is_none_or(|total| requested >= total);
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
        if last {
            self.done = true;
        }
        self.summary.items += take as u64;
        Ok(Step {
            keep,
            take,
            done: self.done,
        })
    }

    /// Re-reads the size reported by each page and records drift; returns how much
    /// the list grew (negative: shrank) since the page before.
    fn track_size(&mut self, requested: u64, page: &PageFacts) -> i64 {
        self.per_page = page.per_page.or(self.per_page);
        self.total_pages = match (self.total_pages, page.total_pages) {
            (Some(known), Some(now)) => Some(known.max(now)),
            (known, now) => now.or(known),
        };
        self.first_total_pages = self.first_total_pages.or(page.total_pages);
        let before = *self.first_total.get_or_insert(page.total);
        if before != page.total {
            let at_page = self.summary.drift.map_or(requested, |d| d.at_page);
            self.summary.drift = Some(Drift {
                at_page,
                total_before: before,
                total_after: page.total,
            });
            tracing::warn!(page = requested, ?before, after = ?page.total, "member list changed size during the walk");
        }
        let Some(total) = page.total else { return 0 };
        self.max_total = Some(self.max_total.map_or(total, |max| max.max(total)));
        let last = self.last_total.replace(total).unwrap_or(total);
        if total < last {
            let removed = last - total;
            self.summary.members_removed += removed;
            tracing::warn!(
                page = requested,
                removed,
                "members removed during the walk: up to this many may be missing from it"
            );
        }
        self.summary.members_added += total.saturating_sub(last);
        total.cast_signed() - last.cast_signed()
    }

    /// A walk far longer than the server first said is a server fault, not data.
    fn runaway(&self) -> Result<(), Fault> {
        let pages = self.summary.pages;
        let guard = self
            .first_total_pages
            .map(|first| first.saturating_mul(2).saturating_add(16));
        let limit = match (self.limits.max_pages, guard) {
            (Some(max), Some(guard)) => max.min(guard),
            (max, guard) => match max.or(guard) {
                Some(limit) => limit,
                None => return Ok(()),
            },
        };
        if pages > limit {
            return Err(Fault {
                fault: PaginationFault::Runaway { pages },
                message: format!(
                    "{pages} pages fetched, more than the limit of {limit} for this walk"
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
