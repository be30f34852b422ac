//! The app API's replay cache: the last answer per session to `GET /`, `/request`,
//! `/proofs` and `/commitments`, replayed for an identical retry (same endpoint and body)
//! while the session status is unchanged and within ten seconds, as the reference does
//! for app retries. Kept apart from the stored session so the record stays small; with
//! the Redis store it lives in Redis (one short-lived key per session), so a retry that
//! reaches another instance is replayed too.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::Clock;
use super::redis::RedisStore;
use super::store::StoreError;
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::AppToken;

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

/// What identifies a retry, and its answer.
#[derive(Debug, Clone)]
struct Entry {
    endpoint: String,
    digest: [u8; 32],
    session_status: ServerStatus,
    code: u16,
    body: Vec<u8>,
}

/// An entry's head in Redis; the answer's body follows it after a newline.
#[derive(Serialize, Deserialize)]
struct Head {
    endpoint: String,
    digest: String,
    session_status: ServerStatus,
    code: u16,
}

impl Entry {
    /// The Redis form: the head as JSON (which has no raw newline), `\n`, the body.
    fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = serde_json::to_vec(&Head {
            endpoint: self.endpoint.clone(),
            digest: hex::encode(self.digest),
            session_status: self.session_status,
            code: self.code,
        })?;
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// Reads the Redis form; `None` if it is not one.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let split = bytes.iter().position(|&b| b == b'\n')?;
        let head: Head = serde_json::from_slice(&bytes[..split]).ok()?;
        Some(Self {
            endpoint: head.endpoint,
            digest: hex::decode(&head.digest).ok()?.try_into().ok()?,
            session_status: head.session_status,
            code: head.code,
            body: bytes[split + 1..].to_vec(),
        })
    }

    fn answers(&self, endpoint: &str, body: &[u8], session_status: ServerStatus) -> bool {
        // The digest last: the body is hashed only for what could be a retry.
        self.endpoint == endpoint
            && self.session_status == session_status
            && self.digest == digest(body)
    }
}

/// The cache, one entry per session: in this process by default.
#[derive(Debug)]
pub struct ReplayCache(Backend);

#[derive(Debug)]
enum Backend {
    /// In this process, each entry with the time (unix ms, by the engine's clock) it was
    /// stored.
    Memory(Mutex<HashMap<AppToken, (u64, Entry)>>, Clock),
    /// In Redis, each entry expiring after the replay window.
    Redis(Box<RedisStore>),
}

type Entries = HashMap<AppToken, (u64, Entry)>;

fn lock(entries: &Mutex<Entries>) -> MutexGuard<'_, Entries> {
    // Entries are replaced whole; a panic cannot leave one half-written.
    entries.lock().unwrap_or_else(|e| e.into_inner())
}

/// The replay window in milliseconds.
fn window_ms() -> u64 {
    super::store::millis(REPLAY_WINDOW)
}

impl ReplayCache {
    /// A cache in this process, reading the time from `clock` (the engine's).
    pub fn memory(clock: Clock) -> Self {
        Self(Backend::Memory(Mutex::default(), clock))
    }

    /// A cache in Redis, shared with the other instances using `store`'s Redis.
    pub fn redis(store: RedisStore) -> Self {
        Self(Backend::Redis(Box::new(store)))
    }

    /// The cached answer for this retry, if it is one.
    pub async fn lookup(
        &self,
        client: &AppToken,
        endpoint: &'static str,
        body: &[u8],
        session_status: ServerStatus,
    ) -> Result<Option<CachedAnswer>, StoreError> {
        let answer = |e: &Entry| {
            e.answers(endpoint, body, session_status)
                .then(|| CachedAnswer {
                    status: e.code,
                    body: e.body.clone(),
                })
        };
        Ok(match &self.0 {
            // Judged under the lock: only a replayed answer is copied.
            Backend::Memory(m, clock) => lock(m)
                .get(client)
                .filter(|(at, _)| clock.now_ms().saturating_sub(*at) <= window_ms())
                .and_then(|(_, e)| answer(e)),
            Backend::Redis(r) => match r.replay_get(client).await? {
                // An unreadable entry is no entry: the request is served afresh.
                Some(bytes) => Entry::decode(&bytes).and_then(|e| answer(&e)),
                None => None,
            },
        })
    }

    /// Remembers the answer to a request; `session_status` is the status after it.
    pub async fn store(
        &self,
        client: AppToken,
        endpoint: &'static str,
        body: &[u8],
        session_status: ServerStatus,
        answer: CachedAnswer,
    ) -> Result<(), StoreError> {
        let entry = Entry {
            endpoint: endpoint.to_owned(),
            digest: digest(body),
            session_status,
            code: answer.status,
            body: answer.body,
        };
        match &self.0 {
            Backend::Memory(m, clock) => {
                lock(m).insert(client, (clock.now_ms(), entry));
                Ok(())
            }
            Backend::Redis(r) => r.replay_set(&client, &entry.encode()?, REPLAY_WINDOW).await,
        }
    }

    /// Drops entries older than the replay window (Redis expires them by itself).
    pub fn prune(&self) {
        if let Backend::Memory(m, clock) = &self.0 {
            let now = clock.now_ms();
            lock(m).retain(|_, (at, _)| now.saturating_sub(*at) <= window_ms());
        }
    }
}

fn digest(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replays_only_identical_retries() {
        let cache = ReplayCache::memory(Clock::System);
        let ct = AppToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
        let answer = CachedAnswer {
            status: 200,
            body: b"x".to_vec(),
        };
        cache
            .store(
                ct.clone(),
                "proofs",
                b"b",
                ServerStatus::Done,
                answer.clone(),
            )
            .await
            .unwrap();
        let look = |body: &'static [u8], endpoint, status| {
            let cache = &cache;
            let ct = &ct;
            async move { cache.lookup(ct, endpoint, body, status).await.unwrap() }
        };
        assert_eq!(look(b"b", "proofs", ServerStatus::Done).await, Some(answer));
        assert_eq!(look(b"c", "proofs", ServerStatus::Done).await, None);
        assert_eq!(look(b"b", "get", ServerStatus::Done).await, None);
        assert_eq!(look(b"b", "proofs", ServerStatus::Cancelled).await, None);
    }

    #[test]
    fn redis_form_round_trips() {
        let entry = Entry {
            endpoint: "get".into(),
            digest: digest(b"body"),
            session_status: ServerStatus::Connected,
            code: 200,
            body: b"{\"a\":\"x\ny\"}\n".to_vec(),
        };
        let back = Entry::decode(&entry.encode().unwrap()).unwrap();
        assert!(back.answers("get", b"body", ServerStatus::Connected));
        assert_eq!((back.code, back.body), (200, entry.body));
        assert!(Entry::decode(b"{}").is_none());
        assert!(Entry::decode(b"not json\nbody").is_none());
    }
}
