//! Whether the server pauses while sessions pile up: the latency of a status poll during
//! a load that starts sessions until the server holds a million pending ones.
//!
//! A real `irma server` on 127.0.0.1 gets `POST /session` (a disclosure request) from
//! [`CONNECTIONS`] keep-alive connections, one request at a time on each, until it holds
//! SESSIONS pending sessions (default 1,000,000; none finishes or expires during the run).
//! Meanwhile a probe, on its own thread and connection, polls
//! `GET /session/{token}/status` of one pending session every [`PROBE_PERIOD`]. Both
//! latencies go into HDR histograms; the probe's is corrected for coordinated omission (a
//! poll that waits also counts the polls it held back). Run once with the in-memory store
//! and once with the Redis store (a real `redis-server` from the PATH), then printed:
//! sessions per second, the server's resident memory per pending session, and the p50,
//! p99, p99.9 and maximum of both latencies.
//!
//! `cargo bench -p irma-benches --bench status_latency` (optional `-- SESSIONS [memory|redis]`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use irma_benches::{Process, free_port, irma_server, redis_flags, redis_server, serve_if_asked};
use serde_json::{Value, json};

/// Concurrent connections starting sessions.
const CONNECTIONS: usize = 32;
/// How often the probe polls.
const PROBE_PERIOD: Duration = Duration::from_millis(5);

/// Microsecond histograms up to a minute, 3 significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

/// One keep-alive connection's client (at most one idle connection, no timeouts that
/// would hide a pause).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("http client")
}

/// Starts a session; its requestor token.
async fn start(http: &reqwest::Client, base: &str, body: &[u8]) -> String {
    let package: Value = http
        .post(format!("{base}/session"))
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("POST /session")
        .error_for_status()
        .expect("session started")
        .json()
        .await
        .expect("session package");
    package["token"].as_str().expect("token").to_owned()
}

/// Polls the status of `token` every [`PROBE_PERIOD`] on its own thread and connection
/// until `stop`; returns the corrected latency histogram.
fn probe(
    base: String,
    token: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Histogram<u64>> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("probe runtime");
        runtime.block_on(async move {
            let http = client();
            let url = format!("{base}/session/{token}/status");
            let mut hist = histogram();
            let period = micros(PROBE_PERIOD);
            let mut ticks = tokio::time::interval(PROBE_PERIOD);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !stop.load(Ordering::Relaxed) {
                ticks.tick().await;
                let sent = Instant::now();
                let status = http
                    .get(&url)
                    .send()
                    .await
                    .expect("GET status")
                    .error_for_status()
                    .expect("status")
                    .text()
                    .await
                    .expect("status body");
                assert_eq!(status, "\"INITIALIZED\"");
                hist.record_correct(micros(sent.elapsed()), period)
                    .expect("in range");
            }
            hist
        })
    })
}

/// What one run measured.
struct Run {
    sessions: u64,
    wall: Duration,
    rss_growth_kib: u64,
    probe: Histogram<u64>,
    starts: Histogram<u64>,
}

/// Starts `sessions` sessions on `server` from [`CONNECTIONS`] connections while probing.
async fn run(server: &Process, base: &str, sessions: u64) -> Run {
    let body = serde_json::to_vec(&over18()).expect("request");
    let warm = client();
    for _ in 0..100 {
        start(&warm, base, &body).await;
    }
    let probed = start(&warm, base, &body).await;
    let rss_before = server.rss_kib();
    let stop = Arc::new(AtomicBool::new(false));
    let prober = probe(base.to_owned(), probed, Arc::clone(&stop));
    let made = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (made, base, body) = (Arc::clone(&made), base.to_owned(), body.clone());
            tokio::spawn(async move {
                let http = client();
                let mut hist = histogram();
                while made.fetch_add(1, Ordering::Relaxed) < sessions {
                    let sent = Instant::now();
                    start(&http, &base, &body).await;
                    hist.record(micros(sent.elapsed())).expect("in range");
                }
                hist
            })
        })
        .collect();
    let mut starts = histogram();
    for w in workers {
        starts.add(w.await.expect("worker")).expect("same bounds");
    }
    let wall = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let probe = prober.join().expect("probe");
    Run {
        sessions,
        wall,
        rss_growth_kib: server.rss_kib().saturating_sub(rss_before),
        probe,
        starts,
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn line(label: &str, h: &Histogram<u64>) -> String {
    format!(
        "{label} (n={}): p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        h.len(),
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.value_at_quantile(0.999)),
        ms(h.max())
    )
}

fn report(label: &str, run: &Run) {
    println!(
        "{label}: {} sessions in {:.1?} = {:.0}/s from {CONNECTIONS} connections; server RSS +{} MiB = {:.0} bytes per pending session",
        run.sessions,
        run.wall,
        run.sessions as f64 / run.wall.as_secs_f64(),
        run.rss_growth_kib / 1024,
        (run.rss_growth_kib * 1024) as f64 / run.sessions as f64
    );
    println!(
        "    {}",
        line(&format!("status poll every {PROBE_PERIOD:?}"), &run.probe)
    );
    println!("    {}", line("POST /session", &run.starts));
}

fn main() {
    serve_if_asked();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let sessions: u64 = args
        .first()
        .map_or(1_000_000, |a| a.parse().expect("SESSIONS"));
    let only = args.get(1).map(String::as_str);
    // Long enough that no session expires during the run.
    let lifetime = ["--max-session-lifetime", "120"];
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    if only.is_none_or(|m| m == "memory") {
        let (server, base) = irma_server(&lifetime);
        let run = runtime.block_on(run(&server, &base, sessions));
        report("memory store", &run);
    }
    if only.is_none_or(|m| m == "redis") {
        let port = free_port();
        let _redis = redis_server(port);
        let mut flags = redis_flags(&format!("127.0.0.1:{port}"));
        flags.extend(lifetime.map(str::to_owned));
        let (server, base) = irma_server(&flags);
        let run = runtime.block_on(run(&server, &base, sessions));
        report("redis store", &run);
    }
}
