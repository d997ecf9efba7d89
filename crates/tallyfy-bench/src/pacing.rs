//! Figure 8, pacing under a rate limit: a page server with a bucket of R requests
//! per window (see [`RateWindow`]) and a walk of N pages, at concurrency 1 and 8,
//! with the SDK's pacing on (the default) and off.
//!
//! The ideal is the time the budget itself needs: the walk makes N + 1 requests
//! (its N pages and the end-of-walk re-read of page 1), the full bucket serves the
//! first R at once, and every further R wait for the next window, so no client can
//! finish before `(N + 1 - R) / R` windows. The ratio is that ideal over the walk's
//! time (1.0 is as fast as the budget allows), and each row says how many 429s
//! the server answered. Goal, in the default configuration (paced): at least 0.95
//! of the ideal and no 429.

use crate::harness::{Bench, http_client};
use crate::pageserver::PageServer;
use crate::ratewindow::RateWindow;
use crate::report::{Goal, Row, Unit, median};
use crate::roster::{Ids, Roster};
use anyhow::{Context, Result};
use futures::TryStreamExt;
use std::time::Duration;

/// Pages walked.
pub const PAGES: u64 = 149;
/// Members per page.
pub const PER_PAGE: u64 = 10;
/// Requests per window.
pub const LIMIT: u64 = 25;
/// The window.
pub const WINDOW: Duration = Duration::from_millis(250);
/// The share of the ideal the default configuration must reach.
const GOAL: f64 = 0.95;

/// The least time `requests` requests take under `limit` per `window`, the first
/// window's budget spent at once.
pub fn ideal(requests: u64, limit: u64, window: Duration) -> f64 {
    window.as_secs_f64() * (requests.saturating_sub(limit) as f64 / limit as f64)
}

/// One walk with a new SDK client (so no pacing state carries over).
async fn walk(server: &PageServer, http: &reqwest::Client, k: usize, pace: bool) -> Result<usize> {
    let client = tallyfy_ext::Client::builder()
        .base_url(server.base_url())
        .access_token(crate::pageserver::TOKEN)
        .org_id(crate::pageserver::ORG)
        .http_client(http.clone())
        .pace_rate_limit(pace)
        .build()
        .context("building the SDK client")?;
    let mut members = client.members().per_page(PER_PAGE).concurrency(k).items();
    let mut tally = crate::harness::Tally::default();
    while let Some(member) = members.try_next().await? {
        tally.add(member.id, member.email.as_deref());
    }
    Ok(tally.members as usize)
}

/// Runs figure 8.
///
/// # Errors
/// When a walk fails or sees the wrong members.
pub fn run(bench: &Bench) -> Result<Vec<Row>> {
    let members = (PAGES * PER_PAGE) as usize;
    let roster = Roster::generate(bench, members, 1, Ids::Consecutive)?;
    let server =
        PageServer::start_limited(bench, &roster, PER_PAGE, RateWindow::new(LIMIT, WINDOW))?;
    let http = http_client()?;
    let configs = [(1, true), (8, true), (1, false), (8, false)];
    let mut samples = vec![Vec::new(); configs.len()];
    let mut refused = vec![0u64; configs.len()];
    let mut requests = vec![0u64; configs.len()];
    for round in 0..=bench.runs {
        for (i, &(k, pace)) in configs.iter().enumerate() {
            // A fresh window for every walk: the bucket starts full.
            std::thread::sleep(WINDOW);
            server.window().context("a limited server")?.reset();
            server.take_served();
            server.take_refused();
            let (secs, seen) = bench.time(walk(&server, &http, k, pace))?;
            anyhow::ensure!(
                seen == members,
                "k={k} pace={pace}: {seen} of {members} members"
            );
            let (answered, _) = server.take_served();
            let refusals = server.take_refused();
            if round > 0 {
                samples[i].push(secs);
                refused[i] += refusals;
                requests[i] += answered - refusals;
            }
        }
    }
    let runs = bench.runs.max(1) as u64;
    let mut rows = Vec::new();
    for (i, &(k, pace)) in configs.iter().enumerate() {
        let served = requests[i] / runs;
        let ideal = ideal(served, LIMIT, WINDOW);
        let ratio = ideal / median(&samples[i]);
        let per_walk = refused[i] as f64 / runs as f64;
        let (mode, goal) = if pace {
            (
                "paced (default; goal also: no 429)",
                Some(Goal::AtLeast(GOAL)),
            )
        } else {
            ("pace_rate_limit(false)", None)
        };
        let mut row = Row::new(
            format!(
                "8. {PAGES} pages of {PER_PAGE} under {LIMIT} requests per {} ms, k={k}, {mode}: \
                 {served} requests, {per_walk} 429s per walk, ideal {ideal:.3} s; ratio ideal / walk time",
                WINDOW.as_millis()
            ),
            Unit::Seconds,
            samples[i].clone(),
        )
        .ratio(ratio, goal);
        if pace {
            row = row.requires(refused[i] == 0);
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ideal_discounts_the_first_full_bucket() {
        let window = std::time::Duration::from_millis(250);
        assert!((super::ideal(150, 25, window) - 1.25).abs() < 1e-9);
        assert_eq!(super::ideal(10, 25, window), 0.0);
    }
}
