//! The names of the SDK's spans, events and fields the CLI listens to (see
//! `tallyfy-ext`'s `telemetry.rs`), in one place: if the SDK renames one, this file
//! and the progress tests change, nothing else.

/// The target of the SDK's spans and events (their module paths start with it).
pub const TARGET: &str = "tallyfy_ext";

/// Whether `target` (a module path) is the SDK's.
pub fn is_sdk(target: &str) -> bool {
    target
        .strip_prefix(TARGET)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}
/// The span of one attempt.
pub const ATTEMPT_SPAN: &str = "tallyfy.attempt";
/// Event: a response arrived (DEBUG), with [`STATUS`].
pub const RESPONSE: &str = "tallyfy response";
/// Event: an attempt failed without a response (DEBUG), with `timeout`.
pub const REQUEST_FAILED: &str = "tallyfy request failed";
/// Event: the wait before the next attempt (DEBUG), with [`RETRY_WAIT_MS`].
pub const RETRYING: &str = "tallyfy retrying";
/// Field: the HTTP status of a response.
pub const STATUS: &str = "http.response.status_code";
/// Field: milliseconds until the next attempt.
pub const RETRY_WAIT_MS: &str = "tallyfy.retry_wait_ms";
/// Field: whether a failed attempt timed out.
pub const TIMEOUT: &str = "timeout";
