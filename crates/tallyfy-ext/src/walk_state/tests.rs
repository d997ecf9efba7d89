//! Table tests of every rule of [`WalkState`], with canned pages and no I/O.

use super::*;
use crate::error::PaginationFault;

mod bounds;
mod churn;
mod heal;

/// Healing off: these tests are of the forward walk (`tests/heal.rs` has the rest).
fn limits() -> WalkLimits {
    WalkLimits {
        first_page: 1,
        start_page: 1,
        concurrency: 1,
        max_items: None,
        max_pages: None,
        heal_pages: 0,
    }
}

fn walk(limits: WalkLimits) -> WalkState {
    WalkState::new(limits, Carried::default())
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
    let mut state = walk(WalkLimits {
        concurrency: 4,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1], "the first page alone");
    accept(&mut state, 1, &page(1, 6, 60, ids(1, 10)));
    assert_eq!(fetches(&mut state, 0), [2, 3, 4, 5], "then four in flight");
    assert_eq!(fetches(&mut state, 3), [6], "never past total_pages");
    assert_eq!(fetches(&mut state, 0), Vec::<u64>::new());
}

/// Facts of a page that sends no `total_pages`, only `links` (`next`: `Some(true)`).
fn linked(current: u64, next: Option<bool>, ids: impl IntoIterator<Item = i64>) -> PageFacts {
    PageFacts {
        total_pages: None,
        total: None,
        has_next_link: next,
        ..page(current, 0, 0, ids)
    }
}

#[test]
fn without_total_pages_links_next_is_followed_one_page_at_a_time() {
    let mut state = walk(WalkLimits {
        concurrency: 4,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [1]);
    assert!(!accept(&mut state, 1, &linked(1, Some(true), ids(1, 10))).done);
    assert_eq!(
        fetches(&mut state, 0),
        [2],
        "one at a time without total_pages"
    );
    assert!(!accept(&mut state, 2, &linked(2, Some(true), ids(11, 10))).done);
    assert_eq!(fetches(&mut state, 0), [3]);
    let step = accept(&mut state, 3, &linked(3, Some(false), ids(21, 10)));
    assert!(step.done, "an empty or absent links.next ends it");
    assert_eq!(state.summary().items, 30);
}

#[test]
fn links_next_past_total_pages_is_followed_and_total_alone_says_more() {
    // total_pages says 2, links.next says more: not stopped early.
    let mut state = walk(limits());
    accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
    let more = PageFacts {
        has_next_link: Some(true),
        ..page(2, 2, 20, ids(11, 10))
    };
    assert!(!accept(&mut state, 2, &more).done);
    assert_eq!(fetches(&mut state, 0), [3]);
    assert_eq!(
        fetches(&mut state, 1),
        Vec::<u64>::new(),
        "one page past it at a time"
    );
    // Neither total_pages nor links: the size decides.
    let mut state = walk(limits());
    let sized = PageFacts {
        total_pages: None,
        ..page(1, 0, 15, ids(1, 10))
    };
    assert!(!accept(&mut state, 1, &sized).done, "15 members, 10 read");
    let sized = PageFacts {
        total_pages: None,
        ..page(2, 0, 15, ids(11, 5))
    };
    assert!(accept(&mut state, 2, &sized).done);
}

#[test]
fn start_page_u64_max_neither_overflows_nor_loops() {
    let mut state = walk(WalkLimits {
        start_page: u64::MAX,
        first_page: u64::MAX,
        ..limits()
    });
    assert_eq!(fetches(&mut state, 0), [u64::MAX]);
    assert_eq!(
        fetches(&mut state, 0),
        Vec::<u64>::new(),
        "no page after it"
    );
    let more = linked(u64::MAX, Some(true), ids(1, 10));
    assert!(matches!(
        fault(&mut state, u64::MAX, &more),
        PaginationFault::Runaway { .. }
    ));
}

#[test]
fn a_resumed_walk_starts_at_its_start_page() {
    let mut state = walk(WalkLimits {
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
        ..page(2, 2, 20, [])
    };
    let empty_with_more = PageFacts {
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
            name: "an empty page when nothing says more",
            facts: empty,
            done: true,
        },
        Case {
            name: "an empty page while total_pages says more: the walk goes on",
            facts: empty_with_more,
            done: false,
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
        let mut state = walk(limits());
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
    let mut state = walk(WalkLimits {
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
    let mut state = walk(limits());
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
fn the_same_members_again_unchanged_after_a_re_read_is_a_fault() {
    let mut state = walk(WalkLimits {
        concurrency: 3,
        ..limits()
    });
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    let step = accept(&mut state, 2, &page(2, 3, 30, ids(1, 10)));
    assert_eq!((step.take, step.restart, step.done), (0, true, false));
    assert_eq!(
        fetches(&mut state, 0),
        [1],
        "the page before, re-read alone"
    );
    assert_eq!(
        fault(&mut state, 1, &page(1, 3, 30, ids(1, 10))),
        PaginationFault::RepeatedPage { page: 2 }
    );
}

#[test]
fn the_same_members_again_with_the_page_before_changed_is_drift() {
    // Ten joined in front and ten left at the back: page 2 holds what page 1 held.
    let mut state = walk(limits());
    accept(&mut state, 1, &page(1, 3, 30, ids(1, 10)));
    accept(&mut state, 2, &page(2, 3, 30, ids(1, 10)));
    assert_eq!(fetches(&mut state, 0), [1]);
    let step = accept(&mut state, 1, &page(1, 3, 30, ids(101, 10)));
    assert_eq!(step.take, 10, "the joiners re-read on page 1 are yielded");
    assert_eq!(
        fetches(&mut state, 0),
        [3],
        "then on after the repeated page"
    );
    assert!(accept(&mut state, 3, &page(3, 3, 30, ids(11, 10))).done);
    let summary = state.summary();
    assert_eq!((summary.items, summary.healed), (30, 10));
    assert!(
        summary.drift.is_some(),
        "a change of the same size is drift"
    );
}

#[test]
fn max_items_cuts_the_page_that_reaches_it_and_says_so() {
    let mut state = walk(WalkLimits {
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
    let mut state = walk(WalkLimits {
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
    let mut state = walk(WalkLimits {
        max_items: Some(10),
        ..limits()
    });
    let step = accept(&mut state, 1, &page(1, 2, 20, ids(1, 10)));
    assert_eq!((step.take, step.done), (10, true));
    assert!(state.summary().truncated, "members were left unread");
}

#[test]
fn untyped_members_are_counted() {
    let mut state = walk(limits());
    let mut facts = page(1, 1, 4, ids(1, 2));
    facts.untyped = 2;
    accept(&mut state, 1, &facts);
    assert_eq!((state.summary().untyped, state.summary().items), (2, 2));
}
