//! A fake Tallyfy member API server, for tests, demos, benches and fault campaigns.
//!
//! It serves the two member endpoints of Tallyfy's api-v2 over loopback HTTP, with the
//! real wire format (Fractal's DataArraySerializer envelopes, Laravel's error bodies),
//! an organization of seeded members, and faults injected on demand:
//!
//! - `GET /organizations/{org_id}/users`: `page`, `per_page`, `q`, `sort`, `with`;
//!   `{"data": [...], "meta": {"pagination": {...}}}`.
//! - `GET /organizations/{org_id}/users/{user_id}`: `with`; `{"data": {...}}`.
//!
//! Both answer under `/api` (go.tallyfy.com) and at the root (api.tallyfy.com). Any other
//! path gets `404 {"error": true, "message": "API endpoint not found", "code":
//! "ENDPOINT_NOT_FOUND"}`.
//!
//! The fake is an independent model of the server: it builds JSON by hand and shares no
//! types with the SDK crates, so it can catch their mistakes.
//!
//! # Starting it from a test
//!
//! ```no_run
//! use tallyfy_fake::{Fault, FakeTallyfy, Faults};
//!
//! # async fn run() -> std::io::Result<()> {
//! let fake = FakeTallyfy::builder()
//!     .members(30)
//!     .seed(7)
//!     .faults(Faults::script(vec![Fault::Status(503)]))
//!     .start()
//!     .await?;
//! let url = format!("{}/organizations/{}/users?per_page=5", fake.base_url(), fake.org());
//! // Send it with `Authorization: Bearer {fake.token()}` and `X-Tallyfy-Client: APIClient`:
//! // the first request gets a 503, the next ones page through 30 members.
//! # let _ = url;
//! assert_eq!(fake.member_count(), 30);
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Checks, in order
//!
//! 1. **401** `{"error": true, "message": "unauthenticated"}`: `Authorization: Bearer
//!    <token>` missing or wrong, or `X-Tallyfy-Client` missing or empty (any other value
//!    is accepted).
//! 2. **403** `{"message": "This action is unauthorized."}`: another organization's id.
//! 3. **404** `{"error": true, "message": "Resource not found", "code":
//!    "RESOURCE_NOT_FOUND"}`: an unknown or non-numeric user id.
//! 4. **422** `{"message": "The given data was invalid.", "errors": {"per_page": ["The per
//!    page must be at least 1."]}}`: `page` or `per_page` not an integer of at least 1.
//!    A `per_page` above the maximum is capped silently; `meta.pagination.per_page` says
//!    what was used.
//!
//! # Listing
//!
//! `q` matches first name, last name and email (case-insensitive substring). `sort` takes
//! `id`, `email`, `first_name`, `last_name`, `name`/`full_name`, `created_at`,
//! `updated_at`/`last_updated`, `last_login_at`, `role` or `status`, with a leading `-`
//! for descending; ties keep id order and unknown fields keep the default (id) order.
//! `links` is `[]` on a lone page, otherwise an object with only the keys that apply,
//! `previous` and `next`, each a full URL back to the fake. A page past the end has
//! `data: []` and the real meta.
//!
//! # Includes
//!
//! `with=groups,stats,country` (either endpoint) adds `groups: {"data": [...]}`,
//! `stats: {"data": {...}}` and `country: {"data": {...}}`; a member without a country
//! gets Fractal's null include `{"data": []}`. Unknown names are ignored.
//!
//! # Faults
//!
//! See [`Fault`] for what each one does on the wire and [`Faults`] for scripts, random
//! campaigns and latency. [`Fault::Drop`] closes the connection without a byte of
//! response: a reqwest client gets an error with no status (`is_request()`).
//! [`Fault::TruncatedBody`] sends a `200` whose JSON body is cut in half with a matching
//! `Content-Length`: the transfer succeeds and decoding fails (`is_decode()`).
//!
//! # Rate limit
//!
//! [`FakeTallyfyBuilder::rate_limit`] gives the fake a budget of R requests per
//! window, published on every answer (`X-RateLimit-Limit`, `-Remaining`, `-Reset`);
//! a request that finds it spent gets a 429 with `Retry-After`.
//!
//! # The binary
//!
//! `tallyfy-fake --port 0 --members 250 --fault-rate 0.1` prints its base URL
//! (`http://127.0.0.1:PORT/api`) as the first line of stdout, then serves until Ctrl-C
//! or SIGTERM. `tallyfy-fake --help` lists every option.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod conn;
mod data;
mod faults;
mod gateway;
mod hold;
mod listing;
mod members;
mod record;
mod routes;
mod server;
mod state;
mod window;

pub use data::iso8601;
pub use faults::{Fault, FaultCounts, FaultKind, Faults, RetryAfter};
pub use listing::fractal_pagination;
pub use record::RecordedRequest;
pub use server::{
    DEFAULT_ORG, DEFAULT_SEED, DEFAULT_TOKEN, FakeTallyfy, FakeTallyfyBuilder, RunningFake,
};
