//! The heap one response can take is bounded by the request, not by the server.
//!
//! A counting global allocator (this binary's own) records the peak of live heap
//! bytes while the SDK reads one page of about 30 MiB (under the 32 MiB body cap)
//! in shapes a hostile or broken server could send. The server is a plain thread
//! writing a body built before counting starts, so what is counted is the client.
//! One `#[test]`: the cases run one after another, with nothing else allocating.
//!
//! `TALLYFY_WRITE_RELIABILITY=1 cargo test --release -p tallyfy-ext --test memory`
//! writes the measured peaks into RELIABILITY.md (between its "hostile memory"
//! markers); every run checks that the file has a row for each case.

use futures::TryStreamExt;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tallyfy_ext::{Client, ErrorKind, PaginationFault};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                let grow = new_size - layout.size();
                let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: usize = 1024 * 1024;
/// The documented bound (README, "Limits"): twice the body plus 16 MiB, whatever its
/// shape. (The body is read as it comes and joined once: two copies at that moment;
/// decoding then holds the body and at most one copy of what it decodes.)
fn bound(body: usize) -> usize {
    2 * body + 16 * MIB
}
const ORG: &str = "3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60";

/// Serves `body` to every request, from a thread; returns the base URL.
fn serve(body: Arc<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

/// The peak heap above what was live before, while one page of `body` is read.
fn peak_of_one_page(body: Vec<u8>) -> (usize, tallyfy_ext::Result<usize>) {
    assert!(body.len() < 32 * MIB, "{} bytes: under the cap", body.len());
    let base = serve(Arc::new(body));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(base)
        .access_token("token")
        .org_id(ORG)
        .build()
        .unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let outcome = runtime.block_on(async {
        let mut members = client.members().per_page(100).pages();
        let page = members.try_next().await?;
        Ok(page.map_or(0, |p| p.items.len()))
    });
    (PEAK.load(Ordering::Relaxed) - before, outcome)
}

fn page(members: impl Iterator<Item = String>) -> Vec<u8> {
    let data: Vec<String> = members.collect();
    format!(
        r#"{{"data":[{}],"meta":{{"pagination":{{"total":1,"count":1,"per_page":100,"current_page":1,"total_pages":1,"links":[]}}}}}}"#,
        data.join(",")
    )
    .into_bytes()
}

fn oversized(err: &tallyfy_ext::Error) -> bool {
    err.kind() == ErrorKind::Pagination
        && matches!(
            err.pagination_fault(),
            Some(PaginationFault::OversizedPage { limit: 110, .. })
        )
}

/// What a case ended with, for the table.
fn outcome_text(outcome: &tallyfy_ext::Result<usize>) -> String {
    match outcome {
        Ok(n) => format!("{n} member(s) decoded"),
        Err(err) => match err.pagination_fault() {
            Some(PaginationFault::OversizedPage { limit, .. }) => {
                format!("`Pagination` error, `OversizedPage` at item {}", limit + 1)
            }
            _ => format!("`{:?}` error", err.kind()),
        },
    }
}

const BEGIN: &str = "<!-- hostile memory: written by `TALLYFY_WRITE_RELIABILITY=1 cargo test --release -p tallyfy-ext --test memory`, do not edit by hand -->";
const END: &str = "<!-- end of hostile memory -->";

/// Writes `rows` into RELIABILITY.md when asked to; checks it names every case.
fn record(names: &[String], rows: &[String]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../RELIABILITY.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("RELIABILITY.md lacks the hostile memory markers");
    };
    if std::env::var_os("TALLYFY_WRITE_RELIABILITY").is_some() {
        let table = format!(
            "{BEGIN}\n\n| response (one page, per_page 100) | body | peak heap | bound | outcome |\n|---|---|---|---|---|\n{}\n\n",
            rows.join("\n")
        );
        let written = format!("{}{table}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, written).unwrap();
        return;
    }
    let section = &doc[start..end];
    for name in names {
        assert!(
            section.contains(&format!("| {name} |")),
            "RELIABILITY.md has no row for {name:?}: run this test with TALLYFY_WRITE_RELIABILITY=1"
        );
    }
}

#[test]
fn one_response_stays_under_the_bound_whatever_its_shape() {
    let mut report = Vec::new();
    let mut names = Vec::new();
    let mut check =
        |name: &str, body: Vec<u8>, ok: &dyn Fn(&tallyfy_ext::Result<usize>) -> bool| {
            let size = body.len();
            let (peak, outcome) = peak_of_one_page(body);
            names.push(name.to_owned());
            let mib = |n: usize| format!("{:.1} MiB", n as f64 / MIB as f64);
            report.push(format!(
                "| {name} | {} | {} | {} | {} |",
                mib(size),
                mib(peak),
                mib(bound(size)),
                outcome_text(&outcome)
            ));
            assert!(ok(&outcome), "{name}: {outcome:?}");
            assert!(
                peak < bound(size),
                "{name}: peak {} MiB for {} MiB",
                peak / MIB,
                size / MIB
            );
        };
    // A server ignoring per_page: millions of the smallest members.
    check(
        "1.9 M members {\"id\": N}",
        page((0..1_900_000).map(|i| format!(r#"{{"id":{i}}}"#))),
        &|o| o.as_ref().is_err_and(oversized),
    );
    // The same on the tolerant path (ids as strings, as PHP may send them).
    check(
        "1.7 M members {\"id\": \"N\"}",
        page((0..1_700_000).map(|i| format!(r#"{{"id":"{i}"}}"#))),
        &|o| o.as_ref().is_err_and(oversized),
    );
    // Members that cannot be typed at all (no id).
    check(
        "3.5 M untyped members",
        page((0..3_500_000).map(|_| r#"{"x":1}"#.to_owned())),
        &|o| o.as_ref().is_err_and(oversized),
    );
    // One member with 1.5 M keys the spec does not name, and one it cannot type.
    let keys: Vec<String> = (0..1_500_000).map(|i| format!(r#""k{i}":{i}"#)).collect();
    check(
        "1 member, 1.5 M unknown keys + 1 untypable",
        page(std::iter::once(format!(
            r#"{{"id":1,"invited_by":{{"x":1}},{}}}"#,
            keys.join(",")
        ))),
        &|o| matches!(o, Ok(1)),
    );
    // One member with a 28 MiB name, on both paths.
    let name = "n".repeat(28 * MIB);
    check(
        "1 member, 28 MiB name",
        page(std::iter::once(format!(
            r#"{{"id":1,"full_name":"{name}"}}"#
        ))),
        &|o| matches!(o, Ok(1)),
    );
    check(
        "1 member, 28 MiB name, tolerant",
        page(std::iter::once(format!(
            r#"{{"id":"1","full_name":"{name}"}}"#
        ))),
        &|o| matches!(o, Ok(1)),
    );
    check(
        "1 member, 28 MiB name and an untypable field",
        page(std::iter::once(format!(
            r#"{{"id":1,"invited_by":{{"x":1}},"full_name":"{name}"}}"#
        ))),
        &|o| matches!(o, Ok(1)),
    );
    // 100 members, each with deep and wide unknown values.
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let wide = format!("[{}]", vec!["1"; 140_000].join(","));
    check(
        "100 members with deep and wide unknown values",
        page((0..100).map(|i| format!(r#"{{"id":{i},"d":{deep},"w":{wide}}}"#))),
        &|o| matches!(o, Ok(100)),
    );
    eprintln!("{}", report.join("\n"));
    record(&names, &report);
}
