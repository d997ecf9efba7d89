use super::*;

/// An error whose source is `inner`, as reqwest and hyper-util wrap theirs.
#[derive(Debug)]
struct Wrap(&'static str, Box<dyn StdError + Send + Sync>);

impl fmt::Display for Wrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for Wrap {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.1)
    }
}

/// `outer → client error → io_error`, the shape of reqwest's chain.
fn chain(io_error: io::Error) -> Wrap {
    Wrap(
        "error sending request",
        Box::new(Wrap("client error (Connect)", Box::new(io_error))),
    )
}

/// What rustls' error looks like to us: an error type we cannot name.
#[derive(Debug)]
struct Opaque(&'static str);

impl fmt::Display for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for Opaque {}

fn tls(text: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Opaque(text))
}

#[test]
fn a_refused_certificate_keeps_the_verifier_reason_and_other_handshake_failures_their_words() {
    let refused = chain(tls("invalid peer certificate: UnknownIssuer"));
    assert_eq!(
        walk(&refused, true),
        Cause::CertificateNotTrusted("UnknownIssuer".into())
    );
    let plain = chain(tls("received corrupt message of type InvalidContentType"));
    assert_eq!(
        walk(&plain, true),
        Cause::Handshake("received corrupt message of type InvalidContentType".into())
    );
    // Only while connecting: after it, InvalidData from elsewhere is no TLS failure.
    assert_eq!(
        walk(&chain(tls("invalid peer certificate: x")), false),
        Cause::Other
    );
}

#[test]
fn socket_errors_are_named_by_their_io_kind() {
    for (kind, cause) in [
        (io::ErrorKind::ConnectionRefused, Cause::ConnectionRefused),
        (io::ErrorKind::ConnectionReset, Cause::ConnectionReset),
        (io::ErrorKind::ConnectionAborted, Cause::ConnectionReset),
        (io::ErrorKind::BrokenPipe, Cause::ConnectionReset),
    ] {
        assert_eq!(walk(&chain(io::Error::from(kind)), true), cause, "{kind:?}");
    }
    // Wrapped once more inside an io::Error (whose `source` skips what it wraps).
    let nested = io::Error::other(Wrap(
        "tcp connect error",
        Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
    ));
    assert_eq!(walk(&chain(nested), true), Cause::ConnectionRefused);
    // Unknown causes are left to the source chain.
    assert_eq!(
        walk(&chain(io::Error::other("dns error")), true),
        Cause::Other
    );
    // Without hyper in the chain, an early end or bad data is not HTTP's.
    assert_eq!(
        walk(&chain(io::Error::from(io::ErrorKind::UnexpectedEof)), false),
        Cause::Other
    );
    assert_eq!(
        walk(&chain(io::Error::from(io::ErrorKind::InvalidInput)), false),
        Cause::Other
    );
}

#[test]
fn only_what_a_retry_cannot_fix_is_final_and_each_cause_reads_in_plain_words() {
    let cases = [
        (
            Cause::CertificateNotTrusted("UnknownIssuer".into()),
            true,
            Some("the server's certificate is not trusted: UnknownIssuer"),
        ),
        (
            Cause::Handshake("peer is incompatible".into()),
            true,
            Some("the handshake failed: peer is incompatible"),
        ),
        (
            Cause::InvalidResponse("invalid HTTP version parsed".into()),
            true,
            Some("the server's answer is not valid HTTP: invalid HTTP version parsed"),
        ),
        (
            Cause::HeadersTooLarge,
            true,
            Some("the response headers are larger than the HTTP client accepts"),
        ),
        (
            Cause::BodyDecoding("corrupt deflate stream".into()),
            true,
            Some(
                "the response body's Content-Encoding could not be decoded: corrupt deflate stream",
            ),
        ),
        (
            Cause::ConnectionRefused,
            false,
            Some("the connection was refused"),
        ),
        (
            Cause::ConnectionReset,
            false,
            Some("the connection was reset"),
        ),
        (
            Cause::ClosedEarly,
            false,
            Some("the server closed the connection before the response was complete"),
        ),
        (Cause::Timeout, false, None),
        (Cause::Other, false, None),
    ];
    for (cause, is_final, words) in cases {
        assert_eq!(cause.is_final(), is_final, "{cause:?}");
        assert_eq!(cause.describe().as_deref(), words, "{cause:?}");
    }
}
