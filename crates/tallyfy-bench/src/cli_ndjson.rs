//! Figure 7, the whole CLI: the `tallyfy` process writing NDJSON of 100,000 members
//! against a hand-written walker process (this binary with `--hand-ndjson`: reqwest +
//! serde_json, [`write_ndjson`](crate::handwritten::write_ndjson)) writing the same
//! lines, A B A B, both against the same [page server](crate::pageserver).
//!
//! Each process's wall time counts from spawn to exit (start-up included: it is what a
//! user waits for). Both outputs are read back: the same members, in the order served,
//! as many as the server sent, and byte for byte the same lines.

use crate::harness::{Bench, interleaved};
use crate::memory::{PER_PAGE, cli_command};
use crate::pageserver::{ORG, PageServer, TOKEN};
use crate::process::{OutputFile, check_ids, ids_of_lines, run as run_process};
use crate::report::{Goal, Row, Unit, median};
use crate::roster::Roster;
use anyhow::{Result, bail};
use std::cell::Cell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;

/// The goal: the CLI at most this times the hand-written process.
pub const GOAL: f64 = 1.05;

/// The hand-written walker: this executable in `--hand-ndjson` mode.
///
/// # Errors
/// When the current executable cannot be found.
pub fn hand_command(server: &PageServer) -> Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(["--hand-ndjson", server.base_url()])
        .env("TALLYFY_ACCESS_TOKEN", TOKEN)
        .env("TALLYFY_ORG_ID", ORG);
    Ok(command)
}

/// Runs `command`, checks that it wrote exactly `roster` in order (and what the server
/// sent), and returns its wall time and the size and hash of what it wrote.
fn timed(
    command: &mut Command,
    server: &PageServer,
    roster: &Roster,
    rereads: u64,
    what: &str,
) -> Result<(f64, (usize, u64))> {
    let out = OutputFile::new(what);
    server.take_served();
    let run = run_process(command, &out, false)?;
    let ids = ids_of_lines(out.path())?;
    check_ids(&ids, &roster.ids, true, what)?;
    let (_, sent) = server.take_served();
    if sent != ids.len() as u64 + rereads {
        bail!(
            "{what}: the server sent {sent} members, {} lines were written and {rereads} re-read",
            ids.len()
        );
    }
    let bytes = std::fs::read(out.path())?;
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    Ok((run.secs, (bytes.len(), hasher.finish())))
}

/// Fails unless `output` (size, hash) is the first output seen.
fn same_output(first: &Cell<Option<(usize, u64)>>, output: (usize, u64), what: &str) -> Result<()> {
    match first.get() {
        None => first.set(Some(output)),
        Some(seen) if seen == output => {}
        Some(seen) => bail!(
            "{what} wrote {} bytes unlike an earlier run's {} (same members, other lines)",
            output.0,
            seen.0
        ),
    }
    Ok(())
}

/// Runs figure 7: the CLI at `cli` and the hand-written process against `server`,
/// which serves `roster` in pages of [`PER_PAGE`].
///
/// # Errors
/// When a run fails or writes other members than served.
pub fn run(bench: &Bench, cli: &Path, server: &PageServer, roster: &Roster) -> Result<Vec<Row>> {
    // Both write the same members as the same bytes (the generated `Member` and the
    // hand-written `HandLine` serialise alike), so every output must be identical.
    let first = Cell::new(None);
    let (cli_times, hand_times) = interleaved(
        bench.runs,
        || {
            let (secs, output) = {
                let rereads = crate::overhead::sdk_rereads(roster.len(), PER_PAGE);
                timed(
                    &mut cli_command(cli, server, false),
                    server,
                    roster,
                    rereads,
                    "cli",
                )?
            };
            same_output(&first, output, "the CLI")?;
            Ok(secs)
        },
        || {
            let (secs, output) = timed(&mut hand_command(server)?, server, roster, 0, "hand")?;
            same_output(&first, output, "the hand-written walker")?;
            Ok(secs)
        },
    )?;
    let ratio = median(&cli_times) / median(&hand_times);
    let n = roster.len() / 1000;
    Ok(vec![
        Row::new(
            format!(
                "7. `tallyfy members list --all --format ndjson`, {n}k members ({PER_PAGE} per page), whole process; ratio CLI / hand-written"
            ),
            Unit::Seconds,
            cli_times,
        )
        .ratio(ratio, Some(Goal::AtMost(GOAL))),
        Row::new(
            format!("7. hand-written reqwest + serde_json process writing the same {n}k lines"),
            Unit::Seconds,
            hand_times,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_must_match_the_first_one() {
        let first = Cell::new(None);
        same_output(&first, (10, 1), "a").unwrap();
        same_output(&first, (10, 1), "b").unwrap();
        assert!(same_output(&first, (10, 2), "c").is_err());
        assert!(same_output(&first, (11, 1), "d").is_err());
    }
}
