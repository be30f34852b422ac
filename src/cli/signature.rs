//! `irma signature verify`: check an attribute-based signature offline against the schemes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::crypto::idemix::ProofD;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::SessionRequest;
use crate::protocol::signature::SignedMessage;
use crate::protocol::timestamp::{AtumKeyCheck, KeyTrust, TimestampError, TrustedKeys};
use crate::scheme::Configuration;
use crate::verifier::Verifier;

/// Largest signature or request file read.
const MAX_INPUT: u64 = 10 << 20;
/// How long the online timestamp key check may take.
const KEY_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Exit status when the signature was judged and is not `VALID`.
const NOT_VALID: u8 = 3;

/// The `irma signature` subcommands.
#[derive(Debug, Subcommand)]
pub enum SignatureCommand {
    /// Verify an attribute-based signature offline (like irmago `SignedMessage.Verify`).
    ///
    /// FILE holds the SignedMessage JSON a server puts in a session result's `signature`,
    /// or a whole session result (its `signature` is taken). Prints the proof status, the
    /// disclosed attributes, the message and the timestamp.
    ///
    /// A timestamp's key is checked online with the scheme's timestamp server
    /// (`checkPublicKey`, 5 s timeout); when that server is unreachable or does not trust the
    /// key the status is INVALID_TIMESTAMP. `--trust-timestamp-key` accepts a key offline
    /// instead (then no request is made).
    ///
    /// Exit status: 0 VALID; 3 judged but not VALID; 1 the input could not be judged
    /// (unreadable file, unknown credential type or key, bad indices); 2 usage errors.
    Verify(VerifyArgs),
}

/// Arguments of `irma signature verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// SignedMessage JSON, or a session result JSON holding one in `signature`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The signature request (JSON) the signature must match; without it the signature is
    /// checked on its own and every attribute is reported as EXTRA. A request without a
    /// nonce (as the requestor posted it; the server chose the nonce) is matched on its
    /// message and attributes.
    #[arg(long, value_name = "REQ.json")]
    request: Option<PathBuf>,
    /// Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration].
    #[arg(long, value_name = "PATH")]
    schemes_path: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Verify as at this Unix time [default: now].
    #[arg(long, value_name = "UNIX_TIME")]
    at: Option<i64>,
    /// Trust this timestamp server public key (base64 Ed25519) without asking the server;
    /// repeatable.
    #[arg(long, value_name = "BASE64")]
    trust_timestamp_key: Vec<String>,
}

/// Runs an `irma signature` subcommand.
pub fn run(cmd: SignatureCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SignatureCommand::Verify(args) => verify(args),
    }
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_INPUT + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    if text.len() as u64 > MAX_INPUT {
        bail!("{} is larger than {MAX_INPUT} bytes", path.display());
    }
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// Either offline trust in the given keys or the online check.
enum Trust {
    Offline(TrustedKeys),
    Online(AtumKeyCheck),
}

impl KeyTrust for Trust {
    async fn check(
        &self,
        server_url: &str,
        alg: &str,
        public_key: &[u8],
        time: i64,
    ) -> Result<(), TimestampError> {
        let result = match self {
            Self::Offline(t) => t.check(server_url, alg, public_key, time).await,
            Self::Online(t) => t.check(server_url, alg, public_key, time).await,
        };
        if let Err(e) = &result {
            tracing::warn!("timestamp key not trusted: {e}");
        }
        result
    }
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut input = read_json(&args.file)?;
    if input.get("signature").is_some_and(Value::is_object) {
        input = input["signature"].take();
    }
    let signed: SignedMessage<ProofD> =
        serde_json::from_value(input).context("not a SignedMessage or session result")?;
    let request = match &args.request {
        None => None,
        Some(path) => {
            let mut value = read_json(path)?;
            if value.get("request").is_some_and(Value::is_object) {
                value = value["request"].take();
            }
            match serde_json::from_value::<SessionRequest>(value)
                .with_context(|| format!("{} is not a session request", path.display()))?
            {
                SessionRequest::Signature(mut r) => {
                    // A requestor's request as it was posted: the server chose the nonce
                    // and context, which the signature carries.
                    let base = &mut r.disclosure.base;
                    if base.nonce.is_none() {
                        base.nonce = Some(signed.nonce.clone());
                        base.context = Some(signed.context.clone());
                    }
                    Some(r)
                }
                _ => bail!("{} is not a signature request", path.display()),
            }
        }
    };
    let trust = if args.trust_timestamp_key.is_empty() {
        let client = reqwest::Client::builder()
            .timeout(KEY_CHECK_TIMEOUT)
            .build()
            .context("building the HTTP client")?;
        Trust::Online(AtumKeyCheck::new(client))
    } else {
        let keys = args
            .trust_timestamp_key
            .iter()
            .map(|k| {
                base64::engine::general_purpose::STANDARD
                    .decode(k.trim())
                    .with_context(|| format!("--trust-timestamp-key {k} is not base64"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Trust::Offline(TrustedKeys(keys))
    };
    let now = args.at.unwrap_or_else(crate::scheme::configuration::now);
    let (_, conf, _) = crate::scheme::storage::open(args.schemes_path.as_deref(), None)
        .context("loading schemes")?;
    let verifier = Verifier::new(&conf);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let verdict = runtime
        .block_on(verifier.verify_signature(&signed, request.as_ref(), &trust, now))
        .context("the signature cannot be verified")?;
    let status = serde_json::to_value(verdict.status)?;
    let status = status.as_str().unwrap_or_default().to_owned();
    let disclosed: Vec<Value> = serde_json::to_value(&verdict.disclosed)?
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .map(|a| {
            json!({
                "id": a["id"],
                "value": a["rawvalue"],
                "status": a["status"],
            })
        })
        .collect();
    let timestamp = signed.timestamp.as_ref().map(|t| {
        json!({"time": t.time, "server": conf_server(&conf, &signed).unwrap_or(t.server_url.clone())})
    });
    if args.json {
        let out = json!({
            "proofStatus": status,
            "disclosed": disclosed,
            "message": signed.message,
            "timestamp": timestamp,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("Proof status: {status}");
        println!("Message: {}", signed.message);
        match &timestamp {
            Some(t) => println!(
                "Timestamp: {} (server {})",
                t["time"],
                t["server"].as_str().unwrap_or_default()
            ),
            None => println!("Timestamp: none"),
        }
        println!("Disclosed attributes:");
        for a in &disclosed {
            let value = a["value"]
                .as_str()
                .map_or("(null)".to_owned(), str::to_owned);
            println!(
                "  {}: {} [{}]",
                a["id"].as_str().unwrap_or_default(),
                value,
                a["status"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if verdict.status == ProofStatus::Valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VALID)
    })
}

/// The timestamp server the scheme of the first proof names (what the key is checked with).
fn conf_server(conf: &Configuration, signed: &SignedMessage<ProofD>) -> Option<String> {
    let meta = signed.signature.first()?.a_disclosed.get(&1)?;
    let meta = crate::protocol::attributes::MetadataAttribute::from_int(meta).ok()?;
    let ct = conf.credential_type_by_hash(&meta.credential_type_hash())?;
    conf.timestamp_server(&ct.id.scheme()).map(str::to_owned)
}
