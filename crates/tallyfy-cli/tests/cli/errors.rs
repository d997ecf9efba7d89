//! Exit codes and failures: API errors (1), usage (2), retries, timeouts, resume points.

use super::*;

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
