//! The protocol-level verdict on disclosure proofs that the crypto has already verified.
//!
//! After gabi checks the proof list (one Fiat–Shamir challenge, equal secret keys), irmago
//! decides the `proofStatus` and the `disclosed` attributes (`irma/verify.go`,
//! `irma/requests.go:440-547`; REFERENCE.md §3.3, §5.3 steps 6–8):
//!
//! 1. a singleton credential type occurs at most once, and every credential type listed in
//!    the request's `revocation` comes with a nonrevocation proof, else `INVALID`;
//! 2. each disjunction of `disclose` is matched with `indices[i]` (values, `notNull`,
//!    optional disjunctions, whole-credential requests), else `MISSING_ATTRIBUTES`;
//!    disclosed attributes no index points at are appended as one list with status `EXTRA`;
//! 3. an expired credential (unless listed in `skipExpiryCheck`), or one signed after its
//!    issuer key expired, gives `EXPIRED`.
//!
//! [`verify_disclosure`] wraps this around the crypto check for disclosure sessions; for
//! issuance, pass only the `ProofD`s (they come first in `combinedProofs`) with the request's
//! `disclose` plus any implicit disclosure; for signatures see
//! [`crate::protocol::signature::SignedMessage::verify`].
//!
//! Where the reference panics (an index pointing outside the proof list, at an attribute
//! that is not disclosed, or past the credential type's attributes) this returns a
//! [`DisclosureError`], which the server answers with a 400 and a cancelled session. The extra
//! attributes are listed in (proof, attribute) order; the reference lists them in Go's
//! random map order.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use num_bigint::BigUint;

use crate::protocol::attributes::{self, CredentialTypeInfo, MetadataAttribute};
use crate::protocol::identifiers::CredentialTypeId;
use crate::protocol::messages::{
    AttributeIndex, AttributeOrCredential, AttributeStatus, Disclosed, DisclosedAttribute,
    ProofStatus,
};
use crate::protocol::request::{AttributeCon, AttributeDisCon, DisclosureRequest};
use crate::protocol::translated::TranslatedString;

/// One disclosure proof, after the crypto accepted the whole proof list.
#[derive(Debug, Clone)]
pub struct VerifiedProof<'a> {
    /// The credential type its metadata names (looked up by the metadata's hash).
    pub credential_type: &'a CredentialTypeInfo,
    /// The metadata attribute, disclosed at index 1.
    pub metadata: MetadataAttribute,
    /// When the issuer public key that signed it expires (Unix seconds).
    pub public_key_expiry: i64,
    /// Every disclosed value by index (`a_disclosed`; 1 = metadata, 2.. = attributes).
    pub disclosed: BTreeMap<usize, BigUint>,
    /// Whether a (valid) nonrevocation proof came with it.
    pub has_nonrevocation_proof: bool,
    /// When non-revocation is only known up to a time older than the tolerance, that time.
    pub not_revoked_before: Option<i64>,
}

/// The irma-level result of a disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `VALID`, or why not.
    pub status: ProofStatus,
    /// Per disjunction of the request the disclosed attributes (`None` when unsatisfied),
    /// then possibly one list of `EXTRA` attributes. Empty when the status is `INVALID`.
    pub disclosed: Disclosed,
}

impl Verdict {
    fn invalid() -> Self {
        Self {
            status: ProofStatus::Invalid,
            disclosed: Vec::new(),
        }
    }
}

/// Disclosure messages the reference cannot process (it panics on them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    /// An index names a proof that is not there.
    #[error("index points at proof {cred}, but there are {proofs} proofs")]
    ProofOutOfRange {
        /// The proof index.
        cred: usize,
        /// How many proofs there are.
        proofs: usize,
    },
    /// An index names an attribute the credential type does not have.
    #[error(
        "index points at attribute {attr} of proof {cred}, which {credential_type} does not have"
    )]
    NoSuchAttribute {
        /// The proof index.
        cred: usize,
        /// The attribute index.
        attr: usize,
        /// The proof's credential type.
        credential_type: CredentialTypeId,
    },
    /// An index names an attribute the proof keeps hidden.
    #[error("index points at attribute {attr} of proof {cred}, which is not disclosed")]
    NotDisclosed {
        /// The proof index.
        cred: usize,
        /// The attribute index.
        attr: usize,
    },
    /// The metadata of a proof does not name the credential type it was given with.
    #[error("proof {cred}: metadata does not belong to credential type {credential_type}")]
    CredentialTypeMismatch {
        /// The proof index.
        cred: usize,
        /// The credential type given.
        credential_type: CredentialTypeId,
    },
}

/// Verifies a disclosure: `crypto` must check the proof list (context, session nonce,
/// `issig` false) and is not asked when there are no proofs at all, which the reference
/// accepts (then only the request decides: usually `MISSING_ATTRIBUTES`). A failing
/// `crypto` gives `INVALID`; otherwise [`verdict`] decides at `now`.
pub fn verify_disclosure(
    proofs: &[VerifiedProof<'_>],
    indices: &[Vec<AttributeIndex>],
    request: Option<&DisclosureRequest>,
    now: i64,
    crypto: impl FnOnce() -> bool,
) -> Result<Verdict, DisclosureError> {
    if !proofs.is_empty() && !crypto() {
        return Ok(Verdict::invalid());
    }
    verdict(proofs, indices, request, now)
}

/// Decides the status and disclosed attributes of verified `proofs` with their `indices`
/// against `request` (or, without a request, just reports every disclosed attribute as
/// `EXTRA`), with expiry checked at `valid_at` (now, or an ABS timestamp's time).
pub fn verdict(
    proofs: &[VerifiedProof<'_>],
    indices: &[Vec<AttributeIndex>],
    request: Option<&DisclosureRequest>,
    valid_at: i64,
) -> Result<Verdict, DisclosureError> {
    for (cred, proof) in proofs.iter().enumerate() {
        let id = &proof.credential_type.id;
        if proof.metadata.credential_type_hash() != attributes::credential_type_hash(id) {
            return Err(DisclosureError::CredentialTypeMismatch {
                cred,
                credential_type: id.clone(),
            });
        }
    }
    if !singletons_once(proofs) || !nonrevocation_present(proofs, request) {
        return Ok(Verdict::invalid());
    }

    let condiscon = request.map_or(&[][..], |r| &r.disclose[..]);
    let (complete, mut disclosed) = satisfy(proofs, indices, condiscon)?;
    let extra = extra_attributes(proofs, indices, condiscon.len())?;
    if !extra.is_empty() {
        disclosed.push(Some(extra));
    }
    if !complete {
        return Ok(Verdict {
            status: ProofStatus::MissingAttributes,
            disclosed,
        });
    }

    let skip = request.map_or(&[][..], |r| &r.skip_expiry_check[..]);
    let expired = proofs.iter().any(|p| {
        (!skip.contains(&p.credential_type.id) && p.metadata.expiry() < valid_at)
            || p.metadata.signing_date() > p.public_key_expiry
    });
    Ok(Verdict {
        status: if expired {
            ProofStatus::Expired
        } else {
            ProofStatus::Valid
        },
        disclosed,
    })
}

fn singletons_once(proofs: &[VerifiedProof<'_>]) -> bool {
    let mut seen = HashSet::new();
    proofs
        .iter()
        .filter(|p| p.credential_type.singleton)
        .all(|p| seen.insert(&p.credential_type.id))
}

fn nonrevocation_present(
    proofs: &[VerifiedProof<'_>],
    request: Option<&DisclosureRequest>,
) -> bool {
    let Some(request) = request else {
        return true;
    };
    proofs.iter().all(|p| {
        p.has_nonrevocation_proof
            || !request
                .base
                .revocation
                .0
                .contains_key(&p.credential_type.id)
    })
}

/// Matches every disjunction with its index list; `(all satisfied, per-disjunction result)`.
fn satisfy(
    proofs: &[VerifiedProof<'_>],
    indices: &[Vec<AttributeIndex>],
    condiscon: &[AttributeDisCon],
) -> Result<(bool, Disclosed), DisclosureError> {
    if indices.len() < condiscon.len() {
        return Ok((false, Vec::new()));
    }
    let mut complete = true;
    let mut list = Vec::with_capacity(condiscon.len());
    for (discon, chosen) in condiscon.iter().zip(indices) {
        let mut satisfied = None;
        for con in discon {
            if let Some(attrs) = satisfy_con(proofs, chosen, con)? {
                satisfied = Some(attrs);
                break;
            }
        }
        complete &= satisfied.is_some();
        list.push(satisfied);
    }
    Ok((complete, list))
}

/// Whether the attributes at `chosen` satisfy the inner conjunction `con`, in order.
fn satisfy_con(
    proofs: &[VerifiedProof<'_>],
    chosen: &[AttributeIndex],
    con: &AttributeCon,
) -> Result<Option<Vec<DisclosedAttribute>>, DisclosureError> {
    if chosen.len() < con.len() {
        return Ok(None);
    }
    // An empty conjunction makes the disjunction optional, but only when nothing was
    // disclosed for it (irmamobile#360).
    if con.is_empty() {
        return Ok(chosen.is_empty().then(Vec::new));
    }
    let mut attrs = Vec::with_capacity(con.len());
    for (request, index) in con.iter().zip(chosen) {
        let attr = extract(proofs, *index, AttributeStatus::Present)?;
        if !request.is_satisfied_by(&attr.id, attr.raw_value.as_deref()) {
            return Ok(None);
        }
        attrs.push(attr);
    }
    Ok(Some(attrs))
}

/// Disclosed attributes (other than metadata) that no index of a requested disjunction
/// points at, in (proof, attribute) order.
fn extra_attributes(
    proofs: &[VerifiedProof<'_>],
    indices: &[Vec<AttributeIndex>],
    requested: usize,
) -> Result<Vec<DisclosedAttribute>, DisclosureError> {
    let mut unreferenced: BTreeSet<AttributeIndex> = proofs
        .iter()
        .enumerate()
        .flat_map(|(cred, p)| {
            p.disclosed
                .keys()
                .filter(|attr| **attr > 1)
                .map(move |&attr| AttributeIndex { cred, attr })
        })
        .collect();
    for index in indices.iter().take(requested).flatten() {
        if index.cred >= proofs.len() {
            return Err(DisclosureError::ProofOutOfRange {
                cred: index.cred,
                proofs: proofs.len(),
            });
        }
        unreferenced.remove(index);
    }
    unreferenced
        .into_iter()
        .map(|index| extract(proofs, index, AttributeStatus::Extra))
        .collect()
}

/// The disclosed attribute at `index` (irmago `extractAttribute` + `parseAttribute`).
/// `status` is used for present values; null values get [`AttributeStatus::Null`].
fn extract(
    proofs: &[VerifiedProof<'_>],
    index: AttributeIndex,
    status: AttributeStatus,
) -> Result<DisclosedAttribute, DisclosureError> {
    let AttributeIndex { cred, attr } = index;
    let proof = proofs.get(cred).ok_or(DisclosureError::ProofOutOfRange {
        cred,
        proofs: proofs.len(),
    })?;
    let credential_type = proof.credential_type;
    let (id, raw_value) = if attr == 1 {
        let id = AttributeOrCredential::Credential(credential_type.id.clone());
        (id, Some("present".to_owned()))
    } else {
        let (info, attr_id) = attr
            .checked_sub(2)
            .and_then(|i| credential_type.attributes.get(i))
            .and_then(|info| Some((info, info.id.as_ref()?)))
            .ok_or_else(|| DisclosureError::NoSuchAttribute {
                cred,
                attr,
                credential_type: credential_type.id.clone(),
            })?;
        let value = proof
            .disclosed
            .get(&attr)
            .ok_or(DisclosureError::NotDisclosed { cred, attr })?;
        let raw = if info.random_blind {
            Some(attributes::decode_random_blind(value))
        } else {
            attributes::decode_value(value, proof.metadata.version())
        };
        (AttributeOrCredential::Attribute(attr_id.clone()), raw)
    };
    Ok(DisclosedAttribute {
        value: raw_value.as_deref().map(TranslatedString::untranslated),
        status: if raw_value.is_some() {
            status
        } else {
            AttributeStatus::Null
        },
        raw_value,
        id,
        issuance_time: proof.metadata.signing_date(),
        not_revoked: proof.has_nonrevocation_proof,
        not_revoked_before: proof.not_revoked_before,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    //! The verdict on every recorded disclosure and signature, built from the recorded
    //! messages with a small test-only reading of the irma-demo scheme.

    use std::collections::HashMap;
    use std::path::PathBuf;

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::crypto::bigint::Int;
    use crate::protocol::attributes::{AttributeInfo, EPOCH_SECONDS as EPOCH};
    use crate::protocol::request::{AttributeRequest, SessionRequest};

    /// A verdict equals the recorded `session_result` of a reference vector
    /// (`proofStatus`, and `disclosed`, which the reference writes as null when empty).
    pub(crate) fn assert_matches_recorded(verdict: &Verdict, expected: &Value, name: &str) {
        assert_eq!(
            serde_json::to_value(verdict.status).unwrap(),
            expected["proofStatus"],
            "{name}"
        );
        let disclosed = if verdict.disclosed.is_empty() {
            Value::Null
        } else {
            serde_json::to_value(&verdict.disclosed).unwrap()
        };
        assert_eq!(disclosed, expected["disclosed"], "{name}");
    }

    /// Cases whose recorded verdict comes from the crypto rejecting the proofs (or the
    /// signature's nonce check in `signature.rs`), so this layer never runs on them.
    const DECIDED_BEFORE_THIS_LAYER: &[&str] = &[
        "negative/changed-disclosed-value",
        "negative/flipped-bit-a_response",
        "negative/flipped-bit-c",
        "negative/replayed-proof",
        "negative/signature-flipped-bit",
        "negative/signature-changed-message",
    ];

    /// Cases where the reference panics and we answer with an error.
    const REFERENCE_PANICS: &[&str] = &[
        "negative/indices-undisclosed-attribute",
        "negative/missing-proof",
    ];

    pub(crate) fn test_data() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
    }

    /// The `name="…"` XML attribute inside one start tag.
    fn xml_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[start..].split('"').next()
    }

    fn xml_text<'a>(xml: &'a str, element: &str) -> Option<&'a str> {
        let start = xml.find(&format!("<{element}>"))? + element.len() + 2;
        xml[start..].split('<').next()
    }

    /// Test-only reading of a scheme: credential types by metadata hash, and issuer key
    /// expiry dates by (issuer, counter). The real loader is `crate::scheme`.
    pub(crate) struct TestScheme {
        pub(crate) types: HashMap<[u8; 16], CredentialTypeInfo>,
        key_expiry: HashMap<(String, u16), i64>,
    }

    impl TestScheme {
        pub(crate) fn irma_demo() -> Self {
            let root = test_data().join("schemes/irma-demo");
            let mut types = HashMap::new();
            let mut key_expiry = HashMap::new();
            for issuer in std::fs::read_dir(&root).unwrap() {
                let issuer = issuer.unwrap().path();
                let issuer_name = issuer.file_name().unwrap().to_str().unwrap().to_owned();
                if let Ok(keys) = std::fs::read_dir(issuer.join("PublicKeys")) {
                    for key in keys {
                        let key = key.unwrap().path();
                        let counter: u16 =
                            key.file_stem().unwrap().to_str().unwrap().parse().unwrap();
                        let xml = std::fs::read_to_string(&key).unwrap();
                        let expiry = xml_text(&xml, "ExpiryDate").unwrap().parse().unwrap();
                        key_expiry.insert((format!("irma-demo.{issuer_name}"), counter), expiry);
                    }
                }
                let Ok(creds) = std::fs::read_dir(issuer.join("Issues")) else {
                    continue;
                };
                for cred in creds {
                    let cred = cred.unwrap().path();
                    let name = cred.file_name().unwrap().to_str().unwrap();
                    let id = CredentialTypeId::parse(&format!("irma-demo.{issuer_name}.{name}"))
                        .unwrap();
                    let xml = std::fs::read_to_string(cred.join("description.xml")).unwrap();
                    let attributes = xml
                        .split("<Attribute ")
                        .skip(1)
                        .map(|tag| {
                            let tag = format!(" {}", tag.split('>').next().unwrap());
                            let tag = tag.as_str();
                            AttributeInfo {
                                id: xml_attr(tag, "id").map(|a| id.attribute(a).unwrap()),
                                random_blind: xml_attr(tag, "randomblind") == Some("true"),
                                optional: xml_attr(tag, "optional") == Some("true"),
                            }
                        })
                        .collect();
                    let singleton = xml_text(&xml, "ShouldBeSingleton") == Some("true");
                    let info = CredentialTypeInfo {
                        id: id.clone(),
                        attributes,
                        singleton,
                    };
                    types.insert(attributes::credential_type_hash(&id), info);
                }
            }
            Self { types, key_expiry }
        }

        /// The glue `crate::scheme` will do: metadata → credential type and key expiry.
        pub(crate) fn proof<'a>(&'a self, a_disclosed: &Value) -> VerifiedProof<'a> {
            let disclosed: BTreeMap<usize, BigUint> = a_disclosed
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.parse().unwrap(),
                        Int::from_base64(v.as_str().unwrap()).unwrap().0,
                    )
                })
                .collect();
            let metadata = MetadataAttribute::from_int(&disclosed[&1]).unwrap();
            let credential_type = &self.types[&metadata.credential_type_hash()];
            let issuer = credential_type.id.issuer().to_string();
            VerifiedProof {
                credential_type,
                metadata,
                public_key_expiry: self.key_expiry[&(issuer, metadata.key_counter())],
                disclosed,
                has_nonrevocation_proof: false,
                not_revoked_before: None,
            }
        }
    }

    pub(crate) fn cases(dirs: &[&str]) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for dir in dirs {
            for entry in std::fs::read_dir(test_data().join("vectors").join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                out.push((case["case"].as_str().unwrap().to_owned(), case));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn crypto_is_skipped_only_for_empty_proof_lists() {
        let scheme = TestScheme::irma_demo();
        let (_, proofs) = single_over18(&scheme);
        let idx = vec![vec![AttributeIndex { cred: 0, attr: 4 }]];
        let request = demo_request(
            serde_json::json!({"disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]}),
        );
        let v = verify_disclosure(&proofs, &idx, Some(&request), 0, || false).unwrap();
        assert_eq!(v, Verdict::invalid());
        let v = verify_disclosure(&proofs, &idx, Some(&request), 0, || true).unwrap();
        assert_eq!(v.status, ProofStatus::Valid);
        let v = verify_disclosure(&[], &[], Some(&request), 0, || panic!("asked")).unwrap();
        assert_eq!(v.status, ProofStatus::MissingAttributes);
    }

    fn run(scheme: &TestScheme, case: &Value) -> Result<Verdict, DisclosureError> {
        let body = &case["client_message"]["body"];
        let proofs_json = body.get("proofs").unwrap_or(&body["signature"]);
        let proofs: Vec<VerifiedProof<'_>> = proofs_json
            .as_array()
            .unwrap()
            .iter()
            .map(|p| scheme.proof(&p["a_disclosed"]))
            .collect();
        let indices: Vec<Vec<AttributeIndex>> =
            serde_json::from_value(body["indices"].clone()).unwrap();
        let request: SessionRequest =
            serde_json::from_value(case["client_session_request"]["request"].clone()).unwrap();
        let valid_at = body["timestamp"]["Time"]
            .as_i64()
            .unwrap_or_else(|| case["recorded_at"].as_i64().unwrap());
        verdict(&proofs, &indices, Some(request.disclosure()), valid_at)
    }

    #[test]
    fn recorded_verdicts() {
        let scheme = TestScheme::irma_demo();
        let mut checked = Vec::new();
        for (name, case) in cases(&["disclosure", "negative", "signature"]) {
            if case["client_message"].is_null()
                || DECIDED_BEFORE_THIS_LAYER.contains(&name.as_str())
            {
                continue;
            }
            let result = run(&scheme, &case);
            if REFERENCE_PANICS.contains(&name.as_str()) {
                assert!(result.is_err(), "{name}: {result:?}");
                assert_eq!(case["session_result"]["status"], "CANCELLED");
            } else {
                let verdict = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_matches_recorded(&verdict, &case["session_result"], &name);
            }
            checked.push(name);
        }
        assert_eq!(checked.len(), 16, "{checked:?}");
    }

    fn demo_request(json: Value) -> DisclosureRequest {
        let mut json = json;
        json["@context"] = "https://irma.app/ld/request/disclosure/v2".into();
        match serde_json::from_value(json).unwrap() {
            SessionRequest::Disclosure(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn single_over18(scheme: &TestScheme) -> (Value, Vec<VerifiedProof<'_>>) {
        let case = cases(&["disclosure"])
            .into_iter()
            .find(|(n, _)| n == "disclosure/single-over18")
            .unwrap()
            .1;
        let proof = scheme.proof(&case["client_message"]["body"]["proofs"][0]["a_disclosed"]);
        (case, vec![proof])
    }

    #[test]
    fn expiry_and_key_expiry() {
        let scheme = TestScheme::irma_demo();
        let (_, proofs) = single_over18(&scheme);
        let idx = vec![vec![AttributeIndex { cred: 0, attr: 4 }]];
        let request = demo_request(
            serde_json::json!({"disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]}),
        );
        let expiry = proofs[0].metadata.expiry();
        let at = |t| verdict(&proofs, &idx, Some(&request), t).unwrap().status;
        assert_eq!(at(expiry), ProofStatus::Valid);
        assert_eq!(at(expiry + 1), ProofStatus::Expired);
        let mut skipping = request.clone();
        skipping.skip_expiry_check = vec![proofs[0].credential_type.id.clone()];
        assert_eq!(
            verdict(&proofs, &idx, Some(&skipping), expiry + 1)
                .unwrap()
                .status,
            ProofStatus::Valid
        );
        let mut old_key = proofs.clone();
        old_key[0].public_key_expiry = old_key[0].metadata.signing_date() - 1;
        assert_eq!(
            verdict(&old_key, &idx, Some(&skipping), 0).unwrap().status,
            ProofStatus::Expired
        );
    }

    #[test]
    fn singletons_revocation_and_values() {
        let scheme = TestScheme::irma_demo();
        let (_, proofs) = single_over18(&scheme);
        assert!(proofs[0].credential_type.singleton);
        let twice = vec![proofs[0].clone(), proofs[0].clone()];
        let idx = vec![vec![AttributeIndex { cred: 0, attr: 4 }]];
        let request = demo_request(
            serde_json::json!({"disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]}),
        );
        assert_eq!(
            verdict(&twice, &idx, Some(&request), 0).unwrap(),
            Verdict::invalid()
        );

        let revoking = demo_request(serde_json::json!({
            "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]],
            "revocation": ["irma-demo.MijnOverheid.ageLower"]
        }));
        assert_eq!(
            verdict(&proofs, &idx, Some(&revoking), 0).unwrap(),
            Verdict::invalid()
        );
        let mut with_proof = proofs.clone();
        with_proof[0].has_nonrevocation_proof = true;
        with_proof[0].not_revoked_before = Some(7);
        let v = verdict(&with_proof, &idx, Some(&revoking), 0).unwrap();
        assert_eq!(v.status, ProofStatus::Valid);
        let attr = v.disclosed[0].as_ref().unwrap()[0].clone();
        assert!(attr.not_revoked);
        assert_eq!(attr.not_revoked_before, Some(7));

        // A pinned value that differs, and notNull on a present value.
        let wrong = demo_request(
            serde_json::json!({"disclose": [[[{"type": "irma-demo.MijnOverheid.ageLower.over18", "value": "no"}]]]}),
        );
        let v = verdict(&proofs, &idx, Some(&wrong), 0).unwrap();
        assert_eq!(v.status, ProofStatus::MissingAttributes);
        // Referenced attributes are never extra, even when they do not satisfy.
        assert_eq!(v.disclosed, vec![None]);

        // Second option chosen after the first fails; an optional disjunction with indices
        // present is not the empty choice.
        let optional = demo_request(serde_json::json!({"disclose": [[[]]]}));
        let v = verdict(&proofs, &idx, Some(&optional), 0).unwrap();
        assert_eq!(v.status, ProofStatus::MissingAttributes);
        let none: Vec<Vec<AttributeIndex>> = vec![vec![]];
        let v = verdict(&proofs, &none, Some(&optional), 0).unwrap();
        assert_eq!(v.status, ProofStatus::Valid);
        assert_eq!(v.disclosed[0], Some(vec![]));
        assert_eq!(
            v.disclosed[1].as_ref().unwrap()[0].status,
            AttributeStatus::Extra
        );
    }

    #[test]
    fn bad_indices_are_errors() {
        let scheme = TestScheme::irma_demo();
        let (_, proofs) = single_over18(&scheme);
        let request = demo_request(
            serde_json::json!({"disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]}),
        );
        for (cred, attr) in [
            (1, 4),
            (0, 0),
            (0, 3),
            (0, 6),
            (0, usize::MAX),
            (usize::MAX, 1),
        ] {
            let idx = vec![vec![AttributeIndex { cred, attr }]];
            assert!(
                verdict(&proofs, &idx, Some(&request), 0).is_err(),
                "({cred}, {attr})"
            );
        }
        // Out-of-range index lists beyond the request are ignored, as in the reference.
        let idx = vec![
            vec![AttributeIndex { cred: 0, attr: 4 }],
            vec![AttributeIndex { cred: 9, attr: 9 }],
        ];
        assert_eq!(
            verdict(&proofs, &idx, Some(&request), 0).unwrap().status,
            ProofStatus::Valid
        );
        // Without a request everything disclosed is extra.
        let v = verdict(&proofs, &[], None, 0).unwrap();
        assert_eq!(v.status, ProofStatus::Valid);
        assert_eq!(v.disclosed.len(), 1);
    }

    fn synthetic_type() -> CredentialTypeInfo {
        let id = CredentialTypeId::parse("x.y.z").unwrap();
        CredentialTypeInfo {
            attributes: [Some("a"), Some("b"), Some("c"), None]
                .iter()
                .enumerate()
                .map(|(i, name)| AttributeInfo {
                    id: name.map(|n| id.attribute(n).unwrap()),
                    random_blind: i == 2,
                    optional: false,
                })
                .collect(),
            singleton: false,
            id,
        }
    }

    #[test]
    fn random_blind_and_revocation_attributes() {
        let info = synthetic_type();
        let meta = MetadataAttribute::new(&info.id, 0, 0, EPOCH).unwrap();
        let proof = VerifiedProof {
            credential_type: &info,
            metadata: meta,
            public_key_expiry: i64::MAX,
            disclosed: [
                (1, meta.to_int()),
                (4, BigUint::from(62u8)),
                (5, BigUint::from(3u8)),
            ]
            .into_iter()
            .collect(),
            has_nonrevocation_proof: false,
            not_revoked_before: None,
        };
        let proofs = [proof];
        // The random-blind attribute shows as base62; the revocation attribute cannot be
        // reported at all.
        assert!(matches!(
            verdict(&proofs, &[], None, 0),
            Err(DisclosureError::NoSuchAttribute { attr: 5, .. })
        ));
        let mut only_blind = proofs.clone();
        only_blind[0].disclosed.remove(&5);
        let v = verdict(&only_blind, &[], None, 0).unwrap();
        let attr = &v.disclosed[0].as_ref().unwrap()[0];
        assert_eq!(attr.raw_value.as_deref(), Some("10"));
        assert_eq!(attr.id.as_str(), "x.y.z.c");
    }

    proptest! {
        #[test]
        fn verdict_never_panics(
            disclosed in proptest::collection::vec(
                proptest::collection::btree_map(0usize..7, proptest::collection::vec(any::<u8>(), 0..6), 0..6), 0..3),
            indices in proptest::collection::vec(
                proptest::collection::vec((0usize..4, 0usize..7), 0..4), 0..4),
            disclose in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(
                    prop::sample::select(vec!["x.y.z", "x.y.z.a", "x.y.z.b", "x.y.z.c", "x.y.w.a"]), 0..3), 1..3), 0..3),
            values in proptest::collection::vec(prop::option::of("[a-c]{0,2}"), 0..4),
            not_null in any::<bool>(),
            at in any::<i64>(),
        ) {
            let info = synthetic_type();
            let meta = MetadataAttribute::new(&info.id, 0, 0, EPOCH).unwrap();
            let proofs: Vec<VerifiedProof<'_>> = disclosed
                .into_iter()
                .map(|mut values| {
                    let mut disclosed: BTreeMap<usize, BigUint> = values
                        .iter_mut()
                        .map(|(k, v)| (*k, BigUint::from_bytes_be(v)))
                        .collect();
                    disclosed.insert(1, meta.to_int());
                    VerifiedProof {
                        credential_type: &info,
                        metadata: meta,
                        public_key_expiry: i64::MAX,
                        disclosed,
                        has_nonrevocation_proof: false,
                        not_revoked_before: None,
                    }
                })
                .collect();
            let indices: Vec<Vec<AttributeIndex>> = indices
                .into_iter()
                .map(|l| l.into_iter().map(|(cred, attr)| AttributeIndex { cred, attr }).collect())
                .collect();
            let mut value_iter = values.into_iter().cycle();
            let request = DisclosureRequest {
                disclose: disclose
                    .into_iter()
                    .map(|discon| discon.into_iter().map(|con| con.into_iter().map(|id| AttributeRequest {
                        id: AttributeOrCredential::parse(id).unwrap(),
                        value: value_iter.next().flatten(),
                        not_null,
                    }).collect()).collect())
                    .collect(),
                ..Default::default()
            };
            if let Ok(v) = verdict(&proofs, &indices, Some(&request), at) {
                prop_assert!(v.disclosed.len() <= request.disclose.len() + 1);
                if v.status == ProofStatus::Valid {
                    prop_assert!(v.disclosed.iter().take(request.disclose.len()).all(Option::is_some));
                }
            }
        }
    }
}
