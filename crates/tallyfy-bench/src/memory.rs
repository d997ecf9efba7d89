//! Figure 3, memory: the peak resident memory of the release `tallyfy` CLI streaming
//! every member as NDJSON, 10,000 against 300,000 members, for two walks that defeat
//! a range-compressed id set: ids 7 apart (a real organization's ids come from a
//! sequence shared with other records) in id order, and the same members shuffled by a
//! seeded permutation, as `sort=` on another field serves them.
//!
//! The CLI runs as its own process against the [page server](crate::pageserver); the
//! driver samples its `/proc/<pid>/status` `VmHWM` every millisecond until it exits.
//! Every run's output is read back: each member exactly once, in the order served, and
//! as many as the server sent.

use crate::harness::{Bench, interleaved};
use crate::pageserver::{ORG, PageServer, TOKEN};
use crate::process::{OutputFile, check_ids, ids_of_lines, run as run_process};
use crate::report::{Goal, Row, Unit, median};
use crate::roster::{Ids, Roster};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Members in the small walk.
pub const SMALL: usize = 10_000;
/// Members in the large walk.
pub const LARGE: usize = 300_000;
/// The distance between two members' ids.
pub const SPACING: i64 = 7;
/// Seed of the permutation of the sorted walk.
pub const SHUFFLE_SEED: u64 = 12;
/// Members per page.
pub const PER_PAGE: u64 = 100;
/// The goal: the large walk's peak at most this times the small walk's.
pub const GOAL: f64 = 1.2;

/// `tallyfy members list --all --per-page 100 --format ndjson` against `server`
/// (`--sort email` when `sort`), the token in the environment.
pub fn cli_command(cli: &Path, server: &PageServer, sort: bool) -> Command {
    let mut command = Command::new(cli);
    command
        .args(["--base-url", server.base_url(), "members", "list", "--all"])
        .args(["--per-page", &PER_PAGE.to_string(), "--format", "ndjson"])
        // The token goes through the environment, never the command line.
        .env("TALLYFY_ACCESS_TOKEN", TOKEN)
        .env("TALLYFY_ORG_ID", ORG);
    if sort {
        command.args(["--sort", "email"]);
    }
    command
}

/// Runs the CLI against `server`, checks its output against `roster` and the server's
/// count, and returns the run's peak resident memory in bytes.
///
/// # Errors
/// When the CLI fails or its output is not exactly the roster, in order.
pub fn peak_rss(cli: &Path, server: &PageServer, roster: &Roster, sort: bool) -> Result<f64> {
    let out = OutputFile::new("memory");
    server.take_served();
    let run = run_process(&mut cli_command(cli, server, sort), &out, true)?;
    let ids = ids_of_lines(out.path())?;
    let what = format!("CLI walk of {} members", roster.len());
    check_ids(&ids, &roster.ids, true, &what)?;
    let (_, sent) = server.take_served();
    // The CLI's walk re-reads page 1 at the end (the SDK's default check).
    let rereads = crate::overhead::sdk_rereads(ids.len(), PER_PAGE);
    if sent != ids.len() as u64 + rereads {
        bail!(
            "{what}: the server sent {sent} members, the CLI wrote {} and re-read {rereads}",
            ids.len()
        );
    }
    run.peak_rss.context("no memory sample")
}

/// Runs figure 3 with the CLI at `cli`.
///
/// # Errors
/// When a CLI run fails or writes other members than served.
pub fn run(bench: &Bench, cli: &Path) -> Result<Vec<Row>> {
    eprintln!("generating {LARGE} members (ids {SPACING} apart)");
    let large = Roster::generate(
        bench,
        LARGE,
        tallyfy_fake::DEFAULT_SEED,
        Ids::Spaced(SPACING),
    )?;
    let mut rows = Vec::new();
    for sorted in [false, true] {
        let (small, large) = if sorted {
            (
                large.prefix(SMALL).shuffled(SHUFFLE_SEED),
                large.shuffled(SHUFFLE_SEED),
            )
        } else {
            (large.prefix(SMALL), large.clone())
        };
        let small_server = PageServer::start(bench, &small, PER_PAGE, Duration::ZERO)?;
        let large_server = PageServer::start(bench, &large, PER_PAGE, Duration::ZERO)?;
        let (small_peaks, large_peaks) = interleaved(
            bench.runs,
            || peak_rss(cli, &small_server, &small, sorted),
            || peak_rss(cli, &large_server, &large, sorted),
        )?;
        let ratio = median(&large_peaks) / median(&small_peaks);
        let walk = if sorted {
            "sorted walk (`--sort email`: order shuffled), ids 7 apart"
        } else {
            "ids 7 apart, id order"
        };
        rows.push(Row::new(
            format!(
                "3. peak RSS of `tallyfy members list --all --format ndjson`, {walk}, 10k members"
            ),
            Unit::MiB,
            small_peaks,
        ));
        rows.push(
            Row::new(
                format!("3. peak RSS of the same ({walk}), 300k members; ratio 300k / 10k"),
                Unit::MiB,
                large_peaks,
            )
            .ratio(ratio, Some(Goal::AtMost(GOAL))),
        );
    }
    Ok(rows)
}
