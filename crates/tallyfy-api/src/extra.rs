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

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

mod buffer;

pub(crate) use buffer::ExtraWriter;
use buffer::{EntriesVisitor, ExtraVisitor, write_object};

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

#[cfg(test)]
mod tests;
