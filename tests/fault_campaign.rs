//! The reliability campaign (`tallyfy_tests::campaign`): walks at concurrency 1 and 4,
//! walks with members inserted and removed mid-walk, and get-member calls, through a
//! fake that fails one request in five, for three seeds, on paused tokio time.
//!
//! One test fails when any of the campaign's invariants broke; the other when
//! RELIABILITY.md's campaign figures are not what the campaign produces now.

use std::sync::OnceLock;
use tallyfy_tests::campaign::{self, END_MARKER, Outcome, START_MARKER, Settings};

/// The campaign, played once for both tests.
fn outcome() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| campaign::run_blocking(&Settings::standard()))
}

#[test]
fn every_campaign_invariant_holds() {
    let outcome = outcome();
    let shown: Vec<&String> = outcome.violations.iter().take(30).collect();
    assert!(
        outcome.violations.is_empty(),
        "{} invariants broke, first ones:\n{shown:#?}",
        outcome.violations.len()
    );
    // The campaign is not vacuous: it walked, faulted, retried and resumed.
    let total =
        |f: fn(&campaign::Tally) -> u64| outcome.figures.iter().map(|(_, t)| f(t)).sum::<u64>();
    assert!(
        total(|t| t.retries) > 0 && total(|t| t.resumes) > 0,
        "{:?}",
        outcome.figures
    );
    assert!(
        total(|t| t.final_failures) > 0,
        "no call ever failed for good"
    );
    // Drift showed: members shifted into pages already read (skipped as repeats).
    // (Members shifted past the walk are healed by the end-of-walk check, so
    // `missed` may well be 0; every one it does count is checked against the gap.)
    assert!(total(|t| t.duplicates_skipped) > 0, "drift never showed");
}

#[test]
fn reliability_md_holds_the_campaign_figures() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../RELIABILITY.md");
    let doc = std::fs::read_to_string(path).expect("RELIABILITY.md is readable");
    let section = campaign::render(outcome());
    let fresh = campaign::splice(&doc, &section)
        .unwrap_or_else(|e| panic!("RELIABILITY.md: {e} (`{START_MARKER}` ... `{END_MARKER}`)"));
    assert!(
        fresh == doc,
        "RELIABILITY.md's campaign figures are stale; run `cargo reliability` to rewrite them.\nThe campaign now gives:\n{section}"
    );
}
