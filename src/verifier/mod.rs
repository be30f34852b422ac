//! Glue between the scheme, the gabi layer and the protocol verdict: verifies a
//! disclosure or an attribute-based signature as irmago's server does.

use std::collections::BTreeMap;

use num_bigint::BigUint;

use crate::crypto::idemix::{KeyError, Proof, ProofD, PublicKey, verify_proof_list};
use crate::protocol::attributes::{
    AttributeInfo, CredentialTypeInfo, MetadataAttribute, MetadataError,
};
use crate::protocol::identifiers::PublicKeyId;
use crate::protocol::messages::AttributeIndex;
use crate::protocol::request::{DisclosureRequest, SignatureRequest};
use crate::protocol::signature::SignedMessage;
use crate::protocol::timestamp::{KeyTrust, TimestampProof};
use crate::protocol::verify::{self, Verdict, VerifiedProof, VerifyError};
use crate::scheme::{Configuration, CredentialType};

/// The protocol's view of a scheme credential type.
pub fn credential_type_info(ct: &CredentialType) -> CredentialTypeInfo {
    CredentialTypeInfo {
        id: ct.id.clone(),
        singleton: ct.singleton,
        attributes: ct
            .attributes
            .iter()
            .map(|a| AttributeInfo {
                id: a.id.clone(),
                random_blind: a.random_blind,
                optional: a.optional,
            })
            .collect(),
    }
}

/// Why a disclosure could not be judged at all (the server answers 400 and cancels).
#[derive(Debug, thiserror::Error)]
pub enum DisclosureError {
    /// A proof lacks the metadata attribute.
    #[error("proof {0} does not disclose its metadata attribute")]
    NoMetadata(usize),
    /// The metadata attribute is malformed.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The metadata names no known credential type.
    #[error("proof {0} is of an unknown credential type")]
    UnknownCredentialType(usize),
    /// The issuer key is not in the scheme (`UNKNOWN_PUBLIC_KEY`).
    #[error("unknown public key {0}")]
    UnknownPublicKey(PublicKeyId),
    /// The key file does not parse.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The indices do not fit the proofs.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// What the scheme says about each proof.
struct Resolved {
    infos: Vec<CredentialTypeInfo>,
    metadata: Vec<MetadataAttribute>,
    keys: Vec<PublicKey>,
    expiries: Vec<i64>,
    groups: Vec<String>,
    timestamp_servers: Vec<String>,
}

fn resolve(conf: &Configuration, proofs: &[ProofD]) -> Result<Resolved, DisclosureError> {
    let mut r = Resolved {
        infos: Vec::new(),
        metadata: Vec::new(),
        keys: Vec::new(),
        expiries: Vec::new(),
        groups: Vec::new(),
        timestamp_servers: Vec::new(),
    };
    for (i, proof) in proofs.iter().enumerate() {
        let meta = proof
            .a_disclosed
            .get(&1)
            .ok_or(DisclosureError::NoMetadata(i))?;
        let meta = MetadataAttribute::from_int(meta)?;
        let ct = conf
            .credential_type_by_hash(&meta.credential_type_hash())
            .ok_or(DisclosureError::UnknownCredentialType(i))?;
        let key_id = PublicKeyId {
            issuer: ct.id.issuer(),
            counter: u32::from(meta.key_counter()),
        };
        let xml = conf
            .public_key_xml(&key_id)
            .ok_or_else(|| DisclosureError::UnknownPublicKey(key_id.clone()))?;
        let key = PublicKey::from_xml(xml)?;
        let scheme = ct.id.scheme();
        let distributed = conf.scheme(&scheme).is_some_and(|s| s.is_distributed());
        r.groups.push(if distributed {
            scheme.to_string()
        } else {
            ".".to_owned()
        });
        r.timestamp_servers.push(
            conf.timestamp_server(&scheme)
                .unwrap_or_default()
                .to_owned(),
        );
        r.expiries.push(key.expiry_date());
        r.keys.push(key);
        r.infos.push(credential_type_info(ct));
        r.metadata.push(meta);
    }
    Ok(r)
}

fn verified<'a>(r: &'a Resolved, proofs: &[ProofD]) -> Vec<VerifiedProof<'a>> {
    proofs
        .iter()
        .enumerate()
        .map(|(i, p)| VerifiedProof {
            credential_type: &r.infos[i],
            metadata: r.metadata[i],
            public_key_expiry: r.expiries[i],
            disclosed: p
                .a_disclosed
                .iter()
                .map(|(k, v)| (*k, v.0.clone()))
                .collect::<BTreeMap<usize, BigUint>>(),
            has_nonrevocation_proof: p.nonrev_proof.is_some(),
            not_revoked_before: None,
        })
        .collect()
}

/// Verifies a disclosure (`POST /proofs` of a disclosing session) at `now`.
pub fn verify_disclosure(
    conf: &Configuration,
    proofs: &[ProofD],
    indices: &[Vec<AttributeIndex>],
    request: &DisclosureRequest,
    now: i64,
) -> Result<Verdict, DisclosureError> {
    let r = resolve(conf, proofs)?;
    let list: Vec<Proof> = proofs.iter().cloned().map(Proof::D).collect();
    let keys: Vec<&PublicKey> = r.keys.iter().collect();
    let groups: Vec<&str> = r.groups.iter().map(String::as_str).collect();
    let context = request.base.context_or_default();
    let nonce = request.base.nonce_or_default();
    let crypto = || verify_proof_list(&list, &keys, &groups, &context, &nonce, false).is_ok();
    Ok(verify::verify_disclosure(
        &verified(&r, proofs),
        indices,
        Some(request),
        now,
        crypto,
    )?)
}

/// Verifies an attribute-based signature (`POST /proofs` of a signing session, or offline
/// without a request) at `now`, asking `trust` about the timestamp server's key.
pub async fn verify_signature<T: KeyTrust + Sync>(
    conf: &Configuration,
    signed: &SignedMessage<ProofD>,
    request: Option<&SignatureRequest>,
    trust: &T,
    now: i64,
) -> Result<Verdict, DisclosureError> {
    let proofs = &signed.signature;
    let r = resolve(conf, proofs)?;
    let disclosed = verified(&r, proofs);
    let timestamp_proofs: Vec<TimestampProof<'_>> = proofs
        .iter()
        .enumerate()
        .map(|(i, p)| TimestampProof {
            a: &p.a.0,
            disclosed: &disclosed[i].disclosed,
            attribute_count: r.infos[i].attributes.len(),
            modulus: r.keys[i].n(),
            bases: r.keys[i].bases(),
            max_message_bits: u64::from(r.keys[i].params().lm),
            timestamp_server: &r.timestamp_servers[i],
        })
        .collect();
    let list: Vec<Proof> = proofs.iter().cloned().map(Proof::D).collect();
    let keys: Vec<&PublicKey> = r.keys.iter().collect();
    let groups: Vec<&str> = r.groups.iter().map(String::as_str).collect();
    let crypto = |c: &crate::protocol::signature::Checked<'_>| {
        verify_proof_list(&list, &keys, &groups, c.context, &c.nonce, true).is_ok()
    };
    Ok(signed
        .verify(request, &disclosed, &timestamp_proofs, crypto, trust, now)
        .await?)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;
    use crate::protocol::request::SessionRequest;
    use crate::protocol::timestamp::TrustedKeys;

    fn shared() -> PathBuf {
        PathBuf::from("/work/shared")
    }

    /// Every recorded disclosure and signature, through the real crypto and scheme.
    #[tokio::test]
    async fn recorded_sessions() {
        let conf = Configuration::load(&shared().join("schemes")).unwrap();
        let mut n = 0;
        for dir in ["disclosure", "negative", "signature"] {
            for entry in std::fs::read_dir(shared().join("vectors").join(dir)).unwrap() {
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
                        .unwrap();
                let name = case["case"].as_str().unwrap().to_owned();
                let body = &case["client_message"]["body"];
                if body.is_null() {
                    continue;
                }
                let request: SessionRequest =
                    serde_json::from_value(case["client_session_request"]["request"].clone())
                        .unwrap();
                let now = case["recorded_at"].as_i64().unwrap();
                let result = if let SessionRequest::Signature(req) = &request {
                    let sm: SignedMessage<ProofD> = serde_json::from_value(body.clone()).unwrap();
                    let key = vec![
                        175, 233, 37, 29, 255, 102, 238, 200, 28, 97, 240, 20, 67, 252, 94, 77, 36,
                        181, 227, 197, 61, 154, 40, 238, 10, 171, 58, 16, 241, 110, 237, 154,
                    ];
                    verify_signature(&conf, &sm, Some(req), &TrustedKeys(vec![key]), now).await
                } else {
                    let proofs: Vec<ProofD> =
                        serde_json::from_value(body["proofs"].clone()).unwrap();
                    let indices: Vec<Vec<AttributeIndex>> =
                        serde_json::from_value(body["indices"].clone()).unwrap();
                    verify_disclosure(&conf, &proofs, &indices, request.disclosure(), now)
                };
                let expected = &case["session_result"];
                match result {
                    Ok(v) => {
                        assert_eq!(
                            serde_json::to_value(v.status).unwrap(),
                            expected["proofStatus"],
                            "{name}"
                        );
                        let d = if v.disclosed.is_empty() {
                            Value::Null
                        } else {
                            serde_json::to_value(&v.disclosed).unwrap()
                        };
                        assert_eq!(d, expected["disclosed"], "{name}");
                    }
                    Err(e) => {
                        assert_eq!(expected["status"], "CANCELLED", "{name}: {e}");
                    }
                }
                n += 1;
            }
        }
        assert_eq!(n, 22);
    }
}
