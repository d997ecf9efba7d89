//! Where a crate's items can be named from outside: the paths a user writes.
//!
//! rustdoc JSON's `paths` table gives where an item is *defined*
//! (`tallyfy_ext::list::ListRequest`), so moving an item between private modules
//! would read as a removal and an addition. The public path comes from walking the
//! crate's public modules and re-exports (`pub use`) from its root instead; an item
//! no public path reaches (a sealed trait, a helper in a private module) is not
//! part of the API and has none.

use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// The shortest public path of every item a user can name, by rustdoc id.
pub fn public_paths(doc: &Value) -> HashMap<String, String> {
    let mut found = HashMap::new();
    let (Some(index), Some(root)) = (doc.get("index").and_then(Value::as_object), doc.get("root"))
    else {
        return found;
    };
    let id_key = |id: &Value| {
        id.as_u64()
            .map(|n| n.to_string())
            .or_else(|| id.as_str().map(str::to_owned))
    };
    let Some(root_key) = id_key(root) else {
        return found;
    };
    let Some(crate_name) = index
        .get(&root_key)
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
    else {
        return found;
    };
    // Breadth first, so the first path found for an item is its shortest.
    let mut queue = VecDeque::from([(root_key, crate_name.to_owned())]);
    let mut seen_modules = std::collections::HashSet::new();
    while let Some((module, prefix)) = queue.pop_front() {
        if !seen_modules.insert(module.clone()) {
            continue;
        }
        let items = index
            .get(&module)
            .and_then(|m| m.pointer("/inner/module/items"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for id in items.filter_map(id_key) {
            let Some(item) = index.get(&id) else { continue };
            if item.get("visibility").and_then(Value::as_str) != Some("public") {
                continue;
            }
            if let Some(reexport) = item.pointer("/inner/use") {
                let Some(target) = reexport.get("id").and_then(id_key) else {
                    continue; // a primitive or an item of another crate
                };
                let is_module = index
                    .get(&target)
                    .is_some_and(|t| t.pointer("/inner/module").is_some());
                if reexport.get("is_glob") == Some(&Value::Bool(true)) {
                    if is_module {
                        // `pub use m::*`: m's items under this module's prefix.
                        queue.push_back((target, prefix.clone()));
                    }
                    continue;
                }
                let Some(name) = reexport.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let path = format!("{prefix}::{name}");
                if index.contains_key(&target) {
                    found.entry(target.clone()).or_insert_with(|| path.clone());
                }
                if is_module {
                    queue.push_back((target, path));
                }
                continue;
            }
            let Some(name) = item.get("name").and_then(Value::as_str) else {
                continue;
            };
            let path = format!("{prefix}::{name}");
            found.entry(id.clone()).or_insert_with(|| path.clone());
            if item.pointer("/inner/module").is_some() {
                queue.push_back((id, path));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn baseline() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../release/baseline/rustdoc/tallyfy-ext.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn re_exported_items_have_their_root_path_and_private_modules_none() {
        let paths: std::collections::BTreeSet<String> =
            public_paths(&baseline()).into_values().collect();
        // 0.1.0 defined these in private modules and re-exported them at the root.
        for name in ["MembersRequest", "Client", "ErrorKind", "WalkSummary"] {
            assert!(
                paths.contains(&format!("tallyfy_ext::{name}")),
                "{name}: {paths:?}"
            );
        }
        assert!(
            paths
                .iter()
                .all(|p| !p.starts_with("tallyfy_ext::members::")
                    && !p.starts_with("tallyfy_ext::pagination::")),
            "a private module's path: {paths:?}"
        );
    }

    #[test]
    fn a_glob_and_a_module_re_export_are_followed() {
        let doc = serde_json::json!({
            "root": 0,
            "index": {
                "0": {"name": "k", "visibility": "public", "inner": {"module": {"items": [1, 2, 3]}}},
                "1": {"name": null, "visibility": "public", "inner": {"use": {"name": "m", "id": 4, "is_glob": false}}},
                "2": {"name": null, "visibility": "public", "inner": {"use": {"name": "x", "id": 5, "is_glob": true}}},
                "3": {"name": "hidden", "visibility": "crate", "inner": {"module": {"items": [6]}}},
                "4": {"name": "inner_m", "visibility": "public", "inner": {"module": {"items": [7]}}},
                "5": {"name": "priv", "visibility": "crate", "inner": {"module": {"items": [8]}}},
                "6": {"name": "Sealed", "visibility": "public", "inner": {"trait": {}}},
                "7": {"name": "A", "visibility": "public", "inner": {"struct": {}}},
                "8": {"name": "B", "visibility": "public", "inner": {"struct": {}}}
            }
        });
        let paths = public_paths(&doc);
        assert_eq!(paths["7"], "k::m::A");
        assert_eq!(paths["8"], "k::B");
        assert!(
            !paths.contains_key("6"),
            "a public item of a private module"
        );
    }
}
