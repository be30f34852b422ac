//! `irma server` as revocation authority, and a second instance as its verifier, over real
//! HTTP on 127.0.0.1, with the state in a real PostgreSQL (a throwaway cluster started here)
//! or in SQLite: updates and events served and fetched, issuance records received,
//! revocations by `POST /revocation` (`irma issuer revoke`, every authentication method,
//! `revoke_perms` enforced) and locally in the database, pushed to a following verifier;
//! and every recorded answer of the reference authority replayed against ours.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use irma::crypto::idemix::PublicKey;
use irma::crypto::revocation::{Accumulator, EventList, Update, Updates, from_cbor};
use irma::revocation::{DbType, Store};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;

use crate::revocation_store::{Postgres, assert_reference_schema, insert_reference_rows};
use crate::revocation_verifier::fetched;
use crate::util::{Server, data_dir, irma, vector};

const ROOT: &str = "irma-demo.MijnOverheid.root";

/// The flags of the recorded authority A (`setup.json`), with `db` for the database.
fn authority_flags(db: &[&str]) -> Vec<String> {
    let settings = json!({ ROOT: {"authority": true} }).to_string();
    let mut flags: Vec<String> = ["--sse", "--revocation-settings", settings.as_str()]
        .map(str::to_owned)
        .into();
    flags.extend(["--revoke-perms".to_owned(), ROOT.to_owned()]);
    flags.extend(db.iter().map(|s| (*s).to_owned()));
    flags
}

async fn start(flags: &[String]) -> Server {
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    Server::start(&flags).await
}

fn public_key() -> PublicKey {
    let path = data_dir().join("schemes/irma-demo/MijnOverheid/PublicKeys/2.xml");
    PublicKey::from_xml(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A GET or POST answer: status, headers and body bytes.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }
}

async fn send(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = server.http.request(method, server.url(path));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.body(body).send().await.unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

async fn get(server: &Server, path: &str) -> Answer {
    send(server, "GET", path, &[], Vec::new()).await
}

/// The authority's latest update of key 2, verified: its accumulator and the update.
async fn latest(server: &Server) -> (Accumulator, Update) {
    let answer = get(server, &format!("/irma/revocation/{ROOT}/update/16")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "application/octet-stream");
    let age: i64 = answer
        .header("cache-control")
        .strip_prefix("max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=60).contains(&age), "{age}");
    let updates: Updates = from_cbor(&answer.body).unwrap();
    assert_eq!(updates.keys().copied().collect::<Vec<_>>(), [2]);
    let update = updates[&2].clone();
    (update.verify(&public_key()).unwrap(), update)
}

/// The update of key 2 a verifier attaches to a new session asking for nonrevocation.
async fn attached(verifier: &Server) -> Accumulator {
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[[format!("{ROOT}.BSN")]]], "revocation": [ROOT]});
    let (status, body, _) = fetched(verifier, &request).await;
    assert_eq!(status, 200, "{body}");
    let update: Update =
        serde_json::from_value(body["request"]["revocation"][ROOT]["updates"]["2"].clone())
            .unwrap();
    update.verify(&public_key()).unwrap()
}

/// The recorded `POST issuancerecord` of issuer C to authority A: its path and body.
fn recorded_issuance_record() -> (String, Vec<u8>) {
    let case = vector("revocation/issuance-via-remote-authority.json");
    let post = case["exchanges"]["revocation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "POST")
        .unwrap()
        .clone();
    assert_eq!(post["status"], 200);
    let body = STANDARD
        .decode(post["request_body_raw_b64"].as_str().unwrap())
        .unwrap();
    (post["path"].as_str().unwrap().to_owned(), body)
}

/// Waits until `file` contains `text`.
async fn wait_for_log(file: &Path, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(file)
        .unwrap_or_default()
        .contains(text)
    {
        assert!(Instant::now() < deadline, "the log never said {text:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A server with `--revocation-settings settings` and `extra` flags, logging to
/// `dir/{name}.log`, once it follows the update stream of its revocation server.
async fn follower(dir: &Path, name: &str, settings: &Value, extra: &[&str]) -> Server {
    let log = dir.join(format!("{name}.log"));
    let settings = settings.to_string();
    let flags = [&["--revocation-settings", settings.as_str()][..], extra].concat();
    let server = Server::start_logged(&flags, std::fs::File::create(&log).unwrap()).await;
    wait_for_log(&log, "following revocation updates").await;
    server
}

/// The authority's life on the database `db` (flags): start, receive an issuance record,
/// refuse a revocation without permission, revoke with `irma issuer revoke`, and a verifier
/// following its event stream that knows within a second.
async fn authority_round_trip(db: &[&str]) {
    let authority = start(&authority_flags(db)).await;
    let (acc, first) = latest(&authority).await;
    assert_eq!(acc.index, 0);
    assert_eq!(first.events.events().len(), 1);

    // The issuance record the reference's issuer C signed and sent is accepted.
    let (path, record) = recorded_issuance_record();
    let posted = send(
        &authority,
        "POST",
        &path,
        &[("Content-Type", "application/octet-stream")],
        record.clone(),
    )
    .await;
    assert_eq!(
        posted.status,
        200,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    assert!(posted.body.is_empty());
    // Signed for the root credential: refused under another credential type's path.
    let elsewhere = send(
        &authority,
        "POST",
        "/irma/revocation/irma-demo.MijnOverheid.ageLower/issuancerecord/2",
        &[],
        record,
    )
    .await;
    assert_eq!(elsewhere.status, 400);

    // A verifier following the authority's update stream.
    let dir = tempfile::tempdir().unwrap();
    let from_authority =
        json!({ROOT: {"revocation_server_url": authority.url("/irma"), "sse": true}});
    let verifier = follower(dir.path(), "verifier", &from_authority, &[]).await;
    let seen = attached(&verifier).await;
    assert_eq!((seen.index, seen.nu.clone()), (0, acc.nu.clone()));
    // A revocation server following the authority, and a verifier following that server.
    let mut as_server = from_authority.clone();
    as_server[ROOT]["server"] = json!(true);
    let mirror_db = dir.path().join("mirror.db");
    let db = ["--revocation-db-type", "sqlite", "--revocation-db-str"];
    let mirror_flags = [&["--sse"][..], &db, &[mirror_db.to_str().unwrap()]].concat();
    let mirror = follower(dir.path(), "mirror", &as_server, &mirror_flags).await;
    let from_mirror = json!({ROOT: {"revocation_server_url": mirror.url("/irma"), "sse": true}});
    let second = follower(dir.path(), "second-verifier", &from_mirror, &[]).await;
    assert_eq!(attached(&second).await.index, 0);

    // Not in revoke_perms: refused as recorded.
    let refused = authority
        .call(
            "POST",
            "/revocation",
            &[("Content-Type", "application/json")],
            Some(
                &json!({"@context": "https://irma.app/ld/request/revocation/v1",
                    "type": "irma-demo.MijnOverheid.fullName", "revocationKey": "revkey-public-carol-C"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(refused.0, 403, "{}", refused.2);
    assert_eq!(
        serde_json::from_str::<Value>(&refused.2).unwrap()["message"],
        "irma-demo.MijnOverheid.fullName"
    );
    assert_eq!(latest(&authority).await.0.index, 0);

    // Revoked with the command, as the recording did.
    let url = format!("{}/", authority.base);
    irma([
        "issuer",
        "revoke",
        ROOT,
        "revkey-public-carol-C",
        url.as_str(),
    ])
    .success();
    let revoked_at = Instant::now();
    let (acc, update) = latest(&authority).await;
    assert_eq!(acc.index, 1);
    let events = update.events.events();
    assert_eq!(events.last().unwrap().index, 1);

    // Both verifiers learned of it from the streams within a second, without fetching
    // (their copies are younger than half the tolerance, so a session does not fetch): the
    // first from the authority, the second from the revocation server.
    for (name, verifier) in [("verifier", &verifier), ("second verifier", &second)] {
        loop {
            let seen = attached(verifier).await;
            if seen.index == 1 {
                assert_eq!(seen.nu, acc.nu);
                break;
            }
            assert!(
                revoked_at.elapsed() < Duration::from_secs(1),
                "the {name} did not learn of the revocation within a second"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // Once revoked, the key is unknown.
    let again = irma([
        "issuer",
        "revoke",
        ROOT,
        "revkey-public-carol-C",
        url.as_str(),
    ])
    .failure();
    assert!(
        again.stderr.contains("UNKNOWN_REVOCATION_KEY"),
        "{}",
        again.stderr
    );
}

#[tokio::test]
async fn authority_on_postgres() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let dsn = pg.database("authority").await;
    authority_round_trip(&[
        "--revocation-db-type",
        "postgres",
        "--revocation-db-str",
        &dsn,
    ])
    .await;
    // What our server wrote has the reference's tables, columns and keys.
    let pool = sqlx::AnyPool::connect(&pg.url("authority")).await.unwrap();
    assert_reference_schema(&pool).await;
    pool.close().await;
}

#[tokio::test]
async fn authority_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revocation.db");
    let file = file.to_str().unwrap();
    authority_round_trip(&[
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        file,
    ])
    .await;
    // The reference's tables and columns (SQLite's own column types).
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{file}"))
        .await
        .unwrap();
    let dump = vector("revocation/setup.json")["postgres"]["dump_at_end"].clone();
    for table in ["accumulator_records", "event_records", "issuance_records"] {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        let ours: Vec<String> = rows
            .iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "name"))
            .collect();
        let reference: Vec<&str> = dump[format!("{table}_columns")]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().split(' ').next().unwrap())
            .collect();
        assert_eq!(ours, reference, "{table}");
    }
    pool.close().await;
}

/// A revocation request is authenticated as a session request, by every method, and
/// needs `revoke_perms`; the authority's database can also be revoked in directly.
#[tokio::test]
async fn revocation_requests_are_authenticated_and_local_revocation_works() {
    let keys = vector("jwt/server-config-and-keys.json")["keys"].clone();
    let dir = tempfile::tempdir().unwrap();
    let rsa_key = dir.path().join("requestor.pem");
    std::fs::write(
        &rsa_key,
        keys["requestor_rsa_private_pem"].as_str().unwrap(),
    )
    .unwrap();
    let hmac = keys["hmac_key_base64"].as_str().unwrap();
    let requestors = json!({
        "tok": {"auth_method": "token", "key": "tok-secret", "revoke_perms": [ROOT]},
        "hm": {"auth_method": "hmac", "key": hmac, "revoke_perms": ["irma-demo.MijnOverheid.*"]},
        "rs": {"auth_method": "publickey", "key": keys["requestor_rsa_public_pem"], "revoke_perms": ["irma-demo.*"]},
        "nope": {"auth_method": "token", "key": "nope-secret", "disclose_perms": ["*"]},
    })
    .to_string();
    let db = dir.path().join("revocation.db");
    let db = db.to_str().unwrap();
    let settings = json!({ ROOT: {"authority": true} }).to_string();
    let authority = Server::start(&[
        "--no-auth=false",
        "--requestors",
        &requestors,
        "--revocation-settings",
        &settings,
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        db,
    ])
    .await;
    let url = format!("{}/", authority.base);
    let revoke = |key: &str, auth: &[&str]| {
        let mut args = vec!["issuer", "revoke", ROOT, key, url.as_str()];
        args.extend_from_slice(auth);
        irma(args)
    };
    let says = |run: crate::util::Run, what: &str| {
        let run = run.failure();
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
    };
    // Authenticated and permitted: only the key is unknown.
    let unknown = "UNKNOWN_REVOCATION_KEY";
    says(
        revoke("k", &["-a", "token", "--key", "tok-secret"]),
        unknown,
    );
    says(
        revoke("k", &["-a", "hmac", "--key", hmac, "--name", "hm"]),
        unknown,
    );
    let rsa = rsa_key.to_str().unwrap();
    says(
        revoke("k", &["-a", "rsa", "--key", rsa, "--name", "rs"]),
        unknown,
    );
    // Not permitted, not known, not authenticated.
    says(
        revoke("k", &["-a", "token", "--key", "nope-secret"]),
        "UNAUTHORIZED",
    );
    says(
        revoke("k", &["-a", "token", "--key", "wrong"]),
        "UNAUTHORIZED",
    );
    says(
        revoke("k", &["-a", "hmac", "--key", hmac, "--name", "tok"]),
        "Unknown requestor",
    );
    says(revoke("k", &[]), "request could not be authenticated");

    // A credential type without revocation, or unknown: refused before any request.
    let run = irma([
        "issuer",
        "revoke",
        "irma-demo.MijnOverheid.fullName",
        "x",
        url.as_str(),
    ])
    .failure();
    assert!(
        run.stderr
            .contains("credential type does not support revocation"),
        "{}",
        run.stderr
    );
    let run = irma([
        "issuer",
        "revoke",
        "irma-demo.MijnOverheid.nonexistent",
        "x",
        url.as_str(),
    ])
    .failure();
    assert!(
        run.stderr.contains("unknown credential type"),
        "{}",
        run.stderr
    );

    // Two records, one revoked over HTTP with a JWT, one locally in the database.
    let (path, record) = recorded_issuance_record();
    let posted = send(&authority, "POST", &path, &[], record).await;
    assert_eq!(posted.status, 200);
    let pool_url = format!("sqlite://{db}");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&pool_url).await.unwrap();
    sqlx::query(
        "INSERT INTO issuance_records (revocationkey, cred_type, issued, pk_counter, attr, \
         valid_until, revoked_at) SELECT 'local-key', cred_type, issued + 1, pk_counter, attr, \
         valid_until, 0 FROM issuance_records",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    revoke(
        "revkey-public-carol-C",
        &["-a", "rsa", "--key", rsa, "--name", "rs"],
    )
    .success();
    assert_eq!(latest_of(&authority).await.index, 1);
    irma([
        "issuer",
        "revoke",
        ROOT,
        "local-key",
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        db,
    ])
    .success();
    // The server reads the database: the local revocation is served at once.
    assert_eq!(latest_of(&authority).await.index, 2);
    let run = irma([
        "issuer",
        "revoke",
        ROOT,
        "local-key",
        "--revocation-db-str",
        db,
    ])
    .failure();
    assert!(
        run.stderr.contains("unknown revocation key"),
        "{}",
        run.stderr
    );
}

/// The accumulator of key 2 the authority serves now.
async fn latest_of(server: &Server) -> Accumulator {
    latest(server).await.0
}

/// One recorded call: method, path, request headers and body.
fn request_of(call: &Value) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let headers = call["request_headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let body = match call.get("request_body_raw_b64").and_then(Value::as_str) {
        Some(b64) => STANDARD.decode(b64).unwrap(),
        None => call["request_body_raw"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
    };
    (
        call["method"].as_str().unwrap().to_owned(),
        call["path"].as_str().unwrap().to_owned(),
        headers,
        body,
    )
}

async fn replay(server: &Server, call: &Value) -> Answer {
    let (method, path, headers, body) = request_of(call);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    send(server, &method, &path, &headers, body).await
}

/// The recorded body of a call: its raw bytes.
fn recorded_body(call: &Value) -> Vec<u8> {
    match call.get("response_body_raw_b64").and_then(Value::as_str) {
        Some(b64) => STANDARD.decode(b64).unwrap(),
        None => call["response_body_raw"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
    }
}

/// Asserts our answer is the recorded one: status, content type, and the body (bytes for
/// CBOR and text, parsed for JSON).
fn assert_recorded(ours: &Answer, call: &Value) {
    let what = format!("{} {}", call["method"], call["path"]);
    assert_eq!(
        ours.status,
        call["status"].as_u64().unwrap() as u16,
        "{what}"
    );
    let content_type = call["response_headers"]["Content-Type"]
        .as_str()
        .unwrap_or("");
    assert_eq!(ours.header("content-type"), content_type, "{what}");
    let recorded = recorded_body(call);
    if content_type.starts_with("application/json") {
        let ours: Value = serde_json::from_slice(&ours.body).unwrap();
        let recorded: Value = serde_json::from_slice(&recorded).unwrap();
        assert_eq!(ours, recorded, "{what}");
    } else {
        assert_eq!(ours.body, recorded, "{what}");
    }
}

/// The reference's database at the end of its run, with the accumulator as it was when
/// the last updates were recorded (it re-signs every minute), in SQLite for our authority.
async fn reference_database(file: &str) {
    Store::open(DbType::Sqlite, file)
        .await
        .unwrap()
        .close()
        .await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{file}"))
        .await
        .unwrap();
    insert_reference_rows(&pool, false).await;
    let end = vector("revocation/update-messages.json")["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"].as_str().unwrap().starts_with("end of the run"))
        .unwrap()
        .clone();
    let updates: BTreeMap<u32, ciborium::Value> =
        ciborium::from_reader(&recorded_body(&end)[..]).unwrap();
    let sacc = updates[&2]
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some("sacc"))
        .unwrap()
        .1
        .clone();
    let data = sacc
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some("data"))
        .unwrap()
        .1
        .clone();
    let mut column = Vec::new();
    ciborium::into_writer(&data, &mut column).unwrap();
    sqlx::query("UPDATE accumulator_records SET data = ?")
        .bind(column)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Every recorded answer of the reference authority A (and of its plain verifier B and of
/// E, a server with keys but no revocation role) to the revocation endpoints, replayed
/// against ours on the reference's data: the same answers, byte for byte, except the three
/// the reference gets wrong.
#[tokio::test]
async fn recorded_authority_answers_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reference.db");
    let file = file.to_str().unwrap();
    reference_database(file).await;
    let a = start(&authority_flags(&[
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        file,
    ]))
    .await;
    let a_server = &a;
    let b = Server::start(&[]).await;
    let e = Server::start(&["--revoke-perms", ROOT]).await;

    // The updates and events as they were at the end of the recording.
    let updates = vector("revocation/update-messages.json");
    let mut replayed = 0;
    for call in updates["calls"].as_array().unwrap() {
        let what = call["what"].as_str().unwrap();
        let at_end = what.starts_with("end of the run")
            || what.starts_with("count ")
            || what == "after the revocation, events 0..15 of key 2";
        if !at_end {
            continue;
        }
        let ours = replay(&a, call).await;
        let cache = ours.header("cache-control").to_owned();
        assert!(cache.starts_with("max-age="), "{what}: {cache}");
        assert_recorded(&ours, call);
        replayed += 1;
    }
    assert_eq!(replayed, 4);

    // The error answers.
    let errors = vector("revocation/error-bodies.json");
    for call in errors["calls"].as_array().unwrap() {
        let path = call["path"].as_str().unwrap();
        if path == "/session" {
            // Session requests: the verifier's and the issuer's tests.
            continue;
        }
        let server = match call["server"].as_str().unwrap() {
            "A" => &a,
            "B" => &b,
            _ => &e,
        };
        let ours = replay(server, call).await;
        let what = call["what"].as_str().unwrap();
        match what {
            "GET update for an unknown public key counter (5)" => {
                // The reference: 200, CBOR null, a negative max-age.
                assert_eq!(ours.status, 404, "{what}");
                assert_eq!(ours.header("content-type"), "application/octet-stream");
                let error: Value = from_cbor::<ciborium::Value>(&ours.body)
                    .map(|v| serde_json::to_value(v).unwrap())
                    .unwrap();
                assert_eq!(
                    error,
                    json!({"status": 404, "error": "INVALID_REQUEST",
                           "message": "unknown public key: irma-demo.MijnOverheid-5"})
                );
            }
            "POST /revocation at E (revoke_perms and a revocation-capable private key, but not the authority)" =>
            {
                // The reference: 500 REVOCATION "cannot revoke …".
                assert_eq!(ours.status, 400, "{what}");
                let error: Value = serde_json::from_slice(&ours.body).unwrap();
                assert_eq!(error["error"], "INVALID_REQUEST");
                assert_eq!(
                    error["message"],
                    format!("this server is not the revocation authority of {ROOT}")
                );
            }
            "POST issuancerecord with a body that is not a signed message" => {
                // The message is the CBOR decoder's own text.
                assert_eq!(ours.status, 403, "{what}");
                let error: Value = from_cbor::<ciborium::Value>(&ours.body)
                    .map(|v| serde_json::to_value(v).unwrap())
                    .unwrap();
                assert_eq!(error["error"], "UNAUTHORIZED");
                assert_eq!(error["description"], call["response_body"]["description"]);
            }
            _ => assert_recorded(&ours, call),
        }
    }

    // The recorded revocation: with the key not yet revoked, as then.
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{file}"))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE issuance_records SET revoked_at = 0 WHERE revocationkey = 'revkey-public-alice-1'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let revoke = vector("revocation/revoke.json");
    let call = &revoke["exchanges"]["requestor"][0];
    assert_recorded(&replay(&a, call).await, call);
    let events: EventList = from_cbor(
        &get(&a, &format!("/irma/revocation/{ROOT}/events/2/0/16"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(events.events().len(), 3);
    assert_eq!(events.events()[2].e, events.events()[1].e);

    // `irma issuer revoke` failures as recorded (the schemes are ours: no `-s`).
    for run in errors["cli_runs"].as_array().unwrap() {
        let args: Vec<String> = run["command"].as_array().unwrap()[1..]
            .iter()
            .map(|a| a.as_str().unwrap())
            .filter(|a| *a != "-s" && !a.starts_with("SCHEMES/"))
            .map(|a| {
                a.replace("http://127.0.0.1:48311/", &format!("{}/", a_server.base))
                    .replace("http://127.0.0.1:48321/", &format!("{}/", b.base))
            })
            .collect();
        let stderr = run["stderr"].as_str().unwrap();
        let expected = match stderr.split("Server error: ").nth(1) {
            Some(rest) => rest.split(':').next().unwrap(),
            None => stderr
                .split("msg=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap(),
        };
        let ours = irma(&args).failure();
        assert!(
            ours.stderr.contains(expected),
            "{args:?}: {expected}: {}",
            ours.stderr
        );
    }
}
