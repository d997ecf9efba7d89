//! What a paged list operation is, for one generic walker.
//!
//! Every Tallyfy list route pages the same way: `?page=N&per_page=M`, answered
//! with Fractal's `{"data": [...], "meta": {"pagination": {...}}}`. `cargo xtask
//! generate` finds such operations in the spec and writes one [`PagedList`] impl per
//! operation into `paged.rs` (generated, like `generated.rs`). tallyfy-ext walks any
//! `PagedList` with the same guards, retries, concurrency and summary, so a list
//! operation added to the spec is walkable on the next regeneration, with no hand
//! code in either crate.
//!
//! This trait is hand-written (the generator cannot express it) and only describes;
//! the walking lives in tallyfy-ext. It is sealed: only the generated `paged.rs`
//! implements it, so its methods can change with the generator without breaking
//! anyone's impl.

use crate::operations::Operation;
use crate::types::{ErrorBody, Pagination};
use progenitor_client::{Error, ResponseValue};

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future, as returned by [`PagedList::send`].
pub type SendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The generated answer of one page request.
pub type PageResult<Body> = Result<ResponseValue<Body>, Error<ErrorBody>>;

/// One page, taken apart: its items and Fractal's pagination meta.
///
/// Plumbing between the generated glue and tallyfy-ext's walker, hidden from the
/// docs: it is public only because tallyfy-ext, another crate, reads it.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListParts<T> {
    /// The page's `data`.
    pub items: Vec<T>,
    /// `meta.pagination`, when the server sent it.
    pub pagination: Option<Pagination>,
}

impl<T> ListParts<T> {
    /// Items and pagination, as the generated glue builds them.
    pub fn new(items: Vec<T>, pagination: Option<Pagination>) -> Self {
        Self { items, pagination }
    }
}

mod sealed {
    /// Implemented by the generated `paged.rs` only, so no other crate can
    /// implement [`PagedList`](super::PagedList).
    pub trait Sealed {}
}
// The generated `paged.rs` names it here; outside this crate it is unnameable.
pub(crate) use sealed::Sealed;

/// A paged list operation of the spec; implemented by generated code only (sealed).
///
/// Walk one with tallyfy-ext's `Client::list::<P>()`. No other crate can implement
/// it, even completely (this fails only for the missing `Sealed`):
///
/// ```compile_fail
/// # use tallyfy_api::paging::{ListParts, PageResult, PagedList, SendFuture};
/// # use tallyfy_api::{builder, operations, types, Client};
/// struct Mine;
/// impl PagedList for Mine {
///     const OPERATION: &'static operations::Operation = &operations::LIST_MEMBERS;
/// #   type Builder<'a> = builder::ListMembers<'a>;
/// #   type Body = types::MemberList;
/// #   type Item = types::Member;
/// #   fn builder<'a>(client: &'a Client, org_id: &str) -> Self::Builder<'a> {
/// #       client.list_members().org_id(org_id.to_owned())
/// #   }
/// #   fn with_page(b: Self::Builder<'_>, page: u64, per_page: u64) -> Self::Builder<'_> {
/// #       b.page(page).per_page(per_page)
/// #   }
/// #   fn send(b: Self::Builder<'_>) -> SendFuture<'_, PageResult<Self::Body>> {
/// #       Box::pin(b.send())
/// #   }
/// #   fn into_parts(body: Self::Body) -> ListParts<Self::Item> {
/// #       ListParts::new(body.data, None)
/// #   }
/// #   fn item_id(item: &Self::Item) -> Option<i64> {
/// #       Some(item.id)
/// #   }
/// #   fn item_extra(_: &mut Self::Item) -> Option<&mut tallyfy_api::Extra> {
/// #       None
/// #   }
///     // ...every other item of the trait...
/// }
/// ```
pub trait PagedList: Sealed + Send + Sync + 'static {
    /// The operation in the generated table, e.g. [`LIST_MEMBERS`](crate::operations::LIST_MEMBERS).
    const OPERATION: &'static Operation;
    /// The spec's `operationId`, e.g. `list_members` (`OPERATION.id`).
    const OPERATION_ID: &'static str = Self::OPERATION.id;
    /// The route template, e.g. `/organizations/{org_id}/users` (`OPERATION.path`).
    const PATH: &'static str = Self::OPERATION.path;
    /// The generated request builder (`builder::ListMembers<'a>`).
    type Builder<'a>: Send;
    /// The generated response body (`types::MemberList`).
    type Body: serde::de::DeserializeOwned + schemars::JsonSchema + Send + 'static;
    /// The generated item type (`types::Member`).
    type Item: serde::de::DeserializeOwned + Send + 'static;

    /// A request for the organization `org_id` (other path parameters, if the
    /// operation has any, are set by the caller's customisation).
    fn builder<'a>(client: &'a crate::Client, org_id: &str) -> Self::Builder<'a>;
    /// Sets `page` and `per_page` (both at least 1).
    fn with_page(builder: Self::Builder<'_>, page: u64, per_page: u64) -> Self::Builder<'_>;
    /// Sends the request.
    fn send(builder: Self::Builder<'_>) -> SendFuture<'_, PageResult<Self::Body>>;
    /// Takes a decoded page apart.
    fn into_parts(body: Self::Body) -> ListParts<Self::Item>;
    /// The item's numeric id, when its schema has one (walks de-duplicate by it).
    fn item_id(item: &Self::Item) -> Option<i64>;
    /// The item's map of keys the spec does not name, when its schema keeps them.
    fn item_extra(item: &mut Self::Item) -> Option<&mut crate::Extra>;
}
