//! Figure 1, overhead: every member of a 100,000-member organization (1,000 pages of
//! 100) through the SDK's member stream and through the hand-written loop, A B A B,
//! against the [page server](crate::pageserver) (pages rendered before timing).

use crate::handwritten;
use crate::harness::{Bench, Tally, http_client, interleaved, sdk_headers};
use crate::pageserver::{ORG, PageServer, TOKEN};
use crate::report::{Goal, Row, Unit, median};
use anyhow::{Result, bail};
use futures::TryStreamExt;
use std::cell::Cell;

/// Members in the organization walked.
pub const MEMBERS: usize = 100_000;
/// Page size, requested by both clients and the fake's cap.
pub const PER_PAGE: u64 = 100;
/// The goal: the SDK walk takes at most this times the hand-written walk.
pub const GOAL: f64 = 1.03;

/// Walks every member through [`tallyfy_ext::MembersRequest::items`].
///
/// # Errors
/// The walk's error.
pub async fn sdk_walk(
    client: &tallyfy_ext::Client,
    per_page: u64,
    concurrency: usize,
) -> Result<Tally> {
    let mut members = client
        .members()
        .per_page(per_page)
        .concurrency(concurrency)
        .items();
    let mut tally = Tally::default();
    while let Some(member) = members.try_next().await? {
        tally.add(member.id, member.email.as_deref());
    }
    Ok(tally)
}

/// Fails unless every walk saw the same members as the first one.
#[derive(Debug, Default)]
pub struct SameWalks(Cell<Option<Tally>>);

impl SameWalks {
    /// Checks `tally` against the first walk's (and its count against `expected`).
    ///
    /// # Errors
    /// When a walk saw other members.
    pub fn check(&self, tally: Tally, expected: usize, what: &str) -> Result<()> {
        let tally = tally.expect(expected, what)?;
        match self.0.get() {
            None => self.0.set(Some(tally)),
            Some(first) if first == tally => {}
            Some(first) => bail!("{what} saw {tally:?}, an earlier walk {first:?}"),
        }
        Ok(())
    }
}

/// Members an SDK walk of `members` in pages of `per_page` reads a second time: its
/// end-of-walk check re-reads page 1 of a walk of more than one page
/// (`ListRequest::heal_pages`); the hand-written walkers read each page once.
#[must_use]
pub fn sdk_rereads(members: usize, per_page: u64) -> u64 {
    if members as u64 > per_page {
        per_page
    } else {
        0
    }
}

/// Fails unless the server sent exactly the members the walk counted, plus the
/// `rereads` it read again.
///
/// # Errors
/// When the counts differ.
pub fn check_served(server: &PageServer, tally: Tally, rereads: u64, what: &str) -> Result<()> {
    let (_, sent) = server.take_served();
    if sent != tally.members + rereads {
        bail!(
            "{what}: the server sent {sent} members, the walk counted {} and re-read {rereads}",
            tally.members
        );
    }
    Ok(())
}

/// Runs figure 1 against `server` (pages of [`PER_PAGE`] holding [`MEMBERS`] members).
///
/// # Errors
/// When a walk fails or the two clients see different members.
pub fn run(bench: &Bench, server: &PageServer) -> Result<Vec<Row>> {
    let http = http_client()?;
    let sdk = server.client(&http)?;
    let headers = sdk_headers(TOKEN)?;
    let base = server.base_url();
    let same = SameWalks::default();
    server.take_served();
    let sdk_run = || {
        let (secs, tally) = bench.time(sdk_walk(&sdk, PER_PAGE, 1))?;
        same.check(tally, MEMBERS, "SDK walk")?;
        check_served(server, tally, sdk_rereads(MEMBERS, PER_PAGE), "SDK walk")?;
        Ok(secs)
    };
    let (sdk_times, hand_times) = interleaved(bench.runs, sdk_run, || {
        let walk = handwritten::walk(&http, base, ORG, &headers, PER_PAGE);
        let (secs, tally) = bench.time(walk)?;
        same.check(tally, MEMBERS, "hand-written walk")?;
        check_served(server, tally, 0, "hand-written walk")?;
        Ok(secs)
    })?;
    let ratio = median(&sdk_times) / median(&hand_times);
    // The control: the same SDK walk as both A and B. Its distance from 1 is what
    // this machine's noise and the A B order alone do to the ratio above.
    let (a_times, b_times) = interleaved(bench.runs, sdk_run, sdk_run)?;
    let control = median(&a_times) / median(&b_times);
    Ok(vec![
        Row::new(
            "1. walk 100k members (1,000 pages of 100, pre-rendered): SDK items(); ratio SDK / hand-written",
            Unit::Seconds,
            sdk_times,
        )
        .ratio(ratio, Some(Goal::AtMost(GOAL))),
        Row::new(
            "1. walk 100k members: hand-written reqwest + serde_json",
            Unit::Seconds,
            hand_times,
        ),
        Row::new(
            "1. control: the same SDK walk as A and as B; ratio A / B (the noise floor of the ratio above)",
            Unit::Seconds,
            a_times,
        )
        .ratio(control, None),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handwritten::walk_concurrent;
    use crate::harness::sdk_client;
    use crate::roster::{Ids, Roster};
    use tallyfy_fake::FakeTallyfy;

    #[test]
    fn an_sdk_walk_reads_every_member_once() {
        let bench = Bench::new(1).unwrap();
        let roster = Roster::generate(&bench, 25, 1, Ids::Consecutive).unwrap();
        let server = PageServer::start(&bench, &roster, 10, std::time::Duration::ZERO).unwrap();
        let client = tallyfy_ext::Client::builder()
            .base_url(server.base_url())
            .access_token(TOKEN)
            .org_id(ORG)
            .build()
            .unwrap();
        let tally = bench.block_on(sdk_walk(&client, 10, 1)).unwrap();
        assert_eq!(tally.members, 25);
        // Three pages, then the end-of-walk re-read of page 1 (10 members, none yielded again).
        assert_eq!(server.take_served(), (4, 35));
    }

    /// The comparison is only fair if both clients walk the same members.
    #[test]
    fn sdk_and_hand_written_walks_see_the_same_members() {
        let bench = Bench::new(1).unwrap();
        let fake = bench
            .start_fake(FakeTallyfy::builder().members(250).max_per_page(PER_PAGE))
            .unwrap();
        let http = http_client().unwrap();
        let sdk = sdk_client(&fake, &http).unwrap();
        let headers = sdk_headers(fake.token()).unwrap();
        let (base, org) = (fake.base_url(), fake.org().to_owned());
        let same = SameWalks::default();
        for k in [1, 2] {
            let tally = bench.block_on(sdk_walk(&sdk, PER_PAGE, k)).unwrap();
            same.check(tally, 250, "SDK").unwrap();
        }
        let hand = handwritten::walk(&http, &base, &org, &headers, PER_PAGE);
        same.check(bench.block_on(hand).unwrap(), 250, "hand")
            .unwrap();
        let hand = walk_concurrent(&http, &base, &org, &headers, PER_PAGE, 2);
        same.check(bench.block_on(hand).unwrap(), 250, "hand k=2")
            .unwrap();
        assert!(same.check(Tally::default(), 0, "empty").is_err());
        // 3 pages per walk, 4 walks, and each SDK walk's end-of-walk re-read of
        // page 1 (the hand-written walker has no such check); nothing else was sent.
        assert_eq!(fake.request_count(), 3 * 4 + 2);
        bench.stop_fake(fake);
    }
}
