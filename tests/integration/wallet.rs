//! `irma wallet` (the real binary) against `irma server` (the real binary) on 127.0.0.1:
//! the reference's credentials imported and disclosed, every recorded disclosure case,
//! denial, pairing, a session the server cancels, a keyshare scheme without enrollment,
//! storage damage. Keyshare schemes with an enrollment: `keyshare.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{Run, Server, data_dir, irma, irma_stdin};

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

fn app_token(package: &Value) -> String {
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    u.rsplit('/').next().unwrap().to_owned()
}

/// A wallet in a temporary directory.
pub(crate) struct TestWallet {
    dir: tempfile::TempDir,
}

impl TestWallet {
    pub(crate) fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A wallet holding the reference's credentials (wallet P).
    pub(crate) fn reference() -> Self {
        let w = Self::empty();
        let dump = data_dir().join("vectors/credentials/wallet-P.json");
        let run = w.run(&["import", dump.to_str().unwrap()]).success();
        let out: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(out["imported"].as_array().unwrap().len(), 5);
        w
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["wallet", "--storage", self.path().to_str().unwrap()];
        all.extend_from_slice(args);
        all
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        irma(self.args(args))
    }

    fn list(&self) -> Value {
        serde_json::from_str(&self.run(&["list"]).success().stdout).unwrap()
    }

    /// Runs a session on a package; returns the run and its JSON report.
    pub(crate) fn session(&self, package: &Value, extra: &[&str]) -> (Run, Value) {
        let package = package.to_string();
        let mut args = vec!["session", package.as_str(), "--timestamp", "off"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        let report = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        (run, report)
    }

    /// Starts a session in the background.
    fn spawn(&self, package: &Value, extra: &[&str]) -> Child {
        let package = package.to_string();
        let mut args = vec!["session", package.as_str(), "--timestamp", "off"];
        args.extend_from_slice(extra);
        crate::util::command()
            .args(self.args(&args))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn finish(child: Child) -> (Run, Value) {
    report(Run::from_output(child.wait_with_output().unwrap()))
}

/// Asserts that the wallet's session failed (exit 3) with an error mentioning `needle`.
#[track_caller]
pub(crate) fn assert_session_error(run: &Run, report: &Value, needle: &str) {
    assert_eq!(run.code, Some(3), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(report["outcome"], "error", "{report}");
    let error = report["error"].as_str().unwrap_or_default();
    assert!(error.contains(needle), "wanted {needle:?} in {report}");
}

/// The wallet's JSON report on standard output.
pub(crate) fn report(run: Run) -> (Run, Value) {
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run, report)
}

pub(crate) async fn result(server: &Server, package: &Value) -> Value {
    let token = package["token"].as_str().unwrap();
    let (status, _, body) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn wait_for_status(server: &Server, token: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.status(token).await != want {
        assert!(Instant::now() < deadline, "status never became {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reference_credentials_disclose_to_our_server() {
    let wallet = TestWallet::reference();
    let list = wallet.list();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 5);
    assert!(list["unreadable"].as_array().unwrap().is_empty());
    let age = creds
        .iter()
        .find(|c| c["credential"] == "irma-demo.MijnOverheid.ageLower")
        .unwrap();
    assert_eq!(age["issuer"], "irma-demo.MijnOverheid");
    assert_eq!(age["keyCounter"], 2);
    assert_eq!(age["signedOn"], 1795046400);
    assert_eq!(age["expires"], 1810771200);
    assert_eq!(
        age["attributes"]["irma-demo.MijnOverheid.ageLower.over18"],
        "yes"
    );

    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let (run, report) = wallet.session(&package, &[]);
    let run = run.success();
    assert_eq!(report["outcome"], "success", "{}", run.stderr);
    let session = &report["sessions"][0];
    assert_eq!(session["type"], "disclosing");
    assert_eq!(session["serverResponse"]["proofStatus"], "VALID");
    assert_eq!(session["disclosed"][0][0]["value"], "yes");
    assert_eq!(session["disclosed"][0][0]["credentialHash"], age["hash"]);

    let res = result(&server, &package).await;
    assert_eq!(res["status"], "DONE");
    assert_eq!(res["proofStatus"], "VALID");
    assert_eq!(res["disclosed"][0][0]["rawvalue"], "yes");
    assert_eq!(
        res["disclosed"][0][0]["id"],
        "irma-demo.MijnOverheid.ageLower.over18"
    );
}

fn disclosure_vectors() -> Vec<(PathBuf, Value)> {
    let dir = data_dir().join("vectors/disclosure");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (p, v)
        })
        .collect()
}

#[tokio::test]
async fn every_recorded_disclosure_case() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let cases = disclosure_vectors();
    assert!(cases.len() >= 10);
    for (path, case) in cases {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let package = server.start_session(&case["session_request"]).await;
        let (run, report) = wallet.session(&package, &[]);
        let expected = &case["session_result"];
        let res = result(&server, &package).await;
        assert_eq!(res["status"], expected["status"], "{name}: {res}");
        if expected["status"] == "DONE" {
            assert_eq!(run.code, Some(0), "{name}: {}", run.stdout);
            assert_eq!(report["outcome"], "success", "{name}");
            assert_eq!(res["proofStatus"], expected["proofStatus"], "{name}");
            assert_eq!(res["disclosed"], expected["disclosed"], "{name}");
            // What the wallet says it disclosed is what the server saw.
            let ours = &report["sessions"][0]["disclosed"];
            for (d, con) in expected["disclosed"].as_array().unwrap().iter().enumerate() {
                let ids: Vec<&Value> = con.as_array().unwrap().iter().map(|a| &a["id"]).collect();
                let said: Vec<&Value> = ours[d]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| &a["id"])
                    .collect();
                assert_eq!(ids, said, "{name}: disjunction {d}");
            }
        } else {
            // The recorded wallet refused (unsatisfiable): so does ours.
            assert_session_error(&run, &report, "not satisfiable");
        }
    }
}

#[tokio::test]
async fn choose_picks_another_option() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"],
                      ["irma-demo.MijnOverheid.fullName.familyname"]]]});
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &["--choose", "1"]);
    run.success();
    assert_eq!(
        report["sessions"][0]["disclosed"][0][0]["id"],
        "irma-demo.MijnOverheid.fullName.familyname"
    );
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID");
    assert_eq!(res["disclosed"][0][0]["rawvalue"], "Anders");

    // An option index out of range is refused and the session cancelled.
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &["--choose", "2"]);
    assert_session_error(&run, &report, "choice");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");
}

/// irmago v1.3.0's condiscon fix (`irma/requests.go`, irmamobile#360): when the app
/// discloses the non-empty option of `[[], [...]]`, the empty conjunction does not satisfy the
/// disjunction first, and the result keeps the attribute.
#[tokio::test]
async fn an_optional_disjunction_keeps_what_was_disclosed() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[[], ["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &["--choose", "1"]);
    run.success();
    assert_eq!(
        report["sessions"][0]["disclosed"][0][0]["id"],
        "irma-demo.MijnOverheid.ageLower.over18"
    );
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    let disclosed = res["disclosed"][0].as_array().unwrap();
    assert_eq!(disclosed.len(), 1, "{res}");
    assert_eq!(disclosed[0]["id"], "irma-demo.MijnOverheid.ageLower.over18");
    assert_eq!(disclosed[0]["rawvalue"], "yes");
    assert_eq!(disclosed[0]["status"], "PRESENT");
    // Choosing the empty option discloses nothing, and is still VALID.
    let package = server.start_session(&request).await;
    let (run, _) = wallet.session(&package, &["--choose", "0"]);
    run.success();
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    assert_eq!(res["disclosed"][0], json!([]), "{res}");
}

#[tokio::test]
async fn deny_cancels_the_session() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let (run, report) = wallet.session(&package, &["--deny"]);
    assert_eq!(run.code, Some(3), "{}", run.stdout);
    assert_eq!(report["outcome"], "cancelled");
    let res = result(&server, &package).await;
    assert_eq!(res["status"], "CANCELLED");
    assert!(res.get("disclosed").is_none_or(Value::is_null), "{res}");
}

async fn enable_pairing(server: &Server, package: &Value) -> String {
    let ct = app_token(package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let options =
        r#"{"@context":"https://irma.app/ld/request/frontendoptions/v1","pairingMethod":"pin"}"#;
    let (status, _, body) = server
        .call(
            "POST",
            &format!("/irma/session/{ct}/frontend/options"),
            &[("Authorization", fauth)],
            Some(options),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let opts: Value = serde_json::from_str(&body).unwrap();
    opts["pairingCode"].as_str().unwrap().to_owned()
}

/// A proxy on 127.0.0.1 in front of `upstream` (`http://host:port`) that answers HTTP 500
/// to the first `failures` GETs of a session's `status` and passes everything else on.
/// Returns its base URL and the count of `status` GETs it saw.
async fn flaky_status_proxy(upstream: String, failures: usize) -> (String, Arc<AtomicUsize>) {
    use axum::body::Bytes;
    use axum::http::{Method, StatusCode, Uri};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let http = reqwest::Client::new();
    let handler = move |method: Method, uri: Uri, headers: axum::http::HeaderMap, body: Bytes| {
        let (http, upstream, counter) = (http.clone(), upstream.clone(), Arc::clone(&counter));
        async move {
            if method == Method::GET
                && uri.path().ends_with("/status")
                && counter.fetch_add(1, Ordering::SeqCst) < failures
            {
                return (StatusCode::INTERNAL_SERVER_ERROR, Bytes::from("overloaded"));
            }
            let mut request = http.request(method, format!("{upstream}{uri}")).body(body);
            for (name, value) in &headers {
                if name != "host" {
                    request = request.header(name, value);
                }
            }
            let answer = request.send().await.unwrap();
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            (status, answer.bytes().await.unwrap())
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(handler);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

/// While waiting for pairing, the wallet polls the status again, with backoff, when the
/// server answers 500 (as the Yivi app does) instead of giving up.
#[tokio::test]
async fn pairing_survives_server_errors_while_waiting() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap();
    let code = enable_pairing(&server, &package).await;
    let (proxy, seen) = flaky_status_proxy(server.base.clone(), 3).await;
    let mut through_proxy = package.clone();
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    through_proxy["sessionPtr"]["u"] = json!(u.replacen(&server.base, &proxy, 1));
    let child = wallet.spawn(&through_proxy, &["--pairing-code", &code]);
    // Three failures (and their backoff of 0.2 + 0.4 + 0.8 s), then a good answer.
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.load(Ordering::SeqCst) < 4 {
        assert!(Instant::now() < deadline, "the wallet stopped polling");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.status(token).await, "PAIRING");
    let ct = app_token(&package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let (status, _, _) = server
        .call(
            "POST",
            &format!("/irma/session/{ct}/frontend/pairingcompleted"),
            &[("Authorization", fauth)],
            None,
        )
        .await;
    assert_eq!(status, 204);
    // Waiting blocks: not on this runtime, which runs the proxy.
    let (run, _) = tokio::task::spawn_blocking(|| finish(child)).await.unwrap();
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(result(&server, &package).await["proofStatus"], "VALID");
}

#[tokio::test]
async fn pairing_waits_for_the_frontend() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap();
    let code = enable_pairing(&server, &package).await;
    let child = wallet.spawn(&package, &["--pairing-code", &code]);
    wait_for_status(&server, token, "PAIRING").await;
    // The wallet waits: still pairing a moment later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.status(token).await, "PAIRING");
    let ct = app_token(&package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let (status, _, _) = server
        .call(
            "POST",
            &format!("/irma/session/{ct}/frontend/pairingcompleted"),
            &[("Authorization", fauth)],
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (run, report) = finish(child);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(report["sessions"][0]["pairingCode"], code.as_str());
    assert!(run.stderr.contains(&code));
    assert_eq!(result(&server, &package).await["proofStatus"], "VALID");

    // A code other than the server's: refused, session cancelled.
    let package = server.start_session(&over18()).await;
    let code = enable_pairing(&server, &package).await;
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let (run, report) = wallet.session(&package, &["--pairing-code", wrong]);
    assert_session_error(&run, &report, "pairing code mismatch");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");
}

#[tokio::test]
async fn a_session_the_server_cancels_midway() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap();
    enable_pairing(&server, &package).await;
    let child = wallet.spawn(&package, &[]);
    wait_for_status(&server, token, "PAIRING").await;
    let (status, _, body) = server
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert!(status == 204 || status == 200, "{status} {body}");
    let (run, report) = finish(child);
    assert_session_error(&run, &report, "CANCELLED");
}

#[tokio::test]
async fn keyshare_schemes_need_an_enrollment() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["pbdf.gemeente.personalData.fullname"]]]});
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_session_error(&run, &report, "not enrolled");
    assert_session_error(&run, &report, "irma wallet enroll pbdf");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");
}

#[test]
fn damaged_storage_is_reported_without_losing_the_rest() {
    let wallet = TestWallet::reference();
    let creds = wallet.list()["credentials"].as_array().unwrap().clone();
    let victim = creds[0]["hash"].as_str().unwrap();
    let file = wallet
        .path()
        .join("credentials")
        .join(format!("{victim}.json"));
    std::fs::write(&file, b"{\"credentialType\": \"irma-demo.MijnOverheid.ad").unwrap();
    let run = wallet.run(&["list"]).success();
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list["credentials"].as_array().unwrap().len(), 4);
    let unreadable = list["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert!(
        unreadable[0]["file"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{victim}.json"))
    );
    assert!(
        run.stderr.contains("unreadable credential"),
        "{}",
        run.stderr
    );

    // The secret key file is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(wallet.path().join("secret-key.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // A storage of a newer format is refused with a clear error.
    std::fs::write(wallet.path().join("wallet.json"), b"{\"version\": 99}").unwrap();
    let run = wallet.run(&["list"]).failure();
    assert!(run.stderr.contains("format version 99"), "{}", run.stderr);
}

#[test]
fn export_import_remove() {
    let wallet = TestWallet::reference();
    let export = wallet.run(&["export"]).success();
    let dump_file = wallet.path().join("dump.json");
    std::fs::write(&dump_file, &export.stdout).unwrap();
    let other = TestWallet::empty();
    other
        .run(&["import", dump_file.to_str().unwrap()])
        .success();
    assert_eq!(other.list()["credentials"], wallet.list()["credentials"]);

    // Remove by credential type, then the same again fails.
    let run = other
        .run(&["remove", "irma-demo.MijnOverheid.ageLower"])
        .success();
    let removed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        removed["removed"]["credential"],
        "irma-demo.MijnOverheid.ageLower"
    );
    assert_eq!(other.list()["credentials"].as_array().unwrap().len(), 4);
    let run = other
        .run(&["remove", "irma-demo.MijnOverheid.ageLower"])
        .failure();
    assert!(run.stderr.contains("no credential"), "{}", run.stderr);
    // Remove by hash prefix.
    let hash = other.list()["credentials"][0]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    other.run(&["remove", &hash[..8]]).success();
    assert_eq!(other.list()["credentials"].as_array().unwrap().len(), 3);

    // A dump with another secret key cannot join a wallet with credentials.
    let mut dump: Value = serde_json::from_str(&export.stdout).unwrap();
    dump["dump"]["secretKey"] = json!("12345");
    std::fs::write(&dump_file, dump.to_string()).unwrap();
    let run = other
        .run(&["import", dump_file.to_str().unwrap()])
        .failure();
    assert!(run.stderr.contains("another secret key"), "{}", run.stderr);
}

#[test]
fn bad_session_input_is_an_error() {
    let wallet = TestWallet::empty();
    let run = wallet.run(&["session", "{\"u\": 5}"]).failure();
    assert!(
        run.stderr.contains("not a session pointer"),
        "{}",
        run.stderr
    );
    let run = wallet
        .run(&["session", "/nonexistent/pointer.json"])
        .failure();
    assert!(run.stderr.contains("opening"), "{}", run.stderr);
}

// ---- issuance and signatures ---------------------------------------------------------------

fn age_lower_issuance() -> Value {
    json!({"@context": "https://irma.app/ld/request/issuance/v2",
           "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
                            "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]})
}

#[tokio::test]
async fn issued_credentials_disclose_and_random_blinds_work() {
    let wallet = TestWallet::empty();
    let server = Server::start(&[]).await;
    let request = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [
            {"credential": "irma-demo.MijnOverheid.ageLower",
             "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}},
            {"credential": "irma-demo.MijnOverheid.fullName",
             "attributes": {"firstnames": "Ada Augusta", "firstname": "Ada", "familyname": "Lovelace"}},
            {"credential": "irma-demo.stemmen.stempas",
             "attributes": {"election": "test", "voteURL": "https://vote.example", "start": "1", "end": "2"}}]});
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let issued = report["sessions"][0]["issued"].as_array().unwrap();
    assert_eq!(issued.len(), 3);
    assert_eq!(
        issued[0]["attributes"]["irma-demo.MijnOverheid.ageLower.over21"],
        "no"
    );
    // An absent optional attribute is null; a random-blind one has a value nobody chose.
    assert!(issued[1]["attributes"]["irma-demo.MijnOverheid.fullName.prefix"].is_null());
    let blind = issued[2]["attributes"]["irma-demo.stemmen.stempas.votingnumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(blind.len() > 10, "{blind}");
    assert_eq!(result(&server, &package).await["status"], "DONE");
    assert_eq!(wallet.list()["credentials"].as_array().unwrap().len(), 3);
    assert!(wallet.path().join("secret-key.json").is_file());

    // The new credentials disclose, random-blind attribute included.
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["irma-demo.MijnOverheid.fullName.firstname", "irma-demo.MijnOverheid.fullName.prefix"]],
                     [["irma-demo.stemmen.stempas.votingnumber"]],
                     [["irma-demo.MijnOverheid.ageLower.over21"]]]});
    let package = server.start_session(&request).await;
    let (run, _) = wallet.session(&package, &[]);
    run.success();
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    assert_eq!(res["disclosed"][0][0]["rawvalue"], "Ada");
    assert_eq!(res["disclosed"][0][1]["status"], "NULL");
    assert_eq!(res["disclosed"][1][0]["rawvalue"], blind.as_str());
    assert_eq!(res["disclosed"][2][0]["rawvalue"], "no");

    // A singleton credential type replaces the old instance; others add up.
    let package = server.start_session(&age_lower_issuance()).await;
    wallet.session(&package, &[]).0.success();
    let list = wallet.list();
    let ages = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["credential"] == "irma-demo.MijnOverheid.ageLower")
        .count();
    assert!(ages >= 1);
}

#[tokio::test]
async fn combined_issuance_and_disclosure() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let mut request = age_lower_issuance();
    request["credentials"][0]["credential"] = json!("irma-demo.MijnOverheid.ageHigher");
    request["credentials"][0]["attributes"] =
        json!({"over50": "no", "over60": "no", "over65": "no", "over75": "no"});
    request["disclose"] = json!([[["irma-demo.MijnOverheid.fullName.familyname"]]]);
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(report["sessions"][0]["disclosed"][0][0]["value"], "Anders");
    assert_eq!(
        report["sessions"][0]["issued"][0]["credential"],
        "irma-demo.MijnOverheid.ageHigher"
    );
    let res = result(&server, &package).await;
    assert_eq!(res["status"], "DONE");
    assert_eq!(res["proofStatus"], "VALID");
    assert_eq!(res["disclosed"][0][0]["rawvalue"], "Anders");
    assert_eq!(wallet.list()["credentials"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn signatures_verify_afterwards() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    let request = json!({"@context": "https://irma.app/ld/request/signature/v2",
        "message": "I owe you one",
        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18", "irma-demo.MijnOverheid.fullName.familyname"]]]});
    let package = server.start_session(&request).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let signed = &report["sessions"][0]["signed"];
    assert_eq!(signed["message"], "I owe you one");
    assert!(signed["signature"]["timestamp"].is_null());
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    assert_eq!(res["signature"], signed["signature"]);

    let dir = tempfile::tempdir().unwrap();
    let sig = dir.path().join("sig.json");
    let req = dir.path().join("req.json");
    std::fs::write(&sig, res.to_string()).unwrap();
    std::fs::write(&req, request.to_string()).unwrap();
    let run = irma([
        "signature",
        "verify",
        sig.to_str().unwrap(),
        "--request",
        req.to_str().unwrap(),
        "--json",
    ])
    .success();
    let verdict: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(verdict["proofStatus"], "VALID", "{verdict}");
    // Another message does not match the signature.
    let mut other = request.clone();
    other["message"] = json!("I owe you nothing");
    std::fs::write(&req, other.to_string()).unwrap();
    let run = irma([
        "signature",
        "verify",
        sig.to_str().unwrap(),
        "--request",
        req.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(run.code, Some(3), "{}", run.stdout);
}

/// A loopback atum timestamp server with a fixed Ed25519 key; returns its URL.
async fn fake_atum() -> String {
    use axum::Json;
    use axum::routing::{get, post};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ed25519_dalek::Signer;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let server_url = url.clone();
    let stamp = move |Json(req): Json<Value>| {
        let (key, server_url) = (key.clone(), server_url.clone());
        async move {
            let nonce = STANDARD.decode(req["Nonce"].as_str().unwrap()).unwrap();
            let time = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let mut signed = time.to_be_bytes().to_vec();
            signed.extend_from_slice(&nonce);
            let sig = key.sign(&signed);
            Json(json!({"Error": null, "Info": null, "Stamp": {
                "Time": time, "ServerUrl": server_url,
                "Sig": {"Alg": "ed25519", "Data": STANDARD.encode(sig.to_bytes()),
                        "PublicKey": STANDARD.encode(key.verifying_key().to_bytes())}}}))
        }
    };
    let app = axum::Router::new().route("/", post(stamp)).route(
        "/checkPublicKey",
        get(|| async { Json(json!({"Trusted": true, "Expires": "2035-01-01T00:00:00Z"})) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Copies a folder recursively, making the copy writable.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), &dst).unwrap();
            let mut perm = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_carry_an_atum_timestamp() {
    let atum = fake_atum().await;
    // irma-demo with the loopback timestamp server, re-signed with its own key (as the
    // reference's loopback vectors were made).
    let tmp = tempfile::tempdir().unwrap();
    let scheme = tmp.path().join("irma-demo");
    copy_dir(&data_dir().join("schemes/irma-demo"), &scheme);
    let description = std::fs::read_to_string(scheme.join("description.xml")).unwrap();
    let changed = description.replace(
        "<TimestampServer>https://atumd.yivi.app/</TimestampServer>",
        &format!("<TimestampServer>{atum}</TimestampServer>"),
    );
    assert_ne!(changed, description);
    std::fs::write(scheme.join("description.xml"), changed).unwrap();
    irma([
        "scheme",
        "sign",
        scheme.join("sk.pem").to_str().unwrap(),
        scheme.to_str().unwrap(),
    ])
    .success();
    let schemes = scheme.to_str().unwrap();

    let wallet = TestWallet::empty();
    let dump = data_dir().join("vectors/credentials/wallet-P.json");
    wallet
        .run(&["--schemes-path", schemes, "import", dump.to_str().unwrap()])
        .success();
    let server = Server::start(&["--schemes-path", schemes]).await;
    let request = json!({"@context": "https://irma.app/ld/request/signature/v2",
        "message": "stamped",
        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let package = server.start_session(&request).await;
    let package_text = package.to_string();
    let run = irma(wallet.args(&["--schemes-path", schemes, "session", &package_text]));
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let signature = &report["sessions"][0]["signed"]["signature"];
    assert_eq!(
        signature["timestamp"]["ServerUrl"],
        atum.as_str(),
        "{report}"
    );

    // The signature verifies offline, its timestamp online against the (loopback) server.
    let sig = tmp.path().join("sig.json");
    std::fs::write(&sig, signature.to_string()).unwrap();
    let verify = irma([
        "signature",
        "verify",
        sig.to_str().unwrap(),
        "--schemes-path",
        schemes,
        "--json",
    ])
    .success();
    let verdict: Value = serde_json::from_str(&verify.stdout).unwrap();
    assert_eq!(verdict["proofStatus"], "VALID");
    assert_eq!(verdict["message"], "stamped");
    assert!(verdict["timestamp"]["time"].as_i64().unwrap() > 0);
    // Another timestamp server key is not trusted offline.
    let other = irma([
        "signature",
        "verify",
        sig.to_str().unwrap(),
        "--schemes-path",
        schemes,
        "--json",
        "--trust-timestamp-key",
        "r+klHf9m7sgcYfAUQ/xeTSS148U9mijuCqs6EPFu7Zo=",
    ]);
    assert_eq!(other.code, Some(3), "{}", other.stdout);

    // And the server accepted it.
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    assert_eq!(&res["signature"], signature);
}

/// Runs the wallet with `stdin` as its standard input.
fn run_with_stdin(wallet: &TestWallet, args: &[&str], stdin: &str) -> (Run, Value) {
    report(irma_stdin(wallet.args(args), stdin))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_and_pairing_code_from_stdin() {
    let wallet = TestWallet::reference();
    let server = Server::start(&[]).await;
    // A whole session package on stdin.
    let package = server.start_session(&over18()).await;
    let (run, report) = run_with_stdin(
        &wallet,
        &["session", "-", "--timestamp", "off"],
        &package.to_string(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(report["outcome"], "success");
    assert_eq!(result(&server, &package).await["proofStatus"], "VALID");

    // Only the session pointer, and a wrong pairing code read from stdin.
    let package = server.start_session(&over18()).await;
    let code = enable_pairing(&server, &package).await;
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let pointer = package["sessionPtr"].to_string();
    let (run, report) = run_with_stdin(
        &wallet,
        &["session", &pointer, "--pairing-code", "-"],
        &format!("{wrong}\n"),
    );
    assert_session_error(&run, &report, "mismatch");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");

    // Two of them from stdin: refused before anything happens.
    for args in [
        ["session", "-", "--pairing-code", "-"],
        ["--pin-file", "-", "session", "-"],
    ] {
        let run = wallet.run(&args).failure();
        assert!(run.stderr.contains("can come from stdin"), "{}", run.stderr);
    }
}
