//! Figure 2, fan-out: 50 pages with 20 ms of added server latency per request, walked
//! sequentially and at concurrency 2, 4 and 8, each speed-up set against its limit.
//!
//! Page 1 must arrive before `total_pages` is known, so N pages at concurrency k
//! need at least `1 + ceil((N - 1) / k)` round trips: the best speed-up over a
//! sequential walk (N round trips) is `N / (1 + ceil((N - 1) / k))`.
//!
//! The limit assumes a server that answers k requests in parallel as fast as one, so
//! the pages come from the [page server](crate::pageserver) (rendered before timing:
//! answering costs a memory copy, not the fake's JSON encoding of every page).
//! The figure runs with 10-member pages and with the SDK's default 100, where a
//! hand-written `buffered(8)` walk shows what the machine allows any client.

use crate::handwritten;
use crate::harness::{Bench, http_client, sdk_headers};
use crate::overhead::{SameWalks, check_served, sdk_rereads, sdk_walk};
use crate::pageserver::{ORG, PageServer, TOKEN};
use crate::report::{Goal, Row, Unit, median};
use crate::roster::{Ids, Roster};
use anyhow::Result;
use std::time::Duration;

/// Pages walked.
pub const PAGES: u64 = 50;
/// Latency the page server adds to every answer.
pub const LATENCY: Duration = Duration::from_millis(20);
/// The share of the limit concurrency 4 and 8 must reach.
const GOAL: f64 = 0.85;

/// The best possible speed-up of `pages` pages at concurrency `k` over a sequential walk.
pub fn limit(pages: u64, k: usize) -> f64 {
    pages as f64 / (1 + (pages - 1).div_ceil(k as u64)) as f64
}

/// Who walks: the SDK at concurrency k, or the hand-written `buffered(k)` loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walker {
    Sdk(usize),
    Hand(usize),
}

/// Walks 50 pages of `per_page` members with each walker, `bench.runs` rounds after a
/// warm-up round, and returns one row per walker (the first must be `Sdk(1)`).
fn rounds(bench: &Bench, per_page: u64, walkers: &[Walker]) -> Result<Vec<Row>> {
    let members = (PAGES * per_page) as usize;
    let roster = Roster::generate(bench, members, 1, Ids::Consecutive)?;
    let server = PageServer::start(bench, &roster, per_page, LATENCY)?;
    let http = http_client()?;
    let sdk = server.client(&http)?;
    let headers = sdk_headers(TOKEN)?;
    let base = server.base_url();
    let same = SameWalks::default();
    let mut samples = vec![Vec::new(); walkers.len()];
    // Rounds visit every walker, so drift spreads over all of them alike; round 0
    // warms up (and opens the 8 pooled connections).
    for round in 0..=bench.runs {
        for (i, walker) in walkers.iter().enumerate() {
            let (secs, tally, rereads) = match *walker {
                Walker::Sdk(k) => {
                    let (secs, tally) = bench.time(sdk_walk(&sdk, per_page, k))?;
                    (secs, tally, sdk_rereads(members, per_page))
                }
                Walker::Hand(k) => {
                    let walk =
                        handwritten::walk_concurrent(&http, base, ORG, &headers, per_page, k);
                    let (secs, tally) = bench.time(walk)?;
                    (secs, tally, 0)
                }
            };
            same.check(tally, members, &format!("{walker:?}"))?;
            check_served(&server, tally, rereads, &format!("{walker:?}"))?;
            if round > 0 {
                samples[i].push(secs);
            }
        }
    }
    drop(server);
    let sequential = median(&samples[0]);
    let head = format!("2. 50 pages of {per_page} at +20 ms");
    let mut rows = vec![Row::new(
        format!("{head}: SDK sequential"),
        Unit::Seconds,
        samples[0].clone(),
    )];
    for (walker, samples) in walkers.iter().zip(samples).skip(1) {
        let (who, k) = match *walker {
            Walker::Sdk(k) => ("SDK", k),
            Walker::Hand(k) => ("hand-written buffered", k),
        };
        let speedup = sequential / median(&samples);
        let limit = limit(PAGES, k);
        let goal = (k >= 4).then_some(Goal::AtLeast(GOAL));
        rows.push(
            Row::new(
                format!(
                    "{head}: {who} k={k}, speed-up {speedup:.2}x, limit {limit:.2}x; ratio speed-up / limit"
                ),
                Unit::Seconds,
                samples,
            )
            .ratio(speedup / limit, goal),
        );
    }
    Ok(rows)
}

/// Runs figure 2 on its own page servers (20 ms latency).
///
/// # Errors
/// When a walk fails or sees the wrong members.
pub fn run(bench: &Bench) -> Result<Vec<Row>> {
    use Walker::{Hand, Sdk};
    let mut rows = rounds(bench, 10, &[Sdk(1), Sdk(2), Sdk(4), Sdk(8)])?;
    rows.extend(rounds(bench, 100, &[Sdk(1), Sdk(4), Sdk(8), Hand(8)])?);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn limits_match_the_issue() {
        assert!((super::limit(50, 4) - 3.571).abs() < 0.001);
        assert!((super::limit(50, 8) - 6.25).abs() < 1e-9);
        assert!((super::limit(50, 1) - 1.0).abs() < 1e-9);
    }
}
