//! Copied into a scratch copy of the workspace by tests/regeneration.rs, after the
//! spec gained a `role` filter on list_members and a new paged list_guests
//! operation, and `cargo xtask generate` ran. Nothing in tallyfy-ext was edited.

use futures::TryStreamExt;
use serde_json::json;
use tallyfy_ext::Client;
use tallyfy_ext::tallyfy_api::paged::ListGuests;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[tokio::test]
async fn a_new_filter_rides_on_every_page_of_a_member_walk() {
    let fake = tallyfy_fake::FakeTallyfy::builder().members(25).start().await.unwrap();
    let client = Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .build()
        .unwrap();
    let ids: Vec<i64> = client
        .members()
        .per_page(10)
        .customize(|b| b.role("admin"))
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 25);
    let pages = fake.requests();
    // Three pages and the end-of-walk re-read of page 1: the filter rides on each.
    assert_eq!(pages.len(), 4);
    for request in pages {
        assert!(
            request.query_pairs.contains(&("role".into(), "admin".into())),
            "{:?}",
            request.query_pairs
        );
    }
}

#[tokio::test]
async fn a_new_paged_operation_is_walked_by_the_same_walker() {
    let server = MockServer::start().await;
    let org = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
    let pages = |request: &Request| {
        let page: u64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .map_or(1, |(_, v)| v.parse().unwrap());
        let data = match page {
            1 => json!([{"id": "g1", "email": "a@x.example"}, {"id": "g2", "email": "b@x.example"}]),
            _ => json!([{"id": "g3", "email": "c@x.example", "new_key": 1}]),
        };
        // Fractal: `links` is `[]` on the last page, `{"next": ..}` before it.
        let links = if page < 2 { json!({"next": "https://x.example/guests?page=2"}) } else { json!([]) };
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "meta": {"pagination": {
            "total": 3, "count": 2, "per_page": 2, "current_page": page, "total_pages": 2,
            "links": links}}}))
    };
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{org}/guests")))
        .respond_with(pages)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .access_token("token")
        .org_id(org)
        .build()
        .unwrap();
    let mut guests = client.list::<ListGuests>().per_page(2).items();
    let mut emails = Vec::new();
    while let Some(guest) = guests.try_next().await.unwrap() {
        emails.push(guest.email.clone().unwrap());
        if guest.id.as_deref() == Some("g3") {
            assert_eq!(guest.extra.get("new_key"), Some(json!(1)), "unknown keys kept");
        }
    }
    assert_eq!(emails, ["a@x.example", "b@x.example", "c@x.example"]);
    assert_eq!(guests.summary().pages, 2);
}

/// The new operation's errors name it: no code in tallyfy-ext knows `list_guests`.
/// (Its spans are checked in tests/spans.rs, a binary of their own.)
#[tokio::test]
async fn a_new_operation_names_itself_in_its_errors() {
    let server = MockServer::start().await;
    let org = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{org}/guests")))
        .respond_with(
            ResponseTemplate::new(422).set_body_json(json!({"message": "bad", "errors": {}})),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .access_token("token")
        .org_id(org)
        .build()
        .unwrap();
    let err = client
        .list::<ListGuests>()
        .items()
        .try_next()
        .await
        .unwrap_err();
    assert_eq!(err.operation(), Some("list_guests"), "{err}");
    assert!(err.to_string().starts_with("list_guests"), "{err}");
    let operation = tallyfy_ext::tallyfy_api::operations::find("list_guests").unwrap();
    assert_eq!(operation.path, "/organizations/{org_id}/guests");
}
