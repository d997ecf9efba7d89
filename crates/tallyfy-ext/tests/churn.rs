//! A property test of whole walks against the fake while its list changes: between
//! page reads, members join and leave at random positions of the order the fake
//! serves. Whatever the churn, the SDK's real walk (HTTP, decoding, `WalkState`,
//! healing) yields no member twice; every member present for the whole walk is
//! yielded, or the summary says members may be missing, or the walk saw no change
//! at all (then it does not call itself exact); a walk that calls itself exact
//! missed no one; and it ends. `walk_state/tests/churn.rs` checks the same promise
//! against a model list, thousands of times; this checks it end to end.

use futures::TryStreamExt;
use proptest::prelude::*;
use std::collections::BTreeSet;
use tallyfy_ext::WalkSummary;
use tallyfy_ext::testing::{RunningFake, TestTallyfy};

/// One change between two page reads.
#[derive(Debug, Clone)]
enum Change {
    /// The member at this position (modulo the length) leaves.
    Leave(usize),
    /// A new member joins at this position (modulo the length plus one).
    Join(usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        any::<usize>().prop_map(Change::Leave),
        any::<usize>().prop_map(Change::Join),
    ]
}

fn apply(fake: &RunningFake, changes: &[Change]) {
    for change in changes {
        match change {
            Change::Leave(at) => {
                fake.leave_at(*at);
            }
            Change::Join(at) => {
                fake.join_at(*at);
            }
        }
    }
}

struct Outcome {
    yielded: Vec<i64>,
    /// Present at the start and at the end (a member who left never comes back).
    stable: BTreeSet<i64>,
    summary: WalkSummary,
    faulted: bool,
    requests: usize,
}

/// Walks `size` members `per_page` at a time; after the `k`th page the stream
/// yields, `churn[k]` is applied.
async fn walk_churning(size: usize, per_page: u64, heal: u64, churn: &[Vec<Change>]) -> Outcome {
    let tallyfy = TestTallyfy::builder().members(size).start().await.unwrap();
    let fake = tallyfy.fake();
    let ids = |members: Vec<serde_json::Value>| -> BTreeSet<i64> {
        members.iter().filter_map(|m| m["id"].as_i64()).collect()
    };
    let before = ids(fake.members());
    let mut pages = tallyfy
        .client()
        .members()
        .per_page(per_page)
        .concurrency(1)
        .heal_pages(heal)
        .pages();
    let (mut yielded, mut faulted, mut k) = (Vec::new(), false, 0);
    loop {
        match pages.try_next().await {
            Ok(Some(page)) => {
                yielded.extend(page.items.iter().map(|m| m.id));
                apply(fake, churn.get(k).map_or(&[], Vec::as_slice));
                k += 1;
            }
            Ok(None) => break,
            Err(_) => {
                faulted = true;
                break;
            }
        }
    }
    let after = ids(fake.members());
    Outcome {
        yielded,
        stable: before.intersection(&after).copied().collect(),
        summary: pages.summary(),
        faulted,
        requests: fake.request_count(),
    }
}

fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

proptest! {
    // Each case starts a fake and walks it over loopback: fewer cases than the
    // model's 400, more changes per case.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn once_and_complete_or_reported_whatever_the_churn(
        size in 0usize..50,
        per_page in 3u64..12,
        heal in prop_oneof![Just(0u64), Just(2), Just(256)],
        churn in prop::collection::vec(prop::collection::vec(change(), 0..4), 0..10),
    ) {
        let out = run(walk_churning(size, per_page, heal, &churn));
        let unique: BTreeSet<i64> = out.yielded.iter().copied().collect();
        prop_assert_eq!(unique.len(), out.yielded.len(), "a member yielded twice: {:?}", out.yielded);
        // The walk ended (a runaway one would hit the fake thousands of times).
        prop_assert!(out.requests < 200, "{} requests", out.requests);
        if !out.faulted {
            let missed: Vec<_> = out.stable.difference(&unique).collect();
            prop_assert!(
                missed.is_empty() || out.summary.possible_gap() > 0 || out.summary.drift.is_none(),
                "missed {:?} in silence: {:?}", missed, out.summary
            );
            if out.summary.exact {
                prop_assert!(missed.is_empty(), "exact, yet missed {:?}: {:?}", missed, out.summary);
                prop_assert_eq!(out.summary.possible_gap(), 0);
            }
        }
    }
}

/// Two leaves in front of the walk's position and one join behind it, through
/// `join_at`/`leave_at`: members pulled onto pages already read are healed.
#[test]
fn leaves_in_front_are_healed_through_the_fake() {
    let churn = vec![
        vec![],
        vec![Change::Leave(0), Change::Leave(3), Change::Join(25)],
    ];
    let out = run(walk_churning(30, 10, 256, &churn));
    assert!(!out.faulted);
    let unique: BTreeSet<i64> = out.yielded.iter().copied().collect();
    assert_eq!(unique.len(), out.yielded.len());
    assert!(out.stable.is_subset(&unique), "{:?}", out.summary);
    assert!(
        out.summary.healed > 0 && out.summary.exact,
        "{:?}",
        out.summary
    );
}
