//! Text from the network made safe for a terminal: control characters shown
//! escaped, never emitted; the token replaced; long server text cut.
//!
//! Member data is written by any member of an organization and error text by any
//! server (or proxy): an ESC, CSI or OSC sequence in a name could retitle the window,
//! write the clipboard or make the terminal type into the shell. Every string the
//! CLI prints in a table, a CSV cell or on stderr goes through [`escape`] first.

use std::sync::Mutex;

/// Characters of one piece of server text kept in an error or warning line.
pub const SERVER_TEXT_CHARS: usize = 512;

/// What stands in for the token wherever a server echoed it.
pub const REDACTED: &str = "[redacted]";

/// True for characters a terminal may act on: C0 controls, DEL and C1 controls.
pub fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// `text` with every control character written as an escape: `\n`, `\t`, `\r`,
/// `\x1b` for the other C0 controls and DEL, `\u{9b}` for C1 controls.
pub fn escape(text: &str) -> String {
    if !text.chars().any(is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{80}'..='\u{9f}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of already escaped `text`, the last one an ellipsis
/// when it was cut. Cutting escaped text cannot leave a sequence open: it holds none.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Server text for an error or warning line: token redacted, escaped to one line,
/// at most [`SERVER_TEXT_CHARS`] characters and an ellipsis.
pub fn server_text(text: &str) -> String {
    let escaped = escape(&redact(text));
    if escaped.chars().count() <= SERVER_TEXT_CHARS {
        escaped
    } else {
        truncate(&escaped, SERVER_TEXT_CHARS + 1)
    }
}

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds a secret (the token) that [`redact`] removes from every line printed.
pub fn add_secret(token: &str) {
    let token = token.trim();
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !token.is_empty() && !secrets.iter().any(|s| s == token) {
        secrets.push(token.to_owned());
    }
}

/// `text` with every occurrence of a secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    redact_with(text, &secrets)
}

/// Idempotent: text already redacted keeps its markers (a token that occurs inside
/// `[redacted]` does not redact the marker again).
fn redact_with(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text
                .split(REDACTED)
                .map(|piece| piece.replace(secret.as_str(), REDACTED))
                .collect::<Vec<_>>()
                .join(REDACTED);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_nothing_else() {
        assert_eq!(
            escape("a\x1b]0;pwn\x07b\u{9b}c\x7f\r\n\0é"),
            "a\\x1b]0;pwn\\x07b\\u{9b}c\\x7f\\r\\n\\x00é"
        );
        assert_eq!(escape("plain text, ünïcode"), "plain text, ünïcode");
        assert!(!escape("\u{85}\u{9f}\u{80}").chars().any(is_control));
    }

    #[test]
    fn truncation_measures_escaped_text() {
        let escaped = escape("\x1b[2J\x1b[2J");
        let cut = truncate(&escaped, 6);
        assert_eq!(cut, "\\x1b[…");
        assert_eq!(cut.chars().count(), 6);
        assert_eq!(truncate("short", 6), "short");
    }

    #[test]
    fn secrets_are_replaced_everywhere() {
        let secrets = ["s3cr3t".to_owned()];
        assert_eq!(
            redact_with("Bearer s3cr3t; id s3cr3t", &secrets),
            "Bearer [redacted]; id [redacted]"
        );
        assert_eq!(redact_with("nothing", &secrets), "nothing");
        let short = ["t".to_owned(), "t".to_owned()];
        let once = redact_with("a token", &short);
        assert_eq!(once, "a [redacted]oken");
        assert_eq!(redact_with(&once, &short), once, "idempotent");
    }

    #[test]
    fn server_text_is_one_bounded_line() {
        let long = "line\nerror: forged\n".repeat(100);
        let shown = server_text(&long);
        assert!(!shown.contains('\n'));
        assert_eq!(shown.chars().count(), SERVER_TEXT_CHARS + 1);
        assert!(shown.ends_with('…'));
    }
}
