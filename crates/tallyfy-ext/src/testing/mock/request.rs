//! What the double received ([`MockRequest`]).

use reqwest::header::AUTHORIZATION;
use tokio::time::Instant;

/// One request the double received, in the order received, secrets left out.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MockRequest {
    /// The operation's id (`get_member`, `list_members`).
    pub operation: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The URL's path, e.g. `/api/organizations/mock-org/users/7`.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case; `Authorization` and every header the
    /// client marks sensitive (its own extra headers) read `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// When the request arrived, on tokio's clock (virtual when it is paused): the
    /// time between two requests is the wait the client made.
    pub at: Instant,
    /// The index of the rule that answered it (in the order added); `None`: no rule
    /// matched, and the request got a 501.
    pub rule: Option<usize>,
}

impl MockRequest {
    pub(super) fn of(request: &reqwest::Request, operation: &'static str) -> Self {
        let url = request.url();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = if value.is_sensitive() || name == AUTHORIZATION {
                    "<redacted>".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        Self {
            operation,
            method: request.method().as_str().to_owned(),
            path: url.path().to_owned(),
            query: url.query_pairs().into_owned().collect(),
            headers,
            at: Instant::now(),
            rule: None,
        }
    }

    /// The first value of the query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path parameter `name` of the operation's route template (`user_id` in
    /// `/organizations/{org_id}/users/{user_id}`), percent-decoded.
    pub fn path_param(&self, name: &str) -> Option<String> {
        let template = tallyfy_api::operations::find(self.operation)?.path;
        let wanted = format!("{{{name}}}");
        // The route is the end of the path (the base URL's path comes first).
        let segments = template.split('/').rev().zip(self.path.split('/').rev());
        segments
            .into_iter()
            .find(|(pattern, _)| *pattern == wanted)
            .map(|(_, segment)| percent_decode(segment))
    }

    /// The first value of the header `name` (any case); `<redacted>` for a secret.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request line, e.g. `GET /api/organizations/mock-org/users?page=2`.
    pub(super) fn line(&self) -> String {
        let query: Vec<String> = self.query.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        format!("{} {}{query}", self.method, self.path)
    }
}

/// `%XX` escapes decoded (as UTF-8, lossily); anything else kept.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(byte)) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
