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
//! Refusing (`--deny`) and every failure after the first message `DELETE {u}`, as the app
//! does, so the server marks the session `CANCELLED`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use num_bigint::BigUint;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::candidates::{Chosen, DisclosurePlan, choose};
use super::credential::{CredentialSummary, Wallet, WalletCredential};
use super::storage::StoredCredential;
use super::{Error, timestamp};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{
    CommittedProofs, CredentialBuilder, IssueCommitmentMessage, IssueSignatureMessage, Proof,
    ProofD, ProofList, ProofRequest, math, signature_nonce,
};
use crate::protocol::errors::RemoteError;
use crate::protocol::identifiers::PublicKeyId;
use crate::protocol::messages::{Indices, ProofStatus};
use crate::protocol::request::{DisclosureRequest, SessionRequest};
use crate::protocol::session::{
    Action, ClientSessionRequest, PairingMethod, ProtocolVersion, SessionPackage, SessionPointer,
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

/// How to play a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
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
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            choose: None,
            deny: false,
            pairing_code: None,
            timestamp: true,
            pairing_timeout: Duration::from_secs(300),
            on_pairing: None,
        }
    }
}

/// How the sessions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
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
    pub outcome: Outcome,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The IRMA error the server sent, when that is why it failed.
    #[serde(rename = "remoteError", skip_serializing_if = "Option::is_none")]
    pub remote_error: Option<RemoteError>,
    /// The sessions, in order.
    pub sessions: Vec<SessionReport>,
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

/// The server's answer to proofs and commitments (irmago `ServerSessionResponse`).
#[derive(Debug, Deserialize)]
struct ServerResponse {
    #[serde(rename = "proofStatus")]
    proof_status: ProofStatus,
    #[serde(default)]
    sigs: Vec<IssueSignatureMessage>,
    #[serde(rename = "nextSession", default)]
    next_session: Option<SessionPointer>,
}

/// `POST {u}/proofs` of a disclosure (irma `Disclosure`).
#[derive(Serialize)]
struct DisclosureMessage<'a> {
    proofs: &'a ProofList,
    indices: &'a Indices,
}

/// `POST {u}/commitments` (irma `IssueCommitmentMessage`: gabi's plus `indices`).
#[derive(Serialize)]
struct CommitmentMessage<'a> {
    #[serde(flatten)]
    message: &'a IssueCommitmentMessage,
    indices: &'a Indices,
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

/// Performs the session at `pointer` and every session chained after it.
pub async fn run_session(
    wallet: &mut Wallet,
    conf: &Configuration,
    pointer: SessionPointer,
    options: &SessionOptions,
) -> Report {
    let mut report = Report {
        outcome: Outcome::Success,
        error: None,
        remote_error: None,
        sessions: Vec::new(),
    };
    let http = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            report.outcome = Outcome::Error;
            report.error = Some(Error::Transport(e.to_string()).to_string());
            return report;
        }
    };
    let mut next = Some(pointer);
    let mut implicit: Vec<Vec<Chosen>> = Vec::new();
    let mut first = true;
    while let Some(pointer) = next.take() {
        if report.sessions.len() >= MAX_CHAIN {
            report.outcome = Outcome::Error;
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
            http: &http,
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
            Ok(Step::Denied) => report.outcome = Outcome::Cancelled,
            Err(e) => {
                report.outcome = Outcome::Error;
                if let Error::Remote(remote) = &e {
                    report.remote_error = Some(remote.clone());
                }
                report.error = Some(e.to_string());
            }
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

/// Reads a JSON answer, or the IRMA error the server sent instead.
async fn decode<T: DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, Error> {
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
    serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))
}

struct Context<'a> {
    http: &'a reqwest::Client,
    wallet: &'a mut Wallet,
    conf: &'a Configuration,
    options: &'a SessionOptions,
    choice: Option<&'a [usize]>,
    implicit: &'a [Vec<Chosen>],
    report: &'a mut SessionReport,
}

impl Context<'_> {
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
        let kind = match &request {
            SessionRequest::Disclosure(_) => Action::Disclosing,
            SessionRequest::Signature(_) => Action::Signing,
            SessionRequest::Issuance(_) => Action::Issuing,
        };
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
        loop {
            let status: ServerStatus = transport.get("status").await?;
            match status {
                ServerStatus::Pairing => {}
                ServerStatus::Connected => return Ok(()),
                other => return Err(Error::Ended(other.as_str().to_owned())),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Protocol(
                    "pairing was not completed in time".to_owned(),
                ));
            }
            tokio::time::sleep(PAIRING_POLL).await;
        }
    }

    async fn respond(
        &mut self,
        transport: &Transport<'_>,
        request: &SessionRequest,
    ) -> Result<Step, Error> {
        let now = unix_now();
        let disclosure = request.disclosure();
        if let SessionRequest::Issuance(r) = request {
            for c in &r.credentials {
                self.check_scheme(&c.credential.scheme())?;
            }
        }
        let mut chosen = match choose(disclosure, self.wallet.credentials(), self.choice, now) {
            Ok(c) => c,
            Err(Error::Unsatisfiable { missing }) => {
                return Err(self.unsatisfiable(disclosure, missing));
            }
            Err(e) => return Err(e),
        };
        chosen.extend(self.implicit.iter().cloned());
        for con in &chosen {
            for attr in con {
                let typ = attr.id.credential_type();
                if disclosure.base.revocation.0.contains_key(&typ) {
                    return Err(Error::RevocationUnsupported(typ));
                }
            }
        }
        let plan = DisclosurePlan::new(&chosen, self.wallet.credentials())?;
        self.report.disclosed = chosen.clone();
        let context = disclosure.base.context_or_default();
        let nonce = disclosure.base.nonce_or_default();
        let answer: serde_json::Value = match request {
            SessionRequest::Disclosure(_) => {
                let proofs = {
                    let credentials = self.plan_credentials(&plan)?;
                    let requests = disclosure_requests(&plan, &credentials);
                    CommittedProofs::commit(&requests)?.finish(&context, &nonce, false)?
                };
                let message = DisclosureMessage {
                    proofs: &proofs,
                    indices: &plan.indices,
                };
                transport.post("proofs", &message).await?
            }
            SessionRequest::Signature(r) => {
                let signed = self.sign(&plan, &r.message, &context, &nonce).await?;
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
        let response: ServerResponse = serde_json::from_value(answer)
            .map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))?;
        if response.proof_status != ProofStatus::Valid {
            return Err(Error::Rejected(proof_status_name(response.proof_status)));
        }
        Ok(Step::Done {
            next: response.next_session,
            disclosed: chosen,
        })
    }

    fn check_scheme(&self, scheme: &crate::protocol::identifiers::SchemeId) -> Result<(), Error> {
        if self.conf.scheme(scheme).is_some_and(|s| s.is_distributed()) {
            return Err(Error::KeyshareUnsupported(scheme.clone()));
        }
        Ok(())
    }

    /// Unsatisfiable, or (clearer) "keyshare schemes are not supported" when a missing
    /// disjunction asks for credentials of a keyshare scheme.
    fn unsatisfiable(&self, disclosure: &DisclosureRequest, missing: Vec<usize>) -> Error {
        for &d in &missing {
            for attr in disclosure.disclose[d].iter().flatten() {
                if let Err(e) = self.check_scheme(&attr.id.credential_type().scheme()) {
                    return e;
                }
            }
        }
        Error::Unsatisfiable { missing }
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
        message: &str,
        context: &BigUint,
        nonce: &BigUint,
    ) -> Result<SignedReport, Error> {
        let credentials = self.plan_credentials(plan)?;
        let requests = disclosure_requests(plan, &credentials);
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
        let proofs = committed.finish(context, &proof_nonce, true)?;
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
        let keys = Verifier::new(self.conf);
        let nonce2 =
            math::random_bits(ISSUER_NONCE_BITS).map_err(crate::crypto::idemix::Error::from)?;
        let mut values = Vec::with_capacity(request.credentials.len());
        let mut builders = Vec::with_capacity(request.credentials.len());
        for c in &request.credentials {
            let ct = self
                .conf
                .credential_type(&c.credential)
                .ok_or_else(|| Error::UnknownCredentialType(c.credential.clone()))?;
            if ct.revocation_supported() || c.revocation_supported {
                return Err(Error::RevocationUnsupported(c.credential.clone()));
            }
            let info = credential_type_info(ct);
            let attrs = c
                .attribute_values(&info, now)
                .map_err(|e| Error::Protocol(format!("credential request: {e}")))?;
            let counter = if c.key_counter != 0 {
                c.key_counter
            } else {
                self.conf
                    .public_key_counters(&c.credential.issuer())
                    .into_iter()
                    .max()
                    .unwrap_or_default()
            };
            let pk = keys
                .public_key(&PublicKeyId {
                    issuer: c.credential.issuer(),
                    counter,
                })
                .map_err(|e| Error::PublicKey {
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
            builders.push(CredentialBuilder::new(
                &pk, context, &secret, &nonce2, None, &blind,
            )?);
            values.push((attrs, counter));
        }
        let proofs = {
            let credentials = self.plan_credentials(plan)?;
            let mut requests = disclosure_requests(plan, &credentials);
            requests.extend(builders.iter().map(ProofRequest::Issuance));
            CommittedProofs::commit(&requests)?.finish(context, nonce, false)?
        };
        let message = IssueCommitmentMessage {
            u: None,
            nonce2: Int(nonce2),
            proofs,
            proof_p_jwt: None,
            proof_p_jwts: None,
        };
        let answer: serde_json::Value = transport
            .post(
                "commitments",
                &CommitmentMessage {
                    message: &message,
                    indices: &plan.indices,
                },
            )
            .await?;
        self.report.server_response = Some(answer.clone());
        let response: ServerResponse = serde_json::from_value(answer)
            .map_err(|e| Error::Protocol(format!("unexpected answer: {e}")))?;
        if response.proof_status != ProofStatus::Valid {
            return Err(Error::Rejected(proof_status_name(response.proof_status)));
        }
        if response.sigs.len() != builders.len() {
            return Err(Error::Protocol(format!(
                "{} signatures for {} credentials",
                response.sigs.len(),
                builders.len()
            )));
        }
        // Construct (and so verify) every credential before storing any.
        let mut issued = Vec::with_capacity(builders.len());
        for (((builder, sig), (attrs, counter)), c) in builders
            .iter()
            .zip(&response.sigs)
            .zip(&values)
            .zip(&request.credentials)
        {
            let credential = builder.construct_credential(sig, attrs)?;
            let signature = credential.signature();
            let stored = StoredCredential {
                credential_type: c.credential.clone(),
                public_key_counter: *counter,
                attributes: credential.attributes()[1..].to_vec(),
                a: signature.a.0.clone(),
                e: signature.e.0.clone(),
                v: signature.v.0.clone(),
                keyshare_p: None,
            };
            issued.push(WalletCredential::new(&stored, &secret, self.conf, &keys)?);
        }
        for credential in issued {
            self.report.issued.push(credential.summary());
            self.wallet.add(credential, self.conf)?;
        }
        Ok(response.next_session)
    }
}

/// The disclosure proofs of a plan, over the given credentials (same order).
fn disclosure_requests<'a>(
    plan: &'a DisclosurePlan,
    credentials: &[&'a WalletCredential],
) -> Vec<ProofRequest<'a>> {
    plan.proofs
        .iter()
        .zip(credentials)
        .map(|((_, disclosed), c)| ProofRequest::Disclosure {
            credential: c.idemix(),
            disclosed,
            nonrev: false,
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
