//! Starting the fake ([`FakeTallyfyBuilder`]) and driving it ([`RunningFake`]).

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::conn::{ConnHandle, CuttableListener};
use crate::data;
use crate::faults::{FaultCounts, FaultKind, Faults};
use crate::record::RecordedRequest;
use crate::routes;
use crate::state::{Config, Shared};

/// The organization id the fake serves unless told otherwise.
pub const DEFAULT_ORG: &str = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
/// The bearer token the fake accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "fake-token";
/// The data seed unless told otherwise.
pub const DEFAULT_SEED: u64 = 42;

/// Entry point: `FakeTallyfy::builder()` configures a fake, `start()` runs it.
#[derive(Debug, Clone, Copy)]
pub struct FakeTallyfy;

impl FakeTallyfy {
    /// A builder with every default (see [`FakeTallyfyBuilder`]).
    pub fn builder() -> FakeTallyfyBuilder {
        FakeTallyfyBuilder::default()
    }

    /// Starts a fake with every default on a free loopback port.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start() -> io::Result<RunningFake> {
        Self::builder().start().await
    }
}

/// Configures a fake Tallyfy server. Every setter says its default.
#[derive(Debug, Clone)]
#[must_use]
pub struct FakeTallyfyBuilder {
    org: String,
    token: String,
    members: usize,
    seed: u64,
    latency: Duration,
    faults: Faults,
    default_per_page: u64,
    max_per_page: u64,
    port: u16,
    member_json: Option<Vec<Value>>,
    gzip: bool,
    rate_limit: Option<(u64, Duration)>,
}

impl Default for FakeTallyfyBuilder {
    fn default() -> Self {
        Self {
            org: DEFAULT_ORG.to_owned(),
            token: DEFAULT_TOKEN.to_owned(),
            members: 25,
            seed: DEFAULT_SEED,
            latency: Duration::ZERO,
            faults: Faults::default(),
            default_per_page: 10,
            max_per_page: 100,
            port: 0,
            member_json: None,
            gzip: false,
            rate_limit: None,
        }
    }
}

impl FakeTallyfyBuilder {
    /// The organization id served; any other id gets 403. Default is [`DEFAULT_ORG`].
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = org.into();
        self
    }

    /// The bearer token accepted; any other gets 401. Default is [`DEFAULT_TOKEN`].
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// How many members the organization starts with (ids 1001, 1002, ...). Default is 25.
    pub fn members(mut self, members: usize) -> Self {
        self.members = members;
        self
    }

    /// The seed of the generated data. Default is [`DEFAULT_SEED`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Latency added to every request (on top of any in the faults). Default is none.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The fault plan. Default is no faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// `per_page` used when a list request sends none. Default is 10.
    pub fn default_per_page(mut self, per_page: u64) -> Self {
        self.default_per_page = per_page;
        self
    }

    /// Larger `per_page` values are silently capped to this. Default is 100.
    pub fn max_per_page(mut self, per_page: u64) -> Self {
        self.max_per_page = per_page;
        self
    }

    /// Serve exactly these member objects, in this order, instead of generated ones
    /// (replaces [`members`](Self::members)). Each is sent verbatim on both endpoints,
    /// whatever `with=` asks for, so a test can serve any shape the real server might:
    /// numeric strings, `[]` for objects, unknown keys, members with no usable id.
    /// Get-member finds a member by its numeric (or numeric-string) `id`. Default: none.
    pub fn member_json(mut self, members: Vec<Value>) -> Self {
        self.member_json = Some(members);
        self
    }

    /// The loopback port to bind; 0 picks a free one. Default is 0.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Compress answers with gzip when the request's `Accept-Encoding` allows it
    /// ([`RecordedRequest::content_encoding`] then says `gzip`). Default is off, so
    /// benchmarks measure the client rather than zlib.
    pub fn gzip(mut self, gzip: bool) -> Self {
        self.gzip = gzip;
        self
    }

    /// A rate limit of `requests` per `window`, as Laravel's throttle keeps one: the
    /// window opens at the first request after the last one closed. Every answer
    /// carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
    /// (seconds until the window closes, to the millisecond); a request that finds
    /// the budget spent gets `429` with `Retry-After` (the same seconds) and
    /// reaches neither the faults nor the routes. Default is none.
    pub fn rate_limit(mut self, requests: u64, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// Binds `127.0.0.1:<port>` and serves in a background task of the current Tokio
    /// runtime, so call it from inside one.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound, or (`InvalidInput`) when `default_per_page` or
    /// `max_per_page` is 0.
    pub async fn start(self) -> io::Result<RunningFake> {
        if self.default_per_page == 0 || self.max_per_page == 0 {
            let message = "default_per_page and max_per_page must be at least 1";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let config = Config {
            org: self.org,
            token: self.token,
            seed: self.seed,
            latency: self.latency,
            default_per_page: self.default_per_page,
            max_per_page: self.max_per_page,
            rate_limit: self.rate_limit,
        };
        let (members, next_index) = match self.member_json {
            Some(raw) => {
                let members: Vec<_> = raw
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| data::raw_member(v, i))
                    .collect();
                // Members inserted later get ids after the highest given one.
                let highest = members.iter().map(|m| m.id).max().unwrap_or(0);
                let next = (highest + 1 - data::FIRST_MEMBER_ID).max(0) as u64;
                (members, next)
            }
            None => (data::members(self.seed, self.members), self.members as u64),
        };
        let shared = Arc::new(Shared::new(config, addr, members, next_index, self.faults));
        let app = routes::router(Arc::clone(&shared), self.gzip)
            .into_make_service_with_connect_info::<ConnHandle>();
        let (stop, stopped) = oneshot::channel::<()>();
        let server =
            axum::serve(CuttableListener(listener), app).with_graceful_shutdown(async move {
                // A dropped sender (RunningFake dropped) stops the server too.
                let _ = stopped.await;
            });
        let task = tokio::spawn(async move {
            // It only returns once the shutdown signal has fired.
            let _ = server.await;
        });
        Ok(RunningFake {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A fake Tallyfy server running on loopback. Dropping it stops the server gracefully
/// in the background; [`RunningFake::shutdown`] waits for that.
#[derive(Debug)]
pub struct RunningFake {
    pub(crate) shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// # Addresses and credentials
impl RunningFake {
    /// The base URL of the documented host layout, `http://127.0.0.1:PORT/api`. The
    /// same routes also answer at the root (`http://127.0.0.1:PORT`), as api.tallyfy.com does.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The organization id served.
    pub fn org(&self) -> &str {
        &self.shared.config.org
    }

    /// The bearer token accepted.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }
}

/// # Requests and faults
impl RunningFake {
    /// Every request received so far, in the order their answers were decided.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Forgets the recorded requests (fault counts are kept).
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Replaces the fault plan; its script and RNG start afresh.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Each request (`GET /path?query`) that arrived since the fault plan was last set,
    /// when that plan draws keyed faults ([`Faults::with_keyed_draws`]; otherwise
    /// empty): one entry per arrival, in order, holding the kind of fault it got
    /// (`None` when served normally). Recorded on arrival, so a request whose answer
    /// never went out (a timed-out slow one, a cancelled one) is there too: when one
    /// call sends a key, its entries are that call's attempts.
    pub fn arrival_log(&self) -> BTreeMap<String, Vec<Option<FaultKind>>> {
        self.shared.arrivals()
    }

    /// How many faults of each kind were injected since start.
    pub fn fault_counts(&self) -> FaultCounts {
        self.shared.lock().fault_counts.clone()
    }

    /// How many requests have reached the fake so far, answered or not. Unlike
    /// [`request_count`](Self::request_count) it counts a request as soon as it
    /// arrives, and [`clear_requests`](Self::clear_requests) does not reset it.
    pub fn arrivals(&self) -> usize {
        self.shared.gate.arrivals()
    }

    /// How many requests have been answered so far (a dropped connection counts);
    /// never reset.
    pub fn answers(&self) -> usize {
        self.shared.gate.answers()
    }

    /// Every request as it arrived, in arrival order (number `i + 1` at index `i`),
    /// before its answer: `status` is `None`, `fault` is the fault drawn for it. Held
    /// requests are here; [`clear_requests`](Self::clear_requests) does not clear it.
    pub fn arrived_requests(&self) -> Vec<RecordedRequest> {
        self.shared.gate.arrived_requests()
    }

    /// Waits until at least `n` requests have arrived (see [`arrivals`](Self::arrivals)).
    /// Put a timeout around it in tests: it waits forever if they never come.
    pub async fn wait_for_arrivals(&self, n: usize) {
        self.shared.gate.wait_for_arrivals(n).await;
    }

    /// Waits until at least `n` requests have been answered (see [`answers`](Self::answers)).
    pub async fn wait_for_answers(&self, n: usize) {
        self.shared.gate.wait_for_answers(n).await;
    }

    /// Holds the answer of every request after the first `n` arrivals (counted since
    /// start) until [`release`](Self::release) or [`release_all`](Self::release_all):
    /// a held request has arrived and drawn its fault, and waits before its latency
    /// and answer. With it a test orders events by counts, not clocks: "4 requests in
    /// flight at once" is `wait_for_arrivals` while they are held; "answered out of
    /// order" is releasing them one by one.
    pub fn hold_after(&self, n: usize) {
        self.shared.gate.hold_after(n);
    }

    /// Lets held arrival number `arrival` (from 1) be answered.
    pub fn release(&self, arrival: usize) {
        self.shared.gate.release(arrival);
    }

    /// Lets every held request be answered and stops holding new ones.
    pub fn release_all(&self) {
        self.shared.gate.release_all();
    }

    /// Stops accepting connections, lets requests in flight finish (waiting at most one
    /// second), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
