//! Errors of the session engine, each with the reference's error kind.

use crate::protocol::errors::ErrorKind;

/// Why a session operation failed. `Display` is the message sent to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// No session with this token (or it expired).
    #[error("")]
    Unknown,
    /// The session request is not acceptable.
    #[error("{0}")]
    InvalidRequest(String),
    /// The requestor may not request this (permissions).
    #[error("{0}")]
    Forbidden(String),
    /// Something this server's configuration does not allow (an unsigned callback).
    #[error("{0}")]
    Unsupported(&'static str),
    /// A missing or wrong `Authorization` header of the app or the frontend.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The session waits for pairing.
    #[error("")]
    PairingRequired,
    /// The operation does not fit the session's state.
    #[error("{0}")]
    UnexpectedRequest(&'static str),
    /// Protocol version negotiation failed.
    #[error("")]
    ProtocolVersion,
    /// A header or body that could not be parsed.
    #[error("{0}")]
    MalformedInput(String),
    /// The app's message failed the session (it is cancelled with this error in its
    /// result): unverifiable proofs, invalid commitments, failed issuance.
    #[error("{message}")]
    Failed {
        /// The reference's error kind.
        kind: ErrorKind,
        /// The message for the app.
        message: String,
    },
    /// The server has no room to verify the app's message now (the bounded verification
    /// pool is full); the session is left alone and the app may try again.
    #[error("{0}")]
    Busy(#[from] super::workers::Busy),
    /// The operating system's random generator failed.
    #[error("no randomness available")]
    Random,
    /// The session store failed (details are logged; the caller gets no message).
    #[error("")]
    Store,
}

impl SessionError {
    /// The reference's error kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unknown => ErrorKind::SessionUnknown,
            Self::InvalidRequest(_) => ErrorKind::InvalidRequest,
            Self::Forbidden(_) => ErrorKind::Unauthorized,
            Self::Unsupported(_) => ErrorKind::Unsupported,
            Self::Unauthorized(_) => ErrorKind::IrmaUnauthorized,
            Self::PairingRequired => ErrorKind::PairingRequired,
            Self::UnexpectedRequest(_) => ErrorKind::UnexpectedRequest,
            Self::ProtocolVersion => ErrorKind::ProtocolVersion,
            Self::MalformedInput(_) => ErrorKind::MalformedInput,
            Self::Failed { kind, .. } => *kind,
            Self::Busy(_) => ErrorKind::TooManyRequests,
            Self::Random | Self::Store => ErrorKind::Internal,
        }
    }
}

impl From<getrandom::Error> for SessionError {
    fn from(_: getrandom::Error) -> Self {
        Self::Random
    }
}

impl From<super::store::StoreError> for SessionError {
    fn from(e: super::store::StoreError) -> Self {
        tracing::error!(error = %e, "session store");
        Self::Store
    }
}
