//! `irma server`: run the IRMA server (requestor API, app and frontend API).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::config::{self, ServerConfig, StoreConfig};
use crate::server::prepare::{Prepared, prepare};
use crate::server::run::{check_revocation, check_store};
use crate::server::{Exposure, Server};

/// `irma server [check]`: the flags, and the optional `check` subcommand taking the same.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    /// Only check the configuration (`check`), or run as without a subcommand (`run`).
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
    /// connects to Redis and checks that it answers; with a revocation database it connects to
    /// it (creating no tables or accumulators) and checks the revocation settings against the
    /// issuer private keys. Exits non-zero with a message naming
    /// the bad setting. With -v, prints the effective configuration as JSON
    /// (secrets redacted).
    Check(Box<ConfigFlags>),
    /// Run the server: the same as `irma server` (as the reference's `irma server run`).
    Run(Box<ConfigFlags>),
}

/// Flags of `irma server`, named as the reference's. They are one configuration source,
/// serialised by their names (which are the configuration keys, checked by a test) and
/// merged over the environment (`IRMASERVER_*`) and the configuration file; flags not
/// given are absent. Boolean flags take an optional value (`--no-auth=false`), as cobra's.
#[derive(Debug, Args, Serialize)]
#[command(args_override_self = true)]
struct ConfigFlags {
    /// Path to configuration file (JSON, TOML or YAML).
    #[arg(short, long, env = "IRMASERVER_CONFIG")]
    #[serde(skip)]
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    skip_private_keys_check: Option<bool>,
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
    /// If specified, serve /metrics (and /ready, /health) on this port instead of on the requestor port.
    #[arg(long)]
    metrics_port: Option<u32>,
    /// Address at which the metrics listener listens (default 0.0.0.0).
    #[arg(long)]
    metrics_listen_addr: Option<String>,
    /// On SIGTERM, keep serving the sessions already started for at most this many seconds (default 60).
    #[arg(long)]
    shutdown_timeout: Option<u64>,
    /// Enable server sent for status updates (experimental).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    sse: Option<bool>,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    allow_unsigned_callbacks: Option<bool>,
    /// Whether to allow session requests to augment the client return URL.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    augment_client_return_url: Option<bool>,
    /// In production mode, allow callback and nextSession URLs that resolve to loopback,
    /// link-local or private addresses.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    allow_private_callbacks: Option<bool>,
    /// Most connections each listener serves at once; more wait in the accept backlog
    /// [default: 4096, less when the open-file limit is lower].
    #[arg(long)]
    max_connections: Option<u64>,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_tls: Option<bool>,
    /// Production mode.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    production: Option<bool>,
    /// Log in JSON format.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    log_json: Option<bool>,
    /// Accepted for compatibility and ignored: this server sends no email.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_email: Option<bool>,
    /// Accepted for compatibility and ignored: this server sends no email.
    #[arg(short, long)]
    email: Option<String>,
    /// Database type for revocation: postgres, mysql, or sqlite (the default for a revocation
    /// server or authority: revocation.db in the data folder).
    #[arg(long)]
    revocation_db_type: Option<String>,
    /// Connection string for the revocation database (postgres: "host=… port=… user=…
    /// dbname=…" or a postgres:// URL; mysql: "user:password@tcp(host:port)/db"; sqlite: a
    /// file).
    #[arg(long)]
    revocation_db_str: Option<String>,
    /// Revocation settings per credential type, in JSON: {"CREDTYPE": {"authority": true}} or
    /// {"server", "revocation_server_url", "tolerance", "sse"}.
    #[arg(long)]
    revocation_settings: Option<String>,
    /// SD-JWT VC issuer certificates directory (not supported: refused when set).
    #[arg(long)]
    sdjwtvc_issuer_certificates_dir: Option<String>,
    /// SD-JWT VC issuer private keys directory (not supported: refused when set).
    #[arg(long)]
    sdjwtvc_issuer_private_keys_dir: Option<String>,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    redis_accept_inconsistency_risk: Option<bool>,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    redis_allow_empty_password: Option<bool>,
    /// Prefix every Redis key with the username (when using ACLs).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    redis_acl_use_key_prefixes: Option<bool>,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    redis_no_tls: Option<bool>,
    /// Prefix of every Redis key and channel, so one Redis can serve several deployments.
    #[arg(long)]
    redis_key_prefix: Option<String>,
}

/// Runs `irma server` until SIGINT or SIGTERM, or `irma server check`; `verbose` and
/// `quiet` are the global flags (check prints the effective configuration with `-v`).
pub(super) fn run(args: ServerArgs, verbose: u8, quiet: bool) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(ServerCommand::Check(flags)) => {
            super::init_logging(0, verbose, quiet, false);
            check(&flags, verbose)
        }
        Some(ServerCommand::Run(flags)) => serve_forever(&flags, verbose, quiet),
        None => serve_forever(&args.flags, verbose, quiet),
    }
}

/// Resolves and prepares the configuration exactly as the server does, logging warnings.
fn resolve(flags: &ConfigFlags) -> anyhow::Result<(ServerConfig, Prepared)> {
    let conf = config::load(flags, flags.config.as_deref())?;
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
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    if matches!(conf.store, StoreConfig::Redis(_)) {
        // Connecting checks the address, credentials and TLS, and that Redis answers.
        runtime
            .block_on(check_store(&conf, &prepared))
            .context("connecting to redis")?;
    }
    let (schemes_path, url) = (prepared.schemes_path.clone(), prepared.settings.url.clone());
    // The issuer keys against the revocation settings, and the revocation database.
    for warning in runtime.block_on(check_revocation(&conf, prepared))? {
        tracing::warn!("{warning}");
    }
    if verbose > 0 {
        conf.schemes_path = Some(schemes_path);
        conf.url = Some(url).filter(|u| !u.is_empty());
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &conf)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves until a signal. Logs at info level (the reference's default), more with `-v` on
/// the command line or `verbose` in the configuration, JSON lines with `log_json`.
fn serve_forever(flags: &ConfigFlags, verbose: u8, quiet: bool) -> anyhow::Result<ExitCode> {
    let conf = config::load(flags, flags.config.as_deref())?;
    let log = &conf.log;
    super::init_logging(1, verbose.max(log.verbose), quiet || log.quiet, log.json);
    let (conf, prepared) = prepare_logged(conf)?;
    if let Some(files) = &conf.static_files {
        tracing::info!(path = %files.path.display(), prefix = %files.prefix, "hosting static files");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let server = Server::start_prepared(&conf, prepared, Exposure::Full).await?;
        // The first signal drains the server (see `server::shutdown`); a second one stops
        // it at once.
        let (first, drain) = tokio::sync::oneshot::channel::<()>();
        let signals = async {
            shutdown_signal().await;
            let _ = first.send(());
            shutdown_signal().await;
        };
        tokio::select! {
            served = server.serve(async { let _ = drain.await; }) => served?,
            () = signals => tracing::warn!("second signal: stopping at once"),
        }
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::cli::Cli;
    use crate::config::{self, ConfigError};

    /// The flags are merged by their names: each must be a configuration key.
    #[test]
    fn every_flag_is_a_configuration_key() {
        let cli = Cli::command();
        let server = cli.find_subcommand("server").expect("server command");
        let ids: Vec<String> = server
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| !["config", "help", "version"].contains(&id.as_str()))
            .collect();
        assert!(ids.len() > 60, "{ids:?}");
        for id in ids {
            let flags = serde_json::json!({ id.clone(): "1" });
            if let Err(ConfigError::UnknownKey { key, .. }) = config::merge(&flags, None) {
                panic!(
                    "flag --{} is no configuration key {key}",
                    id.replace('_', "-")
                );
            }
        }
    }
}
