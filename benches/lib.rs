//! Helpers of the benchmarks that drive real processes over 127.0.0.1: `irma server`,
//! `redis-server`, their CPU time and memory.
//!
//! The server under test is the benchmark's own executable started again with
//! [`SERVE_ENV`] set: [`serve_if_asked`] then runs the `irma` command line exactly as the
//! `irma` binary does (`irma::cli::run`). So the benchmarks need no binary target of the
//! `irma` package, whose `target/release/irma` a `cargo bench` would otherwise rebuild
//! with the benchmarks' features (see the workspace note in the top `Cargo.toml`).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clap::Parser;

/// Set in the environment of a benchmark executable that is to be the server.
pub const SERVE_ENV: &str = "IRMA_BENCH_SERVE";

/// Runs the `irma` command line of this process and exits, when this process was started
/// as the server ([`irma_command`]); returns at once otherwise. Call it first in `main`.
pub fn serve_if_asked() {
    if std::env::var_os(SERVE_ENV).is_none() {
        return;
    }
    let code = match irma::cli::run(irma::cli::Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("irma: error: {err:#}");
            ExitCode::FAILURE
        }
    };
    // Only success or failure matters to the benchmark that started this process.
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 })
}

/// The repository root (test data, schemes).
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ has a parent")
        .to_owned()
}

/// Names another `irma` executable to measure instead of this one (for instance a build
/// of an earlier commit, to compare before and after a change).
pub const BIN_ENV: &str = "IRMA_BENCH_BIN";

/// A command that runs `irma` without the user's schemes path: the executable named by
/// [`BIN_ENV`] if set, else this executable as the server (see [`serve_if_asked`]).
pub fn irma_command() -> Command {
    let mut command = match std::env::var_os(BIN_ENV) {
        Some(bin) => Command::new(bin),
        None => {
            let mut own = Command::new(std::env::current_exe().expect("the benchmark executable"));
            own.env(SERVE_ENV, "1");
            own
        }
    };
    command.env_remove("IRMA_SCHEMES_PATH");
    command
}

/// A child process, killed on drop.
#[derive(Debug)]
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// User plus system CPU time so far.
    pub fn cpu(&self) -> Duration {
        cpu_time(&self.0.id().to_string())
    }

    /// Marks the start (`None`) or the end (`Some(label)`) of a measured phase when the
    /// server runs under callgrind ([`CALLGRIND_ENV`]): zeroes its counts, or writes them
    /// to a file of their own, labelled. Does nothing otherwise.
    pub fn profile_phase(&self, end: Option<&str>) {
        if std::env::var_os(CALLGRIND_ENV).is_none() {
            return;
        }
        let action = match end {
            None => "--zero".to_owned(),
            // `callgrind_control` hands the label to a shell: only letters, digits and `-`.
            Some(label) => {
                let label: String = label
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                format!("--dump={label}")
            }
        };
        let status = Command::new("callgrind_control")
            .arg(action)
            .arg(self.0.id().to_string())
            .stdout(Stdio::null())
            .status()
            .expect("callgrind_control");
        assert!(status.success(), "callgrind_control: {status}");
    }

    /// Resident memory in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .expect("/proc/<pid>/status");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .expect("VmRSS");
        line.split_whitespace()
            .nth(1)
            .and_then(|kib| kib.parse().ok())
            .expect("VmRSS in KiB")
    }
}

/// This process's CPU time (user and system).
pub fn cpu_now() -> Duration {
    cpu_time("self")
}

/// User plus system CPU time of `/proc/{pid}` so far (10 ms resolution).
pub fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // Fields after the parenthesised command name; utime and stime are fields 14, 15.
    let rest = &stat[stat.rfind(')').expect("command name") + 2..];
    let ticks: u64 = rest
        .split(' ')
        .skip(11)
        .take(2)
        .map(|f| f.parse::<u64>().expect("clock ticks"))
        .sum();
    Duration::from_millis(ticks * 1000 / clock_ticks())
}

/// Clock ticks per second (`getconf CLK_TCK`, asked once).
fn clock_ticks() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        let out = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("CLK_TCK")
    })
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits (at most 30 s, 10 minutes under callgrind) until something accepts connections
/// on the port.
pub fn wait_for_port(port: u16) {
    let wait = match std::env::var_os(CALLGRIND_ENV) {
        Some(_) => Duration::from_secs(600),
        None => Duration::from_secs(30),
    };
    let deadline = Instant::now() + wait;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `redis-server` (from the PATH) on the port, without persistence.
pub fn redis_server(port: u16) -> Process {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server on the PATH");
    wait_for_port(port);
    Process(child)
}

/// The flags of `irma server` for the Redis at `addr` (no TLS, no password).
pub fn redis_flags(addr: &str) -> Vec<String> {
    [
        "--store-type",
        "redis",
        "--redis-addr",
        addr,
        "--redis-no-tls",
        "--redis-allow-empty-password",
        "--redis-key-prefix",
        "bench:",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Names a directory: the servers then run under `valgrind --tool=callgrind`, which writes
/// their instruction counts there (`callgrind.out.<pid>`), one file per measured phase
/// when the benchmark marks its phases ([`Process::profile_phase`]).
pub const CALLGRIND_ENV: &str = "IRMA_BENCH_CALLGRIND";

/// The command that runs `irma` as a server: [`irma_command`], under callgrind when
/// [`CALLGRIND_ENV`] names a directory.
fn server_command() -> Command {
    let irma = irma_command();
    let Some(dir) = std::env::var_os(CALLGRIND_ENV) else {
        return irma;
    };
    let mut out = std::ffi::OsString::from("--callgrind-out-file=");
    out.push(PathBuf::from(dir).join("callgrind.out.%p"));
    let mut valgrind = Command::new("valgrind");
    valgrind
        .args(["--tool=callgrind", "--quiet"])
        .arg(out)
        .arg(irma.get_program())
        .args(irma.get_args());
    for (key, value) in irma.get_envs() {
        match value {
            Some(value) => valgrind.env(key, value),
            None => valgrind.env_remove(key),
        };
    }
    valgrind
}

/// `irma server` on a free port of 127.0.0.1 (quiet) with `extra` flags; returns it and
/// its base URL once it accepts connections.
pub fn irma_server<S: AsRef<std::ffi::OsStr>>(extra: &[S]) -> (Process, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = server_command()
        .args(["-q", "server", "--listen-addr", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--url", &base])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("irma server");
    wait_for_port(port);
    (Process(child), base)
}
