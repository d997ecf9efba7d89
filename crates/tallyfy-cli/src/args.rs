//! Command-line arguments. Every number is range-checked here, so a bad one is a
//! usage error (exit 2) and never reaches code that could panic on it.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Longest `--timeout`, in seconds (a day: anything longer is a typo).
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// Most `--max-retries`.
pub const MAX_RETRIES: u32 = 20;
/// Most `--per-page` (the server caps lower).
pub const MAX_PER_PAGE: u64 = 1_000;
/// Most `--concurrency`.
pub const MAX_CONCURRENCY: u64 = 16;
/// Most `--heal-pages`.
pub const MAX_HEAL_PAGES: u64 = 100_000;
/// Exit code of a walk that printed what it could but may have missed members.
pub const EXIT_POSSIBLE_GAP: u8 = 3;

const AFTER_HELP: &str = "\
Logs: -v shows retries, their waits, rate-limit pauses and drift; -vv everything;
RUST_LOG (e.g. RUST_LOG=tallyfy_ext=debug) overrides both. Logs go to stderr.
A progress bar shows on a terminal's stderr while `members list --all` writes to a
file or pipe. Ctrl-C during --all keeps what was printed, prints where to resume
and exits 130; a second Ctrl-C exits at once. A failed or interrupted --all walk
writes a checkpoint file (--checkpoint FILE, or one in the temp directory) that
--resume FILE continues exactly: no member printed twice.
Exit codes: 0 success, 1 API, network or output failure, 2 bad usage, 3 the walk
ended but members may be missing (the list changed under it and healing could not
prove otherwise; run it again), 130 interrupted.";

/// List and fetch the members of a Tallyfy organization.
#[derive(Debug, Parser)]
#[command(name = "tallyfy", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options for every command.
#[derive(Debug, Args)]
pub struct Global {
    /// API root URL.
    #[arg(long, global = true, env = "TALLYFY_BASE_URL", default_value = tallyfy_ext::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Access token (prefer the environment variable: arguments show up in `ps`).
    #[arg(
        long,
        global = true,
        env = "TALLYFY_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Organization id.
    #[arg(long, global = true, env = "TALLYFY_ORG_ID")]
    pub org: Option<String>,
    /// Start an embedded fake Tallyfy server with a demo organization and use it
    /// (no account, token or network needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Retries of failed requests (0 disables them; at most 20).
    #[arg(long, global = true, default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETRIES)))]
    pub max_retries: u32,
    /// Seconds allowed for each request attempt (more than 0, at most 86400).
    #[arg(long, global = true, default_value_t = 30.0, value_parser = seconds)]
    pub timeout: f64,
    /// More logs on stderr: -v retries, waits and drift; -vv everything.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// No warnings, logs or progress bar on stderr (errors still).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// A number of seconds in (0, 86400].
fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if value.is_finite() && value > 0.0 && value <= MAX_TIMEOUT_SECS {
        Ok(value)
    } else {
        Err(format!(
            "{text} is not a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}"
        ))
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Organization members.
    #[command(subcommand)]
    Members(Members),
    /// Print a shell completion script (e.g. `tallyfy completions bash > /etc/bash_completion.d/tallyfy`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page, in roff (e.g. `tallyfy man > tallyfy.1`).
    Man,
}

/// Member commands.
#[derive(Debug, Subcommand)]
pub enum Members {
    /// List members: one page, or every page with --all.
    List(ListArgs),
    /// Show one member.
    Get(GetArgs),
}

/// `members list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Walk every page (from --page on).
    #[arg(long)]
    pub all: bool,
    /// Page to fetch (1-based); with --all, the page to start from.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub page: u64,
    /// Members per page, 1 to 1000 (the server may cap it).
    #[arg(long, default_value_t = 100,
        value_parser = clap::value_parser!(u64).range(1..=MAX_PER_PAGE))]
    pub per_page: u64,
    /// Related data to include, comma-separated: groups, stats, country, ...
    #[arg(long, value_delimiter = ',')]
    pub with: Vec<String>,
    /// Search text (first name, last name, email).
    #[arg(long)]
    pub q: Option<String>,
    /// Sort field; prefix with - for descending (e.g. -created_at).
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Stop after this many members (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max: Option<u64>,
    /// Pages fetched at once during --all, 1 to 16.
    #[arg(long, default_value_t = 1,
        value_parser = clap::value_parser!(u64).range(1..=MAX_CONCURRENCY))]
    pub concurrency: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Extra requests --all may spend re-reading pages when the list changed under
    /// the walk, so that no member is missed (0 turns healing off; default 256).
    #[arg(long, value_name = "PAGES",
        value_parser = clap::value_parser!(u64).range(0..=MAX_HEAL_PAGES))]
    pub heal_pages: Option<u64>,
    /// Continue the walk a checkpoint file describes, printing none of the members
    /// it printed (the checkpoint's page size and filters are used).
    #[arg(long, value_name = "FILE", requires = "all", conflicts_with_all = ["page", "per_page"])]
    pub resume: Option<std::path::PathBuf>,
    /// Where a failed or interrupted --all walk writes its checkpoint (default: a new
    /// file in the temp directory, named on stderr).
    #[arg(long, value_name = "FILE", requires = "all")]
    pub checkpoint: Option<std::path::PathBuf>,
}

/// `members get` options.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The member's numeric user id (at least 1).
    #[arg(allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
    pub user_id: i64,
    /// Related data to include, comma-separated: groups, stats, country, ...
    #[arg(long, value_delimiter = ',')]
    pub with: Vec<String>,
    /// Output format (ndjson prints one line).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How members are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// The response-shaped JSON document.
    Json,
    /// One member per line, streamed as pages arrive.
    Ndjson,
    /// A header row and one member per row (includes flattened; formula cells neutralised).
    Csv,
}

#[cfg(test)]
pub(crate) mod tests;
