//! Chained sessions, static sessions, result callbacks, `augmentReturnUrl` and the host
//! check: the real `irma server` and `irma wallet` (the app) against a test backend on
//! 127.0.0.1 that plays the requestor's next-session and callback endpoints.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::util::{Run, Server, data_dir, irma};

/// One request the backend received.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    content_type: String,
    body: String,
}

/// What the backend answers, in order; once used up, `200` without a body.
type Answers = Arc<Mutex<VecDeque<(u16, Option<Value>)>>>;

#[derive(Clone)]
struct BackendState {
    hits: Arc<Mutex<Vec<Hit>>>,
    answers: Answers,
}

/// The requestor's endpoints on 127.0.0.1: records every request and answers from a list.
struct Backend {
    base: String,
    state: BackendState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(State(state): State<BackendState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap();
    state.hits.lock().unwrap().push(Hit {
        path,
        content_type,
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let answer = state.answers.lock().unwrap().pop_front();
    match answer {
        Some((status, Some(v))) => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
        Some((status, None)) => StatusCode::from_u16(status).unwrap().into_response(),
        None => StatusCode::OK.into_response(),
    }
}

impl Backend {
    async fn start(answers: Vec<(u16, Option<Value>)>) -> Self {
        let state = BackendState {
            hits: Arc::default(),
            answers: Arc::new(Mutex::new(answers.into())),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, state, task }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "only {} requests: {hits:?}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn disclose(attr: &str) -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2", "disclose": [[[attr]]]})
}

const OVER18: &str = "irma-demo.MijnOverheid.ageLower.over18";
const CITY: &str = "irma-demo.MijnOverheid.address.city";

/// A wallet holding the reference's credentials (wallet P), in a temporary directory.
struct TestWallet {
    dir: tempfile::TempDir,
}

impl TestWallet {
    fn reference() -> Self {
        let w = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let dump = data_dir().join("vectors/credentials/wallet-P.json");
        w.run(&["import", dump.to_str().unwrap()]).success();
        w
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["wallet", "--storage", self.dir.path().to_str().unwrap()];
        all.extend_from_slice(args);
        irma(all)
    }

    /// Runs a session on a package or pointer in a blocking task; returns its report.
    async fn session(self: &Arc<Self>, pointer: &Value) -> (Run, Value) {
        let wallet = Arc::clone(self);
        let pointer = pointer.to_string();
        tokio::task::spawn_blocking(move || {
            let run = wallet.run(&["session", &pointer, "--timestamp", "off"]);
            // A failed session may print no report.
            let report = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
            (run, report)
        })
        .await
        .unwrap()
    }
}

async fn get_json(server: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = server.call("GET", path, headers, None).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

async fn result(server: &Server, token: &str) -> Value {
    let (status, v) = get_json(server, &format!("/session/{token}/result"), &[]).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn client_path(pointer: &Value) -> String {
    let u = pointer["u"].as_str().unwrap();
    let i = u.find("/irma/").unwrap();
    u[i..].to_owned()
}

fn ids(disclosed: &Value) -> Vec<Vec<(String, String)>> {
    disclosed
        .as_array()
        .unwrap()
        .iter()
        .map(|con| {
            con.as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["id"].as_str().unwrap().to_owned(),
                        a["rawvalue"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

fn pair(id: &str, value: &str) -> Vec<(String, String)> {
    vec![(id.to_owned(), value.to_owned())]
}

/// A configuration file in a temporary directory.
fn config_file(config: &Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("irmaserver.json");
    std::fs::write(&path, serde_json::to_vec(config).unwrap()).unwrap();
    (dir, path)
}

/// The reference's recorded server JWT key, in a file.
fn jwt_key_file(dir: &Path) -> String {
    let text = std::fs::read_to_string(data_dir().join("vectors/jwt/server-config-and-keys.json"))
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let path = dir.join("jwt.pem");
    std::fs::write(&path, v["keys"]["server_jwt_private_pem"].as_str().unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn chain_discloses_again_and_ends_on_204() {
    // First POST: the next session asks the city and continues the chain; second POST:
    // no more sessions.
    let backend = Backend::start(vec![]).await;
    let next = json!({"request": disclose(CITY), "nextSession": {"url": backend.url("/next")}});
    backend
        .state
        .answers
        .lock()
        .unwrap()
        .extend([(200, Some(next)), (204, None)]);
    let server = Server::start(&["--allow-unsigned-callbacks"]).await;
    let mut request =
        json!({"request": disclose(OVER18), "nextSession": {"url": backend.url("/next")}});
    request["validity"] = json!(60);
    let package = server.start_session(&request).await;
    assert_eq!(package["frontendRequest"]["pairingHint"], true);

    let wallet = Arc::new(TestWallet::reference());
    let (run, report) = wallet.session(&package).await;
    assert_eq!(report["outcome"], "success", "{}", run.stderr);
    let sessions = report["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{report}");

    // The first result names the second session; the frontend sees its pointer.
    let first = result(&server, package["token"].as_str().unwrap()).await;
    assert_eq!(first["status"], "DONE");
    assert_eq!(ids(&first["disclosed"]), vec![pair(OVER18, "yes")]);
    let next_token = first["nextSession"].as_str().unwrap().to_owned();
    let auth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let (status, frontend) = get_json(
        &server,
        &format!("{}/frontend/status", client_path(&package["sessionPtr"])),
        &[("Authorization", auth)],
    )
    .await;
    assert_eq!(status, 200, "{frontend}");
    assert_eq!(frontend["status"], "DONE");
    let next_ptr = &frontend["nextSession"];
    assert_eq!(next_ptr["irmaqr"], "disclosing");
    // The chain keeps the frontend authorization.
    let (status, next_frontend) = get_json(
        &server,
        &format!("{}/frontend/status", client_path(next_ptr)),
        &[("Authorization", auth)],
    )
    .await;
    assert_eq!(status, 200, "{next_frontend}");
    assert_eq!(next_frontend["status"], "DONE");

    // The second session's result holds the city and, implicitly, over18 again.
    let second = result(&server, &next_token).await;
    assert_eq!(second["status"], "DONE");
    assert_eq!(second["proofStatus"], "VALID");
    assert_eq!(
        ids(&second["disclosed"]),
        vec![pair(CITY, "Nijmegen"), pair(OVER18, "yes")]
    );
    assert!(second.get("nextSession").is_none(), "{second}");

    // The backend got both results, unsigned, while each session was still CONNECTED.
    let hits = backend.wait_for(2).await;
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        assert_eq!(hit.path, "/next");
        assert!(hit.content_type.starts_with("application/json"), "{hit:?}");
    }
    let posted: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(posted["status"], "CONNECTED");
    assert_eq!(posted["proofStatus"], "VALID");
    assert_eq!(posted["token"], package["token"]);
    assert_eq!(ids(&posted["disclosed"]), vec![pair(OVER18, "yes")]);
    let posted: Value = serde_json::from_str(&hits[1].body).unwrap();
    assert_eq!(posted["token"].as_str(), Some(next_token.as_str()));
    assert_eq!(ids(&posted["disclosed"]).len(), 2);
}

#[tokio::test]
async fn next_session_needs_the_first_requestors_permissions() {
    let backend = Backend::start(vec![(200, Some(disclose(CITY)))]).await;
    let config = json!({
        "no_auth": false,
        "allow_unsigned_callbacks": true,
        "disclose_perms": [],
        "requestors": {
            "limited": {"auth_method": "token", "key": "limited-token",
                        "disclose_perms": [OVER18]}
        }
    });
    let (_dir, path) = config_file(&config);
    let server = Server::start(&["--config", path.to_str().unwrap()]).await;
    let start = |request: Value| {
        let server = &server;
        async move {
            let (status, _, body) = server
                .call(
                    "POST",
                    "/session",
                    &[
                        ("Content-Type", "application/json"),
                        ("Authorization", "limited-token"),
                    ],
                    Some(&request.to_string()),
                )
                .await;
            (status, serde_json::from_str::<Value>(&body).unwrap())
        }
    };
    // The requestor cannot ask the city itself…
    let (status, v) = start(disclose(CITY)).await;
    assert_eq!(status, 403, "{v}");
    // …nor through its next session.
    let (status, package) = start(json!({"request": disclose(OVER18),
                                         "nextSession": {"url": backend.url("/next")}}))
    .await;
    assert_eq!(status, 200, "{package}");
    let wallet = Arc::new(TestWallet::reference());
    let (_run, report) = wallet.session(&package).await;
    assert_ne!(report["outcome"], "success", "{report}");

    let first = result(&server, package["token"].as_str().unwrap()).await;
    assert_eq!(first["status"], "CANCELLED", "{first}");
    assert_eq!(first["error"]["error"], "NEXT_SESSION", "{first}");
    let message = first["error"]["message"].as_str().unwrap();
    assert!(message.contains("not authorized"), "{message}");
    assert!(message.contains(CITY), "{message}");
    assert!(first.get("nextSession").is_none());
    assert_eq!(backend.hits().len(), 1);
}

#[tokio::test]
async fn next_session_with_a_foreign_host_is_refused() {
    // The next session names a host the first session's requestor may not use.
    let mut next = disclose(CITY);
    next["host"] = json!("evil.example");
    let backend = Backend::start(vec![(200, Some(next))]).await;
    let server = Server::start(&["--allow-unsigned-callbacks"]).await;
    let package = server
        .start_session(&json!({"request": disclose(OVER18),
                               "nextSession": {"url": backend.url("/next")}}))
        .await;
    let wallet = Arc::new(TestWallet::reference());
    let (_run, report) = wallet.session(&package).await;
    assert_ne!(report["outcome"], "success", "{report}");

    let first = result(&server, package["token"].as_str().unwrap()).await;
    assert_eq!(first["status"], "CANCELLED", "{first}");
    assert_eq!(first["error"]["error"], "NEXT_SESSION", "{first}");
    assert_eq!(
        first["error"]["message"],
        "next session not authorized: requestor not allowed to use the requested host"
    );
    assert!(first.get("nextSession").is_none());
    assert_eq!(backend.hits().len(), 1);
}

#[tokio::test]
async fn static_session_with_a_foreign_host_is_refused_at_startup() {
    let mut request = disclose(OVER18);
    request["host"] = json!("evil.example");
    let statics =
        json!({"age": {"callbackUrl": "https://example.com/cb", "request": request}}).to_string();
    let run = irma([
        "server",
        "check",
        "--allow-unsigned-callbacks",
        "--static-sessions",
        statics.as_str(),
    ])
    .failure();
    assert!(
        run.stderr
            .contains("static session age: requestor not allowed to use the requested host"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn unsigned_callbacks_are_refused_unless_allowed() {
    let server = Server::start(&[]).await;
    for request in [
        json!({"request": disclose(OVER18), "callbackUrl": "http://127.0.0.1:9/cb"}),
        json!({"request": disclose(OVER18), "nextSession": {"url": "http://127.0.0.1:9/n"}}),
    ] {
        let (status, _, body) = server
            .call(
                "POST",
                "/session",
                &[("Content-Type", "application/json")],
                Some(&request.to_string()),
            )
            .await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "UNSUPPORTED", "{v}");
        assert_ne!(status, 200);
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("allow_unsigned_callbacks")
        );
    }
}

#[tokio::test]
async fn callback_retried_after_a_failure_and_signed() {
    let backend = Backend::start(vec![(500, None), (200, None)]).await;
    let dir = tempfile::tempdir().unwrap();
    let key = jwt_key_file(dir.path());
    let server = Server::start(&["--jwt-privkey-file", &key]).await;
    let request = json!({"request": disclose(OVER18), "callbackUrl": backend.url("/cb?secret=s")});
    let package = server.start_session(&request).await;
    let wallet = Arc::new(TestWallet::reference());
    let (run, report) = wallet.session(&package).await;
    assert_eq!(report["outcome"], "success", "{}", run.stderr);

    let hits = backend.wait_for(2).await;
    assert_eq!(
        hits[0].body, hits[1].body,
        "every attempt sends the same result"
    );
    let jwt = &hits[1].body;
    assert!(hits[1].content_type.starts_with("text/plain"), "{hits:?}");
    // Verified with the server's /publickey.
    let (status, _, pem) = server.call("GET", "/publickey", &[], None).await;
    assert_eq!(status, 200);
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], "disclosing_result");
    assert_eq!(claims["iss"], "irmaserver");
    assert_eq!(claims["status"], "DONE");
    assert_eq!(claims["token"], package["token"]);
    assert_eq!(ids(&claims["disclosed"]), vec![pair(OVER18, "yes")]);
    // No more attempts after the success.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(backend.hits().len(), 2);
}

#[tokio::test]
async fn cancelled_session_calls_back_too() {
    let backend = Backend::start(vec![]).await;
    let server = Server::start(&["--allow-unsigned-callbacks"]).await;
    let request = json!({"request": disclose(OVER18), "callbackUrl": backend.url("/cb")});
    let package = server.start_session(&request).await;
    let token = package["token"].as_str().unwrap();
    let (status, _, body) = server
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert_eq!(status, 200, "{body}");
    let hits = backend.wait_for(1).await;
    let posted: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(posted["status"], "CANCELLED");
    assert_eq!(posted["token"], token);
}

#[tokio::test]
async fn static_session_redirects_and_calls_back() {
    let backend = Backend::start(vec![]).await;
    let statics = json!({
        "age": {"callbackUrl": backend.url("/static-cb"), "request": disclose(OVER18)}
    });
    let server = Server::start(&[
        "--allow-unsigned-callbacks",
        "--static-sessions",
        &statics.to_string(),
    ])
    .await;
    // The static QR: the app POSTs to it and gets the real pointer.
    let (status, _, body) = server
        .call("POST", "/irma/session/nope", &[], Some("{}"))
        .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["message"], "unknown static session");

    let qr = json!({"u": server.url("/irma/session/age"), "irmaqr": "redirect"});
    let wallet = Arc::new(TestWallet::reference());
    let (run, report) = wallet.session(&qr).await;
    assert_eq!(report["outcome"], "success", "{}", run.stderr);

    let hits = backend.wait_for(1).await;
    assert_eq!(hits[0].path, "/static-cb");
    let posted: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(posted["status"], "DONE");
    assert_eq!(posted["proofStatus"], "VALID");
    assert_eq!(ids(&posted["disclosed"]), vec![pair(OVER18, "yes")]);
}

#[tokio::test]
async fn host_must_match_the_apps_host_header() {
    // A requestor allowed to name that host (host_perms).
    let config = json!({
        "no_auth": false,
        "requestors": {"app": {"auth_method": "token", "key": "app-token",
                               "host_perms": ["irma.example.com"]}}
    });
    let (_dir, config) = config_file(&config);
    let server = Server::start(&["--config", config.to_str().unwrap()]).await;
    let mut request = disclose(OVER18);
    request["host"] = json!("irma.example.com");
    let (status, _, body) = server
        .call(
            "POST",
            "/session",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", "app-token"),
            ],
            Some(&request.to_string()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let package: Value = serde_json::from_str(&body).unwrap();
    let pointer = &package["sessionPtr"];
    assert!(
        pointer["u"]
            .as_str()
            .unwrap()
            .starts_with("http://irma.example.com/irma/session/"),
        "{pointer}"
    );
    let path = client_path(pointer);
    let headers = [
        ("X-IRMA-MinProtocolVersion", "2.8"),
        ("X-IRMA-MaxProtocolVersion", "2.8"),
        ("Authorization", "app"),
    ];
    let (status, v) = get_json(&server, &format!("{path}/"), &headers).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["error"], "UNAUTHORIZED");
    assert_eq!(v["message"], "Host mismatch");
    assert_eq!(
        server.status(package["token"].as_str().unwrap()).await,
        "INITIALIZED"
    );

    // The right Host header is let through.
    let mut with_host = headers.to_vec();
    with_host.push(("Host", "irma.example.com"));
    let (status, v) = get_json(&server, &format!("{path}/"), &with_host).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["request"]["disclose"][0][0][0], OVER18);
}

#[tokio::test]
async fn client_return_url_is_augmented_when_enabled() {
    let mut request = disclose(OVER18);
    request["clientReturnUrl"] = json!("https://example.com/done?x=1");
    request["augmentReturnUrl"] = json!(true);

    let plain = Server::start(&[]).await;
    let (status, _, body) = plain
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some(&request.to_string()),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("augmenting client return url not enabled"),
        "{body}"
    );

    let server = Server::start(&["--augment-client-return-url"]).await;
    let package = server.start_session(&request).await;
    let token = package["token"].as_str().unwrap();
    let headers = [
        ("X-IRMA-MinProtocolVersion", "2.8"),
        ("X-IRMA-MaxProtocolVersion", "2.8"),
        ("Authorization", "app"),
    ];
    let path = client_path(&package["sessionPtr"]);
    let (status, v) = get_json(&server, &format!("{path}/"), &headers).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["request"]["clientReturnUrl"],
        format!("https://example.com/done?x=1&token={token}")
    );

    let mut empty = disclose(OVER18);
    empty["augmentReturnUrl"] = json!(true);
    let (status, _, body) = server
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some(&empty.to_string()),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("cannot augment empty client return url"),
        "{body}"
    );
}

#[tokio::test]
async fn failing_next_session_url_cancels_with_next_session() {
    let backend = Backend::start(vec![(500, None), (200, Some(json!({"not": "a request"})))]).await;
    let server = Server::start(&["--allow-unsigned-callbacks"]).await;
    let wallet = Arc::new(TestWallet::reference());
    // A body without `@context` that is no legacy request either: the reference's message.
    for expected in [
        "answered HTTP 500",
        "Failed to JSON unmarshal request bytes",
    ] {
        let request =
            json!({"request": disclose(OVER18), "nextSession": {"url": backend.url("/next")}});
        let package = server.start_session(&request).await;
        let (_run, report) = wallet.session(&package).await;
        assert_ne!(report["outcome"], "success", "{report}");
        let first = result(&server, package["token"].as_str().unwrap()).await;
        assert_eq!(first["status"], "CANCELLED", "{first}");
        assert_eq!(first["error"]["error"], "NEXT_SESSION", "{first}");
        let message = first["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
        assert!(first.get("disclosed").is_none(), "{first}");
    }
    assert_eq!(backend.hits().len(), 2);
}
