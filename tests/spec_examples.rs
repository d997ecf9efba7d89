//! Every response example in `openapi/tallyfy.yaml` matches its own schema and
//! decodes into the generated Rust type; and the validator can fail.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use tallyfy_api::types::{ErrorBody, MemberItem, MemberList};
use tallyfy_tests::spec::{Example, Spec, convert};

/// Spec examples known NOT to validate, with the message expected for each.
/// Empty: every example validates. The test fails when the set changes, in either
/// direction, so a new gap is listed and reviewed here rather than hidden.
const KNOWN_INVALID: &[(&str, &str)] = &[];

fn describe(example: &Example) -> String {
    format!(
        "{} {} at {}",
        example.operation_id, example.status, example.location
    )
}

#[test]
fn spec_has_examples_for_every_operation() {
    let spec = Spec::load();
    let examples = spec.examples();
    for operation_id in ["list_members", "get_member"] {
        for status in ["200", "401", "404", "422", "5XX"] {
            assert!(
                examples
                    .iter()
                    .any(|e| e.operation_id == operation_id && e.status == status),
                "no example for {operation_id} {status}"
            );
        }
    }
}

#[test]
fn every_example_validates_against_its_schema() {
    let spec = Spec::load();
    let mut unexpected = Vec::new();
    let mut known_seen = BTreeSet::new();
    for example in spec.examples() {
        let outcome =
            spec.validate_response_key(&example.operation_id, &example.status, &example.value);
        let known = KNOWN_INVALID
            .iter()
            .find(|(location, _)| example.location.ends_with(location));
        match (outcome, known) {
            (Ok(()), None) => {}
            (Ok(()), Some((location, _))) => unexpected.push(format!(
                "{} now validates: remove {location:?} from KNOWN_INVALID",
                describe(&example)
            )),
            (Err(errors), Some((location, message)))
                if errors.iter().all(|e| e.contains(message)) =>
            {
                known_seen.insert(*location);
            }
            (Err(errors), _) => unexpected.push(format!(
                "{}:\n    {}",
                describe(&example),
                errors.join("\n    ")
            )),
        }
    }
    assert!(
        unexpected.is_empty(),
        "examples vs. schemas:\n  {}",
        unexpected.join("\n  ")
    );
    let stale: Vec<_> = KNOWN_INVALID
        .iter()
        .filter(|(location, _)| !known_seen.contains(location))
        .collect();
    assert!(
        stale.is_empty(),
        "KNOWN_INVALID names missing examples: {stale:?}"
    );
}

#[test]
fn every_example_decodes_into_the_generated_type() {
    let spec = Spec::load();
    let mut failures = Vec::new();
    for example in spec.examples() {
        let body = example.value.clone();
        let decoded = match (example.operation_id.as_str(), example.status.as_str()) {
            ("list_members", "200") => serde_json::from_value::<MemberList>(body).map(|_| ()),
            ("get_member", "200") => serde_json::from_value::<MemberItem>(body).map(|_| ()),
            (_, status) if !status.starts_with('2') => {
                serde_json::from_value::<ErrorBody>(body).map(|_| ())
            }
            _ => {
                failures.push(format!("{}: no Rust type known", describe(&example)));
                continue;
            }
        };
        if let Err(e) = decoded {
            failures.push(format!("{}: {e}", describe(&example)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `examples()` reaches every example written under `components/responses`, so
/// none escapes the two tests above (an unreferenced response would).
#[test]
fn every_component_response_example_is_reached() {
    let spec = Spec::load();
    let reached: BTreeSet<String> = spec.examples().into_iter().map(|e| e.location).collect();
    let responses = spec.document()["components"]["responses"]
        .as_object()
        .expect("components/responses");
    let mut missing = Vec::new();
    for (name, response) in responses {
        let content = response["content"].as_object().into_iter().flatten();
        for (media_type, media) in content {
            for example in media["examples"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|e| e.0)
            {
                let location = format!(
                    "/components/responses/{name}/content/{}/examples/{example}",
                    media_type.replace('/', "~1")
                );
                if !reached.contains(&location) {
                    missing.push(location);
                }
            }
        }
    }
    assert!(missing.is_empty(), "unreferenced examples: {missing:?}");
}

#[test]
fn validator_rejects_a_member_without_id() {
    let spec = Spec::load();
    let body = json!({"data": [{"email": "x"}]});
    let errors = spec
        .validate_response("list_members", 200, &body)
        .expect_err("a member without id must be rejected");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/data/0:") && e.contains("\"id\" is a required property")),
        "{errors:?}"
    );
    let errors = spec
        .validate_schema("Member", &json!({"id": "1001"}))
        .expect_err("a string id must be rejected");
    assert!(errors[0].starts_with("/id:"), "{errors:?}");
}

#[test]
fn validator_rejects_wrong_types_and_accepts_nulls() {
    let spec = Spec::load();
    let member = |extra: Value| {
        let mut m = json!({"id": 1});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        spec.validate_schema("Member", &m)
    };
    assert_eq!(member(json!({"email": null, "invited_by": null})), Ok(()));
    assert!(member(json!({"email": 5})).is_err());
    assert!(member(json!({"active": "yes"})).is_err());
    assert!(member(json!({"groups": "g1"})).is_err());
    // A nullable `allOf` (StatsWrapped.data) accepts null, and nothing else but the schema.
    assert_eq!(
        spec.validate_schema("StatsWrapped", &json!({"data": null})),
        Ok(())
    );
    assert!(
        spec.validate_schema("StatsWrapped", &json!({"data": 3}))
            .is_err()
    );
    assert!(spec.validate_schema("StatsWrapped", &json!({})).is_err());
    // An unknown schema name is an error, not a pass.
    assert!(spec.validate_schema("Nope", &json!({})).is_err());
}

#[test]
fn validator_status_lookup_falls_back_to_ranges() {
    let spec = Spec::load();
    let error = json!({"error": true, "message": "Server Error"});
    for status in [500, 502, 503, 504] {
        assert_eq!(spec.validate_response("get_member", status, &error), Ok(()));
    }
    assert!(
        spec.validate_response("get_member", 503, &json!({"message": 1}))
            .is_err()
    );
    let none = spec
        .validate_response("get_member", 418, &error)
        .unwrap_err();
    assert_eq!(none, ["get_member declares no response for 418"]);
    assert!(spec.validate_response("nope", 200, &error).is_err());
}

#[test]
fn conversion_handles_openapi_only_keywords() {
    // OpenAPI 3.0 ignores a `$ref`'s siblings, `nullable` among them.
    let nullable_ref = json!({"$ref": "#/components/schemas/Member", "nullable": true});
    assert_eq!(
        convert(&nullable_ref, "t").unwrap(),
        json!({"$ref": "#/$defs/Member"})
    );
    // `nullable` widens the `type` beside it and nothing else: an `enum` must list null.
    let schema = json!({
        "type": "integer", "nullable": true, "minimum": 1, "exclusiveMinimum": true,
        "example": 3, "deprecated": true, "readOnly": true, "x-rust-type": "u8",
        "enum": [1, 2]
    });
    assert_eq!(
        convert(&schema, "t").unwrap(),
        json!({"type": ["integer", "null"], "exclusiveMinimum": 1, "enum": [1, 2]})
    );
    // Without `type` it does nothing: not through `oneOf`, not through `allOf`.
    let one_of = json!({"nullable": true, "oneOf": [{"type": "string"}], "discriminator": {}});
    assert_eq!(
        convert(&one_of, "t").unwrap(),
        json!({"oneOf": [{"type": "string"}]})
    );
    let all_of = json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/M"}]});
    assert_eq!(
        convert(&all_of, "t").unwrap(),
        json!({"allOf": [{"$ref": "#/$defs/M"}]})
    );
    // A property named like a keyword is a property, not a keyword.
    let props = json!({"properties": {"example": {"type": "string", "xml": {}}}});
    assert_eq!(
        convert(&props, "t").unwrap(),
        json!({"properties": {"example": {"type": "string"}}})
    );
    assert!(convert(&json!({"$ref": "other.yaml#/X"}), "t").is_err());
}

#[test]
fn broken_specs_are_rejected() {
    let dangling = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      operationId: x
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
"##;
    let error = Spec::from_yaml(dangling).expect_err("a dangling $ref is an error");
    assert!(error.contains("Missing"), "{error}");
    let no_id = "openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses: {}\n";
    let error = Spec::from_yaml(no_id).expect_err("operationId is required");
    assert!(error.contains("operationId"), "{error}");
    assert!(Spec::from_yaml("{not yaml").is_err());
}

#[test]
fn spec_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Spec>();
    let spec = Spec::load();
    assert!(spec.schema_names().contains(&"Member"));
    let schema = spec.json_schema("Member").expect("Member");
    assert_eq!(schema["$ref"], "#/$defs/Member");
    assert_eq!(schema["$defs"]["Member"]["required"], json!(["id"]));
}
