//! Figure 4, decode: members decoded per second from one large page body (10,000
//! members as the fake serves them), into the SDK's generated `MemberList` and into
//! the hand-written [`HandList`](crate::handwritten::HandList), A B A B.

use crate::handwritten;
use crate::harness::{Bench, http_client, interleaved, sdk_headers};
use crate::report::{Goal, Row, Unit, median};
use anyhow::{Context, Result, bail};
use std::hint::black_box;
use std::time::Instant;
use tallyfy_ext::types::MemberList;
use tallyfy_fake::FakeTallyfy;

/// Members in the page body.
pub const MEMBERS: usize = 10_000;
/// Decodes per sample.
const ITERATIONS: usize = 10;

/// Fetches one page of [`MEMBERS`] members from a fake that allows such a page.
///
/// # Errors
/// When the fake cannot start or answer.
pub fn page_body(bench: &Bench) -> Result<Vec<u8>> {
    let fake = bench.start_fake(
        FakeTallyfy::builder()
            .members(MEMBERS)
            .max_per_page(MEMBERS as u64),
    )?;
    let http = http_client()?;
    let url = format!("{}/organizations/{}/users", fake.base_url(), fake.org());
    let request = http
        .get(url)
        .headers(sdk_headers(fake.token())?)
        .query(&[("per_page", MEMBERS)]);
    let body = bench.block_on(async { request.send().await?.error_for_status()?.bytes().await });
    bench.stop_fake(fake);
    Ok(body.context("fetching the large page")?.to_vec())
}

/// Times [`ITERATIONS`] decodes of `body` with `decode`; returns members per second.
fn sample<T>(body: &[u8], decode: impl Fn(&[u8]) -> Result<T>) -> Result<f64> {
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(decode(black_box(body))?);
    }
    Ok((MEMBERS * ITERATIONS) as f64 / started.elapsed().as_secs_f64())
}

/// Decodes with the SDK's generated types.
fn sdk_decode(body: &[u8]) -> Result<MemberList> {
    serde_json::from_slice(body).context("decoding with the SDK's types")
}

/// Decodes as the SDK's walks do: strict, then tolerant (PHP's looser JSON).
fn sdk_tolerant(body: &[u8]) -> Result<Vec<tallyfy_ext::types::Member>> {
    let page = tallyfy_ext::decode_member_list(body)?;
    if !page.untyped.is_empty() {
        bail!("{} members could not be typed", page.untyped.len());
    }
    Ok(page.items)
}

/// The same page as a PHP server with looser JSON sends it: every id a string, every
/// boolean 0/1, so the strict decode fails and every member takes the slow path.
fn loose_body(body: &[u8]) -> Result<Vec<u8>> {
    let mut page: serde_json::Value = serde_json::from_slice(body)?;
    for member in page["data"].as_array_mut().context("data")? {
        let member = member.as_object_mut().context("member")?;
        if let Some(id) = member.get("id").cloned() {
            member.insert("id".into(), id.to_string().into());
        }
        for value in member.values_mut() {
            if let serde_json::Value::Bool(b) = value {
                *value = u8::from(*b).into();
            }
        }
    }
    Ok(serde_json::to_vec(&page)?)
}

/// Runs figure 4.
///
/// # Errors
/// When the body cannot be fetched or either side fails to decode all of it.
pub fn run(bench: &Bench) -> Result<Vec<Row>> {
    let body = page_body(bench)?;
    let (sdk, hand) = (sdk_decode(&body)?, handwritten::decode(&body)?);
    if sdk.data.len() != MEMBERS || hand.data.len() != MEMBERS {
        bail!(
            "decoded {} / {} members, expected {MEMBERS}",
            sdk.data.len(),
            hand.data.len()
        );
    }
    let mib = body.len() as f64 / (1024.0 * 1024.0);
    let (sdk_rates, hand_rates) = interleaved(
        bench.runs,
        || sample(&body, sdk_decode),
        || sample(&body, handwritten::decode),
    )?;
    let ratio = median(&sdk_rates) / median(&hand_rates);
    let loose = loose_body(&body)?;
    if sdk_tolerant(&loose)?.len() != MEMBERS {
        bail!("the tolerant decode lost members");
    }
    let (loose_rates, _) = interleaved(bench.runs, || sample(&loose, sdk_tolerant), || Ok(0.0))?;
    Ok(vec![
        Row::new(
            format!(
                "4. decode one 10k-member page ({mib:.1} MiB): SDK MemberList; ratio SDK / minimal"
            ),
            Unit::MembersPerSec,
            sdk_rates,
        )
        .ratio(ratio, Some(Goal::AtLeast(0.9))),
        Row::new(
            "4. decode the same page: minimal struct, same fields",
            Unit::MembersPerSec,
            hand_rates,
        ),
        Row::new(
            "4. decode it with PHP-loose values (ids as strings, 0/1 booleans): SDK tolerant path",
            Unit::MembersPerSec,
            loose_rates,
        ),
    ])
}
