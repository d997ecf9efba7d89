//! The progress bar of `members list --all`: pages done of total, members, rate,
//! ETA, and the current wait with its cause, read from the SDK's tracing events by
//! [`ProgressLayer`] (names in [`crate::sdk_events`]).

use crate::sdk_events as sdk;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The bar's layout: `page 3/10 [====>   ] 300/1000 members · 120/s · ETA 6s  waiting ...`.
const TEMPLATE: &str = "{prefix} [{bar:24}] {pos}/{len} members · {per_sec} · ETA {eta} {msg}";

/// A bar drawn on `target` (stderr when it is a terminal).
pub fn bar(target: ProgressDrawTarget) -> ProgressBar {
    let style = ProgressStyle::with_template(TEMPLATE)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar = ProgressBar::with_draw_target(None, target).with_style(style);
    bar.set_prefix(pages(0, None));
    bar
}

/// `page 3/10`, or `page 3` when the server gave no page count.
pub fn pages(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("page {done}/{total}"),
        None => format!("page {done}"),
    }
}

/// Moves the bar on after a page: `members` printed so far, of `total` if known.
pub fn page_done(
    bar: &ProgressBar,
    page: u64,
    total_pages: Option<u64>,
    members: u64,
    total: Option<u64>,
) {
    bar.set_prefix(pages(page, total_pages));
    bar.set_length(total.unwrap_or(members).max(members));
    bar.set_position(members);
    bar.set_message("");
}

/// Why the walk is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The server answered with this status (429: rate limited; 5xx: failing).
    Status(u16),
    /// The attempt timed out.
    Timeout,
    /// The attempt got no response (connection refused, reset, ...).
    NoResponse,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Status(429) => f.write_str("rate limited (HTTP 429)"),
            Cause::Status(s @ 500..=599) => write!(f, "server error (HTTP {s})"),
            Cause::Status(s) => write!(f, "HTTP {s}"),
            Cause::Timeout => f.write_str("request timed out"),
            Cause::NoResponse => f.write_str("connection failed"),
        }
    }
}

/// The bar's message during a wait: `waiting 2.5s: rate limited (HTTP 429)`.
pub fn wait_message(wait_ms: u64, cause: Option<Cause>) -> String {
    let secs = wait_ms as f64 / 1000.0;
    match cause {
        Some(cause) => format!("waiting {secs:.1}s: {cause}"),
        None => format!("waiting {secs:.1}s before a retry"),
    }
}

/// Turns the SDK's attempt events into the bar's wait message.
#[derive(Debug, Clone)]
pub struct ProgressLayer {
    bar: ProgressBar,
}

impl ProgressLayer {
    /// A layer that writes into `bar`.
    pub fn new(bar: ProgressBar) -> Self {
        Self { bar }
    }
}

/// The fields of one SDK event this layer reads.
#[derive(Default)]
struct Fields {
    message: String,
    status: Option<u64>,
    wait_ms: Option<u64>,
    timeout: bool,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            value.clone_into(&mut self.message);
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            sdk::STATUS => self.status = Some(value),
            sdk::RETRY_WAIT_MS => self.wait_ms = Some(value),
            _ => {}
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == sdk::TIMEOUT {
            self.timeout = value;
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for ProgressLayer {
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !sdk::is_sdk(event.metadata().target()) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        // The attempt span remembers how its attempt ended, for the retry event after it.
        let attempt = ctx
            .event_span(event)
            .filter(|span| span.name() == sdk::ATTEMPT_SPAN);
        match fields.message.as_str() {
            sdk::RESPONSE => {
                let status = fields.status.and_then(|s| u16::try_from(s).ok());
                if let (Some(span), Some(status)) = (&attempt, status) {
                    span.extensions_mut().replace(Cause::Status(status));
                }
                if status.is_some_and(|s| s < 400) {
                    self.bar.set_message("");
                }
            }
            sdk::REQUEST_FAILED => {
                if let Some(span) = &attempt {
                    let cause = if fields.timeout {
                        Cause::Timeout
                    } else {
                        Cause::NoResponse
                    };
                    span.extensions_mut().replace(cause);
                }
            }
            sdk::RETRYING => {
                let cause = attempt.and_then(|span| span.extensions().get::<Cause>().copied());
                self.bar
                    .set_message(wait_message(fields.wait_ms.unwrap_or(0), cause));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
