//! The member ids a walk has yielded, kept as ranges of consecutive ids.
//!
//! A walk must never yield a member twice, even when the list shifts under it, so
//! it remembers every id. Tallyfy lists members in id order unless asked to sort,
//! and ids are assigned in sequence, so a whole walk usually collapses into a few
//! ranges: memory stays flat however large the organization (a `HashSet` costs
//! about 16 bytes a member). Other sort orders cost one range per run of
//! consecutive ids, no worse than a set.

use std::collections::BTreeMap;

/// A set of `i64` ids stored as inclusive ranges.
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    /// Range start -> range end (inclusive); ranges never touch or overlap.
    ranges: BTreeMap<i64, i64>,
}

impl IdSet {
    /// Adds `id`; false if it was already there.
    pub(crate) fn insert(&mut self, id: i64) -> bool {
        let below = self
            .ranges
            .range(..=id)
            .next_back()
            .map(|(&start, &end)| (start, end));
        if below.is_some_and(|(_, end)| id <= end) {
            return false;
        }
        let extends_below = below
            .filter(|&(_, end)| end.checked_add(1) == Some(id))
            .map(|(start, _)| start);
        let above = id
            .checked_add(1)
            .and_then(|next| self.ranges.get(&next).map(|&end| (next, end)));
        match (extends_below, above) {
            (Some(start), Some((next, end))) => {
                self.ranges.remove(&next);
                self.ranges.insert(start, end);
            }
            (Some(start), None) => {
                self.ranges.insert(start, id);
            }
            (None, Some((next, end))) => {
                self.ranges.remove(&next);
                self.ranges.insert(id, end);
            }
            (None, None) => {
                self.ranges.insert(id, id);
            }
        }
        true
    }

    /// Number of stored ranges (the memory cost).
    #[cfg(test)]
    fn ranges(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn consecutive_ids_in_any_direction_collapse_into_one_range() {
        let mut set = IdSet::default();
        assert!((1001..=101_000).all(|id| set.insert(id)));
        assert_eq!(set.ranges(), 1);
        assert!((500..=1000).rev().all(|id| set.insert(id)));
        assert_eq!(set.ranges(), 1);
        assert!(!set.insert(500) && !set.insert(101_000) && !set.insert(50_000));
    }

    #[test]
    fn gaps_are_filled_and_merged() {
        let mut set = IdSet::default();
        for id in [1, 3, 5, 7] {
            assert!(set.insert(id));
        }
        assert_eq!(set.ranges(), 4);
        assert!(set.insert(2) && set.insert(6));
        assert_eq!(set.ranges(), 2);
        assert!(set.insert(4));
        assert_eq!(set.ranges(), 1);
        assert!(set.insert(i64::MAX) && set.insert(i64::MIN) && !set.insert(i64::MAX));
    }

    proptest! {
        #[test]
        fn behaves_like_a_hash_set(ids in proptest::collection::vec(-50i64..50, 0..300)) {
            let (mut ranges, mut reference) = (IdSet::default(), HashSet::new());
            for id in ids {
                prop_assert_eq!(ranges.insert(id), reference.insert(id), "id {}", id);
            }
            prop_assert!(ranges.ranges() <= reference.len());
        }
    }
}
