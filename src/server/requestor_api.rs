//! The requestor API: start sessions, follow them, fetch results.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;

use super::body::{Body, BodyError};
use super::error::ApiError;
use super::{AppState, header_str, json, sse};
use crate::jwt::auth::{AuthRequest, AuthenticatedBody};
use crate::protocol::errors::ErrorKind;
use crate::protocol::request::RequestorRequest;
use crate::protocol::tokens::RequestorToken;
use crate::session::clock::Clock;

/// The requestor routes (without state).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(start))
        .route("/session/", post(start))
        .route("/session/{token}", delete(cancel))
        .route("/session/{token}/status", get(status))
        .route("/session/{token}/statusevents", get(status_events))
        .route("/session/{token}/result", get(result))
        .route("/session/{token}/result-jwt", get(result_jwt))
        .route("/session/{token}/getproof", get(getproof))
        .route("/publickey", get(public_key))
        .route("/revocation", post(super::revocation_api::revoke))
}

/// The wall clock, for JWTs (their times are read by other parties).
fn now_secs() -> i64 {
    Clock::System.now_secs()
}

/// A requestor token from the path: the reference answers `SESSION_UNKNOWN` for a token
/// of the right shape it does not know, and `INVALID_REQUEST` otherwise.
fn token(raw: &str) -> Result<RequestorToken, ApiError> {
    RequestorToken::parse(raw)
        .map_err(|_| ApiError::new(ErrorKind::InvalidRequest, "Invalid session token"))
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Body, BodyError>,
) -> Response {
    if state.lifecycle.draining() {
        return super::shutdown::no_new_sessions();
    }
    let body = match body {
        Ok(Body(body)) => body,
        Err(e) => return e.with_kind(ErrorKind::InvalidRequest).into_response(),
    };
    match start_session(&state, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request = AuthRequest {
        authorization: header_str(headers, header::AUTHORIZATION),
        content_type: header_str(headers, header::CONTENT_TYPE),
        body,
    };
    let authenticated = state
        .auth
        .authenticate_session(&request, now_secs())
        .map_err(|e| {
            let r = e.remote_error();
            ApiError::new(e.error_kind(), r.message)
        })?;
    let value = match authenticated.body {
        AuthenticatedBody::Json(bytes) => serde_json::from_slice::<Value>(bytes)
            .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, json_message(&e)))?,
        AuthenticatedBody::Jwt(jwt) => jwt.body,
    };
    let request = parse_request(value)?;
    let package = state
        .sessions
        .start(
            request,
            Some(authenticated.requestor.as_str()).filter(|r| !r.is_empty()),
        )
        .await?;
    Ok(json(&package))
}

/// The message of the reference's JSON parser for the common cases.
pub(super) fn json_message(e: &serde_json::Error) -> String {
    if e.is_eof() {
        "unexpected end of JSON input".to_owned()
    } else {
        e.to_string()
    }
}

/// A plain session request or a requestor request ([`RequestorRequest::from_json`]).
fn parse_request(value: Value) -> Result<RequestorRequest, ApiError> {
    RequestorRequest::from_json(value)
        .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, e.to_string()))
}

async fn cancel(State(state): State<AppState>, Path(t): Path<String>) -> Result<(), ApiError> {
    Ok(state.sessions.cancel(&token(&t)?).await?)
}

async fn status(
    State(state): State<AppState>,
    Path(t): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json(&state.sessions.status(&token(&t)?).await?))
}

async fn status_events(
    State(state): State<AppState>,
    Path(t): Path<String>,
) -> Result<Response, ApiError> {
    if !state.sse {
        return Err(ApiError::kind(ErrorKind::SseDisabled));
    }
    let rx = state.sessions.subscribe(&token(&t)?).await?;
    Ok(sse::status_stream(&state, rx, |s| async move {
        serde_json::to_string(&s)
    }))
}

async fn result(
    State(state): State<AppState>,
    Path(t): Path<String>,
) -> Result<Response, ApiError> {
    let (result, _) = state.sessions.requestor_result(&token(&t)?).await?;
    Ok(json(&result))
}

fn signer(state: &AppState) -> Result<&crate::jwt::result::ResultSigner, ApiError> {
    state
        .sessions
        .signer()
        .ok_or_else(|| ApiError::new(ErrorKind::Unknown, "JWT signing not supported"))
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn result_jwt(
    State(state): State<AppState>,
    Path(t): Path<String>,
) -> Result<Response, ApiError> {
    let (result, validity) = state.sessions.requestor_result(&token(&t)?).await?;
    let jwt = signer(&state)?
        .result_jwt(&result, validity, now_secs())
        .map_err(|e| ApiError::new(ErrorKind::Unknown, e.to_string()))?;
    Ok(text(jwt))
}

async fn getproof(
    State(state): State<AppState>,
    Path(t): Path<String>,
) -> Result<Response, ApiError> {
    let (result, validity) = state.sessions.result_with_validity(&token(&t)?).await?;
    let jwt = signer(&state)?
        .getproof_jwt(&result, validity, now_secs())
        .map_err(|e| ApiError::new(ErrorKind::Unknown, e.to_string()))?;
    Ok(text(jwt))
}

async fn public_key(State(state): State<AppState>) -> Result<Response, ApiError> {
    let signer = state
        .sessions
        .signer()
        .ok_or_else(|| ApiError::kind(ErrorKind::Unsupported))?;
    Ok((StatusCode::OK, signer.public_key_pem().to_owned()).into_response())
}
