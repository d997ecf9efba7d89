//! [`Error::redacted`]: the client's token out of every text an error keeps.

use super::{Error, Inner};
use crate::redact::{REDACTED, Redactor};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;

impl Error {
    /// This error with the token replaced in every server-provided text it holds:
    /// message, code, request id, field errors, body snippet, an untyped member
    /// (its error and raw JSON), a refused redirect's origins, and its causes.
    pub(crate) fn redacted(mut self, redactor: &Redactor) -> Self {
        let Inner {
            details: d, source, ..
        } = &mut *self.inner;
        for text in [
            &mut d.message,
            &mut d.code,
            &mut d.request_id,
            &mut d.body_snippet,
        ] {
            redactor.option(text);
        }
        if d.field_errors
            .keys()
            .chain(d.field_errors.values().flatten())
            .any(|t| redactor.finds(t))
        {
            d.field_errors = std::mem::take(&mut d.field_errors)
                .into_iter()
                .map(|(field, messages)| {
                    let messages = messages.into_iter().map(|m| redactor.text(&m).into_owned());
                    (redactor.text(&field).into_owned(), messages.collect())
                })
                .collect::<BTreeMap<_, _>>();
        }
        if let Some(member) = &mut d.untyped {
            redactor.string(&mut member.error);
            if redactor.finds(member.raw.get()) {
                let text = redactor.text(member.raw.get()).into_owned();
                // The token sat inside a JSON string (it has no character JSON
                // escapes), so the text stays JSON; if not, the whole member goes.
                member.raw = RawValue::from_string(text).unwrap_or_else(|_| {
                    RawValue::from_string(format!("\"{REDACTED}\"")).expect("a JSON string")
                });
            }
        }
        if let Some(redirect) = &mut d.redirect {
            redactor.string(&mut redirect.from);
            redactor.string(&mut redirect.to);
        }
        if let Some(cause) = source.take() {
            *source = Some(if chain_holds(&*cause, redactor) {
                Box::new(Redacted::of(&*cause, redactor))
            } else {
                cause
            });
        }
        self
    }
}

fn chain_holds(err: &(dyn std::error::Error + 'static), redactor: &Redactor) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if redactor.finds(&err.to_string()) || redactor.finds(&format!("{err:?}")) {
            return true;
        }
        next = err.source();
    }
    false
}

/// A cause whose text held the token: its text, and its causes', redacted. The
/// original type is gone (it cannot be downcast), its story is kept.
#[derive(Debug)]
struct Redacted {
    message: String,
    source: Option<Box<Redacted>>,
}

impl Redacted {
    fn of(err: &(dyn std::error::Error + 'static), redactor: &Redactor) -> Self {
        Self {
            message: redactor.text(&err.to_string()).into_owned(),
            source: err
                .source()
                .map(|cause| Box::new(Self::of(cause, redactor))),
        }
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Redacted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}
