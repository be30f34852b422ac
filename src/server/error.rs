//! The one HTTP error boundary: every error a handler returns becomes the reference's
//! JSON body `{status, error, description, message}` with its HTTP status.
//!
//! Details go to the log; the body carries only the error name, the fixed description
//! and a short message meant for the caller, never internal text or a backtrace.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::protocol::errors::{ErrorKind, RemoteError};

/// An error answer of the server.
#[derive(Debug, Clone)]
pub struct ApiError {
    body: RemoteError,
}

impl ApiError {
    /// An error of the given kind with a message for the caller.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            body: kind.remote_error(message),
        }
    }

    /// An error of the given kind without a message.
    pub fn kind(kind: ErrorKind) -> Self {
        Self::new(kind, "")
    }

    /// The reference's answer for an unknown path or method under `/irma`: only the
    /// status and `INVALID_REQUEST`, without a description.
    pub fn not_routed(status: StatusCode) -> Self {
        Self {
            body: RemoteError {
                status: status.as_u16(),
                error: ErrorKind::InvalidRequest.name().to_owned(),
                ..RemoteError::default()
            },
        }
    }

    /// The JSON body.
    pub fn body(&self) -> &RemoteError {
        &self.body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        tracing::warn!(
            status = self.body.status,
            error = %self.body.error,
            message = %self.body.message,
            "sending error"
        );
        let mut response = (status, Json(self.body)).into_response();
        // The reference's exact content type; some clients compare it.
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(e: ApiError) -> (StatusCode, String, String) {
        let r = e.into_response();
        let status = r.status();
        let ct = r.headers()[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn errors_render_as_the_reference() {
        let (status, ct, body) = body_of(ApiError::kind(ErrorKind::SessionUnknown)).await;
        assert_eq!(status, 400);
        assert_eq!(ct, "application/json; charset=UTF-8");
        assert_eq!(
            body,
            r#"{"status":400,"error":"SESSION_UNKNOWN","description":"Unknown or expired session"}"#
        );
        let (status, _, body) = body_of(ApiError::not_routed(StatusCode::NOT_FOUND)).await;
        assert_eq!(status, 404);
        assert_eq!(body, r#"{"status":404,"error":"INVALID_REQUEST"}"#);
    }
}
