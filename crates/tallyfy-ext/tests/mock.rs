//! The socket-free double (`testing::mock`): scripted replies through the real
//! executor, retries, rate limit, pacing, decoding and walk, on tokio's paused
//! clock. Waits are asserted on the virtual time each request reached the double
//! (`MockRequest::at`), so a missing sleep fails and a present one costs nothing.

use futures::TryStreamExt;
use std::time::Duration;
use tallyfy_ext::tallyfy_api::operations::{GET_MEMBER, LIST_MEMBERS};
use tallyfy_ext::testing::mock::{self, MockRequest, MockTallyfy, Reply, Rule};
use tallyfy_ext::{ErrorKind, RetryPolicy};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The waits between consecutive requests.
fn gaps(requests: &[MockRequest]) -> Vec<Duration> {
    requests.windows(2).map(|w| w[1].at - w[0].at).collect()
}

#[tokio::test(start_paused = true)]
async fn two_503s_then_the_member_is_the_member_after_three_requests() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::status(503))
            .then(Reply::status(503))
            .then(Reply::member(mock::member(7))),
    );
    let member = tallyfy.client().member(7).send().await.unwrap();
    assert_eq!(member.id, 7);
    assert_eq!(member.email.as_deref(), Some("member7@example.com"));
    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for request in &requests {
        assert_eq!(
            (request.operation, request.method.as_str()),
            ("get_member", "GET")
        );
        assert_eq!(request.path, "/api/organizations/mock-org/users/7");
        assert_eq!(request.rule, Some(0));
    }
}

#[tokio::test(start_paused = true)]
async fn a_walk_reads_three_scripted_pages_in_order() {
    let all: Vec<_> = (1..=7).map(mock::member).collect();
    let tallyfy = MockTallyfy::new();
    for page in 1..=3 {
        tallyfy.rule(
            Rule::new(LIST_MEMBERS.id)
                .query("page", page)
                .reply(Reply::list(&all, page, 3)),
        );
    }
    let client = tallyfy.client();
    let members: Vec<_> = client
        .members()
        .per_page(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7]);
    let requests = tallyfy.requests_for(LIST_MEMBERS.id);
    let pages: Vec<_> = requests.iter().map(|r| r.param("page")).collect();
    // The walk's end-of-walk probe re-reads page 1 (`walk_state/heal.rs`).
    assert_eq!(pages, [Some("1"), Some("2"), Some("3"), Some("1")]);
    assert!(requests.iter().all(|r| r.param("per_page") == Some("3")));
}

#[tokio::test(start_paused = true)]
async fn a_concurrent_walk_over_scripted_pages_yields_them_in_page_order() {
    let all: Vec<_> = (1..=9).map(mock::member).collect();
    let tallyfy = MockTallyfy::new();
    for page in 1..=3 {
        // Later pages answer sooner: the walk still yields in page order.
        let delay = Duration::from_millis(300 / page);
        tallyfy.rule(
            Rule::new(LIST_MEMBERS.id)
                .query("page", page)
                .reply(Reply::list(&all, page, 3).delay(delay)),
        );
    }
    let client = tallyfy.client();
    let members: Vec<_> = client
        .members()
        .per_page(3)
        .concurrency(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    assert_eq!(ids, (1..=9).collect::<Vec<_>>());
    // Pages 2 and 3 went out together, once page 1 gave the page count.
    let requests = tallyfy.requests();
    let sent = |page: &str| {
        requests
            .iter()
            .find(|r| r.param("page") == Some(page))
            .unwrap()
            .at
    };
    assert_eq!(sent("2"), sent("3"));
    assert!(sent("2") - sent("1") >= Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_30_is_waited_out_and_a_longer_one_fails_at_once() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .query("with", "none") // never sent: this rule must not answer
            .reply(Reply::status(500)),
    );
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::status(429).retry_after(secs(30)))
            .then(Reply::member(mock::member(7)))
            .then(Reply::status(429).retry_after(secs(90))),
    );
    let client = tallyfy.client();
    assert_eq!(client.member(7).send().await.unwrap().id, 7);
    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 2);
    assert!(gaps(&requests)[0] >= secs(30), "{:?}", gaps(&requests));
    assert!(requests.iter().all(|r| r.rule == Some(1)));

    // 90 s is above the policy's 60 s ceiling: not slept, reported.
    let err = client.member(7).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(secs(90)));
    assert_eq!(tallyfy.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_unmatched_request_gets_a_501_naming_it_and_is_not_retried() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(Rule::new(LIST_MEMBERS.id).reply(Reply::list(&[], 1, 10)));
    let err = tallyfy.client().member(42).send().await.unwrap_err();
    assert_eq!(err.status(), Some(501), "{err}");
    let message = err.message().unwrap_or_default();
    assert!(
        message.contains("no rule matches get_member GET /api/organizations/mock-org/users/42"),
        "{message}"
    );
    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].rule, None);
}

#[tokio::test(start_paused = true)]
async fn the_token_never_appears_in_what_the_double_recorded() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(Rule::new(GET_MEMBER.id).reply(Reply::status(404)));
    let client = tallyfy
        .client_builder()
        .header("x-extra-secret", "hunter2")
        .build()
        .unwrap();
    let err = client.member(1).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let requests = tallyfy.requests();
    let [request] = &requests[..] else {
        panic!("{requests:?}")
    };
    assert_eq!(request.header("authorization"), Some("<redacted>"));
    assert_eq!(request.header("x-extra-secret"), Some("<redacted>"));
    assert_eq!(request.header("x-tallyfy-client"), Some("APIClient"));
    let printed = format!(
        "{requests:?} {:?} {tallyfy:?} {client:?} {err:?} {err}",
        tallyfy.requests()
    );
    assert!(!printed.contains(MockTallyfy::TOKEN), "{printed}");
    assert!(!printed.contains("hunter2"), "{printed}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_waits_its_backoff_before_the_next_request() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::status(503))
            .then(Reply::status(502))
            .then(Reply::member(mock::member(7))),
    );
    let client = tallyfy
        .client_builder()
        .retry_policy(
            RetryPolicy::default().backoff(|retries: u32| secs(2 + 3 * u64::from(retries))),
        )
        .build()
        .unwrap();
    assert_eq!(client.member(7).send().await.unwrap().id, 7);
    let waits = gaps(&tallyfy.requests());
    assert_eq!(waits.len(), 2);
    assert!(waits[0] >= secs(2), "{waits:?}");
    assert!(waits[1] >= secs(5), "{waits:?}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_on_a_503_is_waited_out_too() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::status(503).retry_after(secs(7)))
            .then(Reply::member(mock::member(7))),
    );
    assert_eq!(tallyfy.client().member(7).send().await.unwrap().id, 7);
    let waits = gaps(&tallyfy.requests());
    assert!(waits == [waits[0]] && waits[0] >= secs(7), "{waits:?}");
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_a_second_request_of_the_client_too() {
    let tallyfy = MockTallyfy::new();
    tallyfy
        .rule(
            Rule::new(GET_MEMBER.id)
                .path_param("user_id", 1)
                .reply(Reply::status(429).retry_after(secs(7)))
                .then(Reply::member(mock::member(1))),
        )
        .rule(
            Rule::new(GET_MEMBER.id)
                .path_param("user_id", 2)
                .reply(Reply::member(mock::member(2))),
        );
    let client = tallyfy.client();
    let first = client.member(1).send();
    let second = async {
        // Starts 1 s after the 429, inside the pause.
        tokio::time::sleep(secs(1)).await;
        client.member(2).send().await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.unwrap().id, 1);
    assert_eq!(second.unwrap().id, 2);
    let requests = tallyfy.requests();
    assert_eq!(
        requests.len(),
        3,
        "the paused request sent nothing early: {requests:?}"
    );
    let start = requests[0].at;
    for later in &requests[1..] {
        assert!(later.at - start >= secs(7), "{:?}", later.at - start);
    }
    // Both wake at the same instant: their order is the scheduler's.
    let mut users: Vec<_> = requests
        .iter()
        .filter_map(|r| r.path_param("user_id"))
        .collect();
    users.sort();
    assert_eq!(users, ["1", "1", "2"]);
}

#[tokio::test(start_paused = true)]
async fn a_spent_budget_is_waited_out_before_the_next_request() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::member(mock::member(1)).rate_limit(100, 0, secs(10)))
            .then(Reply::member(mock::member(1)).rate_limit(100, 99, secs(60))),
    );
    let client = tallyfy.client();
    client.member(1).send().await.unwrap();
    client.member(1).send().await.unwrap();
    let waits = gaps(&tallyfy.requests());
    assert!(waits.len() == 1 && waits[0] >= secs(10), "{waits:?}");

    // Without pacing, the next request goes at once.
    let unpaced = MockTallyfy::new();
    unpaced.rule(
        Rule::new(GET_MEMBER.id).reply(Reply::member(mock::member(1)).rate_limit(100, 0, secs(10))),
    );
    let client = unpaced
        .client_builder()
        .pace_rate_limit(false)
        .build()
        .unwrap();
    client.member(1).send().await.unwrap();
    client.member(1).send().await.unwrap();
    assert_eq!(gaps(&unpaced.requests()), [Duration::ZERO]);
}

#[tokio::test(start_paused = true)]
async fn silence_times_out_after_the_attempt_timeout_and_a_reset_is_a_transport_error() {
    let tallyfy = MockTallyfy::new();
    tallyfy.rule(
        Rule::new(GET_MEMBER.id)
            .reply(Reply::silence())
            .then(Reply::member(mock::member(7)).delay(secs(2))),
    );
    let client = tallyfy.client_builder().timeout(secs(5)).build().unwrap();
    assert_eq!(client.member(7).send().await.unwrap().id, 7);
    let waits = gaps(&tallyfy.requests());
    assert!(waits.len() == 1 && waits[0] >= secs(5), "{waits:?}");

    let once = MockTallyfy::new();
    once.rule(Rule::new(GET_MEMBER.id).reply(Reply::silence()));
    once.rule(Rule::new(LIST_MEMBERS.id).reply(Reply::reset()));
    let client = once
        .client_builder()
        .timeout(secs(5))
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.member(7).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = client.members().items().try_next().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.to_string().contains("reset"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn loose_json_goes_through_the_tolerant_decoder() {
    let tallyfy = MockTallyfy::new();
    let mut loose = mock::member(7);
    loose["id"] = "7".into();
    loose["active"] = 1.into();
    tallyfy.rule(Rule::new(GET_MEMBER.id).reply(Reply::member(loose)));
    let member = tallyfy.client().member(7).send().await.unwrap();
    assert_eq!((member.id, member.active), (7, Some(true)));
}
