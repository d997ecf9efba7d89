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
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Declares [`HandMember`] and [`HandLine`] from one list of fields (all optional).
macro_rules! hand_members {
    ($( $(#[$attr:meta])* $field:ident : $ty:ty, )*) => {
        /// A member, with the fields of the generated `Member`.
        #[derive(Debug, Default, Deserialize)]
        #[serde(default)]
        #[allow(missing_docs)] // the field names are the wire names
        pub struct HandMember {
            $( $(#[$attr])* pub $field: Option<$ty>, )*
        }

        /// A member as the hand-written NDJSON walker writes it back out: the same
        /// fields, absent ones left out and unknown keys kept, as the SDK's `Member`
        /// (and so the `tallyfy` CLI) does.
        #[derive(Debug, Default, Deserialize, Serialize)]
        #[serde(default)]
        #[allow(missing_docs)] // the field names are the wire names
        pub struct HandLine {
            $( $(#[$attr])* #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>, )*
            /// Keys no field names.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, Value>,
        }
    };
}

hand_members! {
    activated_at: String,
    active: bool,
    approved_at: String,
    complete: bool,
    country: Value,
    country_id: i64,
    created_at: String,
    date_format: String,
    disabled_at: String,
    disabled_by: i64,
    email: String,
    first_name: String,
    full_name: String,
    groups: Value,
    id: i64,
    invited_by: i64,
    is_active: bool,
    is_default_admin: bool,
    is_suspended: bool,
    job_description: String,
    job_title: String,
    last_accessed_at: String,
    last_known_country: String,
    last_known_ip: String,
    last_login_at: String,
    last_name: String,
    last_updated: String,
    locale: String,
    phone: String,
    profile_pic: String,
    reactivated_at: String,
    reactivated_by: i64,
    role: String,
    stats: Value,
    status: String,
    support_user: bool,
    team: String,
    timezone: String,
    #[serde(rename = "type")]
    type_: String,
    updated_at: String,
    user_role: String,
    username: String,
    #[serde(rename = "UTC_offset")]
    utc_offset: String,
}

/// `{"data": [...], "meta": {"pagination": {...}}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HandList<M = HandMember> {
    /// The page's members.
    pub data: Vec<M>,
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

/// Fetches and decodes page `page` of the member list at `url`.
async fn fetch_page<T: serde::de::DeserializeOwned + Default>(
    http: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    page: u64,
    per_page: u64,
) -> Result<HandList<T>> {
    let body = http
        .get(url)
        .headers(headers.clone())
        .query(&[("page", page), ("per_page", per_page)])
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    serde_json::from_slice(&body).context("decoding a member page")
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
        let list: HandList = fetch_page(http, &url, headers, page, per_page).await?;
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
    let fetch = |page: u64| fetch_page::<HandMember>(http, &url, headers, page, per_page);
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

/// What [`write_ndjson`] wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Lines (members) written.
    pub lines: u64,
    /// Pages fetched.
    pub pages: u64,
}

/// The hand-written counterpart of `tallyfy members list --all --format ndjson`: walks
/// every page like [`walk`], decodes each into [`HandLine`]s and writes one JSON line
/// per member to `out` (buffered by the caller), flushing after each page as the CLI does.
///
/// # Errors
/// Any transport error, non-2xx status, undecodable page or failed write.
pub async fn write_ndjson(
    http: &reqwest::Client,
    base_url: &str,
    org: &str,
    headers: &HeaderMap,
    per_page: u64,
    out: &mut impl std::io::Write,
) -> Result<Written> {
    let url = format!("{base_url}/organizations/{org}/users");
    let mut written = Written::default();
    loop {
        let page = written.pages + 1;
        let list: HandList<HandLine> = fetch_page(http, &url, headers, page, per_page).await?;
        for member in &list.data {
            serde_json::to_writer(&mut *out, member)?;
            out.write_all(b"\n")?;
            written.lines += 1;
        }
        out.flush()?;
        written.pages = page;
        let pagination = list.meta.pagination;
        if pagination.current_page >= pagination.total_pages {
            return Ok(written);
        }
    }
}
