//! How [`WalkState`] keeps count of what it saw: the exact id set, the size each
//! page reported, drift, and a page's fingerprint.

use super::{PageFacts, Phase, WalkState};
use crate::page::Drift;

impl WalkState {
    /// Marks the ids of `ids` yielded; which ones are new, and how many.
    pub(super) fn filter(&mut self, ids: &[Option<i64>]) -> (Vec<bool>, u64) {
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
    /// Records that the list changed, first seen on `page`.
    pub(super) fn saw_change(&mut self, page: u64) {
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
    pub(super) fn track_size(&mut self, requested: u64, page: &PageFacts) -> i64 {
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
pub(super) fn fingerprint(page: &PageFacts) -> u64 {
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
