//! Figure 3, memory: the peak resident memory of the release `tallyfy` CLI streaming
//! every member as NDJSON to `/dev/null`, for 10,000 and for 100,000 members.
//!
//! The CLI runs as its own process against the in-process fakes; the driver samples
//! its `/proc/<pid>/status` `VmHWM` (the kernel's high-water mark of its resident
//! set) every millisecond until it exits. `VmHWM` only grows, so the last value read
//! is the peak.

use crate::harness::{cargo, interleaved};
use crate::report::{Goal, Row, Unit, median};
use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;
use tallyfy_fake::RunningFake;

/// Builds the release `tallyfy` binary and returns its path.
///
/// # Errors
/// When cargo fails or reports no such executable.
pub fn build_cli() -> Result<PathBuf> {
    let output = cargo()
        .args([
            "build",
            "--release",
            "-p",
            "tallyfy-cli",
            "--bin",
            "tallyfy",
        ])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build -p tallyfy-cli")?;
    if !output.status.success() {
        bail!("cargo build --release -p tallyfy-cli failed");
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "tallyfy")
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .context("cargo reported no `tallyfy` executable")
}

/// `VmHWM` of a live process, in bytes.
fn high_water_mark(pid: u32) -> Option<u64> {
    let mut status = String::new();
    File::open(format!("/proc/{pid}/status"))
        .ok()?
        .read_to_string(&mut status)
        .ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs `tallyfy members list --all --per-page 100 --format ndjson > /dev/null`
/// against `fake` and returns its peak resident memory in bytes.
///
/// # Errors
/// When the CLI fails, or exits before one sample was read.
pub fn peak_rss(cli: &PathBuf, fake: &RunningFake) -> Result<f64> {
    let mut child = Command::new(cli)
        .args(["--base-url", &fake.base_url(), "members", "list", "--all"])
        .args(["--per-page", "100", "--format", "ndjson"])
        // The token goes through the environment, never the command line.
        .env("TALLYFY_ACCESS_TOKEN", fake.token())
        .env("TALLYFY_ORG_ID", fake.org())
        .stdin(Stdio::null())
        .stdout(File::create("/dev/null")?)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", cli.display()))?;
    let mut peak = None;
    let status = loop {
        if let Some(hwm) = high_water_mark(child.id()) {
            peak = Some(hwm);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        bail!("tallyfy exited with {status}: {}", stderr.trim());
    }
    peak.map(|p| p as f64)
        .context("the CLI exited before its memory could be read")
}

/// Runs figure 3 with the CLI at `cli` against a 10,000- and a 100,000-member fake.
///
/// # Errors
/// When a CLI run fails.
pub fn run(
    runs: usize,
    cli: &PathBuf,
    small: &RunningFake,
    large: &RunningFake,
) -> Result<Vec<Row>> {
    let (small_peaks, large_peaks) = interleaved(
        runs,
        || {
            small.clear_requests();
            peak_rss(cli, small)
        },
        || {
            large.clear_requests();
            peak_rss(cli, large)
        },
    )?;
    let ratio = median(&large_peaks) / median(&small_peaks);
    Ok(vec![
        Row::new(
            "3. peak RSS of `tallyfy members list --all --format ndjson`, 10k members",
            Unit::MiB,
            small_peaks,
        ),
        Row::new(
            "3. peak RSS of the same, 100k members; ratio 100k / 10k",
            Unit::MiB,
            large_peaks,
        )
        .ratio(ratio, Some(Goal::AtMost(1.2))),
    ])
}
