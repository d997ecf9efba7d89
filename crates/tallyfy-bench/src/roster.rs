//! The members a page server serves: generated once by tallyfy-fake's data generator
//! (the real wire shape, unknown keys included), then given ids (and, for sorted walks, a shuffled order), and
//! rendered to JSON before any timing starts.

use crate::harness::Bench;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use tallyfy_fake::FakeTallyfy;

/// How the roster's ids are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// As the fake numbers them: 1001, 1002, ...
    Consecutive,
    /// From a sequence shared with other records: 1001, 1001 + n, 1001 + 2n, ...
    Spaced(i64),
}

/// Members rendered one by one, in the order they are served.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Each member's id, in served order.
    pub ids: Vec<i64>,
    /// Each member's JSON object, in served order.
    pub json: Vec<Box<[u8]>>,
}

impl Roster {
    /// Members in the roster.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the roster is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Builds a roster from member objects (given in the fake's id order), in id order.
    ///
    /// # Errors
    /// When a member cannot be rendered.
    pub fn from_members(members: Vec<Value>, ids: Ids) -> Result<Self> {
        let mut roster = Roster::default();
        for (index, mut member) in members.into_iter().enumerate() {
            let id = match ids {
                Ids::Consecutive => member["id"].as_i64().context("a member without an id")?,
                Ids::Spaced(step) => 1001 + step * index as i64,
            };
            member["id"] = id.into();
            roster.ids.push(id);
            roster
                .json
                .push(serde_json::to_vec(&member)?.into_boxed_slice());
        }
        Ok(roster)
    }

    /// Generates `count` members with tallyfy-fake's generator (seed `seed`) on the
    /// bench's server runtime, in id order.
    ///
    /// # Errors
    /// When the fake cannot start.
    pub fn generate(bench: &Bench, count: usize, seed: u64, ids: Ids) -> Result<Self> {
        let fake = bench.start_fake(FakeTallyfy::builder().members(count).seed(seed))?;
        let members = fake.members();
        bench.stop_fake(fake);
        if members.len() != count {
            bail!("the fake generated {} members, not {count}", members.len());
        }
        Self::from_members(members, ids)
    }

    /// The first `n` members (the fake's member i does not depend on the count).
    pub fn prefix(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            ids: self.ids[..n].to_vec(),
            json: self.json[..n].to_vec(),
        }
    }

    /// The same members in a seeded random order, as `sort=` on another field gives.
    pub fn shuffled(&self, seed: u64) -> Self {
        let order = permutation(self.len(), seed);
        Self {
            ids: order.iter().map(|&i| self.ids[i]).collect(),
            json: order.iter().map(|&i| self.json[i].clone()).collect(),
        }
    }
}

/// A seeded Fisher-Yates permutation of `0..n` (SplitMix64 steps: no extra dependency).
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut items: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn members(n: i64) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": 1001 + i, "email": format!("m{i}@x")}))
            .collect()
    }

    #[test]
    fn spaced_ids_are_rewritten_in_the_json_too() {
        let roster = Roster::from_members(members(3), Ids::Spaced(7)).unwrap();
        assert_eq!(roster.ids, vec![1001, 1008, 1015]);
        let last: Value = serde_json::from_slice(&roster.json[2]).unwrap();
        assert_eq!(last["id"], 1015);
        assert_eq!(last["email"], "m2@x");
    }

    #[test]
    fn shuffled_rosters_keep_every_member_once_and_ids_with_their_json() {
        let roster = Roster::from_members(members(50), Ids::Consecutive)
            .unwrap()
            .shuffled(9);
        let mut sorted = roster.ids.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1001..1051).collect::<Vec<_>>());
        assert_ne!(
            roster.ids, sorted,
            "a permutation of 50 left the order unchanged"
        );
        for (id, json) in roster.ids.iter().zip(&roster.json) {
            let member: Value = serde_json::from_slice(json).unwrap();
            assert_eq!(member["id"], *id);
        }
        let again = Roster::from_members(members(50), Ids::Consecutive)
            .unwrap()
            .shuffled(9);
        assert_eq!(again.prefix(3).ids, roster.ids[..3]);
        assert_eq!(again.ids, roster.ids, "the permutation is not seeded");
    }
}
