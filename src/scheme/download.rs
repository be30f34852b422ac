//! Installing and updating schemes, issuer and requestor schemes, over HTTP(S) (irmago
//! `irma/schemes.go` `installScheme`, `UpdateScheme`), atomically.
//!
//! Both build the new scheme in a hidden `.tempscheme-*` folder next to the target, check
//! every downloaded file against the signed index, verify and parse the result like
//! [`Configuration::load`], and only then move it into place with `rename`. On any failure
//! the existing scheme is untouched and the temporary folder is removed.
//!
//! URLs must be `https://`, except on loopback hosts (`localhost`, `127.0.0.0/8`, `::1`),
//! which may use `http://` for local testing. Every request has a time limit and every
//! file a size cap.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use super::configuration::Configuration;
use super::error::Error;
use super::index::{FileHash, Index};
use super::keys::{SchemeKeyError, SchemePublicKey};
use super::storage::{TempDir, copy_dir, replace_dir};
use super::verify::{SchemeKind, parse_timestamp};
use crate::protocol::identifiers::SchemeId;

/// The pinned public key of `https://schemes.yivi.app/irma-demo` (irmago `DefaultSchemes`).
pub const IRMA_DEMO_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHVnmAY+kGkFZn7XXozdI4HY8GOjm
54ngh4chTfn6WsTCf2w5rprfIqML61z2VTE4k8yJ0Z1QbyW6cdaao8obTQ==
-----END PUBLIC KEY-----
";

/// The pinned public key of `https://schemes.yivi.app/pbdf` (irmago `DefaultSchemes`).
pub const PBDF_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELzHV5ipBimWpuZIDaQQd+KmNpNop
dpBeCqpDwf+Grrw9ReODb6nwlsPJ/c/gqLnc+Y3sKOAJ2bFGI+jHBSsglg==
-----END PUBLIC KEY-----
";

/// How many files are fetched at the same time.
const PARALLEL_DOWNLOADS: usize = 8;
/// How many redirects a request may follow.
const MAX_REDIRECTS: usize = 5;

/// Where to download a scheme from, and which key to trust.
#[derive(Debug, Clone)]
pub struct SchemePointer {
    /// The scheme URL (the folder holding `description.xml`).
    pub url: String,
    /// A pinned `pk.pem`; `None` trusts whatever `{url}/pk.pem` serves (trust on first use).
    pub public_key: Option<String>,
}

impl SchemePointer {
    /// A scheme whose key is downloaded from the scheme itself and trusted on first use.
    pub fn tofu(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            public_key: None,
        }
    }
}

/// The default schemes `irma-demo` and `pbdf` with their pinned keys.
pub fn default_schemes() -> Vec<SchemePointer> {
    vec![
        SchemePointer {
            url: "https://schemes.yivi.app/irma-demo".to_owned(),
            public_key: Some(IRMA_DEMO_PUBLIC_KEY.to_owned()),
        },
        SchemePointer {
            url: "https://schemes.yivi.app/pbdf".to_owned(),
            public_key: Some(PBDF_PUBLIC_KEY.to_owned()),
        },
    ]
}

/// Limits for downloads.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Time limit for each request, including reading its body.
    pub timeout: Duration,
    /// Largest file accepted, in bytes.
    pub max_file_size: usize,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_file_size: 32 << 20,
        }
    }
}

/// Progress of a download, for a progress bar or log lines.
#[derive(Debug)]
pub enum Event<'a> {
    /// Starting to fetch `files` files of `scheme`.
    Start {
        /// The scheme id.
        scheme: &'a str,
        /// Number of files to fetch.
        files: usize,
    },
    /// One file fetched and checked.
    File {
        /// Its path relative to the scheme.
        path: &'a str,
    },
    /// Something worth telling the user.
    Message(&'a str),
}

/// Receives [`Event`]s.
pub trait Progress {
    /// Called for every event, in order.
    fn event(&mut self, event: Event<'_>);
}

/// Discards all events.
impl Progress for () {
    fn event(&mut self, _: Event<'_>) {}
}

/// What an install or update did.
#[derive(Debug, Clone, Serialize)]
pub struct DownloadReport {
    /// The scheme id.
    pub scheme: String,
    /// The scheme folder.
    pub path: PathBuf,
    /// `installed`, `updated` or `up-to-date`.
    pub action: &'static str,
    /// Number of files downloaded.
    pub downloaded: usize,
    /// The scheme's timestamp after the operation.
    pub timestamp: i64,
}

impl fmt::Display for DownloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({} files downloaded, timestamp {}) at {}",
            self.scheme,
            self.action,
            self.downloaded,
            self.timestamp,
            self.path.display()
        )
    }
}

/// Why a download or update failed. The existing scheme, if any, is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The URL is malformed or uses plain HTTP to a non-loopback host.
    #[error("refusing URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The request failed (connection, timeout, truncated body).
    #[error("GET {url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// The client's error.
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("GET {url}: HTTP status {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A file is larger than the cap.
    #[error("GET {url}: file larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The remote index signature does not verify.
    #[error(
        "{url}/index.sig: ecdsa signature over the remote index is invalid for the {key} public key"
    )]
    Signature {
        /// The scheme URL.
        url: String,
        /// `pinned`, `downloaded` or `local`.
        key: &'static str,
    },
    /// The remote timestamp is not the one the signed index lists.
    #[error("{url}/timestamp: does not match the hash in the signed index")]
    Timestamp {
        /// The scheme URL.
        url: String,
    },
    /// A downloaded file does not match its signed hash.
    #[error("{url}: hash of downloaded file {file} does not match the signed index")]
    HashMismatch {
        /// The file URL.
        url: String,
        /// The file, in index form.
        file: String,
    },
    /// The scheme is already installed.
    #[error("{path} already exists; use `irma scheme update`")]
    AlreadyInstalled {
        /// The existing folder.
        path: PathBuf,
    },
    /// The remote description's id differs from the local scheme's.
    #[error("remote scheme at {url} has id {remote}, expected {local}")]
    IdMismatch {
        /// The scheme URL.
        url: String,
        /// The remote id.
        remote: String,
        /// The local id.
        local: String,
    },
    /// A public key is malformed.
    #[error("{what}: {error}")]
    Key {
        /// Which key.
        what: String,
        /// What is wrong.
        error: SchemeKeyError,
    },
    /// Local files could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The local scheme, or the downloaded result, does not verify.
    #[error(transparent)]
    Scheme(#[from] Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |error| DownloadError::Io {
        path: path.to_owned(),
        error,
    }
}

/// Checks a scheme URL: `https`, or `http` to a loopback host. Returns it without trailing `/`.
pub fn check_url(url: &str) -> Result<Url, DownloadError> {
    let trimmed = url.trim().trim_end_matches('/');
    let bad = |reason: &str| DownloadError::Url {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if !url_allowed(&parsed) {
        return Err(bad(
            "plain http is only allowed to loopback hosts; use https",
        ));
    }
    Ok(parsed)
}

fn url_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host_str().is_some_and(|h| {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            h.eq_ignore_ascii_case("localhost")
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }),
        _ => false,
    }
}

/// An HTTP client fetching files below one scheme URL.
#[derive(Clone)]
struct Fetcher {
    client: reqwest::Client,
    base: Arc<str>,
    max: usize,
}

impl Fetcher {
    fn new(base: &Url, opts: &DownloadOptions) -> Result<Self, DownloadError> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if !url_allowed(attempt.url()) {
                attempt.error("redirect to plain http on a non-loopback host")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .redirect(policy)
            .user_agent(concat!("irma/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DownloadError::Http {
                url: base.to_string(),
                source: e,
            })?;
        Ok(Self {
            client,
            base: Arc::from(base.as_str().trim_end_matches('/')),
            max: opts.max_file_size,
        })
    }

    fn url(&self, rel: &str) -> String {
        format!("{}/{rel}", self.base)
    }

    /// GETs `{base}/{rel}`; `Ok(None)` on 404.
    async fn get_optional(&self, rel: &str) -> Result<Option<Vec<u8>>, DownloadError> {
        let url = self.url(rel);
        let http = |source| DownloadError::Http {
            url: url.clone(),
            source,
        };
        let mut resp = self.client.get(&url).send().await.map_err(http)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(DownloadError::Status {
                url,
                status: status.as_u16(),
            });
        }
        let too_large = || DownloadError::TooLarge {
            url: url.clone(),
            limit: self.max,
        };
        if resp.content_length().is_some_and(|n| n > self.max as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(http)? {
            if body.len() + chunk.len() > self.max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }

    async fn get(&self, rel: &str) -> Result<Vec<u8>, DownloadError> {
        self.get_optional(rel)
            .await?
            .ok_or_else(|| DownloadError::Status {
                url: self.url(rel),
                status: 404,
            })
    }

    /// GETs a file and checks it against its signed hash.
    async fn get_signed(
        &self,
        rel: &str,
        id: &SchemeId,
        want: &FileHash,
    ) -> Result<Vec<u8>, DownloadError> {
        let bytes = self.get(rel).await?;
        if Sha256::digest(&bytes).as_slice() != want {
            return Err(DownloadError::HashMismatch {
                url: self.url(rel),
                file: format!("{id}/{rel}"),
            });
        }
        Ok(bytes)
    }
}

/// The signed state of a remote scheme.
struct Remote {
    index: Index,
    index_bytes: Vec<u8>,
    sig: Vec<u8>,
    timestamp_bytes: Vec<u8>,
    timestamp: i64,
}

/// Fetches and checks `index`, `index.sig` and `timestamp` (irmago `checkRemoteTimestamp`).
async fn fetch_remote(
    f: &Fetcher,
    id: &SchemeId,
    key: &SchemePublicKey,
    key_kind: &'static str,
) -> Result<Remote, DownloadError> {
    let index_bytes = f.get("index").await?;
    let sig = f.get("index.sig").await?;
    let timestamp_bytes = f.get("timestamp").await?;
    if !key.verify(&index_bytes, &sig) {
        return Err(DownloadError::Signature {
            url: f.base.to_string(),
            key: key_kind,
        });
    }
    let index = Index::parse(id, &index_bytes, Path::new(&f.url("index")))?;
    let ts_ok = index
        .hash("timestamp")
        .is_some_and(|h| Sha256::digest(&timestamp_bytes).as_slice() == h);
    let timestamp = parse_timestamp(&timestamp_bytes)
        .filter(|_| ts_ok)
        .ok_or_else(|| DownloadError::Timestamp {
            url: f.base.to_string(),
        })?;
    Ok(Remote {
        index,
        index_bytes,
        sig,
        timestamp_bytes,
        timestamp,
    })
}

/// Updates every scheme of `conf`, issuer and requestor schemes, from its URL (irmago
/// `UpdateSchemes`); returns each scheme folder with what happened to it.
pub async fn update_all(
    conf: &Configuration,
    opts: &DownloadOptions,
) -> Vec<(PathBuf, Result<DownloadReport, DownloadError>)> {
    let mut out = Vec::new();
    for dir in conf.all_schemes().map(|s| s.path.to_owned()) {
        let result = update(&dir, opts, &mut ()).await;
        out.push((dir, result));
    }
    out
}

/// Downloads and installs the scheme `pointer` into the `irma_configuration` folder `dest`
/// as `dest/<scheme id>`, which must not exist yet.
pub async fn install(
    dest: &Path,
    pointer: &SchemePointer,
    opts: &DownloadOptions,
    progress: &mut (dyn Progress + Send),
) -> Result<DownloadReport, DownloadError> {
    let (base, kind) = scheme_base(&pointer.url)?;
    let f = Fetcher::new(&base, opts)?;
    let (scheme_kind, desc) = fetch_description(&f, kind).await?;
    let id = super::sign::scheme_id_of(scheme_kind, &desc, &f.url(scheme_kind.description_file()))?;
    let target = dest.join(id.as_str());
    if fs::symlink_metadata(&target).is_ok() {
        return Err(DownloadError::AlreadyInstalled { path: target });
    }
    let (pk_pem, kind) = match &pointer.public_key {
        Some(pem) => (pem.clone().into_bytes(), "pinned"),
        None => (f.get("pk.pem").await?, "downloaded"),
    };
    let key = std::str::from_utf8(&pk_pem)
        .map_err(|_| SchemeKeyError::PublicKey("not UTF-8".to_owned()))
        .and_then(SchemePublicKey::from_pem)
        .map_err(|error| DownloadError::Key {
            what: format!("public key of {}", f.base),
            error,
        })?;
    let remote = fetch_remote(&f, &id, &key, kind).await?;

    fs::create_dir_all(dest).map_err(io(dest))?;
    let tmp = TempDir::new(dest, ".tempscheme")?;
    let new = tmp.0.join(id.as_str());
    fs::create_dir(&new).map_err(io(&new))?;
    write(&new.join("pk.pem"), &pk_pem)?;
    write_remote_state(&new, &remote)?;
    let wanted: Vec<(String, FileHash)> = remote
        .index
        .files()
        .filter(|(rel, _)| *rel != "timestamp")
        .map(|(rel, h)| (rel.to_owned(), *h))
        .collect();
    let downloaded = fetch_files(&f, &id, &new, wanted, progress).await?;
    if scheme_kind == SchemeKind::Requestor {
        fetch_logos(&f, &remote.index, &new).await?;
    }
    let conf = Configuration::load(&new)?;
    // Private keys are unsigned extras (never indexed), so they do not change the verdict.
    fetch_demo_private_keys(&f, &conf, &new, progress).await;
    fs::rename(&new, &target).map_err(io(&target))?;
    Ok(DownloadReport {
        scheme: id.to_string(),
        path: target,
        action: "installed",
        downloaded,
        timestamp: remote.timestamp,
    })
}

/// Updates the scheme folder `dir` from its `<Url>` if the remote timestamp is newer,
/// fetching only new and changed files. The remote index must verify with the local `pk.pem`.
pub async fn update(
    dir: &Path,
    opts: &DownloadOptions,
    progress: &mut (dyn Progress + Send),
) -> Result<DownloadReport, DownloadError> {
    let local_conf = Configuration::load(dir)?;
    let Some(local) = local_conf.all_schemes().next() else {
        return Err(Error::NoSchemes {
            path: dir.to_owned(),
        }
        .into());
    };
    let id = local.id.clone();
    let base = check_url(local.url)?;
    let f = Fetcher::new(&base, opts)?;
    let remote = fetch_remote(&f, &id, local.public_key, "local").await?;
    if remote.timestamp <= local.timestamp {
        progress.event(Event::Message(&format!(
            "{id}: up to date (local timestamp {}, remote {})",
            local.timestamp, remote.timestamp
        )));
        return Ok(DownloadReport {
            scheme: id.to_string(),
            path: dir.to_owned(),
            action: "up-to-date",
            downloaded: 0,
            timestamp: local.timestamp,
        });
    }

    let parent = dir.parent().unwrap_or(Path::new("."));
    let tmp = TempDir::new(parent, ".tempscheme")?;
    let new = tmp.0.join(id.as_str());
    copy_dir(dir, &new)?;
    // Files the new index no longer lists must go, or verification would refuse them.
    for (rel, _) in local.index.files() {
        if remote.index.hash(rel).is_none() {
            let p = new.join(rel);
            fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    write_remote_state(&new, &remote)?;
    let wanted: Vec<(String, FileHash)> = remote
        .index
        .files()
        .filter(|(rel, h)| *rel != "timestamp" && local.index.hash(rel) != Some(*h))
        .map(|(rel, h)| (rel.to_owned(), *h))
        .collect();
    let downloaded = fetch_files(&f, &id, &new, wanted, progress).await?;
    if local.kind == SchemeKind::Requestor {
        fetch_logos(&f, &remote.index, &new).await?;
    }
    let conf = Configuration::load(&new)?;
    // Private keys are unsigned extras (never indexed), so they do not change the verdict.
    fetch_demo_private_keys(&f, &conf, &new, progress).await;

    replace_dir(parent, &new, dir)?;
    Ok(DownloadReport {
        scheme: id.to_string(),
        path: dir.to_owned(),
        action: "updated",
        downloaded,
        timestamp: remote.timestamp,
    })
}

/// The scheme URL without a trailing `/description.xml` or `/description.json`, and the
/// kind that file names (irmago `downloadScheme` accepts both forms).
fn scheme_base(url: &str) -> Result<(Url, Option<SchemeKind>), DownloadError> {
    let trimmed = url.trim().trim_end_matches('/');
    for kind in [SchemeKind::Issuer, SchemeKind::Requestor] {
        if let Some(base) = trimmed.strip_suffix(&format!("/{}", kind.description_file())) {
            return Ok((check_url(base)?, Some(kind)));
        }
    }
    Ok((check_url(trimmed)?, None))
}

/// Fetches the scheme description: `description.xml` of an issuer scheme, else (on 404)
/// `description.json` of a requestor scheme; only the one `kind` names when given.
async fn fetch_description(
    f: &Fetcher,
    kind: Option<SchemeKind>,
) -> Result<(SchemeKind, Vec<u8>), DownloadError> {
    let kinds = match kind {
        Some(k) => vec![k],
        None => vec![SchemeKind::Issuer, SchemeKind::Requestor],
    };
    for k in &kinds {
        if let Some(bytes) = f.get_optional(k.description_file()).await? {
            return Ok((*k, bytes));
        }
    }
    Err(DownloadError::Status {
        url: f.url(kinds[0].description_file()),
        status: 404,
    })
}

/// Fetches the `assets/<sha256>.png` logos that the requestors and issue wizards of the
/// requestor scheme in `dir` name and that are missing, each checked against its name
/// (irmago `RequestorScheme.handleUpdateFile`).
async fn fetch_logos(f: &Fetcher, index: &Index, dir: &Path) -> Result<(), DownloadError> {
    #[derive(serde::Deserialize)]
    struct Logos {
        #[serde(default)]
        logo: Option<String>,
        #[serde(default)]
        wizards: BTreeMap<String, Logos>,
    }
    let mut logos = std::collections::BTreeSet::new();
    for (rel, _) in index.files() {
        if !rel.ends_with(".json") || rel == super::verify::DESCRIPTION_JSON {
            continue;
        }
        let path = dir.join(rel);
        let bytes = fs::read(&path).map_err(io(&path))?;
        // A malformed file is reported by the verification that follows.
        let Ok(chunk) = serde_json::from_slice::<Vec<Logos>>(&bytes) else {
            continue;
        };
        for r in chunk {
            logos.extend(r.logo);
            logos.extend(r.wizards.into_values().filter_map(|w| w.logo));
        }
    }
    for logo in logos {
        let mut hash = [0u8; 32];
        let rel = format!("assets/{logo}.png");
        let path = dir.join(&rel);
        if hex::decode_to_slice(&logo, &mut hash).is_err() || path.exists() {
            continue;
        }
        let bytes = f.get(&rel).await?;
        if Sha256::digest(&bytes).as_slice() != hash {
            return Err(DownloadError::HashMismatch {
                url: f.url(&rel),
                file: rel,
            });
        }
        let assets = dir.join("assets");
        fs::create_dir_all(&assets).map_err(io(&assets))?;
        write(&path, &bytes)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), DownloadError> {
    fs::write(path, bytes).map_err(io(path))
}

fn write_remote_state(dir: &Path, remote: &Remote) -> Result<(), DownloadError> {
    write(&dir.join("index"), &remote.index_bytes)?;
    write(&dir.join("index.sig"), &remote.sig)?;
    write(&dir.join("timestamp"), &remote.timestamp_bytes)
}

/// Fetches files (at most [`PARALLEL_DOWNLOADS`] at a time), checks each hash and writes it
/// below `dir`. Returns how many were fetched.
async fn fetch_files(
    f: &Fetcher,
    id: &SchemeId,
    dir: &Path,
    wanted: Vec<(String, FileHash)>,
    progress: &mut (dyn Progress + Send),
) -> Result<usize, DownloadError> {
    progress.event(Event::Start {
        scheme: id.as_str(),
        files: wanted.len(),
    });
    let total = wanted.len();
    let mut queue = wanted.into_iter();
    let mut tasks = JoinSet::new();
    let spawn = |tasks: &mut JoinSet<_>, (rel, hash): (String, FileHash)| {
        let f = f.clone();
        let id = id.clone();
        tasks.spawn(async move {
            let r = f.get_signed(&rel, &id, &hash).await;
            (rel, r)
        });
    };
    for item in queue.by_ref().take(PARALLEL_DOWNLOADS) {
        spawn(&mut tasks, item);
    }
    while let Some(joined) = tasks.join_next().await {
        let (rel, bytes) = joined.map_err(|e| DownloadError::Io {
            path: dir.to_owned(),
            error: std::io::Error::other(e.to_string()),
        })?;
        let bytes = bytes?;
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        write(&path, &bytes)?;
        progress.event(Event::File { path: &rel });
        if let Some(item) = queue.next() {
            spawn(&mut tasks, item);
        }
    }
    Ok(total)
}

/// For demo schemes, fetches missing issuer private keys and `sk.pem`, best effort
/// (irmago `downloadDemoPrivateKeys`). They are not signed; failures are only reported.
async fn fetch_demo_private_keys(
    f: &Fetcher,
    conf: &Configuration,
    dir: &Path,
    progress: &mut (dyn Progress + Send),
) {
    let Some(scheme) = conf.schemes().next() else {
        return;
    };
    if !scheme.description.demo {
        return;
    }
    let mut wanted = BTreeMap::new();
    if !dir.join("sk.pem").exists() {
        wanted.insert("sk.pem".to_owned(), dir.join("sk.pem"));
    }
    for issuer in conf.issuers() {
        for counter in conf.public_key_counters(&issuer.id) {
            let rel = format!("{}/PrivateKeys/{counter}.xml", issuer.id.name());
            let path = dir.join(&rel);
            if !path.exists() {
                wanted.insert(rel, path);
            }
        }
    }
    for (rel, path) in wanted {
        match f.get_optional(&rel).await {
            Ok(Some(bytes)) => {
                let ok = path.parent().is_some_and(|p| fs::create_dir_all(p).is_ok())
                    && fs::write(&path, bytes).is_ok();
                if !ok {
                    progress.event(Event::Message(&format!(
                        "could not write {}",
                        path.display()
                    )));
                }
            }
            Ok(None) => {}
            Err(e) => progress.event(Event::Message(&format!(
                "downloading demo private key {rel} failed: {e}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for ok in [
            "https://schemes.yivi.app/pbdf/",
            "http://127.0.0.1:8080/s",
            "http://127.1.2.3/s",
            "http://[::1]:1/s",
            "http://localhost/s",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/s",
            "http://10.0.0.1/s",
            "ftp://x/s",
            "file:///etc",
            "nonsense",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pinned_keys_parse() {
        for p in default_schemes() {
            SchemePublicKey::from_pem(p.public_key.as_deref().unwrap()).unwrap();
        }
    }
}
