//! The requestor side: what `irma session` and backends use to talk to an IRMA server.
//!
//! - [`qr`]: session QR codes in the terminal.

pub mod qr;
