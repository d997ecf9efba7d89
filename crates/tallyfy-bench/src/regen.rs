//! Figure 5, regeneration: the wall time of `cargo xtask generate` on a fresh tree
//! (warm: xtask already built, nothing to write), and of `cargo build -p tallyfy-api`
//! after a one-property edit of `Member` in the spec and `cargo xtask generate`.
//!
//! The rebuild figure edits the shared work tree, so it runs last and keeps the
//! window short: the originals of `openapi/tallyfy.yaml` and `generated.rs` are kept
//! in memory and in `target/bench-regen/`; each sample adds the property (or removes
//! it again: that is a one-property edit too) and times the build. An `EditGuard`
//! restores the originals on any exit from the figure, error or panic; Ctrl-C does it
//! through [`restore_if_editing`]; and a run killed outright is repaired by the next
//! run ([`repair_leftover`]). Afterwards `cargo xtask generate --check` must pass.

use crate::harness::{cargo, target_dir, workspace_root};
use crate::report::{Row, Unit};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

const SPEC: &str = "openapi/tallyfy.yaml";
const GENERATED: &str = "crates/tallyfy-api/src/generated.rs";
/// The property added to `Member`: optional and nullable, as the spec lints demand.
const PROBE: &str = "        bench_probe:\n          type: string\n          nullable: true\n          description: Added and removed by tallyfy-bench (figure 5); never committed.\n";
const LOCK_WAIT: &str = "Blocking waiting for file lock";

/// The files the figure edits, as they were before.
#[derive(Debug, Clone)]
struct Originals {
    spec: Vec<u8>,
    generated: Vec<u8>,
}

/// Set while the tree is edited, for the Ctrl-C handler.
static EDITING: Mutex<Option<Originals>> = Mutex::new(None);

fn backup_dir() -> PathBuf {
    target_dir().join("bench-regen")
}

fn write_if_changed(path: PathBuf, bytes: &[u8]) -> std::io::Result<bool> {
    let changed = std::fs::read(&path).ok().as_deref() != Some(bytes);
    if changed {
        std::fs::write(&path, bytes)?;
    }
    Ok(changed)
}

impl Originals {
    fn read() -> Result<Self> {
        let root = workspace_root();
        Ok(Self {
            spec: std::fs::read(root.join(SPEC)).context("reading the spec")?,
            generated: std::fs::read(root.join(GENERATED)).context("reading generated.rs")?,
        })
    }

    fn save_backup(&self) -> Result<()> {
        let dir = backup_dir();
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("generated.rs"), &self.generated)?;
        // Written last: its presence means the backup is complete.
        std::fs::write(dir.join("tallyfy.yaml"), &self.spec)?;
        Ok(())
    }

    /// Writes the originals back (only where they differ) and drops the backup.
    /// Returns whether a file had to be written.
    fn restore(&self) -> std::io::Result<bool> {
        let root = workspace_root();
        let spec = write_if_changed(root.join(SPEC), &self.spec)?;
        let generated = write_if_changed(root.join(GENERATED), &self.generated)?;
        let _ = std::fs::remove_dir_all(backup_dir());
        Ok(spec || generated)
    }
}

/// Restores the spec and generated code left edited by a run that was killed during
/// this figure. Returns whether there was anything to restore.
///
/// # Errors
/// When the backup cannot be read or written back.
pub fn repair_leftover() -> Result<bool> {
    let dir = backup_dir();
    let (spec, generated) = (dir.join("tallyfy.yaml"), dir.join("generated.rs"));
    if !spec.exists() || !generated.exists() {
        return Ok(false);
    }
    let originals = Originals {
        spec: std::fs::read(spec)?,
        generated: std::fs::read(generated)?,
    };
    originals
        .restore()
        .context("restoring the spec from target/bench-regen")?;
    Ok(true)
}

/// Restores the originals if the tree is being edited right now (Ctrl-C).
pub fn restore_if_editing() {
    let originals = EDITING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(originals) = originals {
        match originals.restore() {
            Ok(true) => eprintln!("tallyfy-bench: restored {SPEC} and {GENERATED}"),
            Ok(false) => {}
            Err(err) => eprintln!(
                "tallyfy-bench: could not restore {SPEC}: {err}; copies are in {}",
                backup_dir().display()
            ),
        }
    }
}

/// Restores the originals when dropped.
struct EditGuard;

impl EditGuard {
    fn begin(originals: &Originals) -> Result<Self> {
        originals.save_backup()?;
        *EDITING.lock().unwrap_or_else(PoisonError::into_inner) = Some(originals.clone());
        Ok(Self)
    }
}

impl Drop for EditGuard {
    fn drop(&mut self) {
        restore_if_editing();
    }
}

/// The spec with [`PROBE`] added as the first property of `Member`.
fn add_property(spec: &str) -> Result<String> {
    let member = spec
        .find("\n    Member:\n")
        .context("no Member schema in the spec")?;
    let marker = "\n      properties:\n";
    let at = member
        + spec[member..]
            .find(marker)
            .context("Member has no properties")?
        + marker.len();
    let mut edited = spec.to_owned();
    edited.insert_str(at, PROBE);
    Ok(edited)
}

/// A cargo run's wall time, stdout, and whether it waited for another cargo's lock.
struct CargoRun {
    secs: f64,
    stdout: String,
    waited: bool,
}

fn cargo_run(args: &[&str]) -> Result<CargoRun> {
    let started = Instant::now();
    let output = cargo()
        .args(args)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("cargo {} failed:\n{stderr}", args.join(" "));
    }
    Ok(CargoRun {
        secs,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        waited: stderr.contains(LOCK_WAIT),
    })
}

fn lock_note(waits: usize) -> String {
    if waits == 0 {
        String::new()
    } else {
        format!(" ({waits} samples waited for another cargo's lock)")
    }
}

/// Runs figure 5: `runs` warm generations, then `edit_pairs` pairs of rebuilds
/// (property added, property removed).
///
/// # Errors
/// When cargo fails, the tree is stale to begin with, or the check afterwards fails.
pub fn run(runs: usize, edit_pairs: usize) -> Result<Vec<Row>> {
    cargo_run(&["xtask", "generate", "--check"])
        .context("figure 5 needs a tree whose generated code is fresh")?;
    let (mut generate, mut waits) = (Vec::new(), 0);
    for _ in 0..runs {
        let run = cargo_run(&["xtask", "generate"])?;
        if !run.stdout.contains("unchanged") {
            bail!(
                "`cargo xtask generate` rewrote the code of a fresh tree: {}",
                run.stdout
            );
        }
        waits += usize::from(run.waited);
        generate.push(run.secs);
    }
    let generate_row = Row::new(
        format!(
            "5. `cargo xtask generate`, warm, nothing to write{}",
            lock_note(waits)
        ),
        Unit::Seconds,
        generate,
    );

    cargo_run(&["build", "-p", "tallyfy-api"])?;
    let originals = Originals::read()?;
    let spec = std::str::from_utf8(&originals.spec).context("the spec is not UTF-8")?;
    let edited = add_property(spec)?;
    let (mut rebuild, mut waits) = (Vec::new(), 0);
    {
        let _guard = EditGuard::begin(&originals)?;
        let spec_path = workspace_root().join(SPEC);
        for _ in 0..edit_pairs {
            for version in [edited.as_bytes(), &originals.spec] {
                std::fs::write(&spec_path, version).context("writing the spec")?;
                let run = cargo_run(&["xtask", "generate"])?;
                if !run.stdout.contains("wrote") {
                    bail!(
                        "`cargo xtask generate` did not rewrite the code: {}",
                        run.stdout
                    );
                }
                let run = cargo_run(&["build", "-p", "tallyfy-api"])?;
                waits += usize::from(run.waited);
                rebuild.push(run.secs);
            }
        }
    }
    cargo_run(&["xtask", "generate", "--check"])
        .context("the tree is not as it was after figure 5")?;
    Ok(vec![
        generate_row,
        Row::new(
            format!(
                "5. `cargo build -p tallyfy-api` (dev) after a one-property spec edit{}",
                lock_note(waits)
            ),
            Unit::Seconds,
            rebuild,
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_probe_lands_in_member_properties() {
        let spec = "    Other:\n      properties:\n        a: {}\n    Member:\n      type: object\n      properties:\n        id:\n";
        let edited = super::add_property(spec).unwrap();
        assert!(
            edited.contains(
                "    Member:\n      type: object\n      properties:\n        bench_probe:\n"
            ),
            "{edited}"
        );
        assert!(
            edited.ends_with("never committed.\n        id:\n"),
            "{edited}"
        );
    }
}
