//! Copied into the scratch workspace by tests/regeneration.rs as the probe's own test
//! binary (the walk of the new paged `list_guests`, then a call of the new `get_guest`): a global subscriber is installed once, before any span exists, so the
//! callsite interest of tallyfy-ext's spans cannot be cached as "never" by another test.

use futures::TryStreamExt;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tallyfy_ext::Client;
use tallyfy_ext::tallyfy_api::calls::GetGuest;
use tallyfy_ext::tallyfy_api::paged::ListGuests;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every span opened: its name and its `tallyfy.operation` and `url.path` fields.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(String, String, String)>>>);

#[derive(Default)]
struct Fields {
    operation: String,
    path: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "tallyfy.operation" => self.operation = value.to_owned(),
            "url.path" => self.path = value.to_owned(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, format!("{value:?}").trim_matches('"'));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().push((name, fields.operation, fields.path));
    }
}

#[tokio::test]
async fn a_new_operation_names_its_walk_and_call_spans() {
    let spans = Spans::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(spans.clone()))
        .unwrap();
    let server = MockServer::start().await;
    let org = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{org}/guests")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "g1"}],
            "meta": {"pagination": {"total": 1, "count": 1, "per_page": 10,
                "current_page": 1, "total_pages": 1, "links": []}}})))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/api", server.uri()))
        .access_token("token")
        .org_id(org)
        .build()
        .unwrap();
    let guests: Vec<_> = client.list::<ListGuests>().items().try_collect().await.unwrap();
    assert_eq!(guests.len(), 1);
    let seen = spans.0.lock().unwrap().clone();
    let of = |name: &str| seen.iter().filter(|s| s.0 == name).cloned().collect::<Vec<_>>();
    let guests_path = "/organizations/{org_id}/guests".to_owned();
    assert_eq!(of("tallyfy.walk"), [("tallyfy.walk".into(), "list_guests".into(), String::new())], "{seen:?}");
    assert_eq!(of("tallyfy.call"), [("tallyfy.call".into(), "list_guests".into(), guests_path)], "{seen:?}");
    assert_eq!(of("tallyfy.attempt").len(), 1, "{seen:?}");

    // A new operation that does not page has its call span too, named from the table.
    Mock::given(method("GET"))
        .and(path(format!("/api/organizations/{org}/guests/g1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "g1"}})))
        .mount(&server)
        .await;
    spans.0.lock().unwrap().clear();
    let guest = client.call::<GetGuest>().customize(|b| b.guest_id("g1")).send().await.unwrap();
    assert_eq!(guest.data.id.as_deref(), Some("g1"));
    let seen = spans.0.lock().unwrap().clone();
    let of = |name: &str| seen.iter().filter(|s| s.0 == name).cloned().collect::<Vec<_>>();
    let guest_path = "/organizations/{org_id}/guests/{guest_id}".to_owned();
    assert_eq!(of("tallyfy.call"), [("tallyfy.call".into(), "get_guest".into(), guest_path)], "{seen:?}");
    assert_eq!(of("tallyfy.attempt").len(), 1, "{seen:?}");
}
