//! The RSA-B accumulator, its signed form and update messages (gabi `revocation/api.go`).
//!
//! A witness `(u, e)` is valid against an accumulator `ν` when `u^e = ν mod n`. Revoking `e`
//! replaces `ν` by `ν^{1/e}` (only the issuer can take roots), which every other witness can
//! follow ([`super::Witness::update`]) and the revoked one cannot.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use num_bigint::BigUint;
use p256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::RevocationError;
use super::event::{Event, EventHash, EventList};
use super::signed::{self, SignedMessage};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{PrivateKey, PublicKey, math};

/// An accumulator state (gabi `revocation.Accumulator`); its CBOR form is what gets signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accumulator {
    /// The accumulator value `ν`, a quadratic residue mod `n`.
    #[serde(rename = "Nu")]
    pub nu: Int,
    /// Number of revocations so far (the index of the latest event).
    #[serde(rename = "Index")]
    pub index: u64,
    /// Unix seconds when it was signed; the authority re-signs periodically to show it is live.
    #[serde(rename = "Time")]
    pub time: i64,
    /// Hash of the latest event.
    #[serde(rename = "EventHash")]
    pub event_hash: EventHash,
}

/// An accumulator signed with the issuer's ECDSA revocation key (gabi `SignedAccumulator`):
/// `{"data": signed message, "pk": key counter}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAccumulator {
    /// The signed CBOR of the [`Accumulator`].
    pub data: SignedMessage,
    /// The counter of the issuer key pair that signed it.
    #[serde(rename = "pk")]
    pub pk_counter: u32,
}

/// The latest signed accumulator with the events leading to it (gabi `revocation.Update`), on
/// the wire `{"sacc": …, "e": compressed events}` (`e` left out without events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// The signed accumulator at the top of the chain.
    #[serde(rename = "sacc")]
    pub signed_accumulator: SignedAccumulator,
    /// Consecutive events ending at the accumulator's index (possibly none).
    #[serde(
        rename = "e",
        default,
        skip_serializing_if = "EventList::is_empty",
        deserialize_with = "list_or_null"
    )]
    pub events: EventList,
}

/// Updates per key counter, as the `update/{count}` endpoint answers and session requests
/// carry them.
pub type Updates = BTreeMap<u32, Update>;

fn list_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<EventList, D::Error> {
    Ok(Option::<EventList>::deserialize(d)?.unwrap_or_default())
}

impl Accumulator {
    /// A new accumulator for `sk` with a random `ν` and the initial event, signed, at `time`
    /// (gabi `NewAccumulator`).
    pub fn initial(sk: &PrivateKey, time: i64) -> Result<Update, RevocationError> {
        let initial = Event::initial();
        let acc = Self {
            nu: Int(math::random_qr(sk.n())?),
            index: 0,
            time,
            event_hash: initial.hash(),
        };
        Ok(Update {
            signed_accumulator: acc.sign(sk)?,
            events: EventList::new(vec![initial])?,
        })
    }

    /// Signs the accumulator with `sk`'s ECDSA key (gabi `Accumulator.Sign`).
    pub fn sign(&self, sk: &PrivateKey) -> Result<SignedAccumulator, RevocationError> {
        self.sign_with(&signed::signing_key(sk)?, sk.counter())
    }

    /// Signs the accumulator with an already parsed ECDSA key of key pair `pk_counter`.
    pub fn sign_with(
        &self,
        key: &SigningKey,
        pk_counter: u32,
    ) -> Result<SignedAccumulator, RevocationError> {
        Ok(SignedAccumulator {
            data: SignedMessage::sign(key, self),
            pk_counter,
        })
    }

    /// The accumulator with `e` removed: `ν' = ν^{e^{−1} mod p'q'}`, index + 1, signed at `time`,
    /// and the event that records it after `parent` (gabi `Accumulator.Remove`).
    pub fn remove(
        &self,
        sk: &PrivateKey,
        e: &BigUint,
        parent: &Event,
        time: i64,
    ) -> Result<(Self, Event), RevocationError> {
        // e has no inverse only when it is p' or q'; refusing it keeps the issuer's secret.
        let e_inverse =
            math::inverse(e, sk.order_modulus()).ok_or(RevocationError::NotInvertible)?;
        let index = self
            .index
            .checked_add(1)
            .ok_or(RevocationError::EventChain("accumulator index overflows"))?;
        let event = Event {
            index,
            e: e.clone(),
            parent_hash: parent.hash(),
        };
        let acc = Self {
            nu: Int(sk.pow_secret(&self.nu, &e_inverse)),
            index,
            time,
            event_hash: event.hash(),
        };
        Ok((acc, event))
    }
}

impl SignedAccumulator {
    /// Checks the key counter and the signature with `pk`'s ECDSA key and decodes the
    /// accumulator (gabi `SignedAccumulator.UnmarshalVerify`).
    pub fn verify(&self, pk: &PublicKey) -> Result<Accumulator, RevocationError> {
        Ok(self.verified(pk)?.accumulator.clone())
    }

    /// [`SignedAccumulator::verify`], remembered: every nonrevocation proof made while an
    /// accumulator is current carries the same signed message, so its ECDSA signature is
    /// checked and `ν⁻¹` computed once per process rather than once per proof.
    pub(super) fn verified(
        &self,
        pk: &PublicKey,
    ) -> Result<Arc<VerifiedAccumulator>, RevocationError> {
        if pk.counter() != self.pk_counter {
            return Err(RevocationError::WrongKey {
                expected: pk.counter(),
                found: self.pk_counter,
            });
        }
        let ecdsa = pk.ecdsa_der().unwrap_or_default();
        let id: [u8; 32] = Sha256::new()
            .chain_update((ecdsa.len() as u64).to_be_bytes())
            .chain_update(ecdsa)
            .chain_update(pk.n().to_bytes_be())
            .chain_update(self.data.as_bytes())
            .finalize()
            .into();
        let cache = VERIFIED.get_or_init(Default::default);
        let known = cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        if let Some(known) = known {
            return Ok(known);
        }
        let accumulator: Accumulator = self.data.verify(&signed::verifying_key(pk)?)?;
        let nu_inverse = math::inverse(&accumulator.nu, pk.modulus());
        let verified = Arc::new(VerifiedAccumulator {
            accumulator,
            nu_inverse,
        });
        let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= VERIFIED_CAPACITY {
            map.clear();
        }
        map.insert(id, Arc::clone(&verified));
        Ok(verified)
    }
}

/// An accumulator whose signature verified, with what proofs against it need.
#[derive(Debug)]
pub(super) struct VerifiedAccumulator {
    /// The accumulator.
    pub accumulator: Accumulator,
    /// `ν⁻¹ mod n` (none when `ν` has no inverse, which no honest issuer signs).
    pub nu_inverse: Option<BigUint>,
}

/// How many verified accumulators [`VERIFIED`] keeps: a few per revocable credential type
/// and key in use. Only accumulators with a valid issuer signature get in, so the map is
/// emptied when full rather than kept in order.
const VERIFIED_CAPACITY: usize = 256;

/// Verified accumulators by SHA-256 of (ECDSA key, modulus, signed message).
static VERIFIED: OnceLock<Mutex<HashMap<[u8; 32], Arc<VerifiedAccumulator>>>> = OnceLock::new();

impl Update {
    /// An update over `events` (oldest first) ending at `acc`, signed with `sk`; checks that
    /// the events lead to the accumulator (gabi `NewUpdate`).
    pub fn new(
        sk: &PrivateKey,
        acc: &Accumulator,
        events: Vec<Event>,
    ) -> Result<Self, RevocationError> {
        let events = EventList::new(events)?;
        events.verify_head(&acc.event_hash)?;
        Ok(Self {
            signed_accumulator: acc.sign(sk)?,
            events,
        })
    }

    /// Verifies the signed accumulator with `pk` and that the events end at it (gabi
    /// `Update.Verify`); returns the accumulator.
    pub fn verify(&self, pk: &PublicKey) -> Result<Accumulator, RevocationError> {
        let acc = self.signed_accumulator.verify(pk)?;
        // The head hash covers the last event's index too.
        self.events.verify_head(&acc.event_hash)?;
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_pair(counter: u32) -> (PrivateKey, PublicKey) {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/schemes/irma-demo/MijnOverheid"
        );
        let read =
            |kind: &str| std::fs::read_to_string(format!("{dir}/{kind}/{counter}.xml")).unwrap();
        (
            PrivateKey::from_xml(&read("PrivateKeys")).unwrap(),
            PublicKey::from_xml(&read("PublicKeys")).unwrap(),
        )
    }

    /// What [`SignedAccumulator::verified`] remembers is only ever the answer for the very
    /// same signed bytes and key: a changed message or another key is verified anew.
    #[test]
    fn remembered_verifications_are_per_message_and_key() {
        let (sk, pk) = key_pair(2);
        let update = Accumulator::initial(&sk, 1_800_000_000).unwrap();
        let sacc = update.signed_accumulator;
        let first = sacc.verify(&pk).unwrap();
        assert_eq!(sacc.verify(&pk).unwrap(), first);
        let verified = sacc.verified(&pk).unwrap();
        assert_eq!(
            verified
                .nu_inverse
                .as_ref()
                .map(|inv| inv * &first.nu.0 % pk.n()),
            Some(BigUint::from(1u8))
        );

        let mut bytes = sacc.data.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = SignedAccumulator {
            data: SignedMessage::from_bytes(bytes),
            pk_counter: 2,
        };
        assert!(tampered.verify(&pk).is_err());

        // Key 2 of another issuer of the scheme, with ECDSA and RSA keys of its own.
        let other = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/schemes/irma-demo/VeriD/PublicKeys/2.xml"
        ))
        .unwrap();
        let other = PublicKey::from_xml(&other).unwrap();
        assert_eq!(other.counter(), 2);
        assert!(matches!(
            sacc.verify(&other),
            Err(RevocationError::Signed(_))
        ));
        let (_, pk1) = key_pair(1);
        assert!(matches!(
            sacc.verify(&pk1),
            Err(RevocationError::WrongKey { .. })
        ));
    }
}
