//! [`MemberRequest`]: one member, `GET /organizations/{org}/users/{user_id}`, and
//! its entry point [`Client::member`].

use crate::call_request::{CallCustomize, CallRequest};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::includes::{Include, with_param};
use crate::page::ResponseMeta;
use crate::policy::RetryPolicy;
use crate::telemetry::Target;
use crate::tolerant;
use std::sync::Arc;
use std::time::Duration;
use tallyfy_api::builder::GetMember;
use tallyfy_api::types::Member;
use tallyfy_api::{calls, operations};

/// # Member API
impl Client {
    /// Fetches one member by numeric user id. See [`MemberRequest`].
    pub fn member(&self, user_id: i64) -> MemberRequest {
        MemberRequest::new(self.clone(), user_id)
    }
}

/// A request for one member: `GET /organizations/{org}/users/{user_id}`: the
/// generic [`CallRequest`] for `get_member`, with includes and the member checks.
#[must_use = "a request does nothing until sent"]
#[derive(Clone)]
pub struct MemberRequest {
    pub(crate) request: CallRequest<calls::GetMember>,
    user_id: i64,
    includes: Vec<Include>,
}

impl std::fmt::Debug for MemberRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberRequest")
            .field("user_id", &self.user_id)
            .field("includes", &self.includes)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// A setting of the SDK's own on the get-member builder.
fn member_setting<F>(f: F) -> CallCustomize<calls::GetMember>
where
    F: for<'a> Fn(GetMember<'a>) -> GetMember<'a> + Send + Sync + 'static,
{
    Arc::new(f)
}

impl MemberRequest {
    pub(crate) fn new(client: Client, user_id: i64) -> Self {
        Self {
            request: client.call::<calls::GetMember>(),
            user_id,
            includes: Vec::new(),
        }
    }

    /// Changes the generated request builder after the SDK's own settings, so a
    /// parameter added to the spec is usable on the next regeneration:
    /// `client.member(7).customize(|b| b.with("groups"))`. Calls compose in order.
    pub fn customize<F>(mut self, f: F) -> Self
    where
        F: for<'a> Fn(GetMember<'a>) -> GetMember<'a> + Send + Sync + 'static,
    {
        self.request = self.request.customize(f);
        self
    }

    /// The organization to ask; default is the client's.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.request = self.request.org(org_id);
        self
    }

    /// Related data to include; read it through [`MemberIncludes`](crate::MemberIncludes).
    pub fn with(mut self, includes: impl IntoIterator<Item = Include>) -> Self {
        self.includes.extend(includes);
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a user id below 1
    /// or a missing organization; otherwise the API's errors (404 for an unknown member).
    ///
    /// A member whose JSON cannot be typed at all (no usable `id`) is an
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) that carries the raw member
    /// ([`Error::untyped_member`](crate::Error::untyped_member)); PHP's looser
    /// scalars and odd keys never are (see the crate docs, "Tolerant decoding").
    pub async fn send(self) -> Result<Member> {
        Ok(self.send_with_meta().await?.0)
    }

    /// Sends the request and returns the member with the response's
    /// [`ResponseMeta`] (request id, rate-limit budget, attempts).
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn send_with_meta(self) -> Result<(Member, ResponseMeta)> {
        let org = self.request.checked_org()?;
        let user_id = u64::try_from(self.user_id)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "user id {} is not a positive integer",
                    self.user_id
                ))
            })?;
        let mut request = self
            .request
            .setting(member_setting(move |b| b.user_id(user_id)));
        if let Some(with) = with_param(&self.includes) {
            request = request.setting(member_setting(move |b| b.with(with.clone())));
        }
        let reply = request
            .run(org, Target::User(user_id), tolerant::item_rescue)
            .await?;
        let member = reply.value.data;
        // Another member than the one asked for is a broken server or proxy (or a
        // cache keyed wrongly): handing it back as this one would put one person's
        // data under another's id, so it is an error, never a warning.
        if u64::try_from(member.id).ok() != Some(user_id) {
            return Err(Error::wrong_item(
                operations::GET_MEMBER.id,
                format!(
                    "asked for member {user_id}, the server answered with member {}",
                    member.id
                ),
                reply.meta.request_id,
                reply.meta.attempts,
            ));
        }
        Ok((member, reply.meta))
    }
}

/// # Per-request overrides
impl MemberRequest {
    /// Time allowed for each attempt of this request, replacing
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout). Default is the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request = self.request.timeout(timeout);
        self
    }

    /// A deadline for this request: its attempts and the waits between them
    /// together, replacing
    /// [`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout).
    /// Default is the client's.
    pub fn operation_timeout(mut self, deadline: Duration) -> Self {
        self.request = self.request.operation_timeout(deadline);
        self
    }

    /// The retry policy of this request, replacing
    /// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy); e.g.
    /// [`RetryPolicy::never`] for a latency-sensitive call. Default is the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.request = self.request.retry_policy(policy);
        self
    }

    /// Whether this request may be sent twice. Default: from its method (a `GET`:
    /// idempotent). A request that is not idempotent is retried only when its
    /// attempt never reached the server.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.request = self.request.idempotent(idempotent);
        self
    }

    /// A header sent with this request, after the client's own (replacing one of
    /// the same name). The names [`ClientBuilder::header`](crate::ClientBuilder::header)
    /// refuses are refused here too, when the request is sent, with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput). The value is
    /// treated as a secret: never printed, only the name.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.request = self.request.header(name, value);
        self
    }
}
