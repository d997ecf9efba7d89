//! Input checks of the client's configuration: token, base URL, organization id.

use crate::error::{Error, Result};
use reqwest::header::HeaderValue;

/// The documented production base URL.
pub const DEFAULT_BASE_URL: &str = "https://go.tallyfy.com/api";

/// `Bearer <token>`, marked sensitive so HTTP-level logging redacts it.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::invalid_input("the access token is empty"));
    }
    if token.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_input(
            "the access token contains control characters (CR, LF, ...)",
        ));
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid_input(
            "the access token must be visible ASCII (no spaces or non-ASCII)",
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::invalid_input("the access token is not a valid HTTP header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Validates the base URL and returns it without a trailing slash.
pub(crate) fn check_base_url(raw: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid_input(format!("base URL {raw:?}: {why}"));
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| bad(&format!("{e} (expected e.g. {DEFAULT_BASE_URL})")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("it has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "plain http:// is only allowed to a loopback host; use https://",
            ));
        }
        other => return Err(bad(&format!("scheme {other:?} is not https"))),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query string or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry credentials; use access_token"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Organization ids are percent-encoded into one path segment by the generated
/// client; what encoding cannot make safe is refused here: empty ids, dot segments
/// (`.`/`..` are resolved by URL parsing even when encoded) and backslashes
/// (which WHATWG URL parsing treats as `/`).
pub(crate) fn check_org_id(org: &str) -> Result<()> {
    let why = if org.is_empty() {
        "is empty"
    } else if org == "." || org == ".." {
        "is a dot path segment"
    } else if org.contains('\\') {
        "contains a backslash"
    } else if org.chars().any(char::is_control) {
        "contains control characters"
    } else {
        return Ok(());
    };
    Err(Error::invalid_input(format!(
        "organization id {org:?} {why}"
    )))
}
