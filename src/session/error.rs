//! Errors of the session engine: `Display` is for the log, [`SessionError::wire`] is what
//! the caller gets (the reference's error name, status and message).

use std::borrow::Cow;

use crate::protocol::errors::ErrorKind;

/// Why a session operation failed. `Display` describes it for the log: the caller's message
/// where there is one, otherwise what happened (with the store's detail); the answer on the
/// wire is [`SessionError::wire`], which never carries internal detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// No session with this token (or it expired).
    #[error("unknown or expired session")]
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
    #[error("{}", or(.0, "the app or frontend is not authorized"))]
    Unauthorized(&'static str),
    /// The session waits for pairing.
    #[error("the session waits for pairing")]
    PairingRequired,
    /// The operation does not fit the session's state.
    #[error("{0}")]
    UnexpectedRequest(&'static str),
    /// Protocol version negotiation failed.
    #[error("protocol version negotiation failed")]
    ProtocolVersion,
    /// A header or body that could not be parsed.
    #[error("{0}")]
    MalformedInput(String),
    /// The app's message failed the session (it is cancelled with this error in its
    /// result): unverifiable proofs, invalid commitments, failed issuance.
    #[error("{}", or(message, kind.description()))]
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
    #[error("the operating system's random generator failed")]
    Random,
    /// The session store failed: what it said, for the log (the caller only learns that
    /// the server failed). Text rather than the [`super::store::StoreError`], which
    /// cannot be cloned or compared.
    #[error("session store: {0}")]
    Store(String),
}

/// `text`, or `otherwise` when it is empty.
fn or<'a>(text: &'a str, otherwise: &'a str) -> &'a str {
    if text.is_empty() { otherwise } else { text }
}

impl SessionError {
    /// The reference's error for this one and the message for the caller: the one mapping
    /// of session errors to the wire. Internal failures get no message.
    pub fn wire(&self) -> (ErrorKind, Cow<'_, str>) {
        let (kind, message) = match self {
            Self::Unknown => (ErrorKind::SessionUnknown, ""),
            Self::InvalidRequest(m) => (ErrorKind::InvalidRequest, m.as_str()),
            Self::Forbidden(m) => (ErrorKind::Unauthorized, m.as_str()),
            Self::Unsupported(m) => (ErrorKind::Unsupported, *m),
            Self::Unauthorized(m) => (ErrorKind::IrmaUnauthorized, *m),
            Self::PairingRequired => (ErrorKind::PairingRequired, ""),
            Self::UnexpectedRequest(m) => (ErrorKind::UnexpectedRequest, *m),
            Self::ProtocolVersion => (ErrorKind::ProtocolVersion, ""),
            Self::MalformedInput(m) => (ErrorKind::MalformedInput, m.as_str()),
            Self::Failed { kind, message } => (*kind, message.as_str()),
            Self::Busy(busy) => return (ErrorKind::TooManyRequests, busy.to_string().into()),
            Self::Random | Self::Store(_) => (ErrorKind::Internal, ""),
        };
        (kind, message.into())
    }

    /// The reference's error kind.
    pub fn kind(&self) -> ErrorKind {
        self.wire().0
    }

    /// Whether the server itself failed (rather than the request): such errors are logged
    /// where they are handled.
    pub fn is_internal(&self) -> bool {
        self.kind() == ErrorKind::Internal
    }
}

impl From<getrandom::Error> for SessionError {
    fn from(_: getrandom::Error) -> Self {
        Self::Random
    }
}

impl From<super::store::StoreError> for SessionError {
    fn from(e: super::store::StoreError) -> Self {
        Self::Store(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::errors::RemoteError;

    fn wire_body(e: &SessionError) -> RemoteError {
        let (kind, message) = e.wire();
        kind.remote_error(message)
    }
    use crate::session::workers::Busy;

    #[test]
    fn the_wire_carries_no_internal_detail() {
        let store = SessionError::Store("redis: connection refused".to_owned());
        assert_eq!(wire_body(&store), ErrorKind::Internal.remote_error(""));
        assert!(store.is_internal());
        assert!(store.to_string().contains("connection refused"));
        assert!(SessionError::Random.is_internal());
        assert_eq!(SessionError::Random.wire().1, "");
    }

    #[test]
    fn the_wire_keeps_the_messages_meant_for_the_caller() {
        let e = SessionError::UnexpectedRequest("Session not yet started or already finished");
        let body = wire_body(&e);
        assert_eq!(
            (body.status, body.error.as_str()),
            (403, "UNEXPECTED_REQUEST")
        );
        assert_eq!(body.message, "Session not yet started or already finished");
        assert!(!e.is_internal());
        assert_eq!(
            wire_body(&SessionError::Busy(Busy)).message,
            Busy.to_string()
        );
        // Messageless kinds still say what happened in the log.
        assert_eq!(wire_body(&SessionError::Unknown).message, "");
        assert_eq!(
            SessionError::Unknown.to_string(),
            "unknown or expired session"
        );
    }
}
