//! The Idemix core against the proofs and signatures recorded from the reference
//! (`tests/data/vectors`), and round trips between our holder, issuer and verifier.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use irma::crypto::bigint::Int;
use irma::crypto::idemix::{
    self, CLSignature, Credential, CredentialBuilder, IssueCommitmentMessage,
    IssueSignatureMessage, Issuer, PrivateKey, Proof, ProofD, ProofError, ProofList, ProofRequest,
    PublicKey, SecretKey, build_proof_list, signature_nonce, verify_proof_list,
};
use num_bigint::BigUint;
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util::data_dir;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn int(v: &Value) -> BigUint {
    serde_json::from_value::<Int>(v.clone()).unwrap().0
}

fn demo_scheme() -> PathBuf {
    data_dir().join("schemes/irma-demo")
}

/// Every case file of the vectors that has a client message, by case name.
fn cases() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let root = data_dir().join("vectors");
    for folder in ["disclosure", "negative", "signature", "issuance", "jwt"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let case = read_json(&file);
            if case["client_message"]["body"].is_object() {
                let name = format!("{folder}/{}", file.file_stem().unwrap().to_string_lossy());
                out.push((name, case));
            }
        }
    }
    out
}

/// Public keys of the irma-demo scheme by (issuer, counter), and credential types by the
/// first 16 bytes of SHA-256 of their identifier (what the metadata attribute holds).
struct Demo {
    keys: HashMap<(String, u16), PublicKey>,
    credtypes: HashMap<Vec<u8>, String>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut keys = HashMap::new();
        let mut credtypes = HashMap::new();
        for issuer in std::fs::read_dir(demo_scheme()).unwrap() {
            let issuer = issuer.unwrap().path();
            let name = issuer.file_name().unwrap().to_string_lossy().into_owned();
            if let Ok(files) = std::fs::read_dir(issuer.join("PublicKeys")) {
                for file in files {
                    let file = file.unwrap().path();
                    let key =
                        PublicKey::from_xml(&std::fs::read_to_string(&file).unwrap()).unwrap();
                    keys.insert((name.clone(), key.counter() as u16), key);
                }
            }
            if let Ok(creds) = std::fs::read_dir(issuer.join("Issues")) {
                for cred in creds {
                    let cred = cred.unwrap().file_name().to_string_lossy().into_owned();
                    let id = format!("irma-demo.{name}.{cred}");
                    credtypes.insert(Sha256::digest(id.as_bytes())[..16].to_vec(), name.clone());
                }
            }
        }
        Demo { keys, credtypes }
    })
}

/// The public key named by a ProofD's metadata attribute (`a_disclosed[1]`).
fn key_of(proof: &ProofD) -> &'static PublicKey {
    let metadata = proof.a_disclosed[&1].0.to_bytes_be();
    assert_eq!(metadata.len(), 24, "metadata attribute");
    let counter = u16::from_be_bytes([metadata[6], metadata[7]]);
    let issuer = &demo().credtypes[&metadata[8..24]];
    &demo().keys[&(issuer.clone(), counter)]
}

fn latest_private_key(issuer: &str) -> (PrivateKey, &'static PublicKey) {
    let dir = demo_scheme().join(issuer).join("PrivateKeys");
    let latest = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".xml").parse::<u16>().unwrap()
        })
        .max()
        .unwrap();
    let xml = std::fs::read_to_string(dir.join(format!("{latest}.xml"))).unwrap();
    let sk = PrivateKey::from_xml(&xml).unwrap();
    (sk, &demo().keys[&(issuer.to_owned(), latest)])
}

fn disclosure_keys(proofs: &ProofList) -> Vec<&'static PublicKey> {
    proofs
        .0
        .iter()
        .map(|p| match p {
            Proof::D(d) => key_of(d),
            Proof::U(_) => panic!("unexpected ProofU"),
        })
        .collect()
}

fn assert_json_round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> T {
    let parsed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&parsed).unwrap(), value);
    parsed
}

/// Cases whose proofs the reference found cryptographically invalid.
const INVALID: [&str; 6] = [
    "negative/flipped-bit-a_response",
    "negative/flipped-bit-c",
    "negative/changed-disclosed-value",
    "negative/replayed-proof",
    "negative/signature-flipped-bit",
    "issuance/negative-tampered-commitment",
];

/// Verifies the proofs of one recorded client message with the session's nonce and context.
fn verify_case(case: &Value) -> Result<(), ProofError> {
    let body = &case["client_message"]["body"];
    let request = &case["client_session_request"]["request"];
    let context = int(&request["context"]);
    if let Some(proofs) = body.get("proofs") {
        let proofs: ProofList = assert_json_round_trip(proofs);
        let keys = disclosure_keys(&proofs);
        verify_proof_list(
            &proofs.0,
            &keys,
            &[],
            &context,
            &int(&request["nonce"]),
            false,
        )
    } else if let Some(signature) = body.get("signature") {
        let proofs: ProofList = assert_json_round_trip(signature);
        let keys = disclosure_keys(&proofs);
        let timestamp = body["timestamp"]["Sig"]["Data"].as_str().map(|data| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap()
        });
        // The verifier signs off on the request's message, not the one in the body.
        let nonce = signature_nonce(
            &int(&request["nonce"]),
            request["message"].as_str().unwrap(),
            timestamp.as_deref(),
        );
        let result = verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, true);
        if result.is_ok() {
            // The same proofs are no disclosure proofs, and no proofs over another message.
            assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).is_err());
            let other = signature_nonce(&int(&request["nonce"]), "other", timestamp.as_deref());
            assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &other, true).is_err());
        }
        result
    } else {
        // irmago adds `indices` (of the disclosed attributes) to gabi's message.
        let mut gabi_body = body.clone();
        gabi_body.as_object_mut().unwrap().remove("indices");
        let message: IssueCommitmentMessage = assert_json_round_trip(&gabi_body);
        let credentials = request["credentials"].as_array().unwrap();
        let disclosed = message.proofs.0.len() - credentials.len();
        let mut keys = disclosure_keys(&ProofList(message.proofs.0[..disclosed].to_vec()));
        for credential in credentials {
            let id = credential["credential"].as_str().unwrap();
            let issuer = id.split('.').nth(1).unwrap();
            keys.push(latest_private_key(issuer).1);
        }
        verify_proof_list(
            &message.proofs.0,
            &keys,
            &[],
            &context,
            &int(&request["nonce"]),
            false,
        )
    }
}

#[test]
fn recorded_proofs_verify_exactly_when_the_reference_accepted_them() {
    let cases = cases();
    assert!(cases.len() >= 30, "{}", cases.len());
    for (name, case) in &cases {
        let result = verify_case(case);
        match name.as_str() {
            "negative/missing-proof" | "negative/empty-disclosure" => {
                assert_eq!(result, Err(ProofError::Empty), "{name}")
            }
            n if INVALID.contains(&n) => assert!(result.is_err(), "{name} verified"),
            _ => assert_eq!(result, Ok(()), "{name}"),
        }
    }
}

#[test]
fn recorded_issuer_signatures_verify_with_n2() {
    let mut checked = 0;
    for (name, case) in cases() {
        let Some(sigs) = case["server_response_to_client_message"]["body"]["sigs"].as_array()
        else {
            continue;
        };
        let request = &case["client_session_request"]["request"];
        let nonce2 = int(&case["client_message"]["body"]["n_2"]);
        let context = int(&request["context"]);
        for (sig, credential) in sigs.iter().zip(request["credentials"].as_array().unwrap()) {
            let message: IssueSignatureMessage = assert_json_round_trip(sig);
            let issuer = credential["credential"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap();
            let pk = latest_private_key(issuer).1;
            assert!(
                message
                    .proof
                    .verify(pk, &message.signature, &context, &nonce2),
                "{name}"
            );
            let wrong = &nonce2 + 1u32;
            assert!(
                !message
                    .proof
                    .verify(pk, &message.signature, &context, &wrong),
                "{name}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked}");
}

struct Wallet {
    secret: SecretKey,
    credentials: Vec<Credential>,
}

fn wallet() -> Wallet {
    let dump = read_json(&data_dir().join("vectors/credentials/wallet-P.json"))["dump"].clone();
    let secret = SecretKey::from_value(
        BigUint::parse_bytes(dump["secretKey"].as_str().unwrap().as_bytes(), 10).unwrap(),
    )
    .unwrap();
    let decimal = |v: &Value| BigUint::parse_bytes(v.as_str().unwrap().as_bytes(), 10).unwrap();
    let credentials = dump["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let issuer = c["issuer"].as_str().unwrap().split('.').nth(1).unwrap();
            let counter = c["publicKeyCounter"].as_u64().unwrap() as u16;
            let pk = demo().keys[&(issuer.to_owned(), counter)].clone();
            let signature = CLSignature {
                a: Int(decimal(&c["A"])),
                e: Int(decimal(&c["e"])),
                v: Int(decimal(&c["v"])),
                keyshare_p: None,
            };
            let mut attributes = vec![secret.value().clone()];
            attributes.extend(c["attributes"].as_array().unwrap().iter().map(decimal));
            Credential::new(pk, signature, attributes).unwrap()
        })
        .collect();
    Wallet {
        secret,
        credentials,
    }
}

#[test]
fn wallet_credentials_verify_and_prove_together() {
    let wallet = wallet();
    assert_eq!(wallet.credentials.len(), 5);
    // The signature is over the secret key: another key does not verify.
    let first = &wallet.credentials[0];
    let mut other = first.attributes().to_vec();
    other[0] = wallet.secret.value() + 1u32;
    assert!(!first.signature().verify(first.public_key(), &other));

    let context = BigUint::from(1u8);
    let nonce = BigUint::from(0x1234_5678_9abc_def0u64);
    let subsets: [&[usize]; 5] = [&[1], &[1, 2], &[1, 3, 4], &[1, 2, 3, 4, 5], &[1, 5]];
    let requests: Vec<_> = wallet
        .credentials
        .iter()
        .zip(subsets)
        .map(|(credential, disclosed)| ProofRequest::Disclosure {
            credential,
            disclosed,
            nonrev: false,
        })
        .collect();
    let proofs = build_proof_list(&requests, &context, &nonce, false).unwrap();
    let keys: Vec<_> = wallet.credentials.iter().map(|c| c.public_key()).collect();
    verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).unwrap();
    let responses: Vec<_> = proofs
        .0
        .iter()
        .map(|p| p.secret_key_response().unwrap())
        .collect();
    assert!(responses.windows(2).all(|w| w[0] == w[1]));
    for (proof, disclosed) in proofs.0.iter().zip(subsets) {
        let Proof::D(d) = proof else { panic!() };
        assert_eq!(d.a_disclosed.keys().copied().collect::<Vec<_>>(), disclosed);
        assert!(d.a_responses.contains_key(&0));
    }
    // The verifier refuses: another nonce, a signature nonce, a proof dropped from the list.
    assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &(&nonce + 1u32), false).is_err());
    assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, true).is_err());
    assert!(verify_proof_list(&proofs.0[1..], &keys[1..], &[], &context, &nonce, false).is_err());
    // JSON round trip keeps the proofs valid.
    let json = serde_json::to_string(&proofs).unwrap();
    let parsed: ProofList = serde_json::from_str(&json).unwrap();
    verify_proof_list(&parsed.0, &keys, &[], &context, &nonce, false).unwrap();
}

#[test]
fn secret_key_responses_are_compared_per_keyshare_group() {
    let wallet = wallet();
    let stranger = SecretKey::generate().unwrap();
    let theirs = issue(
        &stranger,
        &[Some(demo_metadata()), Some(BigUint::from(9u8))],
    );
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(99u8);
    let requests = [
        ProofRequest::Disclosure {
            credential: &wallet.credentials[0],
            disclosed: &[1],
            nonrev: false,
        },
        ProofRequest::Disclosure {
            credential: &theirs,
            disclosed: &[1],
            nonrev: false,
        },
    ];
    // One challenge over credentials of two holders: valid proofs, different secret keys.
    let proofs = build_proof_list(&requests, &context, &nonce, false).unwrap();
    let keys = [wallet.credentials[0].public_key(), theirs.public_key()];
    assert_ne!(
        proofs.0[0].secret_key_response(),
        proofs.0[1].secret_key_response()
    );
    verify_proof_list(
        &proofs.0,
        &keys,
        &["irma-demo", "pbdf"],
        &context,
        &nonce,
        false,
    )
    .unwrap();
    for groups in [&["", ""][..], &[]] {
        assert_eq!(
            verify_proof_list(&proofs.0, &keys, groups, &context, &nonce, false),
            Err(ProofError::SecretKey)
        );
    }
    assert!(matches!(
        verify_proof_list(&proofs.0, &keys, &[""], &context, &nonce, false),
        Err(ProofError::Mismatch { .. })
    ));
}

/// The irma-demo MijnOverheid key pair 2 (1024 bits).
fn mijn_overheid() -> (&'static PrivateKey, &'static PublicKey) {
    static SK: OnceLock<PrivateKey> = OnceLock::new();
    let sk = SK.get_or_init(|| latest_private_key("MijnOverheid").0);
    (sk, latest_private_key("MijnOverheid").1)
}

/// Issues a credential over `attributes` (base 1 onwards; `None` = random blind) with our
/// holder and issuer, checking the issuer's verification of the commitment on the way.
fn issue(secret: &SecretKey, attributes: &[Option<BigUint>]) -> Credential {
    let (sk, pk) = mijn_overheid();
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(0xfeed_u32);
    let nonce2 = BigUint::from(0xbeef_u32);
    let blind: Vec<_> = (0..attributes.len())
        .filter(|&i| attributes[i].is_none())
        .collect();
    let builder = CredentialBuilder::new(pk, &context, secret, &nonce2, None, &blind).unwrap();
    let proofs =
        build_proof_list(&[ProofRequest::Issuance(&builder)], &context, &nonce, false).unwrap();
    verify_proof_list(&proofs.0, &[pk], &[], &context, &nonce, false).unwrap();
    let Proof::U(proof_u) = &proofs.0[0] else {
        panic!()
    };
    let issuer = Issuer::new(sk, pk, &context).unwrap();
    let message = issuer
        .issue_signature(&proof_u.u, attributes, builder.nonce2())
        .unwrap();
    assert_eq!(message.m_issuer.len(), blind.len());
    let json = serde_json::to_value(&message).unwrap();
    let message: IssueSignatureMessage = serde_json::from_value(json).unwrap();
    builder.construct_credential(&message, attributes).unwrap()
}

#[test]
fn issuance_with_disclosure_in_one_list() {
    let wallet = wallet();
    let (sk, pk) = mijn_overheid();
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(7u8);
    let nonce2 = BigUint::from(8u8);
    let builder = CredentialBuilder::new(pk, &context, &wallet.secret, &nonce2, None, &[]).unwrap();
    let requests = [
        ProofRequest::Disclosure {
            credential: &wallet.credentials[1],
            disclosed: &[1, 2],
            nonrev: false,
        },
        ProofRequest::Issuance(&builder),
    ];
    let proofs = build_proof_list(&requests, &context, &nonce, false).unwrap();
    let keys = [wallet.credentials[1].public_key(), pk];
    verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).unwrap();
    assert_eq!(
        proofs.0[0].secret_key_response(),
        proofs.0[1].secret_key_response()
    );
    // A commitment to another secret key in the same list is refused.
    let stranger = SecretKey::generate().unwrap();
    let other = CredentialBuilder::new(pk, &context, &stranger, &nonce2, None, &[]).unwrap();
    let theirs =
        build_proof_list(&[ProofRequest::Issuance(&other)], &context, &nonce, false).unwrap();
    let mixed = vec![proofs.0[0].clone(), theirs.0[0].clone()];
    assert!(verify_proof_list(&mixed, &keys, &[], &context, &nonce, false).is_err());

    let Proof::U(u) = &proofs.0[1] else { panic!() };
    let attributes: Vec<_> = wallet.credentials[1].attributes()[1..]
        .iter()
        .cloned()
        .map(Some)
        .collect();
    let issuer = Issuer::new(sk, pk, &context).unwrap();
    let message = issuer.issue_signature(&u.u, &attributes, &nonce2).unwrap();
    let credential = builder.construct_credential(&message, &attributes).unwrap();
    assert_eq!(credential.attributes(), wallet.credentials[1].attributes());
    // The holder refuses a ProofS for another n_2 and a signature on other attributes.
    let mut tampered = message.clone();
    tampered.proof.e_response = Int(&tampered.proof.e_response.0 + 1u32);
    assert!(
        builder
            .construct_credential(&tampered, &attributes)
            .is_err()
    );
    let mut changed = attributes.clone();
    changed[1] = Some(BigUint::from(12345u32));
    assert!(builder.construct_credential(&message, &changed).is_err());
}

#[test]
fn long_attributes_are_hashed_in_signatures_and_proofs() {
    let secret = SecretKey::generate().unwrap();
    let long = (BigUint::from(1u8) << 2000u32) + 12345u32;
    let metadata = demo_metadata();
    let credential = issue(
        &secret,
        &[Some(metadata), Some(long.clone()), Some(BigUint::from(5u8))],
    );
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(3u8);
    for disclosed in [&[1usize, 2][..], &[1, 3]] {
        let request = ProofRequest::Disclosure {
            credential: &credential,
            disclosed,
            nonrev: false,
        };
        let proofs = build_proof_list(&[request], &context, &nonce, false).unwrap();
        verify_proof_list(
            &proofs.0,
            &[credential.public_key()],
            &[],
            &context,
            &nonce,
            false,
        )
        .unwrap();
        let Proof::D(d) = &proofs.0[0] else { panic!() };
        if disclosed.contains(&2) {
            assert_eq!(d.a_disclosed[&2].0, long);
        }
    }
}

fn demo_metadata() -> BigUint {
    // Version 3, a signing date, validity, key counter 2, and SHA-256("irma-demo.MijnOverheid.ageLower")[..16].
    let mut bytes = vec![3u8, 0, 0x0b, 0x98, 0, 0x1a, 0, 2];
    bytes.extend_from_slice(&Sha256::digest(b"irma-demo.MijnOverheid.ageLower")[..16]);
    BigUint::from_bytes_be(&bytes)
}

#[test]
fn forged_proof_with_a_zero_is_refused() {
    let case = cases()
        .into_iter()
        .find(|(n, _)| n == "disclosure/single-over18")
        .unwrap()
        .1;
    let request = &case["client_session_request"]["request"];
    let mut proofs: ProofList =
        serde_json::from_value(case["client_message"]["body"]["proofs"].clone()).unwrap();
    let keys = disclosure_keys(&proofs);
    let Proof::D(d) = &mut proofs.0[0] else {
        panic!()
    };
    d.a = Int(BigUint::default());
    // With A = 0 every reconstructed commitment would be 0: the challenge is computable.
    let forged = idemix::challenge(
        &int(&request["context"]),
        &[BigUint::default(), BigUint::default()],
        &int(&request["nonce"]),
        false,
    );
    d.c = Int(forged);
    let result = verify_proof_list(
        &proofs.0,
        &keys,
        &[],
        &int(&request["context"]),
        &int(&request["nonce"]),
        false,
    );
    assert_eq!(result, Err(ProofError::NotInvertible));
}

#[test]
fn range_proofs_and_misplaced_nonrevocation_proofs_are_refused() {
    let case = read_json(&data_dir().join("vectors/disclosure/single-over18.json"));
    let mut body = case["client_message"]["body"]["proofs"].clone();
    let request = &case["client_session_request"]["request"];
    // A malformed nonrevocation proof is refused on input.
    body[0]["nonrev_proof"] = serde_json::json!({"C_r": "AQ==", "responses": {}});
    assert!(serde_json::from_value::<ProofList>(body.clone()).is_err());
    // A real one (recorded for another credential) does not fit this proof.
    let revocation = read_json(&data_dir().join("vectors/revocation/disclosure-nonrevoked.json"));
    body[0]["nonrev_proof"] =
        revocation["client_message"]["body"]["proofs"][0]["nonrev_proof"].clone();
    let proofs: ProofList = assert_json_round_trip(&body);
    let keys = disclosure_keys(&proofs);
    let result = verify_proof_list(
        &proofs.0,
        &keys,
        &[],
        &int(&request["context"]),
        &int(&request["nonce"]),
        false,
    );
    assert!(
        matches!(result, Err(ProofError::Revocation(_))),
        "{result:?}"
    );
    body[0].as_object_mut().unwrap().remove("nonrev_proof");
    body[0]["rangeproofs"] = serde_json::json!({"2": [{"k": 1}]});
    let proofs: ProofList = assert_json_round_trip(&body);
    let result = verify_proof_list(
        &proofs.0,
        &keys,
        &[],
        &int(&request["context"]),
        &int(&request["nonce"]),
        false,
    );
    assert_eq!(result, Err(ProofError::Unsupported("range proofs")));
    // A proof without "A" or "U" is refused on input.
    assert!(serde_json::from_str::<ProofList>(r#"[{"c": "AQ=="}]"#).is_err());
}

/// Flips bit `bit` (modulo the value's length + 1) of one field of a proof.
fn flip(proof: &mut Proof, field: usize, bit: u64) {
    fn flip_int(x: &mut Int, bit: u64) {
        let bit = bit % (x.0.bits() + 1);
        x.0.set_bit(bit, !x.0.bit(bit));
    }
    fn nth(map: &mut std::collections::BTreeMap<usize, Int>, i: usize) -> &mut Int {
        let len = map.len();
        map.values_mut().nth(i % len).unwrap()
    }
    match proof {
        Proof::D(d) => match field % 6 {
            0 => flip_int(&mut d.c, bit),
            1 => flip_int(&mut d.a, bit),
            2 => flip_int(&mut d.e_response, bit),
            3 => flip_int(&mut d.v_response, bit),
            4 => flip_int(nth(&mut d.a_responses, field / 6), bit),
            _ => flip_int(nth(&mut d.a_disclosed, field / 6), bit),
        },
        Proof::U(u) => match field % 5 {
            0 => flip_int(&mut u.c, bit),
            1 => flip_int(&mut u.u, bit),
            2 => flip_int(&mut u.v_prime_response, bit),
            3 => flip_int(&mut u.s_response, bit),
            _ if u.m_user_responses.is_empty() => flip_int(&mut u.s_response, bit),
            _ => flip_int(nth(&mut u.m_user_responses, field / 5), bit),
        },
    }
}

fn attribute_strategy() -> impl Strategy<Value = Vec<Option<BigUint>>> {
    // 1 to 5 scheme attributes after the metadata: values, long values, absent (0) or random blind.
    let attribute = prop_oneof![
        any::<u64>().prop_map(|v| Some(BigUint::from(v) << 1u32 | BigUint::from(1u8))),
        Just(Some(BigUint::default())),
        any::<u8>().prop_map(|v| Some((BigUint::from(v) + 1u32) << 300u32)),
        Just(None),
    ];
    proptest::collection::vec(attribute, 1..=5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn issue_prove_verify_round_trips(
        attributes in attribute_strategy(),
        disclose_mask in any::<u8>(),
        nonce in any::<u128>(),
    ) {
        let secret = SecretKey::generate().unwrap();
        let mut all = vec![Some(demo_metadata())];
        all.extend(attributes);
        let credential = issue(&secret, &all);
        let disclosed: Vec<usize> = (1..credential.attributes().len())
            .filter(|i| i == &1 || disclose_mask & (1 << (i % 8)) != 0)
            .collect();
        let context = BigUint::from(1u8);
        let nonce = BigUint::from(nonce);
        let request = ProofRequest::Disclosure { credential: &credential, disclosed: &disclosed, nonrev: false };
        let proofs = build_proof_list(&[request, request], &context, &nonce, false).unwrap();
        let keys = [credential.public_key(), credential.public_key()];
        prop_assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).is_ok());
        let Proof::D(d) = &proofs.0[0] else { panic!() };
        prop_assert_eq!(d.a_disclosed.keys().copied().collect::<Vec<_>>(), disclosed);
    }

    #[test]
    fn any_flipped_bit_breaks_a_proof(field in 0usize..60, bit in any::<u64>(), which in 0usize..2) {
        static PROOFS: OnceLock<(Credential, ProofList)> = OnceLock::new();
        let (credential, proofs) = PROOFS.get_or_init(|| {
            let secret = SecretKey::generate().unwrap();
            let all = [Some(demo_metadata()), Some(BigUint::from(77u8)), None, Some(BigUint::from(5u8))];
            let credential = issue(&secret, &all);
            let (_, pk) = mijn_overheid();
            let builder = CredentialBuilder::new(pk, &BigUint::from(1u8), &secret, &BigUint::from(2u8), None, &[2]).unwrap();
            let requests = [
                ProofRequest::Disclosure { credential: &credential, disclosed: &[1, 3], nonrev: false },
                ProofRequest::Issuance(&builder),
            ];
            let proofs = build_proof_list(&requests, &BigUint::from(1u8), &BigUint::from(5u8), false).unwrap();
            (credential.clone(), proofs)
        });
        let keys = [credential.public_key(), mijn_overheid().1];
        let (context, nonce) = (BigUint::from(1u8), BigUint::from(5u8));
        prop_assert!(verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).is_ok());
        let mut tampered = proofs.clone();
        flip(&mut tampered.0[which], field, bit);
        prop_assert!(verify_proof_list(&tampered.0, &keys, &[], &context, &nonce, false).is_err());
    }

    /// The issuer's ProofS: a changed bit in its challenge or response, or in the signature it
    /// proves, fails the proof and the holder refuses the credential.
    #[test]
    fn any_flipped_bit_breaks_a_proof_s(field in 0usize..5, bit in any::<u64>()) {
        struct Issued {
            builder: CredentialBuilder,
            message: IssueSignatureMessage,
        }
        static ISSUED: OnceLock<Issued> = OnceLock::new();
        let (sk, pk) = mijn_overheid();
        let context = BigUint::from(1u8);
        let attributes = [Some(demo_metadata()), Some(BigUint::from(9u8))];
        let issued = ISSUED.get_or_init(|| {
            let secret = SecretKey::generate().unwrap();
            let nonce2 = BigUint::from(0x5eed_u32);
            let builder = CredentialBuilder::new(pk, &context, &secret, &nonce2, None, &[]).unwrap();
            let message = Issuer::new(sk, pk, &context)
                .unwrap()
                .issue_signature(builder.commitment(), &attributes, &nonce2)
                .unwrap();
            Issued { builder, message }
        });
        let nonce2 = issued.builder.nonce2();
        let good = &issued.message;
        prop_assert!(good.proof.verify(pk, &good.signature, &context, nonce2));
        let mut tampered = good.clone();
        let target = match field {
            0 => &mut tampered.proof.c,
            1 => &mut tampered.proof.e_response,
            2 => &mut tampered.signature.a,
            3 => &mut tampered.signature.e,
            _ => &mut tampered.signature.v,
        };
        let bit = bit % (target.0.bits() + 1);
        target.0.set_bit(bit, !target.0.bit(bit));
        if field < 4 {
            prop_assert!(!tampered.proof.verify(pk, &tampered.signature, &context, nonce2));
        }
        prop_assert!(issued.builder.construct_credential(&tampered, &attributes).is_err());
    }
}

#[test]
fn keyshare_proof_p_merges_in_both_forms() {
    let wallet = wallet();
    let (_, pk) = mijn_overheid();
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(11u8);
    let builder = CredentialBuilder::new(pk, &context, &wallet.secret, &nonce, None, &[]).unwrap();
    let requests = [
        ProofRequest::Disclosure {
            credential: &wallet.credentials[2],
            disclosed: &[1],
            nonrev: false,
        },
        ProofRequest::Issuance(&builder),
    ];
    let proofs = build_proof_list(&requests, &context, &nonce, false).unwrap();
    let keys = [wallet.credentials[2].public_key(), pk];
    verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false).unwrap();
    let n = pk.n();

    // Legacy form: the app's parts lack the keyshare server's P and response; merging
    // multiplies U by P and adds the responses.
    let p = pk.bases()[0].modpow(&BigUint::from(123_456_789u64), n);
    let p_inv = p.modinv(n).unwrap();
    let mut split = proofs.clone();
    for proof in &mut split.0 {
        let kss_response = proof.secret_key_response().unwrap().0.clone() >> 8u32;
        match proof {
            Proof::D(d) => {
                let own = d.a_responses.get_mut(&0).unwrap();
                own.0 -= &kss_response;
            }
            Proof::U(u) => {
                u.u = Int(&u.u.0 * &p_inv % n);
                u.s_response.0 -= &kss_response;
            }
        }
        let proof_p = idemix::ProofP {
            p: Some(Int(p.clone())),
            c: proof.challenge().clone(),
            s_response: Int(kss_response),
        };
        let unmerged = proof.clone();
        proof.merge_proof_p(&proof_p, pk);
        assert_ne!(&unmerged, proof);
    }
    verify_proof_list(&split.0, &keys, &[], &context, &nonce, false).unwrap();

    // New form: the keyshare server's ProofP carries the challenge and the whole response.
    let mut replaced = proofs.clone();
    for i in 0..replaced.0.len() {
        let proof = &mut replaced.0[i];
        let proof_p = idemix::ProofP {
            p: None,
            c: proof.challenge().clone(),
            s_response: proof.secret_key_response().unwrap().clone(),
        };
        match proof {
            Proof::D(d) => {
                d.c = Int(BigUint::from(5u8));
                d.a_responses.insert(0, Int(BigUint::from(6u8)));
            }
            Proof::U(u) => {
                u.c = Int(BigUint::from(5u8));
                u.s_response = Int(BigUint::from(6u8));
            }
        }
        assert!(verify_proof_list(&replaced.0, &keys, &[], &context, &nonce, false).is_err());
        replaced.0[i].merge_proof_p(&proof_p, pk);
    }
    verify_proof_list(&replaced.0, &keys, &[], &context, &nonce, false).unwrap();
    // The ProofP JSON has no "P" in the new form.
    let proof_p = idemix::ProofP {
        p: None,
        c: Int(BigUint::from(1u8)),
        s_response: Int(BigUint::from(2u8)),
    };
    assert_eq!(
        serde_json::to_value(&proof_p).unwrap(),
        serde_json::json!({"c": "AQ==", "s_response": "Ag=="})
    );
}

#[test]
fn debug_output_hides_secrets() {
    let wallet = wallet();
    let (sk, _) = mijn_overheid();
    let secret = wallet.secret.value().to_string();
    for debug in [
        format!("{:?}", wallet.secret),
        format!("{:?}", wallet.credentials[0]),
        format!("{sk:?}"),
    ] {
        assert!(!debug.contains(&secret[..16]), "{debug}");
        assert!(!debug.contains(&sk.p().to_string()[..16]), "{debug}");
    }
}

/// `A^e = Q` for any commitment, a quadratic non-residue too (gabi's `A` only satisfies it for
/// residues), so the issuer's ProofS may hash the signer's `Q`.
#[test]
fn signatures_satisfy_the_cl_equation_for_any_commitment() {
    let (sk, pk) = mijn_overheid();
    let n = pk.n();
    let secret = SecretKey::generate().unwrap();
    let u = pk.bases()[0].modpow(secret.value(), n);
    // −U has Jacobi symbol 1 but is no quadratic residue (p, q ≡ 3 mod 4); gabi's `A` fails
    // for it whenever its `d` is even, so a few signatures show the difference.
    let minus_u = n - &u;
    for u in std::iter::once(&u).chain([&minus_u; 8]) {
        let ms = [
            BigUint::default(),
            BigUint::from(7u8),
            BigUint::from(1234u32),
        ];
        let signature = CLSignature::sign(sk, pk, u, &ms).unwrap();
        let mut rhs = signature.a.0.modpow(&signature.e.0, n);
        rhs = rhs * pk.s().modpow(&signature.v.0, n) % n;
        for (r, m) in pk.bases().iter().zip(&ms).skip(1) {
            rhs = rhs * r.modpow(m, n) % n;
        }
        assert_eq!(rhs * u % n, *pk.z());
    }
}
