//! What the app's proofs or commitments mean for a session, computed off the async runtime
//! (verification and issuing are CPU-heavy): the reference's `handlePostDisclosure`,
//! `handlePostSignature` and `handlePostCommitments`, without the session state, which the
//! engine re-checks when it writes the [`Outcome`].
//!
//! A body that does not parse is an error before any work ([`SessionError::MalformedInput`],
//! the session is left alone, as the reference); everything after parsing ends the session:
//! [`Outcome::Done`] or [`Outcome::Failed`].

use std::ops::Deref;
use std::sync::Arc;

use serde::Deserialize;

use super::error::SessionError;
use super::issue::{IssuerKeys, issue_credential};
use crate::crypto::idemix::ProofD;
use crate::protocol::app::{Disclosure, IssueCommitments};
use crate::protocol::errors::ErrorKind;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::{DisclosureRequest, IssuanceRequest, SignatureRequest};
use crate::protocol::session::ServerSessionResponse;
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

/// Runs `work` on the blocking pool; a panic in it fails the session as an internal error.
async fn blocking(work: impl FnOnce() -> Outcome + Send + 'static) -> Outcome {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Outcome::failed(ErrorKind::Internal, ""))
}

/// A disclosure (`POST /proofs` of a disclosing session) verified at `now`.
pub async fn disclosure(
    verifier: &SharedVerifier,
    request: DisclosureRequest,
    body: &[u8],
    now: i64,
) -> Result<Outcome, SessionError> {
    let message: Disclosure = parse(body)?;
    let verifier = Arc::clone(verifier);
    Ok(blocking(move || {
        match verifier.verify_disclosure(&message.proofs, &message.indices, &request, now) {
            Ok(verdict) => Outcome::done(verdict, None),
            Err(e) => Outcome::unverifiable(&e),
        }
    })
    .await)
}

/// An attribute-based signature (`POST /proofs` of a signing session) verified at `now`
/// against the request, asking `trust` about a timestamp's key. The result keeps the
/// signed message, whatever the verdict.
pub async fn signature<T: KeyTrust + Send + Sync + 'static>(
    verifier: &SharedVerifier,
    trust: &Arc<T>,
    request: SignatureRequest,
    body: &[u8],
    now: i64,
) -> Result<Outcome, SessionError> {
    let signed: SignedMessage<ProofD> = parse(body)?;
    let shown = serde_json::to_value(&signed).map_err(|e| SessionError::Failed {
        kind: ErrorKind::Internal,
        message: e.to_string(),
    })?;
    let (verifier, trust) = (Arc::clone(verifier), Arc::clone(trust));
    let runtime = tokio::runtime::Handle::current();
    Ok(blocking(move || {
        // The timestamp key check may go online: drive it from this blocking thread.
        let verdict = runtime.block_on(verifier.verify_signature(
            &signed,
            Some(&request),
            trust.as_ref(),
            now,
        ));
        match verdict {
            Ok(verdict) => Outcome::done(verdict, Some(shown)),
            Err(e) => Outcome::unverifiable(&e),
        }
    })
    .await)
}

/// The commitments of an issuance (`POST /commitments`): verified at `now` against the
/// request, then, when the disclosure part is `VALID`, one signature per credential.
pub async fn issuance(
    verifier: &SharedVerifier,
    keys: &Arc<IssuerKeys>,
    request: IssuanceRequest,
    body: &[u8],
    now: i64,
) -> Result<Outcome, SessionError> {
    let message: IssueCommitments = parse(body)?;
    let (verifier, keys) = (Arc::clone(verifier), Arc::clone(keys));
    Ok(blocking(move || issue(&verifier, &keys, &request, &message, now)).await)
}

fn issue<C: Deref<Target = Configuration>>(
    verifier: &Verifier<C>,
    keys: &IssuerKeys,
    request: &IssuanceRequest,
    message: &IssueCommitments,
    now: i64,
) -> Outcome {
    if message.commitments.proofs.0.len() < request.credentials.len() {
        return Outcome::failed(ErrorKind::MalformedInput, "Received insufficient proofs");
    }
    let checked =
        match verifier.verify_commitments(&message.commitments, &message.indices, request, now) {
            Ok(checked) => checked,
            Err(e) => return commitments_refused(&e),
        };
    // Only what the verifier verified is signed: the commitments with the keyshare
    // server's share merged in, under the keys they were verified against.
    let Some(commitments) = checked.to_sign() else {
        return match checked.verdict.status {
            ProofStatus::Expired => Outcome::failed(ErrorKind::AttributesExpired, ""),
            _ => Outcome::failed(ErrorKind::InvalidProofs, ""),
        };
    };
    let conf = verifier.configuration();
    let mut sigs = Vec::with_capacity(commitments.len());
    for (cred, commitment) in request.credentials.iter().zip(commitments) {
        match issue_credential(
            conf,
            keys,
            cred,
            commitment,
            &message.commitments.nonce2.0,
            now,
        ) {
            Ok(sig) => sigs.push(sig),
            Err(e) => return Outcome::failed(ErrorKind::IssuanceFailed, e.to_string()),
        }
    }
    let answer = ServerSessionResponse {
        proof_status: checked.verdict.status,
        issue_signatures: sigs,
        next_session: None,
    };
    Outcome::Done {
        verdict: checked.verdict,
        signature: None,
        answer,
    }
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
