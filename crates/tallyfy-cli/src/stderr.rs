//! Everything the CLI writes to stderr goes through here: each line escaped (no
//! control character reaches the terminal, a newline in server text cannot forge a
//! second line), the token redacted, and drawn around the progress bar.

use crate::term::{escape, redact};
use indicatif::ProgressBar;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);
static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: no warnings from now on.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The bar that lines are drawn around, or none.
pub fn set_bar(bar: Option<ProgressBar>) {
    *BAR.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// The bar being shown, if any.
pub fn bar() -> Option<ProgressBar> {
    BAR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Writes `text` as one line: redacted, escaped, with the bar hidden meanwhile.
/// A failed write to stderr is ignored (there is nowhere left to report it).
pub fn line(text: &str) {
    let shown = escape(&redact(text));
    let write = || {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{shown}");
    };
    match bar() {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// `warning: ...`, unless `-q`.
pub fn warning(text: &str) {
    if !quiet() {
        line(&format!("warning: {text}"));
    }
}
