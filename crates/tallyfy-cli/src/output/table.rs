//! The table format: aligned rows for a list, `field value` lines for one member.
//! Every cell is escaped ([`crate::term::escape`]) before it is measured or cut.

use super::json;
use crate::term::{escape, truncate};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;
use std::io::{self, Write};
use tallyfy_ext::MemberIncludes;
use tallyfy_ext::types::Member;

/// The list's columns and their widths.
pub const COLUMNS: [(&str, usize); 5] = [
    ("ID", 8),
    ("NAME", 24),
    ("EMAIL", 32),
    ("ROLE", 10),
    ("STATUS", 9),
];

/// Escaped, left-aligned in `width` characters, cut with an ellipsis.
pub fn pad(value: &str, width: usize) -> String {
    let shown = truncate(&escape(value), width);
    let count = shown.chars().count();
    format!("{shown}{}", " ".repeat(width.saturating_sub(count)))
}

/// The header row.
pub fn header(groups: bool) -> String {
    let mut cells: Vec<String> = COLUMNS.iter().map(|(n, w)| pad(n, *w)).collect();
    if groups {
        cells.push("GROUPS".into());
    }
    cells.join(" ").trim_end().to_owned()
}

/// The member's name: `full_name`, or first and last name.
pub fn name(member: &Member) -> String {
    member.full_name.clone().unwrap_or_else(|| {
        [&member.first_name, &member.last_name]
            .iter()
            .filter_map(|s| s.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The names of the member's groups, comma-separated.
pub fn group_names(member: &Member, separator: &str) -> String {
    let names: Vec<&str> = member
        .groups()
        .iter()
        .filter_map(|g| g.name.as_deref())
        .collect();
    names.join(separator)
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// One list row.
pub fn row(member: &Member, groups: bool) -> String {
    let values = [
        member.id.to_string(),
        name(member),
        text(&member.email).to_owned(),
        text(&member.role).to_owned(),
        text(&member.status).to_owned(),
    ];
    let mut cells: Vec<String> = values
        .iter()
        .zip(COLUMNS)
        .map(|(v, (_, width))| pad(v, width))
        .collect();
    if groups {
        cells.push(escape(&group_names(member, ", ")));
    }
    cells.join(" ").trim_end().to_owned()
}

/// A string field of a raw member, or its JSON text, or `-`.
pub fn raw_field(member: &Value, key: &str) -> String {
    match member.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    }
}

/// One list row for a member the SDK could not type.
pub fn raw_row(member: &Value) -> String {
    let values = [
        raw_field(member, "id"),
        "(untyped)".into(),
        raw_field(member, "email"),
        raw_field(member, "role"),
        raw_field(member, "status"),
    ];
    let cells: Vec<String> = values
        .iter()
        .zip(COLUMNS)
        .map(|(v, (_, width))| pad(v, width))
        .collect();
    cells.join(" ").trim_end().to_owned()
}

/// One member as `field value` lines, in the order its `Serialize` writes them; a
/// value that is not a string is shown as its JSON text (as the server sent it,
/// for unknown keys).
pub fn write_detail(out: &mut impl Write, member: &Member) -> io::Result<()> {
    let text = json::to_string(member)?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let fields = de.deserialize_map(Entries).map_err(io::Error::other)?;
    for (key, raw) in fields {
        let shown = match key.as_str() {
            "groups" => group_names(member, ", "),
            "country" => member.country_name().unwrap_or_default().to_owned(),
            "stats" => member
                .stats()
                .and_then(|s| json::to_string(s).ok())
                .map(|s| key_values(&s))
                .unwrap_or_default(),
            _ => plain(&raw),
        };
        writeln!(out, "{:<18} {}", escape(&key), escape(&shown))?;
    }
    Ok(())
}

/// A string value as its text, any other value as its JSON text.
fn plain(raw: &RawValue) -> String {
    serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_owned())
}

/// A JSON object's text as `key=value` pairs; anything else as it is.
fn key_values(object: &str) -> String {
    let mut de = serde_json::Deserializer::from_str(object);
    match de.deserialize_map(Entries) {
        Ok(entries) => entries
            .iter()
            .map(|(k, v)| format!("{k}={}", plain(v)))
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => object.to_owned(),
    }
}

/// An object's keys and raw values, in order.
struct Entries;

impl<'de> Visitor<'de> for Entries {
    type Value = Vec<(String, Box<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(entries)
    }
}
