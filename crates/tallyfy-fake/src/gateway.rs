//! What sits in front of the routes: latency, fault injection and the request log.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::conn::ConnHandle;
use crate::faults::{Fault, RetryAfter};
use crate::record::{RecordedRequest, request_key};
use crate::state::Shared;
use crate::window::Admission;

/// Middleware: draws the next fault, waits while a test holds the answer, adds
/// latency, injects the fault, then records the request.
pub(crate) async fn gateway(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let mut record = RecordedRequest::new(&request);
    let key = request_key(&record);
    let (arrival, mut fault, latency) = shared.arrive(&mut record, &key);
    shared.gate.pass(arrival).await;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let admission = shared
        .window
        .as_ref()
        .map(|window| (window, window.admit(tokio::time::Instant::now())));
    if let Some((window, refused @ Admission::Refused { .. })) = admission {
        let body = json!({
            "message": "Too Many Attempts.",
            "code": "RATE_LIMIT_EXCEEDED",
        });
        let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        window.headers(refused, response.headers_mut());
        record.status = Some(429);
        shared.record(record);
        return response;
    }
    while let Some(Fault::Delayed { delay, then }) = fault {
        tokio::time::sleep(delay).await;
        fault = Some(*then);
    }
    let response = match fault {
        None | Some(Fault::Pass) => next.run(request).await,
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(Fault::TruncatedBody) => truncate(next.run(request).await).await,
        Some(Fault::Drop) => {
            match request.extensions().get::<ConnectInfo<ConnHandle>>() {
                Some(ConnectInfo(conn)) => {
                    conn.cut();
                    // Recorded now: the response below is never written.
                    shared.record(record);
                    return StatusCode::BAD_GATEWAY.into_response();
                }
                // Only reachable when the router runs outside our listener.
                None => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
        Some(fault) => canned(&fault),
    };
    let mut response = response;
    if let Some((window, admission)) = admission {
        window.headers(admission, response.headers_mut());
    }
    record.status = Some(response.status().as_u16());
    record.content_encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    shared.record(record);
    response
}

/// The response of a fault that answers without reaching the routes.
fn canned(fault: &Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => {
            let body = json!({
                "message": "You've reached the limit for this operation.",
                "code": "RATE_LIMIT_EXCEEDED",
            });
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&retry_after_value(*retry_after)) {
                headers.insert(header::RETRY_AFTER, value);
            }
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            response
        }
        Fault::Status(code) => {
            let body = json!({ "error": true, "message": "Server Error" });
            (status(*code), axum::Json(body)).into_response()
        }
        Fault::HtmlStatus(code) => {
            let code = status(*code);
            let reason = code.canonical_reason().unwrap_or("Error");
            let html = format!(
                "<html><body><h1>{} {reason}</h1></body></html>",
                code.as_u16()
            );
            let content_type = [(header::CONTENT_TYPE, "text/html; charset=UTF-8")];
            (code, content_type, html).into_response()
        }
        Fault::Empty(code) => (status(*code), Body::empty()).into_response(),
        Fault::Redirect {
            status: code,
            location,
        } => {
            let mut response = (status(*code), Body::empty()).into_response();
            if let Ok(value) = HeaderValue::from_str(location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        // Handled by the caller; a plain 200 keeps this function total.
        Fault::Pass
        | Fault::TruncatedBody
        | Fault::Drop
        | Fault::Slow(_)
        | Fault::Delayed { .. } => StatusCode::OK.into_response(),
    }
}

/// A status from a number; anything out of range becomes 500.
fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn retry_after_value(retry_after: RetryAfter) -> String {
    match retry_after {
        RetryAfter::Seconds(seconds) => seconds.to_string(),
        RetryAfter::HttpDate(delay) => {
            // Round up to a whole second so the client never comes back early.
            let at = SystemTime::now() + delay + Duration::from_millis(999);
            httpdate::fmt_http_date(at)
        }
    }
}

/// Keeps the status, declares JSON and sends only the first half of the body.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        assert_eq!(retry_after_value(RetryAfter::Seconds(3)), "3");
        let date = retry_after_value(RetryAfter::HttpDate(Duration::from_secs(5)));
        let at = httpdate::parse_http_date(&date).unwrap();
        let ahead = at.duration_since(SystemTime::now()).unwrap();
        assert!(
            ahead > Duration::from_secs(4) && ahead <= Duration::from_secs(6),
            "{ahead:?}"
        );
    }

    /// The fake's router called in-process (no socket), so paused time is exact.
    async fn timed_get(shared: &Arc<Shared>) -> (StatusCode, Duration) {
        use tower::ServiceExt;
        let request =
            axum::http::Request::get(format!("/api/organizations/{}/users", shared.config.org))
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", shared.config.token),
                )
                .header("x-tallyfy-client", "APIClient")
                .body(Body::empty())
                .unwrap();
        let started = tokio::time::Instant::now();
        let router = crate::routes::router(Arc::clone(shared), false);
        let response = router.oneshot(request).await.unwrap();
        (response.status(), started.elapsed())
    }

    fn shared(latency: Duration, faults: crate::Faults) -> Arc<Shared> {
        let config = crate::state::Config {
            org: "org1".to_owned(),
            token: "tok".to_owned(),
            seed: 1,
            latency,
            default_per_page: 10,
            max_per_page: 100,
            rate_limit: None,
        };
        let addr = "127.0.0.1:9".parse().unwrap();
        let members = crate::data::members(1, 3);
        Arc::new(Shared::new(config, addr, members, 3, faults))
    }

    #[tokio::test(start_paused = true)]
    async fn slow_and_latency_delay_the_answer_by_exactly_their_sum() {
        let script = vec![Fault::Slow(Duration::from_millis(150))];
        let shared = shared(Duration::from_millis(30), crate::Faults::script(script));
        // Virtual time with no I/O: it advances exactly to each sleep's end.
        let (status, took) = timed_get(&shared).await;
        assert_eq!((status, took), (StatusCode::OK, Duration::from_millis(180)));
        let (status, took) = timed_get(&shared).await;
        assert_eq!((status, took), (StatusCode::OK, Duration::from_millis(30)));
        let delayed = Fault::delayed(Duration::from_secs(7), Fault::Status(503));
        shared.set_faults(crate::Faults::script(vec![delayed]));
        let (status, took) = timed_get(&shared).await;
        assert_eq!(
            (status, took),
            (StatusCode::SERVICE_UNAVAILABLE, Duration::from_millis(7030))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_answer_waits_for_its_release_whatever_the_clock() {
        let shared = shared(Duration::ZERO, crate::Faults::none());
        shared.gate.hold_after(1);
        assert_eq!(timed_get(&shared).await, (StatusCode::OK, Duration::ZERO));
        let held = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move { timed_get(&shared).await }
        });
        shared.gate.wait_for_arrivals(2).await;
        // A day of virtual time passes; the held answer still waits.
        tokio::time::advance(Duration::from_secs(86_400)).await;
        assert!(!held.is_finished());
        assert_eq!((shared.gate.arrivals(), shared.gate.answers()), (2, 1));
        shared.gate.release(2);
        let (status, _) = held.await.unwrap();
        assert_eq!((status, shared.gate.answers()), (StatusCode::OK, 2));
    }

    #[test]
    fn html_fault_names_the_status() {
        let response = canned(&Fault::HtmlStatus(503));
        assert_eq!(response.status(), 503);
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with("text/html"));
        assert_eq!(status(42), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
