//! Integration tests: the real `irma` binary, real files, real HTTP on 127.0.0.1.
//!
//! One test binary for all areas (one file per area), so it links once.

mod app;
mod bad_input;
mod chains;
mod clients;
mod generated;
mod hostile;
mod idemix;
mod jwt;
mod keyshare;
mod legacy;
mod ops;
mod proof_sizes;
mod protocol;
mod redis;
mod requestor_client;
mod requestors;
mod revocation;
mod revocation_authority;
mod revocation_e2e;
mod revocation_store;
mod revocation_verifier;
mod scheme;
mod server;
mod server_check;
mod session_cli;
mod standalone;
mod tls;
mod util;
mod vectors;
mod wallet;
