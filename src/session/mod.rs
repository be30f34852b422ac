//! The session engine of `irma server`, without HTTP: sessions, their states and lifetimes,
//! the session store, and the checks of new session requests against the schemes.
//!
//! - [`record`]: the stored session, its state machine, and the requestor's
//!   [`record::SessionResult`] derived from it.
//! - [`store`]: the [`store::Store`] (in memory or in Redis), changed only through `update`.
//! - [`redis`]: the Redis store, shared by several instances, with status events.
//! - [`permissions`]: which requestor may request which attributes and credentials.
//! - [`validate`]: checks and completes a new session request against the schemes.
//! - [`engine`]: [`engine::Sessions`], the operations the HTTP handlers call, and the
//!   expiry of sessions.
//! - [`observe`]: status changes and their observers (watch channels, log, callbacks).
//! - [`outcome`]: what the app's proofs or commitments mean for a session, computed on
//!   the bounded [`workers`] pool; [`issue`] signs the credentials of an issuance.
//! - [`chain`]: chained sessions (`nextSession`); [`callback`]: result POSTs to
//!   `callbackUrl` (in the background, retried) and to the chain's URL;
//!   [`internal_hosts`]: such URLs on internal addresses, refused in production.
//! - [`clock`]: the system clock, or tokio's (paused in tests).
//! - [`replay`]: the app API's replay cache for identical retries.
//! - [`error`]: [`error::SessionError`], mapped to the reference's error kinds.
//! - [`revoke`]: a requestor's revocation (`POST /revocation`), checked against its
//!   `revoke_perms` and done by the revocation component.

pub mod callback;
pub mod chain;
pub mod clock;
pub mod engine;
pub mod error;
pub mod internal_hosts;
pub mod issue;
pub mod observe;
pub mod outcome;
pub mod permissions;
pub mod record;
pub mod redis;
pub mod replay;
pub mod revoke;
pub mod store;
pub mod validate;
pub mod workers;

#[cfg(test)]
mod revocation_tests;
#[cfg(test)]
mod tests;

pub use engine::{Sessions, Settings};
pub use error::SessionError;
pub use record::{Session, SessionResult};
