//! Lists that change under a walk, against the fake (real offset paging over a list
//! that changes between page reads): each member at most once, every member present
//! for the whole walk yielded or the gap reported, drift told from a fault, and
//! `links.next` followed. The first four tests are issue 22's four failures.

mod support;

use futures::TryStreamExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use support::*;
use tallyfy_ext::testing::{RunningFake, TestTallyfy};
use tallyfy_ext::{MembersRequest, WalkSummary};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Walks `request` a page at a time; after page `after` is read, runs `churn`.
async fn walk_with(
    fake: &RunningFake,
    request: MembersRequest,
    after: u64,
    churn: impl Fn(&RunningFake),
) -> (Vec<i64>, WalkSummary) {
    let mut pages = request.per_page(10).concurrency(1).pages();
    let mut ids = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        ids.extend(page.items.iter().map(|m| m.id));
        if page.page == after && pages.summary().reread_pages == 0 {
            churn(fake);
        }
    }
    (ids, pages.summary())
}

fn twice(ids: &[i64]) -> Vec<i64> {
    let mut seen = HashSet::new();
    ids.iter().copied().filter(|id| !seen.insert(*id)).collect()
}

/// Newest first: 25 join at the front and 25 leave at the back after page 3.
/// The old window yielded 15 members twice and said `drift: None`.
#[tokio::test]
async fn churn_with_a_flat_total_yields_no_member_twice_and_is_reported() {
    let tallyfy = TestTallyfy::builder().members(60).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members().sort("-id");
    let (ids, summary) = walk_with(fake, request, 3, |f| {
        f.insert_members(25);
        f.remove_members(25);
    })
    .await;
    assert_eq!(twice(&ids), Vec::<i64>::new(), "a member came twice");
    let drift = summary.drift.expect("the list changed: drift is reported");
    assert_eq!(
        (drift.total_before, drift.total_after),
        (Some(60), Some(60))
    );
    let present: Vec<i64> = (1026..=1060).collect();
    assert!(present.iter().all(|id| ids.contains(id)), "{ids:?}");
    assert!(summary.exact && summary.possible_gap() == 0, "{summary:?}");
}

/// Id order: 25 leave at the front and 25 join at the back after page 3. The old
/// walk skipped 25 members present all along and said nothing.
#[tokio::test]
async fn members_pulled_onto_pages_already_read_are_healed() {
    let tallyfy = TestTallyfy::builder().members(60).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members();
    let (ids, summary) = walk_with(fake, request, 3, |f| {
        f.remove_members(25);
        f.insert_members(25);
    })
    .await;
    let missing: Vec<i64> = (1026..=1060).filter(|id| !ids.contains(id)).collect();
    assert_eq!(
        missing,
        Vec::<i64>::new(),
        "present all along, never yielded"
    );
    assert_eq!(twice(&ids), Vec::<i64>::new());
    assert!(summary.healed >= 20, "{summary:?}");
    assert!(summary.exact, "{summary:?}");
}

/// With healing off the same walk misses them, and says that it did not check.
#[tokio::test]
async fn without_healing_an_unchecked_walk_is_not_exact() {
    let tallyfy = TestTallyfy::builder().members(60).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members().heal_pages(0);
    let (ids, summary) = walk_with(fake, request, 3, |f| {
        f.remove_members(25);
        f.insert_members(25);
    })
    .await;
    assert!(ids.len() < 60 + 25);
    assert!(!summary.exact);
    assert_eq!(summary.reread_pages, 0, "the off switch sends nothing more");
}

/// Newest first: 10 join at the front and 10 leave at the back after page 2, so
/// page 3 holds what page 2 held. The old walk failed with "page 3 repeats...".
#[tokio::test]
async fn one_page_of_churn_with_the_same_total_is_drift_not_a_fault() {
    let tallyfy = TestTallyfy::builder().members(50).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members().sort("-id");
    let (ids, summary) = walk_with(fake, request, 2, |f| {
        f.insert_members(10);
        f.remove_members(10);
    })
    .await;
    assert_eq!(twice(&ids), Vec::<i64>::new());
    assert!((1011..=1050).all(|id| ids.contains(&id)), "{ids:?}");
    assert!(summary.drift.is_some() && summary.exact, "{summary:?}");
}

/// Pages with `links.next` and no `total_pages` (nor `total`).
async fn linked_pages(total: i64, per_page: i64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(move |request: &Request| {
            let page = page_of(request) as i64;
            let ids = (page - 1) * per_page + 1..=(page * per_page).min(total);
            let mut body = page_body(ids, page as u64, per_page as u64, total as u64);
            let pagination = &mut body["meta"]["pagination"];
            let more = page * per_page < total;
            pagination["links"] = if more {
                serde_json::json!({"next": format!("https://x.example/users?page={}", page + 1)})
            } else {
                serde_json::json!({"next": ""})
            };
            let map = pagination.as_object_mut().unwrap();
            map.remove("total_pages");
            map.remove("total");
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    server
}

/// The old walk stopped after page 1: 10 of 30 members, no error.
#[tokio::test]
async fn links_next_without_total_pages_is_followed_to_the_end() {
    let server = linked_pages(30, 10).await;
    let mut stream = client(&server).members().per_page(10).items();
    let mut ids = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        ids.push(member.id);
    }
    assert_eq!(ids, (1..=30).collect::<Vec<_>>());
    let forward: Vec<u64> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(page_of)
        .collect();
    assert_eq!(forward[..3], [1, 2, 3], "page by page, then the check");
}

/// Newest first, members inserted in front mid-walk: repeats dropped, the walk
/// heals the joiners in front of it, no gap.
#[tokio::test]
async fn growth_in_front_is_dropped_and_the_joiners_healed() {
    let tallyfy = TestTallyfy::builder().members(60).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members().sort("-id");
    let (ids, summary) = walk_with(fake, request, 1, |f| {
        f.insert_members(25);
    })
    .await;
    assert_eq!(twice(&ids), Vec::<i64>::new());
    assert_eq!(ids.len(), 85, "every member once, the 25 joiners included");
    assert_eq!(summary.members_added, 25);
    assert!(summary.exact);
}

/// A budget too small to confirm: the gap is reported, not hidden.
#[tokio::test]
async fn a_heal_budget_too_small_reports_a_possible_gap() {
    let tallyfy = TestTallyfy::builder().members(60).start().await.unwrap();
    let fake = tallyfy.fake();
    let request = tallyfy.client().members().heal_pages(3);
    let (_, summary) = walk_with(fake, request, 3, |f| {
        f.remove_members(25);
        f.insert_members(25);
    })
    .await;
    assert!(!summary.exact);
    assert!(summary.possible_gap() >= 1, "{summary:?}");
    assert_eq!(summary.reread_pages, 3, "the budget is a bound");
}

/// Serves `responder` for every GET.
async fn serve(server: &MockServer, responder: impl wiremock::Respond + 'static) {
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(responder)
        .mount(server)
        .await;
}

#[tokio::test]
async fn members_inserted_mid_walk_are_not_yielded_twice_and_drift_is_reported() {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicU64::new(0));
    let count = requests.clone();
    // After page 1 is served, 5 members are inserted at the front: ids shift by 5.
    serve(&server, move |r: &Request| {
        let page = page_of(r);
        let shift = if count.fetch_add(1, Ordering::SeqCst) == 0 {
            0
        } else {
            5
        };
        let total = 30 + shift;
        let all: Vec<i64> = (1001..1001 + shift as i64).chain(1..=30).collect();
        let start = ((page - 1) * 10) as usize;
        let ids = all.iter().copied().skip(start).take(10);
        ResponseTemplate::new(200).set_body_json(page_body(ids, page, 10, total))
    })
    .await;
    let mut stream = client(&server).members().per_page(10).items();
    let mut got = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        got.push(member.id);
    }
    let mut unique = got.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "no member twice: {got:?}");
    let summary = stream.summary();
    assert_eq!(summary.duplicates_skipped, 5);
    let drift = summary.drift.expect("drift reported");
    assert_eq!(
        (drift.at_page, drift.total_before, drift.total_after),
        (2, Some(30), Some(35))
    );
}

#[tokio::test]
async fn a_full_page_inserted_in_front_is_drift_not_a_repeated_page() {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicU64::new(0));
    let count = requests.clone();
    // After page 1, exactly one page of members (ids 501..=510) is inserted in front,
    // so page 2 holds the members page 1 had.
    serve(&server, move |r: &Request| {
        let page = page_of(r);
        let inserted = count.fetch_add(1, Ordering::SeqCst) > 0;
        let all: Vec<i64> = if inserted {
            (501..=510).chain(1..=30).collect()
        } else {
            (1..=30).collect()
        };
        let ids = all
            .iter()
            .copied()
            .skip(((page - 1) * 10) as usize)
            .take(10);
        ResponseTemplate::new(200).set_body_json(page_body(ids, page, 10, all.len() as u64))
    })
    .await;
    let mut stream = client(&server).members().per_page(10).items();
    let mut got = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        got.push(member.id);
    }
    // Page 2 repeats page 1 (dropped); healing re-reads page 1 and finds the joiners.
    assert_eq!(got, (1..=30).chain(501..=510).collect::<Vec<_>>());
    assert_eq!(stream.summary().duplicates_skipped, 10);
    assert_eq!(stream.summary().healed, 10);
    assert!(stream.summary().drift.is_some());
}
