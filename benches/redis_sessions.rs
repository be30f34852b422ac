//! Sessions completed per second through real `irma server` processes: one instance with
//! the in-memory store, one with Redis, and two sharing one Redis (each session started on
//! one instance and served to the app by the other); and the Redis commands per session
//! (`INFO commandstats` before and after).
//!
//! A session here is the whole life of a session without the app's cryptography (which
//! runs on the app's device, not on the server): `POST /session`, the app's `GET /`, the
//! app's `DELETE`, the requestor's `GET /result`. Needs `redis-server` on the PATH.
//!
//! `cargo bench -p irma-benches --bench redis_sessions` (optional `-- SECONDS WORKERS`, default 5 and 16).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use irma_benches::{free_port, irma_server, redis_flags, redis_server, serve_if_asked};
use serde_json::{Value, json};

/// One session's life: started on `requestor`, the app on `app`.
async fn one_session(http: &reqwest::Client, requestor: &str, app: &str) -> reqwest::Result<()> {
    let request = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                         "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]});
    let package: Value = http
        .post(format!("{requestor}/session"))
        .json(&request)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = package["token"].as_str().unwrap_or_default();
    let u = package["sessionPtr"]["u"].as_str().unwrap_or_default();
    let ct = u.rsplit('/').next().unwrap_or_default();
    let session = format!("{app}/irma/session/{ct}");
    http.get(format!("{session}/"))
        .header("X-IRMA-MinProtocolVersion", "2.8")
        .header("X-IRMA-MaxProtocolVersion", "2.8")
        .header("Authorization", "benchapp")
        .send()
        .await?
        .error_for_status()?;
    http.delete(&session)
        .header("Authorization", "benchapp")
        .send()
        .await?
        .error_for_status()?;
    let result: Value = http
        .get(format!("{requestor}/session/{token}/result"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(result["status"], "CANCELLED", "{result}");
    Ok(())
}

/// Runs `workers` loops for `seconds` over `instances` (worker `i`'s sessions start on
/// instance `i` and are served to the app by the next); returns sessions per second.
async fn throughput(instances: &[String], workers: usize, seconds: u64) -> (u64, f64) {
    let http = reqwest::Client::new();
    // Warm up: connections, scheme caches.
    for _ in 0..20 {
        one_session(&http, &instances[0], &instances[0])
            .await
            .expect("warm-up session");
    }
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|i| {
            let requestor = instances[i % instances.len()].clone();
            let app = instances[(i + 1) % instances.len()].clone();
            let http = http.clone();
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                while Instant::now() < until {
                    one_session(&http, &requestor, &app)
                        .await
                        .expect("a session");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("worker");
    }
    let n = done.load(Ordering::Relaxed);
    (n, n as f64 / started.elapsed().as_secs_f64())
}

/// Calls per command since Redis started (`INFO commandstats`).
async fn command_stats(conn: &mut redis::aio::MultiplexedConnection) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await
        .expect("INFO");
    info.lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest
                .strip_prefix("calls=")?
                .split(',')
                .next()?
                .parse()
                .ok()?;
            Some((name.to_owned(), calls))
        })
        .collect()
}

fn main() {
    serve_if_asked();
    let mut args = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .filter_map(|a| a.parse::<u64>().ok());
    let seconds = args.next().unwrap_or(5);
    let workers = usize::try_from(args.next().unwrap_or(16)).unwrap_or(16);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let (_memory, base) = irma_server::<&str>(&[]);
    let (n, rate) = runtime.block_on(throughput(std::slice::from_ref(&base), workers, seconds));
    println!("memory store, 1 instance:  {rate:8.1} sessions/s ({n} sessions, {workers} workers)");

    let port = free_port();
    let _redis = redis_server(port);
    let addr = format!("127.0.0.1:{port}");
    let redis_flags = redis_flags(&addr);
    let (_a, a) = irma_server(&redis_flags);
    let (_b, b) = irma_server(&redis_flags);
    runtime.block_on(async {
        let mut conn = redis::Client::open(format!("redis://{addr}/"))
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        for (label, instances) in [
            ("redis store, 1 instance: ", vec![a.clone()]),
            ("redis store, 2 instances:", vec![a.clone(), b.clone()]),
        ] {
            let before = command_stats(&mut conn).await;
            let (n, rate) = throughput(&instances, workers, seconds).await;
            let after = command_stats(&mut conn).await;
            println!("{label} {rate:8.1} sessions/s ({n} sessions, {workers} workers)");
            // The warm-up sessions count too; INFO itself does not.
            let sessions = (n + 20) as f64;
            let mut total = 0;
            let mut per_command = Vec::new();
            for (name, calls) in &after {
                let delta = calls - before.get(name).copied().unwrap_or(0);
                if name != "info" && delta > 0 {
                    total += delta;
                    per_command.push(format!("{name} {:.2}", delta as f64 / sessions));
                }
            }
            println!(
                "    redis commands per session: {:.2} ({})",
                total as f64 / sessions,
                per_command.join(", ")
            );
        }
    });
}
