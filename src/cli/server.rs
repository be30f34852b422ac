//! `irma server`: run the IRMA server (requestor API, app and frontend API).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::{self, Auth, List, MapOrJson, RawConfig, ServerConfig, StoreConfig};
use crate::scheme::{Configuration, default_schemes_path};
use crate::server::{self, AppState};
use crate::session::permissions::PermissionSet;
use crate::session::redis::RedisStore;
use crate::session::replay::ReplayCache;
use crate::session::store::{Lifetimes, Store};
use crate::session::validate::PrivateKeyFolder;
use crate::session::{Sessions, Settings};

/// How often the expiry task looks for timed-out and expired sessions.
const EXPIRY_PERIOD: Duration = Duration::from_millis(500);

/// Flags of `irma server`, named as the reference's; only given flags override the
/// environment (`IRMASERVER_*`) and the configuration file.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Path to configuration file (JSON, TOML or YAML).
    #[arg(short, long)]
    config: Option<PathBuf>,
    /// Path to irma_configuration (default: the bundled irma-demo and pbdf schemes).
    #[arg(short, long)]
    schemes_path: Option<String>,
    /// Update schemes every x minutes (0 to disable).
    #[arg(long)]
    schemes_update: Option<u64>,
    /// Path to IRMA private keys.
    #[arg(short = 'k', long)]
    privkeys: Option<String>,
    /// Whether to skip checking if the private keys that are required for issuing are present.
    #[arg(long)]
    skip_private_keys_check: bool,
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
    #[arg(long)]
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
    /// Maximum lifetime of a session, in minutes.
    #[arg(long)]
    max_session_lifetime: Option<u64>,
    /// Time in minutes for which a session result is kept after the session has finished.
    #[arg(long)]
    session_result_lifetime: Option<u64>,
    /// Max age in seconds of a session request JWT.
    #[arg(long)]
    max_request_age: Option<u64>,
    /// JWT issuer.
    #[arg(short, long)]
    jwt_issuer: Option<String>,
    /// JWT private key.
    #[arg(long)]
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

impl ServerArgs {
    /// The given flags as a [`RawConfig`] (absent flags stay `None`).
    fn raw(&self) -> anyhow::Result<RawConfig> {
        let flag = |b: bool| b.then_some(true);
        let list = |s: &Option<String>| s.as_ref().map(|s| List(split(s)));
        let requestors = match &self.requestors {
            Some(json) => Some(
                serde_json::from_value::<MapOrJson<config::RawRequestor>>(
                    serde_json::Value::String(json.clone()),
                )
                .context("--requestors")?,
            ),
            None => None,
        };
        Ok(RawConfig {
            schemes_path: self.schemes_path.clone(),
            schemes_update: self.schemes_update,
            privkeys: self.privkeys.clone(),
            skip_private_keys_check: flag(self.skip_private_keys_check),
            url: self.url.clone(),
            port: self.port,
            listen_addr: self.listen_addr.clone(),
            api_prefix: self.api_prefix.clone(),
            client_port: self.client_port,
            client_listen_addr: self.client_listen_addr.clone(),
            sse: flag(self.sse),
            no_auth: self.no_auth,
            requestors,
            disclose_perms: list(&self.disclose_perms),
            sign_perms: list(&self.sign_perms),
            issue_perms: list(&self.issue_perms),
            max_session_lifetime: self.max_session_lifetime,
            session_result_lifetime: self.session_result_lifetime,
            max_request_age: self.max_request_age,
            jwt_issuer: self.jwt_issuer.clone(),
            jwt_privkey: self.jwt_privkey.clone(),
            jwt_privkey_file: self.jwt_privkey_file.clone(),
            allow_unsigned_callbacks: flag(self.allow_unsigned_callbacks),
            augment_client_return_url: flag(self.augment_client_return_url),
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

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `irma server` until SIGINT or SIGTERM.
pub fn run(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let conf = config::load(&args.raw()?, args.config.as_deref())?;
    if conf.listener.tls.is_some() || conf.client_listener.is_some() {
        bail!("TLS listeners and a separate client_port are not supported yet");
    }
    let schemes_path = default_schemes_path(conf.schemes_path.as_deref());
    let schemes = Configuration::load(&schemes_path)
        .with_context(|| format!("loading schemes from {}", schemes_path.display()))?;
    let listen_ip = conf
        .listener
        .addr
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = SocketAddr::new(listen_ip, conf.listener.port);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let state = app_state(&conf, schemes, addr).await?;
        serve(state, addr, &conf.api_prefix).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The session store and the replay cache as configured (connecting to Redis).
async fn stores(conf: &ServerConfig) -> anyhow::Result<(Store, ReplayCache)> {
    match &conf.store {
        StoreConfig::Memory => Ok((Store::default(), ReplayCache::default())),
        StoreConfig::Redis(redis) => {
            let lifetimes = Lifetimes {
                max_session: conf.max_session_lifetime,
                result: conf.session_result_lifetime,
            };
            let store = RedisStore::connect(redis, lifetimes)
                .await
                .context("connecting to redis")?;
            tracing::info!(prefix = %redis.key_prefix, "sessions are kept in redis");
            Ok((Store::Redis(store.clone()), ReplayCache::redis(store)))
        }
    }
}

async fn app_state(
    conf: &ServerConfig,
    schemes: Configuration,
    addr: SocketAddr,
) -> anyhow::Result<AppState> {
    let url = match &conf.url {
        Some(u) => u.clone(),
        None => {
            let host = if addr.ip().is_unspecified() {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            } else {
                addr.ip()
            };
            format!("http://{}/irma/", SocketAddr::new(host, addr.port()))
        }
    };
    let settings = Settings {
        url,
        production: conf.production,
        max_session_lifetime: conf.max_session_lifetime,
        session_result_lifetime: conf.session_result_lifetime,
        private_keys: PrivateKeyFolder(conf.privkeys.clone()),
        permissions: PermissionSet {
            global: conf.global_permissions.clone(),
            requestors: match &conf.auth {
                Auth::Disabled => BTreeMap::new(),
                Auth::Requestors(r) => r
                    .iter()
                    .map(|(name, r)| (name.clone(), r.permissions.clone()))
                    .collect(),
            },
        },
    };
    let (store, replay) = stores(conf).await?;
    Ok(AppState {
        sessions: Arc::new(Sessions::new(store, settings, Arc::new(schemes))),
        auth: Arc::new(server::requestor_auth(conf)?),
        signer: server::result_signer(conf)?.map(Arc::new),
        replay: Arc::new(replay),
        sse: conf.sse,
    })
}

async fn serve(state: AppState, addr: SocketAddr, api_prefix: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening at {addr}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    tracing::info!(address = %bound, "listening");
    let sessions = Arc::clone(&state.sessions);
    let replay = Arc::clone(&state.replay);
    let expiry = tokio::spawn(async move {
        let mut interval = tokio::time::interval(EXPIRY_PERIOD);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            // A store failure is logged where it happens; the next tick tries again.
            let _ = sessions.expire_all().await;
            replay.prune();
        }
    });
    let sessions = Arc::clone(&state.sessions);
    let events = tokio::spawn(async move { sessions.follow_status_events().await });
    let app = server::router(state, api_prefix);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    expiry.abort();
    events.abort();
    tracing::info!("stopped");
    Ok(())
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
