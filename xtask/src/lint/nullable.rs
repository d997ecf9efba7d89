//! The rule "`nullable` only beside `type`".
//!
//! OpenAPI 3.0.3 gives `nullable: true` an effect only on a `type` in the same
//! Schema Object; it reaches neither into `allOf`/`anyOf`/`oneOf` nor through a
//! `$ref`, and an untyped schema admits null already. progenitor reads
//! `{nullable: true, allOf: [$ref]}` as `Option<Ref>` anyway, so such a schema
//! means one thing to the generated SDK and another to every validator, linter
//! and mock server that follows the standard. The spec spells "X or null" as
//! `anyOf: [X, {enum: [null]}]`, which both read alike.

use serde_json::Value;

/// Every schema of the document (components, parameters, headers, media types)
/// with a `nullable` and no sibling `type`, named by where it sits.
pub(crate) fn lint_nullable_without_type(doc: &Value, problems: &mut Vec<String>) {
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            in_schema(&format!("components/schemas/{name}"), schema, problems);
        }
    }
    for key in ["paths", "components"] {
        if let Some(part) = doc.get(key) {
            find_schemas(key, part, problems);
        }
    }
}

/// Walks the non-schema parts of the document; a `schema` key starts a schema.
fn find_schemas(at: &str, value: &Value, problems: &mut Vec<String>) {
    let Some(map) = value.as_object() else {
        if let Some(list) = value.as_array() {
            for (i, item) in list.iter().enumerate() {
                find_schemas(&format!("{at}/{i}"), item, problems);
            }
        }
        return;
    };
    for (key, child) in map {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "schema" => in_schema(&here, child, problems),
            // Walked by name above; examples are data, whatever keys they hold.
            "schemas" if at == "components" => {}
            "example" | "examples" => {}
            _ if key.starts_with("x-") => {}
            _ => find_schemas(&here, child, problems),
        }
    }
}

fn in_schema(at: &str, schema: &Value, problems: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if obj.contains_key("nullable") && !obj.contains_key("type") {
        let fix = if obj.contains_key("$ref")
            || ["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| obj.contains_key(*k))
        {
            "spell \"X or null\" as `anyOf: [X, {enum: [null]}]`"
        } else {
            "an untyped schema admits null already; remove it"
        };
        problems.push(format!(
            "{at}: `nullable` without a sibling `type` does nothing in OpenAPI 3.0.3 \
             (it reaches neither into allOf/anyOf/oneOf nor through $ref), though \
             progenitor reads it as Option; {fix}"
        ));
    }
    for (key, child) in obj {
        match key.as_str() {
            "properties" => {
                for (prop, s) in child.as_object().into_iter().flatten() {
                    in_schema(&format!("{at}.{prop}"), s, problems);
                }
            }
            "items" | "additionalProperties" => in_schema(&format!("{at}[]"), child, problems),
            "not" => in_schema(&format!("{at}.not"), child, problems),
            "oneOf" | "anyOf" | "allOf" => {
                for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                    in_schema(&format!("{at}.{key}[{i}]"), s, problems);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(doc: &Value) -> Vec<String> {
        let mut out = Vec::new();
        lint_nullable_without_type(doc, &mut out);
        out
    }

    #[test]
    fn nullable_beside_all_of_ref_or_nothing_is_refused_by_name() {
        let doc = json!({"components": {"schemas": {"M": {"type": "object", "properties": {
            "meta": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/L"}]},
            "raw": {"nullable": true, "description": "any JSON"},
            "link": {"$ref": "#/components/schemas/L", "nullable": true},
            "list": {"type": "array", "items": {"oneOf": [{"type": "string"}], "nullable": true}},
            "ok": {"type": "string", "nullable": true},
            "or_null": {"anyOf": [{"$ref": "#/components/schemas/L"}, {"enum": [null]}]},
        }}}}});
        let p = problems(&doc);
        assert_eq!(p.len(), 4, "{p:#?}");
        for at in ["M.meta:", "M.raw:", "M.link:", "M.list[]:"] {
            assert!(
                p.iter()
                    .any(|p| p.starts_with(&format!("components/schemas/{at} `nullable`"))),
                "{at} {p:#?}"
            );
        }
        assert!(p.iter().any(|p| p.contains("remove it")), "{p:#?}");
    }

    #[test]
    fn schemas_under_paths_and_responses_are_reached_and_examples_are_not() {
        let doc = json!({
            "paths": {"/x": {"get": {
                "parameters": [{"name": "p", "in": "query", "schema": {"nullable": true}}],
                "responses": {"200": {"description": "", "content": {"application/json": {
                    "schema": {"properties": {"nullable": {"type": "boolean"}}},
                    "examples": {"e": {"value": {"schema": {"nullable": true}}}},
                }}}},
            }}},
            "components": {"headers": {"H": {"schema": {"nullable": false}}}},
        });
        let p = problems(&doc);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].starts_with("paths//x/get/parameters/0/schema: "),
            "{p:#?}"
        );
        assert!(p[1].starts_with("components/headers/H/schema: "), "{p:#?}");
    }

    #[test]
    fn only_the_null_only_enum_passes_the_closed_enum_rule() {
        let doc = |alternative: Value| {
            json!({"openapi": "3.0.3",
                "paths": {"/x": {"get": {"operationId": "x", "responses": {"200": {"description": ""}}}}},
                "components": {"schemas": {"M": {"properties": {"m": {"anyOf": [{"type": "string"}, alternative]}}}}}})
        };
        assert_eq!(
            crate::lint(&doc(json!({"enum": [null]}))),
            Vec::<String>::new()
        );
        let p = crate::lint(&doc(json!({"enum": [null, "x"]})));
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].starts_with("components/schemas/M.m.anyOf[1]: `enum`"),
            "{p:#?}"
        );
    }

    #[test]
    fn the_workspace_spec_passes_and_fails_with_the_old_spelling() {
        let path = crate::workspace_root().join(crate::SPEC);
        let text = std::fs::read_to_string(path).expect("the spec");
        let mut doc: Value = serde_yaml_ng::from_str(&text).expect("YAML");
        assert_eq!(crate::lint(&doc), Vec::<String>::new());
        let meta = doc
            .pointer_mut("/components/schemas/MemberList/properties/meta")
            .expect("MemberList.meta");
        let target = meta["anyOf"][0].clone();
        *meta = json!({"nullable": true, "allOf": [target]});
        let p = crate::lint(&doc);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].starts_with("components/schemas/MemberList.meta: `nullable` without"),
            "{p:#?}"
        );
    }
}
