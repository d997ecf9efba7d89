//! The generated operation table, as tallyfy-ext reads it: every operation of the
//! spec, found by id, with its method, route template, paging and path parameters;
//! and each `PagedList` points at its row.

use tallyfy_api::operations::{self, ALL, GET_MEMBER, LIST_MEMBERS};
use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::PagedList;

#[test]
fn find_returns_each_operation_of_the_spec() {
    let get = operations::find("get_member").expect("get_member is in the spec");
    assert_eq!(get, &GET_MEMBER);
    assert_eq!(
        (get.id, get.method, get.path, get.paged),
        (
            "get_member",
            "GET",
            "/organizations/{org_id}/users/{user_id}",
            false
        )
    );
    assert_eq!(get.path_params, ["org_id", "user_id"]);

    let list = operations::find("list_members").expect("list_members is in the spec");
    assert_eq!(
        (list.method, list.path, list.paged, list.path_params),
        (
            "GET",
            "/organizations/{org_id}/users",
            true,
            &["org_id"][..]
        )
    );
    assert_eq!(operations::find("list_guests"), None);
}

#[test]
fn all_lists_every_operation_once_in_spec_order() {
    let ids: Vec<&str> = ALL.iter().map(|op| op.id).collect();
    assert_eq!(ids, ["list_members", "get_member"]);
}

#[test]
fn a_paged_list_names_its_row_of_the_table() {
    assert_eq!(ListMembers::OPERATION, &LIST_MEMBERS);
    assert_eq!(ListMembers::OPERATION_ID, "list_members");
    assert_eq!(ListMembers::PATH, "/organizations/{org_id}/users");
    for op in ALL {
        assert_eq!(op.paged, op.id == ListMembers::OPERATION_ID, "{}", op.id);
    }
}
