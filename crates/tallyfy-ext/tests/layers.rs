//! The layers of tallyfy-ext: every `crate::` path of a module points to a module of
//! a strictly lower layer (ARCHITECTURE.md explains each layer).
//!
//! Every path counts: `use` lines, grouped `use crate::{..}`, inline paths in types
//! and expressions, and names re-exported by `lib.rs` (resolved to the module that
//! defines them). Comments and `#[cfg(test)]` modules do not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom first. A module may name modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    // L0 policies and shared state that know nothing of calls
    &[
        "cause",
        "coerce",
        "headers",
        "id_set",
        "idempotency",
        "pacing",
        "ratelimit",
        "redact",
        "redirect",
        "respond",
        "retry",
    ],
    // L1 values calls and walks hand back
    &["page"],
    // L2 the error type
    &["error"],
    // L3 the retry policy (its rules see error kinds)
    &["policy"],
    // L4 helpers over values and errors
    &[
        "includes",
        "runtime",
        "scope",
        "telemetry",
        "tolerant",
        "validate",
        "walk_state",
    ],
    // L5 the executor
    &["transport"],
    // L6 one call; the client
    &["call", "client"],
    // L7 the streams of a walk
    &["walk"],
    // L8 the generic request types and their entry points
    &["call_request", "list"],
    // L9 per-operation additions (the named uses)
    &[
        "generated_calls",
        "generated_lists",
        "get_member",
        "list_members",
    ],
    // L10 façades
    &["blocking", "fuzzing", "testing"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The source without comment lines and without `#[cfg(test)]` items.
fn production_code(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            // Skip the next item: to its matching closing brace, or a `;`.
            let mut depth = 0_i32;
            let mut opened = false;
            for line in lines.by_ref() {
                depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                opened |= line.contains('{');
                if (opened && depth <= 0) || (!opened && line.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The first segment of every `crate::` path in `code`, grouped ones expanded.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let first = item.trim().split("::").next().unwrap_or("").trim();
                let first = first.split_whitespace().next().unwrap_or("");
                if !first.is_empty() && first != "self" {
                    names.push(first.to_owned());
                }
            }
        } else {
            let ident: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                names.push(ident);
            }
        }
        // `pub(crate)` and `$crate` are not paths into this crate.
        rest = after;
    }
    names
}

/// `lib.rs`'s re-exports: name -> defining module.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in production_code(lib).lines() {
        let Some(path) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.trim().rsplit("::").next().unwrap_or("").trim();
            if !name.is_empty() {
                map.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    map
}

/// Every import that does not point strictly down, or names a module with no layer.
fn violations(modules: &BTreeMap<String, String>, lib: &str) -> Vec<String> {
    let reexported = reexports(lib);
    let mut problems = Vec::new();
    for (module, source) in modules {
        let Some(own) = layer_of(module) else {
            problems.push(format!("{module} has no layer: add it to LAYERS"));
            continue;
        };
        let mut targets = BTreeSet::new();
        for name in crate_paths(&production_code(source)) {
            let target = if modules.contains_key(&name) {
                name
            } else if let Some(defined_in) = reexported.get(&name) {
                defined_in.clone()
            } else {
                continue; // a macro-exported name or an external re-export (`tallyfy_api`)
            };
            targets.insert(target);
        }
        for target in targets {
            if target == *module {
                continue;
            }
            match layer_of(&target) {
                Some(layer) if layer < own => {}
                Some(layer) => problems.push(format!(
                    "{module} (L{own}) -> {target} (L{layer}): imports must point down"
                )),
                None => problems.push(format!("{module} -> {target}: {target} has no layer")),
            }
        }
    }
    problems
}

/// The `.rs` files under a module's directory, nested ones too, in a stable order;
/// unit tests left out.
fn submodule_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            if !path.ends_with("tests") {
                files.extend(submodule_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            files.push(path);
        }
    }
    files
}

fn crate_sources() -> (BTreeMap<String, String>, String) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") && stem != "lib" {
            let mut source = std::fs::read_to_string(&path).unwrap();
            // A module's private submodules (`error/kind.rs`) count as the module
            // itself; its unit tests (`tests.rs`, `tests/`) do not.
            for file in submodule_files(&src.join(&stem)) {
                source.push_str(&std::fs::read_to_string(file).unwrap());
            }
            modules.insert(stem, source);
        }
    }
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    (modules, lib)
}

#[test]
fn every_module_has_a_layer_and_every_import_points_down() {
    let (modules, lib) = crate_sources();
    assert!(modules.len() >= 20, "found only {:?}", modules.keys());
    let problems = violations(&modules, &lib);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_planted_upward_or_sideways_import_is_caught() {
    let (mut modules, lib) = crate_sources();
    let telemetry = modules.get_mut("telemetry").unwrap();
    // Upward, through a re-exported name, inline in a type; and sideways, grouped.
    telemetry.push_str("\nfn planted(_: &crate::Client) {}\n");
    telemetry.push_str("use crate::{tolerant::item, page::Page};\n");
    let problems = violations(&modules, &lib);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("telemetry (L4) -> client (L6)")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("telemetry (L4) -> tolerant (L4)")),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 2, "page is below telemetry: {problems:?}");
}

#[test]
fn a_module_without_a_layer_is_caught_and_test_code_is_not_counted() {
    let (mut modules, lib) = crate_sources();
    modules.insert("newcomer".into(), "use crate::error::Error;\n".into());
    modules.get_mut("page").unwrap().push_str(
        "\n#[cfg(test)]\nmod tests {\n    use crate::client::Client;\n}\n// crate::walk in a comment\n",
    );
    let problems = violations(&modules, &lib);
    assert_eq!(problems, ["newcomer has no layer: add it to LAYERS"]);
}
