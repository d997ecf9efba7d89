//! Decode arbitrary bytes exactly as responses are decoded: the entry points of
//! the property tests below and of the cargo-fuzz targets in `fuzz/`. Compiled
//! only for tests and under `--cfg fuzzing`, so it is no part of the public API.

use crate::call::{Reply, read_untyped_body};
use crate::error::{Details, Error, ErrorKind};
use crate::includes::MemberIncludes;
use crate::page::ResponseMeta;
use crate::walk::read_page;
use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::PagedList;
use tallyfy_api::types::{Member, MemberItem, MemberList};

fn touch_includes(member: &Member) -> usize {
    member.groups().len()
        + usize::from(member.stats().is_some())
        + member.country_name().map_or(0, str::len)
}

/// A list response body: decode (strictly, else tolerantly, as the SDK does), read
/// pagination signals, read every include.
pub fn list_body(bytes: &[u8]) -> usize {
    let decoded = match serde_json::from_slice::<MemberList>(bytes) {
        Ok(list) => Ok((ListMembers::into_parts(list), Vec::new())),
        Err(_) => crate::tolerant::list::<ListMembers>(bytes),
    };
    let Ok((value, untyped)) = decoded else {
        return 0;
    };
    let reply = Reply {
        value,
        meta: ResponseMeta::default(),
        untyped,
    };
    let (page, facts) = read_page::<ListMembers>(reply, 1);
    let pages =
        page.total_pages.unwrap_or(0) as usize + usize::from(facts.has_next_link == Some(true));
    page.items.iter().map(touch_includes).sum::<usize>() + pages
}

/// A get-member response body.
pub fn member_body(bytes: &[u8]) -> usize {
    serde_json::from_slice::<MemberItem>(bytes)
        .ok()
        .or_else(|| crate::tolerant::item(bytes).ok())
        .map_or(0, |item| touch_includes(&item.data))
}

/// An error response body with `status`: map it and render it as a user would see it.
pub fn error_body(status: u16, bytes: &[u8]) -> String {
    let mut details = Details {
        status: Some(status),
        operation: Some("list_members"),
        ..Details::default()
    };
    read_untyped_body(&mut details, bytes);
    let err = Error::new(ErrorKind::for_status(details.status), details);
    format!("{err} {err:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PAGE: &str = r#"{"data":[{"id":1,"email":"a@b.c","groups":{"data":[{"id":"g","name":"Ops","members":[1]}]},
        "stats":{"data":[]},"country":{"data":{"id":2,"name":"X"}},"UTC_offset":"+01:00"},
        {"id":2,"groups":[{"id":7}],"stats":{"tasks_completed":3},"country":"France"}],
        "meta":{"pagination":{"total":2,"count":2,"per_page":10,"current_page":1,"total_pages":1,"links":[]}}}"#;
    const ERROR: &str =
        r#"{"error":{"code":"X","message":"m"},"errors":{"f":["a",{"message":"b"}]},"code":7}"#;

    /// A valid body with a few bytes replaced, inserted or removed.
    fn mutated(base: &'static str) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8)
            .prop_map(move |edits| {
                let mut bytes = base.as_bytes().to_vec();
                for (at, byte, op) in edits {
                    let i = at.index(bytes.len().max(1));
                    match op {
                        0 if !bytes.is_empty() => bytes[i] = byte,
                        1 => bytes.insert(i, byte),
                        _ if !bytes.is_empty() => drop(bytes.remove(i)),
                        _ => {}
                    }
                }
                bytes
            })
    }

    #[test]
    fn the_seed_bodies_decode() {
        assert!(list_body(PAGE.as_bytes()) > 0);
        assert!(error_body(422, ERROR.as_bytes()).contains("f: a b"));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
            list_body(&bytes);
            member_body(&bytes);
            error_body(status, &bytes);
        }

        #[test]
        fn mutated_pages_never_panic(bytes in mutated(PAGE)) {
            list_body(&bytes);
            member_body(&bytes);
        }

        #[test]
        fn mutated_error_bodies_never_panic_and_stay_short(bytes in mutated(ERROR), status in 400u16..600) {
            let text = error_body(status, &bytes);
            prop_assert!(text.len() < 4096);
        }

        #[test]
        fn arbitrary_json_values_never_panic(value in json_value()) {
            let bytes = serde_json::to_vec(&serde_json::json!({"data": [value.clone()], "meta": {"pagination": value.clone()}})).unwrap();
            list_body(&bytes);
            member_body(&serde_json::to_vec(&serde_json::json!({"data": value})).unwrap());
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z_]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop_oneof![
                Just("id".to_owned()),
                Just("data".to_owned()),
                Just("groups".to_owned()),
                Just("stats".to_owned()),
                Just("country".to_owned()),
                Just("links".to_owned()),
                Just("total_pages".to_owned()),
                "[a-z]{1,6}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(key, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
