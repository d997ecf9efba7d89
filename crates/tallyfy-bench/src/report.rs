//! The result table: samples, goals, and one Markdown table for the terminal and
//! `BENCHMARKS.md` alike.

use std::fmt::Write as _;

/// How a row's samples are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Wall time in seconds.
    Seconds,
    /// Wall time in milliseconds (samples are given in seconds).
    Millis,
    /// Memory in MiB (samples are given in bytes).
    MiB,
    /// Millions of members per second (samples are given in members per second).
    MembersPerSec,
}

impl Unit {
    fn format(self, value: f64) -> String {
        match self {
            Unit::Seconds => format!("{value:.3} s"),
            Unit::Millis => format!("{:.1} ms", value * 1e3),
            Unit::MiB => format!("{:.1} MiB", value / (1024.0 * 1024.0)),
            Unit::MembersPerSec => format!("{:.3} M/s", value / 1e6),
        }
    }
}

/// A goal on a row's ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// The ratio must not exceed this.
    AtMost(f64),
    /// The ratio must reach at least this.
    AtLeast(f64),
}

impl Goal {
    /// Whether `ratio` meets the goal.
    pub fn met(self, ratio: f64) -> bool {
        match self {
            Goal::AtMost(limit) => ratio <= limit,
            Goal::AtLeast(floor) => ratio >= floor,
        }
    }

    fn describe(self) -> String {
        match self {
            Goal::AtMost(limit) => format!("<= {limit}"),
            Goal::AtLeast(floor) => format!(">= {floor}"),
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured, e.g. `1. walk 100k members, SDK`.
    pub figure: String,
    /// How the samples are printed.
    pub unit: Unit,
    /// One value per timed run.
    pub samples: Vec<f64>,
    /// The figure's ratio (its meaning is in the figure's name), if it has one.
    pub ratio: Option<f64>,
    /// The goal on the ratio, if there is one.
    pub goal: Option<Goal>,
    /// Replaces the numbers when the figure could not be measured.
    pub unavailable: Option<String>,
    /// A condition besides the ratio that the goal requires (e.g. no 429).
    pub requirement: Option<bool>,
}

impl Row {
    /// A row of samples without a ratio.
    pub fn new(figure: impl Into<String>, unit: Unit, samples: Vec<f64>) -> Self {
        Self {
            figure: figure.into(),
            unit,
            samples,
            ratio: None,
            goal: None,
            unavailable: None,
            requirement: None,
        }
    }

    /// Makes the goal also require `holds` (a condition the figure's name states).
    pub fn requires(mut self, holds: bool) -> Self {
        self.requirement = Some(holds);
        self
    }

    /// Adds a ratio and, optionally, the goal it is held to.
    pub fn ratio(mut self, ratio: f64, goal: Option<Goal>) -> Self {
        self.ratio = Some(ratio);
        self.goal = goal;
        self
    }

    /// A row for a figure that could not be measured, and why.
    pub fn unavailable(figure: impl Into<String>, why: impl Into<String>) -> Self {
        let mut row = Self::new(figure, Unit::Seconds, Vec::new());
        row.unavailable = Some(why.into());
        row
    }

    /// The median sample.
    pub fn median(&self) -> f64 {
        median(&self.samples)
    }

    /// `Some(true)` when the row has a goal and meets it, `Some(false)` when it misses it.
    pub fn met(&self) -> Option<bool> {
        Some(self.goal?.met(self.ratio?) && self.requirement.unwrap_or(true))
    }
}

/// One row's cells: figure, median, min, max, ratio, goal, met.
pub fn cells(row: &Row) -> [String; 7] {
    if let Some(why) = &row.unavailable {
        let dash = || "-".to_owned();
        return [
            row.figure.clone(),
            format!("not available: {why}"),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
        ];
    }
    let min = row.samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = row
        .samples
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    [
        format!("{} (n={})", row.figure, row.samples.len()),
        row.unit.format(row.median()),
        row.unit.format(min),
        row.unit.format(max),
        row.ratio.map_or_else(|| "-".into(), |r| format!("{r:.3}")),
        row.goal.map_or_else(|| "-".into(), Goal::describe),
        match row.met() {
            Some(true) => "met".into(),
            Some(false) => "**missed**".into(),
            None => "-".into(),
        },
    ]
}

/// Renders rows as a Markdown table: figure, median, min, max, ratio, goal, met.
pub fn render(rows: &[Row]) -> String {
    render_cells(rows.iter().map(cells).collect())
}

/// Renders rows already in cells (see [`cells`]) as a Markdown table.
pub fn render_cells(rows: Vec<[String; 7]>) -> String {
    let mut lines: Vec<[String; 7]> =
        vec![["figure", "median", "min", "max", "ratio", "goal", "met"].map(String::from)];
    lines.extend(rows);
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        out.push('|');
        for (cell, width) in line.iter().zip(&widths) {
            let _ = write!(out, " {cell:<width$} |");
        }
        out.push('\n');
        if n == 0 {
            out.push('|');
            for width in &widths {
                let _ = write!(out, "{}|", "-".repeat(width + 2));
            }
            out.push('\n');
        }
    }
    out
}

/// The rows of the table in a rendered results section, as cells (header and
/// separator left out).
pub fn parse_table(section: &str) -> Vec<[String; 7]> {
    section
        .lines()
        .filter(|line| line.starts_with('|'))
        .skip(2)
        .filter_map(|line| {
            let cells: Vec<String> = line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect();
            <[String; 7]>::try_from(cells).ok()
        })
        .collect()
}

/// The figure number a row's first cell starts with (`"8. ..."` is 8).
pub fn figure_number(cell: &str) -> Option<u32> {
    cell.split_once('.')?.0.trim().parse().ok()
}

/// The rows of `kept` whose figure is not in `ran`, with `fresh` (the rows of the
/// figures that ran) in place of the old rows of those figures, or after the rest.
pub fn merge_rows(
    kept: Vec<[String; 7]>,
    fresh: Vec<[String; 7]>,
    ran: &[u32],
) -> Vec<[String; 7]> {
    let mut out = Vec::new();
    let mut fresh = Some(fresh);
    for row in kept {
        match figure_number(&row[0]) {
            Some(n) if ran.contains(&n) => {
                if let Some(fresh) = fresh.take() {
                    out.extend(fresh);
                }
            }
            _ => out.push(row),
        }
    }
    out.extend(fresh.unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_goals() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(Goal::AtMost(1.05).met(1.05) && !Goal::AtMost(1.05).met(1.06));
        assert!(Goal::AtLeast(0.9).met(0.95) && !Goal::AtLeast(0.9).met(0.5));
    }

    #[test]
    fn a_partial_run_replaces_only_its_figures_rows() {
        let old = render(&[
            Row::new("1. walk", Unit::Seconds, vec![1.0]),
            Row::new("8. paced", Unit::Seconds, vec![9.0]),
            Row::new("2. fan-out", Unit::Seconds, vec![2.0]),
        ]);
        let kept = parse_table(&old);
        assert_eq!(kept.len(), 3);
        let fresh = vec![cells(
            &Row::new("8. paced", Unit::Seconds, vec![3.0])
                .ratio(0.9, Some(Goal::AtLeast(0.95)))
                .requires(true),
        )];
        let merged = merge_rows(kept.clone(), fresh.clone(), &[8]);
        let figures: Vec<_> = merged.iter().map(|r| r[0].clone()).collect();
        assert_eq!(
            figures,
            ["1. walk (n=1)", "8. paced (n=1)", "2. fan-out (n=1)"]
        );
        assert_eq!(
            (merged[1][1].as_str(), merged[1][6].as_str()),
            ("3.000 s", "**missed**")
        );
        let appended = merge_rows(kept[..1].to_vec(), fresh, &[8]);
        assert_eq!(appended.len(), 2);
        assert!(render_cells(merged).contains("| 2. fan-out (n=1) |"));
    }

    #[test]
    fn table_has_a_line_per_row_and_says_what_was_missed() {
        let rows = [
            Row::new("walk", Unit::Seconds, vec![1.0, 2.0, 3.0])
                .ratio(1.2, Some(Goal::AtMost(1.05))),
            Row::unavailable("python", "pip failed"),
        ];
        let table = render(&rows);
        assert_eq!(table.lines().count(), 4, "{table}");
        assert!(
            table.contains("**missed**") && table.contains("2.000 s"),
            "{table}"
        );
        assert!(table.contains("not available: pip failed"), "{table}");
    }
}
