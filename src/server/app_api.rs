//! The app and frontend API under `/irma/session/{clientToken}`, and the static sessions
//! (`POST /irma/session/{name}`).

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::body::Body;
use super::call::Call;
use super::error::ApiError;
use super::{ServerState, header_str, json, sse};
use crate::protocol::errors::ErrorKind;
use crate::protocol::session::{FrontendOptionsRequest, FrontendSessionStatus};
use crate::protocol::tokens::AppToken;
use crate::session::SessionError;
use crate::session::engine::ClientHeaders;
use crate::session::replay::CachedAnswer;

const MIN_VERSION: &str = "x-irma-minprotocolversion";
const MAX_VERSION: &str = "x-irma-maxprotocolversion";

/// The app and frontend routes, relative to `/irma`; `state` for the host check.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            "/session/{ct}",
            get(get_without_slash).delete(cancel).post(static_session),
        )
        .route("/session/{ct}/", get(first_message).delete(cancel))
        .route("/session/{ct}/request", get(request))
        .route("/session/{ct}/proofs", post(proofs))
        .route("/session/{ct}/commitments", post(commitments))
        .route("/session/{ct}/status", get(status))
        .route("/session/{ct}/statusevents", get(status_events))
        .route("/session/{ct}/frontend/status", get(frontend_status))
        .route(
            "/session/{ct}/frontend/statusevents",
            get(frontend_status_events),
        )
        .route("/session/{ct}/frontend/options", post(frontend_options))
        .route(
            "/session/{ct}/frontend/pairingcompleted",
            post(pairing_completed),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_host,
        ))
}

/// Refuses requests to a session whose request names a `host` other than the one this
/// request was sent to (`403 UNAUTHORIZED`, "Host mismatch", as the reference). Requests
/// to unknown sessions pass on, for the handler to answer.
async fn check_host(
    State(state): State<ServerState>,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
    next: Next,
) -> Response {
    let host = header_str(request.headers(), header::HOST)
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    let ct = params
        .iter()
        .find(|(k, _)| k == "ct")
        .and_then(|(_, v)| AppToken::parse(v).ok());
    if let Some(ct) = ct
        && let Err(e) = state.sessions.check_host(&ct, host.as_deref()).await
    {
        return ApiError::from(e).into_response();
    }
    next.run(request).await
}

/// `POST /irma/session/{name}`: starts the static session `name` and answers its pointer.
async fn static_session(
    State(state): State<ServerState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if state.lifecycle.draining() {
        return Ok(super::shutdown::no_new_sessions());
    }
    let request = state
        .static_sessions
        .get(&name)
        .ok_or_else(|| ApiError::new(ErrorKind::InvalidRequest, "unknown static session"))?;
    let pointer = state
        .sessions
        .start_static(request.clone())
        .await
        .map_err(|e| ApiError::new(ErrorKind::MalformedInput, e.to_string()))?;
    Ok(json(&pointer))
}

/// A request about one session of the app API.
type AppCall = Call<AppToken>;

/// Replays the cached answer to an identical retry, or runs `answer` and caches it.
async fn cached(
    call: &AppCall,
    endpoint: &'static str,
    body: &[u8],
    answer: impl Future<Output = Result<Response, ApiError>>,
) -> Result<Response, ApiError> {
    let (state, ct) = (&call.state, &call.token);
    let status = state.sessions.app_status(ct).await?;
    let hit = state
        .replay
        .lookup(ct, endpoint, body, status)
        .await
        .map_err(SessionError::from)?;
    if let Some(hit) = hit {
        let code = StatusCode::from_u16(hit.status).unwrap_or(StatusCode::OK);
        // The reference replays the bytes without a content type (Go then sniffs this one).
        let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return Ok((code, plain, hit.body).into_response());
    }
    let response = answer.await.unwrap_or_else(IntoResponse::into_response);
    let (parts, out) = response.into_parts();
    // Our own answer, already in memory: no limit.
    let bytes = axum::body::to_bytes(out, usize::MAX)
        .await
        .map_err(|_| ApiError::kind(ErrorKind::Internal))?;
    // Only successes are kept: a retry after an error (say, a corrected header) is served
    // afresh, where the reference would replay the error.
    if parts.status.is_success()
        && let Ok(after) = state.sessions.app_status(ct).await
    {
        let answer = CachedAnswer {
            status: parts.status.as_u16(),
            body: bytes.to_vec(),
        };
        state
            .replay
            .store(ct.clone(), endpoint, body, after, answer)
            .await
            .map_err(SessionError::from)?;
    }
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

/// `GET /irma/session/{ct}` without the trailing slash: the reference answers
/// `MALFORMED_INPUT` for a known session (it reads no protocol versions on this route) and
/// leaves the session alone.
async fn get_without_slash(call: AppCall) -> Result<Response, ApiError> {
    call.sessions().app_status(&call.token).await?;
    Err(ApiError::new(
        ErrorKind::MalformedInput,
        "unexpected end of JSON input",
    ))
}

/// The app's first message.
async fn first_message(call: AppCall) -> Result<Response, ApiError> {
    let h = ClientHeaders {
        min: header_str(&call.headers, MIN_VERSION),
        max: header_str(&call.headers, MAX_VERSION),
        authorization: call.authorization(),
    };
    cached(&call, "get", &[], async {
        Ok(json(&call.sessions().app_get(&call.token, h).await?))
    })
    .await
}

async fn request(call: AppCall) -> Result<Response, ApiError> {
    cached(&call, "request", &[], async {
        let request = call
            .sessions()
            .app_request(&call.token, call.authorization());
        Ok(json(&request.await?))
    })
    .await
}

/// Which message of the app a `POST` carries.
#[derive(Clone, Copy)]
enum AppMessage {
    Proofs,
    Commitments,
}

async fn proofs(call: AppCall, body: Body) -> Result<Response, ApiError> {
    app_message(call, body, AppMessage::Proofs).await
}

async fn commitments(call: AppCall, body: Body) -> Result<Response, ApiError> {
    app_message(call, body, AppMessage::Commitments).await
}

/// `POST /proofs` or `/commitments`: an identical retry gets the cached answer.
async fn app_message(
    call: AppCall,
    Body(body): Body,
    message: AppMessage,
) -> Result<Response, ApiError> {
    let endpoint = match message {
        AppMessage::Proofs => "proofs",
        AppMessage::Commitments => "commitments",
    };
    cached(&call, endpoint, &body, async {
        let (sessions, ct, auth) = (call.sessions(), &call.token, call.authorization());
        let answer = match message {
            AppMessage::Proofs => sessions.app_proofs(ct, auth, body.clone()).await,
            AppMessage::Commitments => sessions.app_commitments(ct, auth, body.clone()).await,
        }?;
        Ok(json(&answer))
    })
    .await
}

async fn cancel(call: AppCall) -> Result<(), ApiError> {
    Ok(call.sessions().app_cancel(&call.token).await?)
}

async fn status(call: AppCall) -> Result<Response, ApiError> {
    Ok(json(&call.sessions().app_status(&call.token).await?))
}

async fn status_events(_: sse::Enabled, call: AppCall) -> Result<Response, ApiError> {
    let token = call.sessions().requestor_token(&call.token).await?;
    let rx = call.sessions().subscribe(&token).await?;
    Ok(sse::statuses(&call.state, rx))
}

async fn frontend_status(call: AppCall) -> Result<Response, ApiError> {
    let status = call
        .sessions()
        .frontend_status(&call.token, call.authorization());
    Ok(json(&status.await?))
}

async fn frontend_status_events(_: sse::Enabled, call: AppCall) -> Result<Response, ApiError> {
    let token = call
        .sessions()
        .frontend(&call.token, call.authorization())
        .await?;
    let rx = call.sessions().subscribe(&token).await?;
    let sessions = std::sync::Arc::clone(call.sessions());
    Ok(sse::status_stream(&call.state, rx, move |status| {
        let (sessions, token) = (std::sync::Arc::clone(&sessions), token.clone());
        async move {
            serde_json::to_string(&FrontendSessionStatus {
                status,
                next_session: sessions.next_session(&token).await,
            })
        }
    }))
}

async fn frontend_options(call: AppCall, Body(body): Body) -> Result<Response, ApiError> {
    let (ct, auth) = (&call.token, call.authorization());
    call.sessions().frontend(ct, auth).await?;
    let request: FrontendOptionsRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(ErrorKind::MalformedInput, e.to_string()))?;
    Ok(json(
        &call.sessions().frontend_options(ct, auth, request).await?,
    ))
}

async fn pairing_completed(call: AppCall) -> Result<StatusCode, ApiError> {
    let completed = call
        .sessions()
        .pairing_completed(&call.token, call.authorization());
    completed.await?;
    Ok(StatusCode::NO_CONTENT)
}
