//! Pure cryptographic math: no I/O, no HTTP.

pub mod arith;
