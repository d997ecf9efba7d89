//! What every measurement shares: the two runtimes, fake servers, HTTP clients, the
//! member tally and the A/B interleaving.
//!
//! The fake servers run on their own multi-thread runtime (its worker threads are
//! the "server"), the code under test on a current-thread runtime driven by the
//! calling thread (the "client"). Client and server therefore never share an
//! executor thread.

use anyhow::{Context, Result, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tallyfy_fake::{FakeTallyfyBuilder, RunningFake};
use tokio::runtime::Runtime;

/// The `User-Agent` both clients send (the SDK's own: same workspace version).
pub const USER_AGENT_VALUE: &str = concat!("tallyfy-rs/", env!("CARGO_PKG_VERSION"));
/// Worker threads of the server runtime, unless `TALLYFY_BENCH_SERVER_WORKERS` says
/// otherwise. Two, so that concurrent requests are served in parallel as far as a 2-core
/// machine allows (the fan-out limit assumes a server that answers k requests as fast as
/// one); sequential walks keep at most one of them busy.
pub const SERVER_WORKERS: usize = 2;

/// The server runtime's worker threads: [`SERVER_WORKERS`] or `TALLYFY_BENCH_SERVER_WORKERS`.
pub fn server_workers() -> usize {
    std::env::var("TALLYFY_BENCH_SERVER_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(SERVER_WORKERS)
}

/// The server and client runtimes, and how many timed runs each figure gets.
#[derive(Debug)]
pub struct Bench {
    server: Runtime,
    client: Runtime,
    /// Timed runs per figure (after one untimed warm-up).
    pub runs: usize,
}

impl Bench {
    /// Builds both runtimes.
    ///
    /// # Errors
    /// When the OS refuses a thread.
    pub fn new(runs: usize) -> Result<Self> {
        let server = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(server_workers())
            .thread_name("fake-server")
            .enable_all()
            .build()
            .context("building the server runtime")?;
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the client runtime")?;
        Ok(Self {
            server,
            client,
            runs: runs.max(1),
        })
    }

    /// Starts a fake on the server runtime (its members are seeded there too).
    ///
    /// # Errors
    /// When it cannot bind a port.
    pub fn start_fake(&self, builder: FakeTallyfyBuilder) -> Result<RunningFake> {
        // Spawned, so that seeding the members runs on a server thread too.
        self.server
            .block_on(self.server.spawn(builder.start()))
            .context("the fake's start-up panicked")?
            .context("starting the fake server")
    }

    /// Stops a fake and waits for it.
    pub fn stop_fake(&self, fake: RunningFake) {
        self.server.block_on(fake.shutdown());
    }

    /// Runs `fut` to completion on the client runtime.
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.client.block_on(fut)
    }

    /// Runs `fut` on the client runtime and returns its wall time in seconds with its output.
    ///
    /// # Errors
    /// `fut`'s error.
    pub fn time<T, F: Future<Output = Result<T>>>(&self, fut: F) -> Result<(f64, T)> {
        let started = Instant::now();
        let out = self.client.block_on(fut)?;
        Ok((started.elapsed().as_secs_f64(), out))
    }

    /// A handle to the server runtime, for tasks that must not run on the client thread.
    pub fn server_handle(&self) -> tokio::runtime::Handle {
        self.server.handle().clone()
    }
}

/// One untimed warm-up of each, then `runs` timed pairs in the order A B A B ...;
/// each closure returns one sample. Returns (A samples, B samples).
///
/// # Errors
/// The first error of either side.
pub fn interleaved(
    runs: usize,
    mut a: impl FnMut() -> Result<f64>,
    mut b: impl FnMut() -> Result<f64>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    a()?;
    b()?;
    let (mut xs, mut ys) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        xs.push(a()?);
        ys.push(b()?);
    }
    Ok((xs, ys))
}

/// The HTTP client both sides share: the SDK's defaults (5 s connect timeout, its
/// `User-Agent`), one connection pool.
///
/// # Errors
/// When reqwest cannot build it.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(USER_AGENT_VALUE)
        .build()
        .context("building the reqwest client")
}

/// An SDK client for `fake`, sending through `http`.
///
/// # Errors
/// When the SDK refuses the configuration.
pub fn sdk_client(fake: &RunningFake, http: &reqwest::Client) -> Result<tallyfy_ext::Client> {
    tallyfy_ext::Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .http_client(http.clone())
        .build()
        .context("building the SDK client")
}

/// The headers the SDK sends on every request, for the hand-written client.
///
/// # Errors
/// When the token is not a valid header value.
pub fn sdk_headers(token: &str) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
        .context("the token is not a header value")?;
    auth.set_sensitive(true);
    headers.insert(AUTHORIZATION, auth);
    headers.insert("x-tallyfy-client", HeaderValue::from_static("APIClient"));
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    Ok(headers)
}

/// What a walk saw, so that every walk must touch each member and two walks of the
/// same organization can be checked for equality.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Members seen.
    pub members: u64,
    /// Sum of their ids.
    pub id_sum: i64,
    /// Total length of their emails.
    pub email_bytes: u64,
}

impl Tally {
    /// Counts one member.
    #[inline]
    pub fn add(&mut self, id: i64, email: Option<&str>) {
        self.members += 1;
        self.id_sum = self.id_sum.wrapping_add(id);
        self.email_bytes += email.map_or(0, |e| e.len() as u64);
    }

    /// Fails unless the walk saw exactly `expected` members.
    ///
    /// # Errors
    /// When the count differs.
    pub fn expect(self, expected: usize, what: &str) -> Result<Self> {
        if self.members != expected as u64 {
            bail!(
                "{what}: walked {} members, expected {expected}",
                self.members
            );
        }
        Ok(self)
    }
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The `cargo` that launched us, else the one on `PATH`.
pub fn cargo() -> std::process::Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(program);
    command.current_dir(workspace_root());
    command
}

/// The target directory (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}
