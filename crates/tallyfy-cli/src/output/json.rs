//! JSON that is safe on a terminal: serde_json's output with DEL and the C1
//! controls escaped too (`\u007f`, `\u0085`), which serde_json writes raw.
//!
//! Members are written through their own `Serialize` (unknown keys as the raw text
//! the server sent), never through a `serde_json::Value` of a member: a `Value`
//! refuses numbers beyond f64, lone surrogate escapes and deep nesting that `Extra`
//! keeps.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// serde_json's compact formatter, escaping DEL and C1 controls in strings and in
/// raw values (where they can only appear inside strings).
#[derive(Debug, Default, Clone, Copy)]
pub struct SafeFormatter;

/// Writes `text` with DEL and every C1 control as a `\u00XX` escape.
fn write_escaped<W: ?Sized + Write>(writer: &mut W, text: &str) -> io::Result<()> {
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if matches!(c, '\x7f' | '\u{80}'..='\u{9f}') {
            writer.write_all(&text.as_bytes()[start..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            start = at + c.len_utf8();
        }
    }
    writer.write_all(&text.as_bytes()[start..])
}

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }
}

/// Writes `value` as compact, terminal-safe JSON.
pub fn write<W: Write>(out: &mut W, value: &impl Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, SafeFormatter);
    value.serialize(&mut serializer).map_err(io::Error::other)
}

/// `value` as terminal-safe JSON text.
pub fn to_string(value: &impl Serialize) -> io::Result<String> {
    let mut out = Vec::new();
    write(&mut out, value)?;
    String::from_utf8(out).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tallyfy_ext::types::Member;

    #[test]
    fn c1_and_del_are_escaped_in_strings_and_raw_values() {
        let member: Member = serde_json::from_str(
            "{\"id\":1,\"full_name\":\"a\u{85}b\u{7f}\",\"odd\":[\"\u{9b}31m\",1e400,\"\\udfff\"]}",
        )
        .unwrap();
        let text = to_string(&member).unwrap();
        assert!(text.contains(r#""full_name":"a\u0085b\u007f""#), "{text}");
        assert!(
            text.contains(r#""odd":["\u009b31m",1e400,"\udfff"]"#),
            "{text}"
        );
        assert!(!text.chars().any(crate::term::is_control), "{text}");
    }
}
