//! The session store. Every change goes through [`Store::update`], which the in-memory
//! store runs under the lock of the session's shard and the Redis store as an optimistic transaction (the change
//! closure may then run more than once, on fresh copies of the session).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use super::record::Session;
use super::redis::{RedisStats, RedisStore};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{AppToken, RequestorToken};

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
        Self::Memory(MemoryStore::new(lifetimes))
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
        client: &AppToken,
    ) -> Result<Option<RequestorToken>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.requestor_token(client)),
            Self::Redis(r) => r.requestor_token(client).await,
        }
    }

    /// A copy of a session.
    pub async fn get(&self, token: &RequestorToken) -> Result<Option<Session>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.get(token)),
            Self::Redis(r) => Ok(r.get(token).await?.map(|(_, s)| s)),
        }
    }

    /// What `read` takes from a session, without copying it in memory; `None` if there is
    /// no such session.
    pub async fn read<R>(
        &self,
        token: &RequestorToken,
        read: impl FnOnce(&Session) -> R,
    ) -> Result<Option<R>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.shard(token).sessions.get(token).map(|s| read(s))),
            Self::Redis(r) => Ok(r.get(token).await?.map(|(_, s)| read(&s))),
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
            Self::Memory(m) => Ok(m.update(token, change)),
            Self::Redis(r) => r.update(token, &mut change).await,
        }
    }

    /// Removes a session.
    pub async fn remove(&self, token: &RequestorToken) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.remove(token);
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

    /// Checks that the store answers (Redis: `PING`; memory always does).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(r) => r.ping().await,
        }
    }

    /// Whether other instances share the store (Redis): sessions outlive this process.
    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Redis(_))
    }

    /// How many unfinished sessions live only in this process: those of the in-memory
    /// store; 0 with Redis, where sessions outlive the instance.
    pub fn unfinished_here(&self) -> usize {
        match self {
            Self::Memory(m) => m.unfinished(),
            Self::Redis(_) => 0,
        }
    }

    /// The Redis connection's counters (`None` in memory).
    pub fn redis_stats(&self) -> Option<&RedisStats> {
        match self {
            Self::Memory(_) => None,
            Self::Redis(r) => Some(r.stats()),
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

/// Sessions in memory, spread over `SHARDS` shards that are locked separately, each
/// with its own index of deadlines. No operation holds a lock for longer than a few
/// sessions take, however many there are:
///
/// - a shard's map holds only a token and a box per session, so when it grows it moves
///   1/`SHARDS` of the sessions' keys and pointers, not the records;
/// - a request locks one shard (two when it looks a session up by its client token, one
///   after the other);
/// - the expiry task takes from each shard's deadline index only what is due, instead of
///   reading every session's deadline.
#[derive(Debug)]
pub struct MemoryStore {
    /// The sessions by requestor token.
    shards: Box<[Mutex<Shard>]>,
    /// The requestor token of each client token, sharded the same way.
    clients: Box<[Mutex<HashMap<AppToken, RequestorToken>>]>,
    /// Picks a token's shard (random keys: shard sizes cannot be steered from outside).
    picker: RandomState,
    /// To find the sessions past their deadline.
    lifetimes: Lifetimes,
}

/// How many shards: enough that a shard's map stays small (a million sessions make about
/// 16,000 per shard, whose growth moves half a megabyte) and that two requests rarely
/// want the same lock on two cores, few enough that the expiry task's round over the
/// shards is cheap.
const SHARDS: usize = 64;

/// Deadlines are indexed in buckets of this many milliseconds (a bucket's key is the end
/// of its span), so a bucket gathers the sessions of a moment.
const DEADLINE_BUCKET_MS: u64 = 100;

#[derive(Debug, Default)]
struct Shard {
    /// The records, boxed so that the map moves only pointers when it grows.
    sessions: HashMap<RequestorToken, Box<Session>>,
    /// Sessions by deadline bucket. A session is added to the bucket of its new deadline
    /// whenever a change moves it; the entry it leaves behind is dropped when its bucket
    /// comes due (the session is then looked up, and its real deadline decides).
    deadlines: BTreeMap<u64, Vec<RequestorToken>>,
}

impl Shard {
    /// Notes that `token`'s deadline is now `deadline` (unix ms).
    fn index(&mut self, token: &RequestorToken, deadline: u64) {
        let bucket = deadline
            .div_ceil(DEADLINE_BUCKET_MS)
            .saturating_mul(DEADLINE_BUCKET_MS);
        self.deadlines
            .entry(bucket)
            .or_default()
            .push(token.clone());
    }
}

/// A panic while holding a lock cannot leave a half-written session: changes are closures
/// over one session, and the maps stay consistent between statements.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryStore {
    fn new(lifetimes: Lifetimes) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            clients: (0..SHARDS).map(|_| Mutex::default()).collect(),
            picker: RandomState::new(),
            lifetimes,
        }
    }

    /// How many sessions are not finished, counted one shard at a time.
    fn unfinished(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                lock(shard)
                    .sessions
                    .values()
                    .filter(|s| !s.status().is_finished())
                    .count()
            })
            .sum()
    }

    /// The index of a token's shard.
    fn pick(&self, token: &str) -> usize {
        // The remainder of a 64-bit hash by 64 is its low 6 bits.
        usize::try_from(self.picker.hash_one(token) % SHARDS as u64).unwrap_or(0)
    }

    fn shard(&self, token: &RequestorToken) -> MutexGuard<'_, Shard> {
        lock(&self.shards[self.pick(token.as_str())])
    }

    fn client_shard(&self, client: &AppToken) -> MutexGuard<'_, HashMap<AppToken, RequestorToken>> {
        lock(&self.clients[self.pick(client.as_str())])
    }

    fn insert(&self, session: Session) {
        let token = session.requestor_token().clone();
        self.client_shard(session.app_token())
            .insert(session.app_token().clone(), token.clone());
        let deadline = self.lifetimes.deadline_ms(&session);
        let mut shard = self.shard(&token);
        shard.index(&token, deadline);
        shard.sessions.insert(token, Box::new(session));
    }

    fn requestor_token(&self, client: &AppToken) -> Option<RequestorToken> {
        self.client_shard(client).get(client).cloned()
    }

    fn get(&self, token: &RequestorToken) -> Option<Session> {
        self.shard(token)
            .sessions
            .get(token)
            .map(|s| Session::clone(s))
    }

    fn update<R>(
        &self,
        token: &RequestorToken,
        change: impl FnOnce(&mut Session) -> R,
    ) -> Option<R> {
        let mut shard = self.shard(token);
        let session = shard.sessions.get_mut(token)?;
        let before = self.lifetimes.deadline_ms(session);
        let r = change(session);
        let after = self.lifetimes.deadline_ms(session);
        if after != before {
            shard.index(token, after);
        }
        Some(r)
    }

    fn remove(&self, token: &RequestorToken) {
        // The deadline entries go when their buckets come due.
        let removed = self.shard(token).sessions.remove(token);
        if let Some(s) = removed {
            self.client_shard(s.app_token()).remove(s.app_token());
        }
    }

    /// The sessions past their deadline at `now`: from each shard, the buckets that ended
    /// before `now`, each entry checked against its session's real deadline. The work is
    /// in proportion to what is due, one shard locked at a time.
    fn due(&self, now: u64) -> Vec<RequestorToken> {
        let mut due = Vec::new();
        for shard in &self.shards {
            let mut shard = lock(shard);
            let later = shard.deadlines.split_off(&now);
            let passed = std::mem::replace(&mut shard.deadlines, later);
            for token in passed.into_values().flatten() {
                let past = shard
                    .sessions
                    .get(&token)
                    .is_some_and(|s| self.lifetimes.deadline_ms(s) < now);
                if past {
                    due.push(token);
                }
            }
        }
        due
    }
}
