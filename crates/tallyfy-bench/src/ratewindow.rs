//! The page server's rate limit, for figure 8: a bucket of `limit` requests per
//! window that opens at the first request after the last one closed (as Laravel's
//! throttle, which Tallyfy runs, keeps it), published on every answer in
//! `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds to the millisecond), and
//! a 429 with `Retry-After` when it is spent. A lock and three short headers per
//! answer: the server stays cheap beside the client.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket.
#[derive(Debug)]
pub struct RateWindow {
    limit: u64,
    window: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl RateWindow {
    /// `limit` requests per `window`.
    pub fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            state: Mutex::new((None, 0)),
        }
    }

    /// Requests per window.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The window's length.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Forgets the current window (between timed runs).
    pub fn reset(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = (None, 0);
    }

    /// Takes one request: `Ok(headers)` to add to the answer, or `Err(headers)` of
    /// the 429 that replaces it.
    pub fn admit(&self) -> Result<String, String> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let opened = match state.0 {
            Some(opened) if now < opened + self.window => opened,
            _ => {
                *state = (Some(now), 0);
                now
            }
        };
        let reset = (opened + self.window)
            .saturating_duration_since(now)
            .as_secs_f64();
        if state.1 >= self.limit {
            return Err(format!(
                "retry-after: {reset:.3}\r\nx-ratelimit-limit: {}\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: {reset:.3}\r\n",
                self.limit
            ));
        }
        state.1 += 1;
        Ok(format!(
            "x-ratelimit-limit: {}\r\nx-ratelimit-remaining: {}\r\nx-ratelimit-reset: {reset:.3}\r\n",
            self.limit,
            self.limit - state.1
        ))
    }
}

/// `response` (a whole HTTP/1.1 response) with `headers` after its status line.
pub fn with_headers(response: &[u8], headers: &str) -> Vec<u8> {
    let split = response
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(response.len(), |i| i + 2);
    let mut out = Vec::with_capacity(response.len() + headers.len());
    out.extend_from_slice(&response[..split]);
    out.extend_from_slice(headers.as_bytes());
    out.extend_from_slice(&response[split..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_publishes_its_budget_and_refuses_when_spent() {
        let bucket = RateWindow::new(2, Duration::from_secs(60));
        assert!(
            bucket
                .admit()
                .unwrap()
                .contains("x-ratelimit-remaining: 1\r\n")
        );
        assert!(
            bucket
                .admit()
                .unwrap()
                .contains("x-ratelimit-remaining: 0\r\n")
        );
        let refused = bucket.admit().unwrap_err();
        assert!(
            refused.starts_with("retry-after: 59.") || refused.starts_with("retry-after: 60.0"),
            "{refused}"
        );
        bucket.reset();
        assert!(bucket.admit().is_ok());
        let out = with_headers(b"HTTP/1.1 200 OK\r\nx: y\r\n\r\n{}", "a: b\r\n");
        assert_eq!(out, b"HTTP/1.1 200 OK\r\na: b\r\nx: y\r\n\r\n{}");
    }
}
