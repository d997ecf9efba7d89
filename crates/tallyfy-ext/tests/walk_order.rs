//! Concurrent walks, cancel on drop, resume and page limits, ordered by counts at
//! the fake and by holding its answers (`RunningFake::hold_after`), never by clocks.

use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeSet;
use std::time::Duration;
use tallyfy_ext::testing::{Fault, Faults, RecordedRequest, RunningFake, TestTallyfy};
use tallyfy_ext::{ErrorKind, PaginationFault, RetryPolicy};

/// Longest a test waits for something a correct client does at once.
const HANG_GUARD: Duration = Duration::from_secs(20);

async fn guard<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("hang guard: {what}"))
}

fn page_of(request: &RecordedRequest) -> u64 {
    request
        .query_pairs
        .iter()
        .find(|(k, _)| k == "page")
        .map_or(1, |(_, v)| v.parse().expect("numeric page"))
}

fn list_pages(requests: &[RecordedRequest]) -> Vec<u64> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/users"))
        .map(page_of)
        .collect()
}

/// The arrival number (from 1) of the request for `page`.
fn arrival_of(fake: &RunningFake, page: u64) -> usize {
    let arrived = list_pages(&fake.arrived_requests());
    1 + arrived
        .iter()
        .position(|p| *p == page)
        .expect("page arrived")
}

#[tokio::test]
async fn concurrent_walks_fetch_pages_together_and_keep_page_order() {
    let tallyfy = TestTallyfy::builder().members(200).start().await.unwrap();
    let fake = tallyfy.fake();
    fake.hold_after(1); // page 1 is answered; every later answer waits for the test
    let client = tallyfy.client().clone();
    let walk = tokio::spawn(async move {
        let items = client
            .members()
            .per_page(10)
            .concurrency(4)
            .heal_pages(0)
            .items();
        items.try_collect::<Vec<_>>().await
    });
    // Pages 2..=5 all arrive while none of them is answered: four in flight together.
    guard("4 pages in flight", fake.wait_for_arrivals(5)).await;
    assert_eq!(fake.answers(), 1);
    let in_flight: BTreeSet<u64> = list_pages(&fake.arrived_requests()).into_iter().collect();
    assert_eq!(in_flight, BTreeSet::from([1, 2, 3, 4, 5]));

    // Answer them last page first: 5, 4, 3, then 2.
    for (answered, page) in (2..=5).rev().enumerate() {
        fake.release(arrival_of(fake, page));
        guard("the released page", fake.wait_for_answers(answered + 2)).await;
    }
    let answered: Vec<u64> = list_pages(&fake.requests());
    assert_eq!(answered[..5], [1, 5, 4, 3, 2]);
    fake.release_all();

    let members = guard("the walk", walk).await.unwrap().unwrap();
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    assert_eq!(ids, (1001..=1200).collect::<Vec<_>>(), "page order kept");
    let mut pages = list_pages(&fake.requests());
    pages.sort_unstable();
    assert_eq!(
        pages,
        (1..=20).collect::<Vec<_>>(),
        "each page once, none past the end"
    );
}

#[tokio::test]
async fn dropping_a_walk_mid_page_sends_nothing_more() {
    let tallyfy = TestTallyfy::builder().members(100).start().await.unwrap();
    let fake = tallyfy.fake();
    fake.hold_after(1);
    let mut items = tallyfy
        .client()
        .members()
        .per_page(10)
        .concurrency(4)
        .items();
    // The walk is lazy: page 1 is all it fetched so far.
    for id in 1001..=1010 {
        assert_eq!(items.try_next().await.unwrap().unwrap().id, id);
    }
    assert_eq!(fake.arrivals(), 1);
    // The next member needs page 2: pages 2..=5 go out together; only page 2 is answered.
    let next = tokio::spawn(async move {
        let first = items.try_next().await.unwrap().unwrap().id;
        (first, items)
    });
    guard("4 pages in flight", fake.wait_for_arrivals(5)).await;
    fake.release(arrival_of(fake, 2));
    let (first, mut items) = guard("page 2", next).await.unwrap();
    assert_eq!(first, 1011);
    for id in 1012..=1015 {
        assert_eq!(items.try_next().await.unwrap().unwrap().id, id);
    }
    drop(items);
    fake.release_all();
    // A marker request from another call: anything the walk still sent would arrive
    // between its pages and this one.
    let marker = tallyfy.client().member(1001).send().await.unwrap();
    assert_eq!(marker.id, 1001);
    let arrived = fake.arrived_requests();
    let mut walked = list_pages(&arrived[..arrived.len() - 1]);
    walked.sort_unstable();
    assert_eq!(walked, [1, 2, 3, 4, 5], "no page asked for after the drop");
    assert!(arrived.last().unwrap().path.ends_with("/users/1001"));
}

#[tokio::test]
async fn a_walk_with_four_in_flight_resumes_at_the_failed_page_with_exactly_the_rest() {
    // The fourth request to arrive fails (pages 2..=5 are in flight together, so which
    // page that is depends on arrival order; the test reads it back).
    let script = vec![Fault::Pass, Fault::Pass, Fault::Pass, Fault::Status(500)];
    let tallyfy = TestTallyfy::builder()
        .members(100)
        .faults(Faults::script(script))
        .client(|c| c.retry_policy(RetryPolicy::never()))
        .start()
        .await
        .unwrap();
    let fake = tallyfy.fake();
    fake.hold_after(1);
    let client = tallyfy.client().clone();
    let walk = tokio::spawn(async move {
        let mut items = client.members().per_page(10).concurrency(4).items();
        let mut got = Vec::new();
        let err = loop {
            match items.next().await {
                Some(Ok(member)) => got.push(member.id),
                Some(Err(err)) => break err,
                None => panic!("the walk should fail"),
            }
        };
        (got, err)
    });
    guard("4 pages in flight", fake.wait_for_arrivals(5)).await;
    let k = list_pages(&fake.arrived_requests())[3];
    assert!((2..=5).contains(&k));
    // The pages after k are answered before it, so they were fetched but must not count.
    for page in (k + 1..=5).rev() {
        fake.release(arrival_of(fake, page));
    }
    fake.release_all();
    let (got, err) = guard("the walk", walk).await.unwrap();
    assert_eq!(
        (err.kind(), err.status(), err.resume_page()),
        (ErrorKind::Server, Some(500), Some(k)),
        "{err:?}"
    );
    let before_k = 1001..=1000 + 10 * (k as i64 - 1);
    assert_eq!(
        got,
        before_k.collect::<Vec<_>>(),
        "every page before k, nothing after"
    );

    let rest: Vec<i64> = tallyfy
        .client()
        .members()
        .per_page(10)
        .concurrency(4)
        .start_page(k)
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    let mut all = got.clone();
    all.extend(&rest);
    assert_eq!(
        all,
        (1001..=1100).collect::<Vec<_>>(),
        "exactly the rest, no duplicates"
    );
}

#[tokio::test]
async fn max_pages_fails_a_longer_walk_and_passes_one_that_fits() {
    let tallyfy = TestTallyfy::builder().members(100).start().await.unwrap();
    let walk = |max| {
        tallyfy
            .client()
            .members()
            .per_page(10)
            .heal_pages(0)
            .max_pages(max)
            .items()
            .map_ok(|m| m.id)
    };
    let mut items = walk(3);
    let mut got = Vec::new();
    let err = loop {
        match items.next().await.expect("the walk should fail") {
            Ok(id) => got.push(id),
            Err(err) => break err,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err:?}");
    assert!(
        matches!(
            err.pagination_fault(),
            Some(PaginationFault::Runaway { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        got,
        (1001..=1030).collect::<Vec<_>>(),
        "3 pages, then the error"
    );
    let fetched = tallyfy.fake().request_count();

    tallyfy.fake().clear_requests();
    let all: Vec<i64> = walk(10).try_collect().await.unwrap();
    assert_eq!(all, (1001..=1100).collect::<Vec<_>>());
    assert_eq!(tallyfy.fake().request_count(), 10);
    assert_eq!(
        fetched, 4,
        "the walk stopped at the first page past the limit"
    );
}
