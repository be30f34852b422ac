//! Request bodies: read whole, at most [`BODY_LIMIT`] bytes, within [`BODY_DEADLINE`].
//!
//! The reference reads every body under a 2 s `ReadTimeout` for the whole request, which
//! cuts off slow mobile uploads; we give a body two minutes (10 MiB at 1 Mbit/s takes 84 s)
//! and leave stalled headers to the listener's header timeout. A body that cannot be read
//! is refused before any session is touched, with the reference's messages (Go's
//! `http: request body too large` for an oversize body).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http_body_util::LengthLimitError;

use super::error::ApiError;
use crate::protocol::errors::ErrorKind;

/// Largest accepted request body (the reference's 10 MiB).
pub const BODY_LIMIT: usize = 10 << 20;

/// How long reading one request body may take.
pub const BODY_DEADLINE: Duration = Duration::from_secs(120);

/// A whole request body (extractor).
#[derive(Debug)]
pub struct Body(pub Bytes);

/// Why a body could not be read. Answered as `MALFORMED_INPUT`, as the reference's app
/// API; the requestor API maps it to `INVALID_REQUEST` with [`BodyError::with_kind`].
#[derive(Debug)]
pub struct BodyError(String);

impl BodyError {
    /// The reference's error of `kind` for this failure.
    pub fn with_kind(self, kind: ErrorKind) -> ApiError {
        tracing::info!(error = %self.0, "could not read the request body");
        ApiError::new(kind, self.0)
    }
}

impl axum::response::IntoResponse for BodyError {
    fn into_response(self) -> axum::response::Response {
        self.with_kind(ErrorKind::MalformedInput).into_response()
    }
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = BodyError;

    async fn from_request(request: Request, _: &S) -> Result<Self, BodyError> {
        let read = axum::body::to_bytes(request.into_body(), BODY_LIMIT);
        match tokio::time::timeout(BODY_DEADLINE, read).await {
            Ok(Ok(bytes)) => Ok(Body(bytes)),
            Ok(Err(e)) => {
                let e = e.into_inner();
                Err(BodyError(if e.is::<LengthLimitError>() {
                    "http: request body too large".into()
                } else {
                    format!("could not read the request body: {e}")
                }))
            }
            Err(_) => Err(BodyError(format!(
                "request body not received within {} s",
                BODY_DEADLINE.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    /// What the extractor makes of `body` under the server's limit: the length read, or
    /// the error's status and JSON.
    async fn read(body: axum::body::Body) -> Result<usize, (u16, serde_json::Value)> {
        let request = Request::post("/").body(body).unwrap();
        let rejection = match Body::from_request(request, &()).await {
            Ok(Body(bytes)) => return Ok(bytes.len()),
            Err(e) => e.into_response(),
        };
        let status = rejection.status().as_u16();
        let bytes = axum::body::to_bytes(rejection.into_body(), 1 << 16)
            .await
            .unwrap();
        Err((status, serde_json::from_slice(&bytes).unwrap()))
    }

    #[tokio::test]
    async fn bodies_up_to_the_limit_are_read() {
        assert_eq!(read(vec![b'x'; BODY_LIMIT].into()).await, Ok(BODY_LIMIT));
    }

    #[tokio::test]
    async fn oversize_bodies_are_malformed_input() {
        let (status, value) = read(vec![b'x'; BODY_LIMIT + 1].into()).await.unwrap_err();
        assert_eq!(status, 400);
        assert_eq!(value["error"], "MALFORMED_INPUT");
        assert_eq!(value["message"], "http: request body too large");
    }

    #[tokio::test(start_paused = true)]
    async fn stalled_bodies_are_cut_at_the_deadline() {
        let started = tokio::time::Instant::now();
        let stalled = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let (status, value) = read(axum::body::Body::from_stream(stalled))
            .await
            .unwrap_err();
        assert_eq!(status, 400);
        assert_eq!(value["error"], "MALFORMED_INPUT");
        assert!(value["message"].as_str().unwrap().contains("120 s"));
        assert_eq!(started.elapsed(), BODY_DEADLINE);
    }
}
