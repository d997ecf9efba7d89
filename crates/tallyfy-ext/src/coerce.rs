//! Schema-guided coercion: a `serde_json::Value` moved towards the JSON Schema that
//! schemars derives from a generated type, PHP's looser JSON read as what it means
//! (rules in `tolerant.rs`). It knows nothing of Tallyfy or of this crate's other
//! modules: a leaf, tested through `tolerant.rs`.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

mod item;
pub(crate) use item::{raw_object, raw_object_bounded};

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
    /// The keys the item's schema names, when it names any and keeps the others
    /// (`additionalProperties`): the others go to `extra` raw, never as a `Value`.
    pub(crate) named: Option<HashSet<String>>,
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
    /// asks), its items at `item_pointer` inside it (a body may be read with more
    /// than one pointer: each pair is cached on its own).
    pub(crate) fn of<B: schemars::JsonSchema + 'static>(item_pointer: &str) -> &'static Schemas {
        #[allow(clippy::type_complexity)]
        static CACHE: Mutex<Option<HashMap<(TypeId, String), &'static Schemas>>> = Mutex::new(None);
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get_or_insert_with(HashMap::new)
            .entry((TypeId::of::<B>(), item_pointer.to_owned()))
            .or_insert_with(|| {
                let root = schemars::schema_for!(B).to_value();
                let item = root
                    .pointer(item_pointer)
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                let mut schemas = Schemas {
                    root,
                    item,
                    named: None,
                };
                schemas.named = schemas.named_keys();
                Box::leak(Box::new(schemas))
            })
    }

    /// Every property name of the item's branches, if each branch lists its
    /// properties and admits others.
    fn named_keys(&self) -> Option<HashSet<String>> {
        let mut branches = Vec::new();
        self.branches(&self.item, &mut branches);
        let mut named = HashSet::new();
        for branch in branches {
            let open = branch
                .get("additionalProperties")
                .is_some_and(|a| a.as_bool() != Some(false));
            let properties = branch.get("properties")?.as_object()?;
            if !open {
                return None;
            }
            named.extend(properties.keys().cloned());
        }
        (!named.is_empty()).then_some(named)
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
