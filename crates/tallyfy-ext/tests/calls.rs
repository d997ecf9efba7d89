//! `Client::call`: any operation of the spec through the generic request, with the
//! SDK's errors, retries, overrides and tolerant decoding.

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tallyfy_ext::tallyfy_api::calls::{GetMember, ListMembers};
use tallyfy_ext::{ErrorKind, RetryPolicy};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn member_path(id: u64) -> String {
    format!("{}/{id}", users_path())
}

#[tokio::test]
async fn an_operation_is_sent_with_its_customised_parameters_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(member_path(7)))
        .and(query_param("with", "groups"))
        .and(header("x-probe", "yes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": member(7)})))
        .expect(1)
        .mount(&server)
        .await;
    let (body, meta) = client(&server)
        .call::<GetMember>()
        .customize(|b| b.user_id(7_u64).with("groups"))
        .header("X-Probe", "yes")
        .timeout(Duration::from_secs(5))
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(body.data.id, 7);
    assert_eq!(meta.attempts, 1);
}

#[tokio::test]
async fn a_required_parameter_left_unset_is_invalid_input_and_sends_nothing() {
    let server = MockServer::start().await;
    let err = client(&server)
        .call::<GetMember>()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.operation(), Some("get_member"), "{err}");
    assert!(err.to_string().contains("user_id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn errors_are_typed_and_gets_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(member_path(8)))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(member_path(8)))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": true, "message": "Resource not found"})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .call::<GetMember>()
        .customize(|b| b.user_id(8_u64))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(
        (err.operation(), err.status(), err.attempts()),
        (Some("get_member"), Some(404), 2)
    );
    assert!(err.to_string().contains("Resource not found"), "{err}");

    let err = client(&server)
        .call::<GetMember>()
        .customize(|b| b.user_id(8_u64))
        .retry_policy(RetryPolicy::never())
        .org("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::NotFound, 1),
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_header_and_a_missing_org_are_invalid_input() {
    let server = MockServer::start().await;
    let err = client(&server)
        .call::<GetMember>()
        .header("Authorization", "x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let no_org = tallyfy_ext::Client::builder()
        .access_token(TOKEN)
        .base_url(format!("{}/api", server.uri()))
        .build()
        .unwrap();
    let err = no_org
        .call::<GetMember>()
        .customize(|b| b.user_id(1_u64))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("organization"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_loose_body_is_decoded_towards_the_schema() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(users_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "5", "active": 1}],
            "meta": {"pagination": {"total": "1", "current_page": 1, "total_pages": 1}},
        })))
        .mount(&server)
        .await;
    let body = client(&server)
        .call::<ListMembers>()
        .customize(|b| b.page(1_u64).per_page(10_u64))
        .send()
        .await
        .unwrap();
    assert_eq!((body.data[0].id, body.data[0].active), (5, Some(true)));
    let pagination = body.meta.and_then(|m| m.pagination).unwrap();
    assert_eq!(pagination.total, Some(1));
}

/// A page sent with `call` (not walked) still decodes into a bounded number of
/// items: past the most the largest documented page may hold (9,999 and a tenth),
/// the call fails instead of holding whatever the server sent. Both the strict
/// decode and the lenient one (a small body) stop there; a large body is never
/// read into a whole `Value`.
#[tokio::test]
async fn a_page_sent_once_is_bounded_like_a_walked_one() {
    for name_len in [0usize, 120] {
        let server = MockServer::start().await;
        let name = "x".repeat(name_len);
        let data: Vec<_> = (1..=12_000)
            .map(|id| json!({"id": id, "first_name": name}))
            .collect();
        let body = json!({"data": data, "meta": {"pagination": {"total": 12_000}}});
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let err = client(&server)
            .call::<ListMembers>()
            .customize(|b| b.page(1_u64).per_page(9_999_u64))
            .send()
            .await
            .expect_err("12,000 items are more than a page may hold");
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
        assert!(err.to_string().contains("more than 10998 items"), "{err}");
    }
}
