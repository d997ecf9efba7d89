//! The one `$ref` resolver of xtask ([`lookup`], [`deref`]), used by the lints,
//! the paged-list generator and both diffs; and, for [`crate::schema_diff`],
//! `allOf` folding and small readers of schema keys.

use serde_json::{Map, Value};

/// Keys that describe a schema without constraining it.
const TEXT_KEYS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
];

/// A schema with references followed and singleton `allOf`s folded in.
pub(crate) struct Resolved {
    /// The schema's keys, text keys removed.
    pub map: Map<String, Value>,
    /// The component name of the last reference followed.
    pub name: Option<String>,
}

/// Follows `$ref`s and folds `allOf` into one schema map.
pub(crate) fn resolve(doc: &Value, schema: &Value) -> Resolved {
    let mut name = None;
    let mut current = schema.clone();
    for _ in 0..64 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        name = reference.rsplit('/').next().map(str::to_owned);
        current = lookup(doc, reference).cloned().unwrap_or(Value::Null);
    }
    let mut map = current.as_object().cloned().unwrap_or_default();
    fold_null_alternative(&mut map);
    if let Some(parts) = map.remove("allOf").and_then(|v| v.as_array().cloned()) {
        let mut merged = Map::new();
        let mut required = Vec::new();
        let mut properties = Map::new();
        for part in &parts {
            let part = resolve(doc, part);
            if parts.len() == 1 {
                name = part.name.or(name);
            }
            for (k, v) in part.map {
                match k.as_str() {
                    "properties" => properties.extend(v.as_object().cloned().unwrap_or_default()),
                    "required" => required.extend(v.as_array().cloned().unwrap_or_default()),
                    _ => {
                        merged.insert(k, v);
                    }
                }
            }
        }
        if let Some(own) = map
            .remove("properties")
            .and_then(|v| v.as_object().cloned())
        {
            properties.extend(own);
        }
        if let Some(own) = map.remove("required").and_then(|v| v.as_array().cloned()) {
            required.extend(own);
        }
        if !properties.is_empty() {
            merged.insert("properties".into(), Value::Object(properties));
        }
        if !required.is_empty() {
            merged.insert("required".into(), Value::Array(required));
        }
        // The wrapper's own keys (`nullable`, `description`) win.
        merged.extend(map);
        map = merged;
    }
    for key in TEXT_KEYS {
        map.remove(*key);
    }
    Resolved { map, name }
}

/// `anyOf`/`oneOf: [X, {enum: [null]}]`, the spec's OpenAPI 3.0.3 spelling of
/// "X or null", becomes `nullable: true` + `allOf: [X]`: the shape progenitor
/// decodes (`Option<X>`), so re-spelling a nullable reference is no change.
fn fold_null_alternative(map: &mut Map<String, Value>) {
    let null_only = is_null_only;
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(alts)) = map.get(key) else {
            continue;
        };
        if !alts.iter().any(null_only) {
            continue;
        }
        let rest: Vec<Value> = alts.iter().filter(|v| !null_only(v)).cloned().collect();
        map.insert("nullable".into(), Value::Bool(true));
        if let [only] = &rest[..] {
            map.remove(key);
            let all_of = map
                .entry("allOf")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(parts) = all_of {
                parts.push(only.clone());
            }
        } else {
            map.insert(key.into(), Value::Array(rest));
        }
    }
}

/// The value at a local reference such as `#/components/schemas/Member`.
pub fn lookup<'v>(doc: &'v Value, reference: &str) -> Option<&'v Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Follows `value`'s `$ref` chain (to a parameter, response, request body or
/// schema) to the first value that is not a resolvable reference.
pub(crate) fn deref<'v>(doc: &'v Value, value: &'v Value) -> &'v Value {
    let mut current = value;
    // Bounded, so a reference cycle ends at some member of the cycle.
    for _ in 0..64 {
        match current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| lookup(doc, r))
        {
            Some(target) => current = target,
            None => break,
        }
    }
    current
}

pub(crate) fn alternatives(m: &Map<String, Value>) -> Option<&Vec<Value>> {
    m.get("oneOf")
        .or_else(|| m.get("anyOf"))
        .and_then(Value::as_array)
}

/// The JSON kind a schema accepts: a `type`, or `object`/`array` implied by its
/// keys, or `any`.
pub(crate) fn kind(m: &Map<String, Value>) -> &str {
    if let Some(t) = m.get("type").and_then(Value::as_str) {
        return t;
    }
    if m.contains_key("properties") || m.contains_key("additionalProperties") {
        "object"
    } else if m.contains_key("items") {
        "array"
    } else {
        "any"
    }
}

/// One alternative of a `oneOf`/`anyOf`.
#[derive(Clone)]
pub(crate) struct Alternative {
    pub name: Option<String>,
    pub kind: String,
    pub schema: Value,
}

impl Alternative {
    /// Its component name, else its kind.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.kind)
    }
}

pub(crate) fn properties(m: &Map<String, Value>) -> Map<String, Value> {
    m.get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn required(m: &Map<String, Value>) -> Vec<String> {
    m.get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) enum Extra {
    Any,
    None,
    Typed(Value),
}

/// `additionalProperties`: absent, `true` and `{}` all allow any extra key.
pub(crate) fn extra_keys(m: &Map<String, Value>) -> Extra {
    match m.get("additionalProperties") {
        None | Some(Value::Bool(true)) => Extra::Any,
        Some(Value::Bool(false)) => Extra::None,
        Some(Value::Object(o)) if o.is_empty() => Extra::Any,
        Some(schema) => Extra::Typed(schema.clone()),
    }
}

pub(crate) fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_bool().map(|b| f64::from(u8::from(b))))
}

pub(crate) fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "none".to_owned(), Value::to_string)
}

/// `{enum: [null]}`: the schema whose only value is `null`, the second
/// alternative of the spec's "X or null" (`anyOf: [X, {enum: [null]}]`). Its
/// closed `enum` is the point, not a trap for new server values. It has no
/// `type`: OpenAPI 3.0.3 has no null type, and an untyped schema admits null.
pub(crate) fn is_null_only(schema: &Value) -> bool {
    schema.get("enum") == Some(&Value::Array(vec![Value::Null]))
}
