//! How every request leaves the SDK: the executor the generated client calls.
//!
//! The generated `tallyfy_api::Client` hands each prepared request to
//! [`Executor::execute`] (through `tallyfy_api::hooks`). Here, and only here, the
//! request gets its headers (token, client id, user agent, the service's own), its
//! per-attempt timeout and its retries, and the response body is read, bounded,
//! before the generated code decodes it (`transport/body.rs`). Doing retries at
//! this level (rather than re-sending a cloned builder) means a 429 or 503 is
//! classified by status from the raw response, whatever its body, and a body cut
//! off mid-read is retried too.
//!
//! The generated code reports a non-JSON error body without its status, and has no
//! slot for per-request settings: what the executor sees goes out, and the call's
//! overrides come in, through the back-channel in `scope.rs` (read there why).
//!
//! Each attempt, in order: wait while the client is paused by a 429 (see
//! `ratelimit.rs`) or its published budget is spent (`pacing.rs`), refuse to start
//! past the operation deadline, send with the attempt timeout cut to what the
//! deadline leaves (through the client's `respond::Sender`: reqwest, or in tests
//! the scripted double of `testing::mock`, with all that follows unchanged), check the response's origin (see `redirect.rs`), read the
//! budget, decide with the [`RetryPolicy`] (a request that is not idempotent and
//! may have reached the server is never retried: `idempotency.rs`), draw the retry
//! from the client's retry budget (`retry/budget.rs`), and sleep before the next
//! attempt unless that sleep would end past the deadline.

use crate::cause;
use crate::error::ErrorKind;
use crate::idempotency;
use crate::pacing::Pacer;
use crate::policy::{self, Attempt, Decision, RetryPolicy};
use crate::ratelimit::{Limiter, RateLimit};
use crate::redact::Redactor;
use crate::redirect::{self, RefusedRedirect};
use crate::respond::Sender;
use crate::retry::{Bucket, Cost};
use crate::scope::{self, Refusal, record};
use crate::telemetry;
use body::{Answer, finish, refused, request_id};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use std::sync::Arc;
use std::time::SystemTime;
use tallyfy_api::hooks::{BoxFuture, Execute};
use tokio::time::Instant;
use tracing::Instrument;

mod body;

/// Sends requests for the generated client: headers, timeouts, the client's
/// pause and pacing, retries within the budget, redirects and a bounded body.
pub(crate) struct Executor {
    /// Authorization (marked sensitive), X-Tallyfy-Client, User-Agent, Accept,
    /// then the client's own headers (marked sensitive).
    pub headers: HeaderMap,
    pub attempt_timeout: std::time::Duration,
    pub operation_timeout: Option<std::time::Duration>,
    pub retry: RetryPolicy,
    pub max_body_bytes: usize,
    pub limiter: Arc<Limiter>,
    pub pacer: Arc<Pacer>,
    pub budget: Arc<Bucket>,
    /// The client's token, kept out of request ids and errors (`redact.rs`).
    pub redactor: Redactor,
    /// Where attempts go: reqwest, or a scripted responder (`respond.rs`).
    pub send: Sender,
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
        overrides.headers.apply(request.headers_mut());
        let policy = overrides.retry.as_ref().unwrap_or(&self.retry);
        let idempotent = overrides
            .idempotent
            .unwrap_or_else(|| idempotency::by_method(request.method()));
        let attempt_timeout = overrides.timeout.unwrap_or(self.attempt_timeout);
        let deadline = overrides
            .operation_timeout
            .or(self.operation_timeout)
            .map(|total| (Instant::now() + total, total));
        let first_sent = Instant::now();
        let mut retry = 0;
        loop {
            // The client's pause (a 429 seen by any request of this client).
            while let Some(wait) = self.limiter.pause_left(Instant::now()) {
                let past_deadline = deadline.is_some_and(|(at, _)| Instant::now() + wait > at);
                if wait > policy.retry_after_ceiling() || past_deadline {
                    return Ok(paused(wait, deadline.filter(|_| past_deadline)));
                }
                tokio::time::sleep(wait).await;
            }
            // The client's pacing (the budget the server publishes is spent).
            let ticket = match self.pacer.admit(Instant::now()) {
                Ok(ticket) => ticket,
                Err(until) => {
                    let wait = until.saturating_duration_since(Instant::now());
                    if deadline.is_some_and(|(at, _)| until > at) {
                        return Ok(paused(wait, deadline));
                    }
                    if wait > policy.retry_after_ceiling() {
                        // Too long to wait here: the server's 429 will say how long.
                        self.pacer.force()
                    } else {
                        tokio::time::sleep_until(until).await;
                        continue; // and look at the pause again
                    }
                }
            };
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
            // A request with a streaming body has no clone: sent once, never retried.
            let Some(mut attempt) = request.try_clone() else {
                return self.send.send(client, request, op).await;
            };
            *attempt.timeout_mut() = Some(timeout);
            let method = request.method().as_str();
            let span = telemetry::attempt_span(op, method, request.url().host_str(), retry);
            let started = Instant::now();
            let outcome = self
                .attempt(client, attempt, request.url(), op)
                .instrument(span.clone())
                .await;
            record(|meta| meta.attempts = retry + 1);
            let mut failed = Attempt::new(retry + 1, ErrorKind::Transport);
            failed.elapsed = first_sent.elapsed();
            failed.idempotent = idempotent;
            failed.method = method;
            let code;
            let decision = match &outcome {
                Ok(Answer { response, body }) => {
                    let (status, headers) = (response.status(), response.headers());
                    let now = SystemTime::now();
                    let request_id = request_id(headers, &self.redactor);
                    let retry_after = crate::retry::retry_after(headers, now);
                    let budget = RateLimit::from_headers(headers, now);
                    if let Some(budget) = budget {
                        self.limiter.observe(budget);
                        let reset = budget.reset_after(now);
                        let (limit, left) = (budget.limit, budget.remaining);
                        self.pacer
                            .observe(ticket, limit, left, reset, Instant::now());
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
                    if status.is_success() {
                        self.budget.refund_success();
                    }
                    if status.is_client_error() || status.is_server_error() {
                        code = policy::error_code(body);
                        failed.status = Some(status.as_u16());
                        failed.code = code.as_deref();
                        failed.kind = ErrorKind::for_status(failed.status);
                        failed.retry_after = retry_after;
                        // A response: the server saw the request.
                        if idempotent {
                            policy.decide(&failed, retry)
                        } else {
                            Decision::Done
                        }
                    } else {
                        Decision::Done
                    }
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
                        let cause = cause::classify(err);
                        failed.kind = ErrorKind::of_cause(&cause);
                        // A certificate, a protocol violation: a retry fails the same way.
                        if cause.is_final() {
                            Decision::Done
                        } else if idempotent || idempotency::never_sent(err) {
                            policy.decide(&failed, retry)
                        } else {
                            Decision::Done
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
            if failed.status == Some(429) {
                // A 429 pauses every request of the client, not only this one.
                let wait = match decision {
                    Decision::RetryAfter(wait) => Some(wait),
                    Decision::Done => failed.retry_after,
                };
                if let Some(wait) = wait {
                    self.limiter.pause_until(Instant::now() + wait);
                }
            }
            let Decision::RetryAfter(wait) = decision else {
                return finish(outcome);
            };
            let until = Instant::now() + wait;
            if let Some((at, total)) = deadline
                && until > at
            {
                // The next attempt could not start in time: fail now, not later.
                record(|meta| meta.deadline = Some(total));
                return finish(outcome);
            }
            let cost = match (failed.status, failed.kind) {
                (Some(429), _) => Cost::Throttled,
                (_, ErrorKind::Timeout) => Cost::TimeoutRetry,
                _ => Cost::Retry,
            };
            if !self.budget.try_draw(cost) {
                let left = self.budget.state().map(|s| s.available);
                telemetry::budget_refused(&span, op, left);
                record(|meta| meta.budget_exhausted = true);
                return finish(outcome);
            }
            let left = self.budget.state().map(|s| s.available);
            telemetry::retrying(&span, op, retry + 1, wait.as_millis() as u64, left);
            drop(outcome);
            // The pause set above (or a longer one) is awaited at the loop's top.
            tokio::time::sleep_until(until).await;
            retry += 1;
        }
    }
}

/// The answer to a call that may not send now: the client is paused (a 429, or
/// its published budget spent) for `wait`, too long or past the `deadline`.
fn paused(wait: std::time::Duration, deadline: Option<(Instant, std::time::Duration)>) -> Response {
    record(|meta| {
        meta.refusal = Some(Refusal::Paused { wait });
        meta.retry_after = Some(wait);
        meta.deadline = deadline.map(|(_, d)| d);
    });
    refused(StatusCode::TOO_MANY_REQUESTS)
}

#[cfg(test)]
mod tests;
