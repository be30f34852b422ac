//! The revocation endpoints (irmago `irmaserver/handle.go` `handleRevocation*`,
//! `requestorserver/server.go` `handleRevocation`):
//!
//! - under the app API, for apps, verifiers and issuers, answering CBOR
//!   (`application/octet-stream`), errors included:
//!   `GET /irma/revocation/{credtype}/update/{count}[/{counter}]` (the latest update of
//!   every key, or of one, with its last `count` events; cached until the next re-signing),
//!   `GET …/events/{counter}/{from}/{to}` (a block of events; cached an hour),
//!   `GET …/updateevents` (server-sent events: every update the authority makes) and
//!   `POST …/issuancerecord/{counter}` (an issuance record signed with the issuer's ECDSA key,
//!   for the authority);
//! - on the requestor API: `POST /revocation`, authenticated as a session request.
//!
//! Differences from the reference, on purpose: an update of a key counter without state is
//! `404` with an error (the reference answers `200` with CBOR `null` and a negative
//! `max-age`); `updateevents` pushes every change, revocations included (see
//! [`crate::revocation::service`]); database failures are logged, not sent.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::stream;
use serde_json::Value;

use super::body::{Body, BodyError};
use super::error::ApiError;
use super::requestor_api::json_message;
use super::{ServerState, auth_request};
use crate::crypto::revocation::to_cbor;
use crate::jwt::auth::AuthenticatedBody;
use crate::protocol::errors::{ErrorKind, RemoteError};
use crate::protocol::identifiers::{CredentialTypeId, PublicKeyId};
use crate::protocol::revocation::RevocationRequest;
use crate::revocation::{ServiceError, StoreError};
use crate::session::clock::Clock;

/// How long answers of `events` may be cached (irmago `EventsCacheMaxAge`).
const EVENTS_MAX_AGE: u64 = 60 * 60;
/// The reference's answer when this server does not play the role an endpoint needs.
const NOT_SUPPORTED: &str = "not supported by this server";

/// The app-side routes, under `/irma`.
pub fn router() -> Router<ServerState> {
    Router::new().route("/revocation/{*rest}", any(dispatch))
}

/// One of the revocation endpoints, parsed from the path.
enum Endpoint {
    Events { counter: u32, from: u64, to: u64 },
    UpdateEvents,
    Update { count: u64, counter: Option<u32> },
    IssuanceRecord { counter: u32 },
}

impl Endpoint {
    /// The endpoint a path (after `/revocation/{credtype}/`) names and its method, or `None`
    /// for no route. Numbers are digits only, as the reference's route patterns.
    fn parse(segments: &[&str]) -> Option<(Method, Self)> {
        fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        }
        Some(match segments {
            ["events", c, from, to] => (
                Method::GET,
                Self::Events {
                    counter: number(c)?,
                    from: number(from)?,
                    to: number(to)?,
                },
            ),
            ["updateevents"] => (Method::GET, Self::UpdateEvents),
            ["update", count] => (
                Method::GET,
                Self::Update {
                    count: number(count)?,
                    counter: None,
                },
            ),
            ["update", count, c] => (
                Method::GET,
                Self::Update {
                    count: number(count)?,
                    counter: Some(number(c)?),
                },
            ),
            ["issuancerecord", c] => (
                Method::POST,
                Self::IssuanceRecord {
                    counter: number(c)?,
                },
            ),
            _ => return None,
        })
    }
}

async fn dispatch(
    State(state): State<ServerState>,
    method: Method,
    Path(rest): Path<String>,
    body: Result<Body, BodyError>,
) -> Response {
    let segments: Vec<&str> = rest.split('/').collect();
    let Some((cred, tail)) = segments.split_first() else {
        return binary_error(not_routed(StatusCode::NOT_FOUND));
    };
    let Some((allowed, endpoint)) = Endpoint::parse(tail) else {
        return binary_error(not_routed(StatusCode::NOT_FOUND));
    };
    if method != allowed {
        return binary_error(not_routed(StatusCode::METHOD_NOT_ALLOWED));
    }
    // An identifier that cannot be a credential type is one this server has no role for.
    let Ok(cred) = CredentialTypeId::parse(cred) else {
        return binary_error(not_supported());
    };
    let answer = match endpoint {
        Endpoint::Events { counter, from, to } => events(&state, &cred, counter, from, to).await,
        Endpoint::UpdateEvents => update_events(&state, &cred),
        Endpoint::Update { count, counter } => update(&state, &cred, count, counter).await,
        Endpoint::IssuanceRecord { counter } => match body {
            Ok(Body(body)) => issuance_record(&state, &cred, counter, &body).await,
            Err(e) => Err(e.with_kind(ErrorKind::InvalidRequest).body().clone()),
        },
    };
    answer.unwrap_or_else(binary_error)
}

/// `GET events/{counter}/{from}/{to}`.
async fn events(
    state: &ServerState,
    cred: &CredentialTypeId,
    counter: u32,
    from: u64,
    to: u64,
) -> Result<Response, RemoteError> {
    let service = state.sessions.revocation();
    if !service.serves(cred) {
        return Err(not_supported());
    }
    let events = service
        .events(cred, counter, from, to)
        .await
        .map_err(revocation_error)?;
    Ok(binary(&events, Some(EVENTS_MAX_AGE.to_string())))
}

/// `GET update/{count}[/{counter}]`: a map of key counter to update, or one update.
async fn update(
    state: &ServerState,
    cred: &CredentialTypeId,
    count: u64,
    counter: Option<u32>,
) -> Result<Response, RemoteError> {
    let service = state.sessions.revocation();
    if !service.serves(cred) {
        return Err(not_supported());
    }
    let keys = state.sessions.revocation_keys();
    let (mut updates, oldest) = service
        .latest_updates_dated(keys.as_ref(), cred, count, counter)
        .await
        .map_err(revocation_error)?;
    // Cached until the oldest accumulator is re-signed.
    let max_age = oldest.map_or(0, |t| {
        (t + crate::revocation::service::RESIGN_INTERVAL.as_secs() as i64
            - Clock::System.now_secs())
        .max(0)
    });
    let max_age = Some(max_age.to_string());
    let Some(counter) = counter else {
        return Ok(binary(&updates, max_age));
    };
    match updates.remove(&counter) {
        Some(update) => Ok(binary(&update, max_age)),
        None => {
            let id = PublicKeyId {
                issuer: cred.issuer(),
                counter,
            };
            let message = match keys.public_key(&id) {
                Some(_) => StoreError::StateNotFound.to_string(),
                None => ServiceError::UnknownPublicKey(id).to_string(),
            };
            Err(RemoteError {
                message,
                ..not_routed(StatusCode::NOT_FOUND)
            })
        }
    }
}

/// `GET updateevents`: every update of `cred` this server makes from now on, as JSON, one
/// server-sent event each, until the server stops.
fn update_events(state: &ServerState, cred: &CredentialTypeId) -> Result<Response, RemoteError> {
    let service = state.sessions.revocation();
    if !state.sse || !service.serves(cred) {
        return Err(not_supported());
    }
    let follow = (service.subscribe(), state.lifecycle.closing(), cred.clone());
    let updates = stream::unfold(follow, |(mut pushes, mut closing, cred)| async move {
        loop {
            let pushed = tokio::select! {
                pushed = pushes.recv() => pushed,
                // The server stops: end the stream.
                () = super::sse::closed(&mut closing) => return None,
            };
            match pushed {
                Ok((c, update)) if c == cred => {
                    let data = serde_json::to_string(&update).ok()?;
                    let event = Ok::<Event, Infallible>(Event::default().data(data));
                    return Some((event, (pushes, closing, cred)));
                }
                Ok(_) => {}
                // A slow reader missed updates; a follower fetches what does not fit.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::info!(missed = n, "revocation update stream lagged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(updates)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// `POST issuancerecord/{counter}`: an issuance record for the authority.
async fn issuance_record(
    state: &ServerState,
    cred: &CredentialTypeId,
    counter: u32,
    body: &[u8],
) -> Result<Response, RemoteError> {
    let service = state.sessions.revocation();
    if !service.is_authority(cred) {
        return Err(not_supported());
    }
    let keys = state.sessions.revocation_keys();
    service
        .receive_issuance_record(keys.as_ref(), cred, counter, body)
        .await
        .map_err(|e| match e {
            ServiceError::RecordSignature(m) => ErrorKind::Unauthorized.remote_error(m),
            ServiceError::WrongRecord => ErrorKind::InvalidRequest.remote_error(e.to_string()),
            e => revocation_error(e),
        })?;
    Ok(StatusCode::OK.into_response())
}

/// `REVOCATION` (500) with the error, except database details, which are only logged.
fn revocation_error(e: ServiceError) -> RemoteError {
    let message = match &e {
        ServiceError::Store(StoreError::Database(_)) => {
            tracing::error!(error = %e, "revocation database");
            "revocation database error".to_owned()
        }
        _ => e.to_string(),
    };
    ErrorKind::Revocation.remote_error(message)
}

fn not_supported() -> RemoteError {
    ErrorKind::InvalidRequest.remote_error(NOT_SUPPORTED)
}

/// The reference's answer for no route or another method: only status and name.
fn not_routed(status: StatusCode) -> RemoteError {
    ApiError::not_routed(status).body().clone()
}

/// A CBOR answer, cacheable for `max_age` seconds when given.
fn binary<T: serde::Serialize>(value: &T, max_age: Option<String>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        to_cbor(value),
    )
        .into_response();
    if let Some(age) = max_age
        && let Ok(value) = header::HeaderValue::from_str(&format!("max-age={age}"))
    {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// A CBOR error body with its status (irmago `WriteBinaryResponse` with an error).
fn binary_error(error: RemoteError) -> Response {
    tracing::warn!(status = error.status, error = %error.error, message = %error.message, "sending error");
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        to_cbor(&error),
    )
        .into_response()
}

/// `POST /revocation` on the requestor API: authenticated as `POST /session` (all
/// methods; a JWT carries the request in its `revrequest` claim), then revoked if the
/// requestor's `revoke_perms` allow it; `200 text/plain "OK"`.
pub async fn revoke(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Body, BodyError>,
) -> Response {
    let body = match body {
        Ok(Body(body)) => body,
        Err(e) => return e.with_kind(ErrorKind::InvalidRequest).into_response(),
    };
    match revoke_authenticated(&state, &headers, &body).await {
        Ok(()) => ([(header::CONTENT_TYPE, "text/plain")], "OK").into_response(),
        Err(e) => e.into_response(),
    }
}

async fn revoke_authenticated(
    state: &ServerState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let request = auth_request(headers, body);
    let authenticated = state
        .auth
        .authenticate_revocation(&request, Clock::System.now_secs())
        .map_err(|e| ApiError::new(e.error_kind(), e.remote_error().message))?;
    let value = match authenticated.body {
        AuthenticatedBody::Json(bytes) => serde_json::from_slice::<Value>(bytes)
            .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, json_message(&e)))?,
        AuthenticatedBody::Jwt(jwt) => jwt.body,
    };
    let request = RevocationRequest::parse(value)
        .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, e.to_string()))?;
    Ok(state
        .sessions
        .revoke(&authenticated.requestor, &request)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_as_the_reference() {
        let route = |path: &str| {
            let segments: Vec<&str> = path.split('/').collect();
            Endpoint::parse(&segments).map(|(method, e)| {
                let name = match e {
                    Endpoint::Events { counter, from, to } => {
                        format!("events {counter} {from} {to}")
                    }
                    Endpoint::UpdateEvents => "updateevents".to_owned(),
                    Endpoint::Update { count, counter } => format!("update {count} {counter:?}"),
                    Endpoint::IssuanceRecord { counter } => format!("issuancerecord {counter}"),
                };
                (method, name)
            })
        };
        for (path, method, name) in [
            ("events/2/0/16", Method::GET, "events 2 0 16"),
            ("update/16", Method::GET, "update 16 None"),
            ("update/16/2", Method::GET, "update 16 Some(2)"),
            ("updateevents", Method::GET, "updateevents"),
            ("issuancerecord/2", Method::POST, "issuancerecord 2"),
        ] {
            assert_eq!(route(path), Some((method, name.to_owned())), "{path}");
        }
        for none in [
            "events/2/0/x",
            "events/2/0",
            "update/+1",
            "update/",
            "update/16/2/",
            "nosuchthing",
            "update/99999999999999999999",
        ] {
            assert!(route(none).is_none(), "{none}");
        }
    }
}
