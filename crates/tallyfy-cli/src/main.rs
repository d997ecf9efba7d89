//! `tallyfy`: list and fetch Tallyfy members from the command line.
//!
//! A thin shell over tallyfy-ext: arguments in, SDK calls, formatted output. Exit
//! codes: 0 success, 1 API, network, output or set-up failure, 2 bad usage, 3 a
//! walk that may have missed members, 130 interrupted. The token never appears in any output; nothing a server sends
//! reaches the terminal as a control character.
#![forbid(unsafe_code)]

mod args;
mod checkpoint;
mod commands;
mod failure;
mod interrupt;
mod logs;
mod output;
mod progress;
mod sdk_events;
mod stderr;
mod term;

use args::{Cli, Command, Members};
use clap::{CommandFactory, Parser};
use failure::Failure;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Members in the `--demo` organization.
const DEMO_MEMBERS: usize = 250;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage(&err),
    };
    if let Some(token) = &cli.global.token {
        term::add_secret(token);
    }
    stderr::set_quiet(cli.global.quiet);
    let bar = wants_bar(&cli).then(|| progress::bar(indicatif::ProgressDrawTarget::stderr()));
    stderr::set_bar(bar.clone());
    let filter = if cli.global.quiet {
        None
    } else {
        logs::filter(
            cli.global.verbose,
            std::env::var("RUST_LOG").ok().as_deref(),
        )
    };
    logs::init(filter, bar);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            stderr::line(&format!(
                "error: cannot start the async runtime: {}",
                failure::describe_io(&err)
            ));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    if let Some(bar) = stderr::bar() {
        bar.finish_and_clear();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            stderr::line(&format!("error: {message}"));
            ExitCode::from(2)
        }
        Err(Failure::Setup(message)) => {
            stderr::line(&format!("error: {message}"));
            ExitCode::FAILURE
        }
        Err(Failure::Api(err)) => {
            stderr::line(&format!("error: {}", failure::describe(&err)));
            ExitCode::FAILURE
        }
        Err(Failure::Interrupted) => ExitCode::from(interrupt::EXIT_CODE),
        Err(Failure::PossibleGap) => ExitCode::from(args::EXIT_POSSIBLE_GAP),
        // `tallyfy ... | head` closes the pipe early: not an error.
        Err(Failure::Output(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Failure::Output(err)) => {
            stderr::line(&format!(
                "error: writing output: {}",
                failure::describe_io(&err)
            ));
            ExitCode::FAILURE
        }
    }
}

/// A clap error or `--help`/`--version`: printed as clap would, each line escaped
/// (an argument pasted from elsewhere may hold control characters).
fn usage(err: &clap::Error) -> ExitCode {
    let text = err.render().to_string();
    if err.use_stderr() {
        for line in text.lines() {
            stderr::line(line);
        }
    } else {
        let mut out = std::io::stdout().lock();
        let end = if text.ends_with('\n') { "" } else { "\n" };
        let _ = write!(out, "{text}{end}").and_then(|()| out.flush());
    }
    ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
}

/// A progress bar for `members list --all` when stderr is a terminal and stdout is not.
fn wants_bar(cli: &Cli) -> bool {
    let walk = matches!(&cli.command, Command::Members(Members::List(list)) if list.all);
    walk && !cli.global.quiet && std::io::stderr().is_terminal() && !std::io::stdout().is_terminal()
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let interrupt = interrupt::install();
    let members = match &cli.command {
        Command::Members(members) => members,
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut Cli::command(), "tallyfy", &mut out);
            return Ok(out.flush()?);
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            return Ok(out.flush()?);
        }
    };
    let demo = if cli.global.demo {
        let fake = tallyfy_fake::FakeTallyfy::builder()
            .members(DEMO_MEMBERS)
            .seed(42)
            .start()
            .await;
        Some(fake.map_err(|e| {
            Failure::Setup(format!(
                "cannot start the demo server: {}",
                failure::describe_io(&e)
            ))
        })?)
    } else {
        None
    };
    let client = commands::client(&cli.global, demo.as_ref())?;
    match members {
        Members::List(args) => commands::list(&client, args, interrupt).await,
        Members::Get(args) => commands::get(&client, args).await,
    }
}
