//! A blocking iterator over a member walk, for synchronous callers.
//!
//! A thin wrapper: the same [`MemberStream`] driven by a private single-threaded
//! tokio runtime, not a second implementation.

use crate::error::{Error, Result};
use crate::pagination::{MemberStream, WalkSummary};
use futures::StreamExt;
use tallyfy_api::types::Member;

/// Every member of a walk, one by one, blocking the calling thread.
/// Made by [`MembersRequest::blocking_items`](crate::MembersRequest::blocking_items).
#[derive(Debug)]
pub struct BlockingMembers {
    runtime: tokio::runtime::Runtime,
    stream: MemberStream,
}

impl BlockingMembers {
    pub(crate) fn new(stream: MemberStream) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::invalid_input("cannot start a runtime for the blocking iterator")
                    .with_source(e)
            })?;
        Ok(Self { runtime, stream })
    }

    /// How the walk went so far.
    pub fn summary(&self) -> WalkSummary {
        self.stream.summary()
    }
}

impl Iterator for BlockingMembers {
    type Item = Result<Member>;

    fn next(&mut self) -> Option<Self::Item> {
        self.runtime.block_on(self.stream.next())
    }
}
