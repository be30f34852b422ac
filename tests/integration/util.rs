//! Shared helpers: run the real binary, locate the shared fixtures.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/data`: the schemes (a link to `schemes/`) and the vectors recorded from the reference.
pub fn data_dir() -> PathBuf {
    repo_root().join("tests/data")
}

/// A JSON file of `tests/data/vectors`, by its path inside that folder.
pub fn vector(path: &str) -> serde_json::Value {
    let file = data_dir().join("vectors").join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The data folder (`$XDG_DATA_HOME`) of every run of the binary: one per test run, under
/// the target folder, whose default schemes folder `irma/irma_configuration` is filled here
/// once (from the schemes built into the binary), so that tests never touch the user's home
/// and parallel first uses do not race.
pub fn data_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("data-home");
        let _ = std::fs::remove_dir_all(&home);
        let schemes = home.join("irma/irma_configuration");
        std::fs::create_dir_all(&schemes).unwrap();
        irma::scheme::storage::prepare_folder(&schemes, None).unwrap();
        home
    })
}

/// The real `irma` binary with the test [`data_home`] and without `$IRMA_SCHEMES_PATH`.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_irma"));
    cmd.env_remove("IRMA_SCHEMES_PATH")
        .env("XDG_DATA_HOME", data_home());
    cmd
}

/// A finished run of the `irma` binary.
pub struct Run {
    /// Exit status code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output as text.
    pub stdout: String,
    /// Standard error as text.
    pub stderr: String,
}

impl Run {
    /// The run behind a finished process's output.
    pub fn from_output(out: Output) -> Self {
        Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the full output unless the exit status was 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "expected success:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with the full output unless the exit status was non-zero.
    #[track_caller]
    pub fn failure(self) -> Self {
        assert_ne!(
            self.code,
            Some(0),
            "expected failure:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the real `irma` binary with the given arguments, no stdin, and waits for it.
pub fn irma<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Run::from_output(
        command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run irma"),
    )
}

/// Runs the real `irma` binary with `input` on its standard input, and waits for it.
pub fn irma_stdin<I, S>(args: I, input: &str) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::Write;
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run irma");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    Run::from_output(child.wait_with_output().expect("wait for irma"))
}

/// Runs the real `irma` binary with extra environment variables (see [`command`] for the
/// ones set by default), no stdin, and waits for it.
pub fn irma_env<I, S>(env: &[(&str, &std::ffi::OsStr)], args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = command();
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from_output(cmd.output().expect("run irma"))
}

/// A running `irma server` on an ephemeral port, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client for calls to it.
    pub http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a server's log until it says where it listens (the first listener), then keeps
/// copying the log to `log` (or discarding it) so that the server never blocks on a full
/// pipe.
pub fn bound_address(stderr: std::process::ChildStderr, log: Option<std::fs::File>) -> String {
    use std::io::{BufRead, Write};
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = log;
        let mut tx = Some(tx);
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(l) = log.as_mut() {
                let _ = writeln!(l, "{line}");
            }
            if line.contains("listening")
                && let Some(at) = line.find("address=")
            {
                let addr = line[at + 8..].split_whitespace().next().unwrap_or("");
                if let Some(tx) = tx.take() {
                    let _ = tx.send(addr.to_owned());
                }
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server did not log its listening address")
}

/// A free port on 127.0.0.1 (bound and released; the server binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the real binary on a free port with `extra` flags.
    pub async fn start(extra: &[&str]) -> Self {
        Self::start_at("", extra).await
    }

    /// Starts with the requestor API under `prefix`.
    pub async fn start_at(prefix: &str, extra: &[&str]) -> Self {
        Self::launch("http", reqwest::Client::new(), prefix, extra).await
    }

    /// Starts with `extra` flags (later flags override earlier ones, so `extra` may set
    /// `--url`), reaching the requestor API at `scheme://127.0.0.1:PORT` with `http`
    /// (a client trusting the test's certificate for `https`).
    pub async fn launch(scheme: &str, http: reqwest::Client, prefix: &str, extra: &[&str]) -> Self {
        Self::spawn(scheme, http, prefix, extra, None).await
    }

    /// Starts with `extra` flags, its log (standard error) going to `log`.
    pub async fn start_logged(extra: &[&str], log: std::fs::File) -> Self {
        Self::spawn("http", reqwest::Client::new(), "", extra, Some(log)).await
    }

    /// Starts the binary on port 0 (the kernel picks a free port, so parallel tests never
    /// race for one) and reads the port it bound from its log; the app URL keeps `:port`
    /// for the server to fill in. The log goes on to `log`, if given.
    async fn spawn(
        scheme: &str,
        http: reqwest::Client,
        prefix: &str,
        extra: &[&str],
        log: Option<std::fs::File>,
    ) -> Self {
        // No scheme updates (they would reach out to the schemes' URLs) unless a test asks.
        let mut child = command()
            .args(["server", "--listen-addr", "127.0.0.1", "--port", "0"])
            .args(["--url", &format!("{scheme}://127.0.0.1:port")])
            .args(["--schemes-update", "0"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = bound_address(child.stderr.take().unwrap(), log);
        let base = format!("{scheme}://{addr}");
        let mut server = Server { child, base, http };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = server
                .http
                .get(server.url(&format!("{prefix}/health")))
                .send()
                .await;
            if let Ok(r) = health
                && r.status() == 200
            {
                assert_eq!(r.text().await.unwrap(), "OK");
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("server exited with {status}");
            }
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request; returns status, content type and body text.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, String, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b.to_owned());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, ct, r.text().await.unwrap())
    }

    /// `POST /session`; asserts 200 and returns the package.
    pub async fn start_session(&self, request: &serde_json::Value) -> serde_json::Value {
        let (status, _, body) = self
            .call(
                "POST",
                "/session",
                &[("Content-Type", "application/json")],
                Some(&request.to_string()),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// `GET /session/{token}/status`, asserting 200.
    pub async fn status(&self, token: &str) -> String {
        let (status, _, body) = self
            .call("GET", &format!("/session/{token}/status"), &[], None)
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

/// Reads SSE `data:` lines (and `event:` names as `<name>`) until the stream ends or `n`
/// of them arrived.
pub async fn sse_events(response: reqwest::Response, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut response = response;
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(15), response.chunk())
            .await
            .expect("no event within 15 s")
            .unwrap();
        let Some(chunk) = chunk else { break };
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            out.extend(
                event
                    .lines()
                    .filter_map(|l| match l.strip_prefix("event:") {
                        Some(name) => Some(format!("<{}>", name.trim())),
                        None => l.strip_prefix("data:").map(|d| d.trim().to_owned()),
                    }),
            );
        }
    }
    out
}
