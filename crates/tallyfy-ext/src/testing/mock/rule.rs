//! Which requests a rule answers, and with what, in order ([`Rule`]).

use super::reply::Reply;
use super::request::MockRequest;

/// Answers the requests of one operation (optionally only those with some query
/// parameters) with a sequence of [`Reply`]s: the first matching request gets the
/// first reply, the next one the next, and the last reply answers every request
/// after that.
///
/// ```
/// use tallyfy_ext::tallyfy_api::operations::{GET_MEMBER, LIST_MEMBERS};
/// use tallyfy_ext::testing::mock::{self, Reply, Rule};
///
/// // Two 503s, then the member (and the member for every request after).
/// let flaky = Rule::new(GET_MEMBER.id)
///     .reply(Reply::status(503))
///     .then(Reply::status(503))
///     .then(Reply::member(mock::member(7)));
/// // Only the second page of the list.
/// let second = Rule::new(LIST_MEMBERS.id)
///     .query("page", 2)
///     .reply(Reply::list(&[mock::member(1), mock::member(2)], 2, 1));
/// # let _ = (flaky, second);
/// ```
#[must_use]
#[derive(Debug, Clone)]
pub struct Rule {
    operation: String,
    query: Vec<(String, String)>,
    path: Vec<(String, String)>,
    replies: Vec<Reply>,
}

impl Rule {
    /// A rule for the operation with this id (`tallyfy_api::operations::GET_MEMBER.id`,
    /// `"list_members"`...). It answers nothing until it has a [`reply`](Self::reply).
    pub fn new(operation: &str) -> Self {
        Self {
            operation: operation.to_owned(),
            query: Vec::new(),
            path: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// Only requests whose query has `name=value` (compared as text after
    /// decoding: `.query("page", 2)` matches `?page=2`). Call once per parameter.
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Only requests whose path parameter `name` (of the operation's route
    /// template, `user_id` in `/organizations/{org_id}/users/{user_id}`) is `value`:
    /// `.path_param("user_id", 7)`. Call once per parameter.
    pub fn path_param(mut self, name: &str, value: impl ToString) -> Self {
        self.path.push((name.to_owned(), value.to_string()));
        self
    }

    /// The first reply (or the next one: the same as [`then`](Self::then)).
    pub fn reply(mut self, reply: Reply) -> Self {
        self.replies.push(reply);
        self
    }

    /// The reply to the next matching request, after those given so far.
    pub fn then(self, reply: Reply) -> Self {
        self.reply(reply)
    }

    /// Whether this rule answers this request.
    pub(super) fn matches(&self, request: &MockRequest) -> bool {
        !self.replies.is_empty()
            && self.operation == request.operation
            && self
                .query
                .iter()
                .all(|wanted| request.query.contains(wanted))
            && self
                .path
                .iter()
                .all(|(name, value)| request.path_param(name).as_deref() == Some(value))
    }

    /// The reply to the `served + 1`-th matching request.
    pub(super) fn nth(&self, served: usize) -> Reply {
        self.replies[served.min(self.replies.len() - 1)].clone()
    }
}
