//! Ctrl-C sent to the real binary during `members list --all`.

#[allow(dead_code)]
mod support;

use std::io::Read;
use std::process::{Child, Stdio};
use support::Fake;
use tallyfy_fake::FakeTallyfy;

fn sigint(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn read_all(mut from: impl Read) -> String {
    let mut text = String::new();
    from.read_to_string(&mut text).expect("UTF-8 output");
    text
}

#[test]
fn ctrl_c_mid_walk_keeps_the_output_prints_where_to_resume_and_exits_130() {
    for format in ["ndjson", "json", "table"] {
        let fake = Fake::start(FakeTallyfy::builder().members(50));
        // Pages 1 and 2 are answered; page 3 is held until the test ends.
        fake.fake.hold_after(2);
        let mut child = fake
            .std_command(&[
                "members",
                "list",
                "--all",
                "--per-page",
                "10",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        fake.wait("page 3 requested", fake.fake.wait_for_arrivals(3));
        sigint(&child);
        let stdout = read_all(child.stdout.take().expect("stdout"));
        let stderr = read_all(child.stderr.take().expect("stderr"));
        let status = child.wait().expect("exit");
        fake.fake.release_all();
        assert_eq!(status.code(), Some(130), "{format}: {stderr}");
        assert!(
            stderr.contains("interrupted: 2 page(s), 20 member(s) printed; resume with --page 3"),
            "{format}: {stderr}"
        );
        match format {
            "ndjson" => assert_eq!(stdout.lines().count(), 20, "{stdout}"),
            "json" => {
                let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one document");
                assert_eq!(doc["data"].as_array().map(Vec::len), Some(20));
                assert_eq!(doc["meta"]["walk"]["interrupted"], true);
                assert_eq!(doc["meta"]["walk"]["resume_page"], 3);
            }
            _ => assert!(stdout.ends_with("(20 members)\n"), "{stdout}"),
        }
    }
}

#[test]
fn a_second_ctrl_c_exits_at_once_even_while_output_is_blocked() {
    let fake = Fake::start(FakeTallyfy::builder().members(2000).max_per_page(1000));
    // stdout is a pipe nobody reads, far smaller than page 1's members: the CLI blocks
    // writing page 1, where the first Ctrl-C cannot end the walk cleanly.
    let args = [
        "members",
        "list",
        "--all",
        "--per-page",
        "1000",
        "--format",
        "ndjson",
    ];
    let mut child = fake
        .std_command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Once its first line is out the CLI is inside page 1's output, which the pipe
    // cannot hold: it blocks there. The reader stays open (a closed pipe ends the run).
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut reader, &mut first).expect("a first line");
    assert!(first.contains("\"id\":1001"), "{first}");
    // Signals sent close together can merge into one: send until the process is gone
    // (without the second-Ctrl-C exit it never goes, and the hang guard fails the test).
    let status = fake.wait("exit", async {
        loop {
            sigint(&child);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
        }
    });
    assert_eq!(status.code(), Some(130));
    drop(reader);
}

#[test]
fn ctrl_c_outside_a_walk_exits_130_at_once() {
    let fake = Fake::start(FakeTallyfy::builder().members(5));
    fake.fake.hold_after(0);
    let mut child = fake
        .std_command(&["members", "get", "1001"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    fake.wait("request", fake.fake.wait_for_arrivals(1));
    sigint(&child);
    let status = child.wait().expect("exit");
    fake.fake.release_all();
    assert_eq!(status.code(), Some(130));
}
