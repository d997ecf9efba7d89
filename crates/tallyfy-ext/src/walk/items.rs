//! [`ItemStream`]: the items of a [`PageStream`], one at a time, in page order.

use super::PageStream;
use crate::error::{Error, Result};
use crate::page::{Checkpoint, UntypedMember, WalkSummary};
use futures::stream::{Stream, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};
use tallyfy_api::paged::ListMembers;
use tallyfy_api::paging::PagedList;

/// A stream of items across every page, in page order. Made by
/// [`ListRequest::items`](crate::ListRequest::items).
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<P: PagedList = ListMembers> {
    pages: PageStream<P>,
    buffer: std::vec::IntoIter<P::Item>,
    /// The page `buffer` came from.
    buffer_page: u64,
    /// Untyped items of the current page still to yield as errors (opt-in).
    pending_errors: std::vec::IntoIter<UntypedMember>,
    /// Untyped items seen and not yet taken (default).
    untyped: Vec<UntypedMember>,
}

// The page stream's futures are boxed: `Unpin` whatever the item type.
impl<P: PagedList> Unpin for ItemStream<P> {}

/// The members of an organization, in page order. Made by
/// [`MembersRequest::items`](crate::MembersRequest::items).
pub type MemberStream = ItemStream<ListMembers>;

impl<P: PagedList> ItemStream<P> {
    pub(crate) fn new(pages: PageStream<P>) -> Self {
        Self {
            pages,
            buffer: Vec::new().into_iter(),
            buffer_page: 0,
            pending_errors: Vec::new().into_iter(),
            untyped: Vec::new(),
        }
    }

    /// How the walk went so far; after the end, whether `max_items` left members unread.
    pub fn summary(&self) -> WalkSummary {
        self.pages.summary()
    }

    /// Where the walk stands, to resume it exactly: see [`PageStream::checkpoint`].
    /// Taken in the middle of a page, it resumes at that page, and the resumed walk
    /// yields the members of it this stream has not yielded yet.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let mut checkpoint = self.pages.checkpoint()?;
        if self.buffer.len() > 0 {
            checkpoint.next_page = checkpoint.next_page.min(self.buffer_page);
            for id in self.buffer.as_slice().iter().filter_map(P::item_id) {
                checkpoint.ids.remove(id);
            }
        }
        Some(checkpoint)
    }

    /// The members seen so far that could not be typed, raw, with their page and
    /// position; each is returned once. (With
    /// [`ListRequest::untyped_as_errors`](crate::ListRequest::untyped_as_errors)
    /// they come out of the stream instead.)
    pub fn take_untyped(&mut self) -> Vec<UntypedMember> {
        std::mem::take(&mut self.untyped)
    }
}

impl<P: PagedList> Stream for ItemStream<P> {
    type Item = Result<P::Item>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(member) = self.pending_errors.next() {
                let err = Error::untyped_member_error(P::OPERATION_ID, member);
                return Poll::Ready(Some(Err(err)));
            }
            match futures::ready!(self.pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => {
                    self.buffer_page = page.page;
                    self.buffer = page.items.into_iter();
                    if self.pages.untyped_as_errors() {
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

impl<P: PagedList> std::fmt::Debug for ItemStream<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .field("untyped", &self.untyped.len())
            .finish()
    }
}
