//! The CSV format: a header row, one member per row, includes flattened.
//!
//! A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return as a formula, and member names are written by members: such cells are
//! neutralised with a leading `'`, as OWASP's CSV-injection advice says. Control
//! characters are escaped as in the table, so each member stays on one line.

use super::table::{group_names, name, raw_field};
use crate::term::escape;
use serde_json::Value;
use std::io::{self, Write};
use tallyfy_ext::MemberIncludes;
use tallyfy_ext::types::Member;

/// Which include columns a CSV has, beside the fixed ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct Includes {
    /// `groups`: the group names, `; `-separated.
    pub groups: bool,
    /// `country`: the country's name.
    pub country: bool,
    /// `stats`: one column per counter.
    pub stats: bool,
}

const FIXED: [&str; 10] = [
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "role",
    "status",
    "job_title",
    "created_at",
    "last_login_at",
];

const STATS: [&str; 4] = [
    "stats.tasks_completed",
    "stats.processes_launched",
    "stats.checklists_created",
    "stats.steps_created",
];

/// A text cell a spreadsheet will show as text: escaped, and never a formula.
pub fn cell(text: &str) -> String {
    let text = escape(text);
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        // `escape` turned tabs and carriage returns into `\t`, `\r`: nothing left to run.
        _ => text,
    }
}

/// Writes CSV rows to `out`.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    includes: Includes,
}

impl<W: Write> CsvWriter<W> {
    /// A writer of rows with these include columns.
    pub fn new(out: W, includes: Includes) -> Self {
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        Self { csv, includes }
    }

    /// The header row.
    pub fn header(&mut self) -> io::Result<()> {
        let mut row: Vec<&str> = FIXED.to_vec();
        if self.includes.groups {
            row.push("groups");
        }
        if self.includes.country {
            row.push("country");
        }
        if self.includes.stats {
            row.extend(STATS);
        }
        self.write(row.iter().map(|s| (*s).to_owned()).collect())
    }

    fn write(&mut self, row: Vec<String>) -> io::Result<()> {
        self.csv.write_record(&row).map_err(csv_error)
    }

    /// One member.
    pub fn member(&mut self, m: &Member) -> io::Result<()> {
        let text = |v: &Option<String>| cell(v.as_deref().unwrap_or_default());
        let mut row = vec![
            m.id.to_string(),
            cell(&name(m)),
            text(&m.first_name),
            text(&m.last_name),
            text(&m.email),
            text(&m.role),
            text(&m.status),
            text(&m.job_title),
            text(&m.created_at),
            text(&m.last_login_at),
        ];
        if self.includes.groups {
            row.push(cell(&group_names(m, "; ")));
        }
        if self.includes.country {
            row.push(cell(m.country_name().unwrap_or_default()));
        }
        if self.includes.stats {
            let stats = m.stats();
            let count = |f: fn(&tallyfy_ext::types::MemberStats) -> Option<i64>| {
                stats.and_then(f).map(|n| n.to_string()).unwrap_or_default()
            };
            row.push(count(|s| s.tasks_completed));
            row.push(count(|s| s.processes_launched));
            row.push(count(|s| s.checklists_created));
            row.push(count(|s| s.steps_created));
        }
        self.write(row)
    }

    /// A member the SDK could not type: what can be read of it, the rest empty.
    pub fn raw(&mut self, member: &Value) -> io::Result<()> {
        let field = |key: &str| match member.get(key) {
            Some(Value::Null) | None => String::new(),
            Some(_) => cell(&raw_field(member, key)),
        };
        let mut row: Vec<String> = FIXED.iter().map(|key| field(key)).collect();
        row[1] = cell("(untyped)");
        let extra = usize::from(self.includes.groups)
            + usize::from(self.includes.country)
            + if self.includes.stats { STATS.len() } else { 0 };
        row.extend(std::iter::repeat_n(String::new(), extra));
        self.write(row)
    }

    /// Sends the rows written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.csv.flush()
    }
}

fn csv_error(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)"] {
            let shown = cell(formula);
            assert_eq!(shown, format!("'{formula}"));
        }
        // A leading tab or carriage return is escaped to text, so it cannot start a formula.
        assert_eq!(cell("\t=1"), "\\t=1");
        assert_eq!(cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn a_row_per_member_with_a_header_and_quoting() {
        let member: Member = serde_json::from_str(
            r#"{"id":7,"full_name":"=cmd|' /C calc'!A0","email":"a,b@c.d","groups":{"data":[{"name":"Ops"},{"name":"Dev"}]}}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        let mut w = CsvWriter::new(
            &mut out,
            Includes {
                groups: true,
                ..Includes::default()
            },
        );
        w.header().unwrap();
        w.member(&member).unwrap();
        w.raw(&serde_json::json!({"id": "x1", "email": "@evil"}))
            .unwrap();
        w.flush().unwrap();
        drop(w);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,name,first_name,last_name,email,role,status,job_title,created_at,last_login_at,groups"
        );
        assert_eq!(
            lines[1],
            "7,'=cmd|' /C calc'!A0,,,\"a,b@c.d\",,,,,,Ops; Dev"
        );
        assert_eq!(lines[2], "x1,(untyped),,,'@evil,,,,,,");
        assert_eq!(lines.len(), 3);
    }
}
