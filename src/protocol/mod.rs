//! Wire types shared by every side of the protocol, and the protocol rules above the crypto.
//!
//! - [`calendar`]: UTC calendar arithmetic and formats as the reference's Go code.
//! - [`identifiers`]: validated scheme, issuer, credential type and attribute ids.
//! - [`errors`]: the reference's error catalogue and JSON error body.
//! - [`session`]: session pointer and package, options, protocol versions.
//! - [`status`]: session statuses.
//! - [`tokens`]: session tokens and authorization values.
//! - [`attributes`]: attribute value encoding, the metadata attribute, and the attribute
//!   layout of a credential type ([`attributes::CredentialTypeInfo`]).
//! - [`request`]: session requests (disclosure, signature, issuance) and requestor requests.
//! - [`legacy`]: the legacy (pre-condiscon) form of session requests, converted on input.
//! - [`translated`]: texts in several languages (scheme descriptions, labels, values).
//! - [`messages`]: proof statuses, disclosed attributes and attribute indices.
//! - [`verify`]: the verdict on verified proofs against a request.
//! - [`signature`]: attribute-based signatures (`SignedMessage`) and their nonce.
//! - [`timestamp`]: atum timestamps of signatures.
//! - [`keyshare`]: the keyshare protocol between the app and a keyshare server.
//! - [`app`]: the app's disclosure and issuance messages to the server.
//! - [`revocation`]: the requestor's revocation request (`POST /revocation`).

pub mod app;
pub mod attributes;
pub mod calendar;
pub mod errors;
pub mod identifiers;
pub mod keyshare;
pub mod legacy;
pub mod messages;
pub mod request;
pub mod revocation;
pub mod session;
pub mod signature;
pub mod status;
pub mod timestamp;
pub mod tokens;
pub mod translated;
pub mod verify;
