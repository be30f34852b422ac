//! Stopping a server without cutting its users off (the reference stops at once:
//! irmago `requestorserver.Stop`, with a 1 s deadline for open connections).
//!
//! On the shutdown signal the server drains: `/ready` answers 503 so that a load balancer
//! sends new sessions elsewhere, `POST /session` and static sessions are refused, and the
//! sessions already started go on. With the in-memory store their state lives only in
//! this process, so the server keeps serving until none of them is unfinished and no
//! request about one came for [`QUIET`] (the requestor fetching the result of a session
//! that just ended), or until `shutdown_timeout` passed. With Redis the sessions live on
//! in Redis for the other instances, so the drain ends at once. Then the open
//! server-sent event streams get a last event and end, the listeners stop accepting and
//! the requests in flight finish (until the deadline), and the callbacks still being
//! delivered get the rest of the time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use super::error::ApiError;
use crate::metrics::Metrics;
use crate::protocol::errors::ErrorKind;
use crate::session::Sessions;
use crate::session::store::millis;

/// How long no request about an existing session may have come before a drained server
/// stops: time for a requestor to fetch the result of a session that just ended.
pub const QUIET: Duration = Duration::from_secs(2);

/// How often a draining server looks whether it may stop.
const POLL: Duration = Duration::from_millis(100);

/// The answer to a new session while the server drains. The reference's catalogue
/// (irmago `irma/server/errors.go`) has no error for a server that is going away; this is
/// its `INTERNAL_ERROR`, which it also answers when its session store cannot be reached,
/// with a message saying why. `Connection: close` lets the client's next connection reach
/// another instance.
pub fn no_new_sessions() -> Response {
    let mut response = ApiError::new(
        ErrorKind::Internal,
        "the server is shutting down: start the session again (at another instance)",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Where a server is in its life, shared by the handlers and the serving loop.
#[derive(Debug)]
pub struct Lifecycle {
    /// Set by the shutdown signal: no new sessions, `/ready` fails.
    draining: AtomicBool,
    /// Becomes true when the open event streams must end.
    closing: watch::Sender<bool>,
    /// When (ms after `epoch`) the last request about an existing session came.
    last_session_request: AtomicU64,
    epoch: Instant,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            draining: AtomicBool::new(false),
            closing: watch::Sender::new(false),
            last_session_request: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl Lifecycle {
    /// Whether the server drains (or stops): no new sessions.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Resolves (to true) when the open event streams must end.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A request about an existing session came (requestor, app or frontend).
    pub fn session_request(&self) {
        self.last_session_request
            .store(millis(self.epoch.elapsed()), Ordering::Relaxed);
    }

    /// How long ago the last request about an existing session came.
    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_session_request.load(Ordering::Relaxed));
        self.epoch.elapsed().saturating_sub(last)
    }

    /// Stops taking new sessions and waits until the sessions held only by this process
    /// ended and were quiet for [`QUIET`], or until `deadline`.
    pub async fn drain(&self, sessions: &Sessions, metrics: &Metrics, deadline: Instant) {
        self.draining.store(true, Ordering::Relaxed);
        metrics.set_draining(true);
        if sessions.store().is_shared() {
            tracing::info!("stopping: no new sessions; the sessions live on in redis");
            return;
        }
        let timeout = deadline.saturating_duration_since(Instant::now());
        tracing::info!(
            unfinished = sessions.store().unfinished_here(),
            ?timeout,
            "draining: no new sessions; serving the started ones until they end"
        );
        let left = poll_until(deadline, || {
            let unfinished = sessions.store().unfinished_here();
            (unfinished > 0 || self.quiet_for() < QUIET).then_some(unfinished)
        })
        .await;
        match left {
            None | Some(0) => tracing::info!("drained: every session ended"),
            Some(unfinished) => tracing::warn!(
                unfinished,
                "shutdown_timeout passed; stopping with unfinished sessions"
            ),
        }
    }

    /// Tells the open event streams to send their last event and end.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Waits until no callback is being delivered, or until `deadline`.
    pub async fn finish_callbacks(&self, sessions: &Sessions, deadline: Instant) {
        let left = poll_until(deadline, || {
            let in_flight = sessions.post_stats().in_flight();
            (in_flight > 0).then_some(in_flight)
        })
        .await;
        if let Some(in_flight) = left {
            tracing::warn!(
                in_flight,
                "shutdown_timeout passed; callbacks not delivered"
            );
        }
    }
}

/// Asks `pending` every [`POLL`] what is still pending (`None` when nothing is) until
/// nothing is or `deadline` passed; what was pending at the deadline.
async fn poll_until<T>(deadline: Instant, pending: impl Fn() -> Option<T>) -> Option<T> {
    loop {
        let left = pending()?;
        let now = Instant::now();
        if now >= deadline {
            return Some(left);
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}
