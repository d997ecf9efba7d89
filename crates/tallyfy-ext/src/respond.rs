//! Where an attempt is sent: over HTTP with reqwest (always, in production), or to a
//! scripted responder in process (`testing::mock`, feature `test-util`).
//!
//! The executor (`transport.rs`) hands every attempt to a [`Sender`] and treats what
//! comes back the same way whichever it is: the body is read bounded, the status
//! classified, `Retry-After` and the budget read, retries decided and slept. Only
//! the socket is replaced. A scripted answer:
//! - gets the request's URL as its own, as a response of the same origin does;
//! - is subject to the attempt timeout the executor set on the request
//!   (`reqwest::Request::timeout`), as reqwest enforces it: a responder slower than
//!   that is cut off, and the attempt fails as a timeout;
//! - fails like a transport error when its body stream fails (a connection reset,
//!   the timeout above): reqwest wraps the stream's `io::Error` in a
//!   `reqwest::Error`, whose source chain `cause.rs` reads as it reads a real one.
//!   `reqwest::Error` has no public constructor, so a failure before the response
//!   head (a refused connection) cannot be scripted; one after it can.

use bytes::Bytes;
use reqwest::{Body, ResponseBuilderExt};
use std::fmt;
use std::io;
use std::sync::Arc;
use tallyfy_api::hooks::BoxFuture;

/// Answers requests in place of a server (implemented by `testing::mock`).
pub(crate) trait Respond: Send + Sync {
    /// The answer to `request` (the operation `operation_id`), after any scripted delay.
    fn respond(
        &self,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'_, http::Response<Body>>;
}

/// How the executor sends an attempt.
#[derive(Clone, Default)]
pub(crate) enum Sender {
    /// With the client's `reqwest::Client`.
    #[default]
    Http,
    /// To a responder in process; no socket is opened.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    Scripted(Arc<dyn Respond>),
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Http => "Http",
            Self::Scripted(_) => "Scripted",
        })
    }
}

impl Sender {
    /// Sends `request` for the operation `operation_id`.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        match self {
            Self::Http => client.execute(request).await,
            Self::Scripted(responder) => {
                Ok(scripted(responder.as_ref(), request, operation_id).await)
            }
        }
    }
}

/// The responder's answer as reqwest's, within the request's timeout.
async fn scripted(
    responder: &dyn Respond,
    request: reqwest::Request,
    operation_id: &'static str,
) -> reqwest::Response {
    let url = request.url().clone();
    let timeout = request.timeout().copied();
    let answer = responder.respond(request, operation_id);
    let answer = match timeout {
        Some(limit) => tokio::time::timeout(limit, answer)
            .await
            .unwrap_or_else(|_| failing(io::ErrorKind::TimedOut, "the attempt timed out")),
        None => answer.await,
    };
    let (parts, body) = answer.into_parts();
    let mut response = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = response.headers_mut() {
        *headers = parts.headers;
    }
    let response = response
        .body(body)
        .expect("a status, version and URL taken from valid values");
    reqwest::Response::from(response)
}

/// A response whose body fails with `kind` at its first read: what reqwest hands
/// back when the connection fails after the response head.
pub(crate) fn failing(kind: io::ErrorKind, words: &'static str) -> http::Response<Body> {
    let chunk = futures::future::ready(Err::<Bytes, _>(io::Error::new(kind, words)));
    http::Response::new(Body::wrap_stream(futures::stream::once(chunk)))
}
