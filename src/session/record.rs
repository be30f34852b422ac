//! What the store keeps per session: small and serialisable (a Redis store stores it as
//! JSON). The replay cache of the app API is kept outside it.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::protocol::errors::RemoteError;
use crate::protocol::messages::{DisclosedAttribute, ProofStatus};
use crate::protocol::request::{AttributeConDisCon, RequestorRequest};
use crate::protocol::session::{
    Action, PairingMethod, ProtocolVersion, SessionOptions, SessionPointer,
};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{AppToken, FrontendAuthorization, RequestorToken};

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
    #[serde(rename = "proofStatus", default, skip_serializing_if = "Option::is_none")]
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
    #[serde(rename = "nextSession", default, skip_serializing_if = "Option::is_none")]
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

/// Who handles the app's message now: the first `POST /proofs` or `/commitments` claims a
/// CONNECTED session ([`Session::claim`]) until its outcome is written, the claim is
/// released, or `until_ms` passes (so a claim whose handler never finished, on an instance
/// that crashed, does not hold the session for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Claim {
    /// The claimant's random id (unique across instances sharing a store).
    id: ClaimId,
    /// Unix milliseconds after which the claim no longer holds.
    until_ms: u64,
}

/// The id of one claim on a session ([`Session::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClaimId(u64);

impl ClaimId {
    /// A random id.
    pub fn random() -> Result<Self, getrandom::Error> {
        getrandom::u64().map(Self)
    }
}

/// Why the app's message cannot claim the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// The session does not wait for the app's message.
    #[error("a {0} session takes no message")]
    NotConnected(ServerStatus),
    /// Another message of the app is being handled.
    #[error("another message is being handled")]
    Held,
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
    #[serde(rename = "client_token")]
    app_token: AppToken,
    /// The frontend's `Authorization` value.
    frontend_auth: FrontendAuthorization,
    /// The `Authorization` value the app chose on its first GET.
    #[serde(rename = "client_auth", default, skip_serializing_if = "Option::is_none")]
    app_auth: Option<String>,
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
    /// The frontend options (pairing); `None` for the default (no pairing), which most
    /// sessions keep, so that they hold no copy of it. Stored as the options either way.
    #[serde(serialize_with = "options_as_stored", deserialize_with = "stored_options")]
    options: Option<Box<SessionOptions>>,
    /// What the app's message came to, once it came (boxed: a pending session has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ending: Option<Box<Ending>>,
    /// Unix milliseconds of the last change; lifetimes count from here.
    last_active_ms: u64,
    /// Unix milliseconds of the start (0 in records written before it was kept), for the
    /// session duration in the metrics.
    #[serde(default)]
    started_ms: u64,
    /// In a chain: what the earlier sessions disclosed, which the app discloses again here
    /// (irmago `implicitDisclosure`); appended to the request when the proofs are checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    implicit_disclosure: AttributeConDisCon,
    /// The next session of a chain, once started: its requestor token (for the result)
    /// and pointer (for the app and the frontend). Boxed: most sessions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<Box<(RequestorToken, SessionPointer)>>,
    /// The app's message being handled, if any (CONNECTED only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim: Option<Claim>,
    /// Started with a legacy (pre-condiscon) request: the requestor gets the result in the
    /// legacy form ([`RequestorResult`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy: bool,
}

/// The default frontend options, which a session without its own refers to.
static DEFAULT_OPTIONS: LazyLock<SessionOptions> = LazyLock::new(SessionOptions::default);

fn options_as_stored<S: serde::Serializer>(
    options: &Option<Box<SessionOptions>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    options.as_deref().unwrap_or(&DEFAULT_OPTIONS).serialize(s)
}

fn stored_options<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<SessionOptions>>, D::Error> {
    let options = SessionOptions::deserialize(d)?;
    Ok((options != *DEFAULT_OPTIONS).then(|| Box::new(options)))
}

/// A new session's tokens and origin, for [`Session::new`].
#[derive(Debug)]
pub struct NewSession {
    /// The requestor's capability.
    pub requestor_token: RequestorToken,
    /// The app's capability.
    pub app_token: AppToken,
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
            app_token: new.app_token,
            frontend_auth: new.frontend_auth,
            app_auth: None,
            requestor: new.requestor,
            status: ServerStatus::Initialized,
            legacy: new.request.legacy,
            request: new.request,
            protocol_version: None,
            options: None,
            ending: None,
            last_active_ms: now_ms,
            started_ms: now_ms,
            implicit_disclosure: new.implicit_disclosure,
            next: None,
            claim: None,
        }
    }

    /// The requestor token.
    pub fn requestor_token(&self) -> &RequestorToken {
        &self.requestor_token
    }

    /// The app's token.
    pub fn app_token(&self) -> &AppToken {
        &self.app_token
    }

    /// The frontend's `Authorization` value.
    pub fn frontend_auth(&self) -> &FrontendAuthorization {
        &self.frontend_auth
    }

    /// The `Authorization` value the app bound on its first GET.
    pub fn app_auth(&self) -> Option<&str> {
        self.app_auth.as_deref()
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
        self.options.as_deref().unwrap_or(&DEFAULT_OPTIONS)
    }

    /// What earlier sessions of a chain disclosed.
    pub fn implicit_disclosure(&self) -> &AttributeConDisCon {
        &self.implicit_disclosure
    }

    /// The pointer of the next session of a chain, once started.
    pub fn next_pointer(&self) -> Option<&SessionPointer> {
        self.next.as_deref().map(|(_, pointer)| pointer)
    }

    /// Unix milliseconds of the last change.
    pub fn last_active_ms(&self) -> u64 {
        self.last_active_ms
    }

    /// Unix milliseconds of the start; 0 when the record does not say.
    pub fn started_ms(&self) -> u64 {
        self.started_ms
    }

    /// The verdict on the app's proofs, once judged.
    pub fn proof_status(&self) -> Option<ProofStatus> {
        match self.ending.as_deref() {
            Some(Ending::Judged { proof_status, .. }) => Some(*proof_status),
            _ => None,
        }
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
            next_session: self.next.as_deref().map(|(token, _)| token.clone()),
        };
        match self.ending.as_deref() {
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
        // A claim is on the app's message of a CONNECTED session only.
        self.claim = None;
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
        let to = if self.options().pairing_method == PairingMethod::None {
            ServerStatus::Connected
        } else {
            ServerStatus::Pairing
        };
        self.become_(to, now_ms)?;
        self.app_auth = Some(authorization.to_owned());
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
        Ok(self.options.get_or_insert_with(Default::default))
    }

    /// The app's message arrived at `now` (unix ms): a CONNECTED session that no other
    /// message holds is claimed by `id` until `until_ms`, and counts as active (the
    /// reference's `markAlive`). The status does not change.
    pub fn claim(&mut self, id: ClaimId, now_ms: u64, until_ms: u64) -> Result<(), ClaimError> {
        if self.status != ServerStatus::Connected {
            return Err(ClaimError::NotConnected(self.status));
        }
        if self
            .claim
            .is_some_and(|c| c.id != id && now_ms <= c.until_ms)
        {
            return Err(ClaimError::Held);
        }
        self.claim = Some(Claim { id, until_ms });
        self.last_active_ms = now_ms;
        Ok(())
    }

    /// Whether the claim `id` still holds the session: it is CONNECTED and no later
    /// message took over (after `id`'s deadline). A claim past its deadline still holds
    /// until another one replaces it.
    pub fn claimed_by(&self, id: ClaimId) -> bool {
        self.status == ServerStatus::Connected && self.claim.is_some_and(|c| c.id == id)
    }

    /// Gives up the claim `id` (its message left the session alone), if it still holds.
    pub fn release(&mut self, id: ClaimId) {
        if self.claim.is_some_and(|c| c.id == id) {
            self.claim = None;
        }
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
        self.ending = Some(Box::new(Ending::Judged {
            proof_status,
            disclosed,
            signature,
        }));
        self.next = next.map(Box::new);
        Ok(())
    }

    /// Cancels the session with only `error` in its result (the reference's
    /// `session.fail`).
    pub fn fail(&mut self, error: RemoteError, now_ms: u64) -> Result<(), Transition> {
        self.become_(ServerStatus::Cancelled, now_ms)?;
        self.ending = Some(Box::new(Ending::Failed(error)));
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

    /// Attaches the latest revocation updates to the request's nonrevocation parameters,
    /// before the app connects (the app gets them with the request; the proofs are judged
    /// against them).
    pub fn attach_revocation(
        &mut self,
        params: crate::protocol::request::NonRevocationParameters,
    ) -> Result<(), Transition> {
        if self.status != ServerStatus::Initialized {
            return Err(Transition {
                from: self.status,
                to: ServerStatus::Connected,
            });
        }
        self.request.request.base_mut().revocation = params;
        Ok(())
    }

    /// The request, to change before the app sees it (tests that replay recorded messages
    /// give it the recorded nonce).
    #[cfg(test)]
    pub(super) fn request_mut(&mut self) -> &mut RequestorRequest {
        &mut self.request
    }
}
