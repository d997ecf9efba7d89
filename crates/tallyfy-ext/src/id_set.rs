//! The ids a walk has yielded: an exact, compressed set.
//!
//! A walk must never yield a member twice, whatever the list does between two page
//! reads, so it remembers every id it yielded, not a window of recent pages. A
//! roaring bitmap keeps that cheap: a few bytes a member for sparse ids, far less
//! for dense ranges (BENCHMARKS.md measures a 300,000-member walk). Ids are `i64`;
//! the set stores their two's-complement bits, so negative ids are members too.

use roaring::RoaringTreemap;
use std::fmt;

/// A set of member ids.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct IdSet {
    ids: RoaringTreemap,
}

impl fmt::Debug for IdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdSet").field("len", &self.len()).finish()
    }
}

/// Why a serialized id set was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadIdSet(pub String);

impl IdSet {
    /// Adds `id`; `true` when it was not in the set.
    pub(crate) fn insert(&mut self, id: i64) -> bool {
        self.ids.insert(id.cast_unsigned())
    }

    /// Takes `id` out (a member handed back unyielded).
    pub(crate) fn remove(&mut self, id: i64) {
        self.ids.remove(id.cast_unsigned());
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, id: i64) -> bool {
        self.ids.contains(id.cast_unsigned())
    }

    pub(crate) fn len(&self) -> u64 {
        self.ids.len()
    }

    /// The set in roaring's portable format, as lowercase hex.
    pub(crate) fn to_hex(&self) -> String {
        let mut bytes = Vec::with_capacity(self.ids.serialized_size());
        // Writing into a Vec cannot fail.
        let _ = self.ids.serialize_into(&mut bytes);
        let mut hex = String::with_capacity(bytes.len() * 2);
        for byte in bytes {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }

    /// Reads [`to_hex`](Self::to_hex)'s output back, checking it (it may come
    /// from a file anyone could have edited).
    pub(crate) fn from_hex(hex: &str) -> Result<Self, BadIdSet> {
        let digits = hex.as_bytes();
        if !digits.len().is_multiple_of(2) {
            return Err(BadIdSet("an odd number of hex digits".into()));
        }
        let mut bytes = Vec::with_capacity(digits.len() / 2);
        for pair in digits.chunks_exact(2) {
            let (Some(high), Some(low)) = (nibble(pair[0]), nibble(pair[1])) else {
                return Err(BadIdSet("a character that is not a hex digit".into()));
            };
            bytes.push(high << 4 | low);
        }
        let ids = RoaringTreemap::deserialize_from(&bytes[..])
            .map_err(|err| BadIdSet(format!("not a roaring id set: {err}")))?;
        Ok(Self { ids })
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_id_goes_in_once_negative_and_extreme_ids_included() {
        let mut set = IdSet::default();
        for id in [0, 1, -1, i64::MIN, i64::MAX, 1 << 40] {
            assert!(set.insert(id), "{id} is new");
            assert!(!set.insert(id), "{id} is not new twice");
            assert!(set.contains(id));
        }
        assert!(!set.contains(2));
        assert_eq!(set.len(), 6);
    }

    #[test]
    fn garbage_is_refused_not_trusted() {
        assert!(IdSet::from_hex("abc").is_err(), "odd length");
        assert!(IdSet::from_hex("zz").is_err(), "not hex");
        assert!(IdSet::from_hex("ffffffffffffffff").is_err(), "not a bitmap");
        assert_eq!(
            IdSet::from_hex(&IdSet::default().to_hex()).unwrap().len(),
            0
        );
    }

    proptest! {
        /// The hex form reads back as the same set, for any ids.
        #[test]
        fn hex_round_trips(ids in proptest::collection::vec(any::<i64>(), 0..200)) {
            let mut set = IdSet::default();
            for id in &ids {
                set.insert(*id);
            }
            let back = IdSet::from_hex(&set.to_hex()).unwrap();
            prop_assert_eq!(&back, &set);
            for id in &ids {
                prop_assert!(back.contains(*id));
            }
        }
    }
}
