//! Keyshare end to end on 127.0.0.1: our keyshare server (the library's, started in the test)
//! serves the recorded keyshare scheme `test`, re-signed with its own `sk.pem` for the
//! server's port; our `irma server` (the binary) issues `test.test.email` to our
//! `irma wallet` (the binary) enrolled there with a PIN, which then discloses it and signs
//! with it. A wallet refuses a credential whose issuer signed the app's bare commitment
//! without the keyshare server's `P` (what our server used to do).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use irma::crypto::idemix::{IssueCommitmentMessage, Issuer, PrivateKey, Proof};
use irma::jwt::keys::RsaPrivateKey;
use irma::jwt::keyshare::KeyshareSigner;
use irma::keyshare::{KeyshareServer, Settings, TOKEN_LIFETIME};
use irma::protocol::request::IssuanceRequest;
use irma::scheme::Configuration;
use irma::session::clock::Clock;
use irma::session::issue::credential_attributes;
use irma::session::validate::PrivateKeyFolder;
use irma::verifier::Verifier;
use serde_json::{Value, json};

use crate::util::{Run, Server, data_dir, irma, vector};
use crate::wallet::{TestWallet, assert_session_error, copy_dir, report, result};

const PIN: &str = "12345";

/// The schemes (`test` for a keyshare server at `kss_url`, re-signed) and the private key of
/// `test.test`, in a temporary folder.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(kss_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let scheme = dir.path().join("schemes/test");
        copy_dir(
            &data_dir().join("vectors/keyshare/scheme-test/test"),
            &scheme,
        );
        let desc = scheme.join("description.xml");
        let text = std::fs::read_to_string(&desc).unwrap();
        let changed = text.replace("http://127.0.0.1:48461", kss_url);
        assert_ne!(changed, text);
        std::fs::write(&desc, changed).unwrap();
        irma([
            "scheme",
            "sign",
            scheme.join("sk.pem").to_str().unwrap(),
            scheme.to_str().unwrap(),
        ])
        .success();
        let keys = dir.path().join("privkeys");
        std::fs::create_dir(&keys).unwrap();
        let setup = vector("keyshare/setup.json");
        std::fs::write(
            keys.join("test.test.xml"),
            setup["issuer_private_key_test_test_xml_test_only"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        Self { dir }
    }

    fn schemes(&self) -> PathBuf {
        self.dir.path().join("schemes")
    }

    fn privkeys(&self) -> PathBuf {
        self.dir.path().join("privkeys")
    }

    fn pin_file(&self, pin: &str) -> PathBuf {
        let path = self.dir.path().join(format!("pin-{pin}"));
        std::fs::write(&path, format!("{pin}\n")).unwrap();
        path
    }

    /// Runs `irma wallet` of `wallet` over these schemes.
    fn wallet(&self, wallet: &TestWallet, args: &[&str]) -> (Run, Value) {
        let schemes = self.schemes();
        let mut all = vec!["--schemes-path", schemes.to_str().unwrap()];
        all.extend_from_slice(args);
        report(wallet.run(&all))
    }

    fn session(&self, wallet: &TestWallet, package: &Value, pin: &str) -> (Run, Value) {
        let pin = self.pin_file(pin);
        let package = package.to_string();
        self.wallet(
            wallet,
            &[
                "--pin-file",
                pin.to_str().unwrap(),
                "session",
                &package,
                "--timestamp",
                "off",
            ],
        )
    }
}

/// Our keyshare server for the scheme `test` of `fixture`, on `listener`.
fn serve_keyshare(fixture: &Fixture, listener: tokio::net::TcpListener, url: &str) {
    let setup = vector("keyshare/setup.json");
    let pem = setup["keyshare_server"]["jwt_private_key_pem_test_only"]
        .as_str()
        .unwrap();
    let signer = KeyshareSigner::new(
        RsaPrivateKey::from_pem(pem.as_bytes()).unwrap(),
        0,
        "keyshare_server",
    );
    let schemes = Arc::new(Configuration::load(&fixture.schemes()).unwrap());
    let core = KeyshareServer::new(
        Settings {
            signer,
            keyshare_attribute: "test.test.mijnirma.email".parse().unwrap(),
            token_lifetime: TOKEN_LIFETIME,
            clock: Clock::System,
        },
        Arc::clone(&schemes),
    );
    let issuer = irma::server::keyshare::embedded_issuer(
        schemes,
        PrivateKeyFolder(Some(fixture.privkeys())),
        &format!("{url}/irma/"),
        Clock::System,
    );
    let router = irma::server::keyshare::router(Arc::new(core), issuer);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
}

/// A keyshare server on a free loopback port, and the schemes pointing at it.
async fn keyshare_world() -> Fixture {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fixture = Fixture::new(&url);
    serve_keyshare(&fixture, listener, &url);
    fixture
}

fn email_issuance() -> Value {
    json!({"@context": "https://irma.app/ld/request/issuance/v2",
           "credentials": [{"credential": "test.test.email",
                            "attributes": {"email": "alice@example.com"}}]})
}

/// Enrolls `wallet` with [`PIN`]; returns the username.
fn enroll(fixture: &Fixture, wallet: &TestWallet) -> String {
    let pin = fixture.pin_file(PIN);
    let (run, report) = fixture.wallet(
        wallet,
        &["--pin-file", pin.to_str().unwrap(), "enroll", "test"],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(report["enrolled"]["scheme"], "test");
    let issued = &report["sessions"][0]["issued"][0];
    assert_eq!(issued["credential"], "test.test.mijnirma");
    let username = report["enrolled"]["username"].as_str().unwrap().to_owned();
    assert_eq!(issued["attributes"]["test.test.mijnirma.email"], username);
    username
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolled_wallet_receives_discloses_and_signs_with_a_keyshare_credential() {
    let fixture = keyshare_world().await;
    let schemes = fixture.schemes();
    let privkeys = fixture.privkeys();
    let server = Server::start(&[
        "--schemes-path",
        schemes.to_str().unwrap(),
        "--privkeys",
        privkeys.to_str().unwrap(),
    ])
    .await;
    let wallet = TestWallet::empty();

    // Without enrollment the keyshare credential cannot be issued.
    let package = server.start_session(&email_issuance()).await;
    let (run, report) = fixture.session(&wallet, &package, PIN);
    assert_session_error(&run, &report, "irma wallet enroll test");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");

    let username = enroll(&fixture, &wallet);
    assert_eq!(username.len(), 12);
    use std::os::unix::fs::PermissionsExt;
    let account = std::fs::metadata(wallet.path().join("keyshare/test.json")).unwrap();
    assert_eq!(account.permissions().mode() & 0o777, 0o600);
    let (_, list) = fixture.wallet(&wallet, &["list"]);
    assert_eq!(list["keyshare"][0]["username"], username.as_str());
    // Enrolling twice is refused.
    let pin = fixture.pin_file(PIN);
    let (run, _) = fixture.wallet(
        &wallet,
        &["--pin-file", pin.to_str().unwrap(), "enroll", "test"],
    );
    assert_eq!(run.code, Some(3), "{}", run.stdout);
    assert!(run.stdout.contains("enrolled"), "{}", run.stdout);

    // Issuance: the wallet verifies the signature over its share and the keyshare server's.
    let package = server.start_session(&email_issuance()).await;
    let (run, report) = fixture.session(&wallet, &package, PIN);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let issued = &report["sessions"][0]["issued"][0];
    assert_eq!(issued["credential"], "test.test.email");
    assert_eq!(
        issued["attributes"]["test.test.email.email"],
        "alice@example.com"
    );
    let res = result(&server, &package).await;
    assert_eq!(
        (&res["status"], &res["proofStatus"]),
        (&json!("DONE"), &json!("VALID"))
    );
    let (_, list) = fixture.wallet(&wallet, &["list"]);
    let credentials = list["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 2, "{list}");
    assert!(list["unreadable"].as_array().unwrap().is_empty(), "{list}");
    // Stored with the keyshare server's P, which its signature covers.
    let email = credentials
        .iter()
        .find(|c| c["credential"] == "test.test.email")
        .unwrap();
    let stored = wallet
        .path()
        .join("credentials")
        .join(format!("{}.json", email["hash"].as_str().unwrap()));
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(stored).unwrap()).unwrap();
    assert!(
        stored["KeyshareP"].as_str().is_some_and(|p| p.len() > 100),
        "{stored}"
    );

    // Disclosure.
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                         "disclose": [[["test.test.email.email"]]]});
    let package = server.start_session(&request).await;
    let (run, _) = fixture.session(&wallet, &package, PIN);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    assert_eq!(res["disclosed"][0][0]["rawvalue"], "alice@example.com");

    // An attribute-based signature, which also verifies offline.
    let request = json!({"@context": "https://irma.app/ld/request/signature/v2",
                         "message": "keyshare signed",
                         "disclose": [[["test.test.email.email"]]]});
    let package = server.start_session(&request).await;
    let (run, report) = fixture.session(&wallet, &package, PIN);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let res = result(&server, &package).await;
    assert_eq!(res["proofStatus"], "VALID", "{res}");
    let signature = &report["sessions"][0]["signed"]["signature"];
    assert_eq!(&res["signature"], signature);
    let sig = fixture.dir.path().join("sig.json");
    std::fs::write(&sig, signature.to_string()).unwrap();
    let verify = irma([
        "signature",
        "verify",
        sig.to_str().unwrap(),
        "--schemes-path",
        schemes.to_str().unwrap(),
        "--json",
    ])
    .success();
    let verdict: Value = serde_json::from_str(&verify.stdout).unwrap();
    assert_eq!(verdict["proofStatus"], "VALID");

    // A wrong PIN: refused by the keyshare server, tried once; the session is cancelled.
    let package = server.start_session(&request).await;
    let (run, report) = fixture.session(&wallet, &package, "54321");
    assert_session_error(&run, &report, "wrong PIN");
    assert_session_error(&run, &report, "2 attempts left");
    assert_eq!(result(&server, &package).await["status"], "CANCELLED");
}

/// An issuer (on loopback) that verifies the app's commitments as our server does, but then
/// signs the `U` the app sent, without the keyshare server's `P`.
async fn bare_u_issuer(fixture: &Fixture) -> Value {
    use axum::routing::{get, post};
    let schemes = Arc::new(Configuration::load(&fixture.schemes()).unwrap());
    let xml = std::fs::read_to_string(fixture.privkeys().join("test.test.xml")).unwrap();
    let sk = Arc::new(PrivateKey::from_xml(&xml).unwrap());
    let now = || {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        i64::try_from(secs).unwrap()
    };
    let request = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "context": "AQ==", "nonce": "F0NacNUffm8p70SRrGublA==", "protocolVersion": "2.8",
        "devMode": true,
        "credentials": [{"validity": now() + 30 * 24 * 3600, "keyCounter": 3,
                         "credential": "test.test.email",
                         "attributes": {"email": "mallory@example.com"}}]});
    let first = json!({"@context": "https://irma.app/ld/request/client/v1",
        "protocolVersion": "2.8",
        "options": {"@context": "https://irma.app/ld/options/v1", "pairingMethod": "none"},
        "request": request});
    let issuance: IssuanceRequest = serde_json::from_value(request).unwrap();
    let commitments = move |body: String| {
        let (schemes, sk, issuance) = (Arc::clone(&schemes), Arc::clone(&sk), issuance.clone());
        async move {
            let now = now();
            let msg: IssueCommitmentMessage = serde_json::from_str(&body).unwrap();
            let verifier = Verifier::new(Arc::clone(&schemes));
            let checked = verifier
                .verify_commitments(&msg, &[], &issuance, now)
                .unwrap();
            assert!(checked.to_sign().is_some(), "the commitments verify");
            let Some(Proof::U(proof)) = msg.proofs.0.last() else {
                panic!("no ProofU");
            };
            let cred = &issuance.credentials[0];
            let credtype = schemes.credential_type(&cred.credential).unwrap();
            let attributes = credential_attributes(cred, credtype, 3, now, None).unwrap();
            let pk = checked.to_sign().unwrap()[0].public_key().clone();
            let one = num_bigint::BigUint::from(1u8);
            let issuer = Issuer::new(&sk, &pk, &one).unwrap();
            let sig = issuer
                .issue_signature(&proof.u.0, &attributes, &msg.nonce2.0)
                .unwrap();
            axum::Json(json!({"proofStatus": "VALID", "sigs": [sig]}))
        }
    };
    let app = axum::Router::new()
        .route(
            "/irma/session/bare/",
            get(move || {
                let first = first.clone();
                async move { axum::Json(first) }
            })
            .delete(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route("/irma/session/bare/commitments", post(commitments));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/irma/session/bare",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    json!({"u": url, "irmaqr": "issuing"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_over_the_bare_commitment_is_refused() {
    let fixture = keyshare_world().await;
    let wallet = TestWallet::empty();
    enroll(&fixture, &wallet);
    let pointer = bare_u_issuer(&fixture).await;
    let (run, report) = fixture.session(&wallet, &pointer, PIN);
    assert_session_error(&run, &report, "signature does not verify");
    let (_, list) = fixture.wallet(&wallet, &["list"]);
    let credentials = list["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1, "only the keyshare attribute: {list}");
    assert_eq!(credentials[0]["credential"], "test.test.mijnirma");
}

/// The PIN is required, read from a file, and checked before any keyshare step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_needs_a_pin_of_five_characters() {
    let fixture = keyshare_world().await;
    let wallet = TestWallet::empty();
    let (run, report) = fixture.wallet(&wallet, &["enroll", "test"]);
    assert_session_error(&run, &report, "give the keyshare PIN");
    let short = fixture.pin_file("1234");
    let (run, report) = fixture.wallet(
        &wallet,
        &["--pin-file", short.to_str().unwrap(), "enroll", "test"],
    );
    assert_session_error(&run, &report, "at least 5 characters");
    let pin = fixture.pin_file(PIN);
    let (run, report) = fixture.wallet(
        &wallet,
        &["--pin-file", pin.to_str().unwrap(), "enroll", "irma-demo"],
    );
    assert_session_error(&run, &report, "irma-demo");
    let (_, list) = fixture.wallet(&wallet, &["list"]);
    assert!(list["keyshare"].as_array().unwrap().is_empty());
    assert!(!Path::new(&wallet.path().join("keyshare/test.json")).exists());
}

/// The keyshare server's answers to bad requests: the reference's JSON errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyshare_server_errors_are_the_reference_json() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fixture = Fixture::new(&url);
    serve_keyshare(&fixture, listener, &url);
    let http = reqwest::Client::new();
    let post = |path: &str, headers: &[(&str, &str)], body: &str| {
        let mut request = http.post(format!("{url}{path}")).body(body.to_owned());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let health = http.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "OK");

    // The recorded PIN check of a user this server does not know.
    let recorded = vector("keyshare/issuance-email.json");
    let verify_start = recorded["keyshare_exchanges"][0]["request_body_raw"]
        .as_str()
        .unwrap();
    let (status, body) = post("/users/verify_start", &[], verify_start).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "USER_NOT_REGISTERED");
    assert_eq!(body["description"], "User is not yet fully registered");

    // Malformed bodies, and keyshare calls without a valid access token.
    let (status, body) = post("/users/verify/pin_challengeresponse", &[], "{").await;
    assert_eq!((status, &body["error"]), (400, &json!("INVALID_REQUEST")));
    let (status, body) = post("/users/verify/pin_challengeresponse", &[], "{}").await;
    assert_eq!((status, &body["message"]), (400, &json!("wrong endpoint")));
    let wallet = TestWallet::empty();
    let username = enroll(&fixture, &wallet);
    for path in [
        "/prove/getCommitments",
        "/api/v2/prove/getPs",
        "/api/v1/prove/getCommitments",
    ] {
        let headers = [
            ("X-IRMA-Keyshare-Username", username.as_str()),
            ("Authorization", "not a token"),
        ];
        let (status, body) = post(path, &headers, r#"["test.test-3"]"#).await;
        assert_eq!(
            (status, &body["error"]),
            (400, &json!("INVALID_REQUEST")),
            "{path}"
        );
        let headers = [("X-IRMA-Keyshare-Username", "nobody")];
        let (status, body) = post(path, &headers, r#"["test.test-3"]"#).await;
        assert_eq!(
            (status, &body["error"]),
            (403, &json!("USER_NOT_REGISTERED")),
            "{path}"
        );
    }
}
