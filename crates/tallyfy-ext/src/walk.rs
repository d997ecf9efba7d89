//! Walking every page of a paged list: [`PageStream`] and [`ItemStream`].
//!
//! The streams do the I/O; every decision is [`WalkState`]'s (`walk_state.rs`,
//! where the rules are listed and tested). A stream is built from a [`Walk`]: the
//! settings of its request and a closure that fetches page `n`, so it knows
//! nothing of request types. It:
//! - starts the pages `WalkState::next_fetch` asks for (up to `concurrency` in
//!   flight) and yields them strictly in page order;
//! - hands each page's facts to `WalkState::accept`, drops the repeats it names,
//!   and ends, or fails with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination)
//!   naming the operation, as it says;
//! - never stops at an item it cannot type: the rest of the page is yielded and the
//!   item is kept raw ([`UntypedMember`](crate::UntypedMember)), counted in [`WalkSummary::untyped`];
//! - on error, stops and yields an error whose
//!   [`resume_page`](crate::Error::resume_page) is the page that failed; everything
//!   before it was already yielded.

use crate::call::Reply;
use crate::error::{Error, Result};
use crate::page::{Checkpoint, Page, WalkSummary, number};
use crate::retry::Bucket;
use crate::telemetry::WalkSpan;
use crate::walk_state::{Carried, PageFacts, WalkLimits, WalkState};
use futures::future::BoxFuture;
use futures::stream::{FuturesOrdered, Stream, StreamExt};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::{ListParts, PagedList};
use tallyfy_api::types::PaginationLinks;

/// Fetches one page of a walk, by number.
pub(crate) type FetchPage<T> =
    Arc<dyn Fn(u64) -> BoxFuture<'static, Result<Reply<ListParts<T>>>> + Send + Sync>;

/// What a stream needs of its request: settings checked, and a page fetcher.
pub(crate) struct Walk<T> {
    pub operation: &'static str,
    pub org: String,
    pub per_page: u64,
    pub limits: WalkLimits,
    /// The SDK's own query settings, for checkpoints.
    pub query: Vec<(String, String)>,
    /// What a resumed walk carries over (empty for a new walk).
    pub carried: Carried,
    pub untyped_as_errors: bool,
    pub fetch: FetchPage<T>,
    /// The client's retry budget, for the summary.
    pub budget: Arc<Bucket>,
}

/// The walk's summary so far, with the client's retry budget now.
fn summary_of<T>(
    state: &WalkState,
    walk: &std::result::Result<Walk<T>, Option<Error>>,
) -> WalkSummary {
    let mut summary = state.summary();
    summary.retry_budget = walk.as_ref().ok().and_then(|walk| walk.budget.state());
    summary
}

/// Reads a list response into a [`Page`] and the facts the walk decides on.
pub(crate) fn read_page<P: PagedList>(
    reply: Reply<ListParts<P::Item>>,
    requested: u64,
) -> (Page<P::Item>, PageFacts) {
    let pagination = reply.value.pagination.as_ref();
    let current_page = number(pagination.and_then(|m| m.current_page));
    let has_next_link = pagination
        .and_then(|m| m.links.as_ref())
        .map(|links| match links {
            PaginationLinks::Array(_) => false,
            PaginationLinks::PageLinks(links) => {
                links.next.as_deref().is_some_and(|next| !next.is_empty())
            }
        });
    let page = Page::from_parts(reply.value, reply.untyped, reply.meta, requested);
    let facts = PageFacts {
        current_page,
        total_pages: page.total_pages,
        total: page.total,
        per_page: page.per_page,
        has_next_link,
        // Items without an id cannot be matched across pages: `None` here.
        ids: page.items.iter().map(P::item_id).collect(),
        untyped: page.untyped.len(),
    };
    (page, facts)
}

/// What `PageStream::poll_next` answers.
type PagePoll<P> = Poll<Option<Result<Page<<P as PagedList>::Item>>>>;

type InFlight<T> = BoxFuture<'static, (u64, Result<Reply<ListParts<T>>>)>;

/// A stream of [`Page`]s over every page of a list. Made by
/// [`ListRequest::pages`](crate::ListRequest::pages) (for members,
/// [`MembersRequest::pages`](crate::MembersRequest::pages)).
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<P: PagedList = ListMembers> {
    /// The walk, or the error its request's settings gave (yielded first).
    walk: std::result::Result<Walk<P::Item>, Option<Error>>,
    state: WalkState,
    in_flight: FuturesOrdered<InFlight<P::Item>>,
    span: Option<WalkSpan>,
    _operation: PhantomData<fn() -> P>,
}

impl<P: PagedList> PageStream<P> {
    pub(crate) fn new(mut walk: Result<Walk<P::Item>>) -> Self {
        let (limits, carried) = walk.as_mut().map_or(
            (
                WalkLimits {
                    first_page: 1,
                    start_page: 1,
                    concurrency: 1,
                    max_items: None,
                    max_pages: None,
                    heal_pages: 0,
                },
                Carried::default(),
            ),
            |walk| (walk.limits, std::mem::take(&mut walk.carried)),
        );
        Self {
            walk: walk.map_err(Some),
            state: WalkState::new(limits, carried),
            in_flight: FuturesOrdered::new(),
            span: None,
            _operation: PhantomData,
        }
    }

    /// Where the walk stands, to resume it exactly with
    /// [`ListRequest::resume`](crate::ListRequest::resume): after an error, the
    /// failed page and every id yielded before it. `None` when the request's own
    /// settings were refused (nothing was walked).
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let walk = self.walk.as_ref().ok()?;
        let (next_page, carried) = self.state.resume_point();
        Some(Checkpoint {
            operation: walk.operation.to_owned(),
            org: walk.org.clone(),
            per_page: walk.per_page,
            query: walk.query.clone(),
            first_page: walk.limits.first_page,
            next_page,
            ids: carried.ids,
            first_print: carried.first_print,
            changed: carried.changed,
            suspect: carried.suspect,
        })
    }

    /// How the walk went so far (final once the stream has ended).
    pub fn summary(&self) -> WalkSummary {
        summary_of(&self.state, &self.walk)
    }

    fn untyped_as_errors(&self) -> bool {
        self.walk.as_ref().is_ok_and(|walk| walk.untyped_as_errors)
    }

    /// Starts the page fetches the state allows.
    fn fill(&mut self) {
        let Ok(walk) = &self.walk else { return };
        while let Some(page) = self.state.next_fetch(self.in_flight.len()) {
            let fetch = (walk.fetch)(page);
            self.in_flight
                .push_back(Box::pin(async move { (page, fetch.await) }));
        }
    }

    /// Ends the walk with `err`.
    fn fail(&mut self, err: Error) -> Option<Result<Page<P::Item>>> {
        if let Some(span) = &mut self.span {
            span.finish(&summary_of(&self.state, &self.walk), Some(&err));
        }
        self.state.end();
        self.in_flight = FuturesOrdered::new(); // cancels pages in flight
        Some(Err(err))
    }

    /// Checks one page, in order, and decides whether the walk goes on; `None`: a
    /// re-read with nothing to yield.
    fn accept(
        &mut self,
        requested: u64,
        reply: Result<Reply<ListParts<P::Item>>>,
    ) -> Option<Result<Page<P::Item>>> {
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => {
                // A re-read (the end-of-walk check, healing) that fails resumes after
                // the forward walk's last page: everything up to it was yielded.
                let after_forward = self.state.resume_point().0;
                return self.fail(err.with_resume_page(requested.max(after_forward)));
            }
        };
        let (mut page, facts) = read_page::<P>(reply, requested);
        let step = match self.state.accept(requested, &facts) {
            Ok(step) => step,
            Err(fault) => {
                let err = Error::pagination(P::OPERATION_ID, fault.fault, requested, fault.message);
                return self.fail(err);
            }
        };
        let mut keep = step.keep.into_iter();
        page.items.retain(|_| keep.next().unwrap_or(true));
        page.items.truncate(step.take);
        for member in &page.untyped {
            tracing::warn!(
                page = member.page,
                position = member.position,
                error = %member.error,
                "item could not be typed; kept raw"
            );
        }
        if step.done || step.restart {
            self.in_flight = FuturesOrdered::new(); // cancels pages in flight
        }
        if step.reread {
            page.untyped.clear(); // yielded by the forward walk
        }
        // A re-read that found nothing new is not a page of the walk.
        if step.reread && page.items.is_empty() && page.untyped.is_empty() {
            return None;
        }
        Some(Ok(page))
    }
}

impl<P: PagedList> Stream for PageStream<P> {
    type Item = Result<Page<P::Item>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(ready) = this.poll_step(cx) {
                return ready;
            }
        }
    }
}

impl<P: PagedList> PageStream<P> {
    /// One turn of `poll_next`; `None`: a page was taken with nothing to yield.
    fn poll_step(&mut self, cx: &mut Context<'_>) -> Option<PagePoll<P>> {
        let this = self;
        let walk = match &mut this.walk {
            Ok(walk) => walk,
            Err(err) => return Some(Poll::Ready(err.take().and_then(|err| this.fail(err)))),
        };
        let span = this.span.get_or_insert_with(|| {
            WalkSpan::start(
                walk.operation,
                &walk.org,
                walk.per_page,
                walk.limits.concurrency,
                walk.limits.start_page,
            )
        });
        if this.state.is_done() && this.in_flight.is_empty() {
            span.finish(&summary_of(&this.state, &this.walk), None);
            return Some(Poll::Ready(None));
        }
        // Page calls started (first polled) here are children of the walk's span.
        let span = span.span().clone();
        let _entered = span.enter();
        this.fill();
        match this.in_flight.poll_next_unpin(cx) {
            Poll::Pending => Some(Poll::Pending),
            Poll::Ready(None) => {
                this.state.end();
                if let Some(span) = &mut this.span {
                    span.finish(&summary_of(&this.state, &this.walk), None);
                }
                Some(Poll::Ready(None))
            }
            Poll::Ready(Some((page, reply))) => {
                let item = this.accept(page, reply)?;
                // Keep later pages moving while the caller works on this one.
                this.fill();
                Some(Poll::Ready(Some(item)))
            }
        }
    }
}

// Nothing in the streams is pinned structurally (their futures are boxed), so it is
// `Unpin` whatever the item type.
impl<P: PagedList> Unpin for PageStream<P> {}

impl<P: PagedList> std::fmt::Debug for PageStream<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &P::OPERATION_ID)
            .field("in_flight", &self.in_flight.len())
            .field("summary", &self.state.summary())
            .finish_non_exhaustive()
    }
}

mod items;
pub use items::{ItemStream, MemberStream};
