//! The two member endpoints, their checks and error bodies.
//!
//! Checks run in the order api-v2 would: authentication (401), organization access
//! (403), then the resource (404) or the query (422).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::gateway::gateway;
use crate::listing::{self, ListParams, PageWindow, ValidationErrors};
use crate::record::query_pairs;
use crate::state::{Includes, Shared};

/// The whole app: routes under `/api` (go.tallyfy.com) and at the root (api.tallyfy.com),
/// a JSON 404 for anything else, gzip for clients that ask (when `gzip` is on), and the
/// gateway middleware in front of all of it (so it records what was compressed; its
/// own canned answers are not).
pub(crate) fn router(shared: Arc<Shared>, gzip: bool) -> Router {
    let mut router = Router::new();
    for prefix in ["", "/api"] {
        router = router
            .route(
                &format!("{prefix}/organizations/{{org_id}}/users"),
                get(list_members),
            )
            .route(
                &format!("{prefix}/organizations/{{org_id}}/users/{{user_id}}"),
                get(get_member),
            );
    }
    router = router
        .fallback(endpoint_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    if gzip {
        router = router.layer(tower_http::compression::CompressionLayer::new());
    }
    router
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            gateway,
        ))
        .with_state(shared)
}

async fn list_members(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(refusal) = refusal(&shared, &headers, &org_id) {
        return refusal;
    }
    let pairs = query_pairs(&uri);
    let config = &shared.config;
    let params = match ListParams::parse(&pairs, config.default_per_page, config.max_per_page) {
        Ok(params) => params,
        Err(errors) => return validation_failed(errors),
    };
    let includes = Includes::parse(last(&pairs, "with"));

    let state = shared.lock();
    let mut found: Vec<_> = state
        .members
        .iter()
        .filter(|m| {
            params
                .q
                .as_deref()
                .is_none_or(|q| listing::matches(&m.json, q))
        })
        .collect();
    listing::sort(&mut found, params.sort.as_deref(), |m| &m.json);
    let window = PageWindow::new(found.len(), params.page, params.per_page);
    let data: Vec<Value> = found[window.range.clone()]
        .iter()
        .map(|m| includes.render(m, &shared.groups, &state.members))
        .collect();
    let total = found.len();
    drop(state);

    let base = format!("http://{}{}", host(&shared, &headers), uri.path());
    let pagination = listing::pagination(total, &params, &window, |page| {
        listing::page_url(&base, &pairs, page)
    });
    let body = json!({ "data": data, "meta": { "pagination": pagination } });
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn get_member(
    State(shared): State<Arc<Shared>>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(refusal) = refusal(&shared, &headers, &org_id) {
        return refusal;
    }
    // A non-numeric id is a missing resource, not a validation error.
    let Ok(user_id) = user_id.parse::<i64>() else {
        return resource_not_found();
    };
    let pairs = query_pairs(&uri);
    let includes = Includes::parse(last(&pairs, "with"));
    let state = shared.lock();
    match state.members.iter().find(|m| m.id == user_id) {
        Some(member) => {
            let data = includes.render(member, &shared.groups, &state.members);
            (StatusCode::OK, axum::Json(json!({ "data": data }))).into_response()
        }
        None => resource_not_found(),
    }
}

/// The 401 when the bearer token is wrong or `X-Tallyfy-Client` is missing or empty, the
/// 403 when the organization is not the fake's, else `None`.
fn refusal(shared: &Shared, headers: &HeaderMap, org_id: &str) -> Option<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let client = headers
        .get("x-tallyfy-client")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if bearer != Some(shared.config.token.as_str()) || client.is_empty() {
        let body = json!({ "error": true, "message": "unauthenticated" });
        return Some((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response());
    }
    if org_id != shared.config.org {
        let body = json!({ "message": "This action is unauthorized." });
        return Some((StatusCode::FORBIDDEN, axum::Json(body)).into_response());
    }
    None
}

fn validation_failed(errors: ValidationErrors) -> Response {
    let body = json!({ "message": "The given data was invalid.", "errors": errors });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

fn resource_not_found() -> Response {
    let body =
        json!({ "error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND" });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

async fn endpoint_not_found() -> Response {
    let body =
        json!({ "error": true, "message": "API endpoint not found", "code": "ENDPOINT_NOT_FOUND" });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

async fn method_not_allowed() -> Response {
    let body =
        json!({ "error": true, "message": "Method not allowed", "code": "METHOD_NOT_ALLOWED" });
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// The last value of a query key (PHP keeps the last), if non-empty.
fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The host the client used (pagination links point back at it), else the bound address.
fn host(shared: &Shared, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| shared.addr.to_string(), str::to_owned)
}
