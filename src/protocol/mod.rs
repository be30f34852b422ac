//! Wire types shared by every side of the protocol, and the protocol rules above the crypto.
//!
//! - [`identifiers`]: validated scheme, issuer, credential type and attribute ids.
//! - [`version`]: the protocol version (`"2.8"`).
//! - [`attributes`]: attribute value encoding, the metadata attribute, and the attribute
//!   layout of a credential type ([`attributes::CredentialTypeInfo`]).
//! - [`request`]: session requests (disclosure, signature, issuance) and requestor requests.
//! - [`messages`]: proof statuses, disclosed attributes and attribute indices.
//! - [`verify`]: the verdict on verified proofs against a request.
//! - [`signature`]: attribute-based signatures (`SignedMessage`) and their nonce.
//! - [`timestamp`]: atum timestamps of signatures.

pub mod attributes;
mod calendar;
pub mod identifiers;
pub mod messages;
pub mod request;
pub mod signature;
pub mod timestamp;
pub mod verify;
pub mod version;
