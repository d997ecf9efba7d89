//! Validate JSON bodies against `openapi/tallyfy.yaml`.
//!
//! The spec is OpenAPI 3.0, whose schema dialect is not JSON Schema. [`Spec`]
//! converts every schema to JSON Schema draft 2020-12 once, at load time:
//!
//! - `nullable: true` adds `"null"` to the `type` beside it, as OpenAPI 3.0.3
//!   defines it, and does nothing else: without `type` it is dropped (an untyped
//!   schema admits null unless its other keywords forbid it), it does not reach
//!   into `allOf`/`anyOf`/`oneOf` or through a `$ref`, and an `enum` admits null
//!   only if it lists it. "X or null" is `anyOf: [X, {enum: [null]}]`.
//! - `#/components/schemas/X` becomes `#/$defs/X`; every component schema sits in
//!   the `$defs` of each root document, so refs resolve locally. OpenAPI 3.0
//!   ignores the siblings of a `$ref`, so they are dropped, `nullable` included.
//! - OpenAPI-only keywords are dropped: `nullable`, `example`, `examples`, `xml`,
//!   `discriminator`, `externalDocs`, `deprecated`, `readOnly`, `writeOnly` and
//!   every `x-*` extension.
//! - The 3.0 boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the numeric
//!   2020-12 form.
//! - `oneOf` stays `oneOf`: exactly one branch must match, as OpenAPI says. Note
//!   that serde's untagged enums take the *first* branch that decodes, so a body
//!   can decode yet fail `oneOf` when two permissive branches both match.
//!
//! `format` is kept as an annotation and not checked (`int64`, `int32` and the
//! like are not JSON Schema formats).
//!
//! ```no_run
//! use tallyfy_tests::spec::Spec;
//! let spec = Spec::load();
//! let body = serde_json::json!({"data": {"id": 1}});
//! spec.validate_response("get_member", 200, &body).unwrap();
//! spec.validate_schema("Member", &body["data"]).unwrap();
//! ```

mod convert;
mod text;

pub use convert::{OPENAPI_ONLY_KEYWORDS, convert};
use jsonschema::Validator;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The JSON Schema dialect the converted schemas declare.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One example body found in the spec, for a response of one operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// JSON pointer into the spec where the example sits, e.g.
    /// `/components/responses/Unauthorized/content/application~1json/examples/unauthenticated`.
    pub location: String,
    /// The `operationId` of the operation whose response this example belongs to.
    pub operation_id: String,
    /// The response key as written in the spec: `"200"`, `"404"`, `"5XX"`, `"default"`.
    pub status: String,
    /// The example body.
    pub value: Value,
}

/// The parsed spec with one compiled validator per component schema and per
/// operation response.
pub struct Spec {
    document: Value,
    defs: Map<String, Value>,
    schemas: BTreeMap<String, Validator>,
    responses: BTreeMap<(String, String), Validator>,
    declared: BTreeSet<(String, String)>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("schemas", &self.schemas.keys().collect::<Vec<_>>())
            .field("responses", &self.responses.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Spec {
    /// The path of the workspace's spec, `openapi/tallyfy.yaml`.
    pub fn path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/tallyfy.yaml")
    }

    /// Loads and compiles the workspace's spec.
    ///
    /// # Panics
    /// If the file cannot be read or [`Spec::from_yaml`] fails: a broken spec is a
    /// test failure, and the message says what is wrong.
    pub fn load() -> Spec {
        let path = Self::path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Self::from_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Parses an OpenAPI 3.0 document given as YAML (or JSON) text.
    ///
    /// # Errors
    /// If the text is not YAML or [`Spec::from_document`] fails.
    pub fn from_yaml(text: &str) -> Result<Spec, String> {
        let document: Value =
            serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
        Self::from_document(document)
    }

    /// Converts and compiles every component schema and every operation response
    /// schema of an OpenAPI 3.0 document.
    ///
    /// # Errors
    /// On a `$ref` that does not resolve, a schema that is not valid JSON Schema
    /// after conversion, or an operation without `operationId`.
    pub fn from_document(document: Value) -> Result<Spec, String> {
        let mut defs = Map::new();
        if let Some(schemas) = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                let converted = convert(schema, &format!("components/schemas/{name}"))?;
                defs.insert(name.clone(), converted);
            }
        }
        let mut spec = Spec {
            document,
            defs,
            schemas: BTreeMap::new(),
            responses: BTreeMap::new(),
            declared: BTreeSet::new(),
        };
        for name in spec.defs.keys() {
            let target = json!({ "$ref": format!("#/$defs/{}", escape(name)) });
            let validator = spec.compile(&target, &format!("schema {name}"))?;
            spec.schemas.insert(name.clone(), validator);
        }
        let mut compiled = Vec::new();
        let mut declared = BTreeSet::new();
        for (operation_id, status, response, _) in spec.responses_in_document()? {
            let key = (operation_id, status);
            if let Some(schema) = json_media(response).and_then(|media| media.get("schema")) {
                let context = format!("{} {}", key.0, key.1);
                let validator = spec.compile(&convert(schema, &context)?, &context)?;
                compiled.push((key.clone(), validator));
            }
            declared.insert(key);
        }
        spec.responses.extend(compiled);
        spec.declared = declared;
        Ok(spec)
    }

    /// The raw spec, as JSON.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Names of the component schemas, sorted.
    pub fn schema_names(&self) -> Vec<&str> {
        self.schemas.keys().map(String::as_str).collect()
    }

    /// A standalone JSON Schema document for the component schema `name` (with
    /// all `$defs`), or `None` if the spec has no such schema.
    pub fn json_schema(&self, name: &str) -> Option<Value> {
        self.defs
            .contains_key(name)
            .then(|| self.root_document(&json!({ "$ref": format!("#/$defs/{}", escape(name)) })))
    }

    /// Validates `value` against the component schema `name` (`components/schemas/name`).
    ///
    /// # Errors
    /// One line per violation, `<instance path>: <message> (schema <schema path>)`,
    /// or a single line if the spec has no such schema.
    pub fn validate_schema(&self, name: &str, value: &Value) -> Result<(), Vec<String>> {
        let validator = self
            .schemas
            .get(name)
            .ok_or_else(|| vec![format!("the spec has no schema {name:?}")])?;
        run(validator, value)
    }

    /// Validates a response body of operation `operation_id` with HTTP `status`.
    ///
    /// The response is looked up as the exact status (`"404"`), then its range
    /// (`"4XX"`), then `"default"`.
    ///
    /// # Errors
    /// The violations, or a single line if no response matches or the matching
    /// response declares no JSON body.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        value: &Value,
    ) -> Result<(), Vec<String>> {
        let key = self.response_key(operation_id, status)?;
        self.validate_response_key(operation_id, &key, value)
    }

    fn response_key(&self, operation_id: &str, status: u16) -> Result<String, Vec<String>> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        [exact, range, "default".to_owned()]
            .into_iter()
            .find(|key| self.has_response(operation_id, key))
            .ok_or_else(|| vec![format!("{operation_id} declares no response for {status}")])
    }

    /// Validates a response body against the response stored under `key`
    /// (`"200"`, `"5XX"`, `"default"`) in operation `operation_id`, without fallback.
    ///
    /// # Errors
    /// As [`Spec::validate_response`].
    pub fn validate_response_key(
        &self,
        operation_id: &str,
        key: &str,
        value: &Value,
    ) -> Result<(), Vec<String>> {
        match self
            .responses
            .get(&(operation_id.to_owned(), key.to_owned()))
        {
            Some(validator) => run(validator, value),
            None if self.has_response(operation_id, key) => Err(vec![format!(
                "{operation_id} {key} declares no application/json body"
            )]),
            None => Err(vec![format!("{operation_id} declares no response {key:?}")]),
        }
    }

    /// Every response example in the spec: for each operation and response key,
    /// the `example` and each `examples.*.value` of its `application/json` media,
    /// following `$ref`s into `components/responses` (such examples are listed once
    /// per operation that references them, with their location in `components`).
    pub fn examples(&self) -> Vec<Example> {
        let responses = self
            .responses_in_document()
            .expect("responses were resolved when the spec was loaded");
        let mut out = Vec::new();
        for (operation_id, status, response, location) in responses {
            let Some((media_type, media)) = media_with_type(response) else {
                continue;
            };
            let base = format!("{location}/content/{}", escape(media_type));
            if let Some(value) = media.get("example") {
                out.push(example(
                    &format!("{base}/example"),
                    &operation_id,
                    &status,
                    value,
                ));
            }
            for (name, entry) in media
                .get("examples")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(value) = entry.get("value") {
                    let at = format!("{base}/examples/{}", escape(name));
                    out.push(example(&at, &operation_id, &status, value));
                }
            }
        }
        out
    }

    fn has_response(&self, operation_id: &str, key: &str) -> bool {
        self.declared
            .contains(&(operation_id.to_owned(), key.to_owned()))
    }

    /// `(operationId, response key, resolved response object, its JSON pointer)`.
    fn responses_in_document(&self) -> Result<Vec<(String, String, &Value, String)>, String> {
        let mut out = Vec::new();
        let paths = self.document.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            for method in HTTP_METHODS {
                let Some(operation) = item.get(*method) else {
                    continue;
                };
                let operation_id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {path} has no operationId"))?;
                let responses = operation.get("responses").and_then(Value::as_object);
                for (key, response) in responses.into_iter().flatten() {
                    let mut location =
                        format!("/paths/{}/{method}/responses/{}", escape(path), escape(key));
                    let mut resolved = response;
                    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
                        let pointer = reference.strip_prefix('#').unwrap_or(reference);
                        resolved = self.document.pointer(pointer).ok_or_else(|| {
                            format!("{operation_id} {key}: unresolved $ref {reference}")
                        })?;
                        location = pointer.to_owned();
                    }
                    out.push((operation_id.to_owned(), key.clone(), resolved, location));
                }
            }
        }
        Ok(out)
    }

    fn root_document(&self, target: &Value) -> Value {
        let mut root = Map::new();
        root.insert("$schema".into(), DIALECT.into());
        root.insert("$defs".into(), Value::Object(self.defs.clone()));
        match target {
            Value::Object(fields) => root.extend(fields.clone()),
            other => {
                root.insert("allOf".into(), json!([other]));
            }
        }
        Value::Object(root)
    }

    fn compile(&self, target: &Value, context: &str) -> Result<Validator, String> {
        let root = self.root_document(target);
        jsonschema::draft202012::new(&root).map_err(|e| format!("{context}: {e}"))
    }
}

fn run(validator: &Validator, value: &Value) -> Result<(), Vec<String>> {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().as_str();
            let at = if at.is_empty() { "/" } else { at };
            format!("{at}: {e} (schema {})", e.schema_path())
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn media_with_type(response: &Value) -> Option<(&str, &Value)> {
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
        .map(|(media_type, media)| (media_type.as_str(), media))
}

/// A media type without its parameters: `text/html; charset=UTF-8` -> `text/html`.
fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or("").trim()
}

fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

fn json_media(response: &Value) -> Option<&Value> {
    media_with_type(response).map(|(_, media)| media)
}

fn example(location: &str, operation_id: &str, status: &str, value: &Value) -> Example {
    Example {
        location: location.to_owned(),
        operation_id: operation_id.to_owned(),
        status: status.to_owned(),
        value: value.clone(),
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
