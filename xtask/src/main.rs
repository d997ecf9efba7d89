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
    let fresh = xtask::generate_workspace()?;
    let path = xtask::workspace_root().join(xtask::GENERATED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let elapsed = started.elapsed().as_millis();
    if check {
        if committed == fresh {
            println!("{} is up to date ({elapsed} ms)", xtask::GENERATED);
            return Ok(ExitCode::SUCCESS);
        }
        let max = if verbose { usize::MAX } else { 40 };
        eprintln!(
            "{} is stale: run `cargo xtask generate` and commit the result.\n{}",
            xtask::GENERATED,
            xtask::short_diff(&committed, &fresh, max)
        );
        return Ok(ExitCode::FAILURE);
    }
    if committed == fresh {
        println!("{} unchanged ({elapsed} ms)", xtask::GENERATED);
    } else {
        std::fs::write(&path, &fresh).with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote {} ({} lines, {elapsed} ms); review it and the snapshot diff (cargo insta review)",
            xtask::GENERATED,
            fresh.lines().count()
        );
    }
    Ok(ExitCode::SUCCESS)
}
