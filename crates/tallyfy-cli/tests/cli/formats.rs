//! `members list` formats: one JSON document (a page, or the walk), and the table.

use super::*;

#[test]
fn json_format_one_page_is_one_document_with_pagination_meta() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--page",
        "2",
        "--format",
        "json",
    ]);
    run.success();
    let doc = run.json();
    let data = doc["data"].as_array().expect("data array");
    assert_eq!(ids(data), id_range(1011, 10));
    let served = fake.fake.members();
    for (printed, served) in data.iter().zip(&served[10..20]) {
        assert_same_member(printed, served);
    }
    let pagination = &doc["meta"]["pagination"];
    assert_eq!(pagination["total"], 23);
    assert_eq!(pagination["count"], 10);
    assert_eq!(pagination["per_page"], 10);
    assert_eq!(pagination["current_page"], 2);
    assert_eq!(pagination["total_pages"], 3);
    assert_eq!(fake.list_requests().len(), 1);
}

#[test]
fn json_format_all_pages_is_one_document_with_walk_meta() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--format",
        "json",
    ]);
    run.success();
    let doc = run.json();
    assert_eq!(
        ids(doc["data"].as_array().expect("data")),
        id_range(1001, 23)
    );
    let walk = &doc["meta"]["walk"];
    assert_eq!(walk["pages"], 3);
    assert_eq!(walk["members"], 23);
    assert_eq!(walk["truncated"], false);
    assert_eq!(walk["duplicates_skipped"], 0);
    assert_eq!(
        fake.list_requests().len(),
        4,
        "3 pages and the end-of-walk check"
    );
}

/// The first whitespace-separated cell of each table body row, as an id.
fn table_ids(rows: &[&str]) -> Vec<i64> {
    rows.iter()
        .map(|row| {
            row.split_whitespace()
                .next()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("row without an id: {row:?}"))
        })
        .collect()
}

#[test]
fn table_format_has_a_header_rows_and_a_count_footer() {
    let fake = Fake::start(FakeTallyfy::builder().members(23));

    // One page.
    let run = fake.run(&["members", "list", "--per-page", "5"]);
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 5 + 1, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["ID", "NAME", "EMAIL", "ROLE", "STATUS"]);
    assert_eq!(table_ids(&lines[1..6]), id_range(1001, 5));
    assert_eq!(lines[6], "(5 members)");
    let first = &fake.fake.members()[0];
    assert!(
        lines[1].contains(first["email"].as_str().unwrap()),
        "{}",
        lines[1]
    );

    // Every page, with a GROUPS column.
    let run = fake.run(&[
        "members",
        "list",
        "--per-page",
        "10",
        "--all",
        "--with",
        "groups",
    ]);
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 23 + 1, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["ID", "NAME", "EMAIL", "ROLE", "STATUS", "GROUPS"]);
    assert_eq!(table_ids(&lines[1..24]), id_range(1001, 23));
    assert_eq!(lines[24], "(23 members)");
}
