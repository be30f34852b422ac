//! The requestor API: start sessions, follow them, fetch results.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;

use super::body::{Body, BodyError};
use super::call::Call;
use super::error::ApiError;
use super::{ServerState, auth_request, json, sse};
use crate::jwt::auth::AuthenticatedBody;
use crate::jwt::result::{ResultJwtError, ResultSigner};
use crate::protocol::errors::ErrorKind;
use crate::protocol::request::RequestorRequest;
use crate::protocol::tokens::RequestorToken;
use crate::session::clock::Clock;

/// The requestor routes (without state).
pub fn router() -> Router<ServerState> {
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

async fn start(
    State(state): State<ServerState>,
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
    state: &ServerState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request = auth_request(headers, body);
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

/// A request about one session of the requestor API.
type RequestorCall = Call<RequestorToken>;

async fn cancel(call: RequestorCall) -> Result<(), ApiError> {
    Ok(call.sessions().cancel(&call.token).await?)
}

async fn status(call: RequestorCall) -> Result<Response, ApiError> {
    Ok(json(&call.sessions().status(&call.token).await?))
}

async fn status_events(_: sse::Enabled, call: RequestorCall) -> Result<Response, ApiError> {
    let rx = call.sessions().subscribe(&call.token).await?;
    Ok(sse::statuses(&call.state, rx))
}

async fn result(call: RequestorCall) -> Result<Response, ApiError> {
    let (result, _) = call.sessions().requestor_result(&call.token).await?;
    Ok(json(&result))
}

fn signer(state: &ServerState) -> Result<&ResultSigner, ApiError> {
    state
        .sessions
        .signer()
        .ok_or_else(|| ApiError::new(ErrorKind::Unknown, "JWT signing not supported"))
}

/// A signed JWT as `text/plain`. A signing failure is logged; the requestor gets the
/// reference's `EXCEPTION` without its detail.
fn signed(jwt: Result<String, ResultJwtError>) -> Result<Response, ApiError> {
    match jwt {
        Ok(jwt) => Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], jwt).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "signing a session result JWT");
            Err(ApiError::kind(ErrorKind::Unknown))
        }
    }
}

async fn result_jwt(call: RequestorCall) -> Result<Response, ApiError> {
    let (result, validity) = call.sessions().requestor_result(&call.token).await?;
    signed(signer(&call.state)?.result_jwt(&result, validity, now_secs()))
}

async fn getproof(call: RequestorCall) -> Result<Response, ApiError> {
    let (result, validity) = call.sessions().result_with_validity(&call.token).await?;
    signed(signer(&call.state)?.getproof_jwt(&result, validity, now_secs()))
}

async fn public_key(State(state): State<ServerState>) -> Result<Response, ApiError> {
    let signer = state
        .sessions
        .signer()
        .ok_or_else(|| ApiError::kind(ErrorKind::Unsupported))?;
    Ok((StatusCode::OK, signer.public_key_pem().to_owned()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signing_failure_reaches_the_requestor_without_its_detail() {
        let e = signed(Err(ResultJwtError::UnknownType)).unwrap_err();
        assert_eq!(e.body(), &ErrorKind::Unknown.remote_error(""));
        assert!(signed(Ok("a.b.c".to_owned())).is_ok());
    }
}
