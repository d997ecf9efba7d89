//! `CHANGELOG.md`: its "Unreleased" section declares the kind of change it holds
//! in its heading, `## Unreleased (major|minor|patch)`; `cargo xtask release`
//! moves its entries under `## X.Y.Z (verdict: ...)`.

use crate::verdict::Verdict;
use anyhow::{Context, Result, bail};

/// Workspace-relative location of the changelog.
pub const CHANGELOG: &str = "CHANGELOG.md";

const UNRELEASED: &str = "## Unreleased";

/// The "Unreleased" section of a changelog.
#[derive(Debug, PartialEq)]
pub struct Unreleased {
    /// The kind of change the heading declares; `patch` when it names none.
    pub declared: Verdict,
    /// The section's non-empty lines, without the heading.
    pub entries: Vec<String>,
}

/// Reads the "Unreleased" section; a changelog without one declares a patch.
pub fn unreleased(text: &str) -> Result<Unreleased> {
    let Some((heading, body)) = section(text) else {
        return Ok(Unreleased {
            declared: Verdict::Patch,
            entries: Vec::new(),
        });
    };
    let declared = match heading.split_once('(') {
        None => Verdict::Patch,
        Some((_, rest)) => {
            let word = rest.trim_end().trim_end_matches(')');
            Verdict::parse(word).with_context(|| {
                format!("{heading:?}: the declared change must be (major), (minor) or (patch)")
            })?
        }
    };
    let entries = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Unreleased { declared, entries })
}

/// The changelog after releasing `version`: the entries move under a new
/// heading with the verdict, and an empty `## Unreleased (patch)` stays on top.
pub fn release(text: &str, version: &str, verdict: &str) -> Result<String> {
    let Some((heading, body)) = section(text) else {
        bail!("{CHANGELOG} has no `{UNRELEASED}` section to release");
    };
    let entries = body.trim();
    if entries.is_empty() {
        bail!("{CHANGELOG}: the `{UNRELEASED}` section is empty; list the changes first");
    }
    let start = text.find(heading).expect("the heading is in the text");
    let end = start + heading.len() + body.len();
    let released = format!(
        "{}{UNRELEASED} (patch)\n\n## {version} (verdict: {verdict})\n\n{entries}\n\n{}",
        &text[..start],
        text[end..].trim_start()
    );
    Ok(format!("{}\n", released.trim_end()))
}

/// The "Unreleased" heading line and the text up to the next `## ` heading.
fn section(text: &str) -> Option<(&str, &str)> {
    let start = text
        .match_indices(UNRELEASED)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text[..i].ends_with('\n'))?;
    let rest = &text[start..];
    let heading_end = rest.find('\n').unwrap_or(rest.len());
    let heading = &rest[..heading_end];
    let body = &rest[heading_end..];
    let body_end = body.find("\n## ").map_or(body.len(), |i| i + 1);
    Some((heading, &body[..body_end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# Changelog\n\nIntro.\n\n## Unreleased (minor)\n\n- Added `q`.\n- Fixed docs.\n\n## 0.1.0 (verdict: initial)\n\n- First.\n";

    #[test]
    fn reads_the_declared_kind_and_entries() {
        let u = unreleased(LOG).expect("parses");
        assert_eq!(u.declared, Verdict::Minor);
        assert_eq!(u.entries, ["- Added `q`.", "- Fixed docs."]);
        let plain = unreleased("## Unreleased\n\n- x\n").expect("parses");
        assert_eq!(plain.declared, Verdict::Patch);
        assert!(unreleased("## Unreleased (huge)\n").is_err());
        assert_eq!(
            unreleased("# Changelog\n").expect("parses").declared,
            Verdict::Patch
        );
    }

    #[test]
    fn release_moves_entries_under_the_version() {
        let out = release(LOG, "0.1.1", "minor").expect("releases");
        assert_eq!(
            out,
            "# Changelog\n\nIntro.\n\n## Unreleased (patch)\n\n## 0.1.1 (verdict: minor)\n\n- Added `q`.\n- Fixed docs.\n\n## 0.1.0 (verdict: initial)\n\n- First.\n"
        );
        assert!(release("## Unreleased (minor)\n\n## 0.1.0\n", "0.1.1", "patch").is_err());
    }
}
