//! Typing one item of a body the strict decode refused: read as raw JSON key by key,
//! coerced, decoded, and the keys that still refuse kept raw in `extra`.

use super::{Schemas, decode};
use serde::Deserializer as _;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use tallyfy_api::Extra;

/// An item read for decoding: its coerced named values, the named keys no `Value`
/// holds, and its keys split.
type Read<'a> = (Value, Vec<String>, Split<'a>);
/// An item that could not be typed: its raw JSON and why.
type Untyped = (Box<RawValue>, String);

/// The longest string a probe for a refused key decodes.
const PROBE_BYTES: usize = 4096;

impl Schemas {
    /// Types one item: coerce, decode, and if one key still refuses, keep that key
    /// raw in the item's `extra` map (when it has one) and type the rest. `Err`
    /// holds the raw item, as sent.
    ///
    /// The item is read key by key as raw JSON first: a value a `Value` cannot hold
    /// (`1e400`, `"\udfff"`, nesting past serde_json's limit) is kept raw in `extra`
    /// with its bytes, instead of costing the item or its page; a key the schema does
    /// not name goes to `extra` as sent. The named rest is copied once, into a
    /// `Value`, and moved into the item. Only an item with a refused key is read
    /// twice, to find which.
    pub(crate) fn item<T: DeserializeOwned>(
        &self,
        raw: &RawValue,
        extra: fn(&mut T) -> Option<&mut Extra>,
    ) -> Result<T, Untyped> {
        let untyped = |why: String| (raw.to_owned(), why);
        let read = || -> Result<Read<'_>, Untyped> {
            let Ok(mut split) = split(raw, self.named.as_ref()) else {
                let why = match serde_json::from_str::<Value>(raw.get()) {
                    Ok(value) => decode::<T>(&self.coerce(&self.item, value))
                        .err()
                        .unwrap_or_else(|| "not an object".to_owned()),
                    Err(err) => err.to_string(),
                };
                return Err(untyped(why));
            };
            let readable = std::mem::take(&mut split.readable);
            let unreadable: Vec<String> = split
                .named_raw
                .iter()
                .filter(|(k, _)| !readable.contains_key(k.as_str()))
                .map(|(k, _)| k.clone())
                .collect();
            Ok((
                self.coerce(&self.item, Value::Object(readable)),
                unreadable,
                split,
            ))
        };
        // The usual case, decoded by value: strings move into the item, no copy.
        let (coerced, unreadable, split) = read()?;
        let first = if unreadable.is_empty() {
            match serde_json::from_value::<T>(coerced) {
                Ok(item) => {
                    return keep_raw(item, extra, split.unnamed, &split.named_raw, &[]).ok_or_else(
                        || untyped("no map for keys the spec does not name".to_owned()),
                    );
                }
                Err(err) => err.to_string(),
            }
        } else {
            drop(coerced);
            "a value no JSON tree holds".to_owned()
        };
        drop(split);
        // Something refused: read the item again and find the keys that refuse.
        let (mut coerced, unreadable, split) = read()?;
        let Split {
            named_raw, unnamed, ..
        } = split;
        let Value::Object(fields) = &mut coerced else {
            return Err(untyped(first));
        };
        // Probe each key alone beside the item's id: the ones that fail are set aside.
        // (A bad id fails every probe; the item is then untyped, as it must be.)
        let mut refused = unreadable;
        let id = fields.get("id");
        for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != "id") {
            // A long string is probed by its start: whether a field takes a string
            // does not depend on its length, and a probe must not copy megabytes.
            let short;
            let value = match value {
                Value::String(text) if text.len() > PROBE_BYTES => {
                    let mut end = PROBE_BYTES;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    short = Value::String(text[..end].to_owned());
                    &short
                }
                other => other,
            };
            let probe = id
                .map(|id| ("id", id))
                .into_iter()
                .chain([(key.as_str(), value)]);
            if T::deserialize(serde::de::value::MapDeserializer::new(probe)).is_err() {
                refused.push(key.clone());
            }
        }
        for key in &refused {
            fields.remove(key);
        }
        match serde_json::from_value::<T>(coerced) {
            Ok(item) => keep_raw(item, extra, unnamed, &named_raw, &refused)
                // Nowhere to keep the refused keys: the item is kept raw instead.
                .ok_or_else(|| untyped(first)),
            Err(err) => {
                drop(unnamed);
                Err(untyped(err.to_string()))
            }
        }
    }
}

/// An item's keys, read once: the named ones a `Value` holds, every named one raw
/// (the last of a repeated key), and the unnamed ones as they go to `extra`.
struct Split<'a> {
    readable: Map<String, Value>,
    named_raw: Vec<(String, &'a RawValue)>,
    unnamed: Extra,
}

/// Reads the object `raw` in one pass. With `named` unknown, every key is named.
/// Keys the schema does not name are appended to `extra` as sent and never become a
/// `Value`, so a member of a million unknown keys costs one copy of its text.
fn split<'a>(raw: &'a RawValue, named: Option<&HashSet<String>>) -> serde_json::Result<Split<'a>> {
    struct Reader<'s>(Option<&'s HashSet<String>>, usize);
    impl<'de> Visitor<'de> for Reader<'_> {
        type Value = Split<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Split<'de>, A::Error> {
            let mut split = Split {
                readable: Map::new(),
                named_raw: Vec::new(),
                unnamed: Extra::new(),
            };
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                let value: &'de RawValue = map.next_value()?;
                if self.0.is_some_and(|named| !named.contains(key.as_ref())) {
                    if split.unnamed.is_empty() {
                        split.unnamed.reserve(self.1);
                    }
                    split.unnamed.push_raw(&key, value);
                    continue;
                }
                match serde_json::from_str::<Value>(value.get()) {
                    Ok(parsed) => {
                        split.readable.insert(key.to_string(), parsed);
                    }
                    Err(_) => {
                        split.readable.remove(key.as_ref());
                    }
                }
                split.named_raw.retain(|(k, _)| k != key.as_ref());
                split.named_raw.push((key.into_owned(), value));
            }
            Ok(split)
        }
    }
    serde_json::Deserializer::from_str(raw.get()).deserialize_map(Reader(named, raw.get().len()))
}

/// Sets `item`'s `extra`: the `unnamed` keys as sent, then the `refused` named
/// ones. `None` when a key was refused and `item` has no `extra`. (With no known
/// schema names, `unnamed` is empty and the decode itself filled `extra`.)
fn keep_raw<T>(
    mut item: T,
    extra: fn(&mut T) -> Option<&mut Extra>,
    mut unnamed: Extra,
    named_raw: &[(String, &RawValue)],
    refused: &[String],
) -> Option<T> {
    if unnamed.is_empty() && refused.is_empty() {
        return Some(item);
    }
    let Some(map) = extra(&mut item) else {
        // Unnamed keys are dropped, as the strict decode drops them; a refused named
        // key has nowhere to go.
        return refused.is_empty().then_some(item);
    };
    for (key, value) in named_raw.iter().filter(|(k, _)| refused.contains(k)) {
        unnamed.push_raw(key, value);
    }
    if !map.is_empty() {
        // Keys the decode kept itself (no schema names known): after ours.
        for (key, value) in map.entries() {
            unnamed.push_raw(&key, value);
        }
    }
    *map = unnamed;
    Some(item)
}

/// An object's keys with their values as raw JSON, in the order sent. `Err` when
/// `raw` is not an object or a key is not a string Rust can hold (a lone surrogate).
pub(crate) fn raw_object(raw: &RawValue) -> serde_json::Result<Vec<(String, &RawValue)>> {
    raw_object_bounded(raw, None)
}

/// [`raw_object`] that stops at entry `limit + 1` (and marks the item limit as
/// exceeded: PHP's keyed `data` object is a list of items).
pub(crate) fn raw_object_bounded(
    raw: &RawValue,
    limit: Option<usize>,
) -> serde_json::Result<Vec<(String, &RawValue)>> {
    struct Entries(Option<usize>);
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                if self.0.is_some_and(|limit| entries.len() >= limit) {
                    tallyfy_api::item_limit::mark_exceeded();
                    return Err(serde::de::Error::custom("more items than the limit"));
                }
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    serde_json::Deserializer::from_str(raw.get()).deserialize_map(Entries(limit))
}
