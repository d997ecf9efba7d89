//! [`ClientBuilder`]: a client's configuration, checked and assembled by
//! [`ClientBuilder::build`] into the executor and the generated client.

use crate::error::{Error, Result};
use crate::headers::{self, CustomHeaders};
use crate::pacing::Pacer;
use crate::policy::RetryPolicy;
use crate::ratelimit::Limiter;
use crate::redact::Redactor;
use crate::redirect;
use crate::respond::Sender;
use crate::retry::{Bucket, RetryBudget};
use crate::transport::Executor;
use crate::validate::{DEFAULT_BASE_URL, bearer, check_base_url, check_org_id};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tallyfy_api::hooks::Transport;

use super::{Client, DEFAULT_CLIENT_HEADER, Shared, USER_AGENT_VALUE, X_TALLYFY_CLIENT};

/// A redacted secret: no `Debug` or `Display` ever shows it.
#[derive(Clone, Default)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// Builds a [`Client`]. Setters never fail; [`ClientBuilder::build`] checks everything.
#[must_use]
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    token: Option<Secret>,
    org_id: Option<String>,
    base_url: String,
    client_header: String,
    connect_timeout: Duration,
    timeout: Duration,
    operation_timeout: Option<Duration>,
    retry: RetryPolicy,
    retry_budget: RetryBudget,
    pace_rate_limit: bool,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
    headers: CustomHeaders,
    application: Option<String>,
    env_error: Option<&'static str>,
    send: Sender,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            token: None,
            org_id: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            client_header: DEFAULT_CLIENT_HEADER.to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            operation_timeout: None,
            retry: RetryPolicy::default(),
            retry_budget: RetryBudget::default(),
            pace_rate_limit: true,
            max_response_bytes: 32 * 1024 * 1024,
            http: None,
            headers: CustomHeaders::default(),
            application: None,
            env_error: None,
            send: Sender::Http,
        }
    }
}

// ===== impl ClientBuilder =====

impl ClientBuilder {
    /// A builder configured from the environment: `TALLYFY_ACCESS_TOKEN` (required),
    /// `TALLYFY_ORG_ID` and `TALLYFY_BASE_URL` (optional). Setters may still override them.
    pub fn from_env() -> Self {
        let mut builder = Self::default();
        match std::env::var("TALLYFY_ACCESS_TOKEN") {
            Ok(token) => builder = builder.access_token(token),
            Err(_) => builder.env_error = Some("TALLYFY_ACCESS_TOKEN is not set"),
        }
        if let Ok(org) = std::env::var("TALLYFY_ORG_ID") {
            builder = builder.org_id(org);
        }
        if let Ok(url) = std::env::var("TALLYFY_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder
    }

    /// The access token sent as `Authorization: Bearer <token>`. Required.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret(token.into()));
        self.env_error = None;
        self
    }

    /// The organization that [`Client::members`] and [`Client::member`] address
    /// unless a request names another. Default is none.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// The API root, without a trailing `/organizations`. Default is
    /// `https://go.tallyfy.com/api`; `https://api.tallyfy.com` (no `/api`) also works.
    /// Must be `https://`, except `http://` to a loopback host (for tests).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `X-Tallyfy-Client` header value. Default is `APIClient`.
    pub fn client_header(mut self, value: impl Into<String>) -> Self {
        self.client_header = value.into();
        self
    }

    /// Time allowed to open a connection. Default is 5 s. Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each attempt, from sending to the last body byte. Default is 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A deadline for each call: its attempts and the waits between them together.
    /// An attempt gets at most the time left; a retry whose wait would end past the
    /// deadline is not made, and the call fails at once with the last attempt's error
    /// ([`Error::deadline`] says so). For a walk it applies to each page's call.
    /// Requests can override it. Default is none (attempts times retries plus waits).
    pub fn operation_timeout(mut self, deadline: Duration) -> Self {
        self.operation_timeout = Some(deadline);
        self
    }

    /// Pace requests under the budget the server publishes (`X-RateLimit-Remaining`
    /// and `X-RateLimit-Reset`): the client counts what it sends (in flight
    /// included), and before the budget is spent it waits for the reset instead of
    /// sending requests that would get 429s. Only when the reset is at most
    /// [`RetryPolicy::max_retry_after`] away. Default is **on**: a `concurrency(8)`
    /// walk then goes as fast as the budget allows with no 429 (BENCHMARKS.md,
    /// figure 8); without the headers it does nothing. A 429 still pauses the whole
    /// client for its `Retry-After` either way.
    pub fn pace_rate_limit(mut self, pace: bool) -> Self {
        self.pace_rate_limit = pace;
        self
    }

    /// The retry policy. Default is [`RetryPolicy::default`] (2 retries).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget shared by this client and its clones: a token bucket that
    /// retries draw from and successes refill, so an outage cannot multiply the
    /// load. Default is [`RetryBudget::default`] (500 tokens, 5 per retry, 10 per
    /// retry after a timeout, 1 back per success); [`RetryBudget::disabled`] turns
    /// it off.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// A header sent with every request, after the SDK's own (a request's
    /// `.header(..)` replaces it). `Authorization`, `X-Tallyfy-Client`,
    /// `User-Agent`, `Host` and hop-by-hop headers are refused: [`build`](Self::build)
    /// fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput). The
    /// value is treated as a secret: never printed, only the name.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers.add(name.as_ref(), value.as_ref());
        self
    }

    /// The application that makes the requests, appended to the `User-Agent`:
    /// `application("billing-sync/1.2")` sends `User-Agent: tallyfy-rs/<version>
    /// billing-sync/1.2`, so Tallyfy support can tell which integration sent a
    /// request. Visible ASCII. Default is none.
    pub fn application(mut self, name_and_version: impl Into<String>) -> Self {
        self.application = Some(name_and_version.into());
        self
    }

    /// Shorthand for a default policy with `retries` retries; 0 disables retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// The largest response body read, in bytes; a larger one fails with
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) without being read. Default is 32 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sends through this `reqwest::Client` (its proxy, TLS and pool settings) instead of
    /// a new one. Headers, per-attempt timeouts and retries still apply; its redirect
    /// and `Referer` settings are its own, but a response from another origin than
    /// the request's is still refused ([`ErrorKind::Redirect`](crate::ErrorKind::Redirect)).
    /// Default is none.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sends every attempt to a scripted responder instead of over HTTP
    /// (`testing::mock`): everything else is the production code path.
    #[cfg(feature = "test-util")]
    pub(crate) fn sender(mut self, send: Sender) -> Self {
        self.send = send;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when the token is
    /// missing, empty or holds control characters, when the base URL is not
    /// `https://` (or loopback `http://`) or has a query, fragment or credentials,
    /// or when the organization id or client header is unusable. The message never
    /// contains the token. [`ErrorKind::Setup`](crate::ErrorKind::Setup) when the
    /// HTTP client cannot be built (TLS backend, resolver).
    pub fn build(self) -> Result<Client> {
        if let Some(problem) = self.env_error {
            return Err(Error::invalid_input(problem));
        }
        let token = self.token.ok_or_else(|| {
            Error::invalid_input("no access token: call ClientBuilder::access_token")
        })?;
        let base_url = check_base_url(&self.base_url)?;
        if let Some(org) = &self.org_id {
            check_org_id(org)?;
        }
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, bearer(&token.0)?);
        let client_header = HeaderValue::from_str(self.client_header.trim())
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::invalid_input("the X-Tallyfy-Client value must be non-empty visible ASCII")
            })?;
        headers.insert(X_TALLYFY_CLIENT, client_header);
        let user_agent = headers::user_agent(USER_AGENT_VALUE, self.application.as_deref())
            .map_err(Error::invalid_input)?;
        headers.insert(USER_AGENT, user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(why) = self.headers.invalid() {
            return Err(Error::invalid_input(why.to_owned()));
        }
        self.headers.apply(&mut headers);
        let http = match self.http {
            Some(http) => http,
            // gzip (and brotli) decoding is on whenever its feature is: reqwest's default.
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(user_agent)
                .referer(false)
                .redirect(redirect::policy())
                .build()
                .map_err(|e| Error::setup("cannot build the HTTP client", e))?,
        };
        let limiter = Arc::new(Limiter::default());
        let budget = Arc::new(Bucket::new(self.retry_budget));
        let executor = Executor {
            headers,
            attempt_timeout: self.timeout,
            operation_timeout: self.operation_timeout,
            retry: self.retry,
            max_body_bytes: self.max_response_bytes,
            limiter: Arc::clone(&limiter),
            redactor: Redactor::new(&token.0),
            pacer: Arc::new(Pacer::new(self.pace_rate_limit)),
            budget: Arc::clone(&budget),
            send: self.send,
        };
        let server_address = reqwest::Url::parse(&base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        let api = tallyfy_api::Client::new_with_client(
            &base_url,
            http,
            Transport::new(Arc::new(executor)),
        );
        Ok(Client {
            shared: Arc::new(Shared {
                api,
                org_id: self.org_id,
                server_address,
                limiter,
                budget,
                blocking: Mutex::new(None),
            }),
        })
    }
}
