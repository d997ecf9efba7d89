//! OpenAPI 3.0 schema objects to JSON Schema draft 2020-12 (the rules are listed
//! in the documentation of [`crate::spec`]).

use serde_json::{Map, Value, json};

/// Keywords that exist only in OpenAPI 3.0 and are removed during conversion.
pub const OPENAPI_ONLY_KEYWORDS: &[&str] = &[
    "nullable",
    "example",
    "examples",
    "xml",
    "discriminator",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Converts one OpenAPI 3.0 schema object to JSON Schema 2020-12 (see the module
/// documentation for the rules). `context` names the schema in error messages.
///
/// # Errors
/// On a `$ref` that is not `#/components/schemas/...`.
pub fn convert(schema: &Value, context: &str) -> Result<Value, String> {
    let Value::Object(fields) = schema else {
        return Ok(schema.clone());
    };
    let nullable = fields.get("nullable") == Some(&Value::Bool(true));
    if let Some(reference) = fields.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{context}: unsupported $ref {reference}"))?;
        // OpenAPI 3.0 ignores every sibling of a `$ref`, `nullable` included.
        return Ok(json!({ "$ref": format!("#/$defs/{name}") }));
    }
    let mut out = Map::new();
    for (key, value) in fields {
        if OPENAPI_ONLY_KEYWORDS.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        let here = format!("{context}/{key}");
        let converted = match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                let mut map = Map::new();
                for (name, sub) in value.as_object().into_iter().flatten() {
                    map.insert(name.clone(), convert(sub, &format!("{here}/{name}"))?);
                }
                Value::Object(map)
            }
            "items" | "additionalProperties" | "not" | "propertyNames" | "contains" => {
                convert(value, &here)?
            }
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, sub)| convert(sub, &format!("{here}/{i}")))
                    .collect::<Result<_, _>>()?,
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match out.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = out.remove(bound) {
                    out.insert(flag.into(), limit);
                } else {
                    out.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(flag);
            }
            _ => {}
        }
    }
    // OpenAPI 3.0.3: `nullable: true` adds null to the `type` of the same schema
    // object and does nothing else: not without `type` (an untyped schema admits
    // null already, unless its other keywords forbid it), not through `allOf`,
    // and not to an `enum`, which must list null itself.
    if nullable && let Some(Value::String(single)) = out.get_mut("type") {
        let single = std::mem::take(single);
        out.insert("type".into(), json!([single, "null"]));
    }
    Ok(Value::Object(out))
}
