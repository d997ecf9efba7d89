//! Printing members: table, JSON, NDJSON or CSV, streamed as they arrive.
//!
//! Members are written through their own `Serialize`; table and CSV cells are
//! escaped; JSON escapes C1 controls too. Nothing a server sends can put a control
//! character on stdout or make a format fail.

mod csv;
mod json;
mod table;

use crate::args::Format;
pub use csv::Includes;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::io::{self, Write};
use tallyfy_ext::types::Member;

/// Writes a sequence of members in one format, without holding them in memory.
pub struct MemberWriter<W: Write> {
    out: Out<W>,
    written: u64,
    includes: Includes,
}

enum Out<W: Write> {
    Table(W),
    Json(W),
    Ndjson(W),
    Csv(Box<csv::CsvWriter<W>>),
}

impl<W: Write> MemberWriter<W> {
    /// A writer; `includes.groups` adds a GROUPS column to tables.
    pub fn new(out: W, format: Format, includes: Includes) -> Self {
        let out = match format {
            Format::Table => Out::Table(out),
            Format::Json => Out::Json(out),
            Format::Ndjson => Out::Ndjson(out),
            Format::Csv => Out::Csv(Box::new(csv::CsvWriter::new(out, includes))),
        };
        Self {
            out,
            written: 0,
            includes,
        }
    }

    /// Members written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Sends what was written so far to the output.
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Table(w) | Out::Json(w) | Out::Ndjson(w) => w.flush(),
            Out::Csv(w) => w.flush(),
        }
    }

    /// Header line (table, CSV) or document opening (JSON).
    pub fn begin(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Table(w) => writeln!(w, "{}", table::header(self.includes.groups)),
            Out::Json(w) => write!(w, "{{\"data\":["),
            Out::Ndjson(_) => Ok(()),
            Out::Csv(w) => w.header(),
        }
    }

    /// One member.
    pub fn member(&mut self, member: &Member) -> io::Result<()> {
        match &mut self.out {
            Out::Table(w) => writeln!(w, "{}", table::row(member, self.includes.groups))?,
            Out::Csv(w) => w.member(member)?,
            Out::Json(_) | Out::Ndjson(_) => self.json(member)?,
        }
        self.written += 1;
        Ok(())
    }

    /// A member the SDK could not type, printed as the server sent it (JSON
    /// formats) or as a row with what can be read of it (table, CSV).
    pub fn raw(&mut self, member: &RawValue) -> io::Result<()> {
        match &mut self.out {
            Out::Table(w) => writeln!(w, "{}", table::raw_row(&readable(member)))?,
            Out::Csv(w) => w.raw(&readable(member))?,
            Out::Json(_) | Out::Ndjson(_) => self.json(&member)?,
        }
        self.written += 1;
        Ok(())
    }

    /// One value as a JSON array element or an NDJSON line.
    fn json(&mut self, value: &impl Serialize) -> io::Result<()> {
        match &mut self.out {
            Out::Json(w) => {
                if self.written > 0 {
                    write!(w, ",")?;
                }
                json::write(w, value)
            }
            Out::Ndjson(w) => {
                json::write(w, value)?;
                writeln!(w)
            }
            Out::Table(_) | Out::Csv(_) => Ok(()),
        }
    }

    /// Closes the document (JSON, with `meta`) or prints a count (table).
    pub fn end(&mut self, meta: Value) -> io::Result<()> {
        match &mut self.out {
            Out::Json(w) => {
                write!(w, "],\"meta\":")?;
                json::write(w, &meta)?;
                writeln!(w, "}}")?;
            }
            Out::Table(w) => writeln!(w, "({} members)", self.written)?,
            Out::Ndjson(_) | Out::Csv(_) => {}
        }
        self.flush()
    }
}

/// One member (`get`): `field value` lines (table), a `{"data": ...}` document
/// (JSON), one line (NDJSON) or a header and a row (CSV).
pub fn write_member(
    out: &mut impl Write,
    member: &Member,
    format: Format,
    includes: Includes,
) -> io::Result<()> {
    match format {
        Format::Table => table::write_detail(out, member)?,
        Format::Json => write_data(out, &member)?,
        Format::Ndjson => {
            json::write(out, &member)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut csv = csv::CsvWriter::new(&mut *out, includes);
            csv.header()?;
            csv.member(member)?;
            csv.flush()?;
        }
    }
    out.flush()
}

/// A member the SDK could not type (`get`), as the server sent it.
pub fn write_raw_member(out: &mut impl Write, member: &RawValue, format: Format) -> io::Result<()> {
    match format {
        Format::Json => write_data(out, &member)?,
        Format::Ndjson | Format::Table => {
            json::write(out, &member)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut csv = csv::CsvWriter::new(&mut *out, Includes::default());
            csv.header()?;
            csv.raw(&readable(member))?;
            csv.flush()?;
        }
    }
    out.flush()
}

/// What a table row or CSV row can read of a raw member: its fields, or nothing
/// when no `Value` holds it (the JSON formats still print it as sent).
fn readable(member: &RawValue) -> Value {
    serde_json::from_str(member.get()).unwrap_or(Value::Null)
}

/// `{"data": value}` and a newline.
fn write_data(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    write!(out, "{{\"data\":")?;
    json::write(out, value)?;
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests;
