//! The reliability campaign: complete member walks and get-member calls through a fake
//! Tallyfy that fails one request in five, in every way Tallyfy and its gateways fail.
//!
//! [`run`] plays it on paused tokio time (Retry-After waits and timeouts cost no wall
//! time) and returns its [`Figures`] and every broken invariant ([`Outcome::violations`]):
//!
//! - every walk yields exactly the organization's members, each once (in order at
//!   concurrency 1); a failed walk fails with a typed error whose `resume_page()` comes
//!   after exactly the members already yielded, and resuming there always completes;
//! - under drift (members inserted and removed mid-walk) no stream yields a member
//!   twice, every member present for the whole walk is yielded unless a removal
//!   shifted it past the walk (or, with pages in flight, a stale last page ended the
//!   walk before an insertion's shift), and the summary reports any drift it saw;
//! - a get-member call returns the member or a typed error, never a wrong member;
//! - every call's attempts, as the SDK reports them (span `http.request.resend_count`,
//!   `Error::attempts`, `ResponseMeta::attempts`), equal the requests the fake saw
//!   arrive for it; a retry is an attempt beyond the first, a final failure is not one;
//! - every fault kind was injected; nothing panicked.
//!
//! Faults are drawn from (seed, request, attempt) and each stream gets its own seed,
//! so the figures of the calls that decide a walk are the same on every machine. Calls
//! a failure cancels (concurrency 4) depend on timing: they are checked, not counted.

mod calls;
mod report;
mod walks;

pub use calls::{CallSpan, Calls};
pub use report::{END_MARKER, START_MARKER, render, splice};

use std::collections::BTreeMap;
use std::time::Duration;
use tallyfy_fake::{Fault, FaultKind, Faults, RetryAfter};

/// What the campaign plays.
#[derive(Debug, Clone)]
pub struct Settings {
    /// One full round per seed (fault draws, jitter and member data).
    pub seeds: Vec<u64>,
    /// Members in the organization at the start of a walk.
    pub members: usize,
    /// Page size asked for.
    pub per_page: u64,
    /// Share of requests that get a fault.
    pub fault_rate: f64,
    /// Retries per request.
    pub max_retries: u32,
    /// The client's per-attempt timeout.
    pub timeout: Duration,
    /// Plain walks per seed and concurrency.
    pub walks: usize,
    /// Drift walks per seed and concurrency.
    pub drift_walks: usize,
    /// Get-member calls per seed.
    pub gets: usize,
    /// Concurrency levels walked.
    pub concurrency: Vec<usize>,
}

impl Settings {
    /// The campaign RELIABILITY.md reports.
    pub fn standard() -> Self {
        Self {
            seeds: vec![11, 12, 13],
            members: 95,
            per_page: 10,
            fault_rate: 0.2,
            max_retries: 3,
            timeout: Duration::from_secs(5),
            walks: 40,
            drift_walks: 16,
            gets: 60,
            concurrency: vec![1, 4],
        }
    }

    /// The faults drawn from, each equally likely.
    pub fn fault_kinds() -> Vec<Fault> {
        vec![
            Fault::RateLimited {
                retry_after: RetryAfter::Seconds(2),
            },
            Fault::RateLimited {
                retry_after: RetryAfter::HttpDate(Duration::from_secs(3)),
            },
            Fault::Status(500),
            Fault::Status(502),
            Fault::Status(503),
            Fault::Status(504),
            Fault::HtmlStatus(502),
            Fault::HtmlStatus(503),
            Fault::Empty(503),
            Fault::Drop,
            Fault::TruncatedBody,
            Fault::Slow(Duration::from_secs(30)), // longer than the client's timeout
        ]
    }

    /// The fault plan of one stream (or one get call): its own seed, keyed draws.
    fn plan(&self, seed: u64, scenario: u64, run: u64, stream: u64) -> Faults {
        let epoch = seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(scenario << 48 | run << 16 | stream);
        Faults::random(self.fault_rate, epoch)
            .with_kinds(Self::fault_kinds())
            .with_keyed_draws(true)
    }
}

/// What one kind of run (plain walks, drift walks, get calls) at one concurrency did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Walks or calls.
    pub runs: u64,
    /// Requests of the counted calls (those that decided a result).
    pub requests: u64,
    /// Faults those requests got, by kind.
    pub faults: BTreeMap<FaultKind, u64>,
    /// Attempts beyond the first, per call (the fake's count, equal to the SDK's).
    pub retries: u64,
    /// Calls that still failed after their retries (not retries themselves).
    pub final_failures: u64,
    /// Walks complete without a resume; get calls answered (member or 404).
    pub first_try: u64,
    /// Walks that failed with a resume point and then completed.
    pub resumed: u64,
    /// Resumes, in all.
    pub resumes: u64,
    /// Final errors by kind (`ErrorKind` names).
    pub errors: BTreeMap<String, u64>,
    /// Members the SDK skipped as already yielded in the same stream.
    pub duplicates_skipped: u64,
    /// Members a resumed stream yielded again (the new stream cannot know them).
    pub repeated_after_resume: u64,
    /// Members present for the whole walk never yielded because a removal shifted them
    /// towards page 1, past the walk (id order).
    pub missed: u64,
    /// Members present for the whole walk never yielded because the walk ended at a
    /// last page fetched before an insertion shifted them onto a new page (-id order,
    /// pages in flight).
    pub missed_stale_end: u64,
    /// Walks that missed members with no growth seen, whose summaries' `possible_gap`
    /// covered every missed member (checked).
    pub gap_checked: u64,
    /// Walks whose summary reported drift.
    pub drift_reported: u64,
    /// Get calls for an unknown member that ended in a 404.
    pub not_found: u64,
}

/// The campaign's figures, by row label in display order.
pub type Figures = Vec<(String, Tally)>;

/// The campaign's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The settings played.
    pub settings: Settings,
    /// The figures.
    pub figures: Figures,
    /// Every broken invariant, with the walk or call it broke in. Empty when all held.
    pub violations: Vec<String>,
}

/// Plays the campaign. Call it on a current-thread runtime with paused time (see
/// [`run_blocking`]); it installs its own tracing subscriber for the duration.
pub async fn run(settings: &Settings) -> Outcome {
    let calls = Calls::default();
    let subscriber = {
        use tracing_subscriber::layer::SubscriberExt;
        tracing_subscriber::registry().with(calls.clone())
    };
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut figures: Figures = Vec::new();
    let mut violations = Vec::new();
    let mut seen_kinds = BTreeMap::new();
    for (s, &seed) in settings.seeds.iter().enumerate() {
        // The SDK's retry jitter draws from fastrand's thread-local RNG.
        fastrand::seed(seed);
        let mut rows = Vec::new();
        for (c, &k) in settings.concurrency.iter().enumerate() {
            let scenario = (s * 16 + c) as u64;
            let mut ctx = walks::Ctx::new(settings, seed, &calls, &mut violations);
            let plain = ctx.plain_walks(scenario, k).await;
            rows.push((format!("walks, concurrency {k}"), plain));
            let drift = ctx.drift_walks(scenario + 8, k).await;
            rows.push((
                format!("walks with inserts and deletes, concurrency {k}"),
                drift,
            ));
        }
        let mut ctx = walks::Ctx::new(settings, seed, &calls, &mut violations);
        rows.push((
            "get-member calls".to_owned(),
            ctx.gets(s as u64 * 16 + 15).await,
        ));
        for (label, tally) in rows {
            for (kind, n) in &tally.faults {
                *seen_kinds.entry(*kind).or_insert(0u64) += n;
            }
            match figures.iter_mut().find(|(l, _)| *l == label) {
                Some((_, total)) => add(total, &tally),
                None => figures.push((label, tally)),
            }
        }
    }
    for fault in Settings::fault_kinds() {
        let kind = fault.kind().expect("campaign faults have a kind");
        if seen_kinds.get(&kind).copied().unwrap_or(0) == 0 {
            violations.push(format!(
                "{kind:?} was never injected into a counted request"
            ));
        }
    }
    Outcome {
        settings: settings.clone(),
        figures,
        violations,
    }
}

/// Plays the campaign on a fresh current-thread runtime with paused time.
///
/// # Panics
/// When the runtime cannot be built.
pub fn run_blocking(settings: &Settings) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime")
        .block_on(run(settings))
}

fn add(total: &mut Tally, more: &Tally) {
    total.runs += more.runs;
    total.requests += more.requests;
    for (kind, n) in &more.faults {
        *total.faults.entry(*kind).or_insert(0) += n;
    }
    total.retries += more.retries;
    total.final_failures += more.final_failures;
    total.first_try += more.first_try;
    total.resumed += more.resumed;
    total.resumes += more.resumes;
    for (kind, n) in &more.errors {
        *total.errors.entry(kind.clone()).or_insert(0) += n;
    }
    total.duplicates_skipped += more.duplicates_skipped;
    total.repeated_after_resume += more.repeated_after_resume;
    total.missed += more.missed;
    total.missed_stale_end += more.missed_stale_end;
    total.gap_checked += more.gap_checked;
    total.drift_reported += more.drift_reported;
    total.not_found += more.not_found;
}
