//! The campaign's figures as RELIABILITY.md's generated section.

use super::{Outcome, Tally};
use std::fmt::Write as _;
use tallyfy_fake::FaultKind;

/// Opens the generated section of RELIABILITY.md.
pub const START_MARKER: &str =
    "<!-- campaign figures: written by `cargo reliability`, do not edit by hand -->";
/// Closes it.
pub const END_MARKER: &str = "<!-- end of campaign figures -->";

/// The generated section, markers included.
pub fn render(outcome: &Outcome) -> String {
    let s = &outcome.settings;
    let seeds: Vec<String> = s.seeds.iter().map(u64::to_string).collect();
    let mut out = String::new();
    let _ = writeln!(out, "{START_MARKER}");
    let _ = writeln!(
        out,
        "Seeds {}; an organization of {} members walked {} per page; {:.0}% of requests \
         fail; {} retries per request; a {} s timeout per attempt.\n",
        seeds.join(", "),
        s.members,
        s.per_page,
        s.fault_rate * 100.0,
        s.max_retries,
        s.timeout.as_secs()
    );
    out.push_str(
        "| run | runs | requests | faults | retries | failed after retries | complete first time | resumed (resumes) | final errors |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for (label, t) in &outcome.figures {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |",
            t.runs,
            t.requests,
            t.faults.values().sum::<u64>(),
            t.retries,
            t.final_failures,
            t.first_try,
            t.resumed,
            t.resumes,
            errors(t)
        );
    }
    let mut total = Tally::default();
    for (_, t) in &outcome.figures {
        super::add(&mut total, t);
    }
    let _ = writeln!(
        out,
        "\nFaults in those requests: {}.\n",
        total
            .faults
            .iter()
            .map(|(kind, n)| format!("{n} {}", kind_name(*kind)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (label, t) in &outcome.figures {
        if label.starts_with("walks with inserts") {
            let _ = writeln!(
                out,
                "- {label}: drift reported by {} of {} walks; {} repeats dropped within a \
                 stream; {} members yielded again by a resumed stream; members present \
                 throughout but never yielded: {} shifted towards page 1 by a removal, {} \
                 left past a last page fetched before an insertion; {} walks missed members \
                 with no growth to hide the removal, and their summaries' `possible_gap` \
                 covered every one.",
                t.drift_reported,
                t.runs,
                t.duplicates_skipped,
                t.repeated_after_resume,
                t.missed,
                t.missed_stale_end,
                t.gap_checked
            );
        } else if label.starts_with("get-member") {
            let _ = writeln!(
                out,
                "- {label}: {} answered ({} of them the 404 of an unknown id), {} failed \
                 after retries.",
                t.first_try, t.not_found, t.final_failures
            );
        }
    }
    let _ = writeln!(
        out,
        "\nInvariants broken: {}.\n{END_MARKER}",
        outcome.violations.len()
    );
    out
}

fn errors(t: &Tally) -> String {
    if t.errors.is_empty() {
        return "none".to_owned();
    }
    t.errors
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::RateLimited => "rate limits",
        FaultKind::Status => "JSON 5xx",
        FaultKind::HtmlStatus => "HTML 5xx",
        FaultKind::Empty => "empty 503s",
        FaultKind::TruncatedBody => "truncated bodies",
        FaultKind::Drop => "dropped connections",
        FaultKind::Slow => "answers slower than the timeout",
        _ => "other",
    }
}

/// `doc` with its generated section replaced by `section`.
///
/// # Errors
/// When `doc` lacks the markers, in order.
pub fn splice(doc: &str, section: &str) -> Result<String, String> {
    let start = doc
        .find(START_MARKER)
        .ok_or_else(|| format!("no `{START_MARKER}` line"))?;
    let end = doc[start..]
        .find(END_MARKER)
        .map(|i| start + i + END_MARKER.len())
        .ok_or_else(|| format!("no `{END_MARKER}` line after the start marker"))?;
    let section = section.trim_end_matches('\n');
    Ok(format!("{}{section}{}", &doc[..start], &doc[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_section() {
        let doc = format!("intro\n{START_MARKER}\nold\n{END_MARKER}\nrest\n");
        let new = format!("{START_MARKER}\nnew\n{END_MARKER}\n");
        assert_eq!(
            splice(&doc, &new).unwrap(),
            format!("intro\n{START_MARKER}\nnew\n{END_MARKER}\nrest\n")
        );
        assert!(splice("no markers", &new).is_err());
    }
}
