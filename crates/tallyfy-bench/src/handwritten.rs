//! The baseline: what a user would write by hand with reqwest and serde_json.
//!
//! [`HandMember`] has the same fields as the generated `tallyfy_api::types::Member`
//! (every one optional, `#[serde(default)]`; the three includes, absent unless asked
//! for with `with=`, as raw JSON), [`HandList`] the list envelope down to
//! `meta.pagination`. [`walk`] pages with the same `per_page`, the same headers and
//! the same stop rule as the SDK (`current_page >= total_pages`), and nothing else:
//! no retries, no timeouts, no loop guards.

use crate::harness::Tally;
use anyhow::{Context, Result};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

/// A member, with the fields of the generated `Member`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // the field names are the wire names
pub struct HandMember {
    pub activated_at: Option<String>,
    pub active: Option<bool>,
    pub approved_at: Option<String>,
    pub complete: Option<bool>,
    pub country: Option<Value>,
    pub country_id: Option<i64>,
    pub created_at: Option<String>,
    pub date_format: Option<String>,
    pub disabled_at: Option<String>,
    pub disabled_by: Option<i64>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub full_name: Option<String>,
    pub groups: Option<Value>,
    pub id: Option<i64>,
    pub invited_by: Option<i64>,
    pub is_active: Option<bool>,
    pub is_default_admin: Option<bool>,
    pub is_suspended: Option<bool>,
    pub job_description: Option<String>,
    pub job_title: Option<String>,
    pub last_accessed_at: Option<String>,
    pub last_known_country: Option<String>,
    pub last_known_ip: Option<String>,
    pub last_login_at: Option<String>,
    pub last_name: Option<String>,
    pub last_updated: Option<String>,
    pub locale: Option<String>,
    pub phone: Option<String>,
    pub profile_pic: Option<String>,
    pub reactivated_at: Option<String>,
    pub reactivated_by: Option<i64>,
    pub role: Option<String>,
    pub stats: Option<Value>,
    pub status: Option<String>,
    pub support_user: Option<bool>,
    pub team: Option<String>,
    pub timezone: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub updated_at: Option<String>,
    pub user_role: Option<String>,
    pub username: Option<String>,
    #[serde(rename = "UTC_offset")]
    pub utc_offset: Option<String>,
}

/// `{"data": [...], "meta": {"pagination": {...}}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HandList {
    /// The page's members.
    pub data: Vec<HandMember>,
    /// The envelope's meta.
    pub meta: HandMeta,
}

/// `meta`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HandMeta {
    /// Fractal's paginator meta.
    pub pagination: HandPagination,
}

/// `meta.pagination` (without `links`, which a hand-written loop does not need).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // the field names are the wire names
pub struct HandPagination {
    pub total: u64,
    pub count: u64,
    pub per_page: u64,
    pub current_page: u64,
    pub total_pages: u64,
}

/// Decodes one list body.
///
/// # Errors
/// When the body is not a list envelope.
pub fn decode(body: &[u8]) -> Result<HandList> {
    serde_json::from_slice(body).context("decoding a member page")
}

/// Walks every page of `org` at `base_url` (e.g. `http://127.0.0.1:PORT/api`).
///
/// # Errors
/// Any transport error, non-2xx status or undecodable page.
pub async fn walk(
    http: &reqwest::Client,
    base_url: &str,
    org: &str,
    headers: &HeaderMap,
    per_page: u64,
) -> Result<Tally> {
    let url = format!("{base_url}/organizations/{org}/users");
    let mut tally = Tally::default();
    let mut page = 1u64;
    loop {
        let body = http
            .get(&url)
            .headers(headers.clone())
            .query(&[("page", page), ("per_page", per_page)])
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let list = decode(&body)?;
        for member in list.data {
            tally.add(member.id.unwrap_or_default(), member.email.as_deref());
        }
        let pagination = list.meta.pagination;
        if pagination.current_page >= pagination.total_pages {
            return Ok(tally);
        }
        page += 1;
    }
}

/// Walks every page like [`walk`], but once page 1 gives `total_pages`, fetches the
/// rest `k` at a time with `futures`' `buffered(k)`, in page order (the SDK's
/// `concurrency(k)` semantics).
///
/// # Errors
/// Any transport error, non-2xx status or undecodable page.
pub async fn walk_concurrent(
    http: &reqwest::Client,
    base_url: &str,
    org: &str,
    headers: &HeaderMap,
    per_page: u64,
    k: usize,
) -> Result<Tally> {
    use futures::{StreamExt, TryStreamExt};
    let url = format!("{base_url}/organizations/{org}/users");
    let fetch = |page: u64| {
        let request = http
            .get(&url)
            .headers(headers.clone())
            .query(&[("page", page), ("per_page", per_page)]);
        async move {
            let response = request.send().await?.error_for_status()?;
            decode(&response.bytes().await?)
        }
    };
    let first = fetch(1).await?;
    let total_pages = first.meta.pagination.total_pages;
    let mut tally = Tally::default();
    let mut pages = futures::stream::iter(2..=total_pages)
        .map(fetch)
        .buffered(k.max(1));
    let mut page = Some(first);
    while let Some(list) = page {
        for member in list.data {
            tally.add(member.id.unwrap_or_default(), member.email.as_deref());
        }
        page = pages.try_next().await?;
    }
    Ok(tally)
}
