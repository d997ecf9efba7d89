//! A scratch copy of the workspace's release-relevant files, in a git repository.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files copied from the workspace into every scratch repository (and every
/// generated file, [`xtask::GENERATED_FILES`]).
const COPIED: [&str; 4] = ["README.md", "Cargo.toml", "Cargo.lock", xtask::SPEC];

/// A new scratch repository named `name` with one commit of [`COPIED`] and a
/// changelog whose Unreleased section declares a patch.
pub fn scratch_repo(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clearing the scratch repository");
    }
    for file in COPIED.into_iter().chain(xtask::GENERATED_FILES) {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("creating directories");
        std::fs::copy(xtask::workspace_root().join(file), &to).expect("copying");
    }
    // Whatever version the workspace has reached, the scratch copy starts at 0.1.0,
    // never released (the tests were tied to the workspace's version before 0.2.0).
    let start = xtask::version::Version::parse("0.1.0").expect("a version");
    xtask::release::set_version(&dir, start).expect("setting the scratch version");
    write(
        &dir,
        "CHANGELOG.md",
        "# Changelog\n\n## Unreleased (patch)\n\n- First.\n",
    );
    git(&dir, &["init", "--quiet"]);
    commit(&dir, "initial");
    dir
}

pub fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).expect("writing");
}

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .status()
        .expect("running git");
    assert!(status.success(), "git {args:?}");
}

pub fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "--quiet", "-m", message]);
}

/// Edits the scratch spec as JSON (written back as YAML, which JSON is).
pub fn edit_spec(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join(xtask::SPEC);
    let mut doc = xtask::spec_diff::read_spec(&path).expect("the scratch spec parses");
    edit(&mut doc);
    let text = serde_json::to_string_pretty(&doc).expect("serializes");
    std::fs::write(path, text).expect("writing the spec");
}

/// Adds an optional `role` filter to list_members and a nullable `nickname` to Member.
pub fn add_filter_and_nullable_field(doc: &mut Value) {
    doc.pointer_mut("/paths/~1organizations~1{org_id}~1users/get/parameters")
        .and_then(Value::as_array_mut)
        .expect("list_members parameters")
        .push(
            json!({"name": "role", "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    member_properties(doc).insert(
        "nickname".into(),
        json!({"type": "string", "nullable": true}),
    );
}

pub fn member_properties(doc: &mut Value) -> &mut serde_json::Map<String, Value> {
    doc.pointer_mut("/components/schemas/Member/properties")
        .and_then(Value::as_object_mut)
        .expect("Member properties")
}

/// Regenerates every generated file of the scratch copy from its spec.
#[allow(dead_code)] // used by one of the two test binaries that share this module
pub fn regenerate(dir: &Path) {
    let files = xtask::generate_all(&dir.join(xtask::SPEC)).expect("the edited spec generates");
    for (path, code) in files {
        let to = dir.join(path);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("creating directories");
        std::fs::write(to, code).expect("writing a generated file");
    }
}
