//! `irma request`, and the request flags it shares with `irma session`: build a session
//! request from `--disclose`, `--sign` + `--message`, `--issue` (checked against the
//! schemes) or take one from `--request`, as irmago `yivi/cli/irmacli/request.go`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::Value;

use super::jwt::{self, key_argument};
use crate::jwt::request::{RequestBody, RequestKind, sign_request};
use crate::protocol::identifiers::{AttributeTypeId, CredentialTypeId};
use crate::protocol::request::{CredentialRequest, RequestorRequest};
use crate::requestor::builder::{
    Conjunction, DisclosureBuilder, Disjunction, IssuanceBuilder, SignatureBuilder,
    credential_from_values,
};
use crate::requestor::http::Authentication;
use crate::scheme::storage::open;
use crate::scheme::{Configuration, default_schemes_path};
use crate::verifier::credential_type_info;

/// How a request reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum AuthMethod {
    /// Plain JSON, no authentication.
    None,
    /// Plain JSON with `--key` as the `Authorization` header.
    Token,
    /// A JWT signed with HS256, `--key` being the base64 HMAC key.
    Hmac,
    /// A JWT signed with RS256, `--key` being an RSA private key in PEM.
    Rsa,
}

/// Where the schemes are: `-s/--schemes-path` and `--schemes-assets-path` (of `irma request`,
/// `irma session` and `irma issuer revoke`).
#[derive(Debug, Args)]
pub(super) struct SchemeFlags {
    /// Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration, filled with the built-in schemes].
    #[arg(short = 's', long, value_name = "PATH")]
    schemes_path: Option<PathBuf>,
    /// If specified, copy schemes from here into --schemes-path when missing there or newer
    /// [default: ~/.local/share/irma/irma_configuration_assets if it exists].
    #[arg(long, value_name = "PATH")]
    schemes_assets_path: Option<PathBuf>,
}

impl SchemeFlags {
    /// The schemes folder.
    pub(super) fn path(&self) -> PathBuf {
        default_schemes_path(self.schemes_path.as_deref())
    }

    /// Prepares the schemes folder (assets, built-in schemes) and loads the schemes.
    pub(super) fn load(&self) -> anyhow::Result<Configuration> {
        let (path, conf, done) = open(
            self.schemes_path.as_deref(),
            self.schemes_assets_path.as_deref(),
        )
        .with_context(|| format!("loading schemes from {}", self.path().display()))?;
        for line in done {
            tracing::info!("{line}");
        }
        tracing::debug!(path = %path.display(), "schemes loaded");
        Ok(conf)
    }
}

/// How to authenticate to a server: `-a/--auth-method`, `--key` and `--name` (of `irma
/// request`, `irma session` and `irma issuer revoke`).
#[derive(Debug, Args)]
pub(super) struct AuthFlags {
    /// Authentication method to the server.
    #[arg(
        short = 'a',
        long = "auth-method",
        alias = "authmethod",
        value_enum,
        default_value = "none"
    )]
    pub(super) auth_method: AuthMethod,
    /// Key to authenticate with: the token, the base64 HMAC key or the PEM RSA private key;
    /// if this names an existing file, its contents are the key.
    #[arg(long, value_name = "KEY|FILE")]
    key: Option<String>,
    /// Requestor name (the `iss` of request JWTs).
    #[arg(long, default_value = "")]
    name: String,
}

/// The request flags of `irma request` and `irma session`.
#[derive(Debug, Args)]
pub(super) struct RequestFlags {
    #[command(flatten)]
    schemes: SchemeFlags,
    #[command(flatten)]
    auth: AuthFlags,
    /// Add an attribute disjunction: comma-separated attribute ids, one of which is disclosed
    /// (repeatable).
    #[arg(long, value_name = "ATTRIBUTES")]
    disclose: Vec<String>,
    /// Add a credential to issue: `CREDTYPE=v1,v2,…`, the values in scheme order,
    /// random-blind and revocation attributes left out (repeatable).
    #[arg(long, value_name = "CREDTYPE=VALUES")]
    issue: Vec<String>,
    /// Add an attribute disjunction to a signature session (repeatable).
    #[arg(long, value_name = "ATTRIBUTES")]
    sign: Vec<String>,
    /// Message to sign in a signature session.
    #[arg(long)]
    message: Option<String>,
    /// Revocation key of the credentials to issue that support revocation.
    #[arg(long, value_name = "KEY")]
    revocation_key: Option<String>,
    /// A complete session request (plain or extended JSON), or a file holding one.
    #[arg(short = 'r', long, value_name = "JSON|FILE")]
    request: Option<String>,
}

const EITHER: &str = "Provide either a complete session request using --request or construct one using the other flags";

impl RequestFlags {
    /// Whether a request was given by flags or `--request`.
    pub(super) fn given(&self) -> bool {
        self.built_by_flags() || self.request.is_some()
    }

    /// Whether any of the flags that build a request was given.
    fn built_by_flags(&self) -> bool {
        !(self.disclose.is_empty()
            && self.issue.is_empty()
            && self.sign.is_empty()
            && self.message.is_none())
    }

    /// The schemes folder.
    pub(super) fn schemes_path(&self) -> PathBuf {
        self.schemes.path()
    }

    /// Prepares the schemes folder (assets, built-in schemes) and loads the schemes the
    /// flags are checked against.
    pub(super) fn load_schemes(&self) -> anyhow::Result<Configuration> {
        self.schemes.load()
    }

    /// The session request the flags describe.
    pub(super) fn build(&self, schemes: &Configuration) -> anyhow::Result<RequestorRequest> {
        if !self.built_by_flags() {
            let Some(request) = &self.request else {
                bail!(EITHER);
            };
            return parse_request(request);
        }
        if self.request.is_some() {
            bail!(EITHER);
        }
        if !self.sign.is_empty() {
            if !self.disclose.is_empty() {
                bail!(
                    "cannot combine disclosure and signature sessions, use either --disclose or --sign"
                );
            }
            if !self.issue.is_empty() {
                bail!(
                    "cannot combine issuance and signature sessions, use either --issue or --sign"
                );
            }
            let message = self.message.as_deref().unwrap_or("");
            if message.is_empty() {
                bail!("signature sessions require a message to be signed using --message");
            }
            let mut sign = disjunctions(&self.sign, schemes)?.into_iter();
            let first = sign.next().context("--sign needs attributes")?;
            let builder = SignatureBuilder::new(message, first)?;
            return Ok(sign.fold(builder, SignatureBuilder::disclose).build());
        }
        if self.message.is_some() {
            bail!("--message is for signature sessions: add --sign");
        }
        let disclose = disjunctions(&self.disclose, schemes)?;
        if self.issue.is_empty() {
            let mut disclose = disclose.into_iter();
            let first = disclose.next().context("--disclose needs attributes")?;
            return Ok(disclose
                .fold(DisclosureBuilder::new(first), DisclosureBuilder::disclose)
                .build());
        }
        let mut credentials =
            credentials(&self.issue, self.revocation_key.as_deref(), schemes)?.into_iter();
        let first = credentials.next().context("--issue needs a credential")?;
        let builder = credentials.fold(IssuanceBuilder::new(first), IssuanceBuilder::issue);
        Ok(disclose
            .into_iter()
            .fold(builder, IssuanceBuilder::disclose)
            .build())
    }

    /// How to authenticate to a server, from `-a`, `--key` and `--name`.
    pub(super) fn authentication(&self) -> anyhow::Result<Authentication> {
        self.auth.authentication()
    }
}

impl AuthFlags {
    /// How to authenticate to a server with `-a method`, `--key` and `--name`.
    pub(super) fn authentication(&self) -> anyhow::Result<Authentication> {
        let (method, key, name) = (self.auth_method, self.key.as_deref(), &self.name);
        let key = || key.with_context(|| format!("-a {method:?} needs --key"));
        Ok(match method {
            AuthMethod::None => Authentication::None,
            AuthMethod::Token => {
                let bytes = key_argument(key()?)?;
                let token = String::from_utf8(bytes).context("the token is not UTF-8")?;
                Authentication::Token(token.trim_end_matches(['\r', '\n']).to_owned())
            }
            AuthMethod::Hmac => Authentication::Jwt {
                name: name.to_owned(),
                key: jwt::signing_key(jwt::AuthMethod::Hmac, key()?)?,
            },
            AuthMethod::Rsa => Authentication::Jwt {
                name: name.to_owned(),
                key: jwt::signing_key(jwt::AuthMethod::Rsa, key()?)?,
            },
        })
    }
}

/// `-r`: JSON, or a file holding it; plain (top-level `@context`), extended, or either in
/// the legacy (pre-condiscon) form, as the reference's `ParseSessionRequest` reads it.
fn parse_request(value: &str) -> anyhow::Result<RequestorRequest> {
    let text = if value.trim_start().starts_with('{') {
        value.as_bytes().to_vec()
    } else {
        jwt::read_input(Path::new(value))?
    };
    let json: Value = serde_json::from_slice(&text).context("--request is not JSON")?;
    if RequestBody::from_json(json.clone()).is_ok_and(|b| b.kind == RequestKind::Revocation) {
        bail!("--request: a revocation request is not a session request");
    }
    let request =
        RequestorRequest::from_json(json).context("--request is not a valid session request")?;
    request.request.validate().context("--request")?;
    Ok(request)
}

/// `--disclose`/`--sign` values: one disjunction each, its options the comma-separated
/// attributes, every one known to the schemes.
fn disjunctions(flags: &[String], schemes: &Configuration) -> anyhow::Result<Vec<Disjunction>> {
    flags
        .iter()
        .map(|flag| {
            let mut options = flag.split(',').map(|id| {
                AttributeTypeId::parse(id)
                    .ok()
                    .filter(|id| schemes.attribute_type(id).is_some())
                    .map(Conjunction::new)
                    .with_context(|| format!("unknown attribute: {id}"))
            });
            // `split` yields at least one item.
            let first = options.next().context("empty attribute list")??;
            options.try_fold(Disjunction::new(first), |d, o| Ok(d.or(o?)))
        })
        .collect()
}

/// `--issue CREDTYPE=v1,v2,…` values: the values in scheme order, skipping random-blind and
/// revocation attributes.
fn credentials(
    flags: &[String],
    revocation_key: Option<&str>,
    schemes: &Configuration,
) -> anyhow::Result<Vec<CredentialRequest>> {
    let mut revocation_used = false;
    let mut out = Vec::with_capacity(flags.len());
    for flag in flags {
        let Some((id, values)) = flag.split_once('=').filter(|(_, v)| !v.contains('=')) else {
            bail!("--issue argument must contain exactly 1 = sign");
        };
        let credential_type = CredentialTypeId::parse(id)
            .ok()
            .and_then(|id| schemes.credential_type(&id))
            .with_context(|| format!("unknown credential type: {id}"))?;
        let values: Vec<&str> = values.split(',').collect();
        let revocation = credential_type.attributes.iter().any(|a| a.revocation);
        let mut request = credential_from_values(&credential_type_info(credential_type), &values)?;
        match (revocation, revocation_key) {
            (true, Some(key)) => {
                revocation_used = true;
                request.revocation_key = key.to_owned();
            }
            (true, None) => bail!("revocationKey required for {id}"),
            (false, _) => {}
        }
        out.push(request);
    }
    if revocation_key.is_some() && !revocation_used {
        bail!("revocation key specified but no credential uses revocation");
    }
    Ok(out)
}

/// Arguments of `irma request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    flags: RequestFlags,
}

/// Runs `irma request`: prints the extended request as JSON (`-a none|token`) or as a
/// signed requestor JWT (`-a hmac|rsa`).
pub(super) fn run(args: RequestArgs) -> anyhow::Result<ExitCode> {
    let flags = args.flags;
    let schemes = flags.load_schemes()?;
    let request = flags.build(&schemes)?;
    if matches!(flags.auth.auth_method, AuthMethod::None | AuthMethod::Token) {
        println!("{}", serde_json::to_string_pretty(&request)?);
        return Ok(ExitCode::SUCCESS);
    }
    let Authentication::Jwt { name, key } = flags.authentication()? else {
        bail!("-a {:?} does not sign", flags.auth.auth_method);
    };
    let body = RequestBody::from_json(serde_json::to_value(&request)?)?;
    println!("{}", sign_request(&body, &name, &key, jwt::unix_now()?)?);
    Ok(ExitCode::SUCCESS)
}
