//! `cargo xtask release X.Y.Z`: bump the workspace version, move the changelog's
//! "Unreleased" entries under `X.Y.Z` with the verdict, and record the released
//! baseline in `release/baseline/` for the next `cargo xtask semver`.
//!
//! Releases live in the repository, not in git tags: the baseline directory holds
//! the released spec, the generated code's API surface and the rustdoc JSON of
//! `tallyfy-api` and `tallyfy-ext`, and its `release.toml` names the version.

use crate::baseline::{
    BASELINE, BASELINE_RELEASE, BASELINE_RUSTDOC, BASELINE_SPEC, BASELINE_SURFACE, quoted_value,
    recorded_version, workspace_version,
};
use crate::changelog::{self, CHANGELOG};
use crate::semver::Base;
use crate::version::Version;
use anyhow::{Context, Result, ensure};
use std::path::Path;

/// What a release did.
#[derive(Debug)]
pub struct Released {
    /// The version before the release (Cargo.toml).
    pub from: Version,
    /// The released version.
    pub to: Version,
    /// The verdict against the previous release, `initial` for the first.
    pub verdict: String,
}

/// Releases the workspace at `root` as `version`. `rust: false` records no
/// rustdoc JSON (for tests; a real release records it).
pub fn release(root: &Path, version: &str, rust: bool) -> Result<Released> {
    let to = Version::parse(version)?;
    let from = workspace_version(root)?;
    let stale = crate::stale_files(root)?;
    ensure!(
        stale.is_empty(),
        "stale generated files ({}): run `cargo xtask generate` before releasing",
        stale.join(", ")
    );
    let verdict = if root.join(BASELINE_RELEASE).exists() {
        let released = recorded_version(root)?;
        let verdict = crate::semver::compare(root, &Base::Recorded, rust)?.verdict();
        ensure!(
            released.allows(to, verdict),
            "{to} is too small a step from the released {released} for a {verdict} change (at least {})",
            released.next(verdict)
        );
        verdict.to_string()
    } else {
        ensure!(to >= from, "{to} is older than the workspace's {from}");
        "initial".to_owned()
    };
    let log_path = root.join(CHANGELOG);
    let log = std::fs::read_to_string(&log_path)
        .with_context(|| format!("reading {}", log_path.display()))?;
    let log = changelog::release(&log, &to.to_string(), &verdict)?;
    set_version(root, to)?;
    std::fs::write(&log_path, log)?;
    record_baseline(root, to, &verdict, rust)?;
    Ok(Released { from, to, verdict })
}

/// Moves the workspace at `root` from its version to `to`: the manifests, the
/// lock files and README's pins, nothing else (no changelog, no baseline). Also
/// what the release tests use to start a scratch copy at a fixed version, so
/// they do not depend on the version the workspace has reached.
///
/// # Errors
/// When a file cannot be read or written.
pub fn set_version(root: &Path, to: Version) -> Result<()> {
    let from = workspace_version(root)?;
    set_versions(root, from, to)?;
    pin_readme(root, from, to)
}

/// Rewrites the workspace version: `[workspace.package]`, the `version = ` of the
/// path dependencies in `[workspace.dependencies]`, and the workspace's own
/// packages in Cargo.lock (those without a `source`).
fn set_versions(root: &Path, from: Version, to: Version) -> Result<()> {
    let (old, new) = (format!("\"{from}\""), format!("\"{to}\""));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut section = String::new();
    let mut out = Vec::new();
    for line in manifest.lines() {
        if line.starts_with('[') {
            section = line.trim().to_owned();
        }
        let ours = match section.as_str() {
            "[workspace.package]" => quoted_value(line, "version").is_some(),
            "[workspace.dependencies]" => {
                line.contains("path = ") && line.contains(&format!("version = {old}"))
            }
            _ => false,
        };
        out.push(if ours {
            line.replacen(&old, &new, 1)
        } else {
            line.to_owned()
        });
    }
    std::fs::write(root.join("Cargo.toml"), out.join("\n") + "\n")?;

    // The fuzz crate is its own workspace with its own lock over the same crates.
    for lock_path in [
        root.join("Cargo.lock"),
        root.join("crates/tallyfy-ext/fuzz/Cargo.lock"),
    ] {
        let Ok(lock) = std::fs::read_to_string(&lock_path) else {
            continue;
        };
        let mut out = String::with_capacity(lock.len());
        // Each piece is one package's body followed by the next `[[package]]`.
        for package in lock.split_inclusive("\n[[package]]") {
            if package.contains("\nsource = ") {
                out.push_str(package);
            } else {
                let (from, to) = (format!("version = {old}"), format!("version = {new}"));
                out.push_str(&package.replacen(&from, &to, 1));
            }
        }
        std::fs::write(&lock_path, out)?;
    }
    Ok(())
}

/// Points README's dependency lines at the release: the registry requirement
/// (`tallyfy-ext = "0.2"`, what Cargo calls compatible with `to`) and every exact
/// pin of the old version (`version = "=0.1.0"`, in the git snippet and the prose
/// about it). The first real release left `"0.1"` and the prose behind.
fn pin_readme(root: &Path, from: Version, to: Version) -> Result<()> {
    let path = root.join("README.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let compatible = if to.major == 0 {
        format!("{}.{}", to.major, to.minor)
    } else {
        to.major.to_string()
    };
    let (old_pin, new_pin) = (format!("\"={from}\""), format!("\"={to}\""));
    let pinned: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("tallyfy-ext = \"") {
                return format!("tallyfy-ext = \"{compatible}\"");
            }
            match line.split_once("version = \"=") {
                // The git snippet, whatever version it pinned.
                Some((head, tail)) if line.starts_with("tallyfy-ext = { git = ") => {
                    let rest = tail.split_once('"').map_or("", |(_, rest)| rest);
                    format!("{head}version = \"={to}\"{rest}")
                }
                _ => line.replace(&old_pin, &new_pin),
            }
        })
        .collect();
    std::fs::write(&path, pinned.join("\n") + "\n")?;
    Ok(())
}

/// Writes `release/baseline/`: release.toml, the spec, the API surface and
/// (with `rust`) the rustdoc JSON.
fn record_baseline(root: &Path, to: Version, verdict: &str, rust: bool) -> Result<()> {
    let dir = root.join(BASELINE);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("release.toml"),
        format!(
            "# Written by `cargo xtask release`; `cargo xtask semver` compares against this release.\n\
             version = \"{to}\"\nverdict = \"{verdict}\"\n"
        ),
    )?;
    std::fs::copy(root.join(crate::SPEC), dir.join(BASELINE_SPEC))?;
    let generated = std::fs::read_to_string(root.join(crate::GENERATED))?;
    std::fs::write(
        dir.join(BASELINE_SURFACE),
        crate::surface::api_surface(&generated),
    )?;
    let rustdoc = dir.join(BASELINE_RUSTDOC);
    if rust {
        crate::rust_api::build_rustdoc(root, &rustdoc)?;
    }
    Ok(())
}
