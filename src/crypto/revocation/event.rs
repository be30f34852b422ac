//! Revocation events and their hash chain (gabi `revocation/api.go`: `Event`, `EventList`,
//! `Hash`).
//!
//! Each event `{index, e, parent hash}` names the revocation attribute `e` removed from the
//! accumulator at `index` and the hash of the event before it; the accumulator signs the hash
//! of its latest event, so a signed accumulator vouches for any chain of events ending there.
//! Index 0 is the initial event (`e = 1`, parent hash over 32 zero bytes).

use base64::engine::general_purpose::URL_SAFE;
use num_bigint::BigUint;
use num_traits::One;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::RevocationError;
use super::encoding;
use crate::crypto::bigint::Int;

/// The multihash code of SHA2-256, the only hash gabi accepts.
const SHA2_256: u8 = 0x12;
/// SHA-256's digest length.
const DIGEST_LEN: u8 = 32;

/// A multihash: `0x12 0x20 ‖ SHA-256 digest` (gabi `revocation.Hash`). JSON: base64 with the
/// URL alphabet (padded); CBOR: byte string.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct EventHash(Vec<u8>);

impl EventHash {
    /// The multihash of `SHA-256(data)`.
    pub fn sha256(data: &[u8]) -> Self {
        let mut bytes = vec![SHA2_256, DIGEST_LEN];
        bytes.extend_from_slice(&Sha256::digest(data));
        Self(bytes)
    }

    /// The parent hash of the initial event: the multihash of 32 zero bytes (not their hash).
    pub fn zero() -> Self {
        let mut bytes = vec![SHA2_256, DIGEST_LEN];
        bytes.extend_from_slice(&[0; DIGEST_LEN as usize]);
        Self(bytes)
    }

    /// Wraps multihash bytes as stored (checked when compared).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The multihash bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether this is a well-formed SHA2-256 multihash, the only kind gabi accepts.
    fn is_sha256(&self) -> bool {
        self.0.len() == 2 + usize::from(DIGEST_LEN)
            && self.0[0] == SHA2_256
            && self.0[1] == DIGEST_LEN
    }
}

impl std::fmt::Debug for EventHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventHash({})", hex::encode(&self.0))
    }
}

impl Serialize for EventHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encoding::serialize(&self.0, &URL_SAFE, s)
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        encoding::deserialize(d, &URL_SAFE).map(Self)
    }
}

/// One revocation event (gabi `revocation.Event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The accumulator index this event leads to.
    pub index: u64,
    /// The revoked attribute (1 for the initial event).
    pub e: BigUint,
    /// The hash of the previous event.
    pub parent_hash: EventHash,
}

impl Event {
    /// The initial event of a new accumulator.
    pub fn initial() -> Self {
        Self {
            index: 0,
            e: BigUint::one(),
            parent_hash: EventHash::zero(),
        }
    }

    /// `SHA-256(uint64_be(index) ‖ parent hash ‖ e)` as a multihash.
    pub fn hash(&self) -> EventHash {
        let e = Int(self.e.clone()).to_bytes();
        let mut data = Vec::with_capacity(8 + self.parent_hash.0.len() + e.len());
        data.extend_from_slice(&self.index.to_be_bytes());
        data.extend_from_slice(&self.parent_hash.0);
        data.extend_from_slice(&e);
        EventHash::sha256(&data)
    }

    /// Whether `hash` is this event's hash (a SHA2-256 multihash; gabi `hashEquals`).
    fn hash_equals(&self, hash: &EventHash) -> bool {
        hash.is_sha256() && self.hash() == *hash
    }
}

/// A run of consecutive events (gabi `EventList`), on the wire in the compressed form
/// `{"i": first index, "hash": parent hash of the first, "e": [e…]}`: each later event's
/// index and parent hash follow from the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventList(Vec<Event>);

#[derive(Serialize, Deserialize)]
struct Compressed {
    #[serde(rename = "i", default)]
    index: u64,
    #[serde(rename = "hash", default)]
    parent_hash: EventHash,
    #[serde(rename = "e", default, deserialize_with = "list_or_null")]
    e: Vec<Int>,
}

fn list_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Int>, D::Error> {
    Ok(Option::<Vec<Int>>::deserialize(d)?.unwrap_or_default())
}

impl EventList {
    /// A list of consecutive events; checks that indices count up by one and that each
    /// parent hash is the hash of the event before it.
    pub fn new(events: Vec<Event>) -> Result<Self, RevocationError> {
        for pair in events.windows(2) {
            if pair[1].index != pair[0].index.wrapping_add(1) {
                return Err(RevocationError::EventChain("wrong event index"));
            }
            if !pair[0].hash_equals(&pair[1].parent_hash) {
                return Err(RevocationError::EventChain("wrong parent hash"));
            }
        }
        Ok(Self(events))
    }

    /// The events, oldest first.
    pub fn events(&self) -> &[Event] {
        &self.0
    }

    /// The events, oldest first.
    pub fn into_events(self) -> Vec<Event> {
        self.0
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks that the last event's hash is `head` (the accumulator's event hash); an empty
    /// list always passes (gabi `EventList.Verify`).
    pub fn verify_head(&self, head: &EventHash) -> Result<(), RevocationError> {
        match self.0.last() {
            Some(last) if !last.hash_equals(head) => {
                Err(RevocationError::EventChain("update chain has wrong hash"))
            }
            _ => Ok(()),
        }
    }

    /// The product of the `e` of every event with index ≥ `from`.
    pub fn product_from(&self, from: u64) -> BigUint {
        self.0
            .iter()
            .filter(|event| event.index >= from)
            .fold(BigUint::one(), |acc, event| acc * &event.e)
    }
}

impl Serialize for EventList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let compressed = match self.0.first() {
            Some(first) => Compressed {
                index: first.index,
                parent_hash: first.parent_hash.clone(),
                e: self.0.iter().map(|event| Int(event.e.clone())).collect(),
            },
            None => Compressed {
                index: 0,
                parent_hash: EventHash::default(),
                e: Vec::new(),
            },
        };
        compressed.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EventList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let compressed = Compressed::deserialize(d)?;
        let mut events: Vec<Event> = Vec::with_capacity(compressed.e.len());
        for (offset, e) in compressed.e.into_iter().enumerate() {
            let index = u64::try_from(offset)
                .ok()
                .and_then(|o| compressed.index.checked_add(o))
                .ok_or_else(|| serde::de::Error::custom("event index overflows"))?;
            let parent_hash = match events.last() {
                Some(previous) => previous.hash(),
                None => compressed.parent_hash.clone(),
            };
            events.push(Event {
                index,
                e: e.0,
                parent_hash,
            });
        }
        Ok(Self(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_event_hash_is_the_reference_one() {
        // The initial event of every accumulator in the vectors (`EventHash_hex`).
        let expected =
            hex::decode("1220c88ca8e2655297750c8c785049234d117485eff28e33374d0e88f31ed285617b")
                .unwrap();
        assert_eq!(Event::initial().hash().as_bytes(), expected);
        assert_eq!(
            serde_json::to_string(&EventHash::zero()).unwrap(),
            "\"EiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\""
        );
    }

    #[test]
    fn compressed_lists_rebuild_the_chain() {
        let first = Event::initial();
        let second = Event {
            index: 1,
            e: BigUint::from(1_000_003u32),
            parent_hash: first.hash(),
        };
        let list = EventList::new(vec![first.clone(), second.clone()]).unwrap();
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json["i"], 0);
        assert_eq!(json["e"].as_array().unwrap().len(), 2);
        let back: EventList = serde_json::from_value(json).unwrap();
        assert_eq!(back, list);
        let cbor = encoding::to_cbor(&list);
        assert_eq!(encoding::from_cbor::<EventList>(&cbor).unwrap(), list);
        list.verify_head(&second.hash()).unwrap();
        assert!(list.verify_head(&first.hash()).is_err());
        assert_eq!(list.product_from(1), BigUint::from(1_000_003u32));
        assert_eq!(list.product_from(0), BigUint::from(1_000_003u32));
        // A broken chain is refused.
        let mut broken = second;
        broken.parent_hash = EventHash::zero();
        assert!(EventList::new(vec![first.clone(), broken]).is_err());
        let mut gap = Event::initial();
        gap.index = 2;
        assert!(EventList::new(vec![first, gap]).is_err());
    }
}
