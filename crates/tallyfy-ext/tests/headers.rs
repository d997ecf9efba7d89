//! Headers a service adds, per client and per request, and the application in
//! the `User-Agent`; the SDK's own headers cannot be replaced, and no value is
//! ever printed.

mod support;

use support::{ORG, builder, member};
use tallyfy_ext::ErrorKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{ORG}/users/7")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": member(7)})),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn client_and_request_headers_reach_the_server_and_the_application_names_itself() {
    let server = server().await;
    let client = builder(&server)
        .header("X-Trace-Tenant", "tenant-9")
        .header("X-Api-Key", "proxy-s3cr3t")
        .application("billing-sync/1.2")
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("s3cr3t"));
    let request = client
        .member(7)
        .header("x-trace-tenant", "tenant-10")
        .header("X-Request-Tag", "nightly");
    assert!(
        !format!("{request:?}").contains("nightly"),
        "values are never printed"
    );
    request.send().await.unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    let value = |name: &str| {
        sent.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        value("x-trace-tenant").as_deref(),
        Some("tenant-10"),
        "the request's wins"
    );
    assert_eq!(value("x-api-key").as_deref(), Some("proxy-s3cr3t"));
    assert_eq!(value("x-request-tag").as_deref(), Some("nightly"));
    let agent = value("user-agent").unwrap();
    assert!(
        agent.starts_with("tallyfy-rs/") && agent.ends_with(" billing-sync/1.2"),
        "{agent}"
    );
    assert_eq!(value("x-tallyfy-client").as_deref(), Some("APIClient"));
    assert!(value("authorization").unwrap().starts_with("Bearer "));
}

#[tokio::test]
async fn the_sdk_s_own_and_hop_by_hop_headers_are_refused_naming_only_the_header() {
    let server = server().await;
    for name in [
        "Authorization",
        "X-Tallyfy-Client",
        "Host",
        "Connection",
        "Transfer-Encoding",
        "Upgrade",
        "User-Agent",
    ] {
        let err = builder(&server)
            .header(name, "v-s3cr3t")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        let client = builder(&server).build().unwrap();
        let err = client
            .member(7)
            .header(name, "v-s3cr3t")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}");
        assert!(!format!("{err:?}").contains("s3cr3t"), "{err:?}");
        let walk = client.members().header(name, "v").pages();
        let err = futures::TryStreamExt::try_collect::<Vec<_>>(walk)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}");
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
    let err = builder(&server)
        .application("bad\napp")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
