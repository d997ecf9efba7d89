//! End-to-end tests of the `tallyfy` binary, run as a process against an in-process
//! fake Tallyfy server (or its own `--demo` one).

mod support;

// The test binary's parts, in `tests/cli/` (a test crate's root looks for its
// modules beside it, so each is named by path).
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/formats.rs"]
mod formats;
#[path = "cli/get.rs"]
mod get;
#[path = "cli/robustness.rs"]
mod robustness;
#[path = "cli/streaming.rs"]
mod streaming;

use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;
use support::{Fake, Lines, Run, id_range, ids, query_value, run, run_with_token, std_command};
use tallyfy_fake::{FakeTallyfy, Fault, FaultKind, Faults, RetryAfter};

/// Asserts that `printed` (a member as the CLI printed it, includes removed) holds
/// exactly the fake's non-null fields for that member, including keys the spec does
/// not name (the fake's `beta_flags`): nothing the server sent is lost.
#[track_caller]
fn assert_same_member(printed: &Value, served: &Value) {
    let printed = printed.as_object().expect("printed member is an object");
    let served = served.as_object().expect("served member is an object");
    for (key, value) in served {
        if value.is_null() {
            assert!(
                printed.get(key).is_none_or(Value::is_null),
                "member {}: {key} printed as {:?}, served as {value}",
                served["id"],
                printed.get(key)
            );
            continue;
        }
        assert_eq!(
            printed.get(key),
            Some(value),
            "member {}: field {key}",
            served["id"]
        );
    }
    for (key, value) in printed {
        assert!(
            served.contains_key(key) || ["groups", "stats", "country"].contains(&key.as_str()),
            "member {}: printed field {key} = {value} that the fake never sent",
            served["id"]
        );
    }
}

fn without_includes(member: &Value) -> Value {
    let mut member = member.clone();
    let object = member.as_object_mut().expect("member object");
    for key in ["groups", "stats", "country"] {
        object.remove(key);
    }
    member
}

// ---------------------------------------------------------------------------------
// 1. --demo
// ---------------------------------------------------------------------------------

#[test]
fn demo_lists_all_250_members_as_ndjson_in_id_order() {
    let run = run(&["--demo", "members", "list", "--all", "--format", "ndjson"]);
    run.success();
    assert_eq!(run.stdout.lines().count(), 250);
    assert!(run.stdout.ends_with('\n'));
    let members = run.ndjson();
    let ids = ids(&members);
    assert_eq!(ids, id_range(1001, 250), "unique ids in id order");
    for member in &members {
        assert!(member["email"].as_str().is_some_and(|e| e.contains('@')));
        assert!(member["full_name"].is_string(), "{member}");
    }
    // The demo is seeded: its first member is always the organization's admin.
    assert_eq!(members[0]["role"], "admin");
    assert_eq!(members[0]["status"], "active");
}

// ---------------------------------------------------------------------------------
// 2. Filters across pages
// ---------------------------------------------------------------------------------

/// What the fake holds for `q` (case-insensitive substring of first name, last name
/// or email) sorted by `-created_at` (ties in id order).
fn expected_filtered(fake: &Fake, q: &str) -> Vec<Value> {
    let needle = q.to_lowercase();
    let mut members: Vec<Value> = fake
        .fake
        .members()
        .into_iter()
        .filter(|m| {
            ["first_name", "last_name", "email"].iter().any(|key| {
                m[*key]
                    .as_str()
                    .is_some_and(|v| v.to_lowercase().contains(&needle))
            })
        })
        .collect();
    members.sort_by(|a, b| {
        let (ca, cb) = (a["created_at"].as_str(), b["created_at"].as_str());
        cb.cmp(&ca)
            .then_with(|| a["id"].as_i64().cmp(&b["id"].as_i64()))
    });
    members
}

#[test]
fn list_all_with_filters_matches_the_fake_and_sends_them_on_every_page() {
    let fake = Fake::start(FakeTallyfy::builder().members(120).seed(7));
    let q = "N"; // upper case: the search is case-insensitive
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "25",
        "--all",
        "--format",
        "ndjson",
        "--q",
        q,
        "--sort",
        "-created_at",
        "--with",
        "groups",
    ]);
    run.success();
    let expected = expected_filtered(&fake, q);
    assert!(
        (51..120).contains(&expected.len()),
        "the filter should keep several pages but not everyone: {}",
        expected.len()
    );
    let printed = run.ndjson();
    assert_eq!(ids(&printed), ids(&expected), "same members, same order");
    for (printed, served) in printed.iter().zip(&expected) {
        assert_same_member(&without_includes(printed), served);
        assert!(
            printed["groups"]["data"].is_array(),
            "groups included: {printed}"
        );
    }
    assert!(
        printed.iter().any(|m| m["groups"]["data"]
            .as_array()
            .is_some_and(|g| !g.is_empty())),
        "some member belongs to a group"
    );

    let requests = fake.list_requests();
    let pages = expected.len().div_ceil(25);
    // One request per page, and page 1 again at the end (the end-of-walk check).
    let checks = usize::from(pages > 1);
    assert_eq!(
        requests.len(),
        pages + checks,
        "one request per page: {requests:#?}"
    );
    for (i, request) in requests.iter().enumerate() {
        let pairs = &request.query_pairs;
        assert_eq!(query_value(pairs, "q"), Some(q), "{request:?}");
        assert_eq!(
            query_value(pairs, "sort"),
            Some("-created_at"),
            "{request:?}"
        );
        assert_eq!(query_value(pairs, "with"), Some("groups"), "{request:?}");
        assert_eq!(query_value(pairs, "per_page"), Some("25"), "{request:?}");
        let page = query_value(pairs, "page").unwrap_or("1");
        // The forward pages in order, then the end-of-walk check of page 1.
        let want = if i < pages { i + 1 } else { 1 };
        assert_eq!(page, want.to_string(), "{request:?}");
        assert_eq!(request.status, Some(200));
        assert!(request.has_authorization);
        assert_eq!(request.client.as_deref(), Some("APIClient"));
    }
}

#[test]
fn token_may_be_passed_with_the_flag() {
    let fake = Fake::start(FakeTallyfy::builder().members(12));
    let args = fake.args(&[
        "--token",
        "fake-token",
        "members",
        "list",
        "--format",
        "ndjson",
    ]);
    let run = run(&args);
    run.success();
    assert_eq!(ids(&run.ndjson()), id_range(1001, 12));
    assert!(fake.fake.requests().iter().all(|r| r.has_authorization));
}

// ---------------------------------------------------------------------------------
// 4. members get
// ---------------------------------------------------------------------------------

#[test]
fn max_stops_the_walk_after_that_many_members() {
    let run = run(&[
        "--demo", "members", "list", "--max", "30", "--all", "--format", "ndjson",
    ]);
    run.success();
    assert_eq!(run.stdout.lines().count(), 30);
    assert_eq!(ids(&run.ndjson()), id_range(1001, 30));

    // Against a fake with small pages: only the pages needed are fetched.
    let fake = Fake::start(FakeTallyfy::builder().members(100));
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--max",
        "25",
        "--all",
        "--format",
        "json",
    ]);
    run.success();
    let doc = run.json();
    assert_eq!(ids(doc["data"].as_array().unwrap()), id_range(1001, 25));
    assert_eq!(doc["meta"]["walk"]["truncated"], true);
    assert_eq!(doc["meta"]["walk"]["members"], 25);
    assert_eq!(fake.list_requests().len(), 3);
}

/// The page a recorded list request asked for.
fn page_of(request: &tallyfy_fake::RecordedRequest) -> u64 {
    query_value(&request.query_pairs, "page").map_or(1, |p| p.parse().unwrap())
}

#[test]
fn concurrency_fetches_pages_at_once_and_prints_them_in_order() {
    // Page 1 is answered; later answers are held, so the test sees 4 pages in flight
    // at once and answers them last page first.
    let fake = Fake::start(FakeTallyfy::builder().members(95));
    fake.fake.hold_after(1);
    let mut child = fake
        .std_command(&[
            "members",
            "list",
            "--per-page",
            "10",
            "--concurrency",
            "4",
            "--all",
            "--format",
            "ndjson",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tallyfy");
    let lines = Lines::read(child.stdout.take().expect("piped stdout"));
    fake.wait("4 pages in flight", fake.fake.wait_for_arrivals(5));
    let arrived: Vec<u64> = fake.fake.arrived_requests().iter().map(page_of).collect();
    let in_flight: HashSet<u64> = arrived.iter().copied().collect();
    assert_eq!(in_flight, HashSet::from([1, 2, 3, 4, 5]), "{arrived:?}");
    for (answered, page) in (2..=5u64).rev().enumerate() {
        let arrival = 1 + arrived.iter().position(|p| *p == page).unwrap();
        fake.fake.release(arrival);
        fake.wait("a released page", fake.fake.wait_for_answers(answered + 2));
    }
    fake.fake.release_all();
    let printed: Vec<Value> = std::iter::from_fn(|| lines.next())
        .map(|line| serde_json::from_str(&line).expect("a JSON line"))
        .collect();
    assert!(child.wait().expect("wait").success());
    assert_eq!(ids(&printed), id_range(1001, 95), "printed in page order");

    let pages: Vec<u64> = fake.list_requests().iter().map(page_of).collect();
    assert_eq!(pages[..5], [1, 5, 4, 3, 2], "answered out of order");
    let mut sorted = pages.clone();
    sorted.sort_unstable();
    // Pages 1 to 10, and page 1 once more: the end-of-walk check.
    let mut expected: Vec<u64> = (1..=10).collect();
    expected.insert(0, 1);
    assert_eq!(sorted, expected);
}

// ---------------------------------------------------------------------------------
// 7. Errors and exit codes
// ---------------------------------------------------------------------------------
