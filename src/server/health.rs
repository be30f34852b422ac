//! What operators and load balancers ask a server: `GET /health` (as the reference: the
//! process answers), `GET /ready` (it should get new sessions) and `GET /metrics`
//! ([`crate::metrics`], Prometheus text format); and the middleware that times every
//! request for the metrics.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ServerState;

/// How long `/ready` waits for the session store to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// `/health` and `/ready`, and `/metrics` when `metrics` (the requestor listener when no
/// `metrics_port` is set, or the metrics listener).
pub fn router(metrics: bool) -> Router<ServerState> {
    let router = Router::new()
        .route("/health", get(|| async { "OK" }))
        .route("/ready", get(ready));
    if metrics {
        router.route("/metrics", get(export))
    } else {
        router
    }
}

/// 200 `OK` while the server should get new sessions; 503 with the reason while it drains,
/// has no schemes, or (with the Redis store) Redis does not answer.
async fn ready(State(state): State<ServerState>) -> Response {
    let unready = |reason: &'static str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            reason,
        )
            .into_response()
    };
    if state.lifecycle.draining() {
        return unready("draining");
    }
    if state.sessions.schemes().schemes().next().is_none() {
        return unready("no schemes loaded");
    }
    let ping = tokio::time::timeout(READY_TIMEOUT, state.sessions.store().ping()).await;
    if !matches!(ping, Ok(Ok(()))) {
        return unready("session store unreachable");
    }
    "OK".into_response()
}

/// The metrics in the Prometheus text format.
async fn export(State(state): State<ServerState>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

/// Times a request by its route template (never its path: that holds tokens), and notes
/// requests about existing sessions for the drain.
pub async fn track(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    let route = route.as_deref().unwrap_or("unmatched");
    if about_a_session(route, &method) {
        state.lifecycle.session_request();
    }
    state.metrics.http_request(
        route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Whether a request is about a session that was started: the requestor's
/// `/session/{token}/…` and the app's and frontend's `/irma/session/{ct}/…`, except
/// `POST /irma/session/{name}`, which starts a static session.
fn about_a_session(route: &str, method: &Method) -> bool {
    let starts_static = route == "/irma/session/{ct}" && method == Method::POST;
    (route.contains("{token}") || route.contains("{ct}")) && !starts_static
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_requests() {
        assert!(about_a_session("/session/{token}/result", &Method::GET));
        assert!(about_a_session("/irma/session/{ct}/proofs", &Method::POST));
        assert!(about_a_session("/irma/session/{ct}", &Method::DELETE));
        assert!(!about_a_session("/irma/session/{ct}", &Method::POST));
        assert!(!about_a_session("/session", &Method::POST));
        assert!(!about_a_session("/metrics", &Method::GET));
        assert!(!about_a_session("unmatched", &Method::GET));
    }
}
