//! Walking every page of the member list: [`PageStream`] and [`MemberStream`].
//!
//! Tallyfy pages by number (`?page=N`) and reports `meta.pagination` on each page.
//! The walk:
//! - fetches the start page alone; once it reports `total_pages`, keeps up to
//!   `concurrency` later pages in flight, yielding them strictly in page order;
//! - re-reads `total_pages` on every page and ends at the first page that is the
//!   last (`current_page >=` the largest `total_pages` seen, so a page read before
//!   an insert cannot end it early), is empty, or has no `links.next`;
//! - never loops: a server that answers page N with another page number, repeats
//!   the previous page's members, or keeps growing far past what it first reported
//!   fails the walk with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination);
//! - yields each member id once: when members are added mid-walk (page contents
//!   shift forward), repeats are dropped, checked against a window of recent pages
//!   sized from how much the list grew, so memory stays flat;
//! - reports what changed under it: [`Drift`], the members added and removed
//!   between pages, and so how many members a removal may have shifted past the walk
//!   unread ([`WalkSummary::members_removed`]);
//! - never stops at a member it cannot type: the rest of the page is yielded and
//!   the member is kept raw ([`UntypedMember`]), counted in [`WalkSummary::untyped`];
//! - on error, stops and yields an error whose
//!   [`resume_page`](crate::Error::resume_page) is the page that failed; everything
//!   before it was already yielded.

use crate::error::{Error, PaginationFault, Result};
use crate::idset::RecentIds;
use crate::list::{ListQuery, ListRequest};
use crate::members::Page;
use crate::outcome::Reply;
use crate::telemetry::WalkSpan;
use crate::tolerant::UntypedMember;
use futures::stream::{FuturesOrdered, Stream, StreamExt};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::{ListParts, PagedList};
use tallyfy_api::types::PaginationLinks;

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

/// How a walk went, so far: see [`PageStream::summary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WalkSummary {
    /// Pages received.
    pub pages: u64,
    /// Members yielded.
    pub items: u64,
    /// The walk stopped at `max_items` with members left unread.
    pub truncated: bool,
    /// Members skipped because an earlier page already yielded them (drift).
    pub duplicates_skipped: u64,
    /// The collection's size changed during the walk.
    pub drift: Option<Drift>,
    /// Members that could not be typed (kept raw; see [`UntypedMember`]).
    pub untyped: u64,
    /// Members the list gained during the walk: the sum of the rises of the reported
    /// `total` from one page to the next. Inserted in front of the walk, they push
    /// members already read onto later pages; those repeats are dropped
    /// ([`duplicates_skipped`](Self::duplicates_skipped)).
    pub members_added: u64,
    /// Members the list lost during the walk: the sum of the falls of the reported
    /// `total` from one page to the next. Removed in front of the walk, they pull
    /// members not yet read onto pages already read: **up to this many members may
    /// be missing from the walk** (a gap). Walk again, or re-read, to be sure.
    pub members_removed: u64,
    /// Members that may have been yielded twice: the list grew between two pages by
    /// more than the recent pages the walk keeps to compare against (at least two;
    /// more once the list has grown). An upper bound; zero unless the list grew by
    /// more than about a page between two page reads.
    pub repeats_unchecked: u64,
}

impl WalkSummary {
    /// Up to how many members may be missing from the walk because members were
    /// removed in front of it ([`members_removed`](Self::members_removed)).
    #[must_use]
    pub fn possible_gap(&self) -> u64 {
        self.members_removed
    }
}

type Fetch<T> = Pin<Box<dyn Future<Output = (u64, Result<Reply<ListParts<T>>>)> + Send>>;

/// A stream of [`Page`]s over every page of a list. Made by [`ListRequest::pages`]
/// (for members, [`MembersRequest::pages`](crate::MembersRequest::pages)).
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<P: PagedList = ListMembers> {
    request: ListRequest<P>,
    query: Option<Arc<ListQuery<P>>>,
    in_flight: FuturesOrdered<Fetch<P::Item>>,
    next_page: u64,
    total_pages: Option<u64>,
    first_total_pages: Option<u64>,
    per_page: Option<u64>,
    recent: RecentIds,
    /// `total` of the page before (in page order) and the largest seen.
    last_total: Option<u64>,
    max_total: Option<u64>,
    last_ids: Vec<Option<i64>>,
    summary: WalkSummary,
    first_total: Option<Option<u64>>,
    finished: bool,
    span: WalkSpan,
}

/// What a page says about the walk, beside its members.
pub(crate) struct Signals {
    pub current_page: Option<u64>,
    /// `Some(false)` when `links` is `[]` or an object without `next`.
    pub has_next_link: Option<bool>,
}

/// Reads a list response into a [`Page`] and its pagination signals.
pub(crate) fn read_page<P: PagedList>(
    reply: Reply<ListParts<P::Item>>,
    requested: u64,
) -> (Page<P::Item>, Signals) {
    let meta = reply.value.pagination.as_ref();
    let number = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    let current_page = number(meta.and_then(|m| m.current_page));
    let has_next_link = meta
        .and_then(|m| m.links.as_ref())
        .map(|links| match links {
            PaginationLinks::Array(_) => false,
            PaginationLinks::PageLinks(links) => {
                links.next.as_deref().is_some_and(|next| !next.is_empty())
            }
        });
    let mut page = Page {
        page: current_page.unwrap_or(requested),
        total_pages: number(meta.and_then(|m| m.total_pages)),
        total: number(meta.and_then(|m| m.total)),
        per_page: number(meta.and_then(|m| m.per_page)),
        request_id: reply.request_id,
        rate_limit: reply.rate_limit,
        items: reply.value.items,
        untyped: reply.untyped,
    };
    for member in &mut page.untyped {
        member.page = page.page;
    }
    (
        page,
        Signals {
            current_page,
            has_next_link,
        },
    )
}

impl<P: PagedList> PageStream<P> {
    pub(crate) fn new(request: ListRequest<P>) -> Self {
        Self {
            next_page: request.start_page,
            request,
            query: None,
            in_flight: FuturesOrdered::new(),
            total_pages: None,
            first_total_pages: None,
            per_page: None,
            recent: RecentIds::default(),
            last_total: None,
            max_total: None,
            last_ids: Vec::new(),
            summary: WalkSummary::default(),
            first_total: None,
            finished: false,
            span: WalkSpan::none(),
        }
    }

    /// How the walk went so far (final once the stream has ended).
    pub fn summary(&self) -> WalkSummary {
        self.summary
    }

    /// Starts page fetches while the window allows.
    fn fill(&mut self, query: &Arc<ListQuery<P>>) {
        // Until a page reports total_pages, fetch one page at a time.
        let window = if self.total_pages.is_some() {
            self.request.concurrency
        } else {
            1
        };
        while self.in_flight.len() < window {
            if self.total_pages.is_some_and(|total| self.next_page > total) {
                break;
            }
            if self.summary.pages > 0 && self.total_pages.is_none() {
                break;
            }
            // With max_items, fetch no more pages than the members still wanted need.
            // (Before the first page the size is unknown: count pages in flight as 1.)
            if let Some(max) = self.request.max_items {
                let wanted = max.saturating_sub(self.summary.items);
                if self.in_flight.len() as u64 * self.per_page.unwrap_or(1).max(1) >= wanted {
                    break;
                }
            }
            let (client, query, page) = (
                self.request.client.clone(),
                Arc::clone(query),
                self.next_page,
            );
            self.in_flight.push_back(Box::pin(
                async move { (page, query.fetch(&client, page).await) },
            ));
            self.next_page += 1;
        }
    }

    fn stop(&mut self) {
        self.finished = true;
        self.in_flight = FuturesOrdered::new(); // cancels pages in flight
    }

    fn fail(&mut self, err: Error) -> Option<Result<Page<P::Item>>> {
        self.span.finish(&self.summary, Some(&err));
        self.stop();
        Some(Err(err))
    }

    /// Checks one page, in order, and decides whether the walk goes on.
    fn accept(
        &mut self,
        requested: u64,
        reply: Result<Reply<ListParts<P::Item>>>,
    ) -> Option<Result<Page<P::Item>>> {
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => return self.fail(err.with_resume_page(requested)),
        };
        let (mut page, signals) = read_page::<P>(reply, requested);
        if let Some(returned) = signals.current_page.filter(|&p| p != requested) {
            let message =
                format!("asked for page {requested}, the server answered with page {returned}");
            return self.fail(Error::pagination(
                PaginationFault::PageMismatch {
                    requested,
                    returned,
                },
                requested,
                message,
            ));
        }
        let growth_since_last = self.track_size(&page);
        let added = growth_since_last.max(0).unsigned_abs();
        // Items without an id cannot be matched across pages: `None` here.
        let ids: Vec<Option<i64>> = page.items.iter().map(P::item_id).collect();
        // The same members twice with an unchanged total is a server ignoring `page`;
        // with a changed total it is drift (members inserted in front), and the
        // id check below drops the repeats.
        let total_unchanged = self.first_total == Some(page.total);
        if ids.iter().any(Option::is_some) && ids == self.last_ids && total_unchanged {
            let message = format!("page {requested} repeats the members of the page before it");
            return self.fail(Error::pagination(
                PaginationFault::RepeatedPage { page: requested },
                requested,
                message,
            ));
        }
        self.summary.pages += 1;
        if let Some(err) = self.runaway(requested) {
            return self.fail(err);
        }
        let typed = page.items.len();
        // A repeat can come from as far back as members were added in front: size
        // the window from the growth so far, and count what it cannot cover.
        let per_page = self.per_page.unwrap_or(typed as u64);
        let growth = self
            .max_total
            .zip(self.first_total.flatten())
            .map_or(0, |(max, first)| max.saturating_sub(first));
        self.recent.keep_for_growth(growth, per_page);
        self.summary.repeats_unchecked += self.recent.unchecked(added);
        let mut new = self.recent.page(&ids, growth_since_last).into_iter();
        page.items.retain(|_| new.next().unwrap_or(true));
        self.summary.duplicates_skipped += (typed - page.items.len()) as u64;
        self.last_ids = ids;
        for member in &page.untyped {
            tracing::warn!(
                page = member.page,
                position = member.position,
                error = %member.error,
                "member could not be typed; kept raw"
            );
        }
        self.summary.untyped += page.untyped.len() as u64;
        // A page of untyped members only is not an empty page.
        let received = typed + page.untyped.len();

        // With pages in flight, a page fetched before members were added can say it
        // is the last while a page read after the insert said there are more: the
        // largest page count seen decides (an empty page still ends the walk).
        let says_last = page.total_pages.is_none_or(|total| requested >= total)
            || signals.has_next_link == Some(false);
        let last =
            received == 0 || says_last && self.total_pages.is_none_or(|total| requested >= total);
        if let Some(max) = self.request.max_items {
            let room = max.saturating_sub(self.summary.items) as usize;
            if page.items.len() >= room {
                let cut = page.items.len() > room;
                page.items.truncate(room);
                self.summary.truncated = cut || !last;
                self.stop();
            }
        }
        if last {
            self.stop();
        }
        self.summary.items += page.items.len() as u64;
        Some(Ok(page))
    }

    /// Re-reads the size reported by each page and records drift; returns how much
    /// the list grew (negative: shrank) since the page before.
    fn track_size(&mut self, page: &Page<P::Item>) -> i64 {
        self.per_page = page.per_page.or(self.per_page);
        self.total_pages = match (self.total_pages, page.total_pages) {
            (Some(known), Some(now)) => Some(known.max(now)),
            (known, now) => now.or(known),
        };
        self.first_total_pages = self.first_total_pages.or(page.total_pages);
        let before = *self.first_total.get_or_insert(page.total);
        if before != page.total {
            let at_page = self.summary.drift.map_or(page.page, |d| d.at_page);
            self.summary.drift = Some(Drift {
                at_page,
                total_before: before,
                total_after: page.total,
            });
            tracing::warn!(page = page.page, ?before, after = ?page.total, "member list changed size during the walk");
        }
        let Some(total) = page.total else { return 0 };
        self.max_total = Some(self.max_total.map_or(total, |max| max.max(total)));
        let last = self.last_total.replace(total).unwrap_or(total);
        if total < last {
            let removed = last - total;
            self.summary.members_removed += removed;
            tracing::warn!(
                page = page.page,
                removed,
                "members removed during the walk: up to this many may be missing from it"
            );
        }
        self.summary.members_added += total.saturating_sub(last);
        total.cast_signed() - last.cast_signed()
    }

    /// A walk far longer than the server first said is a server fault, not data.
    fn runaway(&self, page: u64) -> Option<Error> {
        let pages = self.summary.pages;
        let guard = self
            .first_total_pages
            .map(|first| first.saturating_mul(2).saturating_add(16));
        let limit = match (self.request.max_pages, guard) {
            (Some(max), Some(guard)) => max.min(guard),
            (max, guard) => max.or(guard)?,
        };
        (pages > limit).then(|| {
            let message =
                format!("{pages} pages fetched, more than the limit of {limit} for this walk");
            Error::pagination(PaginationFault::Runaway { pages }, page, message)
        })
    }
}

impl<P: PagedList> Stream for PageStream<P> {
    type Item = Result<Page<P::Item>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            this.span.finish(&this.summary, None);
            return Poll::Ready(None);
        }
        let query = match &this.query {
            Some(query) => Arc::clone(query),
            None => match this.request.query() {
                Ok(query) => {
                    let r = &this.request;
                    this.span =
                        WalkSpan::start(&query.org, query.per_page, r.concurrency, r.start_page);
                    this.query.insert(query).clone()
                }
                Err(err) => return Poll::Ready(this.fail(err)),
            },
        };
        // Page calls started (first polled) here are children of the walk's span.
        let span = this.span.span().clone();
        let _entered = span.enter();
        this.fill(&query);
        match this.in_flight.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.finished = true;
                this.span.finish(&this.summary, None);
                Poll::Ready(None)
            }
            Poll::Ready(Some((page, reply))) => {
                let item = this.accept(page, reply);
                // Keep later pages moving while the caller works on this one.
                if !this.finished {
                    this.fill(&query);
                }
                Poll::Ready(item)
            }
        }
    }
}

/// A stream of items across every page, in page order. Made by [`ListRequest::items`].
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<P: PagedList = ListMembers> {
    pages: PageStream<P>,
    buffer: std::vec::IntoIter<P::Item>,
    /// Untyped members of the current page still to yield as errors (opt-in).
    pending_errors: std::vec::IntoIter<UntypedMember>,
    /// Untyped members seen and not yet taken (default).
    untyped: Vec<UntypedMember>,
}

// Nothing in the streams is pinned structurally (their futures are boxed), so they
// are `Unpin` whatever the item type.
impl<P: PagedList> Unpin for PageStream<P> {}
impl<P: PagedList> Unpin for ItemStream<P> {}

/// The members of an organization, in page order. Made by
/// [`MembersRequest::items`](crate::MembersRequest::items).
pub type MemberStream = ItemStream<ListMembers>;

impl<P: PagedList> ItemStream<P> {
    pub(crate) fn new(pages: PageStream<P>) -> Self {
        Self {
            pages,
            buffer: Vec::new().into_iter(),
            pending_errors: Vec::new().into_iter(),
            untyped: Vec::new(),
        }
    }

    /// How the walk went so far; after the end, whether `max_items` left members unread.
    pub fn summary(&self) -> WalkSummary {
        self.pages.summary()
    }

    /// The members seen so far that could not be typed, raw, with their page and
    /// position; each is returned once. (With
    /// [`ListRequest::untyped_as_errors`] they come out of the stream instead.)
    pub fn take_untyped(&mut self) -> Vec<UntypedMember> {
        std::mem::take(&mut self.untyped)
    }
}

impl<P: PagedList> Stream for ItemStream<P> {
    type Item = Result<P::Item>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(member) = self.buffer.next() {
                return Poll::Ready(Some(Ok(member)));
            }
            if let Some(member) = self.pending_errors.next() {
                return Poll::Ready(Some(Err(Error::untyped_member_error(member))));
            }
            match futures::ready!(self.pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => {
                    self.buffer = page.items.into_iter();
                    if self.pages.request.untyped_as_errors {
                        self.pending_errors = page.untyped.into_iter();
                    } else {
                        self.untyped.extend(page.untyped);
                    }
                }
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<P: PagedList> std::fmt::Debug for PageStream<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream")
            .field("next_page", &self.next_page)
            .field("in_flight", &self.in_flight.len())
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl<P: PagedList> std::fmt::Debug for ItemStream<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .field("untyped", &self.untyped.len())
            .finish()
    }
}
