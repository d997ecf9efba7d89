//! `tallyfy-bench`: runs every benchmark figure and prints one table.
//!
//! `cargo run --release -p tallyfy-bench` (alias `cargo bench-report`). See
//! `BENCHMARKS.md` for what each figure measures and the latest results.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tallyfy_bench::handwritten::write_ndjson;
use tallyfy_bench::harness::{Bench, server_workers, target_dir};
use tallyfy_bench::pageserver::{ORG, PageServer, TOKEN};
use tallyfy_bench::report::{Row, cells, merge_rows, parse_table, render_cells};
use tallyfy_bench::roster::{Ids, Roster};
use tallyfy_bench::{
    cli_ndjson, decode, fanout, markdown, memory, overhead, pacing, process, python, regen,
};
use tallyfy_fake::{DEFAULT_SEED, FakeTallyfy};

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
    /// Write the results section of BENCHMARKS.md even though `--only`/`--skip` left
    /// figures out (a full run writes it unless `--no-write`).
    #[arg(long, conflicts_with = "no_write")]
    write: bool,
    /// Do not touch BENCHMARKS.md.
    #[arg(long)]
    no_write: bool,
    /// Instead of the figures: serve this many members from the page server (pages of
    /// 100, rendered up front), print its base URL, token and org, and wait for Ctrl-C;
    /// for profiling the CLI (see BENCHMARKS.md, "Profiling").
    #[arg(long, value_name = "MEMBERS")]
    serve_pages: Option<usize>,
    /// Internal: be the hand-written NDJSON walker of figure 7 against this base URL
    /// (token and org from `TALLYFY_ACCESS_TOKEN` and `TALLYFY_ORG_ID`).
    #[arg(long, value_name = "BASE_URL", hide = true)]
    hand_ndjson: Option<String>,
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

/// The figures (they run in the order of `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Figure {
    /// 1: SDK walk vs hand-written walk of 100k members.
    Overhead,
    /// 2: sequential vs concurrent walks at +20 ms per request.
    Fanout,
    /// 4: members decoded per second, SDK types vs a minimal struct.
    Decode,
    /// 3: peak RSS of the CLI streaming 10k vs 300k members (sparse ids, sorted).
    Memory,
    /// 7: the whole CLI process writing NDJSON vs a hand-written process.
    Cli,
    /// 6: the Python SDK vs the Rust SDK on 10k members.
    Python,
    /// 8: a walk under a rate limit of R requests per window, paced and not.
    Pacing,
    /// 5: `cargo xtask generate` and the rebuild after a spec edit (edits the tree; last).
    Regen,
}

/// The 100k roster of figures 1 and 7, in id order (the fake's ids).
fn overhead_roster(bench: &Bench) -> Result<Roster> {
    eprintln!("generating {} members", overhead::MEMBERS);
    Roster::generate(bench, overhead::MEMBERS, DEFAULT_SEED, Ids::Consecutive)
}

/// Walks the 100k organization `bench.runs` times with one client, printing each time.
fn profile_walk(bench: &Bench, walker: Walker) -> Result<()> {
    use tallyfy_bench::harness::{http_client, sdk_headers};
    let server = PageServer::start(
        bench,
        &overhead_roster(bench)?,
        overhead::PER_PAGE,
        Duration::ZERO,
    )?;
    let http = http_client()?;
    let (sdk, headers) = (server.client(&http)?, sdk_headers(TOKEN)?);
    eprintln!(
        "size_of Member: {} bytes, HandMember: {} bytes",
        std::mem::size_of::<tallyfy_ext::types::Member>(),
        std::mem::size_of::<tallyfy_bench::handwritten::HandMember>()
    );
    for _ in 0..bench.runs {
        let rereads = match walker {
            Walker::Sdk => overhead::sdk_rereads(overhead::MEMBERS, overhead::PER_PAGE),
            Walker::Hand => 0,
        };
        let (secs, tally) = match walker {
            Walker::Sdk => bench.time(overhead::sdk_walk(&sdk, overhead::PER_PAGE, 1))?,
            Walker::Hand => bench.time(tallyfy_bench::handwritten::walk(
                &http,
                server.base_url(),
                ORG,
                &headers,
                overhead::PER_PAGE,
            ))?,
        };
        overhead::check_served(&server, tally, rereads, "walk")?;
        eprintln!("{walker:?} walk: {secs:.3} s, {} members", tally.members);
    }
    Ok(())
}

/// `--serve-pages`: a page server for profiling by hand, until Ctrl-C.
fn serve_pages(bench: &Bench, members: usize) -> Result<()> {
    let roster = Roster::generate(bench, members, DEFAULT_SEED, Ids::Consecutive)?;
    let server = PageServer::start(bench, &roster, overhead::PER_PAGE, Duration::ZERO)?;
    println!("{}", server.base_url());
    println!("TALLYFY_ACCESS_TOKEN={TOKEN} TALLYFY_ORG_ID={ORG}");
    bench.server_handle().block_on(tokio::signal::ctrl_c())?;
    Ok(())
}

/// `--hand-ndjson`: figure 7's hand-written walker, writing to stdout.
fn hand_ndjson(base_url: &str) -> Result<()> {
    use tallyfy_bench::harness::{http_client, sdk_headers};
    let env = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
    let (token, org) = (env("TALLYFY_ACCESS_TOKEN")?, env("TALLYFY_ORG_ID")?);
    // What `#[tokio::main]` builds.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (http, headers) = (http_client()?, sdk_headers(&token)?);
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_ndjson(
            &http,
            base_url,
            &org,
            &headers,
            overhead::PER_PAGE,
            &mut out,
        )
        .await?;
        Ok(())
    })
}

impl Figure {
    /// Its number in BENCHMARKS.md (rows start with it: `8. ...`).
    fn number(self) -> u32 {
        match self {
            Figure::Overhead => 1,
            Figure::Fanout => 2,
            Figure::Memory => 3,
            Figure::Decode => 4,
            Figure::Regen => 5,
            Figure::Python => 6,
            Figure::Cli => 7,
            Figure::Pacing => 8,
        }
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(base_url) = &args.hand_ndjson {
        return hand_ndjson(base_url);
    }
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
    if let Some(members) = args.serve_pages {
        return serve_pages(&bench, members);
    }
    // Ctrl-C during figure 5 must not leave the shared tree edited.
    bench.server_handle().spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            regen::restore_if_editing();
            std::process::exit(130);
        }
    });
    let (date, commit, load_before) = (markdown::today(), markdown::commit(), markdown::load());
    let needs = |figures: &[Figure]| figures.iter().any(|f| wanted(*f));
    let cli = if needs(&[Figure::Memory, Figure::Cli]) {
        eprintln!("building the release tallyfy CLI for figures 3 and 7");
        Some(process::build_cli()?)
    } else {
        None
    };
    let roster = needs(&[Figure::Overhead, Figure::Cli])
        .then(|| overhead_roster(&bench))
        .transpose()?;
    let pages = roster
        .as_ref()
        .map(|r| PageServer::start(&bench, r, overhead::PER_PAGE, Duration::ZERO))
        .transpose()?;
    let small = wanted(Figure::Python)
        .then(|| {
            eprintln!(
                "starting a fake organization of {} members",
                python::MEMBERS
            );
            bench.start_fake(
                FakeTallyfy::builder()
                    .members(python::MEMBERS)
                    .max_per_page(overhead::PER_PAGE),
            )
        })
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
    let cli = cli.as_deref();
    step(Figure::Overhead, &mut || {
        overhead::run(&bench, pages.as_ref().context("no page server")?)
    })?;
    step(Figure::Cli, &mut || {
        let (server, roster) = (pages.as_ref(), roster.as_ref());
        cli_ndjson::run(
            &bench,
            cli.context("CLI not built")?,
            server.context("no page server")?,
            roster.context("no roster")?,
        )
    })?;
    step(Figure::Fanout, &mut || fanout::run(&bench))?;
    step(Figure::Decode, &mut || decode::run(&bench))?;
    step(Figure::Memory, &mut || {
        memory::run(&bench, cli.context("CLI not built")?)
    })?;
    step(Figure::Python, &mut || {
        python::run(&bench, small.as_ref().context("no fake")?)
    })?;
    step(Figure::Pacing, &mut || pacing::run(&bench))?;
    drop((pages, roster));
    if let Some(fake) = small {
        bench.stop_fake(fake);
    }
    step(Figure::Regen, &mut || {
        regen::run(bench.runs, args.edit_pairs)
    })?;

    let total = started.elapsed().as_secs_f64();
    let left_out: Vec<String> = Figure::value_variants()
        .iter()
        .filter(|f| !wanted(**f))
        .map(|f| format!("{f:?}").to_lowercase())
        .collect();
    let fresh: Vec<[String; 7]> = rows.iter().map(cells).collect();
    let partial_write = !left_out.is_empty() && args.write && !args.no_write;
    let (table, scope, heading) = if partial_write {
        // Keep the other figures' rows from the section already written.
        let previous = markdown::current_section();
        let ran: Vec<u32> = Figure::value_variants()
            .iter()
            .filter(|f| wanted(**f))
            .map(|f| f.number())
            .collect();
        let merged = merge_rows(parse_table(&previous), fresh, &ran);
        let earlier = markdown::earlier_run(&previous);
        let figures: Vec<String> = ran.iter().map(u32::to_string).collect();
        let heading = format!(
            "Figure(s) {} run with `cargo bench-report --only ... --write` ({} timed runs per figure) on \
             {date}, commit `{commit}`; the other rows are kept from the section before (its first line: \
             \"{earlier}\"):",
            figures.join(", "),
            bench.runs
        );
        (merged, String::new(), heading)
    } else {
        let scope = if left_out.is_empty() {
            String::new()
        } else {
            format!(" Figures not run: {}.", left_out.join(", "))
        };
        let heading = format!(
            "Run with `cargo bench-report` ({} timed runs per figure) on {date}, commit `{commit}`:",
            bench.runs
        );
        (fresh, scope, heading)
    };
    let section = format!(
        "{heading}\n\n{}\
         - load average (1, 5, 15 min) at the start: {load_before}; at the end: {} (on {} cores; \
         other processes' load makes both sides of a ratio slower alike, but not equally)\n\n{}\n{}{scope}\n\n\
         Total wall time of the run: {total:.0} s.\n",
        markdown::machine(server_workers()),
        markdown::load(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        render_cells(table.clone()),
        markdown::verdict(&table),
    );
    println!("\n{section}");
    let out = target_dir().join(&args.out);
    std::fs::write(&out, &section).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("report written to {}", out.display());
    if !args.no_write && (left_out.is_empty() || args.write) {
        markdown::write_benchmarks(&section)?;
        eprintln!("results section of BENCHMARKS.md rewritten");
    } else {
        eprintln!("BENCHMARKS.md left alone (figures left out: pass --write to write it anyway)");
    }
    Ok(())
}
