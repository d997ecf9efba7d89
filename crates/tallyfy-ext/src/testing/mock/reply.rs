//! What a rule answers ([`Reply`]), and the JSON of a member and of a page.

use super::MockTallyfy;
use crate::respond;
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Body, StatusCode};
use serde_json::{Value, json};
use std::io;
use std::time::Duration;

/// One scripted answer: a status, headers and a body, after an optional delay; or
/// a transport failure ([`reset`](Self::reset), [`silence`](Self::silence)).
///
/// The constructors panic on values no server could send (a status outside
/// 100..=999, a header name or value that is not valid HTTP): they are test input.
#[must_use]
#[derive(Debug, Clone)]
pub struct Reply {
    what: What,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Duration,
}

#[derive(Debug, Clone, Copy)]
enum What {
    Answer,
    Reset,
    Silence,
}

impl Reply {
    fn new(what: What, status: u16) -> Self {
        Self {
            what,
            status: StatusCode::from_u16(status).expect("a status between 100 and 999"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: Duration::ZERO,
        }
    }

    /// `status` with Tallyfy's error body for a 4xx or 5xx
    /// (`{"error": true, "message": "Service Unavailable"}`, the reason phrase),
    /// and no body otherwise.
    pub fn status(status: u16) -> Self {
        let reply = Self::new(What::Answer, status);
        if reply.status.is_client_error() || reply.status.is_server_error() {
            let reason = reply.status.canonical_reason().unwrap_or("Error");
            return Self::json(status, json!({ "error": true, "message": reason }));
        }
        reply
    }

    /// `status` with this JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: Value) -> Self {
        let text = serde_json::to_vec(&body).expect("a Value serialises");
        Self::body(status, "application/json", text)
    }

    /// `status` with this body, as it is (an HTML page from a gateway, a truncated
    /// JSON document...).
    pub fn body(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut reply = Self::new(What::Answer, status).header(CONTENT_TYPE.as_str(), content_type);
        reply.body = body.into();
        reply
    }

    /// `200` with one member, as `get_member` answers: `{"data": member}`
    /// (see [`member`](super::member) for a member's JSON).
    pub fn member(member: Value) -> Self {
        Self::json(200, json!({ "data": member }))
    }

    /// `200` with page `page` (from 1) of `members` cut in pages of `per_page`, as
    /// `list_members` answers: `data` and Fractal's `meta.pagination` (`total`,
    /// `count`, `per_page`, `current_page`, `total_pages`, and `links` with
    /// `previous` and `next`, or PHP's `[]` when there is neither).
    ///
    /// # Panics
    /// When `page` or `per_page` is 0.
    pub fn list(members: &[Value], page: u64, per_page: u64) -> Self {
        assert!(
            page >= 1 && per_page >= 1,
            "pages and page sizes count from 1"
        );
        let total = members.len() as u64;
        let start = ((page - 1).saturating_mul(per_page)).min(total) as usize;
        let end = (start as u64).saturating_add(per_page).min(total) as usize;
        let url = |n: u64| {
            let org = MockTallyfy::ORG;
            format!(
                "{}/organizations/{org}/users?page={n}",
                MockTallyfy::BASE_URL
            )
        };
        let pagination =
            tallyfy_fake::fractal_pagination(total as usize, end - start, page, per_page, url);
        Self::json(
            200,
            json!({
                "data": &members[start..end],
                "meta": { "pagination": pagination },
            }),
        )
    }

    /// The connection is reset after the response head: the attempt fails as a
    /// transport error ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// retried for a `GET`).
    pub fn reset() -> Self {
        Self::new(What::Reset, 200)
    }

    /// No answer at all: the attempt times out after the client's (or the
    /// request's) attempt timeout ([`ErrorKind::Timeout`](crate::ErrorKind::Timeout),
    /// retried). On a paused clock that wait is instant.
    pub fn silence() -> Self {
        Self::new(What::Silence, 200)
    }

    /// A response header (appended: a name can repeat).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        let value = HeaderValue::from_str(value).expect("a valid header value");
        self.headers.append(name, value);
        self
    }

    /// `Retry-After` in whole seconds (rounded up).
    pub fn retry_after(self, wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.header(RETRY_AFTER.as_str(), &seconds.to_string())
    }

    /// The budget headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
    /// `X-RateLimit-Reset` (whole seconds from now, rounded up).
    pub fn rate_limit(self, limit: u64, remaining: u64, reset_in: Duration) -> Self {
        let reset = reset_in.as_secs() + u64::from(reset_in.subsec_nanos() > 0);
        self.header("x-ratelimit-limit", &limit.to_string())
            .header("x-ratelimit-remaining", &remaining.to_string())
            .header("x-ratelimit-reset", &reset.to_string())
    }

    /// An `X-Request-Id` header.
    pub fn request_id(self, id: &str) -> Self {
        self.header("x-request-id", id)
    }

    /// Waits this long (on tokio's clock, so instantly when it is paused) before
    /// answering. A wait past the attempt timeout makes the attempt time out.
    pub fn delay(mut self, wait: Duration) -> Self {
        self.delay = wait;
        self
    }

    /// The answer, after the delay.
    pub(super) async fn answer(self) -> http::Response<Body> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let mut response = match self.what {
            What::Answer => http::Response::new(Body::from(self.body)),
            What::Reset => respond::failing(io::ErrorKind::ConnectionReset, "connection reset"),
            What::Silence => std::future::pending().await,
        };
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// A member's JSON, as Tallyfy sends it: `id`, `email`, names, `active`, and
/// `created_at`; change or add keys with `as_object_mut()`.
pub fn member(id: i64) -> Value {
    json!({
        "id": id,
        "email": format!("member{id}@example.com"),
        "username": format!("member{id}"),
        "first_name": "Member",
        "last_name": id.to_string(),
        "full_name": format!("Member {id}"),
        "active": true,
        "is_suspended": false,
        "created_at": "2024-01-15T09:30:00.000Z",
    })
}
