//! Compression, redirects and the headers the fake records, as raw HTTP shows them.

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, LOCATION};
use support::{start, users_url};
use tallyfy_fake::{FakeTallyfy, Fault, FaultKind, Faults, RunningFake};

/// A GET that decodes nothing itself, with the given `Accept-Encoding`.
async fn raw_get(fake: &RunningFake, url: &str, accept: Option<&str>) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client
        .get(url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "APIClient")
        .header("Referer", "https://app.example/secret-page");
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn gzip_is_sent_only_when_enabled_and_asked_for() {
    let fake = start(FakeTallyfy::builder().members(30).gzip(true)).await;
    let url = format!("{}?per_page=30", users_url(&fake));

    let response = raw_get(&fake, &url, Some("gzip, br")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    let body = response.bytes().await.unwrap();
    assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");

    let response = raw_get(&fake, &url, None).await;
    assert_eq!(response.headers().get(CONTENT_ENCODING), None);
    let plain: serde_json::Value = response.json().await.unwrap();
    assert_eq!(plain["data"].as_array().unwrap().len(), 30);

    let recorded = fake.requests();
    assert_eq!(recorded[0].accept_encoding.as_deref(), Some("gzip, br"));
    assert_eq!(recorded[0].content_encoding.as_deref(), Some("gzip"));
    assert_eq!(
        (&recorded[1].accept_encoding, &recorded[1].content_encoding),
        (&None, &None)
    );
    assert_eq!(
        recorded[0].referer.as_deref(),
        Some("https://app.example/secret-page")
    );

    // Off by default.
    let fake = start(FakeTallyfy::builder().members(30)).await;
    let response = raw_get(&fake, &users_url(&fake), Some("gzip")).await;
    assert_eq!(response.headers().get(CONTENT_ENCODING), None);
}

#[tokio::test]
async fn redirect_and_delayed_faults() {
    let fake = start(FakeTallyfy::builder().faults(Faults::script(vec![
        Fault::redirect("https://elsewhere.example/api/x"),
        Fault::delayed(Duration::from_millis(20), Fault::Status(503)),
    ])))
    .await;
    let url = users_url(&fake);
    let response = raw_get(&fake, &url, None).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()[LOCATION],
        "https://elsewhere.example/api/x"
    );
    let response = raw_get(&fake, &url, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let counts = fake.fault_counts();
    assert_eq!(
        (
            counts.get(FaultKind::Redirect),
            counts.get(FaultKind::Status)
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn inside_a_rate_limit_window_every_request_gets_a_429() {
    let plan = Faults::script(vec![Fault::rate_limited(30), Fault::Status(500)])
        .with_rate_limit_window(true);
    let fake = start(FakeTallyfy::builder().faults(plan)).await;
    let url = users_url(&fake);
    for _ in 0..3 {
        let response = raw_get(&fake, &url, None).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((29..=30).contains(&wait), "{wait}");
    }
    assert_eq!(fake.fault_counts().get(FaultKind::RateLimited), 3);
}
