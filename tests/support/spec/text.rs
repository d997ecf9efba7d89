//! Non-JSON response bodies (HTML error pages, empty bodies) against the media
//! types the spec declares beside `application/json`.

use super::{Spec, convert, essence, is_json, run};
use serde_json::{Value, json};

impl Spec {
    /// Validates a body that is not JSON, as text, against the schema the response
    /// for `status` declares for its `media_type` (parameters such as `charset`
    /// ignored). An empty body without a content type (`media_type` `None`) must be
    /// admitted by the schema of some non-JSON media type of the response.
    ///
    /// # Errors
    /// If the response declares no such media type, or its schema refuses the text.
    pub fn validate_text_response(
        &self,
        operation_id: &str,
        status: u16,
        media_type: Option<&str>,
        text: &str,
    ) -> Result<(), Vec<String>> {
        let key = self.response_key(operation_id, status)?;
        let (_, _, response, _) = self
            .responses_in_document()
            .map_err(|e| vec![e])?
            .into_iter()
            .find(|(op, k, _, _)| op == operation_id && *k == key)
            .ok_or_else(|| vec![format!("{operation_id} declares no response {key}")])?;
        let wanted = media_type.map(essence);
        let candidates: Vec<(&String, &Value)> = response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(declared, _)| match wanted {
                Some(wanted) => essence(declared) == wanted,
                None => !is_json(declared),
            })
            .collect();
        let what = wanted.unwrap_or("an empty body without content type");
        if candidates.is_empty() {
            return Err(vec![format!("{operation_id} {key} declares no {what}")]);
        }
        let mut errors = Vec::new();
        for (declared, media) in candidates {
            let schema = media.get("schema").cloned().unwrap_or(json!({}));
            let context = format!("{operation_id} {key} {declared}");
            let validator = convert(&schema, &context)
                .and_then(|converted| self.compile(&converted, &context))
                .map_err(|e| vec![e])?;
            match run(&validator, &Value::String(text.to_owned())) {
                Ok(()) => return Ok(()),
                Err(more) => errors.extend(more.into_iter().map(|e| format!("{declared}: {e}"))),
            }
        }
        Err(errors)
    }
}
