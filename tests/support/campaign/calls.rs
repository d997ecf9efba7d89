//! What the SDK reports about each call, read from its tracing spans.
//!
//! One `tallyfy.call` span per call records, when the
//! call ends, its status or `error.type` and `http.request.resend_count` (attempts
//! beyond the first); one `tallyfy.attempt` span per attempt is its child. The
//! campaign cross-checks these against what the fake saw arrive.

use std::sync::{Arc, Mutex, PoisonError};
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// One call as its span reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSpan {
    /// `tallyfy.call`.
    pub name: &'static str,
    /// `tallyfy.page` (list calls).
    pub page: Option<u64>,
    /// `tallyfy.user_id` (get-member calls).
    pub user_id: Option<u64>,
    /// `http.request.resend_count`, recorded when the call ends after a retry.
    pub resend_count: Option<u64>,
    /// `http.response.status_code` of the last response.
    pub status: Option<u64>,
    /// `error.type`, recorded when the call fails.
    pub error_type: Option<String>,
    /// `tallyfy.attempt` child spans opened.
    pub attempts_started: u64,
}

impl CallSpan {
    /// The call ended (rather than being dropped while in flight).
    pub fn finished(&self) -> bool {
        self.status.is_some() || self.error_type.is_some()
    }

    /// Attempts the SDK says the call made.
    pub fn attempts(&self) -> u64 {
        self.resend_count.unwrap_or(0) + 1
    }
}

struct Fields<'a>(&'a mut CallSpan);

impl Visit for Fields<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "tallyfy.page" => self.0.page = Some(value),
            "tallyfy.user_id" => self.0.user_id = Some(value),
            "http.request.resend_count" => self.0.resend_count = Some(value),
            "http.response.status_code" => self.0.status = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "error.type" {
            self.0.error_type = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A tracing layer that keeps every closed call span.
#[derive(Debug, Clone, Default)]
pub struct Calls(Arc<Mutex<Vec<CallSpan>>>);

impl Calls {
    /// The call spans closed since the last `take`.
    pub fn take(&self) -> Vec<CallSpan> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Calls {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        let Some(span) = ctx.span(id) else { return };
        if name == "tallyfy.attempt" {
            if let Some(parent) = span.parent()
                && let Some(call) = parent.extensions_mut().get_mut::<CallSpan>()
            {
                call.attempts_started += 1;
            }
            return;
        }
        if name != "tallyfy.call" {
            return;
        }
        let mut call = CallSpan {
            name,
            ..CallSpan::default()
        };
        attrs.record(&mut Fields(&mut call));
        span.extensions_mut().insert(call);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(call) = span.extensions_mut().get_mut::<CallSpan>()
        {
            values.record(&mut Fields(call));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(call) = span.extensions_mut().remove::<CallSpan>()
        {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(call);
        }
    }
}
