//! The blocking API: a get and a walk from plain threads on one runtime thread per
//! client, and walks dropped anywhere, even inside async code.
//!
//! One test function, run in order, because it counts the process's
//! `tallyfy-blocking` threads.

use std::time::Duration;
use tallyfy_ext::testing::{Fault, Faults, RunningFake};
use tallyfy_ext::{Client, ErrorKind};

/// Threads named by the blocking runtime (Linux truncates names to 15 bytes).
fn blocking_threads() -> usize {
    if !cfg!(target_os = "linux") {
        return 0;
    }
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("tallyfy-blocki"))
        .count()
}

/// Waits (at most 5 s) for the blocking threads to reach `n`.
fn settle(n: usize) -> usize {
    for _ in 0..500 {
        if blocking_threads() == n {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    blocking_threads()
}

fn client(fake: &RunningFake) -> Client {
    Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .org_id(fake.org())
        .build()
        .unwrap()
}

#[test]
fn blocking_calls_share_one_runtime_per_client_and_walks_drop_anywhere() {
    // The fake runs on a runtime of its own, as a remote server would.
    let server = tokio::runtime::Runtime::new().unwrap();
    let fake = server.block_on(async {
        tallyfy_fake::FakeTallyfy::builder()
            .members(23)
            .start()
            .await
            .unwrap()
    });
    let linux = cfg!(target_os = "linux");
    assert_eq!(blocking_threads(), 0);

    // A blocking get, its meta, and its errors.
    let client = client(&fake);
    let member = client.member(1003).blocking_send().unwrap();
    assert_eq!(member.id, 1003);
    let (member, meta) = client.member(1004).blocking_send_with_meta().unwrap();
    assert_eq!((member.id, meta.attempts), (1004, 1));
    let err = client.member(5).blocking_send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    fake.set_faults(Faults::script(vec![Fault::Status(503)]));
    let member = client.member(1005).blocking_send().unwrap();
    assert_eq!(member.id, 1005, "retried on the blocking runtime");
    // Any operation, on the same runtime.
    let body = client
        .call::<tallyfy_ext::tallyfy_api::calls::GetMember>()
        .customize(|b| b.user_id(1006_u64))
        .blocking_send()
        .unwrap();
    assert_eq!(body.data.id, 1006);

    // A walk, from this thread and from another one, with the same client.
    let walk = client.members().per_page(5).blocking_items().unwrap();
    let ids: Vec<i64> = walk.map(|m| m.unwrap().id).collect();
    assert_eq!(ids, (1001..=1023).collect::<Vec<_>>());
    let other = client.clone();
    let count = std::thread::spawn(move || other.members().blocking_items().unwrap().count())
        .join()
        .unwrap();
    assert_eq!(count, 23);
    if linux {
        assert_eq!(blocking_threads(), 1, "one runtime thread for the client");
    }

    // A second client gets its own.
    let second = self::client(&fake);
    second.member(1001).blocking_send().unwrap();
    if linux {
        assert_eq!(blocking_threads(), 2);
    }
    drop(second);
    if linux {
        assert_eq!(settle(1), 1, "its runtime stops with its last clone");
    }

    // Walks made, partly read and dropped inside async code: no panic.
    let async_side = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let unread = client.members().per_page(5).blocking_items().unwrap();
    let mut partly_read = client.members().per_page(5).blocking_items().unwrap();
    assert_eq!(partly_read.next().unwrap().unwrap().id, 1001);
    let summary = partly_read.summary();
    assert_eq!(summary.pages, 1);
    async_side.block_on(async move {
        let made_here = client.members().per_page(5).blocking_items().unwrap();
        tokio::task::yield_now().await;
        drop(made_here);
        drop(unread);
        drop(partly_read);
        // The last clone of the client too.
        drop(client);
    });
    if linux {
        assert_eq!(settle(0), 0, "the runtime thread ends with the client");
    }
    server.block_on(fake.shutdown());
}
