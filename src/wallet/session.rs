//! The app side of a session (irmago `irmaclient/session.go`, protocol 2.8).
//!
//! 1. A `redirect` pointer is resolved by `POST {u}` (`{}`) into the real pointer.
//! 2. `GET {u}/` with `X-IRMA-MinProtocolVersion`/`X-IRMA-MaxProtocolVersion` 2.8 and an
//!    `Authorization` value the app picks ([`ClientAuthorization`]), sent on every request:
//!    the server binds the session to it.
//! 3. Pairing: when the options say `pin`, the app shows the code, waits (polling
//!    `{u}/status`) until the frontend completes pairing (`CONNECTED`), then
//!    `GET {u}/request`.
//! 4. The wallet picks credentials ([`super::candidates`]) and answers: `POST {u}/proofs`
//!    with `{proofs, indices}` (disclosure) or the `SignedMessage` (signature, with an atum
//!    timestamp when asked and reachable), or `POST {u}/commitments` with the
//!    `IssueCommitmentMessage` plus `indices` (issuance; the answer's `sigs` become new
//!    credentials once their proofs and signatures verify).
//! 5. A `nextSession` in the answer starts the next session of a chain, which discloses
//!    the attributes of the previous ones again (irmago `implicitDisclosure`).
//!
//! When proofs involve a keyshare scheme, the wallet first checks the PIN at that scheme's
//! keyshare server, multiplies the server's commitments into its own, and computes the
//! challenge over both (irmaclient `keyshare.go`): a disclosure or signature then adds the
//! server's response to its secret-key responses; an issuance builds its commitment `U`
//! with the server's `P` (`getPs`), sends `U` without it (protocol 2.8) together with the
//! server's signed response (`proofPJwts`), which the issuer merges in, and checks that the
//! signature it gets covers `P` too. [`enroll`] enrolls at a keyshare server.
//!
//! Refusing (`--deny`) and every failure after the first message `DELETE {u}`, as the app
//! does, so the server marks the session `CANCELLED`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use num_bigint::BigUint;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::candidates::{Chosen, DisclosurePlan, choose};
use super::credential::{CredentialSummary, Wallet, WalletCredential};
use super::keyshare::{KeyshareClient, Pin, register};
use super::storage::StoredCredential;
use super::{Error, timestamp};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{
    CommittedProofs, CredentialBuilder, IssueCommitmentMessage, Proof, ProofD, ProofList, ProofP,
    ProofRequest, math, signature_nonce,
};
use crate::protocol::app::{Disclosure, IssueCommitments};
use crate::protocol::errors::RemoteError;
use crate::protocol::identifiers::{PublicKeyId, SchemeId};
use crate::protocol::keyshare::KeyId;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::{DisclosureRequest, NonRevocationParameters, SessionRequest};
use crate::protocol::session::{
    Action, ClientSessionRequest, PairingMethod, ProtocolVersion, ServerSessionResponse,
    SessionPackage, SessionPointer,
};
use crate::protocol::signature::{SIGNED_MESSAGE_CONTEXT, SignedMessage};
use crate::protocol::status::ServerStatus;
use crate::protocol::timestamp::{Timestamp, TimestampProof, timestamp_nonce};
use crate::protocol::tokens::ClientAuthorization;
use crate::scheme::Configuration;
use crate::verifier::{Verifier, credential_type_info};

/// The protocol version the wallet speaks (minimum and maximum).
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::new(2, 8);
/// Longest chain of sessions followed.
const MAX_CHAIN: usize = 16;
/// Largest server answer read.
const MAX_BODY: usize = 16 << 20;
/// Bits of the nonce the issuer's ProofS must use (gabi `GenerateNonce`: `Lstatzk`).
const ISSUER_NONCE_BITS: u32 = 80;
/// How often the pairing status is polled.
const PAIRING_POLL: Duration = Duration::from_millis(200);
/// The longest wait between polls after the server failed (the wait doubles from
/// [`PAIRING_POLL`] on each failure in a row).
const PAIRING_MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How to play a session.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Per disjunction of the first session's request, the option to take (instead of the
    /// first satisfiable one).
    pub choose: Option<Vec<usize>>,
    /// Refuse the session (the server marks it `CANCELLED`).
    pub deny: bool,
    /// The pairing code the user expects; a different code from the server fails the
    /// session.
    pub pairing_code: Option<String>,
    /// Whether a signature gets an atum timestamp (when the timestamp server answers).
    pub timestamp: bool,
    /// How long to wait for the frontend to complete pairing.
    pub pairing_timeout: Duration,
    /// Called with the pairing code before waiting for the frontend.
    pub on_pairing: Option<fn(&str)>,
    /// The keyshare PIN, for sessions that involve a keyshare scheme.
    pub pin: Option<Pin>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            choose: None,
            deny: false,
            pairing_code: None,
            timestamp: true,
            pairing_timeout: Duration::from_secs(300),
            on_pairing: None,
            pin: None,
        }
    }
}

/// How the sessions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// Every session of the chain succeeded.
    Success,
    /// The wallet refused (`--deny`).
    Cancelled,
    /// A session failed; see [`Report::error`].
    Error,
}

/// What `irma wallet session` prints: the outcome and one entry per session of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// How it ended.
    pub outcome: RunOutcome,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The IRMA error the server sent, when that is why it failed.
    #[serde(rename = "remoteError", skip_serializing_if = "Option::is_none")]
    pub remote_error: Option<RemoteError>,
    /// The enrollment made ([`enroll`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolled: Option<EnrolledReport>,
    /// The sessions, in order.
    pub sessions: Vec<SessionReport>,
}

/// An enrollment at a keyshare server.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolledReport {
    /// The scheme.
    pub scheme: SchemeId,
    /// The username the keyshare server gave.
    pub username: String,
}

impl Report {
    fn new() -> Self {
        Self {
            outcome: RunOutcome::Success,
            error: None,
            remote_error: None,
            enrolled: None,
            sessions: Vec::new(),
        }
    }

    fn fail(&mut self, e: &Error) {
        self.outcome = RunOutcome::Error;
        if let Error::Remote(remote) = e {
            self.remote_error = Some(remote.clone());
        }
        self.error = Some(e.to_string());
    }

    fn failed(e: &Error) -> Self {
        let mut report = Self::new();
        report.fail(e);
        report
    }
}

fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| Error::Transport(e.to_string()))
}

/// Enrolls at the keyshare server of `scheme` with the PIN of `options` (irmaclient
/// `KeyshareEnroll`): registers a new key and the hashed PIN, then performs the issuance of
/// the keyshare attribute the server answers with (which already takes the keyshare server
/// in). The enrollment is stored only when that issuance succeeded.
pub async fn enroll(
    wallet: &mut Wallet,
    conf: &Configuration,
    scheme: &SchemeId,
    options: &RunOptions,
) -> Report {
    let Some(pin) = &options.pin else {
        return Report::failed(&Error::PinRequired(scheme.clone()));
    };
    let http = match http_client() {
        Ok(http) => http,
        Err(e) => return Report::failed(&e),
    };
    let pointer = match wallet.start_enrollment(scheme, conf) {
        Ok(account) => register(&http, conf, account, pin).await,
        Err(e) => return Report::failed(&e),
    };
    let mut report = match pointer {
        Ok(pointer) => run_session(wallet, conf, pointer, options).await,
        Err(e) => Report::failed(&e),
    };
    match wallet.finish_enrollment(report.outcome == RunOutcome::Success) {
        Ok(Some(account)) => {
            report.enrolled = Some(EnrolledReport {
                scheme: account.scheme().clone(),
                username: account.username().to_owned(),
            });
        }
        Ok(None) if report.outcome == RunOutcome::Success => report.fail(&Error::Keyshare(
            "the enrollment session did not issue the keyshare attribute".to_owned(),
        )),
        Ok(None) => {}
        Err(e) => report.fail(&e),
    }
    report
}

/// One session of a chain.
#[derive(Debug, Clone, Serialize)]
pub struct SessionReport {
    /// The session type.
    #[serde(rename = "type")]
    pub action: Action,
    /// The session URL.
    pub url: String,
    /// The pairing code, when the session asked for pairing.
    #[serde(rename = "pairingCode", skip_serializing_if = "Option::is_none")]
    pub pairing_code: Option<String>,
    /// Per disjunction of the request (then those of earlier sessions), what was disclosed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<Vec<Chosen>>,
    /// The credentials received and stored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issued: Vec<CredentialSummary>,
    /// The attribute-based signature made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedReport>,
    /// The server's answer to the proofs or commitments.
    #[serde(rename = "serverResponse", skip_serializing_if = "Option::is_none")]
    pub server_response: Option<serde_json::Value>,
}

/// The signature of a signing session.
#[derive(Debug, Clone, Serialize)]
pub struct SignedReport {
    /// The signed message.
    pub message: String,
    /// Why there is no timestamp, when one was wanted.
    #[serde(rename = "timestampError", skip_serializing_if = "Option::is_none")]
    pub timestamp_error: Option<String>,
    /// The `SignedMessage` posted (verifiable with `irma signature verify`).
    pub signature: SignedMessage<ProofD>,
}

/// Parses what `irma wallet session` takes: a session pointer `{"u","irmaqr"}` or a whole
/// session package (`{"sessionPtr": …}`).
pub fn parse_pointer(text: &str) -> Result<SessionPointer, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim()).map_err(|e| Error::BadPointer(e.to_string()))?;
    if value.get("sessionPtr").is_some() {
        let package: SessionPackage =
            serde_json::from_value(value).map_err(|e| Error::BadPointer(e.to_string()))?;
        return Ok(package.session_ptr);
    }
    serde_json::from_value(value).map_err(|e| Error::BadPointer(e.to_string()))
}

/// The proofs of a disclosure: all ProofDs.
fn disclosure_proofs(proofs: ProofList) -> Result<Vec<ProofD>, Error> {
    proofs
        .0
        .into_iter()
        .map(|p| match p {
            Proof::D(d) => Ok(d),
            Proof::U(_) => Err(Error::Protocol(
                "an issuance proof in a disclosure".to_owned(),
            )),
        })
        .collect()
}

/// Performs the session at `pointer` and every session chained after it, on a new HTTP
/// client.
pub async fn run_session(
    wallet: &mut Wallet,
    conf: &Configuration,
    pointer: SessionPointer,
    options: &RunOptions,
) -> Report {
    match http_client() {
        Ok(http) => run_session_on(&http, wallet, conf, pointer, options).await,
        Err(e) => Report::failed(&e),
    }
}

/// [`run_session`] on the given HTTP client, whose connections stay open between sessions
/// as the app's do.
pub async fn run_session_on(
    http: &reqwest::Client,
    wallet: &mut Wallet,
    conf: &Configuration,
    pointer: SessionPointer,
    options: &RunOptions,
) -> Report {
    let mut report = Report::new();
    let mut next = Some(pointer);
    let mut implicit: Vec<Vec<Chosen>> = Vec::new();
    let mut first = true;
    while let Some(pointer) = next.take() {
        if report.sessions.len() >= MAX_CHAIN {
            report.outcome = RunOutcome::Error;
            report.error = Some(format!("more than {MAX_CHAIN} chained sessions"));
            break;
        }
        let mut session = SessionReport {
            action: pointer.action,
            url: pointer.url.clone(),
            pairing_code: None,
            disclosed: Vec::new(),
            issued: Vec::new(),
            signed: None,
            server_response: None,
        };
        let choice = if first {
            options.choose.as_deref()
        } else {
            None
        };
        first = false;
        let mut context = Context {
            http,
            wallet: &mut *wallet,
            conf,
            options,
            choice,
            implicit: &implicit,
            report: &mut session,
        };
        match context.run(pointer).await {
            Ok(Step::Done { next: n, disclosed }) => {
                implicit = disclosed;
                next = n;
            }
            Ok(Step::Denied) => report.outcome = RunOutcome::Cancelled,
            Err(e) => report.fail(&e),
        }
        report.sessions.push(session);
    }
    report
}

enum Step {
    Done {
        next: Option<SessionPointer>,
        disclosed: Vec<Vec<Chosen>>,
    },
    Denied,
}

/// The HTTP side of one session: every request carries the version headers and the
/// session's `Authorization`.
struct Transport<'a> {
    http: &'a reqwest::Client,
    base: String,
    auth: ClientAuthorization,
}

impl Transport<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let version = PROTOCOL_VERSION.to_string();
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-IRMA-MinProtocolVersion", &version)
            .header("X-IRMA-MaxProtocolVersion", &version)
            .header("Authorization", self.auth.as_str())
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        decode(self.request(reqwest::Method::GET, path).send().await).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::Protocol(e.to_string()))?;
        decode(
            self.request(reqwest::Method::POST, path)
                .header("Content-Type", "application/json; charset=UTF-8")
                .body(body)
                .send()
                .await,
        )
        .await
    }

    /// Tells the server the session is over (best effort: it may be finished already).
    async fn delete(&self) {
        let _ = self.request(reqwest::Method::DELETE, "").send().await;
    }
}

/// Whether `e` may pass if the request is tried again: the connection failed, or the
/// server answered with a 5xx status.
fn is_transient(e: &Error) -> bool {
    match e {
        Error::Transport(_) => true,
        Error::Http { status, .. } => *status >= 500,
        Error::Remote(remote) => remote.status >= 500,
        _ => false,
    }
}

/// Reads a JSON answer, or the IRMA error the server sent instead.
async fn decode<T: DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, Error> {
    let bytes = read_answer(response).await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))
}

/// Reads a successful answer's body (at most [`MAX_BODY`] bytes), or the IRMA error the
/// server sent instead.
pub(super) async fn read_answer(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<Vec<u8>, Error> {
    let response = response.map_err(|e| Error::Transport(e.to_string()))?;
    let status = response.status();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(Error::Protocol("answer too large".to_owned()));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Error::Transport(e.to_string()))?;
    if bytes.len() > MAX_BODY {
        return Err(Error::Protocol("answer too large".to_owned()));
    }
    if !status.is_success() {
        if let Ok(remote) = serde_json::from_slice::<RemoteError>(&bytes)
            && !remote.error.is_empty()
        {
            return Err(Error::Remote(remote));
        }
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        return Err(Error::Http {
            status: status.as_u16(),
            body,
        });
    }
    Ok(bytes.to_vec())
}

struct Context<'a> {
    http: &'a reqwest::Client,
    wallet: &'a mut Wallet,
    conf: &'a Configuration,
    options: &'a RunOptions,
    choice: Option<&'a [usize]>,
    implicit: &'a [Vec<Chosen>],
    report: &'a mut SessionReport,
}

impl<'a> Context<'a> {
    async fn run(&mut self, mut pointer: SessionPointer) -> Result<Step, Error> {
        if pointer.action == Action::Redirect {
            pointer = self.resolve_redirect(&pointer.url).await?;
            self.report.action = pointer.action;
            self.report.url = pointer.url.clone();
        }
        let mut base = pointer.url.clone();
        if !base.ends_with('/') {
            base.push('/');
        }
        let transport = Transport {
            http: self.http,
            base,
            auth: ClientAuthorization::random()
                .map_err(|e| Error::Transport(format!("random source: {e}")))?,
        };
        let first: ClientSessionRequest<serde_json::Value> = transport.get("").await?;
        let result = self.answer(&transport, pointer.action, first).await;
        match &result {
            Ok(Step::Denied) | Err(_) => transport.delete().await,
            Ok(Step::Done { .. }) => {}
        }
        result
    }

    async fn resolve_redirect(&self, url: &str) -> Result<SessionPointer, Error> {
        let response = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await;
        let pointer: SessionPointer = decode(response).await?;
        if pointer.action == Action::Redirect {
            return Err(Error::Protocol("redirect to another redirect".to_owned()));
        }
        Ok(pointer)
    }

    async fn answer(
        &mut self,
        transport: &Transport<'_>,
        action: Action,
        first: ClientSessionRequest<serde_json::Value>,
    ) -> Result<Step, Error> {
        if first.protocol_version != PROTOCOL_VERSION {
            return Err(Error::Protocol(format!(
                "server chose protocol version {}, the wallet speaks {PROTOCOL_VERSION}",
                first.protocol_version
            )));
        }
        let request = match first.options.pairing_method {
            PairingMethod::Pin => {
                let code = first.options.pairing_code.clone();
                self.report.pairing_code = Some(code.clone());
                if let Some(expected) = &self.options.pairing_code
                    && *expected != code
                {
                    return Err(Error::PairingMismatch {
                        shown: code,
                        expected: expected.clone(),
                    });
                }
                if let Some(show) = self.options.on_pairing {
                    show(&code);
                }
                self.wait_for_pairing(transport).await?;
                transport.get("request").await?
            }
            PairingMethod::None => first
                .request
                .ok_or_else(|| Error::Protocol("no request in the first message".to_owned()))?,
        };
        let request: SessionRequest = serde_json::from_value(request)
            .map_err(|e| Error::Protocol(format!("session request: {e}")))?;
        let kind = request.action();
        if kind != action {
            return Err(Error::Protocol(format!(
                "session pointer says {} but the request is for {}",
                action.as_str(),
                kind.as_str()
            )));
        }
        if self.options.deny {
            return Ok(Step::Denied);
        }
        self.respond(transport, &request).await
    }

    async fn wait_for_pairing(&self, transport: &Transport<'_>) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + self.options.pairing_timeout;
        let mut wait = PAIRING_POLL;
        loop {
            let failed = match transport.get::<ServerStatus>("status").await {
                Ok(ServerStatus::Pairing) => None,
                Ok(ServerStatus::Connected) => return Ok(()),
                Ok(other) => return Err(Error::Ended(other.as_str().to_owned())),
                // The server or the network may recover: poll again, less often.
                Err(e) if is_transient(&e) => Some(e),
                Err(e) => return Err(e),
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(failed.unwrap_or_else(|| {
                    Error::Protocol("pairing was not completed in time".to_owned())
                }));
            }
            match failed {
                Some(e) => {
                    tracing::info!(error = %e, retry_in = ?wait, "session status not available");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(PAIRING_MAX_BACKOFF);
                }
                None => {
                    wait = PAIRING_POLL;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn respond(
        &mut self,
        transport: &Transport<'_>,
        request: &SessionRequest,
    ) -> Result<Step, Error> {
        let now = unix_now();
        let disclosure = request.disclosure();
        // The request's revocation updates first: a revoked credential is then no option.
        self.wallet
            .apply_revocation_updates(&disclosure.base.revocation)?;
        let mut chosen = match choose(disclosure, self.wallet.credentials(), self.choice, now) {
            Ok(c) => c,
            Err(Error::Unsatisfiable { missing }) => {
                return Err(self.unsatisfiable(disclosure, missing));
            }
            Err(e) => return Err(e),
        };
        chosen.extend(self.implicit.iter().cloned());
        let plan = DisclosurePlan::new(&chosen, self.wallet.credentials())?;
        self.report.disclosed = chosen.clone();
        let context = disclosure.base.context_or_default();
        let nonce = disclosure.base.nonce_or_default();
        let answer: serde_json::Value = match request {
            SessionRequest::Disclosure(_) => {
                let proofs = {
                    let credentials = self.plan_credentials(&plan)?;
                    let parts = self
                        .keyshare_parts(&credential_keys(&credentials), now)
                        .await?;
                    let requests =
                        disclosure_requests(&plan, &credentials, &disclosure.base.revocation);
                    let committed = CommittedProofs::commit(&requests)?;
                    let (mut proofs, responses) = self
                        .prove(&parts, committed, &context, &nonce, false)
                        .await?;
                    merge_responses(&parts, &responses, &mut proofs);
                    proofs
                };
                let message = Disclosure {
                    proofs: disclosure_proofs(proofs)?,
                    indices: plan.indices.clone(),
                };
                transport.post("proofs", &message).await?
            }
            SessionRequest::Signature(r) => {
                let signed = self.sign(&plan, r, &context, &nonce, now).await?;
                // Reported even when the server refuses it.
                let signature = signed.signature.clone();
                self.report.signed = Some(signed);
                transport.post("proofs", &signature).await?
            }
            SessionRequest::Issuance(r) => {
                let answer = self
                    .issue(transport, &plan, r, &context, &nonce, now)
                    .await?;
                return Ok(Step::Done {
                    next: answer,
                    disclosed: chosen,
                });
            }
        };
        self.report.server_response = Some(answer.clone());
        let response: ServerSessionResponse = serde_json::from_value(answer)
            .map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))?;
        if response.proof_status != ProofStatus::Valid {
            return Err(Error::Rejected(proof_status_name(response.proof_status)));
        }
        Ok(Step::Done {
            next: response.next_session,
            disclosed: chosen,
        })
    }

    fn is_distributed(&self, scheme: &SchemeId) -> bool {
        self.conf.scheme(scheme).is_some_and(|s| s.is_distributed())
    }

    /// Unsatisfiable, or (clearer) "not enrolled" when a missing disjunction asks for
    /// credentials of a keyshare scheme the wallet is not enrolled in.
    fn unsatisfiable(&self, disclosure: &DisclosureRequest, missing: Vec<usize>) -> Error {
        for &d in &missing {
            for attr in disclosure.disclose[d].iter().flatten() {
                let scheme = attr.id.credential_type().scheme();
                if self.is_distributed(&scheme) && self.wallet.keyshare_account(&scheme).is_none() {
                    return Error::NotEnrolled(scheme);
                }
            }
        }
        Error::Unsatisfiable { missing }
    }

    /// Checks the PIN at the keyshare server of each keyshare scheme among the keys of the
    /// proofs (in proof order); returns those servers with the proofs they take part in.
    async fn keyshare_parts(
        &self,
        keys: &[PublicKeyId],
        now: i64,
    ) -> Result<Vec<KeysharePart<'a>>, Error> {
        let mut parts: Vec<KeysharePart<'a>> = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            let scheme = key.issuer.scheme();
            if !self.is_distributed(&scheme) {
                continue;
            }
            let part = match parts.iter().position(|p| p.scheme == scheme) {
                Some(part) => part,
                None => {
                    let account = self
                        .wallet
                        .keyshare_account(&scheme)
                        .ok_or_else(|| Error::NotEnrolled(scheme.clone()))?;
                    let pin = self
                        .options
                        .pin
                        .as_ref()
                        .ok_or_else(|| Error::PinRequired(scheme.clone()))?;
                    let client =
                        KeyshareClient::login(self.http, self.conf, account, pin, now).await?;
                    parts.push(KeysharePart {
                        scheme,
                        client,
                        proofs: Vec::new(),
                        keys: Vec::new(),
                    });
                    parts.len() - 1
                }
            };
            parts[part].proofs.push(index);
            parts[part].keys.push(KeyId(key.clone()));
        }
        Ok(parts)
    }

    /// The proofs of `committed`, computed together with the keyshare servers of `parts`:
    /// their commitments multiplied into those of their proofs, the challenge over all,
    /// their responses to it. The responses are returned, not merged.
    async fn prove(
        &self,
        parts: &[KeysharePart<'_>],
        mut committed: CommittedProofs<'_>,
        context: &BigUint,
        nonce: &BigUint,
        issig: bool,
    ) -> Result<(ProofList, Vec<(String, ProofP)>), Error> {
        for part in parts {
            let answer = part.client.commitments(&part.keys).await?;
            for (&index, key) in part.proofs.iter().zip(&part.keys) {
                let commitment = answer.commitments.get(key).ok_or_else(|| {
                    Error::Keyshare(format!("the keyshare server sent no commitment for {key}"))
                })?;
                committed.add_keyshare_commitment(index, &commitment.pcommit.0)?;
            }
        }
        let c = committed.challenge(context, nonce, issig);
        let mut responses = Vec::with_capacity(parts.len());
        for part in parts {
            let (jwt, proof_p) = part.client.response(self.conf, &c).await?;
            if proof_p.c.0 != c {
                return Err(Error::Keyshare(format!(
                    "the keyshare server of {} answered another challenge",
                    part.scheme
                )));
            }
            responses.push((jwt, proof_p));
        }
        Ok((committed.respond(&c)?, responses))
    }

    /// The wallet credentials of a plan's proofs, in order.
    fn plan_credentials(&self, plan: &DisclosurePlan) -> Result<Vec<&WalletCredential>, Error> {
        plan.proofs
            .iter()
            .map(|(hash, _)| {
                self.wallet
                    .credentials()
                    .iter()
                    .find(|c| c.hash() == hash)
                    .ok_or_else(|| Error::NoSuchCredential(hash.clone()))
            })
            .collect()
    }

    async fn sign(
        &self,
        plan: &DisclosurePlan,
        request: &crate::protocol::request::SignatureRequest,
        context: &BigUint,
        nonce: &BigUint,
        now: i64,
    ) -> Result<SignedReport, Error> {
        let (message, revocation) = (&request.message, &request.disclosure.base.revocation);
        let credentials = self.plan_credentials(plan)?;
        let parts = self
            .keyshare_parts(&credential_keys(&credentials), now)
            .await?;
        let requests = disclosure_requests(plan, &credentials, revocation);
        let committed = CommittedProofs::commit(&requests)?;
        let mut timestamp_error = None;
        let mut stamp: Option<Timestamp> = None;
        if self.options.timestamp {
            match self.timestamp_request(&committed, &credentials, message) {
                Ok((ts_nonce, server)) => {
                    match timestamp::fetch(self.http, &server, &ts_nonce).await {
                        Ok(ts) => stamp = Some(ts),
                        Err(e) => timestamp_error = Some(e),
                    }
                }
                Err(e) => timestamp_error = Some(e),
            }
        }
        let proof_nonce = signature_nonce(
            nonce,
            message,
            stamp.as_ref().map(|t| t.sig.data.as_slice()),
        );
        let (mut proofs, responses) = self
            .prove(&parts, committed, context, &proof_nonce, true)
            .await?;
        merge_responses(&parts, &responses, &mut proofs);
        let signature = proofs
            .0
            .into_iter()
            .map(|p| match p {
                Proof::D(d) => Ok(d),
                Proof::U(_) => Err(Error::Protocol("unexpected issuance proof".to_owned())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignedReport {
            message: message.to_owned(),
            timestamp_error,
            signature: SignedMessage {
                ld_context: SIGNED_MESSAGE_CONTEXT.to_owned(),
                signature,
                indices: plan.indices.clone(),
                nonce: Int(nonce.clone()),
                context: Int(context.clone()),
                message: message.to_owned(),
                timestamp: stamp,
            },
        })
    }

    /// The nonce to timestamp and the timestamp server, from the committed proofs.
    fn timestamp_request(
        &self,
        committed: &CommittedProofs<'_>,
        credentials: &[&WalletCredential],
        message: &str,
    ) -> Result<([u8; 32], String), String> {
        let contributions = committed.timestamp_contributions();
        let mut counts = Vec::with_capacity(credentials.len());
        for c in credentials {
            let ct = self
                .conf
                .credential_type(c.credential_type())
                .ok_or_else(|| format!("unknown credential type {}", c.credential_type()))?;
            counts.push(ct.attributes.len());
        }
        let servers: Vec<String> = credentials
            .iter()
            .map(|c| {
                self.conf
                    .timestamp_server(&c.credential_type().scheme())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        let proofs: Vec<TimestampProof<'_>> = contributions
            .iter()
            .zip(credentials)
            .enumerate()
            .map(|(i, ((a, disclosed), c))| {
                let pk = c.idemix().public_key();
                TimestampProof {
                    a,
                    disclosed,
                    attribute_count: counts[i],
                    modulus: pk.n(),
                    bases: pk.bases(),
                    max_message_bits: pk.params().lm,
                    timestamp_server: &servers[i],
                }
            })
            .collect();
        let (nonce, server) = timestamp_nonce(message, &proofs).map_err(|e| e.to_string())?;
        Ok((nonce, server.to_owned()))
    }

    /// During an enrollment, the keyshare attribute being issued names the account
    /// (irmaclient takes the username from the issuance request, before the keyshare steps).
    fn name_enrollment(&mut self, request: &crate::protocol::request::IssuanceRequest) {
        for c in &request.credentials {
            let scheme = c.credential.scheme();
            let Some(attribute) = self
                .conf
                .scheme(&scheme)
                .and_then(|s| s.description.keyshare_attribute.as_ref())
            else {
                continue;
            };
            if attribute.credential_type() == c.credential
                && let Some(username) = c.attributes.get(attribute.name())
            {
                self.wallet.name_enrollment(&scheme, username);
            }
        }
    }

    async fn issue(
        &mut self,
        transport: &Transport<'_>,
        plan: &DisclosurePlan,
        request: &crate::protocol::request::IssuanceRequest,
        context: &BigUint,
        nonce: &BigUint,
        now: i64,
    ) -> Result<Option<SessionPointer>, Error> {
        let secret = self.wallet.secret_key_or_create()?.clone();
        self.name_enrollment(request);
        let keys = Verifier::new(self.conf);
        let nonce2 =
            math::random_bits(ISSUER_NONCE_BITS).map_err(crate::crypto::idemix::Error::from)?;
        let mut issued = Vec::with_capacity(request.credentials.len());
        for c in &request.credentials {
            let ct = self
                .conf
                .credential_type(&c.credential)
                .ok_or_else(|| Error::UnknownCredentialType(c.credential.clone()))?;
            if ct.revocation_supported() != c.revocation_supported {
                return Err(Error::Protocol(format!(
                    "revocationSupported of {} does not match its credential type",
                    c.credential
                )));
            }
            let info = credential_type_info(ct);
            let attrs = c
                .attribute_values(&info, now)
                .map_err(|e| Error::Protocol(format!("credential request: {e}")))?;
            let counter = self
                .conf
                .issuing_key_counter(&c.credential.issuer(), c.key_counter)
                .unwrap_or_default();
            let key_id = PublicKeyId {
                issuer: c.credential.issuer(),
                counter,
            };
            let pk = keys.public_key(&key_id).map_err(|e| Error::PublicKey {
                credential_type: c.credential.clone(),
                counter,
                reason: e.to_string(),
            })?;
            let blind: Vec<usize> = ct
                .attributes
                .iter()
                .enumerate()
                .filter(|(_, a)| a.random_blind)
                .map(|(i, _)| i + 1)
                .collect();
            issued.push(Issued {
                key_id,
                pk,
                blind,
                attrs,
                revocation: ct.revocation_index().map(|i| i + 1),
            });
        }
        let (message, builders) = {
            let credentials = self.plan_credentials(plan)?;
            let disclosures = credentials.len();
            let mut proof_keys = credential_keys(&credentials);
            proof_keys.extend(issued.iter().map(|i| i.key_id.clone()));
            let parts = self.keyshare_parts(&proof_keys, now).await?;
            let ps = keyshare_ps(&parts, disclosures).await?;
            let builders = issued
                .iter()
                .map(|i| {
                    let p = if self.is_distributed(&i.key_id.issuer.scheme()) {
                        Some(ps.get(&KeyId(i.key_id.clone())).ok_or_else(|| {
                            Error::Keyshare(format!(
                                "the keyshare server sent no P for {}",
                                i.key_id
                            ))
                        })?)
                    } else {
                        None
                    };
                    Ok(CredentialBuilder::new(
                        &i.pk, context, &secret, &nonce2, p, &i.blind,
                    )?)
                })
                .collect::<Result<Vec<_>, Error>>()?;
            let mut requests =
                disclosure_requests(plan, &credentials, &request.disclosure.base.revocation);
            requests.extend(builders.iter().map(ProofRequest::Issuance));
            let committed = CommittedProofs::commit(&requests)?;
            let (mut proofs, responses) =
                self.prove(&parts, committed, context, nonce, false).await?;
            // The issuer merges the response's `P`; the credential will verify only if it is
            // the `P` the commitment was built with.
            for (part, (_, proof_p)) in parts.iter().zip(&responses) {
                for key in &part.keys {
                    if let Some(p) = ps.get(key)
                        && proof_p.p.as_ref().map(|x| &x.0) != Some(p)
                    {
                        return Err(Error::Keyshare(format!(
                            "the keyshare server's response carries another P than it gave for {key}"
                        )));
                    }
                }
            }
            // At protocol 2.8 the issuer merges the keyshare server's response itself (from
            // `proofPJwts`), `U · P` included: send `U` without `P`.
            for (proof, builder) in proofs.0[disclosures..].iter_mut().zip(&builders) {
                if let Proof::U(u) = proof {
                    u.remove_keyshare_p(builder)?;
                }
            }
            let jwts: BTreeMap<String, String> = parts
                .iter()
                .zip(responses)
                .map(|(part, (jwt, _))| (part.scheme.to_string(), jwt))
                .collect();
            let message = IssueCommitmentMessage {
                u: None,
                nonce2: Int(nonce2),
                proofs,
                proof_p_jwt: None,
                proof_p_jwts: (!jwts.is_empty()).then_some(jwts),
            };
            (message, builders)
        };
        let answer: serde_json::Value = transport
            .post(
                "commitments",
                &IssueCommitments {
                    commitments: message,
                    indices: plan.indices.clone(),
                },
            )
            .await?;
        self.report.server_response = Some(answer.clone());
        let response: ServerSessionResponse = serde_json::from_value(answer)
            .map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))?;
        if response.proof_status != ProofStatus::Valid {
            return Err(Error::Rejected(proof_status_name(response.proof_status)));
        }
        if response.issue_signatures.len() != builders.len() {
            return Err(Error::Protocol(format!(
                "{} signatures for {} credentials",
                response.issue_signatures.len(),
                builders.len()
            )));
        }
        // Construct (and so verify, keyshare `P` included) every credential before storing
        // any.
        let mut credentials = Vec::with_capacity(builders.len());
        for (((builder, sig), i), c) in builders
            .iter()
            .zip(&response.issue_signatures)
            .zip(&issued)
            .zip(&request.credentials)
        {
            // A revocable credential's revocation attribute is its witness's `e`.
            let mut attrs = i.attrs.clone();
            match (i.revocation, &sig.nonrev) {
                (Some(index), Some(witness)) => attrs[index] = Some(witness.e.0.clone()),
                (None, None) => {}
                (Some(_), None) => {
                    return Err(Error::Protocol(format!(
                        "no nonrevocation witness for {}",
                        c.credential
                    )));
                }
                (None, Some(_)) => {
                    return Err(Error::Protocol(format!(
                        "a nonrevocation witness for {}, which is not revocable",
                        c.credential
                    )));
                }
            }
            let credential = builder.construct_credential(sig, &attrs)?;
            let signature = credential.signature();
            let stored = StoredCredential {
                credential_type: c.credential.clone(),
                public_key_counter: i.key_id.counter,
                attributes: credential.attributes()[1..].to_vec(),
                a: signature.a.0.clone(),
                e: signature.e.0.clone(),
                v: signature.v.0.clone(),
                keyshare_p: signature.keyshare_p.as_ref().map(|p| p.0.clone()),
                witness: credential.witness().cloned(),
                revoked: false,
            };
            credentials.push(WalletCredential::new(&stored, &secret, self.conf, &keys)?);
        }
        for credential in credentials {
            self.report.issued.push(credential.summary());
            self.wallet.add(credential, self.conf)?;
        }
        Ok(response.next_session)
    }
}

/// A credential to be issued, before its builder.
struct Issued {
    key_id: PublicKeyId,
    pk: std::sync::Arc<crate::crypto::idemix::PublicKey>,
    blind: Vec<usize>,
    attrs: Vec<Option<BigUint>>,
    /// The index in `attrs` of the revocation attribute, if the type is revocable.
    revocation: Option<usize>,
}

/// A keyshare server taking part in a session, after the PIN check.
struct KeysharePart<'h> {
    scheme: SchemeId,
    client: KeyshareClient<'h>,
    /// The indices of the proofs of its scheme, in order.
    proofs: Vec<usize>,
    /// Their keys, in the same order.
    keys: Vec<KeyId>,
}

/// The issuer keys of the credentials' proofs.
fn credential_keys(credentials: &[&WalletCredential]) -> Vec<PublicKeyId> {
    credentials
        .iter()
        .map(|c| PublicKeyId {
            issuer: c.credential_type().issuer(),
            counter: c.key_counter(),
        })
        .collect()
}

/// The keyshare servers' `P` for the credentials to issue (the proofs from `disclosures`
/// on). The keyshare server's response carries one `P`, of the last key of its proofs, which
/// the issuer merges into all of them: the credentials it issues must share one key.
async fn keyshare_ps(
    parts: &[KeysharePart<'_>],
    disclosures: usize,
) -> Result<BTreeMap<KeyId, BigUint>, Error> {
    let mut ps = BTreeMap::new();
    for part in parts {
        let mut issued: Vec<KeyId> = part
            .proofs
            .iter()
            .zip(&part.keys)
            .filter(|(i, _)| **i >= disclosures)
            .map(|(_, k)| k.clone())
            .collect();
        issued.dedup();
        match issued.as_slice() {
            [] => {}
            [_] => {
                let answer = part.client.ps(&issued).await?;
                ps.extend(answer.ps.into_iter().map(|(k, p)| (k, p.0)));
            }
            _ => {
                return Err(Error::Keyshare(format!(
                    "credentials of scheme {} under different issuer keys in one issuance are not supported",
                    part.scheme
                )));
            }
        }
    }
    Ok(ps)
}

/// Adds each keyshare server's response to the secret-key responses of its disclosure proofs.
fn merge_responses(
    parts: &[KeysharePart<'_>],
    responses: &[(String, ProofP)],
    proofs: &mut ProofList,
) {
    for (part, (_, proof_p)) in parts.iter().zip(responses) {
        for &i in &part.proofs {
            if let Some(Proof::D(d)) = proofs.0.get_mut(i) {
                d.merge_proof_p(proof_p);
            }
        }
    }
}

/// The disclosure proofs of a plan, over the given credentials (same order), proving
/// nonrevocation of the credentials whose type `revocation` names (irmaclient: the request
/// asks for it and the credential has a witness).
fn disclosure_requests<'a>(
    plan: &'a DisclosurePlan,
    credentials: &[&'a WalletCredential],
    revocation: &NonRevocationParameters,
) -> Vec<ProofRequest<'a>> {
    plan.proofs
        .iter()
        .zip(credentials)
        .map(|((_, disclosed), c)| ProofRequest::Disclosure {
            credential: c.idemix(),
            disclosed,
            nonrev: c.has_witness() && revocation.0.contains_key(c.credential_type()),
        })
        .collect()
}

fn proof_status_name(status: ProofStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{status:?}"))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
