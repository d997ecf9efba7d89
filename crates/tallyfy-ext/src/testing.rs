//! Test support for services that use this crate (feature `test-util`).
//!
//! - [`TestTallyfy`]: a fake Tallyfy server started in-process on loopback, with a
//!   [`Client`] already configured for it, in one call; seed members, script
//!   faults ([`Fault`], [`Faults`]) and read back what your code sent
//!   ([`RecordedRequest`]).
//! - [`error`] and [`page`]: build an [`Error`] or a [`Page`] directly, to unit-test
//!   your own error handling without any server.
//!
//! ```
//! use std::time::Duration;
//! use tallyfy_ext::testing::{self, Fault, Faults, TestTallyfy};
//! use tallyfy_ext::ErrorKind;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> tallyfy_ext::Result<()> {
//! let tallyfy = TestTallyfy::builder()
//!     .members(3)
//!     .faults(Faults::script(vec![Fault::Status(503)]))
//!     .start()
//!     .await?;
//! // The first request gets a 503 and is retried (quickly: test clients back off 1 ms).
//! let member = tallyfy.client().member(1001).send().await?;
//! assert_eq!(member.id, 1001);
//! assert_eq!(tallyfy.requests().len(), 2);
//!
//! let busy = testing::error(ErrorKind::RateLimited)
//!     .status(429)
//!     .retry_after(Duration::from_secs(30))
//!     .build();
//! assert!(busy.is_retryable());
//! # Ok(()) }
//! ```

use crate::client::{Client, ClientBuilder};
use crate::error::{Details, Error, ErrorKind, PaginationFault, Result};
use crate::page::{Page, UntypedMember};
use crate::policy::RetryPolicy;
use crate::ratelimit::RateLimit;
use std::time::Duration;

pub use tallyfy_fake::{
    FakeTallyfyBuilder, Fault, FaultCounts, FaultKind, Faults, RecordedRequest, RetryAfter,
    RunningFake,
};

/// A fake Tallyfy running in-process, and a [`Client`] configured for it.
///
/// The fake speaks the real wire format (see the `tallyfy-fake` crate): its
/// organization is [`org`](Self::org), its members have ids 1001, 1002, ... Dropping
/// it stops the server.
#[derive(Debug)]
pub struct TestTallyfy {
    fake: RunningFake,
    client: Client,
}

impl TestTallyfy {
    /// A fake with 25 seeded members and a client for it, in one call.
    ///
    /// # Errors
    /// [`ErrorKind::Setup`] when no loopback port can be bound.
    pub async fn start() -> Result<Self> {
        Self::builder().start().await
    }

    /// Configures the fake and the client before starting.
    pub fn builder() -> TestTallyfyBuilder {
        TestTallyfyBuilder::default()
    }

    /// The client, configured with the fake's URL, token and organization.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The running fake: its members, recorded requests and fault counts.
    pub fn fake(&self) -> &RunningFake {
        &self.fake
    }

    /// The organization id the fake serves (the client's default).
    pub fn org(&self) -> &str {
        self.fake.org()
    }

    /// Every request the fake received so far, in order (the token is never kept).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.fake.requests()
    }

    /// Replaces the fault plan, e.g. after a first clean walk.
    pub fn set_faults(&self, faults: Faults) {
        self.fake.set_faults(faults);
    }

    /// Stops the fake and waits for it (at most a second).
    pub async fn shutdown(self) {
        self.fake.shutdown().await;
    }
}

/// Configures a [`TestTallyfy`]: the fake's members and faults, and the client.
#[must_use]
#[derive(Debug)]
pub struct TestTallyfyBuilder {
    fake: FakeTallyfyBuilder,
    client: ClientBuilder,
}

impl Default for TestTallyfyBuilder {
    fn default() -> Self {
        Self {
            fake: tallyfy_fake::FakeTallyfy::builder(),
            client: Client::builder().retry_policy(fast_retries()),
        }
    }
}

/// Retries as in production, but backing off 1 to 5 ms, so fault tests are fast.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

impl TestTallyfyBuilder {
    /// How many generated members the organization has (ids from 1001). Default is 25.
    pub fn members(mut self, members: usize) -> Self {
        self.fake = self.fake.members(members);
        self
    }

    /// The seed of the generated members. Default is the fake's.
    pub fn seed(mut self, seed: u64) -> Self {
        self.fake = self.fake.seed(seed);
        self
    }

    /// Seeds the organization with exactly these member objects, in this order,
    /// served verbatim on both endpoints: odd field types, extra keys, members with
    /// no usable id, whatever your code must cope with. Replaces the generated members.
    pub fn member_json(mut self, members: Vec<serde_json::Value>) -> Self {
        self.fake = self.fake.member_json(members);
        self
    }

    /// The fault plan: a script, random faults, latency. Default is none.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.fake = self.fake.faults(faults);
        self
    }

    /// Other fake settings (page sizes, latency, gzip...).
    pub fn fake(
        mut self,
        configure: impl FnOnce(FakeTallyfyBuilder) -> FakeTallyfyBuilder,
    ) -> Self {
        self.fake = configure(self.fake);
        self
    }

    /// Client settings (timeouts, retries, ...). The base URL, token and
    /// organization are set to the fake's afterwards. Default is the production
    /// defaults with 1 to 5 ms backoff.
    pub fn client(mut self, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.client = configure(self.client);
        self
    }

    /// Starts the fake on a free loopback port of the current tokio runtime and
    /// builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::Setup`] when the port cannot be bound; the client's own
    /// [`build`](ClientBuilder::build) errors.
    pub async fn start(self) -> Result<TestTallyfy> {
        let fake = self
            .fake
            .start()
            .await
            .map_err(|e| Error::setup("cannot start the fake Tallyfy server", e))?;
        let client = self
            .client
            .base_url(fake.base_url())
            .access_token(fake.token())
            .org_id(fake.org())
            .build()?;
        Ok(TestTallyfy { fake, client })
    }
}

// ===== errors and pages, without a server =====

/// Starts an [`Error`] of this kind, to unit-test code that handles errors.
///
/// ```
/// use std::time::Duration;
/// use tallyfy_ext::{ErrorKind, testing};
///
/// let err = testing::error(ErrorKind::Server)
///     .status(503)
///     .message("Server Error")
///     .retry_after(Duration::from_secs(120))
///     .attempts(3)
///     .build();
/// assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(503)));
/// assert_eq!(err.to_string(), "server error (HTTP 503): Server Error; retry after 120s; after 3 attempts");
/// ```
pub fn error(kind: ErrorKind) -> ErrorBuilder {
    ErrorBuilder {
        kind,
        details: Details::default(),
    }
}

/// Builds an [`Error`]; made by [`error`]. Every setter is optional.
#[must_use]
#[derive(Debug)]
pub struct ErrorBuilder {
    kind: ErrorKind,
    details: Details,
}

impl ErrorBuilder {
    /// The HTTP status ([`Error::status`]).
    pub fn status(mut self, status: u16) -> Self {
        self.details.status = Some(status);
        self
    }

    /// The server's message ([`Error::message`]).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.details.message = Some(message.into());
        self
    }

    /// The server's code ([`Error::code`]).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.details.code = Some(code.into());
        self
    }

    /// The operation, `list_members` or `get_member` ([`Error::operation`]).
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.details.operation = Some(operation);
        self
    }

    /// The request id ([`Error::request_id`]).
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.details.request_id = Some(id.into());
        self
    }

    /// The wait the server asked for ([`Error::retry_after`]).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.details.retry_after = Some(wait);
        self
    }

    /// Attempts made ([`Error::attempts`]).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.details.attempts = attempts;
        self
    }

    /// The page a walk failed at ([`Error::resume_page`]).
    pub fn resume_page(mut self, page: u64) -> Self {
        self.details.resume_page = Some(page);
        self
    }

    /// One field error of a 422 ([`Error::field_errors`]); call once per message.
    pub fn field_error(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.details
            .field_errors
            .entry(field.into())
            .or_default()
            .push(message.into());
        self
    }

    /// The start of an undecodable body ([`Error::body_snippet`]).
    pub fn body_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.details.body_snippet = Some(snippet.into());
        self
    }

    /// The budget the last response reported ([`Error::rate_limit`]).
    pub fn rate_limit(mut self, budget: RateLimit) -> Self {
        self.details.rate_limit = Some(budget);
        self
    }

    /// For [`ErrorKind::Pagination`] ([`Error::pagination_fault`]): a repeated page.
    pub fn repeated_page(mut self, page: u64) -> Self {
        self.details.pagination_fault = Some(PaginationFault::RepeatedPage { page });
        self
    }

    /// The error.
    pub fn build(self) -> Error {
        Error::new(self.kind, self.details)
    }
}

/// Starts a [`Page`] of these items (page 1 of 1 unless told otherwise).
///
/// ```
/// use tallyfy_ext::testing;
///
/// let page = testing::page(vec!["a", "b"]).page(2).total_pages(3).total(6).build();
/// assert_eq!((page.page, page.total_pages, page.items.len()), (2, Some(3), 2));
/// ```
pub fn page<T>(items: Vec<T>) -> PageBuilder<T> {
    let count = items.len() as u64;
    PageBuilder {
        page: Page {
            items,
            page: 1,
            total_pages: Some(1),
            total: Some(count),
            per_page: Some(count),
            request_id: None,
            rate_limit: None,
            untyped: Vec::new(),
        },
    }
}

/// Builds a [`Page`]; made by [`page`].
#[must_use]
#[derive(Debug)]
pub struct PageBuilder<T> {
    page: Page<T>,
}

impl<T> PageBuilder<T> {
    /// This page's number. Default is 1.
    pub fn page(mut self, n: u64) -> Self {
        self.page.page = n;
        self
    }

    /// Pages in the collection. Default is 1.
    pub fn total_pages(mut self, n: u64) -> Self {
        self.page.total_pages = Some(n);
        self
    }

    /// Items in the collection. Default is this page's item count.
    pub fn total(mut self, n: u64) -> Self {
        self.page.total = Some(n);
        self
    }

    /// The page size. Default is this page's item count.
    pub fn per_page(mut self, n: u64) -> Self {
        self.page.per_page = Some(n);
        self
    }

    /// The response's request id. Default is none.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.page.request_id = Some(id.into());
        self
    }

    /// The budget the response reported. Default is none.
    pub fn rate_limit(mut self, budget: RateLimit) -> Self {
        self.page.rate_limit = Some(budget);
        self
    }

    /// A member of this page that could not be typed, as the server sent it, at its
    /// 1-based `position` in the page's `data`. Default is none.
    pub fn untyped(mut self, position: usize, raw: serde_json::Value, error: &str) -> Self {
        self.page.untyped.push(UntypedMember {
            page: 0, // set by `build`, after any `page(n)`
            position,
            raw: serde_json::value::to_raw_value(&raw).expect("a Value is JSON"),
            error: error.to_owned(),
        });
        self
    }

    /// The page.
    pub fn build(mut self) -> Page<T> {
        for member in &mut self.page.untyped {
            member.page = self.page.page;
        }
        self.page
    }
}
