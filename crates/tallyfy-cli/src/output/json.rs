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
///
/// Every string of every member goes through here, so it searches bytes, not
/// chars: DEL is `0x7f`, and a C1 control (U+0080..=U+009F) is `0xc2` followed by
/// `0x80..=0x9f` in UTF-8 (its code point is that second byte).
fn write_escaped<W: ?Sized + Write>(writer: &mut W, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    // Almost every string has no byte at or above DEL: one pass, then one write.
    if below_del(bytes) {
        return writer.write_all(bytes);
    }
    let mut start = 0;
    for at in memchr::memchr2_iter(0x7f, 0xc2, bytes) {
        let (code, len) = match (bytes[at], bytes.get(at + 1)) {
            (0x7f, _) => (0x7f, 1),
            (_, Some(&second @ 0x80..=0x9f)) => (second, 2),
            _ => continue,
        };
        writer.write_all(&bytes[start..at])?;
        write!(writer, "\\u{code:04x}")?;
        start = at + len;
    }
    writer.write_all(&bytes[start..])
}

/// Whether every byte is below DEL (`0x7f`), eight bytes at a time: the strings are
/// short, too short for memchr's set-up to pay. Per byte, `b | (b + 1)` has its top
/// bit set exactly when `b >= 0x7f`, and `b + 1` carries into the next byte only
/// when `b` already has its top bit set.
fn below_del(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut seen = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        seen |= w | w.wrapping_add(ONES);
    }
    seen & TOPS == 0 && words.remainder().iter().all(|&b| b < 0x7f)
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

#[cfg(test)]
mod escaping {
    use super::write_escaped;
    use proptest::prelude::*;

    /// The escaping by chars, as the byte search must agree with.
    fn by_chars(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '\x7f' | '\u{80}'..='\u{9f}' => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            })
            .collect()
    }

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        write_escaped(&mut out, text).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn del_and_c1_controls_are_escaped_and_their_neighbours_kept() {
        assert_eq!(
            escaped("a\x7fb\u{85}c\u{9f}\u{a0}é"),
            "a\\u007fb\\u0085c\\u009f\u{a0}é"
        );
        assert_eq!(escaped("\u{80}"), "\\u0080");
        assert_eq!(escaped("plain"), "plain");
    }

    proptest! {
        #[test]
        fn the_byte_search_agrees_with_the_chars(text in any::<String>()) {
            prop_assert_eq!(escaped(&text), by_chars(&text));
        }

        #[test]
        fn the_word_check_agrees_with_a_byte_loop(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(super::below_del(&bytes), bytes.iter().all(|&b| b < 0x7f));
        }
    }

    #[test]
    fn the_word_check_sees_del_and_high_bytes_in_any_lane() {
        for lane in 0..17 {
            for b in [0x7f, 0x80, 0xc2, 0xff] {
                let mut bytes = vec![b'a'; 17];
                bytes[lane] = b;
                assert!(!super::below_del(&bytes), "{b:#x} at {lane}");
            }
        }
        assert!(super::below_del(&[0x7e; 17]));
    }
}
