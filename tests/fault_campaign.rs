//! The reliability campaign: hundreds of complete member walks through a server
//! that fails one request in five, in every way Tallyfy and its gateways fail.
//!
//! For every walk, the outcome is either the exact member set (each member once,
//! in order), or a typed error naming the page to resume from, after which the
//! resumed walk yields exactly the rest. Never a panic, a duplicate, or a silently
//! short result. Runs on paused tokio time: Retry-After waits and timeouts cost no
//! wall time. Run with `--nocapture` to see the figures.

use futures::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;
use tallyfy_ext::{Client, ErrorKind, RetryPolicy};
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RetryAfter};

const WALKS: usize = 200;
const MEMBERS: usize = 95;
const PER_PAGE: u64 = 10;
const FAULT_RATE: f64 = 0.2;

fn fault_kinds() -> Vec<Fault> {
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
        Fault::Slow(Duration::from_secs(30)), // longer than the client's 5 s timeout
    ]
}

#[derive(Default, Debug)]
struct Tally {
    completed_first_try: usize,
    failed_with_resume_point: usize,
    resumes: usize,
    completed_after_resume: usize,
    errors: BTreeMap<String, usize>,
}

#[tokio::test(start_paused = true)]
async fn every_walk_is_exact_or_resumable_under_twenty_percent_faults() {
    let fake = FakeTallyfy::builder()
        .members(MEMBERS)
        .seed(11)
        .start()
        .await
        .unwrap();
    let expected: Vec<i64> = (1001..1001 + MEMBERS as i64).collect();
    let client = Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::default().max_retries(3))
        .build()
        .unwrap();
    fake.set_faults(Faults::random(FAULT_RATE, 20261123).with_kinds(fault_kinds()));

    let mut tally = Tally::default();
    let mut pages_served = 0;
    for walk in 0..WALKS {
        let mut got: Vec<i64> = Vec::new();
        let mut start = 1;
        let mut resumed = 0;
        loop {
            let mut stream = client
                .members()
                .per_page(PER_PAGE)
                .start_page(start)
                .pages();
            let mut failure = None;
            while let Some(page) = stream.next().await {
                match page {
                    Ok(page) => {
                        pages_served += 1;
                        got.extend(page.items.iter().map(|m| m.id));
                    }
                    Err(err) => {
                        failure = Some(err);
                        break;
                    }
                }
            }
            let Some(err) = failure else { break };
            // A typed, resumable error, after exactly the members of the pages before it.
            let page = err
                .resume_page()
                .unwrap_or_else(|| panic!("walk {walk}: no resume point in {err:?}"));
            assert!(
                err.is_retryable() || err.kind() == ErrorKind::Decode,
                "walk {walk}: unexpected {err:?}"
            );
            assert_eq!(
                got,
                expected[..((page - 1) * PER_PAGE) as usize],
                "walk {walk}: members before page {page}"
            );
            *tally.errors.entry(format!("{:?}", err.kind())).or_default() += 1;
            if resumed == 0 {
                tally.failed_with_resume_point += 1;
            }
            resumed += 1;
            tally.resumes += 1;
            assert!(resumed < 50, "walk {walk} keeps failing");
            start = page;
        }
        assert_eq!(
            got, expected,
            "walk {walk}: every member exactly once, in order"
        );
        if resumed == 0 {
            tally.completed_first_try += 1;
        } else {
            tally.completed_after_resume += 1;
        }
    }

    let counts = fake.fault_counts();
    let requests = fake.request_count();
    println!(
        "walks: {WALKS} of {MEMBERS} members ({} pages each), fault rate {FAULT_RATE}",
        (MEMBERS as u64).div_ceil(PER_PAGE)
    );
    println!(
        "requests: {requests}, faults injected: {} ({:.1}%)",
        counts.total(),
        100.0 * counts.total() as f64 / requests as f64
    );
    for (kind, n) in counts.iter() {
        println!("  {kind:?}: {n}");
    }
    println!(
        "retries (requests beyond pages served): {}",
        requests - pages_served
    );
    println!(
        "completed first try: {}, failed with a resume point: {}, resumes: {}, completed after resume: {}",
        tally.completed_first_try,
        tally.failed_with_resume_point,
        tally.resumes,
        tally.completed_after_resume
    );
    println!("walk errors by kind: {:?}", tally.errors);

    assert_eq!(
        tally.completed_first_try + tally.completed_after_resume,
        WALKS
    );
    assert!(
        counts.total() as f64 > 0.15 * requests as f64,
        "the campaign injected too few faults"
    );
    assert!(
        tally.completed_first_try > WALKS / 2,
        "retries should save most walks: {tally:?}"
    );
    for kind in fault_kinds() {
        assert!(
            counts.get(kind.kind().unwrap()) > 0,
            "{kind:?} never injected"
        );
    }
}
