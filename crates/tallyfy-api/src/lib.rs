//! Generated low-level client for Tallyfy's member API.
//!
//! Everything in this crate except this file and `hooks.rs` is the output of
//! `cargo xtask generate` (progenitor 0.15.1) over `openapi/tallyfy.yaml`. Most
//! users want `tallyfy-ext`, which adds auth, retries, typed errors and pagination
//! on top and re-exports these types.
#![forbid(unsafe_code)]

pub mod hooks;

// prettyplease output is deterministic but not rustfmt-clean; rustfmt must not
// touch it, and the generator's own lint choices are not ours to fix by hand.
#[rustfmt::skip]
#[allow(missing_docs, unused_qualifications, clippy::all, clippy::pedantic)]
mod generated;

pub use generated::*;
pub use progenitor_client::{Error, ResponseValue};
