//! The session store. Every change goes through [`Store::update`], so a Redis store can run
//! it as one transaction; the in-memory store runs it under its lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::record::Session;
use crate::protocol::tokens::{ClientToken, RequestorToken};

/// Where sessions live.
#[derive(Debug)]
pub enum Store {
    /// In this process (sessions are lost on restart).
    Memory(MemoryStore),
}

impl Default for Store {
    fn default() -> Self {
        Self::Memory(MemoryStore::default())
    }
}

impl Store {
    /// Adds a new session.
    pub fn insert(&self, session: Session) {
        match self {
            Self::Memory(m) => m.insert(session),
        }
    }

    /// The requestor token of the session with this client token.
    pub fn requestor_token(&self, client: &ClientToken) -> Option<RequestorToken> {
        match self {
            Self::Memory(m) => m.lock().by_client.get(client).cloned(),
        }
    }

    /// A copy of a session.
    pub fn get(&self, token: &RequestorToken) -> Option<Session> {
        match self {
            Self::Memory(m) => m.lock().sessions.get(token).cloned(),
        }
    }

    /// Runs `change` on the session, atomically; `None` if there is no such session.
    pub fn update<R>(
        &self,
        token: &RequestorToken,
        change: impl FnOnce(&mut Session) -> R,
    ) -> Option<R> {
        match self {
            Self::Memory(m) => m.lock().sessions.get_mut(token).map(change),
        }
    }

    /// Removes a session.
    pub fn remove(&self, token: &RequestorToken) {
        match self {
            Self::Memory(m) => {
                let mut inner = m.lock();
                if let Some(s) = inner.sessions.remove(token) {
                    inner.by_client.remove(&s.client_token);
                }
            }
        }
    }

    /// The tokens of all sessions (for the expiry task).
    pub fn tokens(&self) -> Vec<RequestorToken> {
        match self {
            Self::Memory(m) => m.lock().sessions.keys().cloned().collect(),
        }
    }
}

/// Sessions in a map behind a lock.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
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

    fn insert(&self, session: Session) {
        let mut inner = self.lock();
        inner.by_client.insert(
            session.client_token.clone(),
            session.requestor_token.clone(),
        );
        inner
            .sessions
            .insert(session.requestor_token.clone(), session);
    }
}
