//! Several `irma server` processes sharing their sessions in one real `redis-server` on
//! 127.0.0.1: a session started on one instance and served by another, status events
//! across instances, an instance killed midway, concurrent writers, Redis stopped and
//! started again, key prefixes, `irma server check`.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::app::App;
use crate::util::{Server, free_port, irma, sse_events};

/// A `redis-server` on 127.0.0.1 without persistence, killed on drop.
pub(crate) struct Redis {
    child: Child,
    pub(crate) port: u16,
}

impl Redis {
    pub(crate) fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts on `port` and waits until it accepts connections.
    pub(crate) fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run redis-server ({e}): these tests need it; install the Debian package redis-server")
            });
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    pub(crate) fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A direct connection, to look at the keys.
    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(format!("redis://{}/", self.addr()))
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The flags of an instance on `redis` with key prefix `prefix`.
pub(crate) fn flags<'a>(redis: &'a str, prefix: &'a str) -> Vec<&'a str> {
    vec![
        "--sse",
        "--store-type",
        "redis",
        "--redis-addr",
        redis,
        "--redis-no-tls",
        "--redis-allow-empty-password",
        "--redis-key-prefix",
        prefix,
    ]
}

async fn instance(redis: &Redis, prefix: &str) -> Server {
    let addr = redis.addr();
    Server::start(&flags(&addr, prefix)).await
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

fn token(package: &Value) -> String {
    package["token"].as_str().unwrap().to_owned()
}

fn app_token(package: &Value) -> String {
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    u.rsplit('/').next().unwrap().to_owned()
}

/// The app's session URL of `package` on `server` (whatever instance started it).
fn app_url(server: &Server, package: &Value) -> String {
    server.url(&format!("/irma/session/{}", app_token(package)))
}

async fn result(server: &Server, token: &str) -> Value {
    let (status, _, body) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Follows `GET path` as SSE in a task; yields the `data:` lines (and `<event>` names)
/// until the stream ends or `n` arrived.
async fn follow(server: &Server, path: &str, headers: &[(&str, &str)], n: usize) -> Events {
    let mut req = server.http.get(server.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let response = req.send().await.unwrap();
    assert_eq!(response.status(), 200);
    tokio::spawn(sse_events(response, n))
}

type Events = tokio::task::JoinHandle<Vec<String>>;

/// Gives an event reader time to see one change before the next (a watch channel keeps
/// only the latest status).
async fn pause() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_session_started_on_one_instance_is_served_by_another() {
    let redis = Redis::start();
    let a = instance(&redis, "deploy:").await;
    let b = instance(&redis, "deploy:").await;
    let app = App::new();

    let package = a.start_session(&over18()).await;
    let token = token(&package);
    let ct = app_token(&package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap()
        .to_owned();
    // Requestor and frontend follow the session on A; the app talks to B only.
    let requestor = follow(&a, &format!("/session/{token}/statusevents"), &[], 3).await;
    let frontend = follow(
        &a,
        &format!("/irma/session/{ct}/frontend/statusevents"),
        &[("Authorization", &fauth)],
        3,
    )
    .await;
    pause().await;
    let u = app_url(&b, &package);
    let request = app.connect(&u).await["request"].clone();
    pause().await;
    assert_eq!(a.status(&token).await, "CONNECTED");
    let answer = app.prove(&u, &request, false).await;
    assert_eq!(answer["proofStatus"], "VALID", "{answer}");

    assert_eq!(
        requestor.await.unwrap(),
        ["<open>", "\"CONNECTED\"", "\"DONE\""]
    );
    assert_eq!(
        frontend.await.unwrap(),
        [
            "<open>",
            r#"{"status":"CONNECTED"}"#,
            r#"{"status":"DONE"}"#
        ]
    );
    let on_b = result(&b, &token).await;
    assert_eq!(on_b["status"], "DONE");
    assert_eq!(on_b["proofStatus"], "VALID");
    assert_eq!(on_b["disclosed"][0][0]["rawvalue"], "yes", "{on_b}");
    assert_eq!(result(&a, &token).await, on_b);
}

#[tokio::test]
async fn an_instance_killed_midway_loses_nothing() {
    let redis = Redis::start();
    let a = instance(&redis, "").await;
    let b = instance(&redis, "").await;
    let app = App::new();

    let package = a.start_session(&over18()).await;
    let token = token(&package);
    let request = app.connect(&app_url(&a, &package)).await["request"].clone();
    drop(a);
    let answer = app.prove(&app_url(&b, &package), &request, false).await;
    assert_eq!(answer["proofStatus"], "VALID", "{answer}");
    assert_eq!(result(&b, &token).await["status"], "DONE");

    // A new instance (a restarted A) knows the session too.
    let c = instance(&redis, "").await;
    assert_eq!(result(&c, &token).await["proofStatus"], "VALID");
}

#[tokio::test]
async fn concurrent_writers_on_one_session_lose_no_update() {
    let redis = Redis::start();
    let a = instance(&redis, "").await;
    let b = instance(&redis, "").await;
    let package = a.start_session(&over18()).await;
    let ct = app_token(&package);

    // 32 apps race to connect through both instances, each with its own Authorization:
    // exactly one may win, and the session must be bound to the winner's. An identical
    // request after the win is answered from the shared replay cache (the same bytes,
    // without a JSON content type, as the reference), so only fresh answers count as wins.
    let path = format!("/irma/session/{ct}/");
    let calls = (0..32).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        let path = path.clone();
        async move {
            let auth = format!("app-{i}");
            let headers = [
                ("X-IRMA-MinProtocolVersion", "2.8"),
                ("X-IRMA-MaxProtocolVersion", "2.8"),
                ("Authorization", auth.as_str()),
            ];
            let (status, content_type, body) = server.call("GET", &path, &headers, None).await;
            (
                auth,
                status,
                content_type.starts_with("application/json"),
                body,
            )
        }
    });
    let outcomes = futures_util::future::join_all(calls).await;
    let fresh_wins: Vec<_> = outcomes
        .iter()
        .filter(|(_, status, fresh, _)| *status == 200 && *fresh)
        .collect();
    assert_eq!(fresh_wins.len(), 1, "{outcomes:?}");
    for (_, status, _, body) in &outcomes {
        assert!(
            *status == 200 || (*status == 403 && body.contains("UNEXPECTED_REQUEST")),
            "a plain race is no server error: {status} {body}"
        );
    }
    // Exactly the winner's Authorization is bound: unparsable proofs (which leave the
    // session alone and are not replayed) are refused as unauthorized for everyone else.
    let proofs = format!("/irma/session/{ct}/proofs");
    for (i, (auth, _, _, _)) in outcomes.iter().enumerate() {
        let server = if i % 2 == 0 { &b } else { &a };
        let (status, _, body) = server
            .call(
                "POST",
                &proofs,
                &[("Authorization", auth)],
                Some("not json"),
            )
            .await;
        if *auth == fresh_wins[0].0 {
            assert_eq!(status, 400, "{body}");
        } else {
            assert_eq!(status, 403, "{body}");
        }
    }
    assert_eq!(a.status(&token(&package)).await, "CONNECTED");
}

#[tokio::test]
async fn timeouts_reach_every_instance_without_requests() {
    let redis = Redis::start();
    let a = instance(&redis, "").await;
    let b = instance(&redis, "").await;
    let package = a
        .start_session(&json!({"timeout": 1, "request": over18()}))
        .await;
    let token = token(&package);
    let events = follow(&b, &format!("/session/{token}/statusevents"), &[], 3).await;
    assert_eq!(events.await.unwrap(), ["<open>", "\"TIMEOUT\""]);
    assert_eq!(a.status(&token).await, "TIMEOUT");
}

#[tokio::test]
async fn records_are_small_prefixed_and_expire() {
    let redis = Redis::start();
    let a = instance(&redis, "one:").await;
    let other = instance(&redis, "two:").await;
    let package = a.start_session(&over18()).await;
    let token = token(&package);

    // Another deployment on the same Redis does not see the session.
    let (status, _, body) = other
        .call("GET", &format!("/session/{token}/status"), &[], None)
        .await;
    assert_eq!(
        (status, body.contains("SESSION_UNKNOWN")),
        (400, true),
        "{body}"
    );

    let mut conn = redis.connection().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    assert!(keys.iter().all(|k| k.starts_with("one:")), "{keys:?}");
    let key = format!("one:session:{token}");
    let record: String = redis::cmd("HGET")
        .arg(&key)
        .arg("s")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(record.len() < 4096, "{} bytes", record.len());
    // Unfinished: the maximum session lifetime (15 min) plus the result lifetime (5 min).
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1_190_000..=1_200_000).contains(&ttl), "{ttl}");

    // Finished: only the result lifetime remains.
    let (status, _, _) = a
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert_eq!(status, 200);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((290_000..=300_000).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn redis_stopped_and_started_again() {
    let redis = Redis::start();
    let port = redis.port;
    let a = instance(&redis, "").await;
    let b = instance(&redis, "").await;
    drop(redis);

    let started = Instant::now();
    let (status, _, body) = a
        .call(
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            Some(&over18().to_string()),
        )
        .await;
    assert_eq!(status, 500, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"], "INTERNAL_ERROR", "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let (status, _, body) = a.call("GET", "/health", &[], None).await;
    assert_eq!((status, body.as_str()), (200, "OK"));

    let _redis = Redis::start_on(port);
    let deadline = Instant::now() + Duration::from_secs(20);
    let package = loop {
        let (status, _, body) = a
            .call(
                "POST",
                "/session",
                &[("Content-Type", "application/json")],
                Some(&over18().to_string()),
            )
            .await;
        if status == 200 {
            break serde_json::from_str::<Value>(&body).unwrap();
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Both the store and the status feed are back: B reports a change made on A.
    let token = token(&package);
    let events = follow(&b, &format!("/session/{token}/statusevents"), &[], 3).await;
    pause().await;
    let (status, _, _) = a
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(events.await.unwrap(), ["<open>", "\"CANCELLED\""]);
}

/// Redis restarted without persistence loses the sessions: their status event streams
/// end once the status feed is back, instead of sending keep-alives for ever.
#[tokio::test]
async fn status_events_of_sessions_lost_in_a_redis_restart_end() {
    let redis = Redis::start();
    let port = redis.port;
    let a = instance(&redis, "").await;
    let package = a.start_session(&over18()).await;
    let token = token(&package);
    let events = follow(&a, &format!("/session/{token}/statusevents"), &[], 5).await;
    pause().await;
    drop(redis);
    let _redis = Redis::start_on(port);
    let ended = tokio::time::timeout(Duration::from_secs(30), events).await;
    let events = ended.expect("the stream of a lost session did not end");
    assert_eq!(events.unwrap(), ["<open>"]);
    let (status, _, body) = a
        .call("GET", &format!("/session/{token}/status"), &[], None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("SESSION_UNKNOWN"), "{body}");
}

#[test]
fn check_connects_to_redis() {
    let redis = Redis::start();
    let addr = redis.addr();
    let mut args = vec!["-v", "server", "check"];
    args.extend(flags(&addr, "p:"));
    let run = irma(&args).success();
    let conf: Value = serde_json::from_str(&run.stdout).unwrap();
    let shown = conf.to_string();
    assert!(shown.contains("p:") && shown.contains(&addr), "{shown}");

    let unused = format!("127.0.0.1:{}", free_port());
    let mut args = vec!["server", "check"];
    args.extend(flags(&unused, ""));
    let run = irma(&args).failure();
    assert!(run.stderr.contains("redis"), "{}", run.stderr);
}

/// The library's store directly: 48 concurrent increments of one session's
/// `last_active_ms` through two connections (two "instances") all land.
#[tokio::test]
async fn concurrent_store_updates_all_land() {
    use irma::config::{RedisConfig, Secret};
    use irma::protocol::tokens::RequestorToken;
    use irma::session::redis::RedisStore;
    use irma::session::store::{Lifetimes, Store};

    let redis = Redis::start();
    let a = instance(&redis, "inc:").await;
    let token = RequestorToken::parse(&token(&a.start_session(&over18()).await)).unwrap();
    let config = RedisConfig {
        addr: Some(redis.addr()),
        sentinel_addrs: Vec::new(),
        sentinel_master_name: None,
        accept_inconsistency_risk: false,
        username: None,
        password: Secret::new(String::new()),
        sentinel_username: None,
        sentinel_password: None,
        db: 0,
        tls: false,
        tls_cert_pem: None,
        tls_client: None,
        key_prefix: "inc:".to_owned(),
    };
    let lifetimes = Lifetimes {
        max_session: Duration::from_secs(900),
        result: Duration::from_secs(300),
    };
    let stores = [
        Store::Redis(Box::new(
            RedisStore::connect(&config, lifetimes).await.unwrap(),
        )),
        Store::Redis(Box::new(
            RedisStore::connect(&config, lifetimes).await.unwrap(),
        )),
    ];
    let before = stores[0].get(&token).await.unwrap().unwrap();
    let before = before.options().pairing_code.len();
    let writers = (0..48).map(|i| {
        let store = &stores[i % 2];
        let token = &token;
        async move {
            store
                .update(token, |s| s.options_mut().unwrap().pairing_code.push('1'))
                .await
                .unwrap()
                .unwrap();
        }
    });
    futures_util::future::join_all(writers).await;
    let after = stores[1].get(&token).await.unwrap().unwrap();
    assert_eq!(after.options().pairing_code.len(), before + 48);
    // The server still reads the session.
    assert_eq!(a.status(token.as_str()).await, "INITIALIZED");
}
