//! End-to-end tests of the `tallyfy` binary, run as a process against an in-process
//! fake Tallyfy server (or its own `--demo` one).

mod support;

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
// 3. Formats
// ---------------------------------------------------------------------------------

#[test]
fn json_format_one_page_is_one_document_with_pagination_meta() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--page",
        "2",
        "--format",
        "json",
    ]);
    run.success();
    let doc = run.json();
    let data = doc["data"].as_array().expect("data array");
    assert_eq!(ids(data), id_range(1011, 10));
    let served = fake.fake.members();
    for (printed, served) in data.iter().zip(&served[10..20]) {
        assert_same_member(printed, served);
    }
    let pagination = &doc["meta"]["pagination"];
    assert_eq!(pagination["total"], 23);
    assert_eq!(pagination["count"], 10);
    assert_eq!(pagination["per_page"], 10);
    assert_eq!(pagination["current_page"], 2);
    assert_eq!(pagination["total_pages"], 3);
    assert_eq!(fake.list_requests().len(), 1);
}

#[test]
fn json_format_all_pages_is_one_document_with_walk_meta() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--format",
        "json",
    ]);
    run.success();
    let doc = run.json();
    assert_eq!(
        ids(doc["data"].as_array().expect("data")),
        id_range(1001, 23)
    );
    let walk = &doc["meta"]["walk"];
    assert_eq!(walk["pages"], 3);
    assert_eq!(walk["members"], 23);
    assert_eq!(walk["truncated"], false);
    assert_eq!(walk["duplicates_skipped"], 0);
    assert_eq!(
        fake.list_requests().len(),
        4,
        "3 pages and the end-of-walk check"
    );
}

/// The first whitespace-separated cell of each table body row, as an id.
fn table_ids(rows: &[&str]) -> Vec<i64> {
    rows.iter()
        .map(|row| {
            row.split_whitespace()
                .next()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("row without an id: {row:?}"))
        })
        .collect()
}

#[test]
fn table_format_has_a_header_rows_and_a_count_footer() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));

    // One page.
    let run = fake.run(&["members", "list", "--per-page", "5"]);
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 5 + 1, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["ID", "NAME", "EMAIL", "ROLE", "STATUS"]);
    assert_eq!(table_ids(&lines[1..6]), id_range(1001, 5));
    assert_eq!(lines[6], "(5 members)");
    let first = &fake.fake.members()[0];
    assert!(
        lines[1].contains(first["email"].as_str().unwrap()),
        "{}",
        lines[1]
    );

    // Every page, with a GROUPS column.
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--with",
        "groups",
    ]);
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 23 + 1, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["ID", "NAME", "EMAIL", "ROLE", "STATUS", "GROUPS"]);
    assert_eq!(table_ids(&lines[1..24]), id_range(1001, 23));
    assert_eq!(lines[24], "(23 members)");
}

// ---------------------------------------------------------------------------------
// 4. members get
// ---------------------------------------------------------------------------------

#[test]
fn get_member_with_includes_as_json() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    let run = fake.run(&[
        "members",
        "get",
        "1001",
        "--with",
        "groups,stats,country",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(run.stdout.lines().count(), 1);
    let doc = run.json();
    let object = doc.as_object().expect("object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["data"]);
    let member = &doc["data"];
    assert_eq!(member["id"], 1001);
    assert_same_member(&without_includes(member), &fake.fake.members()[0]);
    let groups = member["groups"]["data"].as_array().expect("groups.data");
    assert!(!groups.is_empty(), "member 1001 of seed 42 is in a group");
    assert!(groups.iter().all(|g| g["name"].is_string()));
    assert!(
        member["stats"]["data"]["tasks_completed"].is_i64(),
        "{member}"
    );
    assert!(member["country"]["data"]["name"].is_string(), "{member}");

    let requests = fake.fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].path.ends_with("/users/1001"), "{requests:?}");
    assert_eq!(
        query_value(&requests[0].query_pairs, "with"),
        Some("groups,stats,country")
    );
}

#[test]
fn get_member_as_table_and_ndjson() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    let served = &fake.fake.members()[0];

    let run = fake.run(&["members", "get", "1001", "--with", "groups,stats,country"]);
    run.success();
    let field = |name: &str| -> String {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in:\n{}", run.stdout));
        line[name.len()..].trim().to_owned()
    };
    assert_eq!(field("id"), "1001");
    assert_eq!(field("email"), served["email"].as_str().unwrap());
    assert!(!field("groups").is_empty(), "{}", run.stdout);
    assert!(
        field("stats").contains("tasks_completed="),
        "{}",
        run.stdout
    );
    assert!(!field("country").is_empty(), "{}", run.stdout);

    let run = fake.run(&["members", "get", "1002", "--format", "ndjson"]);
    run.success();
    let lines = run.ndjson();
    assert_eq!(lines.len(), 1);
    assert_same_member(&lines[0], &fake.fake.members()[1]);
}

// ---------------------------------------------------------------------------------
// 5. and 6. --max and --concurrency
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

#[test]
fn wrong_token_is_unauthorized_exit_1() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    let run = run_with_token(
        Some("not-the-token"),
        &fake.args(&["members", "list", "--all", "--format", "ndjson"]),
    );
    let line = run.failure(1);
    assert!(line.contains("unauthorized"), "{line}");
    assert!(line.contains("401"), "{line}");
    // A 401 is not retried.
    assert_eq!(fake.fake.request_count(), 1);
}

#[test]
fn unknown_org_is_forbidden_exit_1() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    let mut args = fake.args(&["members", "list"]);
    args[3] = "some-other-org".to_owned();
    let run = run_with_token(Some(fake.fake.token()), &args);
    let line = run.failure(1);
    assert!(line.contains("forbidden"), "{line}");
    assert!(line.contains("403"), "{line}");
    assert!(
        fake.fake.requests()[0].path.contains("/some-other-org/"),
        "the --org value is the one used"
    );
}

#[test]
fn unknown_member_is_not_found_exit_1() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    let run = fake.run(&["members", "get", "99999"]);
    let line = run.failure(1);
    assert!(line.contains("not found"), "{line}");
    assert!(line.contains("404"), "{line}");
}

#[test]
fn bad_usage_exits_2_without_a_request() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    let cases: [(&[&str], &str); 6] = [
        (&["members", "list", "--per-page", "0"], "--per-page"),
        (&["members", "list", "--with", "no pe"], "no pe"),
        (&["members", "list", "--concurrency", "0"], "--concurrency"),
        (&["members", "list", "--page", "0"], "--page"),
        (&["members", "get", "0"], "USER_ID"),
        (&["--timeout", "0", "members", "list"], "--timeout"),
    ];
    for (args, mentions) in cases {
        let run = fake.run(args);
        let text = run.usage_error();
        assert!(text.contains(mentions), "{args:?}: {text}");
    }
    assert_eq!(fake.fake.request_count(), 0, "usage errors send nothing");
}

#[test]
fn missing_token_exits_2() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    let run = run(&fake.args(&["members", "list"]));
    let line = run.failure(2);
    assert!(line.contains("no access token"), "{line}");
    assert!(line.contains("TALLYFY_ACCESS_TOKEN"), "{line}");
    assert_eq!(fake.fake.request_count(), 0);
}

#[test]
fn missing_org_exits_2() {
    let run = run_with_token(Some("tok"), &["members", "list"]);
    let line = run.failure(2);
    assert!(line.contains("no organization"), "{line}");
}

#[test]
fn plain_http_base_url_to_a_remote_host_exits_2() {
    let run = run_with_token(
        Some("tok"),
        &[
            "--base-url",
            "http://example.com",
            "--org",
            "o",
            "members",
            "list",
        ],
    );
    let line = run.failure(2);
    assert!(line.contains("http://example.com"), "{line}");
    assert!(line.contains("https://"), "{line}");
}

#[test]
fn non_numeric_user_id_is_a_clap_usage_error() {
    let run = run_with_token(Some("tok"), &["--org", "o", "members", "get", "abc"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("'abc'"), "{}", run.stderr);
    assert!(run.stderr.contains("--help"), "{}", run.stderr);
}

#[test]
fn usage_errors_in_an_all_walk_print_nothing_to_stdout() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    for args in [
        [
            "members",
            "list",
            "--all",
            "--per-page",
            "0",
            "--format",
            "json",
        ],
        [
            "members", "list", "--all", "--page", "0", "--format", "table",
        ],
    ] {
        let run = fake.run(&args);
        run.usage_error();
    }
}

// ---------------------------------------------------------------------------------
// 8. Retries
// ---------------------------------------------------------------------------------

#[test]
fn retries_through_a_rate_limit_and_a_503() {
    let fake = Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![
                Fault::RateLimited {
                    retry_after: RetryAfter::Seconds(0),
                },
                Fault::Status(503),
            ])),
    );
    let run = fake.run(&[
        "--max-retries",
        "2",
        "--timeout",
        "5",
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--format",
        "ndjson",
    ]);
    run.success();
    assert_eq!(ids(&run.ndjson()), id_range(1001, 30));
    let statuses: Vec<Option<u16>> = fake.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        // 3 pages and the end-of-walk check of page 1.
        [
            Some(429),
            Some(503),
            Some(200),
            Some(200),
            Some(200),
            Some(200)
        ]
    );
    let counts = fake.fake.fault_counts();
    assert_eq!(counts.get(FaultKind::RateLimited), 1);
    assert_eq!(counts.get(FaultKind::Status), 1);
}

#[test]
fn exhausted_retries_report_the_server_error_and_where_to_resume() {
    let fake = Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![
                Fault::Pass,
                Fault::Status(503),
                Fault::Status(503),
                Fault::Status(503),
            ])),
    );
    let checkpoint = std::env::temp_dir().join(format!("tallyfy-cli-{}.json", std::process::id()));
    let run = fake.run(&[
        "--max-retries",
        "1",
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--format",
        "ndjson",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    // Page 1 was printed before page 2 failed.
    assert_eq!(ids(&run.ndjson()), id_range(1001, 10));
    // The checkpoint line, then the one error line.
    let (first, rest) = run.stderr.split_once('\n').unwrap();
    assert!(
        first.starts_with("checkpoint: 10 member(s) printed; resume exactly with --resume"),
        "{first}"
    );
    std::fs::remove_file(&checkpoint).unwrap();
    let line = rest.trim_end_matches('\n');
    assert!(
        line.starts_with("error: ") && !line.contains('\n'),
        "{line}"
    );
    assert!(line.contains("server error"), "{line}");
    assert!(line.contains("503"), "{line}");
    assert!(line.contains("resume at page 2"), "{line}");
    assert!(line.contains("after 2 attempts"), "{line}");
    // One attempt plus one retry: the third scripted 503 was never consumed.
    let statuses: Vec<Option<u16>> = fake.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(503), Some(503)]);
}

#[test]
fn slow_responses_time_out_exit_1() {
    let fake = Fake::start(
        FakeTallyfy::builder()
            .members(5)
            // An hour: only the client's timeout can end the request (the run's own
            // 30 s limit is the hang guard).
            .faults(Faults::script(vec![Fault::Slow(Duration::from_secs(3600))])),
    );
    let run = fake.run(&[
        "--max-retries",
        "0",
        "--timeout",
        "0.3",
        "members",
        "get",
        "1001",
    ]);
    let line = run.failure(1);
    assert!(line.contains("timed out"), "{line}");
    // The request arrived and was never answered: the CLI gave up on it.
    assert_eq!((fake.fake.arrivals(), fake.fake.answers()), (1, 0));
}

// ---------------------------------------------------------------------------------
// 9. NDJSON streaming
// ---------------------------------------------------------------------------------

/// Spawns the CLI against `fake` with stdout piped to a line reader.
fn spawn_reading(fake: &Fake, args: &[&str]) -> (std::process::Child, Lines) {
    let mut child = fake
        .std_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tallyfy");
    let lines = Lines::read(child.stdout.take().expect("piped stdout"));
    (child, lines)
}

#[test]
fn ndjson_output_arrives_before_the_walk_ends() {
    // 5 pages of 20 members; page 2's answer is held until the first line is read,
    // so that line cannot have waited for the end of the walk.
    let fake = Fake::start(FakeTallyfy::builder().members(100));
    fake.fake.hold_after(1);
    let (mut child, lines) = spawn_reading(
        &fake,
        &[
            "members",
            "list",
            "--per-page",
            "20",
            "--all",
            "--format",
            "ndjson",
        ],
    );
    let first: Value = serde_json::from_str(&lines.next().expect("a first line")).unwrap();
    assert_eq!(first["id"], 1001);
    assert_eq!(fake.fake.answers(), 1, "only page 1 is answered");
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "still running"
    );
    fake.fake.release_all();
    let rest = std::iter::from_fn(|| lines.next()).count();
    assert!(child.wait().expect("wait").success());
    assert_eq!(1 + rest, 100);
}

#[test]
fn ndjson_flushes_every_page_as_it_arrives() {
    // One member a page; each answer is released only after the previous page's line
    // was read, so every line must be written (flushed) as its page arrives.
    let fake = Fake::start(FakeTallyfy::builder().members(12));
    fake.fake.hold_after(1);
    let (mut child, lines) = spawn_reading(
        &fake,
        &[
            "members",
            "list",
            "--per-page",
            "1",
            "--all",
            "--format",
            "ndjson",
        ],
    );
    for page in 1..=12usize {
        if page > 1 {
            fake.fake.release(page); // sequential walk: arrival n is page n
        }
        let line: Value = serde_json::from_str(&lines.next().expect("a line")).unwrap();
        assert_eq!(line["id"], 1000 + page as i64);
        assert_eq!(
            fake.fake.answers(),
            page,
            "line {page} came before its page"
        );
    }
    fake.fake.release(13); // the end-of-walk check of page 1
    assert_eq!(lines.next(), None);
    assert!(child.wait().expect("wait").success());
}

// ---------------------------------------------------------------------------------
// 10. The token stays secret
// ---------------------------------------------------------------------------------

const SECRET: &str = "tok-SUPERSECRET-1";

#[track_caller]
fn assert_no_secret(run: &Run) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains("SUPERSECRET"),
            "the token leaked on {name}: {text}"
        );
    }
}

#[test]
fn the_token_never_appears_in_output() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));

    // Refused by the server, token in the environment.
    let out = run_with_token(Some(SECRET), &fake.args(&["members", "list"]));
    out.failure(1);
    assert_no_secret(&out);

    // Refused by the server, token on the command line.
    let out = run(&fake.args(&["--token", SECRET, "members", "get", "1001"]));
    out.failure(1);
    assert_no_secret(&out);

    // Refused by the client (not visible ASCII).
    let out = run(&fake.args(&["--token", "tok SUPERSECRET", "members", "list"]));
    out.failure(2);
    assert_no_secret(&out);

    // A clap usage error with the token present.
    let out = run(&fake.args(&["--token", SECRET, "members", "get", "abc"]));
    assert_eq!(out.code, Some(2));
    assert_no_secret(&out);

    // Help, with the token on the command line and in the environment.
    for args in [
        &["--help"][..],
        &["members", "list", "--help"],
        &["members", "get", "--help"],
        &["--token", SECRET, "--help"],
        &["--token", SECRET, "members", "list", "--help"],
    ] {
        let out = run_with_token(Some(SECRET), args);
        out.success();
        assert!(out.stdout.contains("--token"), "{}", out.stdout);
        assert!(
            out.stdout.contains("TALLYFY_ACCESS_TOKEN"),
            "{}",
            out.stdout
        );
        assert_no_secret(&out);
    }
    // Nothing reached the fake's log that could hold it either.
    assert!(
        fake.fake.requests().iter().all(|r| !r
            .query
            .as_deref()
            .unwrap_or("")
            .contains("SUPERSECRET"))
    );
}

// ---------------------------------------------------------------------------------
// 11. Broken pipe
// ---------------------------------------------------------------------------------

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `tallyfy --demo members list --all --format ndjson | head -1`: 250 members are far
    // more than a pipe buffer, so the CLI is still writing when the reader goes away.
    let mut child = std_command()
        .args(["--demo", "members", "list", "--all", "--format", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tallyfy");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read one line");
    let first: Value = serde_json::from_str(&first).expect("first line is JSON");
    assert_eq!(first["id"], 1001);
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "a closed pipe is not reported");
    assert_eq!(out.status.code(), Some(0), "{:?}", out.status);
}

/// Members as a PHP server may send them: loose scalars, `[]` for objects, unknown
/// keys, and two members no SDK could type.
fn loose_org() -> Vec<Value> {
    vec![
        json!({"id": "501", "active": 1, "email": "a@example.com", "custom_field": {"x": 1}}),
        json!({"id": 502, "stats": [], "country": [], "groups": {"data": {}}}),
        json!({"email": "no-id@example.com"}),
        json!({"id": 504, "invited_by": {"id": 501}}),
        json!({"id": "five hundred five"}),
    ]
}

#[test]
fn list_prints_every_member_of_a_loose_org_and_names_the_untyped_ones() {
    let fake = Fake::start(FakeTallyfy::builder().member_json(loose_org()));
    let run = fake.run(&[
        "members",
        "list",
        "--all",
        "--per-page",
        "2",
        "--format",
        "ndjson",
    ]);
    assert_eq!(run.code, Some(0), "every member printed: exit 0; {run:#?}");
    let printed = run.ndjson();
    assert_eq!(printed.len(), 5, "every member printed: {}", run.stdout);
    assert_eq!(printed[0]["id"], 501, "typed: numeric id");
    assert_eq!(
        printed[0]["custom_field"],
        json!({"x": 1}),
        "unknown keys kept"
    );
    let m504 = printed
        .iter()
        .find(|m| m["id"] == 504)
        .expect("504 printed");
    assert_eq!(m504["invited_by"], json!({"id": 501}), "odd value kept raw");
    assert!(printed.contains(&json!({"email": "no-id@example.com"})));
    assert!(printed.contains(&json!({"id": "five hundred five"})));
    assert!(
        run.stderr
            .contains("warning: member at page 2, position 1 could not be typed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("warning: member at page 3, position 1 could not be typed")
    );
    assert!(
        run.stderr.contains("2 member(s) could not be typed"),
        "{}",
        run.stderr
    );
}

#[test]
fn get_reads_php_empty_includes() {
    let fake = Fake::start(FakeTallyfy::builder().member_json(loose_org()));
    let run = fake.run(&[
        "members",
        "get",
        "502",
        "--with",
        "stats,country,groups",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(run.json()["data"]["id"], 502);
    let run = fake.run(&[
        "members", "get", "501", "--with", "badges", "--format", "json",
    ]);
    run.success();
    assert_eq!(run.json()["data"]["custom_field"], json!({"x": 1}));
}

#[test]
fn a_walk_over_a_changing_org_reports_the_drift_on_stderr() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    // After page 1 is answered, 4 members leave: later pages shift.
    fake.fake.remove_members_after(1, 4);
    let run = fake.run(&[
        "members",
        "list",
        "--all",
        "--per-page",
        "10",
        "--format",
        "ndjson",
    ]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains(
            "the member list changed during the walk (total 30 -> 26, first seen on page 2; 0 added, 4 removed between pages)"
        ),
        "{}",
        run.stderr
    );
    // 4 members shifted onto page 1 after it was read; the end-of-walk check sees
    // page 1 changed and the healing pass yields them: every member once, no gap.
    let mut ids: Vec<i64> = run
        .ndjson()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30, "{ids:?}");
    assert_eq!(run.ndjson().len(), 30, "each once");
    assert!(
        !run.stderr.contains("may be missing"),
        "healed, so no gap: {}",
        run.stderr
    );
}
