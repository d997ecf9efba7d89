//! Lists that change under a walk: repeats dropped against a window of recent pages,
//! gaps and growth reported, and no early end at a page read before an insert.

mod support;

use futures::TryStreamExt;
use std::collections::HashSet;
use support::*;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Serves scripted pages: `pages[n - 1]` is `(ids, total)` of page `n`.
async fn scripted(pages: Vec<(Vec<i64>, u64)>, per_page: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(move |request: &Request| {
            let page = page_of(request);
            let (ids, total) = pages
                .get(page as usize - 1)
                .cloned()
                .unwrap_or((Vec::new(), pages.last().unwrap().1));
            ResponseTemplate::new(200).set_body_json(page_body(ids, page, per_page, total))
        })
        .mount(&server)
        .await;
    server
}

/// With pages in flight, page 3 was read before a member was added and says it is
/// the last; page 2, read after, says there are 4. The walk must read page 4.
#[tokio::test]
async fn a_last_page_read_before_an_insert_does_not_end_the_walk() {
    let server = scripted(
        vec![
            ((1..=10).collect(), 30),
            ((11..=20).collect(), 31),
            ((21..=30).collect(), 30), // stale: read before the insert
            (vec![31], 31),
        ],
        10,
    )
    .await;
    let mut stream = client(&server)
        .members()
        .per_page(10)
        .concurrency(4)
        .items();
    let mut ids = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        ids.push(member.id);
    }
    assert_eq!(ids, (1..=31).collect::<Vec<_>>());
    let summary = stream.summary();
    assert_eq!((summary.members_added, summary.members_removed), (2, 1));
}

/// Newest first with ids 7 apart (a shared id sequence): `old` is the list before,
/// `new` the members inserted in front after page `insert_after` was read.
async fn grown(old: &[i64], new: usize, insert_after: usize) -> MockServer {
    let new: Vec<i64> = (1..=new as i64).map(|i| 90_000 + 7 * i).rev().collect();
    let after: Vec<i64> = new.iter().chain(old).copied().collect();
    let before = old.len() as u64;
    let pages = (0..(after.len().div_ceil(10)))
        .map(|n| {
            let list = if n < insert_after { old } else { &after[..] };
            let total = if n < insert_after {
                before
            } else {
                after.len() as u64
            };
            (list.iter().skip(n * 10).take(10).copied().collect(), total)
        })
        .collect();
    scripted(pages, 10).await
}

async fn walk(server: &MockServer) -> (Vec<i64>, tallyfy_ext::WalkSummary) {
    let mut stream = client(server).members().per_page(10).concurrency(1).items();
    let mut ids = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        ids.push(member.id);
    }
    (ids, stream.summary())
}

/// 25 members (2.5 pages) inserted in front after page 1: repeats come back from up
/// to 3 pages behind, and the window, sized from the growth, drops every one.
#[tokio::test]
async fn repeats_are_dropped_as_far_back_as_the_list_grew() {
    let old: Vec<i64> = (0..60).map(|i| 70_000 - 7 * i).collect();
    let (ids, summary) = walk(&grown(&old, 25, 1).await).await;
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a member came twice: {ids:?}");
    assert!(
        old.iter().all(|id| unique.contains(id)),
        "an original member is missing"
    );
    assert_eq!(
        ids.len(),
        60 + 15,
        "the 15 new members behind page 1's offset are read too"
    );
    assert_eq!(
        (summary.members_added, summary.duplicates_skipped),
        (25, 10)
    );
    assert_eq!(summary.repeats_unchecked, 0);
}

/// The same growth after 3 pages: the window held 2 pages when it arrived, so 5 of
/// the repeats are beyond it. They come back once more, and the summary says how many.
#[tokio::test]
async fn a_growth_beyond_the_window_is_reported_not_hidden() {
    let old: Vec<i64> = (0..60).map(|i| 70_000 - 7 * i).collect();
    let (ids, summary) = walk(&grown(&old, 25, 3).await).await;
    let mut seen = HashSet::new();
    let twice: Vec<i64> = ids.iter().copied().filter(|id| !seen.insert(*id)).collect();
    assert_eq!(
        twice,
        old[5..10],
        "page 1's tail, forgotten before the growth was seen"
    );
    assert_eq!(summary.repeats_unchecked, twice.len() as u64);
    assert_eq!(
        summary.duplicates_skipped, 20,
        "the rest of the repeats were dropped"
    );
}
