//! `tallyfy-fake`: run the fake Tallyfy member API until killed.
//!
//! The first line of stdout is the base URL, so scripts can read it:
//! `URL=$(tallyfy-fake --port 0 | head -n 1)`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use tallyfy_fake::{DEFAULT_ORG, DEFAULT_SEED, DEFAULT_TOKEN, FakeTallyfy, Faults};

/// A fake Tallyfy member API server on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "tallyfy-fake", version)]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of seeded members.
    #[arg(long, default_value_t = 25)]
    members: usize,
    /// Organization id served.
    #[arg(long, default_value = DEFAULT_ORG)]
    org: String,
    /// Bearer token accepted.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,
    /// Seed of the generated members.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability (0 to 1) that a request gets a transient fault (429, 5xx, HTML 503,
    /// empty 502 or a dropped connection).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault RNG.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// per_page used when a request sends none.
    #[arg(long, default_value_t = 10)]
    default_per_page: u64,
    /// Larger per_page values are capped to this.
    #[arg(long, default_value_t = 100)]
    max_per_page: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let fake = FakeTallyfy::builder()
        .port(args.port)
        .members(args.members)
        .org(args.org)
        .token(args.token)
        .seed(args.seed)
        .latency(Duration::from_millis(args.latency_ms))
        .faults(Faults::random(args.fault_rate, args.fault_seed))
        .default_per_page(args.default_per_page)
        .max_per_page(args.max_per_page)
        .start()
        .await?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", fake.base_url())?;
    stdout.flush()?;
    drop(stdout);
    eprintln!(
        "tallyfy-fake: organization {} with {} members; Ctrl-C or SIGTERM stops it",
        fake.org(),
        fake.member_count()
    );

    stop_signal().await;
    fake.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
