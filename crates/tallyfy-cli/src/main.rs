//! `tallyfy`: list and fetch Tallyfy members from the command line.
//!
//! A thin shell over tallyfy-ext: arguments in, SDK calls, formatted output. Exit
//! codes: 0 success, 1 API or network error, 2 bad usage. The token never appears
//! in any output.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod output;

use args::{Cli, Command, Members};
use clap::Parser;
use commands::Failure;
use std::process::ExitCode;

/// Members in the `--demo` organization.
const DEMO_MEMBERS: usize = 250;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Api(err)) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
        // `tallyfy ... | head` closes the pipe early: not an error.
        Err(Failure::Output(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Failure::Output(err)) => {
            eprintln!("error: writing output: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let demo = if cli.global.demo {
        let fake = tallyfy_fake::FakeTallyfy::builder()
            .members(DEMO_MEMBERS)
            .seed(42)
            .start()
            .await;
        Some(fake.map_err(|e| Failure::Usage(format!("cannot start the demo server: {e}")))?)
    } else {
        None
    };
    let client = commands::client(&cli.global, demo.as_ref())?;
    match &cli.command {
        Command::Members(Members::List(args)) => commands::list(&client, args).await,
        Command::Members(Members::Get(args)) => commands::get(&client, args).await,
    }
}
