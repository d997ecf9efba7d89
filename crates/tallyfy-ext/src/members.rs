//! Requests for the two member endpoints: [`MemberRequest`] (get one) and
//! [`MembersRequest`] (list, as one page or as a walk over all of them).

use crate::blocking::BlockingMembers;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::includes::{Include, with_param};
use crate::meta::ResponseMeta;
use crate::outcome::{self, Reply};
use crate::pagination::{MemberStream, PageStream};
use crate::ratelimit::RateLimit;
use crate::telemetry::Call;
use crate::transport::Overrides;
use std::sync::Arc;
use tallyfy_api::types::{Member, MemberList};

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
#[derive(Debug, Clone)]
pub struct MemberRequest {
    pub(crate) client: Client,
    org: Option<String>,
    user_id: i64,
    includes: Vec<Include>,
    pub(crate) overrides: Overrides,
}

impl MemberRequest {
    pub(crate) fn new(client: Client, user_id: i64) -> Self {
        Self {
            client,
            org: None,
            user_id,
            includes: Vec::new(),
            overrides: Overrides::default(),
        }
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
        let reply = outcome::send(traced, call.send()).await?;
        let meta = ResponseMeta {
            request_id: reply.request_id,
            rate_limit: reply.rate_limit,
            attempts: reply.attempts,
        };
        Ok((reply.value.data, meta))
    }
}

/// The parameters every page of a walk carries, shared by the page fetches.
#[derive(Debug)]
pub(crate) struct ListQuery {
    pub org: String,
    pub per_page: u64,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub with: Option<String>,
    pub overrides: Overrides,
}

impl ListQuery {
    /// Fetches one page with every filter.
    pub(crate) async fn fetch(&self, client: &Client, page: u64) -> Result<Reply<MemberList>> {
        let traced = Call::list_members(client, &self.org, page, self.overrides);
        let mut call = client
            .api()
            .list_members()
            .org_id(self.org.as_str())
            .page(page)
            .per_page(self.per_page);
        if let Some(q) = &self.q {
            call = call.q(q.as_str());
        }
        if let Some(sort) = &self.sort {
            call = call.sort(sort.as_str());
        }
        if let Some(with) = &self.with {
            call = call.with(with.as_str());
        }
        outcome::send(traced, call.send()).await
    }
}

/// A request to list members: `GET /organizations/{org}/users`, one page or all of them.
///
/// Every filter rides on every page. Walks ([`items`](Self::items),
/// [`pages`](Self::pages)) are lazy: nothing is sent until the stream is polled, and
/// dropping the stream cancels what is in flight.
#[must_use = "a request does nothing until sent or walked"]
#[derive(Debug, Clone)]
pub struct MembersRequest {
    pub(crate) client: Client,
    org: Option<String>,
    includes: Vec<Include>,
    per_page: u64,
    q: Option<String>,
    sort: Option<String>,
    pub(crate) start_page: u64,
    pub(crate) max_items: Option<u64>,
    pub(crate) concurrency: usize,
    pub(crate) max_pages: Option<u64>,
    pub(crate) untyped_as_errors: bool,
    pub(crate) overrides: Overrides,
}

impl MembersRequest {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            org: None,
            includes: Vec::new(),
            per_page: 100,
            q: None,
            sort: None,
            start_page: 1,
            max_items: None,
            concurrency: 1,
            max_pages: None,
            untyped_as_errors: false,
            overrides: Overrides::default(),
        }
    }

    /// The organization to list; default is the client's.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.org = Some(org_id.into());
        self
    }

    /// Related data to include with every member.
    pub fn with(mut self, includes: impl IntoIterator<Item = Include>) -> Self {
        self.includes.extend(includes);
        self
    }

    /// Members per page. Default is 100 (the largest size Tallyfy's clients use). The
    /// server may cap it; walks follow the size the server reports.
    pub fn per_page(mut self, per_page: u64) -> Self {
        self.per_page = per_page;
        self
    }

    /// Search text, matched by the server against first name, last name and email.
    pub fn q(mut self, text: impl Into<String>) -> Self {
        self.q = Some(text.into());
        self
    }

    /// Sort field, `-` prefixed for descending (e.g. `-created_at`). Default is the server's order.
    pub fn sort(mut self, field: impl Into<String>) -> Self {
        self.sort = Some(field.into());
        self
    }

    /// The first page of a walk (1-based); use an error's
    /// [`resume_page`](crate::Error::resume_page) to resume. Default is 1.
    pub fn start_page(mut self, page: u64) -> Self {
        self.start_page = page;
        self
    }

    /// Stop a walk after this many members; the stream's
    /// [`summary`](MemberStream::summary) then says whether members were left. Default is no limit.
    pub fn max_items(mut self, max: u64) -> Self {
        self.max_items = Some(max);
        self
    }

    /// Once the first page gives `total_pages`, fetch up to `k` pages at a time.
    /// Members still come out in page order; memory is bounded by `k` pages. Default is 1.
    pub fn concurrency(mut self, k: usize) -> Self {
        self.concurrency = k;
        self
    }

    /// Fail a walk that needs more than this many pages. Default is no limit beyond
    /// the built-in guard against walks far longer than the server first reported.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Make [`items`](Self::items) yield a member that could not be typed as an
    /// `Err` of kind [`Decode`](crate::ErrorKind::Decode) carrying it
    /// ([`Error::untyped_member`](crate::Error::untyped_member)), right after the
    /// typed members of its page. The walk goes on after it if polled again. Default: such members are
    /// counted in the summary and kept for
    /// [`MemberStream::take_untyped`](crate::MemberStream::take_untyped), so a
    /// `try_next()` loop never stops at one.
    pub fn untyped_as_errors(mut self) -> Self {
        self.untyped_as_errors = true;
        self
    }

    /// Checks the parameters and freezes them for the pages of a walk.
    pub(crate) fn query(&self) -> Result<Arc<ListQuery>> {
        let org = self.client.resolve_org(self.org.as_deref())?;
        if self.per_page == 0 {
            return Err(Error::invalid_input("per_page must be at least 1"));
        }
        if self.start_page == 0 {
            return Err(Error::invalid_input(
                "pages are numbered from 1; start_page 0 is invalid",
            ));
        }
        if self.concurrency == 0 {
            return Err(Error::invalid_input("concurrency must be at least 1"));
        }
        if let Some(sort) = &self.sort {
            let field = sort.strip_prefix('-').unwrap_or(sort);
            if field.is_empty()
                || !field
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(Error::invalid_input(format!(
                    "sort {sort:?} is not a field name with an optional '-' prefix"
                )));
            }
        }
        Ok(Arc::new(ListQuery {
            org,
            per_page: self.per_page,
            q: self.q.clone(),
            sort: self.sort.clone(),
            with: with_param(&self.includes),
            overrides: self.overrides,
        }))
    }

    /// Fetches one page (`n` is 1-based), with no walk guards.
    ///
    /// # Errors
    /// Invalid parameters, or the API's errors.
    pub async fn page(&self, n: u64) -> Result<Page<Member>> {
        if n == 0 {
            return Err(Error::invalid_input(
                "pages are numbered from 1; page 0 is invalid",
            ));
        }
        let reply = self.query()?.fetch(&self.client, n).await?;
        Ok(crate::pagination::read_page(reply, n).0)
    }

    /// Walks every page, as a stream of [`Page`]s.
    pub fn pages(self) -> PageStream {
        PageStream::new(self)
    }

    /// Walks every page, as a stream of members in page order.
    pub fn items(self) -> MemberStream {
        MemberStream::new(self.pages())
    }

    /// Walks every page from synchronous code, as an `Iterator` of members.
    ///
    /// The walk runs on the client's blocking runtime (one thread per client,
    /// started by the first blocking call, as reqwest's `blocking` does); the
    /// iterator waits for one page at a time. Dropping it anywhere, even inside
    /// async code, is safe and cancels the walk.
    ///
    /// # Errors
    /// [`ErrorKind::Setup`](crate::ErrorKind::Setup) when the runtime or its thread
    /// cannot be started (the OS refused a thread or an fd).
    pub fn blocking_items(self) -> Result<BlockingMembers> {
        let client = self.client.clone();
        BlockingMembers::new(&client, self.pages())
    }
}
