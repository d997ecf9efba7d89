//! Printing members: table, JSON or NDJSON, streamed as they arrive.

use crate::args::Format;
use serde_json::{Value, json};
use std::io::{self, Write};
use tallyfy_ext::MemberIncludes;
use tallyfy_ext::types::Member;

/// Writes a sequence of members in one format, without holding them in memory.
pub struct MemberWriter<W: Write> {
    out: W,
    format: Format,
    written: u64,
    groups: bool,
}

const COLUMNS: [(&str, usize); 5] = [
    ("ID", 8),
    ("NAME", 24),
    ("EMAIL", 32),
    ("ROLE", 10),
    ("STATUS", 9),
];

impl<W: Write> MemberWriter<W> {
    /// A writer; `groups` adds a GROUPS column to tables.
    pub fn new(out: W, format: Format, groups: bool) -> Self {
        Self {
            out,
            format,
            written: 0,
            groups,
        }
    }

    /// Members written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Sends what was written so far to the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Header line (table) or document opening (JSON).
    pub fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Table => {
                let mut cells: Vec<String> = COLUMNS
                    .iter()
                    .map(|(name, width)| pad(name, *width))
                    .collect();
                if self.groups {
                    cells.push("GROUPS".into());
                }
                writeln!(self.out, "{}", cells.join(" ").trim_end())
            }
            Format::Json => write!(self.out, "{{\"data\":["),
            Format::Ndjson => Ok(()),
        }
    }

    /// One member.
    pub fn member(&mut self, member: &Member) -> io::Result<()> {
        match self.format {
            Format::Table => {
                let name = member.full_name.clone().unwrap_or_else(|| {
                    [&member.first_name, &member.last_name]
                        .iter()
                        .filter_map(|s| s.as_deref())
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                let values = [
                    member.id.to_string(),
                    name,
                    text(&member.email),
                    text(&member.role),
                    text(&member.status),
                ];
                let mut cells: Vec<String> = values
                    .iter()
                    .zip(COLUMNS)
                    .map(|(v, (_, width))| pad(v, width))
                    .collect();
                if self.groups {
                    let names: Vec<&str> = member
                        .groups()
                        .iter()
                        .filter_map(|g| g.name.as_deref())
                        .collect();
                    cells.push(names.join(", "));
                }
                writeln!(self.out, "{}", cells.join(" ").trim_end())?;
            }
            Format::Json | Format::Ndjson => self.json(member)?,
        }
        self.written += 1;
        Ok(())
    }

    /// A member the SDK could not type, printed as the server sent it (JSON
    /// formats) or as a row with what can be read of it (table).
    pub fn raw(&mut self, member: &Value) -> io::Result<()> {
        match self.format {
            Format::Table => {
                let field = |key: &str| match member.get(key) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => "-".into(),
                    Some(other) => other.to_string(),
                };
                let values = [
                    field("id"),
                    "(untyped)".into(),
                    field("email"),
                    field("role"),
                    field("status"),
                ];
                let cells: Vec<String> = values
                    .iter()
                    .zip(COLUMNS)
                    .map(|(v, (_, width))| pad(v, width))
                    .collect();
                writeln!(self.out, "{}", cells.join(" ").trim_end())?;
            }
            Format::Json | Format::Ndjson => self.json(member)?,
        }
        self.written += 1;
        Ok(())
    }

    /// One value as a JSON array element or an NDJSON line.
    fn json(&mut self, value: &impl serde::Serialize) -> io::Result<()> {
        if self.format == Format::Json && self.written > 0 {
            write!(self.out, ",")?;
        }
        serde_json::to_writer(&mut self.out, value)?;
        if self.format == Format::Ndjson {
            writeln!(self.out)?;
        }
        Ok(())
    }

    /// Closes the document (JSON, with `meta`) or prints a count (table).
    pub fn end(&mut self, meta: Value) -> io::Result<()> {
        match self.format {
            Format::Json => writeln!(self.out, "],\"meta\":{meta}}}")?,
            Format::Table => writeln!(self.out, "({} members)", self.written)?,
            Format::Ndjson => {}
        }
        self.out.flush()
    }
}

/// One member as `field: value` lines (table) or a JSON document.
pub fn write_member(out: &mut impl Write, member: &Member, format: Format) -> io::Result<()> {
    match format {
        Format::Table => {
            let value = serde_json::to_value(member)?;
            for (key, value) in value.as_object().into_iter().flatten() {
                let shown = match (key.as_str(), value) {
                    ("groups", _) => member
                        .groups()
                        .iter()
                        .filter_map(|g| g.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    ("country", _) => member.country_name().unwrap_or_default().to_owned(),
                    ("stats", _) => match member.stats().map(serde_json::to_value) {
                        Some(Ok(Value::Object(stats))) => stats
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        _ => String::new(),
                    },
                    (_, Value::String(s)) => s.clone(),
                    (_, other) => other.to_string(),
                };
                writeln!(out, "{key:<18} {shown}")?;
            }
        }
        Format::Json => writeln!(out, "{}", json!({ "data": member }))?,
        Format::Ndjson => writeln!(out, "{}", serde_json::to_string(member)?)?,
    }
    out.flush()
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

/// Left-aligned in `width` characters, cut with an ellipsis.
fn pad(value: &str, width: usize) -> String {
    let count = value.chars().count();
    if count > width {
        let cut: String = value.chars().take(width - 1).collect();
        format!("{cut}…")
    } else {
        format!("{value}{}", " ".repeat(width - count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, name: &str) -> Member {
        serde_json::from_value(
            json!({"id": id, "full_name": name, "email": "a@b.c", "role": "admin",
            "groups": {"data": [{"id": "g", "name": "Ops"}]}}),
        )
        .unwrap()
    }

    #[test]
    fn json_output_is_one_valid_document() {
        let mut out = Vec::new();
        let mut writer = MemberWriter::new(&mut out, Format::Json, false);
        writer.begin().unwrap();
        writer.member(&member(1, "A")).unwrap();
        writer.member(&member(2, "B")).unwrap();
        writer.end(json!({"pages": 1})).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["data"][1]["id"], 2);
        assert_eq!(doc["meta"]["pages"], 1);
    }

    #[test]
    fn raw_members_keep_their_place_and_keys() {
        let mut out = Vec::new();
        let mut writer = MemberWriter::new(&mut out, Format::Ndjson, false);
        writer.member(&member(1, "A")).unwrap();
        writer.raw(&json!({"id": "x1", "odd": [1]})).unwrap();
        writer.end(Value::Null).unwrap();
        let lines: Vec<Value> = out
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines[1], json!({"id": "x1", "odd": [1]}));
        assert!(table_row(Format::Table).starts_with("x1       (untyped)    "));
    }

    fn table_row(format: Format) -> String {
        let mut out = Vec::new();
        let mut writer = MemberWriter::new(&mut out, format, false);
        writer.raw(&json!({"id": "x1"})).unwrap();
        String::from_utf8(out).unwrap().trim_end().to_owned()
    }

    #[test]
    fn tables_align_and_cut_long_cells() {
        let mut out = Vec::new();
        let mut writer = MemberWriter::new(&mut out, Format::Table, true);
        writer.begin().unwrap();
        writer
            .member(&member(7, "A very long name that does not fit the column"))
            .unwrap();
        writer.end(Value::Null).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID       NAME"), "{text}");
        assert!(
            lines[1].contains("A very long name that d… a@b.c"),
            "{text}"
        );
        assert!(lines[1].ends_with("Ops"), "{text}");
        assert_eq!(lines[2], "(1 members)");
    }
}
