//! Prometheus metrics of a server: one registry per [`crate::server::Server`], filled by the
//! session engine's observer hook ([`StatusObserver`]), by the HTTP layer and the scheme
//! updater (through the methods here), and at each scrape from what the engine counts
//! itself (result POSTs, Redis commands) and from `/proc` ([`process`]).
//!
//! The crate is `prometheus-client` (the Prometheus project's Rust client) rather than
//! `metrics` + `metrics-exporter-prometheus`: its registries are values, so two servers in
//! one process (tests, the embedded server of `irma session`) never share counters, where
//! `metrics` installs one recorder for the whole process; and it adds two small crates to
//! the build (`dtoa` and its derive macro), where the exporter brings its own HTTP stack
//! and sketch crates.
//!
//! Labels have bounded values and never carry a token, an attribute or a key: session types
//! and statuses, requestor names from the configuration (`none` without authentication,
//! `other` for any other name), route templates (`/session/:token/result`, not the path),
//! key sizes. The names are listed in the README ("Metrics"); the Grafana dashboard in
//! `contrib/` uses only those (a test checks it).

pub mod process;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeMetric, LabelSetEncoder,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::protocol::messages::ProofStatus;
use crate::protocol::session::Action;
use crate::protocol::status::ServerStatus;
use crate::session::Sessions;
use crate::session::callback::{PostKind, PostOutcome};
use crate::session::observe::{Effort, StatusChange, StatusObserver};

/// The `Content-Type` of [`Metrics::encode`]'s output (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Buckets (seconds) of a session's duration, start to end.
const SESSION_BUCKETS: [f64; 11] = [
    1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0,
];

/// Buckets (seconds) of proof verification and credential signing.
const CRYPTO_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Buckets (seconds) of an HTTP request, until the response head.
const HTTP_BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The statuses in which a session is pending.
const PENDING: [ServerStatus; 3] = [
    ServerStatus::Initialized,
    ServerStatus::Pairing,
    ServerStatus::Connected,
];

/// A histogram family whose histograms all have the same buckets.
type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// The metrics of one server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// What the engine's observer hook records.
    sessions: Arc<SessionMetrics>,
    http: Histograms<HttpLabels>,
    sse_watchers: Gauge,
    scheme_updates: Family<[(&'static str, &'static str); 1], Counter>,
    scheme_update_success: Gauge<f64, AtomicU64>,
    draining: Gauge,
}

impl Metrics {
    /// The metrics of a server whose requestors have these names.
    pub fn new<'a>(requestors: impl IntoIterator<Item = &'a str>) -> Self {
        let mut registry = Registry::default();
        registry.register(
            "irma_build",
            "Version of this irma server",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        let sessions = Arc::new(SessionMetrics::new(requestors));
        sessions.register(&mut registry);
        let http = Histograms::new_with_constructor(http_histogram as fn() -> Histogram);
        registry.register(
            "irma_http_request_duration_seconds",
            "HTTP requests by route template, method and status code, until the response head",
            http.clone(),
        );
        let sse_watchers = Gauge::default();
        registry.register(
            "irma_sse_watchers",
            "Server-sent event streams open now",
            sse_watchers.clone(),
        );
        let scheme_updates = Family::default();
        for outcome in ["updated", "unchanged", "failed"] {
            // Present from the start, at 0.
            let _ = scheme_updates.get_or_create(&[("outcome", outcome)]);
        }
        registry.register(
            "irma_scheme_updates",
            "Scheme update attempts by outcome (updated, unchanged, failed)",
            scheme_updates.clone(),
        );
        let scheme_update_success = Gauge::default();
        registry.register(
            "irma_scheme_update_last_success_timestamp_seconds",
            "Unix time of the last scheme update round in which every scheme was reached and loaded",
            scheme_update_success.clone(),
        );
        let draining = Gauge::default();
        registry.register(
            "irma_draining",
            "1 while the server drains before stopping (no new sessions), else 0",
            draining.clone(),
        );
        registry.register_collector(Box::new(process::ProcessCollector));
        Self {
            registry,
            sessions,
            http,
            sse_watchers,
            scheme_updates,
            scheme_update_success,
            draining,
        }
    }

    /// The observer to add to the session engine ([`Sessions::observe`]).
    pub fn observer(&self) -> Arc<dyn StatusObserver> {
        Arc::clone(&self.sessions) as Arc<dyn StatusObserver>
    }

    /// Reads what `sessions` counts itself at each scrape: result POSTs, and with Redis
    /// its commands and connection.
    pub fn collect_from(&mut self, sessions: Arc<Sessions>) {
        self.registry
            .register_collector(Box::new(EngineCollector(sessions)));
    }

    /// An HTTP request to `route` (a route template, or `unmatched`) answered `code` after
    /// `took`.
    pub fn http_request(&self, route: &str, method: &str, code: u16, took: Duration) {
        let labels = HttpLabels {
            route: route_label(route),
            method: method_label(method),
            code,
        };
        self.http.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// Counts an open server-sent event stream until the guard is dropped.
    pub fn sse_watcher(&self) -> SseWatcher {
        self.sse_watchers.inc();
        SseWatcher(self.sse_watchers.clone())
    }

    /// One scheme's update attempt: `updated`, `unchanged` or `failed`.
    pub fn scheme_update(&self, outcome: &'static str) {
        self.scheme_updates
            .get_or_create(&[("outcome", outcome)])
            .inc();
    }

    /// A scheme update round in which every scheme was reached and loaded, at unix time
    /// `now` (seconds).
    pub fn scheme_update_succeeded(&self, now: f64) {
        self.scheme_update_success.set(now);
    }

    /// Whether the server drains now.
    pub fn set_draining(&self, draining: bool) {
        self.draining.set(i64::from(draining));
    }

    /// Everything in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String does not fail, and every metric here encodes.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn session_histogram() -> Histogram {
    Histogram::new(SESSION_BUCKETS)
}

fn crypto_histogram() -> Histogram {
    Histogram::new(CRYPTO_BUCKETS)
}

/// A route template as a label value, its parameters written `:name` (`/session/:token`):
/// axum's `{name}` is valid in a label value, but braces trip simple parsers of the text
/// format.
fn route_label(route: &str) -> String {
    route.replace('{', ":").replace('}', "")
}

/// The HTTP methods the API has; anything else is `other`.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "HEAD" => "HEAD",
        _ => "other",
    }
}

/// Keeps an SSE stream counted in `irma_sse_watchers` while it lives.
#[derive(Debug)]
pub struct SseWatcher(Gauge);

impl Drop for SseWatcher {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A key size as a label: the sizes of Idemix keys, `other`, or `unknown` (no key found).
fn key_bits_label(bits: u64) -> &'static str {
    match bits {
        0 => "unknown",
        1024 => "1024",
        2048 => "2048",
        4096 => "4096",
        _ => "other",
    }
}

/// Labels of `irma_http_request_duration_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct HttpLabels {
    route: String,
    method: &'static str,
    code: u16,
}

impl EncodeLabelSet for HttpLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [("route", self.route.as_str()), ("method", self.method)].encode(encoder)?;
        [("code", self.code)].encode(encoder)
    }
}

/// Labels of `irma_sessions_started_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct StartedLabels {
    action: Action,
    requestor: Arc<str>,
}

impl EncodeLabelSet for StartedLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [
            ("type", self.action.as_str()),
            ("requestor", &*self.requestor),
        ]
        .encode(encoder)
    }
}

/// Labels of `irma_sessions_ended_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EndedLabels {
    action: Action,
    status: ServerStatus,
    proof_status: Option<ProofStatus>,
}

impl EncodeLabelSet for EndedLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [
            ("type", self.action.as_str()),
            ("status", self.status.as_str()),
            (
                "proof_status",
                self.proof_status.map_or("none", |p| p.as_str()),
            ),
        ]
        .encode(encoder)
    }
}

/// Labels of `irma_session_duration_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DurationLabels {
    action: Action,
    status: ServerStatus,
}

impl EncodeLabelSet for DurationLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [
            ("type", self.action.as_str()),
            ("status", self.status.as_str()),
        ]
        .encode(encoder)
    }
}

/// Labels of the proof verification and issuance histograms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CryptoLabels {
    action: Action,
    key_bits: &'static str,
}

impl EncodeLabelSet for CryptoLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [("type", self.action.as_str()), ("key_bits", self.key_bits)].encode(encoder)
    }
}

/// Labels of `irma_sessions_pending`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct StatusLabel(ServerStatus);

impl EncodeLabelSet for StatusLabel {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        [("status", self.0.as_str())].encode(encoder)
    }
}

/// The session metrics, kept by the engine's observer hook. Only changes made on this
/// instance count: with a shared Redis store every instance hears of every change, and
/// each change is counted once, by the instance that made it. `irma_sessions_pending` is
/// then this instance's share (the changes it made, so one instance's value may even be
/// negative); their sum over the instances is the number of pending sessions.
#[derive(Debug)]
struct SessionMetrics {
    /// The configured requestor names as label values.
    requestors: HashMap<String, Arc<str>>,
    none: Arc<str>,
    other: Arc<str>,
    started: Family<StartedLabels, Counter>,
    ended: Family<EndedLabels, Counter>,
    pending: Family<StatusLabel, Gauge>,
    duration: Histograms<DurationLabels>,
    verification: Histograms<CryptoLabels>,
    issuance: Histograms<CryptoLabels>,
}

impl SessionMetrics {
    fn new<'a>(requestors: impl IntoIterator<Item = &'a str>) -> Self {
        let pending = Family::<StatusLabel, Gauge>::default();
        for status in PENDING {
            // Present from the start, at 0.
            let _ = pending.get_or_create(&StatusLabel(status));
        }
        Self {
            requestors: requestors
                .into_iter()
                .map(|name| (name.to_owned(), Arc::from(name)))
                .collect(),
            none: Arc::from("none"),
            other: Arc::from("other"),
            started: Family::default(),
            ended: Family::default(),
            pending,
            duration: Histograms::new_with_constructor(session_histogram as fn() -> Histogram),
            verification: Histograms::new_with_constructor(crypto_histogram as fn() -> Histogram),
            issuance: Histograms::new_with_constructor(crypto_histogram as fn() -> Histogram),
        }
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "irma_sessions_started",
            "Sessions started on this instance by type and requestor",
            self.started.clone(),
        );
        registry.register(
            "irma_sessions_ended",
            "Sessions ended on this instance by type, final status and proof status",
            self.ended.clone(),
        );
        registry.register(
            "irma_sessions_pending",
            "Unfinished sessions by status (this instance's share with a shared Redis store)",
            self.pending.clone(),
        );
        registry.register(
            "irma_session_duration_seconds",
            "Time from the start of a session to its end, by type and final status",
            self.duration.clone(),
        );
        registry.register(
            "irma_proof_verification_seconds",
            "Time verifying the app's proofs or issuance commitments, by session type and key size",
            self.verification.clone(),
        );
        registry.register(
            "irma_issuance_seconds",
            "Time signing the credentials of an issuance, by key size",
            self.issuance.clone(),
        );
    }

    fn requestor_label(&self, requestor: Option<&str>) -> Arc<str> {
        let label = match requestor {
            None => &self.none,
            Some(name) => self.requestors.get(name).unwrap_or(&self.other),
        };
        Arc::clone(label)
    }
}

impl StatusObserver for SessionMetrics {
    fn changed(&self, change: &StatusChange<'_>) {
        let Some(local) = change.local else {
            return;
        };
        let (before, after) = (local.before, change.status);
        if !before.is_finished() {
            self.pending.get_or_create(&StatusLabel(before)).dec();
        }
        if !after.is_finished() {
            self.pending.get_or_create(&StatusLabel(after)).inc();
            return;
        }
        let session = local.session;
        let action = session.action();
        self.ended
            .get_or_create(&EndedLabels {
                action,
                status: after,
                proof_status: session.proof_status(),
            })
            .inc();
        if session.started_ms() > 0 {
            let took = session
                .last_active_ms()
                .saturating_sub(session.started_ms());
            self.duration
                .get_or_create(&DurationLabels {
                    action,
                    status: after,
                })
                .observe(Duration::from_millis(took).as_secs_f64());
        }
    }

    fn started(&self, action: Action, requestor: Option<&str>) {
        self.started
            .get_or_create(&StartedLabels {
                action,
                requestor: self.requestor_label(requestor),
            })
            .inc();
        self.pending
            .get_or_create(&StatusLabel(ServerStatus::Initialized))
            .inc();
    }

    fn worked(&self, effort: &Effort) {
        let labels = CryptoLabels {
            action: effort.action,
            key_bits: key_bits_label(effort.key_bits),
        };
        self.verification
            .get_or_create(&labels)
            .observe(effort.verification.as_secs_f64());
        if let Some(issuance) = effort.issuance {
            self.issuance
                .get_or_create(&labels)
                .observe(issuance.as_secs_f64());
        }
    }
}

/// Reads at each scrape what the engine counts itself.
#[derive(Debug)]
struct EngineCollector(Arc<Sessions>);

impl Collector for EngineCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let posts = self.0.post_stats();
        let mut family = encoder.encode_descriptor(
            "irma_result_posts",
            "Session results POSTed to callback URLs and next session URLs, by outcome (a callback's after its retries)",
            None,
            MetricType::Counter,
        )?;
        for kind in PostKind::ALL {
            for outcome in PostOutcome::ALL {
                let labels = [("kind", kind.as_str()), ("outcome", outcome.as_str())];
                ConstCounter::new(posts.posts(kind, outcome))
                    .encode(family.encode_family(&labels)?)?;
            }
        }
        counter(
            &mut encoder,
            "irma_callback_retries",
            "Callback POSTs repeated after a failed attempt",
            posts.retries(),
        )?;
        gauge(
            &mut encoder,
            "irma_callbacks_in_flight",
            "Callbacks being delivered now (with their retries)",
            i64::try_from(posts.in_flight()).unwrap_or(i64::MAX),
        )?;
        let Some(redis) = self.0.store().redis_stats() else {
            return Ok(());
        };
        counter(
            &mut encoder,
            "irma_redis_commands_failed",
            "Redis commands that failed (after a retry, if any)",
            redis.failed(),
        )?;
        counter(
            &mut encoder,
            "irma_redis_commands_retried",
            "Redis commands tried again on a new connection after the connection broke",
            redis.retried(),
        )?;
        counter(
            &mut encoder,
            "irma_redis_write_conflicts",
            "Session writes that found another instance's change first and started over",
            redis.conflicts(),
        )?;
        gauge(
            &mut encoder,
            "irma_redis_up",
            "1 when the last Redis command reached Redis, else 0",
            i64::from(redis.up()),
        )
    }
}

/// Encodes one unlabelled counter.
fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// Encodes one unlabelled gauge.
fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}
