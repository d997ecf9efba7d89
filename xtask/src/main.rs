//! `cargo xtask generate [--check] [-v]`: regenerate every generated file from the
//! spec: `crates/tallyfy-api/src/{generated,paged,operations,calls}.rs` and
//! `crates/tallyfy-ext/src/{generated_lists,generated_calls}.rs`.
//! `cargo xtask semver [--base REV] [--check]`: what the change since a release breaks.
//! `cargo xtask release X.Y.Z`: bump, move the changelog, record the baseline.

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
    /// Regenerate from openapi/tallyfy.yaml: crates/tallyfy-api/src/generated.rs,
    /// paged.rs, operations.rs and calls.rs, and crates/tallyfy-ext/src/generated_lists.rs
    /// and generated_calls.rs.
    Generate {
        /// Write nothing; exit 1 with a short diff for each stale committed file.
        #[arg(long)]
        check: bool,
        /// With --check, print the whole diff.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Compare with the recorded release (or --base REV); the last line is `verdict: major|minor|patch`.
    Semver {
        /// A git revision to compare with instead of the recorded release.
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Compare the specs only, without the Rust-level check (cargo-semver-checks).
        #[arg(long)]
        no_rust: bool,
        /// Exit 1 when CHANGELOG.md's Unreleased heading or Cargo.toml's version
        /// declares a smaller change than the verdict.
        #[arg(long)]
        check: bool,
    },
    /// Release X.Y.Z: bump the workspace version, move CHANGELOG.md's Unreleased
    /// entries under it with the verdict, record release/baseline/.
    Release {
        /// The new version, MAJOR.MINOR.PATCH.
        version: String,
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
    match cli.command {
        Command::Generate { check, verbose } => generate(check, verbose),
        Command::Semver {
            base,
            no_rust,
            check,
        } => semver(base, !no_rust, check),
        Command::Release { version } => {
            let done = xtask::release::release(&root(), &version, true)?;
            println!(
                "released {} (from {}, verdict: {}): review and commit Cargo.toml, Cargo.lock, CHANGELOG.md and {}",
                done.to,
                done.from,
                done.verdict,
                xtask::baseline::BASELINE
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The workspace to work on: this one, or `XTASK_WORKSPACE_ROOT` (the end-to-end
/// tests point it at a scratch repository).
fn root() -> std::path::PathBuf {
    std::env::var_os("XTASK_WORKSPACE_ROOT").map_or_else(xtask::workspace_root, Into::into)
}

fn semver(base: Option<String>, rust: bool, check: bool) -> Result<ExitCode> {
    let root = root();
    let base = base.map_or(xtask::semver::Base::Recorded, xtask::semver::Base::Rev);
    let report = xtask::semver::compare(&root, &base, rust)?;
    for note in &report.notes {
        println!("note: {note}");
    }
    for change in &report.changes {
        println!("{change}");
    }
    let verdict = report.verdict();
    let mut code = ExitCode::SUCCESS;
    if check {
        for problem in xtask::semver::check_declared(&root, verdict)? {
            eprintln!("error: {problem}");
            code = ExitCode::FAILURE;
        }
    }
    println!("verdict: {verdict}");
    Ok(code)
}

fn generate(check: bool, verbose: bool) -> Result<ExitCode> {
    let root = root();
    let started = Instant::now();
    let files = xtask::freshness(&root)?;
    let elapsed = started.elapsed().as_millis();
    let mut stale = false;
    for file in files {
        let relative = file.path;
        if file.is_fresh() {
            let state = if check { "is up to date" } else { "unchanged" };
            println!("{relative} {state} ({elapsed} ms)");
        } else if check {
            let max = if verbose { usize::MAX } else { 40 };
            eprintln!(
                "{relative} is stale: run `cargo xtask generate` and commit the result.\n{}",
                file.diff(max)
            );
            stale = true;
        } else {
            let path = root.join(relative);
            std::fs::write(&path, &file.fresh)
                .with_context(|| format!("writing {}", path.display()))?;
            println!(
                "wrote {relative} ({} lines, {elapsed} ms); review it and the snapshot diff (cargo insta review)",
                file.fresh.lines().count()
            );
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
