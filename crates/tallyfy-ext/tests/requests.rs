//! What goes on the wire: headers, paths, query parameters, includes.

mod support;

use support::*;
use tallyfy_ext::{ErrorKind, Include, MemberIncludes};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn every_request_carries_auth_client_id_user_agent_and_accept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(paged_org(5, 2))
        .mount(&server)
        .await;
    let members: Vec<_> =
        futures::TryStreamExt::try_collect::<Vec<_>>(client(&server).members().per_page(2).items())
            .await
            .unwrap();
    assert_eq!(members.len(), 5);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3 + 1, "and page 1 re-read at the end");
    for request in requests {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header("authorization").as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
        assert_eq!(header("x-tallyfy-client").as_deref(), Some("APIClient"));
        assert_eq!(header("accept").as_deref(), Some("application/json"));
        assert!(
            header("user-agent").unwrap().starts_with("tallyfy-rs/"),
            "{:?}",
            header("user-agent")
        );
        assert_eq!(
            header("api-version"),
            None,
            "progenitor's api-version header must not reach Tallyfy"
        );
    }
}

#[tokio::test]
async fn get_member_sends_includes_and_normalises_them() {
    let server = MockServer::start().await;
    let body = serde_json::json!({"data": {"id": 7, "email": "a@b.c",
        "groups": {"data": [{"id": "g1", "name": "Ops", "members": [7]}]},
        "stats": {"tasks_completed": 3}}});
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{ORG}/users/7")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let member = client(&server)
        .member(7)
        .with([Include::Stats, Include::Groups])
        .send()
        .await
        .unwrap();
    assert_eq!(member.id, 7);
    assert_eq!(member.groups()[0].name.as_deref(), Some("Ops"));
    assert_eq!(member.stats().unwrap().tasks_completed, Some(3));
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(query(request, "with").as_deref(), Some("groups,stats"));
}

#[tokio::test]
async fn org_ids_are_one_encoded_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    for (org, expected) in [
        (
            "a/../b?x#y",
            "/api/organizations/a%2F..%2Fb%3Fx%23y/users/5",
        ),
        ("100% sure", "/api/organizations/100%25%20sure/users/5"),
        ("é", "/api/organizations/%C3%A9/users/5"),
        ("..a", "/api/organizations/..a/users/5"),
    ] {
        let err = client.member(5).org(org).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{org}: {err}");
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.last().unwrap().url.path(), expected, "{org}");
    }
    for org in ["", ".", "..", "a\\b"] {
        let err = client.member(5).org(org).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{org:?}");
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "refused ids must send nothing"
    );
}

#[tokio::test]
async fn bad_parameters_fail_before_any_request() {
    let server = MockServer::start().await;
    let client = client(&server);
    for user_id in [0, -5] {
        let err = client.member(user_id).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("positive integer"), "{err}");
    }
    for request in [
        client.members().per_page(0),
        client.members().start_page(0),
        client.members().concurrency(0),
        client.members().sort("name; drop"),
    ] {
        let err = request.page(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    let no_org = tallyfy_ext::Client::builder()
        .access_token(TOKEN)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = no_org.member(1).send().await.unwrap_err();
    assert!(err.to_string().contains("no organization id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn one_page_reports_the_server_meta() {
    let server = MockServer::start().await;
    // The server caps per_page at 3 whatever is asked.
    Mock::given(method("GET"))
        .and(path(users_path()))
        .respond_with(paged_org(10, 3))
        .mount(&server)
        .await;
    let page = client(&server)
        .members()
        .per_page(500)
        .page(2)
        .await
        .unwrap();
    let ids: Vec<i64> = page.items.iter().map(|m| m.id).collect();
    assert_eq!(ids, [4, 5, 6]);
    assert_eq!(
        (page.page, page.total_pages, page.total, page.per_page),
        (2, Some(4), Some(10), Some(3))
    );
    assert_eq!(
        query(&server.received_requests().await.unwrap()[0], "per_page").as_deref(),
        Some("500")
    );
}

/// `customize` changes the generated builder of every page of a walk, after the
/// SDK's own settings, and of a get; `page`/`per_page` stay the walk's.
#[tokio::test]
async fn customize_applies_after_the_sdk_settings_on_every_request() {
    use futures::TryStreamExt;
    let fake = tallyfy_ext::testing::TestTallyfy::builder()
        .members(25)
        .start()
        .await
        .unwrap();
    let client = fake.client();
    let members: Vec<_> = client
        .members()
        .per_page(10)
        .sort("-created_at")
        .customize(|b| b.sort("id"))
        .customize(|b| b.with("badges"))
        .heal_pages(0) // the pages in order only
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 25);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for (n, request) in requests.iter().enumerate() {
        let q = |k: &str| {
            request
                .query_pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            q("sort").as_deref(),
            Some("id"),
            "the caller's setting wins"
        );
        assert_eq!(q("with").as_deref(), Some("badges"));
        assert_eq!(q("page"), Some((n + 1).to_string()));
        assert_eq!(q("per_page").as_deref(), Some("10"));
    }
    fake.fake().clear_requests();
    client
        .member(1003)
        .with([Include::Groups])
        .customize(|b| b.with("groups,badges"))
        .send()
        .await
        .unwrap();
    let with = fake.requests()[0]
        .query_pairs
        .iter()
        .find(|(k, _)| k == "with")
        .map(|(_, v)| v.clone());
    assert_eq!(with.as_deref(), Some("groups,badges"));
}
