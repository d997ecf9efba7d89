//! A server that echoes the access token back: in an error's message, code and
//! field errors, a request id header, an HTML error page, an undecodable success
//! body, and a member that cannot be typed. Whatever the SDK
//! keeps of it (accessors, `Display`, `Debug`, the cause chain, a page's untyped
//! members) shows `[redacted]` instead. Spans and log lines: `tests/logs.rs`.

mod support;

use futures::TryStreamExt;
use serde_json::json;
use support::*;
use tallyfy_ext::{Error, ErrorKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every text of `err` a caller could print or log.
fn every_text(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}");
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        text.push_str(&format!("\n{c}\n{c:?}"));
        cause = c.source();
    }
    for part in [
        err.message(),
        err.code(),
        err.request_id(),
        err.body_snippet(),
    ] {
        text.push_str(&format!("\n{part:?}"));
    }
    text.push_str(&format!("\n{:?}", err.field_errors()));
    if let Some(member) = err.untyped_member() {
        text.push_str(&format!("\n{member:?}\n{member}\n{}", member.raw.get()));
    }
    if let Some(redirect) = err.redirect() {
        text.push_str(&format!("\n{redirect:?}\n{redirect}"));
    }
    text
}

fn assert_clean(err: &Error, place: &str) {
    let text = every_text(err);
    assert!(!text.contains(TOKEN), "{place}: the token in\n{text}");
    assert!(
        text.contains("[redacted]"),
        "{place}: nothing redacted in\n{text}"
    );
}

async fn member_error(respond: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/7", users_path())))
        .respond_with(respond)
        .mount(&server)
        .await;
    client(&server).member(7).send().await.unwrap_err()
}

#[tokio::test]
async fn an_error_body_echoing_the_token_in_message_code_and_field_errors() {
    let echo = format!("Bearer {TOKEN}");
    let err = member_error(
        ResponseTemplate::new(422)
            .insert_header("x-request-id", format!("req-{TOKEN}").as_str())
            .set_body_json(json!({
                "error": true,
                "message": format!("token {echo} is not allowed here"),
                "code": TOKEN,
                "errors": {TOKEN: [format!("{TOKEN} again")], "email": ["taken"]},
            })),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_clean(&err, "422 body");
    assert_eq!(
        err.message(),
        Some("token Bearer [redacted] is not allowed here")
    );
    assert_eq!(err.code(), Some("[redacted]"));
    assert_eq!(err.request_id(), Some("req-[redacted]"));
    assert_eq!(err.field_errors()["[redacted]"], ["[redacted] again"]);
    assert_eq!(err.field_errors()["email"], ["taken"], "other text kept");
}

#[tokio::test]
async fn an_html_error_page_echoing_the_token() {
    let err = member_error(ResponseTemplate::new(502).set_body_string(format!(
        "<html>upstream said: Authorization: Bearer {TOKEN}</html>"
    )))
    .await;
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_clean(&err, "HTML 502");
    assert!(err.body_snippet().unwrap().contains("Bearer [redacted]"));
}

#[tokio::test]
async fn an_undecodable_success_body_and_its_parser_error_echoing_the_token() {
    // serde_json quotes the offending string in its message: the cause is redacted too.
    let err = member_error(ResponseTemplate::new(200).set_body_json(json!({"data": TOKEN}))).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_clean(&err, "undecodable 200");
}

#[tokio::test]
async fn a_member_that_cannot_be_typed_echoing_the_token_in_its_raw_json() {
    // An id no member can have: the member stays raw, and quotes the token.
    let mut member = member(7);
    member["id"] = json!(TOKEN);
    let err = member_error(ResponseTemplate::new(200).set_body_json(json!({"data": member}))).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_clean(&err, "untyped member");
    let raw = err
        .untyped_member()
        .expect("the raw member rides along")
        .raw
        .get();
    let value: serde_json::Value = serde_json::from_str(raw).expect("still JSON");
    assert_eq!(value["id"], "[redacted]");
    assert_eq!(
        value["email"], "user7@example.com",
        "the rest of the member is kept"
    );
}

#[tokio::test]
async fn a_list_page_with_an_untyped_member_quoting_the_token_in_its_error() {
    let server = MockServer::start().await;
    let mut body = page_body([1, 2], 1, 10, 2);
    body["data"][1]["id"] = json!(TOKEN);
    body["data"][1]["email"] = json!({"x": TOKEN});
    Mock::given(method("GET"))
        .and(path(users_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let pages: Vec<_> = client(&server)
        .members()
        .pages()
        .try_collect()
        .await
        .unwrap();
    let untyped: Vec<_> = pages.iter().flat_map(|p| &p.untyped).collect();
    assert_eq!(untyped.len(), 1);
    assert!(!untyped[0].error.contains(TOKEN), "{}", untyped[0].error);
    // The member itself is the caller's data, as sent.
    assert!(untyped[0].raw.get().contains(TOKEN));
}

#[tokio::test]
async fn the_detector_is_live_without_a_token_to_redact() {
    // The same echo with a token the server does not know: nothing to redact, and
    // the check above would have seen an unredacted echo.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": format!("bad {TOKEN}x")})),
        )
        .mount(&server)
        .await;
    let other = builder(&server)
        .access_token("another-token")
        .build()
        .unwrap();
    let err = other.member(7).send().await.unwrap_err();
    assert!(every_text(&err).contains(TOKEN));
}
