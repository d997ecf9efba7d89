//! Logs on stderr: off by default; `-v` shows the SDK's retries with their waits,
//! rate-limit pauses and drift; `-vv` everything; `RUST_LOG` overrides both. Each
//! line goes through [`crate::stderr::line`] (escaped, token redacted).

use crate::progress::ProgressLayer;
use crate::sdk_events;
use indicatif::ProgressBar;
use std::io;
use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// The log filter for `-v` counts, unless `RUST_LOG` is set.
pub fn filter(verbose: u8, rust_log: Option<&str>) -> Option<EnvFilter> {
    if let Some(directives) = rust_log.filter(|d| !d.trim().is_empty()) {
        match EnvFilter::builder().parse(directives) {
            Ok(filter) => return Some(filter),
            Err(err) => crate::stderr::warning(&format!("RUST_LOG ignored: {err}")),
        }
    }
    let directives = match verbose {
        0 => return None,
        // The SDK's retries and waits are DEBUG events; drift is WARN.
        1 => "warn,tallyfy_ext=debug,tallyfy=debug",
        2 => "debug",
        _ => "trace",
    };
    EnvFilter::builder().parse(directives).ok()
}

/// Installs the subscriber: logs by `filter` (none when `None`), and the progress
/// layer feeding `bar` (when there is one).
pub fn init(filter: Option<EnvFilter>, bar: Option<ProgressBar>) {
    let logs = filter.map(|filter| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(StderrLines)
            .with_filter(filter)
    });
    let progress = bar.map(|bar| {
        ProgressLayer::new(bar)
            .with_filter(Targets::new().with_target(sdk_events::TARGET, Level::DEBUG))
    });
    if logs.is_none() && progress.is_none() {
        return;
    }
    let _ = Registry::default()
        .with(logs)
        .with(progress)
        .with(LevelFilter::TRACE)
        .try_init();
}

/// Hands each formatted log event to [`crate::stderr::line`], line by line.
struct StderrLines;

/// One event's text, written out when fmt drops the writer.
struct LineBuffer(Vec<u8>);

impl<'a> MakeWriter<'a> for StderrLines {
    type Writer = LineBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        LineBuffer(Vec::new())
    }
}

impl io::Write for LineBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        for line in text.lines() {
            crate::stderr::line(line);
        }
    }
}
