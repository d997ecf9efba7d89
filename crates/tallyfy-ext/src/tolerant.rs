//! Tolerant decoding: the slow path for bodies the generated types refuse.
//!
//! Tallyfy is a PHP application, and PHP's JSON is looser than the spec: `"1000"`
//! for `1000`, `1` for `true`, `[]` for an empty object, `{"0": ..}` for a list,
//! `null` inside a list of ids. The generated types decode the spec's shapes
//! strictly, which is the fast path and stays exactly as fast as before. Only when
//! that strict decode fails does a body come here:
//!
//! 1. it is parsed once into a `serde_json::Value`;
//! 2. every value is coerced towards the JSON Schema of the generated type
//!    (`schemars`, derived by the generator), so the rules follow the spec on every
//!    regeneration and no field is listed by hand here;
//! 3. each member is decoded on its own: one odd member never costs its page;
//! 4. a key that still does not fit (an object where an id was) is kept raw in the
//!    member's `extra` map, under its own name, and the rest of the member is typed;
//! 5. a member that cannot be typed at all (no usable `id`) becomes an
//!    [`UntypedMember`] with its raw JSON, page and position: reported, never lost.
//!
//! Coercion rules (each applied only where the schema does not accept the value
//! as it is): numeric strings to integers and numbers; integers and booleans to
//! strings; `0`/`1`, `"0"`/`"1"`, `"true"`/`"false"` to booleans; `[]` to `null`
//! where an object is expected and null is allowed (PHP's empty array is "nothing"),
//! else to `{}`; `{}` and integer-keyed objects to arrays; `""` to `null` where a
//! scalar is nullable; `null` items dropped from arrays whose items are not nullable.
//!
//! Union schemas (`oneOf`, from the include shapes) are coerced against all their
//! object branches at once: wrappers (`{"data": ..}`) and bare objects have
//! different keys, so merging them is unambiguous, and serde then picks the variant.

use crate::coerce::{Schemas, php_list};
use crate::error::{Error, Result};
use crate::page::{Page, ResponseMeta, UntypedMember};
use serde_json::Value;

use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::{ListParts, PagedList};
use tallyfy_api::types::{Member, MemberItem, MemberList};

/// Decodes a member-list body exactly as the SDK's walks do: strictly first (the
/// fast path), then tolerantly. For bodies obtained some other way (a cache, a
/// queue, a recorded response).
///
/// ```
/// let body = br#"{"data": [{"id": "7", "active": 1}, {"email": "no id"}], "meta": []}"#;
/// let page = tallyfy_ext::decode_member_list(body)?;
/// assert_eq!((page.items[0].id, page.items[0].active), (7, Some(true)));
/// assert_eq!((page.page, page.total_pages), (1, None), "no pagination meta");
/// assert_eq!(page.untyped[0].position, 2);
/// # Ok::<(), tallyfy_ext::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is not JSON or its
/// envelope cannot be read even leniently.
pub fn decode_member_list(body: &[u8]) -> Result<Page<Member>> {
    let (parts, untyped) = match serde_json::from_slice::<MemberList>(body) {
        Ok(list) => (ListMembers::into_parts(list), Vec::new()),
        Err(_) => list::<ListMembers>(body).map_err(|err| {
            Error::decode(format!("not a member list: {err}"), body).with_source(err)
        })?,
    };
    Ok(Page::from_parts(parts, untyped, ResponseMeta::default(), 1))
}

/// [`list`] as the walker's rescue of a page the strict decode refused.
pub(crate) fn paged<P: PagedList>(
    body: &[u8],
) -> Result<(ListParts<P::Item>, Vec<UntypedMember>), ItemError> {
    list::<P>(body).map_err(ItemError::Body)
}

/// Decodes a list page leniently. Fails only when the body is not JSON or its
/// envelope (`meta`) cannot be read; items that cannot be typed are returned apart.
pub(crate) fn list<P: PagedList>(
    body: &[u8],
) -> Result<(ListParts<P::Item>, Vec<UntypedMember>), serde_json::Error> {
    let schemas = Schemas::of::<P::Body>("/properties/data/items");
    let Value::Object(mut envelope) = serde_json::from_slice(body)? else {
        return Err(serde::de::Error::custom(
            "a list page must be a JSON object",
        ));
    };
    let items = match envelope.remove("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Object(map)) => php_list(map),
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    };
    envelope.insert("data".into(), Value::Array(Vec::new()));
    let envelope = schemas.coerce(&schemas.root, Value::Object(envelope));
    let mut list = P::into_parts(serde_json::from_value::<P::Body>(envelope)?);
    let mut untyped = Vec::new();
    for (index, raw) in items.into_iter().enumerate() {
        match schemas.item::<P::Item>(raw, P::item_extra) {
            Ok(item) => list.items.push(item),
            Err((raw, error)) => untyped.push(UntypedMember {
                page: 0, // set by the walk, which knows the page
                position: index + 1,
                raw,
                error,
            }),
        }
    }
    Ok((list, untyped))
}

/// Why a get-member body could not be decoded.
pub(crate) enum ItemError {
    /// Not JSON, or not an object.
    Body(serde_json::Error),
    /// JSON, but the member in it could not be typed.
    Untyped(UntypedMember),
}

/// [`item`] as get-member's rescue of a body the strict decode refused.
pub(crate) fn item_rescue(body: &[u8]) -> Result<(MemberItem, Vec<UntypedMember>), ItemError> {
    item(body).map(|item| (item, Vec::new()))
}

/// Decodes a get-member body leniently.
pub(crate) fn item(body: &[u8]) -> Result<MemberItem, ItemError> {
    let schemas = Schemas::of::<MemberItem>("/properties/data");
    let value: Value = serde_json::from_slice(body).map_err(ItemError::Body)?;
    let Value::Object(mut envelope) = value else {
        return Err(ItemError::Body(serde::de::Error::custom(
            "a member body must be a JSON object",
        )));
    };
    let raw = envelope.remove("data").unwrap_or(Value::Null);
    match schemas.item::<Member>(raw, |m| Some(&mut m.extra)) {
        Ok(data) => Ok(MemberItem::builder()
            .data(data)
            .try_into()
            .expect("every MemberItem field is set")),
        Err((raw, error)) => Err(ItemError::Untyped(UntypedMember {
            page: 1,
            position: 1,
            raw,
            error,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::MemberIncludes;
    use serde_json::json;

    fn schemas() -> &'static Schemas {
        Schemas::of::<MemberList>("/properties/data/items")
    }

    fn member(value: Value) -> Member {
        schemas()
            .item::<Member>(value, |m| Some(&mut m.extra))
            .map_err(|(_, e)| e)
            .unwrap()
    }

    #[test]
    fn php_scalars_are_coerced_by_the_schema() {
        let m = member(json!({
            "id": "1000", "active": 1, "is_suspended": "0", "support_user": "true",
            "invited_by": "7", "phone": 1234567890, "email": "a@b.c", "complete": "",
            "disabled_by": 12.0,
        }));
        assert_eq!(m.id, 1000);
        assert_eq!(
            (m.active, m.is_suspended, m.support_user),
            (Some(true), Some(false), Some(true))
        );
        assert_eq!(m.invited_by, Some(7));
        assert_eq!(m.disabled_by, Some(12));
        assert_eq!(m.phone.as_deref(), Some("1234567890"));
        assert_eq!(m.complete, None);
        assert!(m.extra.is_empty(), "{:?}", m.extra);
    }

    #[test]
    fn php_empty_arrays_and_wrappers_read_as_nothing() {
        let m = member(json!({
            "id": 5, "stats": [], "country": [], "groups": {"data": {}},
        }));
        assert!(m.stats().is_none() && m.country().is_none() && m.groups().is_empty());
        let m = member(json!({"id": 5, "stats": {"data": {"tasks_completed": "3"}},
            "groups": {"data": {"0": {"id": 9, "name": "Ops", "members": [1, null, "2"]}}}}));
        assert_eq!(m.stats().and_then(|s| s.tasks_completed), Some(3));
        assert_eq!(m.groups()[0].members.as_deref(), Some(&[1, 2][..]));
    }

    #[test]
    fn a_key_that_cannot_be_typed_is_kept_raw_in_extra() {
        let inviter = json!({"id": 3, "full_name": "Carol"});
        let m = member(json!({"id": 6, "invited_by": inviter, "email": "x@y.z"}));
        assert_eq!(m.invited_by, None);
        assert_eq!(m.extra.get("invited_by").as_ref(), Some(&inviter));
        assert_eq!(m.email.as_deref(), Some("x@y.z"));
        // Re-serialised, the member says what the server said.
        assert_eq!(serde_json::to_value(&m).unwrap()["invited_by"], inviter);
    }

    #[test]
    fn a_member_without_a_usable_id_is_returned_raw() {
        let raw = json!({"id": "abc", "email": "x@y.z"});
        let (back, error) = schemas()
            .item::<Member>(raw.clone(), |m| Some(&mut m.extra))
            .unwrap_err();
        assert_eq!(back, raw);
        assert!(error.contains("abc") || error.contains("id"), "{error}");
    }

    #[test]
    fn a_loose_page_keeps_every_member_and_its_meta() {
        let body = json!({
            "data": [{"id": 1}, {"id": "2", "active": 0}, {"email": "no-id@x"}, {"id": 4}],
            "meta": {"pagination": {"total": "4", "count": "4", "per_page": "10",
                "current_page": "1", "total_pages": 1, "links": []}},
        });
        let (list, untyped) = list::<ListMembers>(body.to_string().as_bytes()).unwrap();
        let ids: Vec<i64> = list.items.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 4]);
        assert_eq!(untyped.len(), 1);
        assert_eq!(untyped[0].position, 3);
        assert_eq!(untyped[0].raw, json!({"email": "no-id@x"}));
        let pagination = list.pagination.unwrap();
        assert_eq!(
            (pagination.total, pagination.total_pages),
            (Some(4), Some(1))
        );
    }

    #[test]
    fn php_empty_meta_and_keyed_data_decode() {
        let body = json!({"data": {"0": {"id": 1}, "1": {"id": 2}}, "meta": []});
        let (list, untyped) = list::<ListMembers>(body.to_string().as_bytes()).unwrap();
        assert_eq!(list.items.len(), 2);
        assert!(untyped.is_empty() && list.pagination.is_none());
        assert!(super::list::<ListMembers>(b"[1, 2]").is_err());
        assert!(super::list::<ListMembers>(b"{\"data\": [").is_err());
    }
}
