use super::*;

#[test]
fn error_is_small_send_sync_and_static() {
    fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
    assert_traits::<Error>();
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
}

#[test]
fn display_names_operation_status_message_and_resume_point() {
    let err = Error::new(
        ErrorKind::RateLimited,
        Details {
            status: Some(429),
            operation: Some("list_members"),
            message: Some("slow down".into()),
            retry_after: Some(Duration::from_secs(90)),
            request_id: Some("req-1".into()),
            attempts: 3,
            ..Details::default()
        },
    )
    .with_resume_page(7);
    assert_eq!(
        err.to_string(),
        "list_members: rate limited (HTTP 429): slow down; retry after 90s; resume at page 7; \
         after 3 attempts; request id req-1"
    );
}

#[test]
fn set_up_failures_are_not_the_callers_input() {
    let cause = std::io::Error::other("Resource temporarily unavailable");
    let err = Error::setup("cannot start the blocking runtime", cause);
    assert_eq!(err.kind(), ErrorKind::Setup);
    assert_ne!(
        err.kind(),
        ErrorKind::InvalidInput,
        "the CLI exits 2 for those"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "set-up failed: cannot start the blocking runtime"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    assert_eq!(ErrorKind::Setup.as_str(), "setup");
    assert_eq!(ErrorKind::RateLimited.as_str(), "rate_limited");
    assert_eq!(ErrorKind::Tls.as_str(), "tls");
    assert_eq!(ErrorKind::Protocol.as_str(), "protocol");
}

#[test]
fn snippet_truncates_on_bytes_and_marks_the_cut() {
    assert_eq!(snippet(b"abcdef", 4), "abcd…");
    assert_eq!(snippet(b"abc", 4), "abc");
    assert_eq!(snippet(&[0xff, b'a'], 8), "\u{fffd}a");
}
