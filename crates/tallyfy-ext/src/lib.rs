//! The Rust SDK for Tallyfy's member API.
//!
//! `tallyfy-ext` is the crate services depend on. It wraps the generated
//! [`tallyfy_api`] client (progenitor output over `openapi/tallyfy.yaml`) with what
//! a production caller needs:
//!
//! - a [`Client`] built once with the token, organization and timeouts, cheap to
//!   clone and share between tasks; the token is never printed;
//! - [`Client::members`]: every member of an organization as a lazy
//!   [`futures::Stream`], with filters carried on every page, optional concurrent
//!   page fetches, early stop, loop guards and resumable errors;
//! - [`Client::member`]: one member, with includes normalised by [`MemberIncludes`];
//! - [`Client::call`]: any operation of the spec, by its generated marker in
//!   [`tallyfy_api::calls`], with the same errors, retries, spans and limits;
//! - one [`Error`] type to match on ([`ErrorKind`]), and retries with backoff that
//!   honour `Retry-After` ([`RetryPolicy`]);
//! - for services: tracing spans, one rate limit per client, deadlines, gzip,
//!   same-origin redirects only, and a fake Tallyfy for your own tests (`test-util`).
//!
//! # Making a client
//!
//! ```no_run
//! use std::time::Duration;
//! # fn run() -> tallyfy_ext::Result<()> {
//! let client = tallyfy_ext::Client::builder()
//!     .access_token("your-personal-access-token")
//!     .org_id("3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60")
//!     .timeout(Duration::from_secs(20))
//!     .build()?;
//! // Or from TALLYFY_ACCESS_TOKEN, TALLYFY_ORG_ID and TALLYFY_BASE_URL:
//! let client = tallyfy_ext::Client::from_env()?;
//! # Ok(()) }
//! ```
//!
//! # Walking every member
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use tallyfy_ext::Include;
//! # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
//! let mut members = client.members().per_page(100).with([Include::Groups]).items();
//! while let Some(member) = members.try_next().await? {
//!     println!("{} {}", member.id, member.email.as_deref().unwrap_or("-"));
//! }
//! # Ok(()) }
//! ```
//!
//! Pages with their meta: [`MembersRequest::pages`]. Concurrent fetches once the
//! page count is known: [`MembersRequest::concurrency`]. Early stop:
//! [`MembersRequest::max_items`] and [`WalkSummary::truncated`]. From synchronous
//! code: [`MembersRequest::blocking_items`].
//!
//! # Fetching one member
//!
//! ```no_run
//! use tallyfy_ext::{Include, MemberIncludes};
//! # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
//! let member = client.member(12345).with([Include::Groups, Include::Stats]).send().await?;
//! for group in member.groups() {
//!     println!("in group {:?}", group.name);
//! }
//! # Ok(()) }
//! ```
//!
//! # Handling errors
//!
//! ```no_run
//! use tallyfy_ext::ErrorKind;
//! # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
//! match client.member(42).send().await {
//!     Ok(member) => println!("found {:?}", member.full_name),
//!     Err(e) if e.kind() == ErrorKind::NotFound => println!("no such member"),
//!     Err(e) if e.kind() == ErrorKind::RateLimited => println!("wait {:?}", e.retry_after()),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! A walk that fails says where to resume, and has already yielded every member
//! before that page:
//!
//! ```no_run
//! use futures::StreamExt;
//! # async fn run(client: tallyfy_ext::Client) {
//! let mut members = client.members().items();
//! while let Some(item) = members.next().await {
//!     match item {
//!         Ok(member) => { /* store it */ }
//!         Err(e) => {
//!             eprintln!("{e}; resume with .start_page({:?})", e.resume_page());
//!             break;
//!         }
//!     }
//! }
//! # }
//! ```
//!
//! # Tolerant decoding
//!
//! Tallyfy is a PHP application and its JSON can be looser than its documentation:
//! `"1000"` for `1000`, `1` for `true`, `[]` for an empty object, `null` inside a
//! list of ids. Well-typed bodies decode strictly at full speed; a body the strict
//! decode refuses is decoded again against the spec's schemas, value by value, and
//! each member on its own. So:
//!
//! - a loose value is read as what it means (`"7"` is 7, `"0"` is `false`, PHP's
//!   `[]` for `stats` or `country` is "not there");
//! - a value that still does not fit (an object where an id was) is kept raw in the
//!   member's `extra` map under its own key, and the rest of the member is typed;
//! - keys the spec does not name are kept in `extra` too, and written back out when
//!   a member is serialised;
//! - a member with no usable `id` is an [`UntypedMember`] (raw JSON, page, position):
//!   the walk yields the rest of its page and goes on. Collect them with
//!   [`MemberStream::take_untyped`], see them per page in [`Page::untyped`], count
//!   them in [`WalkSummary::untyped`], or have them yielded as errors with
//!   [`MembersRequest::untyped_as_errors`].
//!
//! ```no_run
//! use futures::TryStreamExt;
//! # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
//! let mut members = client.members().items();
//! while let Some(member) = members.try_next().await? {
//!     // Keys the SDK does not know yet are still here (see `Extra`).
//!     let flags = member.extra.get("beta_flags");
//!     println!("{} {flags:?}", member.id);
//! }
//! for raw in members.take_untyped() {
//!     eprintln!("{raw}: {}", raw.raw);
//! }
//! # Ok(()) }
//! ```
//!
//! An include the SDK does not know yet needs no release:
//! `client.member(7).with([Include::other("badges")?])`, then
//! [`MemberIncludes::include_raw`]`("badges")`.
//!
//! # Retries
//!
//! On by default: 2 retries of connect errors, timeouts, 408, 429 and 5xx (never
//! other 4xx), exponential backoff with jitter, `Retry-After` honoured up to 60 s.
//! Only idempotent requests (by method, or [`MemberRequest::idempotent`]) are
//! retried once they reached the server. A [`RetryPolicy`] composes a
//! [`RetryRule`] (over an [`Attempt`]: number, elapsed time, status, Tallyfy error
//! code, [`ErrorKind`]) with a [`Backoff`], with attempt and time limits
//! ([`RetryRule::with_attempt_limit`], [`RetryRule::with_time_limit`]), per client
//! or per request; [`ClientBuilder::max_retries`]`(0)` turns retries off. Every
//! retry draws from the client's [`RetryBudget`] (500 tokens, 5 per retry, 10
//! after a timeout, 1 back per success): when it is empty a call fails at once
//! with its last error ([`Error::retry_budget_exhausted`]).
//!
//! # Rate limits
//!
//! One rate limit per [`Client`] (and its clones): a 429 seen by any request pauses
//! every request of the client until its `Retry-After` is over, so a concurrent
//! walk that meets one 429 waits once and sends nothing inside the wait. The
//! budget the server reports (`X-RateLimit-*`) is on [`Page::rate_limit`],
//! [`Error::rate_limit`], [`ResponseMeta`] and [`Client::rate_limit`]. Pacing is on
//! by default ([`ClientBuilder::pace_rate_limit`]): the client counts what it sends
//! against that budget and waits for its reset instead of spending 429s.
//!
//! # Headers
//!
//! [`ClientBuilder::header`], `.header(..)` on a request, and
//! [`ClientBuilder::application`] (appended to the `User-Agent`); the SDK's own
//! and hop-by-hop headers are refused, and values are never printed.
//!
//! # Deadlines and per-request settings
//!
//! ```no_run
//! use std::time::Duration;
//! use tallyfy_ext::RetryPolicy;
//! # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
//! // Attempts and the waits between them, together, within 2 s; one attempt only.
//! let (member, meta) = client
//!     .member(12345)
//!     .operation_timeout(Duration::from_secs(2))
//!     .retry_policy(RetryPolicy::never())
//!     .send_with_meta()
//!     .await?;
//! println!("{:?} (request id {:?})", member.email, meta.request_id);
//! # Ok(()) }
//! ```
//!
//! [`ClientBuilder::operation_timeout`] sets the deadline for every call;
//! [`MemberRequest`] and [`MembersRequest`] override it, the attempt timeout and
//! the retry policy for one request (for a walk: each page's call).
//!
//! # Tracing
//!
//! Spans, with OpenTelemetry's HTTP field names, each with `tallyfy.operation` (the
//! spec's `operationId`): `tallyfy.walk` (INFO, the walk's summary recorded when it
//! ends) > `tallyfy.call` (INFO, one per call: `http.request.method`, `url.path` as the
//! route template, `server.address`, `tallyfy.org_id`, `tallyfy.page`,
//! `http.response.status_code`, `http.request.resend_count`, `tallyfy.request_id`,
//! `error.type`) > `tallyfy.attempt` (DEBUG, one per attempt, with
//! `tallyfy.retry_wait_ms`). Retries are DEBUG events, a call's final failure a WARN
//! event. The token, header values and full URLs are never recorded.
//!
//! # Redirects and compression
//!
//! Responses are gzip-compressed when the server agrees (feature `gzip`, on by
//! default). Redirects are followed only within the same scheme, host and port, at
//! most [`MAX_REDIRECTS`] hops, and without a `Referer`; any other redirect fails
//! with [`ErrorKind::Redirect`] naming both origins ([`Error::redirect`]).
//!
//! # Blocking
//!
//! [`MemberRequest::blocking_send`] and [`MembersRequest::blocking_items`] run the
//! async calls on one runtime thread per client (as reqwest's `blocking` does); a
//! blocking walk can be dropped anywhere, even inside async code.
//!
//! # Optional features
//!
//! - `gzip` *(enabled by default)*: gzip-compressed responses.
//! - `brotli`: brotli-compressed responses too (adds the brotli codec).
//! - `test-util`: the `testing` module, a fake Tallyfy server in-process with a
//!   client for it in one call, fault scripts, a socket-free double whose scripted
//!   replies run through the real executor, retries and walks (`testing::mock`),
//!   and constructors for [`Error`] and [`Page`] (see the README's "Testing code
//!   that uses tallyfy-ext").
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, missing_debug_implementations)]

// Layers, bottom first: a module imports only from layers below its own
// (`tests/layers.rs` checks it; ARCHITECTURE.md explains each).
// L0 policies and state that know nothing of calls
mod cause;
mod coerce;
mod headers;
mod id_set;
mod idempotency;
mod pacing;
mod ratelimit;
mod redact;
mod redirect;
mod respond;
mod retry;
// L1 values calls and walks hand back
mod page;
// L2 the error type
mod error;
// L3 the retry policy (its rules see error kinds)
mod policy;
// L4 helpers: input checks, the blocking runtime, decoding, includes, spans, the
// back-channel to the executor, the walk's decisions
mod includes;
mod runtime;
mod scope;
mod telemetry;
mod tolerant;
mod validate;
mod walk_state;
// L5 the executor progenitor calls
mod transport;
// L6 one generated call; the client
mod call;
mod client;
// L7 the streams that drive a walk
mod walk;
// L8 the generic request types and their `impl Client` entry points
mod call_request;
mod list;
// L9 per-operation additions to the generic requests (the named uses)
mod get_member;
mod list_members;
// Written by `cargo xtask generate` (DO NOT EDIT): a `customize` per operation.
#[rustfmt::skip]
mod generated_calls;
// Written by `cargo xtask generate` (DO NOT EDIT): a `customize` per paged operation.
#[rustfmt::skip]
mod generated_lists;
// L10 façades over everything below
mod blocking;
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;

pub use blocking::BlockingMembers;
pub use call_request::{CallBuilderFn, CallRequest};
pub use client::{Client, ClientBuilder, DEFAULT_CLIENT_HEADER};
pub use error::{Error, ErrorKind, PaginationFault, Result};
pub use get_member::MemberRequest;
pub use includes::{Include, MemberIncludes};
pub use list::{BuilderFn, DEFAULT_HEAL_PAGES, ListRequest, item_limit};
pub use list_members::MembersRequest;
pub use page::{Checkpoint, Drift, Page, ResponseMeta, UntypedMember, WalkSummary};
pub use policy::{
    Attempt, AttemptLimit, RetryDecision, RetryPolicy, RetryRule, TimeLimit, TransientErrors,
};
pub use ratelimit::RateLimit;
pub use redirect::{MAX_REDIRECTS, RedirectReason, RefusedRedirect};
pub use retry::{Backoff, ExponentialBackoff, RetryBudget, RetryBudgetState};
/// The keys of a member (group, country, stats) that the spec does not name, as raw JSON.
pub use tallyfy_api::Extra;
pub use tolerant::decode_member_list;
pub use validate::DEFAULT_BASE_URL;
pub use walk::{ItemStream, MemberStream, PageStream};

/// The generated low-level crate, for calls this crate does not wrap.
pub use tallyfy_api;
/// The generated request and response types (`Member`, `Group`, `MemberList`, ...).
pub use tallyfy_api::types;

// The README's examples compile as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
