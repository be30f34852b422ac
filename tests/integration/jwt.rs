//! `irma jwt sign` and `irma jwt verify` on the reference's recorded JWTs
//! (`tests/data/vectors/jwt/`), on our own tokens, and with a key fetched over HTTP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::util::{data_dir, irma, irma_stdin};

const SESSION_VECTORS: [(&str, &str, &str); 6] = [
    ("hmac-disclosure", "hmac", "session request (disclosure)"),
    ("hmac-signature", "hmac", "session request (signature)"),
    ("hmac-issuance", "hmac", "session request (issuance)"),
    ("rsa-disclosure", "rsa", "session request (disclosure)"),
    ("rsa-signature", "rsa", "session request (signature)"),
    ("rsa-issuance", "rsa", "session request (issuance)"),
];

fn vector(name: &str) -> Value {
    let path = data_dir().join(format!("vectors/jwt/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The recorded keys written to files in a temporary directory.
struct KeyFiles {
    _dir: tempfile::TempDir,
    hmac: PathBuf,
    requestor_public: PathBuf,
    requestor_private: PathBuf,
    server_public: PathBuf,
}

impl KeyFiles {
    fn new() -> Self {
        let keys = &vector("server-config-and-keys")["keys"];
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, key: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, keys[key].as_str().unwrap()).unwrap();
            path
        };
        Self {
            hmac: write("hmac.key", "hmac_key_base64"),
            requestor_public: write("requestor.pub.pem", "requestor_rsa_public_pem"),
            requestor_private: write("requestor.pem", "requestor_rsa_private_pem"),
            server_public: write("server.pub.pem", "server_jwt_public_pem"),
            _dir: dir,
        }
    }

    fn requestor_key(&self, method: &str) -> &Path {
        if method == "hmac" {
            &self.hmac
        } else {
            &self.requestor_public
        }
    }
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn recorded_request_jwts_verify_with_their_keys() {
    let keys = KeyFiles::new();
    for (name, method, kind) in SESSION_VECTORS {
        let v = vector(name);
        let at = v["recorded_at"].to_string();
        let token = v["session_request"].as_str().unwrap();
        let key = path_arg(keys.requestor_key(method));
        let run = irma([
            "jwt",
            "verify",
            "--key",
            key,
            "--at",
            &at,
            "--max-age",
            "300",
            "--leeway",
            "0",
            token,
        ])
        .success();
        assert!(
            run.stdout.contains(&format!("kind: {kind}")),
            "{name}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("\"iss\": \"vg_{method}\"")),
            "{name}"
        );

        // Too old five minutes later.
        let later = (v["recorded_at"].as_i64().unwrap() + 301).to_string();
        let run = irma([
            "jwt",
            "verify",
            "--key",
            key,
            "--at",
            &later,
            "--max-age",
            "300",
            token,
        ])
        .failure();
        assert!(run.stderr.contains("too old"), "{name}: {}", run.stderr);

        // The other method's key: the algorithm does not match.
        let other = path_arg(keys.requestor_key(if method == "hmac" { "rsa" } else { "hmac" }));
        let run = irma(["jwt", "verify", "--key", other, "--at", &at, token]).failure();
        assert!(
            run.stderr.contains("is not accepted"),
            "{name}: {}",
            run.stderr
        );
    }
}

#[test]
fn recorded_result_jwts_verify_at_their_time_and_expire() {
    let keys = KeyFiles::new();
    let server = path_arg(&keys.server_public);
    for (name, _, _) in SESSION_VECTORS {
        let v = vector(name);
        let at = v["recorded_at"].to_string();
        for (which, r) in v["result_jwts"].as_object().unwrap() {
            let token = r["jwt"].as_str().unwrap();
            let run = irma([
                "jwt", "verify", "--key", server, "--at", &at, "--json", token,
            ])
            .success();
            let report: Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(report["valid"], true, "{name} {which}");
            assert_eq!(report["claims"], r["decoded"]["claims"], "{name} {which}");
            let prefix = if which == "result-jwt" {
                "session result"
            } else {
                "getproof result"
            };
            assert!(
                report["kind"].as_str().unwrap().starts_with(prefix),
                "{name} {which}"
            );

            // Its `exp` passed long ago: invalid now.
            let run = irma(["jwt", "verify", "--key", server, token]).failure();
            assert!(
                run.stderr.contains("expired"),
                "{name} {which}: {}",
                run.stderr
            );

            // A flipped signature bit.
            let mut flipped = token.to_owned().into_bytes();
            let last = flipped.len() - 10;
            flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
            let flipped = String::from_utf8(flipped).unwrap();
            let run = irma(["jwt", "verify", "--key", server, "--at", &at, &flipped]).failure();
            assert!(
                run.stderr.contains("signature is invalid"),
                "{}",
                run.stderr
            );

            // The requestor's RSA key is the wrong key.
            let run = irma([
                "jwt",
                "verify",
                "--key",
                path_arg(&keys.requestor_public),
                "--at",
                &at,
                token,
            ])
            .failure();
            assert!(
                run.stderr.contains("signature is invalid"),
                "{}",
                run.stderr
            );
        }
    }
}

#[test]
fn sign_then_verify_round_trips() {
    let keys = KeyFiles::new();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.json");
    std::fs::write(
        &plain,
        r#"{"@context":"https://irma.app/ld/request/signature/v2","message":"hi","disclose":[[["irma-demo.MijnOverheid.ageLower.over18"]]]}"#,
    )
    .unwrap();
    let extended = dir.path().join("extended.json");
    std::fs::write(
        &extended,
        r#"{"validity":60,"request":{"@context":"https://irma.app/ld/request/issuance/v2","credentials":[]}}"#,
    )
    .unwrap();
    let hmac_b64 = std::fs::read_to_string(&keys.hmac).unwrap();
    let cases = [
        (
            "hmac",
            path_arg(&keys.hmac),
            path_arg(&keys.hmac),
            &plain,
            "signature",
        ),
        (
            "hmac",
            hmac_b64.as_str(),
            path_arg(&keys.hmac),
            &extended,
            "issuance",
        ),
        (
            "rsa",
            path_arg(&keys.requestor_private),
            path_arg(&keys.requestor_public),
            &plain,
            "signature",
        ),
        (
            "rsa",
            path_arg(&keys.requestor_private),
            path_arg(&keys.requestor_private),
            &extended,
            "issuance",
        ),
    ];
    for (method, sign_key, verify_key, file, kind) in cases {
        let signed = irma([
            "jwt",
            "sign",
            "-a",
            method,
            "--key",
            sign_key,
            "--name",
            "me",
            path_arg(file),
        ])
        .success();
        let token = signed.stdout.trim();
        let run = irma([
            "jwt",
            "verify",
            "--key",
            verify_key,
            "--max-age",
            "60",
            "--json",
            token,
        ])
        .success();
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["kind"], format!("session request ({kind})"));
        assert_eq!(
            report["header"]["alg"],
            if method == "hmac" { "HS256" } else { "RS256" }
        );
        assert_eq!(report["claims"]["iss"], "me");
        let claim = if kind == "signature" {
            "absrequest"
        } else {
            "iprequest"
        };
        let body = &report["claims"][claim];
        assert!(
            body["request"]["@context"].as_str().unwrap().contains(kind),
            "{body}"
        );
        if file == &extended {
            assert_eq!(body["validity"], 60);
        }
    }

    // Not a session request; a bad key; a key for the other method.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"@context":"nope"}"#).unwrap();
    let cases = [
        ("hmac", path_arg(&keys.hmac), path_arg(&bad), "@context"),
        (
            "rsa",
            path_arg(&keys.hmac),
            path_arg(&plain),
            "RSA private key",
        ),
        ("hmac", "not base64!", path_arg(&plain), "base64"),
    ];
    for (alg, key, file, error) in cases {
        let run = irma(["jwt", "sign", "-a", alg, "--key", key, file]).failure();
        assert!(run.stderr.contains(error), "{alg} {key}: {}", run.stderr);
    }
}

/// Serves `GET /publickey` with `pem` on 127.0.0.1 and records the request lines.
async fn serve_public_key(listener: TcpListener, pem: String, seen: Arc<Mutex<Vec<String>>>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&request).into_owned();
        let line = text.lines().next().unwrap_or("").to_owned();
        let (status, body) = if line.starts_with("GET /publickey ") {
            ("200 OK", pem.clone())
        } else {
            ("404 Not Found", "404 page not found\n".to_owned())
        };
        seen.lock().unwrap().push(line);
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
    }
}

#[test]
fn verify_fetches_the_key_from_a_server() {
    let config = vector("server-config-and-keys");
    let pem = config["get_publickey"]["response_body"]
        .as_str()
        .unwrap()
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    runtime.spawn(serve_public_key(listener, pem, seen.clone()));

    let v = vector("rsa-disclosure");
    let at = v["recorded_at"].to_string();
    let token = v["result_jwts"]["getproof"]["jwt"].as_str().unwrap();
    let run = irma([
        "jwt",
        "verify",
        "--server",
        &format!("{url}/"),
        "--at",
        &at,
        token,
    ])
    .success();
    assert!(
        run.stdout.contains("kind: getproof result (disclosing)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["GET /publickey HTTP/1.1".to_owned()]
    );

    // A request JWT signed with the requestor's key does not verify with the server's key.
    let request = v["session_request"].as_str().unwrap();
    let run = irma(["jwt", "verify", "--server", &url, "--at", &at, request]).failure();
    assert!(
        run.stderr.contains("signature is invalid"),
        "{}",
        run.stderr
    );

    // A path that is not an IRMA server: no key.
    let run = irma([
        "jwt",
        "verify",
        "--server",
        &format!("{url}/nothing"),
        "--at",
        &at,
        token,
    ])
    .failure();
    assert!(run.stderr.contains("404"), "{}", run.stderr);

    // Plain http to a non-loopback host is refused before any connection.
    let run = irma(["jwt", "verify", "--server", "http://192.0.2.1", token]).failure();
    assert!(run.stderr.contains("use https"), "{}", run.stderr);
}

#[test]
fn sign_and_verify_read_standard_input() {
    let keys = KeyFiles::new();
    let request = r#"{"@context":"https://irma.app/ld/request/disclosure/v2","disclose":[[["irma-demo.MijnOverheid.ageLower.over18"]]]}"#;
    let hmac = path_arg(&keys.hmac);
    let token = irma_stdin(
        [
            "jwt", "sign", "-a", "hmac", "--key", hmac, "--name", "vg_hmac", "-",
        ],
        request,
    )
    .success()
    .stdout;
    let stdout = irma_stdin(
        ["jwt", "verify", "--key", hmac, "--max-age", "60", "-"],
        &token,
    )
    .success()
    .stdout;
    assert!(
        stdout.contains("kind: session request (disclosure)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("valid: HS256 signature verified"),
        "{stdout}"
    );
    // The same token with a one-character change in its claims.
    let tampered = token.trim().replacen(".eyJ", ".eyK", 1);
    let run = irma_stdin(["jwt", "verify", "--key", hmac, "-"], &tampered).failure();
    assert!(run.stderr.contains("irma:"), "{}", run.stderr);
}
