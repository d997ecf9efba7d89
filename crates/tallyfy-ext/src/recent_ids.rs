//! The member ids of the last few pages a walk yielded, to drop repeats.
//!
//! Tallyfy pages by offset, so a member inserted in front of the cursor pushes the
//! last members of the page just read onto the next page: they come back once
//! more. A repeat can only come from the pages just before, as far back as the
//! list has grown: the window keeps at least two pages and grows with the growth
//! the walk has seen (`keep_for_growth`). Memory is then flat in the size of the
//! organization (a set of every id grew ~36 bytes a member when ids are not
//! consecutive), and a growth larger than the window could check is counted, not
//! hidden ([`WalkSummary::repeats_unchecked`](crate::WalkSummary::repeats_unchecked)).

use std::collections::VecDeque;

/// Pages kept when the list has not grown: the page before covers any shift of up
/// to one page, and one more absorbs a short page.
const MIN_PAGES: usize = 2;

/// One page as read: every id on it (sorted for lookup) and how much the list had
/// grown (negative: shrunk) since the page before.
#[derive(Debug)]
struct Read {
    ids: Vec<i64>,
    positions: u64,
    growth_before: i64,
}

/// The ids of the most recent pages.
#[derive(Debug, Default)]
pub(crate) struct RecentIds {
    pages: VecDeque<Read>,
    keep: usize,
    /// Distinct members yielded so far.
    yielded: u64,
}

impl RecentIds {
    /// Keeps enough pages of `per_page` ids for a list that grew by `growth`
    /// members since the walk began.
    pub(crate) fn keep_for_growth(&mut self, growth: u64, per_page: u64) {
        let per_page = per_page.max(1);
        let pages = usize::try_from(growth.div_ceil(per_page)).unwrap_or(usize::MAX);
        self.keep = self.keep.max(MIN_PAGES).max(pages.saturating_add(1));
    }

    /// Of the members a list growth of `growth` may bring back, how many the window
    /// may no longer hold (an upper bound: the positions it cannot vouch for may
    /// hold members inserted earlier and never read). A growth re-serves the
    /// positions just behind the cursor;
    /// the window holds them back to where the pages it kept stop being contiguous
    /// in the list as it is now (each page is moved back by the growth after it).
    pub(crate) fn unchecked(&self, growth: u64) -> u64 {
        if growth == 0 {
            return 0;
        }
        let (mut reach, mut behind, mut shift) = (0_i64, 0_i64, 0_i64);
        for page in self.pages.iter().rev() {
            let near = behind - shift;
            if near > reach {
                break; // a hole: the window does not cover what lies past it
            }
            reach = reach.max(near + page.positions as i64);
            behind += page.positions as i64;
            shift += page.growth_before;
        }
        growth.min(self.yielded).saturating_sub(reach.max(0) as u64)
    }

    /// Takes in one page as read, after the list grew by `growth_before` since the
    /// page before; returns, per position, whether its member is new (ids that are
    /// `None` are always new). A repeat within the page or of a recent page is not.
    /// Every id of the page is remembered with it, repeats included: a later shift
    /// re-serves the positions just read, whichever page first yielded them.
    pub(crate) fn page(&mut self, ids: &[Option<i64>], growth_before: i64) -> Vec<bool> {
        // Sorted once: repeats within the page sit side by side (the first position
        // wins), and the sorted ids are what the window keeps for lookups.
        let mut sorted: Vec<(i64, usize)> = ids
            .iter()
            .enumerate()
            .filter_map(|(at, id)| id.map(|id| (id, at)))
            .collect();
        sorted.sort_unstable();
        let mut new = vec![true; ids.len()];
        for (k, &(id, at)) in sorted.iter().enumerate() {
            let again = k > 0 && sorted[k - 1].0 == id;
            new[at] = !again && !self.pages.iter().any(|p| p.ids.binary_search(&id).is_ok());
        }
        let mut kept: Vec<i64> = sorted.into_iter().map(|(id, _)| id).collect();
        kept.dedup();
        self.yielded += new.iter().filter(|&&n| n).count() as u64;
        self.pages.push_back(Read {
            ids: kept,
            positions: ids.len() as u64,
            growth_before,
        });
        while self.pages.len() > self.keep.max(MIN_PAGES) {
            self.pages.pop_front();
        }
        new
    }

    /// Pages kept (the memory cost is this many pages of ids).
    #[cfg(test)]
    fn pages(&self) -> usize {
        self.pages.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn page(set: &mut RecentIds, ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
        grown_page(set, 0, ids)
    }

    fn grown_page(
        set: &mut RecentIds,
        growth: i64,
        ids: impl IntoIterator<Item = i64>,
    ) -> Vec<i64> {
        let ids: Vec<Option<i64>> = ids.into_iter().map(Some).collect();
        let new = set.page(&ids, growth);
        ids.iter()
            .zip(new)
            .filter(|(_, n)| *n)
            .map(|(id, _)| id.unwrap())
            .collect()
    }

    #[test]
    fn repeats_from_the_pages_before_and_within_a_page_are_dropped() {
        let mut set = RecentIds::default();
        assert_eq!(page(&mut set, [1, 2, 3]), [1, 2, 3]);
        assert_eq!(page(&mut set, [3, 4, 4, 5]), [4, 5]);
        assert_eq!(page(&mut set, [1, 6]), [6], "two pages are kept");
        assert_eq!(page(&mut set, [7]), [7]);
        assert_eq!(
            page(&mut set, [1, 3, 8]),
            [3, 8],
            "1 was met again two pages back"
        );
        assert_eq!(page(&mut set, [9]), [9]);
        assert_eq!(page(&mut set, [10]), [10]);
        assert_eq!(page(&mut set, [1, 3]), [1, 3], "forgotten after two pages");
    }

    #[test]
    fn memory_is_a_window_of_pages_whatever_the_ids() {
        let mut set = RecentIds::default();
        for n in 0..10_000_i64 {
            page(&mut set, (0..100).map(|i| (n * 100 + i) * 7));
        }
        assert_eq!(set.pages(), MIN_PAGES);
        assert_eq!(set.unchecked(150), 0, "one and a half pages back is held");
        assert_eq!(set.unchecked(250), 50, "two and a half pages back is not");
    }

    #[test]
    fn the_window_grows_with_the_list() {
        let mut set = RecentIds::default();
        set.keep_for_growth(250, 100);
        for n in 0..10 {
            page(&mut set, n * 100..(n + 1) * 100);
        }
        assert_eq!(set.pages(), 4, "3 pages of growth + the page before");
        assert!(page(&mut set, 650..660).is_empty(), "3 pages back is held");
        let mut small = RecentIds::default();
        for n in 0..10 {
            page(&mut small, n * 100..(n + 1) * 100);
        }
        assert_eq!(page(&mut small, 650..660), (650..660).collect::<Vec<_>>());
    }

    proptest! {
        /// Members inserted in front between pages come back at most as often as
        /// the window reports it could not check (never, when the growth fits it).
        #[test]
        fn offset_paging_under_inserts_repeats_only_what_is_reported(
            per_page in 1u64..8,
            inserts in proptest::collection::vec(0u64..12, 1..12),
        ) {
            // The list: ids 1000.. at the back, new members get ids 1..; each page
            // is read after `inserts[k]` members were put at the front.
            let mut list: Vec<i64> = (1000..1000 + 40).collect();
            let (mut next_new, mut set, mut seen) = (1_i64, RecentIds::default(), HashSet::new());
            let (first_len, mut twice, mut unchecked) = (list.len() as u64, 0, 0);
            for (k, &n) in inserts.iter().enumerate() {
                for _ in 0..n {
                    list.insert(0, next_new);
                    next_new += 1;
                }
                set.keep_for_growth(list.len() as u64 - first_len, per_page);
                unchecked += set.unchecked(n);
                let start = k * per_page as usize;
                let ids: Vec<i64> = list.iter().skip(start).take(per_page as usize).copied().collect();
                for id in grown_page(&mut set, n as i64, ids) {
                    twice += u64::from(!seen.insert(id));
                }
            }
            prop_assert!(twice <= unchecked, "{} repeats, {} reported", twice, unchecked);
        }

        /// With the growth known before it happens, no member ever comes back.
        #[test]
        fn a_window_sized_for_the_growth_drops_every_repeat(
            per_page in 1u64..8,
            inserts in proptest::collection::vec(0u64..12, 1..12),
        ) {
            let total: u64 = inserts.iter().sum();
            let mut list: Vec<i64> = (1000..1000 + 40).collect();
            let (mut next_new, mut set, mut seen) = (1_i64, RecentIds::default(), HashSet::new());
            set.keep_for_growth(total, per_page);
            for (k, &n) in inserts.iter().enumerate() {
                for _ in 0..n {
                    list.insert(0, next_new);
                    next_new += 1;
                }
                let start = k * per_page as usize;
                let ids: Vec<i64> = list.iter().skip(start).take(per_page as usize).copied().collect();
                for id in grown_page(&mut set, n as i64, ids) {
                    prop_assert!(seen.insert(id), "{} yielded twice", id);
                }
            }
        }
    }
}
