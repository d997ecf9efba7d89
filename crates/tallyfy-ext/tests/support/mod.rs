//! Shared set-up for tallyfy-ext's integration tests: a loopback mock server and
//! Tallyfy-shaped bodies.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::time::Duration;
use tallyfy_ext::{Client, RetryPolicy};
use wiremock::{MockServer, Request, ResponseTemplate};

pub const ORG: &str = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";
pub const TOKEN: &str = "tok-TOPSECRET-4242";

/// A client for `server`, with fast retries so failure tests take milliseconds.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("valid test client")
}

pub fn builder(server: &MockServer) -> tallyfy_ext::ClientBuilder {
    Client::builder()
        .access_token(TOKEN)
        .org_id(ORG)
        .base_url(format!("{}/api", server.uri()))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(4)),
        )
}

pub fn users_path() -> String {
    format!("/api/organizations/{ORG}/users")
}

pub fn member(id: i64) -> Value {
    json!({
        "id": id,
        "email": format!("user{id}@example.com"),
        "username": if id % 3 == 0 { Value::Null } else { json!(format!("user{id}")) },
        "first_name": "User",
        "last_name": format!("No{id}"),
        "status": if id % 3 == 0 { "invited" } else { "active" },
        "role": "standard",
        "created_at": "2024-06-01T08:00:00Z",
    })
}

/// A Fractal list page of members `ids`, with `links` as Tallyfy sends them.
pub fn page_body(
    ids: impl IntoIterator<Item = i64>,
    page: u64,
    per_page: u64,
    total: u64,
) -> Value {
    let data: Vec<Value> = ids.into_iter().map(member).collect();
    let total_pages = total.div_ceil(per_page).max(1);
    let mut links = serde_json::Map::new();
    if page > 1 {
        links.insert(
            "previous".into(),
            json!(format!("https://x.example/users?page={}", page - 1)),
        );
    }
    if page < total_pages {
        links.insert(
            "next".into(),
            json!(format!("https://x.example/users?page={}", page + 1)),
        );
    }
    json!({
        "data": data,
        "meta": {"pagination": {
            "total": total, "count": data.len(), "per_page": per_page,
            "current_page": page, "total_pages": total_pages,
            "links": if links.is_empty() { json!([]) } else { Value::Object(links) },
        }},
    })
}

/// The `page` query parameter of a request (1 when absent).
pub fn page_of(request: &Request) -> u64 {
    query(request, "page").map_or(1, |p| p.parse().expect("numeric page"))
}

pub fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Serves an organization of `total` members (ids 1..=total) in pages of `per_page`.
pub fn paged_org(
    total: u64,
    per_page: u64,
) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |request: &Request| {
        let page = page_of(request);
        let first = (page - 1) * per_page + 1;
        let last = (page * per_page).min(total);
        let ids = (first..=last).map(|id| id as i64);
        ResponseTemplate::new(200).set_body_json(page_body(ids, page, per_page, total))
    }
}
