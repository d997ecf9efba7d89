//! Page walks: filters on every page, order, early stop, guards, drift, resume.

mod support;

use futures::{StreamExt, TryStreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use support::*;
use tallyfy_ext::{ErrorKind, Include, PaginationFault};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn serve(server: &MockServer, responder: impl wiremock::Respond + 'static) {
    Mock::given(method("GET"))
        .respond_with(responder)
        .mount(server)
        .await;
}

fn ids(members: &[tallyfy_api::types::Member]) -> Vec<i64> {
    members.iter().map(|m| m.id).collect()
}

#[tokio::test]
async fn walks_every_page_once_in_order_with_every_filter_on_every_page() {
    let server = MockServer::start().await;
    serve(&server, paged_org(95, 10)).await;
    let members: Vec<_> = client(&server)
        .members()
        .per_page(10)
        .q("smith & co")
        .sort("-created_at")
        .with([Include::Groups, Include::Stats])
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&members), (1..=95).collect::<Vec<_>>());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        10 + 1,
        "each page once, and page 1 re-read at the end"
    );
    assert_eq!(page_of(requests.last().unwrap()), 1);
    let page7 = requests
        .iter()
        .find(|r| page_of(r) == 7)
        .expect("page 7 was fetched");
    assert_eq!(query(page7, "q").as_deref(), Some("smith & co"));
    assert_eq!(query(page7, "sort").as_deref(), Some("-created_at"));
    assert_eq!(query(page7, "with").as_deref(), Some("groups,stats"));
    assert_eq!(query(page7, "per_page").as_deref(), Some("10"));
}

#[tokio::test]
async fn walks_follow_the_servers_page_size_and_stop_on_last_page() {
    let server = MockServer::start().await;
    serve(&server, paged_org(7, 3)).await; // asks for 100, gets 3
    let mut pages = client(&server).members().pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.push((page.page, page.items.len(), page.total_pages));
    }
    assert_eq!(seen, [(1, 3, Some(3)), (2, 3, Some(3)), (3, 1, Some(3))]);
    assert_eq!(pages.summary().items, 7);
    // Page 1 re-read unchanged: no sign of change, no gap, but not proven exact.
    let summary = pages.summary();
    assert!(!summary.exact && summary.possible_gap() == 0, "{summary:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 1);
}

#[tokio::test]
async fn single_page_with_empty_links_array_ends_the_walk() {
    let server = MockServer::start().await;
    serve(&server, |_: &Request| {
        ResponseTemplate::new(200).set_body_json(page_body([1, 2], 1, 100, 2))
    })
    .await;
    let members: Vec<_> = client(&server)
        .members()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&members), [1, 2]);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

// Concurrent walks (pages in flight together, answered out of order) are in
// walk_order.rs, ordered by holding answers at the fake rather than by clocks.

#[tokio::test]
async fn max_items_stops_early_and_reports_truncation() {
    let server = MockServer::start().await;
    serve(&server, paged_org(50, 10)).await;
    let client = client(&server);
    let mut stream = client
        .members()
        .per_page(10)
        .max_items(25)
        .concurrency(3)
        .items();
    let mut got = Vec::new();
    while let Some(member) = stream.try_next().await.unwrap() {
        got.push(member.id);
    }
    assert_eq!(got, (1..=25).collect::<Vec<_>>());
    assert!(stream.summary().truncated);
    let fetched = server.received_requests().await.unwrap().len();
    assert!(
        fetched <= 3,
        "fetched {fetched} pages for 25 members of 10 per page"
    );

    // Exactly the collection's size: not truncated.
    let mut stream = client.members().per_page(10).max_items(50).items();
    let mut count = 0;
    while stream.try_next().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 50);
    assert!(!stream.summary().truncated);

    // Nothing wanted: nothing sent.
    let before = server.received_requests().await.unwrap().len();
    let mut stream = client.members().max_items(0).items();
    assert!(stream.try_next().await.unwrap().is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

#[tokio::test]
async fn a_server_that_ignores_page_is_a_named_error_not_a_loop() {
    let server = MockServer::start().await;
    // Always page 1 of 5, whatever was asked.
    serve(&server, |_: &Request| {
        ResponseTemplate::new(200).set_body_json(page_body(1..=10, 1, 10, 50))
    })
    .await;
    let mut stream = client(&server).members().per_page(10).items();
    let mut yielded = 0;
    let err = loop {
        match stream
            .next()
            .await
            .expect("the walk must end with an error")
        {
            Ok(_) => yielded += 1,
            Err(err) => break err,
        }
    };
    assert_eq!(yielded, 10, "page 1's members are kept");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(
        matches!(
            err.pagination_fault(),
            Some(PaginationFault::PageMismatch {
                requested: 2,
                returned: 1,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.resume_page(), Some(2));
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
}

#[tokio::test]
async fn a_repeated_page_and_a_never_ending_total_are_named_errors() {
    let server = MockServer::start().await;
    // Echoes the page number but always sends the same members.
    serve(&server, |r: &Request| {
        ResponseTemplate::new(200).set_body_json(page_body(1..=10, page_of(r), 10, 50))
    })
    .await;
    let err = client(&server)
        .members()
        .per_page(10)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.pagination_fault(),
            Some(PaginationFault::RepeatedPage { page: 2, .. })
        ),
        "{err:?}"
    );

    let server = MockServer::start().await;
    // Fresh members on every page, and total_pages always one more than the current page.
    serve(&server, |r: &Request| {
        let page = page_of(r);
        let ids = (page * 10 - 9) as i64..=(page * 10) as i64;
        ResponseTemplate::new(200).set_body_json(page_body(ids, page, 10, (page + 1) * 10))
    })
    .await;
    let err = client(&server)
        .members()
        .per_page(10)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.pagination_fault(),
            Some(PaginationFault::Runaway { .. })
        ),
        "{err}"
    );
    let pages = server.received_requests().await.unwrap().len();
    // First report: 2 pages; the guard allows 2 * 2 + 16 pages, the next one fails.
    assert_eq!(pages, 21, "stopped after {pages} pages");
}

#[tokio::test]
async fn a_failed_walk_resumes_at_the_failed_page_without_loss_or_repeats() {
    let server = MockServer::start().await;
    let fail_page_4 = Arc::new(AtomicU64::new(1));
    let flag = fail_page_4.clone();
    serve(&server, move |r: &Request| {
        if page_of(r) == 4 && flag.load(Ordering::SeqCst) == 1 {
            return ResponseTemplate::new(403)
                .set_body_json(serde_json::json!({"message": "nope"}));
        }
        paged_org(60, 10)(r)
    })
    .await;
    let client = client(&server);
    let mut got = Vec::new();
    let mut stream = client.members().per_page(10).items();
    let err = loop {
        match stream.next().await.unwrap() {
            Ok(member) => got.push(member.id),
            Err(err) => break err,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(err.resume_page(), Some(4));
    assert_eq!(got, (1..=30).collect::<Vec<_>>());
    fail_page_4.store(0, Ordering::SeqCst);
    let rest: Vec<_> = client
        .members()
        .per_page(10)
        .start_page(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    got.extend(ids(&rest));
    assert_eq!(got, (1..=60).collect::<Vec<_>>());
}

#[test]
fn the_blocking_iterator_walks_the_same_pages() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        serve(&server, paged_org(23, 5)).await;
        server
    });
    let members: Vec<i64> = client(&server)
        .members()
        .per_page(5)
        .blocking_items()
        .unwrap()
        .map(|m| m.unwrap().id)
        .collect();
    assert_eq!(members, (1..=23).collect::<Vec<_>>());
}

/// A failed walk's checkpoint, through JSON, resumes in a new walk that yields
/// exactly the rest, even after the list moved members forward: resuming by
/// `start_page` alone would yield them again.
#[tokio::test]
async fn a_checkpoint_resumes_exactly_after_the_list_moved() {
    let tallyfy = tallyfy_ext::testing::TestTallyfy::builder()
        .members(60)
        .faults(tallyfy_ext::testing::Faults::script(vec![
            tallyfy_ext::testing::Fault::Pass,
            tallyfy_ext::testing::Fault::Pass,
            tallyfy_ext::testing::Fault::Status(403),
        ]))
        .start()
        .await
        .unwrap();
    let client = tallyfy.client();
    let mut stream = client.members().per_page(10).sort("-id").items();
    let mut got = Vec::new();
    let err = loop {
        match stream.next().await.unwrap() {
            Ok(member) => got.push(member.id),
            Err(err) => break err,
        }
    };
    assert_eq!((err.kind(), got.len()), (ErrorKind::Forbidden, 20));
    let json = serde_json::to_string(&stream.checkpoint().unwrap()).unwrap();
    tallyfy.fake().insert_members(5); // in front: pages 3.. now start 5 members earlier
    let checkpoint: tallyfy_ext::Checkpoint = serde_json::from_str(&json).unwrap();
    assert_eq!((checkpoint.next_page, checkpoint.yielded()), (3, 20));
    let rest: Vec<i64> = client
        .members()
        .sort("-id")
        .resume(checkpoint)
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    got.extend(&rest);
    let mut unique = got.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "a member came twice: {got:?}");
    assert!(
        (1001..=1065).all(|id| got.contains(&id)),
        "every member, joiners healed"
    );
    // Another walk's checkpoint is refused.
    let other = client
        .members()
        .per_page(10)
        .resume(serde_json::from_str(&json).unwrap());
    let err = other.items().try_next().await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidInput,
        "no sort: another query"
    );
}
