//! Copied into a scratch copy of the workspace by tests/regeneration.rs, after the
//! spec gained a non-paged `get_guest` operation and `cargo xtask generate` ran.
//! Nothing in tallyfy-ext was edited: the call, its typed errors, its retries and
//! its `customize` all come from the generator.

use serde_json::json;
use std::time::Duration;
use tallyfy_ext::tallyfy_api::calls::GetGuest;
use tallyfy_ext::{Client, ErrorKind};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORG: &str = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";

fn guest_path(guest: &str) -> String {
    format!("/api/organizations/{ORG}/guests/{guest}")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .access_token("token")
        .org_id(ORG)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_new_operation_is_called_with_its_parameters_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(guest_path("g7")))
        .and(header("x-probe", "yes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"id": "g7", "email": "g@x.example", "new_key": true}}),
        ))
        .mount(&server)
        .await;
    let (body, meta) = client(&server)
        .call::<GetGuest>()
        .customize(|b| b.guest_id("g7"))
        .header("X-Probe", "yes")
        .timeout(Duration::from_secs(5))
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(body.data.id.as_deref(), Some("g7"));
    assert_eq!(body.data.email.as_deref(), Some("g@x.example"));
    assert_eq!(body.data.extra.get("new_key"), Some(json!(true)), "unknown keys kept");
    assert_eq!(meta.attempts, 1);
}

#[tokio::test]
async fn a_new_operation_fails_with_typed_errors_naming_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(guest_path("nobody")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .call::<GetGuest>()
        .customize(|b| b.guest_id("nobody"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.operation(), Some("get_guest"), "{err}");
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.to_string().starts_with("get_guest"), "{err}");
}

#[tokio::test]
async fn a_missing_path_parameter_is_invalid_input_and_sends_nothing() {
    let server = MockServer::start().await;
    let err = client(&server).call::<GetGuest>().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.operation(), Some("get_guest"), "{err}");
    assert!(err.to_string().contains("guest_id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_get_is_retried_as_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(guest_path("g1")))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(guest_path("g1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "g1"}})))
        .mount(&server)
        .await;
    let (body, meta) = client(&server)
        .call::<GetGuest>()
        .customize(|b| b.guest_id("g1"))
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(body.data.id.as_deref(), Some("g1"));
    assert_eq!(meta.attempts, 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
