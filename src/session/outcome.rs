//! What the app's proofs or commitments mean for a session, computed on a core of the
//! bounded [`Workers`](super::workers::Workers) pool (parsing and verification are
//! CPU-heavy): the reference's `handlePostDisclosure`, `handlePostSignature` and
//! `handlePostCommitments`, without the session state, which the engine re-checks when it
//! writes the [`Outcome`].
//!
//! A body that does not parse is an error before any work ([`SessionError::MalformedInput`],
//! the session is left alone, as the reference); everything after parsing ends the session:
//! [`Outcome::Done`] or [`Outcome::Failed`]. Each outcome comes with the [`Effort`] it took,
//! when any cryptography ran.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;

use super::error::SessionError;
use super::issue::{IssuerKeys, Revocable, issue_credential};
use super::observe::Effort;
use super::workers::Core;
use crate::crypto::idemix::ProofD;
use crate::protocol::app::{Disclosure, IssueCommitments};
use crate::protocol::errors::ErrorKind;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::{DisclosureRequest, IssuanceRequest, SignatureRequest};
use crate::protocol::session::{Action, ServerSessionResponse};
use crate::protocol::signature::SignedMessage;
use crate::protocol::timestamp::KeyTrust;
use crate::protocol::verify::Verdict;
use crate::scheme::Configuration;
use crate::verifier::{self, Verifier};

/// The verifier the engine shares between sessions.
pub type SharedVerifier = Arc<Verifier<Arc<Configuration>>>;

/// How the app's message ends the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// DONE, with the verdict in the result (whatever it is) and this answer for the app.
    Done {
        /// The verdict and disclosed attributes.
        verdict: Verdict,
        /// The signed message (signing sessions), as the result shows it.
        signature: Option<serde_json::Value>,
        /// The answer to the app.
        answer: ServerSessionResponse,
    },
    /// CANCELLED with this error in the result, which is also the app's answer.
    Failed {
        /// The reference's error kind.
        kind: ErrorKind,
        /// The message.
        message: String,
    },
}

impl Outcome {
    fn failed(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::Failed {
            kind,
            message: message.into(),
        }
    }

    fn done(verdict: Verdict, signature: Option<serde_json::Value>) -> Self {
        let answer = ServerSessionResponse {
            proof_status: verdict.status,
            issue_signatures: Vec::new(),
            next_session: None,
        };
        Self::Done {
            verdict,
            signature,
            answer,
        }
    }

    /// The verifier could not judge the proofs: `UNKNOWN_PUBLIC_KEY` for a key we do not
    /// have, else `EXCEPTION` (the reference's `ErrorUnknown`).
    fn unverifiable(e: &verifier::Error) -> Self {
        let kind = match e {
            verifier::Error::UnknownPublicKey(_) => ErrorKind::UnknownPublicKey,
            _ => ErrorKind::Unknown,
        };
        Self::failed(kind, e.to_string())
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, SessionError> {
    serde_json::from_slice(body).map_err(|e| SessionError::MalformedInput(e.to_string()))
}

/// An outcome and the work it took (`None` when no cryptography ran).
pub type Judged = (Outcome, Option<Effort>);

/// The app's message body, owned by the work that parses it.
pub trait MessageBody: AsRef<[u8]> + Send + 'static {}

impl<B: AsRef<[u8]> + Send + 'static> MessageBody for B {}

/// Runs `work` on `core`; a panic in it fails the session as an internal error.
async fn on_core(
    core: Core<'_>,
    work: impl FnOnce() -> Result<Judged, SessionError> + Send + 'static,
) -> Result<Judged, SessionError> {
    core.run(work)
        .await
        .unwrap_or_else(|_| Ok((Outcome::failed(ErrorKind::Internal, ""), None)))
}

/// The effort of verifying proofs of a `action` session with keys of `key_bits`, since
/// `started`.
fn verified(action: Action, key_bits: u64, started: Instant) -> Option<Effort> {
    Some(Effort {
        action,
        key_bits,
        verification: started.elapsed(),
        issuance: None,
    })
}

/// A disclosure (`POST /proofs` of a disclosing session) verified at `now`.
pub async fn disclosure(
    core: Core<'_>,
    verifier: &SharedVerifier,
    request: DisclosureRequest,
    body: impl MessageBody,
    now: i64,
) -> Result<Judged, SessionError> {
    let verifier = Arc::clone(verifier);
    on_core(core, move || {
        let message: Disclosure = parse(body.as_ref())?;
        let started = Instant::now();
        let outcome =
            match verifier.verify_disclosure(&message.proofs, &message.indices, &request, now) {
                Ok(verdict) => Outcome::done(verdict, None),
                Err(e) => Outcome::unverifiable(&e),
            };
        let bits = verifier.key_bits(&message.proofs);
        Ok((outcome, verified(Action::Disclosing, bits, started)))
    })
    .await
}

/// An attribute-based signature (`POST /proofs` of a signing session) verified at `now`
/// against the request, asking `trust` about a timestamp's key. The result keeps the
/// signed message, whatever the verdict.
pub async fn signature<T: KeyTrust + Send + Sync + 'static>(
    core: Core<'_>,
    verifier: &SharedVerifier,
    trust: &Arc<T>,
    request: SignatureRequest,
    body: impl MessageBody,
    now: i64,
) -> Result<Judged, SessionError> {
    let (verifier, trust) = (Arc::clone(verifier), Arc::clone(trust));
    let runtime = tokio::runtime::Handle::current();
    on_core(core, move || {
        let signed: SignedMessage<ProofD> = parse(body.as_ref())?;
        let shown = serde_json::to_value(&signed).map_err(|e| SessionError::Failed {
            kind: ErrorKind::Internal,
            message: e.to_string(),
        })?;
        let started = Instant::now();
        // The timestamp key check may go online: drive it from this blocking thread.
        let verdict = runtime.block_on(verifier.verify_signature(
            &signed,
            Some(&request),
            trust.as_ref(),
            now,
        ));
        let outcome = match verdict {
            Ok(verdict) => Outcome::done(verdict, Some(shown)),
            Err(e) => Outcome::unverifiable(&e),
        };
        let bits = verifier.key_bits(&signed.signature);
        Ok((outcome, verified(Action::Signing, bits, started)))
    })
    .await
}

/// The commitments of an issuance (`POST /commitments`): verified at `now_ms` (unix ms)
/// against the request, then, when the disclosure part is `VALID`, one signature per
/// credential (with a witness for revocable ones, through `revocation`; without it they
/// fail).
pub async fn issuance(
    core: Core<'_>,
    verifier: &SharedVerifier,
    keys: &Arc<IssuerKeys>,
    revocation: Option<Revocable>,
    request: IssuanceRequest,
    body: impl MessageBody,
    now_ms: u64,
) -> Result<Judged, SessionError> {
    let (verifier, keys) = (Arc::clone(verifier), Arc::clone(keys));
    on_core(core, move || {
        let message: IssueCommitments = parse(body.as_ref())?;
        Ok(issue(
            &verifier,
            &keys,
            revocation.as_ref(),
            &request,
            &message,
            now_ms,
        ))
    })
    .await
}

fn issue<C: Deref<Target = Configuration>>(
    verifier: &Verifier<C>,
    keys: &IssuerKeys,
    revocation: Option<&Revocable>,
    request: &IssuanceRequest,
    message: &IssueCommitments,
    now_ms: u64,
) -> Judged {
    let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
    if message.commitments.proofs.0.len() < request.credentials.len() {
        let outcome = Outcome::failed(ErrorKind::MalformedInput, "Received insufficient proofs");
        return (outcome, None);
    }
    let started = Instant::now();
    let checked = verifier.verify_commitments(&message.commitments, &message.indices, request, now);
    let mut effort = Effort {
        action: Action::Issuing,
        key_bits: 0,
        verification: started.elapsed(),
        issuance: None,
    };
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => return (commitments_refused(&e), Some(effort)),
    };
    // Only what the verifier verified is signed: the commitments with the keyshare
    // server's share merged in, under the keys they were verified against.
    let Some(commitments) = checked.to_sign() else {
        let outcome = match checked.verdict.status {
            ProofStatus::Expired => Outcome::failed(ErrorKind::AttributesExpired, ""),
            _ => Outcome::failed(ErrorKind::InvalidProofs, ""),
        };
        return (outcome, Some(effort));
    };
    effort.key_bits = commitments
        .iter()
        .map(|c| c.public_key().n().bits())
        .max()
        .unwrap_or(0);
    let signing = Instant::now();
    let conf = verifier.configuration();
    let mut sigs = Vec::with_capacity(commitments.len());
    for (cred, commitment) in request.credentials.iter().zip(commitments) {
        match issue_credential(
            conf,
            keys,
            revocation,
            cred,
            commitment,
            &message.commitments.nonce2.0,
            now_ms,
        ) {
            Ok(sig) => sigs.push(sig),
            Err(e) => {
                let outcome = Outcome::failed(ErrorKind::IssuanceFailed, e.to_string());
                return (outcome, Some(effort));
            }
        }
    }
    effort.issuance = Some(signing.elapsed());
    let answer = ServerSessionResponse {
        proof_status: checked.verdict.status,
        issue_signatures: sigs,
        next_session: None,
    };
    let outcome = Outcome::Done {
        verdict: checked.verdict,
        signature: None,
        answer,
    };
    (outcome, Some(effort))
}

/// The reference's errors for commitments that cannot be judged.
fn commitments_refused(e: &verifier::Error) -> Outcome {
    use verifier::Error as E;
    match e {
        E::CommitmentShape { .. } => Outcome::failed(
            ErrorKind::MalformedInput,
            "Received invalid issuance commitment",
        ),
        E::NoMetadata(_)
        | E::Metadata(_)
        | E::UnknownCredentialType(_)
        | E::UnknownIssuedType(_)
        | E::NoPublicKey(_) => Outcome::failed(ErrorKind::MalformedInput, e.to_string()),
        E::MissingProofP(_) | E::ProofPJwt { .. } | E::ProofPClaim(_) => {
            Outcome::failed(ErrorKind::KeyshareProofMissing, e.to_string())
        }
        E::UnknownPublicKey(_) => Outcome::failed(ErrorKind::UnknownPublicKey, ""),
        E::Key(_) | E::Verify(_) => Outcome::failed(ErrorKind::Unknown, ""),
    }
}
