//! IRMA's JSON Web Tokens: requestor request JWTs, session result JWTs, requestor
//! authentication.
//!
//! - [`keys`]: HMAC keys (any base64 dialect) and RSA keys (PEM, PKCS#1 or PKCS#8).
//! - [`request`]: session and revocation request JWTs (HS256 or RS256), requestor → server.
//! - [`auth`]: the server's requestor authentication (token, hmac, publickey), with the
//!   reference's error answers.
//! - [`result`]: result and getproof JWTs (RS256), server → requestor, and `GET /publickey`.
//! - [`keyshare`]: keyshare JWTs: the keyshare server's (`ProofP`, access tokens; RS256 with
//!   `kid`, checked with the scheme's `kss-N.pem`) and the app's (ES256).
//! - [`verify`]: checking any of these with a known key: kind, signature, times.
//!
//! The clock is always a parameter (unix seconds), so old tokens can be audited and tests use
//! recorded times. Header and claims are written in the reference's field order; only the
//! signature primitives come from `jsonwebtoken` (aws-lc backend). See irmago
//! `irma/requests.go`, `irma/server/api.go`, `irma/server/requestorserver/auth.go`.

pub mod auth;
mod compact;
pub mod keys;
pub mod keyshare;
pub mod request;
pub mod result;
pub mod verify;

pub use compact::{FormatError, SignError};

#[cfg(test)]
mod tests;
