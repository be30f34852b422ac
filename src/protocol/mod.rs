//! Wire types shared by every side of the protocol.
//!
//! - [`identifiers`]: validated scheme, issuer, credential and attribute identifiers.
//! - [`errors`]: the reference's error catalogue and JSON error body.
//! - [`session`]: session pointer and package, options, protocol versions.
//! - [`status`]: session statuses.
//! - [`tokens`]: session tokens and authorization values.

pub mod errors;
pub mod identifiers;
pub mod session;
pub mod status;
pub mod tokens;
