//! The extractor every handler of one session starts from: the shared state, the session's
//! token from the path and the request's headers.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::error::ApiError;
use super::{ServerState, header_str};
use crate::protocol::errors::ErrorKind;
use crate::protocol::tokens::{AppToken, RequestorToken};
use crate::session::Sessions;

/// A token in a session path, with the reference's answer when it is malformed.
pub trait PathToken: Sized {
    /// Parses the path segment, or the reference's error for a malformed one.
    fn from_path(raw: &str) -> Result<Self, ApiError>;
}

/// The reference answers `SESSION_UNKNOWN` for a requestor token of the right shape it does
/// not know, and `INVALID_REQUEST` otherwise.
impl PathToken for RequestorToken {
    fn from_path(raw: &str) -> Result<Self, ApiError> {
        Self::parse(raw)
            .map_err(|_| ApiError::new(ErrorKind::InvalidRequest, "Invalid session token"))
    }
}

/// A malformed client token is an unknown session.
impl PathToken for AppToken {
    fn from_path(raw: &str) -> Result<Self, ApiError> {
        Self::parse(raw).map_err(|_| ApiError::kind(ErrorKind::SessionUnknown))
    }
}

/// A request about one session: `Call<RequestorToken>` for the requestor API,
/// `Call<AppToken>` for the app and frontend API.
pub struct Call<T> {
    /// What every handler shares.
    pub state: ServerState,
    /// The session's token from the path.
    pub token: T,
    /// The request's headers.
    pub headers: HeaderMap,
}

impl<T: PathToken> FromRequestParts<ServerState> for Call<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::kind(ErrorKind::InvalidRequest))?;
        Ok(Self {
            state: state.clone(),
            token: T::from_path(&raw)?,
            headers: parts.headers.clone(),
        })
    }
}

impl<T> Call<T> {
    /// The session engine.
    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.state.sessions
    }

    /// The `Authorization` header (of the app or the frontend, on the app API).
    pub fn authorization(&self) -> Option<&str> {
        header_str(&self.headers, header::AUTHORIZATION)
    }
}
