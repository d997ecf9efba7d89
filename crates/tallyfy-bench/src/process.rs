//! Walkers run as their own processes (the `tallyfy` CLI, the hand-written NDJSON
//! walker): building the CLI, timing a run, its peak memory, and checking what it wrote.
//!
//! Output goes to a file (on `/dev/shm` when there is one), read back after the run, so
//! checking it costs the measured process nothing.

use crate::harness::{cargo, target_dir};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// A scratch file for one run's output, removed on drop.
#[derive(Debug)]
pub struct OutputFile(PathBuf);

impl OutputFile {
    /// A new (not yet created) file named after `what`.
    pub fn new(what: &str) -> Self {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            target_dir()
        };
        Self(dir.join(format!(
            "tallyfy-bench-{}-{what}.ndjson",
            std::process::id()
        )))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One finished run of a walker process.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Wall time from spawn to exit, in seconds.
    pub secs: f64,
    /// Peak resident memory (`VmHWM`) in bytes, when sampled.
    pub peak_rss: Option<f64>,
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

/// Runs `command` with stdout to `out` until it exits. With `sample_memory`, reads its
/// `VmHWM` every millisecond (it only grows: the last value read is the peak);
/// otherwise just waits, so timing runs pay no sampling.
///
/// # Errors
/// When it cannot start or exits unsuccessfully.
pub fn run(command: &mut Command, out: &OutputFile, sample_memory: bool) -> Result<Run> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(File::create(out.path())?)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let mut peak = None;
    let status = if sample_memory {
        loop {
            if let Some(hwm) = high_water_mark(child.id()) {
                peak = Some(hwm as f64);
            }
            if let Some(status) = child.try_wait()? {
                break status;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    } else {
        child.wait()?
    };
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        bail!(
            "{:?} exited with {status}: {}",
            command.get_program(),
            stderr.trim()
        );
    }
    if sample_memory && peak.is_none() {
        bail!("the process exited before its memory could be read");
    }
    Ok(Run {
        secs,
        peak_rss: peak,
    })
}

/// The `id` of each NDJSON line in `path`, in order.
///
/// # Errors
/// When the file cannot be read or a line has no integer `id`.
pub fn ids_of_lines(path: &Path) -> Result<Vec<i64>> {
    #[derive(Deserialize)]
    struct Line {
        id: i64,
    }
    let mut ids = Vec::new();
    for (n, line) in BufReader::new(File::open(path)?).lines().enumerate() {
        let line = line?;
        let parsed: Line = serde_json::from_str(&line)
            .with_context(|| format!("line {} of {} has no integer id", n + 1, path.display()))?;
        ids.push(parsed.id);
    }
    Ok(ids)
}

/// Fails unless `got` holds every id of `expected` exactly once (and in the same order,
/// when `ordered`).
///
/// # Errors
/// Says what differs: the count, a repeated id, a missing id or the order.
pub fn check_ids(got: &[i64], expected: &[i64], ordered: bool, what: &str) -> Result<()> {
    if got.len() != expected.len() {
        bail!(
            "{what}: wrote {} members, expected {}",
            got.len(),
            expected.len()
        );
    }
    let mut seen = HashSet::with_capacity(got.len());
    if let Some(twice) = got.iter().find(|id| !seen.insert(**id)) {
        bail!("{what}: member {twice} was written twice");
    }
    if let Some(missing) = expected.iter().find(|id| !seen.contains(id)) {
        bail!("{what}: member {missing} is missing");
    }
    if ordered && got != expected {
        bail!("{what}: the members are out of order");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_checks_fail_on_every_mismatch() {
        let expected = [1, 8, 15];
        assert!(check_ids(&[1, 8, 15], &expected, true, "w").is_ok());
        assert!(check_ids(&[15, 1, 8], &expected, false, "w").is_ok());
        let err = |got: &[i64], ordered| {
            check_ids(got, &expected, ordered, "w")
                .unwrap_err()
                .to_string()
        };
        assert!(err(&[1, 8], false).contains("wrote 2 members"));
        assert!(err(&[1, 8, 8], false).contains("8 was written twice"));
        assert!(err(&[1, 8, 22], false).contains("15 is missing"));
        assert!(err(&[8, 1, 15], true).contains("out of order"));
    }

    #[test]
    fn lines_are_read_back_in_order() {
        let out = OutputFile::new("test-lines");
        std::fs::write(
            out.path(),
            "{\"a\":1,\"id\":8}\n{\"id\":1,\"x\":{\"id\":99}}\n",
        )
        .unwrap();
        assert_eq!(ids_of_lines(out.path()).unwrap(), vec![8, 1]);
        std::fs::write(out.path(), "{\"id\":\"x\"}\n").unwrap();
        assert!(ids_of_lines(out.path()).is_err());
        let path = out.path().to_path_buf();
        drop(out);
        assert!(!path.exists(), "the scratch file was left behind");
    }
}
