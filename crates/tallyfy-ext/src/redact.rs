//! The access token kept out of everything this crate prints.
//!
//! A server can echo the token back: in an error `message`, a field error, a
//! request id header, a redirect's host, or the bytes of a body a decoder quotes.
//! The executor hands each call a [`Redactor`] holding the client's token, and the
//! call runs every text that came off the network through it before that text
//! reaches an [`Error`](crate::Error) (its `Display`, `Debug`, accessors), a span
//! or a log line. Data a call returns (a member's fields) is the caller's and is
//! left as sent.

use std::borrow::Cow;
use std::sync::Arc;

/// What replaces the token.
pub(crate) const REDACTED: &str = "[redacted]";

/// Replaces the client's access token in server-provided text.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    token: Option<Arc<str>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(..)")
    }
}

impl Redactor {
    /// A redactor of `token` (trimmed, as it is sent); an empty token redacts nothing.
    pub(crate) fn new(token: &str) -> Self {
        let token = token.trim();
        Self {
            token: (!token.is_empty()).then(|| Arc::from(token)),
        }
    }

    /// `text` with every occurrence of the token replaced.
    pub(crate) fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.token {
            Some(token) if text.contains(&**token) => Cow::Owned(text.replace(&**token, REDACTED)),
            _ => Cow::Borrowed(text),
        }
    }

    /// Whether `text` holds the token.
    pub(crate) fn finds(&self, text: &str) -> bool {
        self.token.as_deref().is_some_and(|t| text.contains(t))
    }

    /// Redacts `text` in place.
    pub(crate) fn string(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.text(text) {
            *text = clean;
        }
    }

    /// Redacts an optional text in place.
    pub(crate) fn option(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.string(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_replaced_and_other_text_kept() {
        let r = Redactor::new(" tok-123 ");
        assert_eq!(r.text("a tok-123 b tok-123"), "a [redacted] b [redacted]");
        assert!(matches!(r.text("nothing here"), Cow::Borrowed(_)));
        assert!(r.finds("xtok-123x"));
        let mut s = Some("Bearer tok-123".to_owned());
        r.option(&mut s);
        assert_eq!(s.as_deref(), Some("Bearer [redacted]"));
    }

    #[test]
    fn no_token_redacts_nothing() {
        let r = Redactor::new("  ");
        assert_eq!(r.text("anything"), "anything");
        assert!(!r.finds(""));
        assert_eq!(format!("{r:?}"), "Redactor(..)");
    }
}
