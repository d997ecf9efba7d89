//! Errors and pages built directly, to unit-test error handling without any server.

use crate::error::{Details, Error, ErrorKind, PaginationFault};
use crate::page::{Page, UntypedMember};
use crate::ratelimit::RateLimit;
use std::time::Duration;

/// Starts an [`Error`] of this kind, to unit-test code that handles errors.
///
/// ```
/// use std::time::Duration;
/// use tallyfy_ext::{ErrorKind, testing};
///
/// let err = testing::error(ErrorKind::Server)
///     .status(503)
///     .message("Server Error")
///     .retry_after(Duration::from_secs(120))
///     .attempts(3)
///     .build();
/// assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(503)));
/// assert_eq!(err.to_string(), "server error (HTTP 503): Server Error; retry after 120s; after 3 attempts");
/// ```
pub fn error(kind: ErrorKind) -> ErrorBuilder {
    ErrorBuilder {
        kind,
        details: Details::default(),
    }
}

/// Builds an [`Error`]; made by [`error`]. Every setter is optional.
#[must_use]
#[derive(Debug)]
pub struct ErrorBuilder {
    kind: ErrorKind,
    details: Details,
}

impl ErrorBuilder {
    /// The HTTP status ([`Error::status`]).
    pub fn status(mut self, status: u16) -> Self {
        self.details.status = Some(status);
        self
    }

    /// The server's message ([`Error::message`]).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.details.message = Some(message.into());
        self
    }

    /// The server's code ([`Error::code`]).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.details.code = Some(code.into());
        self
    }

    /// The operation, `list_members` or `get_member` ([`Error::operation`]).
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.details.operation = Some(operation);
        self
    }

    /// The request id ([`Error::request_id`]).
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.details.request_id = Some(id.into());
        self
    }

    /// The wait the server asked for ([`Error::retry_after`]).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.details.retry_after = Some(wait);
        self
    }

    /// Attempts made ([`Error::attempts`]).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.details.attempts = attempts;
        self
    }

    /// The page a walk failed at ([`Error::resume_page`]).
    pub fn resume_page(mut self, page: u64) -> Self {
        self.details.resume_page = Some(page);
        self
    }

    /// One field error of a 422 ([`Error::field_errors`]); call once per message.
    pub fn field_error(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.details
            .field_errors
            .entry(field.into())
            .or_default()
            .push(message.into());
        self
    }

    /// The start of an undecodable body ([`Error::body_snippet`]).
    pub fn body_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.details.body_snippet = Some(snippet.into());
        self
    }

    /// The budget the last response reported ([`Error::rate_limit`]).
    pub fn rate_limit(mut self, budget: RateLimit) -> Self {
        self.details.rate_limit = Some(budget);
        self
    }

    /// For [`ErrorKind::Pagination`] ([`Error::pagination_fault`]): a repeated page.
    pub fn repeated_page(mut self, page: u64) -> Self {
        self.details.pagination_fault = Some(PaginationFault::RepeatedPage { page });
        self
    }

    /// The error.
    pub fn build(self) -> Error {
        Error::new(self.kind, self.details)
    }
}

/// Starts a [`Page`] of these items (page 1 of 1 unless told otherwise).
///
/// ```
/// use tallyfy_ext::testing;
///
/// let page = testing::page(vec!["a", "b"]).page(2).total_pages(3).total(6).build();
/// assert_eq!((page.page, page.total_pages, page.items.len()), (2, Some(3), 2));
/// ```
pub fn page<T>(items: Vec<T>) -> PageBuilder<T> {
    let count = items.len() as u64;
    PageBuilder {
        page: Page {
            items,
            page: 1,
            total_pages: Some(1),
            total: Some(count),
            per_page: Some(count),
            request_id: None,
            rate_limit: None,
            untyped: Vec::new(),
        },
    }
}

/// Builds a [`Page`]; made by [`page`].
#[must_use]
#[derive(Debug)]
pub struct PageBuilder<T> {
    page: Page<T>,
}

impl<T> PageBuilder<T> {
    /// This page's number. Default is 1.
    pub fn page(mut self, n: u64) -> Self {
        self.page.page = n;
        self
    }

    /// Pages in the collection. Default is 1.
    pub fn total_pages(mut self, n: u64) -> Self {
        self.page.total_pages = Some(n);
        self
    }

    /// Items in the collection. Default is this page's item count.
    pub fn total(mut self, n: u64) -> Self {
        self.page.total = Some(n);
        self
    }

    /// The page size. Default is this page's item count.
    pub fn per_page(mut self, n: u64) -> Self {
        self.page.per_page = Some(n);
        self
    }

    /// The response's request id. Default is none.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.page.request_id = Some(id.into());
        self
    }

    /// The budget the response reported. Default is none.
    pub fn rate_limit(mut self, budget: RateLimit) -> Self {
        self.page.rate_limit = Some(budget);
        self
    }

    /// A member of this page that could not be typed, as the server sent it, at its
    /// 1-based `position` in the page's `data`. Default is none.
    pub fn untyped(mut self, position: usize, raw: serde_json::Value, error: &str) -> Self {
        self.page.untyped.push(UntypedMember {
            page: 0, // set by `build`, after any `page(n)`
            position,
            raw: serde_json::value::to_raw_value(&raw).expect("a Value is JSON"),
            error: error.to_owned(),
        });
        self
    }

    /// The page.
    pub fn build(mut self) -> Page<T> {
        for member in &mut self.page.untyped {
            member.page = self.page.page;
        }
        self.page
    }
}
