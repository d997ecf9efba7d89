//! Headers a service adds to requests: per client
//! ([`ClientBuilder::header`](crate::ClientBuilder::header)) and per request
//! (`.header(..)` on a request), and the application named in the `User-Agent`.
//!
//! The SDK's own headers cannot be replaced this way: `Authorization` (the token),
//! `X-Tallyfy-Client`, `User-Agent` (use
//! [`ClientBuilder::application`](crate::ClientBuilder::application)), `Host`, and
//! the hop-by-hop headers a connection owns (`Connection`, `Keep-Alive`,
//! `Proxy-Authenticate`, `Proxy-Authorization`, `Proxy-Connection`, `TE`, `Trailer`,
//! `Transfer-Encoding`, `Upgrade`). Naming one is an
//! [`InvalidInput`](crate::ErrorKind::InvalidInput) error.
//!
//! Every value is treated as possibly secret (an API key of a proxy, a signed
//! token): it is marked sensitive, and only header *names* appear in `Debug`
//! output, errors, spans and logs.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;
use std::sync::Arc;

/// Names a service may not set.
const RESERVED: [&str; 13] = [
    "authorization",
    "x-tallyfy-client",
    "user-agent",
    "host",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Extra headers, checked as they are added; the first refusal is kept and
/// reported when the client is built or the request sent.
#[derive(Clone, Default)]
pub(crate) struct CustomHeaders {
    list: Arc<Vec<(HeaderName, HeaderValue)>>,
    invalid: Option<String>,
}

impl CustomHeaders {
    /// Adds `name: value` (replacing an earlier value of the same name).
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        match parse(name, value) {
            Ok((name, value)) => {
                let list = Arc::make_mut(&mut self.list);
                list.retain(|(n, _)| *n != name);
                list.push((name, value));
            }
            Err(why) => {
                self.invalid.get_or_insert(why);
            }
        }
    }

    /// The first refusal, if any header was refused.
    pub(crate) fn invalid(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// Sets every header on `headers`, replacing values of the same names.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in self.list.iter() {
            headers.insert(name, value.clone());
        }
    }

    /// Whether there is no header to add.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl fmt::Debug for CustomHeaders {
    /// Names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|(name, _)| name.as_str()))
            .finish()
    }
}

/// Checks one header; the refusal names the header, never its value.
fn parse(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let header = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    if RESERVED.contains(&header.as_str()) {
        let hint = if header == reqwest::header::USER_AGENT {
            ": name the application with ClientBuilder::application"
        } else {
            ""
        };
        return Err(format!(
            "the {header} header is set by the SDK or the connection and cannot be replaced{hint}"
        ));
    }
    let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
        format!("the value of the {header} header must be visible ASCII (its value is not shown)")
    })?;
    value.set_sensitive(true);
    Ok((header, value))
}

/// The `User-Agent` with an application appended: `tallyfy-rs/0.1.0 name/1.2`.
pub(crate) fn user_agent(base: &str, application: Option<&str>) -> Result<HeaderValue, String> {
    let Some(app) = application.map(str::trim) else {
        return HeaderValue::from_str(base).map_err(|e| e.to_string());
    };
    let printable = !app.is_empty() && app.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if !printable {
        return Err(format!(
            "the application {app:?} must be non-empty visible ASCII, such as \"billing-sync/1.2\""
        ));
    }
    HeaderValue::from_str(&format!("{base} {app}")).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_hop_by_hop_names_are_refused_by_name_only() {
        for name in [
            "Authorization",
            "x-tallyfy-client",
            "HOST",
            "Connection",
            "transfer-encoding",
            "Upgrade",
            "TE",
            "user-agent",
        ] {
            let mut h = CustomHeaders::default();
            h.add(name, "s3cr3t-value");
            let why = h.invalid().expect(name);
            assert!(!why.contains("s3cr3t"), "{why}");
            assert!(h.is_empty());
        }
        let mut h = CustomHeaders::default();
        h.add("bad name", "v");
        assert!(h.invalid().unwrap().contains("not a valid header name"));
        h = CustomHeaders::default();
        h.add("x-key", "line\nbreak-s3cr3t");
        assert!(!h.invalid().unwrap().contains("s3cr3t"));
    }

    #[test]
    fn values_are_sensitive_replace_by_name_and_never_print() {
        let mut h = CustomHeaders::default();
        h.add("X-Trace", "one");
        h.add("x-api-key", "s3cr3t");
        h.add("x-trace", "two");
        assert_eq!(format!("{h:?}"), r#"["x-api-key", "x-trace"]"#);
        let mut map = HeaderMap::new();
        h.apply(&mut map);
        assert_eq!(map["x-trace"], "two");
        assert!(map["x-api-key"].is_sensitive());
        assert!(!format!("{map:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_application_is_appended_to_the_user_agent() {
        assert_eq!(user_agent("tallyfy-rs/1", None).unwrap(), "tallyfy-rs/1");
        assert_eq!(
            user_agent("tallyfy-rs/1", Some("billing-sync/1.2")).unwrap(),
            "tallyfy-rs/1 billing-sync/1.2"
        );
        assert!(user_agent("tallyfy-rs/1", Some("")).is_err());
        assert!(user_agent("tallyfy-rs/1", Some("a\u{7}b")).is_err());
    }
}
