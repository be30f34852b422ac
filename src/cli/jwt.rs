//! `irma jwt sign` and `irma jwt verify`: make requestor JWTs and check any IRMA JWT.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::jwt::keys::{HmacKey, RsaPrivateKey, RsaPublicKey, SigningKey, VerifyingKey};
use crate::jwt::request::{RequestBody, sign_request};
use crate::jwt::verify::{DEFAULT_LEEWAY, Jwt, TimeCheck};
use crate::requestor::http::{Authentication, RequestorClient};

/// Largest key file or JSON request we read.
const MAX_INPUT: u64 = 10 << 20;

/// The `irma jwt` subcommands.
#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Sign a session request (JSON) as a requestor JWT, as `irma request -a hmac|rsa` does.
    ///
    /// The request may be plain (top-level `@context`) or extended (`{"request":{…}}`,
    /// with `validity`, `callbackUrl`, …); the session type comes from the `@context`.
    /// Prints the JWT, to POST to an IRMA server's `/session` as `text/plain`.
    Sign(SignArgs),
    /// Show a JWT, say what it is, and check its signature and times.
    ///
    /// Recognises session requests (disclosure, signature, issuance), revocation requests,
    /// session results and getproof results. Exits with status 0 only when the token is
    /// valid.
    Verify(VerifyArgs),
}

/// How `irma jwt sign` signs.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum AuthMethod {
    /// HS256 with a base64 HMAC key (server auth method `hmac`).
    Hmac,
    /// RS256 with an RSA private key in PEM (server auth method `publickey`).
    Rsa,
}

/// Arguments of `irma jwt sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Session request JSON file; `-` reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    file: PathBuf,
    /// Signing method.
    #[arg(short = 'a', long = "auth-method", alias = "authmethod", value_enum)]
    auth_method: AuthMethod,
    /// HMAC key (base64) or RSA private key (PEM); if this names an existing file, its
    /// contents are the key.
    #[arg(long, value_name = "KEY|FILE")]
    key: String,
    /// Requestor name: the `iss` claim.
    #[arg(long, default_value = "")]
    name: String,
}

/// Arguments of `irma jwt verify`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("key_source").required(true).args(["key", "hmac_key", "server"])))]
pub struct VerifyArgs {
    /// The JWT; `-` reads standard input.
    #[arg(value_name = "TOKEN")]
    token: String,
    /// Key file: an RSA public key in PEM (a private key works too), else a base64 HMAC key.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// HMAC key in base64.
    #[arg(long, value_name = "BASE64")]
    hmac_key: Option<String>,
    /// Fetch the RSA public key from an IRMA server's `URL/publickey` (https; plain http
    /// only to a loopback address).
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Maximum age of `iat` in seconds (a server's `max_request_age`); `iat` is then required.
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
    /// Clock-skew tolerance in seconds for `exp`, `nbf` and `iat`.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_LEEWAY)]
    leeway: u64,
    /// Check the times as of this unix time instead of now, e.g. to audit an old token.
    #[arg(long, value_name = "UNIX_TIME")]
    at: Option<i64>,
    /// Print one JSON object: kind, header, claims, valid, error.
    #[arg(long)]
    json: bool,
}

/// Runs an `irma jwt` subcommand.
pub(super) fn run(cmd: JwtCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JwtCommand::Sign(args) => sign(args),
        JwtCommand::Verify(args) => verify(args),
    }
}

fn sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let text = read_input(&args.file)?;
    let json: Value = serde_json::from_slice(&text).context("the session request is not JSON")?;
    let request = RequestBody::from_json(json)?;
    let key = signing_key(args.auth_method, &args.key)?;
    let token = sign_request(&request, &args.name, &key, unix_now()?)?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let token = if args.token == "-" {
        String::from_utf8(read_input(Path::new("-"))?).context("the token is not UTF-8")?
    } else {
        args.token.clone()
    };
    let jwt = Jwt::decode(&token).context("not a JWT")?;
    let key = if let Some(path) = &args.key {
        key_from_file(path)?
    } else if let Some(b64) = &args.hmac_key {
        VerifyingKey::Hmac(HmacKey::from_base64(b64.as_bytes())?)
    } else if let Some(url) = &args.server {
        VerifyingKey::Rsa(fetch_public_key(url)?)
    } else {
        bail!("give --key, --hmac-key or --server");
    };
    let time = TimeCheck {
        now: match args.at {
            Some(at) => at,
            None => unix_now()?,
        },
        leeway: args.leeway,
        max_age: args.max_age,
    };
    let outcome = jwt.verify(&key, &time);
    let kind = jwt.kind().describe();
    if args.json {
        let report = json!({
            "kind": kind,
            "header": jwt.header(),
            "claims": jwt.claims(),
            "valid": outcome.is_ok(),
            "error": outcome.as_ref().err().map(ToString::to_string),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("kind: {kind}");
        println!("header: {}", Value::Object(jwt.header().clone()));
        println!("claims: {}", serde_json::to_string_pretty(jwt.claims())?);
    }
    Ok(match outcome {
        Ok(_) => {
            if !args.json {
                println!(
                    "valid: {} signature verified; times checked at {} (leeway {} s)",
                    if matches!(key, VerifyingKey::Hmac(_)) {
                        "HS256"
                    } else {
                        "RS256"
                    },
                    time.now,
                    time.leeway
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("irma: invalid jwt: {e}");
            ExitCode::FAILURE
        }
    })
}

/// The signing key of `--key` (a value, or a file holding it) for `method`.
pub(super) fn signing_key(method: AuthMethod, key: &str) -> anyhow::Result<SigningKey> {
    let bytes = key_argument(key)?;
    Ok(match method {
        AuthMethod::Hmac => SigningKey::Hmac(HmacKey::from_base64(&bytes)?),
        AuthMethod::Rsa => SigningKey::Rsa(RsaPrivateKey::from_pem(&bytes)?),
    })
}

/// Reads a file, or standard input for `-`, up to [`MAX_INPUT`] bytes.
pub(super) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_INPUT)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT).read_to_end(&mut buf))
            .with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(buf)
}

/// `--key` of `irma jwt sign`: the contents of the file it names if that is an existing
/// regular file, else the value itself (as irmago's `configureJWTKey`).
pub(super) fn key_argument(value: &str) -> anyhow::Result<Vec<u8>> {
    let path = Path::new(value);
    if path.is_file() {
        read_input(path)
    } else {
        Ok(value.as_bytes().to_vec())
    }
}

/// A verification key from a file: PEM RSA public key, PEM RSA private key (its public
/// half), or a base64 HMAC key.
fn key_from_file(path: &Path) -> anyhow::Result<VerifyingKey> {
    let bytes = read_input(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let key = if !text.contains("-----BEGIN") {
        VerifyingKey::Hmac(HmacKey::from_base64(text.trim().as_bytes())?)
    } else if text.contains("PRIVATE KEY-----") {
        VerifyingKey::Rsa(RsaPrivateKey::from_pem(&bytes)?.public_key().clone())
    } else {
        VerifyingKey::Rsa(RsaPublicKey::from_pem(&bytes)?)
    };
    Ok(key)
}

/// GET `{url}/publickey` (the server's JWT key, PKIX PEM).
fn fetch_public_key(url: &str) -> anyhow::Result<RsaPublicKey> {
    let base = reqwest::Url::parse(url).with_context(|| format!("invalid server URL {url}"))?;
    let loopback = base.host_str().is_some_and(|host| {
        let ip = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || ip
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match base.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => bail!(
            "refusing {scheme}:// for {url}: use https (plain http only to a loopback address)"
        ),
    }
    let client = RequestorClient::new(url, Authentication::None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    Ok(runtime.block_on(client.public_key())?)
}

pub(super) fn unix_now() -> anyhow::Result<i64> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs();
    Ok(i64::try_from(secs)?)
}
