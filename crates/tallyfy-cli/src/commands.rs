//! The commands: build a client, call tallyfy-ext, print. No API logic here.

use crate::args::{GetArgs, Global, ListArgs};
use crate::output::{MemberWriter, write_member};
use futures::TryStreamExt;
use serde_json::json;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;
use tallyfy_ext::{Client, Include};

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
        io::BufWriter::new(stdout),
        args.format,
        with.contains(&Include::Groups),
    );
    if !args.all {
        let page = request.page(args.page).await?;
        writer.begin()?;
        for member in page
            .items
            .iter()
            .take(args.max.map_or(usize::MAX, |m| m as usize))
        {
            writer.member(member)?;
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
    outcome?;
    let summary = pages.summary();
    let meta = json!({"walk": {"pages": summary.pages, "members": summary.items, "truncated": summary.truncated,
        "duplicates_skipped": summary.duplicates_skipped}});
    Ok(writer.end(meta)?)
}

/// `members get`.
pub async fn get(client: &Client, args: &GetArgs) -> Result<(), Failure> {
    let member = client
        .member(args.user_id)
        .with(includes(&args.with)?)
        .send()
        .await?;
    let mut out = io::stdout().lock();
    write_member(&mut out, &member, args.format)?;
    Ok(out.flush()?)
}
