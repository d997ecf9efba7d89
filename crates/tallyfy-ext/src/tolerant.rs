//! Tolerant decoding: the slow path for bodies the generated types refuse.
//!
//! Tallyfy is a PHP application, and PHP's JSON is looser than the spec: `"1000"`
//! for `1000`, `1` for `true`, `[]` for an empty object, `{"0": ..}` for a list,
//! `null` inside a list of ids. The generated types decode the spec's shapes
//! strictly, which is the fast path and stays exactly as fast as before. Only when
//! that strict decode fails does a body come here:
//!
//! 1. it is split into raw JSON, key by key, and each member's values are parsed
//!    into a `serde_json::Value` (one copy; a value no `Value` can hold, such as
//!    `1e400` or `"\udfff"`, stays raw and goes to step 4);
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

use crate::coerce::{Schemas, php_list, raw_object, raw_object_bounded};
use crate::error::{Error, Result};
use crate::page::{Page, ResponseMeta, UntypedMember};
use serde::Deserialize as _;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

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
///
/// The body is split into raw JSON first (`data`'s items are never a `Value` of the
/// whole page), so one member that a `Value` cannot hold costs only itself.
pub(crate) fn list<P: PagedList>(
    body: &[u8],
) -> Result<(ListParts<P::Item>, Vec<UntypedMember>), serde_json::Error> {
    let schemas = Schemas::of::<P::Body>("/properties/data/items");
    let body: &RawValue = serde_json::from_slice(body)?;
    let Ok(entries) = raw_object(body) else {
        return Err(serde::de::Error::custom(
            "a list page must be a JSON object",
        ));
    };
    let mut envelope = Map::new();
    let mut data = None;
    for (key, value) in entries {
        if key == "data" {
            data = Some(value);
        } else {
            envelope.insert(key, serde_json::from_str(value.get())?);
        }
    }
    let items = match data {
        Some(raw) => raw_items(raw)?,
        None => Vec::new(),
    };
    envelope.insert("data".into(), Value::Array(Vec::new()));
    let envelope = schemas.coerce(&schemas.root, Value::Object(envelope));
    let mut list = P::into_parts(P::Body::deserialize(&envelope)?);
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

/// `data`'s items as raw JSON: an array's elements; PHP's integer-keyed object in
/// key order; nothing for `null`; any other value as the one item.
///
/// Either way at most the current item limit (`tallyfy_api::item_limit`): past it,
/// the decode stops and the limit's owner is told.
fn raw_items(data: &RawValue) -> Result<Vec<&RawValue>, serde_json::Error> {
    let limit = tallyfy_api::item_limit::current();
    match data.get().trim_start().as_bytes().first() {
        Some(b'[') => {
            tallyfy_api::item_limit::bounded(&mut serde_json::Deserializer::from_str(data.get()))
        }
        Some(b'{') => {
            let entries = raw_object_bounded(data, limit)?;
            Ok(php_list(entries))
        }
        Some(b'n') => Ok(Vec::new()),
        _ => Ok(vec![data]),
    }
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

/// The largest body [`body`] decodes leniently (1 MiB).
pub(crate) const RESCUE_AT_MOST: usize = 1 << 20;

/// Decodes any body leniently, as the generic request's rescue of a body the
/// strict decode refused: the whole body coerced towards its type's schema, then
/// decoded. There are no items to set apart, so a value that still does not fit
/// fails the body ([`ItemError::Body`]). The body is already bounded by the
/// executor's body limit; list pages and members have their own paths above,
/// which never build a `Value` of a whole page.
pub(crate) fn body<B>(body: &[u8]) -> Result<(B, Vec<UntypedMember>), ItemError>
where
    B: serde::de::DeserializeOwned + schemars::JsonSchema + 'static,
{
    // A `Value` of a whole body costs many times its bytes (`[{},{},...]` about 20
    // times): only a small body is read that way; a larger one gets the strict
    // decode's own error.
    if body.len() > RESCUE_AT_MOST {
        return serde_json::from_slice::<B>(body)
            .map(|decoded| (decoded, Vec::new()))
            .map_err(ItemError::Body);
    }
    let schemas = Schemas::of::<B>("");
    let value: Value = serde_json::from_slice(body).map_err(ItemError::Body)?;
    let value = schemas.coerce(&schemas.root, value);
    B::deserialize(value)
        .map(|decoded| (decoded, Vec::new()))
        .map_err(ItemError::Body)
}

/// Decodes a get-member body leniently.
pub(crate) fn item(body: &[u8]) -> Result<MemberItem, ItemError> {
    let schemas = Schemas::of::<MemberItem>("/properties/data");
    let body: &RawValue = serde_json::from_slice(body).map_err(ItemError::Body)?;
    let Ok(entries) = raw_object(body) else {
        return Err(ItemError::Body(serde::de::Error::custom(
            "a member body must be a JSON object",
        )));
    };
    let null = RawValue::NULL;
    let raw = entries
        .iter()
        .rev()
        .find_map(|(k, v)| (k == "data").then_some(*v))
        .unwrap_or(null);
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
        let raw = serde_json::value::to_raw_value(&value).unwrap();
        schemas()
            .item::<Member>(&raw, |m| Some(&mut m.extra))
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
        let text = serde_json::value::to_raw_value(&raw).unwrap();
        let (back, error) = schemas()
            .item::<Member>(&text, |m| Some(&mut m.extra))
            .unwrap_err();
        assert_eq!(back.get(), text.get());
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
        assert_eq!(untyped[0].value(), Some(json!({"email": "no-id@x"})));
        let pagination = list.pagination.unwrap();
        assert_eq!(
            (pagination.total, pagination.total_pages),
            (Some(4), Some(1))
        );
    }

    #[test]
    fn any_body_is_coerced_towards_its_schema() {
        let body = br#"{"data": {"id": "7", "active": 1, "country": []}}"#;
        let (item, untyped) = super::body::<MemberItem>(body).ok().unwrap();
        assert_eq!((item.data.id, item.data.active), (7, Some(true)));
        assert!(untyped.is_empty() && item.data.country().is_none());
        // The member path's schemas (cached apart) are not the body's.
        assert!(item_rescue(br#"{"data": {"id": "8"}}"#).is_ok());
        assert!(matches!(
            super::body::<MemberItem>(b"[1]"),
            Err(ItemError::Body(_))
        ));
        // The same loose member in a body above the limit is not read into a
        // `Value`: the strict decode's error stands.
        let padding = " ".repeat(super::RESCUE_AT_MOST);
        let large = format!(r#"{{"data": {{"id": "7", "active": 1}}}}{padding}"#);
        assert!(matches!(
            super::body::<MemberItem>(large.as_bytes()),
            Err(ItemError::Body(_))
        ));
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

    /// What a `Value` cannot hold costs neither the page nor the member: the value
    /// stays raw in `extra` under its key, byte for byte.
    #[test]
    fn values_beyond_value_cost_nothing_but_their_own_parse() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let body = format!(
            r#"{{"data": [{{"id": 1, "huge": 1e400}}, {{"id": 2, "full_name": "\udfff"}},
                {{"id": 3, "nest": {deep}}}, {{"id": "4"}}, {{"\udfff": 1, "id": 5}}],
                "meta": {{"pagination": {{"total": 5, "current_page": 1, "total_pages": 1}}}}}}"#
        );
        let (list, untyped) = list::<ListMembers>(body.as_bytes()).unwrap();
        let ids: Vec<i64> = list.items.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert_eq!(list.items[0].extra.get_raw("huge").unwrap().get(), "1e400");
        assert_eq!(list.items[1].full_name, None);
        assert_eq!(
            list.items[1].extra.get_raw("full_name").unwrap().get(),
            r#""\udfff""#
        );
        assert_eq!(list.items[2].extra.get_raw("nest").unwrap().get(), deep);
        // A key no Rust string can hold: the member is kept whole, raw.
        assert_eq!(untyped.len(), 1);
        assert_eq!(untyped[0].raw.get(), r#"{"\udfff": 1, "id": 5}"#);
        assert_eq!(untyped[0].id(), Some(5));
    }

    #[test]
    fn keys_the_spec_does_not_name_skip_the_value_tree() {
        let named = schemas().named.as_ref().expect("Member names its keys");
        assert!(named.contains("email") && named.contains("id"));
        assert!(!named.contains("beta_flags"));
        // Kept byte for byte (a `Value` would write `100000.0` and sort the keys).
        let body = br#"{"data": [{"id": "9", "n": 1.0E5, "b": {"y": 1, "x": 2}}], "meta": []}"#;
        let (list, _) = list::<ListMembers>(body).unwrap();
        assert_eq!(
            format!("{:?}", list.items[0].extra),
            r#"{"n":1.0E5,"b":{"y": 1, "x": 2}}"#
        );
    }
}
