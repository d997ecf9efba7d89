//! Table tests of the bounds a walk takes from what it observed (`bounds.rs`).

use super::*;

#[test]
fn totals_that_contradict_themselves_are_a_fault() {
    // The lying server: total 250, total_pages 10^15.
    let mut state = walk(limits());
    assert_eq!(
        fault(
            &mut state,
            1,
            &page(1, 1_000_000_000_000_000, 250, ids(1, 10))
        ),
        PaginationFault::InconsistentSize {
            page: 1,
            total: 250,
            per_page: 10,
            total_pages: 1_000_000_000_000_000
        }
    );
    let mut state = walk(limits());
    accept(&mut state, 1, &page(1, 26, 250, ids(1, 10)));
}

/// Page `n` of a 30-member list that always has a `links.next`, holding `ids`.
fn endless(n: u64, ids: impl IntoIterator<Item = i64>) -> PageFacts {
    PageFacts {
        has_next_link: Some(true),
        ..page(n, 3, 30, ids)
    }
}

#[test]
fn pages_past_the_reported_size_are_a_runaway() {
    // 30 members, 10 a page, one new member a page and links.next forever: page 3
    // plus 2 pages of slack, then a fault.
    let mut state = walk(limits());
    for n in 1..=5 {
        accept(&mut state, n, &endless(n, [n as i64]));
    }
    assert_eq!(
        fault(&mut state, 6, &endless(6, [6])),
        PaginationFault::Runaway { pages: 6 }
    );
}

#[test]
fn new_members_beyond_the_first_total_are_a_fault() {
    // A page of new members each time: 30 + one page allowed.
    let mut state = walk(limits());
    for n in 1..=4 {
        accept(&mut state, n, &endless(n, ids(10 * n as i64, 10)));
    }
    assert_eq!(
        fault(&mut state, 5, &endless(5, ids(50, 10))),
        PaginationFault::BeyondTotal {
            items: 50,
            allowed: 40
        }
    );
}

#[test]
fn a_shrinking_list_without_repeats_reports_a_possible_gap() {
    let mut state = walk(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    accept(&mut state, 2, &page(2, 3, 27, ids(14, 10)));
    assert!(accept(&mut state, 3, &page(3, 3, 27, ids(24, 7))).done);
    let summary = state.summary();
    assert_eq!(summary.members_removed, 3);
    assert_eq!(summary.possible_gap(), 3);
    assert!(summary.drift.is_some());
    assert!(!summary.exact, "healing is off");
}

#[test]
fn repeats_prove_no_loss_at_their_boundary_but_a_churning_list_unhealed_has_a_gap() {
    // Two joined in front, two left at the back: the list moved forward, so no
    // member crossed page 2's boundary backwards; but a list seen churning may
    // hide a leave and a join at a later boundary, and healing is off.
    let mut state = walk(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    accept(&mut state, 2, &page(2, 3, 30, ids(9, 10)));
    assert!(accept(&mut state, 3, &page(3, 3, 30, ids(19, 10))).done);
    let summary = state.summary();
    assert_eq!((summary.possible_gap(), summary.duplicates_skipped), (1, 2));
    assert!(summary.drift.is_some(), "same total, yet the list changed");
    assert!(!summary.exact);
}

#[test]
fn a_walk_far_past_the_first_total_pages_is_a_runaway() {
    let mut state = walk(limits());
    // First report: 2 pages; the guard allows 2 * 2 + 16 = 20.
    for n in 1..=20 {
        accept(
            &mut state,
            n,
            &page(n, n + 1, 10 * (n + 1), ids(10 * n as i64, 10)),
        );
    }
    assert_eq!(
        fault(&mut state, 21, &page(21, 22, 220, ids(210, 10))),
        PaginationFault::Runaway { pages: 21 }
    );
}

#[test]
fn max_pages_bounds_a_walk_that_never_says_how_long_it_is() {
    let mut state = walk(WalkLimits {
        max_pages: Some(2),
        ..limits()
    });
    accept(&mut state, 1, &page(1, 9, 90, ids(1, 10)));
    accept(&mut state, 2, &page(2, 9, 90, ids(11, 10)));
    assert_eq!(
        fault(&mut state, 3, &page(3, 9, 90, ids(21, 10))),
        PaginationFault::Runaway { pages: 3 }
    );
}
