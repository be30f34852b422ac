//! `irma meta`: show what a credential's metadata attribute says (irmago `irma meta`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use base64::Engine;
use clap::Args;
use num_bigint::BigUint;
use serde_json::json;

use crate::crypto::idemix::PublicKey;
use crate::protocol::attributes::MetadataAttribute;
use crate::protocol::calendar::format_go_utc;
use crate::protocol::identifiers::PublicKeyId;
use crate::scheme::storage::open;

/// Arguments of `irma meta`.
#[derive(Debug, Args)]
pub struct MetaArgs {
    /// The metadata attribute (attribute 0 of a credential): decimal, or base64 of its
    /// big-endian bytes.
    #[arg(value_name = "ATTRIBUTE")]
    attribute: String,
    /// Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration].
    #[arg(short = 'i', long = "irmaconf", visible_alias = "schemes-path", value_name = "PATH")]
    schemes_path: Option<PathBuf>,
    /// If specified, copy schemes from here into --irmaconf when missing there or newer
    /// [default: ~/.local/share/irma/irma_configuration_assets if it exists].
    #[arg(long = "irmaconf-assets", value_name = "PATH")]
    irmaconf_assets: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Judge IsValid at this Unix time [default: now].
    #[arg(long, value_name = "UNIX_TIME")]
    at: Option<i64>,
}

fn parse_attribute(text: &str) -> anyhow::Result<BigUint> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return BigUint::parse_bytes(text.as_bytes(), 10).context("not a decimal number");
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .context("the attribute is neither decimal nor base64")?;
    Ok(BigUint::from_bytes_be(&bytes))
}

/// Runs `irma meta`.
pub(super) fn run(args: MetaArgs) -> anyhow::Result<ExitCode> {
    let value = parse_attribute(&args.attribute)?;
    let meta = MetadataAttribute::from_int(&value).context("not a metadata attribute")?;
    let now = args.at.unwrap_or_else(crate::scheme::configuration::now);
    let (_, conf, done) = open(
        args.schemes_path.as_deref(),
        args.irmaconf_assets.as_deref(),
    )
    .context("loading schemes")?;
    for line in done {
        tracing::info!("{line}");
    }
    let hash = meta.credential_type_hash();
    let ct = conf.credential_type_by_hash(&hash);
    let identifier = match ct {
        Some(ct) => ct.id.to_string(),
        None => base64::engine::general_purpose::STANDARD.encode(hash),
    };
    let key = match ct {
        Some(ct) => {
            let id = PublicKeyId {
                issuer: ct.id.issuer(),
                counter: u32::from(meta.key_counter()),
            };
            match conf.public_key_xml(&id) {
                Some(xml) => Some(PublicKey::from_xml(xml).context("parsing the public key")?),
                None => None,
            }
        }
        None => None,
    };
    if ct.is_some() && key.is_none() {
        bail!(
            "the issuer key with counter {} is unknown",
            meta.key_counter()
        );
    }
    let credential_type = ct.map(|ct| {
        json!({
            "ID": ct.id.name(),
            "Name": ct.name,
            "IssuerID": ct.id.issuer().name(),
            "SchemeManagerID": ct.id.scheme().to_string(),
            "IsSingleton": ct.singleton,
            "DisallowDelete": ct.disallow_delete,
            "Description": ct.description,
        })
    });
    let valid = meta.is_valid_at(now);
    if args.json {
        let out = json!({
            "Identifier": identifier,
            "Signed": meta.signing_date(),
            "Expires": meta.expiry(),
            "IsValid": valid,
            "Version": meta.version(),
            "KeyCounter": meta.key_counter(),
            "KeyExpires": key.as_ref().map(PublicKey::expiry_date),
            "KeyModulusBitlen": key.as_ref().map(|k| k.n().bits()),
            "CredentialType": credential_type,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Identifier      : {identifier}");
    println!("Signed          : {}", format_go_utc(meta.signing_date()));
    println!("Expires         : {}", format_go_utc(meta.expiry()));
    println!("IsValid         : {valid}");
    println!("Version         : {}", meta.version());
    println!("KeyCounter      : {}", meta.key_counter());
    if let Some(key) = &key {
        println!("KeyExpires      : {}", format_go_utc(key.expiry_date()));
        println!("KeyModulusBitlen: {}", key.n().bits());
    }
    if let Some(ct) = credential_type {
        println!();
        println!("CredentialType  : {}", serde_json::to_string_pretty(&ct)?);
    }
    Ok(ExitCode::SUCCESS)
}
