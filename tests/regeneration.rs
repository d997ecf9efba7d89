//! The regeneration contract, end to end: in a scratch copy of the workspace, the
//! spec gains a query parameter on `list_members`, a new paged operation
//! (`list_guests`) and a new operation that does not page (`get_guest`); `cargo
//! xtask generate` runs; a service crate then uses the new parameter in a member
//! walk, walks the new paged operation with the same walker and calls `get_guest`
//! with the generic request (typed errors, retries, spans), against the fake and a
//! mock server. No file of tallyfy-ext is edited by hand (only its generated
//! `generated_lists.rs` and `generated_calls.rs` change), which the test checks.
//!
//! It builds the copy in its own target directory (`target/regen-target`). Sharing
//! the workspace's would be faster but wrong: cargo names a workspace crate's
//! artifacts without its path, so the copy's builds overwrote the workspace's own
//! (after a test run, `cargo xtask generate` ran the copy's xtask, on the copy's
//! spec, and reported "unchanged" for any edit). The first run builds the
//! dependencies once; later runs reuse them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The workspace's files as git sees them (tracked and new, not ignored).
fn workspace_files(root: &Path) -> Vec<PathBuf> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .filter(|p| !p.starts_with("crates/tallyfy-ext/fuzz") && root.join(p).is_file())
        .collect()
}

fn copy_workspace(root: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).expect("clearing the old copy");
    }
    for file in workspace_files(root) {
        let dest = to.join(&file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&file), &dest).unwrap();
    }
}

/// The sections of `tests/regen/spec_additions.yaml`, by their `# --- name` line.
fn additions() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("tests/regen/spec_additions.yaml")).unwrap();
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("# --- ") {
            sections.extend(current.take());
            current = Some((name.to_owned(), String::new()));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections.extend(current);
    sections
}

fn extend_spec(spec: &Path) {
    let add = additions();
    let mut text = std::fs::read_to_string(spec).unwrap();
    let with = "        - $ref: '#/components/parameters/With'\n";
    let at = text.find(with).expect("list_members takes `with`") + with.len();
    text.insert_str(at, &add["list_members parameter"]);
    let at = text.find("\ncomponents:\n").expect("components") + 1;
    text.insert_str(at, &add["path"]);
    text.push_str(&add["schemas"]);
    std::fs::write(spec, text).unwrap();
}

/// tallyfy-ext's generated sources: the only ones a regeneration may change.
const EXT_GENERATED: [&str; 2] = ["generated_lists.rs", "generated_calls.rs"];

/// Every hand-written file of tallyfy-ext's sources (subdirectories too), with its contents.
fn ext_sources(copy: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![copy.join("crates/tallyfy-ext/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| !EXT_GENERATED.iter().any(|g| n == *g))
            {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path, bytes);
            }
        }
    }
    files
}

fn cargo(copy: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

#[test]
fn a_spec_change_reaches_a_service_with_no_hand_code() {
    let root = root();
    let target = target_dir(&root);
    let copy = target.join("regen-copy");
    let target = target.join("regen-target");
    copy_workspace(&root, &copy);
    extend_spec(&copy.join("openapi/tallyfy.yaml"));
    let before = ext_sources(&copy);

    let generate = cargo(
        &copy,
        &target,
        &["run", "--offline", "-q", "-p", "xtask", "--", "generate"],
    );
    assert!(
        generate.status.success(),
        "generate failed:\n{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    let paged = std::fs::read_to_string(copy.join("crates/tallyfy-api/src/paged.rs")).unwrap();
    assert!(paged.contains("impl PagedList for ListGuests"), "{paged}");
    let lists =
        std::fs::read_to_string(copy.join("crates/tallyfy-ext/src/generated_lists.rs")).unwrap();
    assert!(
        lists.contains("impl ListRequest<paged::ListGuests>"),
        "{lists}"
    );
    let calls = std::fs::read_to_string(copy.join("crates/tallyfy-api/src/calls.rs")).unwrap();
    assert!(calls.contains("impl Call for GetGuest"), "{calls}");
    let ext_calls =
        std::fs::read_to_string(copy.join("crates/tallyfy-ext/src/generated_calls.rs")).unwrap();
    assert!(
        ext_calls.contains("impl CallRequest<calls::GetGuest>"),
        "{ext_calls}"
    );
    assert_eq!(
        before,
        ext_sources(&copy),
        "no hand-written file of tallyfy-ext changed"
    );

    let probe = copy.join("crates/regen-probe");
    std::fs::create_dir_all(probe.join("tests")).unwrap();
    std::fs::copy(
        root.join("tests/regen/probe.Cargo.toml"),
        probe.join("Cargo.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/regen/probe_walk.rs"),
        probe.join("tests/walk.rs"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/regen/probe_spans.rs"),
        probe.join("tests/spans.rs"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/regen/probe_call.rs"),
        probe.join("tests/call.rs"),
    )
    .unwrap();
    let run = cargo(
        &copy,
        &target,
        &["test", "--offline", "-q", "-p", "regen-probe"],
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the service's tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // tests/walk.rs, tests/spans.rs and tests/call.rs, each its own binary.
    assert!(stdout.contains("3 passed"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(stdout.contains("4 passed"), "{stdout}");
}
