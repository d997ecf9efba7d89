//! What goes over the wire: compression and redirects, counted at the fake.

use futures::TryStreamExt;
use tallyfy_ext::testing::{Fault, Faults, TestTallyfy};
use tallyfy_ext::{Client, ErrorKind, MAX_REDIRECTS, RedirectReason};

// ===== compression =====

#[tokio::test]
async fn gzip_is_asked_for_and_the_compressed_bodies_decode() {
    let tallyfy = TestTallyfy::builder()
        .members(120)
        .fake(|fake| fake.gzip(true))
        .start()
        .await
        .unwrap();
    let client = tallyfy.client();
    let members: Vec<_> = client
        .members()
        .per_page(50)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 120);
    let member = client.member(1007).send().await.unwrap();
    assert_eq!(member.id, 1007);

    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 4 + 1, "and page 1 re-read at the end");
    for request in &requests {
        assert!(
            request
                .accept_encoding
                .as_deref()
                .is_some_and(|a| a.contains("gzip")),
            "Accept-Encoding: {:?}",
            request.accept_encoding
        );
        assert_eq!(
            request.content_encoding.as_deref(),
            Some("gzip"),
            "the fake compressed the answer"
        );
    }
}

#[tokio::test]
async fn the_body_limit_applies_to_decoded_bytes() {
    // 100 members compress to a few KiB but decode to far more than 16 KiB.
    let tallyfy = TestTallyfy::builder()
        .members(100)
        .fake(|fake| fake.gzip(true))
        .client(|c| c.max_response_bytes(16 * 1024))
        .start()
        .await
        .unwrap();
    let err = tallyfy
        .client()
        .members()
        .per_page(100)
        .page(1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert_eq!(
        tallyfy.requests()[0].content_encoding.as_deref(),
        Some("gzip")
    );
}

// ===== redirects =====

#[tokio::test]
async fn a_same_host_redirect_is_followed_with_the_token_and_no_referer() {
    let tallyfy = TestTallyfy::start().await.unwrap();
    // (To the same member: another one would be refused as the wrong member.)
    let target = format!(
        "{}/organizations/{}/users/1001?via=redirect",
        tallyfy.fake().base_url(),
        tallyfy.org()
    );
    tallyfy.set_faults(Faults::script(vec![Fault::redirect(target)]));
    let member = tallyfy.client().member(1001).send().await.unwrap();
    assert_eq!(member.id, 1001);
    let requests = tallyfy.requests();
    assert_eq!(requests.len(), 2, "the redirect was followed");
    assert!(requests[1].path.ends_with("/users/1001"));
    assert_eq!(requests[1].query.as_deref(), Some("via=redirect"));
    assert!(requests[1].has_authorization, "same origin keeps the token");
    assert_eq!(
        requests[1].referer, None,
        "no Referer naming the organization and query"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_naming_both() {
    // (A downgrade to plain http is refused by the same check: `redirect.rs`'s unit
    // test; the loopback fake serves no https to redirect from.)
    let origin = TestTallyfy::start().await.unwrap();
    let elsewhere = TestTallyfy::start().await.unwrap();
    // The same loopback server under another name is another host.
    let other = elsewhere
        .fake()
        .base_url()
        .replace("127.0.0.1", "localhost");
    origin.set_faults(Faults::script(vec![Fault::redirect(format!(
        "{other}/organizations/{}/users?page=1",
        elsewhere.org()
    ))]));
    let err = origin
        .client()
        .members()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    let refused = err.redirect().unwrap();
    let from = format!("http://{}", origin.fake().addr());
    let to = other.trim_end_matches("/api").to_owned();
    assert_eq!(
        (&refused.from, &refused.to, refused.reason),
        (&from, &to, RedirectReason::OtherHost)
    );
    assert!(err.to_string().contains(&from) && err.to_string().contains(&to));
    assert_eq!((err.attempts(), err.resume_page()), (1, Some(1)));
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reached the other host"
    );
    assert_eq!(origin.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn redirects_stop_after_a_few_hops() {
    let tallyfy = TestTallyfy::start().await.unwrap();
    let itself = format!(
        "{}/organizations/{}/users/1001",
        tallyfy.fake().base_url(),
        tallyfy.org()
    );
    let script = vec![Fault::redirect(itself); MAX_REDIRECTS + 5];
    tallyfy.set_faults(Faults::script(script));
    let err = tallyfy.client().member(1001).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.redirect().map(|r| r.reason)),
        (ErrorKind::Redirect, Some(RedirectReason::TooMany))
    );
    assert_eq!(tallyfy.requests().len(), MAX_REDIRECTS + 1);
}

/// A caller's own reqwest client follows redirects anywhere (reqwest's default):
/// the answer from the other host is still refused, not taken for Tallyfy's.
#[tokio::test]
async fn with_a_callers_http_client_an_answer_from_another_host_is_not_trusted() {
    let origin = TestTallyfy::start().await.unwrap();
    let elsewhere = TestTallyfy::builder()
        .fake(|fake| fake.token(origin.fake().token()))
        .start()
        .await
        .unwrap();
    let other = elsewhere
        .fake()
        .base_url()
        .replace("127.0.0.1", "localhost");
    origin.set_faults(Faults::script(vec![Fault::redirect(format!(
        "{other}/organizations/{}/users/1001",
        elsewhere.org()
    ))]));
    let client = Client::builder()
        .base_url(origin.fake().base_url())
        .access_token(origin.fake().token())
        .org_id(origin.org())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let err = client.member(1001).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    assert_eq!(
        err.redirect().map(|r| r.reason),
        Some(RedirectReason::OtherHost)
    );
    assert_eq!(
        elsewhere.requests().len(),
        1,
        "reqwest's own policy followed it"
    );
}
