use super::*;
use crate::types::{CountryInclude, Member};
use serde_json::json;

const BODY: &str = r#"{"id":7,"email":"a@b.c","n":1.0E5,"s":"caf\u00e9","o":{"a":[1,{"b":null}],"e":{}},"t":true}"#;

#[test]
fn unknown_keys_keep_the_servers_bytes_in_order() {
    let member: Member = serde_json::from_str(BODY).unwrap();
    assert_eq!(member.email.as_deref(), Some("a@b.c"));
    let keys: Vec<_> = member
        .extra
        .entries()
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.get().to_owned()))
        .collect();
    assert_eq!(
        keys,
        [
            ("n".into(), "1.0E5".into()),
            ("s".into(), r#""caf\u00e9""#.into()),
            ("o".into(), r#"{"a":[1,{"b":null}],"e":{}}"#.into()),
            ("t".into(), "true".into()),
        ]
    );
    let again = serde_json::to_string(&member).unwrap();
    assert!(
        again.ends_with(r#""n":1.0E5,"s":"caf\u00e9","o":{"a":[1,{"b":null}],"e":{}},"t":true}"#),
        "{again}"
    );
}

#[test]
fn values_serde_has_already_parsed_are_re_encoded() {
    // Inside an untagged enum serde buffers the object first: no raw text left.
    let country: CountryInclude = serde_json::from_value(
        json!({"id": 1, "flag": "jp", "o": {"x": [1, 2.5, null, "é"]}, "e": {}}),
    )
    .unwrap();
    let CountryInclude::Country(country) = country else {
        panic!("{country:?}")
    };
    assert_eq!(country.id, Some(1));
    assert_eq!(
        country.extra.get("o"),
        Some(json!({"x": [1, 2.5, null, "é"]}))
    );
    assert_eq!(country.extra.get("e"), Some(json!({})));
    assert_eq!(country.extra.len(), 3);
    // The same from text, through the untagged enum.
    let text = r#"{"country":{"id":2,"x":[true,{"y":"z"}]},"id":1}"#;
    let member: Member = serde_json::from_str(text).unwrap();
    let Some(CountryInclude::Country(country)) = member.country else {
        panic!()
    };
    assert_eq!(country.extra.get("x"), Some(json!([true, {"y": "z"}])));
}

#[test]
fn named_fields_decode_as_serde_derive_would() {
    let err = serde_json::from_str::<Member>(r#"{"email":"a@b.c"}"#).unwrap_err();
    assert!(err.to_string().starts_with("missing field `id`"), "{err}");
    let err = serde_json::from_str::<Member>(r#"{"id":1,"id":2}"#).unwrap_err();
    assert!(err.to_string().starts_with("duplicate field `id`"), "{err}");
    let err = serde_json::from_str::<Member>(r#"{"id":"1"}"#).unwrap_err();
    assert!(err.to_string().contains("expected i64"), "{err}");
    let member: Member =
        serde_json::from_str(r#"{"id":1,"email":null,"UTC_offset":"+09:00"}"#).unwrap();
    assert_eq!(
        (member.email, member.utc_offset.as_deref()),
        (None, Some("+09:00"))
    );
    assert!(
        member.extra.is_empty(),
        "renamed keys are named: {:?}",
        member.extra
    );
    let member: Member = serde_json::from_value(json!({"id": 3, "k": [1]})).unwrap();
    assert_eq!(member.extra.get("k"), Some(json!([1])));
}

#[test]
fn editing_keeps_the_rest() {
    let mut member: Member = serde_json::from_str(BODY).unwrap();
    member.extra.insert("t", &false).unwrap();
    member.extra.insert("new \"key\"", &json!([1])).unwrap();
    assert_eq!(
        member.extra.remove("s").unwrap().get(),
        r#""caf\u00e9""#,
        "as sent"
    );
    assert!(member.extra.remove("s").is_none());
    assert_eq!(
        format!("{:?}", member.extra),
        r#"{"n":1.0E5,"o":{"a":[1,{"b":null}],"e":{}},"t":false,"new \"key\"":[1]}"#
    );
    assert!(member.extra.contains_key("new \"key\""));
    let map = member.extra.to_map();
    assert_eq!(Extra::from(map.clone()).to_map(), map);
    assert_eq!(format!("{:?}", Extra::new()), "{}");
    assert!(Extra::from(Map::new()).is_empty());
}

/// Values a `serde_json::Value` cannot hold are kept as sent, read back raw,
/// written back byte for byte, and never panic a reader.
#[test]
fn values_beyond_value_are_kept_and_never_panic() {
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let body = format!(r#"{{"id":1,"big":1e400,"lone":"\udfff","deep":{deep},"ok":2}}"#);
    let mut member: Member = serde_json::from_str(&body).unwrap();
    for key in ["big", "lone"] {
        assert!(member.extra.contains_key(key), "{key}");
        assert_eq!(member.extra.get(key), None, "{key}");
        assert!(member.extra.get_as::<Value>(key).unwrap().is_err(), "{key}");
    }
    assert_eq!(member.extra.get_raw("big").unwrap().get(), "1e400");
    assert_eq!(member.extra.get_raw("lone").unwrap().get(), r#""\udfff""#);
    assert_eq!(member.extra.get_raw("deep").unwrap().get(), deep);
    assert_eq!(member.extra.len(), 4);
    let map = member.extra.to_map();
    assert_eq!(map.keys().collect::<Vec<_>>(), ["deep", "ok"]);
    assert_eq!(
        serde_json::to_string(&member).unwrap(),
        body.replace(' ', "")
    );
    assert_eq!(member.extra.remove("lone").unwrap().get(), r#""\udfff""#);
    assert_eq!(member.extra.len(), 3);
}
