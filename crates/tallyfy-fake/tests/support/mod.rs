//! Shared setup: start a fake, talk to it like a client would.
#![allow(dead_code)] // each test binary uses a different part of this module

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tallyfy_fake::{FakeTallyfy, FakeTallyfyBuilder, RunningFake};

/// Starts the fake the builder describes.
pub async fn start(builder: FakeTallyfyBuilder) -> RunningFake {
    builder
        .start()
        .await
        .expect("the fake binds a loopback port")
}

/// Starts a fake with `members` members and every other default.
pub async fn fake_with(members: usize) -> RunningFake {
    start(FakeTallyfy::builder().members(members)).await
}

/// A client with a short timeout, so a hung test fails fast.
pub fn client() -> Client {
    Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("a plain HTTP client builds")
}

/// The list URL of the fake's own organization.
pub fn users_url(fake: &RunningFake) -> String {
    format!("{}/organizations/{}/users", fake.base_url(), fake.org())
}

/// Sends an authenticated GET, as Tallyfy's CLI does.
pub async fn get(fake: &RunningFake, url: &str) -> reqwest::Result<Response> {
    client()
        .get(url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "APIClient")
        .header("Accept", "application/json")
        .send()
        .await
}

/// Sends an authenticated GET and decodes the JSON body.
pub async fn get_json(fake: &RunningFake, url: &str) -> (StatusCode, Value) {
    let response = get(fake, url).await.expect("the fake answers");
    let status = response.status();
    let body = response.json().await.expect("the body is JSON");
    (status, body)
}

/// Lists members with the given query string (without `?`).
pub async fn list(fake: &RunningFake, query: &str) -> (StatusCode, Value) {
    get_json(fake, &format!("{}?{query}", users_url(fake))).await
}

/// The ids in a list body's `data`.
pub fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .map(|m| m["id"].as_i64().expect("id is an integer"))
        .collect()
}
