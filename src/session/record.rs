//! What the store keeps per session: small and serialisable (a Redis store stores it as
//! JSON). The replay cache of the app API is kept outside it.

use serde::{Deserialize, Serialize};

use crate::protocol::errors::RemoteError;
use crate::protocol::messages::{DisclosedAttribute, ProofStatus};
use crate::protocol::request::{AttributeConDisCon, RequestorRequest};
use crate::protocol::session::{Action, ProtocolVersion, SessionOptions, SessionPointer};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{ClientToken, FrontendAuthorization, RequestorToken};

/// The requestor's view of a session (`GET /session/{token}/result`, irmago
/// `server.SessionResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResult {
    /// The requestor token.
    pub token: RequestorToken,
    /// The status.
    pub status: ServerStatus,
    /// The session type.
    #[serde(rename = "type")]
    pub session_type: Action,
    /// The verdict on the proofs, once received.
    #[serde(
        rename = "proofStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub proof_status: Option<ProofStatus>,
    /// The disclosed attributes per disjunction of the request; empty for one the proofs
    /// did not satisfy (see [`disclosed_lists`]).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_lists_as_empty"
    )]
    pub disclosed: Vec<Vec<DisclosedAttribute>>,
    /// The attribute-based signature (signing sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<serde_json::Value>,
    /// Why the session failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RemoteError>,
    /// The requestor token of the chained next session.
    #[serde(
        rename = "nextSession",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_session: Option<RequestorToken>,
}

/// A session result as its requestor gets it (`GET …/result`, the result JWT): in the legacy
/// form for a session started with a legacy request, else as is.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestorResult {
    /// The result.
    pub result: SessionResult,
    /// Whether the session was started with a legacy (pre-condiscon) request.
    pub legacy: bool,
}

impl Serialize for RequestorResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.legacy {
            LegacySessionResult::from(&self.result).serialize(s)
        } else {
            self.result.serialize(s)
        }
    }
}

/// The legacy (pre-condiscon) form of a result (irmago `server.LegacySessionResult`): one
/// disclosed attribute per disjunction, no `nextSession`. The reference takes the first
/// attribute of every disjunction and fails on an empty one; here an empty disjunction
/// contributes nothing.
#[derive(Debug, Serialize)]
struct LegacySessionResult<'a> {
    token: &'a RequestorToken,
    status: ServerStatus,
    #[serde(rename = "type")]
    session_type: Action,
    #[serde(rename = "proofStatus", skip_serializing_if = "Option::is_none")]
    proof_status: Option<ProofStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    disclosed: Vec<&'a DisclosedAttribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RemoteError>,
}

impl<'a> From<&'a SessionResult> for LegacySessionResult<'a> {
    fn from(r: &'a SessionResult) -> Self {
        Self {
            token: &r.token,
            status: r.status,
            session_type: r.session_type,
            proof_status: r.proof_status,
            disclosed: r.disclosed.iter().filter_map(|d| d.first()).collect(),
            signature: r.signature.as_ref(),
            error: r.error.as_ref(),
        }
    }
}

/// The disclosed attributes of a verdict as a result lists them. The reference sends
/// `null` for a disjunction the proofs did not satisfy; we send an empty list, which every
/// client that reads the reference's `null` reads the same way (Go: a nil slice; JS: no
/// attributes) and which the crates.io `irma` crate can parse, where `null` makes it fail
/// (the published clients' README).
pub fn disclosed_lists(
    verdict: Vec<Option<Vec<DisclosedAttribute>>>,
) -> Vec<Vec<DisclosedAttribute>> {
    verdict.into_iter().map(Option::unwrap_or_default).collect()
}

/// Reads a reference result, where `disclosed` and its inner lists may be `null`.
fn null_lists_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<Vec<DisclosedAttribute>>, D::Error> {
    let lists = Option::<Vec<Option<Vec<DisclosedAttribute>>>>::deserialize(d)?;
    Ok(disclosed_lists(lists.unwrap_or_default()))
}

/// One session as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The requestor's capability.
    pub requestor_token: RequestorToken,
    /// The app's capability (in the QR).
    pub client_token: ClientToken,
    /// The frontend's `Authorization` value.
    pub frontend_auth: FrontendAuthorization,
    /// The `Authorization` value the app chose on its first GET.
    pub client_auth: Option<String>,
    /// The requestor name that started it (`""` without authentication).
    pub requestor: String,
    /// Current status.
    pub status: ServerStatus,
    /// The request as completed by the server (nonce, context, devMode, …).
    pub request: RequestorRequest,
    /// The session type.
    pub action: Action,
    /// The negotiated app protocol version, after the first GET.
    pub protocol_version: Option<ProtocolVersion>,
    /// The frontend options (pairing).
    pub options: SessionOptions,
    /// The result so far.
    pub result: SessionResult,
    /// Unix milliseconds of the last change; lifetimes count from here.
    pub last_active_ms: u64,
    /// In a chain: what the earlier sessions disclosed, which the app discloses again here
    /// (irmago `implicitDisclosure`); appended to the request when the proofs are checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implicit_disclosure: AttributeConDisCon,
    /// The pointer of the next session of a chain, once started (for the frontend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<SessionPointer>,
    /// Started with a legacy (pre-condiscon) request: the requestor gets the result in the
    /// legacy form ([`RequestorResult`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy: bool,
}

impl Session {
    /// The result as the requestor gets it.
    pub fn requestor_result(&self) -> RequestorResult {
        RequestorResult {
            result: self.result.clone(),
            legacy: self.legacy,
        }
    }
}

impl Session {
    /// Sets the status (and the result's), unless the session already finished.
    /// Returns whether it changed.
    pub fn set_status(&mut self, status: ServerStatus, now_ms: u64) -> bool {
        if self.status.is_finished() || self.status == status {
            return false;
        }
        self.status = status;
        self.result.status = status;
        self.last_active_ms = now_ms;
        true
    }

    /// How long (ms) after `last_active_ms` the session expires: the request's `timeout`
    /// while waiting for the app, the result lifetime once finished, else the maximum
    /// session lifetime.
    pub fn lifetime_ms(&self, max_session_lifetime_ms: u64, result_lifetime_ms: u64) -> u64 {
        if self.status.is_finished() {
            result_lifetime_ms
        } else if self.status == ServerStatus::Initialized && self.request.timeout > 0 {
            self.request.timeout.saturating_mul(1000)
        } else {
            max_session_lifetime_ms
        }
    }
}
