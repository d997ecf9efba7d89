//! The commands: build a client, call tallyfy-ext, print. No API logic here.

use crate::args::{GetArgs, Global, ListArgs};
use crate::failure::Failure;
use crate::output::{Includes, MemberWriter, write_member, write_raw_member};
use crate::{checkpoint, progress, stderr, term};
use futures::TryStreamExt;
use serde_json::json;
use std::io::{self, Write};
use std::time::Duration;
use tallyfy_ext::{Client, Include, UntypedMember, WalkSummary};
use tokio::sync::watch;

/// Bytes buffered before stdout is written (std's default is 8 KiB).
const OUTPUT_BUFFER: usize = 64 * 1024;

/// The client for the global options; with `--demo`, pointed at `demo`'s fake server.
/// The token it uses is redacted from everything printed from now on.
pub fn client(
    global: &Global,
    demo: Option<&tallyfy_fake::RunningFake>,
) -> Result<Client, Failure> {
    // Checked by the argument parser; checked again so no value can panic below.
    let timeout = Duration::try_from_secs_f64(global.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--timeout {} is not a positive number of seconds",
                global.timeout
            ))
        })?;
    let mut builder = Client::builder()
        .max_retries(global.max_retries)
        .timeout(timeout);
    builder = match demo {
        Some(fake) => {
            term::add_secret(fake.token());
            builder
                .base_url(fake.base_url())
                .access_token(fake.token())
                .org_id(fake.org())
        }
        None => {
            let token = global.token.clone().ok_or_else(|| {
                Failure::Usage(
                    "no access token: pass --token or set TALLYFY_ACCESS_TOKEN (or try --demo)"
                        .into(),
                )
            })?;
            term::add_secret(&token);
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

fn columns(with: &[Include]) -> Includes {
    Includes {
        groups: with.contains(&Include::Groups),
        country: with.contains(&Include::Country),
        stats: with.contains(&Include::Stats),
    }
}

/// `members list`. `interrupt` turns true on Ctrl-C.
pub async fn list(
    client: &Client,
    args: &ListArgs,
    mut interrupt: watch::Receiver<bool>,
) -> Result<(), Failure> {
    let with = includes(&args.with)?;
    let concurrency = usize::try_from(args.concurrency)
        .map_err(|_| Failure::Usage("--concurrency is too large".into()))?;
    let mut request = client
        .members()
        .per_page(args.per_page)
        .with(with.iter().cloned())
        .concurrency(concurrency);
    if let Some(q) = &args.q {
        request = request.q(q);
    }
    if let Some(sort) = &args.sort {
        request = request.sort(sort);
    }
    if let Some(pages) = args.heal_pages {
        request = request.heal_pages(pages);
    }
    // Read before anything is printed: a bad file is a usage error with no output.
    let resume = args.resume.as_deref().map(checkpoint::read).transpose()?;
    let stdout = io::stdout().lock();
    let mut writer = MemberWriter::new(
        // A page of 100 members is many KiB of NDJSON: written in a few calls, not one per line
        // or per 8 KiB.
        io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout),
        args.format,
        columns(&with),
    );
    if !args.all {
        let page = request.page(args.page).await?;
        writer.begin()?;
        let max = args
            .max
            .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
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
    let mut pages = match resume {
        Some(from) => request.resume(from),
        None => request.start_page(args.page),
    }
    .pages();
    crate::interrupt::walking();
    let bar = stderr::bar();
    let mut printed_through = None;
    let mut interrupted = false;
    let outcome = async {
        let mut begun = false;
        loop {
            let next = tokio::select! {
                biased;
                Ok(_) = interrupt.wait_for(|stop| *stop) => {
                    interrupted = true;
                    break;
                }
                next = pages.try_next() => next,
            };
            let next = next.map_err(Failure::from)?;
            // The first page comes before any output, so bad input prints nothing on stdout.
            if !begun {
                writer.begin()?;
                begun = true;
            }
            let Some(page) = next else { break };
            for member in &page.items {
                writer.member(member)?;
            }
            for member in &page.untyped {
                write_untyped(&mut writer, member)?;
            }
            // Each page reaches the reader as it arrives (ndjson is a stream).
            writer.flush()?;
            printed_through = Some(page.page);
            if let Some(bar) = &bar {
                progress::page_done(
                    bar,
                    page.page,
                    page.total_pages,
                    writer.written(),
                    page.total,
                );
            }
        }
        Ok::<_, Failure>(begun)
    }
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
        stderr::set_bar(None);
    }
    // Members already printed stay printed; the error says where to resume, and the
    // checkpoint file how to resume exactly.
    let summary = pages.summary();
    let stopped = interrupted || matches!(outcome, Err(Failure::Api(_)));
    // Only a walk that printed something has anything to resume.
    let checkpoint = pages.checkpoint().filter(|cp| stopped && cp.yielded() > 0);
    drop(pages);
    report(&summary);
    if let Some(checkpoint) = checkpoint {
        save(args, &checkpoint);
    }
    let begun = outcome?;
    let mut meta = json!({"walk": {"pages": summary.pages, "members": summary.items, "truncated": summary.truncated,
        "duplicates_skipped": summary.duplicates_skipped, "untyped": summary.untyped,
        "members_added": summary.members_added, "members_removed": summary.members_removed,
        "possible_gap": summary.possible_gap(), "repeats_unchecked": summary.repeats_unchecked}});
    if interrupted {
        let resume = printed_through.map_or(args.page, |p| p.saturating_add(1));
        meta["walk"]["interrupted"] = json!(true);
        meta["walk"]["resume_page"] = json!(resume);
        if !begun {
            writer.begin()?;
        }
        let closed = writer.end(meta);
        stderr::line(&format!(
            "interrupted: {} page(s), {} member(s) printed; resume with --page {resume}",
            summary.pages,
            writer.written()
        ));
        closed?;
        return Err(Failure::Interrupted);
    }
    writer.end(meta)?;
    match summary.possible_gap() {
        0 => Ok(()),
        _ => Err(Failure::PossibleGap),
    }
}

/// Writes a stopped walk's checkpoint and says on stderr how to resume from it.
fn save(args: &ListArgs, checkpoint: &tallyfy_ext::Checkpoint) {
    match checkpoint::write(args.checkpoint.as_deref(), checkpoint) {
        Ok(path) => stderr::line(&format!(
            "checkpoint: {} member(s) printed; resume exactly with --resume {}",
            checkpoint.yielded(),
            term::escape(&path.display().to_string())
        )),
        Err(err) => stderr::warning(&format!(
            "the checkpoint could not be written: {}",
            crate::failure::describe_io(&err)
        )),
    }
}

/// A member the SDK could not type: printed raw, named on stderr.
fn write_untyped<W: Write>(
    writer: &mut MemberWriter<W>,
    member: &UntypedMember,
) -> Result<(), Failure> {
    stderr::warning(&term::server_text(&member.to_string()));
    Ok(writer.raw(&member.raw)?)
}

/// What a walk met on the way, on stderr (stdout holds only members).
fn report(summary: &WalkSummary) {
    if let Some(drift) = summary.drift {
        let size = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
        stderr::warning(&format!(
            "the member list changed during the walk (total {} -> {}, first seen on page {}; {} added, {} removed between pages); {} duplicate(s) skipped",
            size(drift.total_before),
            size(drift.total_after),
            drift.at_page,
            summary.members_added,
            summary.members_removed,
            summary.duplicates_skipped
        ));
    } else if summary.duplicates_skipped > 0 {
        stderr::warning(&format!(
            "{} duplicate member(s) skipped",
            summary.duplicates_skipped
        ));
    }
    if summary.possible_gap() > 0 {
        stderr::warning(&format!(
            "up to {} member(s) may be missing: members removed during the walk shift later ones onto pages already read; run it again to be sure",
            summary.possible_gap()
        ));
    }
    if summary.repeats_unchecked > 0 {
        stderr::warning(&format!(
            "up to {} member(s) may have been printed twice: the list grew by more than the walk could check",
            summary.repeats_unchecked
        ));
    }
    if summary.untyped > 0 {
        stderr::warning(&format!(
            "{} member(s) could not be typed and were printed as sent",
            summary.untyped
        ));
    }
}

/// `members get`. A member that cannot be typed is printed as sent, with a warning.
pub async fn get(client: &Client, args: &GetArgs) -> Result<(), Failure> {
    let with = includes(&args.with)?;
    let result = client.member(args.user_id).with(with.clone()).send().await;
    let mut out = io::stdout().lock();
    match result {
        Ok(member) => write_member(&mut out, &member, args.format, columns(&with))?,
        Err(err) => match err.untyped_member() {
            Some(member) => {
                stderr::warning(&term::server_text(&member.to_string()));
                write_raw_member(&mut out, &member.raw, args.format)?;
            }
            None => return Err(err.into()),
        },
    }
    Ok(out.flush()?)
}

#[cfg(test)]
mod tests;
