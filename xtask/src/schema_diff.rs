//! Compares two resolved JSON Schemas (OpenAPI 3.0 flavour) from a client's side.
//!
//! One rule for request and response data alike: whatever accepts fewer values
//! than before (a narrower type, a new constraint, a field made required or
//! non-nullable, a removed field or `oneOf` alternative) is major; whatever accepts
//! more (a looser constraint, a new optional field, a new alternative) is minor.
//! For responses "accepts" means the SDK's decoder, for requests the server. A
//! looser response type can still change a Rust type (`T` to `Option<T>`); the
//! Rust-level check reports that.
//!
//! Schemas are compared after resolving `$ref` and folding `allOf: [$ref]` with
//! its siblings (`nullable`, `description`), so renaming a component or wrapping a
//! reference to make it nullable is judged by the shape, not the spelling.

pub use crate::schema_resolve::lookup;
use crate::schema_resolve::{
    Alternative, Extra, alternatives, extra_keys, kind, number, properties, required, resolve, show,
};
use crate::verdict::{Changes, Verdict};
use serde_json::{Map, Value};

/// An untyped schema with no alternatives, `enum` or `not` (`{}`, a bare
/// description) admits null in OpenAPI 3.0.3 already; `nullable` there adds nothing.
fn admits_null_untyped(m: &Map<String, Value>) -> bool {
    kind(m) == "any"
        && alternatives(m).is_none()
        && !m.contains_key("enum")
        && !m.contains_key("not")
}

/// Compares schemas of two documents, recording reasons in `out`.
pub struct SchemaDiff<'a> {
    old_doc: &'a Value,
    new_doc: &'a Value,
    out: &'a mut Changes,
    /// Component pairs being compared, to stop on recursive schemas.
    stack: Vec<(String, String)>,
}

impl<'a> SchemaDiff<'a> {
    /// A comparer of schemas found in `old_doc` and `new_doc`.
    pub fn new(old_doc: &'a Value, new_doc: &'a Value, out: &'a mut Changes) -> Self {
        Self {
            old_doc,
            new_doc,
            out,
            stack: Vec::new(),
        }
    }

    /// Compares `old` with `new`; `at` names the place in reasons.
    pub fn compare(&mut self, old: &Value, new: &Value, at: &str) {
        let old = resolve(self.old_doc, old);
        let new = resolve(self.new_doc, new);
        // Inside a named component, name reasons after it: a schema shared by
        // two operations is then reported once.
        let at = match (&old.name, &new.name) {
            (_, Some(name)) | (Some(name), None) => name.clone(),
            _ => at.to_owned(),
        };
        if let (Some(o), Some(n)) = (&old.name, &new.name) {
            let pair = (o.clone(), n.clone());
            if self.stack.contains(&pair) {
                return;
            }
            self.stack.push(pair);
            self.compare_resolved(&old.map, &new.map, &at);
            self.stack.pop();
        } else {
            self.compare_resolved(&old.map, &new.map, &at);
        }
    }

    fn push(&mut self, level: Verdict, at: &str, what: impl AsRef<str>) {
        self.out.push(level, format!("{at}: {}", what.as_ref()));
    }

    fn compare_resolved(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, at: &str) {
        let nullable = |m: &Map<String, Value>| {
            m.get("nullable") == Some(&Value::Bool(true)) || admits_null_untyped(m)
        };
        match (nullable(old), nullable(new)) {
            (true, false) => self.push(Verdict::Major, at, "made non-nullable"),
            (false, true) => self.push(Verdict::Minor, at, "made nullable"),
            _ => {}
        }
        let (old_alts, new_alts) = (alternatives(old), alternatives(new));
        if old_alts.is_some() || new_alts.is_some() {
            return self.compare_alternatives(old, new, at);
        }
        let (old_kind, new_kind) = (kind(old), kind(new));
        if old_kind != new_kind {
            let (level, how) = match (old_kind, new_kind) {
                ("any", _) => (Verdict::Major, "narrowed"),
                (_, "any") => (Verdict::Minor, "widened"),
                ("integer", "number") => (Verdict::Minor, "widened"),
                _ => (Verdict::Major, "changed"),
            };
            return self.push(
                level,
                at,
                format!("type {how} from {old_kind} to {new_kind}"),
            );
        }
        self.compare_constraints(old, new, at);
        match new_kind {
            "object" => self.compare_objects(old, new, at),
            "array" => {
                let none = Value::Object(Map::new());
                let items =
                    |m: &Map<String, Value>| m.get("items").cloned().unwrap_or(none.clone());
                self.compare(&items(old), &items(new), &format!("{at}[]"));
            }
            _ => {}
        }
    }

    fn compare_objects(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, at: &str) {
        let (old_props, new_props) = (properties(old), properties(new));
        let (old_req, new_req) = (required(old), required(new));
        for (name, old_schema) in &old_props {
            let field = format!("{at}.{name}");
            let Some(new_schema) = new_props.get(name) else {
                self.push(Verdict::Major, &field, "field removed (or renamed)");
                continue;
            };
            match (old_req.contains(name), new_req.contains(name)) {
                (false, true) => self.push(Verdict::Major, &field, "made required"),
                (true, false) => self.push(Verdict::Minor, &field, "made optional"),
                _ => {}
            }
            self.compare(old_schema, new_schema, &field);
        }
        for name in new_props.keys().filter(|n| !old_props.contains_key(*n)) {
            let field = format!("{at}.{name}");
            if new_req.contains(name) {
                self.push(Verdict::Major, &field, "required field added");
            } else {
                self.push(Verdict::Minor, &field, "optional field added");
            }
        }
        // A key required without a property of that name is still a constraint.
        for name in new_req
            .iter()
            .filter(|n| !old_req.contains(n) && !new_props.contains_key(*n))
        {
            self.push(Verdict::Major, &format!("{at}.{name}"), "key made required");
        }
        match (extra_keys(old), extra_keys(new)) {
            (Extra::Any, Extra::None) | (Extra::Typed(_), Extra::None) => {
                self.push(Verdict::Major, at, "extra keys no longer allowed")
            }
            (Extra::None, Extra::Any) | (Extra::None, Extra::Typed(_)) => {
                self.push(Verdict::Minor, at, "extra keys now allowed")
            }
            (Extra::Any, Extra::Typed(_)) => {
                self.push(Verdict::Major, at, "extra keys given a type")
            }
            (Extra::Typed(_), Extra::Any) => self.push(Verdict::Minor, at, "extra keys untyped"),
            (Extra::Typed(o), Extra::Typed(n)) => self.compare(&o, &n, &format!("{at}.*")),
            _ => {}
        }
    }

    /// `oneOf`/`anyOf`: alternatives are matched by component name first, then
    /// the rest by kind, so renaming a component is not a removal.
    fn compare_alternatives(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        at: &str,
    ) {
        let list = |doc: &Value, m: &Map<String, Value>| -> Vec<Alternative> {
            let alts = match alternatives(m) {
                Some(alts) => alts.clone(),
                // A plain schema is a one-alternative union of itself.
                None => {
                    let mut plain = m.clone();
                    plain.remove("nullable");
                    vec![Value::Object(plain)]
                }
            };
            alts.into_iter()
                .map(|schema| {
                    let resolved = resolve(doc, &schema);
                    let kind = kind(&resolved.map).to_owned();
                    Alternative {
                        name: resolved.name,
                        kind,
                        schema,
                    }
                })
                .collect()
        };
        let mut old_list = list(self.old_doc, old);
        let mut new_list = list(self.new_doc, new);
        let mut pairs = Vec::new();
        for by_name in [true, false] {
            old_list.retain(|o| {
                let matches = |n: &Alternative| {
                    if by_name {
                        o.name.is_some() && n.name == o.name
                    } else {
                        n.kind == o.kind
                    }
                };
                match new_list.iter().position(matches) {
                    Some(i) => {
                        pairs.push((o.clone(), new_list.remove(i)));
                        false
                    }
                    None => true,
                }
            });
        }
        for (o, n) in pairs {
            self.compare(&o.schema, &n.schema, &format!("{at} ({})", n.label()));
        }
        for o in old_list {
            self.push(
                Verdict::Major,
                at,
                format!("alternative {} removed", o.label()),
            );
        }
        for n in new_list {
            self.push(
                Verdict::Minor,
                at,
                format!("alternative {} added", n.label()),
            );
        }
    }

    fn compare_constraints(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        at: &str,
    ) {
        // (key, true when a larger value accepts more)
        for (key, larger_is_looser) in [
            ("minimum", false),
            ("maximum", true),
            ("exclusiveMinimum", false),
            ("exclusiveMaximum", false),
            ("minLength", false),
            ("maxLength", true),
            ("minItems", false),
            ("maxItems", true),
            ("minProperties", false),
            ("maxProperties", true),
            ("multipleOf", false),
            ("uniqueItems", false),
        ] {
            let (o, n) = (old.get(key), new.get(key));
            let level = match (o, n) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => continue,
                (None, Some(_)) => Verdict::Major,
                (Some(_), None) => Verdict::Minor,
                (Some(a), Some(b)) => match (number(a), number(b)) {
                    (Some(a), Some(b)) if (b > a) == larger_is_looser => Verdict::Minor,
                    _ => Verdict::Major,
                },
            };
            let how = if level == Verdict::Major {
                "tightened"
            } else {
                "loosened"
            };
            self.push(
                level,
                at,
                format!("{key} {how} ({} -> {})", show(o), show(n)),
            );
        }
        for key in ["pattern", "format"] {
            let (o, n) = (old.get(key), new.get(key));
            let level = match (o, n) {
                _ if o == n => continue,
                (Some(a), Some(b)) if key == "format" && a == "int32" && b == "int64" => {
                    Verdict::Minor
                }
                (Some(_), None) => Verdict::Minor,
                _ => Verdict::Major,
            };
            self.push(
                level,
                at,
                format!("{key} changed ({} -> {})", show(o), show(n)),
            );
        }
        let values = |m: &Map<String, Value>| m.get("enum").and_then(Value::as_array).cloned();
        match (values(old), values(new)) {
            (None, Some(_)) => self.push(Verdict::Major, at, "closed to an enum"),
            (Some(_), None) => self.push(Verdict::Minor, at, "enum opened"),
            (Some(o), Some(n)) => {
                for v in o.iter().filter(|v| !n.contains(v)) {
                    self.push(Verdict::Major, at, format!("enum value {v} removed"));
                }
                for v in n.iter().filter(|v| !o.contains(v)) {
                    self.push(Verdict::Minor, at, format!("enum value {v} added"));
                }
            }
            (None, None) => {}
        }
        // Keys this comparison does not model: adding one restricts, dropping one relaxes.
        for key in ["not", "discriminator"] {
            match (old.get(key), new.get(key)) {
                (a, b) if a == b => {}
                (Some(_), None) => self.push(Verdict::Minor, at, format!("`{key}` removed")),
                _ => self.push(Verdict::Major, at, format!("`{key}` added or changed")),
            }
        }
    }
}
