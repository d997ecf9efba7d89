//! `cargo xtask generate [--check] [-v]`: regenerate `crates/tallyfy-api` from the spec.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "tallyfy-rs workspace automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate crates/tallyfy-api/src/generated.rs from openapi/tallyfy.yaml.
    Generate {
        /// Write nothing; exit 1 with a short diff if the committed file is stale.
        #[arg(long)]
        check: bool,
        /// With --check, print the whole diff.
        #[arg(short, long)]
        verbose: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let Command::Generate { check, verbose } = cli.command;
    let started = Instant::now();
    let outputs = xtask::generate_workspace_all()?;
    let elapsed = started.elapsed().as_millis();
    let mut stale = false;
    for (relative, fresh) in outputs {
        let path = xtask::workspace_root().join(relative);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == fresh {
            let state = if check { "is up to date" } else { "unchanged" };
            println!("{relative} {state} ({elapsed} ms)");
        } else if check {
            let max = if verbose { usize::MAX } else { 40 };
            eprintln!(
                "{relative} is stale: run `cargo xtask generate` and commit the result.\n{}",
                xtask::short_diff_of(relative, &committed, &fresh, max)
            );
            stale = true;
        } else {
            std::fs::write(&path, &fresh).with_context(|| format!("writing {}", path.display()))?;
            println!(
                "wrote {relative} ({} lines, {elapsed} ms); review it and the snapshot diff (cargo insta review)",
                fresh.lines().count()
            );
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
