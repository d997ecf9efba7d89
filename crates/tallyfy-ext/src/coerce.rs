//! Schema-guided coercion: a `serde_json::Value` moved towards the JSON Schema that
//! schemars derives from a generated type, PHP's looser JSON read as what it means
//! (rules in `tolerant.rs`). It knows nothing of Tallyfy or of this crate's other
//! modules: a leaf, tested through `tolerant.rs`.

use serde::Deserializer as _;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use tallyfy_api::Extra;

/// PHP encodes a list with holes (`array_filter`) as `{"0": .., "2": ..}`.
pub(crate) fn php_list<K: AsRef<str>, V>(map: impl IntoIterator<Item = (K, V)>) -> Vec<V> {
    let mut entries: Vec<(Option<u64>, V)> = map
        .into_iter()
        .map(|(k, v)| (k.as_ref().parse().ok(), v))
        .collect();
    // Integer keys in numeric order; any other keys keep their place after them.
    entries.sort_by_key(|(k, _)| k.unwrap_or(u64::MAX));
    entries.into_iter().map(|(_, v)| v).collect()
}

/// The JSON Schema of a generated body type, as the generator derived it.
pub(crate) struct Schemas {
    /// The body (`MemberList`), with every referenced type under `$defs`.
    pub(crate) root: Value,
    /// The schema of one item (`{"$ref": "#/$defs/Member"}`).
    item: Value,
}

/// The JSON kinds a schema accepts.
#[derive(Default, Clone, Copy)]
struct Kinds {
    any: bool,
    null: bool,
    boolean: bool,
    integer: bool,
    number: bool,
    string: bool,
    array: bool,
    object: bool,
}

impl Kinds {
    fn accepts(&self, value: &Value) -> bool {
        self.any
            || match value {
                Value::Null => self.null,
                Value::Bool(_) => self.boolean,
                Value::Number(n) if n.is_i64() || n.is_u64() => self.integer || self.number,
                Value::Number(_) => self.number,
                Value::String(_) => self.string,
                Value::Array(_) => self.array,
                Value::Object(_) => self.object,
            }
    }

    fn add(&mut self, schema: &Value) {
        match schema {
            Value::Bool(true) => self.any = true,
            Value::Object(obj) => match obj.get("type") {
                Some(Value::String(t)) => self.add_type(t),
                Some(Value::Array(types)) => types
                    .iter()
                    .filter_map(Value::as_str)
                    .for_each(|t| self.add_type(t)),
                _ if obj.contains_key("properties") => self.object = true,
                _ => self.any = true,
            },
            _ => {}
        }
    }

    fn add_type(&mut self, t: &str) {
        match t {
            "null" => self.null = true,
            "boolean" => self.boolean = true,
            "integer" => self.integer = true,
            "number" => self.number = true,
            "string" => self.string = true,
            "array" => self.array = true,
            "object" => self.object = true,
            _ => self.any = true,
        }
    }
}

impl Schemas {
    /// The schemas of body type `B` (derived once, then cached: only the slow path
    /// asks), its items at `item_pointer` inside it.
    pub(crate) fn of<B: schemars::JsonSchema + 'static>(item_pointer: &str) -> &'static Schemas {
        static CACHE: Mutex<Option<HashMap<TypeId, &'static Schemas>>> = Mutex::new(None);
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get_or_insert_with(HashMap::new)
            .entry(TypeId::of::<B>())
            .or_insert_with(|| {
                let root = schemars::schema_for!(B).to_value();
                let item = root
                    .pointer(item_pointer)
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                Box::leak(Box::new(Schemas { root, item }))
            })
    }

    /// Types one item: coerce, decode, and if one key still refuses, keep that key
    /// raw in the item's `extra` map (when it has one) and type the rest. `Err`
    /// holds the raw item, as sent.
    ///
    /// The item is read key by key as raw JSON first: a value a `Value` cannot hold
    /// (`1e400`, `"\udfff"`, nesting past serde_json's limit) is kept raw in `extra`
    /// with its bytes, instead of costing the item or its page. The rest is copied
    /// once, into a `Value`, and decoded from it by reference.
    pub(crate) fn item<T: DeserializeOwned>(
        &self,
        raw: &RawValue,
        extra: fn(&mut T) -> Option<&mut Extra>,
    ) -> Result<T, (Box<RawValue>, String)> {
        let untyped = |why: String| (raw.to_owned(), why);
        let Ok(entries) = raw_object(raw) else {
            let why = match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => decode::<T>(&self.coerce(&self.item, value))
                    .err()
                    .unwrap_or_else(|| "not an object".to_owned()),
                Err(err) => err.to_string(),
            };
            return Err(untyped(why));
        };
        let (readable, unreadable) = readable(&entries);
        let mut coerced = self.coerce(&self.item, Value::Object(readable));
        let first = match decode::<T>(&coerced) {
            Ok(item) if unreadable.is_empty() => return Ok(item),
            Ok(_) => None,
            Err(err) => Some(err),
        };
        let Value::Object(fields) = &mut coerced else {
            return Err(untyped(first.unwrap_or_default()));
        };
        // Probe each key alone beside the item's id: the ones that fail are set aside.
        // (A bad id fails every probe; the item is then untyped, as it must be.)
        let mut refused = unreadable;
        if first.is_some() {
            let id = fields.get("id").cloned();
            for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != "id") {
                let mut probe = Map::new();
                if let Some(id) = &id {
                    probe.insert("id".to_owned(), id.clone());
                }
                probe.insert(key.clone(), value.clone());
                if decode::<T>(&Value::Object(probe)).is_err() {
                    refused.push(key.clone());
                }
            }
        }
        for key in &refused {
            fields.remove(key);
        }
        match decode::<T>(&coerced) {
            Ok(mut item) => {
                let Some(extra) = extra(&mut item) else {
                    // Nowhere to keep the refused keys: the item is kept raw instead.
                    let why = first.unwrap_or_else(|| "a value beyond JSON numbers".to_owned());
                    return Err(untyped(why));
                };
                for key in &refused {
                    if let Some((_, value)) = entries.iter().rev().find(|(k, _)| k == key) {
                        // A raw value always serialises: it is JSON text already.
                        if extra.insert(key, value).is_err() {
                            return Err(untyped(format!("key {key:?} could not be kept")));
                        }
                    }
                }
                Ok(item)
            }
            Err(err) => Err(untyped(err)),
        }
    }

    /// Follows `$ref`s and flattens unions into the concrete schemas they allow.
    fn branches<'a>(&'a self, schema: &'a Value, out: &mut Vec<&'a Value>) {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            if let Some(resolved) = target
                .strip_prefix('#')
                .and_then(|pointer| self.root.pointer(pointer))
            {
                self.branches(resolved, out);
            }
            return;
        }
        let mut union = false;
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(list) = schema.get(key).and_then(Value::as_array) {
                union = true;
                for branch in list {
                    self.branches(branch, out);
                }
            }
        }
        if !union || schema.get("type").is_some() {
            out.push(schema);
        }
    }

    /// Coerces `value` towards `schema`; values it cannot fix are returned as they are.
    pub(crate) fn coerce(&self, schema: &Value, value: Value) -> Value {
        let mut branches = Vec::new();
        self.branches(schema, &mut branches);
        let mut kinds = Kinds::default();
        for branch in &branches {
            kinds.add(branch);
        }
        if kinds.any {
            return value;
        }
        if kinds.accepts(&value) {
            return match value {
                Value::Object(map) => self.coerce_object(&branches, map),
                Value::Array(items) => self.coerce_array(&branches, items),
                other => other,
            };
        }
        self.convert(&branches, kinds, value)
    }

    /// A value of a kind the schema does not take: PHP's looser spellings.
    fn convert(&self, branches: &[&Value], kinds: Kinds, value: Value) -> Value {
        match value {
            Value::Array(items) if items.is_empty() && kinds.null => Value::Null,
            Value::Array(items) if items.is_empty() && kinds.object => {
                self.coerce_object(branches, Map::new())
            }
            Value::Object(map) if kinds.array => self.coerce_array(branches, php_list(map)),
            Value::Object(map) if map.is_empty() && kinds.null => Value::Null,
            Value::String(text) => {
                let trimmed = text.trim();
                if kinds.integer
                    && let Some(n) = parse_integer(trimmed)
                {
                    n
                } else if kinds.number
                    && let Some(n) = trimmed
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                {
                    Value::Number(n)
                } else if kinds.boolean
                    && let Some(b) = parse_bool(trimmed)
                {
                    Value::Bool(b)
                } else if trimmed.is_empty() && kinds.null {
                    Value::Null
                } else {
                    Value::String(text)
                }
            }
            Value::Number(n) => {
                let float = n.as_f64().unwrap_or(f64::NAN);
                if kinds.integer && float.fract() == 0.0 && float.abs() < 9.0e15 {
                    Value::from(float as i64)
                } else if kinds.boolean && (float == 0.0 || float == 1.0) {
                    Value::Bool(float == 1.0)
                } else if kinds.string {
                    Value::String(n.to_string())
                } else {
                    Value::Number(n)
                }
            }
            Value::Bool(b) if kinds.integer => Value::from(u8::from(b)),
            Value::Bool(b) if kinds.string => Value::String(b.to_string()),
            other => other,
        }
    }

    /// Coerces each known property by the first object branch that names it.
    fn coerce_object(&self, branches: &[&Value], map: Map<String, Value>) -> Value {
        let objects: Vec<&Map<String, Value>> = branches
            .iter()
            .filter_map(|b| b.as_object())
            .filter(|b| b.contains_key("properties") || b.contains_key("additionalProperties"))
            .collect();
        let property = |key: &str| {
            objects.iter().find_map(|b| {
                b.get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| b.get("additionalProperties").filter(|a| a.is_object()))
            })
        };
        map.into_iter()
            .map(|(key, value)| match property(&key) {
                Some(schema) => {
                    let value = self.coerce(schema, value);
                    (key, value)
                }
                None => (key, value),
            })
            .collect::<Map<_, _>>()
            .into()
    }

    /// Coerces each item by the first array branch's `items`; drops `null` items
    /// the schema does not allow.
    fn coerce_array(&self, branches: &[&Value], items: Vec<Value>) -> Value {
        let Some(schema) = branches.iter().find_map(|b| b.get("items")) else {
            return Value::Array(items);
        };
        let mut item_kinds = Kinds::default();
        let mut item_branches = Vec::new();
        self.branches(schema, &mut item_branches);
        for branch in &item_branches {
            item_kinds.add(branch);
        }
        items
            .into_iter()
            .filter(|item| !item.is_null() || item_kinds.null || item_kinds.any)
            .map(|item| self.coerce(schema, item))
            .collect::<Vec<_>>()
            .into()
    }
}

fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| e.to_string())
}

/// An object's keys with their values as raw JSON, in the order sent. `Err` when
/// `raw` is not an object or a key is not a string Rust can hold (a lone surrogate).
pub(crate) fn raw_object(raw: &RawValue) -> serde_json::Result<Vec<(String, &RawValue)>> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    serde_json::Deserializer::from_str(raw.get()).deserialize_map(Entries)
}

/// The entries a `Value` can hold, as a map (a repeated key: the last one), and the
/// keys of those it cannot.
fn readable(entries: &[(String, &RawValue)]) -> (Map<String, Value>, Vec<String>) {
    let mut map = Map::new();
    let mut unreadable = Vec::new();
    for (key, value) in entries {
        match serde_json::from_str(value.get()) {
            Ok(value) => {
                map.insert(key.clone(), value);
            }
            Err(_) => unreadable.push(key.clone()),
        }
    }
    (map, unreadable)
}

fn parse_integer(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    text.parse::<i64>()
        .map(Value::from)
        .or_else(|_| text.parse::<u64>().map(Value::from))
        .ok()
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}
