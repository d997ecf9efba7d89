//! Verdicts of the spec-level comparison on edits of the workspace spec: each
//! test edits a copy in memory and checks the verdict and the reason given.

use serde_json::{Value, json};
use xtask::spec_diff::{diff_specs, includes, read_spec};
use xtask::verdict::{Verdict, verdict_of};

fn spec() -> Value {
    read_spec(&xtask::workspace_root().join(xtask::SPEC)).expect("the workspace spec parses")
}

fn at<'v>(doc: &'v mut Value, pointer: &str) -> &'v mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} is in the spec"))
}

fn props<'v>(doc: &'v mut Value, schema: &str) -> &'v mut serde_json::Map<String, Value> {
    at(doc, &format!("/components/schemas/{schema}/properties"))
        .as_object_mut()
        .expect("properties is a map")
}

/// The verdict of `edit`, after checking that some reason contains `reason`.
fn verdict(edit: impl FnOnce(&mut Value), reason: &str) -> Verdict {
    let old = spec();
    let mut new = old.clone();
    edit(&mut new);
    assert_ne!(old, new, "the edit changes the spec");
    let changes = diff_specs(&old, &new);
    let text: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|line| line.contains(reason)),
        "no reason mentions {reason:?}: {text:#?}"
    );
    verdict_of(&changes)
}

fn list_params(doc: &mut Value) -> &mut Vec<Value> {
    at(
        doc,
        "/paths/~1organizations~1{org_id}~1users/get/parameters",
    )
    .as_array_mut()
    .expect("parameters is a list")
}

#[test]
fn identical_specs_have_no_changes() {
    assert_eq!(diff_specs(&spec(), &spec()), vec![]);
}

#[test]
fn optional_filter_and_nullable_field_are_minor() {
    let v = verdict(
        |doc| {
            list_params(doc).push(json!({
                "name": "role", "in": "query", "required": false,
                "schema": {"type": "string"}
            }));
            props(doc, "Member").insert(
                "nickname".into(),
                json!({"type": "string", "nullable": true}),
            );
        },
        "Member.nickname: optional field added",
    );
    assert_eq!(v, Verdict::Minor);
    let v = verdict(
        |doc| {
            list_params(doc)
                .push(json!({"name": "role", "in": "query", "schema": {"type": "string"}}))
        },
        "query parameter role: optional parameter added",
    );
    assert_eq!(v, Verdict::Minor);
}

#[test]
fn removing_a_field_is_major() {
    let v = verdict(
        |doc| {
            props(doc, "Member").remove("email");
        },
        "Member.email: field removed",
    );
    assert_eq!(v, Verdict::Major);
}

#[test]
fn making_a_field_required_is_major() {
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/Member/required")
                .as_array_mut()
                .expect("required is a list")
                .push(json!("email"))
        },
        "Member.email: made required",
    );
    assert_eq!(v, Verdict::Major);
}

#[test]
fn rewording_a_description_is_patch() {
    let v = verdict(
        |doc| {
            *at(
                doc,
                "/components/schemas/Member/properties/username/description",
            ) = json!("Null until an invited member signs up.")
        },
        "/components/schemas/Member/properties/username/description: text changed",
    );
    assert_eq!(v, Verdict::Patch);
    let v = verdict(
        |doc| *at(doc, "/info/description") = json!("Members."),
        "/info/description",
    );
    assert_eq!(v, Verdict::Patch);
}

#[test]
fn a_field_called_description_is_a_field() {
    let v = verdict(
        |doc| {
            props(doc, "Group").remove("description");
        },
        "Group.description: field removed",
    );
    assert_eq!(v, Verdict::Major);
}

#[test]
fn non_nullable_and_narrower_types_are_major() {
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/Member/properties/email")
                .as_object_mut()
                .expect("a schema")
                .remove("nullable");
        },
        "Member.email: made non-nullable",
    );
    assert_eq!(v, Verdict::Major);
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/Member/properties/invited_by")
                .as_object_mut()
                .expect("a schema")
                .insert("minimum".into(), json!(1));
        },
        "Member.invited_by: minimum tightened",
    );
    assert_eq!(v, Verdict::Major);
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/Member/properties/role")
                .as_object_mut()
                .expect("a schema")
                .insert("enum".into(), json!(["admin"]));
        },
        "Member.role: closed to an enum",
    );
    assert_eq!(v, Verdict::Major);
    // GroupId loses its integer alternative: `oneOf` compared resolved.
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/GroupId/oneOf")
                .as_array_mut()
                .expect("a list")
                .pop();
        },
        "GroupId: alternative integer removed",
    );
    assert_eq!(v, Verdict::Major);
}

#[test]
fn nullable_wrapper_is_judged_through_all_of() {
    // `meta: {anyOf: [$ref ListMeta, {enum: [null]}]}` loses its null alternative.
    let v = verdict(
        |doc| {
            at(doc, "/components/schemas/MemberList/properties/meta/anyOf")
                .as_array_mut()
                .expect("a list")
                .pop();
        },
        "ListMeta: made non-nullable",
    );
    assert_eq!(v, Verdict::Major);
    // A field of the referenced schema is reached through the wrapper.
    let v = verdict(
        |doc| {
            props(doc, "Pagination").remove("total_pages");
        },
        "Pagination.total_pages: field removed",
    );
    assert_eq!(v, Verdict::Major);
}

#[test]
fn renaming_a_component_with_the_same_shape_is_patch() {
    let old = spec();
    let text = serde_json::to_string(&old)
        .expect("serializes")
        .replace("PageLinks", "PaginationLinkObject");
    let new: Value = serde_json::from_str(&text).expect("parses");
    let changes = diff_specs(&old, &new);
    assert_eq!(verdict_of(&changes), Verdict::Patch, "{changes:#?}");
}

#[test]
fn parameters_operations_and_includes() {
    let v = verdict(
        |doc| {
            list_params(doc).retain(|p| p.get("name") != Some(&json!("q")));
        },
        "query parameter q: removed",
    );
    assert_eq!(v, Verdict::Major);
    let v = verdict(
        |doc| {
            *at(
                doc,
                "/paths/~1organizations~1{org_id}~1users/get/parameters/3/required",
            ) = json!(true)
        },
        "query parameter per_page: made required",
    );
    assert_eq!(v, Verdict::Major);
    let v = verdict(
        |doc| {
            *at(
                doc,
                "/paths/~1organizations~1{org_id}~1users~1{user_id}/get/operationId",
            ) = json!("fetch_member")
        },
        "operation get_member: removed (or renamed)",
    );
    assert_eq!(v, Verdict::Major);
    let with = "/components/parameters/With/description";
    let v = verdict(
        |doc| {
            let text = at(doc, with)
                .as_str()
                .expect("text")
                .replace("`stats`, ", "");
            *at(doc, with) = json!(text);
        },
        "operation list_members: include stats removed",
    );
    assert_eq!(v, Verdict::Major);
    let v = verdict(
        |doc| {
            let text = at(doc, with)
                .as_str()
                .expect("text")
                .replace("`groups`, ", "`groups`, `tags`, ");
            *at(doc, with) = json!(text);
        },
        "operation get_member: include tags added",
    );
    assert_eq!(v, Verdict::Minor);
}

#[test]
fn includes_are_the_listed_values_only() {
    let doc = spec();
    let with = doc.pointer("/components/parameters/With").expect("With");
    let names: Vec<String> = includes(with).into_iter().collect();
    assert_eq!(
        names,
        [
            "assets",
            "auth_methods",
            "country",
            "groups",
            "guest_watchers",
            "member_watchers",
            "organizations",
            "preferences",
            "stats"
        ],
        "the `groups,stats` example before `Values:` is not an include"
    );
}

#[test]
fn respelling_a_nullable_reference_is_no_change() {
    // The pre-3.0.3 spelling `{nullable: true, allOf: [$ref]}` (which progenitor
    // also reads as `Option`) and `anyOf: [$ref, {enum: [null]}]` decode alike.
    let new = spec();
    let mut old = new.clone();
    let meta = at(&mut old, "/components/schemas/MemberList/properties/meta");
    let target = meta["anyOf"][0].clone();
    *meta = json!({"nullable": true, "allOf": [target]});
    // `nullable` beside no `type` adds nothing to an untyped schema, which admits null.
    props(&mut old, "Member")["assets"]["nullable"] = json!(true);
    assert_ne!(old, new);
    assert_eq!(diff_specs(&old, &new), vec![]);
}
