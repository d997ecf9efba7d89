//! Issue 21's features through the binary: CSV, completions and the man page, logs
//! on demand, the progress bar on a terminal, range-checked arguments.

#[allow(dead_code)]
mod support;

use serde_json::json;
use support::{Fake, run, run_with_token};
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RetryAfter};

#[test]
fn csv_has_a_header_a_row_per_member_flattened_includes_and_no_formulas() {
    let members = vec![
        json!({"id": 1, "first_name": "=HYPERLINK(\"http://evil\",\"x\")", "last_name": "Lo, \"Ada\"",
            "email": "@a@b.c", "groups": {"data": [{"name": "Ops"}, {"name": "+Dev"}]},
            "country": {"data": {"name": "Peru"}}, "stats": {"data": {"tasks_completed": 4}}}),
        json!({"id": 2, "full_name": "-2+3", "email": "b@c.d"}),
    ];
    let fake = Fake::start(FakeTallyfy::builder().member_json(members));
    let args = [
        "members",
        "list",
        "--all",
        "--with",
        "groups,country,stats",
        "--format",
        "csv",
    ];
    let out = fake.run(&args);
    out.success();
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..5],
        ["id", "name", "first_name", "last_name", "email"]
    );
    assert!(header.ends_with(&[
        "groups".into(),
        "country".into(),
        "stats.tasks_completed".into(),
        "stats.processes_launched".into(),
        "stats.checklists_created".into(),
        "stats.steps_created".into()
    ]));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let cell = |row: usize, name: &str| {
        rows[row][header.iter().position(|h| h == name).unwrap()].to_owned()
    };
    assert_eq!(cell(0, "first_name"), "'=HYPERLINK(\"http://evil\",\"x\")");
    assert_eq!(cell(0, "last_name"), "Lo, \"Ada\"");
    assert_eq!(cell(0, "email"), "'@a@b.c");
    assert_eq!(cell(0, "groups"), "Ops; +Dev");
    assert_eq!(cell(0, "country"), "Peru");
    assert_eq!(cell(0, "stats.tasks_completed"), "4");
    assert_eq!(cell(1, "name"), "'-2+3");
    assert_eq!(cell(1, "id"), "2");

    let one = fake.run(&["members", "get", "2", "--format", "csv"]);
    one.success();
    assert_eq!(one.stdout.lines().count(), 2, "{}", one.stdout);
}

#[test]
fn completions_for_every_shell_and_a_man_page_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        out.success();
        assert!(out.stdout.contains("tallyfy"), "{shell}");
        assert!(out.stdout.contains("per-page"), "{shell}: {}", out.stdout);
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.code, Some(2));
    let man = run(&["man"]);
    man.success();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH tallyfy 1"),
        "{}",
        man.stdout
    );
    for part in [
        ".TH tallyfy 1",
        "\\-\\-timeout",
        "completions",
        "Exit codes",
    ] {
        assert!(man.stdout.contains(part), "{part:?} not in the man page");
    }
}

fn retrying_fake() -> Fake {
    Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![
                Fault::RateLimited {
                    retry_after: RetryAfter::Seconds(0),
                },
                Fault::Status(503),
            ])),
    )
}

const WALK: [&str; 7] = [
    "members",
    "list",
    "--per-page",
    "10",
    "--all",
    "--format",
    "ndjson",
];

#[test]
fn logs_are_off_by_default_and_show_retries_with_their_waits_at_v() {
    let fake = retrying_fake();
    fake.run(&WALK).success();

    let fake = retrying_fake();
    let mut args = vec!["-v"];
    args.extend(WALK);
    let out = fake.run(&args);
    assert_eq!(out.code, Some(0), "{out:#?}");
    let retries: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("tallyfy retrying"))
        .collect();
    assert_eq!(retries.len(), 2, "{}", out.stderr);
    assert!(
        retries.iter().all(|l| l.contains("tallyfy.retry_wait_ms=")),
        "{retries:?}"
    );
    assert!(
        out.stderr.contains("http.response.status_code=429"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("http.response.status_code=503"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(fake.fake.token()),
        "the token in a log"
    );

    // RUST_LOG replaces -v; -q silences both.
    let fake = retrying_fake();
    let out = fake
        .std_command(&WALK)
        .env("RUST_LOG", "tallyfy_ext=warn")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    let fake = retrying_fake();
    let mut args = vec!["-q"];
    args.extend(WALK);
    let out = fake
        .std_command(&args)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    // Piped stderr (every other test): nothing but the members.
    let fake = retrying_fake();
    fake.run(&WALK).success();

    // stderr on a pseudo-terminal (util-linux `script`), stdout to a file; page 2
    // waits a second for a 429.
    let fake = Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![
                Fault::Pass,
                Fault::RateLimited {
                    retry_after: RetryAfter::Seconds(1),
                },
            ])),
    );
    let dir = std::env::temp_dir().join(format!("tallyfy-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let members = dir.join("members.ndjson");
    let mut line = format!("'{}'", support::BIN);
    for arg in fake.args(&WALK) {
        line.push_str(&format!(" '{arg}'"));
    }
    line.push_str(&format!(" > '{}'", members.display()));
    let out = std::process::Command::new("script")
        .args(["-qefc", &line, "/dev/null"])
        .env("TALLYFY_ACCESS_TOKEN", fake.fake.token())
        .env("TERM", "xterm")
        .output()
        .expect("util-linux `script` is installed (.ci/run installs it)");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&members).unwrap().lines().count(),
        30
    );
    assert!(screen.contains("page 3/3"), "{screen:?}");
    assert!(screen.contains("30/30 members"), "{screen:?}");
    assert!(screen.contains("page 1/3"), "{screen:?}");
    assert!(
        screen.contains("waiting 1.0s: rate limited (HTTP 429)"),
        "{screen:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn numbers_out_of_range_exit_2_with_a_message_never_101() {
    for args in [
        &["--timeout", "1e20", "members", "list"][..],
        &["--timeout", "NaN", "members", "list"],
        &["--max-retries", "4294967296", "members", "list"],
        &["members", "list", "--per-page", "18446744073709551616"],
        &["members", "list", "--concurrency", "100000"],
        &["members", "list", "--max", "0"],
        &["members", "get", "-1"],
        &["members", "get", "9223372036854775808"],
    ] {
        let out = run_with_token(Some("tok"), args);
        assert_eq!(out.code, Some(2), "{args:?}: {out:#?}");
        assert!(
            out.stderr.starts_with("error: invalid value"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "");
    }
}
