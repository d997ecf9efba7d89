//! A socket-free test double: scripted answers, and a real [`Client`] over them.
//!
//! [`MockTallyfy`] holds [`Rule`]s (an operation, optionally query and path
//! parameters, and a sequence of [`Reply`]s) and records every request it gets ([`MockRequest`]).
//! [`MockTallyfy::client`] is a real [`Client`] whose executor hands each attempt
//! to the double instead of a socket; everything after the send is the production
//! code path: the bounded body read, status classification, `Retry-After`, the
//! 429 pause, pacing under `X-RateLimit-*`, the retry policy and budget, decoding
//! (tolerant too) and the walk with its guards. The attempt timeout applies to a
//! reply's [`delay`](Reply::delay) as it does to a server.
//!
//! Nothing listens and nothing connects, so the double works in any test runtime,
//! and on tokio's paused clock (`#[tokio::test(start_paused = true)]`, tokio's
//! `test-util` feature) every wait (backoff, `Retry-After`, a delay, a timeout)
//! takes no real time while [`MockRequest::at`] shows the virtual time it took.
//! The client keeps the production defaults (backoff from 250 ms, `Retry-After`
//! up to 60 s): pause the clock, or set a faster [`RetryPolicy`](crate::RetryPolicy)
//! with [`MockTallyfy::client_builder`]. For end-to-end tests over real HTTP, use
//! [`TestTallyfy`](super::TestTallyfy).
//!
//! A request no rule matches gets `501` with a body that names it (`no rule
//! matches get_member GET /api/organizations/mock-org/users/7`), which the client
//! reports as an error and does not retry.
//!
//! What only [`TestTallyfy`](super::TestTallyfy) covers: HTTP itself. The double
//! follows no redirect (a scripted 3xx reaches the client as it is), compresses
//! nothing (a body is handed over as given), and cannot fail before the response
//! head (a refused connection, DNS, TLS: `reqwest::Error` has no public
//! constructor); a [`reset`](Reply::reset) fails after it, as a dropped connection
//! does.
//!
//! ```
//! use std::time::Duration;
//! use tallyfy_ext::tallyfy_api::operations::GET_MEMBER;
//! use tallyfy_ext::testing::mock::{self, MockTallyfy, Reply, Rule};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> tallyfy_ext::Result<()> {
//! let tallyfy = MockTallyfy::new();
//! tallyfy.rule(
//!     Rule::new(GET_MEMBER.id)
//!         .reply(Reply::status(429).retry_after(Duration::from_secs(30)))
//!         .then(Reply::member(mock::member(7))),
//! );
//! let member = tallyfy.client().member(7).send().await?;
//! assert_eq!(member.id, 7);
//! let [first, second] = &tallyfy.requests()[..] else { panic!("two requests") };
//! // The retry waited the 30 s the server asked for: on the paused clock, at once.
//! assert!(second.at - first.at >= Duration::from_secs(30));
//! # Ok(()) }
//! ```

use crate::client::{Client, ClientBuilder};
use crate::respond::{Respond, Sender};
use reqwest::Body;
use serde_json::json;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tallyfy_api::hooks::BoxFuture;

mod reply;
mod request;
mod rule;

pub use reply::{Reply, member};
pub use request::MockRequest;
pub use rule::Rule;

/// The test double: rules, the requests received, and clients wired to it.
///
/// Cheap to clone (clones share the rules and the record). Rules are tried in the
/// order added; the first that matches a request answers it.
#[derive(Clone, Default)]
pub struct MockTallyfy {
    script: Arc<Script>,
}

#[derive(Default)]
struct Script {
    /// Each rule, with how many requests it answered.
    rules: Mutex<Vec<(Rule, usize)>>,
    requests: Mutex<Vec<MockRequest>>,
}

impl fmt::Debug for MockTallyfy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTallyfy")
            .field("rules", &lock(&self.script.rules).len())
            .field("requests", &lock(&self.script.requests).len())
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MockTallyfy {
    /// The organization of [`client`](Self::client).
    pub const ORG: &'static str = "mock-org";
    /// The base URL of [`client`](Self::client); nothing resolves or connects to it.
    pub const BASE_URL: &'static str = "https://tallyfy.invalid/api";
    /// The access token of [`client`](Self::client), to check that it never leaks.
    pub const TOKEN: &'static str = "mock-access-token-5d41402abc4b2a76";

    /// A double with no rules: every request gets the unmatched 501.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule, tried after those added before.
    pub fn rule(&self, rule: Rule) -> &Self {
        lock(&self.script.rules).push((rule, 0));
        self
    }

    /// A client wired to this double, with the production defaults. Each call builds
    /// a new client (its own rate limit and retry budget): build one per test.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("the double's settings are valid")
    }

    /// The builder of [`client`](Self::client), to change its settings (retry policy,
    /// timeouts, pacing, headers...) before [`build`](ClientBuilder::build). Its token,
    /// organization and base URL are the double's; whatever base URL it is given,
    /// requests still go to the double.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .access_token(Self::TOKEN)
            .org_id(Self::ORG)
            .base_url(Self::BASE_URL)
            .sender(Sender::Scripted(
                Arc::clone(&self.script) as Arc<dyn Respond>
            ))
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.script.requests).clone()
    }

    /// The requests received for this operation, in order.
    pub fn requests_for(&self, operation: &str) -> Vec<MockRequest> {
        let requests = lock(&self.script.requests);
        requests
            .iter()
            .filter(|r| r.operation == operation)
            .cloned()
            .collect()
    }
}

impl Respond for Script {
    fn respond(
        &self,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'_, http::Response<Body>> {
        let mut received = MockRequest::of(&request, operation_id);
        let chosen = {
            let mut rules = lock(&self.rules);
            rules
                .iter_mut()
                .enumerate()
                .find(|(_, (rule, _))| rule.matches(&received))
                .map(|(index, (rule, served))| {
                    *served += 1;
                    (index, rule.nth(*served - 1))
                })
        };
        let reply = match chosen {
            Some((index, reply)) => {
                received.rule = Some(index);
                reply
            }
            None => Reply::json(
                501,
                json!({
                    "error": true,
                    "message": format!(
                        "tallyfy-ext mock: no rule matches {operation_id} {}",
                        received.line()
                    ),
                }),
            ),
        };
        lock(&self.requests).push(received);
        Box::pin(reply.answer())
    }
}
