//! Real IRMA/Yivi client packages against `irma server`: static files for pages, the
//! scripted npm and crates.io clients installed in `IRMA_CLIENTS_DIR` (by `.ci/run`), and a
//! demo page in Chromium.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::redirect::Policy;

use crate::util::{Server, data_dir, irma, repo_root, vector};

/// A folder with a page, a script and a subfolder.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("index.html"), "<p>demo</p>").unwrap();
    fs::write(dir.path().join("app.js"), "let x = 1;").unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/index.html"), "<p>sub</p>").unwrap();
    dir
}

/// GET without following redirects: status, content type, `Location`, body.
async fn get(server: &Server, path: &str) -> (u16, String, String, String) {
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = http.get(server.url(path)).send().await.unwrap();
    let header = |name| {
        r.headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (ct, location) = (header("content-type"), header("location"));
    (r.status().as_u16(), ct, location, r.text().await.unwrap())
}

#[tokio::test]
async fn static_files_under_a_prefix() {
    let dir = site();
    let path = dir.path().to_str().unwrap();
    let server = Server::start(&["--static-path", path, "--static-prefix", "/demo"]).await;
    let (status, ct, _, body) = get(&server, "/demo/").await;
    assert_eq!((status, body.as_str()), (200, "<p>demo</p>"));
    assert!(ct.starts_with("text/html"), "{ct}");
    let (status, ct, _, body) = get(&server, "/demo/app.js").await;
    assert_eq!((status, body.as_str()), (200, "let x = 1;"));
    assert!(ct.contains("javascript"), "{ct}");
    // A folder without its slash: a redirect relative to the request, as Go's file server.
    let (status, _, location, _) = get(&server, "/demo/sub").await;
    assert_eq!((status, location.as_str()), (301, "sub/"));
    assert_eq!(get(&server, "/demo/sub/").await.3, "<p>sub</p>");
    for missing in [
        "/demo/nope.js",
        "/demo/../Cargo.toml",
        "/demo/%2e%2e/Cargo.toml",
        "/app.js",
    ] {
        let (status, _, _, body) = get(&server, missing).await;
        assert_eq!(
            (status, body.as_str()),
            (404, "404 page not found\n"),
            "{missing}"
        );
    }
    // The API is untouched.
    assert_eq!(get(&server, "/health").await.3, "OK");
}

/// Symbolic links inside the folder are followed; those leading out of it are not (Go's
/// file server follows them).
#[cfg(unix)]
#[tokio::test]
async fn static_files_do_not_follow_links_out_of_the_folder() {
    use std::os::unix::fs::symlink;
    let dir = site();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    fs::write(outside.path().join("index.html"), "<p>outside</p>").unwrap();
    let root = dir.path();
    symlink(outside.path().join("secret.txt"), root.join("secret.txt")).unwrap();
    symlink(outside.path(), root.join("elsewhere")).unwrap();
    symlink(
        outside.path().join("index.html"),
        root.join("sub/index.html.tmp"),
    )
    .unwrap();
    fs::remove_file(root.join("sub/index.html")).unwrap();
    fs::rename(root.join("sub/index.html.tmp"), root.join("sub/index.html")).unwrap();
    symlink(root.join("app.js"), root.join("alias.js")).unwrap();
    symlink(root.join("gone.js"), root.join("dangling.js")).unwrap();
    let server = Server::start(&["--static-path", root.to_str().unwrap()]).await;
    assert_eq!(get(&server, "/alias.js").await.3, "let x = 1;");
    assert_eq!(get(&server, "/").await.3, "<p>demo</p>");
    for refused in [
        "/secret.txt",
        "/elsewhere/secret.txt",
        "/elsewhere/",
        "/elsewhere/%73ecret.txt",
        "/sub/",
        "/sub/index.html",
        "/dangling.js",
    ] {
        let (status, _, _, body) = get(&server, refused).await;
        assert_eq!(
            (status, body.as_str()),
            (404, "404 page not found\n"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn static_files_at_the_root_inside_the_api_prefix() {
    let dir = site();
    let path = dir.path().to_str().unwrap();
    let server = Server::start_at("/api", &["--api-prefix", "/api", "--static-path", path]).await;
    assert_eq!(get(&server, "/api/").await.3, "<p>demo</p>");
    assert_eq!(get(&server, "/api/app.js").await.3, "let x = 1;");
    assert_eq!(get(&server, "/app.js").await.0, 404);
    // Routes win over files; unknown app routes keep the API's JSON error.
    assert_eq!(get(&server, "/api/health").await.3, "OK");
    let (status, _, _, body) = get(&server, "/api/irma/nope").await;
    assert_eq!(status, 404);
    assert!(body.contains("INVALID_REQUEST"), "{body}");
}

/// The server's result-JWT key from the recorded vectors, written to `dir`.
fn jwt_key(dir: &Path) -> PathBuf {
    let vectors: serde_json::Value = vector("jwt/server-config-and-keys.json");
    let pem = vectors["keys"]["server_jwt_private_pem"].as_str().unwrap();
    let path = dir.join("jwt.pem");
    fs::write(&path, pem).unwrap();
    path
}

/// `name` from the environment, or a panic that says how to get it.
fn env_dir(name: &str, how: &str) -> PathBuf {
    let dir = std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("set {name}: {how}"));
    assert!(dir.is_dir(), "{name}={} is not a directory", dir.display());
    dir
}

/// The outcome of one `run-all.sh`.
struct RunAll {
    passed: u32,
    failed: u32,
    /// Names of the failed runs (its `failed:` line).
    failed_runs: Vec<String>,
    /// Everything it printed.
    text: String,
}

impl RunAll {
    /// The output of one run, from its `################ name` header to the next.
    fn section(&self, name: &str) -> &str {
        let header = format!("################ {name}\n");
        let start = self.text.find(&header).map_or(0, |i| i + header.len());
        let rest = &self.text[start..];
        &rest[..rest.find("################ ").unwrap_or(rest.len())]
    }
}

/// Runs `run-all.sh` of the installed clients against a server started with `flags`.
async fn run_all(clients: PathBuf, key: PathBuf, flags: &[&str]) -> RunAll {
    let key = key.to_str().unwrap().to_owned();
    let mut args = vec!["--jwt-privkey-file", key.as_str()];
    args.extend_from_slice(flags);
    let server = Server::start(&args).await;
    let base = server.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(clients.join("run-all.sh"))
            .arg(&base)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let last = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("run-all: "))
        .unwrap_or_else(|| panic!("no run-all tally:\n{text}"));
    let count = |word: &str| -> u32 {
        let before = last.split(word).next().unwrap();
        before.trim().rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (passed, failed) = (count(" passed"), count(" failed"));
    assert_eq!(out.status.success(), failed == 0, "{text}");
    let failed_runs = text
        .lines()
        .find_map(|l| l.strip_prefix("failed: "))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    RunAll {
        passed,
        failed,
        failed_runs,
        text,
    }
}

/// Every scenario of the clients' `run-all.sh` (published npm packages and the
/// crates.io `irma` crate) passes, with and without `--sse`: all 12 runs of each.
#[tokio::test]
#[ignore = "needs the installed clients in IRMA_CLIENTS_DIR (see .ci/run)"]
async fn published_clients_pass_run_all() {
    let clients = env_dir(
        "IRMA_CLIENTS_DIR",
        "a writable copy of the published clients after `npm ci` and `cargo build --release` in rust-irma",
    );
    assert!(
        clients
            .join("rust-irma/target/release/irma-crate-client")
            .is_file(),
        "build rust-irma in {} first",
        clients.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let key = jwt_key(tmp.path());
    // The scripts mostly wait on timers: both settings at once.
    let (polling, sse) = tokio::join!(
        run_all(clients.clone(), key.clone(), &[]),
        run_all(clients.clone(), key.clone(), &["--sse"]),
    );
    let runs = [("without --sse", polling), ("with --sse", sse)];
    for (name, run) in &runs {
        println!(
            "{name}: run-all: {} passed, {} failed {:?}",
            run.passed, run.failed, run.failed_runs
        );
    }
    for (name, run) in &runs {
        assert_eq!(run.passed + run.failed, 12, "{name}:\n{}", run.text);
        if let Some(failed) = run.failed_runs.first() {
            panic!("{name}: {failed} failed:\n{}", run.section(failed));
        }
    }
}

/// A child process killed when dropped (a failing test leaves no browser behind).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The QR code of a greyscale PGM (P5) image, decoded with rqrr.
fn decode_qr(pgm: &[u8]) -> String {
    let mut fields = Vec::new();
    let mut rest = pgm;
    while fields.len() < 4 {
        let end = rest.iter().position(u8::is_ascii_whitespace).unwrap();
        if end > 0 {
            fields.push(std::str::from_utf8(&rest[..end]).unwrap().to_owned());
        }
        rest = &rest[end + 1..];
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    assert_eq!(rest.len(), w * h);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| rest[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code");
    grids[0].decode().unwrap().1
}

/// The demo page in headless Chromium: it shows a QR code; `irma wallet` scans it (we
/// decode the rendered canvas) and discloses over18; the page shows the value. Leaves
/// target/e2e/demo.png.
#[tokio::test]
#[ignore = "needs chromium, and npm ci in demo/ and tests/e2e/ (see .ci/run)"]
async fn demo_page_in_chromium_with_irma_wallet() {
    let root = repo_root();
    let demo = root.join("demo");
    let e2e = root.join("tests/e2e");
    for needed in [
        demo.join("node_modules/@privacybydesign/yivi-frontend/dist/yivi.js"),
        e2e.join("node_modules/playwright-core/package.json"),
    ] {
        assert!(
            needed.is_file(),
            "missing {}: run npm ci (see .ci/run)",
            needed.display()
        );
    }
    let out_dir = root.join("target/e2e");
    let _ = fs::remove_file(out_dir.join("demo.png"));

    let server = Server::start(&[
        "--sse",
        "--static-path",
        demo.to_str().unwrap(),
        "--static-prefix",
        "/demo/",
    ])
    .await;
    let mut browser = Killed(
        Command::new("node")
            .arg(e2e.join("demo.js"))
            .arg(server.url("/demo/"))
            .arg(&out_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run node"),
    );
    let stdout = browser.0.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let mut next = |tag: &str| -> String {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("demo.js ended before {tag}"));
            line.strip_prefix(tag)
                .unwrap_or_else(|| panic!("expected {tag}, got {line}"))
                .to_owned()
        };
        let pointer = next("POINTER ");
        let qr = next("QR ");
        (pointer, qr, lines)
    });
    let (pointer, qr_file, lines) = lines.await.unwrap();
    let scanned = decode_qr(&fs::read(qr_file).unwrap());
    let from_qr: serde_json::Value = serde_json::from_str(&scanned).unwrap();
    let from_network: serde_json::Value = serde_json::from_str(&pointer).unwrap();
    assert_eq!(from_qr["u"], from_network["u"], "{scanned}");
    assert_eq!(from_qr["irmaqr"], "disclosing");

    // The app side: a wallet with the reference's credentials scans the QR code.
    let wallet = tempfile::tempdir().unwrap();
    let storage = wallet.path().to_str().unwrap().to_owned();
    let session = tokio::task::spawn_blocking(move || {
        let dump = data_dir().join("vectors/credentials/wallet-P.json");
        let dump = dump.to_str().unwrap();
        irma(["wallet", "--storage", &storage, "import", dump]).success();
        irma(["wallet", "--storage", &storage, "session", &scanned]).success()
    })
    .await
    .unwrap();
    println!("irma wallet session: {}", session.stdout);

    let (disclosed, status) = tokio::task::spawn_blocking(move || {
        let mut lines = lines;
        let disclosed = lines.next().unwrap_or_default();
        (disclosed, browser.0.wait().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(disclosed, "DISCLOSED yes");
    assert!(status.success(), "demo.js failed: {status}");
    assert!(out_dir.join("demo.png").is_file());
}
