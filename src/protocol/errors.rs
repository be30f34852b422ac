//! The reference's error catalogue and its JSON error body.
//!
//! Every non-2xx JSON answer of an IRMA server is a [`RemoteError`]
//! `{"status":400,"error":"SESSION_UNKNOWN","description":"…","message":"…"}`
//! (irmago `irma/messages.go` `RemoteError`). The names, HTTP statuses and descriptions
//! are those of irmago `irma/server/errors.go`; clients match on the names.

use serde::{Deserialize, Serialize};

/// An error kind of the reference's catalogue, server side (of the keyshare-only kinds, those
/// our keyshare server answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Requestor lacks permission, or a bad token, JWT or host.
    Unauthorized,
    /// Wrong or missing client/frontend `Authorization` header.
    IrmaUnauthorized,
    /// Client endpoints while the session waits for pairing.
    PairingRequired,
    /// Creating the credentials failed.
    IssuanceFailed,
    /// Issuance commitments or disclosure proofs did not verify.
    InvalidProofs,
    /// Issuance together with expired disclosed attributes.
    AttributesExpired,
    /// A request that does not fit the session's state.
    UnexpectedRequest,
    /// The metadata points at an issuer public key we do not have.
    UnknownPublicKey,
    /// Issuance for a keyshare scheme without a valid ProofP.
    KeyshareProofMissing,
    /// Unknown or expired session token.
    SessionUnknown,
    /// A body or header that could not be parsed.
    MalformedInput,
    /// An unexpected problem (the reference calls it `EXCEPTION`).
    Unknown,
    /// Starting the next session of a chain failed.
    NextSession,
    /// Revocation error.
    Revocation,
    /// No issuance records for the revocation key.
    UnknownRevocationKey,
    /// Not supported by this server.
    Unsupported,
    /// An invalid HTTP request (also unknown paths under `/irma`).
    InvalidRequest,
    /// Protocol version negotiation failed.
    ProtocolVersion,
    /// Internal error, e.g. the session store is unreachable.
    Internal,
    /// Server-sent events are disabled.
    SseDisabled,
    /// Keyshare: the username is unknown.
    UserNotRegistered,
    /// Keyshare: a response was asked for without a commitment first.
    MissingCommitment,
    /// Keyshare: a PIN response came without a challenge first.
    MissingChallenge,
}

impl ErrorKind {
    /// The error name on the wire.
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// The HTTP status code.
    pub fn status(self) -> u16 {
        self.entry().1
    }

    /// The fixed human description.
    pub fn description(self) -> &'static str {
        self.entry().2
    }

    fn entry(self) -> (&'static str, u16, &'static str) {
        use ErrorKind::*;
        match self {
            Unauthorized => (
                "UNAUTHORIZED",
                403,
                "You are not authorized to issue or verify this attribute",
            ),
            IrmaUnauthorized => (
                "UNAUTHORIZED",
                403,
                "You are not authorized to access the session",
            ),
            PairingRequired => ("PAIRING_REQUIRED", 403, "Pairing is required first"),
            IssuanceFailed => ("ISSUANCE_FAILED", 500, "Failed to create credential(s)"),
            InvalidProofs => (
                "INVALID_PROOFS",
                400,
                "Invalid secret key commitments and/or disclosure proofs",
            ),
            AttributesExpired => (
                "ATTRIBUTES_EXPIRED",
                400,
                "Disclosed attributes were expired",
            ),
            UnexpectedRequest => (
                "UNEXPECTED_REQUEST",
                403,
                "Unexpected request in this state",
            ),
            UnknownPublicKey => (
                "UNKNOWN_PUBLIC_KEY",
                403,
                "Attributes were not valid against a known public key",
            ),
            KeyshareProofMissing => (
                "KEYSHARE_PROOF_MISSING",
                403,
                "ProofP object from a keyshare server missing",
            ),
            SessionUnknown => ("SESSION_UNKNOWN", 400, "Unknown or expired session"),
            MalformedInput => ("MALFORMED_INPUT", 400, "Input could not be parsed"),
            Unknown => ("EXCEPTION", 500, "Encountered unexpected problem"),
            NextSession => ("NEXT_SESSION", 500, "Error starting next session"),
            Revocation => ("REVOCATION", 500, "Revocation error"),
            UnknownRevocationKey => (
                "UNKNOWN_REVOCATION_KEY",
                404,
                "No issuance records correspond to the given revocationKey",
            ),
            Unsupported => ("UNSUPPORTED", 501, "Unsupported by this server"),
            InvalidRequest => ("INVALID_REQUEST", 400, "Invalid HTTP request"),
            ProtocolVersion => (
                "PROTOCOL_VERSION",
                400,
                "Protocol version negotiation failed",
            ),
            Internal => ("INTERNAL_ERROR", 500, "Internal server error"),
            SseDisabled => ("SSE_DISABLED", 500, "Server sent events disabled"),
            UserNotRegistered => (
                "USER_NOT_REGISTERED",
                403,
                "User is not yet fully registered",
            ),
            MissingCommitment => (
                "MISSING_COMMITMENT",
                409,
                "Keyshare response was requested without corresponding commitment",
            ),
            MissingChallenge => (
                "MISSING_CHALLENGE",
                409,
                "Keyshare pin response was requested without corresponding challenge",
            ),
        }
    }

    /// The JSON body for this kind with an optional message.
    pub fn remote_error(self, message: impl Into<String>) -> RemoteError {
        RemoteError {
            status: self.status(),
            error: self.name().to_owned(),
            description: self.description().to_owned(),
            message: message.into(),
            stacktrace: String::new(),
        }
    }
}

/// The JSON error body of the reference (`irma.RemoteError`); empty fields are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RemoteError {
    /// HTTP status code.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub status: u16,
    /// Error name, e.g. `SESSION_UNKNOWN`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// Fixed description of the error name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Details of this occurrence.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Only sent by the reference at debug verbosity; we never send one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stacktrace: String,
}

fn is_zero(v: &u16) -> bool {
    *v == 0
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.error, self.description)?;
        if !self.message.is_empty() {
            write!(f, " ({})", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_the_reference_bytes() {
        let body = serde_json::to_string(&ErrorKind::SessionUnknown.remote_error("")).unwrap();
        assert_eq!(
            body,
            r#"{"status":400,"error":"SESSION_UNKNOWN","description":"Unknown or expired session"}"#
        );
        let e = ErrorKind::Unknown.remote_error("JWT signing not supported");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"status":500,"error":"EXCEPTION","description":"Encountered unexpected problem","message":"JWT signing not supported"}"#
        );
    }
}
