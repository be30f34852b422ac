//! Load on a real `irma server` process (in-memory store) on 127.0.0.1, from this process:
//!
//! 1. sessions started per second (`POST /session` from [`WORKERS`] concurrent requestors
//!    on keep-alive connections) and the server's CPU time per start;
//! 2. completed sessions, disclosure and issuance of `irma-demo.MijnOverheid.ageLower`,
//!    with the scheme's 1024-bit key (counter 2) and with a 2048-bit key (the recorded
//!    test key, added to a copy of the scheme as counter 3 and re-signed with the demo
//!    scheme's own key). Each of [`WORKERS`] workers is a requestor that starts a session
//!    and fetches its result, and an app: `irma::wallet` with wallet P of
//!    `tests/data/vectors/credentials`, on its own keep-alive connection as the Yivi app
//!    keeps one (`GET /`, proofs built here, `POST /proofs` or `/commitments`). Printed:
//!    sessions per second, the server's CPU time per session from `/proc/<pid>/stat`, and
//!    for disclosures the CPU time of the proof verification alone, measured in this
//!    process, so the rest is what the server spends outside the crypto;
//! 3. resident memory (`VmRSS`) of a fresh server before and after SESSIONS pending
//!    sessions.
//!
//! The app's proofs are built in this process on the same cores as the server, so the
//! sessions per second are lower than a server alone would serve; the CPU time per
//! session is the server's own.
//!
//! `cargo bench -p irma-benches --bench server_load` (optional `-- SECONDS SESSIONS`,
//! default 5 and 100000). With `IRMA_BENCH_CALLGRIND=DIR` the server runs under
//! `valgrind --tool=callgrind`, and each measured phase of 1. and 2. leaves its
//! instruction counts in a file of its own in DIR (`callgrind.out.<pid>.<n>`, the phase
//! and its number of sessions in its `Trigger` line, e.g.
//! `disclosures--1024-bit-key--567-sessions`); divide by the sessions.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use irma::crypto::idemix::{ProofRequest, build_proof_list, verify_proof_list};
use irma::scheme::Configuration;
use irma::wallet::{RunOptions, RunOutcome, Wallet, WalletDump, parse_pointer, run_session_on};
use irma_benches::{Process, cpu_now, irma_command, irma_server, repo_dir, serve_if_asked};
use num_bigint::BigUint;
use serde_json::{Value, json};

/// Concurrent requestors (and apps).
const WORKERS: usize = 16;
/// The credential type every session discloses or issues.
const AGE_LOWER: &str = "irma-demo.MijnOverheid.ageLower";

fn data_dir() -> PathBuf {
    repo_dir().join("tests/data")
}

/// A copy of the irma-demo scheme in `dir` with the recorded 2048-bit issuer key pair
/// added to MijnOverheid as counter 3, re-signed with the scheme's own key. That key has
/// bases for four attributes, so the one credential type of MijnOverheid with more
/// (`drivinglicense`, eight) is left out: a scheme whose latest key cannot sign one of its
/// issuer's types does not load.
fn scheme_with_2048_key(dir: &Path) -> PathBuf {
    let scheme = dir.join("irma-demo");
    copy_dir(&data_dir().join("schemes/irma-demo"), &scheme);
    std::fs::remove_dir_all(scheme.join("MijnOverheid/Issues/drivinglicense"))
        .expect("drivinglicense");
    for kind in ["PublicKeys", "PrivateKeys"] {
        let xml = std::fs::read_to_string(
            data_dir().join(format!("vectors/issuer-keygen/2048/{kind}/0.xml")),
        )
        .expect("2048-bit key");
        let xml = xml.replace("<Counter>0</Counter>", "<Counter>3</Counter>");
        std::fs::write(scheme.join(format!("MijnOverheid/{kind}/3.xml")), xml).expect("key");
    }
    let signed = irma_command()
        .args(["-q", "scheme", "sign"])
        .arg(scheme.join("sk.pem"))
        .arg(&scheme)
        .output()
        .expect("irma scheme sign");
    assert!(signed.status.success(), "{signed:?}");
    scheme
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[[format!("{AGE_LOWER}.over18")]]]})
}

fn issue_age_lower(key_counter: u32) -> Value {
    json!({"@context": "https://irma.app/ld/request/issuance/v2",
           "credentials": [{"credential": AGE_LOWER, "keyCounter": key_counter,
                            "attributes": {"over12": "yes", "over16": "yes",
                                           "over18": "yes", "over21": "no"}}]})
}

/// `POST /session`; the package.
async fn start(http: &reqwest::Client, base: &str, request: &Value) -> Value {
    http.post(format!("{base}/session"))
        .json(request)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs `work(worker)` in `WORKERS` tasks until `until(done)` says stop; returns how many
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

/// CPU time of verifying one over18 disclosure with the wallet's ageLower credential
/// (what the server's crypto costs per disclosure session), averaged over `n` runs in
/// this process.
fn verify_cost(wallet: &Wallet, n: u32) -> Duration {
    let credential = wallet
        .credentials()
        .iter()
        .find(|c| c.credential_type().as_str() == AGE_LOWER)
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

/// One app per worker: its wallet and its keep-alive connection.
struct App {
    _dir: tempfile::TempDir,
    wallet: tokio::sync::Mutex<Wallet>,
    http: reqwest::Client,
}

/// One whole session of `request` by `app`: start, the app's part, the result.
async fn complete(
    http: &reqwest::Client,
    base: &str,
    conf: &Configuration,
    app: &App,
    request: &Value,
) {
    let package = start(http, base, request).await;
    let pointer = parse_pointer(&package.to_string()).unwrap();
    let mut wallet = app.wallet.lock().await;
    let options = RunOptions::default();
    let report = run_session_on(&app.http, &mut wallet, conf, pointer, &options).await;
    assert!(
        matches!(report.outcome, RunOutcome::Success),
        "{:?}",
        report.error
    );
    let token = package["token"].as_str().unwrap();
    let result: Value = http
        .get(format!("{base}/session/{token}/result"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(result["proofStatus"], "VALID", "{result}");
}

/// Completes sessions of `request` for `seconds`; prints the rate and the server's CPU
/// time per session (next to `crypto`, the proof verification alone, when given).
async fn sessions(
    label: &str,
    server: &Process,
    (http, base): (&reqwest::Client, &str),
    (conf, apps): (&Arc<Configuration>, &Arc<Vec<App>>),
    request: Value,
    seconds: u64,
    crypto: Option<Duration>,
) {
    let request = Arc::new(request);
    let one = {
        let (h, b, conf, apps) = (
            http.clone(),
            base.to_owned(),
            Arc::clone(conf),
            Arc::clone(apps),
        );
        move |worker: usize| {
            let (h, b, conf, apps, request) = (
                h.clone(),
                b.clone(),
                Arc::clone(&conf),
                Arc::clone(&apps),
                Arc::clone(&request),
            );
            async move { complete(&h, &b, &conf, &apps[worker], &request).await }
        }
    };
    // Warm up: every app's connection, the server's key caches.
    for worker in 0..WORKERS {
        one(worker).await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    server.profile_phase(None);
    let cpu_before = server.cpu();
    let (completed, wall) = in_parallel(one, move |_| Instant::now() >= deadline).await;
    let per_session = (server.cpu() - cpu_before).as_secs_f64() * 1e6 / completed as f64;
    server.profile_phase(Some(&format!("{label}, {completed} sessions")));
    let split = crypto.map_or(String::new(), |c| {
        let c = c.as_secs_f64() * 1e6;
        format!(
            ", of which proof verification {c:.0} µs, the rest {:.0} µs",
            per_session - c
        )
    });
    println!(
        "{label}: {completed} in {wall:.1?} = {:.0}/s; server CPU {per_session:.0} µs per session{split}",
        completed as f64 / wall.as_secs_f64(),
    );
}

fn main() {
    serve_if_asked();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(bench());
}

async fn bench() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds: u64 = args.first().map_or(5, |a| a.parse().expect("SECONDS"));
    let pending: u64 = args
        .get(1)
        .map_or(100_000, |a| a.parse().expect("SESSIONS"));
    let schemes = tempfile::tempdir().unwrap();
    let scheme = scheme_with_2048_key(schemes.path());
    let conf = Arc::new(Configuration::load(&scheme).unwrap());
    let http = reqwest::Client::new();
    let flags = ["--schemes-path".as_ref(), schemes.path().as_os_str()];

    // 1. Sessions started per second.
    let (server, base) = irma_server(&flags);
    start(&http, &base, &over18()).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    server.profile_phase(None);
    let cpu_before = server.cpu();
    let (h, b) = (http.clone(), base.clone());
    let (started, wall) = in_parallel(
        move |_| {
            let (h, b) = (h.clone(), b.clone());
            async move {
                start(&h, &b, &over18()).await;
            }
        },
        move |_| Instant::now() >= deadline,
    )
    .await;
    let cpu = server.cpu() - cpu_before;
    server.profile_phase(Some(&format!("sessions started, {started} sessions")));
    println!(
        "sessions started: {started} in {wall:.1?} = {:.0}/s; server CPU {:.1} µs per start",
        started as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / started as f64
    );

    // 2. Completed sessions, 1024-bit key then 2048-bit key.
    let apps: Arc<Vec<App>> = Arc::new(
        (0..WORKERS)
            .map(|_| {
                let (dir, wallet) = wallet_p(&conf);
                App {
                    _dir: dir,
                    wallet: tokio::sync::Mutex::new(wallet),
                    http: reqwest::Client::new(),
                }
            })
            .collect(),
    );
    let at = (&http, base.as_str());
    let with = (&conf, &apps);
    let verify = verify_cost(&*apps[0].wallet.lock().await, 200);
    sessions(
        "disclosures, 1024-bit key",
        &server,
        at,
        with,
        over18(),
        seconds,
        Some(verify),
    )
    .await;
    sessions(
        "issuances, 1024-bit key",
        &server,
        at,
        with,
        issue_age_lower(2),
        seconds,
        None,
    )
    .await;
    sessions(
        "issuances, 2048-bit key",
        &server,
        at,
        with,
        issue_age_lower(3),
        seconds,
        None,
    )
    .await;
    // Every wallet now holds an ageLower credential of the 2048-bit key (the type is a
    // singleton: each issuance replaced the one before).
    let verify = verify_cost(&*apps[0].wallet.lock().await, 100);
    sessions(
        "disclosures, 2048-bit key",
        &server,
        at,
        with,
        over18(),
        seconds,
        Some(verify),
    )
    .await;
    drop(server);

    // 3. Memory with `pending` pending sessions, on a fresh server.
    let (server, base) = irma_server(&flags);
    for _ in 0..100 {
        start(&http, &base, &over18()).await;
    }
    let before = server.rss_kib();
    let (h, b) = (http.clone(), base.clone());
    let (made, wall) = in_parallel(
        move |_| {
            let (h, b) = (h.clone(), b.clone());
            async move {
                start(&h, &b, &over18()).await;
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
