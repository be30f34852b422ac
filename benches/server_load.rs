//! Load on a real `irma server` process (in-memory store) on 127.0.0.1:
//!
//! 1. sessions started per second (`POST /session` from 16 concurrent requestors);
//! 2. completed disclosure sessions: the app side is `irma::wallet` with wallet P of
//!    `tests/data/vectors/credentials` imported beforehand (its own HTTP client per session,
//!    `GET /`, proofs built here, `POST /proofs`), the requestor fetches the result; the
//!    server's CPU time per session from `/proc/<pid>/stat`, next to the CPU time of the
//!    proof verification alone measured in this process, so the rest is what the server
//!    spends outside the crypto;
//! 3. resident memory (`VmRSS`) of a fresh server before and after 100,000 pending sessions.
//!
//! `cargo bench --bench server_load` (optional `-- SECONDS SESSIONS`, default 5 and 100000).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use irma::crypto::idemix::{ProofRequest, build_proof_list, verify_proof_list};
use irma::scheme::Configuration;
use irma::wallet::{Outcome, SessionOptions, Wallet, WalletDump, parse_pointer, run_session};
use num_bigint::BigUint;
use serde_json::{Value, json};

/// Concurrent requestors (and apps).
const WORKERS: usize = 16;

/// A child process killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// User plus system CPU time so far.
    fn cpu(&self) -> Duration {
        cpu_time(&self.0.id().to_string())
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, asked once).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    })
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `irma server` on a free port (quiet); returns it and its base URL.
fn irma_server() -> (Process, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_irma"))
        .args(["-q", "server", "--listen-addr", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--url", &base])
        .env_remove("IRMA_SCHEMES_PATH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("irma server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Process(child), base)
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

/// `POST /session`; the package.
async fn start(http: &reqwest::Client, base: &str) -> Value {
    http.post(format!("{base}/session"))
        .json(&over18())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs `work(worker)` in `WORKERS` tasks until `until()` says stop; returns how many
/// rounds completed and the wall time.
async fn in_parallel<F, Fut>(
    work: F,
    until: impl Fn(u64) -> bool + Send + Sync + 'static,
) -> (u64, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let (work, until) = (Arc::new(work), Arc::new(until));
    let started = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let (done, work, until) = (Arc::clone(&done), Arc::clone(&work), Arc::clone(&until));
            tokio::spawn(async move {
                while !until(done.load(Ordering::Relaxed)) {
                    work(worker).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (done.load(Ordering::Relaxed), started.elapsed())
}

/// Wallet P, imported into a fresh wallet in a temporary directory (kept by the caller).
fn wallet_p(conf: &Configuration) -> (tempfile::TempDir, Wallet) {
    let file = data_dir().join("vectors/credentials/wallet-P.json");
    let recorded: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let dump: WalletDump = serde_json::from_value(recorded["dump"].clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = Wallet::open(dir.path(), conf).unwrap();
    wallet.import(&dump, conf).unwrap();
    (dir, wallet)
}

/// CPU time of verifying one over18 disclosure of wallet P (what the server's crypto
/// costs per session), averaged over `n` runs in this process.
fn verify_cost(wallet: &Wallet, n: u32) -> Duration {
    let credential = wallet
        .credentials()
        .iter()
        .find(|c| c.credential_type().as_str() == "irma-demo.MijnOverheid.ageLower")
        .unwrap()
        .idemix();
    let (context, nonce) = (BigUint::from(1u8), BigUint::from(123_456_789u64));
    // The metadata attribute and over18 (index 0 is the secret key, `ageLower`'s
    // attributes start at 2: over12, over16, over18).
    let disclosed = [1, 4];
    let request = ProofRequest::Disclosure {
        credential,
        disclosed: &disclosed,
        nonrev: false,
    };
    let proofs = build_proof_list(&[request], &context, &nonce, false).unwrap();
    let key = credential.public_key();
    let started = cpu_now();
    for _ in 0..n {
        verify_proof_list(&proofs.0, &[key], &[], &context, &nonce, false).unwrap();
    }
    (cpu_now() - started) / n
}

/// This process's CPU time (user and system).
fn cpu_now() -> Duration {
    cpu_time("self")
}

/// User plus system CPU time of `/proc/{pid}` so far.
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14, 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let ticks: u64 = rest
        .split(' ')
        .skip(11)
        .take(2)
        .map(|f| f.parse::<u64>().unwrap())
        .sum();
    Duration::from_millis(ticks * 1000 / clock_ticks())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seconds: u64 = args.first().map_or(5, |a| a.parse().expect("SECONDS"));
    let pending: u64 = args
        .get(1)
        .map_or(100_000, |a| a.parse().expect("SESSIONS"));
    let conf = Arc::new(Configuration::load(&data_dir().join("schemes/irma-demo")).unwrap());
    let http = reqwest::Client::new();

    // 1. Sessions started per second.
    let (server, base) = irma_server();
    start(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let cpu_before = server.cpu();
    let (h, b) = (http.clone(), base.clone());
    let (started, wall) = in_parallel(
        move |_| {
            let (h, b) = (h.clone(), b.clone());
            async move {
                start(&h, &b).await;
            }
        },
        move |_| Instant::now() >= deadline,
    )
    .await;
    let cpu = server.cpu() - cpu_before;
    println!(
        "sessions started: {started} in {wall:.1?} = {:.0}/s; server CPU {:.1} µs per start",
        started as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / started as f64
    );

    // 2. Completed disclosure sessions.
    let wallets: Vec<_> = (0..WORKERS).map(|_| wallet_p(&conf)).collect();
    let verify = verify_cost(&wallets[0].1, 200);
    let wallets: Arc<Vec<_>> = Arc::new(
        wallets
            .into_iter()
            .map(|(d, w)| (d, tokio::sync::Mutex::new(w)))
            .collect(),
    );
    let one = {
        let (h, b, conf, wallets) = (
            http.clone(),
            base.clone(),
            Arc::clone(&conf),
            Arc::clone(&wallets),
        );
        move |worker: usize| {
            let (h, b, conf, wallets) = (
                h.clone(),
                b.clone(),
                Arc::clone(&conf),
                Arc::clone(&wallets),
            );
            async move {
                let package = start(&h, &b).await;
                let pointer = parse_pointer(&package.to_string()).unwrap();
                let mut wallet = wallets[worker].1.lock().await;
                let report =
                    run_session(&mut wallet, &conf, pointer, &SessionOptions::default()).await;
                assert!(
                    matches!(report.outcome, Outcome::Success),
                    "{:?}",
                    report.error
                );
                let token = package["token"].as_str().unwrap();
                let result: Value = h
                    .get(format!("{b}/session/{token}/result"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(result["proofStatus"], "VALID", "{result}");
            }
        }
    };
    one(0).await; // warm up
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let cpu_before = server.cpu();
    let (completed, wall) = in_parallel(one, move |_| Instant::now() >= deadline).await;
    let per_session = (server.cpu() - cpu_before).as_secs_f64() * 1e6 / completed as f64;
    let verify_us = verify.as_secs_f64() * 1e6;
    println!(
        "disclosures completed: {completed} in {wall:.1?} = {:.0}/s (the app's proofs are built \
         in this process on the same 2 cores); server CPU {per_session:.0} µs per session, of \
         which proof verification {verify_us:.0} µs, the rest {:.0} µs",
        completed as f64 / wall.as_secs_f64(),
        per_session - verify_us
    );
    drop(server);

    // 3. Memory with `pending` pending sessions, on a fresh server.
    let (server, base) = irma_server();
    for _ in 0..100 {
        start(&http, &base).await;
    }
    let before = server.rss_kib();
    let (h, b) = (http.clone(), base.clone());
    let (made, wall) = in_parallel(
        move |_| {
            let (h, b) = (h.clone(), b.clone());
            async move {
                start(&h, &b).await;
            }
        },
        move |done| done >= pending,
    )
    .await;
    let after = server.rss_kib();
    println!(
        "pending sessions: {made} started in {wall:.1?}; RSS {before} KiB before, {after} KiB \
         after = {:.0} bytes per pending session",
        (after.saturating_sub(before) * 1024) as f64 / made as f64
    );
}
