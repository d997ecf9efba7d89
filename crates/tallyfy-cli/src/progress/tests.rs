use super::*;
use indicatif::TermLike;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

/// A terminal that keeps what was drawn.
#[derive(Debug, Clone, Default)]
struct Screen(Arc<Mutex<String>>);

impl TermLike for Screen {
    fn width(&self) -> u16 {
        160
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.lock().unwrap().push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The SDK's events for one attempt answered `status` and, if `wait_ms`, a retry.
fn attempt(status: u64, wait_ms: Option<u64>) {
    let span = tracing::debug_span!(target: "tallyfy_ext::telemetry", "tallyfy.attempt");
    tracing::event!(target: "tallyfy_ext::telemetry", parent: &span, tracing::Level::DEBUG, http.response.status_code = status, "{}", sdk::RESPONSE);
    if let Some(wait) = wait_ms {
        tracing::event!(target: "tallyfy_ext::telemetry", parent: &span, tracing::Level::DEBUG, tallyfy.retry_wait_ms = wait, "{}", sdk::RETRYING);
    }
}

#[test]
fn retry_events_show_the_wait_and_its_cause_until_a_response_succeeds() {
    let bar = ProgressBar::hidden();
    let subscriber = tracing_subscriber::registry().with(ProgressLayer::new(bar.clone()));
    tracing::subscriber::with_default(subscriber, || {
        attempt(429, Some(2_500));
        assert_eq!(bar.message(), "waiting 2.5s: rate limited (HTTP 429)");
        attempt(503, Some(400));
        assert_eq!(bar.message(), "waiting 0.4s: server error (HTTP 503)");
        let span = tracing::debug_span!(target: "tallyfy_ext::telemetry", "tallyfy.attempt");
        tracing::event!(target: "tallyfy_ext::telemetry", parent: &span, tracing::Level::DEBUG, timeout = true, "{}", sdk::REQUEST_FAILED);
        tracing::event!(target: "tallyfy_ext::telemetry", parent: &span, tracing::Level::DEBUG, tallyfy.retry_wait_ms = 1_000u64, "{}", sdk::RETRYING);
        assert_eq!(bar.message(), "waiting 1.0s: request timed out");
        attempt(200, None);
        assert_eq!(bar.message(), "");
        // Other targets' events with the same words are not the SDK's.
        tracing::event!(target: "tallyfy_extra", tracing::Level::DEBUG, tallyfy.retry_wait_ms = 9u64, "{}", sdk::RETRYING);
        assert_eq!(bar.message(), "");
        tracing::debug!(tallyfy.retry_wait_ms = 9u64, "{}", sdk::RETRYING);
        assert_eq!(bar.message(), "");
    });
}

#[test]
fn the_bar_shows_pages_members_rate_eta_and_the_wait() {
    let screen = Screen::default();
    let bar = bar(ProgressDrawTarget::term_like(Box::new(screen.clone())));
    page_done(&bar, 3, Some(10), 300, Some(1000));
    bar.set_message(wait_message(2_500, Some(Cause::Status(429))));
    bar.abandon();
    let drawn = screen.0.lock().unwrap().clone();
    for part in [
        "page 3/10",
        "300/1000 members",
        "/s",
        "ETA ",
        "waiting 2.5s: rate limited (HTTP 429)",
    ] {
        assert!(drawn.contains(part), "{part:?} not in {drawn:?}");
    }
}

#[test]
fn pages_without_a_count_and_waits_without_a_cause_read_well() {
    assert_eq!(pages(4, None), "page 4");
    assert_eq!(wait_message(50, None), "waiting 0.1s before a retry");
    assert_eq!(Cause::Status(418).to_string(), "HTTP 418");
    assert_eq!(Cause::NoResponse.to_string(), "connection failed");
}
