//! The API surface of the generated code: one line per public item, for the
//! snapshot in `tests/codegen.rs` and the released baseline in `release/baseline/`.
//!
//! A text view of the source rather than rustdoc: it needs no build, so the
//! snapshot test and `cargo xtask release` stay fast, and a reviewer reads it as
//! Rust. Whether a change breaks callers is decided by `cargo xtask semver`.

/// A condensed, deterministic view of the public API: modules, `impl` headers,
/// `pub` items and their signatures (bodies dropped), `pub` fields, enum variants
/// and `derive`/`serde`/`non_exhaustive` attributes, one per line, indented by
/// nesting, comments removed and `::std::` paths shortened.
pub fn api_surface(code: &str) -> String {
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
            What::Attr => {
                text.starts_with("#[derive(")
                    || text.starts_with("#[serde(")
                    || text == "#[non_exhaustive]"
            }
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
