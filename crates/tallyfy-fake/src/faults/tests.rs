use super::*;

fn draw(player: &mut FaultPlayer, n: usize) -> Vec<Option<Fault>> {
    (0..n).map(|_| player.next_fault("GET /x")).collect()
}

#[test]
fn keyed_draws_depend_on_the_request_and_attempt_not_the_order() {
    let plan = Faults::random(0.5, 9).with_keyed_draws(true);
    let requests: Vec<String> = (0..40).map(|i| format!("GET /p?page={}", i % 10)).collect();
    let play = |order: &mut dyn Iterator<Item = &String>| {
        let mut p = FaultPlayer::new(plan.clone());
        let mut seen = BTreeMap::new();
        for r in order {
            let n = p.arrivals.get(r).map_or(0, Vec::len);
            seen.insert((r.clone(), n), p.next_fault(r));
        }
        seen
    };
    let forward = play(&mut requests.iter());
    assert_eq!(forward, play(&mut requests.iter().rev()));
    let injected = forward.values().flatten().count();
    assert!((5..35).contains(&injected), "{injected} faults out of 40");
    let mut p = FaultPlayer::new(plan.clone());
    let first = p.next_fault("GET /p?page=0").and_then(|f| f.kind());
    assert_eq!(p.arrivals["GET /p?page=0"], vec![first]);
    let mut unkeyed = FaultPlayer::new(Faults::random(0.5, 9));
    unkeyed.next_fault("GET /p?page=0");
    assert!(unkeyed.arrivals.is_empty(), "only keyed plans keep a log");
    // Another seed draws differently.
    let mut other = FaultPlayer::new(Faults::random(0.5, 10).with_keyed_draws(true));
    let differs = requests
        .iter()
        .take(10)
        .any(|r| other.next_fault(r) != forward[&(r.clone(), 0)]);
    assert!(differs);
}

#[test]
fn script_comes_first_then_nothing() {
    let mut p = FaultPlayer::new(Faults::script(vec![Fault::Drop, Fault::Pass]));
    assert_eq!(
        draw(&mut p, 3),
        vec![Some(Fault::Drop), Some(Fault::Pass), None]
    );
}

#[test]
fn random_faults_replay_for_a_seed_and_respect_the_rate() {
    let plan = Faults::random(0.3, 11);
    let a = draw(&mut FaultPlayer::new(plan.clone()), 1000);
    assert_eq!(a, draw(&mut FaultPlayer::new(plan), 1000));
    let injected = a.iter().flatten().count();
    assert!(
        (200..400).contains(&injected),
        "{injected} faults out of 1000"
    );
    let kinds = Fault::transient_defaults();
    assert!(a.iter().flatten().all(|f| kinds.contains(f)));
}

#[test]
fn rate_is_clamped_and_kinds_are_honoured() {
    assert_eq!(Faults::random(7.0, 1).rate(), 1.0);
    assert_eq!(Faults::random(f64::NAN, 1).rate(), 0.0);
    let plan = Faults::random(1.0, 3).with_kinds(vec![Fault::Status(504)]);
    let drawn = draw(&mut FaultPlayer::new(plan), 20);
    assert!(drawn.iter().all(|f| f == &Some(Fault::Status(504))));
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_window_answers_429_until_the_wait_is_over() {
    let plan = Faults::script(vec![
        Fault::delayed(Duration::from_millis(100), Fault::rate_limited(2)),
        Fault::Status(503),
        Fault::Pass,
    ])
    .with_rate_limit_window(true);
    let mut p = FaultPlayer::new(plan);
    assert!(matches!(
        p.next_fault("GET /x"),
        Some(Fault::Delayed { .. })
    ));
    // Before the delayed 429 is sent, the script goes on.
    assert_eq!(p.next_fault("GET /x"), Some(Fault::Status(503)));
    tokio::time::advance(Duration::from_millis(600)).await;
    assert_eq!(
        p.next_fault("GET /x"),
        Some(Fault::rate_limited(2)),
        "1.5 s left"
    );
    tokio::time::advance(Duration::from_millis(1000)).await;
    assert_eq!(p.next_fault("GET /x"), Some(Fault::rate_limited(1)));
    tokio::time::advance(Duration::from_millis(500)).await;
    assert_eq!(
        p.next_fault("GET /x"),
        Some(Fault::Pass),
        "the window is over"
    );
    // Off by default.
    let mut p = FaultPlayer::new(Faults::script(vec![Fault::rate_limited(5)]));
    p.next_fault("GET /x");
    assert_eq!(p.next_fault("GET /x"), None);
}

#[test]
fn counts_by_kind() {
    let mut counts = FaultCounts::default();
    counts.add(FaultKind::Drop);
    counts.add(FaultKind::Drop);
    counts.add(FaultKind::Status);
    assert_eq!(counts.get(FaultKind::Drop), 2);
    assert_eq!(counts.get(FaultKind::Slow), 0);
    assert_eq!(counts.total(), 3);
    assert_eq!(Fault::Pass.kind(), None);
    let late = Fault::delayed(Duration::from_secs(1), Fault::Status(502));
    assert_eq!(late.kind(), Some(FaultKind::Status));
    assert_eq!(
        Fault::redirect("https://x.example/").kind(),
        Some(FaultKind::Redirect)
    );
}
