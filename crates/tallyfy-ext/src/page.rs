//! What calls and walks hand back: [`Page`], [`UntypedMember`], [`ResponseMeta`],
//! [`WalkSummary`], [`Drift`] and [`Checkpoint`]. Plain values, at the bottom of the crate: every
//! layer above may name them, and they name nothing above them.

use crate::id_set::IdSet;
use crate::ratelimit::RateLimit;
use crate::retry::RetryBudgetState;
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;
use tallyfy_api::paging::ListParts;

/// One page of a list, with Tallyfy's pagination meta.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page (members already yielded by earlier pages of a walk are left out).
    pub items: Vec<T>,
    /// This page's 1-based number.
    pub page: u64,
    /// Pages in the collection, as the server reported on this page.
    pub total_pages: Option<u64>,
    /// Items in the collection, as reported on this page.
    pub total: Option<u64>,
    /// The page size the server used (it may cap the requested one).
    pub per_page: Option<u64>,
    /// The response's request id header, when sent.
    pub request_id: Option<String>,
    /// Members on this page that could not be typed, raw (rare: see
    /// [`UntypedMember`]). `items` holds the rest of the page.
    pub untyped: Vec<UntypedMember>,
    /// The request budget the response reported (`X-RateLimit-*`), when it did.
    pub rate_limit: Option<RateLimit>,
}

impl<T> Page<T> {
    /// The page a decoded list body describes; `requested` stands in for a missing
    /// `current_page`. Untyped items are stamped with the page's number.
    pub(crate) fn from_parts(
        parts: ListParts<T>,
        mut untyped: Vec<UntypedMember>,
        meta: ResponseMeta,
        requested: u64,
    ) -> Self {
        let pagination = parts.pagination.as_ref();
        let page = number(pagination.and_then(|m| m.current_page)).unwrap_or(requested);
        for member in &mut untyped {
            member.page = page;
        }
        Self {
            page,
            total_pages: number(pagination.and_then(|m| m.total_pages)),
            total: number(pagination.and_then(|m| m.total)),
            per_page: number(pagination.and_then(|m| m.per_page)),
            request_id: meta.request_id,
            rate_limit: meta.rate_limit,
            items: parts.items,
            untyped,
        }
    }
}

/// A pagination number as the server sent it, when it is one (not negative).
pub(crate) fn number(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A member the SDK could not type, kept with its raw JSON so nothing is lost.
///
/// A walk yields the members around it and goes on; see
/// [`WalkSummary::untyped`](crate::WalkSummary::untyped),
/// [`MemberStream::take_untyped`](crate::MemberStream::take_untyped) and
/// [`Page::untyped`](crate::Page::untyped).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UntypedMember {
    /// The page it came on (1-based).
    pub page: u64,
    /// Its 1-based position in that page's `data`.
    pub position: usize,
    /// The member exactly as the server sent it, byte for byte (raw JSON: it may
    /// hold what a `serde_json::Value` cannot, such as `1e400` or `"\udfff"`).
    pub raw: Box<RawValue>,
    /// Why it could not be typed.
    pub error: String,
}

impl UntypedMember {
    /// The member's id, if the raw JSON has a usable one.
    pub fn id(&self) -> Option<i64> {
        let id = raw_id(&self.raw)?;
        match serde_json::from_str::<Value>(id.get()).ok()? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The raw member as a `serde_json::Value`, when one can hold it.
    pub fn value(&self) -> Option<Value> {
        serde_json::from_str(self.raw.get()).ok()
    }
}

/// The raw value of an object's `id` key (the last one). Keys are compared as bytes,
/// so a key no Rust string can hold (`"\udfff"`) is skipped, not fatal.
fn raw_id(raw: &RawValue) -> Option<&RawValue> {
    use serde::de::{DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, Visitor};

    /// A key, as "is it `id`?", read as bytes.
    struct IsId;
    impl<'de> DeserializeSeed<'de> for IsId {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_bytes(self)
        }
    }
    impl Visitor<'_> for IsId {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a key")
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<bool, E> {
            Ok(v == b"id")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<bool, E> {
            Ok(v == "id")
        }
    }
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Option<&'de RawValue>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut id = None;
            while let Some(is_id) = map.next_key_seed(IsId)? {
                if is_id {
                    id = Some(map.next_value()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(id)
        }
    }
    serde_json::Deserializer::from_str(raw.get())
        .deserialize_map(Entries)
        .ok()
        .flatten()
}

/// Equal when page, position, error and the raw bytes are.
impl PartialEq for UntypedMember {
    fn eq(&self, other: &Self) -> bool {
        (self.page, self.position, &self.error, self.raw.get())
            == (other.page, other.position, &other.error, other.raw.get())
    }
}

impl fmt::Display for UntypedMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "member at page {}, position {} could not be typed: {}",
            self.page, self.position, self.error
        )
    }
}

/// What a successful call's response said beside its body: request id, budget,
/// attempts. Returned by [`MemberRequest::send_with_meta`](crate::MemberRequest::send_with_meta).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The `X-Request-Id` (or `X-Correlation-Id`) response header, when sent.
    pub request_id: Option<String>,
    /// The request budget the response reported (`X-RateLimit-*`), when it did.
    pub rate_limit: Option<RateLimit>,
    /// Attempts made, 1 when the first one succeeded.
    pub attempts: u32,
}

/// The collection changed size during a walk (members added or removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drift {
    /// The page on which the change was first seen.
    pub at_page: u64,
    /// `total` as first reported.
    pub total_before: Option<u64>,
    /// `total` as last reported.
    pub total_after: Option<u64>,
}

/// How a walk went, so far: see [`PageStream::summary`](crate::PageStream::summary).
///
/// A walk yields each member at most once (an exact set of the ids it yielded),
/// and ends either complete, or saying how many members may be missing
/// ([`possible_gap`](Self::possible_gap)). See [`ListRequest::heal_pages`](crate::ListRequest::heal_pages)
/// for how it checks and heals a list that changed under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WalkSummary {
    /// Pages received by the forward walk (re-reads are [`reread_pages`](Self::reread_pages)).
    pub pages: u64,
    /// Members yielded.
    pub items: u64,
    /// The walk stopped at `max_items` with members left unread.
    pub truncated: bool,
    /// Members skipped because the walk had already yielded them (the list moved
    /// them onto a later page, or a re-read met them again).
    pub duplicates_skipped: u64,
    /// The list changed during the walk: its `total` moved, a page repeated members,
    /// or a re-read found a page changed. `total_before == total_after` when it
    /// changed without changing size (as many joined as left).
    pub drift: Option<Drift>,
    /// Members that could not be typed (kept raw; see [`UntypedMember`]).
    pub untyped: u64,
    /// Members the list gained during the walk: the sum of the rises of the reported
    /// `total` from one page to the next.
    pub members_added: u64,
    /// Members the list lost during the walk: the sum of the falls of the reported
    /// `total` from one page to the next.
    pub members_removed: u64,
    /// Always 0: kept for compatibility. The walk no longer checks repeats against a
    /// window of recent pages but against every id it yielded, so none can slip by.
    pub repeats_unchecked: u64,
    /// Pages requested beyond the forward walk: the end-of-walk check, re-reads to
    /// tell drift from a server ignoring `page`, and healing passes.
    pub reread_pages: u64,
    /// Members yielded by re-reads: the list had moved them onto pages already
    /// read, and the forward walk alone would have missed them.
    pub healed: u64,
    /// The walk proved its result: it was one page, or a healing pass re-read every
    /// page and found none changed. Every member present for the whole walk was then
    /// yielded. `false` is not a sign of loss (see [`possible_gap`](Self::possible_gap)):
    /// a walk that saw no change is not re-read in full, so it is not proven.
    pub exact: bool,
    /// How many members may be missing: see [`possible_gap`](Self::possible_gap).
    pub gap: u64,
    /// The client's retry budget when the summary was taken (shared with every
    /// other call of the client); `None` when the budget is disabled. See
    /// [`RetryBudget`](crate::RetryBudget).
    pub retry_budget: Option<RetryBudgetState>,
}

impl WalkSummary {
    /// How many members may be missing from the walk: 0 when it is
    /// [`exact`](Self::exact) or saw no sign that the list changed; otherwise
    /// at least 1, and at least the members the list lost between two pages that
    /// showed no repeat (removals in front of the walk pull unread members onto
    /// pages already read). A leave and a join that change neither `total` nor any
    /// page the walk reads leave no sign at all: only a full re-read could tell, so
    /// 0 here means "nothing seen", `exact` means "proven". Walk again to be sure.
    #[must_use]
    pub fn possible_gap(&self) -> u64 {
        self.gap
    }
}

/// Where a failed walk stopped, to resume it exactly: another walk started with
/// [`ListRequest::resume`](crate::ListRequest::resume), in this process or
/// another, reads on from `next_page` and yields none of the members this one
/// yielded. Serializable with serde (e.g. to JSON, for a file).
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The operation walked (`list_members`).
    pub operation: String,
    /// The organization walked.
    pub org: String,
    /// The page size asked for.
    pub per_page: u64,
    /// The SDK's own query settings (`q`, `sort`, `with`), as sent. Closures given
    /// to `customize` are not recorded: pass the same ones again.
    pub query: Vec<(String, String)>,
    /// The walk's first page: the resumed walk checks and heals from it.
    pub first_page: u64,
    /// The first page not yet yielded.
    pub next_page: u64,
    /// The ids yielded so far.
    #[serde(with = "ids_as_hex")]
    pub(crate) ids: IdSet,
    /// The first page's fingerprint as first read, for the end-of-walk check.
    pub(crate) first_print: Option<u64>,
    /// The walk had seen the list change.
    pub(crate) changed: bool,
    /// Members the list lost before unread pages, as far as the walk saw.
    pub(crate) suspect: u64,
}

impl Checkpoint {
    /// How many members (with an id) the walk had yielded.
    #[must_use]
    pub fn yielded(&self) -> u64 {
        self.ids.len()
    }
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("operation", &self.operation)
            .field("org", &self.org)
            .field("per_page", &self.per_page)
            .field("query", &self.query)
            .field("next_page", &self.next_page)
            .field("yielded", &self.ids.len())
            .finish()
    }
}

mod ids_as_hex {
    use crate::id_set::IdSet;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(ids: &IdSet, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ids.to_hex())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IdSet, D::Error> {
        let hex = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        IdSet::from_hex(&hex).map_err(|e| serde::de::Error::custom(e.0))
    }
}

/// The most items a page asked for with `per_page` may hold: `per_page` and a
/// tolerance of a tenth of it, at least 10. More ends the walk with
/// [`PaginationFault::OversizedPage`](crate::PaginationFault::OversizedPage), counted while decoding, so the memory one
/// response can take is bounded by the request, not by the server.
pub fn item_limit(per_page: u64) -> u64 {
    per_page.saturating_add((per_page / 10).max(10))
}
