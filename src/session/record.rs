//! What the store keeps per session: small and serialisable (a Redis store stores it as
//! JSON). The replay cache of the app API is kept outside it.

use serde::{Deserialize, Serialize};

use crate::protocol::errors::RemoteError;
use crate::protocol::messages::{DisclosedAttribute, ProofStatus};
use crate::protocol::request::{AttributeConDisCon, RequestorRequest};
use crate::protocol::session::{
    Action, PairingMethod, ProtocolVersion, SessionOptions, SessionPointer,
};
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

/// What the app's message came to: the verdict on its proofs, or the error that cancelled
/// the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Ending {
    /// The proofs were judged (DONE).
    Judged {
        proof_status: ProofStatus,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        disclosed: Vec<Vec<DisclosedAttribute>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<serde_json::Value>,
    },
    /// The session failed (CANCELLED with this error in its result).
    Failed(RemoteError),
}

/// A status change the state machine does not allow ([`ServerStatus::can_become`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} session cannot become {to}")]
pub struct Transition {
    /// The session's status.
    pub from: ServerStatus,
    /// The status asked for.
    pub to: ServerStatus,
}

/// One session as stored. The fields are private: the status changes only through the
/// transition methods, each checked against the one table [`ServerStatus::can_become`];
/// the requestor's [`SessionResult`] is derived when it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The requestor's capability.
    requestor_token: RequestorToken,
    /// The app's capability (in the QR).
    client_token: ClientToken,
    /// The frontend's `Authorization` value.
    frontend_auth: FrontendAuthorization,
    /// The `Authorization` value the app chose on its first GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_auth: Option<String>,
    /// The requestor that started it; `None` without authentication and for static
    /// sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requestor: Option<String>,
    /// Current status.
    status: ServerStatus,
    /// The request as completed by the server (nonce, context, devMode, …).
    request: RequestorRequest,
    /// The negotiated app protocol version, after the first GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    protocol_version: Option<ProtocolVersion>,
    /// The frontend options (pairing).
    options: SessionOptions,
    /// What the app's message came to, once it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ending: Option<Ending>,
    /// Unix milliseconds of the last change; lifetimes count from here.
    last_active_ms: u64,
    /// In a chain: what the earlier sessions disclosed, which the app discloses again here
    /// (irmago `implicitDisclosure`); appended to the request when the proofs are checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    implicit_disclosure: AttributeConDisCon,
    /// The next session of a chain, once started: its requestor token (for the result)
    /// and pointer (for the app and the frontend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<(RequestorToken, SessionPointer)>,
    /// Started with a legacy (pre-condiscon) request: the requestor gets the result in the
    /// legacy form ([`RequestorResult`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy: bool,
}

/// A new session's tokens and origin, for [`Session::new`].
#[derive(Debug)]
pub struct NewSession {
    /// The requestor's capability.
    pub requestor_token: RequestorToken,
    /// The app's capability.
    pub client_token: ClientToken,
    /// The frontend's `Authorization` value.
    pub frontend_auth: FrontendAuthorization,
    /// The requestor that starts it, if authenticated.
    pub requestor: Option<String>,
    /// The completed request.
    pub request: RequestorRequest,
    /// In a chain, what the earlier sessions disclosed.
    pub implicit_disclosure: AttributeConDisCon,
}

impl Session {
    /// A session that waits for the app (INITIALIZED) from `now` (unix ms).
    pub fn new(new: NewSession, now_ms: u64) -> Self {
        Self {
            requestor_token: new.requestor_token,
            client_token: new.client_token,
            frontend_auth: new.frontend_auth,
            client_auth: None,
            requestor: new.requestor,
            status: ServerStatus::Initialized,
            legacy: new.request.legacy,
            request: new.request,
            protocol_version: None,
            options: SessionOptions::default(),
            ending: None,
            last_active_ms: now_ms,
            implicit_disclosure: new.implicit_disclosure,
            next: None,
        }
    }

    /// The requestor token.
    pub fn requestor_token(&self) -> &RequestorToken {
        &self.requestor_token
    }

    /// The app's token.
    pub fn client_token(&self) -> &ClientToken {
        &self.client_token
    }

    /// The frontend's `Authorization` value.
    pub fn frontend_auth(&self) -> &FrontendAuthorization {
        &self.frontend_auth
    }

    /// The `Authorization` value the app bound on its first GET.
    pub fn client_auth(&self) -> Option<&str> {
        self.client_auth.as_deref()
    }

    /// The requestor that started the session, if authenticated.
    pub fn requestor(&self) -> Option<&str> {
        self.requestor.as_deref()
    }

    /// The current status.
    pub fn status(&self) -> ServerStatus {
        self.status
    }

    /// The request as completed by the server.
    pub fn request(&self) -> &RequestorRequest {
        &self.request
    }

    /// The session type.
    pub fn action(&self) -> Action {
        self.request.request.action()
    }

    /// The frontend options.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// What earlier sessions of a chain disclosed.
    pub fn implicit_disclosure(&self) -> &AttributeConDisCon {
        &self.implicit_disclosure
    }

    /// The pointer of the next session of a chain, once started.
    pub fn next_pointer(&self) -> Option<&SessionPointer> {
        self.next.as_ref().map(|(_, pointer)| pointer)
    }

    /// Unix milliseconds of the last change.
    pub fn last_active_ms(&self) -> u64 {
        self.last_active_ms
    }

    /// The result as the requestor gets it: in the legacy form for a legacy request.
    pub fn requestor_result(&self) -> RequestorResult {
        RequestorResult {
            result: self.result(),
            legacy: self.legacy,
        }
    }

    /// The requestor's view of the session (irmago `server.SessionResult`).
    pub fn result(&self) -> SessionResult {
        let mut result = SessionResult {
            token: self.requestor_token.clone(),
            status: self.status,
            session_type: self.action(),
            proof_status: None,
            disclosed: Vec::new(),
            signature: None,
            error: None,
            next_session: self.next.as_ref().map(|(token, _)| token.clone()),
        };
        match &self.ending {
            None => {}
            Some(Ending::Judged {
                proof_status,
                disclosed,
                signature,
            }) => {
                result.proof_status = Some(*proof_status);
                result.disclosed.clone_from(disclosed);
                result.signature.clone_from(signature);
            }
            Some(Ending::Failed(error)) => result.error = Some(error.clone()),
        }
        result
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

    /// Moves to `to` at `now` (unix ms), if the state machine allows it.
    fn become_(&mut self, to: ServerStatus, now_ms: u64) -> Result<(), Transition> {
        if !self.status.can_become(to) {
            return Err(Transition {
                from: self.status,
                to,
            });
        }
        self.status = to;
        self.last_active_ms = now_ms;
        Ok(())
    }

    /// The app's first GET: binds its `Authorization` and protocol version, then PAIRING
    /// when the frontend asked for pairing, else CONNECTED.
    pub fn connect(
        &mut self,
        version: ProtocolVersion,
        authorization: &str,
        now_ms: u64,
    ) -> Result<ServerStatus, Transition> {
        let to = if self.options.pairing_method == PairingMethod::None {
            ServerStatus::Connected
        } else {
            ServerStatus::Pairing
        };
        self.become_(to, now_ms)?;
        self.client_auth = Some(authorization.to_owned());
        self.protocol_version = Some(version);
        self.request.request.base_mut().protocol_version = Some(version);
        Ok(to)
    }

    /// The frontend confirmed the pairing: PAIRING → CONNECTED.
    pub fn complete_pairing(&mut self, now_ms: u64) -> Result<(), Transition> {
        if self.status != ServerStatus::Pairing {
            return Err(Transition {
                from: self.status,
                to: ServerStatus::Connected,
            });
        }
        self.become_(ServerStatus::Connected, now_ms)
    }

    /// The frontend options, to change while the session waits for the app.
    pub fn options_mut(&mut self) -> Result<&mut SessionOptions, Transition> {
        if self.status != ServerStatus::Initialized {
            return Err(Transition {
                from: self.status,
                to: ServerStatus::Initialized,
            });
        }
        Ok(&mut self.options)
    }

    /// The app's proofs were judged: CONNECTED → DONE with the verdict, and the next
    /// session of a chain, if one was started.
    pub fn conclude(
        &mut self,
        proof_status: ProofStatus,
        disclosed: Vec<Vec<DisclosedAttribute>>,
        signature: Option<serde_json::Value>,
        next: Option<(RequestorToken, SessionPointer)>,
        now_ms: u64,
    ) -> Result<(), Transition> {
        self.become_(ServerStatus::Done, now_ms)?;
        self.ending = Some(Ending::Judged {
            proof_status,
            disclosed,
            signature,
        });
        self.next = next;
        Ok(())
    }

    /// Cancels the session with only `error` in its result (the reference's
    /// `session.fail`).
    pub fn fail(&mut self, error: RemoteError, now_ms: u64) -> Result<(), Transition> {
        self.become_(ServerStatus::Cancelled, now_ms)?;
        self.ending = Some(Ending::Failed(error));
        Ok(())
    }

    /// Cancels the session (requestor, app or frontend).
    pub fn cancel(&mut self, now_ms: u64) -> Result<(), Transition> {
        self.become_(ServerStatus::Cancelled, now_ms)
    }

    /// Ends an unfinished session whose lifetime passed.
    pub fn time_out(&mut self, now_ms: u64) -> Result<(), Transition> {
        self.become_(ServerStatus::Timeout, now_ms)
    }

    /// The request, to change before the app sees it (tests that replay recorded messages
    /// give it the recorded nonce).
    #[cfg(test)]
    pub(super) fn request_mut(&mut self) -> &mut RequestorRequest {
        &mut self.request
    }
}
