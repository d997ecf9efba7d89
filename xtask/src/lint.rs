//! Spec lints run before progenitor sees the document.
//!
//! progenitor 0.15.1 *panics* (rather than returning `Err`) on several spec shapes,
//! and typify turns some schema keywords into types that break when the server sends
//! something new. Each rule here names the operation or schema at fault, so a spec
//! author gets a sentence instead of a backtrace.

mod nullable;

use crate::schema_resolve::deref;
use crate::schema_resolve::is_null_only;
use serde_json::Value;
use std::collections::BTreeSet;

/// Checks the raw spec document; returns every problem found, not just the first.
pub fn lint(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        other => problems.push(format!(
            "openapi version {other:?}: progenitor 0.15 accepts only 3.0.x"
        )),
    }
    lint_operations(doc, &mut problems);
    nullable::lint_nullable_without_type(doc, &mut problems);
    // Inline response schemas, under components/responses and each operation.
    if let Some(responses) = doc
        .pointer("/components/responses")
        .and_then(Value::as_object)
    {
        for (name, response) in responses {
            lint_response_body(
                &format!("components/responses/{name}"),
                response,
                &mut problems,
            );
        }
    }
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            lint_response_schema(&format!("components/schemas/{name}"), schema, &mut problems);
        }
    }
    problems
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn lint_operations(doc: &Value, problems: &mut Vec<String>) {
    let mut seen_ids = BTreeSet::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        problems.push("the spec has no paths".into());
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                problems.push(format!("{method} {path}: missing operationId"));
                continue;
            };
            if !seen_ids.insert(id.to_owned()) {
                problems.push(format!("operation {id}: duplicate operationId"));
            }
            lint_parameters(doc, id, op, problems);
            lint_responses(doc, id, op, problems);
        }
    }
}

fn lint_parameters(doc: &Value, id: &str, op: &Value, problems: &mut Vec<String>) {
    let params = op.get("parameters").and_then(Value::as_array);
    for param in params.into_iter().flatten() {
        let param = deref(doc, param);
        let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
        if param.get("in").and_then(Value::as_str) == Some("cookie") {
            problems.push(format!(
                "operation {id}: parameter {name}: cookie parameters are unsupported"
            ));
        }
        if param.get("style").and_then(Value::as_str) == Some("deepObject") {
            problems.push(format!(
                "operation {id}: parameter {name}: deepObject style is unsupported"
            ));
        }
        if param.pointer("/schema/type").and_then(Value::as_str) == Some("array") {
            problems.push(format!(
                "operation {id}: parameter {name}: array query parameters are sent exploded \
                 (a=1&a=2); Tallyfy wants a comma-separated string"
            ));
        }
    }
}

fn lint_responses(doc: &Value, id: &str, op: &Value, problems: &mut Vec<String>) {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        problems.push(format!("operation {id}: no responses"));
        return;
    };
    let mut success = BTreeSet::new();
    let mut failure = BTreeSet::new();
    for (status, response) in responses {
        // A `$ref`'d response is linted once, under components/responses.
        if response.get("$ref").is_none() {
            lint_response_body(
                &format!("operation {id}: response {status}"),
                response,
                problems,
            );
        }
        let response = deref(doc, response);
        let body = body_schema(id, status, response, problems);
        if status == "default" {
            problems.push(format!(
                "operation {id}: a `default` response beside 2xx panics progenitor; list the statuses"
            ));
        } else if status.starts_with('2') {
            success.insert(body);
        } else {
            failure.insert(body);
        }
    }
    if success.len() > 1 {
        problems.push(format!(
            "operation {id}: success responses have {} different bodies {success:?}; progenitor needs one",
            success.len()
        ));
    }
    if failure.len() > 1 {
        problems.push(format!(
            "operation {id}: error responses have {} different bodies {failure:?}; share one ErrorBody",
            failure.len()
        ));
    }
}

/// The body of a response, as a comparable string (`$ref` target, inline JSON, or none).
fn body_schema(id: &str, status: &str, response: &Value, problems: &mut Vec<String>) -> String {
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return "<no body>".into();
    };
    // progenitor types the application/json body and ignores the others, so an
    // error status may also declare what a gateway really sends (HTML, text).
    let error = !status.starts_with('2');
    if !content.contains_key("application/json") || (content.len() != 1 && !error) {
        let types: Vec<_> = content.keys().collect();
        problems.push(format!(
            "operation {id}: response {status}: media types {types:?}; progenitor types \
             only application/json (other types may sit beside it on error statuses)"
        ));
    }
    match content
        .get("application/json")
        .and_then(|m| m.get("schema"))
    {
        None => {
            problems.push(format!("operation {id}: response {status}: application/json without a schema panics progenitor"));
            "<no schema>".into()
        }
        Some(schema) => match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => target.to_owned(),
            None => schema.to_string(),
        },
    }
}

/// The inline schemas of a response's media types.
fn lint_response_body(at: &str, response: &Value, problems: &mut Vec<String>) {
    let media = response.get("content").and_then(Value::as_object);
    for (media_type, content) in media.into_iter().flatten() {
        if let Some(schema) = content.get("schema") {
            lint_response_schema(&format!("{at} {media_type}"), schema, problems);
        }
    }
}

/// Keys that may be `required` in response data: the member's `id`, and the
/// `data` of Fractal envelopes and include wrappers (it is what tells a wrapper
/// from a bare object). Anything else fails a whole response the day the server
/// leaves it out.
const REQUIRED_ALLOWED: [&str; 2] = ["id", "data"];

/// Formats that typify turns into a type other than `String`/`i64`/`f64`, so one
/// odd value fails the response (e.g. `int32` overflows, `ipv4` parses strictly).
/// `email` and `uri` stay `String` and are allowed.
fn strict_format(format: &str) -> bool {
    !matches!(format, "int64" | "double" | "email" | "uri" | "password")
}

/// Response data must decode whatever the server adds tomorrow.
fn lint_response_schema(at: &str, schema: &Value, problems: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    let required = obj.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        // `not: {required: [data]}` (what tells a bare include from a wrapper) is fine.
        if !REQUIRED_ALLOWED.contains(&name) {
            problems.push(format!(
                "{at}: `required: [{name}]` fails the whole response when the server omits it; \
                 only id and data may be required"
            ));
        }
    }
    if obj.get("nullable") == Some(&Value::Bool(false)) {
        problems.push(format!(
            "{at}: `nullable: false` fails the whole response on a null; leave it out"
        ));
    }
    for keyword in [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ] {
        if obj.contains_key(keyword) {
            problems.push(format!(
                "{at}: `{keyword}` on response data becomes an unsigned or NonZero type \
                 (or a check) that one odd value fails"
            ));
        }
    }
    if obj.contains_key("uniqueItems") {
        problems.push(format!(
            "{at}: `uniqueItems` on response data becomes a set that a repeated value fails"
        ));
    }
    if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
        problems.push(format!(
            "{at}: additionalProperties: false rejects new server keys"
        ));
    }
    for keyword in [
        "enum",
        "pattern",
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
    ] {
        if obj.contains_key(keyword) && !(keyword == "enum" && is_null_only(schema)) {
            problems.push(format!(
                "{at}: `{keyword}` on response data makes a new server value fail the whole response"
            ));
        }
    }
    if let Some(format) = obj.get("format").and_then(Value::as_str)
        && strict_format(format)
    {
        problems.push(format!(
            "{at}: format {format} is parsed strictly into its own type; keep it a plain \
             string (or int64 / double)"
        ));
    }
    for (key, child) in obj {
        match key.as_str() {
            "properties" => {
                for (prop, s) in child.as_object().into_iter().flatten() {
                    lint_response_schema(&format!("{at}.{prop}"), s, problems);
                }
            }
            "items" | "additionalProperties" => {
                lint_response_schema(&format!("{at}[]"), child, problems)
            }
            // `not` only narrows a union; its `required` is a discriminator.
            "not" => {}
            "oneOf" | "anyOf" | "allOf" => {
                for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                    lint_response_schema(&format!("{at}.{key}[{i}]"), s, problems);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
