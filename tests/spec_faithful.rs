//! The spec read as OpenAPI 3.0.3 defines it, as tools other than progenitor
//! read it: null validates exactly where a schema says nullable (and the old
//! `nullable` + `allOf` spelling would fail), and non-JSON bodies are declared
//! only where a gateway sends them.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use tallyfy_api::types::{MemberItem, MemberList};
use tallyfy_tests::spec::{Spec, convert};

/// The pre-3.0.3 spelling `{nullable: true, allOf: [$ref]}` (which progenitor
/// reads as `Option`) does not admit null in a 3.0.3-faithful validator: this is
/// what the spec used to say for `meta`, `stats` and the rest, and it fails.
#[test]
fn the_old_nullable_spelling_rejects_null() {
    let doc = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    L: {type: object, properties: {n: {type: integer}}}
    Old:
      type: object
      properties:
        meta: {nullable: true, allOf: [{$ref: '#/components/schemas/L'}]}
        link: {nullable: true, $ref: '#/components/schemas/L'}
    New:
      type: object
      properties:
        meta: {anyOf: [{$ref: '#/components/schemas/L'}, {enum: [null]}]}
        raw: {description: untyped, admits anything}
"##;
    let spec = Spec::from_yaml(doc).expect("the old spelling compiles");
    for body in [json!({"meta": null}), json!({"link": null})] {
        let errors = spec
            .validate_schema("Old", &body)
            .expect_err("null is not allowed");
        assert!(
            errors[0].contains("null is not of type \"object\""),
            "{errors:?}"
        );
    }
    assert_eq!(
        spec.validate_schema("New", &json!({"meta": null, "raw": null})),
        Ok(())
    );
    assert!(spec.validate_schema("New", &json!({"meta": 3})).is_err());
    assert_eq!(
        spec.validate_schema("New", &json!({"meta": {"n": 1}})),
        Ok(())
    );
}

/// Whether the spec declares that `schema` admits null, read from the OpenAPI
/// text independently of the converter: `nullable: true` beside a `type`; an
/// alternative that admits null; every `allOf` part admitting it; an untyped
/// schema without alternatives.
fn declares_null(doc: &Value, schema: &Value) -> bool {
    if let Some(target) = schema["$ref"].as_str() {
        let pointer = target.strip_prefix('#').expect("a local $ref");
        return declares_null(doc, doc.pointer(pointer).expect("the $ref resolves"));
    }
    if let Some(enumeration) = schema["enum"].as_array() {
        return enumeration.contains(&Value::Null);
    }
    if schema.get("type").is_some() {
        return schema["nullable"] == json!(true);
    }
    let alternatives = ["anyOf", "oneOf"]
        .iter()
        .filter_map(|key| schema[*key].as_array())
        .flatten()
        .collect::<Vec<_>>();
    let all_of = schema["allOf"].as_array();
    if alternatives.is_empty() && all_of.is_none() {
        return schema.get("not").is_none();
    }
    (alternatives.is_empty() || alternatives.iter().any(|s| declares_null(doc, s)))
        && all_of.is_none_or(|parts| parts.iter().all(|s| declares_null(doc, s)))
}

/// Every property of every component schema admits null in the validator
/// exactly when the spec declares it nullable (in the 3.0.3 sense).
#[test]
fn null_validates_exactly_where_the_spec_says_nullable() {
    let spec = Spec::load();
    let doc = spec.document();
    let mut nullable = BTreeSet::new();
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        for (prop, prop_schema) in schema["properties"].as_object().into_iter().flatten() {
            let mut root = spec.json_schema(name).expect("a component");
            let root_map = root.as_object_mut().expect("an object");
            root_map.remove("$ref");
            let converted = convert(prop_schema, &format!("{name}.{prop}")).expect("converts");
            root_map.extend(converted.as_object().expect("an object").clone());
            let validator = jsonschema::draft202012::new(&root).expect("compiles");
            let admits = validator.is_valid(&Value::Null);
            assert_eq!(
                admits,
                declares_null(doc, prop_schema),
                "{name}.{prop}: the validator {} null",
                if admits { "admits" } else { "rejects" }
            );
            if admits {
                nullable.insert(format!("{name}.{prop}"));
            }
            checked += 1;
        }
    }
    // The references the issue named admit null; required envelopes and ids do not.
    for field in [
        "MemberList.meta",
        "ListMeta.pagination",
        "Pagination.links",
        "Member.groups",
        "Member.stats",
        "Member.country",
        "StatsWrapped.data",
        "CountryWrapped.data",
        "GroupsWrapped.data",
        "ErrorBody.error",
        "Member.assets",
    ] {
        assert!(nullable.contains(field), "{field} must admit null");
    }
    for field in ["MemberList.data", "MemberItem.data", "Member.id"] {
        assert!(!nullable.contains(field), "{field} must reject null");
    }
    assert!(
        checked > nullable.len(),
        "{checked} properties, all nullable?"
    );
}

/// The bodies the issue quoted: null where the spec now says nullable validates
/// and decodes to `None`; a string where a list belongs does not validate.
#[test]
fn nullable_references_validate_and_decode_as_none() {
    let spec = Spec::load();
    let list = json!({"data": [], "meta": null});
    assert_eq!(spec.validate_response("list_members", 200, &list), Ok(()));
    assert_eq!(
        serde_json::from_value::<MemberList>(list).unwrap().meta,
        None
    );
    let nulls = json!({"data": [], "meta": {"pagination": {"total": 1, "links": null}}});
    assert_eq!(spec.validate_response("list_members", 200, &nulls), Ok(()));
    let item = json!({"data": {"id": 1, "stats": null, "groups": null, "country": null}});
    assert_eq!(spec.validate_response("get_member", 200, &item), Ok(()));
    let member = serde_json::from_value::<MemberItem>(item).unwrap().data;
    assert_eq!(
        (member.stats, member.groups, member.country),
        (None, None, None)
    );
    let wrapped = json!({"data": {"id": 1, "stats": {"data": null}, "country": {"data": null}}});
    assert_eq!(spec.validate_response("get_member", 200, &wrapped), Ok(()));
    for wrong in [
        json!({"data": "canary"}),
        json!({"data": null}),
        json!({"data": [], "meta": 3}),
    ] {
        assert!(
            spec.validate_response("list_members", 200, &wrong).is_err(),
            "{wrong} must not validate"
        );
    }
}

/// 429 and 5XX declare `text/html` (a gateway's page, possibly empty) beside
/// JSON; other statuses and other media types are not declared.
#[test]
fn html_and_empty_bodies_are_declared_only_where_they_occur() {
    let spec = Spec::load();
    let page = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    for status in [429, 500, 502, 503, 504] {
        for op in ["list_members", "get_member"] {
            let html = Some("text/html; charset=UTF-8");
            assert_eq!(spec.validate_text_response(op, status, html, page), Ok(()));
            assert_eq!(spec.validate_text_response(op, status, None, ""), Ok(()));
        }
    }
    let errors = spec
        .validate_text_response("get_member", 404, Some("text/html"), page)
        .unwrap_err();
    assert_eq!(errors, ["get_member 404 declares no text/html"]);
    assert!(
        spec.validate_text_response("get_member", 404, None, "")
            .is_err()
    );
    assert!(
        spec.validate_text_response("list_members", 429, Some("text/plain"), "x")
            .is_err()
    );
}
