//! The command line: clap definitions and the code that runs each command.
//!
//! Only this module (and `main.rs`) uses clap and anyhow.

mod generate;
mod issuer;
mod jwt;
mod meta;
mod request;
mod scheme;
mod server;
mod session;
mod signature;
mod wallet;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// IRMA/Yivi server and toolkit.
///
/// `irma` runs an IRMA server, performs and scripts IRMA sessions, and manages credential
/// schemes. It is wire-compatible with irmago's `irma` and the Yivi app.
#[derive(Debug, Parser)]
#[command(name = "irma", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No log output.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print version information.
    Version,
    /// Generate shell completions and man pages from this command line.
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
    /// Manage credential schemes: verify, sign, keygen, download, update.
    #[command(subcommand)]
    Scheme(scheme::SchemeCommand),
    /// Sign requestor JWTs and verify IRMA JWTs (requests, results).
    #[command(subcommand)]
    Jwt(jwt::JwtCommand),
    /// Show what a credential's metadata attribute says: type, dates, key.
    Meta(meta::MetaArgs),
    /// Verify attribute-based signatures offline.
    #[command(subcommand)]
    Signature(signature::SignatureCommand),
    /// Perform an IRMA disclosure, issuance or signature session, or act on one.
    ///
    /// Starts a session on an external IRMA server (--server) or on an embedded one, shows
    /// its QR code, follows its status and prints the result when it ends. The request is
    /// built with --disclose, --sign with --message, and --issue, or given whole with
    /// --request.
    Session(Box<session::SessionArgs>),
    /// Generate an IRMA session request: JSON, or a signed JWT with -a hmac|rsa.
    Request(request::RequestArgs),
    /// Run the IRMA server (the requestor API, and the app and frontend API under /irma),
    /// or check its configuration (`irma server check`).
    Server(Box<server::ServerArgs>),
    /// A headless IRMA app: perform sessions, list, import and export credentials.
    Wallet(wallet::WalletArgs),
}

/// Sets up `tracing` on stderr: `base` level (0 = warn, 1 = info) raised by `-v` each,
/// nothing with `quiet`, JSON lines with `json`; colours only on a terminal. `RUST_LOG`
/// overrides the level.
pub fn init_logging(base: u8, verbose: u8, quiet: bool, json: bool) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let level = match base.saturating_add(verbose) {
        _ if quiet => "off",
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Setting up twice (tests in one process) keeps the first.
    let _ = if json {
        logs.json().try_init()
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The server sets up its logging once its configuration (which may set the level) is read.
    if !matches!(cli.command, Command::Server(_)) {
        init_logging(0, cli.verbose, cli.quiet, false);
    }
    match cli.command {
        Command::Version => {
            println!("irma {}", env!("CARGO_PKG_VERSION"));
            println!(
                "OS/Arch: {}/{}",
                std::env::consts::OS,
                std::env::consts::ARCH
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(cmd) => generate::run(cmd),
        Command::Signature(cmd) => signature::run(cmd),
        Command::Meta(args) => meta::run(args),
        Command::Scheme(cmd) => scheme::run(cmd),
        Command::Jwt(cmd) => jwt::run(cmd),
        Command::Server(args) => server::run(*args, cli.verbose, cli.quiet),
        Command::Session(args) => session::run(*args),
        Command::Request(args) => request::run(args),
        Command::Wallet(args) => wallet::run(args),
    }
}
