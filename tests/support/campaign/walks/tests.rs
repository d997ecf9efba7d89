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
