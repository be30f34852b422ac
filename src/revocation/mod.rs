//! Revocation above the crypto: issuance records and the SQL storage of accumulators, events
//! and issuance records, database-compatible with irmago (`irma/revocation.go`,
//! `irma/revocation_db.go`).
//!
//! - [`record`]: [`IssuanceRecord`], what an issuer keeps (or posts, signed, to the authority)
//!   to revoke a credential later.
//! - [`store`]: [`Store`], the tables irmago's gorm models define, on PostgreSQL, MySQL or
//!   SQLite.
//!
//! The crypto (accumulators, witnesses, proofs, signed messages) is in
//! [`crate::crypto::revocation`].

pub mod dsn;
pub mod record;
pub mod store;

pub use record::IssuanceRecord;
pub use store::{DbType, Store, StoreError, UpdateHead};
