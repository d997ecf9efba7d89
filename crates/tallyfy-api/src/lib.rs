//! Generated low-level client for Tallyfy's member API.
//!
//! Everything in this crate except this file and `hooks.rs` is the output of
//! `cargo xtask generate` (progenitor 0.15.1) over `openapi/tallyfy.yaml`. Most
//! users want `tallyfy-ext`, which adds auth, retries, typed errors and pagination
//! on top and re-exports these types.
//!
//! # Building generated types
//!
//! Generated structs are `#[non_exhaustive]`, so a field added to the spec is a
//! minor release, not a break. Outside this crate, build them with their builder,
//! or from `Default` (types whose fields are all optional) and field assignment:
//!
//! ```
//! use tallyfy_api::types::{Member, Pagination};
//!
//! let member: Member = Member::builder()
//!     .id(1001)
//!     .email("alice@example.com".to_owned())
//!     .try_into()
//!     .expect("every required field is set");
//! assert_eq!(member.email.as_deref(), Some("alice@example.com"));
//!
//! let mut page = Pagination::default();
//! page.total_pages = Some(3);
//! ```
//!
//! A struct literal does not compile, so no service depends on the field list:
//!
//! ```compile_fail,E0639
//! let page = tallyfy_api::types::PageLinks { previous: None, next: None };
//! ```
#![forbid(unsafe_code)]

pub mod hooks;

// prettyplease output is deterministic but not rustfmt-clean; rustfmt must not
// touch it, and the generator's own lint choices are not ours to fix by hand.
#[rustfmt::skip]
#[allow(missing_docs, unused_qualifications, clippy::all, clippy::pedantic)]
mod generated;

pub use generated::*;
pub use progenitor_client::{Error, ResponseValue};
