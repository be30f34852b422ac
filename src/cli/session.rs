//! `irma session`: perform a disclosure, signature or issuance session from the command
//! line, against a remote server (`--server`) or an embedded one, and `irma session
//! status|result|cancel` to act on an existing session (irmago
//! `yivi/cli/irmacli/session.go`).
//!
//! The status is followed from before the QR code is shown, so a session the app finishes
//! at once is never missed (the reference then fails with "Unexpected status: DONE").

use std::io::{IsTerminal, Write};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};

use super::jwt::read_input;
use super::request::RequestFlags;
use crate::config::{ListenerKeys, RawConfig, RequestorKeys, SchemeKeys, ServerConfig};
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::RequestorRequest;
use crate::protocol::session::{
    Action, FrontendOptionsRequest, LD_CONTEXT_FRONTEND_OPTIONS_REQUEST, PairingMethod,
    SessionOptions, SessionPackage, SessionPointer,
};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{AppToken, RequestorToken};
use crate::requestor::events::StatusEvents;
use crate::requestor::http::{Authentication, ClientError, RequestorClient};
use crate::requestor::qr;
use crate::scheme::Configuration;
use crate::scheme::download::{DownloadOptions, update_all};
use crate::server::run::StartError;
use crate::server::{Exposure, Server};
use crate::session::{SessionResult, Sessions};

/// The default port of the embedded server, as the reference.
const DEFAULT_PORT: u16 = 48680;
/// Time limit of each request of the scheme update before a session.
const SCHEMES_UPDATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Exit statuses of `irma session`, also listed in its help.
mod exit {
    /// DONE with VALID proofs (issuance: DONE).
    pub(super) const SUCCESS: u8 = 0;
    /// Invalid flags or session request.
    pub(super) const USAGE: u8 = 2;
    /// The server could not be reached or refused a call.
    pub(super) const CONNECTION: u8 = 3;
    /// The session was CANCELLED.
    pub(super) const CANCELLED: u8 = 4;
    /// The session timed out.
    pub(super) const TIMEOUT: u8 = 5;
    /// DONE, but the proofs are not VALID.
    pub(super) const NOT_VALID: u8 = 6;
    /// `irma session result` of a session that has not finished.
    pub(super) const UNFINISHED: u8 = 7;
}

const EXIT_CODES: &str = "\
Exit status:
  0  the session is DONE and its proofs are VALID (issuance: DONE); other commands succeeded
  1  any other error
  2  usage error: invalid flags or session request
  3  the server could not be reached or refused a call
  4  the session was CANCELLED
  5  the session timed out (TIMEOUT)
  6  the session is DONE but its proofs are not VALID (proofStatus says why)
  7  (irma session result) the session has not finished yet

Output: the result goes to standard output, readable on a terminal and as one JSON object
with --json or when standard output is not a terminal. The QR code (or with --noqr the
session pointer JSON) and the pairing code go to standard output on a terminal, else to
standard error, so that standard output holds only the result.";

/// Arguments of `irma session`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES,
)]
pub struct SessionArgs {
    /// Act on an existing session instead of starting one.
    #[command(subcommand)]
    action: Option<SessionAction>,
    #[command(flatten)]
    start: StartArgs,
}

/// `irma session status|result|cancel`.
#[derive(Debug, Subcommand)]
pub(super) enum SessionAction {
    /// Print the status of a session.
    Status(TokenArgs),
    /// Print the result of a session; the exit status says how it ended.
    Result(ResultArgs),
    /// Cancel a session.
    Cancel(TokenArgs),
}

/// The session to act on.
#[derive(Debug, Args)]
pub(super) struct TokenArgs {
    /// The IRMA server's requestor API URL.
    #[arg(long, value_name = "URL")]
    server: String,
    /// The requestor token of the session (`token` of the session package).
    #[arg(value_name = "TOKEN")]
    token: String,
}

/// Arguments of `irma session result`.
#[derive(Debug, Args)]
pub(super) struct ResultArgs {
    #[command(flatten)]
    session: TokenArgs,
    /// Print the result as one JSON object even on a terminal.
    #[arg(long)]
    json: bool,
}

/// Flags for starting a session.
#[derive(Debug, Args)]
pub(super) struct StartArgs {
    /// External IRMA server to post the request to (default: an embedded server).
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// External URL at which the app reaches the embedded server, ":port" being replaced
    /// by the port (default: http://<local IP>:port).
    #[arg(short = 'u', long, value_name = "URL", conflicts_with = "server")]
    url: Option<String>,
    /// Port the embedded server listens at (0: any free port).
    #[arg(short = 'p', long, default_value_t = DEFAULT_PORT, conflicts_with = "server")]
    port: u16,
    /// Path to issuer private keys for the embedded server.
    #[arg(short = 'k', long, value_name = "PATH", conflicts_with = "server")]
    privkeys: Option<std::path::PathBuf>,
    /// Print the session pointer JSON instead of drawing the QR code.
    #[arg(long)]
    noqr: bool,
    /// Let the app pair first: it shows a code that must match the one printed here.
    #[arg(long)]
    pairing: bool,
    /// Follow a session started elsewhere, from its session package (JSON or a file).
    #[arg(long, value_name = "JSON|FILE")]
    from_package: Option<String>,
    /// Show the QR code of a static session on this server, then exit.
    #[arg(long, value_name = "URL", requires = "static_name")]
    static_server: Option<String>,
    /// The static session's name (with --static-server).
    #[arg(long, value_name = "NAME", requires = "static_server")]
    static_name: Option<String>,
    /// Print the session package and exit (with --server), to follow the session with
    /// `irma session status|result|cancel`.
    #[arg(long, requires = "server")]
    no_wait: bool,
    /// Print the result as one JSON object even on a terminal.
    #[arg(long)]
    json: bool,
    /// Do not update the schemes from their URLs before the session (by default they are,
    /// as the reference does; when that fails the local schemes are used).
    #[arg(long)]
    disable_schemes_update: bool,
    #[command(flatten)]
    request: RequestFlags,
}

/// A failure with its exit status.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: exit::USAGE,
            error: error.into(),
        }
    }

    fn connection(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: exit::CONNECTION,
            error: error.into(),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self::connection(e)
    }
}

/// Runs `irma session`.
pub(super) fn run(args: SessionArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        match args.action {
            Some(action) => act(action).await,
            None => start(args.start).await,
        }
    });
    // Do not wait for the embedded server's connections to close.
    runtime.shutdown_background();
    Ok(match outcome {
        Ok(code) => ExitCode::from(code),
        Err(Failure { code, error }) => {
            eprintln!("irma: error: {error:#}");
            ExitCode::from(code)
        }
    })
}

fn token(raw: &str) -> Result<RequestorToken, Failure> {
    RequestorToken::parse(raw.trim()).map_err(Failure::usage)
}

async fn act(action: SessionAction) -> Result<u8, Failure> {
    let connect = |args: &TokenArgs| -> Result<(RequestorClient, RequestorToken), Failure> {
        let client =
            RequestorClient::new(&args.server, Authentication::None).map_err(Failure::usage)?;
        Ok((client, token(&args.token)?))
    };
    match action {
        SessionAction::Status(args) => {
            let (client, token) = connect(&args)?;
            println!("{}", client.status(&token).await?);
            Ok(exit::SUCCESS)
        }
        SessionAction::Result(args) => {
            let (client, token) = connect(&args.session)?;
            let result = client.result(&token).await?;
            print_result(&result, args.json).map_err(Failure::connection)?;
            Ok(outcome_code(&result))
        }
        SessionAction::Cancel(args) => {
            let (client, token) = connect(&args)?;
            client.cancel(&token).await?;
            Ok(exit::SUCCESS)
        }
    }
}

/// Where the session runs: a remote server, or the embedded one.
enum Backend {
    Remote(RequestorClient),
    Embedded(Arc<Sessions>, EmbeddedServer),
}

/// The embedded server's task and the signal that stops it.
struct EmbeddedServer {
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

impl Backend {
    /// Stops the embedded server once the session is over: the answer to the app's last
    /// request (which ended the session) is still being written when the result is known,
    /// so the server finishes the requests in flight before the process exits.
    async fn close(self) {
        if let Self::Embedded(_, server) = self {
            let _ = server.stop.send(());
            let _ = server.served.await;
        }
    }

    async fn events(&self, token: &RequestorToken) -> Result<StatusEvents, Failure> {
        match self {
            Self::Remote(client) => Ok(client.status_events(token).await),
            Self::Embedded(sessions, _) => sessions
                .subscribe(token)
                .await
                .map(StatusEvents::from_watch)
                .map_err(Failure::connection),
        }
    }

    async fn result(&self, token: &RequestorToken) -> Result<SessionResult, Failure> {
        match self {
            Self::Remote(client) => Ok(client.result(token).await?),
            Self::Embedded(sessions, _) => {
                sessions.result(token).await.map_err(Failure::connection)
            }
        }
    }

    async fn cancel(&self, token: &RequestorToken) -> Result<(), Failure> {
        match self {
            Self::Remote(client) => Ok(client.cancel(token).await?),
            Self::Embedded(sessions, _) => {
                sessions.cancel(token).await.map_err(Failure::connection)
            }
        }
    }

    async fn enable_pairing(&self, package: &SessionPackage) -> Result<SessionOptions, Failure> {
        match self {
            Self::Remote(client) => Ok(client.enable_pairing(package).await?),
            Self::Embedded(sessions, _) => {
                let (ct, auth) = frontend_access(package)?;
                let pin = FrontendOptionsRequest {
                    context: LD_CONTEXT_FRONTEND_OPTIONS_REQUEST.to_owned(),
                    pairing_method: Some(PairingMethod::Pin),
                };
                let options = sessions.frontend_options(&ct, auth, pin);
                options.await.map_err(Failure::connection)
            }
        }
    }

    async fn complete_pairing(&self, package: &SessionPackage) -> Result<(), Failure> {
        match self {
            Self::Remote(client) => Ok(client.complete_pairing(package).await?),
            Self::Embedded(sessions, _) => {
                let (ct, auth) = frontend_access(package)?;
                let completed = sessions.pairing_completed(&ct, auth);
                completed.await.map_err(Failure::connection)
            }
        }
    }
}

/// What the frontend presents to the embedded server: the client token and its
/// authorization.
fn frontend_access(package: &SessionPackage) -> Result<(AppToken, Option<&str>), Failure> {
    let auth = package.frontend_request.authorization.as_str();
    Ok((app_token(package)?, Some(auth)))
}

/// The client token: the last path segment of the session pointer.
fn app_token(package: &SessionPackage) -> Result<AppToken, Failure> {
    let url = package.session_ptr.url.trim_end_matches('/');
    let last = url.rsplit('/').next().unwrap_or_default();
    AppToken::parse(last)
        .map_err(|_| Failure::connection(anyhow!("no client token in session pointer {url}")))
}

/// `irma session` without a subcommand: a static pointer, or a session to follow.
async fn start(args: StartArgs) -> Result<u8, Failure> {
    if let Some(server) = &args.static_server {
        if args.request.given() || args.pairing || args.from_package.is_some() || args.no_wait {
            return Err(Failure::usage(anyhow!(
                "with --static-server, only --static-name and --noqr can be used"
            )));
        }
        let name = args.static_name.as_deref().unwrap_or_default();
        let pointer = SessionPointer {
            url: format!("{}/irma/session/{name}", server.trim_end_matches('/')),
            action: Action::Redirect,
        };
        show_pointer(&pointer, args.noqr).map_err(Failure::usage)?;
        return Ok(exit::SUCCESS);
    }

    let (backend, package) = begin(&args).await?;
    let outcome = if args.no_wait {
        serde_json::to_string(&package)
            .map(|package| {
                println!("{package}");
                exit::SUCCESS
            })
            .map_err(Failure::connection)
    } else {
        follow(&backend, &package, &args).await
    };
    backend.close().await;
    outcome
}

/// Starts the session (or takes it from `--from-package`) on its backend.
async fn begin(args: &StartArgs) -> Result<(Backend, SessionPackage), Failure> {
    Ok(if let Some(package) = &args.from_package {
        if args.request.given() {
            return Err(Failure::usage(anyhow!(
                "--from-package cannot be combined with a request"
            )));
        }
        let package = parse_package(package).map_err(Failure::usage)?;
        let server = match &args.server {
            Some(s) => s.clone(),
            None => server_of(&package.session_ptr).map_err(Failure::usage)?,
        };
        let client = RequestorClient::new(&server, Authentication::None).map_err(Failure::usage)?;
        (Backend::Remote(client), package)
    } else {
        let mut schemes = args.request.load_schemes().map_err(Failure::usage)?;
        if !args.disable_schemes_update {
            schemes = updated(schemes, &args.request).await?;
        }
        let request = args.request.build(&schemes).map_err(Failure::usage)?;
        match &args.server {
            Some(server) => {
                let auth = args.request.authentication().map_err(Failure::usage)?;
                let client = RequestorClient::new(server, auth).map_err(Failure::usage)?;
                let package = client
                    .start_session(&request)
                    .await
                    .map_err(|e| Failure::connection(anyhow!(e).context("starting the session")))?;
                (Backend::Remote(client), package)
            }
            None => embedded(args, request).await?,
        }
    })
}

/// The schemes after updating each from its URL (irmago `configureSession`, which runs
/// `UpdateSchemes`). A scheme that cannot be updated (offline, server down) is used as it
/// is, with a warning; when any scheme changed, the folder is loaded again.
async fn updated(schemes: Configuration, flags: &RequestFlags) -> Result<Configuration, Failure> {
    let opts = DownloadOptions {
        timeout: SCHEMES_UPDATE_TIMEOUT,
        ..DownloadOptions::default()
    };
    let mut changed = false;
    for (dir, result) in update_all(&schemes, &opts).await {
        match result {
            Ok(outcome) => changed |= outcome.action == "updated",
            Err(e) => tracing::warn!(
                "scheme {} not updated, using it as it is: {:#}",
                dir.display(),
                anyhow!(e)
            ),
        }
    }
    if !changed {
        return Ok(schemes);
    }
    flags.load_schemes().map_err(Failure::usage)
}

/// Shows the QR code, follows the status (with pairing and Ctrl-C) and prints the result.
async fn follow(
    backend: &Backend,
    package: &SessionPackage,
    args: &StartArgs,
) -> Result<u8, Failure> {
    let token = package.token.clone();
    let options = if args.pairing {
        Some(backend.enable_pairing(package).await?)
    } else {
        None
    };
    // Subscribe before the QR is shown: the app may finish right after scanning it.
    let mut events = backend.events(&token).await?;
    show_pointer(&package.session_ptr, args.noqr).map_err(Failure::usage)?;

    let spinner = Spinner::new();
    // The user's answer to the pairing prompt (read from standard input).
    let (confirm_tx, mut confirm_rx) = tokio::sync::mpsc::channel::<bool>(1);
    let mut pairing_prompted = false;
    let mut cancelled_here = false;
    loop {
        tokio::select! {
            event = events.next() => {
                let status = match event {
                    Some(Ok(status)) => status,
                    Some(Err(e)) => {
                        return Err(Failure::connection(anyhow!(e).context("following the session")));
                    }
                    None => {
                        return Err(Failure::connection(anyhow!(
                            "the status events ended before the session did"
                        )));
                    }
                };
                spinner.status(status);
                if status == ServerStatus::Pairing && !pairing_prompted {
                    pairing_prompted = true;
                    let code = options.as_ref().map(|o| o.pairing_code.as_str()).unwrap_or_default();
                    spinner.suspend(|| say(&format!(
                        "\nPairing code: {code}\nPress Enter to confirm your device shows the same \
                         pairing code; otherwise press Ctrl-C."
                    )));
                    let tx = confirm_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let mut line = String::new();
                        let confirmed = std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0);
                        let _ = tx.blocking_send(confirmed);
                    });
                }
                if status.is_finished() {
                    break;
                }
            }
            Some(confirmed) = confirm_rx.recv() => {
                if confirmed {
                    backend.complete_pairing(package).await?;
                    spinner.suspend(|| say("Pairing completed."));
                } else if !cancelled_here {
                    cancelled_here = true;
                    backend.cancel(&token).await?;
                }
            }
            _ = tokio::signal::ctrl_c() => {
                if cancelled_here {
                    // A second Ctrl-C: stop waiting for the server to confirm.
                    return Err(Failure {
                        code: exit::CANCELLED,
                        error: anyhow!("interrupted"),
                    });
                }
                cancelled_here = true;
                backend.cancel(&token).await?;
            }
        }
    }
    spinner.finish();
    let result = backend.result(&token).await?;
    print_result(&result, args.json).map_err(Failure::connection)?;
    Ok(outcome_code(&result))
}

/// Starts the embedded server on `--port` and the session on it.
async fn embedded(
    args: &StartArgs,
    request: RequestorRequest,
) -> Result<(Backend, SessionPackage), Failure> {
    let url = match &args.url {
        Some(u) => u.clone(),
        None => {
            let ip = crate::server::prepare::lan_ip().unwrap_or_else(|| {
                tracing::warn!("could not determine the local IP address; using 127.0.0.1");
                Ipv4Addr::LOCALHOST
            });
            format!("http://{ip}:port")
        }
    };
    let raw = RawConfig {
        schemes: SchemeKeys {
            schemes_path: Some(args.request.schemes_path().to_string_lossy().into_owned()),
            schemes_update: Some(0),
            privkeys: args
                .privkeys
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
            ..SchemeKeys::default()
        },
        listeners: ListenerKeys {
            url: Some(url),
            port: Some(u32::from(args.port)),
            // Stopped when its one session is over: nothing to wait for but requests in flight.
            shutdown_timeout: Some(0),
            ..ListenerKeys::default()
        },
        requestors: RequestorKeys {
            no_auth: Some(true),
            ..RequestorKeys::default()
        },
        ..RawConfig::default()
    };
    let conf = ServerConfig::try_from(raw).map_err(Failure::usage)?;
    let server = Server::start(&conf, Exposure::AppOnly)
        .await
        .map_err(|e| match e {
            StartError::Listen(_) => Failure::connection(e),
            _ => Failure::usage(e),
        })?;
    let sessions = Arc::clone(server.sessions());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        if let Err(e) = server.serve(stopped).await {
            tracing::error!(error = %e, "the embedded server stopped");
        }
    });
    say(&format!(
        "The app reaches the embedded server at {}",
        sessions.app_url()
    ));
    let package = sessions
        .start(request, None)
        .await
        .map_err(|e| Failure::usage(anyhow!(e).context("starting the session")))?;
    Ok((
        Backend::Embedded(sessions, EmbeddedServer { stop, served }),
        package,
    ))
}

/// `--from-package`: JSON, or a file holding it.
fn parse_package(value: &str) -> anyhow::Result<SessionPackage> {
    let text = if value.trim_start().starts_with('{') {
        value.as_bytes().to_vec()
    } else {
        read_input(std::path::Path::new(value))?
    };
    serde_json::from_slice(&text).context("--from-package is not a session package")
}

/// The requestor API of a session pointer `…/irma/session/{clientToken}`, as the
/// reference derives it.
fn server_of(pointer: &SessionPointer) -> anyhow::Result<String> {
    let at = pointer.url.rfind("/irma/session/").with_context(|| {
        format!(
            "cannot tell the server from the session pointer {}: give --server",
            pointer.url
        )
    })?;
    Ok(pointer.url[..at].to_owned())
}

/// Human output: standard output on a terminal, else standard error.
fn say(text: &str) {
    if std::io::stdout().is_terminal() {
        println!("{text}");
    } else {
        eprintln!("{text}");
    }
}

/// Shows the session pointer as a QR code, or as JSON with `--noqr`.
fn show_pointer(pointer: &SessionPointer, noqr: bool) -> anyhow::Result<()> {
    if noqr {
        say(&qr::qr_payload(pointer));
    } else {
        say(&qr::render_session_pointer(pointer)?);
    }
    Ok(())
}

/// The live status on a terminal (standard error); nothing otherwise.
struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("waiting for the app…");
        Self(Some(bar))
    }

    fn status(&self, status: ServerStatus) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("session {status}"));
        }
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The exit status for a session result.
fn outcome_code(result: &SessionResult) -> u8 {
    match result.status {
        ServerStatus::Done => match result.proof_status {
            None | Some(ProofStatus::Valid) => exit::SUCCESS,
            Some(_) => exit::NOT_VALID,
        },
        ServerStatus::Cancelled => exit::CANCELLED,
        ServerStatus::Timeout => exit::TIMEOUT,
        // `irma session result` of a running session.
        ServerStatus::Initialized | ServerStatus::Pairing | ServerStatus::Connected => {
            exit::UNFINISHED
        }
    }
}

/// Prints the result: readable on a terminal, else (or with `--json`) one JSON object.
fn print_result(result: &SessionResult, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json || !std::io::stdout().is_terminal() {
        writeln!(out, "{}", serde_json::to_string(result)?)?;
        return Ok(());
    }
    let proofs = result
        .proof_status
        .map(|p| serde_json::to_value(p).unwrap_or_default())
        .and_then(|v| v.as_str().map(str::to_owned));
    write!(
        out,
        "Session {} ({})",
        result.status,
        result.session_type.as_str()
    )?;
    match proofs {
        Some(p) => writeln!(out, ": proofs {p}")?,
        None => writeln!(out)?,
    }
    for (i, con) in result.disclosed.iter().enumerate() {
        if con.is_empty() {
            writeln!(out, "  [{i}] nothing disclosed")?;
        }
        for attr in con {
            writeln!(
                out,
                "  [{i}] {}: {} ({:?})",
                attr.id.as_str(),
                attr.raw_value.as_deref().unwrap_or("(null)"),
                attr.status
            )?;
        }
    }
    if let Some(signature) = &result.signature {
        writeln!(
            out,
            "Signature:\n{}",
            serde_json::to_string_pretty(signature)?
        )?;
    }
    if let Some(error) = &result.error {
        writeln!(out, "Error: {error}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_derived_from_session_pointers() {
        let p = |u: &str| SessionPointer {
            url: u.to_owned(),
            action: Action::Disclosing,
        };
        assert_eq!(
            server_of(&p("http://h:1/pre/irma/session/abc")).unwrap(),
            "http://h:1/pre"
        );
        assert!(server_of(&p("http://h:1/other/abc")).is_err());
    }
}
