//! Integration tests: the real `irma` binary, real files, real HTTP on 127.0.0.1.
//!
//! One test binary for all areas (one file per area), so it links once.

mod clients;
mod generated;
mod idemix;
mod jwt;
mod protocol;
mod scheme;
mod server;
mod util;
mod vectors;
