//! [`Client`] and [`ClientBuilder`]: configuration and auth. The requests a client
//! makes are built beside their types (`get_member.rs`, `list.rs`,
//! `list_members.rs`), each with its `impl Client` entry point.

use crate::error::{Error, Result};
use crate::ratelimit::{Limiter, RateLimit};
use crate::retry::{Bucket, RetryBudgetState};
use crate::runtime::BlockingRuntime;
use crate::validate::check_org_id;
use reqwest::header::HeaderName;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// The `X-Tallyfy-Client` value Tallyfy's documentation asks for.
pub const DEFAULT_CLIENT_HEADER: &str = "APIClient";
const USER_AGENT_VALUE: &str = concat!("tallyfy-rs/", env!("CARGO_PKG_VERSION"));
const X_TALLYFY_CLIENT: HeaderName = HeaderName::from_static("x-tallyfy-client");

mod builder;

pub use builder::ClientBuilder;

/// A Tallyfy API client.
///
/// Cheap to clone (an `Arc` inside) and safe to share between tasks: make one per
/// process and clone it where needed, so connections are pooled and every task
/// shares one rate limit (a 429 seen by one request pauses them all; see
/// [`ClientBuilder::pace_rate_limit`]).
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    api: tallyfy_api::Client,
    org_id: Option<String>,
    /// The base URL's host, for `server.address` in spans.
    server_address: String,
    limiter: Arc<Limiter>,
    budget: Arc<Bucket>,
    /// Started by the first blocking call.
    blocking: Mutex<Option<Arc<BlockingRuntime>>>,
}

// ===== impl Client =====

impl Client {
    /// # Constructors
    ///
    /// A builder with the documented defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and `TALLYFY_BASE_URL`.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`], and when `TALLYFY_ACCESS_TOKEN` is not set.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env().build()
    }

    /// # Settings
    ///
    /// The default organization id, if one was configured.
    pub fn org_id(&self) -> Option<&str> {
        self.shared.org_id.as_deref()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.shared.api)
    }

    /// The generated low-level client, for calls this crate does not wrap. Its
    /// requests still get the token, headers, timeouts and retries.
    pub fn api(&self) -> &tallyfy_api::Client {
        &self.shared.api
    }

    /// The request budget of the last response that reported one (`X-RateLimit-*`),
    /// shared by every clone of this client.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.shared.limiter.last()
    }

    /// The state of the retry budget shared by every clone of this client; `None`
    /// when it is disabled ([`ClientBuilder::retry_budget`]).
    pub fn retry_budget(&self) -> Option<RetryBudgetState> {
        self.shared.budget.state()
    }

    /// The client's retry budget, for walk summaries.
    pub(crate) fn retry_bucket(&self) -> Arc<Bucket> {
        Arc::clone(&self.shared.budget)
    }

    /// The base URL's host (`server.address` in spans).
    pub(crate) fn server_address(&self) -> &str {
        &self.shared.server_address
    }

    /// The client's blocking runtime, started on first use.
    pub(crate) fn blocking_runtime(&self) -> Result<Arc<BlockingRuntime>> {
        let mut slot = self
            .shared
            .blocking
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(runtime) = &*slot {
            return Ok(Arc::clone(runtime));
        }
        let runtime = Arc::new(BlockingRuntime::start()?);
        *slot = Some(Arc::clone(&runtime));
        Ok(runtime)
    }

    /// The organization for a request: its own, else the client's.
    pub(crate) fn resolve_org(&self, org: Option<&str>) -> Result<String> {
        let org = org.or(self.org_id()).ok_or_else(|| {
            Error::invalid_input(
                "no organization id: set ClientBuilder::org_id or call .org(..) on the request",
            )
        })?;
        check_org_id(org)?;
        Ok(org.to_owned())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("org_id", &self.org_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
