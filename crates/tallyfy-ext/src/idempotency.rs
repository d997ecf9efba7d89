//! Which requests may be sent twice.
//!
//! A request is idempotent when sending it twice has the effect of sending it once:
//! by HTTP's definition (RFC 9110, 9.2.2) `GET`, `HEAD`, `PUT`, `DELETE` and
//! `OPTIONS` (and `TRACE`, which no API uses). A request can say otherwise
//! (`.idempotent(..)` on a request). A non-idempotent request (`POST`, `PATCH`) is
//! retried only when its attempt provably never reached the server: the connection
//! was refused or its host did not resolve, so no byte of the request left.
//! A timeout, a dropped connection or any response mean the server may have acted.

use reqwest::Method;

/// Whether `method` is idempotent by HTTP's definition.
pub(crate) fn by_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a failed attempt provably never reached the server: the connection
/// could not be opened (refused, unreachable, DNS failure, connect timeout), so the
/// request was never written.
pub(crate) fn never_sent(err: &reqwest::Error) -> bool {
    err.is_connect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_and_idempotent_methods_are_idempotent_and_writes_are_not() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(by_method(&m), "{m}");
        }
        for m in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!by_method(&m), "{m}");
        }
    }

    #[tokio::test]
    async fn a_refused_connection_never_reached_the_server() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(never_sent(&err), "{err:?}");
    }
}
