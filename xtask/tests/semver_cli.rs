//! `cargo xtask semver --base HEAD` end to end, on a scratch git repository: the
//! four verdicts of the issue, the last line of the output, and `--check` against
//! the changelog. Spec level only (`--no-rust`): the Rust level needs full builds,
//! and `.ci/run` runs it against the recorded release on every change.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::*;

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .env("XTASK_WORKSPACE_ROOT", dir)
        .args(args)
        .output()
        .expect("running xtask")
}

/// The verdict of `cargo xtask semver --base HEAD --no-rust` after `edit`, with
/// the working tree restored afterwards.
fn verdict_after(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    edit_spec(dir, edit);
    let out = xtask(dir, &["semver", "--base", "HEAD", "--no-rust"]);
    git(dir, &["checkout", "--quiet", "--", "."]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn the_four_verdicts_of_the_issue() {
    let dir = scratch_repo("semver_cli_verdicts");
    assert_eq!(
        verdict_after(&dir, add_filter_and_nullable_field),
        "verdict: minor"
    );
    let removed = verdict_after(&dir, |doc| {
        member_properties(doc).remove("email");
    });
    assert_eq!(removed, "verdict: major");
    let required = verdict_after(&dir, |doc| {
        doc.pointer_mut("/components/schemas/Member/required")
            .and_then(serde_json::Value::as_array_mut)
            .expect("required")
            .push("email".into());
    });
    assert_eq!(required, "verdict: major");
    let reworded = verdict_after(&dir, |doc| {
        member_properties(doc)["username"]["description"] = "Null until sign-up.".into();
    });
    assert_eq!(reworded, "verdict: patch");
}

#[test]
fn reasons_come_before_the_verdict_line() {
    let dir = scratch_repo("semver_cli_reasons");
    edit_spec(&dir, |doc| {
        member_properties(doc).remove("email");
    });
    let out = xtask(&dir, &["semver", "--base", "HEAD", "--no-rust"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"verdict: major"), "{stdout}");
    assert!(
        lines.contains(&"major: Member.email: field removed (or renamed)"),
        "{stdout}"
    );
    // The working tree was only read, and nothing was left in it.
    let status = Command::new("git")
        .current_dir(&dir)
        .args(["status", "--porcelain"])
        .output()
        .expect("git status");
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "M openapi/tallyfy.yaml"
    );
}

#[test]
fn unknown_revision_is_an_error() {
    let dir = scratch_repo("semver_cli_bad_rev");
    let out = xtask(&dir, &["semver", "--base", "no-such-rev", "--no-rust"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-rev"));
}

#[test]
fn check_fails_when_the_changelog_declares_less() {
    let dir = scratch_repo("semver_cli_check");
    xtask::release::release(&dir, "0.1.0", false).expect("the first release");
    commit(&dir, "release 0.1.0");
    edit_spec(&dir, add_filter_and_nullable_field);
    let out = xtask(&dir, &["semver", "--no-rust", "--check"]);
    assert!(
        !out.status.success(),
        "a minor change under `Unreleased (patch)`"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("declare `## Unreleased (minor)`"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().last(),
        Some("verdict: minor")
    );

    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (minor)\n\n- `role` filter.\n",
    );
    let out = xtask(&dir, &["semver", "--no-rust", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
