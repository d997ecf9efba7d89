//! Every fixture in `tests/data/` matches the spec for the response it stands for.
//! (`decoding.rs` checks that the same bodies decode into the generated types.)

use std::collections::BTreeSet;
use tallyfy_tests::{data, spec::Spec};

/// What a fixture is checked against.
enum Target {
    /// `validate_response(operation_id, status)`.
    Response(&'static str, u16),
    /// `validate_schema(name)`: for bodies of routes outside the spec.
    Schema(&'static str),
}
use Target::{Response, Schema};

const FIXTURES: &[(&str, Target)] = &[
    ("list_middle_page.json", Response("list_members", 200)),
    ("list_last_page.json", Response("list_members", 200)),
    ("list_single_page.json", Response("list_members", 200)),
    ("list_null_includes.json", Response("list_members", 200)),
    ("list_nulls_everywhere.json", Response("list_members", 200)),
    ("list_meta_null.json", Response("list_members", 200)),
    ("list_pagination_null.json", Response("list_members", 200)),
    ("member_includes_wrapped.json", Response("get_member", 200)),
    ("member_includes_bare.json", Response("get_member", 200)),
    ("member_unknown_keys.json", Response("get_member", 200)),
    ("member_docs_2026.json", Response("get_member", 200)),
    // A bare member with keys the spec does not name: it must round-trip (tallyfy-ext tests).
    ("member_round_trip.json", Schema("Member")),
    ("error_true_message.json", Response("get_member", 404)),
    ("error_oauth_string.json", Response("list_members", 401)),
    // 409 comes from invite/role/enable routes, which the spec does not describe.
    ("error_structured.json", Schema("ErrorBody")),
    ("error_laravel_422.json", Response("list_members", 422)),
    ("error_errors_only.json", Response("list_members", 422)),
    ("error_rate_limited.json", Response("get_member", 429)),
];

/// Realistic bodies the spec rejects, as `(fixture, [(instance path, message)])`.
/// Empty: every fixture validates. A spec change that rejects one must list it here,
/// with the reason, so the gap is reviewed rather than hidden. The test fails when
/// the set of failures changes, in either direction.
const KNOWN_INVALID: &[(&str, &[(&str, &str)])] = &[];

#[test]
fn every_fixture_is_listed() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(data::dir())
        .expect("tests/data")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, listed, "add new fixtures to FIXTURES");
}

#[test]
fn every_fixture_matches_the_spec() {
    let spec = Spec::load();
    let mut problems = Vec::new();
    for (name, target) in FIXTURES {
        let body = data::json(name);
        let outcome = match target {
            Response(operation_id, status) => spec.validate_response(operation_id, *status, &body),
            Schema(schema) => spec.validate_schema(schema, &body),
        };
        let errors = outcome.err().unwrap_or_default();
        let expected = KNOWN_INVALID
            .iter()
            .find(|(fixture, _)| fixture == name)
            .map_or(&[][..], |(_, expected)| *expected);
        let matches_expected = errors.len() == expected.len()
            && errors.iter().all(|error| {
                expected.iter().any(|(path, message)| {
                    error.starts_with(&format!("{path}: ")) && error.contains(message)
                })
            });
        if !matches_expected {
            problems.push(format!(
                "{name}: expected {expected:?}, got:\n    {}",
                errors.join("\n    ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
