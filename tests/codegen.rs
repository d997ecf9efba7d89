//! Guards on the generated client: the committed `generated.rs` is what the spec
//! produces today, its content and API surface are snapshotted for review, and a
//! spec edit really changes the output.
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

#[test]
fn generated_file_is_fresh() {
    let committed = committed();
    let fresh = fresh();
    assert!(
        committed == fresh,
        "{} is stale: run `cargo xtask generate` and commit the result.\n{}",
        xtask::GENERATED,
        xtask::short_diff(&committed, fresh, 80)
    );
}

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
fn generated_code_snapshot() {
    insta::assert_snapshot!("generated_code", fresh());
}

#[test]
fn api_surface_snapshot() {
    insta::assert_snapshot!("api_surface", api_surface(fresh()));
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

/// Editing the spec changes the output, so `generated_file_is_fresh` cannot pass
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

/// A condensed, deterministic view of the public API: modules, `impl` headers,
/// `pub` items and their signatures (bodies dropped), `pub` fields, enum variants
/// and `derive`/`serde` attributes, one per line, indented by nesting, comments
/// removed and `::std::` paths shortened.
fn api_surface(code: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Scope {
        Container,
        Struct,
        Enum,
    }
    #[derive(Clone, Copy, PartialEq)]
    enum What {
        Item,
        Attr,
        Member,
    }
    const ITEMS: &[&str] = &[
        "pub mod ",
        "pub struct ",
        "pub enum ",
        "pub fn ",
        "pub async fn ",
        "pub trait ",
        "pub type ",
        "pub const ",
        "pub use ",
        "impl",
    ];
    const OPTIONAL: &str = "#[serde(skip_serializing_if = \"::std::option::Option::is_none\")]";
    let mut out = Vec::new();
    // Open scopes we list the contents of, with the brace depth of their body.
    let mut scopes: Vec<(Scope, i32)> = Vec::new();
    let mut depth = 0;
    let mut pending: Option<(String, What)> = None;
    let mut in_comment = false;
    for raw in code.lines() {
        let mut line = raw.trim();
        if in_comment || line.starts_with("/*") {
            let Some(end) = line.find("*/") else {
                in_comment = true;
                continue;
            };
            in_comment = false;
            line = line[end + 2..].trim();
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let before = depth;
        depth += balance(line, '{', '}');
        while scopes.last().is_some_and(|s| s.1 > depth) {
            scopes.pop();
        }
        let (scope, scope_depth) = scopes.last().copied().unwrap_or((Scope::Container, 0));
        let (text, what) = match pending.take() {
            Some((text, what)) => (format!("{text} {line}"), what),
            None if before != scope_depth => continue,
            None if line.starts_with("#[") => (line.to_owned(), What::Attr),
            None if scope == Scope::Enum || scope == Scope::Struct && line.starts_with("pub ") => {
                (line.to_owned(), What::Member)
            }
            None if scope == Scope::Container && ITEMS.iter().any(|p| line.starts_with(p)) => {
                (line.to_owned(), What::Item)
            }
            None => continue,
        };
        let complete = match what {
            What::Attr => balance(&text, '[', ']') == 0,
            What::Member => text.ends_with(',') && balance(&text.replace("->", ""), '<', '>') == 0,
            What::Item => text.ends_with('{') || text.ends_with(';') || text.ends_with("{}"),
        };
        if !complete {
            pending = Some((text, what));
            continue;
        }
        let keep = match what {
            // Every optional field has this one; its absence shows in the field's type.
            What::Attr if text == OPTIONAL => false,
            What::Attr => text.starts_with("#[derive(") || text.starts_with("#[serde("),
            _ => true,
        };
        if keep {
            let indent = "  ".repeat(scopes.len());
            out.push(format!("{indent}{}", tidy(&text)));
        }
        if what == What::Item && text.ends_with('{') {
            let kind = if text.starts_with("pub struct ") {
                Scope::Struct
            } else if text.starts_with("pub enum ") {
                Scope::Enum
            } else if text.starts_with("pub mod ") || text.starts_with("impl") {
                Scope::Container
            } else {
                continue; // a fn body: its lines sit deeper than any scope
            };
            scopes.push((kind, depth));
        }
    }
    out.join("\n") + "\n"
}

/// Opening minus closing delimiters, outside string literals.
fn balance(text: &str, open: char, close: char) -> i32 {
    let (mut n, mut in_string, mut escaped) = (0, false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            c if c == open => n += 1,
            c if c == close => n -= 1,
            _ => {}
        }
    }
    n
}

/// One-line, shortened form of a (possibly multi-line) declaration.
fn tidy(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (" )", ")"),
        ("< ", "<"),
        (" >", ">"),
        (",)", ")"),
        (",>", ">"),
        ("::std::option::", ""),
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::result::", ""),
        ("::std::convert::", ""),
        ("::serde_json::", "serde_json::"),
        (", T::Error: ::std::fmt::Display,", ""),
    ] {
        s = s.replace(from, to);
    }
    let s = s.strip_suffix(" {}").unwrap_or(&s);
    s.trim_end_matches('{')
        .trim_end_matches(',')
        .trim_end()
        .to_owned()
}
