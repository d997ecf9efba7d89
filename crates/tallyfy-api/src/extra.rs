//! [`Extra`]: the keys of a response object that the spec does not name, kept as
//! the raw JSON the server sent.
//!
//! Tallyfy adds keys before any spec names them, and a service that reads a member
//! and writes it back must not drop them. typify keeps them in a flattened
//! `serde_json::Map`, which costs a tree node per object and per nested object on
//! every member of every page, wanted or not (BENCHMARKS.md, figure 4, measures
//! the decode). `cargo xtask generate` swaps that map for this type (see
//! `xtask/src/postprocess.rs`): the keys and values are written once, as JSON text,
//! into one buffer, and parsed only when asked for.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The keys of an object that the spec does not name, with their values as the raw
/// JSON the server sent. Decoding stores them as text; reading one parses it then.
///
/// Serialising a struct writes them back after its named fields, byte for byte (with
/// `serde_json`; other formats see each value as `serde_json` would encode a
/// [`RawValue`]).
///
/// ```
/// use tallyfy_api::types::Member;
/// use serde_json::json;
///
/// let member: Member = serde_json::from_value(json!({
///     "id": 1001,
///     "beta_flags": {"new_editor": true}
/// }))?;
/// assert_eq!(member.extra.get("beta_flags"), Some(json!({"new_editor": true})));
/// assert_eq!(member.extra.get_raw("beta_flags").unwrap().get(), r#"{"new_editor":true}"#);
/// assert!(serde_json::to_string(&member)?.contains(r#""beta_flags":{"new_editor":true}"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Extra {
    /// Empty, or one JSON object's text: `{"key":value,...}`.
    json: String,
}

impl Extra {
    /// No keys.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            json: String::new(),
        }
    }

    /// True when the object had no key beyond the spec's.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.json.is_empty()
    }

    /// The number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// The value of `key`, parsed.
    ///
    /// `None` when `key` is absent, and also when its value is beyond what a
    /// [`Value`] holds: a number beyond `f64`, a lone surrogate escape such as
    /// `"\udfff"`, nesting deeper than 128 levels. The server sent it and it is kept:
    /// read it with [`Extra::get_raw`], or with [`Extra::get_as`] to see why.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Value> {
        self.get_as(key)?.ok()
    }

    /// The value of `key` decoded as a `T`; `Err` says why it is not one.
    ///
    /// ```
    /// # use tallyfy_api::types::Member;
    /// let member: Member = serde_json::from_str(r#"{"id": 1, "seats": 3, "huge": 1e400}"#)?;
    /// assert_eq!(member.extra.get_as::<u32>("seats").unwrap()?, 3);
    /// assert!(member.extra.get_as::<serde_json::Value>("huge").unwrap().is_err());
    /// assert_eq!(member.extra.get_raw("huge").unwrap().get(), "1e400");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Option<serde_json::Result<T>> {
        self.get_raw(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// The value of `key` as the server sent it.
    #[must_use]
    pub fn get_raw(&self, key: &str) -> Option<&RawValue> {
        self.entries()
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// True when `key` is present.
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_raw(key).is_some()
    }

    /// Every key with its raw value, in the order the server sent them.
    #[must_use]
    pub fn entries(&self) -> Vec<(Cow<'_, str>, &RawValue)> {
        if self.json.is_empty() {
            return Vec::new();
        }
        // Only this module writes `json`: keys from Rust strings and values the
        // decoder had already read as raw JSON, so it always reads back. Should that
        // ever break, no key is better than a panic on a server's bytes.
        let mut de = serde_json::Deserializer::from_str(&self.json);
        de.deserialize_map(EntriesVisitor).unwrap_or_default()
    }

    /// Sets `key` to `value` (replacing an existing value in place).
    ///
    /// # Errors
    /// When `value` cannot be serialised as JSON.
    pub fn insert(&mut self, key: &str, value: &impl Serialize) -> serde_json::Result<()> {
        let value = serde_json::value::to_raw_value(value)?;
        let mut entries = self.entries();
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = &value,
            None => entries.push((Cow::Borrowed(key), &value)),
        }
        self.json = write_object(entries);
        Ok(())
    }

    /// Removes `key`, returning its value as the server sent it.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let old = self.get_raw(key)?.to_owned();
        let kept = self.entries().into_iter().filter(|(k, _)| k != key);
        self.json = write_object(kept);
        Some(old)
    }

    /// Keys with their raw values, in this order (a repeated key is kept twice).
    ///
    /// ```
    /// use serde_json::value::RawValue;
    /// let big: &RawValue = serde_json::from_str("1e400")?;
    /// let extra = tallyfy_api::Extra::from_raw_entries([("big", big)]);
    /// assert_eq!(format!("{extra:?}"), r#"{"big":1e400}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_raw_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a RawValue)>,
    ) -> Self {
        Self {
            json: write_object(entries.into_iter().map(|(k, v)| (Cow::Borrowed(k), v))),
        }
    }

    /// Appends `key` with its raw value, in constant time: a `key` already present is
    /// not replaced (use [`Extra::insert`] for that), so the object then holds it twice.
    pub fn push_raw(&mut self, key: &str, value: &RawValue) {
        // `json` is empty or one object: its last byte is the closing brace.
        let separator = if self.json.pop().is_some() { ',' } else { '{' };
        self.json.push(separator);
        self.json
            .push_str(&serde_json::to_string(key).expect("a string serialises"));
        self.json.push(':');
        self.json.push_str(value.get());
        self.json.push('}');
    }

    /// Room for `bytes` more bytes of keys and values without reallocating.
    pub fn reserve(&mut self, bytes: usize) {
        self.json.reserve(bytes);
    }

    /// The keys and values as a `serde_json` map, leaving out any value a [`Value`]
    /// cannot hold (see [`Extra::get`]); [`Extra::entries`] has every key.
    #[must_use]
    pub fn to_map(&self) -> Map<String, Value> {
        self.entries()
            .into_iter()
            .filter_map(|(k, v)| Some((k.into_owned(), serde_json::from_str(v.get()).ok()?)))
            .collect()
    }
}

/// Writes `entries` as one JSON object (or nothing when there are none).
fn write_object<'a>(entries: impl IntoIterator<Item = (Cow<'a, str>, &'a RawValue)>) -> String {
    let mut writer = ExtraWriter::default();
    for (key, value) in entries {
        writer.key(&key);
        writer.json.extend_from_slice(value.get().as_bytes());
    }
    writer
        .finish::<serde_json::Error>()
        .expect("keys and raw values are UTF-8")
        .json
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.json.is_empty() {
            "{}"
        } else {
            &self.json
        })
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        map.into_iter().collect()
    }
}

impl FromIterator<(String, Value)> for Extra {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let raw: Vec<(String, Box<RawValue>)> = iter
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    serde_json::value::to_raw_value(&v).expect("a Value serialises"),
                )
            })
            .collect();
        Self {
            json: write_object(raw.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), &**v))),
        }
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(&key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ExtraVisitor)
    }
}

/// The same schema as the map typify would have used, so schema-driven code (the
/// tolerant decoder in tallyfy-ext) sees an open object either way.
impl schemars::JsonSchema for Extra {
    fn schema_name() -> Cow<'static, str> {
        <Map<String, Value>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Map<String, Value>>::schema_id()
    }

    fn inline_schema() -> bool {
        <Map<String, Value>>::inline_schema()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Map<String, Value>>::json_schema(generator)
    }
}

/// Reads a whole object as unknown keys (`Extra` on its own, e.g. `from_value`).
struct ExtraVisitor;

impl<'de> Visitor<'de> for ExtraVisitor {
    type Value = Extra;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
        let mut writer = ExtraWriter::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            writer.key(&key);
            map.next_value_seed(writer.value())?;
        }
        writer.finish()
    }
}

/// Builds an [`Extra`] while a generated `Deserialize` reads an object: each key the
/// struct does not name goes to [`key`](Self::key) and [`value`](Self::value). `cargo xtask generate`
/// writes those impls (instead of serde's `flatten`, which buffers every unknown key
/// and value before the map sees it).
#[derive(Default)]
pub(crate) struct ExtraWriter {
    json: Vec<u8>,
}

impl ExtraWriter {
    /// Writes `key`, then its value with [`value`](Self::value).
    pub(crate) fn key(&mut self, key: &str) {
        if self.json.is_empty() {
            // One allocation for the usual one or two short keys, not a doubling
            // from 8 bytes up.
            self.json.reserve(key.len() + 96);
            self.json.push(b'{');
        } else {
            self.json.push(b',');
        }
        serde_json::to_writer(&mut self.json, key).expect("a string serialises");
        self.json.push(b':');
    }

    /// The seed that writes the value of the key just written.
    pub(crate) fn value(&mut self) -> RawJson<'_> {
        RawJson(&mut self.json)
    }

    /// The keys written so far.
    pub(crate) fn finish<E: de::Error>(mut self) -> Result<Extra, E> {
        if !self.json.is_empty() {
            self.json.push(b'}');
        }
        // A large buffer gives back its doubling slack: a page of members with big
        // unknown values would otherwise hold up to twice their size. (Small ones,
        // the usual case, keep theirs: a shrink is a realloc.)
        let slack = self.json.capacity() - self.json.len();
        if self.json.capacity() > 64 * 1024 && slack > self.json.len() / 4 {
            self.json.shrink_to_fit();
        }
        let json = String::from_utf8(self.json).map_err(E::custom)?;
        Ok(Extra { json })
    }
}

/// A key, borrowed from the input unless it had escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// serde_json's private name for a raw value: asked for a newtype struct of this
/// name, its deserializers hand over the value's text untouched (the `raw_value`
/// feature, how `Box<RawValue>` is read). Other deserializers ignore the name.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends one value's JSON to the buffer: the server's own bytes when reading from
/// `serde_json` text, otherwise re-encoded (e.g. inside an untagged enum, where serde
/// has already parsed the value).
pub(crate) struct RawJson<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for RawJson<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, self)
    }
}

impl RawJson<'_> {
    fn write<E: de::Error>(self, value: impl Serialize) -> Result<(), E> {
        serde_json::to_writer(self.0, &value).map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for RawJson<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.write(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.write(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.write(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.write(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.write(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push(b'[');
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if seq.next_element_seed(RawJson(&mut *self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(key) = map.next_key_seed(KeySeed)? else {
            self.0.extend_from_slice(b"{}");
            return Ok(());
        };
        if key == RAW_VALUE_TOKEN {
            // serde_json's raw value: one entry whose value is the text itself.
            return map.next_value_seed(Text(self.0));
        }
        self.0.push(b'{');
        let mut next = Some(key);
        while let Some(key) = next {
            if self.0.last() != Some(&b'{') {
                self.0.push(b',');
            }
            serde_json::to_writer(&mut *self.0, &*key).map_err(de::Error::custom)?;
            self.0.push(b':');
            map.next_value_seed(RawJson(&mut *self.0))?;
            next = map.next_key_seed(KeySeed)?;
        }
        self.0.push(b'}');
        Ok(())
    }
}

/// Appends a string verbatim (the text of a raw value).
struct Text<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("raw JSON text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.extend_from_slice(v.as_bytes());
        Ok(())
    }
}

/// Collects an object's entries as borrowed raw values.
struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            entries.push((key, map.next_value()?));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
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
            again.ends_with(
                r#""n":1.0E5,"s":"caf\u00e9","o":{"a":[1,{"b":null}],"e":{}},"t":true}"#
            ),
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
}
