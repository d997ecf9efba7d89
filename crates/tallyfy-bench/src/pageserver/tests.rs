use super::*;
use crate::roster::Ids;
use serde_json::Value;
use std::io::{Read, Write};

fn roster(n: i64) -> Roster {
    let members = (0..n)
        .map(|i| json!({"id": 1001 + i, "email": format!("m{i}@x"), "beta_flags": {"a": true}}))
        .collect();
    Roster::from_members(members, Ids::Consecutive).unwrap()
}

/// Sends raw requests on one keep-alive connection and returns the raw answer bytes.
fn exchange(server: &PageServer, requests: &[String], expect_len: usize) -> Vec<u8> {
    let addr = server
        .base_url()
        .trim_start_matches("http://")
        .trim_end_matches("/api");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    for request in requests {
        stream.write_all(request.as_bytes()).unwrap();
    }
    let mut out = vec![0; expect_len];
    stream.read_exact(&mut out).unwrap();
    out
}

fn get(target: &str, auth: bool) -> String {
    let auth = if auth {
        format!("Authorization: Bearer {TOKEN}\r\n")
    } else {
        String::new()
    };
    format!("GET /api/organizations/{ORG}/users{target} HTTP/1.1\r\nhost: x\r\n{auth}\r\n")
}

#[test]
fn serves_exactly_the_prerendered_bytes_and_counts_them() {
    let bench = Bench::new(1).unwrap();
    let server = PageServer::start(&bench, &roster(25), 10, Duration::ZERO).unwrap();
    let pages = server.pages();
    assert_eq!(pages.counts, vec![10, 10, 5]);
    let expected: Vec<u8> = [
        &pages.responses[1][..],
        &pages.responses[2],
        &pages.past_end,
    ]
    .concat();
    let requests = [
        get("?page=2&per_page=10", true),
        get("?page=3", true),
        get("?page=9", true),
    ];
    let got = exchange(&server, &requests, expected.len());
    assert_eq!(got, expected);
    assert_eq!(server.take_served(), (3, 15));
    assert_eq!(server.take_served(), (0, 0), "the counters were not reset");

    // The body is a Fractal page whose links lead to the next page.
    let body = &pages.responses[0];
    let start = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let page: Value = serde_json::from_slice(&body[start..]).unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    assert_eq!(page["data"][0]["beta_flags"]["a"], true);
    assert_eq!(page["meta"]["pagination"]["total_pages"], 3);
    let next = page["meta"]["pagination"]["links"]["next"]
        .as_str()
        .unwrap();
    assert!(
        next.starts_with(server.base_url()) && next.contains("page=2"),
        "{next}"
    );
}

#[test]
fn refuses_what_it_did_not_render() {
    assert_eq!(ask(&get("?page=2", true), true, 10), Ask::Page(2));
    assert!(
        matches!(ask(&get("?per_page=11", true), true, 10), Ask::Refused(s, _) if s.starts_with("422"))
    );
    assert!(
        matches!(ask(&get("?page=0", true), true, 10), Ask::Refused(s, _) if s.starts_with("422"))
    );
    assert!(matches!(ask(&get("", false), false, 10), Ask::Refused(s, _) if s.starts_with("401")));
    assert!(
        matches!(ask("GET /api/other HTTP/1.1", true, 10), Ask::Refused(s, _) if s.starts_with("404"))
    );
}
