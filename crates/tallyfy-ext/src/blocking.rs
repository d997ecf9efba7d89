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

use crate::client::Client;
use crate::error::{Error, Result};
use crate::members::{MemberRequest, Page};
use crate::meta::ResponseMeta;
use crate::pagination::{PageStream, WalkSummary};
use futures::StreamExt;
use std::future::Future;
use std::sync::Arc;
use tallyfy_api::types::Member;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

/// A client's blocking runtime: a handle to it, and the thread's stop signal.
#[derive(Debug)]
pub(crate) struct BlockingRuntime {
    handle: tokio::runtime::Handle,
    /// Dropped with the last reference: the runtime's thread then returns.
    _stop: oneshot::Sender<()>,
}

impl BlockingRuntime {
    pub(crate) fn start() -> Result<Self> {
        let (stop, stopped) = oneshot::channel::<()>();
        let (started, handle) = std::sync::mpsc::sync_channel(1);
        // The runtime is built, run and dropped on its own thread only: never on the
        // caller's, which may be inside async code.
        std::thread::Builder::new()
            .name("tallyfy-blocking".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started.send(Err(e));
                        return;
                    }
                };
                let _ = started.send(Ok(runtime.handle().clone()));
                // Tasks run while this waits for the stop signal.
                runtime.block_on(async move {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| Error::setup("cannot start the blocking runtime's thread", e))?;
        let handle = match handle.recv() {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) => return Err(Error::setup("cannot start the blocking runtime", e)),
            Err(e) => return Err(Error::setup("the blocking runtime's thread died", e)),
        };
        Ok(Self {
            handle,
            _stop: stop,
        })
    }

    /// Runs `fut` on the runtime and blocks the calling thread until it is done.
    fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = self.handle.spawn(fut.instrument(tracing::Span::current()));
        match futures::executor::block_on(task) {
            Ok(output) => output,
            Err(err) => match err.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only a runtime shutting down cancels tasks, and this one is alive.
                Err(err) => unreachable!("blocking task cancelled: {err}"),
            },
        }
    }
}

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
        let runtime = self.client.blocking_runtime()?;
        runtime.run(self.send_with_meta())
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
        runtime
            .handle
            .spawn(walk.instrument(tracing::Span::current()));
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
