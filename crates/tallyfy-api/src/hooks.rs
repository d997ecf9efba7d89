//! The one hand-written hook of the generated client.
//!
//! Hidden from the docs: it exists for tallyfy-ext, whose executor it plugs into
//! the generated client. It is public only because tallyfy-ext is another crate;
//! services use tallyfy-ext's `Client`, never this module.
//!
//! The orphan rule puts any `ClientHooks` impl for the generated `Client` in this
//! crate. It only delegates: every request goes to the [`Transport`] the client was
//! built with, where tallyfy-ext adds auth headers, timeouts and retries. Policy lives
//! there, where it can be tested without regenerating; this crate stays thin.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future, as returned by [`Execute::execute`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one prepared request. Implemented by tallyfy-ext's retrying executor.
pub trait Execute: Send + Sync {
    /// Sends `request` with `client` for the operation named `operation_id`.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// How the generated [`Client`](crate::Client) sends requests: directly with its
/// `reqwest::Client` (the default), or through an injected [`Execute`].
#[derive(Clone, Default)]
pub struct Transport(Option<Arc<dyn Execute>>);

impl Transport {
    /// A transport that hands every request to `executor`.
    pub fn new(executor: Arc<dyn Execute>) -> Self {
        Self(Some(executor))
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Transport(custom)"
        } else {
            "Transport(direct)"
        })
    }
}

impl ClientHooks<Transport> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // progenitor adds `api-version: <info.version>`; Tallyfy does not use it.
        request.headers_mut().remove("api-version");
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.inner().0 {
            Some(executor) => {
                executor
                    .execute(self.client(), request, info.operation_id)
                    .await
            }
            None => self.client().execute(request).await,
        }
    }
}
