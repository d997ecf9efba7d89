//! Table tests of every rule of [`WalkState`], with canned pages and no I/O.

use super::*;

fn limits() -> WalkLimits {
    WalkLimits {
        start_page: 1,
        concurrency: 1,
        max_items: None,
        max_pages: None,
    }
}

/// A page of `ids` reporting `total` members in `total_pages` pages of `per_page`.
fn page(
    current: u64,
    total_pages: u64,
    total: u64,
    ids: impl IntoIterator<Item = i64>,
) -> PageFacts {
    PageFacts {
        current_page: Some(current),
        total_pages: Some(total_pages),
        total: Some(total),
        per_page: Some(10),
        has_next_link: None,
        ids: ids.into_iter().map(Some).collect(),
        untyped: 0,
    }
}

/// Ids `from..from + n`.
fn ids(from: i64, n: i64) -> std::ops::Range<i64> {
    from..from + n
}

/// Starts every page the state allows with nothing accepted in between.
fn fetches(state: &mut WalkState, in_flight: usize) -> Vec<u64> {
    let mut started = Vec::new();
    while let Some(page) = state.next_fetch(in_flight + started.len()) {
        started.push(page);
    }
    started
}

fn accept(state: &mut WalkState, requested: u64, facts: &PageFacts) -> Step {
    state
        .accept(requested, facts)
        .unwrap_or_else(|f| panic!("page {requested}: {}", f.message))
}

fn fault(state: &mut WalkState, requested: u64, facts: &PageFacts) -> PaginationFault {
    let fault = state.accept(requested, facts).expect_err("a fault").fault;
    assert!(state.is_done(), "a fault ends the walk");
    fault
}

#[test]
fn one_page_at_a_time_until_total_pages_is_known_then_the_window() {
    let mut state = WalkState::new(WalkLimits {
        concurrency: 4,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1], "the first page alone");
    accept(&mut state, 1, &page(1, 6, 60, ids(1, 10)));
    assert_eq!(fetches(&mut state, 0), [2, 3, 4, 5], "then four in flight");
    assert_eq!(fetches(&mut state, 3), [6], "never past total_pages");
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
}

#[test]
fn without_total_pages_no_second_page_is_started() {
    let mut state = WalkState::new(WalkLimits {
        concurrency: 4,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1]);
    let mut facts = page(1, 0, 30, ids(1, 10));
    facts.total_pages = None;
    let step = accept(&mut state, 1, &facts);
    assert!(step.done, "a page without total_pages says it is the last");
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
}

#[test]
fn a_resumed_walk_starts_at_its_start_page() {
    let mut state = WalkState::new(WalkLimits {
        start_page: 3,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [3]);
    let step = accept(&mut state, 3, &page(3, 4, 40, ids(21, 10)));
    assert!(!step.done);
    assert_eq!(fetches(&mut state, 0), [4]);
    assert!(accept(&mut state, 4, &page(4, 4, 40, ids(31, 10))).done);
    assert_eq!(state.summary().pages, 2);
    assert_eq!(state.summary().items, 20);
}

#[test]
fn last_page_rules() {
    struct Case {
        name: &'static str,
        facts: PageFacts,
        done: bool,
    }
    let empty = PageFacts {
        ids: Vec::new(),
        ..page(2, 5, 50, [])
    };
    let no_next = PageFacts {
        has_next_link: Some(false),
        ..page(2, 5, 50, ids(11, 10))
    };
    let untyped_only = PageFacts {
        ids: Vec::new(),
        untyped: 3,
        ..page(2, 5, 50, [])
    };
    let cases = [
        Case {
            name: "a middle page",
            facts: page(2, 5, 50, ids(11, 10)),
            done: false,
        },
        Case {
            name: "current_page reaches total_pages",
            facts: page(2, 2, 20, ids(11, 10)),
            done: true,
        },
        Case {
            name: "an empty page",
            facts: empty,
            done: true,
        },
        Case {
            name: "links without next while total_pages says more: the walk goes on",
            facts: no_next,
            done: false,
        },
        Case {
            name: "a page of untyped members is not empty",
            facts: untyped_only,
            done: false,
        },
    ];
    for case in cases {
        let mut state = WalkState::new(limits());
        accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
        let step = accept(&mut state, 2, &case.facts);
        assert_eq!(step.done, case.done, "{}", case.name);
        assert_eq!(state.is_done(), case.done, "{}", case.name);
    }
}

#[test]
fn a_stale_last_page_does_not_end_a_walk_that_grew() {
    // Page 2 was fetched before an insert and says 2 pages; page 1, read after it,
    // said 3. The largest count seen decides.
    let mut state = WalkState::new(WalkLimits {
        concurrency: 2,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1]);
    accept(&mut state, 1, &page(1, 3, 21, ids(1, 10)));
    assert_eq!(fetches(&mut state, 0), [2, 3]);
    let step = accept(&mut state, 2, &page(2, 2, 20, ids(11, 10)));
    assert!(!step.done, "page 3 is still wanted");
    assert!(accept(&mut state, 3, &page(3, 3, 21, [21])).done);
    assert_eq!(state.summary().items, 21);
}

#[test]
fn a_page_answered_with_another_number_is_a_fault() {
    let mut state = WalkState::new(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    assert_eq!(
        fault(&mut state, 2, &page(1, 3, 30, ids(1, 10))),
        PaginationFault::PageMismatch {
            requested: 2,
            returned: 1
        }
    );
    assert_eq!(state.next_fetch(0), None, "nothing after a fault");
}

#[test]
fn the_same_members_again_with_an_unchanged_total_is_a_fault() {
    let mut state = WalkState::new(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    assert_eq!(
        fault(&mut state, 2, &page(2, 3, 30, ids(1, 10))),
        PaginationFault::RepeatedPage { page: 2 }
    );
}

#[test]
fn the_same_members_again_after_the_total_moved_is_drift_and_repeats_are_dropped() {
    let mut state = WalkState::new(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    // Ten members joined in front: page 2 now holds what page 1 held.
    let step = accept(&mut state, 2, &page(2, 4, 40, ids(1, 10)));
    assert_eq!(step.keep, vec![false; 10]);
    assert_eq!(step.take, 0);
    let summary = state.summary();
    assert_eq!(summary.duplicates_skipped, 10);
    assert_eq!(summary.members_added, 10);
    let drift = summary.drift.expect("drift");
    assert_eq!(
        (drift.at_page, drift.total_before, drift.total_after),
        (2, Some(30), Some(40))
    );
}

#[test]
fn ids_repeated_within_the_window_are_dropped_item_by_item() {
    let mut state = WalkState::new(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    // Two members joined: the last two of page 1 come back first on page 2.
    let step = accept(
        &mut state,
        2,
        &page(2, 4, 32, [9, 10, 11, 12, 13, 14, 15, 16, 17, 18]),
    );
    assert_eq!(
        step.keep,
        [false, false, true, true, true, true, true, true, true, true]
    );
    assert_eq!(step.take, 8);
    assert_eq!(state.summary().items, 18);
}

#[test]
fn items_without_an_id_are_always_kept() {
    let mut state = WalkState::new(limits());
    let mut facts = page(1, 1, 3, []);
    facts.ids = vec![None, Some(1), None];
    let step = accept(&mut state, 1, &facts);
    assert_eq!(step.keep, [true, true, true]);
}

#[test]
fn shrinking_lists_report_a_possible_gap() {
    let mut state = WalkState::new(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    accept(&mut state, 2, &page(2, 3, 27, ids(14, 10)));
    let summary = state.summary();
    assert_eq!(summary.members_removed, 3);
    assert_eq!(summary.possible_gap(), 3);
    assert!(summary.drift.is_some());
}

#[test]
fn a_walk_far_past_the_first_total_pages_is_a_runaway() {
    let mut state = WalkState::new(limits());
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
    let mut state = WalkState::new(WalkLimits {
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

#[test]
fn max_items_cuts_the_page_that_reaches_it_and_says_so() {
    let mut state = WalkState::new(WalkLimits {
        max_items: Some(15),
        concurrency: 8,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1]);
    accept(&mut state, 1, &page(1, 5, 50, ids(1, 10)));
    assert_eq!(
        fetches(&mut state, 0),
        [2],
        "five more members need one page"
    );
    let step = accept(&mut state, 2, &page(2, 5, 50, ids(11, 10)));
    assert_eq!((step.take, step.done), (5, true));
    let summary = state.summary();
    assert_eq!((summary.items, summary.truncated), (15, true));
}

#[test]
fn max_items_met_exactly_on_the_last_page_is_not_truncated() {
    let mut state = WalkState::new(WalkLimits {
        max_items: Some(20),
        ..limits()
    });
    accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
    let step = accept(&mut state, 2, &page(2, 2, 20, ids(11, 10)));
    assert_eq!((step.take, step.done), (10, true));
    assert!(!state.summary().truncated);
}

#[test]
fn max_items_met_exactly_before_the_last_page_is_truncated() {
    let mut state = WalkState::new(WalkLimits {
        max_items: Some(10),
        ..limits()
    });
    let step = accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
    assert_eq!((step.take, step.done), (10, true));
    assert!(state.summary().truncated, "members were left unread");
}

#[test]
fn untyped_members_are_counted() {
    let mut state = WalkState::new(limits());
    let mut facts = page(1, 1, 4, ids(1, 2));
    facts.untyped = 2;
    accept(&mut state, 1, &facts);
    assert_eq!((state.summary().untyped, state.summary().items), (2, 2));
}
