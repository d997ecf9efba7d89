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
//! The generated code reports a non-JSON error body without its status, and has no
//! slot for per-request settings: what the executor sees goes out, and the call's
//! overrides come in, through the back-channel in `scope.rs` (read there why).
//!
//! Each attempt, in order: wait while the client is paused by a 429 (see
//! `ratelimit.rs`), refuse to start past the operation deadline, send with the
//! attempt timeout cut to what the deadline leaves, check the response's origin
//! (see `redirect.rs`), read the budget, decide with the [`RetryPolicy`], and sleep
//! before the next attempt unless that sleep would end past the deadline.

use crate::cause;
use crate::ratelimit::{Limiter, RateLimit};
use crate::redact::Redactor;
use crate::redirect::{self, RefusedRedirect};
use crate::retry::{Decision, RetryPolicy};
use crate::scope::{self, Refusal, record};
use crate::telemetry;
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Response, StatusCode, Url};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tallyfy_api::hooks::{BoxFuture, Execute};
use tokio::time::Instant;
use tracing::Instrument;

/// Headers that carry a request id, in order of preference.
const REQUEST_ID_HEADERS: [&str; 2] = ["x-request-id", "x-correlation-id"];

/// Sends requests for the generated client: headers, timeouts, the client's
/// pause, retries, redirects and a bounded body.
pub(crate) struct Executor {
    /// Authorization (marked sensitive), X-Tallyfy-Client, User-Agent, Accept.
    pub headers: HeaderMap,
    pub attempt_timeout: Duration,
    pub operation_timeout: Option<Duration>,
    pub retry: RetryPolicy,
    pub max_body_bytes: usize,
    pub limiter: Arc<Limiter>,
    /// The client's token, kept out of request ids and errors (`redact.rs`).
    pub redactor: Redactor,
}

enum AttemptError {
    Transport(reqwest::Error),
    TooLarge(Response),
    OffOrigin(RefusedRedirect),
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
        record(|meta| meta.redactor = self.redactor.clone());
        let overrides = scope::overrides();
        let policy = overrides.retry.unwrap_or(self.retry);
        let attempt_timeout = overrides.timeout.unwrap_or(self.attempt_timeout);
        let deadline = overrides
            .operation_timeout
            .or(self.operation_timeout)
            .map(|total| (Instant::now() + total, total));
        let mut retry = 0;
        loop {
            // The client's pause (a 429 seen by any request of this client).
            while let Some(wait) = self.limiter.pause_left(Instant::now()) {
                let past_deadline = deadline.is_some_and(|(at, _)| Instant::now() + wait > at);
                if wait > policy.retry_after_ceiling() || past_deadline {
                    record(|meta| {
                        meta.refusal = Some(Refusal::Paused { wait });
                        meta.retry_after = Some(wait);
                        meta.deadline = deadline.filter(|_| past_deadline).map(|(_, d)| d);
                    });
                    return Ok(refused(StatusCode::TOO_MANY_REQUESTS));
                }
                tokio::time::sleep(wait).await;
            }
            let mut timeout = attempt_timeout;
            if let Some((at, total)) = deadline {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    record(|meta| {
                        meta.refusal = Some(Refusal::Deadline);
                        meta.deadline = Some(total);
                    });
                    return Ok(refused(StatusCode::GATEWAY_TIMEOUT));
                }
                timeout = timeout.min(left);
            }
            // GETs have no streaming body, so a clone always exists; without one, no retry.
            let Some(mut attempt) = request.try_clone() else {
                return client.execute(request).await;
            };
            *attempt.timeout_mut() = Some(timeout);
            let span = telemetry::attempt_span(
                op,
                request.method().as_str(),
                request.url().host_str(),
                retry,
            );
            let started = Instant::now();
            let outcome = self
                .attempt(client, attempt, request.url())
                .instrument(span.clone())
                .await;
            record(|meta| meta.attempts = retry + 1);
            let mut rate_limited = false;
            let mut server_wait = None;
            let decision = match &outcome {
                Ok(response) => {
                    let (status, headers) = (response.status(), response.headers());
                    let now = SystemTime::now();
                    let request_id = request_id(headers, &self.redactor);
                    let retry_after = crate::retry::retry_after(headers, now);
                    let budget = RateLimit::from_headers(headers, now);
                    if let Some(budget) = budget {
                        self.limiter
                            .observe(budget, now, policy.retry_after_ceiling());
                    }
                    telemetry::attempt_response(
                        &span,
                        status,
                        request_id.as_deref(),
                        started.elapsed(),
                    );
                    record(|meta| {
                        meta.status = Some(status);
                        meta.request_id = request_id;
                        meta.retry_after = retry_after;
                        meta.rate_limit = budget;
                    });
                    rate_limited = status == StatusCode::TOO_MANY_REQUESTS;
                    server_wait = retry_after;
                    policy.after_response(retry, status, retry_after)
                }
                Err(AttemptError::Transport(err)) => {
                    telemetry::attempt_failed(&span, err);
                    if err.is_redirect() {
                        let refusal = redirect::refusal_in(err);
                        record(|meta| {
                            meta.status = None;
                            meta.refusal = refusal.map(Refusal::Redirect);
                        });
                        Decision::Done
                    } else {
                        record(|meta| meta.status = None);
                        // A certificate, a protocol violation: a retry fails the same way.
                        if cause::classify(err).is_final() {
                            Decision::Done
                        } else {
                            policy.after_transport_error(retry)
                        }
                    }
                }
                Err(AttemptError::TooLarge(response)) => {
                    let status = response.status();
                    record(|meta| {
                        meta.status = Some(status);
                        meta.too_large = Some(self.max_body_bytes);
                    });
                    Decision::Done
                }
                Err(AttemptError::OffOrigin(refused)) => {
                    span.record("error.type", "redirect");
                    let refused = refused.clone();
                    record(|meta| meta.refusal = Some(Refusal::Redirect(refused)));
                    Decision::Done
                }
            };
            if rate_limited {
                // A 429 pauses every request of the client, not only this one.
                let wait = match decision {
                    Decision::RetryAfter(wait) | Decision::GiveUp(wait) => Some(wait),
                    Decision::Done => server_wait,
                };
                if let Some(wait) = wait {
                    self.limiter.pause_until(Instant::now() + wait);
                }
            }
            match decision {
                Decision::RetryAfter(wait) => {
                    let until = Instant::now() + wait;
                    if let Some((at, total)) = deadline
                        && until > at
                    {
                        // The next attempt could not start in time: fail now, not later.
                        record(|meta| meta.deadline = Some(total));
                        return finish(outcome);
                    }
                    telemetry::retrying(&span, op, retry + 1, wait.as_millis() as u64);
                    drop(outcome);
                    // The pause set above (or a longer one) is awaited at the loop's top.
                    tokio::time::sleep_until(until).await;
                    retry += 1;
                }
                Decision::GiveUp(_) | Decision::Done => return finish(outcome),
            }
        }
    }

    /// Sends one attempt and reads the whole body, refusing one above the limit or
    /// from another origin than `sent_to`.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        sent_to: &Url,
    ) -> Result<Response, AttemptError> {
        let mut response = client
            .execute(request)
            .await
            .map_err(AttemptError::Transport)?;
        // A custom reqwest client may follow redirects anywhere: trust none of it.
        if !redirect::same_origin(response.url(), sent_to) {
            return Err(AttemptError::OffOrigin(RefusedRedirect {
                from: redirect::origin(sent_to),
                to: redirect::origin(response.url()),
                reason: if response.url().scheme() != sent_to.scheme() {
                    redirect::RedirectReason::PlainHttp
                } else {
                    redirect::RedirectReason::OtherHost
                },
            }));
        }
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
        // The chunks are kept as they come (hyper hands out slices of its read buffer)
        // and joined once at the end: a body that arrived in one chunk is not copied at
        // all, and a longer one is copied once into an exact allocation. Growing one
        // buffer instead cost a copy of every page plus its reallocations, because with
        // gzip negotiated reqwest reports no length even for an uncompressed answer.
        // The limit applies to the decoded bytes.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
            total += chunk.len();
            if total > self.max_body_bytes {
                return Err(AttemptError::TooLarge(rebuild(
                    status,
                    version,
                    headers,
                    Bytes::new(),
                )));
            }
            chunks.push(chunk);
        }
        Ok(rebuild(status, version, headers, join(chunks, total)))
    }
}

/// `chunks` (holding `total` bytes) as one buffer, copied only if there are several.
fn join(mut chunks: Vec<Bytes>, total: usize) -> Bytes {
    if chunks.len() <= 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut body = BytesMut::with_capacity(total);
    for chunk in &chunks {
        body.extend_from_slice(chunk);
    }
    body.freeze()
}

/// What the generated code gets back from the last attempt.
fn finish(outcome: Result<Response, AttemptError>) -> reqwest::Result<Response> {
    match outcome {
        Ok(response) | Err(AttemptError::TooLarge(response)) => Ok(response),
        Err(AttemptError::Transport(err)) => Err(err),
        // The other origin's answer is not passed on; `CallMeta::refusal` explains.
        Err(AttemptError::OffOrigin(_)) => Ok(refused(StatusCode::BAD_GATEWAY)),
    }
}

/// An empty response standing for a call the executor refused; the generated code
/// fails to decode it and `call.rs` reports the [`Refusal`] instead.
fn refused(status: StatusCode) -> Response {
    rebuild(
        status,
        reqwest::Version::HTTP_11,
        HeaderMap::new(),
        Bytes::new(),
    )
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

/// The response's request id, token redacted: it goes into spans and errors.
fn request_id(headers: &HeaderMap, redactor: &Redactor) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .filter_map(|name| headers.get(HeaderName::from_static(name)))
        .find_map(|value| value.to_str().ok().map(|id| redactor.text(id).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_is_passed_on_without_a_copy_and_several_are_joined_in_order() {
        assert!(join(Vec::new(), 0).is_empty());
        let only = Bytes::from_static(b"{\"data\":[]}");
        let joined = join(vec![only.clone()], only.len());
        assert_eq!(joined.as_ptr(), only.as_ptr(), "a lone chunk was copied");
        let parts = vec![
            Bytes::from_static(b"ab"),
            Bytes::from_static(b"c"),
            Bytes::from_static(b"de"),
        ];
        assert_eq!(&join(parts, 5)[..], b"abcde");
    }
}
