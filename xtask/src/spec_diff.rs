//! The spec-level half of `cargo xtask semver`: what changed between two OpenAPI
//! documents, seen from a client.
//!
//! Works on raw documents (YAML parsed to JSON), never through the spec lints:
//! the lints keep `required` to `id`, and a comparison must still be able to judge
//! a spec that breaks them. Operations are matched by `operationId`, parameters by
//! location and name, responses by status; schemas are compared resolved (see
//! [`crate::schema_diff`]). Includes are the values the `with` parameter's
//! description lists after `Values:`.

use crate::schema_diff::SchemaDiff;
use crate::schema_resolve::deref;
use crate::verdict::{Change, Changes, Verdict};
use anyhow::{Context, Result};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keys whose values are prose or samples: changing them is a patch.
const DOC_KEYS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "tags",
    "info",
    "servers",
    "contact",
];

/// Reads a spec as a raw document, without the lints.
pub fn read_spec(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_yaml_ng::from_str(&text).with_context(|| format!("{} is not valid YAML", path.display()))
}

/// Every change from `old` to `new` that a client could notice, most breaking
/// first. An empty list means the documents are identical for clients.
pub fn diff_specs(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Changes::default();
    let (old_ops, new_ops) = (operations(old), operations(new));
    for (id, old_op) in &old_ops {
        let Some(new_op) = new_ops.get(id) else {
            out.push(
                Verdict::Major,
                format!("operation {id}: removed (or renamed)"),
            );
            continue;
        };
        if (&old_op.method, &old_op.path) != (&new_op.method, &new_op.path) {
            out.push(
                Verdict::Major,
                format!(
                    "operation {id}: moved from {} {} to {} {}",
                    old_op.method, old_op.path, new_op.method, new_op.path
                ),
            );
        }
        compare_operation(old, new, id, old_op, new_op, &mut out);
    }
    for id in new_ops.keys().filter(|id| !old_ops.contains_key(*id)) {
        out.push(Verdict::Minor, format!("operation {id}: added"));
    }
    let auth = |doc: &Value| {
        let mut schemes = doc
            .pointer("/components/securitySchemes")
            .cloned()
            .unwrap_or(Value::Null);
        strip_doc_keys(&mut schemes);
        (doc.get("security").cloned(), schemes)
    };
    if auth(old) != auth(new) {
        out.push(
            Verdict::Major,
            "authentication (security, securitySchemes) changed",
        );
    }
    for place in doc_changes(old, new) {
        out.push(Verdict::Patch, format!("{place}: text changed"));
    }
    out.into_sorted()
}

struct Operation {
    method: String,
    path: String,
    op: Value,
    /// Parameters of the path item and the operation, by (location, name).
    params: BTreeMap<(String, String), Value>,
}

fn operations(doc: &Value) -> BTreeMap<String, Operation> {
    let mut ops = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            let mut params = BTreeMap::new();
            let listed = [item.get("parameters"), op.get("parameters")];
            for param in listed
                .into_iter()
                .flatten()
                .filter_map(Value::as_array)
                .flatten()
            {
                let param = deref(doc, param);
                let key = |k: &str| {
                    param
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                params.insert((key("in"), key("name")), param.clone());
            }
            let operation = Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                op: op.clone(),
                params,
            };
            ops.insert(id, operation);
        }
    }
    ops
}

fn compare_operation(
    old_doc: &Value,
    new_doc: &Value,
    id: &str,
    old: &Operation,
    new: &Operation,
    out: &mut Changes,
) {
    for (key @ (place, name), old_param) in &old.params {
        let at = format!("operation {id}: {place} parameter {name}");
        let Some(new_param) = new.params.get(key) else {
            out.push(Verdict::Major, format!("{at}: removed (or renamed)"));
            continue;
        };
        let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
        match (required(old_param), required(new_param)) {
            (false, true) => out.push(Verdict::Major, format!("{at}: made required")),
            (true, false) => out.push(Verdict::Minor, format!("{at}: made optional")),
            _ => {}
        }
        let schema = |p: &Value| p.get("schema").cloned().unwrap_or(Value::Null);
        SchemaDiff::new(old_doc, new_doc, out).compare(&schema(old_param), &schema(new_param), &at);
        if name == "with" {
            compare_includes(id, old_param, new_param, out);
        }
    }
    for ((place, name), param) in new
        .params
        .iter()
        .filter(|(k, _)| !old.params.contains_key(*k))
    {
        let at = format!("operation {id}: {place} parameter {name}");
        if param.get("required") == Some(&Value::Bool(true)) {
            out.push(Verdict::Major, format!("{at}: required parameter added"));
        } else {
            out.push(Verdict::Minor, format!("{at}: optional parameter added"));
        }
    }
    let body =
        |doc: &Value, op: &Operation| op.op.get("requestBody").map(|b| deref(doc, b).clone());
    match (body(old_doc, old), body(new_doc, new)) {
        (Some(_), None) => out.push(
            Verdict::Major,
            format!("operation {id}: request body removed"),
        ),
        (None, Some(b)) if b.get("required") == Some(&Value::Bool(true)) => out.push(
            Verdict::Major,
            format!("operation {id}: required request body added"),
        ),
        (None, Some(_)) => out.push(
            Verdict::Minor,
            format!("operation {id}: request body added"),
        ),
        (Some(o), Some(n)) => compare_content(
            old_doc,
            new_doc,
            &o,
            &n,
            &format!("operation {id}: request body"),
            out,
        ),
        (None, None) => {}
    }
    let responses = |doc: &Value, op: &Operation| -> Map<String, Value> {
        let listed = op.op.get("responses").and_then(Value::as_object);
        listed
            .into_iter()
            .flatten()
            .map(|(status, r)| (status.clone(), deref(doc, r).clone()))
            .collect()
    };
    let (old_responses, new_responses) = (responses(old_doc, old), responses(new_doc, new));
    for (status, old_response) in &old_responses {
        let at = format!("operation {id}: response {status}");
        let Some(new_response) = new_responses.get(status) else {
            out.push(Verdict::Major, format!("{at}: removed"));
            continue;
        };
        compare_content(old_doc, new_doc, old_response, new_response, &at, out);
        let headers = |r: &Value| -> BTreeSet<String> {
            let listed = r.get("headers").and_then(Value::as_object);
            listed
                .into_iter()
                .flatten()
                .map(|(h, _)| h.to_ascii_lowercase())
                .collect()
        };
        let (old_headers, new_headers) = (headers(old_response), headers(new_response));
        for h in old_headers.difference(&new_headers) {
            out.push(Verdict::Major, format!("{at}: header {h} removed"));
        }
        for h in new_headers.difference(&old_headers) {
            out.push(Verdict::Minor, format!("{at}: header {h} added"));
        }
    }
    for status in new_responses
        .keys()
        .filter(|s| !old_responses.contains_key(*s))
    {
        out.push(
            Verdict::Minor,
            format!("operation {id}: response {status} added"),
        );
    }
}

/// Compares the media types of a request body or response.
fn compare_content(
    old_doc: &Value,
    new_doc: &Value,
    old: &Value,
    new: &Value,
    at: &str,
    out: &mut Changes,
) {
    let content = |v: &Value| {
        v.get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_content, new_content) = (content(old), content(new));
    for (media, old_media) in &old_content {
        let Some(new_media) = new_content.get(media) else {
            out.push(Verdict::Major, format!("{at}: media type {media} removed"));
            continue;
        };
        let schema = |m: &Value| m.get("schema").cloned().unwrap_or(Value::Null);
        SchemaDiff::new(old_doc, new_doc, out).compare(&schema(old_media), &schema(new_media), at);
    }
    for media in new_content.keys().filter(|m| !old_content.contains_key(*m)) {
        out.push(Verdict::Minor, format!("{at}: media type {media} added"));
    }
}

fn compare_includes(id: &str, old: &Value, new: &Value, out: &mut Changes) {
    let (old_includes, new_includes) = (includes(old), includes(new));
    for include in old_includes.difference(&new_includes) {
        out.push(
            Verdict::Major,
            format!("operation {id}: include {include} removed"),
        );
    }
    for include in new_includes.difference(&old_includes) {
        out.push(
            Verdict::Minor,
            format!("operation {id}: include {include} added"),
        );
    }
}

/// The include names a `with` parameter documents: the backquoted words after
/// `Values:` up to the end of that sentence.
pub fn includes(param: &Value) -> BTreeSet<String> {
    let text = param
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(start) = text.find("Values:") else {
        return BTreeSet::new();
    };
    let listed = &text[start + "Values:".len()..];
    // The list ends at the first full stop outside backquotes.
    let mut in_code = false;
    let end = listed
        .char_indices()
        .find(|&(_, c)| {
            in_code ^= c == '`';
            c == '.' && !in_code
        })
        .map_or(listed.len(), |(i, _)| i);
    listed[..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn strip_doc_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in DOC_KEYS {
                map.remove(*key);
            }
            map.values_mut().for_each(strip_doc_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_doc_keys),
        _ => {}
    }
}

/// JSON pointers (of the new document) where only prose or examples differ.
fn doc_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut places = Vec::new();
    collect_doc_changes(Some(old), Some(new), String::new(), false, &mut places);
    places
}

fn collect_doc_changes(
    old: Option<&Value>,
    new: Option<&Value>,
    at: String,
    in_doc: bool,
    places: &mut Vec<String>,
) {
    if old == new {
        return;
    }
    let (Some(Value::Object(o)), Some(Value::Object(n))) = (old, new) else {
        if in_doc {
            places.push(at);
        }
        return;
    };
    // Property names are data, not keywords: a property called `description` is a field.
    let properties = at.ends_with("/properties");
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        let child = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
        let is_doc = in_doc || !properties && DOC_KEYS.contains(&key.as_str());
        collect_doc_changes(o.get(key), n.get(key), child, is_doc, places);
    }
}
