//! How every request leaves the SDK: the executor the generated client calls.
//!
//! The generated `tallyfy_api::Client` hands each prepared request to
//! [`Executor::execute`] (through `tallyfy_api::hooks`). Here, and only here, the
//! request gets its headers (token, client id, user agent), its per-attempt timeout
//! and its retries, and the response body is read, bounded, before the generated
//! code decodes it. Doing retries at this level (rather than re-sending a cloned
//! builder) means a 429 or 503 is classified by status from the raw response,
//! whatever its body, and a body cut off mid-read is retried too.
//!
//! The generated code reports a non-JSON error body without its status. So the
//! executor also writes what it saw (status, request id, `Retry-After`, attempts)
//! into a task-local [`CallMeta`] that [`call`] sets up around each generated call,
//! and `error.rs` reads it back to build a complete error.

use crate::retry::{Decision, RetryPolicy};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Response, StatusCode};
use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};
use tallyfy_api::hooks::{BoxFuture, Execute};

/// Headers that carry a request id, in order of preference.
const REQUEST_ID_HEADERS: [&str; 2] = ["x-request-id", "x-correlation-id"];

tokio::task_local! {
    static CALL: RefCell<CallMeta>;
}

/// What the executor saw during one generated call (across its attempts).
#[derive(Debug, Default)]
pub(crate) struct CallMeta {
    pub status: Option<StatusCode>,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub attempts: u32,
    /// The body exceeded this many bytes and was not read.
    pub too_large: Option<usize>,
}

fn record(f: impl FnOnce(&mut CallMeta)) {
    // Outside `call` (a caller using the raw generated client) there is no slot: fine.
    let _ = CALL.try_with(|meta| f(&mut meta.borrow_mut()));
}

/// Runs one generated call and returns its outcome with what the executor saw.
pub(crate) async fn call<F: Future>(fut: F) -> (F::Output, CallMeta) {
    CALL.scope(RefCell::new(CallMeta::default()), async {
        let out = fut.await;
        (out, CALL.with(|meta| meta.take()))
    })
    .await
}

/// Sends requests for the generated client: headers, timeout, retries, bounded body.
pub(crate) struct Executor {
    /// Authorization (marked sensitive), X-Tallyfy-Client, User-Agent, Accept.
    pub headers: HeaderMap,
    pub attempt_timeout: Duration,
    pub retry: RetryPolicy,
    pub max_body_bytes: usize,
}

enum AttemptError {
    Transport(reqwest::Error),
    TooLarge(Response),
}

impl Execute for Executor {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<Response>> {
        Box::pin(self.run(client, request, operation_id))
    }
}

impl Executor {
    async fn run(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        op: &'static str,
    ) -> reqwest::Result<Response> {
        for (name, value) in &self.headers {
            request.headers_mut().insert(name, value.clone());
        }
        *request.timeout_mut() = Some(self.attempt_timeout);
        let mut retry = 0;
        loop {
            // GETs have no streaming body, so a clone always exists; without one, no retry.
            let Some(attempt) = request.try_clone() else {
                return client.execute(request).await;
            };
            let started = Instant::now();
            let outcome = self.attempt(client, attempt).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            record(|meta| meta.attempts = retry + 1);
            let decision = match &outcome {
                Ok(response) => {
                    let (status, headers) = (response.status(), response.headers());
                    let request_id = request_id(headers);
                    let retry_after = crate::retry::retry_after(headers, SystemTime::now());
                    tracing::debug!(
                        operation = op,
                        attempt = retry + 1,
                        status = status.as_u16(),
                        elapsed_ms,
                        request_id = request_id.as_deref(),
                        "tallyfy response"
                    );
                    record(|meta| {
                        meta.status = Some(status);
                        meta.request_id = request_id;
                        meta.retry_after = retry_after;
                    });
                    self.retry.after_response(retry, status, retry_after)
                }
                Err(AttemptError::Transport(err)) => {
                    tracing::debug!(operation = op, attempt = retry + 1, elapsed_ms, timeout = err.is_timeout(), error = %err, "tallyfy request failed");
                    record(|meta| meta.status = None);
                    self.retry.after_transport_error(retry)
                }
                Err(AttemptError::TooLarge(response)) => {
                    let status = response.status();
                    record(|meta| {
                        meta.status = Some(status);
                        meta.too_large = Some(self.max_body_bytes);
                    });
                    Decision::Done
                }
            };
            match (decision, outcome) {
                (Decision::RetryAfter(wait), _) => {
                    tracing::warn!(
                        operation = op,
                        attempt = retry + 1,
                        wait_ms = wait.as_millis() as u64,
                        "tallyfy call failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                (_, Ok(response)) | (_, Err(AttemptError::TooLarge(response))) => {
                    return Ok(response);
                }
                (_, Err(AttemptError::Transport(err))) => return Err(err),
            }
        }
    }

    /// Sends one attempt and reads the whole body, refusing one above the limit.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
    ) -> Result<Response, AttemptError> {
        let mut response = client
            .execute(request)
            .await
            .map_err(AttemptError::Transport)?;
        // The headers move into the rebuilt response; the body read does not need them.
        let (status, version) = (response.status(), response.version());
        let headers = std::mem::take(response.headers_mut());
        let length = response.content_length().unwrap_or(0);
        if length > self.max_body_bytes as u64 {
            return Err(AttemptError::TooLarge(rebuild(
                status,
                version,
                headers,
                Bytes::new(),
            )));
        }
        // One allocation when the length is known (it is bounded by the check above).
        let mut body = BytesMut::with_capacity(length as usize);
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(AttemptError::TooLarge(rebuild(
                    status,
                    version,
                    headers,
                    Bytes::new(),
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(rebuild(status, version, headers, body.freeze()))
    }
}

/// A response with an in-memory body, for the generated code to decode.
fn rebuild(
    status: StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    Response::from(response)
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .filter_map(|name| headers.get(HeaderName::from_static(name)))
        .find_map(|value| value.to_str().ok().map(str::to_owned))
}
