use super::*;

fn status(number: u32, code: u16) -> Attempt<'static> {
    Attempt::new(number, crate::error::ErrorKind::Server).with_status(code)
}

#[test]
fn only_transient_statuses_are_retried() {
    let policy = RetryPolicy::default();
    for code in [408, 429, 500, 502, 503, 504] {
        assert!(
            matches!(policy.decide(&status(1, code), 0), Decision::RetryAfter(_)),
            "{code}"
        );
    }
    for code in [400, 401, 403, 404, 409, 422, 501] {
        assert_eq!(policy.decide(&status(1, code), 0), Decision::Done, "{code}");
    }
    for kind in [ErrorKind::Timeout, ErrorKind::Transport] {
        assert!(matches!(
            policy.decide(&Attempt::new(1, kind), 0),
            Decision::RetryAfter(_)
        ));
    }
    assert_eq!(
        policy.decide(&Attempt::new(1, ErrorKind::Decode), 0),
        Decision::Done
    );
}

#[test]
fn retries_stop_at_the_limit_and_above_the_retry_after_ceiling() {
    let policy = RetryPolicy::default();
    let busy = status(2, 503).with_retry_after(Duration::from_secs(3));
    assert_eq!(
        policy.decide(&busy, 1),
        Decision::RetryAfter(Duration::from_secs(3))
    );
    assert_eq!(policy.decide(&busy, 2), Decision::Done);
    let long = status(1, 503).with_retry_after(Duration::from_secs(61));
    assert_eq!(policy.decide(&long, 0), Decision::Done);
    assert_eq!(RetryPolicy::never().decide(&busy, 0), Decision::Done);
    assert_eq!(
        RetryPolicy::never().decide(&Attempt::new(1, ErrorKind::Transport), 0),
        Decision::Done
    );
}

#[test]
fn a_custom_rule_sees_the_code_and_decides_with_its_own_wait_and_limits() {
    let rule = (|a: &Attempt<'_>| match (a.status, a.code) {
        (Some(500), _) => RetryDecision::Stop,
        (_, Some("RECORD_LOCKED")) => RetryDecision::RetryAfter(Duration::from_millis(40)),
        _ => TransientErrors.decide(a),
    })
    .with_attempt_limit(4)
    .with_time_limit(Duration::from_secs(20));
    let policy = RetryPolicy::custom(rule)
        .backoff(|retries: u32| Duration::from_millis(u64::from(retries) + 1));
    assert_eq!(
        policy.decide(&status(1, 500), 0),
        Decision::Done,
        "never a 500"
    );
    assert_eq!(
        policy.decide(&status(1, 409).with_code("RECORD_LOCKED"), 0),
        Decision::RetryAfter(Duration::from_millis(40))
    );
    assert_eq!(
        policy.decide(&status(3, 503), 2),
        Decision::RetryAfter(Duration::from_millis(3)),
        "the custom backoff, past the default retry count"
    );
    assert_eq!(
        policy.decide(&status(4, 503), 3),
        Decision::Done,
        "attempt limit"
    );
    let late = status(2, 503).with_elapsed(Duration::from_secs(20));
    assert_eq!(policy.decide(&late, 1), Decision::Done, "time limit");
    let too_long =
        RetryPolicy::default().rule_fn(|_| RetryDecision::RetryAfter(Duration::from_secs(90)));
    assert_eq!(
        too_long.decide(&status(1, 503), 0),
        Decision::Done,
        "above the ceiling"
    );
    assert!(format!("{policy:?}").contains("custom"));
}

#[test]
fn the_error_code_is_read_from_either_shape() {
    assert_eq!(error_code(br#"{"code":"A"}"#).as_deref(), Some("A"));
    assert_eq!(
        error_code(br#"{"error":{"code":42}}"#).as_deref(),
        Some("42")
    );
    assert_eq!(error_code(br#"{"error":true}"#), None);
    assert_eq!(error_code(b"<html>"), None);
}
