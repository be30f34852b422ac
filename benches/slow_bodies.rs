//! The slow-body probe: 1,500 connections on 127.0.0.1 each trickle a `POST /session`
//! body (a byte a second, reconnecting whenever the server cuts one), while a prober asks
//! `GET /health` and `POST /session` on fresh connections every 100 ms. The goal: both
//! stay under 100 ms throughout. The run is bounded (20 s of load, 30 s in all).
//!
//! `cargo bench --bench slow_bodies` (optional `-- CONNECTIONS SECONDS`, default 1500 and
//! 20). Prints the latencies and the number of trickling connections the server cut; exits
//! with 1 when a probe took 100 ms or more, or failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use irma_benches::{irma_server, serve_if_asked};

/// The latency goal of the probes.
const GOAL: Duration = Duration::from_millis(100);

/// One attacker: trickles a body a byte a second until `until`, reconnecting when the
/// server answers or closes; counts the connections the server ended in `cut`.
async fn trickle(addr: String, until: Instant, cut: Arc<AtomicU64>) {
    let head = "POST /session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    while Instant::now() < until {
        let Ok(mut stream) = TcpStream::connect(&addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if stream.write_all(head.as_bytes()).await.is_err() {
            continue;
        }
        let mut answer = [0u8; 512];
        loop {
            if Instant::now() >= until {
                return;
            }
            tokio::select! {
                read = stream.read(&mut answer) => {
                    // An answer (the cut) or the close: connect again.
                    let _ = read;
                    cut.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    if stream.write_all(b" ").await.is_err() {
                        cut.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
    }
}

/// Latencies of one kind of probe.
#[derive(Default)]
struct Latencies {
    all: Vec<Duration>,
    failed: usize,
}

impl Latencies {
    fn add(&mut self, took: Result<Duration, String>) {
        match took {
            Ok(took) => self.all.push(took),
            Err(e) => {
                eprintln!("probe failed: {e}");
                self.failed += 1;
            }
        }
    }

    fn report(&mut self, name: &str) -> bool {
        self.all.sort();
        let at = |q: f64| {
            let i = ((self.all.len() as f64 * q).ceil() as usize).clamp(1, self.all.len().max(1));
            self.all.get(i - 1).copied().unwrap_or_default()
        };
        let max = self.all.last().copied().unwrap_or_default();
        println!(
            "{name}: {} probes, {} failed; median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.all.len(),
            self.failed,
            at(0.5).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
        );
        self.failed == 0 && !self.all.is_empty() && max < GOAL
    }
}

fn main() {
    serve_if_asked();
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(probe());
}

async fn probe() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let connections: usize = args
        .first()
        .map_or(1500, |a| a.parse().expect("CONNECTIONS"));
    let seconds: u64 = args.get(1).map_or(20, |a| a.parse().expect("SECONDS"));
    // This process holds as many descriptors as the attackers.
    let limit = irma::server::open_files::raise_limit();
    println!("open-file limit of the probe: {limit:?}");
    let (_server, base) = irma_server(&["--schemes-update", "0"]);
    let addr = base.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds.min(25));
    let cut = Arc::new(AtomicU64::new(0));
    let attackers: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(trickle(addr.clone(), until, Arc::clone(&cut))))
        .collect();
    // Let the connections open before probing.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let (mut health, mut session) = (Latencies::default(), Latencies::default());
    let request = r#"{"@context":"https://irma.app/ld/request/disclosure/v2","disclose":[[["irma-demo.MijnOverheid.ageLower.over18"]]]}"#;
    while Instant::now() < until {
        let t = Instant::now();
        let answer = http.get(format!("http://{addr}/health")).send().await;
        health.add(match answer {
            Ok(r) if r.status() == 200 => Ok(t.elapsed()),
            Ok(r) => Err(format!("GET /health: {}", r.status())),
            Err(e) => Err(format!("GET /health: {e}")),
        });
        let t = Instant::now();
        let answer = http
            .post(format!("http://{addr}/session"))
            .header("Content-Type", "application/json")
            .body(request)
            .send()
            .await;
        session.add(match answer {
            Ok(r) if r.status() == 200 => r
                .bytes()
                .await
                .map(|_| t.elapsed())
                .map_err(|e| e.to_string()),
            Ok(r) => Err(format!("POST /session: {}", r.status())),
            Err(e) => Err(format!("POST /session: {e}")),
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for attacker in attackers {
        let _ = attacker.await;
    }
    println!(
        "{connections} trickling connections for {} s; the server cut {} of them",
        seconds.min(25),
        cut.load(Ordering::Relaxed)
    );
    let ok = health.report("GET /health") & session.report("POST /session");
    if !ok {
        std::process::exit(1);
    }
}
