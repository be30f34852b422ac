//! Status changes and who hears of them. The engine tells every [`StatusObserver`] of
//! each change, made here ([`LocalChange`]) or by another instance sharing the store: the
//! status channels of this instance's watchers ([`StatusChannels`], for SSE and
//! `irma session`), the log ([`StatusLog`]), the result callbacks ([`Callbacks`]), and what
//! a server adds (metrics, [`crate::metrics`]). Observers also hear of the sessions started
//! here and of the work the app's messages took ([`Effort`]).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use super::callback::ResultPoster;
use super::record::Session;
use crate::protocol::session::Action;
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::RequestorToken;

/// A session's status changed.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The session.
    pub token: &'a RequestorToken,
    /// Its new status.
    pub status: ServerStatus,
    /// Set when this instance made the change; `None` when another instance did (seen
    /// through a shared store's event feed, which carries only the status).
    pub local: Option<LocalChange<'a>>,
}

/// A change this instance made.
#[derive(Debug, Clone, Copy)]
pub struct LocalChange<'a> {
    /// The status before.
    pub before: ServerStatus,
    /// The session after the change.
    pub session: &'a Session,
}

/// The CPU-heavy work of one app message (verifying proofs or commitments, signing
/// credentials), measured where it ran.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effort {
    /// The session type.
    pub action: Action,
    /// Bits of the largest issuer public key involved; 0 when none was found.
    pub key_bits: u64,
    /// Verifying the proofs (disclosure, signature) or commitments (issuance).
    pub verification: Duration,
    /// Signing the credentials, in an issuance whose commitments were valid.
    pub issuance: Option<Duration>,
}

/// Hears of every status change. Called on the task that made the change (or that read
/// the event feed), so it must not block: hand slow work to a task.
pub trait StatusObserver: Send + Sync + std::fmt::Debug {
    /// A session's status changed.
    fn changed(&self, change: &StatusChange<'_>);

    /// A session was started on this instance (its first status, INITIALIZED, which is
    /// no change): of type `action` for `requestor` (`None` without authentication and
    /// for static sessions).
    fn started(&self, action: Action, requestor: Option<&str>) {
        let _ = (action, requestor);
    }

    /// An app message of a session on this instance was verified (and, in an issuance,
    /// answered with signatures).
    fn worked(&self, effort: &Effort) {
        let _ = effort;
    }
}

/// One line in the log for each change this instance makes (shortened token only).
#[derive(Debug)]
pub struct StatusLog;

impl StatusObserver for StatusLog {
    fn changed(&self, change: &StatusChange<'_>) {
        if change.local.is_some() {
            tracing::info!(session = ?change.token, status = change.status.as_str(), "session status changed");
        }
    }
}

/// POSTs the result of a session that finished here to its `callbackUrl` (the
/// reference's `setStatus`), in the background.
#[derive(Debug)]
pub struct Callbacks(pub ResultPoster);

impl StatusObserver for Callbacks {
    fn changed(&self, change: &StatusChange<'_>) {
        let Some(LocalChange { session, .. }) = change.local else {
            return;
        };
        let request = session.request();
        if change.status.is_finished() && !request.callback_url.is_empty() {
            self.0.callback(
                request.callback_url.clone(),
                session.requestor_result(),
                request.validity,
            );
        }
    }
}

/// The status of each session somebody on this instance follows, as a watch channel.
/// Statuses only move forward ([`ServerStatus::precedes`]), so a late or repeated event
/// never takes a watcher back.
#[derive(Debug, Default)]
pub struct StatusChannels(Mutex<HashMap<RequestorToken, watch::Sender<ServerStatus>>>);

impl StatusChannels {
    fn lock(&self) -> MutexGuard<'_, HashMap<RequestorToken, watch::Sender<ServerStatus>>> {
        // The map holds only senders; a panic elsewhere cannot leave it inconsistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver of the session's status (made on demand: the session may live on
    /// another instance). Publish the current status after subscribing, so that no change
    /// in between is missed.
    pub fn subscribe(&self, token: &RequestorToken) -> watch::Receiver<ServerStatus> {
        self.lock()
            .entry(token.clone())
            .or_insert_with(|| watch::channel(ServerStatus::Initialized).0)
            .subscribe()
    }

    /// Tells the watchers of a session about its status, if it is later than what they
    /// have.
    pub fn publish(&self, token: &RequestorToken, status: ServerStatus) {
        if let Some(tx) = self.lock().get(token) {
            tx.send_if_modified(|current| {
                let newer = current.precedes(status);
                if newer {
                    *current = status;
                }
                newer
            });
        }
    }

    /// The sessions somebody follows.
    pub fn followed(&self) -> Vec<RequestorToken> {
        self.lock().keys().cloned().collect()
    }

    /// Forgets a session that is gone.
    pub fn forget(&self, token: &RequestorToken) {
        self.lock().remove(token);
    }

    /// Forgets the channels nobody follows any more.
    pub fn prune(&self) {
        self.lock().retain(|_, tx| tx.receiver_count() > 0);
    }
}

impl StatusObserver for StatusChannels {
    fn changed(&self, change: &StatusChange<'_>) {
        self.publish(change.token, change.status);
    }
}
