//! Code generation for the tallyfy-rs workspace.
//!
//! One pipeline, used by both `cargo xtask generate` and the freshness test in
//! `tests/`: read `openapi/tallyfy.yaml`, lint it, hand it to progenitor with the
//! settings in [`settings`], format with prettyplease, prepend a header. The output
//! depends only on the spec and on crate versions pinned by `Cargo.lock`, never on
//! the toolchain's rustfmt, so every machine produces the same bytes.
//!
//! It writes six files ([`GENERATED_FILES`]), each with an `@generated` header:
//! [`GENERATED`] (progenitor's client), [`PAGED`] (`paged.rs`), [`OPERATIONS`]
//! (`operations.rs`), [`CALLS`] (`calls.rs`), [`EXT_LISTS`] (tallyfy-ext's
//! `generated_lists.rs`) and [`EXT_CALLS`] (tallyfy-ext's `generated_calls.rs`).
//! [`freshness`] compares all of them with the spec, for `generate --check`,
//! `release` and `semver`.

pub mod baseline;
mod calls;
pub mod changelog;
mod lint;
mod operations;
mod paged;
mod postprocess;
pub mod release;
pub mod rust_api;
pub mod schema_diff;
mod schema_resolve;
pub mod semver;
pub mod spec_diff;
pub mod surface;
pub mod verdict;
pub mod version;

use anyhow::{Context, Result, bail};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

pub use lint::lint;

/// Workspace-relative location of the spec.
pub const SPEC: &str = "openapi/tallyfy.yaml";
/// Workspace-relative location of the generated module.
pub const GENERATED: &str = "crates/tallyfy-api/src/generated.rs";
/// Workspace-relative location of the generated paged-list glue.
pub const PAGED: &str = "crates/tallyfy-api/src/paged.rs";
/// Workspace-relative location of the generated operation table.
pub const OPERATIONS: &str = "crates/tallyfy-api/src/operations.rs";
/// Workspace-relative location of the generated `Call` per operation.
pub const CALLS: &str = "crates/tallyfy-api/src/calls.rs";
/// Workspace-relative location of tallyfy-ext's generated `customize` per paged operation.
pub const EXT_LISTS: &str = "crates/tallyfy-ext/src/generated_lists.rs";
/// Workspace-relative location of tallyfy-ext's generated `customize` per operation.
pub const EXT_CALLS: &str = "crates/tallyfy-ext/src/generated_calls.rs";
/// Every file `cargo xtask generate` writes, in the order [`generate_all`] returns them.
pub const GENERATED_FILES: [&str; 6] = [GENERATED, PAGED, OPERATIONS, CALLS, EXT_LISTS, EXT_CALLS];

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Generator settings. Change code generation here, never in the output.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        // Builders are `Clone` (tallyfy-ext re-sends them with `.page(n)`), and adding
        // a query parameter never reorders positional arguments.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // tallyfy-api's hooks.rs must implement ClientHooks: a missing impl is a
        // compile error, not a client that silently sends no token.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(
            "crate::hooks::Transport"
                .parse()
                .expect("a Rust path is a valid token stream"),
        )
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    settings
}

/// Reads and parses the spec, failing with every lint problem at once.
pub fn load_spec(path: &Path) -> Result<openapiv3::OpenAPI> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let raw: serde_json::Value = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not valid YAML", path.display()))?;
    let problems = lint(&raw);
    if !problems.is_empty() {
        bail!(
            "{} has {} problem(s):\n  - {}",
            path.display(),
            problems.len(),
            problems.join("\n  - ")
        );
    }
    serde_json::from_value(raw)
        .with_context(|| format!("{} is not an OpenAPI 3.0 document", path.display()))
}

/// Generates the complete text of `generated.rs` from a parsed spec.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String> {
    let settings = settings();
    // progenitor panics (assertions, todo!) on some spec shapes that the lints may
    // not catch yet; turn a panic into an error that names the operations.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings).generate_tokens(spec)
    }));
    std::panic::set_hook(previous_hook);
    let tokens = match outcome {
        Ok(result) => result.context("progenitor rejected the spec")?,
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            let ops: Vec<_> = spec
                .operations()
                .filter_map(|(_, _, op)| op.operation_id.clone())
                .collect();
            bail!(
                "progenitor panicked ({why}) while generating operations {ops:?}; run the spec lints and check each operation's responses"
            );
        }
    };
    let mut file: syn::File =
        syn::parse2(tokens).context("progenitor produced unparsable tokens")?;
    postprocess::mark_non_exhaustive(&mut file);
    postprocess::default_extra_maps(&mut file);
    postprocess::extra_as_raw_json(&mut file);
    postprocess::deserialize_extra_without_buffering(&mut file)?;
    let doc = serde_json::to_value(spec).context("the spec serialises")?;
    postprocess::bound_paged_items(&mut file, &paged::body_types(&doc)?);
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

const HEADER: &str = "\
// @generated by `cargo xtask generate` from openapi/tallyfy.yaml with progenitor 0.15.1.
// DO NOT EDIT. Change the spec or the settings in xtask/src/lib.rs, then regenerate.

";

/// Generates from the workspace's spec.
pub fn generate_workspace() -> Result<String> {
    generate(&load_spec(&workspace_root().join(SPEC))?)
}

/// Every generated file for the spec at `path`: (workspace-relative path, text).
pub fn generate_all(path: &Path) -> Result<Vec<(&'static str, String)>> {
    let spec = load_spec(path)?;
    let text = std::fs::read_to_string(path)?;
    let raw: serde_json::Value = serde_yaml_ng::from_str(&text)?;
    let paged_ids = paged::paged_ids(&raw)?;
    // Straight from the YAML, so the table keeps the spec's order (a
    // `serde_json::Value` sorts map keys).
    let ordered: openapiv3::OpenAPI = serde_yaml_ng::from_str(&text)?;
    Ok(vec![
        (GENERATED, generate(&spec)?),
        (PAGED, paged::generate(&raw)?),
        (OPERATIONS, operations::generate(&ordered, &paged_ids)?),
        (CALLS, calls::generate(&ordered, &raw, &paged_ids)?),
        (EXT_LISTS, paged::generate_ext(&raw)?),
        (EXT_CALLS, calls::generate_ext(&ordered, &raw, &paged_ids)?),
    ])
}

/// One generated file: what is committed and what the spec generates now.
#[derive(Debug)]
pub struct Freshness {
    /// Workspace-relative path.
    pub path: &'static str,
    /// The file as it is on disk (empty when missing).
    pub committed: String,
    /// What `cargo xtask generate` would write.
    pub fresh: String,
}

impl Freshness {
    /// The committed file is what the spec generates.
    pub fn is_fresh(&self) -> bool {
        self.committed == self.fresh
    }

    /// A unified diff of committed against fresh, at most `max_lines` long.
    pub fn diff(&self, max_lines: usize) -> String {
        short_diff_of(self.path, &self.committed, &self.fresh, max_lines)
    }
}

/// Every generated file of the workspace at `root` ([`GENERATED_FILES`]), compared
/// with what its spec generates. The one freshness check: `generate --check`,
/// `release` and `semver` all use it.
pub fn freshness(root: &Path) -> Result<Vec<Freshness>> {
    generate_all(&root.join(SPEC))?
        .into_iter()
        .map(|(path, fresh)| {
            let committed = match std::fs::read_to_string(root.join(path)) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(e).with_context(|| format!("reading {path}")),
            };
            Ok(Freshness {
                path,
                committed,
                fresh,
            })
        })
        .collect()
}

/// The paths of the stale generated files of the workspace at `root`.
pub fn stale_files(root: &Path) -> Result<Vec<&'static str>> {
    Ok(freshness(root)?
        .into_iter()
        .filter(|f| !f.is_fresh())
        .map(|f| f.path)
        .collect())
}

/// Every generated file for the workspace's spec.
pub fn generate_workspace_all() -> Result<Vec<(&'static str, String)>> {
    generate_all(&workspace_root().join(SPEC))
}

/// A unified diff of `committed` against `fresh`, at most `max_lines` long.
pub fn short_diff(committed: &str, fresh: &str, max_lines: usize) -> String {
    short_diff_of(GENERATED, committed, fresh, max_lines)
}

/// [`short_diff`] for the generated file at `path`.
pub fn short_diff_of(path: &str, committed: &str, fresh: &str, max_lines: usize) -> String {
    let diff = similar::TextDiff::from_lines(committed, fresh)
        .unified_diff()
        .context_radius(2)
        .header(path, "fresh generation")
        .to_string();
    let total = diff.lines().count();
    let mut shown: Vec<&str> = diff.lines().take(max_lines).collect();
    let more = format!("... {} more diff lines", total.saturating_sub(max_lines));
    if total > max_lines {
        shown.push(&more);
    }
    shown.join("\n")
}
