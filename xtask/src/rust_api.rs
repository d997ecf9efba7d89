//! The Rust-level half of `cargo xtask semver`: the public APIs of `tallyfy-api`
//! and `tallyfy-ext`, compared through rustdoc JSON.
//!
//! Breaking changes come from `cargo-semver-checks` (its ~230 lints), run on two
//! prebuilt rustdoc JSON files, so it builds nothing and needs no network. It does
//! not report additions, so a second, small comparison lists public items (paths,
//! inherent methods, trait impls) present now and absent from the baseline: each
//! is a minor change.
//!
//! rustdoc JSON needs `-Z unstable-options`; on a stable toolchain that means
//! `RUSTC_BOOTSTRAP=1`, which changes cargo's fingerprints, so these builds use
//! their own target directory (`<target>/semver`) and never invalidate the
//! workspace's.

mod public_paths;

use crate::verdict::{Change, Verdict};
use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates whose Rust API is checked.
pub const CRATES: [&str; 2] = ["tallyfy-api", "tallyfy-ext"];

/// The cargo-semver-checks release `.ci/run` installs (`cargo install --locked`).
pub const TOOL_VERSION: &str = "0.51.0";

/// The target directory for rustdoc JSON builds.
pub fn target_dir(root: &Path) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    base.join("semver")
}

/// Builds the rustdoc JSON of [`CRATES`] in the workspace at `root` and copies it
/// to `out_dir/<crate>.json`.
pub fn build_rustdoc(root: &Path, out_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let target = target_dir(root);
    for krate in CRATES {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTDOCFLAGS")
            .args(["rustdoc", "--quiet", "--locked", "--lib", "-p", krate, "--"])
            .args(["-Z", "unstable-options", "--output-format", "json"])
            .status()
            .with_context(|| format!("running cargo rustdoc for {krate}"))?;
        ensure!(
            status.success(),
            "cargo rustdoc -p {krate} failed in {}",
            root.display()
        );
        let built = target
            .join("doc")
            .join(format!("{}.json", krate.replace('-', "_")));
        let copy = out_dir.join(format!("{krate}.json"));
        std::fs::copy(&built, &copy)
            .with_context(|| format!("copying {} to {}", built.display(), copy.display()))?;
    }
    Ok(())
}

/// The `format_version` of a rustdoc JSON file.
pub fn format_version(path: &Path) -> Result<u64> {
    let doc = read_json(path)?;
    doc.get("format_version")
        .and_then(Value::as_u64)
        .with_context(|| format!("{} has no format_version", path.display()))
}

/// The rustdoc JSON format version this toolchain writes.
pub fn toolchain_format_version(scratch: &Path) -> Result<u64> {
    std::fs::create_dir_all(scratch)?;
    let source = scratch.join("probe.rs");
    std::fs::write(&source, "//! probe\n")?;
    let status = Command::new("rustdoc")
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
            "--crate-name",
            "probe",
            "-o",
        ])
        .arg(scratch)
        .arg(&source)
        .status()
        .context("running rustdoc")?;
    ensure!(status.success(), "rustdoc could not write JSON");
    format_version(&scratch.join("probe.json"))
}

/// Compares the rustdoc JSON in `base_dir` with `current_dir` for every crate.
pub fn compare(base_dir: &Path, current_dir: &Path) -> Result<Vec<Change>> {
    ensure_tool()?;
    let mut changes = Vec::new();
    for krate in CRATES {
        let base = base_dir.join(format!("{krate}.json"));
        let current = current_dir.join(format!("{krate}.json"));
        // Two runs: with `--release-type minor` only lints needing a major bump
        // fail; with `patch`, minor ones too. The difference is the minor ones.
        let major = failed_lints(&base, &current, "minor")?;
        let any = failed_lints(&base, &current, "patch")?;
        for (lint, detail) in &any {
            let level = if major.iter().any(|(l, _)| l == lint) {
                Verdict::Major
            } else {
                Verdict::Minor
            };
            changes.push(Change {
                level,
                reason: format!("{krate}: {lint}{detail}"),
            });
        }
        for item in added_items(&base, &current)? {
            changes.push(Change {
                level: Verdict::Minor,
                reason: format!("{krate}: public item added: {item}"),
            });
        }
    }
    Ok(changes)
}

/// Fails with the install command when cargo-semver-checks is missing.
pub fn ensure_tool() -> Result<()> {
    let output = Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output();
    match output {
        Ok(out) if out.status.success() => Ok(()),
        _ => bail!(
            "cargo-semver-checks is not installed: `cargo install --locked cargo-semver-checks@{TOOL_VERSION}` \
             (.ci/run does this), or pass --no-rust for the spec-level verdict only"
        ),
    }
}

/// The lints cargo-semver-checks fails at `release_type`, each with the first
/// lines of where it failed.
fn failed_lints(base: &Path, current: &Path, release_type: &str) -> Result<Vec<(String, String)>> {
    let output = Command::new("cargo")
        .args([
            "semver-checks",
            "check-release",
            "--color",
            "never",
            "--release-type",
            release_type,
        ])
        .arg("--baseline-rustdoc")
        .arg(base)
        .arg("--current-rustdoc")
        .arg(current)
        .output()
        .context("running cargo semver-checks")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && !stderr.contains("semver requires new") {
        bail!("cargo semver-checks failed:\n{stderr}");
    }
    // (lint, first place it failed, how many places)
    let mut lints: Vec<(String, String, usize)> = Vec::new();
    let mut in_failed = false;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("--- failure ") {
            lints.push((rest.trim_end_matches(" ---").to_owned(), String::new(), 0));
            in_failed = false;
        } else if line.starts_with("Failed in:") {
            in_failed = true;
        } else if in_failed
            && line.starts_with("  ")
            && let Some((_, first, places)) = lints.last_mut()
        {
            if first.is_empty() {
                *first = line.trim().to_owned();
            }
            *places += 1;
        }
    }
    // One line per lint: the first place, and how many more.
    let lints = lints.into_iter().map(|(lint, first, places)| {
        let detail = match places {
            0 => String::new(),
            1 => format!(" ({first})"),
            n => format!(" ({first}, and {} more)", n - 1),
        };
        (lint, detail)
    });
    Ok(lints.collect())
}

/// Public items of the current crate that the baseline lacks.
fn added_items(base: &Path, current: &Path) -> Result<BTreeSet<String>> {
    let (base, current) = (
        public_items(&read_json(base)?),
        public_items(&read_json(current)?),
    );
    Ok(current.difference(&base).cloned().collect())
}

/// Names of a crate's own public items (at the path a user writes, `public_paths.rs`),
/// inherent methods and trait impls, from
/// rustdoc JSON. Fields missing in another format version yield fewer names, never
/// an error: this list only ever adds minor reasons.
pub fn public_items(doc: &Value) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    let public = public_paths::public_paths(doc);
    let path_of = |id: &Value| -> Option<String> {
        let key = id
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| id.as_str().map(str::to_owned))?;
        public.get(&key).cloned()
    };
    let Some(index) = doc.get("index").and_then(Value::as_object) else {
        return items;
    };
    for (id, item) in index {
        let public = item.get("visibility").and_then(Value::as_str) == Some("public");
        if public && let Some(path) = path_of(&Value::from(id.parse::<u64>().unwrap_or(u64::MAX))) {
            let kind = item
                .get("inner")
                .and_then(Value::as_object)
                .and_then(|i| i.keys().next().cloned());
            items.insert(format!("{} {path}", kind.unwrap_or_default()));
        }
        let Some(imp) = item.pointer("/inner/impl") else {
            continue;
        };
        if imp.get("is_synthetic") == Some(&Value::Bool(true)) || !imp["blanket_impl"].is_null() {
            continue;
        }
        let Some(for_path) = imp.pointer("/for/resolved_path/id").and_then(&path_of) else {
            continue;
        };
        match imp.get("trait").filter(|t| !t.is_null()) {
            Some(tr) => {
                let name = tr.get("path").and_then(Value::as_str).unwrap_or("?");
                items.insert(format!("impl {name} for {for_path}"));
            }
            None => {
                let methods = imp
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for method in methods.filter_map(|m| index.get(&m.to_string())) {
                    if method.get("visibility").and_then(Value::as_str) == Some("public")
                        && let Some(name) = method.get("name").and_then(Value::as_str)
                    {
                        items.insert(format!("fn {for_path}::{name}"));
                    }
                }
            }
        }
    }
    items
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}
