//! [`ListQuery`]: what every page of a walk carries (organization, page size, the
//! request's overrides and settings), and the fetch of one page under the item
//! limit that bounds a response's memory by the request.

use super::Customize;
use crate::call::{self, Reply};
use crate::client::Client;
use crate::error::{Error, PaginationFault, Result};
use crate::page::item_limit;
use crate::scope::Overrides;
use crate::telemetry::{Call, Target};
use crate::tolerant;
use std::fmt;
use tallyfy_api::item_limit::with_item_limit;
use tallyfy_api::paging::{ListParts, PagedList};

/// The parameters every page of a walk carries, shared by the page fetches.
pub(crate) struct ListQuery<P: PagedList> {
    pub org: String,
    pub per_page: u64,
    pub overrides: Overrides,
    /// The SDK's settings, then the caller's.
    pub settings: Vec<Customize<P>>,
}

impl<P: PagedList> fmt::Debug for ListQuery<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListQuery")
            .field("org", &self.org)
            .field("per_page", &self.per_page)
            .finish_non_exhaustive()
    }
}

impl<P: PagedList> ListQuery<P> {
    /// Fetches one page with every setting.
    pub(crate) async fn fetch(
        &self,
        client: &Client,
        page: u64,
    ) -> Result<Reply<ListParts<P::Item>>> {
        let traced = Call::start(
            P::OPERATION_ID,
            client.server_address(),
            &self.org,
            Target::Page(page),
        );
        let mut builder = P::with_page(P::builder(client.api(), &self.org), page, self.per_page);
        for setting in &self.settings {
            builder = setting.apply(builder);
        }
        let generated = P::send(builder);
        let limit = item_limit(self.per_page);
        // Both decodes (strict and tolerant) run in this future's polls and stop at
        // item `limit + 1`; the excess then becomes a named fault, not a decode error.
        let (reply, exceeded) = with_item_limit(
            usize::try_from(limit).unwrap_or(usize::MAX),
            call::send(
                traced,
                self.overrides.clone(),
                generated,
                P::into_parts,
                tolerant::paged::<P>,
            ),
        )
        .await;
        if exceeded {
            let fault = PaginationFault::OversizedPage {
                page,
                per_page: self.per_page,
                limit,
            };
            let message = format!(
                "page {page} holds more than {limit} items though per_page is {}: the server ignores per_page",
                self.per_page
            );
            return Err(Error::pagination(P::OPERATION_ID, fault, page, message));
        }
        reply
    }
}
