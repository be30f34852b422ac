//! Operating `irma server`: `/metrics` scraped and parsed as Prometheus text after sessions
//! of every type and outcome, where `/metrics` is served, `/ready` with Redis stopped and
//! started, the drain on SIGTERM, and the Grafana dashboard's metric names.

use std::time::{Duration, Instant};

use prometheus_parse::{Scrape, Value as Sample};
use serde_json::{Value, json};

use crate::app::App;
use crate::redis::{Redis, flags};
use crate::util::{Server, free_port, repo_root, sse_events};
use crate::wallet::TestWallet;

/// The requestor of [`requestor_config`] and its token.
const REQUESTOR: &str = "shop";
const REQUESTOR_KEY: &str = "ops-test-requestor-key-9f3e";

/// A distinctive attribute value, looked for in the metrics.
const SURNAME: &str = "Quetzalcoatlus";

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

/// Writes a configuration with one token requestor allowed everything.
fn requestor_config() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("irmaserver.json");
    let config = json!({"no_auth": false, "requestors": {REQUESTOR: {
        "auth_method": "token", "key": REQUESTOR_KEY,
        "disclose_perms": ["*"], "sign_perms": ["*"], "issue_perms": ["*"]}}});
    std::fs::write(&path, config.to_string()).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

/// `POST /session` as [`REQUESTOR`]; the package.
async fn start(server: &Server, request: &Value) -> Value {
    let (status, _, body) = server
        .call(
            "POST",
            "/session",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", REQUESTOR_KEY),
            ],
            Some(&request.to_string()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn token(package: &Value) -> &str {
    package["token"].as_str().unwrap()
}

fn app_url(package: &Value) -> &str {
    package["sessionPtr"]["u"].as_str().unwrap()
}

/// `GET url` as Prometheus text: the text and its parse.
async fn scrape(url: &str) -> (String, Scrape) {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    (text, parsed)
}

/// The sum of the samples `name` whose labels include `labels`.
fn sum(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => *v,
            other => panic!("{name}: not a number: {other:?}"),
        })
        .sum()
}

/// Whether a sample `name` exists (whatever its value).
fn has(scrape: &Scrape, name: &str) -> bool {
    scrape.samples.iter().any(|s| s.metric == name)
}

async fn wait_for_status(server: &Server, token: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.status(token).await != want {
        assert!(Instant::now() < deadline, "status never became {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn metrics_count_sessions_of_every_type_and_outcome() {
    let (_dir, config) = requestor_config();
    let server = Server::start(&["--config", &config]).await;
    let app = App::new();
    let mut secrets = vec![REQUESTOR_KEY.to_owned(), SURNAME.to_owned()];
    let mut keep = |package: &Value| {
        secrets.push(token(package).to_owned());
        secrets.push(app_url(package).rsplit('/').next().unwrap().to_owned());
        package.clone()
    };

    // Disclosures: VALID, INVALID (proofs over another nonce), cancelled by the app,
    // timed out, and two left pending (one INITIALIZED, one CONNECTED).
    let valid = keep(&start(&server, &over18()).await);
    app.disclose(app_url(&valid), false).await;
    let invalid = keep(&start(&server, &over18()).await);
    app.disclose(app_url(&invalid), true).await;
    let cancelled = keep(&start(&server, &over18()).await);
    app.connect(app_url(&cancelled)).await;
    app.cancel(app_url(&cancelled)).await;
    let timed_out = keep(&start(&server, &json!({"timeout": 1, "request": over18()})).await);
    keep(&start(&server, &over18()).await);
    let connected = keep(&start(&server, &over18()).await);
    app.connect(app_url(&connected)).await;

    // An issuance (with a value looked for below) and a signature, by the wallet.
    let issuance = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.fullName",
            "attributes": {"firstnames": "Ada", "firstname": "Ada", "familyname": SURNAME}}]});
    let issuing = keep(&start(&server, &issuance).await);
    TestWallet::empty().session(&issuing, &[]).0.success();
    let signature = json!({"@context": "https://irma.app/ld/request/signature/v2",
        "message": "metrics", "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let signing = keep(&start(&server, &signature).await);
    TestWallet::reference().session(&signing, &[]).0.success();
    wait_for_status(&server, token(&timed_out), "TIMEOUT").await;
    for (package, status) in [(&valid, "DONE"), (&invalid, "DONE"), (&signing, "DONE")] {
        assert_eq!(server.status(token(package)).await, status);
    }
    let (code, _, body) = server
        .call(
            "GET",
            &format!("/session/{}/result", token(&valid)),
            &[],
            None,
        )
        .await;
    assert_eq!(code, 200, "{body}");

    let (text, m) = scrape(&server.url("/metrics")).await;
    let started = "irma_sessions_started_total";
    let by = |t: &'static str| [("type", t), ("requestor", REQUESTOR)];
    assert_eq!(sum(&m, started, &by("disclosing")), 6.0, "{text}");
    assert_eq!(sum(&m, started, &by("issuing")), 1.0);
    assert_eq!(sum(&m, started, &by("signing")), 1.0);
    assert_eq!(sum(&m, started, &[]), 8.0);

    let ended = "irma_sessions_ended_total";
    let end = |t, status, proof| [("type", t), ("status", status), ("proof_status", proof)];
    assert_eq!(
        sum(&m, ended, &end("disclosing", "DONE", "VALID")),
        1.0,
        "{text}"
    );
    assert_eq!(sum(&m, ended, &end("disclosing", "DONE", "INVALID")), 1.0);
    assert_eq!(sum(&m, ended, &end("disclosing", "CANCELLED", "none")), 1.0);
    assert_eq!(sum(&m, ended, &end("disclosing", "TIMEOUT", "none")), 1.0);
    assert_eq!(sum(&m, ended, &end("issuing", "DONE", "VALID")), 1.0);
    assert_eq!(sum(&m, ended, &end("signing", "DONE", "VALID")), 1.0);
    assert_eq!(sum(&m, ended, &[]), 6.0);

    let pending = "irma_sessions_pending";
    assert_eq!(
        sum(&m, pending, &[("status", "INITIALIZED")]),
        1.0,
        "{text}"
    );
    assert_eq!(sum(&m, pending, &[("status", "CONNECTED")]), 1.0);
    assert_eq!(sum(&m, pending, &[("status", "PAIRING")]), 0.0);

    // Histograms: one observation per ended session and per verified message.
    let duration = "irma_session_duration_seconds_count";
    assert_eq!(
        sum(&m, duration, &[("type", "disclosing"), ("status", "DONE")]),
        2.0
    );
    assert_eq!(sum(&m, duration, &[]), 6.0);
    let timeout_took = sum(
        &m,
        "irma_session_duration_seconds_sum",
        &[("status", "TIMEOUT")],
    );
    assert!((0.5..30.0).contains(&timeout_took), "{timeout_took}");
    let verification = "irma_proof_verification_seconds_count";
    assert_eq!(
        sum(&m, verification, &[("type", "disclosing")]),
        2.0,
        "{text}"
    );
    assert_eq!(sum(&m, verification, &[("type", "signing")]), 1.0);
    assert_eq!(sum(&m, verification, &[("type", "issuing")]), 1.0);
    assert_eq!(sum(&m, verification, &[("key_bits", "unknown")]), 0.0);
    assert!(sum(&m, "irma_proof_verification_seconds_sum", &[]) > 0.0);
    assert_eq!(
        sum(&m, "irma_issuance_seconds_count", &[("type", "issuing")]),
        1.0
    );
    assert!(sum(&m, "irma_issuance_seconds_sum", &[]) > 0.0);

    // Requests by route template and status code, never by path.
    let http = "irma_http_request_duration_seconds_count";
    let route = |r, method, code| [("route", r), ("method", method), ("code", code)];
    assert_eq!(
        sum(&m, http, &route("/session", "POST", "200")),
        8.0,
        "{text}"
    );
    assert_eq!(
        sum(&m, http, &route("/irma/session/:ct/proofs", "POST", "200")),
        3.0
    );
    assert_eq!(
        sum(&m, http, &route("/session/:token/result", "GET", "200")),
        1.0
    );

    // Build info and the process.
    assert_eq!(
        sum(
            &m,
            "irma_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert!(sum(&m, "process_cpu_seconds_total", &[]) > 0.0);
    assert!(sum(&m, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(sum(&m, "process_open_fds", &[]) >= 3.0);
    assert!(sum(&m, "process_start_time_seconds", &[]) > 1.6e9);
    assert_eq!(sum(&m, "irma_draining", &[]), 0.0);
    assert!(has(&m, "irma_result_posts_total"));

    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{secret} in the metrics");
    }
}

#[tokio::test]
async fn an_unknown_route_counts_as_one_label_and_a_failed_start_by_its_code() {
    let server = Server::start(&[]).await;
    for i in 0..5 {
        let (code, _, _) = server
            .call("GET", &format!("/no/such/path/{i}"), &[], None)
            .await;
        assert_eq!(code, 404);
    }
    let (code, _, body) = server
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some("{"),
        )
        .await;
    assert!((400..500).contains(&code), "{code} {body}");
    let refused = code.to_string();
    let package = server.start_session(&over18()).await;
    let (_, m) = scrape(&server.url("/metrics")).await;
    let http = "irma_http_request_duration_seconds_count";
    assert_eq!(
        sum(&m, http, &[("route", "unmatched"), ("code", "404")]),
        5.0
    );
    let failed_start = [("route", "/session"), ("code", refused.as_str())];
    assert_eq!(sum(&m, http, &failed_start), 1.0);
    // Without authentication the requestor is `none`.
    assert_eq!(
        sum(&m, "irma_sessions_started_total", &[("requestor", "none")]),
        1.0
    );
    let routes: Vec<&str> = m
        .samples
        .iter()
        .filter_map(|s| s.labels.get("route"))
        .collect();
    assert!(routes.iter().all(|r| !r.contains("no/such")), "{routes:?}");
    assert!(!routes.iter().any(|r| r.contains(token(&package))));
}

#[tokio::test]
async fn metrics_stay_off_the_app_port_and_move_to_their_own() {
    // A separate app port: /metrics is on the requestor port only.
    let app_port = free_port();
    let server = Server::start(&["--client-port", &app_port.to_string()]).await;
    let (code, _, _) = server.call("GET", "/metrics", &[], None).await;
    assert_eq!(code, 200);
    let on_app = reqwest::get(format!("http://127.0.0.1:{app_port}/metrics"))
        .await
        .unwrap();
    assert_eq!(on_app.status(), 404);
    drop(server);

    // Their own port: there (with /ready and /health), and not on the requestor port.
    let metrics_port = free_port();
    let server = Server::start(&["--metrics-port", &metrics_port.to_string()]).await;
    let (code, _, _) = server.call("GET", "/metrics", &[], None).await;
    assert_eq!(code, 404);
    let own = format!("http://127.0.0.1:{metrics_port}");
    let (_, m) = scrape(&format!("{own}/metrics")).await;
    assert!(has(&m, "irma_build_info"));
    for path in ["/ready", "/health"] {
        let r = reqwest::get(format!("{own}{path}")).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = reqwest::get(format!("{own}/session")).await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn ready_fails_while_redis_is_down() {
    let redis = Redis::start();
    let port = redis.port;
    let addr = redis.addr();
    let server = Server::start(&flags(&addr, "")).await;
    let (code, _, body) = server.call("GET", "/ready", &[], None).await;
    assert_eq!((code, body.as_str()), (200, "OK"));

    drop(redis);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _, body) = server.call("GET", "/ready", &[], None).await;
        if code == 503 {
            assert_eq!(body, "session store unreachable");
            break;
        }
        assert!(Instant::now() < deadline, "still ready without Redis");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (code, _, body) = server
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some(&over18().to_string()),
        )
        .await;
    assert_eq!(code, 500, "{body}");
    // Liveness is not readiness: /health still answers.
    let (code, _, _) = server.call("GET", "/health", &[], None).await;
    assert_eq!(code, 200);
    let (_, m) = scrape(&server.url("/metrics")).await;
    assert_eq!(sum(&m, "irma_redis_up", &[]), 0.0);
    assert!(sum(&m, "irma_redis_commands_failed_total", &[]) >= 1.0);
    assert!(sum(&m, "irma_redis_commands_retried_total", &[]) >= 1.0);

    let _redis = Redis::start_on(port);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (code, _, body) = server.call("GET", "/ready", &[], None).await;
        if code == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again: {code} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, m) = scrape(&server.url("/metrics")).await;
    assert_eq!(sum(&m, "irma_redis_up", &[]), 1.0);
}

/// SIGTERM with a session underway: no new sessions, the started one finishes, then the
/// server exits by itself, long before `shutdown_timeout`.
#[tokio::test]
async fn a_session_finishes_across_sigterm() {
    let mut server = Server::start(&["--sse", "--shutdown-timeout", "60"]).await;
    let app = App::new();
    let package = server.start_session(&over18()).await;
    let token = token(&package);
    let u = app_url(&package);
    let request = app.connect(u).await["request"].clone();
    let events = server
        .http
        .get(server.url(&format!("/session/{token}/statusevents")))
        .send()
        .await
        .unwrap();
    let events = tokio::spawn(sse_events(events, 3));
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _, body) = server.call("GET", "/ready", &[], None).await;
        if code == 503 {
            assert_eq!(body, "draining");
            break;
        }
        assert!(Instant::now() < deadline, "still ready after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, _, body) = server
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some(&over18().to_string()),
        )
        .await;
    assert_eq!(code, 500, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"], "INTERNAL_ERROR", "{body}");
    let (_, m) = scrape(&server.url("/metrics")).await;
    assert_eq!(sum(&m, "irma_draining", &[]), 1.0);

    // The session started before goes on to the end.
    let answer = app.prove(u, &request, false).await;
    assert_eq!(answer["proofStatus"], "VALID", "{answer}");
    assert_eq!(events.await.unwrap(), ["<open>", "\"DONE\""]);
    let (code, _, body) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    assert_eq!(code, 200, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["status"], "DONE");

    let ended = Instant::now();
    let status = server.exited(Duration::from_secs(20)).await;
    assert!(status.success(), "{status}");
    assert!(
        ended.elapsed() < Duration::from_secs(15),
        "{:?}",
        ended.elapsed()
    );
}

/// SIGTERM with a session nobody finishes: its event stream gets a last `shutdown` event
/// and the server exits once `shutdown_timeout` passed.
#[tokio::test]
async fn shutdown_timeout_ends_the_drain() {
    let mut server = Server::start(&["--sse", "--shutdown-timeout", "2"]).await;
    let package = server.start_session(&over18()).await;
    let token = token(&package);
    let events = server
        .http
        .get(server.url(&format!("/session/{token}/statusevents")))
        .send()
        .await
        .unwrap();
    let events = tokio::spawn(sse_events(events, 3));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    server.terminate();
    assert_eq!(events.await.unwrap(), ["<open>", "<shutdown>"]);
    let status = server.exited(Duration::from_secs(20)).await;
    assert!(status.success(), "{status}");
    let took = signalled.elapsed();
    assert!(
        (Duration::from_secs(2)..Duration::from_secs(8)).contains(&took),
        "{took:?}"
    );
}

/// The Grafana dashboard's queries use only metrics a server exports.
#[tokio::test]
async fn every_metric_in_the_dashboard_is_exported() {
    let path = repo_root().join("contrib/grafana/irma-server.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    assert!(exprs.len() >= 10, "{exprs:?}");
    let mut names: Vec<&str> = exprs.iter().flat_map(|e| metric_names(e)).collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 10, "{names:?}");

    // A Redis instance exports every metric once it has had a disclosure and an issuance.
    let redis = Redis::start();
    let addr = redis.addr();
    let server = Server::start(&flags(&addr, "")).await;
    let package = server.start_session(&over18()).await;
    App::new().disclose(app_url(&package), false).await;
    let issuance = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
            "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]});
    let package = server.start_session(&issuance).await;
    TestWallet::empty().session(&package, &[]).0.success();
    let (_, m) = scrape(&server.url("/metrics")).await;
    let exported: Vec<&str> = m.docs.keys().map(String::as_str).collect();
    for name in names {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        assert!(
            exported.contains(&name) || exported.contains(&base),
            "{name} is in the dashboard but not exported; exported: {exported:?}"
        );
    }
}

/// Every `expr` (a PromQL query) in the dashboard.
fn collect_exprs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr", Value::String(e)) => out.push(e.clone()),
                    _ => collect_exprs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_exprs(v, out)),
        _ => {}
    }
}

/// The metric names in a PromQL query: the identifiers starting with our prefixes (label
/// names and functions have none of them).
fn metric_names(expr: &str) -> Vec<&str> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("irma_") || word.starts_with("process_"))
        .collect()
}
