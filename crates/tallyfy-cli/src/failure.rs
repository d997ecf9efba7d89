//! Why a command failed (which decides the exit code), and the one `error:` line
//! that says so.

use crate::term::{SERVER_TEXT_CHARS, escape, redact, server_text, truncate};
use std::error::Error as _;
use std::io;

/// Longest error line, in characters: a few pieces of bounded server text.
const ERROR_LINE_CHARS: usize = 4 * SERVER_TEXT_CHARS;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or input (exit 2).
    Usage(String),
    /// Something the CLI needs could not start, e.g. the demo server (exit 1).
    Setup(String),
    /// The API or the network failed (exit 1).
    Api(tallyfy_ext::Error),
    /// Writing the output failed (exit 1; a closed pipe is not reported).
    Output(io::Error),
    /// Ctrl-C during a walk; the summary is already on stderr (exit 130).
    Interrupted,
    /// The walk ended, but members may be missing; the warning saying how many is
    /// already on stderr (exit 3).
    PossibleGap,
}

impl From<tallyfy_ext::Error> for Failure {
    fn from(err: tallyfy_ext::Error) -> Self {
        if err.kind() == tallyfy_ext::ErrorKind::InvalidInput {
            Failure::Usage(err.to_string())
        } else {
            Failure::Api(err)
        }
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Output(err)
    }
}

/// An SDK error as one line: token redacted, control characters escaped, each
/// piece of server text cut at [`SERVER_TEXT_CHARS`], then its causes
/// (`: caused by ...`).
pub fn describe(err: &tallyfy_ext::Error) -> String {
    let mut text = redact(&err.to_string());
    let mut pieces: Vec<&str> = [
        err.message(),
        err.code(),
        err.request_id(),
        err.body_snippet(),
    ]
    .into_iter()
    .flatten()
    .collect();
    pieces.extend(err.field_errors().iter().flat_map(|(field, messages)| {
        std::iter::once(field.as_str()).chain(messages.iter().map(String::as_str))
    }));
    for piece in pieces {
        let piece = redact(piece);
        let bounded = server_text(&piece);
        if bounded != escape(&piece) {
            text = text.replacen(&piece, &bounded, 1);
        }
    }
    let mut line = escape(&text);
    let mut source = err.source();
    while let Some(cause) = source {
        let shown = server_text(&cause.to_string());
        if !line.contains(&shown) {
            line.push_str(": caused by ");
            line.push_str(&shown);
        }
        source = cause.source();
    }
    truncate(&line, ERROR_LINE_CHARS)
}

/// Any error and its causes as one safe line (output and set-up failures).
pub fn describe_io(err: &io::Error) -> String {
    let mut line = server_text(&err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        let shown = server_text(&cause.to_string());
        if !line.contains(&shown) {
            line.push_str(": caused by ");
            line.push_str(&shown);
        }
        source = cause.source();
    }
    truncate(&line, ERROR_LINE_CHARS)
}
