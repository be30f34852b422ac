//! The app API's replay cache: the last answer per session to `GET /`, `/request`,
//! `/proofs` and `/commitments`, replayed for an identical retry (same endpoint and body)
//! while the session status is unchanged and within ten seconds, as the reference does
//! for app retries. Kept apart from the stored session so the record stays small.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::ClientToken;

/// How long a cached answer may be replayed.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(10);

/// A cached answer: HTTP status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAnswer {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: Vec<u8>,
}

#[derive(Debug)]
struct Entry {
    endpoint: &'static str,
    digest: [u8; 32],
    session_status: ServerStatus,
    at: Instant,
    answer: CachedAnswer,
}

/// The cache, one entry per session.
#[derive(Debug, Default)]
pub struct ReplayCache {
    entries: Mutex<HashMap<ClientToken, Entry>>,
}

impl ReplayCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientToken, Entry>> {
        // Entries are replaced whole; a panic cannot leave one half-written.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached answer for this retry, if it is one.
    pub fn lookup(
        &self,
        client: &ClientToken,
        endpoint: &'static str,
        body: &[u8],
        session_status: ServerStatus,
    ) -> Option<CachedAnswer> {
        let entries = self.lock();
        let e = entries.get(client)?;
        let same = e.endpoint == endpoint
            && e.digest == digest(body)
            && e.session_status == session_status
            && e.at.elapsed() <= REPLAY_WINDOW;
        same.then(|| e.answer.clone())
    }

    /// Remembers the answer to a request; `session_status` is the status after it.
    pub fn store(
        &self,
        client: ClientToken,
        endpoint: &'static str,
        body: &[u8],
        session_status: ServerStatus,
        answer: CachedAnswer,
    ) {
        self.lock().insert(
            client,
            Entry {
                endpoint,
                digest: digest(body),
                session_status,
                at: Instant::now(),
                answer,
            },
        );
    }

    /// Drops entries older than the replay window.
    pub fn prune(&self) {
        self.lock().retain(|_, e| e.at.elapsed() <= REPLAY_WINDOW);
    }
}

fn digest(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_only_identical_retries() {
        let cache = ReplayCache::default();
        let ct = ClientToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
        let answer = CachedAnswer {
            status: 200,
            body: b"x".to_vec(),
        };
        cache.store(
            ct.clone(),
            "proofs",
            b"b",
            ServerStatus::Done,
            answer.clone(),
        );
        assert_eq!(
            cache.lookup(&ct, "proofs", b"b", ServerStatus::Done),
            Some(answer)
        );
        assert_eq!(cache.lookup(&ct, "proofs", b"c", ServerStatus::Done), None);
        assert_eq!(cache.lookup(&ct, "get", b"b", ServerStatus::Done), None);
        assert_eq!(
            cache.lookup(&ct, "proofs", b"b", ServerStatus::Cancelled),
            None
        );
    }
}
