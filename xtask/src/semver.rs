//! `cargo xtask semver [--base REV]`: what a regeneration (or any change) breaks
//! for services, against the last recorded release or a git revision.
//!
//! The verdict is the larger of the spec-level comparison
//! ([`crate::spec_diff`]) and the Rust-level one ([`crate::rust_api`]). A git
//! revision is read with `git archive` into a scratch directory under the system's
//! temporary directory (removed afterwards), so neither the working tree nor the
//! repository's worktree list is touched.

use crate::baseline::{
    BASELINE, BASELINE_RELEASE, BASELINE_RUSTDOC, BASELINE_SPEC, recorded_version,
    workspace_version,
};
use crate::rust_api;
use crate::spec_diff::{diff_specs, read_spec};
use crate::verdict::{Change, Verdict, verdict_of};
use anyhow::{Context, Result, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to compare the working tree with.
#[derive(Clone, Debug)]
pub enum Base {
    /// The release recorded in `release/baseline/`.
    Recorded,
    /// A git revision of this repository.
    Rev(String),
}

/// The outcome of a comparison.
#[derive(Debug)]
pub struct Report {
    /// Remarks that do not change the verdict (e.g. a stale generated file).
    pub notes: Vec<String>,
    /// Every reason, most breaking first.
    pub changes: Vec<Change>,
}

impl Report {
    /// The largest change, `patch` when there is none.
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.changes)
    }
}

/// Compares the workspace at `root` with `base`; `rust: false` skips the
/// Rust-level check (spec only).
pub fn compare(root: &Path, base: &Base, rust: bool) -> Result<Report> {
    let scratch = Scratch::new()?;
    let scratch = scratch.0.as_path();
    let mut notes = Vec::new();
    let (base_spec, base_rustdoc) = match base {
        Base::Recorded => {
            let dir = root.join(BASELINE);
            ensure!(
                dir.join("release.toml").exists(),
                "no release recorded in {BASELINE}: run `cargo xtask release X.Y.Z` or pass --base REV"
            );
            let rustdoc = if rust {
                Some(recorded_rustdoc(root, &dir, scratch, &mut notes)?)
            } else {
                None
            };
            (dir.join(BASELINE_SPEC), rustdoc)
        }
        Base::Rev(rev) => {
            let src = checkout(root, rev, scratch)?;
            let rustdoc = if rust {
                let out = scratch.join("rustdoc");
                rust_api::build_rustdoc(&src, &out)?;
                Some(out)
            } else {
                None
            };
            (src.join(crate::SPEC), rustdoc)
        }
    };
    let mut changes = diff_specs(
        &read_spec(&base_spec)?,
        &read_spec(&root.join(crate::SPEC))?,
    );
    if let Some(base_rustdoc) = base_rustdoc {
        notes.extend(generated_note(root));
        let current = scratch.join("current");
        rust_api::build_rustdoc(root, &current)?;
        changes.extend(rust_api::compare(&base_rustdoc, &current)?);
        changes.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.reason.cmp(&b.reason)));
    }
    Ok(Report { notes, changes })
}

/// A directory of its own for one comparison (tests compare in parallel),
/// removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tallyfy-semver-{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The recorded rustdoc JSON, or, when this toolchain writes another format
/// version than the recorded one, the same built from the release commit.
fn recorded_rustdoc(
    root: &Path,
    dir: &Path,
    scratch: &Path,
    notes: &mut Vec<String>,
) -> Result<PathBuf> {
    let recorded = dir.join(BASELINE_RUSTDOC);
    let recorded_format = rust_api::format_version(&recorded.join("tallyfy-api.json"))?;
    let toolchain_format = rust_api::toolchain_format_version(&scratch.join("probe"))?;
    if recorded_format == toolchain_format {
        return Ok(recorded);
    }
    let rev = release_commit(root)?;
    notes.push(format!(
        "the recorded rustdoc JSON is format v{recorded_format}, this toolchain writes v{toolchain_format}: \
         rebuilt the baseline from the release commit {rev}"
    ));
    let src = checkout(root, &rev, scratch)?;
    let out = scratch.join("rustdoc");
    rust_api::build_rustdoc(&src, &out)?;
    Ok(out)
}

/// The commit that recorded the current release: the last one to change
/// `release/baseline/release.toml` (found from history, not from a tag).
pub fn release_commit(root: &Path) -> Result<String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["log", "-1", "--format=%H", "--", BASELINE_RELEASE])
        .output()
        .context("running git log")?;
    let rev = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    ensure!(
        out.status.success() && !rev.is_empty(),
        "no commit records {BASELINE_RELEASE} (a shallow clone?)"
    );
    Ok(rev)
}

/// Extracts `rev` into `scratch/src` with `git archive`; returns that directory.
fn checkout(root: &Path, rev: &str, scratch: &Path) -> Result<PathBuf> {
    let src = scratch.join("src");
    std::fs::create_dir_all(&src)?;
    let mut archive = Command::new("git")
        .current_dir(root)
        .args(["archive", "--format=tar", rev])
        .stdout(Stdio::piped())
        .spawn()
        .context("running git archive")?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&src)
        .stdin(archive.stdout.take().context("git archive's stdout")?)
        .status()
        .context("running tar")?;
    let archived = archive.wait()?;
    if !archived.success() || !tar.success() {
        bail!("could not read revision {rev:?} of {}", root.display());
    }
    Ok(src)
}

/// A note when the committed generated code is not what the spec generates: the
/// Rust-level check reads the code as it is.
fn generated_note(root: &Path) -> Option<String> {
    let why = match crate::stale_files(root) {
        Ok(stale) if stale.is_empty() => return None,
        Ok(stale) => format!(
            "stale generated files ({}; run `cargo xtask generate`)",
            stale.join(", ")
        ),
        Err(e) => format!(
            "the generated files cannot be regenerated ({})",
            e.to_string().lines().next().unwrap_or("")
        ),
    };
    Some(format!(
        "{why}: the Rust-level check compared the committed code"
    ))
}

/// Problems that make `.ci/run` fail: the change since the recorded release needs
/// more than the changelog's "Unreleased" heading or Cargo.toml's version allows.
pub fn check_declared(root: &Path, verdict: Verdict) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let log_path = root.join(crate::changelog::CHANGELOG);
    let log = std::fs::read_to_string(&log_path)
        .with_context(|| format!("reading {}", log_path.display()))?;
    let unreleased = crate::changelog::unreleased(&log)?;
    if verdict > unreleased.declared {
        problems.push(format!(
            "the change since the recorded release is {verdict}, but CHANGELOG.md declares \
             `## Unreleased ({})`: declare `## Unreleased ({verdict})` and list the changes",
            unreleased.declared
        ));
    }
    if verdict > Verdict::Patch && unreleased.entries.is_empty() {
        problems.push(format!(
            "the change since the recorded release is {verdict}, but CHANGELOG.md's Unreleased section lists nothing"
        ));
    }
    let released = recorded_version(root)?;
    let current = workspace_version(root)?;
    if current != released && !released.allows(current, verdict) {
        problems.push(format!(
            "Cargo.toml's version {current} is too small a step from the released {released} for a {verdict} change \
             (the policy needs at least {})",
            released.next(verdict)
        ));
    }
    Ok(problems)
}
