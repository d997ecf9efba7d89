//! The SDK against the fake Tallyfy server, end to end over loopback HTTP.

use futures::{StreamExt, TryStreamExt};
use tallyfy_ext::{Client, ErrorKind, Include, MemberIncludes};
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RunningFake};

fn client(fake: &RunningFake) -> Client {
    Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .build()
        .unwrap()
}

/// The ids a single unpaginated request returns for `query` (the fake caps pages at 100).
async fn oracle(fake: &RunningFake, query: &str) -> Vec<i64> {
    let url = format!(
        "{}/organizations/{}/users?per_page=100&{query}",
        fake.base_url(),
        fake.org()
    );
    let body: serde_json::Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "APIClient")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["meta"]["pagination"]["total"].as_u64().unwrap() <= 100,
        "oracle needs one page"
    );
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_filtered_sorted_walk_equals_the_servers_single_page_answer() {
    let fake = FakeTallyfy::builder()
        .members(95)
        .seed(3)
        .start()
        .await
        .unwrap();
    let client = client(&fake);
    for (q, sort) in [("", "-created_at"), ("an", "name"), ("example.com", "-id")] {
        let expected = oracle(&fake, &format!("q={q}&sort={sort}")).await;
        assert!(!expected.is_empty(), "q={q} matches nobody");
        for concurrency in [1, 4] {
            let members: Vec<_> = client
                .members()
                .per_page(7)
                .q(q)
                .sort(sort)
                .with([Include::Groups])
                .concurrency(concurrency)
                .items()
                .try_collect()
                .await
                .unwrap();
            let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
            assert_eq!(ids, expected, "q={q} sort={sort} concurrency={concurrency}");
        }
    }
    let list_requests: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/users"))
        .collect();
    for request in &list_requests {
        let has = |name: &str| request.query_pairs.iter().any(|(k, _)| k == name);
        if has("page") {
            assert!(
                has("q") && has("sort") && has("with") && has("per_page"),
                "{:?}",
                request.query_pairs
            );
        }
    }
}

#[tokio::test]
async fn per_page_above_the_cap_follows_the_servers_page_size() {
    let fake = FakeTallyfy::builder().members(250).start().await.unwrap();
    let mut pages = client(&fake).members().per_page(500).pages();
    let mut ids = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        assert_eq!(page.per_page, Some(100));
        ids.extend(page.items.iter().map(|m| m.id));
    }
    assert_eq!(ids, (1001..=1250).collect::<Vec<_>>());
    assert_eq!(pages.summary().pages, 3);
}

#[tokio::test]
async fn get_member_normalises_the_fakes_wrapped_includes() {
    let fake = FakeTallyfy::builder().members(40).start().await.unwrap();
    let client = client(&fake);
    let mut with_groups = 0;
    for raw in fake.members() {
        let id = raw["id"].as_i64().unwrap();
        let member = client
            .member(id)
            .with([Include::Groups, Include::Stats, Include::Country])
            .send()
            .await
            .unwrap();
        assert_eq!(member.id, id);
        assert_eq!(member.email.as_deref(), raw["email"].as_str());
        assert!(member.stats().is_some(), "stats for {id}");
        with_groups += usize::from(!member.groups().is_empty());
    }
    assert!(with_groups > 0, "some seeded members belong to groups");
}

/// Newest first (`sort=-id`), members added mid-walk land in front of the cursor and
/// push members already read onto the next page: they must not come back.
#[tokio::test]
async fn members_added_in_front_mid_walk_never_repeat_and_are_reported() {
    let fake = FakeTallyfy::builder().members(50).start().await.unwrap();
    let mut pages = client(&fake)
        .members()
        .per_page(10)
        .sort("-id")
        .concurrency(1)
        .heal_pages(0) // the forward walk alone (healing is in tallyfy-ext's drift.rs)
        .pages();
    let mut ids = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        ids.extend(page.items.iter().map(|m| m.id));
        if page.page == 1 {
            fake.insert_members(7);
        }
    }
    // Page 2 re-serves the 7 last members of page 1; the 7 new ones sit before it.
    assert_eq!(
        ids,
        (1001..=1050).rev().collect::<Vec<_>>(),
        "each member once"
    );
    let summary = pages.summary();
    assert_eq!(summary.duplicates_skipped, 7);
    assert_eq!((summary.members_added, summary.members_removed), (7, 0));
    assert_eq!(summary.repeats_unchecked, 0);
    let drift = summary.drift.expect("drift reported");
    assert_eq!(drift.at_page, 2);
    assert_eq!(
        (drift.total_before, drift.total_after),
        (Some(50), Some(57))
    );
}

/// In id order, members removed mid-walk from in front of the cursor pull unread
/// members onto pages already read: a gap the summary must report, as large as it is.
#[tokio::test]
async fn members_removed_in_front_mid_walk_leave_a_gap_that_is_reported() {
    let fake = FakeTallyfy::builder().members(50).start().await.unwrap();
    let mut pages = client(&fake)
        .members()
        .per_page(10)
        .concurrency(1)
        .heal_pages(0) // the forward walk alone (healing is in tallyfy-ext's drift.rs)
        .pages();
    let mut ids = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        ids.extend(page.items.iter().map(|m| m.id));
        if page.page == 1 {
            fake.remove_members(4); // 1001..=1004, already read
        }
    }
    let missed: Vec<i64> = (1001..=1050).filter(|id| !ids.contains(id)).collect();
    assert_eq!(
        missed,
        [1011, 1012, 1013, 1014],
        "shifted onto page 1 after it was read"
    );
    let summary = pages.summary();
    assert_eq!((summary.members_removed, summary.possible_gap()), (4, 4));
    assert_eq!(
        summary.possible_gap(),
        missed.len() as u64,
        "the gap is reported in full"
    );
    assert_eq!((summary.members_added, summary.duplicates_skipped), (0, 0));
    assert_eq!(summary.drift.map(|d| d.total_after), Some(Some(46)));
}

#[tokio::test]
async fn a_failed_walk_resumes_at_its_page_with_exactly_the_rest() {
    let fake = FakeTallyfy::builder().members(64).start().await.unwrap();
    let client = Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .max_retries(0)
        .build()
        .unwrap();
    fake.set_faults(Faults::script(vec![
        Fault::Pass,
        Fault::Pass,
        Fault::Pass,
        Fault::Status(502),
    ]));
    let mut stream = client.members().per_page(10).items();
    let mut ids = Vec::new();
    let err = loop {
        match stream.next().await.expect("ends with an error") {
            Ok(member) => ids.push(member.id),
            Err(err) => break err,
        }
    };
    assert_eq!(
        (err.kind(), err.resume_page()),
        (ErrorKind::Server, Some(4)),
        "{err}"
    );
    assert_eq!(ids.len(), 30);
    let rest: Vec<_> = client
        .members()
        .per_page(10)
        .start_page(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    ids.extend(rest.iter().map(|m| m.id));
    assert_eq!(ids, (1001..=1064).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_fakes_auth_and_lookup_errors_are_typed() {
    let fake = FakeTallyfy::builder().members(5).start().await.unwrap();
    let base = || {
        Client::builder()
            .base_url(fake.base_url())
            .org_id(fake.org())
    };
    let wrong_token = base().access_token("not-the-token").build().unwrap();
    let err = wrong_token.members().page(1).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.message()),
        (ErrorKind::Unauthorized, Some(401), Some("unauthenticated"))
    );
    let no_client_header = base().access_token(fake.token()).build().unwrap();
    let err = no_client_header
        .members()
        .org("ffffffffffffffffffffffffffffffff")
        .page(1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = client(&fake).member(999_999).send().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::NotFound, Some("Resource not found"))
    );
    assert_eq!(err.code(), Some("RESOURCE_NOT_FOUND"));
}

#[tokio::test]
async fn the_root_host_layout_works_too() {
    // api.tallyfy.com serves the same paths without the /api prefix.
    let fake = FakeTallyfy::builder().members(12).start().await.unwrap();
    let client = Client::builder()
        .base_url(format!("http://{}", fake.addr()))
        .access_token(fake.token())
        .org_id(fake.org())
        .build()
        .unwrap();
    let members: Vec<_> = client
        .members()
        .per_page(5)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 12);
}
