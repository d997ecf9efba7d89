//! The blocking API: a thin wrapper over the async one, as reqwest's `blocking` is.
//!
//! Each [`Client`] starts, on its first blocking call, one single-threaded tokio
//! runtime on a thread of its own (`tallyfy-blocking`). Blocking calls hand their
//! future to that runtime and wait for the answer; they never build or drop a
//! runtime on the caller's thread. So:
//! - a process with one client has one blocking runtime, however many calls it makes;
//! - a [`BlockingMembers`] can be dropped anywhere, even inside async code, and
//!   dropping it cancels the walk;
//! - the runtime stops when the last clone of the client (and the last walk) is gone.
//!
//! Blocking calls must not be made from inside an async task (they would block one
//! of its worker threads); use `spawn_blocking` there, or the async API.

use crate::call_request::CallRequest;
use crate::client::Client;
use crate::error::Result;
use crate::get_member::MemberRequest;
use crate::list_members::MembersRequest;
use crate::page::{Page, ResponseMeta, WalkSummary};
use crate::runtime::BlockingRuntime;
use crate::walk::PageStream;
use futures::StreamExt;
use std::sync::Arc;
use tallyfy_api::calling::Call;
use tallyfy_api::types::Member;
use tokio::sync::mpsc;

/// # Blocking
impl MemberRequest {
    /// Sends the request from synchronous code, on the client's blocking runtime.
    ///
    /// # Errors
    /// As [`send`](Self::send), and [`ErrorKind::Setup`](crate::ErrorKind::Setup)
    /// when the blocking runtime cannot be started.
    pub fn blocking_send(self) -> Result<Member> {
        Ok(self.blocking_send_with_meta()?.0)
    }

    /// [`send_with_meta`](Self::send_with_meta) from synchronous code.
    ///
    /// # Errors
    /// As [`blocking_send`](Self::blocking_send).
    pub fn blocking_send_with_meta(self) -> Result<(Member, ResponseMeta)> {
        let runtime = self.request.client.blocking_runtime()?;
        runtime.run(self.send_with_meta())
    }
}

/// # Blocking
impl<C: Call> CallRequest<C> {
    /// Sends the request from synchronous code, on the client's blocking runtime.
    ///
    /// # Errors
    /// As [`send`](Self::send), and [`ErrorKind::Setup`](crate::ErrorKind::Setup)
    /// when the blocking runtime cannot be started.
    pub fn blocking_send(self) -> Result<C::Body> {
        Ok(self.blocking_send_with_meta()?.0)
    }

    /// [`send_with_meta`](Self::send_with_meta) from synchronous code.
    ///
    /// # Errors
    /// As [`blocking_send`](Self::blocking_send).
    pub fn blocking_send_with_meta(self) -> Result<(C::Body, ResponseMeta)> {
        let runtime = self.client.blocking_runtime()?;
        runtime.run(self.send_with_meta())
    }
}

/// # Blocking
impl MembersRequest {
    /// Walks every page from synchronous code, as an `Iterator` of members.
    ///
    /// The walk runs on the client's blocking runtime (one thread per client,
    /// started by the first blocking call, as reqwest's `blocking` does); the
    /// iterator waits for one page at a time. Dropping it anywhere, even inside
    /// async code, is safe and cancels the walk.
    ///
    /// # Errors
    /// [`ErrorKind::Setup`](crate::ErrorKind::Setup) when the runtime or its thread
    /// cannot be started (the OS refused a thread or an fd).
    pub fn blocking_items(self) -> Result<BlockingMembers> {
        let client = self.client.clone();
        BlockingMembers::new(&client, self.pages())
    }
}

/// Every member of a walk, one by one, blocking the calling thread.
/// Made by [`MembersRequest::blocking_items`](crate::MembersRequest::blocking_items).
///
/// The walk runs on the client's blocking runtime and hands over one page at a
/// time; dropping the iterator (anywhere) cancels it.
#[derive(Debug)]
pub struct BlockingMembers {
    /// Keeps the runtime up while the iterator waits on it.
    _runtime: Arc<BlockingRuntime>,
    pages: mpsc::Receiver<(Result<Page<Member>>, WalkSummary)>,
    buffer: std::vec::IntoIter<Member>,
    summary: WalkSummary,
}

impl BlockingMembers {
    pub(crate) fn new(client: &Client, mut stream: PageStream) -> Result<Self> {
        let runtime = client.blocking_runtime()?;
        // One page waits in the channel while the caller works through another.
        let (tx, pages) = mpsc::channel(1);
        let walk = async move {
            loop {
                let next = tokio::select! {
                    // The iterator was dropped: stop fetching.
                    () = tx.closed() => return,
                    next = stream.next() => next,
                };
                let Some(page) = next else { return };
                if tx.send((page, stream.summary())).await.is_err() {
                    return;
                }
            }
        };
        runtime.spawn(walk);
        Ok(Self {
            _runtime: runtime,
            pages,
            buffer: Vec::new().into_iter(),
            summary: WalkSummary::default(),
        })
    }

    /// How the walk went so far (final once the iterator has returned `None`).
    pub fn summary(&self) -> WalkSummary {
        self.summary
    }
}

impl Iterator for BlockingMembers {
    type Item = Result<Member>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(member) = self.buffer.next() {
                return Some(Ok(member));
            }
            let (page, summary) = futures::executor::block_on(self.pages.recv())?;
            self.summary = summary;
            match page {
                Ok(page) => self.buffer = page.items.into_iter(),
                Err(err) => return Some(Err(err)),
            }
        }
    }
}
