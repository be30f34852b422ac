//! The HTTP endpoints of a keyshare server ([`crate::keyshare::KeyshareServer`]) that the
//! app calls, as irmago's `keyshareserver/server.go` routes them:
//!
//! - `POST /client/register` → the session pointer of the keyshare attribute's issuance, at
//!   the embedded app API under `/irma` (an issuer of its own: [`embedded_issuer`]);
//! - `POST /users/verify_start`, `POST /users/verify/pin_challengeresponse`;
//! - with `X-IRMA-Keyshare-Username` and the access token as `Authorization`:
//!   `POST /prove/getCommitments`, `POST /prove/getResponse` (the `ProofP` JWT as plain
//!   text), `POST /api/v2/prove/getPs`;
//! - the same unversioned routes under `/api/v1`, and `GET /health`.
//!
//! Errors are the reference's JSON bodies (`server/keyshare/errors.go` `WriteError`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::body::Body;
use super::error::ApiError;
use super::{Routes, ServerState, header_str, json};
use crate::config::Permissions;
use crate::crypto::bigint::Int;
use crate::jwt::auth::RequestorAuth;
use crate::keyshare::{Error, KeyshareServer};
use crate::metrics::Metrics;
use crate::protocol::errors::ErrorKind;
use crate::protocol::keyshare::{AuthRequest, AuthResponse, Enrollment, KeyId, USERNAME_HEADER};
use crate::scheme::Configuration;
use crate::session::clock::Clock;
use crate::session::permissions::PermissionSet;
use crate::session::replay::ReplayCache;
use crate::session::store::{Lifetimes, Store};
use crate::session::validate::PrivateKeyFolder;
use crate::session::{Sessions, Settings};

/// What the keyshare handlers share.
#[derive(Debug, Clone)]
struct KeyshareState {
    core: Arc<KeyshareServer>,
    /// The embedded issuer of the keyshare attribute.
    issuer: ServerState,
}

/// The router of a keyshare server: its endpoints, and the embedded issuer's app API under
/// `/irma` (`issuer`, see [`embedded_issuer`]).
pub fn router(core: Arc<KeyshareServer>, issuer: ServerState) -> Router {
    let routes = || {
        Router::new()
            .route("/client/register", post(register))
            .route("/users/verify_start", post(verify_start))
            .route("/users/verify/pin_challengeresponse", post(verify_pin))
            .route("/prove/getCommitments", post(commitments))
            .route("/prove/getResponse", post(response))
    };
    let state = KeyshareState {
        core,
        issuer: issuer.clone(),
    };
    Router::new()
        .merge(routes())
        .nest("/api/v1", routes())
        .route("/api/v2/prove/getPs", post(ps))
        .route("/health", get(|| async { "OK" }))
        .with_state(state)
        .merge(super::router(issuer, "", Routes::App, None, false))
}

/// The embedded issuer of a keyshare server: a session engine over `schemes` (in memory)
/// that may only issue, whose app API is served under `url` (ending in `irma/`). Its
/// sessions time out when the caller runs [`Sessions::expire_all`] now and then, as
/// `irma server` does.
pub fn embedded_issuer(
    schemes: Arc<Configuration>,
    private_keys: PrivateKeyFolder,
    url: &str,
    clock: Clock,
) -> ServerState {
    let settings = Settings::embedded(
        url.to_owned(),
        Lifetimes {
            max_session: Duration::from_secs(5 * 60),
            result: Duration::from_secs(5 * 60),
        },
        private_keys,
        PermissionSet::builtin(&Permissions {
            issue: vec!["*".to_owned()],
            ..Permissions::default()
        }),
        clock,
    );
    ServerState {
        sessions: Arc::new(Sessions::new(
            Store::memory(settings.lifetimes),
            settings,
            schemes,
        )),
        auth: Arc::new(RequestorAuth::disabled()),
        static_sessions: Arc::new(BTreeMap::new()),
        replay: Arc::new(ReplayCache::memory(clock)),
        sse: false,
        metrics: Arc::new(Metrics::new([])),
        lifecycle: Arc::default(),
    }
}

/// The reference's answer for each keyshare error.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::UnknownUser => ErrorKind::UserNotRegistered,
            Error::Invalid(_) | Error::Jwt(_) => ErrorKind::InvalidRequest,
            Error::MissingCommitment => ErrorKind::MissingCommitment,
            Error::MissingChallenge => ErrorKind::MissingChallenge,
            Error::WrongChallenge => ErrorKind::UnexpectedRequest,
            Error::Internal(_) => {
                // The detail is for the log only.
                tracing::error!(error = %e, "keyshare server failed");
                return ApiError::kind(ErrorKind::Internal);
            }
        };
        ApiError::new(kind, e.to_string())
    }
}

/// A JSON body, or `INVALID_REQUEST` (the reference's `ParseBody` answer).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, e.to_string()))
}

async fn register(State(s): State<KeyshareState>, Body(body): Body) -> Result<Response, ApiError> {
    let msg: Enrollment = parse(&body)?;
    let username = s.core.register(&msg.enrollment_jwt)?;
    let request = s.core.enrollment_request(&username)?;
    let package = s.issuer.sessions.start(request, Some("keyshare")).await?;
    Ok(json(&package.session_ptr))
}

async fn verify_start(
    State(s): State<KeyshareState>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let msg: AuthRequest = parse(&body)?;
    Ok(json(&s.core.start_auth(&msg.auth_request_jwt)?))
}

async fn verify_pin(
    State(s): State<KeyshareState>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let msg: AuthResponse = parse(&body)?;
    Ok(json(&s.core.verify_pin(&msg)?))
}

/// The user of `X-IRMA-Keyshare-Username`, authorized by the `Authorization` access token,
/// with the keyshare server.
struct User {
    name: String,
    core: Arc<KeyshareServer>,
}

impl FromRequestParts<KeyshareState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &KeyshareState) -> Result<Self, ApiError> {
        let name = header_str(&parts.headers, USERNAME_HEADER).unwrap_or_default();
        let authorization = header_str(&parts.headers, header::AUTHORIZATION).unwrap_or_default();
        s.core.authorize(name, authorization)?;
        Ok(Self {
            name: name.to_owned(),
            core: Arc::clone(&s.core),
        })
    }
}

async fn ps(user: User, Body(body): Body) -> Result<Response, ApiError> {
    let keys: Vec<KeyId> = parse(&body)?;
    Ok(json(&user.core.ps(&user.name, &keys)?))
}

async fn commitments(user: User, Body(body): Body) -> Result<Response, ApiError> {
    let keys: Vec<KeyId> = parse(&body)?;
    Ok(json(&user.core.commitments(&user.name, &keys)?))
}

async fn response(user: User, Body(body): Body) -> Result<Response, ApiError> {
    let challenge: Int = parse(&body)?;
    let jwt = user.core.response(&user.name, &challenge.0)?;
    Ok(([(header::CONTENT_TYPE, "text/plain")], jwt).into_response())
}
