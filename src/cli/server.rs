//! `irma server`: run the IRMA server (requestor API, app and frontend API).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::{self, List, MapOrJson, RawConfig, ServerConfig, StoreConfig};
use crate::server::listen::{self, Endpoint};
use crate::server::prepare::{Prepared, prepare, socket_addr};
use crate::server::schemes_update;
use crate::server::{AppState, Routes};
use crate::session::Sessions;
use crate::session::redis::RedisStore;
use crate::session::replay::ReplayCache;
use crate::session::store::{Lifetimes, Store};

/// How often the expiry task looks for timed-out and expired sessions.
const EXPIRY_PERIOD: Duration = Duration::from_millis(500);

/// `irma server [check]`: the flags, and the optional `check` subcommand taking the same.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    /// Only check the configuration.
    #[command(subcommand)]
    command: Option<ServerCommand>,
    /// The configuration flags.
    #[command(flatten)]
    flags: ConfigFlags,
}

/// Subcommands of `irma server`.
#[derive(Debug, Subcommand)]
enum ServerCommand {
    /// Check the server configuration and exit.
    ///
    /// Reads the configuration exactly as `irma server` does (flags, IRMASERVER_*
    /// environment variables, configuration file) and runs every startup check. Like the
    /// server it prepares the schemes folder (newer schemes from --schemes-assets-path, the
    /// built-in schemes into an empty folder); no downloads, no listening; with the Redis store it
    /// connects to Redis and checks that it answers. Exits non-zero with a message naming
    /// the bad setting. With -v, prints the effective configuration as JSON
    /// (secrets redacted).
    Check(Box<ConfigFlags>),
}

/// Flags of `irma server`, named as the reference's; only given flags override the
/// environment (`IRMASERVER_*`) and the configuration file.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
struct ConfigFlags {
    /// Path to configuration file (JSON, TOML or YAML).
    #[arg(short, long, env = "IRMASERVER_CONFIG")]
    config: Option<PathBuf>,
    /// Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf].
    #[arg(short, long)]
    schemes_path: Option<String>,
    /// If specified, copy schemes from here into --schemes-path when missing there or newer
    /// [default: ~/.local/share/irma/irma_configuration_assets if it exists].
    #[arg(long)]
    schemes_assets_path: Option<String>,
    /// Update schemes every x minutes (0 to disable).
    #[arg(long)]
    schemes_update: Option<u64>,
    /// Path to IRMA private keys.
    #[arg(short = 'k', long)]
    privkeys: Option<String>,
    /// Whether to skip checking if the private keys that are required for issuing are present.
    #[arg(long)]
    skip_private_keys_check: bool,
    /// Host files under this path as static files (leave empty to disable).
    #[arg(long)]
    static_path: Option<String>,
    /// Host static files under this URL prefix (default "/").
    #[arg(long)]
    static_prefix: Option<String>,
    /// External URL to server to which the IRMA client connects, ":port" being replaced by --port value.
    #[arg(short, long)]
    url: Option<String>,
    /// Port at which to listen.
    #[arg(short, long)]
    port: Option<u32>,
    /// Address at which to listen (default 0.0.0.0).
    #[arg(short, long)]
    listen_addr: Option<String>,
    /// Prefix API endpoints with this string, e.g. POST /session becomes POST {api-prefix}/session.
    #[arg(short, long)]
    api_prefix: Option<String>,
    /// If specified, start a separate server for the IRMA app at this port.
    #[arg(long)]
    client_port: Option<u32>,
    /// Address at which server for IRMA app listens.
    #[arg(long)]
    client_listen_addr: Option<String>,
    /// Enable server sent for status updates (experimental).
    #[arg(long)]
    sse: bool,
    /// Whether or not to authenticate requestors (and reject all authenticated requests).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_auth: Option<bool>,
    /// Requestor configuration (in JSON).
    #[arg(long)]
    requestors: Option<String>,
    /// Comma-separated list of attributes that all requestors may verify (default "*").
    #[arg(long)]
    disclose_perms: Option<String>,
    /// Comma-separated list of attributes that all requestors may request in signatures (default "*").
    #[arg(long)]
    sign_perms: Option<String>,
    /// Comma-separated list of attributes that all requestors may issue.
    #[arg(long)]
    issue_perms: Option<String>,
    /// Comma-separated list of credentials that all requestors may revoke.
    #[arg(long)]
    revoke_perms: Option<String>,
    /// Preconfigured static sessions (in JSON).
    #[arg(long)]
    static_sessions: Option<String>,
    /// Maximum lifetime of a session, in minutes.
    #[arg(long)]
    max_session_lifetime: Option<u64>,
    /// Time in minutes for which a session result is kept after the session has finished.
    #[arg(long)]
    session_result_lifetime: Option<u64>,
    /// Max age in seconds of a session request JWT.
    #[arg(long)]
    max_request_age: Option<u64>,
    /// Clock-skew leeway in seconds for requestor JWTs (default 5).
    #[arg(long)]
    jwt_leeway: Option<u64>,
    /// JWT issuer.
    #[arg(short, long)]
    jwt_issuer: Option<String>,
    /// JWT private key.
    #[arg(long, allow_hyphen_values = true)]
    jwt_privkey: Option<String>,
    /// Path to JWT private key.
    #[arg(long)]
    jwt_privkey_file: Option<String>,
    /// Allow requests with callbacks or nextSession without a JWT private key.
    #[arg(long)]
    allow_unsigned_callbacks: bool,
    /// Whether to allow session requests to augment the client return URL.
    #[arg(long)]
    augment_client_return_url: bool,
    /// TLS certificate (chain).
    #[arg(long, allow_hyphen_values = true)]
    tls_cert: Option<String>,
    /// Path to TLS certificate (chain).
    #[arg(long)]
    tls_cert_file: Option<String>,
    /// TLS private key.
    #[arg(long, allow_hyphen_values = true)]
    tls_privkey: Option<String>,
    /// Path to TLS private key.
    #[arg(long)]
    tls_privkey_file: Option<String>,
    /// TLS certificate (chain) for the IRMA app server.
    #[arg(long, allow_hyphen_values = true)]
    client_tls_cert: Option<String>,
    /// Path to TLS certificate (chain) for the IRMA app server.
    #[arg(long)]
    client_tls_cert_file: Option<String>,
    /// TLS private key for the IRMA app server.
    #[arg(long, allow_hyphen_values = true)]
    client_tls_privkey: Option<String>,
    /// Path to TLS private key for the IRMA app server.
    #[arg(long)]
    client_tls_privkey_file: Option<String>,
    /// Whether TLS is not needed for the requestor server, even in production mode.
    #[arg(long)]
    no_tls: bool,
    /// Production mode.
    #[arg(long)]
    production: bool,
    /// Log in JSON format.
    #[arg(long)]
    log_json: bool,
    /// Accepted for compatibility: this server sends no email.
    #[arg(long)]
    no_email: bool,
    /// Accepted for compatibility and ignored: this server sends no email.
    #[arg(short, long, hide = true)]
    email: Option<String>,
    /// Specifies how session state will be saved on the server (memory or redis).
    #[arg(long)]
    store_type: Option<String>,
    /// Redis address, to be specified as host:port.
    #[arg(long)]
    redis_addr: Option<String>,
    /// Redis Sentinel addresses, to be specified as host:port (comma-separated).
    #[arg(long)]
    redis_sentinel_addrs: Option<String>,
    /// Redis Sentinel master name.
    #[arg(long)]
    redis_sentinel_master_name: Option<String>,
    /// Accept the risk of inconsistent session state with Redis Sentinel or cluster.
    #[arg(long)]
    redis_accept_inconsistency_risk: bool,
    /// Redis server username (when using ACLs).
    #[arg(long)]
    redis_username: Option<String>,
    /// Redis server password.
    #[arg(long)]
    redis_pw: Option<String>,
    /// Redis Sentinel username (when using ACLs).
    #[arg(long)]
    redis_sentinel_username: Option<String>,
    /// Redis Sentinel password.
    #[arg(long)]
    redis_sentinel_pw: Option<String>,
    /// Explicitly allow an empty string as Redis password.
    #[arg(long)]
    redis_allow_empty_password: bool,
    /// Prefix every Redis key with the username (when using ACLs).
    #[arg(long)]
    redis_acl_use_key_prefixes: bool,
    /// Redis database to be selected after connecting to the server.
    #[arg(long)]
    redis_db: Option<i64>,
    /// Redis TLS certificate (PEM) of the server or its CA.
    #[arg(long)]
    redis_tls_cert: Option<String>,
    /// Path to the Redis TLS certificate (PEM) of the server or its CA.
    #[arg(long)]
    redis_tls_cert_file: Option<String>,
    /// Path to the Redis TLS client certificate (for mutual TLS).
    #[arg(long)]
    redis_tls_client_cert_file: Option<String>,
    /// Path to the Redis TLS client key (for mutual TLS).
    #[arg(long)]
    redis_tls_client_key_file: Option<String>,
    /// Disable TLS to Redis (plain TCP).
    #[arg(long)]
    redis_no_tls: bool,
    /// Prefix of every Redis key and channel, so one Redis can serve several deployments.
    #[arg(long)]
    redis_key_prefix: Option<String>,
}

impl ConfigFlags {
    /// The given flags as a [`RawConfig`] (absent flags stay `None`).
    fn raw(&self) -> anyhow::Result<RawConfig> {
        let flag = |b: bool| b.then_some(true);
        let list = |s: &Option<String>| s.as_ref().map(|s| List(split(s)));
        let requestors = map_or_json(&self.requestors, "--requestors")?;
        let static_sessions = map_or_json(&self.static_sessions, "--static-sessions")?;
        Ok(RawConfig {
            schemes_path: self.schemes_path.clone(),
            schemes_assets_path: self.schemes_assets_path.clone(),
            schemes_update: self.schemes_update,
            privkeys: self.privkeys.clone(),
            skip_private_keys_check: flag(self.skip_private_keys_check),
            url: self.url.clone(),
            port: self.port,
            listen_addr: self.listen_addr.clone(),
            api_prefix: self.api_prefix.clone(),
            static_path: self.static_path.clone(),
            static_prefix: self.static_prefix.clone(),
            client_port: self.client_port,
            client_listen_addr: self.client_listen_addr.clone(),
            sse: flag(self.sse),
            no_auth: self.no_auth,
            requestors,
            disclose_perms: list(&self.disclose_perms),
            sign_perms: list(&self.sign_perms),
            issue_perms: list(&self.issue_perms),
            revoke_perms: list(&self.revoke_perms),
            static_sessions,
            jwt_leeway: self.jwt_leeway,
            max_session_lifetime: self.max_session_lifetime,
            session_result_lifetime: self.session_result_lifetime,
            max_request_age: self.max_request_age,
            jwt_issuer: self.jwt_issuer.clone(),
            jwt_privkey: self.jwt_privkey.clone(),
            jwt_privkey_file: self.jwt_privkey_file.clone(),
            allow_unsigned_callbacks: flag(self.allow_unsigned_callbacks),
            augment_client_return_url: flag(self.augment_client_return_url),
            tls_cert: self.tls_cert.clone(),
            tls_cert_file: self.tls_cert_file.clone(),
            tls_privkey: self.tls_privkey.clone(),
            tls_privkey_file: self.tls_privkey_file.clone(),
            client_tls_cert: self.client_tls_cert.clone(),
            client_tls_cert_file: self.client_tls_cert_file.clone(),
            client_tls_privkey: self.client_tls_privkey.clone(),
            client_tls_privkey_file: self.client_tls_privkey_file.clone(),
            no_tls: flag(self.no_tls),
            production: flag(self.production),
            log_json: flag(self.log_json),
            store_type: self.store_type.clone(),
            redis_addr: self.redis_addr.clone(),
            redis_sentinel_addrs: list(&self.redis_sentinel_addrs),
            redis_sentinel_master_name: self.redis_sentinel_master_name.clone(),
            redis_accept_inconsistency_risk: flag(self.redis_accept_inconsistency_risk),
            redis_username: self.redis_username.clone(),
            redis_pw: self.redis_pw.clone(),
            redis_sentinel_username: self.redis_sentinel_username.clone(),
            redis_sentinel_pw: self.redis_sentinel_pw.clone(),
            redis_allow_empty_password: flag(self.redis_allow_empty_password),
            redis_acl_use_key_prefixes: flag(self.redis_acl_use_key_prefixes),
            redis_db: self.redis_db,
            redis_tls_cert: self.redis_tls_cert.clone(),
            redis_tls_cert_file: self.redis_tls_cert_file.clone(),
            redis_tls_client_cert_file: self.redis_tls_client_cert_file.clone(),
            redis_tls_client_key_file: self.redis_tls_client_key_file.clone(),
            redis_no_tls: flag(self.redis_no_tls),
            redis_key_prefix: self.redis_key_prefix.clone(),
            ..RawConfig::default()
        })
    }
}

/// A JSON object given as a flag, as the reference's `handleMapOrString`.
fn map_or_json<T: serde::de::DeserializeOwned>(
    value: &Option<String>,
    flag: &str,
) -> anyhow::Result<Option<MapOrJson<T>>> {
    value
        .as_ref()
        .map(|json| {
            serde_json::from_value::<MapOrJson<T>>(serde_json::Value::String(json.clone()))
                .context(flag.to_owned())
        })
        .transpose()
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `irma server` until SIGINT or SIGTERM, or `irma server check`; `verbose` and
/// `quiet` are the global flags (check prints the effective configuration with `-v`).
pub fn run(args: ServerArgs, verbose: u8, quiet: bool) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(ServerCommand::Check(flags)) => {
            super::init_logging(0, verbose, quiet, false);
            check(&flags, verbose)
        }
        None => serve_forever(&args.flags, verbose, quiet),
    }
}

/// Resolves and prepares the configuration exactly as the server does, logging warnings.
fn resolve(flags: &ConfigFlags) -> anyhow::Result<(ServerConfig, Prepared)> {
    let conf = config::load(&flags.raw()?, flags.config.as_deref())?;
    prepare_logged(conf)
}

/// Prepares a resolved configuration, logging its warnings.
fn prepare_logged(conf: ServerConfig) -> anyhow::Result<(ServerConfig, Prepared)> {
    let prepared = prepare(&conf)?;
    for warning in &prepared.warnings {
        tracing::warn!("{warning}");
    }
    Ok((conf, prepared))
}

fn check(flags: &ConfigFlags, verbose: u8) -> anyhow::Result<ExitCode> {
    let (mut conf, prepared) = resolve(flags).context("invalid configuration")?;
    if matches!(conf.store, StoreConfig::Redis(_)) {
        // Connecting checks the address, credentials and TLS, and that Redis answers.
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(stores(&conf))?;
    }
    if verbose > 0 {
        conf.schemes_path = Some(prepared.schemes_path);
        conf.url = Some(prepared.settings.url).filter(|u| !u.is_empty());
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &conf)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves until a signal. Logs at info level (the reference's default), more with `-v` on
/// the command line or `verbose` in the configuration, JSON lines with `log_json`.
fn serve_forever(flags: &ConfigFlags, verbose: u8, quiet: bool) -> anyhow::Result<ExitCode> {
    let conf = config::load(&flags.raw()?, flags.config.as_deref())?;
    let log = &conf.log;
    super::init_logging(1, verbose.max(log.verbose), quiet || log.quiet, log.json);
    let (conf, mut prepared) = prepare_logged(conf)?;
    let mut endpoints = vec![Endpoint {
        addr: socket_addr(&conf.listener),
        tls: prepared.tls.take(),
        routes: Routes::All,
    }];
    if let Some(client) = &conf.client_listener {
        endpoints[0].routes = Routes::Requestor;
        endpoints.push(Endpoint {
            addr: socket_addr(client),
            tls: prepared.client_tls.take(),
            routes: Routes::App,
        });
    }
    let updates = conf
        .schemes_update
        .map(|period| (prepared.schemes_path.clone(), period));
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    if let Some(files) = &conf.static_files {
        tracing::info!(path = %files.path.display(), prefix = %files.prefix, "hosting static files");
    }
    runtime.block_on(async {
        let state = app_state(&conf, prepared, stores(&conf).await?);
        serve(state, &conf, endpoints, updates).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The session store and the replay cache as configured (connecting to Redis).
async fn stores(conf: &ServerConfig) -> anyhow::Result<(Store, ReplayCache)> {
    match &conf.store {
        StoreConfig::Memory => Ok(memory_stores(conf)),
        StoreConfig::Redis(redis) => {
            let store = RedisStore::connect(redis, lifetimes(conf))
                .await
                .context("connecting to redis")?;
            tracing::info!(prefix = %redis.key_prefix, "sessions are kept in redis");
            Ok((
                Store::Redis(Box::new(store.clone())),
                ReplayCache::redis(store),
            ))
        }
    }
}

/// The in-memory session store and replay cache (also of the embedded server of
/// `irma session`).
pub(super) fn memory_stores(conf: &ServerConfig) -> (Store, ReplayCache) {
    (Store::memory(lifetimes(conf)), ReplayCache::default())
}

fn lifetimes(conf: &ServerConfig) -> Lifetimes {
    Lifetimes {
        max_session: conf.max_session_lifetime,
        result: conf.session_result_lifetime,
    }
}

/// The server state for a resolved, prepared configuration and its stores (also the
/// embedded server of `irma session`, in memory).
pub(super) fn app_state(
    conf: &ServerConfig,
    prepared: Prepared,
    (store, replay): (Store, ReplayCache),
) -> AppState {
    AppState {
        sessions: Arc::new(Sessions::new(
            store,
            prepared.settings,
            Arc::new(prepared.schemes),
        )),
        auth: Arc::new(prepared.auth),
        signer: prepared.signer,
        static_sessions: Arc::new(prepared.static_sessions),
        replay: Arc::new(replay),
        sse: conf.sse,
    }
}

async fn serve(
    state: AppState,
    conf: &ServerConfig,
    endpoints: Vec<Endpoint>,
    updates: Option<(PathBuf, Duration)>,
) -> anyhow::Result<()> {
    let updater = updates.map(|(path, period)| {
        tokio::spawn(schemes_update::run(
            Arc::clone(&state.sessions),
            path,
            period,
        ))
    });
    let expiry = spawn_expiry(&state);
    let sessions = Arc::clone(&state.sessions);
    let events = tokio::spawn(async move { sessions.follow_status_events().await });
    let served = listen::serve(
        state,
        &conf.api_prefix,
        conf.static_files.as_ref(),
        endpoints,
        shutdown_signal(),
    )
    .await;
    expiry.abort();
    events.abort();
    if let Some(updater) = updater {
        updater.abort();
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the task that times out and removes sessions and prunes the replay cache.
pub(super) fn spawn_expiry(state: &AppState) -> tokio::task::JoinHandle<()> {
    let sessions = Arc::clone(&state.sessions);
    let replay = Arc::clone(&state.replay);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(EXPIRY_PERIOD);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            // A store failure is logged where it happens; the next tick tries again.
            let _ = sessions.expire_all().await;
            replay.prune();
        }
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
