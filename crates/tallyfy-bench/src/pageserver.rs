//! A page server whose every response is rendered before timing starts: status line,
//! headers and Fractal envelope, byte for byte, held in memory. Answering a request is
//! reading its head and writing one prepared buffer, so the clients' CPU, not the
//! server's, is what the figures measure (the fake encodes every page from `serde_json::Value`s).
//!
//! It answers `GET <anything>/organizations/<org>/users?page=N&per_page=P` with
//! `Authorization: Bearer <token>`, over HTTP/1.1 keep-alive, on the bench's server
//! runtime. `per_page` must be the one the pages were rendered for (or absent).

use crate::harness::Bench;
use crate::ratewindow::{RateWindow, with_headers};
use crate::roster::Roster;
use anyhow::{Context, Result};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The organization id the page server answers for.
pub const ORG: &str = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
/// The bearer token it accepts.
pub const TOKEN: &str = "bench-token";

/// Every response, rendered.
#[derive(Debug)]
pub struct Pages {
    /// Members per page.
    pub per_page: u64,
    /// `responses[n - 1]` answers `page=n`.
    pub responses: Vec<Vec<u8>>,
    /// Members on each page.
    pub counts: Vec<u64>,
    /// The answer to a page past the end (no members, the real meta).
    pub past_end: Vec<u8>,
}

/// One HTTP/1.1 response with a JSON body.
pub fn response(status: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The list body of page `page` (1-based) holding `members`, as Fractal renders it;
/// `url(n)` is page n's URL for `links`.
pub fn page_body(
    members: &[Box<[u8]>],
    total: usize,
    page: u64,
    per_page: u64,
    url: &dyn Fn(u64) -> String,
) -> Vec<u8> {
    let pagination = tallyfy_fake::fractal_pagination(total, members.len(), page, per_page, url);
    let meta = json!({ "pagination": pagination });
    let mut body = b"{\"data\":[".to_vec();
    for (i, member) in members.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(member);
    }
    body.extend_from_slice(b"],\"meta\":");
    body.extend_from_slice(meta.to_string().as_bytes());
    body.push(b'}');
    body
}

impl Pages {
    /// Renders every page of `roster` at `per_page`, with links under `users_url`.
    pub fn render(roster: &Roster, per_page: u64, users_url: &str) -> Self {
        let url = |n: u64| format!("{users_url}?page={n}&per_page={per_page}");
        let total = roster.len();
        let mut responses = Vec::new();
        let mut counts = Vec::new();
        for (index, chunk) in roster.json.chunks(per_page.max(1) as usize).enumerate() {
            let body = page_body(chunk, total, index as u64 + 1, per_page, &url);
            responses.push(response("200 OK", &body));
            counts.push(chunk.len() as u64);
        }
        let past = responses.len().max(1) as u64 + 1;
        let past_end = response("200 OK", &page_body(&[], total, past, per_page, &url));
        Self {
            per_page,
            responses,
            counts,
            past_end,
        }
    }
}

/// What the server answered, so that walks can be checked against it.
#[derive(Debug, Default)]
pub struct Served {
    /// Requests answered (any status).
    pub requests: AtomicU64,
    /// Members in the 200 answers.
    pub members: AtomicU64,
    /// 429s answered because the rate limit was spent (figure 8's server).
    pub refused: AtomicU64,
}

/// A page server running on the bench's server runtime; stopped on drop.
#[derive(Debug)]
pub struct PageServer {
    base_url: String,
    pages: Arc<Pages>,
    served: Arc<Served>,
    window: Option<Arc<RateWindow>>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl PageServer {
    /// Renders `roster` in pages of `per_page` and serves them, each answer after
    /// `latency` (zero: at once).
    ///
    /// # Errors
    /// When it cannot bind a loopback port.
    pub fn start(bench: &Bench, roster: &Roster, per_page: u64, latency: Duration) -> Result<Self> {
        Self::spawn(bench, roster, per_page, latency, None)
    }

    /// [`start`](Self::start) with no latency and a rate limit of `window`
    /// (figure 8): answers carry its budget, and a spent one gets 429s.
    ///
    /// # Errors
    /// When it cannot bind a loopback port.
    pub fn start_limited(
        bench: &Bench,
        roster: &Roster,
        per_page: u64,
        window: RateWindow,
    ) -> Result<Self> {
        Self::spawn(
            bench,
            roster,
            per_page,
            Duration::ZERO,
            Some(Arc::new(window)),
        )
    }

    fn spawn(
        bench: &Bench,
        roster: &Roster,
        per_page: u64,
        latency: Duration,
        window: Option<Arc<RateWindow>>,
    ) -> Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding a port")?;
        listener.set_nonblocking(true)?;
        let base_url = format!("http://{}/api", listener.local_addr()?);
        let users = format!("{base_url}/organizations/{ORG}/users");
        let pages = Arc::new(Pages::render(roster, per_page, &users));
        let served = Arc::new(Served::default());
        let tasks: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let handle = bench.server_handle();
        let (p, s, t, w) = (pages.clone(), served.clone(), tasks.clone(), window.clone());
        let accept = handle.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let task = tokio::spawn(serve(stream, p.clone(), s.clone(), latency, w.clone()));
                t.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(task.abort_handle());
            }
        });
        tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(accept.abort_handle());
        Ok(Self {
            base_url,
            pages,
            served,
            window,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT/api`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// An SDK client for this server, sending through `http`.
    ///
    /// # Errors
    /// When the SDK refuses the configuration.
    pub fn client(&self, http: &reqwest::Client) -> Result<tallyfy_ext::Client> {
        tallyfy_ext::Client::builder()
            .base_url(self.base_url())
            .access_token(TOKEN)
            .org_id(ORG)
            .http_client(http.clone())
            .build()
            .context("building the SDK client")
    }

    /// The rendered pages.
    pub fn pages(&self) -> &Pages {
        &self.pages
    }

    /// Members in every page together.
    pub fn members(&self) -> u64 {
        self.pages.counts.iter().sum()
    }

    /// The rate limit, when the server has one.
    pub fn window(&self) -> Option<&RateWindow> {
        self.window.as_deref()
    }

    /// 429s answered since the last call; resets the count.
    pub fn take_refused(&self) -> u64 {
        self.served.refused.swap(0, Ordering::Relaxed)
    }

    /// Requests answered and members sent since the last call; resets both.
    pub fn take_served(&self) -> (u64, u64) {
        (
            self.served.requests.swap(0, Ordering::Relaxed),
            self.served.members.swap(0, Ordering::Relaxed),
        )
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Ask {
    Page(u64),
    Refused(&'static str, &'static str),
}

/// Reads a request's line and headers (already split into lines) into what to answer.
fn ask(request_line: &str, authorized: bool, per_page: u64) -> Ask {
    let target = request_line.split(' ').nth(1).unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !path.ends_with(&format!("/organizations/{ORG}/users")) {
        return Ask::Refused(
            "404 Not Found",
            r#"{"error":true,"message":"API endpoint not found"}"#,
        );
    }
    if !authorized {
        return Ask::Refused(
            "401 Unauthorized",
            r#"{"error":true,"message":"unauthenticated"}"#,
        );
    }
    let mut page = 1;
    for (key, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        let number = value.parse::<u64>().ok().filter(|n| *n >= 1);
        match (key, number) {
            ("page", Some(n)) => page = n,
            ("per_page", Some(n)) if n == per_page => {}
            ("page" | "per_page", _) => {
                return Ask::Refused(
                    "422 Unprocessable Entity",
                    r#"{"message":"page or per_page is not what the bench rendered"}"#,
                );
            }
            _ => {}
        }
    }
    Ask::Page(page)
}

/// Answers the requests of one connection until it closes.
async fn serve(
    stream: TcpStream,
    pages: Arc<Pages>,
    served: Arc<Served>,
    latency: Duration,
    window: Option<Arc<RateWindow>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let bearer = format!("bearer {TOKEN}");
    loop {
        line.clear();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let request_line = std::mem::take(&mut line);
        let mut authorized = false;
        loop {
            line.clear();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" || line == "\n" => break,
                Ok(_) => {
                    if let Some((name, value)) = line.split_once(':') {
                        authorized |= name.eq_ignore_ascii_case("authorization")
                            && value.trim().eq_ignore_ascii_case(&bearer);
                    }
                }
            }
        }
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        served.requests.fetch_add(1, Ordering::Relaxed);
        let budget = window.as_ref().map(|w| w.admit());
        let written = match (ask(&request_line, authorized, pages.per_page), budget) {
            (Ask::Page(_), Some(Err(headers))) => {
                served.refused.fetch_add(1, Ordering::Relaxed);
                let body = br#"{"message":"Too Many Attempts.","code":"RATE_LIMIT_EXCEEDED"}"#;
                let refused = with_headers(&response("429 Too Many Requests", body), &headers);
                reader.get_mut().write_all(&refused).await
            }
            (Ask::Page(n), Some(Ok(headers))) => {
                let bytes = pages.responses.get(n as usize - 1).map_or_else(
                    || &pages.past_end,
                    |bytes| {
                        served
                            .members
                            .fetch_add(pages.counts[n as usize - 1], Ordering::Relaxed);
                        bytes
                    },
                );
                reader
                    .get_mut()
                    .write_all(&with_headers(bytes, &headers))
                    .await
            }
            (ask, _) => match ask {
                Ask::Page(n) => match pages.responses.get(n as usize - 1) {
                    Some(bytes) => {
                        served
                            .members
                            .fetch_add(pages.counts[n as usize - 1], Ordering::Relaxed);
                        reader.get_mut().write_all(bytes).await
                    }
                    None => reader.get_mut().write_all(&pages.past_end).await,
                },
                Ask::Refused(status, body) => {
                    reader
                        .get_mut()
                        .write_all(&response(status, body.as_bytes()))
                        .await
                }
            },
        };
        if written.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests;
