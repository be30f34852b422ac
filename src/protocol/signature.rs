//! Attribute-based signatures: the `SignedMessage` an app posts, and how its nonce binds
//! the message and the timestamp (irmago `irma/irma_signature.go`; REFERENCE.md §5.3).
//!
//! Verifying a signature is, in order (irmago `SignedMessage.Verify`; all of it is
//! [`SignedMessage::verify`] given the crypto as a callback):
//! 1. [`SignedMessage::check_request`]: no proofs → `INVALID`; nonce or context not the
//!    request's → `UNMATCHED_REQUEST`; the message to verify is the request's;
//! 2. a timestamp, when present, must verify over that message
//!    ([`crate::protocol::timestamp`]) → else `INVALID_TIMESTAMP`; its time is then the
//!    time to check expiry at;
//! 3. the crypto verifies the proofs with [`Checked::nonce`], the context, and `issig`
//!    true → else `INVALID`;
//! 4. [`crate::protocol::verify::verdict`] with the request's `disclose`.

use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use crate::crypto::bigint::Int;
use crate::protocol::messages::{Indices, ProofStatus};
use crate::protocol::request::SignatureRequest;
use crate::protocol::timestamp::{KeyTrust, Timestamp, TimestampProof};
use crate::protocol::verify::{self, DisclosureError, Verdict, VerifiedProof};

/// `@context` of a version-2 signed message.
pub const SIGNED_MESSAGE_CONTEXT: &str = "https://irma.app/ld/signature/v2";

/// An attribute-based signature (irmago `SignedMessage`).
///
/// `P` is the proof type. Until the gabi layer's `ProofD` is wired in, the default keeps
/// each proof as raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedMessage<P = serde_json::Value> {
    /// [`SIGNED_MESSAGE_CONTEXT`]; empty for legacy version-1 signatures.
    #[serde(rename = "@context", default)]
    pub ld_context: String,
    /// The disclosure proofs (`ProofD`s).
    pub signature: Vec<P>,
    /// Which disclosed attributes satisfy which disjunction of the request.
    pub indices: Indices,
    /// The session nonce the signature was made in.
    pub nonce: Int,
    /// The session context (1).
    pub context: Int,
    /// The signed message.
    pub message: String,
    /// The atum timestamp, `null` when the app did not get one.
    pub timestamp: Option<Timestamp>,
}

/// What the crypto needs once a signed message matches its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<'a> {
    /// The message to verify the timestamp over (the request's, when there is one).
    pub message: &'a str,
    /// The nonce the proofs were made with: `signature_nonce` of the signed message.
    pub nonce: BigUint,
    /// The context the proofs were made with.
    pub context: &'a BigUint,
}

impl<P> SignedMessage<P> {
    /// 2 for signed messages with [`SIGNED_MESSAGE_CONTEXT`], 1 for legacy ones.
    pub fn version(&self) -> u8 {
        if self.ld_context.is_empty() { 1 } else { 2 }
    }

    /// The first checks of a signature against its (optional) request. `Err` carries the
    /// final status: `INVALID` without proofs, `UNMATCHED_REQUEST` when the nonce (which
    /// binds the message and timestamp) or the context differ from the request's, and
    /// `INVALID_TIMESTAMP` for a timestamp on a legacy signature (not supported).
    pub fn check_request<'a>(
        &'a self,
        request: Option<&'a SignatureRequest>,
    ) -> Result<Checked<'a>, ProofStatus> {
        if self.signature.is_empty() {
            return Err(ProofStatus::Invalid);
        }
        let timestamp = self.timestamp.as_ref();
        let nonce = signature_nonce(&self.nonce, &self.message, timestamp);
        let message = match request {
            Some(request) => {
                let base = &request.disclosure.base;
                let expected =
                    signature_nonce(&base.nonce_or_default(), &request.message, timestamp);
                if self.context.0 != base.context_or_default() || nonce != expected {
                    return Err(ProofStatus::UnmatchedRequest);
                }
                &request.message
            }
            None => &self.message,
        };
        if timestamp.is_some() && self.version() < 2 {
            return Err(ProofStatus::InvalidTimestamp);
        }
        Ok(Checked {
            message,
            nonce,
            context: &self.context.0,
        })
    }

    /// Verifies the signature against its (optional) request, in the reference's order:
    /// [`SignedMessage::check_request`]; the timestamp, if any, over `timestamp_proofs`
    /// (then its time replaces `now`); `crypto`, which must verify `self.signature` with
    /// [`Checked::nonce`], [`Checked::context`] and `issig` true; then
    /// [`verify::verdict`] on `proofs` (the same proofs, decoded) and `self.indices`.
    ///
    /// `timestamp_proofs` is only read when there is a timestamp; it may be empty otherwise.
    pub async fn verify<T: KeyTrust + Sync>(
        &self,
        request: Option<&SignatureRequest>,
        proofs: &[VerifiedProof<'_>],
        timestamp_proofs: &[TimestampProof<'_>],
        crypto: impl FnOnce(&Checked<'_>) -> bool + Send,
        trust: &T,
        now: i64,
    ) -> Result<Verdict, DisclosureError> {
        let rejected = |status| Verdict {
            status,
            disclosed: Vec::new(),
        };
        let checked = match self.check_request(request) {
            Ok(checked) => checked,
            Err(status) => return Ok(rejected(status)),
        };
        let valid_at = match &self.timestamp {
            Some(ts) => match ts.verify(checked.message, timestamp_proofs, trust).await {
                Ok(()) => ts.time,
                Err(_) => return Ok(rejected(ProofStatus::InvalidTimestamp)),
            },
            None => now,
        };
        if !crypto(&checked) {
            return Ok(rejected(ProofStatus::Invalid));
        }
        verify::verdict(
            proofs,
            &self.indices,
            request.map(|r| &r.disclosure),
            valid_at,
        )
    }
}

/// The nonce an attribute-based signature's proofs use (see
/// [`crate::crypto::idemix::signature_nonce`]), with the timestamp's signature when present.
fn signature_nonce(nonce: &BigUint, message: &str, timestamp: Option<&Timestamp>) -> BigUint {
    crate::crypto::idemix::signature_nonce(nonce, message, timestamp.map(|t| t.sig.data.as_slice()))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as STANDARD_B64;
    use num_traits::One;
    use serde_json::Value;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::crypto::asn1::Sequence;
    use crate::protocol::request::SessionRequest;
    use crate::protocol::timestamp::tests::public_key;
    use crate::protocol::verify::tests::cases;

    /// The recorded signature sessions (positive and negative) with their signed message
    /// and request.
    fn signature_cases() -> impl Iterator<Item = (String, Value, SignedMessage, SignatureRequest)> {
        cases(&["signature", "negative"])
            .into_iter()
            .filter(|(_, case)| case["client_message"]["body"].get("signature").is_some())
            .map(|(name, case)| {
                let body = case["client_message"]["body"].clone();
                let sm: SignedMessage = serde_json::from_value(body).unwrap();
                let request = case["client_session_request"]["request"].clone();
                let SessionRequest::Signature(request) = serde_json::from_value(request).unwrap()
                else {
                    panic!("{name}: not a signature request");
                };
                (name, case, sm, request)
            })
    }

    fn int(v: &Value) -> BigUint {
        Int::from_base64(v.as_str().unwrap()).unwrap().0
    }

    fn xml_int(path: &str, tag: &str) -> BigUint {
        let xml = std::fs::read_to_string(
            crate::protocol::verify::tests::test_data()
                .join("schemes")
                .join(path),
        )
        .unwrap();
        let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
        Int::from_decimal(xml[start..].split('<').next().unwrap().trim())
            .unwrap()
            .0
    }

    /// The challenge a list of ProofDs commits to with `nonce` (gabi's `ProofList.Verify`
    /// for 1024-bit proofs without nonrevocation, written out here only to check
    /// [`signature_nonce`] against the reference's own proofs; the real verifier is
    /// `crate::crypto::idemix`).
    fn challenge_of(proofs: &[Value], nonce: &BigUint) -> BigUint {
        let key = "irma-demo/MijnOverheid/PublicKeys/2.xml";
        let (n, bases) = public_key(key);
        let (z, s) = (xml_int(key, "Z"), xml_int(key, "S"));
        let le = 597u32; // Le for 1024-bit keys
        let mut der = Sequence::new()
            .boolean(true)
            .small_integer(2 + 2 * proofs.len() as u64)
            .small_integer(1);
        for proof in proofs {
            let a = int(&proof["A"]);
            let c = int(&proof["c"]);
            let mut disclosed = a.modpow(&(BigUint::one() << (le - 1)), &n);
            for (i, v) in proof["a_disclosed"].as_object().unwrap() {
                let i: usize = i.parse().unwrap();
                disclosed = disclosed * bases[i].modpow(&int(v), &n) % &n;
            }
            let base = z.clone() * disclosed.modinv(&n).unwrap() % &n;
            let mut zhat = base.modinv(&n).unwrap().modpow(&c, &n);
            zhat = zhat * a.modpow(&int(&proof["e_response"]), &n) % &n;
            for (i, v) in proof["a_responses"].as_object().unwrap() {
                let i: usize = i.parse().unwrap();
                zhat = zhat * bases[i].modpow(&int(v), &n) % &n;
            }
            zhat = zhat * s.modpow(&int(&proof["v_response"]), &n) % &n;
            der = der.integer(&a).integer(&zhat);
        }
        BigUint::from_bytes_be(&Sha256::digest(der.integer(nonce).to_der()))
    }

    #[test]
    fn recorded_signatures_match_their_requests_and_nonces() {
        let mut checked = 0;
        for (name, case, sm, request) in signature_cases() {
            let body = &case["client_message"]["body"];
            assert_eq!(&serde_json::to_value(&sm).unwrap(), body, "{name}");
            assert_eq!(sm.version(), 2);
            let result = sm.check_request(Some(&request));
            if case["session_result"]["proofStatus"] == "UNMATCHED_REQUEST" {
                assert_eq!(result, Err(ProofStatus::UnmatchedRequest), "{name}");
            } else {
                let checked_msg = result.unwrap_or_else(|s| panic!("{name}: {s:?}"));
                assert_eq!(checked_msg.message, request.message);
                // The reference's proof commits to exactly this nonce, unless a bit was
                // flipped on purpose.
                let proofs = body["signature"].as_array().unwrap();
                let matches = challenge_of(proofs, &checked_msg.nonce) == int(&proofs[0]["c"]);
                assert_eq!(matches, name != "negative/signature-flipped-bit", "{name}");
                // Without a request the signed message's own message is used.
                assert_eq!(sm.check_request(None).unwrap().message, sm.message);
            }
            checked += 1;
        }
        assert_eq!(checked, 5);
    }

    /// The verification future can run on a multi-threaded server.
    fn assert_send<F: Send>(_: &F) {}

    /// Full verification of every recorded signature, with the test's own challenge check
    /// standing in for the crypto layer.
    #[tokio::test]
    async fn recorded_signatures_verify_end_to_end() {
        use crate::protocol::timestamp::{TrustedKeys, tests::public_key};
        use crate::protocol::verify::tests::TestScheme;

        let scheme = TestScheme::irma_demo();
        let (n, bases) = public_key("irma-demo/MijnOverheid/PublicKeys/2.xml");
        let atum_key = STANDARD_B64
            .decode("r+klHf9m7sgcYfAUQ/xeTSS148U9mijuCqs6EPFu7Zo=")
            .unwrap();
        let mut checked = 0;
        for (name, case, sm, request) in signature_cases() {
            let body = &case["client_message"]["body"];
            let raw = body["signature"].as_array().unwrap();
            let proofs: Vec<_> = raw
                .iter()
                .map(|p| scheme.proof(&p["a_disclosed"]))
                .collect();
            let a_values: Vec<BigUint> = raw.iter().map(|p| int(&p["A"])).collect();
            let ts_proofs: Vec<TimestampProof<'_>> = proofs
                .iter()
                .zip(&a_values)
                .map(|(p, a)| TimestampProof {
                    a,
                    disclosed: &p.disclosed,
                    attribute_count: p.credential_type.attributes.len(),
                    modulus: &n,
                    bases: &bases,
                    max_message_bits: 256,
                    timestamp_server: "http://127.0.0.1:48682/",
                })
                .collect();
            let crypto = |c: &Checked<'_>| challenge_of(raw, &c.nonce) == int(&raw[0]["c"]);
            let now = case["recorded_at"].as_i64().unwrap();
            let trust = TrustedKeys(vec![atum_key.clone()]);
            let future = sm.verify(Some(&request), &proofs, &ts_proofs, crypto, &trust, now);
            assert_send(&future);
            let verdict = future.await.unwrap();
            crate::protocol::verify::tests::assert_matches_recorded(
                &verdict,
                &case["session_result"],
                &name,
            );
            // An untrusted timestamp key gives INVALID_TIMESTAMP.
            if sm.timestamp.is_some() {
                let v = sm
                    .verify(
                        Some(&request),
                        &proofs,
                        &ts_proofs,
                        |_| true,
                        &TrustedKeys::default(),
                        now,
                    )
                    .await
                    .unwrap();
                assert_eq!(v.status, ProofStatus::InvalidTimestamp);
            }
            checked += 1;
        }
        assert_eq!(checked, 5);
    }

    #[test]
    fn changed_nonce_context_or_empty_proofs_are_refused() {
        let case = cases(&["signature"])
            .into_iter()
            .find(|(n, _)| n == "signature/no-timestamp")
            .unwrap()
            .1;
        let sm: SignedMessage =
            serde_json::from_value(case["client_message"]["body"].clone()).unwrap();
        let SessionRequest::Signature(request) =
            serde_json::from_value(case["client_session_request"]["request"].clone()).unwrap()
        else {
            panic!("not a signature request");
        };
        assert!(sm.check_request(Some(&request)).is_ok());
        let mut other_nonce = sm.clone();
        other_nonce.nonce.0 += 1u8;
        assert_eq!(
            other_nonce.check_request(Some(&request)),
            Err(ProofStatus::UnmatchedRequest)
        );
        let mut other_context = sm.clone();
        other_context.context.0 += 1u8;
        assert_eq!(
            other_context.check_request(Some(&request)),
            Err(ProofStatus::UnmatchedRequest)
        );
        let mut empty = sm.clone();
        empty.signature.clear();
        assert_eq!(
            empty.check_request(Some(&request)),
            Err(ProofStatus::Invalid)
        );
        // A timestamp is bound into the proofs' nonce (so the crypto fails when one is
        // added or removed), not into the comparison with the request.
        let plain_nonce = sm.check_request(Some(&request)).unwrap().nonce;
        let (_, ts) = crate::protocol::timestamp::tests::recorded_timestamp();
        let mut stamped = sm;
        stamped.timestamp = Some(ts);
        let stamped_nonce = stamped.check_request(Some(&request)).unwrap().nonce;
        assert_ne!(stamped_nonce, plain_nonce);
        stamped.ld_context.clear();
        assert_eq!(
            stamped.check_request(Some(&request)),
            Err(ProofStatus::InvalidTimestamp)
        );
    }

    proptest::proptest! {
        #[test]
        fn random_signed_messages_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            nonce in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            message in ".{0,20}",
        ) {
            if let Ok(sm) = serde_json::from_slice::<SignedMessage>(&bytes) {
                let _ = sm.check_request(None);
            }
            let sm: SignedMessage = SignedMessage {
                ld_context: SIGNED_MESSAGE_CONTEXT.into(),
                signature: vec![Value::Null],
                indices: Vec::new(),
                nonce: Int(BigUint::from_bytes_be(&nonce)),
                context: Int(BigUint::one()),
                message: message.clone(),
                timestamp: None,
            };
            let checked = sm.check_request(None).unwrap();
            proptest::prop_assert_eq!(checked.nonce, signature_nonce(&sm.nonce, &message, None));
        }
    }
}
