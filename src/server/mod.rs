//! The HTTP side of `irma server` (axum): the only module that imports axum.
//!
//! - [`error`]: the one error boundary, mapping errors to the reference's JSON bodies.
//! - [`requestor_api`]: `POST /session`, `/session/{token}/…`, `/publickey`, `/health`.
//! - [`client_api`]: the app and frontend API under `/irma/session/{clientToken}`.
//! - [`sse`]: server-sent status events.
//! - [`static_files`]: the static files next to the API (`static_path`).
//!
//! Handlers are thin: they read headers and bodies and call [`crate::session::Sessions`].

pub mod client_api;
pub mod error;
pub mod requestor_api;
pub mod sse;
pub mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::{Auth, RequestorKey, ServerConfig, StaticFiles};
use crate::jwt::auth::{CredentialError, RequestorAuth, RequestorCredential};
use crate::jwt::keys::{HmacKey, KeyError, RsaPrivateKey, VerifyingKey};
use crate::jwt::result::ResultSigner;
use crate::session::Sessions;
use crate::session::error::SessionError;
use crate::session::replay::ReplayCache;
use error::ApiError;

/// Largest accepted request body (the reference's 10 MiB).
pub const BODY_LIMIT: usize = 10 << 20;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The session engine.
    pub sessions: Arc<Sessions>,
    /// Requestor authentication.
    pub auth: Arc<RequestorAuth>,
    /// The result JWT signer, when `jwt_privkey` is configured.
    pub signer: Option<Arc<ResultSigner>>,
    /// The app API's replay cache.
    pub replay: Arc<ReplayCache>,
    /// Whether server-sent events are enabled.
    pub sse: bool,
}

/// Why the server state could not be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A requestor's key is unusable.
    #[error("requestor {name}: {source}")]
    Requestor {
        /// The requestor.
        name: String,
        /// The problem.
        source: CredentialError,
    },
    /// The JWT private key is unusable.
    #[error("jwt private key: {0}")]
    JwtKey(KeyError),
}

/// Requestor authentication as configured.
pub fn requestor_auth(config: &ServerConfig) -> Result<RequestorAuth, StateError> {
    let requestors = match &config.auth {
        Auth::Disabled => return Ok(RequestorAuth::disabled()),
        Auth::Requestors(r) => r,
    };
    let mut auth = RequestorAuth::new(
        config.max_request_age.as_secs(),
        config.jwt_leeway.as_secs(),
    );
    for (name, requestor) in requestors {
        let err = |source| StateError::Requestor {
            name: name.clone(),
            source,
        };
        let credential = match &requestor.key {
            RequestorKey::Token(t) => {
                RequestorCredential::from_config("token", t.expose().as_bytes()).map_err(err)?
            }
            RequestorKey::PublicKey(pem) => {
                RequestorCredential::from_config("publickey", pem.as_bytes()).map_err(err)?
            }
            RequestorKey::Hmac(key) => RequestorCredential::Jwt(VerifyingKey::Hmac(
                HmacKey::from_bytes(&key.0).map_err(|e| err(e.into()))?,
            )),
        };
        auth.add(name.clone(), credential);
    }
    Ok(auth)
}

/// The result signer, if a JWT private key is configured.
pub fn result_signer(config: &ServerConfig) -> Result<Option<ResultSigner>, StateError> {
    let Some(pem) = &config.jwt_private_key else {
        return Ok(None);
    };
    let key = RsaPrivateKey::from_pem(pem.expose().as_bytes()).map_err(StateError::JwtKey)?;
    Ok(Some(ResultSigner::new(key, config.jwt_issuer.clone())))
}

/// The whole router: requestor API under `api_prefix`, app API under `{api_prefix}irma`,
/// and the static files, if any, under `{api_prefix}{static prefix}`.
pub fn router(state: AppState, api_prefix: &str, static_files: Option<&StaticFiles>) -> Router {
    let app = client_api::router()
        .fallback(|| async { ApiError::not_routed(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async {
            ApiError::not_routed(StatusCode::METHOD_NOT_ALLOWED)
        });
    let api = requestor_api::router()
        .nest("/irma", app)
        .fallback(not_found);
    let inner = match static_files {
        Some(files) => static_files::mount(api, files),
        None => api,
    };
    let inner = inner
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(preflight))
        .layer(axum::middleware::map_response(cors))
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

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        ApiError::new(e.kind(), e.to_string())
    }
}

/// A header as text (absent if not valid text).
pub(crate) fn header_str(
    headers: &axum::http::HeaderMap,
    name: impl axum::http::header::AsHeaderName,
) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
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
