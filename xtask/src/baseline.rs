//! Where the recorded release lives and how versions are read: the leaf that
//! [`crate::release`] (which writes the baseline) and [`crate::semver`] (which
//! compares against it) both build on.

use crate::version::Version;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// Workspace-relative directory of the recorded release.
pub const BASELINE: &str = "release/baseline";
/// The file naming the recorded release's version and verdict.
pub const BASELINE_RELEASE: &str = "release/baseline/release.toml";
/// The released spec, inside [`BASELINE`].
pub const BASELINE_SPEC: &str = "tallyfy.yaml";
/// The released API surface of the generated code, inside [`BASELINE`].
pub const BASELINE_SURFACE: &str = "api-surface.txt";
/// The released rustdoc JSON (`<crate>.json`), inside [`BASELINE`].
pub const BASELINE_RUSTDOC: &str = "rustdoc";

/// `[workspace.package] version` of the root Cargo.toml.
pub fn workspace_version(root: &Path) -> Result<Version> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut in_package = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_package = line.trim() == "[workspace.package]";
        } else if in_package && let Some(v) = quoted_value(line, "version") {
            return Version::parse(v);
        }
    }
    bail!("Cargo.toml has no [workspace.package] version")
}

/// The version in `release/baseline/release.toml`.
pub fn recorded_version(root: &Path) -> Result<Version> {
    let path = root.join(BASELINE_RELEASE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let v = text.lines().find_map(|l| quoted_value(l, "version"));
    Version::parse(v.with_context(|| format!("{} names no version", path.display()))?)
}

/// `value` from a line `key = "value"`.
pub(crate) fn quoted_value<'t>(line: &'t str, key: &str) -> Option<&'t str> {
    let (k, v) = line.split_once('=')?;
    (k.trim() == key).then(|| v.trim().trim_matches('"'))
}
