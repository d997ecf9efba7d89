//! Writing the results into `BENCHMARKS.md`: the section between two marker comments
//! is replaced, nothing else, together with where and when the figures were taken
//! (machine, load, date, rustc, commit).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// The comment that opens the generated section.
pub const BEGIN: &str =
    "<!-- bench-report:begin (written by `cargo bench-report`; do not edit) -->";
/// The comment that closes it.
pub const END: &str = "<!-- bench-report:end -->";

/// `doc` with the text between [`BEGIN`] and [`END`] replaced by `section`.
///
/// # Errors
/// When either marker is missing, repeated, or out of order.
pub fn replace_section(doc: &str, section: &str) -> Result<String> {
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        bail!("BENCHMARKS.md lacks the markers `{BEGIN}` and `{END}`");
    };
    if doc.matches(BEGIN).count() != 1 || doc.matches(END).count() != 1 || end < begin {
        bail!("BENCHMARKS.md must hold each marker once, the begin marker first");
    }
    let head = &doc[..begin + BEGIN.len()];
    let tail = &doc[end..];
    Ok(format!("{head}\n{}\n{tail}", section.trim()))
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The output of a command, first line, or `unknown`.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(crate::harness::workspace_root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| first_line(&String::from_utf8_lossy(&out.stdout)))
}

/// `git rev-parse --short HEAD`, plus `+dirty` when the work tree has changes.
pub fn commit() -> String {
    let Some(head) = output("git", &["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".into();
    };
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(crate::harness::workspace_root())
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    if dirty { format!("{head}+dirty") } else { head }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    date(secs)
}

/// Unix seconds as a UTC `YYYY-MM-DD` (the date part of the fake's timestamps).
pub fn date(secs: i64) -> String {
    tallyfy_fake::iso8601(secs)[..10].to_owned()
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
pub fn load() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The machine the figures ran on, as Markdown bullets.
pub fn machine(server_workers: usize) -> String {
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} GiB", kib / 1_048_576.0),
        );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = output(&rustc, &["-V"]).unwrap_or_else(|| "unknown".into());
    let kernel = first_line(&read("/proc/sys/kernel/osrelease"));
    format!(
        "- CPU: {cpu}, {cores} cores available; memory: {memory}; Linux {kernel}\n\
         - {rustc}, release profile\n\
         - page server and fakes: in-process, own multi-thread runtime ({server_workers} worker thread(s)); \
         code under test: current-thread runtime on the main thread, or its own process (figures 3 and 7)\n"
    )
}

/// `BENCHMARKS.md` at the workspace root.
pub fn benchmarks_path() -> PathBuf {
    crate::harness::workspace_root().join("BENCHMARKS.md")
}

/// Replaces BENCHMARKS.md's results section with `section`.
///
/// # Errors
/// When the file cannot be read or written, or has no markers.
pub fn write_benchmarks(section: &str) -> Result<()> {
    let path = benchmarks_path();
    let doc =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let new = replace_section(&doc, section)?;
    std::fs::write(&path, new).with_context(|| format!("writing {}", path.display()))
}

/// The results section now in BENCHMARKS.md (empty when there is none).
pub fn current_section() -> String {
    let doc = std::fs::read_to_string(benchmarks_path()).unwrap_or_default();
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(begin), Some(end)) if begin < end => doc[begin + BEGIN.len()..end].to_owned(),
        _ => String::new(),
    }
}

/// How the full run whose rows a section keeps was made: its first line, or the
/// one a partial section quotes.
pub fn earlier_run(section: &str) -> String {
    const QUOTED: &str = "(its first line: \"";
    for line in section.lines().map(str::trim) {
        if let Some(at) = line.find(QUOTED) {
            let rest = &line[at + QUOTED.len()..];
            return rest.split('"').next().unwrap_or_default().to_owned();
        }
        if line.starts_with("Run with") {
            return line.trim_end_matches(':').to_owned();
        }
    }
    "an earlier run".to_owned()
}

/// The goals met and missed, as one sentence, from table rows in cells.
pub fn verdict(rows: &[[String; 7]]) -> String {
    let with_goal: Vec<&[String; 7]> = rows.iter().filter(|r| r[6] != "-").collect();
    let missed: Vec<&str> = with_goal
        .iter()
        .filter(|r| r[6] == "**missed**")
        .map(|r| r[0].split(';').next().unwrap_or_default().trim())
        .collect();
    let met = with_goal.len() - missed.len();
    if missed.is_empty() {
        format!("Goals met: {met} of {}.", with_goal.len())
    } else {
        format!(
            "Goals met: {met} of {}; **missed**: {}.",
            with_goal.len(),
            missed.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marked_section_is_replaced() {
        let doc = format!("# Title\nprose before\n{BEGIN}\nold table\n{END}\nprose after\n");
        let new = replace_section(&doc, "\nnew table\n").unwrap();
        assert_eq!(
            new,
            format!("# Title\nprose before\n{BEGIN}\nnew table\n{END}\nprose after\n")
        );
        // Idempotent: writing the same section again changes nothing.
        assert_eq!(replace_section(&new, "new table").unwrap(), new);
    }

    #[test]
    fn missing_repeated_or_reversed_markers_are_refused() {
        assert!(replace_section("no markers", "x").is_err());
        assert!(replace_section(&format!("{END}\n{BEGIN}"), "x").is_err());
        assert!(replace_section(&format!("{BEGIN}{BEGIN}{END}"), "x").is_err());
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_709_208_000), "2024-02-29");
        assert_eq!(date(1_767_139_200), "2025-12-31");
    }
}
