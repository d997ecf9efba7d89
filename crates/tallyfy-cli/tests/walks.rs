//! `members list --all` across failures and a changing list: the checkpoint file a
//! failed walk writes, `--resume` printing no member twice, and exit 3 when members
//! may be missing.

#[allow(dead_code)]
mod support;

use std::path::PathBuf;
use support::{Fake, id_range, ids};
use tallyfy_fake::{FakeTallyfy, Fault, Faults};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tallyfy-cli-walks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const LIST: [&str; 7] = [
    "members",
    "list",
    "--all",
    "--per-page",
    "10",
    "--format",
    "ndjson",
];

#[test]
fn a_failed_walk_writes_a_checkpoint_and_resume_prints_each_remaining_member_once() {
    let fake = Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![Fault::Pass, Fault::Status(503)])),
    );
    let file = scratch("failed.json");
    let file_arg = file.to_str().unwrap();
    let mut args = vec!["--max-retries", "0"];
    args.extend(LIST);
    args.extend(["--checkpoint", file_arg]);
    let first = fake.run(&args);
    assert_eq!(first.code, Some(1), "{first:#?}");
    assert_eq!(ids(&first.ndjson()), id_range(1001, 10), "page 1 printed");
    assert!(
        first
            .stderr
            .contains(&format!("resume exactly with --resume {file_arg}")),
        "{}",
        first.stderr
    );
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["next_page"], 2, "{saved}");

    let mut args = LIST.to_vec();
    args.retain(|a| !["--per-page", "10"].contains(a));
    args.extend(["--resume", file_arg]);
    let second = fake.run(&args);
    assert_eq!(second.code, Some(0), "{second:#?}");
    assert_eq!(
        ids(&second.ndjson()),
        id_range(1011, 20),
        "pages 2 and 3, none of page 1 again"
    );
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn resume_refuses_a_bad_file_or_other_filters_with_nothing_on_stdout() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    let bad = scratch("bad.json");
    std::fs::write(&bad, b"not json").unwrap();
    let run = fake.run(&[
        "members",
        "list",
        "--all",
        "--resume",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("not a tallyfy checkpoint"),
        "{}",
        run.stderr
    );

    // A checkpoint of a walk with groups included, resumed without them.
    let file = scratch("with-groups.json");
    let mut args = vec!["--max-retries", "0"];
    args.extend(LIST);
    args.extend(["--with", "groups", "--checkpoint", file.to_str().unwrap()]);
    let interrupted = Fake::start(
        FakeTallyfy::builder()
            .members(30)
            .faults(Faults::script(vec![Fault::Pass, Fault::Status(503)])),
    );
    assert_eq!(interrupted.run(&args).code, Some(1));
    let run = fake.run(&[
        "members",
        "list",
        "--all",
        "--resume",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("the checkpoint is of another walk"),
        "{}",
        run.stderr
    );
    for path in [bad, file] {
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn a_walk_that_may_have_missed_members_exits_3_and_says_how_many() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    // After page 1 is answered, 4 members leave: 4 later ones shift onto page 1.
    fake.fake.remove_members_after(1, 4);
    let mut args = LIST.to_vec();
    args.extend(["--heal-pages", "0"]);
    let run = fake.run(&args);
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(run.stderr.contains("may be missing"), "{}", run.stderr);
    let printed = ids(&run.ndjson());
    let mut once = printed.clone();
    once.dedup();
    assert_eq!(once, printed, "no member twice");
    assert!(printed.len() < 30);
}
