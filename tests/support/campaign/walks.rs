//! One scenario at a time: plain walks, drift walks and get-member calls, each checked
//! against what the fake saw.

use super::{CallSpan, Calls, Settings, Tally};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tallyfy_ext::{Checkpoint, Client, Error, ErrorKind, RetryPolicy, WalkSummary};
use tallyfy_fake::{FakeTallyfy, FaultKind, RunningFake};

mod scenarios;

type Arrivals = BTreeMap<String, Vec<Option<FaultKind>>>;

/// Members inserted, then removed, by each drift walk.
const INSERTED: usize = 4;
const REMOVED: usize = 3;
/// A walk that needs more resumes than this is stuck.
const MAX_STREAMS: u64 = 50;

/// What one scenario shares: settings, seed, the span log, the violations found.
pub(super) struct Ctx<'a> {
    settings: &'a Settings,
    seed: u64,
    calls: &'a Calls,
    violations: &'a mut Vec<String>,
}

/// One stream (a walk from its start page to its end or first error).
#[derive(Default)]
struct StreamRun {
    got: Vec<i64>,
    /// Where the stream stood when it ended, to resume it exactly.
    checkpoint: Option<Checkpoint>,
    /// The page its forward walk started at.
    start: u64,
    failure: Option<Error>,
    summary: WalkSummary,
    last_page: u64,
    arrivals: Arrivals,
    spans: Vec<CallSpan>,
}

/// Mid-walk changes, made when the walk has received this many pages.
struct DriftPlan {
    insert_at: u64,
    remove_at: u64,
    received: u64,
}

impl DriftPlan {
    fn page_received(&mut self, fake: &RunningFake) {
        self.received += 1;
        if self.received == self.insert_at {
            fake.insert_members(INSERTED);
        }
        if self.received == self.remove_at {
            fake.remove_members(REMOVED);
        }
    }
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        settings: &'a Settings,
        seed: u64,
        calls: &'a Calls,
        violations: &'a mut Vec<String>,
    ) -> Self {
        Self {
            settings,
            seed,
            calls,
            violations,
        }
    }

    fn violate(&mut self, message: String) {
        self.violations
            .push(format!("seed {}: {message}", self.seed));
    }

    async fn start(&self) -> (RunningFake, Client) {
        let fake = FakeTallyfy::builder()
            .members(self.settings.members)
            .seed(self.seed)
            .start()
            .await
            .expect("the fake starts");
        let client = Client::builder()
            .base_url(fake.base_url())
            .access_token(fake.token())
            .org_id(fake.org())
            .timeout(self.settings.timeout)
            .retry_policy(RetryPolicy::default().max_retries(self.settings.max_retries))
            .build()
            .expect("the client builds");
        (fake, client)
    }

    /// Walks from page `start` (or from a checkpoint) until the end or the first
    /// error, then reads what the fake and the spans saw.
    async fn stream(
        &mut self,
        fake: &RunningFake,
        client: &Client,
        concurrency: usize,
        (start, resume): (u64, Option<Checkpoint>),
        descending: bool,
        mut drift: Option<&mut DriftPlan>,
    ) -> StreamRun {
        let mut request = client
            .members()
            .per_page(self.settings.per_page)
            .concurrency(concurrency)
            .start_page(start);
        if descending {
            request = request.sort("-id");
        }
        if let Some(checkpoint) = resume {
            request = request.resume(checkpoint);
        }
        let mut stream = request.pages();
        let mut run = StreamRun {
            start,
            ..StreamRun::default()
        };
        while let Some(page) = stream.next().await {
            match page {
                Ok(page) => {
                    run.last_page = run.last_page.max(page.page);
                    run.got.extend(page.items.iter().map(|m| m.id));
                    if let Some(plan) = drift.as_deref_mut() {
                        plan.page_received(fake);
                    }
                }
                Err(err) => {
                    run.failure = Some(err);
                    break;
                }
            }
        }
        run.summary = stream.summary();
        run.checkpoint = stream.checkpoint();
        drop(stream); // cancels calls still in flight
        settle().await;
        run.arrivals = fake.arrival_log();
        run.spans = self.calls.take();
        run
    }

    /// Checks one stream's calls against the fake's arrivals and counts the calls that
    /// decided its result: pages up to the last yielded one, or up to the failed one.
    fn account(&mut self, what: &str, run: &StreamRun, tally: &mut Tally) {
        let horizon = match &run.failure {
            Some(err) => err.resume_page().unwrap_or(0),
            None => run.last_page,
        };
        let mut arrived: BTreeMap<u64, &Vec<Option<FaultKind>>> = BTreeMap::new();
        for (key, attempts) in &run.arrivals {
            match page_of(key) {
                Some(page) => {
                    arrived.insert(page, attempts);
                }
                None => self.violate(format!("{what}: unexpected request {key}")),
            }
        }
        // A page may be read more than once in a stream: the end-of-walk check and
        // healing passes re-read pages. The fake counts attempts per page, so the
        // calls of one page are summed.
        let mut spans: BTreeMap<u64, Vec<&CallSpan>> = BTreeMap::new();
        for span in &run.spans {
            match span.page {
                Some(page) if span.name == "tallyfy.call" => {
                    spans.entry(page).or_default().push(span);
                }
                _ => self.violate(format!("{what}: unexpected call {span:?}")),
            }
        }
        for page in arrived.keys() {
            if !spans.contains_key(page) {
                self.violate(format!("{what}: the fake saw page {page}, the SDK no call"));
            }
        }
        let reread = run.summary.reread_pages;
        let calls: u64 = spans.values().map(|calls| calls.len() as u64).sum();
        if calls > spans.len() as u64 + reread + 1 {
            self.violate(format!(
                "{what}: {calls} calls for {} pages, {reread} re-read",
                spans.len()
            ));
        }
        for (&page, calls) in &spans {
            let attempts = arrived.get(&page).copied().cloned().unwrap_or_default();
            let n = attempts.len() as u64;
            let finished = calls.iter().all(|span| span.finished());
            let reported: u64 = calls.iter().map(|span| span.attempts()).sum();
            let started: u64 = calls.iter().map(|span| span.attempts_started).sum();
            if finished {
                if reported != n || started != n {
                    self.violate(format!(
                        "{what}: page {page}: the SDK reports {reported} attempts ({started} started), the fake saw {n}"
                    ));
                }
            } else if n > started {
                self.violate(format!(
                    "{what}: cancelled page {page}: the fake saw {n} attempts, the SDK started {started}"
                ));
            }
            if (run.start..=horizon).contains(&page) {
                // Its forward read decided the walk; a re-read may have been cancelled.
                if !calls.iter().any(|span| span.finished()) {
                    self.violate(format!(
                        "{what}: page {page} decided the walk but never ended"
                    ));
                }
                count(tally, &attempts);
            }
        }
        if let Some(err) = &run.failure {
            // The failed call is the last that failed (a re-read resumes after the
            // forward walk, not at itself). Other calls of its page (earlier reads,
            // re-reads cancelled in flight) account for the rest of the fake's count.
            let failed_at = run.spans.iter().rposition(|span| span.error_type.is_some());
            let failed = failed_at.and_then(|i| run.spans[i].page).unwrap_or(horizon);
            let others: u64 = run
                .spans
                .iter()
                .enumerate()
                .filter(|(i, span)| Some(*i) != failed_at && span.page == Some(failed))
                .map(|(_, span)| {
                    if span.finished() {
                        span.attempts()
                    } else {
                        span.attempts_started
                    }
                })
                .sum();
            let seen = arrived.get(&failed).map_or(0, |a| a.len() as u64);
            let reported = u64::from(err.attempts());
            // With calls cancelled in flight (concurrency), an attempt of theirs may
            // reach the fake after its span closed: then only the upper bound holds.
            let cancelled = run.spans.iter().any(|span| !span.finished());
            // A failed re-read (healing) shares its page with earlier reads: only
            // the upper bound is checked for it.
            let forward = failed == horizon;
            if reported > seen || (forward && !cancelled && reported + others < seen) {
                self.violate(format!(
                    "{what}: the error reports {reported} attempts, the fake saw {seen} for page {failed} ({others} by its other calls): {err}"
                ));
            }
            if !(err.is_retryable() || err.kind() == ErrorKind::Decode) {
                self.violate(format!("{what}: a walk failed with {err:?}"));
            }
            tally.final_failures += 1;
            *tally.errors.entry(format!("{:?}", err.kind())).or_insert(0) += 1;
        }
    }

    /// Checks a stream's own result: no member twice, the summary agrees.
    fn check_stream(&mut self, what: &str, run: &StreamRun) {
        let repeats = run.got.len() - run.got.iter().collect::<BTreeSet<_>>().len();
        if repeats > 0 {
            self.violate(format!(
                "{what}: one stream yielded {repeats} members twice"
            ));
        }
        if run.summary.items != run.got.len() as u64 {
            self.violate(format!(
                "{what}: the summary counts {} members, the stream yielded {}",
                run.summary.items,
                run.got.len()
            ));
        }
    }

    /// The page a failed stream resumes at, if it names one.
    fn resume_point(&mut self, what: &str, err: &Error, start: u64) -> Option<u64> {
        match err.resume_page() {
            Some(page) if page >= start => Some(page),
            other => {
                self.violate(format!(
                    "{what}: resume point {other:?} after starting at {start}: {err:?}"
                ));
                None
            }
        }
    }
}

/// Counts one call's requests, retries and faults.
fn count(tally: &mut Tally, attempts: &[Option<FaultKind>]) {
    let n = attempts.len() as u64;
    tally.requests += n;
    tally.retries += n.saturating_sub(1);
    for kind in attempts.iter().flatten() {
        *tally.faults.entry(*kind).or_insert(0) += 1;
    }
}

/// Lets requests a dropped stream left behind reach the fake before it is read, so
/// they are not counted against the next stream.
async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// The `page` of a list request key (`GET /path?page=3&per_page=10`).
fn page_of(key: &str) -> Option<u64> {
    let (_, query) = key.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="))
        .and_then(|page| page.parse().ok())
}

fn member_ids(fake: &RunningFake) -> Vec<i64> {
    fake.members()
        .iter()
        .map(|m| m["id"].as_i64().expect("members have numeric ids"))
        .collect()
}

fn slice(ids: &[i64], from: usize, to: usize) -> &[i64] {
    &ids[from.min(ids.len())..to.min(ids.len())]
}

#[cfg(test)]
mod tests;
