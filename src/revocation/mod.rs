//! Revocation above the crypto: issuance records and the SQL storage of accumulators, events
//! and issuance records, database-compatible with irmago (`irma/revocation.go`,
//! `irma/revocation_db.go`).
//!
//! - [`record`]: [`IssuanceRecord`], what an issuer keeps (or posts, signed, to the authority)
//!   to revoke a credential later.
//! - [`store`]: [`Store`], the tables irmago's gorm models define, on PostgreSQL, MySQL or
//!   SQLite (a file, or in memory).
//! - [`client`]: the client of a revocation server's endpoints (updates, events, issuance
//!   records, the update stream).
//! - [`service`]: [`Service`], a server's revocation component: the authority, server,
//!   verifier and issuer roles of each credential type, and their background work.
//!
//! The crypto (accumulators, witnesses, proofs, signed messages) is in
//! [`crate::crypto::revocation`].

pub mod client;
pub mod dsn;
pub mod record;
pub mod service;
pub mod store;

pub use record::IssuanceRecord;
pub use service::{Keys, Service, ServiceError};
pub use store::{DbType, Store, StoreError, UpdateHead};
