//! [`CallRequest`]: any operation of the spec, paged or not, sent once, and its
//! entry point [`Client::call`].
//!
//! `cargo xtask generate` writes a [`Call`] impl per operation
//! (`tallyfy_api::calls`) and a `customize` per operation (`generated_calls.rs`);
//! this request sends all of them through `call::send`, so each gets the typed
//! [`Error`] naming it, its `tallyfy.call` span, retries by idempotency, the
//! client's rate limit and pacing, and the per-request overrides, with no code in
//! this crate. Fetching one member is a named use of it
//! ([`MemberRequest`](crate::MemberRequest)).

use crate::call::{self, Reply, Rescue};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::page::ResponseMeta;
use crate::scope::Overrides;
use crate::telemetry::{self, Target};
use crate::tolerant;
use std::fmt;
use std::sync::Arc;
use tallyfy_api::calling::Call;
use tallyfy_api::item_limit::with_item_limit;

/// The largest page Tallyfy documents (`per_page`'s default, 9999), the bound of a
/// paged operation sent with [`Client::call`].
const PAGE_AT_MOST: u64 = 9_999;

mod overrides;

/// A change to the generated request builder of an operation. Any
/// `Fn(builder) -> builder` closure is one; see [`CallRequest::customize_with`].
///
/// (A trait with a method rather than a `for<'a> Fn(C::Builder<'a>) -> ...` bound,
/// which Rust refuses for an associated type: the lifetime is carried here.)
///
/// Sealed: closures are the only implementations.
pub trait CallBuilderFn<'a, C: Call>: Send + Sync + sealed::Sealed<'a, C> {
    /// Returns the changed builder.
    fn apply(&self, builder: C::Builder<'a>) -> C::Builder<'a>;
}

impl<'a, C: Call, F> CallBuilderFn<'a, C> for F
where
    F: Fn(C::Builder<'a>) -> C::Builder<'a> + Send + Sync,
{
    fn apply(&self, builder: C::Builder<'a>) -> C::Builder<'a> {
        self(builder)
    }
}

mod sealed {
    pub trait Sealed<'a, C> {}
    impl<'a, C: tallyfy_api::calling::Call, F> Sealed<'a, C> for F where
        F: Fn(C::Builder<'a>) -> C::Builder<'a>
    {
    }
}

/// One change to a call's builder, shared by the request's clones.
pub(crate) type CallCustomize<C> = Arc<dyn for<'a> CallBuilderFn<'a, C>>;

/// # Any operation
impl Client {
    /// Any operation of the spec, by its generated marker in
    /// [`tallyfy_api::calls`], sent once with the SDK's errors, retries, spans, rate
    /// limit and overrides. Set its path parameters, query and body with
    /// [`CallRequest::customize`]; a required one left unset fails the call with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming it.
    ///
    /// ```no_run
    /// use tallyfy_ext::tallyfy_api::calls::GetMember;
    /// # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
    /// let body = client.call::<GetMember>().customize(|b| b.user_id(7_u64)).send().await?;
    /// println!("{:?}", body.data.email);
    /// # Ok(()) }
    /// ```
    pub fn call<C: Call>(&self) -> CallRequest<C> {
        CallRequest::new(self.clone())
    }
}

/// A request for one operation of the spec, sent once (with its retries).
///
/// Made by [`Client::call`]. [`MemberRequest`](crate::MemberRequest) is this
/// request for `get_member`, with `with` and the member checks on top.
#[must_use = "a request does nothing until sent"]
pub struct CallRequest<C: Call> {
    pub(crate) client: Client,
    org: Option<String>,
    pub(crate) overrides: Overrides,
    /// The SDK's own settings (a named use's parameters), applied first.
    settings: Vec<CallCustomize<C>>,
    /// The caller's [`customize`](Self::customize) calls, applied after them.
    custom: Vec<CallCustomize<C>>,
}

impl<C: Call> Clone for CallRequest<C> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            org: self.org.clone(),
            overrides: self.overrides.clone(),
            settings: self.settings.clone(),
            custom: self.custom.clone(),
        }
    }
}

impl<C: Call> fmt::Debug for CallRequest<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallRequest")
            .field("operation", &C::OPERATION_ID)
            .field("org", &self.org)
            .field("overrides", &self.overrides)
            .field("customized", &(self.settings.len() + self.custom.len()))
            .finish_non_exhaustive()
    }
}

impl<C: Call> CallRequest<C> {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            org: None,
            overrides: Overrides::default(),
            settings: Vec::new(),
            custom: Vec::new(),
        }
    }

    /// The organization to ask; default is the client's. Ignored by an operation
    /// whose route has no `{org_id}`.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.org = Some(org_id.into());
        self
    }

    /// [`customize`](Self::customize) for code generic over the operation `C`. A
    /// closure needs its parameter's type spelled out here
    /// (`|b: tallyfy_api::builder::GetMember<'_>| ...`); with a concrete operation,
    /// prefer `customize`, which infers it.
    pub fn customize_with<F>(mut self, f: F) -> Self
    where
        F: for<'a> CallBuilderFn<'a, C> + 'static,
    {
        self.custom.push(Arc::new(f));
        self
    }

    /// The SDK's own setting, applied before the caller's.
    pub(crate) fn setting(mut self, f: CallCustomize<C>) -> Self {
        self.settings.push(f);
        self
    }

    /// Sends the request and returns the decoded body.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a missing
    /// organization (when the route has one), a refused header, or a required
    /// parameter left unset; otherwise the API's errors, each naming the operation.
    ///
    /// A 2xx body the generated (strict) decode refuses is decoded again towards
    /// the spec's schema (PHP's looser scalars, `[]` for an empty object); one
    /// that still does not fit is an [`ErrorKind::Decode`](crate::ErrorKind::Decode).
    pub async fn send(self) -> Result<C::Body> {
        Ok(self.send_with_meta().await?.0)
    }

    /// Sends the request and returns the body with the response's
    /// [`ResponseMeta`] (request id, rate-limit budget, attempts).
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn send_with_meta(self) -> Result<(C::Body, ResponseMeta)> {
        let org = self.checked_org()?;
        let reply = self
            .run(org, Target::Other, tolerant::body::<C::Body>)
            .await?;
        Ok((reply.value, reply.meta))
    }

    /// The organization to send to, after the request's own checks (headers,
    /// then the organization, when the route has one).
    pub(crate) fn checked_org(&self) -> Result<String> {
        if let Some(why) = self.overrides.headers.invalid() {
            return Err(Error::invalid_input(why.to_owned()));
        }
        if C::OPERATION.path_params.contains(&"org_id") {
            self.client.resolve_org(self.org.as_deref())
        } else {
            Ok(self.org.clone().unwrap_or_default())
        }
    }

    /// Sends the call for `org`, its span addressing `target`, through
    /// `call::send`; a refused strict decode goes to `rescue`.
    pub(crate) async fn run(
        self,
        org: String,
        target: Target,
        rescue: Rescue<C::Body>,
    ) -> Result<Reply<C::Body>> {
        let traced =
            telemetry::Call::start(C::OPERATION_ID, self.client.server_address(), &org, target);
        let mut builder = C::builder(self.client.api(), &org);
        for setting in self.settings.iter().chain(&self.custom) {
            builder = setting.apply(builder);
        }
        let sent = call::send(
            traced,
            self.overrides,
            C::send(builder),
            |body| body,
            rescue,
        );
        if !C::OPERATION.paged {
            return sent.await;
        }
        // A page sent once rather than walked: its per_page is the caller's (in
        // `customize`), so its decode stops at the most the largest page Tallyfy
        // documents may hold; past that, it fails instead of growing with the server.
        let limit = crate::page::item_limit(PAGE_AT_MOST);
        let (reply, _exceeded) =
            with_item_limit(usize::try_from(limit).unwrap_or(usize::MAX), sent).await;
        reply
    }
}
