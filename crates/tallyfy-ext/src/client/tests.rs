use super::*;
use crate::ErrorKind;

const TOKEN: &str = "tok-SECRET-123";

fn refused(builder: ClientBuilder) -> Error {
    let err = builder.build().expect_err("should be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(
        !format!("{err} {err:?}").contains("SECRET"),
        "token leaked: {err:?}"
    );
    err
}

#[test]
fn client_and_builder_never_print_the_token() {
    let builder = Client::builder().access_token(TOKEN).org_id("org");
    assert!(!format!("{builder:?}").contains("SECRET"), "{builder:?}");
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("SECRET"), "{client:?}");
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
}

#[test]
fn bad_tokens_are_refused_without_echoing_them() {
    refused(Client::builder());
    refused(Client::builder().access_token("   "));
    let err = refused(Client::builder().access_token("tok-SECRET\r\nX-Evil: 1"));
    assert!(err.to_string().contains("control characters"), "{err}");
    refused(Client::builder().access_token("tok-SECRET-é"));
}

#[test]
fn base_urls_must_be_https_or_loopback_http_without_query() {
    let with = |url: &str| Client::builder().access_token(TOKEN).base_url(url);
    for ok in [
        "https://go.tallyfy.com/api",
        "https://api.tallyfy.com/",
        "http://127.0.0.1:8080/api",
        "http://localhost:1",
        "http://[::1]:9/api",
    ] {
        with(ok).build().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    assert_eq!(
        with("https://api.tallyfy.com/").build().unwrap().base_url(),
        "https://api.tallyfy.com"
    );
    for bad in [
        "go.tallyfy.com/api",
        "http://go.tallyfy.com/api",
        "ftp://x.example",
        "https://x.example/api?x=1",
        "https://x.example/#f",
        "https://u:p@x.example",
    ] {
        refused(with(bad));
    }
}

#[test]
fn org_ids_that_encoding_cannot_make_safe_are_refused() {
    for bad in ["", ".", "..", "a\\..\\b", "a\nb"] {
        assert!(check_org_id(bad).is_err(), "{bad:?}");
    }
    for ok in [
        "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60",
        "a/../b?x#y",
        "100%",
        "ü org",
        "..a",
    ] {
        check_org_id(ok).unwrap();
    }
}
