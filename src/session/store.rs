//! The session store. Every change goes through [`Store::update`], which the in-memory
//! store runs under its lock and the Redis store as an optimistic transaction (the change
//! closure may then run more than once, on fresh copies of the session).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use super::record::Session;
use super::redis::RedisStore;
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{ClientToken, RequestorToken};

/// Where sessions live.
#[derive(Debug)]
pub enum Store {
    /// In this process (sessions are lost on restart).
    Memory(MemoryStore),
    /// In Redis, shared by every instance that uses the same Redis and key prefix.
    Redis(Box<RedisStore>),
}

impl Store {
    /// An empty in-memory store.
    pub fn memory(lifetimes: Lifetimes) -> Self {
        Self::Memory(MemoryStore {
            inner: Mutex::default(),
            lifetimes,
        })
    }
}

/// How long sessions live: what a store needs to set expiry times.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Maximum lifetime of an unfinished session (the request's `timeout` applies while
    /// INITIALIZED).
    pub max_session: Duration,
    /// How long a finished session's result is kept.
    pub result: Duration,
}

impl Lifetimes {
    /// When (unix ms) the session times out or, once finished, is removed.
    pub fn deadline_ms(&self, s: &Session) -> u64 {
        s.last_active_ms()
            .saturating_add(s.lifetime_ms(millis(self.max_session), millis(self.result)))
    }

    /// How long (ms from `now`) a store must keep the session: until its deadline, plus
    /// the result lifetime while unfinished (it may still time out at its deadline).
    pub fn keep_ms(&self, s: &Session, now: u64) -> u64 {
        let remaining = self.deadline_ms(s).saturating_sub(now);
        let extra = if s.status().is_finished() {
            0
        } else {
            millis(self.result)
        };
        remaining.saturating_add(extra).max(1)
    }
}

/// A duration in whole milliseconds (saturating).
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Why the store could not carry out an operation. Details are for the log; callers get
/// the reference's `INTERNAL_ERROR`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis refused or the connection failed.
    #[error("redis: {0}")]
    Redis(::redis::RedisError),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// A stored record could not be read back.
    #[error("stored session record is unreadable: {0}")]
    Corrupt(String),
    /// A session could not be serialised.
    #[error("serialising a session: {0}")]
    Encode(#[from] serde_json::Error),
    /// Other instances changed the session every time this one tried.
    #[error("session changed concurrently {0} times in a row")]
    Contention(u32),
    /// The Redis settings cannot be used (address, TLS files).
    #[error("{0}")]
    Config(String),
    /// Redis closed the status event connection.
    #[error("redis closed the connection")]
    Closed,
}

// By hand rather than `#[from]`: the message already holds Redis's, which would
// otherwise be printed twice in an error chain.
impl From<::redis::RedisError> for StoreError {
    fn from(e: ::redis::RedisError) -> Self {
        Self::Redis(e)
    }
}

/// A status change seen by a store shared with other instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusEvent {
    /// A session's status changed (on any instance).
    Changed(RequestorToken, ServerStatus),
    /// The event feed was (re)connected: changes in between may have been missed.
    Resubscribed,
}

impl Store {
    /// Adds a new session.
    pub async fn insert(&self, session: Session) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.insert(session);
                Ok(())
            }
            Self::Redis(r) => r.insert(&session).await,
        }
    }

    /// The requestor token of the session with this client token.
    pub async fn requestor_token(
        &self,
        client: &ClientToken,
    ) -> Result<Option<RequestorToken>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.lock().by_client.get(client).cloned()),
            Self::Redis(r) => r.requestor_token(client).await,
        }
    }

    /// A copy of a session.
    pub async fn get(&self, token: &RequestorToken) -> Result<Option<Session>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.lock().sessions.get(token).cloned()),
            Self::Redis(r) => Ok(r.get(token).await?.map(|(_, s)| s)),
        }
    }

    /// Runs `change` on the session, atomically; `None` if there is no such session.
    ///
    /// With Redis, `change` runs on a fresh copy each time another instance changed the
    /// session first (a bounded number of times); only the last run's result counts.
    pub async fn update<R>(
        &self,
        token: &RequestorToken,
        mut change: impl FnMut(&mut Session) -> R,
    ) -> Result<Option<R>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.lock().sessions.get_mut(token).map(change)),
            Self::Redis(r) => r.update(token, &mut change).await,
        }
    }

    /// Removes a session.
    pub async fn remove(&self, token: &RequestorToken) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                let mut inner = m.lock();
                if let Some(s) = inner.sessions.remove(token) {
                    inner.by_client.remove(s.client_token());
                }
                Ok(())
            }
            Self::Redis(r) => r.remove(token).await,
        }
    }

    /// The sessions the expiry task must look at, at `now` (unix ms): those past their
    /// deadline; with Redis only the unfinished ones (finished ones expire by themselves).
    pub async fn due(&self, now: u64) -> Result<Vec<RequestorToken>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.due(now)),
            Self::Redis(r) => r.due(now).await,
        }
    }

    /// Status changes made by other instances, for a store shared with them (`None` in
    /// memory). Starts a task that follows them, reconnecting as needed.
    pub fn status_events(&self) -> Option<mpsc::Receiver<StatusEvent>> {
        match self {
            Self::Memory(_) => None,
            Self::Redis(r) => Some(r.status_events()),
        }
    }
}

/// Sessions in a map behind a lock.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// To find the sessions past their deadline.
    lifetimes: Lifetimes,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<RequestorToken, Session>,
    by_client: HashMap<ClientToken, RequestorToken>,
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written session: changes are
        // closures over one session, and the maps stay consistent between statements.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sessions past their deadline at `now`: one pass over the map under the lock,
    /// copying only their tokens (the expiry task runs this twice a second).
    fn due(&self, now: u64) -> Vec<RequestorToken> {
        self.lock()
            .sessions
            .iter()
            .filter(|(_, s)| self.lifetimes.deadline_ms(s) < now)
            .map(|(token, _)| token.clone())
            .collect()
    }

    fn insert(&self, session: Session) {
        let mut inner = self.lock();
        inner.by_client.insert(
            session.client_token().clone(),
            session.requestor_token().clone(),
        );
        inner
            .sessions
            .insert(session.requestor_token().clone(), session);
    }
}
