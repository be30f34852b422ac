//! The command line: clap definitions and the code that runs each command.
//!
//! Only this module (and `main.rs`) uses clap and anyhow.

mod generate;
mod issuer;
mod jwt;
mod log_fields;
mod meta;
mod request;
mod revoke;
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
    /// Print version information: the reference's lines (version, OS/architecture), then ours.
    Version,
    /// Generate shell completions and man pages from this command line.
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
    /// Print the completion script for a shell (cobra's `completion` command).
    ///
    /// For example `source <(irma completion bash)`, or
    /// `irma completion fish > ~/.config/fish/completions/irma.fish`.
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: generate::CompletionShell,
    },
    /// Manage credential schemes: verify, sign, keygen, keycopy, download, update.
    #[command(subcommand)]
    Scheme(scheme::SchemeCommand),
    /// Manage Idemix issuer keys, and revoke credentials (the same as `irma scheme issuer`).
    #[command(subcommand)]
    Issuer(issuer::IssuerCommand),
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

/// `irma version`: first what irmago v0.18.1's `irma version` prints (its toolkit line,
/// `Version:` and `OS/Arg:` with Go's names for the OS and architecture, so scripts that
/// read them keep working), then what this implementation adds.
fn print_version() {
    let version = env!("CARGO_PKG_VERSION");
    println!("IRMA toolkit v{version}\nDocumentation: https://irma.app/docs");
    println!();
    println!("Version:  {version}");
    println!("OS/Arg:   {}/{}", go_os(), go_arch());
    println!();
    println!("Implementation: irma (Rust), wire-compatible with irmago v0.18.1 and v1.x");
    let names: Vec<&str> = crate::scheme::embedded::names().into_iter().collect();
    println!("Built-in schemes: {}", names.join(", "));
}

/// Go's `runtime.GOOS` for this build's OS.
fn go_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    }
}

/// Go's `runtime.GOARCH` for this build's architecture.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        arch => arch,
    }
}

/// Sets up `tracing` on stderr: `base` level (0 = warn, 1 = info) raised by `-v` each,
/// nothing with `quiet`, JSON lines with `json`; colours only on a terminal; control
/// characters in plain-text fields escaped (`log_fields`). `RUST_LOG`
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
        logs.with_ansi(std::io::stderr().is_terminal())
            .fmt_fields(log_fields::escaped_fields())
            .try_init()
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
            print_version();
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(cmd) => generate::run(cmd),
        Command::Completion { shell } => generate::print_completion(shell),
        Command::Issuer(cmd) => issuer::run(cmd),
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
