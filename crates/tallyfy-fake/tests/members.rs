//! The organization's data as a client sees it: the same seed gives the same
//! members, and members join and leave while the fake runs.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::{fake_with, get_json, ids, list, start, users_url};
use tallyfy_fake::FakeTallyfy;

#[tokio::test]
async fn same_seed_same_members_and_member_i_ignores_the_count() {
    let a = start(FakeTallyfy::builder().members(5).seed(99)).await;
    let b = start(FakeTallyfy::builder().members(50).seed(99)).await;
    let c = start(FakeTallyfy::builder().members(5).seed(100)).await;
    assert_eq!(a.members(), b.members()[..5].to_vec());
    assert_ne!(a.members(), c.members());
    let (_, page) = list(&b, "per_page=5").await;
    assert_eq!(page["data"], json!(a.members()));
}

#[tokio::test]
async fn inserting_and_removing_members_changes_the_total() {
    let fake = fake_with(12).await;
    assert_eq!(fake.insert_members(3), vec![1013, 1014, 1015]);
    let (_, body) = list(&fake, "page=2").await;
    assert_eq!(body["meta"]["pagination"]["total"], 15);
    assert_eq!(ids(&body), (1011..=1015).collect::<Vec<_>>());

    assert_eq!(fake.remove_members(4), vec![1001, 1002, 1003, 1004]);
    let (_, body) = list(&fake, "page=2").await;
    assert_eq!(body["meta"]["pagination"]["total"], 11);
    assert_eq!(ids(&body), vec![1015], "later members shift towards page 1");
    assert_eq!(fake.member_count(), 11);
    let (status, _) = get_json(&fake, &format!("{}/1001", users_url(&fake))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_join_and_leave_at_positions_of_the_default_order() {
    let fake = fake_with(5).await;
    assert_eq!(fake.join_at(1), 1006, "a fresh id, placed second");
    assert_eq!(
        fake.leave_at(3),
        Some(1003),
        "1001 1006 1002 [1003] 1004 1005"
    );
    assert_eq!(
        fake.join_at(usize::MAX),
        1007,
        "any position, modulo length + 1"
    );
    let (_, body) = list(&fake, "per_page=10").await;
    assert_eq!(body["meta"]["pagination"]["total"], 6);
    let mut order = vec![1001, 1006, 1002, 1004, 1005];
    order.insert(usize::MAX % 6, 1007);
    assert_eq!(ids(&body), order);
    while fake.member_count() > 0 {
        fake.leave_at(7);
    }
    assert_eq!(fake.leave_at(0), None, "no member to leave");
}
