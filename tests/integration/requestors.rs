//! Requestors over real HTTP against the real `irma server`: every authentication method
//! with the right and a wrong key, the reference's recorded answers to bad authentication
//! (`tests/data/vectors/jwt/requestor-auth-failures.json`), global and per-requestor
//! permissions, and result JWTs that verify with `GET /publickey`.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use irma::jwt::keys::{HmacKey, RsaPrivateKey, SigningKey};
use irma::jwt::request::{RequestBody, sign_request};

use crate::util::{Server, vector};

fn key(name: &str) -> String {
    vector("jwt/server-config-and-keys.json")["keys"][name]
        .as_str()
        .unwrap()
        .to_owned()
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

/// Writes `config` to a file in a fresh temporary folder (kept alive by the caller).
fn config_file(config: &Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("irmaserver.json");
    std::fs::write(&path, serde_json::to_vec(config).unwrap()).unwrap();
    (dir, path)
}

/// The real server with the reference's recorded requestor configuration.
async fn reference_server() -> (Server, tempfile::TempDir) {
    let (dir, path) = config_file(&vector("jwt/server-config-and-keys.json")["requestor_config"]);
    let server = Server::start(&["--config", path.to_str().unwrap()]).await;
    (server, dir)
}

/// A request JWT for `request` as `requestor`, signed now with `key`.
fn request_jwt(request: &Value, requestor: &str, key: &SigningKey) -> String {
    let body = RequestBody::from_json(request.clone()).unwrap();
    sign_request(&body, requestor, key, now()).unwrap()
}

fn hmac(base64: &str) -> SigningKey {
    SigningKey::Hmac(HmacKey::from_base64(base64.as_bytes()).unwrap())
}

fn rsa(pem: &str) -> SigningKey {
    SigningKey::Rsa(RsaPrivateKey::from_pem(pem.as_bytes()).unwrap())
}

/// `POST /session` with a body and headers; (status, JSON answer).
async fn post(server: &Server, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let (status, _, text) = server.call("POST", "/session", headers, Some(body)).await;
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, v)
}

async fn post_jwt(server: &Server, jwt: &str) -> (u16, Value) {
    post(server, &[("Content-Type", "text/plain")], jwt).await
}

async fn post_token(server: &Server, token: &str, request: &Value) -> (u16, Value) {
    post(
        server,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", token),
        ],
        &request.to_string(),
    )
    .await
}

/// A requestor name from a request JWT (its `iss`, as a `kid` would be) holding a line
/// break cannot forge a line in the plain-text log: control characters are escaped.
#[tokio::test]
async fn request_values_cannot_forge_log_lines() {
    let (_dir, path) = config_file(&vector("jwt/server-config-and-keys.json")["requestor_config"]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let flags = ["--config", path.to_str().unwrap()];
    let server = Server::start_logged(&flags, log.reopen().unwrap()).await;
    let forged = "nobody\n2026-01-01T00:00:00.000000Z  INFO irma: forged\u{1b}[2K";
    let jwt = request_jwt(&over18(), forged, &hmac(&key("hmac_key_base64")));
    let (status, v) = post_jwt(&server, &jwt).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("INVALID_REQUEST")),
        "{v}"
    );
    assert_eq!(v["message"], format!("Unknown requestor: {forged}"), "{v}");
    // The log is copied from the server's standard error by a thread: wait for the line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(log.path()).unwrap();
        if text.contains("nobody") || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        text.contains(r"nobody\n2026-01-01T00:00:00.000000Z  INFO irma: forged\u{1b}[2K"),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("2026-01-01")), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[tokio::test]
async fn every_auth_method_accepts_its_key_and_refuses_another() {
    let (server, _dir) = reference_server().await;
    let accepted = |(status, v): (u16, Value)| {
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["sessionPtr"]["irmaqr"], "disclosing");
        assert_eq!(v["token"].as_str().unwrap().len(), 20);
    };

    // token
    accepted(post_token(&server, &key("token"), &over18()).await);
    let (status, v) = post_token(&server, "vg-public-token-5f1d", &over18()).await;
    assert_eq!((status, v["error"].as_str()), (403, Some("UNAUTHORIZED")));

    // hmac (HS256)
    let right = hmac(&key("hmac_key_base64"));
    accepted(post_jwt(&server, &request_jwt(&over18(), "vg_hmac", &right)).await);
    let wrong = hmac("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let (status, v) = post_jwt(&server, &request_jwt(&over18(), "vg_hmac", &wrong)).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["error"], "INVALID_REQUEST");
    assert_eq!(v["message"], "signature is invalid");

    // publickey (RS256)
    let right = rsa(&key("requestor_rsa_private_pem"));
    accepted(post_jwt(&server, &request_jwt(&over18(), "vg_rsa", &right)).await);
    let wrong = rsa(&key("server_jwt_private_pem"));
    let (status, v) = post_jwt(&server, &request_jwt(&over18(), "vg_rsa", &wrong)).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["error"], "INVALID_REQUEST");

    // A key of one method does not authenticate as another requestor.
    let hmac_key = hmac(&key("hmac_key_base64"));
    let (status, v) = post_jwt(&server, &request_jwt(&over18(), "vg_rsa", &hmac_key)).await;
    assert_eq!(status, 400, "{v}");
    // A signature request JWT for a disclosure session is still a valid request kind.
    let sig = json!({"@context": "https://irma.app/ld/request/signature/v2", "message": "m",
                     "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let (status, v) = post_jwt(&server, &request_jwt(&sig, "vg_hmac", &hmac_key)).await;
    assert_eq!(
        (status, v["sessionPtr"]["irmaqr"].as_str()),
        (200, Some("signing"))
    );
}

#[tokio::test]
async fn recorded_auth_failures_get_the_recorded_answers() {
    let (server, _dir) = reference_server().await;
    let calls = vector("jwt/requestor-auth-failures.json")["calls"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(calls.len(), 12);
    for call in calls {
        let what = call["what"].as_str().unwrap();
        let mut headers: Vec<(&str, &str)> = call["request_headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        headers.sort();
        let mut body = call["request_body_raw"].as_str().unwrap().to_owned();
        if what.starts_with("valid control") {
            // Recorded with iat = then; the same JWT signed now.
            let claims = &call["request_jwt_decoded"]["claims"];
            body = request_jwt(
                &claims["sprequest"],
                "vg_hmac",
                &hmac(&key("hmac_key_base64")),
            );
        }
        let (status, answer) = post(&server, &headers, &body).await;
        assert_eq!(
            status,
            call["status"].as_u64().unwrap() as u16,
            "{what}: {answer}"
        );
        if status == 200 {
            assert_eq!(
                answer["sessionPtr"]["irmaqr"], call["response_body"]["sessionPtr"]["irmaqr"],
                "{what}"
            );
        } else {
            assert_eq!(answer, call["response_body"], "{what}");
        }
    }
}

#[tokio::test]
async fn permissions_global_and_per_requestor() {
    let config = json!({
        "no_auth": false,
        "disclose_perms": ["pbdf.pbdf.email.email"],
        "sign_perms": [],
        "issue_perms": [],
        "requestors": {
            "wide": {"auth_method": "token", "key": "wide-token",
                     "disclose_perms": ["irma-demo.MijnOverheid.ageLower.*"],
                     "sign_perms": ["irma-demo.*"],
                     "issue_perms": ["irma-demo.MijnOverheid.*"]},
            "plain": {"auth_method": "token", "key": "plain-token"}
        }
    });
    let (_dir, path) = config_file(&config);
    let server = Server::start(&["--config", path.to_str().unwrap()]).await;
    let disclose = |attr: &str| json!({"@context": "https://irma.app/ld/request/disclosure/v2", "disclose": [[[attr]]]});
    let sign = json!({"@context": "https://irma.app/ld/request/signature/v2", "message": "m",
                      "disclose": [[["irma-demo.MijnOverheid.fullName.firstname"]]]});
    let issue = json!({"@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
                         "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]});

    let forbidden = |(status, v): (u16, Value), message: &str| {
        assert_eq!(status, 403, "{v}");
        assert_eq!(v["error"], "UNAUTHORIZED");
        assert_eq!(v["message"].as_str().unwrap_or(""), message);
    };
    let ok = |(status, v): (u16, Value)| assert_eq!(status, 200, "{v}");

    // Own wildcard, and the global exact permission on top of it.
    ok(post_token(
        &server,
        "wide-token",
        &disclose("irma-demo.MijnOverheid.ageLower.over18"),
    )
    .await);
    ok(post_token(&server, "wide-token", &disclose("pbdf.pbdf.email.email")).await);
    forbidden(
        post_token(
            &server,
            "wide-token",
            &disclose("irma-demo.MijnOverheid.fullName.firstname"),
        )
        .await,
        "irma-demo.MijnOverheid.fullName.firstname",
    );
    // Without own permissions: only the global ones.
    ok(post_token(&server, "plain-token", &disclose("pbdf.pbdf.email.email")).await);
    forbidden(
        post_token(
            &server,
            "plain-token",
            &disclose("irma-demo.MijnOverheid.ageLower.over18"),
        )
        .await,
        "irma-demo.MijnOverheid.ageLower.over18",
    );
    // Signing: scheme wildcard for one, nothing at all for the other.
    ok(post_token(&server, "wide-token", &sign).await);
    forbidden(post_token(&server, "plain-token", &sign).await, "");
    // Issuance: issuer wildcard for one, none configured for the other.
    ok(post_token(&server, "wide-token", &issue).await);
    forbidden(
        post_token(&server, "plain-token", &issue).await,
        "No issuer permissions configured",
    );
}

#[tokio::test]
async fn global_wildcards_apply_on_top_of_a_requestors_own() {
    // As the reference (the vg_limited case): own permissions do not narrow the global
    // defaults (`*` outside production).
    let (server, _dir) = reference_server().await;
    let limited = "vg-public-token-5f1c-limited";
    let name = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                      "disclose": [[["irma-demo.MijnOverheid.fullName.familyname"]]]});
    let (status, v) = post_token(&server, limited, &name).await;
    assert_eq!(status, 200, "{v}");
}

/// Decodes and verifies an RS256 JWT with `pem` (jsonwebtoken, independent of our code).
fn verify(jwt: &str, pem: &str) -> Value {
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn result_jwts_verify_with_the_public_key_and_carry_the_reference_claims() {
    let (server, _dir) = reference_server().await;
    let (status, ct, pem) = server.call("GET", "/publickey", &[], None).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let recorded = vector("jwt/server-config-and-keys.json");
    assert_eq!(
        pem,
        recorded["get_publickey"]["response_body"].as_str().unwrap()
    );
    assert_eq!(pem, key("server_jwt_public_pem"));

    // A session that has not finished: its result JWT says so.
    let (_, package) = post_token(&server, &key("token"), &over18()).await;
    let token = package["token"].as_str().unwrap();
    let (status, _, jwt) = server
        .call("GET", &format!("/session/{token}/result-jwt"), &[], None)
        .await;
    assert_eq!(status, 200, "{jwt}");
    let claims = verify(&jwt, &pem);
    let reference =
        &vector("jwt/hmac-disclosure.json")["result_jwts"]["result-jwt"]["decoded"]["claims"];
    assert_eq!(claims["iss"], reference["iss"]);
    assert_eq!(claims["sub"], reference["sub"]);
    assert_eq!(claims["type"], reference["type"]);
    assert_eq!(claims["token"], token);
    assert_eq!(claims["status"], "INITIALIZED");
    let lifetime = |c: &Value| c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
    assert_eq!(lifetime(&claims), lifetime(reference));
    assert!((claims["iat"].as_i64().unwrap() - now()).abs() < 60);

    // Finished with proofs that do not verify (a recorded proof replayed against a new
    // nonce): DONE with proofStatus INVALID, and the requested JWT validity.
    let replay: Value = vector("negative/replayed-proof.json");
    let request = json!({"validity": 60, "request": replay["session_request"]});
    let (status, package) = post_token(&server, &key("token"), &request).await;
    assert_eq!(status, 200, "{package}");
    let token = package["token"].as_str().unwrap();
    let url = package["sessionPtr"]["u"].as_str().unwrap();
    let client = &url[url.rfind('/').unwrap() + 1..];
    let app = [
        ("Authorization", "HxjSTRZW1Tllu0pS4tok"),
        ("X-IRMA-MinProtocolVersion", "2.4"),
        ("X-IRMA-MaxProtocolVersion", "2.9"),
    ];
    let (status, _, answer) = server
        .call("GET", &format!("/irma/session/{client}/"), &app, None)
        .await;
    assert_eq!(status, 200, "{answer}");
    let body = replay["client_message"]["body"].to_string();
    let (status, _, answer) = server
        .call(
            "POST",
            &format!("/irma/session/{client}/proofs"),
            &app,
            Some(&body),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (_, _, jwt) = server
        .call("GET", &format!("/session/{token}/result-jwt"), &[], None)
        .await;
    let claims = verify(&jwt, &pem);
    assert_eq!(claims["status"], "DONE");
    assert_eq!(claims["proofStatus"], "INVALID");
    assert_eq!(lifetime(&claims), 60);

    let (status, _, jwt) = server
        .call("GET", &format!("/session/{token}/getproof"), &[], None)
        .await;
    assert_eq!(status, 200, "{jwt}");
    let claims = verify(&jwt, &pem);
    let reference =
        &vector("jwt/hmac-disclosure.json")["result_jwts"]["getproof"]["decoded"]["claims"];
    assert_eq!(claims["sub"], reference["sub"]);
    assert_eq!(claims["iss"], reference["iss"]);
    assert_eq!(claims["status"], "INVALID");
    assert!(claims["attributes"].is_object());
    assert_eq!(lifetime(&claims), 60);
    let mut keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    let mut reference_keys: Vec<&String> = reference.as_object().unwrap().keys().collect();
    keys.sort();
    reference_keys.sort();
    assert_eq!(keys, reference_keys);
}

#[tokio::test]
async fn without_a_jwt_key_the_jwt_endpoints_say_so() {
    let server = Server::start(&[]).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap();
    for path in [
        format!("/session/{token}/result-jwt"),
        format!("/session/{token}/getproof"),
    ] {
        let (status, _, body) = server.call("GET", &path, &[], None).await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (status, v["message"].as_str()),
            (500, Some("JWT signing not supported"))
        );
    }
}

/// The reference's answer to a `host` the requestor may not use.
const HOST_REFUSED: &str = "requestor not allowed to use the requested host";

fn with_host(host: &str) -> Value {
    let mut request = over18();
    request["host"] = json!(host);
    request
}

#[track_caller]
fn host_refused((status, v): (u16, Value)) {
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["error"], "UNAUTHORIZED", "{v}");
    assert_eq!(v["message"], HOST_REFUSED, "{v}");
}

/// Accepted, with the session pointer at `host`.
#[track_caller]
fn host_accepted((status, v): (u16, Value), host: &str) {
    assert_eq!(status, 200, "{v}");
    let url = v["sessionPtr"]["u"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{host}/irma/session/")),
        "{url}"
    );
}

#[tokio::test]
async fn host_perms_with_token_and_jwt_authentication() {
    let hmac_key = key("hmac_key_base64");
    let config = json!({
        "no_auth": false,
        "requestors": {
            "wide": {"auth_method": "token", "key": "wide-token",
                     "host_perms": ["*.example.com", "127.0.0.1:*"]},
            "plain": {"auth_method": "token", "key": "plain-token"},
            "jwt": {"auth_method": "hmac", "key": hmac_key, "host_perms": ["irma.example.org"]}
        }
    });
    let (_dir, path) = config_file(&config);
    let server = Server::start(&["--config", path.to_str().unwrap()]).await;
    let own = server.base.strip_prefix("http://").unwrap().to_owned();

    // Token, with host_perms: the hosts they match, plain or in an extended request.
    host_accepted(
        post_token(&server, "wide-token", &with_host("irma.example.com")).await,
        "irma.example.com",
    );
    host_accepted(
        post_token(
            &server,
            "wide-token",
            &json!({"request": with_host("a.b.example.com")}),
        )
        .await,
        "a.b.example.com",
    );
    host_accepted(post_token(&server, "wide-token", &over18()).await, &own);
    host_refused(post_token(&server, "wide-token", &with_host("evil.example")).await);
    host_refused(post_token(&server, "wide-token", &with_host("example.com")).await);
    // Nothing that changes the session URL passes, even where a glob would match it.
    host_refused(
        post_token(
            &server,
            "wide-token",
            &with_host("evil.example?.example.com"),
        )
        .await,
    );

    // Token, without host_perms: only the host of url, named or not.
    host_accepted(post_token(&server, "plain-token", &over18()).await, &own);
    host_accepted(
        post_token(&server, "plain-token", &with_host(&own)).await,
        &own,
    );
    host_refused(post_token(&server, "plain-token", &with_host("evil.example")).await);

    // JWT (HS256), with host_perms not matching the url: only those hosts.
    let jwt = |request: &Value| request_jwt(request, "jwt", &hmac(&hmac_key));
    host_accepted(
        post_jwt(&server, &jwt(&with_host("irma.example.org"))).await,
        "irma.example.org",
    );
    host_refused(post_jwt(&server, &jwt(&with_host("evil.example"))).await);
    host_refused(post_jwt(&server, &jwt(&over18())).await);
}

#[tokio::test]
async fn without_authentication_only_the_host_of_url() {
    let server = Server::start(&[]).await;
    let own = server.base.strip_prefix("http://").unwrap().to_owned();
    let json = [("Content-Type", "application/json")];
    host_accepted(post(&server, &json, &over18().to_string()).await, &own);
    host_accepted(
        post(&server, &json, &with_host(&own).to_string()).await,
        &own,
    );
    host_refused(post(&server, &json, &with_host("evil.example").to_string()).await);
    host_refused(
        post(
            &server,
            &json,
            &json!({"request": with_host("evil.example")}).to_string(),
        )
        .await,
    );
}
