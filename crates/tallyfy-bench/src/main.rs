//! `tallyfy-bench`: runs every benchmark figure and prints one table.
//!
//! `cargo run --release -p tallyfy-bench` (alias `cargo bench-report`). See
//! `BENCHMARKS.md` for what each figure measures and the latest results.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;
use tallyfy_bench::harness::{Bench, server_workers, target_dir};
use tallyfy_bench::report::{Row, render};
use tallyfy_bench::{decode, fanout, memory, overhead, python, regen};
use tallyfy_fake::{FakeTallyfy, RunningFake};

/// Benchmarks of the Tallyfy SDK against a hand-written client, the page-latency
/// limit and Tallyfy's Python SDK, on loopback against the fake server.
#[derive(Debug, Parser)]
#[command(name = "tallyfy-bench")]
struct Args {
    /// Timed runs per figure (each after one untimed warm-up).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Rebuild pairs for figure 5 (property added, then removed: two samples each).
    #[arg(long, default_value_t = 2)]
    edit_pairs: usize,
    /// Run only these figures.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Figure>,
    /// Skip these figures.
    #[arg(long, value_enum, value_delimiter = ',')]
    skip: Vec<Figure>,
    /// Also write the report (machine and table) here; relative to the target directory.
    #[arg(long, default_value = "bench-report.md")]
    out: PathBuf,
    /// Instead of the figures: walk the 100k organization with one client only, `--runs`
    /// times, for `perf record` (see BENCHMARKS.md, "Profiling").
    #[arg(long, value_enum)]
    profile_walk: Option<Walker>,
}

/// The client `--profile-walk` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Walker {
    /// The SDK's member stream.
    Sdk,
    /// The hand-written reqwest + serde_json loop.
    Hand,
}

/// The figures, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Figure {
    /// 1: SDK walk vs hand-written walk of 100k members.
    Overhead,
    /// 2: sequential vs concurrent walks at +20 ms per request.
    Fanout,
    /// 4: members decoded per second, SDK types vs a minimal struct.
    Decode,
    /// 3: peak RSS of the CLI streaming 10k vs 100k members.
    Memory,
    /// 6: the Python SDK vs the Rust SDK on 10k members.
    Python,
    /// 5: `cargo xtask generate` and the rebuild after a spec edit (edits the tree; last).
    Regen,
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// The machine the figures ran on, as Markdown bullets.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = read("/proc/meminfo");
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} GiB", kib / 1048576.0),
        );
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("-V")
        .output()
        .map(|o| first_line(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or_else(|_| "unknown".into());
    let kernel = first_line(&read("/proc/sys/kernel/osrelease"));
    let workers = server_workers();
    format!(
        "- CPU: {cpu}, {cores} cores available\n- memory: {memory}\n- kernel: Linux {kernel}\n- {rustc}, release profile\n- fake server: in-process, own multi-thread runtime ({workers} worker thread(s)); code under test: current-thread runtime on the main thread\n"
    )
}

fn some(fake: Option<&RunningFake>) -> Result<&RunningFake> {
    fake.context("the fake this figure needs was not started")
}

/// Walks the 100k organization `bench.runs` times with one client, printing each time.
fn profile_walk(bench: &Bench, walker: Walker) -> Result<()> {
    use tallyfy_bench::harness::{http_client, sdk_client, sdk_headers};
    let fake = bench.start_fake(
        FakeTallyfy::builder()
            .members(overhead::MEMBERS)
            .max_per_page(overhead::PER_PAGE),
    )?;
    let http = http_client()?;
    let (sdk, headers) = (sdk_client(&fake, &http)?, sdk_headers(fake.token())?);
    eprintln!(
        "size_of Member: {} bytes, HandMember: {} bytes",
        std::mem::size_of::<tallyfy_ext::types::Member>(),
        std::mem::size_of::<tallyfy_bench::handwritten::HandMember>()
    );
    for _ in 0..bench.runs {
        fake.clear_requests();
        let (secs, tally) = match walker {
            Walker::Sdk => bench.time(overhead::sdk_walk(&sdk, overhead::PER_PAGE, 1))?,
            Walker::Hand => bench.time(tallyfy_bench::handwritten::walk(
                &http,
                &fake.base_url(),
                fake.org(),
                &headers,
                overhead::PER_PAGE,
            ))?,
        };
        eprintln!("{walker:?} walk: {secs:.3} s, {} members", tally.members);
    }
    bench.stop_fake(fake);
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let wanted =
        |f: Figure| (args.only.is_empty() || args.only.contains(&f)) && !args.skip.contains(&f);
    if regen::repair_leftover()? {
        eprintln!(
            "tallyfy-bench: restored the spec and generated code a killed run had left edited"
        );
    }
    let bench = Bench::new(args.runs)?;
    if let Some(walker) = args.profile_walk {
        return profile_walk(&bench, walker);
    }
    // Ctrl-C during figure 5 must not leave the shared tree edited.
    bench.server_handle().spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            regen::restore_if_editing();
            std::process::exit(130);
        }
    });
    let cli = if wanted(Figure::Memory) {
        eprintln!("building the release tallyfy CLI for figure 3");
        Some(memory::build_cli()?)
    } else {
        None
    };
    let needs = |figures: &[Figure]| figures.iter().any(|f| wanted(*f));
    let start = |members: usize| {
        eprintln!("starting a fake organization of {members} members");
        bench.start_fake(
            FakeTallyfy::builder()
                .members(members)
                .max_per_page(overhead::PER_PAGE),
        )
    };
    let large = needs(&[Figure::Overhead, Figure::Memory])
        .then(|| start(overhead::MEMBERS))
        .transpose()?;
    let small = needs(&[Figure::Memory, Figure::Python])
        .then(|| start(python::MEMBERS))
        .transpose()?;

    let mut rows: Vec<Row> = Vec::new();
    let mut step = |figure: Figure, run: &mut dyn FnMut() -> Result<Vec<Row>>| -> Result<()> {
        if wanted(figure) {
            let t = Instant::now();
            eprintln!("figure {figure:?} ...");
            rows.extend(run().with_context(|| format!("figure {figure:?}"))?);
            eprintln!(
                "figure {figure:?} done in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        Ok(())
    };
    let (large_ref, small_ref) = (large.as_ref(), small.as_ref());
    step(Figure::Overhead, &mut || {
        overhead::run(&bench, some(large_ref)?)
    })?;
    step(Figure::Fanout, &mut || fanout::run(&bench))?;
    step(Figure::Decode, &mut || decode::run(&bench))?;
    step(Figure::Memory, &mut || {
        let cli = cli.as_ref().context("CLI not built")?;
        memory::run(bench.runs, cli, some(small_ref)?, some(large_ref)?)
    })?;
    step(Figure::Python, &mut || {
        python::run(&bench, some(small_ref)?)
    })?;
    for fake in [large, small].into_iter().flatten() {
        bench.stop_fake(fake);
    }
    step(Figure::Regen, &mut || {
        regen::run(bench.runs, args.edit_pairs)
    })?;

    let total = started.elapsed().as_secs_f64();
    let report = format!(
        "{}\n{}\nTotal wall time of the benchmark run: {total:.0} s ({} runs per figure).\n",
        machine(),
        render(&rows),
        bench.runs
    );
    println!("\n{report}");
    let out = target_dir().join(&args.out);
    std::fs::write(&out, &report).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("report written to {}", out.display());
    Ok(())
}
