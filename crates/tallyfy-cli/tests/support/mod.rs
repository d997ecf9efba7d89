//! Helpers for driving the `tallyfy` binary as a process against an in-process fake.

use serde_json::Value;
use std::process::{Command as StdCommand, Output};
use std::time::Duration;
use tallyfy_fake::{FakeTallyfyBuilder, RunningFake};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tallyfy");

/// The environment variables the CLI reads; never inherited from the test's environment.
pub const TALLYFY_ENV: [&str; 3] = ["TALLYFY_ACCESS_TOKEN", "TALLYFY_ORG_ID", "TALLYFY_BASE_URL"];

/// Longest any one CLI run may take before the test fails (guards against hangs).
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// A fake Tallyfy server and the runtime that serves it (kept alive together).
pub struct Fake {
    // Dropped first: the server stops before its runtime does.
    pub fake: RunningFake,
    rt: tokio::runtime::Runtime,
}

impl Fake {
    /// Starts `builder` on a multi-thread runtime owned by the returned value.
    pub fn start(builder: FakeTallyfyBuilder) -> Fake {
        let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
        let fake = rt.block_on(builder.start()).expect("fake starts");
        Fake { fake, rt }
    }

    /// Runs `fut` (e.g. `self.fake.wait_for_arrivals(n)`) on the fake's runtime,
    /// failing the test if it takes longer than the hang guard.
    #[track_caller]
    pub fn wait<F: std::future::Future>(&self, what: &str, fut: F) -> F::Output {
        self.rt
            .block_on(async { tokio::time::timeout(RUN_LIMIT, fut).await })
            .unwrap_or_else(|_| panic!("hang guard: {what}"))
    }

    /// `--base-url <fake> --org <org>` followed by `args`.
    pub fn args(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec![
            "--base-url".to_owned(),
            self.fake.base_url(),
            "--org".to_owned(),
            self.fake.org().to_owned(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    }

    /// Runs the CLI against the fake with its token in `TALLYFY_ACCESS_TOKEN`.
    pub fn run(&self, args: &[&str]) -> Run {
        run_with_token(Some(self.fake.token()), &self.args(args))
    }

    /// A `std::process::Command` against the fake with its token in the environment,
    /// for tests that spawn and read incrementally.
    pub fn std_command(&self, args: &[&str]) -> StdCommand {
        let mut cmd = std_command();
        cmd.env("TALLYFY_ACCESS_TOKEN", self.fake.token());
        cmd.args(self.args(args));
        cmd
    }

    /// Recorded requests to the list route (`.../users`).
    pub fn list_requests(&self) -> Vec<tallyfy_fake::RecordedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/users"))
            .collect()
    }
}

/// The lines a child process writes to stdout, read on a thread so a test can wait
/// for one with a hang guard instead of blocking forever.
pub struct Lines(std::sync::mpsc::Receiver<String>);

impl Lines {
    /// Starts reading `stdout`.
    pub fn read(stdout: impl std::io::Read + Send + 'static) -> Lines {
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        Lines(receive)
    }

    /// The next line; `None` at the end of the output. Fails the test after the hang guard.
    #[track_caller]
    pub fn next(&self) -> Option<String> {
        match self.0.recv_timeout(RUN_LIMIT) {
            Ok(line) => Some(line),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("hang guard: no line"),
        }
    }
}

/// A clean `std::process::Command` for the binary: no inherited `TALLYFY_*`.
pub fn std_command() -> StdCommand {
    let mut cmd = StdCommand::new(BIN);
    for var in TALLYFY_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the binary with `args` and, if given, `TALLYFY_ACCESS_TOKEN=token`.
pub fn run_with_token<S: AsRef<std::ffi::OsStr>>(token: Option<&str>, args: &[S]) -> Run {
    let mut cmd = assert_cmd::Command::new(BIN);
    for var in TALLYFY_ENV {
        cmd.env_remove(var);
    }
    if let Some(token) = token {
        cmd.env("TALLYFY_ACCESS_TOKEN", token);
    }
    cmd.args(args).timeout(RUN_LIMIT);
    Run::from(cmd.output().expect("tallyfy runs"))
}

/// Runs the binary with `args` and no token in the environment.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    run_with_token(None, args)
}

/// A finished run: exit code and decoded output.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// Asserts exit 0 and an empty stderr.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        assert_eq!(self.stderr, "", "stderr of a successful run");
        self
    }

    /// Asserts this exit code, empty stdout and a one-line stderr starting `error: `;
    /// returns that line.
    #[track_caller]
    pub fn failure(&self, code: i32) -> &str {
        assert_eq!(self.code, Some(code), "exit code: {self:#?}");
        assert_eq!(self.stdout, "", "stdout of a failed run");
        self.one_line_error()
    }

    /// Asserts stderr is exactly one line `error: ...\n` and returns it (without newline).
    #[track_caller]
    pub fn one_line_error(&self) -> &str {
        assert!(
            self.stderr.ends_with('\n') && self.stderr.lines().count() == 1,
            "stderr must be exactly one line: {:?}",
            self.stderr
        );
        let line = self.stderr.trim_end_matches('\n');
        assert!(line.starts_with("error: "), "{line:?}");
        line
    }

    /// Asserts a usage error: exit 2, empty stdout, stderr starting `error: `;
    /// returns stderr.
    #[track_caller]
    pub fn usage_error(&self) -> &str {
        assert_eq!(self.code, Some(2), "exit code: {self:#?}");
        assert_eq!(self.stdout, "", "stdout of a failed run");
        assert!(self.stderr.starts_with("error: "), "{:?}", self.stderr);
        &self.stderr
    }

    /// stdout as NDJSON: one JSON object per line.
    #[track_caller]
    pub fn ndjson(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
                assert!(value.is_object(), "not an object: {line}");
                value
            })
            .collect()
    }

    /// stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }
}

/// The `id` of every member.
#[track_caller]
pub fn ids(members: &[Value]) -> Vec<i64> {
    members
        .iter()
        .map(|m| m["id"].as_i64().expect("numeric id"))
        .collect()
}

/// `first..first + n` as member ids.
pub fn id_range(first: i64, n: usize) -> Vec<i64> {
    (first..first + n as i64).collect()
}

/// The value of query parameter `key` (last occurrence), if any.
pub fn query_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
