//! The commands: build a client, call tallyfy-ext, print. No API logic here.

use crate::args::{Format, GetArgs, Global, ListArgs};
use crate::output::{MemberWriter, write_member};
use futures::TryStreamExt;
use serde_json::json;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;
use tallyfy_ext::{Client, Include, UntypedMember, WalkSummary};

/// Bytes buffered before stdout is written (std's default is 8 KiB).
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Why a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or input (exit 2).
    Usage(String),
    /// The API or the network failed (exit 1).
    Api(tallyfy_ext::Error),
    /// Writing the output failed (exit 1; a closed pipe is not reported).
    Output(io::Error),
}

impl From<tallyfy_ext::Error> for Failure {
    fn from(err: tallyfy_ext::Error) -> Self {
        if err.kind() == tallyfy_ext::ErrorKind::InvalidInput {
            Failure::Usage(err.to_string())
        } else {
            Failure::Api(err)
        }
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Output(err)
    }
}

/// The client for the global options; with `--demo`, pointed at `demo`'s fake server.
pub fn client(
    global: &Global,
    demo: Option<&tallyfy_fake::RunningFake>,
) -> Result<Client, Failure> {
    if !(global.timeout.is_finite() && global.timeout > 0.0) {
        return Err(Failure::Usage(format!(
            "--timeout {} is not a positive number of seconds",
            global.timeout
        )));
    }
    let mut builder = Client::builder()
        .max_retries(global.max_retries)
        .timeout(Duration::from_secs_f64(global.timeout));
    builder = match demo {
        Some(fake) => builder
            .base_url(fake.base_url())
            .access_token(fake.token())
            .org_id(fake.org()),
        None => {
            let token = global.token.clone().ok_or_else(|| {
                Failure::Usage(
                    "no access token: pass --token or set TALLYFY_ACCESS_TOKEN (or try --demo)"
                        .into(),
                )
            })?;
            let org = global.org.clone().ok_or_else(|| {
                Failure::Usage("no organization: pass --org or set TALLYFY_ORG_ID".into())
            })?;
            builder
                .base_url(&global.base_url)
                .access_token(token)
                .org_id(org)
        }
    };
    Ok(builder.build()?)
}

fn includes(names: &[String]) -> Result<Vec<Include>, Failure> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.parse::<Include>().map_err(Failure::from))
        .collect()
}

/// `members list`.
pub async fn list(client: &Client, args: &ListArgs) -> Result<(), Failure> {
    let with = includes(&args.with)?;
    let mut request = client
        .members()
        .per_page(args.per_page)
        .with(with.iter().cloned())
        .concurrency(args.concurrency);
    if let Some(q) = &args.q {
        request = request.q(q);
    }
    if let Some(sort) = &args.sort {
        request = request.sort(sort);
    }
    let stdout = io::stdout().lock();
    let mut writer = MemberWriter::new(
        // A page of 100 members is many KiB of NDJSON: written in a few calls, not one per line
        // or per 8 KiB.
        io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout),
        args.format,
        with.contains(&Include::Groups),
    );
    if !args.all {
        let page = request.page(args.page).await?;
        writer.begin()?;
        let max = args.max.map_or(usize::MAX, |m| m as usize);
        for member in page.items.iter().take(max) {
            writer.member(member)?;
        }
        for member in page
            .untyped
            .iter()
            .take(max.saturating_sub(page.items.len()))
        {
            write_untyped(&mut writer, member)?;
        }
        let meta = json!({"pagination": {"total": page.total, "count": page.items.len(), "per_page": page.per_page,
            "current_page": page.page, "total_pages": page.total_pages}});
        return Ok(writer.end(meta)?);
    }
    if let Some(max) = args.max {
        request = request.max_items(max);
    }
    let mut pages = request.start_page(args.page).pages();
    let progress = io::stderr().is_terminal();
    // The first page comes before any output, so bad input prints nothing on stdout.
    let mut next = pages.try_next().await?;
    writer.begin()?;
    let outcome = async {
        while let Some(page) = next {
            for member in &page.items {
                writer.member(member)?;
            }
            for member in &page.untyped {
                write_untyped(&mut writer, member)?;
            }
            // Each page reaches the reader as it arrives (ndjson is a stream).
            writer.flush()?;
            if progress {
                let of = page
                    .total_pages
                    .map(|t| format!("/{t}"))
                    .unwrap_or_default();
                eprint!(
                    "\r\x1b[Kpage {}{of}, {} members",
                    page.page,
                    writer.written()
                );
            }
            next = pages.try_next().await?;
        }
        Ok::<_, Failure>(())
    }
    .await;
    if progress {
        eprint!("\r\x1b[K");
    }
    // Members already printed stay printed; the error says where to resume.
    let summary = pages.summary();
    report(&summary);
    outcome?;
    let meta = json!({"walk": {"pages": summary.pages, "members": summary.items, "truncated": summary.truncated,
        "duplicates_skipped": summary.duplicates_skipped, "untyped": summary.untyped,
        "members_added": summary.members_added, "members_removed": summary.members_removed,
        "possible_gap": summary.possible_gap(), "repeats_unchecked": summary.repeats_unchecked}});
    Ok(writer.end(meta)?)
}

/// A member the SDK could not type: printed raw, named on stderr.
fn write_untyped<W: Write>(
    writer: &mut MemberWriter<W>,
    member: &UntypedMember,
) -> Result<(), Failure> {
    eprintln!("warning: {member}");
    Ok(writer.raw(&member.value().unwrap_or_default())?)
}

/// What a walk met on the way, on stderr (stdout holds only members).
fn report(summary: &WalkSummary) {
    if let Some(drift) = summary.drift {
        let size = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
        eprintln!(
            "warning: the member list changed during the walk (total {} -> {}, first seen on page {}; {} added, {} removed between pages); {} duplicate(s) skipped",
            size(drift.total_before),
            size(drift.total_after),
            drift.at_page,
            summary.members_added,
            summary.members_removed,
            summary.duplicates_skipped
        );
    } else if summary.duplicates_skipped > 0 {
        eprintln!(
            "warning: {} duplicate member(s) skipped",
            summary.duplicates_skipped
        );
    }
    if summary.possible_gap() > 0 {
        eprintln!(
            "warning: up to {} member(s) may be missing: members removed during the walk shift later ones onto pages already read; run it again to be sure",
            summary.possible_gap()
        );
    }
    if summary.repeats_unchecked > 0 {
        eprintln!(
            "warning: up to {} member(s) may have been printed twice: the list grew by more than the walk could check",
            summary.repeats_unchecked
        );
    }
    if summary.untyped > 0 {
        eprintln!(
            "warning: {} member(s) could not be typed and were printed as sent",
            summary.untyped
        );
    }
}

/// `members get`. A member that cannot be typed is printed as sent, with a warning.
pub async fn get(client: &Client, args: &GetArgs) -> Result<(), Failure> {
    let result = client
        .member(args.user_id)
        .with(includes(&args.with)?)
        .send()
        .await;
    let mut out = io::stdout().lock();
    match result {
        Ok(member) => write_member(&mut out, &member, args.format)?,
        Err(err) => match err.untyped_member() {
            Some(member) => {
                eprintln!("warning: {member}");
                match args.format {
                    Format::Json => writeln!(out, "{}", json!({ "data": member.raw }))?,
                    Format::Table | Format::Ndjson => writeln!(out, "{}", member.raw)?,
                }
            }
            None => return Err(err.into()),
        },
    }
    Ok(out.flush()?)
}
