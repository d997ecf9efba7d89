//! The CLI against a server that sends hostile text: escape sequences in members and
//! errors, the token echoed back, members `serde_json::Value` cannot hold. Nothing
//! may panic, no control character may reach the terminal, the token never shows.

#[allow(dead_code)]
mod support;

use support::{Run, run_with_token};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-ECHOED-SECRET-77";
const ORG: &str = "org1";
const FORMATS: [&str; 4] = ["table", "json", "ndjson", "csv"];

/// Escape sequences of every kind a terminal acts on.
const NASTY: &str = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}[6n\u{9b}31m\u{85}\u{7f}\u{8}\r\0\nerror: forged line\u{1b}]8;;http://evil\u{1b}\\";

struct Server {
    mock: MockServer,
    rt: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let mock = rt.block_on(MockServer::start());
        Server { mock, rt }
    }

    fn answer(&self, route: &str, response: ResponseTemplate) {
        self.rt.block_on(
            Mock::given(method("GET"))
                .and(path(format!("/organizations/{ORG}{route}")))
                .respond_with(response)
                .mount(&self.mock),
        );
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec![
            "--base-url",
            self.mock.uri().leak(),
            "--org",
            ORG,
            "--max-retries",
            "0",
        ];
        all.extend_from_slice(args);
        run_with_token(Some(TOKEN), &all)
    }
}

fn json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "application/json")
}

/// No byte below 0x20 but the newline, no DEL, no C1 control, no token.
#[track_caller]
fn assert_safe(run: &Run, what: &str) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|c| matches!(c, '\0'..='\x09' | '\x0b'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}'))
            .collect();
        assert!(bad.is_empty(), "{what}: {bad:?} on {name}: {text:?}");
        assert!(
            !text.contains("ECHOED-SECRET"),
            "{what}: token on {name}: {text}"
        );
        assert!(
            !text.contains("\nerror: forged"),
            "{what}: forged line on {name}"
        );
    }
    assert_ne!(run.code, Some(101), "{what}: panicked: {run:#?}");
}

fn nasty_member(id: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id, "full_name": NASTY, "first_name": NASTY, "email": NASTY, "role": NASTY,
        "status": NASTY, "job_title": format!("={NASTY}"), "groups": {"data": [{"id": "g", "name": NASTY}]},
        NASTY: NASTY, "nested": {NASTY: [NASTY]},
    })
}

#[test]
fn members_and_errors_full_of_escape_sequences_print_escaped_in_every_format() {
    let server = Server::start();
    let list = serde_json::json!({
        "data": [nasty_member(1), nasty_member(2), {"id": {"bad": NASTY}, "email": NASTY}],
        "meta": {"pagination": {"total": 3, "count": 3, "per_page": 100, "current_page": 1, "total_pages": 1}}
    });
    server.answer("/users", json(list.to_string()));
    server.answer(
        "/users/1",
        json(serde_json::json!({"data": nasty_member(1)}).to_string()),
    );
    server.answer(
        "/users/9",
        json(serde_json::json!({"data": {"id": "x", "email": NASTY}}).to_string()),
    );
    let error = serde_json::json!({"message": NASTY.repeat(2000), "code": NASTY, "errors": {NASTY: [NASTY]}});
    server.answer(
        "/users/5",
        ResponseTemplate::new(422)
            .set_body_raw(error.to_string().into_bytes(), "application/json")
            .insert_header("x-request-id", "req-77"),
    );
    for format in FORMATS {
        for args in [
            &["members", "list", "--with", "groups", "--format", format][..],
            &["members", "list", "--all", "--format", format],
            &[
                "members", "get", "1", "--with", "groups", "--format", format,
            ],
            &["members", "get", "9", "--format", format],
        ] {
            let run = server.run(args);
            assert_eq!(run.code, Some(0), "{args:?}: {run:#?}");
            assert_safe(&run, &format!("{args:?}"));
            // Table and CSV show the sequences escaped; JSON as \u escapes.
            let raw_json =
                matches!(format, "json" | "ndjson") || (format == "table" && args[2] == "9");
            let shown = if !raw_json {
                "\\x1b]0;pwned\\x07"
            } else {
                "\\u001b]0;pwned\\u0007"
            };
            assert!(run.stdout.contains(shown), "{args:?}: {}", run.stdout);
        }
        let run = server.run(&["members", "get", "5", "--format", format]);
        assert_safe(&run, "an error");
        let line = run.failure(1);
        assert!(line.contains("\\x1b]0;pwned\\x07"), "{line}");
        // Server text is cut at 512 characters; the line stays a few of those long.
        assert!(
            line.chars().count() < 4 * 512 + 8,
            "{} chars",
            line.chars().count()
        );
        assert!(line.contains('…'), "{line}");
        // The cut is the server text's own: what the SDK says after it survives.
        assert!(line.ends_with("; request id req-77"), "{line}");
    }
}

#[test]
fn members_a_json_value_cannot_hold_print_in_every_format() {
    let server = Server::start();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let member =
        format!(r#"{{"id":7,"full_name":"Ada","big":1e400,"lone":"\udfff","deep":{deep}}}"#);
    server.answer("/users/7", json(format!(r#"{{"data":{member}}}"#)));
    server.answer(
        "/users",
        json(format!(
            r#"{{"data":[{member}],"meta":{{"pagination":{{"total":1,"per_page":100,"current_page":1,"total_pages":1}}}}}}"#
        )),
    );
    for format in FORMATS {
        for args in [
            &["members", "get", "7", "--format", format][..],
            &["members", "list", "--all", "--format", format],
        ] {
            let run = server.run(args);
            assert_eq!(run.code, Some(0), "{args:?}: {run:#?}");
            assert_safe(&run, &format!("{args:?}"));
            // Unknown keys are written as the server sent them.
            let raw = format!(r#""big":1e400,"lone":"\udfff","deep":{deep}"#);
            match (format, args[1]) {
                ("json" | "ndjson", _) => {
                    assert!(run.stdout.contains(&raw), "{args:?}: {}", run.stdout)
                }
                ("table", "get") => {
                    assert!(
                        run.stdout.contains("big                1e400"),
                        "{}",
                        run.stdout
                    );
                    assert!(
                        run.stdout.contains(r#"lone               "\udfff""#),
                        "{}",
                        run.stdout
                    );
                }
                ("table", _) => assert!(run.stdout.contains("7        Ada"), "{}", run.stdout),
                _ => assert!(run.stdout.contains("7,Ada"), "{args:?}: {}", run.stdout),
            }
        }
    }
}

#[test]
fn a_token_echoed_in_the_message_and_the_request_id_is_redacted_even_in_logs() {
    let server = Server::start();
    let body = serde_json::json!({"message": format!("bad token Bearer {TOKEN}"), "code": TOKEN});
    server.answer(
        "/users",
        ResponseTemplate::new(401)
            .set_body_raw(body.to_string().into_bytes(), "application/json")
            .insert_header("x-request-id", format!("id-{TOKEN}").as_str()),
    );
    for verbosity in [&[][..], &["-v"], &["-vv"]] {
        let mut args = verbosity.to_vec();
        args.extend(["members", "list", "--all"]);
        let run = server.run(&args);
        assert_eq!(run.code, Some(1), "{run:#?}");
        assert_safe(&run, "echoed token");
        let last = run.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: "), "{}", run.stderr);
        assert!(last.contains("bad token Bearer [redacted]"), "{last}");
        assert!(last.contains("request id id-[redacted]"), "{last}");
    }
}

#[test]
fn a_transport_failure_prints_its_causes() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let base = format!("http://127.0.0.1:{port}");
    let run = run_with_token(
        Some(TOKEN),
        &[
            "--base-url",
            &base,
            "--org",
            ORG,
            "--max-retries",
            "0",
            "members",
            "get",
            "1",
        ],
    );
    let line = run.failure(1);
    assert!(line.contains(": caused by "), "{line}");
    assert_safe(&run, "transport");
}

#[test]
fn a_tls_failure_says_the_certificate_is_not_trusted_and_why() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    // tallyfy-ext's self-signed certificate for 127.0.0.1 (its fixtures/README.md).
    const CERT: &[u8] = include_bytes!("../../tallyfy-ext/tests/fixtures/self-signed.cert.pem");
    const KEY: &[u8] = include_bytes!("../../tallyfy-ext/tests/fixtures/self-signed.key.pem");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    rt.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(socket).await;
            });
        }
    });
    let base = format!("https://{addr}");
    // The default retries: a certificate is not retried all the same.
    let run = run_with_token(
        Some(TOKEN),
        &["--base-url", &base, "--org", ORG, "members", "get", "1"],
    );
    let line = run.failure(1);
    assert!(
        line.starts_with(
            "error: get_member: TLS failed: the server's certificate is not trusted: UnknownIssuer"
        ),
        "{line}"
    );
    assert!(!line.contains("after "), "not retried: {line}");
    assert!(line.contains(": caused by "), "{line}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one attempt: {line}");
    assert_safe(&run, "tls");
}
