//! `members get`: formats, includes.

use super::*;

#[test]
fn get_member_with_includes_as_json() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    let run = fake.run(&[
        "members",
        "get",
        "1001",
        "--with",
        "groups,stats,country",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(run.stdout.lines().count(), 1);
    let doc = run.json();
    let object = doc.as_object().expect("object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["data"]);
    let member = &doc["data"];
    assert_eq!(member["id"], 1001);
    assert_same_member(&without_includes(member), &fake.fake.members()[0]);
    let groups = member["groups"]["data"].as_array().expect("groups.data");
    assert!(!groups.is_empty(), "member 1001 of seed 42 is in a group");
    assert!(groups.iter().all(|g| g["name"].is_string()));
    assert!(
        member["stats"]["data"]["tasks_completed"].is_i64(),
        "{member}"
    );
    assert!(member["country"]["data"]["name"].is_string(), "{member}");

    let requests = fake.fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].path.ends_with("/users/1001"), "{requests:?}");
    assert_eq!(
        query_value(&requests[0].query_pairs, "with"),
        Some("groups,stats,country")
    );
}

#[test]
fn get_member_as_table_and_ndjson() {
    let fake = Fake::start(FakeTallyfy::builder().members(30));
    let served = &fake.fake.members()[0];

    let run = fake.run(&["members", "get", "1001", "--with", "groups,stats,country"]);
    run.success();
    let field = |name: &str| -> String {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in:\n{}", run.stdout));
        line[name.len()..].trim().to_owned()
    };
    assert_eq!(field("id"), "1001");
    assert_eq!(field("email"), served["email"].as_str().unwrap());
    assert!(!field("groups").is_empty(), "{}", run.stdout);
    assert!(
        field("stats").contains("tasks_completed="),
        "{}",
        run.stdout
    );
    assert!(!field("country").is_empty(), "{}", run.stdout);

    let run = fake.run(&["members", "get", "1002", "--format", "ndjson"]);
    run.success();
    let lines = run.ndjson();
    assert_eq!(lines.len(), 1);
    assert_same_member(&lines[0], &fake.fake.members()[1]);
}

// ---------------------------------------------------------------------------------
// 5. and 6. --max and --concurrency
// ---------------------------------------------------------------------------------
