//! [`Server`]: an IRMA server assembled from a resolved [`ServerConfig`]: its session store
//! and replay cache, the session engine, its metrics, the listeners (bound at start, so a
//! busy port fails there), and the background tasks (expiry, status events of other
//! instances, scheme updates, revocation upkeep). `irma server`, the embedded server of `irma session` and
//! tests start one with one call and run it until a shutdown future resolves; then it
//! drains ([`super::shutdown`]) and stops.
//!
//! The background tasks belong to the server: they are stopped when it is dropped
//! (`TaskGuard`, as mini-redis's `DbDropGuard`), whether it served or not.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::listen::{Endpoint, ListenError, Listeners};
use super::open_files;
use super::prepare::{PrepareError, Prepared, prepare, socket_addr};
use super::{Routes, ServerState, schemes_update};
use crate::config::{Auth, Database, ServerConfig, StaticFiles, StoreConfig};
use crate::metrics::Metrics;
use crate::revocation::service::{DELETE_INTERVAL, RESIGN_INTERVAL, SYNC_INTERVAL};
use crate::revocation::{DbType, Service, ServiceError};
use crate::session::redis::RedisStore;
use crate::session::replay::ReplayCache;
use crate::session::store::{Store, StoreError};
use crate::session::{Sessions, Settings};

/// How often the expiry task looks for timed-out and expired sessions.
const EXPIRY_PERIOD: Duration = Duration::from_millis(500);

/// Which APIs a server exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Everything `irma server` serves: the requestor API, and the app and frontend API on
    /// the same listener or on their own `client_port`.
    Full,
    /// Only the app and frontend API, on the main listener: the embedded server of
    /// `irma session`, whose requestor is the process itself.
    AppOnly,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration does not pass the startup checks.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The session store could not be reached.
    #[error("connecting to redis: {0}")]
    Store(#[from] StoreError),
    /// A listener could not be bound.
    #[error(transparent)]
    Listen(#[from] ListenError),
    /// No data folder for the default revocation database could be found or created.
    #[error(
        "invalid setting revocation_db_type: no data folder for the default SQLite database could be created; set revocation_db_type and revocation_db_str"
    )]
    NoDataFolder,
    /// The revocation database could not be opened.
    #[error("invalid setting revocation_db_str: {0}")]
    RevocationStore(#[from] crate::revocation::StoreError),
    /// The revocation settings do not fit the issuer keys, or the initial accumulators
    /// could not be created.
    #[error("invalid setting revocation_settings: {0}")]
    Revocation(#[from] ServiceError),
}

/// A server ready to serve: listeners bound, background tasks running.
#[derive(Debug)]
pub struct Server {
    state: ServerState,
    listeners: Listeners,
    api_prefix: String,
    static_files: Option<StaticFiles>,
    warnings: Vec<String>,
    /// How long the drain and the requests in flight may take after the shutdown signal.
    shutdown_timeout: Duration,
    /// Stops the background tasks when the server goes away.
    tasks: TaskGuard,
}

impl Server {
    /// Checks and builds everything `conf` asks for (see [`prepare`]), connects to the
    /// session store, binds the listeners and starts the background tasks. Must run inside
    /// a tokio runtime.
    pub async fn start(conf: &ServerConfig, exposure: Exposure) -> Result<Self, StartError> {
        let prepared = prepare(conf)?;
        Self::start_prepared(conf, prepared, exposure).await
    }

    /// [`Server::start`] with an already prepared configuration (whose warnings the caller
    /// may have logged).
    pub async fn start_prepared(
        conf: &ServerConfig,
        mut prepared: Prepared,
        exposure: Exposure,
    ) -> Result<Self, StartError> {
        let mut endpoints = endpoints(conf, &mut prepared, exposure);
        let max_connections = connection_cap(conf, endpoints.len());
        for endpoint in &mut endpoints {
            endpoint.max_connections = max_connections;
        }
        let listeners = Listeners::bind(endpoints)?;
        if let Some(app) = listeners.app_addr() {
            // A URL for port 0 holds `:port` until now (see `ServerConfig`).
            let url = &mut prepared.settings.url;
            *url = url.replace(":port", &format!(":{}", app.port()));
        }
        let (store, replay) = stores(conf, &prepared.settings).await?;
        let updates = scheme_updates(conf, &prepared.schemes_path);
        let mut warnings = std::mem::take(&mut prepared.warnings);
        let revocation = Arc::new(Service::new(
            std::mem::take(&mut prepared.revocation),
            revocation_store(conf).await?,
            prepared.settings.clock,
        ));
        let mut metrics = Metrics::new(requestor_names(conf));
        let mut sessions = Sessions::new(store, prepared.settings, Arc::new(prepared.schemes));
        sessions.set_revocation(Arc::clone(&revocation));
        let keys = sessions.revocation_keys();
        for warning in revocation.check_keys(keys.as_ref())? {
            tracing::warn!("{warning}");
            warnings.push(warning);
        }
        for (cred, settings) in revocation.types() {
            if settings.authority {
                tracing::info!("authoritative revocation server mode enabled for {cred}");
            } else if settings.server {
                tracing::info!("revocation server mode enabled for {cred}");
            }
        }
        for created in revocation.enable(keys.as_ref()).await? {
            tracing::warn!("{created}");
        }
        sessions.observe(metrics.observer());
        let sessions = Arc::new(sessions);
        metrics.collect_from(Arc::clone(&sessions));
        let state = ServerState {
            sessions,
            auth: Arc::new(prepared.auth),
            static_sessions: Arc::new(prepared.static_sessions),
            replay: Arc::new(replay),
            sse: conf.listeners.sse,
            metrics: Arc::new(metrics),
            lifecycle: Arc::default(),
        };
        let tasks = TaskGuard::spawn(&state, updates);
        Ok(Self {
            state,
            listeners,
            api_prefix: conf.listeners.api_prefix.clone(),
            static_files: conf.listeners.static_files.clone(),
            warnings,
            shutdown_timeout: conf.listeners.shutdown_timeout,
            tasks,
        })
    }

    /// The session engine.
    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.state.sessions
    }

    /// The addresses the listeners are bound to (the real ports when port 0 was asked).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.local_addrs()
    }

    /// Risky but allowed settings found at start, for the log.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Serves until `shutdown` resolves, then drains for at most `shutdown_timeout` (see
    /// [`super::shutdown`]) and stops; or stops when a listener fails. The background tasks
    /// stop last.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ListenError> {
        let Self {
            state,
            listeners,
            api_prefix,
            static_files,
            shutdown_timeout,
            tasks,
            ..
        } = self;
        let (sessions, metrics, lifecycle) = (
            Arc::clone(&state.sessions),
            Arc::clone(&state.metrics),
            Arc::clone(&state.lifecycle),
        );
        // Set by the shutdown signal; a failing listener stops the server without a drain.
        let stopping = OnceLock::new();
        let drained = async {
            shutdown.await;
            let deadline = *stopping.get_or_init(|| Instant::now() + shutdown_timeout);
            lifecycle.drain(&sessions, &metrics, deadline).await;
            deadline
        };
        let served = listeners
            .serve(state, &api_prefix, static_files.as_ref(), drained)
            .await;
        if let Some(deadline) = stopping.get() {
            lifecycle.finish_callbacks(&sessions, *deadline).await;
        }
        drop(tasks);
        sessions.revocation().close().await;
        served
    }
}

/// Raises the open-file limit (logged) and returns the cap on connections of each of
/// `listeners` listeners: `max_connections`, else what the limit allows (at most 4096). A
/// configured cap the limit cannot hold is kept, with a warning.
fn connection_cap(conf: &ServerConfig, listeners: usize) -> usize {
    let limit = open_files::raise_limit();
    match limit {
        Some(open_files) => tracing::info!(open_files, "open-file limit"),
        None => tracing::info!("open-file limit: unlimited or unknown"),
    }
    let Some(cap) = conf.listeners.max_connections else {
        let cap = open_files::default_max_connections(limit, listeners);
        tracing::info!(max_connections = cap, "connections per listener");
        return cap;
    };
    if open_files::exceeds_limit(cap, listeners, limit) {
        tracing::warn!(
            "max_connections {cap} on {listeners} listener(s) may exceed the open-file limit {}: new connections then fail until others close",
            limit.unwrap_or_default()
        );
    }
    cap
}

/// The names of the configured requestors (the values of the metrics' `requestor` label).
fn requestor_names(conf: &ServerConfig) -> impl Iterator<Item = &str> {
    let names = match &conf.requestors.auth {
        Auth::Disabled => None,
        Auth::Requestors(requestors) => Some(requestors.keys().map(String::as_str)),
    };
    names.into_iter().flatten()
}

/// The listeners `conf` asks for, with their TLS taken from `prepared` (and a cap of one
/// connection, which [`connection_cap`] replaces).
fn endpoints(conf: &ServerConfig, prepared: &mut Prepared, exposure: Exposure) -> Vec<Endpoint> {
    let mut main = Endpoint {
        addr: socket_addr(&conf.listeners.listener),
        tls: prepared.tls.take(),
        routes: Routes::All,
        max_connections: 1,
    };
    let mut endpoints = match (exposure, &conf.listeners.client_listener) {
        (Exposure::AppOnly, _) => {
            main.routes = Routes::App;
            return vec![main];
        }
        (Exposure::Full, None) => vec![main],
        (Exposure::Full, Some(client)) => {
            main.routes = Routes::Requestor;
            let app = Endpoint {
                addr: socket_addr(client),
                tls: prepared.client_tls.take(),
                routes: Routes::App,
                max_connections: 1,
            };
            vec![main, app]
        }
    };
    if let Some(metrics) = &conf.listeners.metrics_listener {
        endpoints.push(Endpoint {
            addr: socket_addr(metrics),
            tls: None,
            routes: Routes::Metrics,
            max_connections: 1,
        });
    }
    endpoints
}

/// The session store and the replay cache as configured (connecting to Redis).
async fn stores(
    conf: &ServerConfig,
    settings: &Settings,
) -> Result<(Store, ReplayCache), StoreError> {
    match &conf.store {
        StoreConfig::Memory => Ok((
            Store::memory(settings.lifetimes),
            ReplayCache::memory(settings.clock),
        )),
        StoreConfig::Redis(redis) => {
            let store = RedisStore::connect(redis, settings.lifetimes).await?;
            tracing::info!(prefix = %redis.key_prefix, "sessions are kept in redis");
            Ok((
                Store::Redis(Box::new(store.clone())),
                ReplayCache::redis(store),
            ))
        }
    }
}

/// The revocation database `conf` names, opened (its tables created when missing); `None`
/// without one (the service then keeps what it fetches in memory).
async fn revocation_store(
    conf: &ServerConfig,
) -> Result<Option<crate::revocation::Store>, StartError> {
    let Some((db, dsn)) = revocation_database(conf)? else {
        return Ok(None);
    };
    let store = crate::revocation::Store::open(db, &dsn).await?;
    tracing::info!(
        database = db.name(),
        "revocation state is kept in a database"
    );
    Ok(Some(store))
}

/// The type and connection string of the revocation database `conf` names, if any: the
/// configured one, or the SQLite file `revocation.db` in the data folder.
fn revocation_database(conf: &ServerConfig) -> Result<Option<(DbType, String)>, StartError> {
    Ok(match &conf.revocation.database {
        None => None,
        Some(Database::Configured { db_type, dsn }) => Some((*db_type, dsn.expose().to_owned())),
        Some(Database::DefaultSqlite) => {
            let file =
                crate::revocation::dsn::default_sqlite_file().ok_or(StartError::NoDataFolder)?;
            Some((DbType::Sqlite, file.to_string_lossy().into_owned()))
        }
    })
}

/// What `irma server check` runs of the revocation setup beyond [`prepare`], without side
/// effects: the settings against the issuer keys (returning the warnings), and whether the
/// database answers. No table or accumulator is created.
pub async fn check_revocation(
    conf: &ServerConfig,
    prepared: Prepared,
) -> Result<Vec<String>, StartError> {
    if let Some((db, dsn)) = revocation_database(conf)? {
        crate::revocation::Store::check(db, &dsn).await?;
    }
    let service = Arc::new(Service::new(
        prepared.revocation,
        None,
        prepared.settings.clock,
    ));
    let lifetimes = prepared.settings.lifetimes;
    let mut sessions = Sessions::new(
        Store::memory(lifetimes),
        prepared.settings,
        Arc::new(prepared.schemes),
    );
    sessions.set_revocation(Arc::clone(&service));
    Ok(service.check_keys(sessions.revocation_keys().as_ref())?)
}

/// Connects to the session store `conf` names and checks that it answers (what
/// `irma server check` does beyond [`prepare`]); in memory there is nothing to check.
pub async fn check_store(conf: &ServerConfig, prepared: &Prepared) -> Result<(), StoreError> {
    stores(conf, &prepared.settings).await.map(drop)
}

/// Where and how often to update the schemes while running, if at all.
fn scheme_updates(conf: &ServerConfig, path: &std::path::Path) -> Option<(PathBuf, Duration)> {
    conf.schemes
        .schemes_update
        .map(|period| (path.to_owned(), period))
}

/// The background tasks of a server; aborted when dropped.
#[derive(Debug)]
struct TaskGuard(Vec<tokio::task::JoinHandle<()>>);

impl TaskGuard {
    /// Starts the expiry task, the follower of other instances' status events, the
    /// revocation upkeep and, when configured, the scheme updater.
    fn spawn(state: &ServerState, updates: Option<(PathBuf, Duration)>) -> Self {
        let mut tasks = vec![expiry(state)];
        let sessions = Arc::clone(&state.sessions);
        tasks.push(tokio::spawn(async move {
            sessions.follow_status_events().await;
        }));
        if let Some((path, period)) = updates {
            tasks.push(tokio::spawn(schemes_update::run(
                Arc::clone(&state.sessions),
                Arc::clone(&state.metrics),
                path,
                period,
            )));
        }
        tasks.extend(revocation_tasks(&state.sessions));
        Self(tasks)
    }
}

/// The revocation upkeep (irmago's scheduler jobs): an authority re-signs its accumulators
/// every [`RESIGN_INTERVAL`] and deletes expired issuance records every
/// [`DELETE_INTERVAL`]; every other configured credential type is fetched every
/// [`SYNC_INTERVAL`] when older than half its tolerance, and followed on the authority's
/// event stream when its settings say `sse`.
fn revocation_tasks(sessions: &Arc<Sessions>) -> Vec<tokio::task::JoinHandle<()>> {
    let service = Arc::clone(sessions.revocation());
    let every = |period: Duration| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    };
    let mut tasks = Vec::new();
    if service.types().values().any(|s| s.authority) {
        let (resigner, sessions) = (Arc::clone(&service), Arc::clone(sessions));
        tasks.push(tokio::spawn(async move {
            let mut interval = every(RESIGN_INTERVAL);
            loop {
                interval.tick().await;
                if let Err(e) = resigner.resign(sessions.revocation_keys().as_ref()).await {
                    tracing::error!(error = %e, "re-signing the revocation accumulators failed");
                }
            }
        }));
        let cleaner = Arc::clone(&service);
        tasks.push(tokio::spawn(async move {
            let mut interval = every(DELETE_INTERVAL);
            loop {
                interval.tick().await;
                match cleaner.delete_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "expired issuance records deleted"),
                    Err(e) => {
                        tracing::error!(error = %e, "deleting expired issuance records failed")
                    }
                }
            }
        }));
    }
    let others: Vec<_> = service
        .types()
        .iter()
        .filter(|(_, s)| !s.authority)
        .map(|(cred, s)| (cred.clone(), s.clone()))
        .collect();
    if !others.is_empty() {
        let (syncer, sessions, others) =
            (Arc::clone(&service), Arc::clone(sessions), others.clone());
        tasks.push(tokio::spawn(async move {
            let mut interval = every(SYNC_INTERVAL);
            loop {
                interval.tick().await;
                let keys = sessions.revocation_keys();
                for (cred, settings) in &others {
                    let max_age = settings.tolerance() / 2;
                    if let Err(e) = syncer.sync_if_old(keys.as_ref(), cred, max_age).await {
                        tracing::error!(credtype = %cred, error = %e, "failed to update the revocation state");
                    }
                }
            }
        }));
    }
    for (cred, _) in others.into_iter().filter(|(_, s)| s.sse) {
        let (service, sessions) = (Arc::clone(&service), Arc::clone(sessions));
        tasks.push(tokio::spawn(async move {
            service
                .follow(move || sessions.revocation_keys(), cred)
                .await;
        }));
    }
    tasks
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The task that times out and removes sessions and prunes the replay cache.
fn expiry(state: &ServerState) -> tokio::task::JoinHandle<()> {
    let sessions = Arc::clone(&state.sessions);
    let replay = Arc::clone(&state.replay);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(EXPIRY_PERIOD);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            // The next tick tries again.
            if let Err(e) = sessions.expire_all().await {
                tracing::warn!(error = %e, "expiring sessions");
            }
            replay.prune();
        }
    })
}
