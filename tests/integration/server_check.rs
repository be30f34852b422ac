//! `irma server check`: the real binary resolving flags, `IRMASERVER_*` and a file exactly
//! as `irma server`, refusing bad and unsafe configurations with a message naming the
//! setting, and printing the effective configuration (secrets redacted) with `-v`.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value, json};

use crate::util::{Run, irma_env, vector};

/// The recorded reference configuration (requestors of every auth method, JWT key).
fn reference_config() -> Value {
    let v: Value = vector("jwt/server-config-and-keys.json");
    v["requestor_config"].clone()
}

/// `irma -q server check <args>` with extra environment variables.
fn check(env: &[(&str, &str)], args: &[&str]) -> Run {
    let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, OsStr::new(*v))).collect();
    let mut all = vec!["-q", "server", "check"];
    all.extend_from_slice(args);
    irma_env(&env, all)
}

/// `irma server check -v <args>` (logging off through RUST_LOG): the printed configuration.
fn effective(env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut env = env.to_vec();
    env.push(("RUST_LOG", "off"));
    let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, OsStr::new(*v))).collect();
    let mut all = vec!["server", "check", "-v"];
    all.extend_from_slice(args);
    let run = irma_env(&env, all).success();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Asserts a failure whose message contains every one of `needles`.
#[track_caller]
fn refused(run: Run, needles: &[&str]) {
    let run = run.failure();
    for n in needles {
        assert!(run.stderr.contains(n), "{n:?} not in:\n{}", run.stderr);
    }
}

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn defaults_are_printed_and_nothing_else_happens() {
    let run = check(&[], &[]).success();
    assert_eq!(run.stdout, "", "no -v: no output");
    let c = effective(&[], &[]);
    assert_eq!(c["production"], false);
    assert_eq!(c["auth"], "disabled");
    assert_eq!(c["listener"]["port"], 8088);
    assert_eq!(c["global_permissions"]["issue"], json!(["*"]));
    assert_eq!(c["max_session_lifetime"], 15);
    assert_eq!(c["session_result_lifetime"], 5);
    assert_eq!(c["max_request_age"], 300);
    assert_eq!(c["schemes_update"], 60);
    // The reference's default url: this machine's LAN address (127.0.0.1 without one).
    let url = c["url"].as_str().unwrap();
    let host = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix(":8088/irma/"))
        .unwrap_or_else(|| panic!("{url}"));
    let ip: std::net::Ipv4Addr = host.parse().unwrap_or_else(|e| panic!("{url}: {e}"));
    // One of this machine's own addresses.
    std::net::TcpListener::bind((ip, 0)).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert!(
        c["schemes_path"]
            .as_str()
            .unwrap()
            .ends_with("irma/irma_configuration")
    );
}

#[test]
fn the_reference_configuration_checks_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "irmaserver.json", &reference_config());
    let run = check(&[("RUST_LOG", "off")], &["-v", "--config", &file]).success();
    let c: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(c["jwt_issuer"], "vg-public-irmaserver");
    assert_eq!(c["jwt_private_key"], "<redacted>");
    let requestors = &c["auth"]["requestors"];
    assert_eq!(requestors["vg_token"]["key"]["token"], "<redacted>");
    assert_eq!(
        requestors["vg_limited"]["permissions"]["disclose"],
        json!(["irma-demo.MijnOverheid.ageLower.over18"])
    );
    for secret in [
        "vg-public-token-5f1c",
        "lQ5EUeq4rITYwGG7",
        "BEGIN PRIVATE KEY",
    ] {
        assert!(!run.stdout.contains(secret), "{secret} leaked");
        assert!(!run.stderr.contains(secret), "{secret} leaked");
    }
}

#[test]
fn flags_beat_environment_beat_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(
        dir.path(),
        "conf.json",
        &json!({"port": 1111, "jwt_issuer": "file", "max_request_age": 7, "api_prefix": "/f"}),
    );
    let env = [
        ("IRMASERVER_PORT", "2222"),
        ("IRMASERVER_JWT_ISSUER", "env"),
    ];
    let c = effective(&env, &["--config", &file]);
    assert_eq!(c["listener"]["port"], 2222);
    assert_eq!(c["jwt_issuer"], "env");
    assert_eq!(c["max_request_age"], 7);
    assert_eq!(c["api_prefix"], "/f/");
    let c = effective(&env, &["--config", &file, "--port", "3333", "-j", "flag"]);
    assert_eq!(c["listener"]["port"], 3333);
    assert_eq!(c["jwt_issuer"], "flag");
    // The configuration file may come from the environment too.
    let c = effective(&[("IRMASERVER_CONFIG", &file)], &[]);
    assert_eq!(c["listener"]["port"], 1111);
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "c.json", &json!({"prot": 1}));
    refused(check(&[], &["--config", &file]), &["prot"]);
    refused(check(&[], &["--port", "70000"]), &["port", "70000"]);
    refused(
        check(&[], &["--port", "9000", "--client-port", "9000"]),
        &["client_port"],
    );
    refused(
        check(&[], &["--disclose-perms", "irma-demo.Nope.*,x.y"]),
        &[
            "global disclose_perms 'irma-demo.Nope.*': unknown issuer",
            "global disclose_perms 'x.y': should have 4 parts",
        ],
    );
    refused(
        check(&[], &["--sign-perms", "irma-demo.*.foo"]),
        &["sign_perms 'irma-demo.*.foo': asterisk not at the end"],
    );
    refused(
        check(&[], &["--issue-perms", "pbdf.pbdf.email"]),
        &["issue_perms 'pbdf.pbdf.email': private key not installed"],
    );
    // Without the key check, the same permission is accepted.
    check(
        &[],
        &[
            "--issue-perms",
            "pbdf.pbdf.email",
            "--skip-private-keys-check",
        ],
    )
    .success();
    refused(
        check(
            &[],
            &[
                "--no-auth=false",
                "--requestors",
                r#"{"r": {"auth_method": "token", "key": "t", "disclose_perms": ["nope.*"]}}"#,
            ],
        ),
        &["requestor r disclose_perms 'nope.*': unknown scheme"],
    );
    refused(
        check(
            &[],
            &[
                "--no-auth=false",
                "--requestors",
                r#"{"r": {"auth_method": "password", "key": "t"}}"#,
            ],
        ),
        &["requestors", "unsupported authentication type"],
    );
    refused(
        check(
            &[],
            &[
                "--no-auth=false",
                "--requestors",
                r#"{"r": {"auth_method": "publickey", "key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}}"#,
            ],
        ),
        &["requestors", "requestor r"],
    );
    refused(
        check(&[], &["--jwt-privkey", "not a key"]),
        &["jwt_privkey"],
    );
    refused(
        check(&[], &["--tls-cert", "x"]),
        &["tls_cert", "private key"],
    );
    refused(
        check(&[], &["--tls-cert", "not pem", "--tls-privkey", "not pem"]),
        &["tls_cert"],
    );
    refused(
        check(&[], &["--schemes-path", "/nonexistent/schemes"]),
        &["schemes_path", "/nonexistent/schemes"],
    );
    refused(
        check(&[], &["--revoke-perms", "irma-demo.MijnOverheid.root.BSN"]),
        &["revoke_perms", "should have 3 parts"],
    );
    check(&[], &["--revoke-perms", "irma-demo.MijnOverheid.root"]).success();
}

#[test]
fn static_sessions_are_checked() {
    let over18 = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let with_callback = json!({"s": {"callbackUrl": "https://example.com/cb", "request": over18}});
    let s = with_callback.to_string();
    refused(
        check(&[], &["--static-sessions", &s]),
        &["static_sessions", "allow_unsigned_callbacks"],
    );
    check(
        &[],
        &["--static-sessions", &s, "--allow-unsigned-callbacks"],
    )
    .success();
    let no_callback = json!({"s": {"request": over18}}).to_string();
    refused(
        check(
            &[],
            &[
                "--static-sessions",
                &no_callback,
                "--allow-unsigned-callbacks",
            ],
        ),
        &["static session s", "callbackUrl"],
    );
    let issuance = json!({"s": {"callbackUrl": "https://example.com/cb", "request": {
        "@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.root", "attributes": {"BSN": "1"}}]}}})
    .to_string();
    refused(
        check(
            &[],
            &["--static-sessions", &issuance, "--allow-unsigned-callbacks"],
        ),
        &["static session s", "disclosure or signature"],
    );
    let bad_name =
        json!({"a-b": {"callbackUrl": "https://example.com/cb", "request": over18}}).to_string();
    refused(
        check(
            &[],
            &["--static-sessions", &bad_name, "--allow-unsigned-callbacks"],
        ),
        &["static_sessions", "a-b"],
    );
}

#[test]
fn private_key_folder_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let sk = std::fs::read(
        crate::util::repo_root().join("schemes/irma-demo/MijnOverheid/PrivateKeys/2.xml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("README"), "not a key").unwrap();
    std::fs::write(dir.path().join("irma-demo.MijnOverheid.xml"), &sk).unwrap();
    let path = dir.path().to_str().unwrap();
    check(&[], &["--privkeys", path]).success();
    // The same key under another issuer's name does not fit that issuer's public key.
    std::fs::write(dir.path().join("irma-demo.RU.xml"), &sk).unwrap();
    refused(
        check(&[], &["--privkeys", path]),
        &["privkeys", "irma-demo.RU.xml"],
    );
    std::fs::remove_file(dir.path().join("irma-demo.RU.xml")).unwrap();
    std::fs::write(dir.path().join("irma-demo.MijnOverheid.1.xml"), &sk).unwrap();
    refused(check(&[], &["--privkeys", path]), &["privkeys", "counter"]);
    std::fs::remove_file(dir.path().join("irma-demo.MijnOverheid.1.xml")).unwrap();
    std::fs::write(dir.path().join("nope.Issuer.xml"), &sk).unwrap();
    refused(
        check(&[], &["--privkeys", path]),
        &["privkeys", "unknown scheme"],
    );
}

#[test]
fn production_mode_is_stricter() {
    let token = r#"{"app": {"auth_method": "token", "key": "secret-token"}}"#;
    // Plain HTTP is refused unless TLS terminates in front (no_tls).
    refused(
        check(
            &[],
            &[
                "--production",
                "--url",
                "http://irma.example.com",
                "--requestors",
                token,
            ],
        ),
        &["url", "TLS"],
    );
    // Requestor authentication is on by default: requestors are needed.
    refused(
        check(&[], &["--production", "--url", "https://irma.example.com"]),
        &["requestors"],
    );
    let c = effective(
        &[],
        &[
            "--production",
            "--url",
            "https://irma.example.com",
            "--requestors",
            token,
        ],
    );
    assert_eq!(c["production"], true);
    assert_eq!(c["global_permissions"]["issue"], json!([]));
    assert_eq!(c["global_permissions"]["disclose"], json!(["*"]));
    assert_eq!(c["url"], "https://irma.example.com/irma/");
    assert!(c["auth"]["requestors"]["app"].is_object());
    // Production from the environment or a file gives the same defaults.
    let c = effective(
        &[
            ("IRMASERVER_PRODUCTION", "true"),
            ("IRMASERVER_URL", "https://irma.example.com"),
            ("IRMASERVER_REQUESTORS", token),
        ],
        &[],
    );
    assert_eq!(c["production"], true);
    assert_eq!(c["global_permissions"]["issue"], json!([]));
    let c = effective(
        &[],
        &[
            "--production",
            "--no-tls",
            "--url",
            "http://irma.internal",
            "--requestors",
            token,
        ],
    );
    assert_eq!(c["no_tls"], true);
}

#[test]
fn warnings_for_risky_settings() {
    let env = [("RUST_LOG", OsStr::new("warn"))];
    let run = irma_env(
        &env,
        [
            "server",
            "check",
            "--url",
            "http://example.com/wrongprefix",
            "--api-prefix",
            "/api",
        ],
    )
    .success();
    for needle in [
        "requestor authentication disabled",
        "TLS is not enabled",
        "does not end with /api/irma/",
    ] {
        assert!(run.stderr.contains(needle), "{needle}:\n{}", run.stderr);
    }
    // Global permissions widen a requestor's own (as the reference); that is said.
    let run = irma_env(
        &env,
        [
            "server",
            "check",
            "--no-auth=false",
            "--requestors",
            r#"{"a": {"auth_method": "token", "key": "k", "disclose_perms": ["irma-demo.*"]}}"#,
        ],
    )
    .success();
    assert!(
        run.stderr
            .contains("requestor a has its own disclose_perms, but the global disclose_perms"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_fills_an_empty_schemes_folder_offline_and_refuses_a_missing_one() {
    // As the server: an empty schemes folder gets the default schemes, here from the copies
    // built into the binary (the reference downloads them).
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("schemes");
    std::fs::create_dir(&empty).unwrap();
    check(&[], &["--schemes-path", empty.to_str().unwrap()]).success();
    let mut names: Vec<_> = std::fs::read_dir(&empty)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["irma-demo", "pbdf"]);
    let missing = dir.path().join("nonexistent");
    refused(
        check(&[], &["--schemes-path", missing.to_str().unwrap()]),
        &["schemes_path", "does not exist"],
    );
    assert!(!missing.exists());
}

#[test]
fn every_reference_key_is_recognised() {
    let configs = crate::util::data_dir().join("configs");
    let file = |name: &str| configs.join(name).to_str().unwrap().to_owned();
    // Revocation and email keys, with nothing enabled: accepted, email with a notice.
    let run = irma_env(
        &[("RUST_LOG", OsStr::new("warn"))],
        [
            "server",
            "check",
            "--config",
            &file("revocation-off.json"),
            "-e",
            "admin@example.com",
        ],
    )
    .success();
    for key in ["email", "no_email"] {
        let notice =
            format!("{key} is accepted for compatibility and ignored: this server sends no email");
        assert!(run.stderr.contains(&notice), "{notice}:\n{}", run.stderr);
    }
    // The verifier role of revocation is served: a revocation server URL and tolerance
    // per credential type are accepted.
    let verifier = r#"{"irma-demo.MijnOverheid.root":{"revocation_server_url":"http://127.0.0.1:1/irma","tolerance":60}}"#;
    check(&[("IRMASERVER_REVOCATION_SETTINGS", verifier)], &[]).success();
    // The reference's files name a schemes folder next to irmago: an empty one here. Its
    // authority's PostgreSQL is not there: refused naming the setting, after the settings
    // themselves passed; its verifier following the authority's stream is fine.
    let schemes = tempfile::tempdir().unwrap();
    let schemes = schemes.path().to_str().unwrap();
    let reference = |name| check(&[], &["--config", &file(name), "--schemes-path", schemes]);
    refused(reference("irmago-revocation.yml"), &["revocation_db_str"]);
    reference("irmago-issuer.yml").success();
    refused(
        check(&[], &["--revocation-db-type", "postgres"]),
        &["revocation_db_str", "needs a connection string"],
    );
    for (settings, says) in [
        (
            r#"{"pbdf.minvws-cibg.pilot-2":{"authority":true}}"#,
            "revocation server mode enabled for pbdf.minvws-cibg.pilot-2 but no private key installed",
        ),
        (
            r#"{"irma-demo.MijnOverheid.nosuch":{"tolerance":60}}"#,
            "unknown credential type irma-demo.MijnOverheid.nosuch",
        ),
        (
            r#"{"irma-demo.MijnOverheid.ageLower":{"tolerance":60}}"#,
            "irma-demo.MijnOverheid.ageLower does not support revocation",
        ),
    ] {
        refused(
            check(&[("IRMASERVER_REVOCATION_SETTINGS", settings)], &[]),
            &["revocation_settings", says],
        );
    }
    // The reference's own test configuration for static sessions checks here too.
    check(&[], &["--config", &file("irmago-static.yml")]).success();
}

/// `check` judges the revocation settings against the issuer keys as the reference does,
/// and reaches the database without creating anything in it.
#[test]
fn revocation_is_checked_without_side_effects() {
    let root_warning = "Revocation-supporting private key installed for irma-demo.MijnOverheid.root, but no revocation server is configured: issuance sessions will always fail";
    let logged = |args: &[&str]| {
        let mut all = vec!["server", "check"];
        all.extend_from_slice(args);
        irma_env(&[("RUST_LOG", OsStr::new("warn"))], all)
    };
    let run = logged(&[]).success();
    assert!(run.stderr.contains(root_warning), "{}", run.stderr);
    let verifier =
        r#"{"irma-demo.MijnOverheid.root":{"revocation_server_url":"http://127.0.0.1:1/irma"}}"#;
    let run = logged(&["--revocation-settings", verifier]).success();
    assert!(!run.stderr.contains(root_warning), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("installed for irma-demo.inz-revocable-id.id"),
        "{}",
        run.stderr
    );

    // An authority on a new SQLite file: checked, not created.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revocation.db");
    let file = file.to_str().unwrap();
    let authority = r#"{"irma-demo.MijnOverheid.root":{"authority":true}}"#;
    let args = [
        "--revocation-settings",
        authority,
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        file,
    ];
    check(&[], &args).success();
    assert!(!Path::new(file).exists(), "check created the database");
    // One that cannot be read is refused naming the setting.
    std::fs::write(
        file,
        b"not a database, but long enough to be read as a file header",
    )
    .unwrap();
    refused(check(&[], &args), &["revocation_db_str"]);
}

#[test]
fn unknown_keys_are_reported_with_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("irmaserver.yaml"),
        "emial: admin@example.com\n",
    )
    .unwrap();
    let run = Run::from_output(
        std::process::Command::new(env!("CARGO_BIN_EXE_irma"))
            .args(["-q", "server", "check"])
            .current_dir(dir.path())
            .env_remove("IRMA_SCHEMES_PATH")
            .output()
            .unwrap(),
    )
    .failure();
    assert!(
        run.stderr
            .contains("unknown setting 'emial' in irmaserver.yaml (did you mean 'email'?)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("default."), "{}", run.stderr);
}

#[tokio::test]
async fn server_run_is_the_server() {
    let port = crate::util::free_port().to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_irma"))
        .args([
            "-q",
            "server",
            "run",
            "--listen-addr",
            "127.0.0.1",
            "--port",
            &port,
        ])
        .env_remove("IRMA_SCHEMES_PATH")
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/health");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let answer = loop {
        if let Ok(r) = reqwest::get(&health).await {
            break r.text().await.unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "irma server run did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer, "OK");
}
