//! The HTTP side of `irma server` (axum): the only module that imports axum.
//!
//! - [`body`]: request bodies, with the size limit and minimum data rate.
//! - [`call`]: the extractor of a request about one session (state, token, headers).
//! - [`error`]: the one error boundary, mapping errors to the reference's JSON bodies.
//! - [`requestor_api`]: `POST /session`, `/session/{token}/…`, `/publickey`.
//! - [`health`]: `/health`, `/ready`, `/metrics`, and the request timing for the metrics.
//! - [`shutdown`]: draining before stopping (no new sessions, the started ones finish).
//! - [`app_api`]: the app and frontend API under `/irma/session/{clientToken}`.
//! - [`sse`]: server-sent status events.
//! - [`listen`]: the listeners (TLS with rustls, separate app port, connection caps);
//!   [`open_files`]: the open-file limit, raised at start.
//! - [`schemes_update`]: scheme updates while running, swapped in atomically.
//! - [`run`]: [`run::Server`], assembled from a configuration: store, engine, listeners,
//!   background tasks.
//! - [`prepare`]: everything built and checked from the configuration before listening
//!   (what `irma server check` runs).
//! - [`static_files`]: the static files next to the API (`static_path`).
//! - [`keyshare`]: the endpoints of a keyshare server ([`crate::keyshare`]).
//! - [`revocation_api`]: the revocation endpoints (updates, events, issuance records for
//!   the app API; `POST /revocation` for requestors).
//!
//! Handlers are thin: they read headers and bodies and call [`crate::session::Sessions`].

pub mod app_api;
pub mod body;
pub mod call;
pub mod error;
pub mod health;
pub mod keyshare;
pub mod listen;
pub mod open_files;
pub mod prepare;
pub mod requestor_api;
pub mod revocation_api;
pub mod run;
pub mod schemes_update;
pub mod shutdown;
pub mod sse;
pub mod static_files;

pub use run::{Exposure, Server};

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::StaticFiles;
use crate::jwt::auth::RequestorAuth;
use crate::metrics::Metrics;
use crate::protocol::request::RequestorRequest;
use crate::session::Sessions;
use crate::session::error::SessionError;
use crate::session::replay::ReplayCache;
use error::ApiError;
use shutdown::Lifecycle;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// The session engine.
    pub sessions: Arc<Sessions>,
    /// Requestor authentication.
    pub auth: Arc<RequestorAuth>,
    /// Static sessions by name (`POST /irma/session/{name}`).
    pub static_sessions: Arc<std::collections::BTreeMap<String, RequestorRequest>>,
    /// The app API's replay cache.
    pub replay: Arc<ReplayCache>,
    /// Whether server-sent events are enabled.
    pub sse: bool,
    /// The server's metrics.
    pub metrics: Arc<Metrics>,
    /// Draining and stopping.
    pub lifecycle: Arc<Lifecycle>,
}

/// Which APIs a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routes {
    /// Requestor API under `api_prefix`, app API under `{api_prefix}irma` (one listener);
    /// `/metrics` too unless the metrics have their own listener.
    All,
    /// Only the requestor API (the app API has its own `client_port` listener); `/metrics`
    /// too unless the metrics have their own listener.
    Requestor,
    /// Only the app and frontend API under `{api_prefix}irma` (the `client_port` listener,
    /// and the embedded server of `irma session`).
    App,
    /// Only `/metrics`, `/ready` and `/health` (the `metrics_port` listener, without
    /// `api_prefix`).
    Metrics,
}

/// The router of one listener; the static files, if any, are served next to the requestor
/// API under `{api_prefix}{static prefix}`. `metrics_here`: `/metrics` is on the requestor
/// API's listener (no `metrics_port`).
pub fn router(
    state: ServerState,
    api_prefix: &str,
    routes: Routes,
    static_files: Option<&StaticFiles>,
    metrics_here: bool,
) -> Router {
    let requestor = || requestor_api::router().merge(health::router(metrics_here));
    let routed = match routes {
        Routes::All => requestor().nest("/irma", app_routes(&state)),
        Routes::Requestor => requestor(),
        Routes::App => Router::new().nest("/irma", app_routes(&state)),
        Routes::Metrics => {
            let routed = health::router(true).fallback(not_found);
            return with_layers(routed, state, "/");
        }
    }
    .fallback(not_found);
    let routed = match static_files {
        Some(files) if routes != Routes::App => static_files::mount(routed, files),
        _ => routed,
    };
    with_layers(routed, state, api_prefix)
}

fn app_routes(state: &ServerState) -> Router<ServerState> {
    app_api::router(state)
        .merge(revocation_api::router())
        .fallback(|| async { ApiError::not_routed(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async {
            ApiError::not_routed(StatusCode::METHOD_NOT_ALLOWED)
        })
}

/// CORS, request timing and the prefix around `routes` (which bring their fallback).
fn with_layers(routes: Router<ServerState>, state: ServerState, api_prefix: &str) -> Router {
    let inner = routes
        .layer(axum::middleware::from_fn(preflight))
        .layer(axum::middleware::map_response(cors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::track,
        ))
        .with_state(state);
    let prefix = api_prefix.trim_end_matches('/');
    if prefix.is_empty() {
        inner
    } else {
        // As a service, so that `{prefix}/` reaches the inner root (static files at `/`).
        Router::new()
            .nest_service(prefix, inner)
            .fallback(not_found)
    }
}

/// The plain-text 404 of the reference's router.
async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 page not found\n",
    )
        .into_response()
}

/// CORS as the reference: any origin; these headers and methods.
async fn cors(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        header::HeaderValue::from_static("Accept, Authorization, Content-Type, Cache-Control"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        header::HeaderValue::from_static("GET, POST, DELETE"),
    );
    response
}

/// Answers CORS preflight (`OPTIONS`) requests before routing.
async fn preflight(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.method() == Method::OPTIONS {
        return StatusCode::OK.into_response();
    }
    next.run(request).await
}

/// The engine's answer for the caller; a failure of the server itself is logged here with
/// its detail, which the caller does not get.
impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        if e.is_internal() {
            tracing::error!(error = %e, "session engine failed");
        }
        let (kind, message) = e.wire();
        ApiError::new(kind, message)
    }
}

/// A header as text (absent if not valid text).
pub(crate) fn header_str(
    headers: &axum::http::HeaderMap,
    name: impl axum::http::header::AsHeaderName,
) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A requestor's request as the authentication sees it: its `Authorization` and
/// `Content-Type` headers and its body.
pub(crate) fn auth_request<'a>(
    headers: &'a axum::http::HeaderMap,
    body: &'a [u8],
) -> crate::jwt::auth::AuthRequest<'a> {
    crate::jwt::auth::AuthRequest {
        authorization: header_str(headers, header::AUTHORIZATION),
        content_type: header_str(headers, header::CONTENT_TYPE),
        body,
    }
}

/// JSON with the reference's content type.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body,
        )
            .into_response(),
        Err(_) => ApiError::kind(crate::protocol::errors::ErrorKind::Unknown).into_response(),
    }
}
