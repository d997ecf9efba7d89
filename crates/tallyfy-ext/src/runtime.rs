//! The blocking runtime: one single-threaded tokio runtime on a thread of its own
//! (`tallyfy-blocking`), started by a client's first blocking call.
//!
//! Invariants the blocking façade (`blocking.rs`) and its tests rely on:
//! - the runtime is built, run and dropped on its own thread only, never on the
//!   caller's (which may be inside async code), so a blocking walk can be dropped
//!   anywhere;
//! - the thread returns when the last [`BlockingRuntime`] reference is dropped (the
//!   client holds one, each blocking walk another): one thread per live client,
//!   none after. A global runtime, or `Handle::block_on` on the caller's thread,
//!   would break the first; a thread outliving its owners, the second.

use crate::error::{Error, Result};
use std::future::Future;
use tokio::sync::oneshot;
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
    pub(crate) fn run<F>(&self, fut: F) -> F::Output
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

    /// Starts `fut` on the runtime without waiting for it.
    pub(crate) fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.handle.spawn(fut.instrument(tracing::Span::current()));
    }
}
