//! The RSA-B accumulator, its signed form and update messages (gabi `revocation/api.go`).
//!
//! A witness `(u, e)` is valid against an accumulator `ν` when `u^e = ν mod n`. Revoking `e`
//! replaces `ν` by `ν^{1/e}` (only the issuer can take roots), which every other witness can
//! follow ([`super::Witness::update`]) and the revoked one cannot.

use std::collections::BTreeMap;

use num_bigint::BigUint;
use p256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};

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
        if pk.counter() != self.pk_counter {
            return Err(RevocationError::WrongKey {
                expected: pk.counter(),
                found: self.pk_counter,
            });
        }
        Ok(self.data.verify(&signed::verifying_key(pk)?)?)
    }
}

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
