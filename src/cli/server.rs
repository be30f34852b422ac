//! `irma server`: run the IRMA server (requestor API, app and frontend API).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::{self, RawConfig, ServerConfig, StoreConfig};
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
    flags: ServerFlags,
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
    Check(Box<ServerFlags>),
    /// Run the server: the same as `irma server` (as the reference's `irma server run`).
    Run(Box<ServerFlags>),
}

/// Flags of `irma server`: the configuration file, and every configuration key as a flag
/// named as the reference's (each section of [`RawConfig`] defines its own). The keys given
/// are one configuration source, merged over the environment (`IRMASERVER_*`) and the
/// configuration file; flags not given are absent. Boolean flags take an optional value
/// (`--no-auth=false`), as cobra's.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
struct ServerFlags {
    /// Path to configuration file (JSON, TOML or YAML).
    #[arg(short, long, env = "IRMASERVER_CONFIG")]
    config: Option<PathBuf>,
    /// The configuration keys.
    #[command(flatten)]
    keys: RawConfig,
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
fn resolve(flags: &ServerFlags) -> anyhow::Result<(ServerConfig, Prepared)> {
    let conf = config::load(&flags.keys, flags.config.as_deref())?;
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

fn check(flags: &ServerFlags, verbose: u8) -> anyhow::Result<ExitCode> {
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
        conf.schemes.schemes_path = Some(schemes_path);
        conf.listeners.url = Some(url).filter(|u| !u.is_empty());
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &conf)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves until a signal. Logs at info level (the reference's default), more with `-v` on
/// the command line or `verbose` in the configuration, JSON lines with `log_json`.
fn serve_forever(flags: &ServerFlags, verbose: u8, quiet: bool) -> anyhow::Result<ExitCode> {
    let conf = config::load(&flags.keys, flags.config.as_deref())?;
    let log = &conf.log;
    super::init_logging(1, verbose.max(log.verbose), quiet || log.quiet, log.json);
    let (conf, prepared) = prepare_logged(conf)?;
    if let Some(files) = &conf.listeners.static_files {
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
