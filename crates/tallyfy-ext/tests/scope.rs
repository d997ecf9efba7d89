//! The back-channel between a call and the executor (`src/scope.rs`): an SDK call
//! runs its generated future inside the scope, so its per-request settings reach the
//! executor and the executor's view (the status of an HTML error) reaches the error.
//! Remove the scope from `call::send` and both tests below fail. A raw call through
//! `Client::api()` has no scope: it is pinned here too.

use tallyfy_ext::testing::{Fault, Faults, TestTallyfy};
use tallyfy_ext::{ErrorKind, RetryPolicy};

#[tokio::test]
async fn a_per_request_policy_reaches_the_executor_and_an_html_status_reaches_the_error() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::HtmlStatus(503); 5]))
        .start()
        .await
        .unwrap();
    let err = tallyfy
        .client()
        .member(1001)
        .retry_policy(RetryPolicy::never())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        tallyfy.requests().len(),
        1,
        "the request's own policy (no retries) was used, not the client's"
    );
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(err.status(), Some(503), "the executor saw the status");
    assert_eq!(err.attempts(), 1);
    assert!(err.body_snippet().is_some_and(|s| s.contains("<html>")));

    let walk = tallyfy
        .client()
        .members()
        .retry_policy(RetryPolicy::never())
        .page(1)
        .await
        .unwrap_err();
    assert_eq!(tallyfy.requests().len(), 2, "one more request, no retry");
    assert_eq!(walk.status(), Some(503));
}

#[tokio::test]
async fn a_raw_call_without_the_scope_still_gets_the_clients_settings_but_not_the_sdk_errors() {
    let tallyfy = TestTallyfy::builder()
        .faults(Faults::script(vec![Fault::HtmlStatus(503); 5]))
        .start()
        .await
        .unwrap();
    let client = tallyfy.client();
    let raw = client
        .api()
        .get_member()
        .org_id(tallyfy.org())
        .user_id(1001_u64)
        .send()
        .await
        .unwrap_err();
    // The client's retry policy (test clients: 2 retries) applies, headers too.
    assert_eq!(tallyfy.requests().len(), 3);
    // progenitor's own error: the HTML body does not decode, and its status is lost.
    assert!(
        matches!(
            raw,
            tallyfy_ext::tallyfy_api::Error::InvalidResponsePayload(..)
        ),
        "{raw:?}"
    );
}
