//! PHP's looser JSON, end to end: no odd value costs a member, a page or a walk,
//! and no key the spec does not name is lost.

mod support;

use futures::TryStreamExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{ORG, TOKEN, page_of, users_path};
use tallyfy_ext::testing::TestTallyfy;
use tallyfy_ext::{ErrorKind, Include, MemberIncludes};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Every shape PHP's `json_encode` and Fractal are known to produce, one per member,
/// plus members that cannot be typed at all.
fn loose_members() -> Vec<Value> {
    vec![
        json!({"id": 2001, "email": "plain@example.com", "active": true}),
        json!({"id": "2002", "active": 1, "is_suspended": "0", "support_user": "true"}),
        json!({"id": 2003, "invited_by": "2001", "disabled_by": 2001.0, "phone": 5551234}),
        json!({"id": 2004, "stats": [], "country": [], "groups": {"data": {}}}),
        json!({"id": 2005, "groups": {"data": [{"id": 7, "name": "Ops", "members": [2005, null, "2001"]}]}}),
        json!({"id": 2006, "invited_by": {"id": 2001, "full_name": "Alice"}, "email": "x@example.com"}),
        json!({"email": "no-id@example.com", "first_name": "Nobody"}),
        json!({"id": 2008, "country": {"data": {"id": "226", "name": "United States", "iso2": "US"}},
               "stats": {"data": {"tasks_completed": "12", "steps_created": 3}}}),
        json!({"id": 2009, "brand_new_key": {"nested": [1, 2]}, "another": "kept",
               "UTC_offset": "+01:00", "complete": ""}),
        json!({"id": "not-a-number", "email": "bad-id@example.com"}),
        json!({"id": 2011, "meta_like": [], "last_updated": 1700000000}),
    ]
}

/// The fake serving `members` verbatim, and a client for it.
async fn fake_with(members: Vec<Value>) -> TestTallyfy {
    TestTallyfy::builder()
        .member_json(members)
        .start()
        .await
        .expect("fake starts")
}

#[tokio::test]
async fn a_walk_over_loose_pages_yields_every_member_once() {
    for concurrency in [1, 3] {
        let fake = fake_with(loose_members()).await;
        let client = fake.client();
        let mut members = client
            .members()
            .per_page(3)
            .concurrency(concurrency)
            .items();
        let mut ids = Vec::new();
        while let Some(member) = members.try_next().await.expect("no walk error") {
            ids.push(member.id);
        }
        let untyped = members.take_untyped();
        let summary = members.summary();
        assert_eq!(
            ids,
            [2001, 2002, 2003, 2004, 2005, 2006, 2008, 2009, 2011],
            "k={concurrency}"
        );
        assert_eq!(summary.pages, 4, "11 members in pages of 3");
        assert_eq!(summary.untyped, 2);
        let places: Vec<(u64, usize)> = untyped.iter().map(|u| (u.page, u.position)).collect();
        assert_eq!(places, [(3, 1), (4, 1)], "7th and 10th members");
        assert_eq!(untyped[0].value().as_ref(), Some(&loose_members()[6]));
        assert_eq!(untyped[1].value().as_ref(), Some(&loose_members()[9]));
        assert!(untyped[1].error.contains("not-a-number"), "{}", untyped[1]);
        assert!(members.take_untyped().is_empty(), "each is returned once");
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn loose_values_read_as_their_typed_meaning() {
    let fake = fake_with(loose_members()).await;
    let client = fake.client();
    let all: Vec<_> = client
        .members()
        .per_page(100)
        .items()
        .try_collect()
        .await
        .unwrap();
    let by_id: BTreeMap<i64, _> = all.into_iter().map(|m| (m.id, m)).collect();
    let m = &by_id[&2002];
    assert_eq!(
        (m.active, m.is_suspended, m.support_user),
        (Some(true), Some(false), Some(true))
    );
    let m = &by_id[&2003];
    assert_eq!(
        (m.invited_by, m.disabled_by, m.phone.as_deref()),
        (Some(2001), Some(2001), Some("5551234"))
    );
    let m = &by_id[&2004];
    assert!(m.stats().is_none() && m.country().is_none() && m.groups().is_empty());
    let group = &by_id[&2005].groups()[0];
    assert_eq!(group.members.as_deref(), Some(&[2005, 2001][..]));
    let m = &by_id[&2006];
    assert_eq!(m.invited_by, None);
    assert_eq!(
        m.extra.get("invited_by").unwrap(),
        json!({"id": 2001, "full_name": "Alice"}),
        "kept raw"
    );
    let m = &by_id[&2008];
    assert_eq!(m.country().and_then(|c| c.id), Some(226));
    assert_eq!(m.stats().and_then(|s| s.tasks_completed), Some(12));
    let m = &by_id[&2009];
    assert_eq!(
        m.extra.get("brand_new_key"),
        Some(json!({"nested": [1, 2]}))
    );
    assert_eq!(m.complete, None);
    assert_eq!(by_id[&2011].last_updated.as_deref(), Some("1700000000"));
    fake.shutdown().await;
}

#[tokio::test]
async fn untyped_members_can_be_yielded_as_errors_and_the_walk_goes_on() {
    let fake = fake_with(loose_members()).await;
    let client = fake.client();
    let mut stream = client.members().per_page(3).untyped_as_errors().items();
    let mut outcomes = Vec::new();
    while let Some(item) = futures::StreamExt::next(&mut stream).await {
        outcomes.push(match item {
            Ok(member) => Ok(member.id),
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::Decode);
                assert_eq!(err.resume_page(), None, "not a walk failure");
                let raw = err.untyped_member().expect("carries the member");
                Err(raw.position)
            }
        });
    }
    assert_eq!(outcomes.len(), 11, "every member comes out, typed or not");
    // Each comes right after the typed members of its own page.
    assert_eq!(outcomes[6..9], [Ok(2008), Ok(2009), Err(1)]);
    assert_eq!(outcomes[9..], [Ok(2011), Err(1)]);
    fake.shutdown().await;
}

#[tokio::test]
async fn get_member_reads_php_empty_includes() {
    let member = json!({"id": 3001, "stats": [], "country": [], "groups": {"data": {}},
        "active": "1", "unknown_include": {"data": {"x": 1}}});
    let fake = fake_with(vec![member]).await;
    let client = fake.client();
    let got = client
        .member(3001)
        .with([Include::Stats, Include::Country, Include::Groups])
        .send()
        .await
        .expect("PHP's [] never fails a get");
    assert!(got.stats().is_none() && got.country().is_none() && got.groups().is_empty());
    assert_eq!(got.active, Some(true));
    assert_eq!(
        got.extra.get("unknown_include"),
        Some(json!({"data": {"x": 1}}))
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn get_member_that_cannot_be_typed_carries_its_raw_json() {
    let raw = json!({"id": "3002x", "email": "odd@example.com"});
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/3002", users_path())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": raw})))
        .mount(&server)
        .await;
    let err = support::client(&server)
        .member(3002)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.untyped_member().and_then(|m| m.value()), Some(raw));
    assert!(!err.to_string().contains(TOKEN));
}

/// Envelopes the fake never sends: numeric-string pagination, PHP's `[]` for `links`
/// and `meta`, and `data` as an integer-keyed object.
#[tokio::test]
async fn loose_envelopes_are_walked_to_the_end() {
    let server = MockServer::start().await;
    let pages = move |request: &Request| {
        let page = page_of(request);
        let body = match page {
            1 => json!({
                "data": [{"id": 1}, {"id": "2"}],
                "meta": {"pagination": {"total": "5", "count": "2", "per_page": "2",
                    "current_page": "1", "total_pages": "3", "links": {"next": "https://x/?page=2"}}},
            }),
            2 => json!({
                "data": {"0": {"id": 3}, "1": {"id": 4, "active": 0}},
                "meta": {"pagination": {"total": 5, "count": 2, "per_page": 2,
                    "current_page": 2, "total_pages": 3.0, "links": {"previous": "a", "next": "b"}}},
            }),
            _ => json!({
                "data": [{"id": 5}],
                "meta": {"pagination": {"total": 5, "count": "1", "per_page": 2,
                    "current_page": "3", "total_pages": 3, "links": []}},
            }),
        };
        ResponseTemplate::new(200).set_body_json(body)
    };
    Mock::given(method("GET"))
        .and(path(users_path()))
        .respond_with(pages)
        .mount(&server)
        .await;
    let client = support::client(&server);
    let ids: Vec<i64> = client
        .members()
        .per_page(2)
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .expect("walks every page");
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        3 + 1,
        "no page re-fetched but page 1, at the end"
    );
    // The org and token are the test's, so nothing else could have answered.
    assert!(requests.iter().all(|r| r.url.path().contains(ORG)));
}

/// A member with keys the spec does not name survives decode and re-serialise.
#[test]
fn unknown_keys_round_trip() {
    let text = include_str!("../../../tests/data/member_round_trip.json");
    let original: Value = serde_json::from_str(text).unwrap();
    let member: tallyfy_ext::types::Member = serde_json::from_value(original.clone()).unwrap();
    assert!(member.extra.contains_key("custom_profile_fields"));
    assert_eq!(
        member.groups()[0].extra.get("color"),
        Some(json!("#ff8800"))
    );
    let back = serde_json::to_value(&member).unwrap();
    assert_eq!(back, original, "equivalent JSON after a round trip");
}
