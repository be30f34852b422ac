//! The Redis session store, shared by every `irma server` instance with the same Redis and
//! key prefix.
//!
//! Keys (all after the configured prefix):
//! - `session:<requestor token>`: a hash with the record `s` (JSON of [`Session`]) and its
//!   version `v`, which every write increments;
//! - `client:<client token>`: the requestor token;
//! - `deadlines`: a sorted set of the unfinished sessions by deadline (unix ms), so that
//!   timeouts are noticed when no request touches a session;
//! - `replay:<client token>`: the app API's replay cache entry (short-lived);
//! - channel `status`: `<requestor token> <STATUS>` on every status change.
//!
//! Both session keys expire after the remaining lifetime plus the result lifetime. A
//! change is optimistic: read record and version, change a copy, and write it with a
//! Lua check-and-set that fails when the version moved; then read again and retry, a
//! bounded number of times. The script also moves the deadline and publishes the status,
//! so a write and its event are one atomic step.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{
    Client, Cmd, ConnectionAddr, ConnectionInfo, FromRedisValue, IntoConnectionInfo, Pipeline,
    RedisConnectionInfo, Script, TlsCertificates,
};
use tokio::sync::mpsc;

use super::record::Session;
use super::store::{Lifetimes, StatusEvent, StoreError, millis};
use crate::config::RedisConfig;
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{AppToken, RequestorToken};

/// Longest wait for one Redis operation: past it the request fails with INTERNAL_ERROR.
const OP_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for a new connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a change is tried when other instances keep changing the session first.
const MAX_ATTEMPTS: u32 = 64;
/// Pause before an idempotent operation is tried again on a new connection.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);
/// Pause before the status feed reconnects.
const FEED_RETRY: Duration = Duration::from_millis(250);
/// Most sessions one expiry scan looks at.
const SCAN_BATCH: isize = 500;

/// Check-and-set of a session record. KEYS: session, client, deadlines. ARGV: expected
/// version, record, keep (ms), deadline (ms, or empty once finished), requestor token,
/// channel, status message (or empty). Returns 1 when written, 0 when the version moved,
/// -1 when the session is gone.
const CAS: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(v) + 1, 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[3], ARGV[5])
else
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
end
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 1
";

/// Sessions in Redis. Cheap to clone (one shared multiplexed connection).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    client: Client,
    prefix: String,
    lifetimes: Lifetimes,
    cas: Script,
    /// Shared by the clones (the store and the replay cache).
    stats: Arc<RedisStats>,
}

/// What the commands to Redis went through, for metrics. The counters only go up.
#[derive(Debug, Default)]
pub struct RedisStats {
    failed: AtomicU64,
    retried: AtomicU64,
    conflicts: AtomicU64,
    /// Whether the last command reached Redis (a refused command did).
    up: AtomicBool,
}

impl RedisStats {
    /// Commands whose caller got an error (after a retry, if any).
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Commands tried again on a new connection after the connection broke.
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    /// Session writes that found another instance's change first and started over.
    pub fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    /// Whether the last command reached Redis.
    pub fn up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Counts the outcome of one command and passes it on.
    fn count<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Ok(_) => self.up.store(true, Ordering::Relaxed),
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let unreachable = match e {
                    StoreError::Timeout(_) => true,
                    StoreError::Redis(e) => connection_lost(e),
                    _ => false,
                };
                if unreachable {
                    self.up.store(false, Ordering::Relaxed);
                }
            }
        }
        result
    }
}

crate::debug_fields!(RedisStore { prefix, lifetimes });

/// Runs one Redis operation with the [`OP_TIMEOUT`].
async fn bounded<T>(op: impl Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
    tokio::time::timeout(OP_TIMEOUT, op)
        .await
        .map_err(|_| StoreError::Timeout(OP_TIMEOUT))?
        .map_err(StoreError::from)
}

/// Runs an idempotent Redis operation with the [`OP_TIMEOUT`]; after a broken connection
/// it is tried once more, as the connection manager reconnects after the first failure
/// (so the first request after Redis came back succeeds). Counted in `stats`.
async fn idempotent<T, F, Fut>(stats: &RedisStats, mut op: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = redis::RedisResult<T>>,
{
    let result = match bounded(op()).await {
        Err(StoreError::Redis(e)) if connection_lost(&e) => {
            stats.up.store(false, Ordering::Relaxed);
            stats.retried.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(RECONNECT_PAUSE).await;
            bounded(op()).await
        }
        other => other,
    };
    stats.count(result)
}

/// Whether an error means the connection is gone (rather than a refused command).
fn connection_lost(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// `host:port` (IPv6 hosts in brackets).
fn host_port(addr: &str) -> Result<(String, u16), StoreError> {
    let bad = || StoreError::Config(format!("redis address {addr:?} is not host:port"));
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_owned(), port.parse().map_err(|_| bad())?))
}

fn tcp_addr(host: String, port: u16, tls: bool) -> ConnectionAddr {
    if tls {
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure: false,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(host, port)
    }
}

fn node_settings(username: Option<&str>, password: &str, db: i64) -> RedisConnectionInfo {
    let mut info = RedisConnectionInfo::default().set_db(db);
    if let Some(user) = username {
        info = info.set_username(user);
    }
    if !password.is_empty() {
        info = info.set_password(password);
    }
    info
}

/// The certificates for TLS: the configured server CA and client pair, if any.
fn certificates(config: &RedisConfig) -> Result<Option<TlsCertificates>, StoreError> {
    let client_tls = match &config.tls_client {
        None => None,
        Some((cert, key)) => {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|e| {
                    StoreError::Config(format!("reading redis TLS file {}: {e}", p.display()))
                })
            };
            Some(redis::ClientTlsConfig {
                client_cert: read(cert)?,
                client_key: read(key)?,
            })
        }
    };
    let root_cert = config.tls_cert_pem.as_ref().map(|p| p.as_bytes().to_vec());
    Ok(
        (client_tls.is_some() || root_cert.is_some()).then_some(TlsCertificates {
            client_tls,
            root_cert,
        }),
    )
}

/// A client for the configured Redis (for Sentinel: the current master).
async fn client(config: &RedisConfig) -> Result<Client, StoreError> {
    let node = node_settings(
        config.username.as_deref(),
        config.password.expose(),
        config.db,
    );
    let info = if let Some(addr) = &config.addr {
        let (host, port) = host_port(addr)?;
        tcp_addr(host, port, config.tls)
            .into_connection_info()?
            .set_redis_settings(node)
    } else {
        let sentinels = config
            .sentinel_addrs
            .iter()
            .map(|a| {
                let (host, port) = host_port(a)?;
                let settings = node_settings(
                    config.sentinel_username.as_deref(),
                    config.sentinel_password.as_ref().map_or("", |p| p.expose()),
                    0,
                );
                Ok(tcp_addr(host, port, config.tls)
                    .into_connection_info()?
                    .set_redis_settings(settings))
            })
            .collect::<Result<Vec<ConnectionInfo>, StoreError>>()?;
        let mut node_info = SentinelNodeConnectionInfo::default().set_redis_connection_info(node);
        if config.tls {
            node_info = node_info.set_tls_mode(redis::TlsMode::Secure);
        }
        let master = config.sentinel_master_name.as_deref().unwrap_or("mymaster");
        let mut sentinel = SentinelClient::build(
            sentinels,
            master,
            Some(node_info),
            SentinelServerType::Master,
        )?;
        tokio::time::timeout(OP_TIMEOUT, sentinel.async_get_client())
            .await
            .map_err(|_| StoreError::Timeout(OP_TIMEOUT))??
            .get_connection_info()
            .clone()
    };
    match certificates(config)? {
        Some(certs) if config.tls => Ok(Client::build_with_tls(info, certs)?),
        _ => Ok(Client::open(info)?),
    }
}

impl RedisStore {
    /// Connects to the configured Redis and checks that it answers.
    pub async fn connect(config: &RedisConfig, lifetimes: Lifetimes) -> Result<Self, StoreError> {
        let client = client(config).await?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = bounded(client.get_connection_manager_with_config(manager_config)).await?;
        let store = Self {
            conn,
            client,
            prefix: config.key_prefix.clone(),
            lifetimes,
            cas: Script::new(CAS),
            stats: Arc::default(),
        };
        store.ping().await?;
        Ok(store)
    }

    /// What the commands to Redis went through.
    pub fn stats(&self) -> &RedisStats {
        &self.stats
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    fn session_key(&self, t: &RequestorToken) -> String {
        self.key("session", t.as_str())
    }

    fn app_key(&self, c: &AppToken) -> String {
        self.key("client", c.as_str())
    }

    fn deadlines_key(&self) -> String {
        format!("{}deadlines", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}status", self.prefix)
    }

    /// Runs an idempotent command (see [`idempotent`]).
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        idempotent(&self.stats, || {
            let mut conn = self.conn.clone();
            async move { cmd.query_async(&mut conn).await }
        })
        .await
    }

    /// Runs an idempotent pipeline (see [`idempotent`]).
    async fn query_pipe(&self, pipe: &Pipeline) -> Result<(), StoreError> {
        idempotent(&self.stats, || {
            let mut conn = self.conn.clone();
            async move { pipe.query_async(&mut conn).await }
        })
        .await
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.query::<String>(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// Adds a new session (both keys and its deadline, atomically).
    pub async fn insert(&self, session: &Session) -> Result<(), StoreError> {
        let now = super::clock::system_now_ms();
        let keep = self.lifetimes.keep_ms(session, now);
        let record = serde_json::to_string(session)?;
        let skey = self.session_key(session.requestor_token());
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hset_multiple(&skey, &[("v", "0"), ("s", record.as_str())])
            .ignore()
            .pexpire(&skey, to_i64(keep))
            .ignore()
            .pset_ex(
                self.app_key(session.app_token()),
                session.requestor_token().as_str(),
                keep,
            )
            .ignore()
            .zadd(
                self.deadlines_key(),
                session.requestor_token().as_str(),
                self.lifetimes.deadline_ms(session),
            )
            .ignore();
        self.query_pipe(&pipe).await
    }

    /// The requestor token of a client token.
    pub async fn requestor_token(
        &self,
        client: &AppToken,
    ) -> Result<Option<RequestorToken>, StoreError> {
        let value: Option<String> = self.query(&Cmd::get(self.app_key(client))).await?;
        value
            .map(|v| {
                RequestorToken::parse(&v)
                    .map_err(|_| StoreError::Corrupt("requestor token of a client token".into()))
            })
            .transpose()
    }

    /// A session and its version.
    pub async fn get(
        &self,
        token: &RequestorToken,
    ) -> Result<Option<(String, Session)>, StoreError> {
        let (version, record): (Option<String>, Option<String>) = self
            .query(
                redis::cmd("HMGET")
                    .arg(self.session_key(token))
                    .arg("v")
                    .arg("s"),
            )
            .await?;
        let (Some(version), Some(record)) = (version, record) else {
            return Ok(None);
        };
        let session =
            serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some((version, session)))
    }

    /// Runs `change` on a fresh copy until a check-and-set succeeds; see the module doc.
    pub async fn update<R>(
        &self,
        token: &RequestorToken,
        change: &mut impl FnMut(&mut Session) -> R,
    ) -> Result<Option<R>, StoreError> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some((version, before)) = self.get(token).await? else {
                return Ok(None);
            };
            let mut after = before.clone();
            let r = change(&mut after);
            if after == before {
                return Ok(Some(r));
            }
            match self.write(token, &version, &before, &after).await? {
                Written::Yes => return Ok(Some(r)),
                Written::Gone => return Ok(None),
                Written::Conflict => {
                    self.stats.conflicts.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(session = ?token, attempt, "concurrent change; retrying");
                    backoff(attempt).await;
                }
            }
        }
        Err(StoreError::Contention(MAX_ATTEMPTS))
    }

    async fn write(
        &self,
        token: &RequestorToken,
        version: &str,
        before: &Session,
        after: &Session,
    ) -> Result<Written, StoreError> {
        let now = super::clock::system_now_ms();
        let record = serde_json::to_string(after)?;
        let deadline = if after.status().is_finished() {
            String::new()
        } else {
            self.lifetimes.deadline_ms(after).to_string()
        };
        let message = if before.status() == after.status() {
            String::new()
        } else {
            format!("{} {}", token.as_str(), after.status().as_str())
        };
        let mut invocation = self.cas.prepare_invoke();
        invocation
            .key(self.session_key(token))
            .key(self.app_key(after.app_token()))
            .key(self.deadlines_key())
            .arg(version)
            .arg(record)
            .arg(self.lifetimes.keep_ms(after, now))
            .arg(deadline)
            .arg(token.as_str())
            .arg(self.channel())
            .arg(message);
        let mut conn = self.conn.clone();
        let outcome: i64 = self
            .stats
            .count(bounded(invocation.invoke_async(&mut conn)).await)?;
        Ok(match outcome {
            1 => Written::Yes,
            0 => Written::Conflict,
            _ => Written::Gone,
        })
    }

    /// Removes a session (both keys and its deadline).
    pub async fn remove(&self, token: &RequestorToken) -> Result<(), StoreError> {
        let session = self.get(token).await?;
        let mut pipe = redis::pipe();
        pipe.atomic().del(self.session_key(token)).ignore();
        if let Some((_, s)) = session {
            pipe.del(self.app_key(s.app_token())).ignore();
        }
        pipe.zrem(self.deadlines_key(), token.as_str()).ignore();
        self.query_pipe(&pipe).await
    }

    /// Unfinished sessions past their deadline at `now`, or whose record expired.
    pub async fn due(&self, now: u64) -> Result<Vec<RequestorToken>, StoreError> {
        let tokens: Vec<String> = self
            .query(&Cmd::zrangebyscore_limit(
                self.deadlines_key(),
                "-inf",
                now,
                0,
                SCAN_BATCH,
            ))
            .await?;
        Ok(tokens
            .iter()
            .filter_map(|t| RequestorToken::parse(t).ok())
            .collect())
    }

    /// The replay cache entry of a client token.
    pub async fn replay_get(&self, client: &AppToken) -> Result<Option<Vec<u8>>, StoreError> {
        self.query(&Cmd::get(self.key("replay", client.as_str())))
            .await
    }

    /// Sets the replay cache entry of a client token for `ttl`.
    pub async fn replay_set(
        &self,
        client: &AppToken,
        entry: &[u8],
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let ms = millis(ttl);
        self.query(&Cmd::pset_ex(
            self.key("replay", client.as_str()),
            entry,
            ms,
        ))
        .await
    }

    /// Follows the status channel in a task (reconnecting after errors) until the
    /// receiver is dropped.
    pub fn status_events(&self) -> mpsc::Receiver<StatusEvent> {
        let (tx, rx) = mpsc::channel(1024);
        let client = self.client.clone();
        let channel = self.channel();
        tokio::spawn(async move {
            // Only the first failure in a row is a warning: Redis may be down for a while.
            let mut failing = false;
            loop {
                match follow(&client, &channel, &tx, &mut failing).await {
                    Ok(()) => return,
                    Err(e) if failing => {
                        tracing::debug!(error = %e, "redis status feed still down; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "redis status feed interrupted; reconnecting");
                        failing = true;
                    }
                }
                tokio::time::sleep(FEED_RETRY).await;
            }
        });
        rx
    }
}

enum Written {
    Yes,
    Conflict,
    Gone,
}

/// A short random pause that grows with the attempt, so racing instances spread out.
async fn backoff(attempt: u32) {
    let jitter = u64::from(getrandom::u32().unwrap_or(0) % 1000);
    let micros = jitter * u64::from(attempt.min(10) + 1);
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

fn to_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// Subscribes and forwards events until the connection ends (`Err`) or the receiver is
/// dropped (`Ok`); clears `failing` once subscribed.
async fn follow(
    client: &Client,
    channel: &str,
    tx: &mpsc::Sender<StatusEvent>,
    failing: &mut bool,
) -> Result<(), StoreError> {
    let mut pubsub = bounded(client.get_async_pubsub()).await?;
    bounded(pubsub.subscribe(channel)).await?;
    if std::mem::take(failing) {
        tracing::info!("redis status feed reconnected");
    }
    if tx.send(StatusEvent::Resubscribed).await.is_err() {
        return Ok(());
    }
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(payload) = message.get_payload::<String>() else {
            continue;
        };
        let Some(event) = parse_event(&payload) else {
            tracing::warn!("unreadable status event on redis");
            continue;
        };
        if tx.send(event).await.is_err() {
            return Ok(());
        }
    }
    Err(StoreError::Closed)
}

/// `<requestor token> <STATUS>`.
fn parse_event(payload: &str) -> Option<StatusEvent> {
    let (token, status) = payload.split_once(' ')?;
    let token = RequestorToken::parse(token).ok()?;
    let status: ServerStatus =
        serde_json::from_value(serde_json::Value::String(status.into())).ok()?;
    Some(StatusEvent::Changed(token, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_events() {
        assert_eq!(host_port("redis:6379").unwrap(), ("redis".into(), 6379));
        assert_eq!(host_port("[::1]:7000").unwrap(), ("::1".into(), 7000));
        assert!(host_port("redis").is_err());
        assert!(host_port(":1").is_err());
        assert!(host_port("h:99999").is_err());
        let t = "AAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            parse_event(&format!("{t} DONE")),
            Some(StatusEvent::Changed(
                RequestorToken::parse(t).unwrap(),
                ServerStatus::Done
            ))
        );
        assert_eq!(parse_event(&format!("{t} done")), None);
        assert_eq!(parse_event("x DONE"), None);
        assert_eq!(parse_event(t), None);
    }
}
