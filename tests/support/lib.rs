//! Shared test support for the workspace guards.
//!
//! - [`spec`]: validates JSON bodies against `openapi/tallyfy.yaml`, for the spec's
//!   own examples, hand-written fixtures and (later) a fake server's responses.
//! - [`data`]: reads the JSON fixtures in `tests/data/`.
//! - [`campaign`]: the reliability fault campaign, for its test and `cargo reliability`.

pub mod campaign;
pub mod spec;

/// Access to the JSON fixtures in `tests/data/`.
pub mod data {
    use serde_json::Value;
    use std::path::PathBuf;

    /// The directory holding the fixtures, `tests/data/`.
    pub fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
    }

    /// The text of fixture `name` (a file name such as `list_first_page.json`).
    ///
    /// # Panics
    /// If the file cannot be read.
    pub fn text(name: &str) -> String {
        let path = dir().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// Fixture `name` parsed as JSON.
    ///
    /// # Panics
    /// If the file cannot be read or is not JSON.
    pub fn json(name: &str) -> Value {
        serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
    }
}
