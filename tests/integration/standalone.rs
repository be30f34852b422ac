//! The binary on its own: copied alone into an empty folder, with an empty `HOME` and no XDG
//! variables, it fills the reference's default schemes folder from the schemes built into it
//! and serves sessions (issuance with irma-demo's keys, then disclosure, `irma wallet`
//! playing the app); schemes from an assets folder; the scheme commands' flags for both.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{Run, free_port};

/// A copy of the binary alone in an empty folder, and an empty home.
struct Alone {
    _tmp: tempfile::TempDir,
    bin: PathBuf,
    home: PathBuf,
}

impl Alone {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let bin_dir = tmp.path().join("bin");
        let home = tmp.path().join("home");
        fs::create_dir_all(&bin_dir).unwrap();
        fs::create_dir_all(&home).unwrap();
        let bin = bin_dir.join("irma");
        fs::copy(env!("CARGO_BIN_EXE_irma"), &bin).unwrap();
        Self {
            _tmp: tmp,
            bin,
            home,
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(self.bin.parent().unwrap())
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_DATA_DIRS")
            .env_remove("IRMA_SCHEMES_PATH")
            .env_remove("IRMA_WALLET_DIR")
            .env("HOME", &self.home)
            .stdin(Stdio::null());
        cmd
    }

    fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        Run::from_output(self.command().args(args).output().unwrap())
    }

    fn schemes(&self) -> PathBuf {
        self.home.join(".local/share/irma/irma_configuration")
    }
}

/// A server process of the lone binary, killed on drop.
struct Serving {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(alone: &Alone) -> Serving {
    let port = free_port().to_string();
    let base = format!("http://127.0.0.1:{port}");
    let log = alone.home.join("server.log");
    let child = alone
        .command()
        .args([
            "-vv",
            "server",
            "--listen-addr",
            "127.0.0.1",
            "--port",
            &port,
            "--url",
            &base,
        ])
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let serving = Serving { child, base, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{}/health", serving.base))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "server did not start:\n{}",
            fs::read_to_string(&serving.log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    serving
}

async fn start(serving: &Serving, request: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/session", serving.base))
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn result(serving: &Serving, package: &Value) -> Value {
    let token = package["token"].as_str().unwrap();
    reqwest::get(format!("{}/session/{token}/result", serving.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn wallet_session(alone: &Alone, package: &Value) -> Run {
    let storage = alone.home.join("wallet");
    let package = package.to_string();
    let args = [
        "wallet",
        "--storage",
        storage.to_str().unwrap(),
        "session",
        &package,
        "--timestamp",
        "off",
    ];
    Run::from_output(alone.command().args(args).output().unwrap())
}

#[tokio::test]
async fn the_binary_alone_serves_sessions_from_its_built_in_schemes() {
    let alone = Alone::new();
    let serving = serve(&alone).await;
    for name in ["irma-demo", "pbdf"] {
        assert!(
            alone.schemes().join(name).join("index.sig").is_file(),
            "{name} not installed"
        );
    }

    // Issuance needs irma-demo's issuer private keys: they came along.
    let issue = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
            "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]});
    let package = start(&serving, issue).await;
    let run = wallet_session(&alone, &package);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(result(&serving, &package).await["status"], "DONE");

    let disclose = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let package = start(&serving, disclose).await;
    let run = wallet_session(&alone, &package);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let r = result(&serving, &package).await;
    assert_eq!(r["proofStatus"], "VALID", "{r}");
    assert_eq!(r["disclosed"][0][0]["rawvalue"], "yes", "{r}");

    // The installed schemes are ordinary folders: the server updates them from their URL
    // (right after startup, as the reference; offline the attempt fails and is logged).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = fs::read_to_string(&serving.log).unwrap();
        if log.contains("scheme update") && log.contains("irma-demo") {
            break;
        }
        assert!(Instant::now() < deadline, "no scheme update:\n{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = fs::read_to_string(&serving.log).unwrap();
    assert!(
        log.contains("installed the built-in scheme irma-demo"),
        "{log}"
    );

    // Other commands use the same folder, now filled.
    let run = alone.run(&["scheme", "verify"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains(&alone.schemes().display().to_string()));
}

/// Copies `from` to `to` recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            fs::copy(entry.path(), &dst).unwrap();
        }
    }
}

fn timestamp(scheme: &Path) -> String {
    fs::read_to_string(scheme.join("timestamp")).unwrap()
}

/// An assets folder with a re-signed, newer pbdf and the requestor scheme; a schemes folder
/// with the original pbdf.
fn assets_setup(tmp: &Path) -> (PathBuf, PathBuf) {
    let (schemes, assets) = (tmp.join("schemes"), tmp.join("assets"));
    let data = crate::util::data_dir();
    copy_dir(&data.join("schemes/pbdf"), &schemes.join("pbdf"));
    copy_dir(&data.join("schemes/pbdf"), &assets.join("pbdf"));
    let key = irma::scheme::keys::SchemeSigningKey::generate().unwrap();
    irma::scheme::sign::sign_scheme(&key, &assets.join("pbdf"), 1_900_000_000).unwrap();
    copy_dir(
        &data.join("requestor-schemes/test-requestors"),
        &assets.join("test-requestors"),
    );
    (schemes, assets)
}

#[test]
fn schemes_assets_path_installs_missing_and_newer_schemes() {
    let tmp = tempfile::tempdir().unwrap();
    let (schemes, assets) = assets_setup(tmp.path());
    let run = crate::util::irma([
        OsStr::new("server"),
        OsStr::new("check"),
        OsStr::new("--schemes-path"),
        schemes.as_os_str(),
        OsStr::new("--schemes-assets-path"),
        assets.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(timestamp(&schemes.join("pbdf")), "1900000000\n");
    assert!(schemes.join("test-requestors/requestors.json").is_file());
    assert_eq!(
        fs::read(schemes.join("pbdf/pk.pem")).unwrap(),
        fs::read(assets.join("pbdf/pk.pem")).unwrap()
    );

    // An older copy in the assets folder changes nothing; a broken newer one is refused.
    fs::write(assets.join("pbdf/timestamp"), "1\n").unwrap();
    let run = crate::util::irma([
        OsStr::new("request"),
        OsStr::new("--schemes-path"),
        schemes.as_os_str(),
        OsStr::new("--schemes-assets-path"),
        assets.as_os_str(),
        OsStr::new("--disclose"),
        OsStr::new("pbdf.pbdf.email.email"),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(timestamp(&schemes.join("pbdf")), "1900000000\n");
    fs::write(assets.join("pbdf/timestamp"), "2000000000\n").unwrap();
    let attribute = crate::util::vector("cli/irma-meta.json")["runs"][0]["command"][2]
        .as_str()
        .unwrap()
        .to_owned();
    let run = crate::util::irma([
        OsStr::new("meta"),
        OsStr::new("-i"),
        schemes.as_os_str(),
        OsStr::new("--irmaconf-assets"),
        assets.as_os_str(),
        OsStr::new(&attribute),
    ]);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);
    assert_eq!(timestamp(&schemes.join("pbdf")), "1900000000\n");
}
