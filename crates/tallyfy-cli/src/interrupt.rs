//! Ctrl-C. During `members list --all` the first one ends the walk cleanly (what was
//! printed stays, the summary and the page to resume from go to stderr, exit 130);
//! a second one, or the first anywhere else, exits at once with 130.

use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// The exit code after Ctrl-C (128 + SIGINT).
pub const EXIT_CODE: u8 = 130;

static WALKING: AtomicBool = AtomicBool::new(false);

/// Tells Ctrl-C that a walk can end cleanly from now on.
pub fn walking() {
    WALKING.store(true, Ordering::SeqCst);
}

/// Installs the handler (inside the runtime); the receiver turns `true` on the
/// first Ctrl-C of a walk. Without a handler, Ctrl-C keeps its default.
pub fn install() -> watch::Receiver<bool> {
    let (tell, told) = watch::channel(false);
    let Some(mut signals) = Signals::new() else {
        return told;
    };
    tokio::spawn(async move {
        signals.next().await;
        if WALKING.load(Ordering::SeqCst) {
            let _ = tell.send(true);
            signals.next().await;
        }
        std::process::exit(i32::from(EXIT_CODE));
    });
    told
}

/// SIGINT, registered at once (so a Ctrl-C right after start is not lost).
struct Signals {
    #[cfg(unix)]
    sigint: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt())
            .ok()
            .map(|sigint| Self { sigint })
    }

    #[cfg(not(unix))]
    fn new() -> Option<Self> {
        Some(Self {})
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        if self.sigint.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
