//! What the CLI never does: print the token, fail on a closed stdout, drop a member it
//! cannot type, or hide that the list changed.

use super::*;

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
