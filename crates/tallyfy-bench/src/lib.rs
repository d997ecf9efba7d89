//! Benchmarks of the Tallyfy SDK (`tallyfy-ext`): see `BENCHMARKS.md` at the
//! workspace root for the latest table and how to rerun it
//! (`cargo run --release -p tallyfy-bench`, or `cargo bench-report`).
//!
//! Each figure is a module; [`harness`] holds what they share and [`report`] the table.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli_ndjson;
pub mod decode;
pub mod fanout;
pub mod handwritten;
pub mod harness;
pub mod markdown;
pub mod memory;
pub mod overhead;
pub mod pacing;
pub mod pageserver;
pub mod process;
pub mod python;
pub mod ratewindow;
pub mod regen;
pub mod report;
pub mod roster;
