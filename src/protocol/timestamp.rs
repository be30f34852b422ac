//! Atum timestamps on attribute-based signatures.
//!
//! A signing app may ask the scheme's timestamp server (go-atum) to sign the current time
//! together with a nonce that binds the signed message and the randomized credential
//! signatures (irmago `irma/timestamp.go`; REFERENCE.md §5.3). A verifier then trusts the
//! signature's time instead of "now" when checking expiry. Verification is: recompute the
//! nonce, check the Ed25519 signature over `Time (8 bytes big-endian) || nonce`, and ask
//! whether the server's key is to be trusted ([`KeyTrust`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::crypto::asn1::Sequence;
use crate::crypto::idemix::hash::attribute_exponent;
use crate::protocol::calendar;

/// The only signature algorithm accepted (atum also knows `xmssmt`, which irma never uses).
pub const ED25519: &str = "ed25519";

/// A signed timestamp as go-atum puts it on the wire (`SignedMessage.timestamp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    /// The Unix time the server signed.
    #[serde(rename = "Time")]
    pub time: i64,
    /// The server that signed (a verifier uses the scheme's server instead).
    #[serde(rename = "ServerUrl")]
    pub server_url: String,
    /// The signature.
    #[serde(rename = "Sig")]
    pub sig: TimestampSignature,
    /// go-atum's optional message hashing; irma never sets it and verification refuses it.
    #[serde(rename = "Hashing", default, skip_serializing_if = "Option::is_none")]
    pub hashing: Option<serde_json::Value>,
}

/// The signature part of a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampSignature {
    /// The algorithm (`"ed25519"`).
    #[serde(rename = "Alg")]
    pub alg: String,
    /// The signature bytes (base64 on the wire).
    #[serde(rename = "Data", with = "base64_bytes")]
    pub data: Vec<u8>,
    /// The server's public key (base64 on the wire).
    #[serde(rename = "PublicKey", with = "base64_bytes")]
    pub public_key: Vec<u8>,
}

/// Why a timestamp is not accepted (the session's status becomes `INVALID_TIMESTAMP`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Another signature algorithm than Ed25519.
    #[error("unsupported timestamp signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The timestamp asks for go-atum's message hashing.
    #[error("timestamps with message hashing are not supported")]
    Hashing,
    /// The public key is not a valid Ed25519 key.
    #[error("malformed timestamp public key")]
    MalformedKey,
    /// The signature does not verify.
    #[error("timestamp signature invalid")]
    BadSignature,
    /// The timestamp server does not vouch for the key.
    #[error("timestamp server key is not trusted")]
    Untrusted,
    /// The key's trust had expired before the timestamp's time.
    #[error("timestamp server key expired at {expires}, before the timestamp time {time}")]
    KeyExpired {
        /// When trust in the key ends (Unix seconds).
        expires: i64,
        /// The timestamp's time.
        time: i64,
    },
    /// No proofs to bind the timestamp to.
    #[error("no proofs to timestamp")]
    NoProofs,
    /// A credential's scheme names no timestamp server.
    #[error("credential {proof} comes from a scheme without a timestamp server")]
    NoTimestampServer {
        /// The proof index.
        proof: usize,
    },
    /// The credentials' schemes name different timestamp servers.
    #[error("credentials use different timestamp servers")]
    MultipleTimestampServers,
    /// A proof does not disclose its metadata attribute.
    #[error("metadata attribute of credential {proof} not disclosed")]
    MetadataNotDisclosed {
        /// The proof index.
        proof: usize,
    },
    /// The issuer key has fewer bases than the credential has attributes, or no modulus.
    #[error("issuer key of credential {proof} does not fit its credential")]
    UnusableIssuerKey {
        /// The proof index.
        proof: usize,
    },
    /// Asking the timestamp server about its key failed.
    #[error("checking the timestamp server key failed: {0}")]
    KeyCheck(String),
}

/// What the timestamp binds of one disclosure proof.
#[derive(Debug, Clone, Copy)]
pub struct TimestampProof<'a> {
    /// The randomized signature `A` of the proof.
    pub a: &'a BigUint,
    /// The disclosed values by index (`a_disclosed`; 1 = metadata).
    pub disclosed: &'a std::collections::BTreeMap<usize, BigUint>,
    /// The number of attributes of the credential type (without secret key and metadata).
    pub attribute_count: usize,
    /// The issuer key's modulus `N`.
    pub modulus: &'a BigUint,
    /// The issuer key's bases `R_0, R_1, …`.
    pub bases: &'a [BigUint],
    /// `Lm` of the key's parameters: longer disclosed values are hashed first.
    pub max_message_bits: u32,
    /// The `<TimestampServer>` of the credential's scheme (empty when it has none).
    pub timestamp_server: &'a str,
}

/// The nonce the timestamp server signs, and the server every credential's scheme names:
/// `SHA-256(DER SEQUENCE { SEQUENCE OF INTEGER A_i, OCTET STRING SHA-256(message),
/// SEQUENCE OF INTEGER dlrep_i })` with `dlrep_i = Π_j R_j^{h(d_ij)} mod N` over
/// `j = 0 … attribute_count + 1`, `d_ij` the disclosed value or 0
/// (irmago `TimestampRequest` for version-2 signatures).
pub fn timestamp_nonce<'a>(
    message: &str,
    proofs: &[TimestampProof<'a>],
) -> Result<([u8; 32], &'a str), TimestampError> {
    let mut server: Option<&str> = None;
    let mut sigs = Sequence::new();
    let mut dlreps = Sequence::new();
    for (i, proof) in proofs.iter().enumerate() {
        match proof.disclosed.get(&1) {
            Some(meta) if meta.bits() > 0 => {}
            _ => return Err(TimestampError::MetadataNotDisclosed { proof: i }),
        }
        let count = proof.attribute_count.saturating_add(2);
        if proof.bases.len() < count || proof.modulus.bits() == 0 {
            return Err(TimestampError::UnusableIssuerKey { proof: i });
        }
        let mut dlrep = BigUint::from(1u8) % proof.modulus;
        for (j, base) in proof.bases.iter().enumerate().take(count) {
            let Some(value) = proof.disclosed.get(&j) else {
                continue;
            };
            let exponent = attribute_exponent(value, proof.max_message_bits);
            dlrep = dlrep * base.modpow(&exponent, proof.modulus) % proof.modulus;
        }
        if proof.timestamp_server.is_empty() {
            return Err(TimestampError::NoTimestampServer { proof: i });
        }
        if server.is_some_and(|s| s != proof.timestamp_server) {
            return Err(TimestampError::MultipleTimestampServers);
        }
        server = Some(proof.timestamp_server);
        sigs = sigs.integer(proof.a);
        dlreps = dlreps.integer(&dlrep);
    }
    let server = server.ok_or(TimestampError::NoProofs)?;
    let der = Sequence::new()
        .sequence(sigs)
        .octet_string(&Sha256::digest(message.as_bytes()))
        .sequence(dlreps)
        .to_der();
    Ok((Sha256::digest(der).into(), server))
}

impl Timestamp {
    /// Checks the Ed25519 signature over `Time (8 bytes big-endian) || nonce`; does not
    /// decide whether the key is trusted.
    pub fn verify_signature(&self, nonce: &[u8]) -> Result<(), TimestampError> {
        if self.hashing.is_some() {
            return Err(TimestampError::Hashing);
        }
        if self.sig.alg != ED25519 {
            return Err(TimestampError::UnsupportedAlgorithm(self.sig.alg.clone()));
        }
        let key_bytes: [u8; 32] = self
            .sig
            .public_key
            .as_slice()
            .try_into()
            .map_err(|_| TimestampError::MalformedKey)?;
        let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| TimestampError::MalformedKey)?;
        let signature =
            Signature::from_slice(&self.sig.data).map_err(|_| TimestampError::BadSignature)?;
        let mut signed = Vec::with_capacity(8 + nonce.len());
        // Go writes the int64 time as uint64; negative times wrap the same way.
        signed.extend_from_slice(&(self.time as u64).to_be_bytes());
        signed.extend_from_slice(nonce);
        key.verify(&signed, &signature)
            .map_err(|_| TimestampError::BadSignature)
    }

    /// Verifies the timestamp on a signed `message` over `proofs`: the nonce, the signature
    /// and the trust in the key, asked of `trust` for the schemes' timestamp server.
    pub async fn verify<T: KeyTrust>(
        &self,
        message: &str,
        proofs: &[TimestampProof<'_>],
        trust: &T,
    ) -> Result<(), TimestampError> {
        let (nonce, server) = timestamp_nonce(message, proofs)?;
        self.verify_signature(&nonce)?;
        trust
            .check(server, &self.sig.alg, &self.sig.public_key, self.time)
            .await
    }
}

/// Decides whether a timestamp server's public key is trusted for a timestamp at `time`.
pub trait KeyTrust {
    /// `Ok(())` when `public_key` (of algorithm `alg`) of the server at `server_url` is to be
    /// trusted for a timestamp made at `time`.
    fn check(
        &self,
        server_url: &str,
        alg: &str,
        public_key: &[u8],
        time: i64,
    ) -> impl Future<Output = Result<(), TimestampError>> + Send;
}

/// Offline trust: a fixed list of accepted keys, whatever the server.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys(pub Vec<Vec<u8>>);

impl KeyTrust for TrustedKeys {
    async fn check(
        &self,
        _: &str,
        _: &str,
        public_key: &[u8],
        _: i64,
    ) -> Result<(), TimestampError> {
        if self.0.iter().any(|k| k == public_key) {
            Ok(())
        } else {
            Err(TimestampError::Untrusted)
        }
    }
}

/// Online trust, as go-atum does it: `GET {server}checkPublicKey?alg=…&pk=<hex>` answers
/// `{"Trusted": bool, "Expires": RFC 3339}`; a trusted answer is cached until it expires,
/// and a key whose trust ended before the timestamp's time is refused.
#[derive(Debug, Default)]
pub struct AtumKeyCheck {
    client: reqwest::Client,
    /// Key → until when it is trusted (Unix seconds).
    cache: Mutex<HashMap<CachedKey, i64>>,
}

/// A timestamp server key: (server URL ending in `/`, algorithm, public key).
type CachedKey = (String, String, Vec<u8>);

#[derive(Deserialize)]
struct PublicKeyCheckResponse {
    #[serde(rename = "Trusted")]
    trusted: bool,
    #[serde(rename = "Expires")]
    expires: String,
}

impl AtumKeyCheck {
    /// A checker using `client` for its requests.
    pub fn new(client: reqwest::Client) -> Self {
        Self {
            client,
            cache: Mutex::default(),
        }
    }

    fn cached(&self, key: &CachedKey) -> bool {
        let now = unix_now();
        // A poisoned lock only means another check panicked; the map is still usable.
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(key).is_some_and(|&expires| expires > now)
    }
}

impl KeyTrust for AtumKeyCheck {
    async fn check(
        &self,
        server_url: &str,
        alg: &str,
        public_key: &[u8],
        time: i64,
    ) -> Result<(), TimestampError> {
        let mut base = server_url.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let key = (base.clone(), alg.to_owned(), public_key.to_vec());
        if self.cached(&key) {
            return Ok(());
        }
        if !alg.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(TimestampError::UnsupportedAlgorithm(alg.to_owned()));
        }
        let url = format!(
            "{base}checkPublicKey?alg={alg}&pk={}",
            hex::encode(public_key)
        );
        let failed = |e: reqwest::Error| TimestampError::KeyCheck(e.to_string());
        let response: PublicKeyCheckResponse = self
            .client
            .get(url)
            .send()
            .await
            .map_err(failed)?
            .error_for_status()
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)?;
        let expires = calendar::parse_rfc3339(&response.expires)
            .ok_or_else(|| TimestampError::KeyCheck("malformed Expires".to_owned()))?;
        if expires < time {
            return Err(TimestampError::KeyExpired { expires, time });
        }
        if !response.trusted {
            return Err(TimestampError::Untrusted);
        }
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, expires);
        Ok(())
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Go's `[]byte` JSON: standard base64, `null` for none.
mod base64_bytes {
    use super::*;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map_or(Ok(Vec::new()), |t| {
            STANDARD.decode(t).map_err(serde::de::Error::custom)
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::crypto::bigint::Int;
    use crate::protocol::verify::tests::{TestScheme, cases, test_data};

    pub(crate) fn atum_case() -> Value {
        cases(&["signature"])
            .into_iter()
            .find(|(n, _)| n == "signature/atum-timestamp")
            .unwrap()
            .1
    }

    /// Test-only reading of `N` and the bases `R_i` from an issuer public key XML file.
    pub(crate) fn public_key(path: &str) -> (BigUint, Vec<BigUint>) {
        let xml = std::fs::read_to_string(test_data().join("schemes").join(path)).unwrap();
        let text = |tag: &str| {
            let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
            Int::from_decimal(xml[start..].split('<').next().unwrap().trim())
                .unwrap()
                .0
        };
        let bases = (0..)
            .map_while(|i| {
                xml.contains(&format!("<Base_{i}>"))
                    .then(|| text(&format!("Base_{i}")))
            })
            .collect();
        (text("n"), bases)
    }

    pub(crate) fn recorded_timestamp() -> (Value, Timestamp) {
        let case = atum_case();
        let ts =
            serde_json::from_value(case["client_message"]["body"]["timestamp"].clone()).unwrap();
        (case, ts)
    }

    #[tokio::test]
    async fn recorded_timestamp_verifies() {
        let (case, ts) = recorded_timestamp();
        assert_eq!(
            serde_json::to_value(&ts).unwrap(),
            case["client_message"]["body"]["timestamp"]
        );
        let scheme = TestScheme::irma_demo();
        let (n, bases) = public_key("irma-demo/MijnOverheid/PublicKeys/2.xml");
        let body = &case["client_message"]["body"];
        let proof_json = &body["signature"][0];
        let verified = scheme.proof(&proof_json["a_disclosed"]);
        let a = Int::from_base64(proof_json["A"].as_str().unwrap())
            .unwrap()
            .0;
        let proofs = [TimestampProof {
            a: &a,
            disclosed: &verified.disclosed,
            attribute_count: verified.credential_type.attributes.len(),
            modulus: &n,
            bases: &bases,
            max_message_bits: 256,
            timestamp_server: "http://127.0.0.1:48682/",
        }];
        let message = body["message"].as_str().unwrap();
        let (nonce, server) = timestamp_nonce(message, &proofs).unwrap();
        // The nonce the wallet sent to the atum server.
        let sent = &case["atum_exchanges"][1]["request_body"]["Nonce"];
        assert_eq!(STANDARD.encode(nonce), sent.as_str().unwrap());
        assert_eq!(server, "http://127.0.0.1:48682/");
        ts.verify_signature(&nonce).unwrap();

        let key = STANDARD
            .decode(
                case["atum_server"]["ed25519_public_key_b64"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
        ts.verify(message, &proofs, &TrustedKeys(vec![key]))
            .await
            .unwrap();
        assert_eq!(
            ts.verify(message, &proofs, &TrustedKeys(vec![vec![0; 32]]))
                .await,
            Err(TimestampError::Untrusted)
        );
        // Another message, another time, or another scheme server setup all fail.
        assert_eq!(
            ts.verify("other", &proofs, &TrustedKeys(Vec::new())).await,
            Err(TimestampError::BadSignature)
        );
        let mut later = ts.clone();
        later.time += 1;
        assert_eq!(
            later.verify_signature(&nonce),
            Err(TimestampError::BadSignature)
        );
        let mut two = vec![proofs[0], proofs[0]];
        two[1].timestamp_server = "https://elsewhere/";
        assert_eq!(
            timestamp_nonce(message, &two),
            Err(TimestampError::MultipleTimestampServers)
        );
        let mut no_server = proofs;
        no_server[0].timestamp_server = "";
        assert!(timestamp_nonce(message, &no_server).is_err());
        let short = &bases[..3];
        let mut few = proofs;
        few[0].bases = short;
        assert_eq!(
            timestamp_nonce(message, &few),
            Err(TimestampError::UnusableIssuerKey { proof: 0 })
        );
        let empty = BTreeMap::new();
        let mut hidden_meta = proofs;
        hidden_meta[0].disclosed = &empty;
        assert!(timestamp_nonce(message, &hidden_meta).is_err());
        assert_eq!(timestamp_nonce(message, &[]), Err(TimestampError::NoProofs));
    }

    #[test]
    fn malformed_signatures_are_refused() {
        let (_, ts) = recorded_timestamp();
        let mut other_alg = ts.clone();
        other_alg.sig.alg = "xmssmt".into();
        assert!(matches!(
            other_alg.verify_signature(b""),
            Err(TimestampError::UnsupportedAlgorithm(_))
        ));
        let mut short_key = ts.clone();
        short_key.sig.public_key.pop();
        assert_eq!(
            short_key.verify_signature(b""),
            Err(TimestampError::MalformedKey)
        );
        let mut short_sig = ts.clone();
        short_sig.sig.data.pop();
        assert_eq!(
            short_sig.verify_signature(b""),
            Err(TimestampError::BadSignature)
        );
        let mut hashing = ts;
        hashing.hashing = Some(serde_json::json!({"Hash": "shake256"}));
        assert_eq!(hashing.verify_signature(b""), Err(TimestampError::Hashing));
    }

    proptest! {
        #[test]
        fn parsing_random_timestamps_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(ts) = serde_json::from_slice::<Timestamp>(&bytes) {
                let _ = ts.verify_signature(&bytes);
            }
        }
    }
}
