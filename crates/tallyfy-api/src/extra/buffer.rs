//! The buffer behind an [`Extra`]: unknown keys and their values as one JSON
//! object's text, written while a response is decoded (each value copied byte for
//! byte: numbers and escapes as sent) and read back entry by entry.

use super::Extra;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Reads a whole object as unknown keys (`Extra` on its own, e.g. `from_value`).
pub(super) struct ExtraVisitor;

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
pub(super) struct EntriesVisitor;

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

/// Writes `entries` as one JSON object (or nothing when there are none).
pub(super) fn write_object<'a>(
    entries: impl IntoIterator<Item = (Cow<'a, str>, &'a RawValue)>,
) -> String {
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
