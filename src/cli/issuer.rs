//! `irma scheme issuer …`: issuer key management (irmago `yivi/cli/irmacli/issuer-keygen.go`,
//! `irma/cmd/revocation-keypair.go`), and revocation ([`super::revoke`]).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};

use crate::crypto::idemix::{
    PrivateKey, PublicKey, SystemParameters, add_revocation_keys, generate_key_pair,
};
use crate::protocol::calendar::{add_date, parse_rfc3339};

/// Issuer key commands.
#[derive(Debug, Subcommand)]
pub enum IssuerCommand {
    /// Generate a new IRMA issuer private/public keypair.
    ///
    /// Adds an issuer key pair to the issuer directory <PATH> (default: the current
    /// directory), as PrivateKeys/<counter>.xml and PublicKeys/<counter>.xml next to any
    /// existing key pairs. The keys always include revocation material. Re-sign the scheme
    /// afterwards ("irma scheme sign").
    Keygen(KeygenArgs),
    /// Augment an IRMA private-public keypair with revocation key material.
    ///
    /// Adds newly generated revocation key material (the bases G and H and an ECDSA key) to
    /// the key pair, rewriting both files in place. This is required before credential types
    /// requiring revocation can be issued under this keypair. (New keypairs generated with
    /// "irma scheme issuer keygen" already support revocation.) Re-sign the scheme afterwards.
    RevocationKeypair(RevocationKeypairArgs),
    /// Revoke a previously issued credential identified by a given key.
    ///
    /// With URL, posts a revocation request to the revocation authority's server
    /// (<URL>/revocation, authenticated with -a, --key and --name as a session request; the
    /// requestor needs revoke_perms there). Without URL, revokes directly in the authority's
    /// database (--revocation-db-type, --revocation-db-str) with the issuer private keys in
    /// the schemes (-s); a server running on that database pushes the change at its next
    /// re-signing.
    Revoke(Box<super::revoke::RevokeArgs>),
}

/// Arguments of `irma scheme issuer revocation-keypair`.
#[derive(Debug, Args)]
pub struct RevocationKeypairArgs {
    /// The private key file (PrivateKeys/<counter>.xml).
    pub private_key: PathBuf,
    /// The public key file (PublicKeys/<counter>.xml).
    pub public_key: PathBuf,
}

/// Options of `irma scheme issuer keygen`, as the reference spells them.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The issuer directory (default: the current directory).
    pub path: Option<PathBuf>,
    /// File to write the private key to (default "PrivateKeys/$counter.xml").
    #[arg(short = 's', long = "privatekey")]
    pub private_key: Option<PathBuf>,
    /// File to write the public key to (default "PublicKeys/$counter.xml").
    #[arg(short = 'p', long = "publickey")]
    pub public_key: Option<PathBuf>,
    /// Expiry date of the key pair in RFC3339 ("2006-01-02T15:04:05+07:00"); overrides --valid-for.
    #[arg(short = 'e', long = "expirydate")]
    pub expiry_date: Option<String>,
    /// How long the key pair is valid from now: a number followed by y, M, d, h or m
    /// (years, months, days, hours, minutes), e.g. "2y". Ignored with --expirydate.
    // The reference also has `-v` for this; here `-v` is the global --verbose.
    #[arg(long = "valid-for", default_value = "1y")]
    pub valid_for: String,
    /// Key length in bits: 1024, 2048 or 4096.
    #[arg(short = 'l', long = "keylength", default_value_t = 2048)]
    pub key_length: u64,
    /// Key counter; 0 means one more than the highest PublicKeys/<n>.xml.
    #[arg(short = 'c', long = "counter", default_value_t = 0)]
    pub counter: u32,
    /// Number of attributes (bases R_0…, the secret key and metadata included).
    #[arg(short = 'a', long = "numattributes", default_value_t = 12)]
    pub num_attributes: usize,
    /// Overwrite existing key files.
    #[arg(short = 'f', long = "force-overwrite")]
    pub force_overwrite: bool,
}

/// Runs an issuer command.
pub(super) fn run(cmd: IssuerCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IssuerCommand::Keygen(args) => keygen(args),
        IssuerCommand::RevocationKeypair(args) => revocation_keypair(args),
        IssuerCommand::Revoke(args) => super::revoke::run(*args),
    }
}

/// As the reference: refuses keys that already have revocation material, then rewrites both
/// files in gabi's XML form.
fn revocation_keypair(args: RevocationKeypairArgs) -> anyhow::Result<ExitCode> {
    let sk = read_key(&args.private_key, "private key", PrivateKey::from_xml)?;
    if sk.revocation_supported() {
        bail!("private key already supports revocation");
    }
    let pk = read_key(&args.public_key, "public key", PublicKey::from_xml)?;
    if pk.revocation_supported() {
        bail!("public key already supports revocation");
    }
    let (sk, pk) = add_revocation_keys(&sk, &pk).context("failed to generate revocation keys")?;
    write_file(&args.private_key, sk.to_xml().as_bytes(), 0o600, true)
        .context("failed to write private key")?;
    write_file(&args.public_key, pk.to_xml().as_bytes(), 0o644, true)
        .context("failed to write public key")?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and parses the key file `path`; `what` names it in the error.
fn read_key<K, E>(path: &Path, what: &str, parse: fn(&str) -> Result<K, E>) -> anyhow::Result<K>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fs::read_to_string(path)
        .map_err(anyhow::Error::from)
        .and_then(|xml| Ok(parse(&xml)?))
        .with_context(|| format!("failed to read {what} {}", path.display()))
}

fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs();
    let now = i64::try_from(now).context("system clock out of range")?;
    let expiry = match &args.expiry_date {
        Some(date) => parse_rfc3339(date)
            .ok_or_else(|| anyhow!("failed to parse expirydate {date:?} (RFC3339 expected)"))?,
        None => add_period(now, &args.valid_for)
            .ok_or_else(|| anyhow!("unable to parse valid-for period"))?,
    };
    let path = match args.path {
        Some(path) => path,
        None => std::env::current_dir().context("cannot determine the current directory")?,
    };
    if !path.is_dir() {
        bail!("nonexisting path specified: {}", path.display());
    }
    let counter = match args.counter {
        0 => default_counter(&path),
        c => c,
    };
    let params = SystemParameters::for_modulus_bits(args.key_length)
        .ok_or_else(|| anyhow!("unsupported key length, should be one of [1024 2048 4096]"))?;

    let file_name = format!("{counter}.xml");
    let private_file = default_file(args.private_key, &path, "PrivateKeys", 0o700, &file_name)?;
    let public_file = default_file(args.public_key, &path, "PublicKeys", 0o755, &file_name)?;
    // Refuse before spending minutes on the primes; the writes below check again.
    if !args.force_overwrite && (private_file.exists() || public_file.exists()) {
        bail!("key file already exists, will not overwrite (force with -f flag)");
    }

    println!("Generating keys (may take several minutes)");
    let (sk, pk) = generate_key_pair(params, args.num_attributes, counter, expiry)?;
    write_file(
        &private_file,
        sk.to_xml().as_bytes(),
        0o600,
        args.force_overwrite,
    )
    .map_err(|_| {
        anyhow!("private key file already exists, will not overwrite (force with -f flag)")
    })?;
    write_file(
        &public_file,
        pk.to_xml().as_bytes(),
        0o644,
        args.force_overwrite,
    )
    .map_err(|_| {
        anyhow!("public key file already exists, will not overwrite (force with -f flag)")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One more than the highest `PublicKeys/<n>.xml` (0 when there is none).
fn default_counter(path: &Path) -> u32 {
    let Ok(entries) = fs::read_dir(path.join("PublicKeys")) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".xml")?.parse::<u32>().ok())
        .map(|c| c.saturating_add(1))
        .max()
        .unwrap_or(0)
}

/// `given`, else `path/dir/file_name`, creating `dir` (with `mode` on Unix) if needed.
fn default_file(
    given: Option<PathBuf>,
    path: &Path,
    dir: &str,
    mode: u32,
    file_name: &str,
) -> anyhow::Result<PathBuf> {
    if let Some(file) = given {
        return Ok(file);
    }
    let dir = path.join(dir);
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .create(&dir)
        .with_context(|| format!("failed to create {}", dir.display()))?;
    Ok(dir.join(file_name))
}

fn write_file(file: &Path, contents: &[u8], mode: u32, overwrite: bool) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode);
        let mut f = options.open(file)?;
        // An existing file keeps its mode on open: set it explicitly.
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(contents)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        options.open(file)?.write_all(contents)
    }
}

/// `now` plus a period like `1y`, `6M`, `30d`, `12h`, `5m` (`^\d+[yMdhm]$`); years, months and
/// days move the calendar date like Go's `AddDate` (in UTC).
fn add_period(now: i64, period: &str) -> Option<i64> {
    let unit = period.chars().last()?;
    let digits = &period[..period.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    match unit {
        'm' => now.checked_add(n.checked_mul(60)?),
        'h' => now.checked_add(n.checked_mul(3600)?),
        'd' => add_date(now, 0, 0, n),
        'M' => add_date(now, 0, n, 0),
        'y' => add_date(now, n, 0, 0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates_parse_as_the_keygen_vector() {
        // The reference's keygen vector: -e 2027-11-22T00:00:00Z gave ExpiryDate 1826841600.
        assert_eq!(parse_rfc3339("2027-11-22T00:00:00Z"), Some(1_826_841_600));
    }

    #[test]
    fn periods_move_the_calendar_like_add_date() {
        let jan31 = parse_rfc3339("2025-01-31T12:00:00Z").unwrap();
        // Go normalizes 2025-02-31 to 2025-03-03.
        assert_eq!(
            add_period(jan31, "1M"),
            parse_rfc3339("2025-03-03T12:00:00Z")
        );
        assert_eq!(
            add_period(jan31, "1y"),
            parse_rfc3339("2026-01-31T12:00:00Z")
        );
        assert_eq!(
            add_period(jan31, "30d"),
            parse_rfc3339("2025-03-02T12:00:00Z")
        );
        assert_eq!(add_period(jan31, "2h"), Some(jan31 + 7200));
        assert_eq!(add_period(jan31, "5m"), Some(jan31 + 300));
        for bad in ["", "y", "1", "1w", "-1y", "1.5y", "1 y"] {
            assert_eq!(add_period(jan31, bad), None, "{bad}");
        }
    }

    #[test]
    fn counter_follows_existing_public_keys() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(default_counter(dir.path()), 0);
        fs::create_dir(dir.path().join("PublicKeys")).unwrap();
        for name in ["0.xml", "4.xml", "notanumber.xml", "7.txt"] {
            fs::write(dir.path().join("PublicKeys").join(name), "").unwrap();
        }
        assert_eq!(default_counter(dir.path()), 5);
    }

    #[test]
    fn keygen_writes_a_key_pair_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let args = || KeygenArgs {
            path: Some(dir.path().to_owned()),
            private_key: None,
            public_key: None,
            expiry_date: Some("2027-11-22T00:00:00Z".into()),
            valid_for: "1y".into(),
            key_length: 1024,
            counter: 0,
            num_attributes: 6,
            force_overwrite: false,
        };
        keygen(args()).unwrap();
        let public = fs::read_to_string(dir.path().join("PublicKeys/0.xml")).unwrap();
        let pk = crate::crypto::idemix::PublicKey::from_xml(&public).unwrap();
        assert_eq!(
            (pk.counter(), pk.expiry_date(), pk.bases().len()),
            (0, 1_826_841_600, 6)
        );
        let private = dir.path().join("PrivateKeys/0.xml");
        let sk =
            crate::crypto::idemix::PrivateKey::from_xml(&fs::read_to_string(&private).unwrap())
                .unwrap();
        assert_eq!(sk.n(), pk.n());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&private), 0o600);
            // The folder of private keys is the owner's only.
            assert_eq!(mode(&dir.path().join("PrivateKeys")), 0o700);
        }
        // The next run takes counter 1; an explicit existing counter is refused without -f.
        keygen(args()).unwrap();
        assert!(dir.path().join("PublicKeys/1.xml").exists());
        let again = KeygenArgs {
            counter: 1,
            ..args()
        };
        assert!(keygen(again).is_err());
        let bad = KeygenArgs {
            key_length: 3072,
            ..args()
        };
        assert!(keygen(bad).is_err());
    }
}
