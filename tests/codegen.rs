//! Guards on the generated client: the committed `generated.rs` is what the spec
//! produces today, its API surface is snapshotted for review (what a regeneration
//! breaks is `cargo xtask semver`'s verdict), its structs are `#[non_exhaustive]`
//! with builders, and a spec edit really changes the output.
//!
//! After changing the spec or the generator settings: `cargo xtask generate`, then
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test -p tallyfy-tests`) and
//! commit the updated `tests/snapshots/*.snap`.

use std::sync::OnceLock;

/// The generator's output for the workspace spec, computed once per test binary.
fn fresh() -> &'static str {
    static CODE: OnceLock<String> = OnceLock::new();
    CODE.get_or_init(|| xtask::generate_workspace().expect("the workspace spec generates"))
}

fn committed() -> String {
    let path = xtask::workspace_root().join(xtask::GENERATED);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Each committed generated file (generated.rs, paged.rs, generated_lists.rs) is
/// what the spec produces today.
#[test]
fn every_generated_file_is_fresh() {
    for (relative, fresh) in xtask::generate_workspace_all().expect("the workspace spec generates")
    {
        let path = xtask::workspace_root().join(relative);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{relative} is stale: run `cargo xtask generate` and commit the result.\n{}",
            xtask::short_diff_of(relative, &committed, &fresh, 80)
        );
    }
}

#[test]
fn api_surface_snapshot() {
    insta::assert_snapshot!("api_surface", xtask::surface::api_surface(fresh()));
}

/// Every generated struct with public fields is `#[non_exhaustive]` (a new field
/// is then a minor change) and keeps a public builder to construct it with.
#[test]
fn generated_structs_are_non_exhaustive_with_builders() {
    let surface = xtask::surface::api_surface(fresh());
    let lines: Vec<&str> = surface.lines().collect();
    let mut checked = 0;
    // Direct children of `pub mod types` sit two spaces deep; its `builder`
    // module's structs (private fields) sit deeper.
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = line.strip_prefix("  pub struct ") else {
            continue;
        };
        let fields = lines[i + 1..].iter().take_while(|l| l.starts_with("    "));
        if !fields
            .into_iter()
            .any(|l| l.trim_start().starts_with("pub "))
        {
            continue;
        }
        let attrs = lines[..i]
            .iter()
            .rev()
            .take_while(|l| l.starts_with("  #["));
        assert!(
            attrs.into_iter().any(|l| l.trim() == "#[non_exhaustive]"),
            "{name} is not #[non_exhaustive]"
        );
        assert!(
            surface.contains(&format!("pub fn builder() -> builder::{name}\n")),
            "{name} has no builder"
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} generated structs found");
}

#[test]
fn generated_types_accept_unknown_fields() {
    assert!(
        !fresh().contains("deny_unknown_fields"),
        "the server sends more keys than the spec names; response types must not deny them"
    );
}

#[test]
fn member_json_schema_snapshot() {
    let schema = schemars::schema_for!(tallyfy_api::types::Member);
    let text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    insta::assert_snapshot!("member_json_schema", text);
}

/// Editing the spec changes the output, so `every_generated_file_is_fresh` cannot pass
/// with a stale file.
#[test]
fn spec_edit_changes_generation() {
    let path = xtask::workspace_root().join(xtask::SPEC);
    let text = std::fs::read_to_string(&path).expect("reading the spec");
    let mut raw: serde_json::Value = serde_yaml::from_str(&text).expect("the spec is YAML");
    let properties = raw
        .pointer_mut("/components/schemas/Member/properties")
        .and_then(serde_json::Value::as_object_mut)
        .expect("components/schemas/Member/properties");
    assert!(!properties.contains_key("guard_nickname"));
    properties.insert(
        "guard_nickname".into(),
        serde_json::json!({"type": "string", "nullable": true}),
    );
    assert_eq!(
        xtask::lint(&raw),
        Vec::<String>::new(),
        "the edit passes the lints"
    );
    let edited: openapiv3::OpenAPI = serde_json::from_value(raw).expect("still OpenAPI 3.0");
    let output = xtask::generate(&edited).expect("the edited spec generates");
    assert_ne!(output, committed());
    assert!(
        output.contains("pub guard_nickname: ::std::option::Option<::std::string::String>,"),
        "the new property is a field of Member"
    );
    let diff = xtask::short_diff(&committed(), &output, 400);
    assert!(diff.contains("+        pub guard_nickname"), "{diff}");
}
