//! `irma`: an IRMA/Yivi server and toolkit.
//!
//! IRMA is the Idemix attribute-based credential system behind the Yivi app. This crate
//! holds everything the `irma` binary does, as a library.
//!
//! # Layout
//!
//! Dependencies point one way: `crypto ← protocol ← scheme ← cli`.
//!
//! - [`protocol`]: wire types shared by every side (identifiers, session requests, attribute
//!   encoding, the app's messages in [`protocol::app`], signed messages, timestamps) and the
//!   rules above the crypto: the verdict on verified proofs against a request.
//! - [`crypto`]: pure math, no I/O: big integers, the Idemix core and revocation (accumulators,
//!   witnesses, nonrevocation proofs, signed updates).
//! - [`revocation`]: issuance records, the SQL storage of revocation state (compatible with
//!   irmago's database), and a server's revocation roles without HTTP (authority, server,
//!   verifier; endpoints in [`server::revocation_api`]).
//! - [`scheme`]: credential schemes: parse a scheme tree, verify its index and signature,
//!   sign, download and update.
//! - [`verifier`]: IRMA-level verification against loaded schemes: disclosures, attribute-based
//!   signatures and issuance commitments (glue between `scheme`, `crypto::idemix` and `protocol`).
//! - [`config`]: `irma server` configuration: flags > environment > file > defaults, one
//!   file per section (schemes, listeners, requestors, sessions, store, revocation, mode)
//!   holding its keys, which are at once the flags, and their resolution.
//! - [`requestor`]: the requestor side: the requestor HTTP client with status events, typed
//!   session request builders, terminal QR codes.
//! - [`session`]: the session engine (no HTTP): the session record and its one transition
//!   table, lifetimes, the store (memory or Redis), observers of status changes.
//! - [`metrics`]: Prometheus metrics of a server (the registry, the session engine's
//!   observer, process metrics); served by [`server`].
//! - [`server`]: the HTTP server (axum): [`server::Server`] assembles listeners, store,
//!   engine and background tasks from a resolved [`config::ServerConfig`].
//! - [`jwt`]: JWTs: requestor request JWTs, requestor authentication, session result and
//!   getproof JWTs, verification with an explicit clock (depends on `protocol` only).
//! - [`keyshare`]: a keyshare server without HTTP: users with a share of their secret key
//!   and a PIN, and its part in every proof of a keyshare scheme (HTTP endpoints in
//!   [`server::keyshare`]).
//! - [`wallet`]: the holder side: a headless IRMA app (storage, credential choice, the app's
//!   session protocol client, enrollment at keyshare servers), behind `irma wallet`.
//! - [`cli`]: the command line (clap); the only module that uses `anyhow`.
//!
//! One word per party: the **requestor** is the backend that starts sessions ([`requestor`],
//! `server::requestor_api`, `RequestorToken`); the **app** is the IRMA/Yivi app that holds the
//! credentials (`server::app_api`, `AppToken`, the engine's `app_*` methods); the **frontend**
//! is the browser code that shows the QR (`FrontendAuthorization`). Errors are named after their
//! layer: `crypto::idemix::ProofError` (a proof list does not verify) and `IssuerKeyError`,
//! `protocol::verify::DisclosureError` (a disclosure the request cannot use), `jwt::verify::JwtError`
//! and `jwt::keys::JwtKeyError`, `scheme::keys::SchemeKeyError`.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod jwt;
pub mod keyshare;
pub mod metrics;
pub mod protocol;
pub mod requestor;
pub mod revocation;
pub mod scheme;
pub mod server;
pub mod session;
pub mod verifier;
pub mod wallet;

/// `Debug` that shows only the named fields, for types holding secrets or handles whose
/// `Debug` would leak them or flood the log; the other fields print as `..`.
/// `debug_fields!(User { pin_counter, blocked_until });`
macro_rules! debug_fields {
    ($type:ident { $($field:ident),* $(,)? }) => {
        impl ::std::fmt::Debug for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use debug_fields;
