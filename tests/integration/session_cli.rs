//! `irma session` and `irma request` through the real binary: against our server
//! (`--server`) and the embedded one, with wallet P playing the app ([`crate::app`]);
//! scripted use with `--no-wait`; the exit status of every outcome; the QR code decoded
//! back to the session pointer; `irma request` against the reference's recorded output.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::app::App;
use crate::util::{Run, Server, data_dir, irma, vector};

const OVER18: &str = "irma-demo.MijnOverheid.ageLower.over18";
const FAMILYNAME: &str = "irma-demo.MijnOverheid.fullName.familyname";

/// A running `irma session`: standard error read line by line as it comes.
struct Running {
    child: Child,
    stdin: std::process::ChildStdin,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(args: &[&str]) -> Self {
        let mut child = crate::util::command()
            .arg("session")
            .arg("--disable-schemes-update")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            stdin,
            stderr: rx,
            seen: Vec::new(),
        }
    }

    fn next_line(&mut self) -> String {
        let line = self
            .stderr
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no more output; stderr so far:\n{}", self.seen.join("\n")));
        self.seen.push(line.clone());
        line
    }

    /// The first line of standard error starting with `prefix`, without it.
    fn line_after(&mut self, prefix: &str) -> String {
        loop {
            if let Some(rest) = self.next_line().strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    }

    /// Presses Enter.
    fn enter(&mut self) {
        use std::io::Write;
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The session pointer printed with `--noqr`.
    fn pointer(&mut self) -> Value {
        loop {
            let line = self.next_line();
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v.get("irmaqr").is_some()
            {
                return v;
            }
        }
    }

    /// The session pointer read from the QR code drawn on standard error.
    fn qr_pointer(&mut self) -> Value {
        let mut rows: Vec<String> = Vec::new();
        loop {
            let line = self.next_line();
            if line.is_empty() || !line.chars().all(|c| " █▀▄".contains(c)) {
                rows.clear();
                continue;
            }
            rows.push(line);
            if rows.len() > 10
                && let Some(text) = decode_qr(&rows)
            {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// Waits for the process; returns exit status and outputs.
    fn finish(mut self) -> Run {
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        Run {
            code: status.code(),
            stdout,
            stderr: self.seen.join("\n"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes the half-block drawing of [`irma::requestor::qr`] (inverted: a space is a dark
/// pair) with rqrr, as a scanner would.
fn decode_qr(rows: &[String]) -> Option<String> {
    let rows: Vec<Vec<char>> = rows.iter().map(|l| l.chars().collect()).collect();
    let width = rows.iter().map(Vec::len).max()?;
    let dark = |x: usize, y: usize| -> bool {
        let c = rows[y / 2].get(x).copied().unwrap_or('█');
        let (top_light, bottom_light) = match c {
            '█' => (true, true),
            '▀' => (true, false),
            '▄' => (false, true),
            _ => (false, false),
        };
        !if y.is_multiple_of(2) {
            top_light
        } else {
            bottom_light
        }
    };
    let scale = 4;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(
        width * scale,
        rows.len() * 2 * scale,
        |x, y| {
            if dark(x / scale, y / scale) { 0 } else { 255 }
        },
    );
    let grids = img.detect_grids();
    grids.first()?.decode().ok().map(|(_, text)| text)
}

fn url(pointer: &Value) -> String {
    pointer["u"].as_str().unwrap().to_owned()
}

/// The result JSON on standard output (not a terminal: one JSON object).
fn result(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: stdout {:?}, stderr {}", run.stdout, run.stderr))
}

fn assert_disclosed_over18(result: &Value) {
    assert_eq!(result["status"], "DONE", "{result}");
    assert_eq!(result["proofStatus"], "VALID", "{result}");
    assert_eq!(result["disclosed"][0][0]["id"], OVER18);
    assert_eq!(result["disclosed"][0][0]["rawvalue"], "yes");
}

#[tokio::test]
async fn embedded_session_with_qr_completes_and_exits_0() {
    let app = App::new();
    let mut session = Running::spawn(&[
        "--disclose",
        OVER18,
        "-p",
        "0",
        "-u",
        "http://127.0.0.1:port",
    ]);
    let pointer = session.qr_pointer();
    assert_eq!(pointer["irmaqr"], "disclosing");
    let u = url(&pointer);
    assert!(u.starts_with("http://127.0.0.1:"), "{pointer}");
    // The embedded server exposes only the app API, not the requestor API.
    let base = &u[..u.find("/irma/").unwrap()];
    let r = reqwest::Client::new()
        .post(format!("{base}/session"))
        .header("Content-Type", "application/json")
        .body(format!(
            r#"{{"@context":"https://irma.app/ld/request/disclosure/v2","disclose":[[["{OVER18}"]]]}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The app answers at once, right after the QR appeared.
    let answer = app.disclose(&u, false).await;
    assert_eq!(answer["proofStatus"], "VALID");
    let run = session.finish().success();
    assert_disclosed_over18(&result(&run));
}

#[tokio::test]
async fn remote_sessions_with_and_without_sse() {
    let app = App::new();
    for flags in [&[][..], &["--sse"][..]] {
        let server = Server::start(flags).await;
        let mut session = Running::spawn(&[
            "--server",
            &server.base,
            "--disclose",
            OVER18,
            "--disclose",
            FAMILYNAME,
            "--noqr",
        ]);
        let pointer = session.pointer();
        let answer = app.disclose(&url(&pointer), false).await;
        assert_eq!(answer["proofStatus"], "VALID");
        let run = session.finish().success();
        let r = result(&run);
        assert_disclosed_over18(&r);
        assert_eq!(r["disclosed"][1][0]["rawvalue"], "Anders", "{flags:?}");
    }
}

#[tokio::test]
async fn pairing_codes_are_shown_and_confirmed() {
    let app = App::new();
    for server in [None, Some(Server::start(&[]).await)] {
        let mut args = vec!["--disclose", OVER18, "--noqr", "--pairing"];
        match &server {
            Some(s) => args.extend(["--server", s.base.as_str()]),
            None => args.extend(["-p", "0", "-u", "http://127.0.0.1:port"]),
        }
        let mut session = Running::spawn(&args);
        let u = url(&session.pointer());
        let first = app.connect(&u).await;
        assert!(first.get("request").is_none(), "request before pairing");
        let app_code = first["options"]["pairingCode"].as_str().unwrap().to_owned();
        assert_eq!(session.line_after("Pairing code:"), app_code);
        session.enter();
        session.line_after("Pairing completed.");
        let request = app.request_after_pairing(&u).await;
        assert_eq!(app.prove(&u, &request, false).await["proofStatus"], "VALID");
        let run = session.finish().success();
        assert_disclosed_over18(&result(&run));
    }
}

#[test]
fn embedded_server_checks_the_host() {
    let request = |host: &str| {
        format!(
            r#"{{"@context":"https://irma.app/ld/request/disclosure/v2","disclose":[[["{OVER18}"]]],"host":"{host}"}}"#
        )
    };
    // Another host than the one of -u: refused before anything is shown.
    let foreign = request("evil.example");
    let run = irma([
        "session",
        "-p",
        "0",
        "-u",
        "http://127.0.0.1:port",
        "--noqr",
        "-r",
        foreign.as_str(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("requestor not allowed to use the requested host"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn exit_status_per_outcome() {
    let app = App::new();
    let server = Server::start(&["--sse"]).await;
    let base = server.base.clone();
    let start = |extra: &[&str]| {
        let mut args = vec!["--server", &base, "--noqr"];
        args.extend_from_slice(extra);
        Running::spawn(&args)
    };

    // The app cancels: CANCELLED, 4.
    let mut s = start(&["--disclose", OVER18]);
    let u = url(&s.pointer());
    app.connect(&u).await;
    app.cancel(&u).await;
    let run = s.finish();
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert_eq!(result(&run)["status"], "CANCELLED");

    // Proofs over another nonce: DONE but INVALID, 6.
    let mut s = start(&["--disclose", OVER18]);
    let u = url(&s.pointer());
    assert_eq!(app.disclose(&u, true).await["proofStatus"], "INVALID");
    let run = s.finish();
    assert_eq!(run.code, Some(6), "{}", run.stderr);
    assert_eq!(result(&run)["proofStatus"], "INVALID");

    // Nobody scans: TIMEOUT after the request's timeout, 5.
    let request = format!(
        r#"{{"timeout":1,"request":{{"@context":"https://irma.app/ld/request/disclosure/v2","disclose":[[["{OVER18}"]]]}}}}"#
    );
    let run = start(&["-r", &request]).finish();
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert_eq!(result(&run)["status"], "TIMEOUT");

    // Usage errors, 2; an unreachable server, 3.
    let run = irma([
        "session",
        "--disclose",
        "irma-demo.MijnOverheid.ageLower.over99",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("unknown attribute"), "{}", run.stderr);
    let run = irma(["session", "--sign", OVER18, "--server", &base]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let dead = format!("http://127.0.0.1:{}", crate::util::free_port());
    let run = irma(["session", "--server", &dead, "--disclose", OVER18, "--noqr"]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let run = irma(["session", "status", "--server", &base, "not-a-token"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[tokio::test]
async fn scripted_steps_with_no_wait() {
    let app = App::new();
    let server = Server::start(&[]).await;
    let base = server.base.as_str();
    let package = |extra: &[&str]| -> Value {
        let mut args = vec!["session", "--server", base, "--no-wait"];
        args.extend_from_slice(extra);
        let run = irma(args).success();
        serde_json::from_str(run.stdout.trim()).unwrap()
    };

    // Start, cancel, read back.
    let pkg = package(&["--disclose", OVER18]);
    let token = pkg["token"].as_str().unwrap();
    let status = irma(["session", "status", "--server", base, token]).success();
    assert_eq!(status.stdout.trim(), "INITIALIZED");
    let run = irma(["session", "result", "--server", base, token]);
    assert_eq!(run.code, Some(7), "not finished: {}", run.stderr);
    irma(["session", "cancel", "--server", base, token]).success();
    let status = irma(["session", "status", "--server", base, token]).success();
    assert_eq!(status.stdout.trim(), "CANCELLED");
    let run = irma(["session", "result", "--server", base, token]);
    assert_eq!(run.code, Some(4));
    assert_eq!(result(&run)["status"], "CANCELLED");

    // The app finishes before anyone follows the session: `--from-package` still gets the
    // result (the reference fails here with "Unexpected status: DONE").
    let pkg = package(&["--disclose", OVER18]);
    let token = pkg["token"].as_str().unwrap().to_owned();
    app.disclose(pkg["sessionPtr"]["u"].as_str().unwrap(), false)
        .await;
    let run = irma(["session", "--from-package", &pkg.to_string(), "--noqr"]).success();
    assert_disclosed_over18(&result(&run));
    let run = irma(["session", "result", "--server", base, &token]).success();
    assert_disclosed_over18(&result(&run));

    // An unknown session: the server's error, exit 3.
    let run = irma([
        "session",
        "status",
        "--server",
        base,
        "AAAAAAAAAAAAAAAAAAAA",
    ]);
    assert_eq!(run.code, Some(3));
    assert!(run.stderr.contains("SESSION_UNKNOWN"), "{}", run.stderr);
}

#[tokio::test]
async fn authenticated_starts_of_every_kind_and_static_pointers() {
    let vector: Value = vector("jwt/server-config-and-keys.json");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("irmaserver.json");
    std::fs::write(&config, vector["requestor_config"].to_string()).unwrap();
    let keys = &vector["keys"];
    let rsa = dir.path().join("requestor.pem");
    std::fs::write(&rsa, keys["requestor_rsa_private_pem"].as_str().unwrap()).unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(
        &token_file,
        format!("{}\n", keys["token"].as_str().unwrap()),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()]).await;
    let hmac = keys["hmac_key_base64"].as_str().unwrap();
    let auths: [&[&str]; 3] = [
        &["-a", "hmac", "--key", hmac, "--name", "vg_hmac"],
        &[
            "-a",
            "rsa",
            "--key",
            rsa.to_str().unwrap(),
            "--name",
            "vg_rsa",
        ],
        &["-a", "token", "--key", token_file.to_str().unwrap()],
    ];
    let kinds: [(&[&str], &str); 3] = [
        (&["--disclose", OVER18], "disclosing"),
        (&["--sign", OVER18, "--message", "I agree"], "signing"),
        (
            &["--issue", "irma-demo.MijnOverheid.ageLower=yes,yes,yes,no"],
            "issuing",
        ),
    ];
    for (auth, (request, action)) in auths.iter().zip(kinds) {
        let mut args = vec!["session", "--server", &server.base, "--no-wait"];
        args.extend_from_slice(auth);
        args.extend_from_slice(request);
        let run = irma(&args).success();
        let package: Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(package["sessionPtr"]["irmaqr"], action, "{auth:?}");
    }
    // Without authentication this server refuses: exit 3 with its error.
    let run = irma([
        "session",
        "--server",
        &server.base,
        "--no-wait",
        "--disclose",
        OVER18,
    ]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("INVALID_REQUEST") || run.stderr.contains("UNAUTHORIZED"));

    let run = irma([
        "session",
        "--static-server",
        "https://irma.example.com/",
        "--static-name",
        "shop",
        "--noqr",
    ])
    .success();
    let pointer: Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(
        pointer,
        serde_json::json!({"u": "https://irma.example.com/irma/session/shop", "irmaqr": "redirect"})
    );
    let run = irma([
        "session",
        "--static-server",
        "https://irma.example.com",
        "--static-name",
        "shop",
        "--disclose",
        OVER18,
    ]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn request_output_equals_the_reference() {
    let file = data_dir().join("vectors/cli/irma-request.json");
    let vector: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let schemes = data_dir().join("schemes/irma-demo");
    let mut valid = 0;
    let mut refused = 0;
    for run in vector["runs"].as_array().unwrap() {
        let args: Vec<String> = run["command"].as_array().unwrap()[1..]
            .iter()
            .map(|a| match a.as_str().unwrap() {
                "irma_configuration" => schemes.to_string_lossy().into_owned(),
                other => other.to_owned(),
            })
            .collect();
        let ours = irma(&args);
        if run["exit_code"] == 0 {
            let ours = ours.success();
            let json: Value = serde_json::from_str(&ours.stdout).unwrap();
            assert_eq!(json, run["stdout_json"], "{}", run["what"]);
            valid += 1;
        } else {
            ours.failure();
            refused += 1;
        }
    }
    assert_eq!((valid, refused), (8, 6));
}

#[test]
fn request_jwts_equal_the_reference_but_for_iat() {
    use irma::jwt::verify::Jwt;

    let keys: Value = vector("jwt/server-config-and-keys.json");
    let dir = tempfile::tempdir().unwrap();
    let rsa = dir.path().join("requestor-rsa-priv.pem");
    std::fs::write(
        &rsa,
        keys["keys"]["requestor_rsa_private_pem"].as_str().unwrap(),
    )
    .unwrap();
    let schemes = data_dir().join("schemes/irma-demo");
    let mut checked = 0;
    for method in ["hmac", "rsa"] {
        for kind in ["disclosure", "signature", "issuance"] {
            let file = data_dir().join(format!("vectors/jwt/{method}-{kind}.json"));
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            let recorded = &case["irma_request"];
            let args: Vec<String> = recorded["command"].as_array().unwrap()[1..]
                .iter()
                .map(|a| match a.as_str().unwrap() {
                    "irma_configuration" => schemes.to_string_lossy().into_owned(),
                    "requestor-rsa-priv.pem" => rsa.to_string_lossy().into_owned(),
                    other => other.to_owned(),
                })
                .collect();
            let ours = irma(&args).success();
            let jwt = Jwt::decode(ours.stdout.trim()).unwrap();
            assert_eq!(
                Value::Object(jwt.header().clone()),
                recorded["decoded"]["header"]
            );
            let mut claims = jwt.claims().clone();
            let mut expected = recorded["decoded"]["claims"].as_object().unwrap().clone();
            assert!(claims.remove("iat").unwrap().is_i64());
            expected.remove("iat");
            assert_eq!(claims, expected, "{method}-{kind}");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}
