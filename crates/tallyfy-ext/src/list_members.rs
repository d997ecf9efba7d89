//! [`MembersRequest`]: listing members, `GET /organizations/{org}/users`: the
//! generic [`ListRequest`] for `list_members`, its filters, and its entry point
//! [`Client::members`].

use crate::client::Client;
use crate::includes::{Include, with_param};
use crate::list::{Customize, ListRequest};
use std::sync::Arc;
use tallyfy_api::paged::ListMembers;

/// # Member API
impl Client {
    /// Lists the members of the client's organization: page by page, as a stream of
    /// members or pages. See [`MembersRequest`].
    pub fn members(&self) -> MembersRequest {
        MembersRequest::new(self.clone())
    }
}

/// A request to list members: `GET /organizations/{org}/users`, one page or all of
/// them: the generic [`ListRequest`] for `list_members`, with its filters.
pub type MembersRequest = ListRequest<ListMembers>;

/// A setting of the SDK's own on the list-members builder.
fn member_setting<F>(f: F) -> Customize<ListMembers>
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
        let described = with.clone().unwrap_or_default();
        self.setting(
            "with",
            described,
            member_setting(move |b| match &with {
                Some(with) => b.with(with.clone()),
                None => b,
            }),
        )
    }

    /// Search text, matched by the server against first name, last name and email.
    pub fn q(self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.setting(
            "q",
            text.clone(),
            member_setting(move |b| b.q(text.clone())),
        )
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
        self.setting(
            "sort",
            sort.clone(),
            member_setting(move |b| b.sort(sort.clone())),
        )
    }
}
