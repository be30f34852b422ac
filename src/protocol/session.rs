//! Session-level messages that are not requests or proofs: the session pointer and
//! package, frontend options and status, the app's session request wrapper and the
//! server's answer to proofs, and protocol versions with their negotiation.
//!
//! Shapes and field names follow irmago `irma/requests.go` and `irma/messages.go`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::messages::ProofStatus;
use super::status::ServerStatus;
use super::tokens::{FrontendAuthorization, RequestorToken};
use crate::crypto::idemix::IssueSignatureMessage;

/// `@context` of the app's session request wrapper.
pub const LD_CONTEXT_CLIENT_SESSION_REQUEST: &str = "https://irma.app/ld/request/client/v1";
/// `@context` of session options.
pub const LD_CONTEXT_SESSION_OPTIONS: &str = "https://irma.app/ld/options/v1";
/// `@context` of a frontend options request.
pub const LD_CONTEXT_FRONTEND_OPTIONS_REQUEST: &str =
    "https://irma.app/ld/request/frontendoptions/v1";

/// What a session does (the `irmaqr` of a session pointer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Disclose attributes.
    Disclosing,
    /// Attribute-based signature.
    Signing,
    /// Issue credentials.
    Issuing,
    /// A static session: POST to `u` to get the real session pointer.
    Redirect,
}

impl Action {
    /// The name on the wire, e.g. `disclosing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disclosing => "disclosing",
            Self::Signing => "signing",
            Self::Issuing => "issuing",
            Self::Redirect => "redirect",
        }
    }
}

/// What the app scans: where the session is and what it does (`irma.Qr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPointer {
    /// URL of the session on the app API.
    #[serde(rename = "u")]
    pub url: String,
    /// The session type.
    #[serde(rename = "irmaqr")]
    pub action: Action,
}

/// What the frontend needs to follow and pair a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendSessionRequest {
    /// Value of the `Authorization` header on `/frontend/*` endpoints.
    pub authorization: FrontendAuthorization,
    /// Pairing is recommended for this session.
    #[serde(rename = "pairingHint", default, skip_serializing_if = "is_false")]
    pub pairing_hint: bool,
    /// Lowest frontend protocol version the server speaks.
    #[serde(rename = "minProtocolVersion")]
    pub min_protocol_version: ProtocolVersion,
    /// Highest frontend protocol version the server speaks.
    #[serde(rename = "maxProtocolVersion")]
    pub max_protocol_version: ProtocolVersion,
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// The answer to `POST /session` (irmago `server.SessionPackage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPackage {
    /// What the app scans.
    #[serde(rename = "sessionPtr")]
    pub session_ptr: SessionPointer,
    /// The requestor's handle on the session.
    pub token: RequestorToken,
    /// What the frontend needs.
    #[serde(rename = "frontendRequest")]
    pub frontend_request: FrontendSessionRequest,
}

/// How the app and frontend pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PairingMethod {
    /// No pairing.
    #[default]
    None,
    /// The frontend shows a 4-digit code that the user confirms in the app.
    Pin,
}

/// Session options as the app and frontend see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOptions {
    /// Always [`LD_CONTEXT_SESSION_OPTIONS`].
    #[serde(rename = "@context", default, skip_serializing_if = "String::is_empty")]
    pub context: String,
    /// The pairing method.
    #[serde(rename = "pairingMethod")]
    pub pairing_method: PairingMethod,
    /// The pairing code, when pairing with a pin.
    #[serde(rename = "pairingCode", default, skip_serializing_if = "String::is_empty")]
    pub pairing_code: String,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            context: LD_CONTEXT_SESSION_OPTIONS.to_owned(),
            pairing_method: PairingMethod::None,
            pairing_code: String::new(),
        }
    }
}

/// `POST .../frontend/options` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendOptionsRequest {
    /// Must be [`LD_CONTEXT_FRONTEND_OPTIONS_REQUEST`].
    #[serde(rename = "@context", default)]
    pub context: String,
    /// The wanted pairing method; absent or empty only asks for the current options.
    #[serde(rename = "pairingMethod", default, deserialize_with = "empty_as_none")]
    pub pairing_method: Option<PairingMethod>,
}

fn empty_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PairingMethod>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    match s.as_deref() {
        None | Some("") => Ok(None),
        Some("none") => Ok(Some(PairingMethod::None)),
        Some("pin") => Ok(Some(PairingMethod::Pin)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "unknown pairing method {other:?}"
        ))),
    }
}

/// What the app gets from `GET /irma/session/{clientToken}` at protocol 2.8
/// (`irma.ClientSessionRequest`); the request is left out while pairing is pending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSessionRequest<R> {
    /// Always [`LD_CONTEXT_CLIENT_SESSION_REQUEST`].
    #[serde(rename = "@context")]
    pub context: String,
    /// The negotiated protocol version.
    #[serde(rename = "protocolVersion")]
    pub protocol_version: ProtocolVersion,
    /// Pairing options.
    pub options: SessionOptions,
    /// The session request, unless pairing must complete first.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub request: Option<R>,
}

fn none<R>() -> Option<R> {
    None
}

/// The server's answer to the app's proofs or commitments (irmago
/// `ServerSessionResponse`, protocol 2.7 and later): the verdict, and for issuance the
/// signatures, one per credential in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSessionResponse {
    /// The verdict on the disclosure (or signature) part.
    #[serde(rename = "proofStatus")]
    pub proof_status: ProofStatus,
    /// The issuer's signatures (issuance only).
    #[serde(rename = "sigs", default, skip_serializing_if = "Vec::is_empty")]
    pub issue_signatures: Vec<IssueSignatureMessage>,
    /// The next session of a chain, which the app starts right away.
    #[serde(rename = "nextSession", default, skip_serializing_if = "Option::is_none")]
    pub next_session: Option<SessionPointer>,
}

/// `GET .../frontend/status` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendSessionStatus {
    /// The session status.
    pub status: ServerStatus,
    /// Pointer to the next session of a chain.
    #[serde(rename = "nextSession", default, skip_serializing_if = "Option::is_none")]
    pub next_session: Option<SessionPointer>,
}

/// A protocol version `major.minor`, written as the string `"2.8"` on the wire;
/// the reference also reads it unquoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// A protocol version that is not of the form `x.y`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid protocol version number {0:?}: not of form x.y")]
pub struct ProtocolVersionError(pub String);

impl ProtocolVersion {
    /// A version from its parts.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Lowest app protocol version the server accepts (2.8: session binding).
    pub const MIN_APP: Self = Self::new(2, 8);
    /// Highest app protocol version the server speaks.
    pub const MAX_APP: Self = Self::new(2, 8);
    /// Lowest frontend protocol version.
    pub const MIN_FRONTEND: Self = Self::new(1, 0);
    /// Highest frontend protocol version (1.1: `/frontend/status(events)`).
    pub const MAX_FRONTEND: Self = Self::new(1, 1);
}

impl FromStr for ProtocolVersion {
    type Err = ProtocolVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ProtocolVersionError(s.to_owned());
        // Header values may be JSON strings ("\"2.8\"") or bare (2.8).
        let t = s.trim();
        let t = t
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(t);
        let (major, minor) = t.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for ProtocolVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProtocolVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(f64),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(s) => s,
            Raw::Number(n) => n.to_string(),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Chooses the app protocol version as the reference: fail when the app's minimum is
/// above our maximum, its maximum below our minimum, or its range is empty; otherwise
/// the lower of its maximum and ours.
pub fn negotiate_app_version(
    client_min: ProtocolVersion,
    client_max: ProtocolVersion,
) -> Option<ProtocolVersion> {
    if client_min > ProtocolVersion::MAX_APP
        || client_max < ProtocolVersion::MIN_APP
        || client_max < client_min
    {
        return None;
    }
    Some(client_max.min(ProtocolVersion::MAX_APP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_package_bytes_match_the_reference() {
        let raw = r#"{"sessionPtr":{"u":"http://127.0.0.1:48091/irma/session/MgTFU4UWws4f9ahTKyXy","irmaqr":"disclosing"},"token":"WX9vmM71hKSxR14wL9Gi","frontendRequest":{"authorization":"umIu5QN3TWxkArJyqn9K","minProtocolVersion":"1.0","maxProtocolVersion":"1.1"}}"#;
        let p: SessionPackage = serde_json::from_str(raw).unwrap();
        assert!(!p.frontend_request.pairing_hint);
        assert_eq!(serde_json::to_string(&p).unwrap(), raw);
    }

    #[test]
    fn client_session_request_bytes_match_the_reference() {
        let raw = r#"{"@context":"https://irma.app/ld/request/client/v1","protocolVersion":"2.8","options":{"@context":"https://irma.app/ld/options/v1","pairingMethod":"none"},"request":{"x":1}}"#;
        let r: ClientSessionRequest<serde_json::Value> = serde_json::from_str(raw).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), raw);
        let pending = ClientSessionRequest::<serde_json::Value> { request: None, ..r };
        assert!(
            !serde_json::to_string(&pending)
                .unwrap()
                .contains("request\":")
        );
    }

    #[test]
    fn versions_parse_like_the_reference() {
        assert_eq!(
            "2.8".parse::<ProtocolVersion>().unwrap(),
            ProtocolVersion::new(2, 8)
        );
        assert_eq!(
            "\"2.9\"".parse::<ProtocolVersion>().unwrap(),
            ProtocolVersion::new(2, 9)
        );
        assert!("2".parse::<ProtocolVersion>().is_err());
        assert!("2.x".parse::<ProtocolVersion>().is_err());
        assert!("".parse::<ProtocolVersion>().is_err());
        assert!(ProtocolVersion::new(2, 10) > ProtocolVersion::new(2, 9));
    }

    #[test]
    fn negotiation_as_recorded() {
        let v = |s: &str| s.parse::<ProtocolVersion>().unwrap();
        // The Yivi app: 2.4 – 2.9 → 2.8.
        assert_eq!(negotiate_app_version(v("2.4"), v("2.9")), Some(v("2.8")));
        // Recorded refusals: 1.0 – 2.3 and 2.4 – 2.7.
        assert_eq!(negotiate_app_version(v("1.0"), v("2.3")), None);
        assert_eq!(negotiate_app_version(v("2.4"), v("2.7")), None);
        assert_eq!(negotiate_app_version(v("2.9"), v("3.0")), None);
        assert_eq!(negotiate_app_version(v("2.8"), v("2.7")), None);
    }

    #[test]
    fn frontend_options_request() {
        let r: FrontendOptionsRequest = serde_json::from_str(
            r#"{"@context":"https://irma.app/ld/request/frontendoptions/v1","pairingMethod":"pin"}"#,
        )
        .unwrap();
        assert_eq!(r.pairing_method, Some(PairingMethod::Pin));
        let r: FrontendOptionsRequest = serde_json::from_str(r#"{"pairingMethod":""}"#).unwrap();
        assert_eq!(r.pairing_method, None);
        assert!(
            serde_json::from_str::<FrontendOptionsRequest>(r#"{"pairingMethod":"qr"}"#).is_err()
        );
    }
}
