//! One generated call, start to end: run it inside its span and the executor's
//! scope (`scope.rs`), then turn its outcome into this crate's `Result`.
//!
//! The generated client reports errors as `progenitor_client::Error<ErrorBody>`;
//! on a non-JSON error body (an HTML 503 from a gateway, an empty 429) it loses the
//! status. The executor's [`CallMeta`] still has it, so every error here is
//! classified by HTTP status first and enriched from the body when it parses.
//! This is the one reader of the back-channel.

use crate::cause;
use crate::error::{Details, Error, ErrorKind, SNIPPET_BYTES, snippet};
use crate::page::{ResponseMeta, UntypedMember};
use crate::scope::{self, CallMeta, Overrides, Refusal};
use crate::telemetry::Call;
use crate::tolerant::ItemError;
use progenitor_client::ResponseValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use tallyfy_api::types::ErrorBody;
use tracing::Instrument;

/// A decoded success, with the response's request id, budget and attempts.
pub(crate) struct Reply<T> {
    pub value: T,
    pub meta: ResponseMeta,
    /// Members the tolerant decoder could not type (list pages only).
    pub untyped: Vec<UntypedMember>,
}

impl<T> Reply<T> {
    fn new(value: T, meta: &mut CallMeta, untyped: Vec<UntypedMember>) -> Self {
        Self {
            value,
            meta: ResponseMeta {
                request_id: meta.request_id.take(),
                rate_limit: meta.rate_limit,
                attempts: meta.attempts,
            },
            untyped,
        }
    }
}

/// How a success body the generated (strict) decode refused is decoded again,
/// leniently: the value as far as it can be typed, and the items that could not be.
pub(crate) type Rescue<U> = fn(&[u8]) -> Result<(U, Vec<UntypedMember>), ItemError>;

type Generated<T> = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>;

/// Runs a generated call (through the executor, inside the call's span) and maps
/// its outcome.
///
/// The generated code decodes strictly (the fast path), and `convert` takes the
/// body apart. A 2xx body it refuses is decoded again by `rescue`, so PHP's looser
/// JSON costs nothing on well-typed bodies and never costs a page on odd ones.
pub(crate) async fn send<T, U>(
    call: Call,
    overrides: Overrides,
    fut: impl Future<Output = Generated<T>>,
    convert: impl FnOnce(T) -> U,
    rescue: Rescue<U>,
) -> crate::Result<Reply<U>> {
    let (outcome, mut meta) = scope::run(overrides, fut)
        .instrument(call.span.clone())
        .await;
    let redactor = std::mem::take(&mut meta.redactor);
    call.finish(
        meta.status.map(|s| s.as_u16()),
        meta.attempts,
        meta.request_id.as_deref(),
        meta.budget_exhausted,
    );
    match outcome {
        Ok(value) => Ok(Reply::new(
            convert(value.into_inner()),
            &mut meta,
            Vec::new(),
        )),
        Err(progenitor_client::Error::InvalidResponsePayload(body, _))
            if meta.too_large.is_none()
                && meta.refusal.is_none()
                && meta.status.is_none_or(|s| s.is_success()) =>
        {
            let operation = call.operation;
            let outcome = match rescue(&body) {
                Ok((value, mut untyped)) => {
                    // Why a member was not typed quotes its bytes: it is logged.
                    for member in &mut untyped {
                        redactor.string(&mut member.error);
                    }
                    Ok(Reply::new(value, &mut meta, untyped))
                }
                Err(ItemError::Body(err)) => Err(undecodable(operation, meta, &body, err)),
                Err(ItemError::Untyped(member)) => {
                    Err(untyped_error(operation, meta, &body, member))
                }
            };
            outcome.map_err(|err| {
                let err = err.redacted(&redactor);
                call.failed(&err);
                err
            })
        }
        Err(err) => {
            let err = map_error(call.operation, err, meta)
                .await
                .redacted(&redactor);
            call.failed(&err);
            Err(err)
        }
    }
}

fn base_details(operation: &'static str, meta: CallMeta) -> Details {
    Details {
        operation: Some(operation),
        status: meta.status.map(|s| s.as_u16()),
        request_id: meta.request_id,
        retry_after: meta.retry_after,
        attempts: meta.attempts,
        rate_limit: meta.rate_limit,
        deadline: meta.deadline,
        budget_exhausted: meta.budget_exhausted,
        ..Details::default()
    }
}

/// A 2xx body that is not JSON, or whose envelope cannot be read even leniently.
fn undecodable(
    operation: &'static str,
    meta: CallMeta,
    body: &[u8],
    source: serde_json::Error,
) -> Error {
    let mut details = base_details(operation, meta);
    details.message = Some(format!(
        "the response body does not match the API's schema: {source}"
    ));
    details.body_snippet = Some(snippet(body, SNIPPET_BYTES));
    Error::new(ErrorKind::Decode, details).with_source(source)
}

/// A get-member body whose member could not be typed: the raw member rides along.
fn untyped_error(
    operation: &'static str,
    meta: CallMeta,
    body: &[u8],
    member: UntypedMember,
) -> Error {
    let mut details = base_details(operation, meta);
    details.body_snippet = Some(snippet(body, SNIPPET_BYTES));
    details.message = Some(format!("the member could not be typed: {}", member.error));
    details.untyped = Some(Box::new(member));
    Error::new(ErrorKind::Decode, details)
}

async fn map_error(
    operation: &'static str,
    err: progenitor_client::Error<ErrorBody>,
    mut meta: CallMeta,
) -> Error {
    use progenitor_client::Error as Gen;
    let refusal = meta.refusal.take();
    let too_large = meta.too_large;
    let mut details = base_details(operation, meta);
    if let Some(refusal) = refusal {
        // The executor answered itself; the generated code's view of that is moot.
        return refusal_error(refusal, details);
    }
    if let Some(limit) = too_large {
        details.message = Some(format!(
            "response body is larger than the {limit}-byte limit"
        ));
        return Error::new(ErrorKind::Decode, details);
    }
    match err {
        Gen::InvalidRequest(message) => {
            details.message = Some(message);
            Error::new(ErrorKind::InvalidInput, details)
        }
        Gen::CommunicationError(e) | Gen::ResponseBodyError(e) | Gen::InvalidUpgrade(e) => {
            // The kind and the message name the cause; the source keeps reqwest's chain.
            let cause = cause::classify(&e);
            details.status = e.status().map(|s| s.as_u16()).or(details.status);
            details.message = cause.describe();
            Error::new(ErrorKind::of_cause(&cause), details).with_source(e)
        }
        Gen::ErrorResponse(response) => {
            details.status = Some(response.status().as_u16());
            read_error_body(&mut details, &response.into_inner());
            Error::new(ErrorKind::for_status(details.status), details)
        }
        Gen::UnexpectedResponse(response) => {
            details.status = Some(response.status().as_u16());
            // The executor buffered the body already, so this read is in memory.
            let body = response.bytes().await.unwrap_or_default();
            read_untyped_body(&mut details, &body);
            Error::new(ErrorKind::for_status(details.status), details)
        }
        Gen::InvalidResponsePayload(body, source) => match details.status {
            // An error status whose body is not the JSON error shape (HTML, empty...).
            Some(status) if status >= 400 => {
                read_untyped_body(&mut details, &body);
                Error::new(ErrorKind::for_status(details.status), details)
            }
            _ => {
                details.message = Some(format!(
                    "the response body does not match the API's schema: {source}"
                ));
                details.body_snippet = Some(snippet(&body, SNIPPET_BYTES));
                Error::new(ErrorKind::Decode, details).with_source(source)
            }
        },
        Gen::Custom(message) => {
            details.message = Some(message);
            Error::new(ErrorKind::Transport, details)
        }
    }
}

/// The error for a call the executor refused.
fn refusal_error(refusal: Refusal, mut details: Details) -> Error {
    match refusal {
        Refusal::Paused { wait } => {
            details.status = None;
            details.message = Some(format!(
                "the client is paused by an earlier 429 for another {:.1}s; no request was sent",
                wait.as_secs_f64()
            ));
            Error::new(ErrorKind::RateLimited, details)
        }
        Refusal::Deadline => {
            details.message = Some("no time left for another attempt".to_owned());
            Error::new(ErrorKind::Timeout, details)
        }
        Refusal::Redirect(refused) => {
            details.status = None;
            details.redirect = Some(refused);
            Error::new(ErrorKind::Redirect, details)
        }
    }
}

/// An error body that did not decode as `ErrorBody`: try JSON leniently, else keep a snippet.
pub(crate) fn read_untyped_body(details: &mut Details, body: &[u8]) {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => read_error_body(details, &parsed),
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => {}
        Err(_) => details.body_snippet = Some(snippet(body, SNIPPET_BYTES)),
    }
}

/// Reads Tallyfy's error shapes: `message`, `error` (bool | string | object), `code`, `errors`.
fn read_error_body(details: &mut Details, body: &ErrorBody) {
    let nested = body.error.as_ref().and_then(Value::as_object);
    details.message = body
        .message
        .clone()
        .or_else(|| {
            nested
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            body.error
                .as_ref()
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    details.code = body
        .code
        .as_ref()
        .or_else(|| nested.and_then(|e| e.get("code")))
        .and_then(scalar_text);
    if let Some(errors) = &body.errors {
        details.field_errors = field_errors(errors);
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Laravel's `{"field": ["msg", ...]}`, tolerating strings, lists of dicts, or a bare list.
fn field_errors(errors: &Value) -> BTreeMap<String, Vec<String>> {
    fn messages(value: &Value) -> Vec<String> {
        match value {
            Value::Array(items) => items.iter().flat_map(messages).collect(),
            Value::Object(map) => match map.get("message").and_then(Value::as_str) {
                Some(message) => vec![message.to_owned()],
                None => vec![value.to_string()],
            },
            Value::String(s) => vec![s.clone()],
            Value::Null => vec![],
            other => vec![other.to_string()],
        }
    }
    match errors {
        Value::Object(map) => map
            .iter()
            .map(|(field, v)| (field.clone(), messages(v)))
            .collect(),
        Value::Null => BTreeMap::new(),
        other => BTreeMap::from([(String::new(), messages(other))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn details_of(body: Value) -> Details {
        let mut details = Details::default();
        read_error_body(&mut details, &serde_json::from_value(body).unwrap());
        details
    }

    #[test]
    fn reads_every_known_error_shape() {
        let d = details_of(
            json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}),
        );
        assert_eq!(
            (d.message.as_deref(), d.code.as_deref()),
            (Some("Resource not found"), Some("RESOURCE_NOT_FOUND"))
        );
        let d = details_of(json!({"error": "invalid_client"}));
        assert_eq!(d.message.as_deref(), Some("invalid_client"));
        let d = details_of(
            json!({"error": {"code": "SEAT_POOL_EXHAUSTED", "message": "No seats", "details": {}}}),
        );
        assert_eq!(
            (d.message.as_deref(), d.code.as_deref()),
            (Some("No seats"), Some("SEAT_POOL_EXHAUSTED"))
        );
        let d = details_of(json!({"message": "The given data was invalid.",
            "errors": {"per_page": ["too small", "not an integer"], "page": "bad", "q": [{"message": "odd"}]}}));
        assert_eq!(
            d.field_errors["per_page"],
            vec!["too small", "not an integer"]
        );
        assert_eq!(d.field_errors["page"], vec!["bad"]);
        assert_eq!(d.field_errors["q"], vec!["odd"]);
        let d = details_of(json!({"code": 42}));
        assert_eq!(d.code.as_deref(), Some("42"));
    }

    #[test]
    fn html_bodies_keep_a_snippet_and_empty_bodies_none() {
        let mut d = Details::default();
        read_untyped_body(&mut d, b"<html><body>503 Service Unavailable</body></html>");
        assert_eq!(
            d.body_snippet.as_deref(),
            Some("<html><body>503 Service Unavailable</body></html>")
        );
        let mut d = Details::default();
        read_untyped_body(&mut d, b"  \n");
        assert_eq!(d.body_snippet, None);
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(ErrorKind::for_status(Some(503)), ErrorKind::Server);
        assert_eq!(ErrorKind::for_status(Some(429)), ErrorKind::RateLimited);
        assert_eq!(
            ErrorKind::for_status(Some(409)),
            ErrorKind::UnexpectedStatus
        );
        assert_eq!(ErrorKind::for_status(None), ErrorKind::UnexpectedStatus);
    }
}
