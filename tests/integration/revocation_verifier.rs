//! `irma server` as a verifier of nonrevocation proofs, over real HTTP on 127.0.0.1: it
//! fetches the authority's updates (the reference authority's recorded answers, served on
//! loopback) when the app fetches a request asking for nonrevocation proofs, caches them as
//! the reference does, attaches them as recorded, and refuses what the reference refuses.
//! The recorded sessions themselves are replayed into the engine (`session::revocation_tests`),
//! where the recorded nonce can be set.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::util::{Server, vector};

const ROOT: &str = "irma-demo.MijnOverheid.root";

pub(crate) const APP_HEADERS: [(&str, &str); 3] = [
    ("Authorization", "HxjSTRZW1Tllu0pS4tok"),
    ("X-IRMA-MinProtocolVersion", "2.4"),
    ("X-IRMA-MaxProtocolVersion", "2.8"),
];

/// The authority as recorded: answers every request with one recorded exchange's answer
/// and notes the paths asked.
struct Authority {
    exchange: Value,
    asked: Mutex<Vec<String>>,
}

async fn answer(State(authority): State<Arc<Authority>>, uri: Uri) -> Response {
    authority.asked.lock().unwrap().push(uri.path().to_owned());
    let exchange = &authority.exchange;
    let body = STANDARD
        .decode(exchange["response_body_raw_b64"].as_str().unwrap())
        .unwrap();
    let content_type = exchange["response_headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// Serves `exchange`'s answer; returns the authority and its URL.
async fn authority(exchange: Value) -> (Arc<Authority>, String) {
    let authority = Arc::new(Authority {
        exchange,
        asked: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&authority));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/irma", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (authority, url)
}

/// A verifier fetching the root credential's updates from `url`.
async fn verifier(url: &str) -> Server {
    let settings = json!({ ROOT: {"revocation_server_url": url} }).to_string();
    Server::start(&["--revocation-settings", &settings]).await
}

/// Starts a session and has the app fetch it: the status and body of the app's GET.
pub(crate) async fn fetched(server: &Server, request: &Value) -> (u16, Value, String) {
    let package = server.start_session(request).await;
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let ct = u.rsplit('/').next().unwrap();
    let (status, _, body) = server
        .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
        .await;
    let token = package["token"].as_str().unwrap().to_owned();
    (status, serde_json::from_str(&body).unwrap(), token)
}

#[tokio::test]
async fn the_app_gets_the_authoritys_update_fetched_as_the_reference_does() {
    let case = vector("revocation/disclosure-nonrevoked.json");
    let exchange = case["exchanges"]["revocation"][0].clone();
    let path = exchange["path"].as_str().unwrap().to_owned();
    let (authority, url) = authority(exchange).await;
    let server = verifier(&url).await;

    // The first request fetches; the app gets the update as the reference gave it.
    let (status, body, _) = fetched(&server, &case["session_request"]).await;
    assert_eq!(status, 200, "{body}");
    let expected = &case["client_session_request"]["request"]["revocation"];
    assert_eq!(&body["request"]["revocation"], expected);
    assert_eq!(
        authority.asked.lock().unwrap().as_slice(),
        std::slice::from_ref(&path)
    );

    // The next is served from the cache (younger than half the default tolerance)...
    let (_, body, _) = fetched(&server, &case["session_request"]).await;
    assert_eq!(&body["request"]["revocation"], expected);
    assert_eq!(authority.asked.lock().unwrap().len(), 1);

    // ... unless its tolerance asks for fresher (1 s: always fetch), which the app sees.
    let fresh = vector("revocation/disclosure-notrevokedbefore.json");
    let (_, body, _) = fetched(&server, &fresh["session_request"]).await;
    assert_eq!(body["request"]["revocation"][ROOT]["tolerance"], 1);
    assert_eq!(
        body["request"]["revocation"][ROOT]["updates"],
        expected[ROOT]["updates"]
    );
    assert_eq!(*authority.asked.lock().unwrap(), [path.clone(), path]);

    // Nothing is fetched for a request without `revocation`.
    let plain = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                       "disclose": [[[format!("{ROOT}.BSN")]]]});
    let (_, body, _) = fetched(&server, &plain).await;
    assert!(body["request"].get("revocation").is_none(), "{body}");
    assert_eq!(authority.asked.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn revocation_of_unsupported_types_is_refused_as_recorded() {
    let server = Server::start(&[]).await;
    let bodies = vector("revocation/error-bodies.json");
    let mut refused = 0;
    for call in bodies["calls"].as_array().unwrap() {
        let request = &call["request_body"];
        if call["path"] != "/session" || request.get("revocation").is_none() {
            continue;
        }
        let (status, _, body) = server
            .call(
                "POST",
                "/session",
                &[("Content-Type", "application/json")],
                Some(&request.to_string()),
            )
            .await;
        assert_eq!(status, call["status"], "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body, call["response_body"]);
        refused += 1;
    }
    assert_eq!(refused, 2);
}

#[tokio::test]
async fn an_unreachable_authority_cancels_the_session_without_telling_its_url() {
    let case = vector("revocation/disclosure-authority-unreachable.json");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/irma", closed.local_addr().unwrap());
    drop(closed);
    let server = verifier(&url).await;
    let (status, body, token) = fetched(&server, &case["session_request"]).await;
    let recorded = &case["exchanges"]["client"][0];
    assert_eq!(status, recorded["status"]);
    assert_eq!(body["error"], recorded["response_body"]["error"]);
    assert_eq!(
        body["description"],
        recorded["response_body"]["description"]
    );
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(ROOT), "{message}");
    assert!(!message.contains("127.0.0.1"), "{message}");
    assert_eq!(server.status(&token).await, "CANCELLED");
}
