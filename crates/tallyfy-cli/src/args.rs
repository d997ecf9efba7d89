//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// List and fetch the members of a Tallyfy organization.
#[derive(Debug, Parser)]
#[command(name = "tallyfy", version, about)]
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
    /// Retries of failed requests (0 disables them).
    #[arg(long, global = true, default_value_t = 2)]
    pub max_retries: u32,
    /// Seconds allowed for each request attempt.
    #[arg(long, global = true, default_value_t = 30.0)]
    pub timeout: f64,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Organization members.
    #[command(subcommand)]
    Members(Members),
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
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    /// Members per page (the server may cap it).
    #[arg(long, default_value_t = 100)]
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
    /// Stop after this many members.
    #[arg(long)]
    pub max: Option<u64>,
    /// Pages fetched at once during --all.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `members get` options.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The member's numeric user id.
    #[arg(allow_negative_numbers = true)]
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
}
