//! `irma scheme`: verify, sign, keygen, download, update: the real binary on real copies of
//! the shared irma-demo and pbdf schemes, and a tiny HTTP/1.1 file server on 127.0.0.1.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use irma::scheme::keys::SchemeSigningKey;
use irma::scheme::sign::sign_scheme;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::{Run, data_dir, irma, irma_env, repo_root, vector};

fn shared_scheme(name: &str) -> PathBuf {
    data_dir().join("schemes").join(name)
}

/// Copies a folder recursively, making the copy writable.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            fs::copy(entry.path(), &dst).unwrap();
            let mut perm = fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(&dst, perm).unwrap();
        }
    }
}

/// A writable copy of a shared scheme at `<tmp>/<name>`.
fn scheme_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&shared_scheme(name), &dir);
    (tmp, dir)
}

fn verify(path: &Path) -> Run {
    irma([OsStr::new("scheme"), OsStr::new("verify"), path.as_os_str()])
}

/// Every file below `dir` with its contents, for "unchanged" checks.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_owned(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tempscheme") || n.starts_with(".oldscheme"))
        .collect()
}

// ---- verify -----------------------------------------------------------------------------

#[test]
fn shared_and_bundled_schemes_verify() {
    for path in [
        shared_scheme("irma-demo"),
        shared_scheme("pbdf"),
        data_dir().join("schemes"),
        repo_root().join("schemes/irma-demo"),
        repo_root().join("schemes/pbdf"),
    ] {
        let run = verify(&path).success();
        assert!(
            run.stdout.contains("Verification was successful."),
            "{}",
            run.stdout
        );
    }
    // The reference prints this warning for the pristine irma-demo scheme.
    let run = verify(&shared_scheme("irma-demo")).success();
    assert!(
        run.stdout
            .contains("Warning: Issuer irma-demo.demo-airline has no nonexpired public keys")
    );
    // No path: the bundled schemes.
    let run = irma_env(&[], ["scheme", "verify"]).success();
    assert!(
        run.stdout.contains("irma-demo") && run.stdout.contains("pbdf"),
        "{}",
        run.stdout
    );
}

#[test]
fn schemes_path_resolution_prefers_flag_then_env() {
    let (_tmp, dir) = scheme_copy("irma-demo");
    fs::remove_file(dir.join("MijnOverheid/Issues/address/description.xml")).unwrap();
    let broken = dir.parent().unwrap().as_os_str();
    // The env var points at a broken configuration: verify fails.
    irma_env(&[("IRMA_SCHEMES_PATH", broken)], ["scheme", "verify"]).failure();
    // The flag wins over the env var.
    let bundled = repo_root().join("schemes");
    irma_env(
        &[("IRMA_SCHEMES_PATH", broken)],
        [
            OsStr::new("scheme"),
            OsStr::new("verify"),
            OsStr::new("--schemes-path"),
            bundled.as_os_str(),
        ],
    )
    .success();
}

/// Applies `tamper` to a copy of irma-demo; verify must fail with stderr containing all `needles`.
fn assert_tampered_fails(tamper: impl FnOnce(&Path), needles: &[&str]) {
    let (_tmp, dir) = scheme_copy("irma-demo");
    tamper(&dir);
    let run = verify(&dir).failure();
    assert!(!run.stdout.contains("Verification was successful."));
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "stderr lacks {n:?}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn changed_byte_in_credential_description_is_refused() {
    assert_tampered_fails(
        |d| {
            let p = d.join("MijnOverheid/Issues/ageLower/description.xml");
            let mut b = fs::read(&p).unwrap();
            assert_eq!(b[40], b'\n');
            b[40] = b'X';
            fs::write(&p, b).unwrap();
        },
        &[
            "irma-demo/MijnOverheid/Issues/ageLower/description.xml",
            "does not match",
        ],
    );
}

#[test]
fn removed_indexed_file_is_refused() {
    assert_tampered_fails(
        |d| fs::remove_file(d.join("MijnOverheid/Issues/address/description.xml")).unwrap(),
        &[
            "irma-demo/MijnOverheid/Issues/address/description.xml",
            "not found",
        ],
    );
}

#[test]
fn flipped_bit_in_signature_is_refused() {
    assert_tampered_fails(
        |d| {
            let p = d.join("index.sig");
            let mut b = fs::read(&p).unwrap();
            b[10] ^= 1;
            fs::write(&p, b).unwrap();
        },
        &["index.sig", "signature"],
    );
}

#[test]
fn changed_hash_in_index_is_refused() {
    assert_tampered_fails(
        |d| {
            let p = d.join("index");
            let text = fs::read_to_string(&p).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            assert!(lines[3].starts_with('8'));
            lines[3].replace_range(0..1, "0");
            fs::write(&p, lines.join("\n") + "\n").unwrap();
        },
        &["index.sig", "signature"],
    );
}

#[test]
fn wrong_public_key_is_refused() {
    assert_tampered_fails(
        |d| {
            let pem = SchemeSigningKey::generate()
                .unwrap()
                .public_key()
                .to_pem()
                .unwrap();
            fs::write(d.join("pk.pem"), pem).unwrap();
        },
        &["index.sig", "signature"],
    );
}

#[test]
fn unindexed_xml_file_is_refused() {
    assert_tampered_fails(
        |d| fs::write(d.join("MijnOverheid/extra.xml"), "<x/>").unwrap(),
        &["irma-demo/MijnOverheid/extra.xml", "not in the index"],
    );
}

#[test]
fn garbage_pk_and_missing_index_are_refused() {
    assert_tampered_fails(
        |d| fs::write(d.join("pk.pem"), "junk").unwrap(),
        &["pk.pem"],
    );
    assert_tampered_fails(|d| fs::remove_file(d.join("index")).unwrap(), &["index"]);
}

// ---- sign and keygen --------------------------------------------------------------------

fn without_timestamp_line(index: &str) -> String {
    index
        .lines()
        .filter(|l| !l.ends_with("/timestamp"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn resigning_irma_demo_reproduces_its_index() {
    let (_tmp, dir) = scheme_copy("irma-demo");
    let original = fs::read_to_string(dir.join("index")).unwrap();
    let old_ts = fs::read_to_string(dir.join("timestamp")).unwrap();
    let run = irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        dir.join("sk.pem").as_os_str(),
        dir.as_os_str(),
    ])
    .success();
    assert!(
        run.stdout.contains("Verification was successful."),
        "{}",
        run.stdout
    );
    let new = fs::read_to_string(dir.join("index")).unwrap();
    assert_eq!(
        without_timestamp_line(&original),
        without_timestamp_line(&new)
    );
    assert_eq!(original.lines().count(), new.lines().count());
    let ts = fs::read_to_string(dir.join("timestamp")).unwrap();
    assert!(
        ts.ends_with('\n')
            && ts.trim().parse::<i64>().unwrap() > old_ts.trim().parse::<i64>().unwrap()
    );
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(shared_scheme("irma-demo/pk.pem")).unwrap()
    );
    verify(&dir).success();
}

#[test]
fn sign_refuses_crlf_and_noverification_skips_verify() {
    let (_tmp, dir) = scheme_copy("irma-demo");
    fs::write(dir.join("MijnOverheid/extra.xml"), "<x>\r\n</x>").unwrap();
    let sk = dir.join("sk.pem");
    let run = irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        sk.as_os_str(),
        dir.as_os_str(),
    ])
    .failure();
    assert!(run.stderr.contains("CRLF"), "{}", run.stderr);
    // A credential type whose folder name differs from its id: signing works, verification fails.
    fs::remove_file(dir.join("MijnOverheid/extra.xml")).unwrap();
    fs::rename(
        dir.join("MijnOverheid/Issues/root"),
        dir.join("MijnOverheid/Issues/rooot"),
    )
    .unwrap();
    irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        OsStr::new("-n"),
        sk.as_os_str(),
        dir.as_os_str(),
    ])
    .success();
    let run = irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        sk.as_os_str(),
        dir.as_os_str(),
    ])
    .failure();
    assert!(
        run.stderr.contains("wrong directory name"),
        "{}",
        run.stderr
    );
}

#[test]
fn keygen_writes_private_key_0600_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let sk = tmp.path().join("sk.pem");
    let pk = tmp.path().join("pk.pem");
    let args = |sk: &Path, pk: &Path| {
        vec![
            OsStr::new("scheme").to_owned(),
            OsStr::new("keygen").to_owned(),
            OsStr::new("-s").to_owned(),
            sk.as_os_str().to_owned(),
            OsStr::new("--publickey").to_owned(),
            pk.as_os_str().to_owned(),
        ]
    };
    irma(args(&sk, &pk)).success();
    let sk_pem = fs::read_to_string(&sk).unwrap();
    assert!(sk_pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    assert!(
        fs::read_to_string(&pk)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&sk).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let run = irma(args(&sk, &tmp.path().join("other.pem"))).failure();
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(!tmp.path().join("other.pem").exists());
    assert_eq!(fs::read_to_string(&sk).unwrap(), sk_pem);

    // The new key signs a scheme that then verifies against the new pk.pem.
    let (_t, dir) = scheme_copy("irma-demo");
    irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        sk.as_os_str(),
        dir.as_os_str(),
    ])
    .success();
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(&pk).unwrap()
    );
}

// ---- download and update ----------------------------------------------------------------

/// How the test server misbehaves for one path.
#[derive(Clone)]
enum Fault {
    /// Serve the file with one byte changed.
    Tamper(String),
    /// Send the headers and half the body of this file, then close the connection.
    Drop(String),
}

/// A tiny HTTP/1.1 file server on 127.0.0.1:<ephemeral> serving `root`, one request per
/// connection, recording every requested path.
struct FileServer {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    fault: Arc<Mutex<Option<Fault>>>,
    _thread: std::thread::JoinHandle<()>,
}

impl FileServer {
    fn start(root: PathBuf) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let fault = Arc::new(Mutex::new(None));
        let (tx, rx) = std::sync::mpsc::channel();
        let (reqs, flt) = (requests.clone(), fault.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                loop {
                    let Ok((mut sock, _)) = listener.accept().await else { continue };
                    let (root, reqs, flt) = (root.clone(), reqs.clone(), flt.clone());
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match sock.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_owned();
                        let path = line.split(' ').nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
                        reqs.lock().unwrap().push(path.clone());
                        let fault = flt.lock().unwrap().clone();
                        let file = root.join(&path);
                        let body = if path.contains("..") { None } else { fs::read(&file).ok() };
                        let Some(mut body) = body else {
                            let _ = sock
                                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .await;
                            return;
                        };
                        let mut send_len = body.len();
                        match fault {
                            Some(Fault::Tamper(p)) if p == path => {
                                let i = body.len() / 2;
                                body[i] ^= 0x20;
                            }
                            Some(Fault::Drop(p)) if p == path => send_len = body.len() / 2,
                            _ => {}
                        }
                        let header = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = sock.write_all(header.as_bytes()).await;
                        let _ = sock.write_all(&body[..send_len]).await;
                        let _ = sock.shutdown().await;
                    });
                }
            });
        });
        let port = rx.recv().unwrap();
        Self {
            port,
            requests,
            fault,
            _thread: thread,
        }
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    fn set_fault(&self, f: Option<Fault>) {
        *self.fault.lock().unwrap() = f;
    }
}

/// A served copy of pbdf (non-demo, so no private-key fetching) whose `<Url>` points at the
/// test server, signed with a fresh key.
struct Remote {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: SchemeSigningKey,
    server: FileServer,
    timestamp: i64,
}

impl Remote {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pbdf");
        copy_dir(&shared_scheme("pbdf"), &dir);
        let server = FileServer::start(tmp.path().to_owned());
        let desc = dir.join("description.xml");
        let text = fs::read_to_string(&desc).unwrap();
        let text = text.replace("https://schemes.yivi.app/pbdf", &server.url("pbdf"));
        assert!(text.contains(&server.url("pbdf")));
        fs::write(&desc, text).unwrap();
        let key = SchemeSigningKey::generate().unwrap();
        let timestamp = 1_800_000_000;
        sign_scheme(&key, &dir, timestamp).unwrap();
        Self {
            _tmp: tmp,
            dir,
            key,
            server,
            timestamp,
        }
    }

    /// Changes one credential description and re-signs with a newer timestamp.
    fn publish_change(&mut self) -> &'static str {
        let rel = "pbdf/Issues/email/description.xml";
        let p = self.dir.join(rel);
        let text = fs::read_to_string(&p).unwrap();
        fs::write(
            &p,
            text.replace(
                "</IssueSpecification>",
                "<!-- changed -->\n</IssueSpecification>",
            ),
        )
        .unwrap();
        self.timestamp += 100;
        sign_scheme(&self.key, &self.dir, self.timestamp).unwrap();
        rel
    }
}

fn download(dest: &Path, url: &str) -> Run {
    irma([
        OsStr::new("scheme"),
        OsStr::new("download"),
        dest.as_os_str(),
        OsStr::new(url),
    ])
}

fn update(dir: &Path) -> Run {
    irma([OsStr::new("scheme"), OsStr::new("update"), dir.as_os_str()])
}

/// Installs the remote into a fresh `irma_configuration` folder.
fn installed(remote: &Remote) -> (tempfile::TempDir, PathBuf) {
    let conf = tempfile::tempdir().unwrap();
    download(conf.path(), &remote.server.url("pbdf")).success();
    let dir = conf.path().join("pbdf");
    (conf, dir)
}

#[test]
fn download_installs_a_verified_scheme_over_loopback_http() {
    let remote = Remote::new();
    let (conf, dir) = installed(&remote);
    verify(&dir).success();
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(remote.dir.join("pk.pem")).unwrap()
    );
    assert!(leftovers(conf.path()).is_empty());
    let index_lines = fs::read_to_string(remote.dir.join("index"))
        .unwrap()
        .lines()
        .count();
    // description.xml, pk.pem, index, index.sig, timestamp, then every indexed file but timestamp.
    assert_eq!(remote.server.take_requests().len(), 5 + index_lines - 1);
    // Installing again is refused.
    let run = download(conf.path(), &remote.server.url("pbdf")).failure();
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
}

#[test]
fn download_refuses_plain_http_to_other_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let run = download(tmp.path(), "http://schemes.example/pbdf").failure();
    assert!(run.stderr.contains("plain http"), "{}", run.stderr);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn download_of_a_tampered_file_leaves_nothing_behind() {
    let remote = Remote::new();
    remote.server.set_fault(Some(Fault::Tamper(
        "pbdf/pbdf/Issues/email/description.xml".into(),
    )));
    let conf = tempfile::tempdir().unwrap();
    let run = download(conf.path(), &remote.server.url("pbdf")).failure();
    assert!(
        run.stderr
            .contains("pbdf/pbdf/Issues/email/description.xml"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_dir(conf.path()).unwrap().count(),
        0,
        "{:?}",
        leftovers(conf.path())
    );
}

#[test]
fn update_fetches_only_changed_files() {
    let mut remote = Remote::new();
    let (conf, dir) = installed(&remote);
    remote.server.take_requests();

    // Same timestamp: nothing but the signed state is fetched.
    let run = update(&dir).success();
    assert!(run.stdout.contains("up-to-date"), "{}", run.stdout);
    let mut reqs = remote.server.take_requests();
    reqs.sort();
    assert_eq!(reqs, ["pbdf/index", "pbdf/index.sig", "pbdf/timestamp"]);

    let changed = remote.publish_change();
    let run = irma([
        OsStr::new("scheme"),
        OsStr::new("update"),
        OsStr::new("--json"),
        dir.as_os_str(),
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["schemes"][0]["action"], "updated");
    assert_eq!(v["schemes"][0]["downloaded"], 1);
    let mut reqs = remote.server.take_requests();
    reqs.sort();
    let want = format!("pbdf/{changed}");
    assert_eq!(
        reqs,
        [
            "pbdf/index",
            "pbdf/index.sig",
            want.as_str(),
            "pbdf/timestamp"
        ]
    );
    assert!(
        fs::read_to_string(dir.join(changed))
            .unwrap()
            .contains("<!-- changed -->")
    );
    assert_eq!(
        fs::read(dir.join("timestamp")).unwrap(),
        fs::read(remote.dir.join("timestamp")).unwrap()
    );
    verify(&dir).success();
    assert!(leftovers(conf.path()).is_empty());
}

#[test]
fn failed_updates_leave_the_scheme_intact() {
    let mut remote = Remote::new();
    let (conf, dir) = installed(&remote);
    let before = snapshot(&dir);
    let changed = remote.publish_change();
    for fault in [
        Fault::Tamper(format!("pbdf/{changed}")),
        Fault::Drop(format!("pbdf/{changed}")),
    ] {
        remote.server.set_fault(Some(fault));
        let run = update(&dir).failure();
        assert!(run.stderr.contains(changed), "{}", run.stderr);
        assert!(
            snapshot(&dir) == before,
            "scheme changed by a failed update"
        );
        assert!(
            leftovers(conf.path()).is_empty(),
            "{:?}",
            leftovers(conf.path())
        );
        verify(&dir).success();
    }
    // A remote signed by another key is refused too.
    remote.server.set_fault(None);
    remote.key = SchemeSigningKey::generate().unwrap();
    remote.publish_change();
    let run = update(&dir).failure();
    assert!(run.stderr.contains("signature"), "{}", run.stderr);
    assert!(snapshot(&dir) == before);
}

/// An engine over the schemes in `conf` (an `irma_configuration` folder).
fn engine(conf: &Path) -> irma::session::Sessions {
    use irma::session::{Sessions, Settings};
    let settings = Settings {
        url: "http://127.0.0.1/irma/".to_owned(),
        production: false,
        lifetimes: irma::session::store::Lifetimes {
            max_session: std::time::Duration::from_secs(900),
            result: std::time::Duration::from_secs(300),
        },
        private_keys: Default::default(),
        permissions: Default::default(),
        signer: None,
        allow_unsigned_callbacks: false,
        augment_client_return_url: false,
        clock: irma::session::clock::Clock::System,
    };
    let schemes = irma::scheme::Configuration::load(conf).unwrap();
    Sessions::new(
        irma::session::store::Store::memory(settings.lifetimes),
        settings,
        Arc::new(schemes),
    )
}

fn pbdf_timestamp(schemes: &irma::scheme::Configuration) -> i64 {
    schemes.schemes().next().unwrap().timestamp
}

/// The server's updater: a changed remote is downloaded, the whole folder reloaded and
/// swapped in at once; failures keep the schemes in use; snapshots taken before stay intact.
#[tokio::test]
async fn running_server_swaps_in_whole_updated_schemes() {
    use irma::server::schemes_update::{Round, run, update_once};
    let opts = irma::scheme::download::DownloadOptions::default();
    let mut remote = Remote::new();
    let (conf, _dir) = installed(&remote);
    let sessions = Arc::new(engine(conf.path()));
    let before = sessions.schemes();
    let first = remote.timestamp;
    assert_eq!(pbdf_timestamp(&before), first);

    assert_eq!(
        update_once(&sessions, conf.path(), &opts).await,
        Round::Unchanged
    );
    assert!(Arc::ptr_eq(&before, &sessions.schemes()));

    // A tampered download: nothing changes, on disk or in memory.
    let changed = remote.publish_change();
    remote
        .server
        .set_fault(Some(Fault::Tamper(format!("pbdf/{changed}"))));
    assert_eq!(
        update_once(&sessions, conf.path(), &opts).await,
        Round::Unchanged
    );
    assert!(Arc::ptr_eq(&before, &sessions.schemes()));

    remote.server.set_fault(None);
    assert_eq!(
        update_once(&sessions, conf.path(), &opts).await,
        Round::Swapped
    );
    let after = sessions.schemes();
    assert!(!Arc::ptr_eq(&before, &after));
    assert_eq!(pbdf_timestamp(&after), remote.timestamp);
    assert_eq!(pbdf_timestamp(&before), first, "old snapshot unchanged");
    assert!(leftovers(conf.path()).is_empty());

    // The periodic task does the same on its own.
    remote.publish_change();
    let task = tokio::spawn(run(
        Arc::clone(&sessions),
        conf.path().to_owned(),
        std::time::Duration::from_millis(100),
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while pbdf_timestamp(&sessions.schemes()) != remote.timestamp {
        assert!(std::time::Instant::now() < deadline, "no update");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
}

// ---- the reference's recorded verify runs ------------------------------------------------

/// Replays `tests/data/vectors/cli/irma-scheme-verify.json` (recorded from irmago v0.18.1): the
/// same tampering on a copy of irma-demo must give the same verdict, and the pristine run the
/// same warnings.
#[test]
fn reference_verify_runs_give_the_same_verdicts() {
    let vector: serde_json::Value = vector("cli/irma-scheme-verify.json");
    let runs = vector["runs"].as_array().unwrap();
    assert!(runs.len() >= 5);
    for run in runs {
        let (_tmp, dir) = scheme_copy("irma-demo");
        let t = &run["tampering"];
        if let Some(file) = t["file"].as_str() {
            let p = dir.join(file);
            if let Some(line) = t["line"].as_u64() {
                let text = fs::read_to_string(&p).unwrap();
                let mut lines: Vec<&str> = text.lines().collect();
                lines[line as usize] = t["new_line"].as_str().unwrap();
                fs::write(&p, lines.join("\n") + "\n").unwrap();
            } else {
                let mut b = fs::read(&p).unwrap();
                let off = t["offset"].as_u64().unwrap() as usize;
                if let Some(x) = t["xor"].as_u64() {
                    b[off] ^= x as u8;
                } else {
                    assert_eq!(b[off], t["original_byte"].as_str().unwrap().as_bytes()[0]);
                    b[off] = t["new_byte"].as_str().unwrap().as_bytes()[0];
                }
                fs::write(&p, b).unwrap();
            }
        } else if let Some(removed) = t["removed"].as_str() {
            fs::remove_file(dir.join(removed)).unwrap();
        }
        let ours = verify(&dir);
        let what = run["what"].as_str().unwrap();
        assert_eq!(
            ours.code == Some(0),
            run["exit_code"] == 0,
            "{what}: {}{}",
            ours.stdout,
            ours.stderr
        );
        let warnings = |s: &str| {
            let mut w: Vec<String> = s
                .lines()
                .filter(|l| l.starts_with("Warning: "))
                .map(str::to_owned)
                .collect();
            w.sort();
            w
        };
        assert_eq!(
            warnings(&ours.stdout),
            warnings(run["stdout"].as_str().unwrap()),
            "{what}"
        );
        if let Some(file) = t["file"].as_str().or(t["removed"].as_str()) {
            assert!(ours.stderr.contains(file), "{what}: {}", ours.stderr);
        }
    }
}

/// `--use-schemes-assets-path` downloads into `<data>/irma/irma_configuration_assets`.
#[test]
fn download_into_the_schemes_assets_path() {
    let remote = Remote::new();
    let data = tempfile::tempdir().unwrap();
    let url = remote.server.url("pbdf");
    irma_env(
        &[("XDG_DATA_HOME", data.path().as_os_str())],
        [
            "scheme",
            "download",
            "--use-schemes-assets-path",
            url.as_str(),
        ],
    )
    .success();
    verify(&data.path().join("irma/irma_configuration_assets/pbdf")).success();
}

/// `irma session` updates the schemes from their URLs first, as the reference, unless
/// `--disable-schemes-update`.
#[tokio::test]
async fn session_updates_schemes_unless_disabled() {
    let mut remote = Remote::new();
    let (conf, dir) = installed(&remote);
    remote.publish_change();
    let server = crate::util::Server::start(&[]).await;
    let session = |extra: &[&str]| {
        let mut args = vec![
            "session",
            "--server",
            server.base.as_str(),
            "--no-wait",
            "--schemes-path",
            conf.path().to_str().unwrap(),
            "--disclose",
            "pbdf.pbdf.email.email",
        ];
        args.extend_from_slice(extra);
        irma(args)
    };
    let before = fs::read_to_string(dir.join("timestamp")).unwrap();
    session(&["--disable-schemes-update"]).success();
    assert_eq!(fs::read_to_string(dir.join("timestamp")).unwrap(), before);
    session(&[]).success();
    assert_eq!(
        fs::read_to_string(dir.join("timestamp")).unwrap(),
        format!("{}\n", remote.timestamp)
    );
}

// ---- requestor schemes ---------------------------------------------------------------------

fn reference_requestor_scheme() -> PathBuf {
    data_dir().join("requestor-schemes/test-requestors")
}

/// The reference-signed requestor scheme verifies alone and beside an issuer scheme; a
/// tampered logo or requestor file, or a hostname twice, is refused.
#[test]
fn requestor_schemes_verify_as_the_reference() {
    let run = verify(&reference_requestor_scheme()).success();
    assert!(
        run.stdout.contains("Verified test-requestors (3 files)"),
        "{}",
        run.stdout
    );
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&shared_scheme("pbdf"), &tmp.path().join("pbdf"));
    let req = tmp.path().join("test-requestors");
    copy_dir(&reference_requestor_scheme(), &req);
    let run = verify(tmp.path()).success();
    assert!(run.stdout.contains("pbdf") && run.stdout.contains("test-requestors"));
    let conf = irma::scheme::Configuration::load(tmp.path()).unwrap();
    let shown = conf.requestor_for_host("localhost").unwrap();
    assert_eq!(shown.id, "test-requestors.test-requestor");

    // The logo is authenticated by its name, the requestors by the index.
    let logo =
        req.join("assets/61a1fc7f161e43f8fc5b0c6ac2997cfe6bc0da7d27009b9914a04dca79ec6718.png");
    let original = fs::read(&logo).unwrap();
    fs::write(&logo, b"another logo").unwrap();
    let run = verify(&req).failure();
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);
    fs::write(&logo, original).unwrap();
    let file = req.join("requestors.json");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace("Local IRMA server", "Evil server")).unwrap();
    verify(&req).failure();
    fs::write(&file, &text).unwrap();

    // The same scheme twice (in folders of other names) is refused.
    copy_dir(&req, &tmp.path().join("second"));
    let run = verify(tmp.path()).failure();
    assert!(run.stderr.contains("already loaded"), "{}", run.stderr);
}

/// `scheme sign` indexes a requestor scheme's JSON files and timestamp only, as the
/// reference; download fetches its logos; update follows a change.
#[test]
fn requestor_schemes_sign_download_and_update() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-requestors");
    copy_dir(&reference_requestor_scheme(), &dir);
    fs::write(dir.join("notes.txt"), "not signed").unwrap();
    let server = FileServer::start(tmp.path().to_owned());
    let desc = fs::read_to_string(dir.join("description.json")).unwrap();
    let desc = desc.replace(
        "http://localhost:48681/irma_configuration/test-requestors",
        &server.url("my-requestors"),
    );
    fs::write(dir.join("description.json"), desc).unwrap();
    let key = SchemeSigningKey::generate().unwrap();
    let index = sign_scheme(&key, &dir, 1_800_000_000).unwrap();
    let files: Vec<&str> = index.files().map(|(rel, _)| rel).collect();
    assert_eq!(files, ["description.json", "requestors.json", "timestamp"]);
    verify(&dir).success();

    let conf = tempfile::tempdir().unwrap();
    download(conf.path(), &server.url("my-requestors")).success();
    let installed = conf.path().join("test-requestors");
    verify(&installed).success();
    assert!(installed.join("assets").read_dir().unwrap().count() == 1);

    // A changed requestor list with a new logo: update fetches both.
    let logo = b"\x89PNG new logo";
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(logo));
    fs::write(dir.join(format!("assets/{hash}.png")), logo).unwrap();
    let list = fs::read_to_string(dir.join("requestors.json")).unwrap();
    let list = list.replacen(
        "\"logo\": \"61a1fc7f161e43f8fc5b0c6ac2997cfe6bc0da7d27009b9914a04dca79ec6718\"",
        &format!("\"logo\": \"{hash}\""),
        1,
    );
    fs::write(dir.join("requestors.json"), list).unwrap();
    sign_scheme(&key, &dir, 1_800_000_100).unwrap();
    let run = update(&installed).success();
    assert!(run.stdout.contains("updated"), "{}", run.stdout);
    assert!(installed.join(format!("assets/{hash}.png")).is_file());
    verify(&installed).success();
}

// ---- scheme folders of any name, passphrase-protected keys -------------------------------

/// Maintainers verify and sign their clone, named `irma-demo-schememanager/`.
#[test]
fn a_scheme_folder_need_not_be_named_after_the_scheme() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("irma-demo-schememanager");
    copy_dir(&shared_scheme("irma-demo"), &dir);
    let run = verify(&dir).success();
    assert!(run.stdout.contains("Verified irma-demo"), "{}", run.stdout);
    let (key_dir, sk) = new_scheme_key();
    irma([
        OsStr::new("scheme"),
        OsStr::new("sign"),
        sk.as_os_str(),
        dir.as_os_str(),
    ])
    .success();
    let index = fs::read_to_string(dir.join("index")).unwrap();
    assert!(index.lines().all(|l| l.contains(" irma-demo/")), "{index}");
    // Inside a folder of schemes too.
    verify(tmp.path()).success();
    drop(key_dir);
}

fn new_scheme_key() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let sk = tmp.path().join("sk.pem");
    fs::write(
        &sk,
        SchemeSigningKey::generate()
            .unwrap()
            .to_pem()
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    (tmp, sk)
}

fn scheme_cmd(args: &[&OsStr], stdin: &str) -> Run {
    crate::util::irma_stdin(
        std::iter::once(OsStr::new("scheme")).chain(args.iter().copied()),
        stdin,
    )
}

/// `keygen --pass` writes the reference's encrypted key format; `sign` asks for the
/// passphrase; `keycopy` re-encrypts or decrypts; a key encrypted by OpenSSH's code (the
/// format irmago uses) is read, and ours is read by OpenSSH.
#[test]
fn passphrase_protected_scheme_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let (sk, pk) = (tmp.path().join("sk.pem"), tmp.path().join("pk.pem"));
    scheme_cmd(
        &[
            OsStr::new("keygen"),
            OsStr::new("--pass"),
            OsStr::new("-s"),
            sk.as_os_str(),
            OsStr::new("-p"),
            pk.as_os_str(),
        ],
        "secret words\n",
    )
    .success();
    let pem = fs::read_to_string(&sk).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED IRMA SCHEME PRIVATE KEY-----\n"));

    let (_copy, dir) = scheme_copy("pbdf");
    let sign = |key: &Path, stdin: &str| {
        scheme_cmd(
            &[OsStr::new("sign"), key.as_os_str(), dir.as_os_str()],
            stdin,
        )
    };
    let run = sign(&sk, "wrong words\n").failure();
    assert!(run.stderr.contains("wrong passphrase"), "{}", run.stderr);
    sign(&sk, "secret words\n").success();
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(&pk).unwrap()
    );

    // keycopy: to a new passphrase, and to a plain key (--pass=false).
    let copy = tmp.path().join("sk-copy.pem");
    scheme_cmd(
        &[
            OsStr::new("keycopy"),
            OsStr::new("-i"),
            sk.as_os_str(),
            OsStr::new("-o"),
            copy.as_os_str(),
        ],
        "secret words\nother words\n",
    )
    .success();
    sign(&copy, "other words\n").success();
    let plain = tmp.path().join("sk-plain.pem");
    scheme_cmd(
        &[
            OsStr::new("keycopy"),
            OsStr::new("--pass=false"),
            OsStr::new("--in"),
            copy.as_os_str(),
            OsStr::new("--out"),
            plain.as_os_str(),
        ],
        "other words\n",
    )
    .success();
    assert!(
        fs::read_to_string(&plain)
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----")
    );
    sign(&plain, "").success();
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(&pk).unwrap()
    );

    // Interoperability: a key encrypted by OpenSSH's implementation of the format.
    let keys = data_dir().join("scheme-keys");
    sign(&keys.join("sk-encrypted.pem"), "irma test\n").success();
    assert_eq!(
        fs::read(dir.join("pk.pem")).unwrap(),
        fs::read(keys.join("pk.pem")).unwrap()
    );
    // ... and ours read by OpenSSH, when ssh-keygen is installed.
    let for_ssh = tmp.path().join("for-ssh");
    fs::write(
        &for_ssh,
        pem.replace("ENCRYPTED IRMA SCHEME PRIVATE KEY", "OPENSSH PRIVATE KEY"),
    )
    .unwrap();
    let mut perm = fs::metadata(&for_ssh).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o600);
    fs::set_permissions(&for_ssh, perm).unwrap();
    if let Ok(out) = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "secret words", "-f"])
        .arg(&for_ssh)
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("ecdsa-sha2-nistp256 "));
    }
}

// ---- the library API other modules use ---------------------------------------------------

#[test]
fn configuration_lookups_on_the_bundled_schemes() {
    use irma::protocol::attributes::credential_type_hash;
    use irma::protocol::identifiers::{
        AttributeTypeId, CredentialTypeId, IssuerId, PublicKeyId, SchemeId,
    };
    use irma::scheme::{Configuration, default_schemes_path};

    let conf =
        Configuration::load(&default_schemes_path(Some(&repo_root().join("schemes")))).unwrap();
    let demo = SchemeId::parse("irma-demo").unwrap();
    let pbdf = SchemeId::parse("pbdf").unwrap();
    assert!(conf.scheme(&demo).unwrap().description.demo);
    assert_eq!(
        conf.timestamp_server(&demo),
        Some("https://atumd.yivi.app/")
    );

    let id = CredentialTypeId::parse("irma-demo.MijnOverheid.ageLower").unwrap();
    let ct = conf.credential_type(&id).unwrap();
    let names: Vec<&str> = ct
        .attributes
        .iter()
        .map(|a| a.id.as_ref().unwrap().name())
        .collect();
    assert_eq!(names, ["over12", "over16", "over18", "over21"]);
    assert_eq!(ct.name.translation("en"), Some("Demo Lower Age limits"));
    assert_eq!(
        serde_json::to_string(&ct.name).unwrap(),
        r#"{"en":"Demo Lower Age limits","nl":"Demo Junior-leeftijdslimieten"}"#
    );
    assert!(ct.singleton);
    assert_eq!(
        conf.credential_type_by_hash(&credential_type_hash(&id))
            .unwrap()
            .id,
        id
    );
    assert!(conf.credential_type_by_hash(&[0u8; 16]).is_none());
    let attr = AttributeTypeId::parse("irma-demo.MijnOverheid.ageLower.over18").unwrap();
    assert_eq!(conf.attribute_type(&attr).unwrap().0, 2);
    assert_eq!(
        conf.attribute_name(&attr).unwrap().translation("nl"),
        Some("Ouder dan 18")
    );

    // A revocation attribute has no id and sits at its scheme position.
    let rev = conf
        .credential_type(&CredentialTypeId::parse("irma-demo.inz-revocable-id.id").unwrap())
        .unwrap();
    assert_eq!(rev.revocation_index(), Some(0));
    assert!(rev.revocation_supported());

    let issuer = IssuerId::parse("irma-demo.MijnOverheid").unwrap();
    assert_eq!(
        conf.issuer(&issuer).unwrap().name.translation("en"),
        Some("Demo MijnOverheid.nl")
    );
    assert_eq!(conf.public_key_counters(&issuer), [0, 1, 2]);
    let key = PublicKeyId {
        issuer: issuer.clone(),
        counter: 2,
    };
    let xml = conf.public_key_xml(&key).unwrap();
    assert_eq!(
        xml.as_bytes(),
        fs::read(shared_scheme("irma-demo/MijnOverheid/PublicKeys/2.xml")).unwrap()
    );
    assert_eq!(conf.public_key_expiry(&key), Some(1_919_746_800));
    assert!(
        conf.private_key_path(&key)
            .unwrap()
            .ends_with("MijnOverheid/PrivateKeys/2.xml")
    );
    assert!(
        conf.public_key_xml(&PublicKeyId {
            issuer,
            counter: 99
        })
        .is_none()
    );

    assert!(conf.scheme(&pbdf).unwrap().is_distributed());
    assert_eq!(
        conf.kss_pem(&pbdf, 0).unwrap(),
        fs::read(shared_scheme("pbdf/kss-0.pem")).unwrap()
    );
    assert!(conf.kss_pem(&pbdf, 9).is_none() && conf.kss_pem(&demo, 0).is_none());
}

#[test]
fn download_gives_up_on_a_silent_server() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _hold = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming() {
            conns.push(c);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let run = irma([
        OsStr::new("scheme"),
        OsStr::new("download"),
        OsStr::new("--timeout"),
        OsStr::new("1"),
        tmp.path().as_os_str(),
        OsStr::new(&format!("http://127.0.0.1:{port}/pbdf")),
    ])
    .failure();
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert!(run.stderr.contains("description.xml"), "{}", run.stderr);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}
