//! `irma scheme`: verify, sign, keygen, keycopy, download and update credential schemes,
//! issuer and requestor schemes (irmago
//! `yivi/cli/irmacli/{verify,sign,keygen,keycopy,download,update}.go`).

use std::fs;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use zeroize::Zeroizing;

use crate::scheme::download::{self, DownloadOptions, Event, Progress, SchemePointer};
use crate::scheme::encrypted_key;
use crate::scheme::keys::SchemeSigningKey;
use crate::scheme::storage::{configured_schemes_path, ensure_default_assets_path, prepare_folder};
use crate::scheme::{Configuration, default_schemes_path, sign::sign_scheme, verify};

/// Manage credential schemes.
#[derive(Debug, Subcommand)]
pub enum SchemeCommand {
    /// Verify a scheme folder or a folder of schemes: signature, index, every file hash,
    /// descriptions and keys.
    ///
    /// PATH is either an irma_configuration folder (each subfolder a scheme) or one scheme,
    /// an issuer scheme (description.xml) or a requestor scheme (description.json), in a
    /// folder of any name. Without PATH: --schemes-path, else $IRMA_SCHEMES_PATH, else the
    /// current directory (as the reference: scheme maintainers run it in their clone).
    Verify {
        /// The scheme or irma_configuration folder.
        path: Option<PathBuf>,
        /// Folder verified when no PATH is given [default: $IRMA_SCHEMES_PATH, else the
        /// current directory].
        #[arg(long, value_name = "PATH")]
        schemes_path: Option<PathBuf>,
    },
    /// Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify.
    ///
    /// Careful: this rewrites files in the folder; use it on a folder you can restore.
    /// A passphrase-protected key asks for its passphrase (read from the first line of
    /// standard input when that is not a terminal).
    Sign {
        /// The scheme's private key (SEC1 PEM, or passphrase-protected as keygen --pass
        /// writes it).
        #[arg(default_value = "sk.pem")]
        privatekey: PathBuf,
        /// The scheme folder [default: the current directory].
        path: Option<PathBuf>,
        /// Skip verification of the scheme after signing it.
        #[arg(short = 'n', long)]
        noverification: bool,
    },
    /// Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files.
    Keygen {
        /// File for the private key (written with mode 0600).
        #[arg(short = 's', long, default_value = "sk.pem")]
        privatekey: PathBuf,
        /// File for the public key.
        #[arg(short = 'p', long, default_value = "pk.pem")]
        publickey: PathBuf,
        /// Ask for a passphrase to encrypt the private key (asked twice on a terminal;
        /// else the first line of standard input).
        #[arg(long)]
        pass: bool,
    },
    /// Copy a scheme private key under a new passphrase (or, with --pass=false, without
    /// one). Never overwrites files.
    Keycopy {
        /// The private key to copy.
        #[arg(short = 'i', long = "in", default_value = "sk.pem")]
        input: PathBuf,
        /// File for the copy (written with mode 0600).
        #[arg(short = 'o', long = "out", default_value = "sk-copy.pem")]
        output: PathBuf,
        /// Encrypt the copy with a new passphrase.
        #[arg(
            long,
            default_value_t = true,
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set
        )]
        pass: bool,
    },
    /// Download schemes into an irma_configuration folder.
    ///
    /// Without URLs, downloads the default schemes irma-demo and pbdf, checked against
    /// pinned public keys. With URLs, trusts the pk.pem each URL serves on first use.
    /// If the first argument is not an existing folder it is taken as a URL.
    Download {
        /// The irma_configuration folder, then scheme URLs.
        #[arg(value_name = "PATH|URL")]
        args: Vec<String>,
        #[command(flatten)]
        schemes: SchemesPathArg,
        /// Download into the schemes assets folder
        /// (~/.local/share/irma/irma_configuration_assets) instead of the schemes folder.
        #[arg(long)]
        use_schemes_assets_path: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Update schemes from their URLs when the remote timestamp is newer, downloading only
    /// changed files; each scheme is replaced atomically.
    ///
    /// Without PATHs, every scheme in the schemes folder is updated.
    Update {
        /// Scheme folders to update.
        paths: Vec<PathBuf>,
        #[command(flatten)]
        schemes: SchemesPathArg,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Manage Idemix issuer keys.
    #[command(subcommand)]
    Issuer(super::issuer::IssuerCommand),
}

/// The shared `--schemes-path` flag.
#[derive(Debug, Args)]
pub struct SchemesPathArg {
    /// Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration].
    #[arg(long, value_name = "PATH")]
    pub schemes_path: Option<PathBuf>,
}

/// Output format of download and update.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print one JSON object with the outcome instead of text and a progress bar.
    #[arg(long)]
    pub json: bool,
    /// Time limit in seconds for each HTTP request.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Runs `irma scheme`.
pub(super) fn run(cmd: SchemeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SchemeCommand::Verify { path, schemes_path } => {
            let path = match path {
                Some(path) => path,
                None => configured_schemes_path(schemes_path.as_deref())
                    .map_or_else(std::env::current_dir, Ok)
                    .context("no PATH given and the current directory is unreadable")?,
            };
            run_verify(&path)
        }
        SchemeCommand::Sign {
            privatekey,
            path,
            noverification,
        } => {
            let path = match path {
                Some(p) => p,
                None => std::env::current_dir().context("current directory")?,
            };
            run_sign(&privatekey, &path, noverification)
        }
        SchemeCommand::Keygen {
            privatekey,
            publickey,
            pass,
        } => run_keygen(&privatekey, &publickey, pass),
        SchemeCommand::Keycopy {
            input,
            output,
            pass,
        } => run_keycopy(&input, &output, pass),
        SchemeCommand::Download {
            args,
            schemes,
            use_schemes_assets_path,
            output,
        } => run_download(args, schemes, use_schemes_assets_path, output),
        SchemeCommand::Update {
            paths,
            schemes,
            output,
        } => run_update(paths, schemes, output),
        SchemeCommand::Issuer(cmd) => super::issuer::run(cmd),
    }
}

fn run_verify(path: &Path) -> anyhow::Result<ExitCode> {
    if verify::is_scheme_dir(path) {
        println!("Verifying scheme {}", path.display());
    } else {
        println!("Verifying as configuration directory {}", path.display());
    }
    let conf = Configuration::load(path).context("verification failed")?;
    for w in conf.warnings() {
        println!("Warning: {w}");
    }
    let ids: Vec<String> = conf
        .all_schemes()
        .map(|s| format!("{} ({} files)", s.id, s.index.len()))
        .collect();
    println!("Verified {}", ids.join(", "));
    println!();
    println!("Verification was successful.");
    Ok(ExitCode::SUCCESS)
}

fn run_sign(privatekey: &Path, path: &Path, noverification: bool) -> anyhow::Result<ExitCode> {
    let key = read_private_key(privatekey)?;
    if !path.is_dir() {
        bail!("{} is not a folder", path.display());
    }
    let index = sign_scheme(&key, path, crate::scheme::configuration::now())
        .context("failed to sign scheme")?;
    println!("Signed {} ({} files)", index.scheme(), index.len());
    if !noverification {
        let conf =
            Configuration::load(path).context("scheme was signed but verification failed")?;
        for w in conf.warnings() {
            println!("Warning: {w}");
        }
        println!("Verification was successful.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a scheme private key, asking for its passphrase when it is protected (irmago
/// `readPrivateKey`).
fn read_private_key(path: &Path) -> anyhow::Result<SchemeSigningKey> {
    let failed = || format!("failed to read private key {}", path.display());
    let pem = Zeroizing::new(fs::read_to_string(path).with_context(failed)?);
    if encrypted_key::is_encrypted(&pem) {
        let passphrase = read_passphrase("Enter passphrase: ")?;
        return encrypted_key::decrypt(&pem, passphrase.as_bytes()).with_context(failed);
    }
    SchemeSigningKey::from_pem(&pem).with_context(failed)
}

/// A passphrase: asked without echo on a terminal, else the next line of standard input.
fn read_passphrase(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(
            rpassword::prompt_password(prompt).context("reading the passphrase")?,
        ));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the passphrase from standard input")?;
    let trimmed = line.trim_end_matches(['\n', '\r']);
    Ok(Zeroizing::new(trimmed.to_owned()))
}

/// A new passphrase: asked twice on a terminal (irmago `promptForNewPassphrase`), else the
/// next line of standard input.
fn new_passphrase() -> anyhow::Result<Zeroizing<String>> {
    let first = read_passphrase("Enter passphrase for new key: ")?;
    if std::io::stdin().is_terminal() && *read_passphrase("Confirm passphrase: ")? != *first {
        bail!("passphrases did not match");
    }
    if first.is_empty() {
        bail!("the passphrase is empty");
    }
    Ok(first)
}

/// `sk.pem` contents for `key`: encrypted under a new passphrase with `pass`.
fn private_key_pem(key: &SchemeSigningKey, pass: bool) -> anyhow::Result<Zeroizing<String>> {
    Ok(if pass {
        encrypted_key::encrypt(key, new_passphrase()?.as_bytes())?
    } else {
        key.to_pem()?
    })
}

fn refuse_existing(paths: &[&Path]) -> anyhow::Result<()> {
    for p in paths {
        if fs::symlink_metadata(p).is_ok() {
            bail!("file {} already exists, not overwriting", p.display());
        }
    }
    Ok(())
}

fn run_keycopy(input: &Path, output: &Path, pass: bool) -> anyhow::Result<ExitCode> {
    refuse_existing(&[output])?;
    let key = read_private_key(input)?;
    let sk = private_key_pem(&key, pass)?;
    write_new(output, sk.as_bytes(), 0o600)?;
    println!("Private key written at {}", output.display());
    Ok(ExitCode::SUCCESS)
}

fn run_keygen(privatekey: &Path, publickey: &Path, pass: bool) -> anyhow::Result<ExitCode> {
    refuse_existing(&[privatekey, publickey])?;
    let key = SchemeSigningKey::generate()?;
    let sk = private_key_pem(&key, pass)?;
    let pk = key.public_key().to_pem()?;
    write_new(privatekey, sk.as_bytes(), 0o600)?;
    println!("Private key written at {}", privatekey.display());
    write_new(publickey, pk.as_bytes(), 0o644)?;
    println!("Public key written at {}", publickey.display());
    Ok(ExitCode::SUCCESS)
}

/// Creates `path` (failing if it exists) with `mode` on Unix, and writes `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

fn run_download(
    args: Vec<String>,
    schemes: SchemesPathArg,
    use_assets_path: bool,
    output: OutputArgs,
) -> anyhow::Result<ExitCode> {
    let (dest, urls) = match args.split_first() {
        Some((first, rest)) if Path::new(first).is_dir() => (PathBuf::from(first), rest.to_vec()),
        _ => {
            let dest = if use_assets_path {
                ensure_default_assets_path()?
            } else {
                default_schemes_path(schemes.schemes_path.as_deref())
            };
            if !output.json {
                println!(
                    "No irma_configuration path specified, using {}",
                    dest.display()
                );
            }
            (dest, args)
        }
    };
    let pointers = if urls.is_empty() {
        download::default_schemes()
    } else {
        urls.into_iter().map(SchemePointer::tofu).collect()
    };
    let opts = options(&output);
    let mut reporter = Reporter::new(output.json);
    let rt = runtime()?;
    let mut outcomes = Vec::new();
    for p in &pointers {
        let r = rt.block_on(download::install(&dest, p, &opts, &mut reporter));
        match r {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                return reporter
                    .fail(anyhow::Error::new(e).context(format!("downloading {} failed", p.url)));
            }
        }
    }
    reporter.finish(&outcomes);
    Ok(ExitCode::SUCCESS)
}

fn run_update(
    paths: Vec<PathBuf>,
    schemes: SchemesPathArg,
    output: OutputArgs,
) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() {
        let root = default_schemes_path(schemes.schemes_path.as_deref());
        prepare_folder(&root, None)?;
        crate::scheme::configuration::scheme_subfolders(&root)?
    } else {
        paths
    };
    for p in &paths {
        if !verify::is_scheme_dir(p) {
            bail!("{} is not a scheme", p.display());
        }
    }
    let opts = options(&output);
    let mut reporter = Reporter::new(output.json);
    let rt = runtime()?;
    let mut outcomes = Vec::new();
    for p in &paths {
        match rt.block_on(download::update(p, &opts, &mut reporter)) {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                return reporter.fail(
                    anyhow::Error::new(e).context(format!("updating {} failed", p.display())),
                );
            }
        }
    }
    reporter.finish(&outcomes);
    Ok(ExitCode::SUCCESS)
}

fn options(output: &OutputArgs) -> DownloadOptions {
    DownloadOptions {
        timeout: std::time::Duration::from_secs(output.timeout.max(1)),
        ..DownloadOptions::default()
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Shows progress: a bar on a terminal, plain lines otherwise, nothing until the end with `--json`.
struct Reporter {
    json: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Reporter {
    fn new(json: bool) -> Self {
        let bar = (!json && std::io::stdout().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg:30} [{bar:30}] {pos}/{len} files")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { json, bar }
    }

    fn finish(&mut self, outcomes: &[download::DownloadReport]) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.json {
            let v = serde_json::json!({ "success": true, "schemes": outcomes });
            println!("{v}");
        } else {
            for o in outcomes {
                println!("{o}");
            }
        }
    }

    fn fail(&mut self, err: anyhow::Error) -> anyhow::Result<ExitCode> {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
        if self.json {
            let v = serde_json::json!({ "success": false, "error": format!("{err:#}") });
            println!("{v}");
            eprintln!("irma: error: {err:#}");
            return Ok(ExitCode::FAILURE);
        }
        Err(err)
    }
}

impl Progress for Reporter {
    fn event(&mut self, event: Event<'_>) {
        match (&self.bar, self.json) {
            (Some(bar), _) => match event {
                Event::Start { scheme, files } => {
                    bar.reset();
                    bar.set_length(files as u64);
                    bar.set_message(scheme.to_owned());
                }
                Event::File { .. } => bar.inc(1),
                Event::Message(m) => bar.println(m),
            },
            (None, false) => match event {
                Event::Start { scheme, files } => {
                    println!("{scheme}: downloading {files} files");
                }
                Event::File { .. } => {}
                Event::Message(m) => println!("{m}"),
            },
            (None, true) => {}
        }
    }
}
