//! TLS (rustls) on the requestor and app listeners with a certificate generated here, and
//! the app API on its own port (`client_port`), against the real `irma server`.

use serde_json::{Value, json};

use crate::util::{Server, free_port, irma};

/// A self-signed certificate for 127.0.0.1 and localhost: (certificate PEM, key PEM).
fn certificate() -> (String, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

/// A client that trusts only `cert_pem`.
fn client(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

const APP_HEADERS: [(&str, &str); 3] = [
    ("Authorization", "HxjSTRZW1Tllu0pS4tok"),
    ("X-IRMA-MinProtocolVersion", "2.4"),
    ("X-IRMA-MaxProtocolVersion", "2.9"),
];

/// GET `url` with the app's headers; (status, body).
async fn app_get(http: &reqwest::Client, url: &str) -> (u16, String) {
    let mut req = http.get(format!("{url}/"));
    for (k, v) in APP_HEADERS {
        req = req.header(k, v);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn one_tls_listener_from_files() {
    let (cert, key) = certificate();
    let dir = tempfile::tempdir().unwrap();
    let cert_file = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert_file, &cert).unwrap();
    std::fs::write(&key_file, &key).unwrap();
    let server = Server::launch(
        "https",
        client(&cert),
        "",
        &[
            "--tls-cert-file",
            cert_file.to_str().unwrap(),
            "--tls-privkey-file",
            key_file.to_str().unwrap(),
        ],
    )
    .await;
    let package = server.start_session(&over18()).await;
    let url = package["sessionPtr"]["u"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/irma/session/", server.base)),
        "{url}"
    );
    let (status, body) = app_get(&server.http, url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server.status(package["token"].as_str().unwrap()).await,
        "CONNECTED"
    );

    // Plain HTTP on the TLS port gets no answer, and a client that does not trust the
    // certificate refuses it.
    let plain = server.base.replacen("https", "http", 1);
    let r = reqwest::get(format!("{plain}/health")).await;
    assert!(r.is_err() || r.unwrap().status() != 200);
    let other = certificate().0;
    assert!(
        client(&other)
            .get(server.url("/health"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn app_api_on_its_own_tls_port() {
    let (cert, key) = certificate();
    let client_port = free_port().to_string();
    // `:port` in the URL is the app port, and the URL becomes https with app TLS.
    let server = Server::launch(
        "http",
        client(&cert),
        "",
        &[
            "--client-port",
            &client_port,
            "--client-listen-addr",
            "127.0.0.1",
            &format!("--client-tls-cert={cert}"),
            &format!("--client-tls-privkey={key}"),
            "--url",
            "http://127.0.0.1:port",
        ],
    )
    .await;
    let package = server.start_session(&over18()).await;
    let url = package["sessionPtr"]["u"].as_str().unwrap();
    let app_base = format!("https://127.0.0.1:{client_port}");
    assert!(
        url.starts_with(&format!("{app_base}/irma/session/")),
        "{url}"
    );
    let (status, body) = app_get(&server.http, url).await;
    assert_eq!(status, 200, "{body}");

    // Each listener serves only its own API.
    let path = &url[app_base.len()..];
    let (status, _, _) = server.call("GET", path, &APP_HEADERS, None).await;
    assert_eq!(status, 404, "no app API on the requestor port");
    let r = server
        .http
        .post(format!("{app_base}/session"))
        .header("Content-Type", "application/json")
        .body(over18().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no requestor API on the app port");
    let r = server
        .http
        .get(format!("{app_base}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn split_ports_without_tls() {
    let client_port = free_port().to_string();
    let app_base = format!("http://127.0.0.1:{client_port}");
    let server = Server::start(&["--client-port", &client_port, "--url", &app_base]).await;
    let package = server.start_session(&over18()).await;
    let url = package["sessionPtr"]["u"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{app_base}/irma/session/")),
        "{url}"
    );
    let (status, body) = app_get(&server.http, url).await;
    assert_eq!(status, 200, "{body}");
}

#[test]
fn mismatched_or_bad_tls_material_is_refused() {
    let (cert, _) = certificate();
    let (_, other_key) = certificate();
    let run = irma([
        "-q",
        "server",
        "check",
        &format!("--tls-cert={cert}"),
        &format!("--tls-privkey={other_key}"),
    ])
    .failure();
    assert!(run.stderr.contains("tls_cert"), "{}", run.stderr);
    let run = irma([
        "-q",
        "server",
        "check",
        "--client-port",
        "9999",
        &format!("--client-tls-cert={cert}"),
        "--client-tls-privkey=-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ])
    .failure();
    assert!(run.stderr.contains("client_tls_cert"), "{}", run.stderr);
    // Client TLS without a client port has nothing to apply to.
    let (cert, key) = certificate();
    let run = irma([
        "-q",
        "server",
        "check",
        &format!("--client-tls-cert={cert}"),
        &format!("--client-tls-privkey={key}"),
    ])
    .failure();
    assert!(run.stderr.contains("client_port"), "{}", run.stderr);
    // A matching pair checks.
    irma([
        "-q",
        "server",
        "check",
        "--tls-cert",
        &cert,
        "--tls-privkey",
        &key,
    ])
    .success();
}
