//! Realistic bodies (`tests/data/*.json`, written from the wire format in the
//! Tallyfy reference, §2-§5) decode into the generated types with the expected
//! values, and match the spec.

use serde::de::DeserializeOwned;
use serde_json::json;
use tallyfy_api::types::{
    Country, CountryData, CountryInclude, CountryWrapped, ErrorBody, GroupId, GroupsInclude,
    GroupsWrapped, Member, MemberItem, MemberList, MemberStats, PageLinks, Pagination,
    PaginationLinks, StatsData, StatsInclude, StatsWrapped,
};
use tallyfy_tests::data;

const ORG_USERS: &str =
    "https://go.tallyfy.com/api/organizations/3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60/users";

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&data::text(name)).unwrap_or_else(|e| {
        panic!(
            "{name} does not decode into {}: {e}",
            std::any::type_name::<T>()
        )
    })
}

fn pagination(list: &MemberList) -> &Pagination {
    list.meta
        .as_ref()
        .and_then(|meta| meta.pagination.as_ref())
        .expect("meta.pagination")
}

/// Builds a generated type from its builder, as a service must: the types are
/// `#[non_exhaustive]`, so struct literals only compile inside `tallyfy-api`.
fn build<B, T>(builder: B) -> T
where
    T: TryFrom<B>,
    T::Error: std::fmt::Debug,
{
    T::try_from(builder).expect("every required field is set")
}

fn ids(list: &MemberList) -> Vec<i64> {
    list.data.iter().map(|m| m.id).collect()
}

/// Fields the generated `Member` knows, as JSON: unknown keys are gone and
/// absent/null fields are skipped.
fn known_fields(member: &Member) -> serde_json::Value {
    serde_json::to_value(member).expect("Member serializes")
}

#[test]
fn middle_page_has_previous_and_next_links() {
    let list: MemberList = decode("list_middle_page.json");
    assert_eq!(ids(&list), [1003, 1004]);
    let carol = &list.data[0];
    assert_eq!(carol.full_name.as_deref(), Some("Carol White"));
    assert_eq!(carol.utc_offset.as_deref(), Some("+01:00"));
    assert_eq!(carol.status.as_deref(), Some("active"));
    assert_eq!(carol.role.as_deref(), Some("admin"));
    assert_eq!(carol.active, Some(true));
    assert_eq!(carol.invited_by, Some(1001));
    assert_eq!(carol.last_known_country.as_deref(), Some("GB"));
    let dan = &list.data[1];
    assert_eq!(dan.username, None);
    assert_eq!(dan.last_login_at, None);
    assert_eq!(dan.utc_offset.as_deref(), Some("-05:00"));
    // The 2021 Swagger's `country: string` form.
    assert_eq!(
        dan.country,
        Some(CountryInclude::String("United States".into()))
    );
    assert_eq!(
        *pagination(&list),
        build(
            Pagination::builder()
                .total(Some(5))
                .count(Some(2))
                .per_page(Some(2))
                .current_page(Some(2))
                .total_pages(Some(3))
                .links(Some(PaginationLinks::PageLinks(build(
                    PageLinks::builder()
                        .previous(Some(format!("{ORG_USERS}?page=1")))
                        .next(Some(format!("{ORG_USERS}?page=3")))
                ))))
        )
    );
}

#[test]
fn last_page_has_only_a_previous_link() {
    let list: MemberList = decode("list_last_page.json");
    assert_eq!(ids(&list), [1005]);
    assert_eq!(list.data[0].status.as_deref(), Some("disabled"));
    assert_eq!(list.data[0].disabled_by, Some(1003));
    let page = pagination(&list);
    assert_eq!((page.current_page, page.total_pages), (Some(3), Some(3)));
    assert_eq!(
        page.links,
        Some(PaginationLinks::PageLinks(build(
            PageLinks::builder()
                .previous(Some(format!("{ORG_USERS}?page=2")))
                .next(None)
        )))
    );
}

#[test]
fn single_page_has_empty_array_links() {
    let list: MemberList = decode("list_single_page.json");
    assert_eq!(ids(&list), [1001, 1002]);
    assert_eq!(list.data[1].utc_offset.as_deref(), Some("+02:00"));
    let page = pagination(&list);
    assert_eq!(page.links, Some(PaginationLinks::Array(vec![])));
    assert_eq!(
        (page.total, page.count, page.per_page),
        (Some(2), Some(2), Some(100))
    );
    assert_eq!(list.count, None);
}

#[test]
fn null_and_empty_includes() {
    let list: MemberList = decode("list_null_includes.json");
    assert_eq!(ids(&list), [2001, 2002]);
    let null = &list.data[0];
    assert_eq!(
        null.groups,
        Some(GroupsInclude::GroupsWrapped(build(
            GroupsWrapped::builder().data(None)
        )))
    );
    assert_eq!(
        null.stats,
        Some(StatsInclude::StatsWrapped(build(
            StatsWrapped::builder().data(None)
        )))
    );
    assert_eq!(
        null.country,
        Some(CountryInclude::CountryWrapped(build(
            CountryWrapped::builder().data(None)
        )))
    );
    let empty = &list.data[1];
    assert_eq!(
        empty.groups,
        Some(GroupsInclude::GroupsWrapped(build(
            GroupsWrapped::builder().data(Some(vec![]))
        )))
    );
    // Fractal's null item include `{"data": []}` stays a wrapped include whose data
    // is the empty array (StatsData/CountryData::Array), never a bare struct.
    assert_eq!(
        empty.stats,
        Some(StatsInclude::StatsWrapped(build(
            StatsWrapped::builder().data(Some(StatsData::Array(vec![])))
        )))
    );
    assert_eq!(
        empty.country,
        Some(CountryInclude::CountryWrapped(build(
            CountryWrapped::builder().data(Some(CountryData::Array(vec![])))
        )))
    );
}

#[test]
fn nulls_everywhere() {
    let list: MemberList = decode("list_nulls_everywhere.json");
    assert_eq!(ids(&list), [3001]);
    assert_eq!(known_fields(&list.data[0]), json!({"id": 3001}));
    assert_eq!(*pagination(&list), Pagination::default());
    assert_eq!(list.count, None);

    let list: MemberList = decode("list_meta_null.json");
    assert!(list.data.is_empty());
    assert_eq!(list.meta, None);

    let list: MemberList = decode("list_pagination_null.json");
    assert_eq!(list.meta.expect("meta").pagination, None);
}

#[test]
fn member_with_wrapped_includes() {
    let member = decode::<MemberItem>("member_includes_wrapped.json").data;
    assert_eq!(member.id, 12345);
    assert_eq!(member.username.as_deref(), Some("specificuser"));
    assert_eq!(member.utc_offset.as_deref(), Some("-08:00"));
    assert_eq!(member.profile_pic, None);
    let Some(GroupsInclude::GroupsWrapped(GroupsWrapped {
        data: Some(groups), ..
    })) = &member.groups
    else {
        panic!("groups: {:?}", member.groups);
    };
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups[0].id,
        Some(GroupId::String("6d3f0c2b9a8e4f1d7c6b5a4e3d2c1b0a".into()))
    );
    assert_eq!(groups[0].name.as_deref(), Some("Project Alpha"));
    assert_eq!(groups[0].members, Some(vec![12345, 67890]));
    assert_eq!(groups[0].guests, Some(vec!["guest@example.com".into()]));
    assert_eq!(groups[1].id, Some(GroupId::Int64(42)));
    assert_eq!(groups[1].guests, Some(vec![]));
    assert_eq!(
        member.stats,
        Some(StatsInclude::StatsWrapped(build(
            StatsWrapped::builder().data(Some(StatsData::MemberStats(build(
                MemberStats::builder()
                    .steps_created(Some(42))
                    .tasks_completed(Some(120))
                    .processes_launched(Some(15))
                    .checklists_created(Some(8))
                    .last_step_created_at("2025-01-10T14:00:00+00:00".to_owned())
            ))))
        )))
    );
    assert_eq!(
        member.country,
        Some(CountryInclude::CountryWrapped(build(
            CountryWrapped::builder().data(Some(CountryData::Country(build(
                Country::builder()
                    .id(Some(226))
                    .name("United States".to_owned())
                    .phone_code("1".to_owned())
                    .iso2("US".to_owned())
            ))))
        )))
    );
}

#[test]
fn member_with_bare_includes() {
    let member = decode::<MemberItem>("member_includes_bare.json").data;
    assert_eq!(member.id, 67890);
    assert_eq!(member.utc_offset.as_deref(), Some("+05:30"));
    let Some(GroupsInclude::Array(groups)) = &member.groups else {
        panic!("groups: {:?}", member.groups);
    };
    let group_ids: Vec<_> = groups.iter().map(|g| g.id.clone()).collect();
    assert_eq!(
        group_ids,
        [
            Some(GroupId::String("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into())),
            Some(GroupId::Int64(7)),
        ]
    );
    assert_eq!(groups[1].members, None);
    assert_eq!(
        member.stats,
        Some(StatsInclude::MemberStats(build(
            MemberStats::builder()
                .steps_created(Some(3))
                .tasks_completed(Some(9))
                .processes_launched(Some(1))
                .checklists_created(Some(0))
                .last_step_created_at(None)
        )))
    );
    assert_eq!(
        member.country,
        Some(CountryInclude::Country(build(
            Country::builder()
                .id(Some(99))
                .name("India".to_owned())
                .phone_code("91".to_owned())
                .iso2("IN".to_owned())
        )))
    );
}

#[test]
fn member_with_unknown_keys_and_values() {
    let member = decode::<MemberItem>("member_unknown_keys.json").data;
    assert_eq!(member.id, 55555);
    assert_eq!(member.status.as_deref(), Some("suspended"));
    assert_eq!(member.role.as_deref(), Some("guest_admin"));
    assert_eq!(member.utc_offset.as_deref(), Some("+09:00"));
    let Some(GroupsInclude::GroupsWrapped(GroupsWrapped {
        data: Some(groups), ..
    })) = &member.groups
    else {
        panic!("groups: {:?}", member.groups);
    };
    assert_eq!(groups[0].name.as_deref(), Some("Project Alpha"));
    let Some(StatsInclude::StatsWrapped(StatsWrapped {
        data: Some(StatsData::MemberStats(stats)),
        ..
    })) = &member.stats
    else {
        panic!("stats: {:?}", member.stats);
    };
    assert_eq!(stats.steps_created, Some(1));
    let Some(CountryInclude::CountryWrapped(CountryWrapped {
        data: Some(CountryData::Country(country)),
        ..
    })) = &member.country
    else {
        panic!("country: {:?}", member.country);
    };
    assert_eq!(country.iso2.as_deref(), Some("JP"));
    // Documented includes without a known shape are kept as raw JSON...
    assert!(
        member.preferences.as_ref().is_some_and(|p| p.is_object()),
        "{:?}",
        member.preferences
    );
    assert!(
        member
            .organizations
            .as_ref()
            .is_some_and(|o| o.get("data").is_some()),
        "{:?}",
        member.organizations
    );
    // ...and keys nobody documents are kept in `extra` and written back out.
    let reserialised = known_fields(&member);
    for unknown in ["is_bot", "seat_type"] {
        assert!(member.extra.contains_key(unknown), "{unknown} lost");
        assert!(
            reserialised.get(unknown).is_some(),
            "{unknown} not re-serialised"
        );
    }
}

#[test]
fn member_in_2026_documentation_shape() {
    let member = decode::<MemberItem>("member_docs_2026.json").data;
    assert_eq!(member.id, 12345);
    assert_eq!(member.is_active, Some(true));
    assert_eq!(member.type_.as_deref(), Some("standard"));
    assert_eq!(member.role.as_deref(), Some("Standard"));
    assert_eq!(member.country_id, Some(1));
    assert_eq!(member.is_default_admin, Some(false));
    assert_eq!(member.user_role.as_deref(), Some("standard"));
    assert_eq!(member.active, None);
    let Some(GroupsInclude::Array(groups)) = &member.groups else {
        panic!("groups: {:?}", member.groups);
    };
    assert_eq!(groups[0].id, Some(GroupId::String("group_id_3".into())));
}

#[test]
fn error_bodies() {
    let body: ErrorBody = decode("error_true_message.json");
    assert_eq!(body.error, Some(json!(true)));
    assert_eq!(body.message.as_deref(), Some("Resource not found"));
    assert_eq!(body.code, Some(json!("RESOURCE_NOT_FOUND")));

    let body: ErrorBody = decode("error_oauth_string.json");
    assert_eq!(body.error, Some(json!("invalid_client")));
    assert_eq!((body.message, body.code, body.errors), (None, None, None));

    // The structured form keeps its message nested: top-level `message` is empty.
    let body: ErrorBody = decode("error_structured.json");
    let error = body.error.expect("error");
    assert_eq!(error["code"], "SEAT_POOL_EXHAUSTED");
    assert_eq!(error["details"]["pool_type"], "full");
    assert_eq!(body.message, None);

    let body: ErrorBody = decode("error_laravel_422.json");
    assert_eq!(body.message.as_deref(), Some("The given data was invalid."));
    assert_eq!(body.error, None);
    let errors = body.errors.expect("errors");
    assert_eq!(errors["per_page"][0], "The per page must be at least 1.");

    let body: ErrorBody = decode("error_errors_only.json");
    assert_eq!((body.message, body.error), (None, None));
    let errors = body.errors.expect("errors");
    assert_eq!(errors["with"][0], "The selected with is invalid.");
    assert_eq!(errors["sort"][0]["rule"], "in");

    let body: ErrorBody = decode("error_rate_limited.json");
    assert_eq!(body.code, Some(json!("RATE_LIMIT_EXCEEDED")));
    assert!(body.message.expect("message").starts_with("You've reached"));
}
