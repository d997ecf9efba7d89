//! Table tests of the end-of-walk check and healing (`heal.rs`): which pages are
//! re-read, what they yield, when the walk is exact and when it reports a gap.

use super::*;

fn healing(heal_pages: u64) -> WalkLimits {
    WalkLimits {
        heal_pages,
        ..limits()
    }
}

/// Walks the three pages of a steady 30-member list forward; returns the state
/// with the end-of-walk work still to do.
fn walked_forward(heal_pages: u64) -> WalkState {
    let mut state = walk(healing(heal_pages));
    for n in 1..=3 {
        assert_eq!(fetches(&mut state, 0), [n]);
        let step = accept(
            &mut state,
            n,
            &page(n, 3, 30, ids(1 + 10 * (n as i64 - 1), 10)),
        );
        assert_eq!(step.take, 10);
    }
    state
}

#[test]
fn an_unchanged_first_page_at_the_end_ends_the_walk_without_a_gap_for_one_request() {
    let mut state = walked_forward(256);
    assert!(!state.is_done(), "the end-of-walk check is still owed");
    assert_eq!(fetches(&mut state, 0), [1], "the first page, re-read alone");
    let step = accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    assert_eq!((step.take, step.reread, step.done), (0, true, true));
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
    let summary = state.summary();
    assert!(!summary.exact, "no sign of change is not a proof of none");
    assert_eq!((summary.items, summary.healed, summary.gap), (30, 0, 0));
}

#[test]
fn a_changed_first_page_heals_every_page_until_a_pass_finds_none_changed() {
    // Member 5 left and member 31 joined at the back: `total` stays 30, and the
    // forward pages showed no sign; page 1 now holds 11, pulled in from page 2.
    let mut state = walked_forward(256);
    assert_eq!(fetches(&mut state, 0), [1]);
    let step = accept(
        &mut state,
        1,
        &page(1, 3, 30, (1..=11).filter(|&id| id != 5)),
    );
    assert_eq!(
        (step.take, step.done),
        (0, false),
        "11 was yielded on page 2"
    );
    // The rest of the first pass: pages 2 and 3, one at a time.
    assert_eq!(fetches(&mut state, 0), [2]);
    let ids_2: Vec<i64> = (12..=21).collect();
    assert_eq!(
        accept(&mut state, 2, &page(2, 3, 30, ids_2.clone())).take,
        0
    );
    assert_eq!(fetches(&mut state, 0), [3]);
    let ids_3: Vec<i64> = (22..=31).collect();
    let step = accept(&mut state, 3, &page(3, 3, 30, ids_3.clone()));
    assert_eq!(step.take, 1, "31, missed by the forward walk, is yielded");
    // The pass changed pages, so a second pass reads them all and finds them steady.
    let ids_1: Vec<i64> = (1..=11).filter(|&id| id != 5).collect();
    for (n, ids) in [(1, ids_1), (2, ids_2), (3, ids_3)] {
        assert_eq!(fetches(&mut state, 0), [n], "second pass");
        let step = accept(&mut state, n, &page(n, 3, 30, ids));
        assert_eq!(step.take, 0);
        assert_eq!(step.done, n == 3);
    }
    let summary = state.summary();
    assert!(summary.exact, "a pass found every page as last read");
    assert_eq!((summary.items, summary.healed, summary.gap), (31, 1, 0));
}

#[test]
fn a_budget_too_small_for_a_pass_ends_the_walk_inexact_with_a_gap() {
    // Two extra requests: the sentinel and one page of the pass.
    let mut state = walked_forward(2);
    assert_eq!(fetches(&mut state, 0), [1]);
    accept(
        &mut state,
        1,
        &page(1, 3, 30, (1..=11).filter(|&id| id != 5)),
    );
    assert_eq!(fetches(&mut state, 0), [2]);
    let step = accept(&mut state, 2, &page(2, 3, 30, 12..=21));
    assert!(step.done, "the budget is spent");
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
    let summary = state.summary();
    assert!(!summary.exact);
    assert!(
        summary.gap >= 1,
        "a list seen changing, not healed: a possible gap"
    );
}

#[test]
fn healing_off_ends_a_multi_page_walk_at_once_inexact_but_without_a_gap() {
    let state = walked_forward(0);
    assert!(state.is_done(), "no end-of-walk request");
    let summary = state.summary();
    assert!(!summary.exact, "not checked, so not known exact");
    assert_eq!(summary.gap, 0, "nothing seen changing");
}

#[test]
fn a_single_page_walk_is_exact_without_a_re_read() {
    let mut state = walk(healing(256));
    assert!(accept(&mut state, 1, &page(1, 1, 7, ids(1, 7))).done);
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
    assert!(state.summary().exact);
}

#[test]
fn a_list_seen_changing_forward_heals_past_its_last_page_to_the_size_it_grew_to() {
    // `total` grows on page 2 while `total_pages` still says 2: the forward walk
    // ends there, and healing reads up to the size the list grew to (page 3).
    let mut state = walk(healing(256));
    accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
    assert!(!accept(&mut state, 2, &page(2, 2, 21, ids(11, 10))).done);
    let steady = |n: u64| match n {
        1 => page(n, 3, 21, ids(1, 10)),
        2 => page(n, 3, 21, ids(11, 10)),
        _ => page(n, 3, 21, [21]),
    };
    let mut reads = Vec::new();
    while let Some(n) = fetches(&mut state, 0).first().copied() {
        assert!(reads.len() < 8, "healing is bounded: {reads:?}");
        reads.push(n);
        accept(&mut state, n, &steady(n));
    }
    // A pass that found member 21, then a pass that found every page as last read.
    assert_eq!(reads, [1, 2, 3, 1, 2, 3]);
    let summary = state.summary();
    assert!(summary.exact);
    assert_eq!((summary.items, summary.healed, summary.gap), (21, 1, 0));
    assert!(summary.drift.is_some());
}
