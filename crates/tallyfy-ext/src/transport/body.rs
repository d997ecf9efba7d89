//! One attempt's response: its origin checked and its body read, bounded, into
//! memory; and the responses the executor hands back in place of one.

use super::{AttemptError, Executor};
use crate::redact::Redactor;
use crate::redirect::{self, RefusedRedirect};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Response, StatusCode, Url};

/// Headers that carry a request id, in order of preference.
const REQUEST_ID_HEADERS: [&str; 2] = ["x-request-id", "x-correlation-id"];

/// A response whose body is in memory (also kept apart, to read an error's code).
pub(super) struct Answer {
    pub response: Response,
    pub body: Bytes,
}

impl Executor {
    /// Sends one attempt and reads the whole body, refusing one above the limit or
    /// from another origin than `sent_to`.
    pub(super) async fn attempt(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        sent_to: &Url,
        op: &'static str,
    ) -> Result<Answer, AttemptError> {
        let mut response = self
            .send
            .send(client, request, op)
            .await
            .map_err(AttemptError::Transport)?;
        // A custom reqwest client may follow redirects anywhere: trust none of it.
        if !redirect::same_origin(response.url(), sent_to) {
            return Err(AttemptError::OffOrigin(RefusedRedirect {
                from: redirect::origin(sent_to),
                to: redirect::origin(response.url()),
                reason: if response.url().scheme() != sent_to.scheme() {
                    redirect::RedirectReason::PlainHttp
                } else {
                    redirect::RedirectReason::OtherHost
                },
            }));
        }
        // The headers move into the rebuilt response; the body read does not need them.
        let (status, version) = (response.status(), response.version());
        let headers = std::mem::take(response.headers_mut());
        let length = response.content_length().unwrap_or(0);
        if length > self.max_body_bytes as u64 {
            return Err(AttemptError::TooLarge(rebuild(
                status,
                version,
                headers,
                Bytes::new(),
            )));
        }
        // The chunks are kept as they come (hyper hands out slices of its read buffer)
        // and joined once at the end: a body that arrived in one chunk is not copied at
        // all, and a longer one is copied once into an exact allocation. Growing one
        // buffer instead cost a copy of every page plus its reallocations, because with
        // gzip negotiated reqwest reports no length even for an uncompressed answer.
        // The limit applies to the decoded bytes.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
            total += chunk.len();
            if total > self.max_body_bytes {
                return Err(AttemptError::TooLarge(rebuild(
                    status,
                    version,
                    headers,
                    Bytes::new(),
                )));
            }
            chunks.push(chunk);
        }
        let body = join(chunks, total);
        Ok(Answer {
            response: rebuild(status, version, headers, body.clone()),
            body,
        })
    }
}

/// `chunks` (holding `total` bytes) as one buffer, copied only if there are several.
fn join(mut chunks: Vec<Bytes>, total: usize) -> Bytes {
    if chunks.len() <= 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut body = BytesMut::with_capacity(total);
    for chunk in &chunks {
        body.extend_from_slice(chunk);
    }
    body.freeze()
}

/// What the generated code gets back from the last attempt.
pub(super) fn finish(outcome: Result<Answer, AttemptError>) -> reqwest::Result<Response> {
    match outcome {
        Ok(Answer { response, .. }) | Err(AttemptError::TooLarge(response)) => Ok(response),
        Err(AttemptError::Transport(err)) => Err(err),
        // The other origin's answer is not passed on; `CallMeta::refusal` explains.
        Err(AttemptError::OffOrigin(_)) => Ok(refused(StatusCode::BAD_GATEWAY)),
    }
}

/// An empty response standing for a call the executor refused; the generated code
/// fails to decode it and `call.rs` reports the [`Refusal`] instead.
pub(super) fn refused(status: StatusCode) -> Response {
    rebuild(
        status,
        reqwest::Version::HTTP_11,
        HeaderMap::new(),
        Bytes::new(),
    )
}

/// A response with an in-memory body, for the generated code to decode.
fn rebuild(
    status: StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    Response::from(response)
}

/// The response's request id, token redacted: it goes into spans and errors.
pub(super) fn request_id(headers: &HeaderMap, redactor: &Redactor) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .filter_map(|name| headers.get(HeaderName::from_static(name)))
        .find_map(|value| value.to_str().ok().map(|id| redactor.text(id).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_is_passed_on_without_a_copy_and_several_are_joined_in_order() {
        assert!(join(Vec::new(), 0).is_empty());
        let only = Bytes::from_static(b"{\"data\":[]}");
        let joined = join(vec![only.clone()], only.len());
        assert_eq!(joined.as_ptr(), only.as_ptr(), "a lone chunk was copied");
        let parts = vec![
            Bytes::from_static(b"ab"),
            Bytes::from_static(b"c"),
            Bytes::from_static(b"de"),
        ];
        assert_eq!(&join(parts, 5)[..], b"abcde");
    }
}
