//! Why an attempt got no usable response: the cause of a transport failure, named.
//!
//! reqwest reports every failure below HTTP status as one `reqwest::Error` whose
//! `source()` chain holds the real cause: a `hyper::Error` (the response did not
//! parse, its head was too large, the connection closed before it was complete), a
//! `std::io::Error` (refused, reset), or, inside an `io::Error` of kind
//! `InvalidData`, the TLS library's error. [`classify`] walks that chain once and
//! names the cause; the executor stops retrying on a cause a retry cannot fix
//! ([`Cause::is_final`]), and `call.rs` picks the error kind and the message from it.
//!
//! TLS errors are recognised by text, not by type: `rustls::Error` is not reachable
//! without a direct dependency on rustls, and that dependency would have to follow
//! reqwest's rustls version exactly (a mismatch would compile, and downcasting to the
//! other version's type would silently never match). What is matched is narrow: an
//! `io::Error` of kind `InvalidData` while connecting is what the TLS connector makes
//! of every handshake failure (nothing else in connecting reads data), and rustls
//! words a refused certificate `invalid peer certificate: <reason>`. The hostile TLS
//! test (`tests/hostile_transport.rs`) fails if either stops holding.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// What went wrong below HTTP, as far as the error chain says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The certificate verifier refused the server's certificate; its reason.
    CertificateNotTrusted(String),
    /// The TLS handshake failed otherwise (no common protocol, a fatal alert, the
    /// server does not speak TLS); the TLS library's words.
    Handshake(String),
    /// The response was not valid HTTP: a garbage status line, a malformed header,
    /// two `Content-Length`s, broken chunked framing; hyper's words.
    InvalidResponse(String),
    /// The response head was larger than the HTTP client accepts.
    HeadersTooLarge,
    /// The body's `Content-Encoding` (gzip) could not be decoded; the decoder's words.
    BodyDecoding(String),
    /// Nothing listens at the address.
    ConnectionRefused,
    /// The connection was reset or aborted.
    ConnectionReset,
    /// The server closed the connection before the response was complete.
    ClosedEarly,
    /// The attempt timed out.
    Timeout,
    /// Anything else (a name that does not resolve, ...): the source chain says it.
    Other,
}

impl Cause {
    /// Whether another attempt would fail the same way: the server's certificate,
    /// its TLS set-up and its HTTP do not change between attempts, while a refused,
    /// reset or timed-out connection may.
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self,
            Self::CertificateNotTrusted(_)
                | Self::Handshake(_)
                | Self::InvalidResponse(_)
                | Self::HeadersTooLarge
                | Self::BodyDecoding(_)
        )
    }

    /// The cause in plain words, for an error's message; `None` when the error's
    /// kind already says it all (a timeout) or nothing more is known.
    pub(crate) fn describe(&self) -> Option<String> {
        match self {
            Self::Timeout | Self::Other => None,
            _ => Some(self.to_string()),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CertificateNotTrusted(reason) => {
                write!(f, "the server's certificate is not trusted: {reason}")
            }
            Self::Handshake(reason) => write!(f, "the handshake failed: {reason}"),
            Self::InvalidResponse(what) => {
                write!(f, "the server's answer is not valid HTTP: {what}")
            }
            Self::HeadersTooLarge => {
                f.write_str("the response headers are larger than the HTTP client accepts")
            }
            Self::BodyDecoding(what) => {
                write!(
                    f,
                    "the response body's Content-Encoding could not be decoded: {what}"
                )
            }
            Self::ConnectionRefused => f.write_str("the connection was refused"),
            Self::ConnectionReset => f.write_str("the connection was reset"),
            Self::ClosedEarly => {
                f.write_str("the server closed the connection before the response was complete")
            }
            Self::Timeout => f.write_str("the attempt timed out"),
            Self::Other => f.write_str("the request failed"),
        }
    }
}

/// The prefix rustls gives a certificate the verifier refused (`rustls::Error::InvalidCertificate`).
const REFUSED_CERTIFICATE: &str = "invalid peer certificate: ";

/// How hyper words a response head above its limit (`Parse::TooLarge`).
const HYPER_TOO_LARGE: &str = "message head is too large";

/// Names the cause of a failed attempt.
pub(crate) fn classify(err: &reqwest::Error) -> Cause {
    if err.is_timeout() {
        return Cause::Timeout;
    }
    // A decode error wraps the body's own failure (framing, a reset) when there
    // was one; only when the chain names nothing else did the decoder itself fail.
    match walk(err, err.is_connect()) {
        Cause::Other if err.is_decode() => Cause::BodyDecoding(last_words(err)),
        found => found,
    }
}

/// The first cause the chain under `err` names.
fn walk(err: &(dyn StdError + 'static), connecting: bool) -> Cause {
    let mut saw_hyper = false;
    let mut next = err.source();
    while let Some(e) = next {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            saw_hyper = true;
            // `is_parse_too_large` exists only with hyper's `server` feature, which
            // the SDK does not build; hyper's fixed wording for `Parse::TooLarge` does.
            if h.is_parse() && h.to_string() == HYPER_TOO_LARGE {
                return Cause::HeadersTooLarge;
            }
            if h.is_parse() {
                return Cause::InvalidResponse(h.to_string());
            }
            if h.is_incomplete_message() {
                return Cause::ClosedEarly;
            }
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if let Some(cause) = io_cause(io, connecting, saw_hyper) {
                return cause;
            }
            // `io::Error::source` skips the error it wraps: look at that one next.
            if let Some(inner) = io.get_ref() {
                next = Some(inner);
                continue;
            }
        }
        next = e.source();
    }
    Cause::Other
}

fn io_cause(io: &io::Error, connecting: bool, saw_hyper: bool) -> Option<Cause> {
    use io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => Some(Cause::ConnectionRefused),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Some(Cause::ConnectionReset),
        K::UnexpectedEof if saw_hyper => Some(Cause::ClosedEarly),
        // While connecting, only the TLS connector reads data; it wraps the TLS
        // library's error in InvalidData (see the module comment).
        K::InvalidData if connecting => {
            let text = io
                .get_ref()
                .map_or_else(|| io.to_string(), |e| e.to_string());
            Some(match text.strip_prefix(REFUSED_CERTIFICATE) {
                Some(reason) => Cause::CertificateNotTrusted(reason.to_owned()),
                None => Cause::Handshake(text),
            })
        }
        // hyper's body decoders report broken chunked framing so.
        K::InvalidData | K::InvalidInput if saw_hyper => {
            Some(Cause::InvalidResponse(io.to_string()))
        }
        _ => None,
    }
}

/// The words of the deepest error in the chain.
fn last_words(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests;
