//! NDJSON streams: members reach the reader page by page, before the walk ends.

use super::*;

/// Spawns the CLI against `fake` with stdout piped to a line reader.
fn spawn_reading(fake: &Fake, args: &[&str]) -> (std::process::Child, Lines) {
    let mut child = fake
        .std_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tallyfy");
    let lines = Lines::read(child.stdout.take().expect("piped stdout"));
    (child, lines)
}

#[test]
fn ndjson_output_arrives_before_the_walk_ends() {
    // 5 pages of 20 members; page 2's answer is held until the first line is read,
    // so that line cannot have waited for the end of the walk.
    let fake = Fake::start(FakeTallyfy::builder().members(100));
    fake.fake.hold_after(1);
    let (mut child, lines) = spawn_reading(
        &fake,
        &[
            "members",
            "list",
            "--per-page",
            "20",
            "--all",
            "--format",
            "ndjson",
        ],
    );
    let first: Value = serde_json::from_str(&lines.next().expect("a first line")).unwrap();
    assert_eq!(first["id"], 1001);
    assert_eq!(fake.fake.answers(), 1, "only page 1 is answered");
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "still running"
    );
    fake.fake.release_all();
    let rest = std::iter::from_fn(|| lines.next()).count();
    assert!(child.wait().expect("wait").success());
    assert_eq!(1 + rest, 100);
}

#[test]
fn ndjson_flushes_every_page_as_it_arrives() {
    // One member a page; each answer is released only after the previous page's line
    // was read, so every line must be written (flushed) as its page arrives.
    let fake = Fake::start(FakeTallyfy::builder().members(12));
    fake.fake.hold_after(1);
    let (mut child, lines) = spawn_reading(
        &fake,
        &[
            "members",
            "list",
            "--per-page",
            "1",
            "--all",
            "--format",
            "ndjson",
        ],
    );
    for page in 1..=12usize {
        if page > 1 {
            fake.fake.release(page); // sequential walk: arrival n is page n
        }
        let line: Value = serde_json::from_str(&lines.next().expect("a line")).unwrap();
        assert_eq!(line["id"], 1000 + page as i64);
        assert_eq!(
            fake.fake.answers(),
            page,
            "line {page} came before its page"
        );
    }
    fake.fake.release(13); // the end-of-walk check of page 1
    assert_eq!(lines.next(), None);
    assert!(child.wait().expect("wait").success());
}

// ---------------------------------------------------------------------------------
// 10. The token stays secret
// ---------------------------------------------------------------------------------
