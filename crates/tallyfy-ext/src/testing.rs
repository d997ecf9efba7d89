//! Test support for services that use this crate (feature `test-util`).
//!
//! - [`TestTallyfy`]: a fake Tallyfy server started in-process on loopback, with a
//!   [`Client`] already configured for it, in one call; seed members, script
//!   faults ([`Fault`], [`Faults`]) and read back what your code sent
//!   ([`RecordedRequest`]).
//! - [`MockTallyfy`] (module [`mock`]): no server and no socket at all. Rules
//!   script the answers (a status, headers, a body, a delay, a reset; by operation
//!   and query parameters; in sequences), and a real [`Client`] runs over them: its
//!   executor, retries, rate limit, decoding and walks are the production code, on
//!   tokio's paused clock if the test asks for it (backoff then costs nothing).
//! - [`error`] and [`page`]: build an [`Error`] or a [`Page`](crate::Page)
//!   directly, to unit-test your own error handling without any server.
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
use crate::error::{Error, Result};
use crate::policy::RetryPolicy;
use std::time::Duration;

pub mod mock;
mod values;

pub use mock::{MockRequest, MockTallyfy, Reply, Rule};
pub use values::{ErrorBuilder, PageBuilder, error, page};

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
    /// [`ErrorKind::Setup`](crate::ErrorKind::Setup) when no loopback port can be bound.
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
    /// [`ErrorKind::Setup`](crate::ErrorKind::Setup) when the port cannot be bound;
    /// the client's own [`build`](ClientBuilder::build) errors.
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
