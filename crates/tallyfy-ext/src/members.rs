//! Requests for the two member endpoints: [`MemberRequest`] (get one) and
//! [`MembersRequest`] (list, as one page or as a walk over all of them: the
//! generic [`ListRequest`] for `list_members`).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::includes::{Include, with_param};
use crate::list::ListRequest;
use crate::meta::ResponseMeta;
use crate::outcome;
use crate::ratelimit::RateLimit;
use crate::telemetry::Call;
use crate::tolerant;
use crate::transport::Overrides;
use std::sync::Arc;
use tallyfy_api::builder::GetMember;
use tallyfy_api::paged::ListMembers;
use tallyfy_api::types::{Member, MemberItem};

/// A change to the generated get-member builder (see [`MemberRequest::customize`]).
type CustomizeGet = Arc<dyn for<'a> Fn(GetMember<'a>) -> GetMember<'a> + Send + Sync>;

/// One page of a list, with Tallyfy's pagination meta.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page (members already yielded by earlier pages of a walk are left out).
    pub items: Vec<T>,
    /// This page's 1-based number.
    pub page: u64,
    /// Pages in the collection, as the server reported on this page.
    pub total_pages: Option<u64>,
    /// Items in the collection, as reported on this page.
    pub total: Option<u64>,
    /// The page size the server used (it may cap the requested one).
    pub per_page: Option<u64>,
    /// The response's request id header, when sent.
    pub request_id: Option<String>,
    /// Members on this page that could not be typed, raw (rare: see
    /// [`UntypedMember`](crate::UntypedMember)). `items` holds the rest of the page.
    pub untyped: Vec<crate::UntypedMember>,
    /// The request budget the response reported (`X-RateLimit-*`), when it did.
    pub rate_limit: Option<RateLimit>,
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A request for one member: `GET /organizations/{org}/users/{user_id}`.
#[must_use = "a request does nothing until sent"]
#[derive(Clone)]
pub struct MemberRequest {
    pub(crate) client: Client,
    org: Option<String>,
    user_id: i64,
    includes: Vec<Include>,
    pub(crate) overrides: Overrides,
    custom: Vec<CustomizeGet>,
}

impl std::fmt::Debug for MemberRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberRequest")
            .field("org", &self.org)
            .field("user_id", &self.user_id)
            .field("includes", &self.includes)
            .field("overrides", &self.overrides)
            .field("customized", &self.custom.len())
            .finish_non_exhaustive()
    }
}

impl MemberRequest {
    pub(crate) fn new(client: Client, user_id: i64) -> Self {
        Self {
            client,
            org: None,
            user_id,
            includes: Vec::new(),
            overrides: Overrides::default(),
            custom: Vec::new(),
        }
    }

    /// Changes the generated request builder after the SDK's own settings, so a
    /// parameter added to the spec is usable on the next regeneration:
    /// `client.member(7).customize(|b| b.with("groups"))`. Calls compose in order.
    pub fn customize<F>(mut self, f: F) -> Self
    where
        F: for<'a> Fn(GetMember<'a>) -> GetMember<'a> + Send + Sync + 'static,
    {
        self.custom.push(Arc::new(f));
        self
    }

    /// The organization to ask; default is the client's.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.org = Some(org_id.into());
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
        let org = self.client.resolve_org(self.org.as_deref())?;
        let user_id = u64::try_from(self.user_id)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "user id {} is not a positive integer",
                    self.user_id
                ))
            })?;
        let traced = Call::get_member(&self.client, &org, user_id, self.overrides);
        let mut call = self.client.api().get_member().org_id(org).user_id(user_id);
        if let Some(with) = with_param(&self.includes) {
            call = call.with(with);
        }
        for setting in &self.custom {
            call = setting(call);
        }
        let reply = outcome::send(
            traced,
            call.send(),
            |item: MemberItem| item,
            tolerant::item_rescue,
        )
        .await?;
        let meta = ResponseMeta {
            request_id: reply.request_id,
            rate_limit: reply.rate_limit,
            attempts: reply.attempts,
        };
        Ok((reply.value.data, meta))
    }
}

/// A request to list members: `GET /organizations/{org}/users`, one page or all of
/// them: the generic [`ListRequest`] for `list_members`, with its filters.
pub type MembersRequest = ListRequest<ListMembers>;

/// A setting of the SDK's own on the list-members builder.
fn member_setting<F>(f: F) -> crate::list::Customize<ListMembers>
where
    F: for<'a> Fn(tallyfy_api::builder::ListMembers<'a>) -> tallyfy_api::builder::ListMembers<'a>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

/// # Member filters
impl ListRequest<ListMembers> {
    /// Related data to include with every member.
    pub fn with(mut self, includes: impl IntoIterator<Item = Include>) -> Self {
        self.includes.extend(includes);
        // The last `with` setting wins, and it holds every include asked for so far.
        let with = with_param(&self.includes);
        self.setting(member_setting(move |b| match &with {
            Some(with) => b.with(with.clone()),
            None => b,
        }))
    }

    /// Search text, matched by the server against first name, last name and email.
    pub fn q(self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.setting(member_setting(move |b| b.q(text.clone())))
    }

    /// Sort field, `-` prefixed for descending (e.g. `-created_at`). Default is the server's order.
    pub fn sort(mut self, field: impl Into<String>) -> Self {
        let sort = field.into();
        let name = sort.strip_prefix('-').unwrap_or(&sort);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid {
            self.invalid = Some(format!(
                "sort {sort:?} is not a field name with an optional '-' prefix"
            ));
            return self;
        }
        self.setting(member_setting(move |b| b.sort(sort.clone())))
    }
}
