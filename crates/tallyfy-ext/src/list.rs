//! [`ListRequest`]: one page, or a walk over every page, of any paged list
//! operation of the spec.
//!
//! `cargo xtask generate` writes a [`PagedList`] impl per paged operation
//! (`tallyfy_api::paged`); this request and the walker in `walk.rs` serve all
//! of them with the same guards, retries, concurrency and summary. Listing members
//! is the named use of it ([`MembersRequest`](crate::MembersRequest)); an operation
//! added to the spec is walked with [`Client::list`](crate::Client::list) and set up
//! with [`ListRequest::customize`], with no code in this crate.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::includes::Include;
use crate::page::{Checkpoint, Page};
use crate::scope::Overrides;
use crate::walk::{ItemStream, PageStream, Walk, read_page};
use crate::walk_state::{Carried, WalkLimits};
use std::fmt;
use std::sync::Arc;
use tallyfy_api::paging::PagedList;

/// A change to the generated request builder of a paged operation. Any
/// `Fn(builder) -> builder` closure is one; see [`ListRequest::customize_with`].
///
/// (A trait with a method rather than a `for<'a> Fn(P::Builder<'a>) -> ...` bound,
/// which Rust refuses for an associated type: the lifetime is carried here.)
///
/// Sealed: closures are the only implementations.
pub trait BuilderFn<'a, P: PagedList>: Send + Sync + sealed::Sealed<'a, P> {
    /// Returns the changed builder.
    fn apply(&self, builder: P::Builder<'a>) -> P::Builder<'a>;
}

impl<'a, P: PagedList, F> BuilderFn<'a, P> for F
where
    F: Fn(P::Builder<'a>) -> P::Builder<'a> + Send + Sync,
{
    fn apply(&self, builder: P::Builder<'a>) -> P::Builder<'a> {
        self(builder)
    }
}

mod sealed {
    pub trait Sealed<'a, P> {}
    impl<'a, P: tallyfy_api::paging::PagedList, F> Sealed<'a, P> for F where
        F: Fn(P::Builder<'a>) -> P::Builder<'a>
    {
    }
}

pub(crate) type Customize<P> = Arc<dyn for<'a> BuilderFn<'a, P>>;

mod overrides;
mod query;

pub use crate::page::item_limit;
pub(crate) use query::ListQuery;

/// Extra page requests a walk may spend checking and healing its result, unless
/// [`ListRequest::heal_pages`] says otherwise.
pub const DEFAULT_HEAL_PAGES: u64 = 256;

/// # Paged lists
impl Client {
    /// Any paged list operation of the spec, by its generated marker in
    /// [`tallyfy_api::paged`]: one page, or every page as a stream, with the same
    /// guards, retries, concurrency and summary as [`members`](Self::members). Set
    /// its parameters with [`ListRequest::customize`].
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use tallyfy_ext::tallyfy_api::paged::ListMembers;
    /// # async fn run(client: tallyfy_ext::Client) -> tallyfy_ext::Result<()> {
    /// let mut items = client.list::<ListMembers>().customize(|b| b.q("smith")).items();
    /// while let Some(member) = items.try_next().await? {
    ///     println!("{}", member.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list<P: PagedList>(&self) -> ListRequest<P> {
        ListRequest::new(self.clone())
    }
}

/// A request to list the items of a paged operation, one page or all of them.
///
/// Every setting rides on every page. Walks ([`items`](Self::items),
/// [`pages`](Self::pages)) are lazy: nothing is sent until the stream is polled, and
/// dropping the stream cancels what is in flight. [`MembersRequest`](crate::MembersRequest)
/// is this type for `list_members`, with `q`, `sort` and `with` on top.
#[must_use = "a request does nothing until sent or walked"]
pub struct ListRequest<P: PagedList> {
    pub(crate) client: Client,
    org: Option<String>,
    /// Includes asked for so far (operations with a `with` parameter).
    pub(crate) includes: Vec<Include>,
    per_page: u64,
    start_page: u64,
    max_items: Option<u64>,
    concurrency: usize,
    max_pages: Option<u64>,
    heal_pages: u64,
    resume: Option<Box<Checkpoint>>,
    /// The SDK's settings as sent (`q`, `sort`, `with`), for checkpoints.
    described: Vec<(String, String)>,
    untyped_as_errors: bool,
    pub(crate) overrides: Overrides,
    /// The SDK's own settings (`q`, `sort`, `with`), applied first.
    settings: Vec<Customize<P>>,
    /// The caller's [`customize`](Self::customize) calls, applied after them.
    custom: Vec<Customize<P>>,
    /// A setter refused its input; reported when the request is used.
    pub(crate) invalid: Option<String>,
}

impl<P: PagedList> Clone for ListRequest<P> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            org: self.org.clone(),
            includes: self.includes.clone(),
            per_page: self.per_page,
            start_page: self.start_page,
            max_items: self.max_items,
            concurrency: self.concurrency,
            max_pages: self.max_pages,
            heal_pages: self.heal_pages,
            resume: self.resume.clone(),
            described: self.described.clone(),
            untyped_as_errors: self.untyped_as_errors,
            overrides: self.overrides.clone(),
            settings: self.settings.clone(),
            custom: self.custom.clone(),
            invalid: self.invalid.clone(),
        }
    }
}

impl<P: PagedList> fmt::Debug for ListRequest<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("operation", &P::OPERATION_ID)
            .field("org", &self.org)
            .field("includes", &self.includes)
            .field("per_page", &self.per_page)
            .field("start_page", &self.start_page)
            .field("max_items", &self.max_items)
            .field("concurrency", &self.concurrency)
            .field("settings", &(self.settings.len() + self.custom.len()))
            .finish_non_exhaustive()
    }
}

impl<P: PagedList> ListRequest<P> {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            org: None,
            includes: Vec::new(),
            per_page: 100,
            start_page: 1,
            max_items: None,
            concurrency: 1,
            max_pages: None,
            heal_pages: DEFAULT_HEAL_PAGES,
            resume: None,
            described: Vec::new(),
            untyped_as_errors: false,
            overrides: Overrides::default(),
            settings: Vec::new(),
            custom: Vec::new(),
            invalid: None,
        }
    }

    /// The organization to list; default is the client's.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.org = Some(org_id.into());
        self
    }

    /// Items per page. Default is 100 (the largest size Tallyfy's clients use). The
    /// server may cap it; walks follow the size the server reports.
    pub fn per_page(mut self, per_page: u64) -> Self {
        self.per_page = per_page;
        self
    }

    /// The first page of a walk (1-based); use an error's
    /// [`resume_page`](crate::Error::resume_page) to resume. Default is 1.
    pub fn start_page(mut self, page: u64) -> Self {
        self.start_page = page;
        self
    }

    /// Stop a walk after this many items; the stream's
    /// [`summary`](ItemStream::summary) then says whether items were left. Default is no limit.
    pub fn max_items(mut self, max: u64) -> Self {
        self.max_items = Some(max);
        self
    }

    /// Once the first page gives `total_pages`, fetch up to `k` pages at a time.
    /// Items still come out in page order; memory is bounded by `k` pages. Default is 1.
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

    /// Make [`items`](Self::items) yield an item that could not be typed as an
    /// `Err` of kind [`Decode`](crate::ErrorKind::Decode) carrying it
    /// ([`Error::untyped_member`](crate::Error::untyped_member)), right after the
    /// typed items of its page. The walk goes on after it if polled again. Default:
    /// such items are counted in the summary and kept for
    /// [`ItemStream::take_untyped`], so a `try_next()` loop never stops at one.
    pub fn untyped_as_errors(mut self) -> Self {
        self.untyped_as_errors = true;
        self
    }

    /// [`customize`](Self::customize) for code generic over the operation `P`. A
    /// closure needs its parameter's type spelled out here
    /// (`|b: tallyfy_api::builder::ListMembers<'_>| ...`); with a concrete operation,
    /// prefer `customize`, which infers it.
    pub fn customize_with<F>(mut self, f: F) -> Self
    where
        F: for<'a> BuilderFn<'a, P> + 'static,
    {
        self.custom.push(Arc::new(f));
        self
    }

    /// Extra page requests a walk may spend checking and healing its result
    /// (see [`WalkSummary`](crate::WalkSummary)); 0 turns both off. Default
    /// [`DEFAULT_HEAL_PAGES`].
    ///
    /// Once the last page is read, the walk re-reads its first page (a cheap probe
    /// for a change the forward pages could not show). If the list changed (its
    /// `total` moved, a page repeated members, or the first page changed) it
    /// re-reads every page, yielding the members it had not yielded
    /// ([`healed`](crate::WalkSummary::healed)), and again until a pass finds every
    /// page as it last read it: then [`exact`](crate::WalkSummary::exact). When the
    /// budget runs out first, or healing is off, a walk that saw the list change
    /// has a [`possible_gap`](crate::WalkSummary::possible_gap) of at least 1. A
    /// walk that saw no change ends without a gap, but is not proven exact.
    pub fn heal_pages(mut self, pages: u64) -> Self {
        self.heal_pages = pages;
        self
    }

    /// Resume the walk `checkpoint` describes (from
    /// [`PageStream::checkpoint`](crate::PageStream::checkpoint) or
    /// [`ItemStream::checkpoint`](crate::ItemStream::checkpoint), perhaps read back
    /// with serde): start at its `next_page` and yield none of the members it
    /// yielded. The request must list the same operation, organization, page size
    /// and `q`/`sort`/`with` (an [`InvalidInput`](crate::ErrorKind::InvalidInput)
    /// error otherwise); closures given to `customize` are not checked.
    pub fn resume(mut self, checkpoint: Checkpoint) -> Self {
        self.per_page = checkpoint.per_page;
        self.resume = Some(Box::new(checkpoint));
        self
    }

    /// The SDK's own setting (applied before the caller's), described as the query
    /// parameter `key=value` it sets (the last one of a key wins).
    pub(crate) fn setting(mut self, key: &str, value: String, f: Customize<P>) -> Self {
        self.described.retain(|(k, _)| k != key);
        self.described.push((key.to_owned(), value));
        self.settings.push(f);
        self
    }

    /// The checkpoint this walk resumes, checked against this request.
    fn resumed(&self, org: &str) -> Result<Option<&Checkpoint>> {
        let Some(checkpoint) = self.resume.as_deref() else {
            return Ok(None);
        };
        let mut query = self.described.clone();
        let mut theirs = checkpoint.query.clone();
        query.sort();
        theirs.sort();
        let differs = if checkpoint.operation != P::OPERATION_ID {
            Some("operation")
        } else if checkpoint.org != org {
            Some("organization")
        } else if checkpoint.per_page != self.per_page {
            Some("per_page")
        } else if query != theirs {
            Some("query")
        } else if checkpoint.next_page == 0 || checkpoint.first_page == 0 {
            Some("page")
        } else {
            None
        };
        match differs {
            Some(what) => Err(Error::invalid_input(format!(
                "the checkpoint is of another walk: its {what} differs from this request's"
            ))),
            None => Ok(Some(checkpoint)),
        }
    }

    /// Checks the parameters and freezes them for the pages of a walk.
    pub(crate) fn query(&self) -> Result<Arc<ListQuery<P>>> {
        if let Some(why) = self.invalid.as_deref().or(self.overrides.headers.invalid()) {
            return Err(Error::invalid_input(why.to_owned()));
        }
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
        Ok(Arc::new(ListQuery {
            org,
            per_page: self.per_page,
            overrides: self.overrides.clone(),
            settings: self.settings.iter().chain(&self.custom).cloned().collect(),
        }))
    }

    /// Fetches one page (`n` is 1-based), with no walk guards.
    ///
    /// # Errors
    /// Invalid parameters, or the API's errors.
    pub async fn page(&self, n: u64) -> Result<Page<P::Item>> {
        if n == 0 {
            return Err(Error::invalid_input(
                "pages are numbered from 1; page 0 is invalid",
            ));
        }
        let reply = self.query()?.fetch(&self.client, n).await?;
        Ok(read_page::<P>(reply, n).0)
    }

    /// Walks every page, as a stream of [`Page`]s.
    pub fn pages(self) -> PageStream<P> {
        PageStream::new(self.walk())
    }

    /// Walks every page, as a stream of items in page order.
    pub fn items(self) -> ItemStream<P> {
        ItemStream::new(self.pages())
    }

    /// The walk this request describes: its checked settings and a page fetcher.
    fn walk(&self) -> Result<Walk<P::Item>> {
        let query = self.query()?;
        let resumed = self.resumed(&query.org)?;
        let (first_page, start_page) = resumed.map_or((self.start_page, self.start_page), |c| {
            (c.first_page.min(c.next_page), c.next_page)
        });
        let carried = resumed.map_or_else(Carried::default, |c| Carried {
            ids: c.ids.clone(),
            first_print: c.first_print,
            changed: c.changed,
            suspect: c.suspect,
        });
        let client = self.client.clone();
        Ok(Walk {
            operation: P::OPERATION_ID,
            org: query.org.clone(),
            per_page: query.per_page,
            limits: WalkLimits {
                first_page,
                start_page,
                concurrency: self.concurrency,
                max_items: self.max_items,
                max_pages: self.max_pages,
                heal_pages: self.heal_pages,
            },
            query: self.described.clone(),
            carried,
            untyped_as_errors: self.untyped_as_errors,
            budget: self.client.retry_bucket(),
            fetch: Arc::new(move |page| {
                let (client, query) = (client.clone(), Arc::clone(&query));
                Box::pin(async move { query.fetch(&client, page).await })
            }),
        })
    }
}
