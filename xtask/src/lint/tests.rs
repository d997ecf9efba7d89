//! The lint's rules, one spec fragment each.

use super::*;
use serde_json::json;

fn op_doc(responses: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "paths": {"/x": {"get": {"operationId": "op_x", "responses": responses}}},
    })
}

#[test]
fn mixed_error_bodies_name_the_operation() {
    let doc = op_doc(json!({
        "200": {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}},
        "401": {"description": ""},
        "404": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}},
    }));
    let problems = lint(&doc);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("operation op_x: error responses have 2"),
        "{problems:?}"
    );
}

#[test]
fn default_response_and_version_are_refused() {
    let mut doc = op_doc(json!({"200": {"description": ""}, "default": {"description": ""}}));
    doc["openapi"] = json!("3.1.0");
    let problems = lint(&doc);
    assert!(
        problems.iter().any(|p| p.contains("only 3.0.x")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`default` response")),
        "{problems:?}"
    );
}

fn schema_problems(schema: Value) -> Vec<String> {
    let mut doc = op_doc(json!({"200": {"description": ""}}));
    doc["components"] = json!({"schemas": {"M": schema}});
    lint(&doc)
}

#[test]
fn required_beyond_id_and_data_is_refused() {
    let p = schema_problems(json!({"type": "object", "required": ["id", "email"],
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
        "not": {"required": ["data"]}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("components/schemas/M: `required: [email]`"),
        "{p:?}"
    );
    assert!(schema_problems(json!({"type": "object", "required": ["data", "id"]})).is_empty());
}

#[test]
fn nullable_false_is_refused() {
    let p = schema_problems(json!({"properties": {"name": {"type": "string", "nullable": false}}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("M.name: `nullable: false`"), "{p:?}");
}

#[test]
fn minimum_on_response_numbers_is_refused() {
    let p = schema_problems(
        json!({"properties": {"n": {"type": "integer", "minimum": 1},
        "m": {"type": "integer", "exclusiveMaximum": true, "maximum": 9}}}),
    );
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.iter().any(|p| p.contains("M.n: `minimum`")), "{p:?}");
}

#[test]
fn formats_that_change_the_rust_type_are_refused() {
    for format in [
        "int32", "ipv4", "ipv6", "ip", "uuid", "date", "float", "uint64",
    ] {
        let p = schema_problems(json!({"properties": {"f": {"format": format}}}));
        assert_eq!(p.len(), 1, "{format}: {p:?}");
        assert!(p[0].contains(&format!("format {format}")), "{p:?}");
    }
    for format in ["int64", "email", "uri", "double"] {
        assert!(schema_problems(json!({"properties": {"f": {"format": format}}})).is_empty());
    }
}

#[test]
fn unique_items_is_refused() {
    let p = schema_problems(json!({"properties": {"ids": {"type": "array", "uniqueItems": true}}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("M.ids: `uniqueItems`"), "{p:?}");
}

#[test]
fn inline_schemas_under_paths_and_responses_are_checked() {
    let body = |schema: Value| json!({"description": "", "content": {"application/json": {"schema": schema}}});
    let mut doc = op_doc(json!({"200": body(json!({"type": "object",
        "properties": {"total": {"type": "integer", "minimum": 0}}}))}));
    doc["components"] = json!({"responses": {"E": body(json!({"type": "object",
        "properties": {"code": {"type": "integer", "format": "int32"}}}))}});
    let p = lint(&doc);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter().any(
            |p| p.starts_with("operation op_x: response 200 application/json.total: `minimum`")
        ),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.starts_with("components/responses/E application/json.code: format int32")),
        "{p:?}"
    );
}

#[test]
fn closed_enums_and_strict_formats_in_schemas_are_refused() {
    let mut doc = op_doc(json!({"200": {"description": ""}}));
    doc["components"] = json!({"schemas": {"M": {"type": "object", "additionalProperties": false,
        "properties": {"role": {"type": "string", "enum": ["admin"]},
                       "at": {"type": "string", "format": "date-time"}}}}});
    let problems = lint(&doc);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("components/schemas/M.role: `enum`"))
    );
}
