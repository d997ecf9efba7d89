//! The guards that end a walk the server's pagination would never end, from what
//! the walk observed rather than from what the server claims.

use super::{Fault, PageFacts, WalkState};
use crate::error::PaginationFault;

/// Pages a walk may read past the size its pages reported: a list that grew
/// between two reads, or a `links.next` one page longer than `total_pages`.
const PAGE_SLACK: u64 = 2;

/// A page answered with another number: the server ignores `page`.
pub(super) fn same_page(requested: u64, page: &PageFacts) -> Result<(), Fault> {
    match page.current_page.filter(|&p| p != requested) {
        None => Ok(()),
        Some(returned) => Err(Fault {
            fault: PaginationFault::PageMismatch {
                requested,
                returned,
            },
            message: format!(
                "asked for page {requested}, the server answered with page {returned}"
            ),
        }),
    }
}

/// `total_pages`, `total` and `per_page` of one response must agree: no change of
/// the list can make one response contradict itself.
pub(super) fn consistent(requested: u64, page: &PageFacts) -> Result<(), Fault> {
    let (Some(total), Some(per_page), Some(total_pages)) = (
        page.total,
        page.per_page.filter(|&p| p > 0),
        page.total_pages,
    ) else {
        return Ok(());
    };
    let expected = total.div_ceil(per_page).max(1);
    if total_pages.abs_diff(expected) <= 1 {
        return Ok(());
    }
    Err(Fault {
        fault: PaginationFault::InconsistentSize {
            page: requested,
            total,
            per_page,
            total_pages,
        },
        message: format!(
            "page {requested} says {total_pages} pages, but {total} members at {per_page} a page make {expected}"
        ),
    })
}

/// A page says there is more after page `u64::MAX`.
pub(super) fn no_page_after(requested: u64) -> Fault {
    Fault {
        fault: PaginationFault::Runaway { pages: requested },
        message: format!("page {requested} says there are more pages, but it is the last number"),
    }
}

impl WalkState {
    /// A walk far longer than the server's own reports allow is a server fault.
    pub(super) fn runaway(&self, requested: u64) -> Result<(), Fault> {
        let pages = self.forward_pages;
        // Longer than the first report allows, or than `max_pages`.
        let guard = self
            .first_total_pages
            .map(|first| first.saturating_mul(2).saturating_add(16));
        let limit = match (self.limits.max_pages, guard) {
            (Some(max), Some(guard)) => Some(max.min(guard)),
            (max, guard) => max.or(guard),
        };
        if let Some(limit) = limit.filter(|&limit| pages > limit) {
            return Err(Fault {
                fault: PaginationFault::Runaway { pages },
                message: format!(
                    "{pages} pages fetched, more than the limit of {limit} for this walk"
                ),
            });
        }
        // Past the largest size any page reported, whatever `total_pages` or
        // `links.next` say.
        let sized = self.max_total.zip(self.per_page);
        let bound = sized.map(|(total, per)| total.div_ceil(per).max(1).saturating_add(PAGE_SLACK));
        if let Some(bound) = bound.filter(|&bound| requested > bound) {
            return Err(Fault {
                fault: PaginationFault::Runaway { pages },
                message: format!(
                    "page {requested} is past the {bound} pages the list's reported size allows"
                ),
            });
        }
        Ok(())
    }

    /// More new members than the first `total`, what the walk saw join, and a page.
    pub(super) fn beyond_total(&self) -> Result<(), Fault> {
        let Some(Some(first)) = self.first_total else {
            return Ok(());
        };
        let allowed = first
            .saturating_add(self.summary.members_added)
            .saturating_add(self.repeats)
            .saturating_add(self.per_page.unwrap_or(0));
        if self.forward_new <= allowed {
            return Ok(());
        }
        Err(Fault {
            fault: PaginationFault::BeyondTotal {
                items: self.forward_new,
                allowed,
            },
            message: format!(
                "{} new members received, more than the {allowed} the list's reported size allows",
                self.forward_new
            ),
        })
    }
}
