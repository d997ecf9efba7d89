//! One scenario at a time: plain walks, drift walks and get-member calls, each checked
//! against what the fake saw.

use super::{CallSpan, Calls, Settings, Tally};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tallyfy_ext::{Checkpoint, Client, Error, ErrorKind, RetryPolicy, WalkSummary};
use tallyfy_fake::{FakeTallyfy, FaultKind, RunningFake};

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

    /// Walks of a still organization: exactly its members, each once.
    pub(super) async fn plain_walks(&mut self, scenario: u64, concurrency: usize) -> Tally {
        let (fake, client) = self.start().await;
        let expected = member_ids(&fake);
        let per_page = self.settings.per_page as usize;
        let mut tally = Tally::default();
        for walk in 0..self.settings.walks {
            let what = format!("concurrency {concurrency}, walk {walk}");
            let mut yielded: Vec<i64> = Vec::new();
            let (mut start, mut streams) = (1u64, 0u64);
            loop {
                let plan = self
                    .settings
                    .plan(self.seed, scenario, walk as u64, streams);
                fake.set_faults(plan);
                let mut run = self
                    .stream(&fake, &client, concurrency, (start, None), false, None)
                    .await;
                self.check_stream(&what, &run);
                self.account(&what, &run, &mut tally);
                if run.summary.drift.is_some() || run.summary.duplicates_skipped > 0 {
                    self.violate(format!("{what}: drift reported on a still organization"));
                }
                let Some(err) = run.failure.take() else {
                    yielded.extend(run.got);
                    break;
                };
                let Some(page) = self.resume_point(&what, &err, start) else {
                    break;
                };
                let before = slice(
                    &expected,
                    (start as usize - 1) * per_page,
                    (page as usize - 1) * per_page,
                );
                if run.got != before {
                    self.violate(format!(
                        "{what}: members before the failed page {page} differ"
                    ));
                }
                yielded.extend(run.got);
                streams += 1;
                if streams >= MAX_STREAMS {
                    self.violate(format!("{what}: still failing after {streams} resumes"));
                    break;
                }
                start = page;
            }
            tally.runs += 1;
            tally.resumes += streams;
            if streams == 0 {
                tally.first_try += 1;
            } else {
                tally.resumed += 1;
            }
            let exact = if concurrency == 1 {
                yielded == expected
            } else {
                let set: BTreeSet<i64> = yielded.iter().copied().collect();
                set.len() == yielded.len() && set.into_iter().eq(expected.iter().copied())
            };
            if !exact {
                self.violate(format!(
                    "{what}: yielded {} members, not exactly the {} of the organization",
                    yielded.len(),
                    expected.len()
                ));
            }
        }
        fake.shutdown().await;
        tally
    }

    /// Walks during which members are inserted and removed: in id order a removal
    /// shifts later members towards page 1 (some are missed); in `-id` order an
    /// insertion shifts them the other way (repeats, which a stream drops).
    pub(super) async fn drift_walks(&mut self, scenario: u64, concurrency: usize) -> Tally {
        let (fake, client) = self.start().await;
        let mut tally = Tally::default();
        for walk in 0..self.settings.drift_walks {
            let descending = walk % 2 == 1;
            let what = format!("concurrency {concurrency}, drift walk {walk}");
            let before: BTreeSet<i64> = member_ids(&fake).into_iter().collect();
            let mut plan = DriftPlan {
                insert_at: 2 + (walk % 4) as u64,
                remove_at: 3 + (walk % 5) as u64,
                received: 0,
            };
            let mut yielded: Vec<i64> = Vec::new();
            let (mut start, mut streams, mut reported, mut skipped) = (1u64, 0u64, false, 0u64);
            let (mut possible_gap, mut added) = (0u64, 0u64);
            // A failed stream is resumed from its checkpoint: exactly, with what it
            // yielded and what it saw of the list carried over.
            let mut checkpoint = None;
            loop {
                let faults = self
                    .settings
                    .plan(self.seed, scenario, walk as u64, streams);
                fake.set_faults(faults);
                let mut run = self
                    .stream(
                        &fake,
                        &client,
                        concurrency,
                        (start, checkpoint.take()),
                        descending,
                        Some(&mut plan),
                    )
                    .await;
                self.check_stream(&what, &run);
                self.account(&what, &run, &mut tally);
                reported |= run.summary.drift.is_some();
                skipped += run.summary.duplicates_skipped;
                possible_gap += run.summary.possible_gap();
                added += run.summary.members_added;
                yielded.extend(std::mem::take(&mut run.got));
                checkpoint = run.checkpoint.take();
                let Some(err) = run.failure.take() else { break };
                let Some(page) = self.resume_point(&what, &err, start) else {
                    break;
                };
                streams += 1;
                if streams >= MAX_STREAMS {
                    self.violate(format!("{what}: still failing after {streams} resumes"));
                    break;
                }
                start = page;
            }
            let after: BTreeSet<i64> = member_ids(&fake).into_iter().collect();
            let set: BTreeSet<i64> = yielded.iter().copied().collect();
            let repeated = (yielded.len() - set.len()) as u64;
            let phantom = set
                .iter()
                .filter(|id| !before.contains(id) && !after.contains(id))
                .count();
            let missed = before
                .intersection(&after)
                .filter(|id| !set.contains(id))
                .count();
            if phantom > 0 {
                self.violate(format!(
                    "{what}: {phantom} members yielded that never existed"
                ));
            }
            // In id order only a removal moves members a walk has not reached (towards
            // page 1), so at most the removed count can be missed, and the streams'
            // summaries must say so (`possible_gap`). In -id order an insertion moves
            // them towards the end: the walk still reads them unless, with pages in
            // flight, the last page was read before the insertion; its total is then
            // below the one before, which the summary reports as a possible gap.
            let bound = if descending {
                (possible_gap as usize).min(INSERTED)
            } else {
                REMOVED
            };
            if missed > bound || (!descending && repeated > 0) {
                self.violate(format!(
                    "{what}: missed {missed} (at most {bound}), repeated {repeated}"
                ));
            }
            // A removal shows as a fall of the reported total, unless members added
            // between the same two page reads hide it (only `drift` says the list
            // changed then): where no stream saw the list grow, the gap is exact.
            if added == 0 && missed as u64 > possible_gap {
                self.violate(format!(
                    "{what}: missed {missed}, but the summaries report a possible gap of {possible_gap}"
                ));
            }
            tally.gap_checked += u64::from(added == 0 && missed > 0);
            // Repeats across a resume are not checked here: the resumed stream cannot
            // know what the failed one yielded; they are counted for the caller.
            if (missed > 0 || skipped > 0) && !reported {
                self.violate(format!(
                    "{what}: missed {missed}, skipped {skipped}, no drift reported"
                ));
            }
            if descending {
                tally.missed_stale_end += missed as u64;
            } else {
                tally.missed += missed as u64;
            }
            tally.runs += 1;
            tally.resumes += streams;
            if streams == 0 {
                tally.first_try += 1;
            } else {
                tally.resumed += 1;
            }
            tally.duplicates_skipped += skipped;
            tally.repeated_after_resume += repeated;
            tally.drift_reported += u64::from(reported);
        }
        fake.shutdown().await;
        tally
    }

    /// Get-member calls, one known member in ten replaced by an unknown id.
    pub(super) async fn gets(&mut self, scenario: u64) -> Tally {
        let (fake, client) = self.start().await;
        let ids = member_ids(&fake);
        let mut tally = Tally::default();
        for call in 0..self.settings.gets {
            let unknown = call % 10 == 9;
            let id = if unknown {
                900_000 + call as i64
            } else {
                ids[(call * 7) % ids.len()]
            };
            let what = format!("get-member call {call} (id {id})");
            fake.set_faults(self.settings.plan(self.seed, scenario, call as u64, 0));
            let result = client.member(id).send_with_meta().await;
            settle().await;
            let arrivals = fake.arrival_log();
            let spans = self.calls.take();
            let attempts: Vec<Option<FaultKind>> = arrivals.values().flatten().copied().collect();
            let n = attempts.len() as u64;
            if arrivals.len() != 1 {
                self.violate(format!(
                    "{what}: the fake saw {} distinct requests",
                    arrivals.len()
                ));
            }
            match spans.as_slice() {
                [span] if span.user_id == Some(id as u64) && span.finished() => {
                    if span.attempts() != n || span.attempts_started != n {
                        self.violate(format!(
                            "{what}: the span reports {} attempts ({} started), the fake saw {n}",
                            span.attempts(),
                            span.attempts_started
                        ));
                    }
                }
                other => self.violate(format!("{what}: spans {other:?}")),
            }
            let reported = match &result {
                Ok((member, meta)) => {
                    if unknown || member.id != id {
                        self.violate(format!("{what}: answered with member {}", member.id));
                    }
                    tally.first_try += 1;
                    meta.attempts
                }
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    if !unknown {
                        self.violate(format!("{what}: a known member was not found"));
                    }
                    tally.first_try += 1;
                    tally.not_found += 1;
                    err.attempts()
                }
                Err(err) => {
                    if !(err.is_retryable() || err.kind() == ErrorKind::Decode) {
                        self.violate(format!("{what}: failed with {err:?}"));
                    }
                    tally.final_failures += 1;
                    *tally.errors.entry(format!("{:?}", err.kind())).or_insert(0) += 1;
                    err.attempts()
                }
            };
            if u64::from(reported) != n {
                self.violate(format!(
                    "{what}: the SDK reports {reported} attempts, the fake saw {n}"
                ));
            }
            tally.runs += 1;
            count(&mut tally, &attempts);
        }
        fake.shutdown().await;
        tally
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
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_read_from_the_query() {
        assert_eq!(page_of("GET /api/o/users?page=3&per_page=10"), Some(3));
        assert_eq!(page_of("GET /api/o/users?per_page=10&page=12"), Some(12));
        assert_eq!(page_of("GET /api/o/users?per_page=10"), None);
        assert_eq!(page_of("GET /api/o/users/1001"), None);
    }

    fn list_call(page: u64, resend: Option<u64>, started: u64) -> CallSpan {
        CallSpan {
            name: "tallyfy.call",
            page: Some(page),
            resend_count: resend,
            status: Some(200),
            attempts_started: started,
            ..CallSpan::default()
        }
    }

    #[test]
    fn a_repeated_member_or_a_miscounted_summary_is_a_violation() {
        let (settings, calls, mut violations) = (Settings::standard(), Calls::default(), vec![]);
        let mut ctx = Ctx::new(&settings, 1, &calls, &mut violations);
        let run = StreamRun {
            got: vec![1001, 1002, 1002],
            ..StreamRun::default()
        };
        ctx.check_stream("walk", &run);
        assert_eq!(violations.len(), 2, "{violations:?}");
    }

    #[test]
    fn attempts_must_match_between_the_sdk_and_the_fake() {
        let (settings, calls, mut violations) = (Settings::standard(), Calls::default(), vec![]);
        let mut ctx = Ctx::new(&settings, 1, &calls, &mut violations);
        let mut run = StreamRun {
            last_page: 2,
            ..StreamRun::default()
        };
        let attempts = vec![Some(FaultKind::Status), Some(FaultKind::Drop), None];
        run.arrivals
            .insert("GET /u?page=1&per_page=10".into(), attempts);
        run.arrivals
            .insert("GET /u?page=2&per_page=10".into(), vec![None]);
        run.arrivals
            .insert("GET /u?page=3&per_page=10".into(), vec![None]);
        // Page 1 agrees (2 retries); page 2 under-reports; page 3 has no call at all.
        run.spans = vec![list_call(1, Some(2), 3), list_call(2, Some(1), 2)];
        let mut tally = Tally::default();
        ctx.account("walk", &run, &mut tally);
        assert_eq!(violations.len(), 2, "{violations:?}");
        assert!(violations[0].contains("page 3"), "{violations:?}");
        assert!(
            violations[1].contains("page 2: the SDK reports 2 attempts"),
            "{violations:?}"
        );
        assert_eq!(
            (tally.requests, tally.retries, tally.final_failures),
            (4, 2, 0)
        );
    }

    #[test]
    fn retries_exclude_the_first_attempt_and_final_failures_are_not_retries() {
        let mut tally = Tally::default();
        count(
            &mut tally,
            &[Some(FaultKind::Drop), Some(FaultKind::Status), None],
        );
        count(&mut tally, &[Some(FaultKind::Status)]);
        assert_eq!((tally.requests, tally.retries), (4, 2));
        assert_eq!(tally.faults[&FaultKind::Status], 2);
    }
}
