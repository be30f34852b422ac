//! Legacy (pre-condiscon) session requests against the real server, as the reference reads
//! them (irmago `irma/legacy.go`, `server/legacy.go`): in `POST /session` (plain, extended,
//! in a request JWT) and in `irma session -r`, each kind gives the same session as its
//! condiscon form, and the requestor gets the result in the legacy form.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::app::App;
use crate::util::{Server, irma, vector};

const APP: [(&str, &str); 3] = [
    ("X-IRMA-MinProtocolVersion", "2.8"),
    ("X-IRMA-MaxProtocolVersion", "2.8"),
    ("Authorization", "testappauthorization"),
];
const OVER18: &str = "irma-demo.MijnOverheid.ageLower.over18";
const FAMILYNAME: &str = "irma-demo.MijnOverheid.fullName.familyname";
const FIRSTNAME: &str = "irma-demo.MijnOverheid.fullName.firstname";

/// Legacy requests of each kind with their condiscon forms (labels in English and Dutch).
fn pairs() -> Vec<(&'static str, Value, Value)> {
    let content = json!([
        {"label": "Over 18", "attributes": [OVER18]},
        {"label": "Name", "attributes": {FAMILYNAME: "Anders", FIRSTNAME: null}}
    ]);
    let disclose = json!([
        [[OVER18]],
        [[{"type": FAMILYNAME, "value": "Anders"}], [FIRSTNAME]]
    ]);
    let labels =
        json!({"0": {"en": "Over 18", "nl": "Over 18"}, "1": {"en": "Name", "nl": "Name"}});
    let credentials = json!([{"credential": "irma-demo.MijnOverheid.ageLower",
        "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]);
    vec![
        (
            "disclosing",
            json!({"type": "disclosing", "content": content}),
            json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                   "disclose": disclose, "labels": labels}),
        ),
        (
            "signing",
            json!({"type": "signing", "message": "I agree", "content": content}),
            json!({"@context": "https://irma.app/ld/request/signature/v2", "message": "I agree",
                   "disclose": disclose, "labels": labels}),
        ),
        (
            "issuing",
            json!({"type": "issuing", "credentials": credentials, "disclose": content}),
            json!({"@context": "https://irma.app/ld/request/issuance/v2",
                   "credentials": credentials, "disclose": disclose, "labels": labels}),
        ),
    ]
}

/// A server with the reference's requestor configuration (token, HMAC and RSA requestors,
/// a result JWT key).
async fn configured_server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("irmaserver.json");
    let conf = vector("jwt/server-config-and-keys.json")["requestor_config"].clone();
    std::fs::write(&config, conf.to_string()).unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()]).await;
    (server, dir)
}

fn keys() -> Value {
    vector("jwt/server-config-and-keys.json")["keys"].clone()
}

/// `POST /session`: JSON with the token requestor's authorization, or a JWT (`text/plain`);
/// status and body.
async fn post(server: &Server, body: &str, content_type: &str) -> (u16, Value) {
    let token = keys()["token"].as_str().unwrap().to_owned();
    let mut headers = vec![("Content-Type", content_type)];
    if content_type == "application/json" {
        headers.push(("Authorization", &token));
    }
    let (status, _, body) = server.call("POST", "/session", &headers, Some(body)).await;
    (status, serde_json::from_str(&body).unwrap())
}

/// An HS256 request JWT of requestor `vg_hmac` with `body` in the claim of `kind`.
fn request_jwt(kind: &str, body: &Value) -> String {
    let (sub, claim) = match kind {
        "disclosing" => ("verification_request", "sprequest"),
        "signing" => ("signature_request", "absrequest"),
        _ => ("issue_request", "iprequest"),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"sub": sub, "iss": "vg_hmac", "iat": now, claim: body});
    let key = STANDARD
        .decode(keys()["hmac_key_base64"].as_str().unwrap())
        .unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&key),
    )
    .unwrap()
}

/// What the app sees of a session (`GET /irma/session/{ct}/`), without the random nonce and
/// the default credential validity (the start time plus six months).
async fn app_view(server: &Server, package: &Value) -> Value {
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let path = format!("/irma/session/{}/", u.rsplit('/').next().unwrap());
    let (status, _, body) = server.call("GET", &path, &APP, None).await;
    assert_eq!(status, 200, "{body}");
    let mut view: Value = serde_json::from_str(&body).unwrap();
    let nonce = view["request"]
        .as_object_mut()
        .unwrap()
        .remove("nonce")
        .unwrap();
    assert!(nonce.is_string());
    for credential in view["request"]["credentials"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        assert!(
            credential
                .as_object_mut()
                .unwrap()
                .remove("validity")
                .is_some()
        );
    }
    view
}

#[tokio::test]
async fn legacy_requests_start_the_same_sessions_as_their_condiscon_form() {
    let (server, dir) = configured_server().await;
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, keys()["token"].as_str().unwrap()).unwrap();
    for (kind, legacy, condiscon) in pairs() {
        let (status, package) = post(&server, &condiscon.to_string(), "application/json").await;
        assert_eq!(status, 200, "{package}");
        assert_eq!(package["sessionPtr"]["irmaqr"], kind);
        let expected = app_view(&server, &package).await;

        let extended = json!({"validity": 60, "request": legacy});
        let jwt = request_jwt(kind, &extended);
        let starts = [
            (legacy.to_string(), "application/json"),
            (extended.to_string(), "application/json"),
            (jwt, "text/plain"),
        ];
        for (body, content_type) in starts {
            let (status, package) = post(&server, &body, content_type).await;
            assert_eq!(status, 200, "{kind} {content_type}: {package}");
            assert_eq!(package["sessionPtr"]["irmaqr"], kind);
            assert_eq!(app_view(&server, &package).await, expected, "{kind} {body}");
        }

        // `irma session -r` reads it as well.
        let run = irma([
            "session",
            "--server",
            &server.base,
            "--no-wait",
            "-a",
            "token",
            "--key",
            token_file.to_str().unwrap(),
            "-r",
            &legacy.to_string(),
        ])
        .success();
        let package: Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(
            app_view(&server, &package).await,
            expected,
            "irma session {kind}"
        );
    }
}

#[tokio::test]
async fn malformed_legacy_requests_get_the_reference_error() {
    let (server, _dir) = configured_server().await;
    for body in [
        json!({}),
        json!({"content": [{"label": "x", "attributes": [OVER18]}]}),
        json!({"type": "disclosing", "content": []}),
        json!({"type": "disclosing", "content": [{"label": "x", "attributes": ["nonsense"]}]}),
        json!({"type": "signing", "content": [{"label": "x", "attributes": [OVER18]}]}),
        json!({"type": "issuing", "disclose": []}),
        json!({"request": {"type": "disclosing", "content": []}}),
    ] {
        let (status, e) = post(&server, &body.to_string(), "application/json").await;
        assert_eq!(
            (status, &e["error"], &e["message"]),
            (
                400,
                &json!("INVALID_REQUEST"),
                &json!("Failed to JSON unmarshal request bytes")
            ),
            "{body}"
        );
    }
}

/// The decoded claims of a JWT (not verified: the server signed it).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn legacy_sessions_give_legacy_results() {
    let (server, _dir) = configured_server().await;
    let app = App::new();
    let legacy = json!({"type": "disclosing", "content": [
        {"label": "Over 18", "attributes": [OVER18]},
        {"label": "Name", "attributes": [FAMILYNAME]}]});
    let condiscon = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[[OVER18]], [[FAMILYNAME]]]});
    let mut results = Vec::new();
    for request in [&legacy, &condiscon] {
        let (status, package) = post(&server, &request.to_string(), "application/json").await;
        assert_eq!(status, 200, "{package}");
        let u = package["sessionPtr"]["u"].as_str().unwrap();
        assert_eq!(app.disclose(u, false).await["proofStatus"], "VALID");
        let token = package["token"].as_str().unwrap();
        let (_, _, result) = server
            .call("GET", &format!("/session/{token}/result"), &[], None)
            .await;
        let (_, _, jwt) = server
            .call("GET", &format!("/session/{token}/result-jwt"), &[], None)
            .await;
        results.push((
            serde_json::from_str::<Value>(&result).unwrap(),
            claims(&jwt),
        ));
    }
    let [(legacy_result, legacy_jwt), (result, jwt)] = <[_; 2]>::try_from(results).unwrap();
    // The condiscon session: a list per disjunction.
    assert_eq!(result["disclosed"][0][0]["id"], OVER18, "{result}");
    assert_eq!(jwt["disclosed"][1][0]["id"], FAMILYNAME, "{jwt}");
    // The legacy one: the first attribute of each disjunction, in one list.
    for r in [&legacy_result, &legacy_jwt] {
        assert_eq!(r["status"], "DONE", "{r}");
        assert_eq!(r["proofStatus"], "VALID", "{r}");
        assert_eq!(r["type"], "disclosing", "{r}");
        assert_eq!(
            r["disclosed"],
            json!([result["disclosed"][0][0], result["disclosed"][1][0]])
        );
    }
    assert_eq!(legacy_jwt["sub"], "disclosing_result");
    assert_eq!(
        legacy_result
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["disclosed", "proofStatus", "status", "token", "type"],
        "{legacy_result}"
    );
}
