//! What one operation of the spec is, for one generic request.
//!
//! `cargo xtask generate` writes one [`Call`] impl per operation of the spec, paged
//! or not, into `calls.rs` (generated, like `generated.rs`). tallyfy-ext sends any
//! `Call` with the same typed errors, retries, spans, rate limit and overrides
//! (`Client::call::<calls::X>()`), so an operation added to the spec is callable on
//! the next regeneration, with no hand code in either crate.
//!
//! This trait is hand-written (the generator cannot express it) and only describes;
//! the sending lives in tallyfy-ext. It is sealed: only the generated `calls.rs`
//! implements it, so its items can change with the generator without breaking
//! anyone's impl.

use crate::operations::Operation;
use crate::paging::SendFuture;
use crate::types::ErrorBody;
use progenitor_client::{Error, ResponseValue};

/// The generated answer of one call.
pub type CallResult<Body> = Result<ResponseValue<Body>, Error<ErrorBody>>;

mod sealed {
    /// Implemented by the generated `calls.rs` only, so no other crate can
    /// implement [`Call`](super::Call).
    pub trait Sealed {}
}
// The generated `calls.rs` names it here; outside this crate it is unnameable.
pub(crate) use sealed::Sealed;

/// An operation of the spec; implemented by generated code only (sealed).
///
/// Send one with tallyfy-ext's `Client::call::<C>()`. No other crate can implement
/// it, even completely (this fails only for the missing `Sealed`):
///
/// ```compile_fail
/// # use tallyfy_api::calling::{Call, CallResult};
/// # use tallyfy_api::paging::SendFuture;
/// # use tallyfy_api::{builder, operations, types, Client};
/// struct Mine;
/// impl Call for Mine {
///     const OPERATION: &'static operations::Operation = &operations::GET_MEMBER;
/// #   type Builder<'a> = builder::GetMember<'a>;
/// #   type Body = types::MemberItem;
/// #   fn builder<'a>(client: &'a Client, org_id: &str) -> Self::Builder<'a> {
/// #       client.get_member().org_id(org_id.to_owned())
/// #   }
/// #   fn send(b: Self::Builder<'_>) -> SendFuture<'_, CallResult<Self::Body>> {
/// #       Box::pin(b.send())
/// #   }
///     // ...every other item of the trait...
/// }
/// ```
pub trait Call: Sealed + Send + Sync + 'static {
    /// The operation in the generated table, e.g. [`GET_MEMBER`](crate::operations::GET_MEMBER).
    const OPERATION: &'static Operation;
    /// The spec's `operationId`, e.g. `get_member` (`OPERATION.id`).
    const OPERATION_ID: &'static str = Self::OPERATION.id;
    /// The generated request builder (`builder::GetMember<'a>`).
    type Builder<'a>: Send;
    /// The generated response body (`types::MemberItem`; `()` for an operation
    /// that answers with no body).
    type Body: serde::de::DeserializeOwned + schemars::JsonSchema + Send + 'static;

    /// A request for the organization `org_id`, when the route has one (other
    /// path parameters, the body and the query are set by the caller's
    /// customisation; one left unset fails the call, naming it).
    fn builder<'a>(client: &'a crate::Client, org_id: &str) -> Self::Builder<'a>;
    /// Sends the request.
    fn send(builder: Self::Builder<'_>) -> SendFuture<'_, CallResult<Self::Body>>;
}
