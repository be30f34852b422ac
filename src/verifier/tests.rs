//! The verifier on recorded sessions of the reference (`tests/data/vectors`): verdicts, the
//! key cache, and what issuance may sign.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::{Error, Verifier};
use crate::crypto::idemix::Proof;
use crate::protocol::app::{Disclosure, IssueCommitments};
use crate::protocol::identifiers::PublicKeyId;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::{IssuanceRequest, SessionRequest};
use crate::scheme::Configuration;

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn schemes() -> Configuration {
    Configuration::load(&test_data().join("schemes")).unwrap()
}

fn case(name: &str) -> Value {
    let path = test_data().join("vectors").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The request the app received, the app's message and the recording time.
fn issuance(name: &str) -> (IssuanceRequest, IssueCommitments, i64) {
    let case = case(name);
    let request = case["client_session_request"]["request"].clone();
    let SessionRequest::Issuance(request) = serde_json::from_value(request).unwrap() else {
        panic!("{name}: not an issuance");
    };
    let message = serde_json::from_value(case["client_message"]["body"].clone()).unwrap();
    (request, message, case["recorded_at"].as_i64().unwrap())
}

#[test]
fn public_keys_are_parsed_once_and_unknown_ones_named() {
    let conf = schemes();
    let verifier = Verifier::new(&conf);
    let id = PublicKeyId {
        issuer: "irma-demo.MijnOverheid".parse().unwrap(),
        counter: 2,
    };
    let first = verifier.public_key(&id).unwrap();
    assert!(Arc::ptr_eq(&first, &verifier.public_key(&id).unwrap()));
    let unknown = PublicKeyId { counter: 99, ..id };
    assert!(matches!(
        verifier.public_key(&unknown),
        Err(Error::UnknownPublicKey(k)) if k == unknown
    ));
}

/// Every recorded disclosure, the tampered ones included, gets the proof status the reference
/// gave it; where the reference gave none (it panicked on a malformed message and the
/// session was cancelled) the verifier answers an error.
#[test]
fn disclosures_get_the_recorded_verdicts() {
    let conf = schemes();
    let verifier = Verifier::new(&conf);
    let mut statuses = Vec::new();
    for folder in ["disclosure", "negative"] {
        for entry in std::fs::read_dir(test_data().join("vectors").join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{folder}/{}", path.file_stem().unwrap().to_str().unwrap());
            let case = case(&name);
            let Ok(SessionRequest::Disclosure(request)) =
                serde_json::from_value(case["client_session_request"]["request"].clone())
            else {
                continue; // A signature case.
            };
            let body = &case["client_message"]["body"];
            if body.is_null() {
                continue; // The app could not satisfy the request and sent nothing.
            }
            let expected: Option<ProofStatus> =
                serde_json::from_value(case["expected"]["proofStatus"].clone()).unwrap();
            let verdict = serde_json::from_value::<Disclosure>(body.clone())
                .ok()
                .and_then(|m| {
                    let now = case["recorded_at"].as_i64().unwrap();
                    verifier
                        .verify_disclosure(&m.proofs, &m.indices, &request, now)
                        .ok()
                });
            assert_eq!(verdict.map(|v| v.status), expected, "{name}");
            statuses.push(expected);
        }
    }
    for status in [
        Some(ProofStatus::Valid),
        Some(ProofStatus::Invalid),
        Some(ProofStatus::MissingAttributes),
        None,
    ] {
        assert!(statuses.contains(&status), "no case with {status:?}");
    }
}

/// The issuer signs what was verified: per credential the key of the request's counter and
/// the app's `U` (no keyshare scheme here, so nothing is merged in).
#[test]
fn valid_commitments_give_the_key_and_u_to_sign() {
    let conf = schemes();
    let verifier = Verifier::new(&conf);
    let (request, message, now) = issuance("issuance/two-credentials");
    let checked = verifier
        .verify_commitments(&message.commitments, &message.indices, &request, now)
        .unwrap();
    assert_eq!(checked.verdict.status, ProofStatus::Valid);
    let to_sign = checked.to_sign().expect("valid commitments are signed");
    assert_eq!(to_sign.len(), request.credentials.len());
    let proof_us = &message.commitments.proofs.0[message.commitments.proofs.0.len() - 2..];
    for ((signed, cred), proof) in to_sign.iter().zip(&request.credentials).zip(proof_us) {
        assert_eq!(signed.key_id().issuer, cred.credential.issuer());
        assert_eq!(signed.key_id().counter, cred.key_counter);
        let Proof::U(u) = proof else {
            panic!("not a ProofU")
        };
        assert_eq!(signed.u(), &u.u.0);
    }
}

/// A commitment with one bit flipped verifies to INVALID, and then nothing may be signed.
#[test]
fn invalid_commitments_sign_nothing() {
    let conf = schemes();
    let verifier = Verifier::new(&conf);
    let (request, mut message, now) = issuance("issuance/ageLower");
    let last = message.commitments.proofs.0.last_mut().unwrap();
    let Proof::U(u) = last else {
        panic!("not a ProofU")
    };
    u.u.0.set_bit(7, !u.u.0.bit(7));
    let checked = verifier
        .verify_commitments(&message.commitments, &message.indices, &request, now)
        .unwrap();
    assert_eq!(checked.verdict.status, ProofStatus::Invalid);
    assert!(checked.to_sign().is_none());
}

/// The proofs must be the disclosures, then one ProofU per credential: a ProofU among the
/// disclosures, a disclosure among the commitments or too few proofs are refused before any
/// arithmetic.
#[test]
fn commitment_shapes_are_checked() {
    let conf = schemes();
    let verifier = Verifier::new(&conf);
    let (request, message, now) = issuance("issuance/combined-issue-and-disclose");
    let shape_error = |proofs: Vec<Proof>| {
        let mut m = message.commitments.clone();
        m.proofs.0 = proofs;
        matches!(
            verifier.verify_commitments(&m, &message.indices, &request, now),
            Err(Error::CommitmentShape { .. })
        )
    };
    let proofs = message.commitments.proofs.0.clone();
    assert!(matches!(proofs.first(), Some(Proof::D(_))));
    let mut reversed = proofs.clone();
    reversed.reverse();
    assert!(shape_error(reversed));
    assert!(shape_error(Vec::new()));
    let only_disclosures = proofs
        .iter()
        .filter(|p| matches!(p, Proof::D(_)))
        .cloned()
        .collect::<Vec<_>>();
    let mut doubled = only_disclosures.clone();
    doubled.extend(only_disclosures);
    assert!(shape_error(doubled));
}
