use super::*;
use clap::CommandFactory;
use proptest::prelude::*;

/// Parses `args` after the binary's name, as the shell would hand them over.
pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("tallyfy").chain(args.iter().copied()))
}

#[test]
fn the_clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn numbers_out_of_range_are_usage_errors() {
    let cases: [&[&str]; 12] = [
        &["--timeout", "1e20", "members", "list"],
        &["--timeout", "NaN", "members", "list"],
        &["--timeout", "inf", "members", "list"],
        &["--timeout", "-1", "members", "list"],
        &["--timeout", "0", "members", "list"],
        &["--max-retries", "21", "members", "list"],
        &["--max-retries", "99999999999999999999", "members", "list"],
        &["members", "list", "--concurrency", "17"],
        &["members", "list", "--per-page", "1001"],
        &["members", "list", "--page", "0"],
        &["members", "list", "--max", "0"],
        &["members", "get", "-5"],
    ];
    for args in cases {
        let err = parse(args).expect_err(&format!("{args:?} parses"));
        assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
    }
    let ok = parse(&[
        "--timeout",
        "86400",
        "-vv",
        "members",
        "list",
        "--concurrency",
        "16",
    ])
    .unwrap();
    assert_eq!((ok.global.timeout, ok.global.verbose), (86_400.0, 2));
}

/// Tokens an argument vector is drawn from: every flag, values of every kind.
/// An argument: mostly a flag, a subcommand or an edge-case number, sometimes any text.
pub(crate) fn token() -> impl Strategy<Value = String> {
    let words = [
        "members",
        "list",
        "get",
        "completions",
        "man",
        "bash",
        "zsh",
        "--all",
        "--page",
        "--per-page",
        "--max",
        "--concurrency",
        "--with",
        "--q",
        "--sort",
        "--format",
        "csv",
        "json",
        "ndjson",
        "table",
        "--timeout",
        "--max-retries",
        "--demo",
        "-v",
        "-vv",
        "-q",
        "--verbose",
        "--quiet",
        "--token",
        "--org",
        "--base-url",
        "--help",
        "-h",
        "--version",
        "0",
        "1",
        "-1",
        "16",
        "17",
        "1e20",
        "1e400",
        "NaN",
        "inf",
        "-inf",
        "0.0000001",
        "18446744073709551616",
        "9223372036854775808",
        "-9223372036854775809",
        "",
        "--",
    ];
    prop_oneof![
        4 => prop::sample::select(words.to_vec()).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => any::<i128>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| f.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn no_argument_vector_panics_and_numbers_are_in_range(
        args in prop::collection::vec(token(), 0..8)
    ) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match parse(&refs) {
            Err(err) => prop_assert!(matches!(err.exit_code(), 0 | 2), "{err}"),
            Ok(cli) => {
                let g = &cli.global;
                prop_assert!(g.timeout.is_finite() && g.timeout > 0.0 && g.timeout <= MAX_TIMEOUT_SECS);
                prop_assert!(std::time::Duration::try_from_secs_f64(g.timeout).is_ok());
                prop_assert!(g.max_retries <= MAX_RETRIES);
                if let Command::Members(Members::List(list)) = &cli.command {
                    prop_assert!(list.page >= 1 && (1..=MAX_PER_PAGE).contains(&list.per_page));
                    prop_assert!((1..=MAX_CONCURRENCY).contains(&list.concurrency));
                    prop_assert!(list.max.is_none_or(|m| m >= 1));
                }
                if let Command::Members(Members::Get(get)) = &cli.command {
                    prop_assert!(get.user_id >= 1);
                }
            }
        }
    }
}
