//! The back-channel between a call and the executor, in one place.
//!
//! # Why it exists
//!
//! progenitor 0.15 gives the executor (`transport.rs`, called through
//! `tallyfy_api::hooks`) only a prepared `reqwest::Request` and the operation id,
//! and it gives the caller back only `progenitor_client::Error<ErrorBody>`:
//! - a non-JSON error body (an HTML 503 from a gateway, an empty 429) comes back as
//!   `InvalidResponsePayload(bytes, serde_error)`, **without its status or headers**;
//! - there is no way to hand per-request settings to the executor: the generated
//!   builders have no extension slot, and `reqwest::Request::extensions` is
//!   crate-private in reqwest 0.13.
//!
//! So settings travel in, and what the executor saw travels out, through a tokio
//! task-local [`CallMeta`] that [`run`] sets up around one generated call:
//! - in: the call's [`Overrides`] (attempt timeout, deadline, retry policy,
//!   idempotency, extra headers);
//! - out: status, request id, `Retry-After`, budget, attempts, a body over the
//!   limit, and a [`Refusal`] when the executor answered the call itself (paused by
//!   a 429, past the deadline, a redirect to another origin). A refused call hands
//!   the generated code a synthetic empty response (`transport::refused`), which it
//!   fails to decode; `call.rs` reads the refusal here first, so the synthetic
//!   status never reaches a caller.
//!
//! # The contract
//!
//! - Writers: only the executor ([`record`], [`overrides`]). Reader: only
//!   `call.rs`, through [`run`]. Nothing else touches the task-local.
//! - Every SDK call runs its generated future inside [`run`], in the same task:
//!   task-locals are not inherited by spawned tasks, so **never spawn the generated
//!   future**. Outside a scope (a caller using [`Client::api`](crate::Client::api)
//!   directly) the executor still sends with the client's own settings, and what it
//!   saw is dropped: that caller gets progenitor's raw errors. The tests pin both
//!   (`tests/scope.rs`).

use crate::headers::CustomHeaders;
use crate::policy::RetryPolicy;
use crate::ratelimit::RateLimit;
use crate::redact::Redactor;
use crate::redirect::RefusedRedirect;
use reqwest::StatusCode;
use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static CALL: RefCell<CallMeta>;
}

/// Per-request settings that replace the client's for one call (for a walk: for
/// each page's call).
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub timeout: Option<Duration>,
    pub operation_timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
    /// Whether the request may be sent twice; `None`: from its method.
    pub idempotent: Option<bool>,
    /// Headers added to the client's (values never printed).
    pub headers: CustomHeaders,
}

/// Why the executor answered a call itself instead of passing a response on.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    /// The client is paused by a 429 for longer than the retry ceiling or the deadline.
    Paused { wait: Duration },
    /// The operation deadline passed before another attempt could start.
    Deadline,
    /// A redirect (or a response) from another origin.
    Redirect(RefusedRedirect),
}

/// What the executor saw during one generated call (across its attempts).
#[derive(Debug, Default)]
pub(crate) struct CallMeta {
    pub overrides: Overrides,
    pub status: Option<StatusCode>,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub rate_limit: Option<RateLimit>,
    pub attempts: u32,
    /// The body exceeded this many bytes and was not read.
    pub too_large: Option<usize>,
    pub refusal: Option<Refusal>,
    /// The operation deadline that ended the call early.
    pub deadline: Option<Duration>,
    /// The client's token, to redact from what the call keeps of the server's text.
    pub redactor: Redactor,
    /// A retry the policy wanted was refused: the client's retry budget is empty.
    pub budget_exhausted: bool,
}

/// Runs one generated call with `overrides` in scope; returns its outcome and
/// what the executor recorded.
pub(crate) async fn run<F: Future>(overrides: Overrides, fut: F) -> (F::Output, CallMeta) {
    let meta = CallMeta {
        overrides,
        ..CallMeta::default()
    };
    CALL.scope(RefCell::new(meta), async {
        let out = fut.await;
        (out, CALL.with(RefCell::take))
    })
    .await
}

/// The executor's side: records what it saw, when a call is in scope.
pub(crate) fn record(f: impl FnOnce(&mut CallMeta)) {
    // No scope: a caller of the raw generated client; there is nobody to tell.
    let _ = CALL.try_with(|meta| f(&mut meta.borrow_mut()));
}

/// The executor's side: the overrides of the call in scope (none outside one).
pub(crate) fn overrides() -> Overrides {
    CALL.try_with(|meta| meta.borrow().overrides.clone())
        .unwrap_or_default()
}

/// Whether a call is in scope.
#[cfg(test)]
fn in_scope() -> bool {
    CALL.try_with(|_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_the_executor_records_in_scope_comes_back_and_outside_is_dropped() {
        let overrides = Overrides {
            timeout: Some(Duration::from_secs(3)),
            ..Overrides::default()
        };
        let ((seen, scoped), meta) = run(overrides.clone(), async {
            record(|meta| {
                meta.status = Some(StatusCode::SERVICE_UNAVAILABLE);
                meta.attempts = 2;
            });
            (overrides_now(), in_scope())
        })
        .await;
        assert!(scoped);
        assert_eq!(
            seen.timeout, overrides.timeout,
            "the overrides reach the executor"
        );
        assert_eq!(meta.status, Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(meta.attempts, 2);

        // Outside a scope: defaults in, nothing out, no panic.
        assert!(!in_scope());
        assert_eq!(overrides_now().timeout, None);
        record(|meta| meta.attempts = 9);
    }

    #[tokio::test]
    async fn a_spawned_future_leaves_the_scope() {
        let ((), meta) = run(Overrides::default(), async {
            tokio::spawn(async { record(|meta| meta.attempts = 5) })
                .await
                .unwrap();
        })
        .await;
        assert_eq!(meta.attempts, 0, "task-locals are not inherited");
    }

    fn overrides_now() -> Overrides {
        overrides()
    }
}
