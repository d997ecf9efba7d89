//! Per-request overrides of the client's timeouts and retry policy.
//!
//! Set on a [`MemberRequest`] or a [`ListRequest`] (where they apply to every
//! page of a walk), they replace the client's settings for that request only.

use crate::list::ListRequest;
use crate::members::MemberRequest;
use crate::retry::RetryPolicy;
use std::time::Duration;
use tallyfy_api::paging::PagedList;

/// Per-request settings that replace the client's for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub timeout: Option<Duration>,
    pub operation_timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
}

macro_rules! override_setters {
    ([$($generics:tt)*] $request:ty, $scope:literal) => {
        /// # Per-request overrides
        impl<$($generics)*> $request {
            #[doc = concat!("Time allowed for each attempt of ", $scope, ", replacing ")]
            /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout). Default is the client's.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.overrides.timeout = Some(timeout);
                self
            }

            #[doc = concat!("A deadline for ", $scope, ": its attempts and the waits between them")]
            /// together, replacing
            /// [`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout).
            /// Default is the client's.
            pub fn operation_timeout(mut self, deadline: Duration) -> Self {
                self.overrides.operation_timeout = Some(deadline);
                self
            }

            #[doc = concat!("The retry policy of ", $scope, ", replacing")]
            /// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy);
            /// e.g. [`RetryPolicy::never`] for a latency-sensitive call. Default is the client's.
            pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
                self.overrides.retry = Some(policy);
                self
            }
        }
    };
}

override_setters!([] MemberRequest, "this request");
override_setters!([P: PagedList] ListRequest<P>, "each page's request");
