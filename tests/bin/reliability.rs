//! `cargo reliability`: plays the fault campaign and rewrites the campaign figures of
//! RELIABILITY.md (between its marker comments). Refuses, and exits 1, when an
//! invariant broke: figures of a broken campaign are not worth writing.

use std::path::PathBuf;
use std::process::ExitCode;
use tallyfy_tests::campaign::{self, Settings};

fn main() -> ExitCode {
    let outcome = campaign::run_blocking(&Settings::standard());
    let section = campaign::render(&outcome);
    print!("{section}");
    if !outcome.violations.is_empty() {
        eprintln!(
            "{} invariants broke; RELIABILITY.md left as it was:",
            outcome.violations.len()
        );
        for violation in &outcome.violations {
            eprintln!("  {violation}");
        }
        return ExitCode::FAILURE;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.parent().unwrap_or(&root).join("RELIABILITY.md");
    let written = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|doc| campaign::splice(&doc, &section))
        .and_then(|doc| std::fs::write(&path, doc).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot update {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
