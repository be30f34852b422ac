//! `irma wallet`: a headless IRMA app (see [`crate::wallet`]).

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::protocol::identifiers::SchemeId;
use crate::scheme::Configuration;
use crate::wallet::{
    Pin, Report, RunOptions, RunOutcome, Wallet, WalletDump, enroll, parse_pointer, run_session,
};

/// Largest session pointer or dump read.
const MAX_INPUT: u64 = 10 << 20;
/// Exit status when a session failed or was refused (the JSON says why).
const SESSION_FAILED: u8 = 3;
/// The environment variable that may hold the keyshare PIN.
const PIN_ENV: &str = "IRMA_WALLET_PIN";
/// Largest PIN file read.
const MAX_PIN_FILE: u64 = 1024;

/// Arguments of `irma wallet`.
#[derive(Debug, Args)]
pub struct WalletArgs {
    /// The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet].
    #[arg(long, value_name = "DIR", env = "IRMA_WALLET_DIR", global = true)]
    storage: Option<PathBuf>,
    /// Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration].
    #[arg(long, value_name = "PATH", global = true)]
    schemes_path: Option<PathBuf>,
    /// File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for
    /// enrollment, and for sessions with credentials of a keyshare scheme.
    #[arg(long, value_name = "FILE", global = true)]
    pin_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    command: WalletCommand,
}

/// The `irma wallet` subcommands.
#[derive(Debug, Subcommand)]
pub(super) enum WalletCommand {
    /// Perform a session as the Yivi app does: disclose, sign, or receive credentials.
    ///
    /// SESSION is the session pointer JSON ({"u": ..., "irmaqr": ...}) or a whole session
    /// package (the answer to POST /session), given inline, as a file, or `-` for stdin.
    ///
    /// For each disjunction of the request the wallet takes the first option it can
    /// satisfy completely, using the newest unexpired credential of each type
    /// (`--choose` picks other options). Chained sessions are followed. Prints one JSON
    /// object: outcome (success, cancelled, error), and per session what was disclosed,
    /// issued or signed and the server's answer.
    ///
    /// Credentials of a keyshare scheme (pbdf) need the wallet to be enrolled at the scheme's
    /// keyshare server (`irma wallet enroll`) and the PIN (`--pin-file` or $IRMA_WALLET_PIN);
    /// a wrong PIN is tried once, not repeated. Exit status: 0 success; 3 the session failed
    /// or was refused; 1 other errors; 2 usage errors.
    Session(SessionArgs),
    /// Enroll at the keyshare server of a scheme (e.g. pbdf) with a PIN (`--pin-file` or
    /// $IRMA_WALLET_PIN, at least 5 characters), as the Yivi app does at first start.
    ///
    /// The keyshare server then issues its keyshare attribute (the username) to this wallet,
    /// which is how the enrollment completes; only then is it stored. Prints one JSON
    /// object as `session` does, with `enrolled` {scheme, username}. Exit status as
    /// `session`.
    Enroll {
        /// The scheme, e.g. `pbdf`.
        #[arg(value_name = "SCHEME")]
        scheme: String,
    },
    /// List the credentials: attributes, issuer, key counter, signing date and expiry.
    ///
    /// Credential files that cannot be read are reported under "unreadable" (and on
    /// stderr); the others are listed.
    List,
    /// Remove a credential, named by its hash (or a unique prefix of 6 or more characters),
    /// or by its credential type when the wallet holds exactly one.
    Remove {
        /// Hash, hash prefix, or credential type id.
        #[arg(value_name = "CRED")]
        credential: String,
    },
    /// Print the whole wallet, secret key included, in the reference's dump format
    /// (`irma wallet import` reads it back). Keep the output secret.
    Export,
    /// Import a wallet dump: the secret key and credentials (for example the reference's
    /// credentials/wallet-P.json). Every credential must verify over the dump's secret key;
    /// a wallet that already holds credentials must have the same key.
    Import {
        /// The dump (JSON), or `-` for stdin.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Whether signatures get an atum timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum TimestampMode {
    /// Ask the scheme's timestamp server; sign without a timestamp when it does not answer.
    On,
    /// Never ask.
    Off,
}

/// Arguments of `irma wallet session`.
#[derive(Debug, Args)]
pub(super) struct SessionArgs {
    /// Session pointer or package: JSON, a file, or `-` for stdin.
    #[arg(value_name = "SESSION")]
    session: String,
    /// Option index per disjunction of the request, comma separated (e.g. `0,1`).
    #[arg(long, value_name = "I,J,..", value_delimiter = ',')]
    choose: Option<Vec<usize>>,
    /// Refuse the session (the server marks it CANCELLED).
    #[arg(long)]
    deny: bool,
    /// The pairing code shown by the frontend, to check against the server's; `-` reads it
    /// from stdin. Without it the code is printed on stderr and the wallet waits.
    #[arg(long, value_name = "CODE")]
    pairing_code: Option<String>,
    /// How long to wait for the frontend to complete pairing, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pairing_timeout: u64,
    /// Atum timestamps on attribute-based signatures.
    #[arg(long, value_enum, default_value_t = TimestampMode::On)]
    timestamp: TimestampMode,
}

/// Runs `irma wallet`.
pub(super) fn run(args: WalletArgs) -> anyhow::Result<ExitCode> {
    let dir = storage_dir(args.storage)?;
    let (_, conf, _) = crate::scheme::storage::open(args.schemes_path.as_deref(), None)
        .context("loading schemes")?;
    let mut wallet =
        Wallet::open(&dir, &conf).with_context(|| format!("opening wallet {}", dir.display()))?;
    for bad in wallet.unreadable() {
        eprintln!(
            "irma: warning: unreadable credential {}: {}",
            bad.file.display(),
            bad.error
        );
    }
    let pin_file = args.pin_file;
    match args.command {
        WalletCommand::Session(s) => session(&mut wallet, &conf, s, pin_file.as_deref()),
        WalletCommand::Enroll { scheme } => {
            let scheme: SchemeId = scheme.parse()?;
            let options = RunOptions {
                pin: read_pin(pin_file.as_deref())?,
                on_pairing: Some(show_pairing_code),
                ..RunOptions::default()
            };
            let runtime = current_thread()?;
            finish(&runtime.block_on(enroll(&mut wallet, &conf, &scheme, &options)))
        }
        WalletCommand::List => {
            let list: Vec<_> = wallet.credentials().iter().map(|c| c.summary()).collect();
            let keyshare: Vec<_> = wallet
                .keyshare_accounts()
                .map(|a| json!({"scheme": a.scheme(), "username": a.username()}))
                .collect();
            print_json(&json!({
                "credentials": list,
                "keyshare": keyshare,
                "unreadable": wallet.unreadable(),
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Remove { credential } => {
            let removed = wallet.remove(&credential)?;
            print_json(&json!({ "removed": removed }))?;
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Export => {
            let dump = wallet
                .export()
                .context("the wallet has no secret key yet: nothing to export")?;
            print_json(&json!({ "dump": dump }))?;
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Import { file } => {
            let bytes = read_input(&file)?;
            let dump = WalletDump::from_json(&bytes)?;
            let imported = wallet.import(&dump, &conf)?;
            print_json(&json!({ "imported": imported }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn session(
    wallet: &mut Wallet,
    conf: &Configuration,
    args: SessionArgs,
    pin_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let from_stdin = [
        args.session == "-",
        args.pairing_code.as_deref() == Some("-"),
        pin_file == Some(Path::new("-")),
    ];
    if from_stdin.iter().filter(|&&b| b).count() > 1 {
        bail!("only one of the session, the pairing code and the PIN can come from stdin");
    }
    let text = if args.session == "-" {
        String::from_utf8(read_input(Path::new("-"))?).context("stdin is not UTF-8")?
    } else if args.session.trim_start().starts_with('{') {
        args.session.clone()
    } else {
        String::from_utf8(read_input(Path::new(&args.session))?)
            .with_context(|| format!("{} is not UTF-8", args.session))?
    };
    let pointer = parse_pointer(&text)?;
    let pairing_code = match args.pairing_code.as_deref() {
        Some("-") => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .take(64)
                .read_line(&mut line)
                .context("reading the pairing code from stdin")?;
            Some(line.trim().to_owned())
        }
        other => other.map(str::to_owned),
    };
    let options = RunOptions {
        choose: args.choose,
        deny: args.deny,
        pairing_code,
        timestamp: args.timestamp == TimestampMode::On,
        pairing_timeout: Duration::from_secs(args.pairing_timeout),
        on_pairing: Some(show_pairing_code),
        pin: read_pin(pin_file)?,
    };
    let runtime = current_thread()?;
    finish(&runtime.block_on(run_session(wallet, conf, pointer, &options)))
}

fn current_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")
}

/// Prints the report; the exit status says how it ended.
fn finish(report: &Report) -> anyhow::Result<ExitCode> {
    print_json(report)?;
    Ok(match report.outcome {
        RunOutcome::Success => ExitCode::SUCCESS,
        RunOutcome::Cancelled | RunOutcome::Error => ExitCode::from(SESSION_FAILED),
    })
}

/// The keyshare PIN: the first line of `file` (`-`: stdin), else `$IRMA_WALLET_PIN`.
fn read_pin(file: Option<&Path>) -> anyhow::Result<Option<Pin>> {
    let Some(path) = file else {
        return Ok(std::env::var(PIN_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(|p| Pin::new(&p)));
    };
    let mut text = zeroize::Zeroizing::new(String::new());
    let read = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_PIN_FILE)
            .read_line(&mut text)
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .take(MAX_PIN_FILE)
            .read_to_string(&mut text)
    };
    read.with_context(|| format!("reading the PIN from {}", path.display()))?;
    let line = text.lines().next().unwrap_or_default();
    if line.trim().is_empty() {
        bail!("{} holds no PIN", path.display());
    }
    Ok(Some(Pin::new(line)))
}

fn show_pairing_code(code: &str) {
    eprintln!("irma: pairing code: {code} (waiting for the frontend to complete pairing)");
}

fn storage_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("no --storage given and $HOME is not set")?;
    Ok(PathBuf::from(home).join(".local/share/irma/wallet"))
}

/// Reads a file (or stdin for `-`) of at most [`MAX_INPUT`] bytes.
fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    if bytes.len() as u64 > MAX_INPUT {
        bail!("{} is larger than {MAX_INPUT} bytes", path.display());
    }
    Ok(bytes)
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
