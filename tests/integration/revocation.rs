//! Revocation crypto against the reference's recordings (`tests/data/vectors/revocation`,
//! irmago v0.18.1 with PostgreSQL behind its authority): update messages (CBOR and JSON),
//! issued witnesses, nonrevocation proofs and the issuance record a remote issuer signed; and
//! round trips of our issuer, holder and verifier through a revocation.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use irma::crypto::bigint::Int;
use irma::crypto::idemix::{
    CLSignature, Credential, CredentialBuilder, IssueSignatureMessage, Issuer, PrivateKey, Proof,
    ProofError, ProofList, ProofRequest, PublicKey, SecretKey, build_proof_list, verify_proof_list,
};
use irma::crypto::revocation::{
    Accumulator, EventList, RevocationError, SignedMessage, Update, Updates, Witness,
    WitnessUpdate, from_cbor, signed, to_cbor,
};
use num_bigint::BigUint;
use proptest::prelude::*;
use serde_json::Value;

use crate::util::data_dir;

fn vectors_dir() -> PathBuf {
    data_dir().join("vectors/revocation")
}

fn read(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every case file of the revocation vectors, by name.
fn all_cases() -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            let value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            (name, value)
        })
        .collect()
}

/// `irma-demo.MijnOverheid` key pair 2, the one with revocation material.
fn key_file(kind: &str) -> String {
    let path = data_dir().join(format!("schemes/irma-demo/MijnOverheid/{kind}/2.xml"));
    std::fs::read_to_string(path).unwrap()
}

fn public_key() -> PublicKey {
    PublicKey::from_xml(&key_file("PublicKeys")).unwrap()
}

fn private_key() -> PrivateKey {
    PrivateKey::from_xml(&key_file("PrivateKeys")).unwrap()
}

fn int(v: &Value) -> BigUint {
    serde_json::from_value::<Int>(v.clone()).unwrap().0
}

fn decimal(v: &Value) -> BigUint {
    v.as_str().unwrap().parse().unwrap()
}

/// Every recorded revocation exchange (`side: "revocation"`) of every case, with its case.
fn revocation_exchanges() -> Vec<(String, Value)> {
    fn walk(v: &Value, case: &str, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                if map.get("side").and_then(Value::as_str) == Some("revocation") {
                    out.push((case.to_owned(), v.clone()));
                }
                map.values().for_each(|x| walk(x, case, out));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, case, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (name, case) in all_cases() {
        walk(&case, &name, &mut out);
    }
    out
}

fn body_bytes(exchange: &Value, which: &str) -> Option<Vec<u8>> {
    let b64 = exchange[format!("{which}_body_raw_b64")].as_str()?;
    Some(STANDARD.decode(b64).unwrap())
}

#[test]
fn recorded_update_messages_verify_and_encode_byte_for_byte() {
    let pk = public_key();
    let (mut updates, mut event_lists) = (0, 0);
    for (case, exchange) in revocation_exchanges() {
        if exchange["method"] != "GET" || exchange["status"] != 200 {
            continue;
        }
        let path = exchange["path"].as_str().unwrap();
        let bytes = body_bytes(&exchange, "response").unwrap();
        let parts: Vec<&str> = path.split('/').skip(4).collect();
        match parts.as_slice() {
            ["update", _] => {
                let all: Updates = from_cbor(&bytes).unwrap();
                assert_eq!(to_cbor(&all), bytes, "{case} {path}");
                for (counter, update) in &all {
                    assert_eq!(*counter, 2);
                    let acc = update.verify(&pk).unwrap();
                    assert_eq!(update.events.events().last().unwrap().index, acc.index);
                    updates += 1;
                }
            }
            ["update", _, "5"] => {
                // The reference's answer for an unknown key counter: CBOR null.
                assert_eq!(bytes, [0xf6], "{case}");
            }
            ["update", _, counter] => {
                assert_eq!(*counter, "2");
                let update: Update = from_cbor(&bytes).unwrap();
                assert_eq!(to_cbor(&update), bytes, "{case} {path}");
                update.verify(&pk).unwrap();
                updates += 1;
            }
            ["events", "2", from, to] => {
                let list: EventList = from_cbor(&bytes).unwrap();
                assert_eq!(to_cbor(&list), bytes, "{case} {path}");
                let (from, to): (u64, u64) = (from.parse().unwrap(), to.parse().unwrap());
                assert!(list.events().iter().all(|e| (from..to).contains(&e.index)));
                // The chain rebuilt from the compressed form is consistent.
                EventList::new(list.clone().into_events()).unwrap();
                event_lists += 1;
            }
            other => panic!("{case}: unexpected revocation path {other:?}"),
        }
    }
    assert!(updates >= 14, "{updates}");
    assert!(event_lists >= 3, "{event_lists}");
}

#[test]
fn recorded_accumulators_decode_to_the_recorders_values() {
    let pk = public_key();
    let case = read("update-messages.json");
    let mut checked = 0;
    for call in case["calls"].as_array().unwrap() {
        let bytes = body_bytes(call, "response").unwrap();
        let decoded = &call["decoded"];
        let pairs: Vec<(Update, &Value)> = if let Some(map) = decoded["updates"].as_object() {
            let all: Updates = from_cbor(&bytes).unwrap();
            map.iter()
                .map(|(k, v)| (all[&k.parse::<u32>().unwrap()].clone(), v))
                .collect()
        } else if decoded["update"].is_object() {
            vec![(from_cbor(&bytes).unwrap(), &decoded["update"])]
        } else {
            continue;
        };
        for (update, expected) in pairs {
            let acc = update.verify(&pk).unwrap();
            let want = &expected["signed_accumulator"]["accumulator"];
            assert_eq!(acc.nu.0, decimal(&want["Nu"]));
            assert_eq!(acc.index, want["Index"].as_u64().unwrap());
            assert_eq!(acc.time, want["Time"].as_i64().unwrap());
            assert_eq!(
                hex::encode(acc.event_hash.as_bytes()),
                want["EventHash_hex"].as_str().unwrap()
            );
            let events = expected["events"].as_array().unwrap();
            assert_eq!(update.events.events().len(), events.len());
            for (event, want) in update.events.events().iter().zip(events) {
                assert_eq!(event.index, want["index"].as_u64().unwrap());
                assert_eq!(event.e, decimal(&want["e"]));
                let hash = serde_json::to_value(event.hash()).unwrap();
                assert_eq!(hash, want["hash_b64url"]);
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn recorded_json_updates_verify_and_round_trip() {
    let pk = public_key();
    let mut checked = 0;
    for (name, case) in all_cases() {
        let Some(revocation) = case["client_session_request"]["request"]["revocation"].as_object()
        else {
            continue;
        };
        for settings in revocation.values() {
            for (counter, value) in settings["updates"].as_object().unwrap() {
                let update: Update = serde_json::from_value(value.clone()).unwrap();
                assert_eq!(&serde_json::to_value(&update).unwrap(), value, "{name}");
                assert_eq!(counter, "2");
                update.verify(&pk).unwrap();
                checked += 1;
            }
        }
    }
    // The authority's SSE push: one update without events, in JSON.
    let sse = &read("update-messages.json")["sse_updateevents"]["parsed"]["events"];
    for event in sse.as_array().unwrap() {
        let value: Value = serde_json::from_str(event["data"].as_str().unwrap()).unwrap();
        let update: Update = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&update).unwrap(), value);
        assert!(update.events.is_empty());
        update.verify(&pk).unwrap();
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
}

/// The recorded disclosure proofs with the session's context and nonce; all are
/// `irma-demo.MijnOverheid.root` proofs under key 2.
fn verify_recorded(case: &Value) -> Result<(), ProofError> {
    let pk = public_key();
    let request = &case["client_session_request"]["request"];
    let proofs: ProofList =
        serde_json::from_value(case["client_message"]["body"]["proofs"].clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&proofs).unwrap(),
        case["client_message"]["body"]["proofs"]
    );
    let keys = vec![&pk; proofs.0.len()];
    verify_proof_list(
        &proofs.0,
        &keys,
        &[],
        &int(&request["context"]),
        &int(&request["nonce"]),
        false,
    )
}

#[test]
fn recorded_nonrevocation_proofs_verify() {
    let mut with_nonrev = 0;
    let mut verified = 0;
    for (name, case) in all_cases() {
        if !case["client_message"]["body"]["proofs"].is_array() {
            continue;
        }
        let has_nonrev = case["client_message"]["body"]["proofs"][0]
            .get("nonrev_proof")
            .is_some();
        with_nonrev += usize::from(has_nonrev);
        let result = verify_recorded(&case);
        if name == "negative-nonrev-flipped-bit" {
            assert!(result.is_err(), "{name} verified");
        } else {
            // Also the stale-accumulator and omitted-proof cases: the proofs are sound, the
            // reference refused them on the request's terms.
            assert_eq!(result, Ok(()), "{name}");
            verified += 1;
        }
    }
    assert!(with_nonrev >= 7, "{with_nonrev}");
    assert!(verified >= 7, "{verified}");
}

/// The recorded nonrevocation proof of `disclosure-nonrevoked` with one bit flipped in one of
/// its numbers or in the signed accumulator.
fn flipped(field: usize, bit: usize) -> Value {
    let mut case = read("disclosure-nonrevoked.json");
    let nonrev = &mut case["client_message"]["body"]["proofs"][0]["nonrev_proof"];
    let target = match field {
        0 => &mut nonrev["C_r"],
        1 => &mut nonrev["C_u"],
        2 => &mut nonrev["responses"]["beta"],
        3 => &mut nonrev["responses"]["delta"],
        4 => &mut nonrev["responses"]["epsilon"],
        5 => &mut nonrev["responses"]["zeta"],
        _ => &mut nonrev["sacc"]["data"],
    };
    let mut bytes = STANDARD.decode(target.as_str().unwrap()).unwrap();
    let bit = bit % (bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
    // A number is written without leading zero bytes.
    while field < 6 && bytes.first() == Some(&0) {
        bytes.remove(0);
    }
    *target = Value::String(STANDARD.encode(bytes));
    case
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Any bit flipped in a recorded nonrevocation proof makes it fail.
    #[test]
    fn a_flipped_bit_in_a_nonrevocation_proof_fails(field in 0usize..7, bit in 0usize..8192) {
        prop_assert!(verify_recorded(&flipped(field, bit)).is_err());
    }

}

/// One credential of the wallet snapshots in `credentials.json`: secret key, attributes,
/// CL signature and witness, all as the reference's wallet stored them.
fn recorded_credential(snapshot: &str) -> Credential {
    let case = read("credentials.json");
    let decoded = &case["snapshots"][snapshot]["decoded"];
    let (hash, sig) = decoded["signatures"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let stored = &case["snapshots"][snapshot]["storage"]["sigs"][hash];
    let signature: CLSignature = serde_json::from_value(stored.clone()).unwrap();
    let witness: Witness = serde_json::from_value(stored["Witness"].clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&witness).unwrap(),
        stored["Witness"],
        "witness JSON round trip"
    );
    let mut attributes = vec![decimal(&decoded["secretKey"])];
    attributes.extend(
        sig["attributes_decimal"]
            .as_array()
            .unwrap()
            .iter()
            .map(decimal),
    );
    Credential::new(public_key(), signature, attributes)
        .unwrap()
        .with_witness(witness)
        .unwrap()
}

fn prove(credentials: &[&Credential], nonrev: bool) -> ProofList {
    let requests: Vec<_> = credentials
        .iter()
        .map(|c| ProofRequest::Disclosure {
            credential: c,
            disclosed: &[1, 2],
            nonrev,
        })
        .collect();
    let (context, nonce) = (BigUint::from(1u8), BigUint::from(42u8));
    build_proof_list(&requests, &context, &nonce, false).unwrap()
}

fn verify_own(proofs: &ProofList) -> Result<(), ProofError> {
    let pk = public_key();
    let keys = vec![&pk; proofs.0.len()];
    let (context, nonce) = (BigUint::from(1u8), BigUint::from(42u8));
    verify_proof_list(&proofs.0, &keys, &[], &context, &nonce, false)
}

/// The post-revocation update of the recordings (accumulator index 1).
fn update_after_revocation() -> Update {
    let case = read("update-messages.json");
    assert_eq!(case["calls"][5]["what"], "after the revocation, key 2");
    from_cbor(&body_bytes(&case["calls"][5], "response").unwrap()).unwrap()
}

#[test]
fn recorded_wallet_credentials_prove_nonrevocation_until_revoked() {
    // The first root credential, issued at accumulator index 0 and later revoked.
    let mut revoked = recorded_credential("R-after-issuance-root");
    let proofs = prove(&[&revoked], true);
    let Proof::D(d) = &proofs.0[0] else {
        panic!("expected a ProofD")
    };
    let nonrev = d.nonrev_proof.as_ref().unwrap();
    assert!(!nonrev.responses.contains_key("alpha"));
    assert_eq!(verify_own(&proofs), Ok(()));
    // Without the nonrevocation proof's contributions the challenge no longer matches.
    let mut stripped = proofs.clone();
    if let Proof::D(d) = &mut stripped.0[0] {
        d.nonrev_proof = None;
    }
    assert_eq!(verify_own(&stripped), Err(ProofError::Challenge));

    // The revocation removes its e: the witness cannot follow, and stays as it was.
    let before = revoked.witness().unwrap().clone();
    let update = update_after_revocation();
    assert!(matches!(
        revoked.update_witness(&update),
        Err(irma::crypto::idemix::Error::Revocation(
            RevocationError::Revoked
        ))
    ));
    assert_eq!(revoked.witness(), Some(&before));

    // The replacement credentials (issued at index 1, by the authority and by a remote
    // issuer) are current already and prove against the new accumulator.
    for snapshot in ["R-final", "R2-final"] {
        let mut credential = recorded_credential(snapshot);
        credential.update_witness(&update).unwrap();
        let acc = credential.witness().unwrap().verify(&public_key()).unwrap();
        assert_eq!(acc.index, 1);
        assert_eq!(verify_own(&prove(&[&credential], true)), Ok(()));
    }
}

#[test]
fn recorded_issued_witnesses_verify() {
    let pk = public_key();
    let mut checked = 0;
    for name in [
        "issuance-root",
        "issuance-root-after-revocation",
        "issuance-via-remote-authority",
    ] {
        let case = read(&format!("{name}.json"));
        let sig = &case["server_response_to_client_message"]["body"]["sigs"][0];
        let message: IssueSignatureMessage = serde_json::from_value(sig.clone()).unwrap();
        assert_eq!(&serde_json::to_value(&message).unwrap(), sig, "{name}");
        let witness = message.nonrev.unwrap();
        // Go's zero time, as the issuer sends it.
        assert_eq!(
            serde_json::to_value(&witness).unwrap()["Updated"],
            "0001-01-01T00:00:00Z"
        );
        witness.verify(&pk).unwrap();
        assert!(witness.e.bits() <= 196);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn recorded_issuance_record_is_signed_by_the_issuer() {
    let pk = public_key();
    let key = signed::verifying_key(&pk).unwrap();
    let (_, exchange) = revocation_exchanges()
        .into_iter()
        .find(|(_, x)| x["method"] == "POST" && x["status"] == 200)
        .unwrap();
    let message = SignedMessage::from_bytes(body_bytes(&exchange, "request").unwrap());
    let record: ciborium::Value = message.verify(&key).unwrap();
    let fields: Vec<String> = record
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_text().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "Key",
            "CredType",
            "Issued",
            "PKCounter",
            "Attr",
            "ValidUntil"
        ]
    );
    // Any flipped bit breaks it.
    let mut bytes = message.as_bytes().to_vec();
    let last = bytes.len() - 40;
    bytes[last] ^= 1;
    assert!(
        SignedMessage::from_bytes(bytes)
            .verify::<ciborium::Value>(&key)
            .is_err()
    );
}

/// Issues a credential with attributes `[metadata, value, e]` and a witness against the
/// update's accumulator to the holder of `secret`.
fn issue(sk: &PrivateKey, update: &Update, value: u32, secret: &SecretKey) -> Credential {
    let pk = public_key();
    let acc = update.verify(&pk).unwrap();
    let witness = Witness::random(sk, &acc, &update.signed_accumulator).unwrap();
    let context = BigUint::from(1u8);
    let nonce2 = BigUint::from(7u8);
    let builder = CredentialBuilder::new(&pk, &context, secret, &nonce2, None, &[]).unwrap();
    let attributes = [
        Some(BigUint::from(3u8) << 180u32),
        Some(BigUint::from(value)),
        Some(witness.e.0.clone()),
    ];
    let issuer = Issuer::new(sk, &pk, &context).unwrap();
    let mut message = issuer
        .issue_signature(builder.commitment(), &attributes, &nonce2)
        .unwrap();
    message.nonrev = Some(witness);
    builder.construct_credential(&message, &attributes).unwrap()
}

#[test]
fn issue_revoke_update_and_prove() {
    let sk = private_key();
    let pk = public_key();
    let start = Accumulator::initial(&sk, 1_800_000_000).unwrap();
    let acc0 = start.verify(&pk).unwrap();
    let secret = SecretKey::generate().unwrap();
    let mut alice = issue(&sk, &start, 1, &secret);
    let mut bob = issue(&sk, &start, 2, &secret);
    assert_eq!(verify_own(&prove(&[&alice, &bob], true)), Ok(()));
    // Holders and verifier agree on the encoding of our signed messages.
    let bytes = to_cbor(&start);
    assert_eq!(from_cbor::<Update>(&bytes).unwrap(), start);

    // Revoke alice.
    let e = alice.witness().unwrap().e.0.clone();
    let initial = start.events.events()[0].clone();
    let (acc1, event) = acc0.remove(&sk, &e, &initial, 1_800_000_060).unwrap();
    assert_eq!(acc1.index, 1);
    let update = Update::new(&sk, &acc1, vec![initial, event]).unwrap();
    update.verify(&pk).unwrap();
    assert!(matches!(
        alice.update_witness(&update),
        Err(irma::crypto::idemix::Error::Revocation(
            RevocationError::Revoked
        ))
    ));
    assert_eq!(bob.update_witness(&update).unwrap(), WitnessUpdate::Updated);
    assert_eq!(
        bob.witness().unwrap().updated.unix_timestamp(),
        1_800_000_060
    );
    let proofs = prove(&[&bob], true);
    assert_eq!(verify_own(&proofs), Ok(()));
    let Proof::D(d) = &proofs.0[0] else {
        panic!("expected a ProofD")
    };
    let proven = d.nonrev_proof.as_ref().unwrap().sacc.verify(&pk).unwrap();
    assert_eq!(proven, acc1);
    // Alice can still prove against the old accumulator (a verifier must compare indices).
    assert_eq!(verify_own(&prove(&[&alice], true)), Ok(()));

    // A re-signed accumulator with the same index only refreshes the time.
    let later = Accumulator {
        time: 1_800_000_120,
        ..acc1.clone()
    };
    let resigned = Update {
        signed_accumulator: later.sign(&sk).unwrap(),
        events: EventList::default(),
    };
    assert_eq!(
        bob.update_witness(&resigned).unwrap(),
        WitnessUpdate::Updated
    );
    assert_eq!(
        bob.update_witness(&resigned).unwrap(),
        WitnessUpdate::Unchanged
    );
    // An update of another key counter is refused.
    let mut other = resigned.clone();
    other.signed_accumulator.pk_counter = 1;
    assert!(bob.update_witness(&other).is_err());
}

/// The text of element `name` in a key file.
fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = start + xml[start..].find(&format!("</{name}>")).unwrap();
    &xml[start..end]
}

#[test]
fn revocation_keypair_command_rewrites_both_files_as_the_reference() {
    let case = read("revocation-keypair.json");
    let vectors = vectors_dir().join("revocation-keypair");
    let tmp = tempfile::tempdir().unwrap();
    for kind in ["PrivateKeys", "PublicKeys"] {
        std::fs::create_dir(tmp.path().join(kind)).unwrap();
        std::fs::copy(
            vectors.join(format!("before/{kind}/3.xml")),
            tmp.path().join(format!("{kind}/3.xml")),
        )
        .unwrap();
    }
    let sk_file = tmp.path().join("PrivateKeys/3.xml");
    let pk_file = tmp.path().join("PublicKeys/3.xml");
    let args = |sk: &std::path::Path, pk: &std::path::Path| {
        vec![
            "scheme".into(),
            "issuer".into(),
            "revocation-keypair".into(),
            sk.as_os_str().to_owned(),
            pk.as_os_str().to_owned(),
        ]
    };
    let run = crate::util::irma::<_, std::ffi::OsString>(args(&sk_file, &pk_file)).success();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));

    // Byte for byte the reference's files, except the fresh G, H and ECDSA keys.
    let ours_sk = std::fs::read_to_string(&sk_file).unwrap();
    let ours_pk = std::fs::read_to_string(&pk_file).unwrap();
    let theirs_sk = std::fs::read_to_string(vectors.join("after/PrivateKeys/3.xml")).unwrap();
    let theirs_pk = std::fs::read_to_string(vectors.join("after/PublicKeys/3.xml")).unwrap();
    let after = &case["after_public_key"];
    let mut expected_pk = theirs_pk.clone();
    for (name, value) in [
        ("G", &after["G"]),
        ("H", &after["H"]),
        ("ECDSA", &after["ECDSA_b64"]),
    ] {
        let value = value.as_str().unwrap();
        assert_eq!(element(&theirs_pk, name), value);
        expected_pk = expected_pk.replace(value, element(&ours_pk, name));
    }
    assert_eq!(ours_pk, expected_pk);
    let expected_sk = theirs_sk.replace(element(&theirs_sk, "ECDSA"), element(&ours_sk, "ECDSA"));
    assert_eq!(ours_sk, expected_sk);

    // The new material works: our files read back, and the keys sign and verify an
    // accumulator together.
    let sk = PrivateKey::from_xml(&ours_sk).unwrap();
    let pk = PublicKey::from_xml(&ours_pk).unwrap();
    assert!(sk.revocation_supported() && pk.revocation_supported());
    let update = Accumulator::initial(&sk, 1_800_000_000).unwrap();
    update.verify(&pk).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sk_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Run again: refused, files untouched (the reference's exit code 1 and message).
    let run = crate::util::irma::<_, std::ffi::OsString>(args(&sk_file, &pk_file)).failure();
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("private key already supports revocation"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&sk_file).unwrap(), ours_sk);
    // A public key with material next to a private key without: refused as well.
    let fresh_sk = tmp.path().join("fresh.xml");
    std::fs::copy(vectors.join("before/PrivateKeys/3.xml"), &fresh_sk).unwrap();
    let run = crate::util::irma::<_, std::ffi::OsString>(args(&fresh_sk, &pk_file)).failure();
    assert!(
        run.stderr
            .contains("public key already supports revocation"),
        "{}",
        run.stderr
    );
    // Missing files.
    let missing = tmp.path().join("PrivateKeys/9.xml");
    let run = crate::util::irma::<_, std::ffi::OsString>(args(&missing, &pk_file)).failure();
    assert!(
        run.stderr.contains("failed to read private key"),
        "{}",
        run.stderr
    );
    // A wrong number of arguments is a usage error.
    crate::util::irma(["scheme", "issuer", "revocation-keypair", "x.xml"]).failure();
}

/// Every bit flipped in turn in a recorded CBOR update message makes it fail to decode or verify,
/// or leaves the same signed accumulator with the same events or none. Keys outside
/// the signature are read as gabi reads them: an unknown one is ignored, so `"e"` turned
/// into `"d"` drops the events (an update without events is valid: events are only
/// checked against the accumulator's hash when present), and `"i"` turned into `"h"`
/// leaves the start index at its default, which was 0. What verifies is never a
/// different accumulator or a different event.
#[test]
fn a_flipped_bit_in_an_update_message_fails() {
    let case = read("update-messages.json");
    let original = body_bytes(&case["calls"][5], "response").unwrap();
    let recorded: Update = from_cbor(&original).unwrap();
    let pk = public_key();
    for bit in 0..original.len() * 8 {
        let mut bytes = original.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let verified = from_cbor::<Update>(&bytes)
            .map_err(RevocationError::from)
            .and_then(|u| u.verify(&pk).map(|_| u));
        if let Ok(update) = verified {
            assert_eq!(
                to_cbor(&update.signed_accumulator),
                to_cbor(&recorded.signed_accumulator),
                "bit {bit}"
            );
            assert!(
                update.events.is_empty() || to_cbor(&update.events) == to_cbor(&recorded.events),
                "bit {bit}"
            );
        }
    }
}
