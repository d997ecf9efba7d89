//! A bound on the items one list response may decode into, counted while decoding.
//!
//! The body cap bounds the bytes on the wire, not what they decode into: a server
//! that ignores `per_page` can fit millions of `{"id": N}` items under it, each a
//! full `Member` once decoded. The `data` field of every generated paged body reads
//! its array through [`bounded`] (`cargo xtask generate` adds the attribute; see
//! `xtask/src/postprocess.rs`), which stops at the limit of the decode it runs in.
//!
//! progenitor decodes inside the future it generates, so the limit cannot be an
//! argument: [`with_item_limit`] sets it for the polls of one future, on the thread
//! that polls it, and reports whether a decode inside went past it. Outside such a
//! future there is no limit.
//!
//! Plumbing for tallyfy-ext, hidden from the docs.

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// The limit of the future being polled on this thread, if any.
    static LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
    /// Set when a decode under [`LIMIT`] met one item more.
    static EXCEEDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `fut` with at most `limit` items per bounded array decoded in it.
#[doc(hidden)]
pub fn with_item_limit<F: Future>(limit: usize, fut: F) -> ItemLimited<F> {
    ItemLimited {
        fut: Box::pin(fut),
        limit,
        exceeded: false,
    }
}

/// The future of [`with_item_limit`]: its output, and whether a bounded array
/// inside held more than the limit (its decode then failed there).
#[doc(hidden)]
#[must_use = "futures do nothing unless polled"]
pub struct ItemLimited<F> {
    fut: Pin<Box<F>>,
    limit: usize,
    exceeded: bool,
}

impl<F> fmt::Debug for ItemLimited<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemLimited")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Restores the thread's previous limit, also when the inner poll panics.
struct Restore {
    limit: Option<usize>,
    exceeded: bool,
}

impl Drop for Restore {
    fn drop(&mut self) {
        LIMIT.set(self.limit);
        EXCEEDED.set(self.exceeded);
    }
}

impl<F: Future> Future for ItemLimited<F> {
    type Output = (F::Output, bool);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let restore = Restore {
            limit: LIMIT.replace(Some(this.limit)),
            exceeded: EXCEEDED.replace(false),
        };
        let poll = this.fut.as_mut().poll(cx);
        this.exceeded |= EXCEEDED.get();
        drop(restore);
        poll.map(|out| (out, this.exceeded))
    }
}

/// The limit of the decode running on this thread, if any.
#[doc(hidden)]
pub fn current() -> Option<usize> {
    LIMIT.get()
}

/// Marks the running decode as past its limit (for decoders other than [`bounded`]).
#[doc(hidden)]
pub fn mark_exceeded() {
    EXCEEDED.set(true);
}

/// Decodes an array, failing at the first item past the current limit.
#[doc(hidden)]
pub fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(Bounded(PhantomData))
}

struct Bounded<T>(PhantomData<T>);

/// Decodes one `T` and pushes it.
struct Push<'a, T>(&'a mut Vec<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Push<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.push(T::deserialize(d)?);
        Ok(())
    }
}

/// The most items [`bounded`] reserves room for before it has seen them.
const PREALLOCATE_AT_MOST: usize = 1_100;

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let limit = current();
        // A page is nearly always full, and JSON gives no length: under a limit,
        // room for all of it up front (and the one item past it that fails the
        // decode; capped) spares the doubling reallocations, each a copy of every
        // item so far. Never trust a size hint beyond the limit, nor a large one
        // without a limit.
        let start = match limit {
            Some(limit) => limit.saturating_add(1).min(PREALLOCATE_AT_MOST),
            None => seq.size_hint().unwrap_or(0).min(256),
        };
        let mut items = Vec::with_capacity(start);
        // Each item is decoded straight into `items` (`Push`): a `Member` is over a
        // kilobyte, and through `next_element` each was copied five times on its way
        // in (`Option`, `Result`, the loop's binding, `push`).
        while seq.next_element_seed(Push(&mut items))?.is_some() {
            if let Some(limit) = limit.filter(|&l| items.len() > l) {
                mark_exceeded();
                return Err(A::Error::custom(format!(
                    "more than {limit} items in one response"
                )));
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Vec<u32>, serde_json::Error> {
        bounded(&mut serde_json::Deserializer::from_str(text))
    }

    fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn the_limit_holds_inside_the_future_only() {
        assert_eq!(decode("[1,2,3]").unwrap(), [1, 2, 3], "no limit outside");
        let (out, exceeded) = block_on(with_item_limit(3, async { decode("[1,2,3]") }));
        assert_eq!((out.unwrap(), exceeded), (vec![1, 2, 3], false));
        let (out, exceeded) = block_on(with_item_limit(3, async { decode("[1,2,3,4]") }));
        assert!(out.unwrap_err().to_string().contains("more than 3 items"));
        assert!(exceeded);
        assert_eq!(current(), None, "restored after the poll");
        assert!(!EXCEEDED.get());
    }

    #[test]
    fn an_inner_limit_gives_way_to_the_outer_one_after_it() {
        let (out, exceeded) = block_on(with_item_limit(5, async {
            let (inner, hit) = with_item_limit(1, async { decode("[1,2]") }).await;
            assert!(inner.is_err() && hit);
            decode("[1,2,3,4,5]")
        }));
        assert_eq!(out.unwrap().len(), 5);
        assert!(!exceeded, "the inner excess is the inner future's");
    }
}
