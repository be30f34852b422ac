//! The requestor side: what `irma session` and backends use to talk to an IRMA server.
//!
//! - [`http`]: [`http::RequestorClient`], the requestor API over HTTP (start,
//!   status, result, result JWT, cancel, public key, pairing) with its authentication.
//! - [`events`]: [`events::StatusEvents`], following a session's status (server-sent
//!   events, reconnects, polling fallback).
//! - [`builder`]: typed session request builders that cannot build an invalid request.
//! - [`qr`]: session QR codes in the terminal.

pub mod builder;
pub mod events;
pub mod http;
pub mod qr;
