//! Figure 6, versus Tallyfy's official Python SDK: the same 10,000-member
//! organization on the same fake, walked page by page (100 per page) with the
//! Python SDK's `UserManager.get_organization_users(org, page=, per_page=)` and with
//! the Rust SDK's member stream, A B A B.
//!
//! The Python SDK is installed with pip into a venv under the target directory
//! (`target/bench-venv`), pinned to [`SDK_VERSION`]. One Python process serves every
//! run: it imports the SDK once, then walks on request and reports the wall time of
//! the walk alone, so interpreter start-up is not counted against it. It talks to
//! the fake's root paths, the `https://api.tallyfy.com` layout it defaults to.

use crate::harness::{Bench, Tally, http_client, interleaved, sdk_client, target_dir};
use crate::overhead::{SameWalks, sdk_walk};
use crate::report::{Goal, Row, Unit, median};
use anyhow::{Context, Result, bail};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use tallyfy_fake::RunningFake;

/// The pinned version of the `tallyfy` package on PyPI.
pub const SDK_VERSION: &str = "3.1.0";
/// Members in the organization walked.
pub const MEMBERS: usize = 10_000;
const PER_PAGE: u64 = 100;
const SCRIPT: &str = include_str!("walk_users.py");

fn run_quiet(command: &mut Command) -> std::result::Result<String, String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default().trim().to_owned();
        Err(format!("{} ({last})", output.status))
    }
}

/// Makes the venv and installs the pinned SDK if needed; returns its Python, or why
/// that was impossible.
///
/// # Errors
/// A sentence saying what failed (no `python3`, no venv module, pip failed ...).
pub fn prepare() -> std::result::Result<PathBuf, String> {
    let venv = target_dir().join("bench-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        run_quiet(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            .map_err(|e| format!("`python3 -m venv` failed: {e}"))?;
    }
    let installed = run_quiet(Command::new(&python).args([
        "-c",
        "import importlib.metadata as m; print(m.version('tallyfy'))",
    ]));
    if installed.as_deref() != Ok(SDK_VERSION) {
        eprintln!(
            "installing tallyfy=={SDK_VERSION} from PyPI into {}",
            venv.display()
        );
        run_quiet(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("tallyfy=={SDK_VERSION}"),
        ]))
        .map_err(|e| format!("`pip install tallyfy=={SDK_VERSION}` failed: {e}"))?;
    }
    Ok(python)
}

/// The Python process that walks on request.
struct PyWalker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    version: String,
}

impl PyWalker {
    fn start(python: &Path, fake: &RunningFake) -> Result<Self> {
        let script = target_dir().join("bench-venv").join("walk_users.py");
        std::fs::write(&script, SCRIPT).context("writing walk_users.py")?;
        let root_url = format!("http://{}", fake.addr());
        let mut child = Command::new(python)
            .arg(&script)
            .args([root_url.as_str(), fake.org(), &PER_PAGE.to_string()])
            .env("TALLYFY_ACCESS_TOKEN", fake.token())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the Python walker")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut walker = Self {
            child,
            stdin,
            stdout,
            version: String::new(),
        };
        let hello = walker.line()?;
        walker.version = hello["version"].as_str().unwrap_or("?").to_owned();
        Ok(walker)
    }

    fn line(&mut self) -> Result<serde_json::Value> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the Python walker exited (see its traceback above)");
        }
        serde_json::from_str(&line).with_context(|| format!("reading {line:?}"))
    }

    /// One walk: (seconds, members, sum of ids).
    fn walk(&mut self) -> Result<(f64, u64, i64)> {
        writeln!(self.stdin, "walk")?;
        self.stdin.flush()?;
        let reply = self.line()?;
        let get = |key: &str| reply[key].clone();
        Ok((
            get("seconds").as_f64().context("no seconds")?,
            get("members").as_u64().context("no members")?,
            get("id_sum").as_i64().context("no id_sum")?,
        ))
    }

    fn finish(self) {
        let Self {
            mut child, stdin, ..
        } = self;
        drop(stdin); // ends its loop
        let _ = child.wait();
    }
}

/// Runs figure 6 against `fake` (an organization of [`MEMBERS`]).
///
/// # Errors
/// When a walk fails or the two SDKs see different members. An impossible Python
/// install is not an error: the row says "not available" and why.
pub fn run(bench: &Bench, fake: &RunningFake) -> Result<Vec<Row>> {
    let figure = "6. walk 10k members: Python tallyfy SDK";
    let python = match prepare() {
        Ok(python) => python,
        Err(why) => return Ok(vec![Row::unavailable(figure, why)]),
    };
    let mut py = PyWalker::start(&python, fake)?;
    let http = http_client()?;
    let sdk = sdk_client(fake, &http)?;
    let same = SameWalks::default();
    let rust_tally = Cell::new(Tally::default());
    let (rust_times, py_times) = interleaved(
        bench.runs,
        || {
            let (secs, tally) = bench.time(sdk_walk(&sdk, PER_PAGE, 1))?;
            same.check(tally, MEMBERS, "Rust SDK walk")?;
            rust_tally.set(tally);
            Ok(secs)
        },
        || {
            let (secs, members, id_sum) = py.walk()?;
            let rust = rust_tally.get();
            if members != MEMBERS as u64 || id_sum != rust.id_sum {
                bail!(
                    "the Python SDK walked {members} members (id sum {id_sum}), the Rust SDK {rust:?}"
                );
            }
            Ok(secs)
        },
    )?;
    let version = py.version.clone();
    py.finish();
    let ratio = median(&py_times) / median(&rust_times);
    Ok(vec![
        Row::new(
            "6. walk 10k members (100 pages of 100): Rust SDK items()",
            Unit::Seconds,
            rust_times,
        ),
        Row::new(
            format!("6. walk 10k members: Python tallyfy {version} get_organization_users; ratio Python / Rust"),
            Unit::Seconds,
            py_times,
        )
        .ratio(ratio, Some(Goal::AtLeast(1.0))),
    ])
}
