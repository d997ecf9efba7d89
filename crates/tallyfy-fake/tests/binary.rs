//! The `tallyfy-fake` binary: base URL on the first stdout line, flags honoured,
//! a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_its_base_url_and_serves_until_terminated() {
    let child = Command::new(env!("CARGO_BIN_EXE_tallyfy-fake"))
        .args([
            "--port",
            "0",
            "--members",
            "7",
            "--org",
            "abc",
            "--token",
            "t0k",
        ])
        .args(["--max-per-page", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let mut first_line = String::new();
    BufReader::new(stdout).read_line(&mut first_line).unwrap();
    let base = first_line.trim_end();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/api"),
        "{base:?}"
    );

    let response = reqwest::Client::new()
        .get(format!("{base}/organizations/abc/users?per_page=50"))
        .bearer_auth("t0k")
        .header("X-Tallyfy-Client", "APIClient")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["meta"]["pagination"]["total"], 7);
    assert_eq!(body["meta"]["pagination"]["per_page"], 3);

    #[cfg(unix)]
    {
        let pid = running.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        // A hang guard, not a speed check: the exit status is what is asserted.
        let began = Instant::now();
        let status = loop {
            if let Some(status) = running.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "hung: still running 30 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status:?}");
    }
}
