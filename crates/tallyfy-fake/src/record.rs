//! What the fake records of each request, and the request's identity for keyed
//! fault draws: plain data, shared by the gateway (which fills it in), the state
//! (which keeps the log) and the hold (which waits on it).

use axum::extract::Request;
use axum::http::header;

use crate::faults::FaultKind;

/// One request the fake received, as seen by the server.
///
/// The value of the `Authorization` header is never stored, only whether it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Request path, e.g. `/api/organizations/{org}/users`.
    pub path: String,
    /// The raw query string, without the `?`, if there was one.
    pub query: Option<String>,
    /// The query decoded into key/value pairs, in order.
    pub query_pairs: Vec<(String, String)>,
    /// The status answered; `None` when a [`Fault::Drop`](crate::Fault::Drop) closed the connection instead.
    pub status: Option<u16>,
    /// Whether an `Authorization` header was present (its value is never kept).
    pub has_authorization: bool,
    /// The `X-Tallyfy-Client` header, if present and valid UTF-8.
    pub client: Option<String>,
    /// The kind of fault injected into this request, if any.
    pub fault: Option<FaultKind>,
    /// The `Referer` header, if present.
    pub referer: Option<String>,
    /// The `Accept-Encoding` header, if present.
    pub accept_encoding: Option<String>,
    /// The response's `Content-Encoding` (`gzip` when the fake compressed it).
    pub content_encoding: Option<String>,
}

impl RecordedRequest {
    /// The request as it arrived; the gateway fills in status, fault and encoding.
    pub(crate) fn new(request: &Request) -> Self {
        let headers = request.headers();
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            query_pairs: query_pairs(request.uri()),
            status: None,
            has_authorization: headers.contains_key(header::AUTHORIZATION),
            client: headers
                .get("x-tallyfy-client")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            fault: None,
            referer: text(header::REFERER),
            accept_encoding: text(header::ACCEPT_ENCODING),
            content_encoding: None,
        }
    }
}

/// The query string decoded into pairs (`+` and `%XX` decoded), in order.
pub(crate) fn query_pairs(uri: &axum::http::Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

/// A request's identity for keyed fault draws and arrival counts: `GET /path?query`.
pub(crate) fn request_key(record: &RecordedRequest) -> String {
    match &record.query {
        Some(query) => format!("{} {}?{query}", record.method, record.path),
        None => format!("{} {}", record.method, record.path),
    }
}
