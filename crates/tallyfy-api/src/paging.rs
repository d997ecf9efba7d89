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
//! the walking lives in tallyfy-ext.

use crate::types::{ErrorBody, Pagination};
use progenitor_client::{Error, ResponseValue};

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future, as returned by [`PagedList::send`].
pub type SendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The generated answer of one page request.
pub type PageResult<Body> = Result<ResponseValue<Body>, Error<ErrorBody>>;

/// One page, taken apart: its items and Fractal's pagination meta.
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

/// A paged list operation of the spec; implemented by generated code only.
pub trait PagedList: Send + Sync + 'static {
    /// The spec's `operationId`, e.g. `list_members`.
    const OPERATION_ID: &'static str;
    /// The route template, e.g. `/organizations/{org_id}/users`.
    const PATH: &'static str;
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
