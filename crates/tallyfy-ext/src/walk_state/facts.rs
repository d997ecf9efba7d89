//! What crosses the boundary of [`WalkState`](super::WalkState): the caller's
//! limits, what a resumed walk carries, the facts of a page, and the answers.

use crate::error::PaginationFault;
use crate::id_set::IdSet;

/// The caller's bounds on a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalkLimits {
    /// The walk's first page: the end-of-walk check and healing start here.
    pub first_page: u64,
    /// The first page to fetch (after `first_page` when resumed).
    pub start_page: u64,
    pub concurrency: usize,
    pub max_items: Option<u64>,
    pub max_pages: Option<u64>,
    /// Extra page requests allowed for the end-of-walk check and healing; 0: off.
    pub heal_pages: u64,
}

/// What a walk resumed from a checkpoint carries over.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Carried {
    pub ids: IdSet,
    /// The fingerprint of the first page, as first read.
    pub first_print: Option<u64>,
    pub changed: bool,
    pub suspect: u64,
}

/// What one page said about the walk, beside its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageFacts {
    /// `meta.pagination.current_page`, when sent.
    pub current_page: Option<u64>,
    pub total_pages: Option<u64>,
    pub total: Option<u64>,
    pub per_page: Option<u64>,
    /// `Some(true)`: a non-empty `links.next`; `Some(false)`: `links` is `[]` or
    /// has no usable `next`; `None`: no `links`.
    pub has_next_link: Option<bool>,
    /// The ids of the typed items, in order (`None`: an item without one).
    pub ids: Vec<Option<i64>>,
    /// Items on the page that could not be typed.
    pub untyped: usize,
}

/// What to do with an accepted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    /// Per typed item, in order: whether to yield it (members yielded before are not).
    pub keep: Vec<bool>,
    /// Yield at most this many of the kept items (`max_items`).
    pub take: usize,
    /// The walk is over: cancel what is in flight, fetch nothing more.
    pub done: bool,
    /// The pages in flight belong to a part of the walk that is over: drop them.
    pub restart: bool,
    /// The page was a re-read (a check or healing), not the next page.
    pub reread: bool,
}

/// A page the walk refuses: the server's pagination misbehaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub fault: PaginationFault,
    pub message: String,
}
