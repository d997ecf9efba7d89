//! `cargo xtask release` on a scratch copy: versions in Cargo.toml and Cargo.lock,
//! the changelog, the recorded baseline, and the version policy. Without the
//! rustdoc JSON (`rust: false`), which needs full builds.

mod support;

use support::*;
use xtask::semver::{Base, check_declared, compare};
use xtask::verdict::Verdict;

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).expect("reading")
}

#[test]
fn first_release_records_the_baseline() {
    let dir = scratch_repo("release_first");
    let done = xtask::release::release(&dir, "0.1.0", false).expect("releases");
    assert_eq!(done.verdict, "initial");
    assert_eq!(
        read(&dir, "release/baseline/tallyfy.yaml"),
        read(&dir, xtask::SPEC)
    );
    assert!(read(&dir, "release/baseline/release.toml").contains("version = \"0.1.0\""));
    assert!(read(&dir, "release/baseline/api-surface.txt").contains("#[non_exhaustive]"));
    assert_eq!(
        read(&dir, "CHANGELOG.md"),
        "# Changelog\n\n## Unreleased (patch)\n\n## 0.1.0 (verdict: initial)\n\n- First.\n"
    );
    let report = compare(&dir, &Base::Recorded, false).expect("compares");
    assert_eq!(report.verdict(), Verdict::Patch);
    assert!(report.changes.is_empty(), "{:?}", report.changes);
}

#[test]
fn minor_change_needs_a_patch_bump_in_0x_and_major_a_minor_one() {
    let dir = scratch_repo("release_policy");
    xtask::release::release(&dir, "0.1.0", false).expect("the first release");
    let lock_before = read(&dir, "Cargo.lock");

    edit_spec(&dir, add_filter_and_nullable_field);
    regenerate(&dir);
    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (minor)\n\n- `role`.\n",
    );
    assert_eq!(
        check_declared(&dir, Verdict::Minor).expect("checks"),
        Vec::<String>::new()
    );
    let err = xtask::release::release(&dir, "0.1.0", false).expect_err("same version");
    assert!(err.to_string().contains("at least 0.1.1"), "{err}");
    let done = xtask::release::release(&dir, "0.1.1", false).expect("releases");
    assert_eq!(done.verdict, "minor");

    let manifest = read(&dir, "Cargo.toml");
    assert!(
        manifest.contains("version = \"0.1.1\"\nedition"),
        "[workspace.package]"
    );
    assert!(manifest.contains("path = \"crates/tallyfy-api\", version = \"0.1.1\""));
    let lock = read(&dir, "Cargo.lock");
    assert!(lock.contains("name = \"tallyfy-ext\"\nversion = \"0.1.1\""));
    // Registry packages that happen to be 0.1.0 keep their version.
    let registry_010 = |l: &str| l.matches("version = \"0.1.0\"\nsource").count();
    assert_eq!(registry_010(&lock), registry_010(&lock_before));
    assert!(read(&dir, "CHANGELOG.md").contains("## 0.1.1 (verdict: minor)\n\n- `role`."));
    assert!(read(&dir, "README.md").contains("tallyfy-rs\", version = \"=0.1.1\" }\n"));

    // A removed field after 0.1.1: major, so 0.1.2 is refused and 0.2.0 needed.
    edit_spec(&dir, |doc| {
        member_properties(doc).remove("email");
    });
    regenerate(&dir);
    let report = compare(&dir, &Base::Recorded, false).expect("compares");
    assert_eq!(report.verdict(), Verdict::Major);
    let problems = check_declared(&dir, Verdict::Major).expect("checks");
    assert!(
        problems.iter().any(|p| p.contains("Unreleased (major)")),
        "{problems:?}"
    );
    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (major)\n\n- email gone.\n",
    );
    let err = xtask::release::release(&dir, "0.1.2", false).expect_err("too small");
    assert!(err.to_string().contains("at least 0.2.0"), "{err}");
    xtask::release::release(&dir, "0.2.0", false).expect("releases");
    let readme = read(&dir, "README.md");
    assert!(
        readme.contains("\ntallyfy-ext = \"0.2\"\n"),
        "the registry snippet"
    );
    assert!(readme.contains("tallyfy-rs\", version = \"=0.2.0\" }\n"));
    assert!(
        !readme.contains("=0.1."),
        "no pin of an older release is left"
    );
}

#[test]
fn a_bumped_cargo_version_must_be_big_enough() {
    let dir = scratch_repo("release_cargo_version");
    xtask::release::release(&dir, "0.1.0", false).expect("the first release");
    let manifest =
        read(&dir, "Cargo.toml").replacen("version = \"0.1.0\"", "version = \"0.1.1\"", 1);
    write(&dir, "Cargo.toml", &manifest);
    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (major)\n\n- x.\n",
    );
    let problems = check_declared(&dir, Verdict::Major).expect("checks");
    assert!(
        problems.iter().any(|p| p.contains("at least 0.2.0")),
        "{problems:?}"
    );
    assert!(
        check_declared(&dir, Verdict::Minor)
            .expect("checks")
            .is_empty()
    );
}

#[test]
fn the_release_commit_is_found_without_tags() {
    let dir = scratch_repo("release_commit");
    assert!(
        xtask::semver::release_commit(&dir).is_err(),
        "no release yet"
    );
    xtask::release::release(&dir, "0.1.0", false).expect("releases");
    commit(&dir, "release 0.1.0");
    let head = std::process::Command::new("git")
        .current_dir(&dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git rev-parse");
    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (patch)\n\n- Later.\n",
    );
    commit(&dir, "a later change");
    let found = xtask::semver::release_commit(&dir).expect("found");
    assert_eq!(found, String::from_utf8_lossy(&head.stdout).trim());
}

#[test]
fn stale_generated_code_is_refused() {
    let dir = scratch_repo("release_stale");
    edit_spec(&dir, add_filter_and_nullable_field);
    let err = xtask::release::release(&dir, "0.1.0", false).expect_err("stale");
    assert!(err.to_string().contains("cargo xtask generate"), "{err}");
}

#[test]
fn every_generated_file_is_checked_before_a_release() {
    for file in [
        xtask::PAGED,
        xtask::OPERATIONS,
        xtask::CALLS,
        xtask::EXT_LISTS,
        xtask::EXT_CALLS,
    ] {
        let dir = scratch_repo("release_stale_each");
        write(&dir, file, &(read(&dir, file) + "// edited by hand\n"));
        let err = xtask::release::release(&dir, "0.1.0", false).expect_err("stale");
        assert!(err.to_string().contains(file), "{file}: {err}");
    }
}
