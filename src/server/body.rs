//! Request bodies: read whole, at most [`BODY_LIMIT`] bytes, arriving at a minimum rate.
//!
//! The reference reads every body under a 2 s `ReadTimeout` for the whole request, which
//! cuts off slow mobile uploads. We give a body [`BODY_GRACE`] to start, after which it
//! must keep arriving at [`BODY_MIN_RATE`] on average, and at most [`BODY_DEADLINE`] in
//! all (10 MiB at 1 Mbit/s takes 84 s): a connection that trickles its body is cut after
//! a few seconds instead of holding its descriptor for two minutes. Stalled headers are
//! left to the listener's header timeout. A body that cannot be read is refused before
//! any session is touched, with the reference's messages (Go's `http: request body too
//! large` for an oversize body).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::time::Instant;

use super::error::ApiError;
use crate::protocol::errors::ErrorKind;

/// Largest accepted request body (the reference's 10 MiB).
pub const BODY_LIMIT: usize = 10 << 20;

/// How long reading one request body may take at most.
pub const BODY_DEADLINE: Duration = Duration::from_secs(120);

/// How long a body may take before the minimum rate applies.
pub const BODY_GRACE: Duration = Duration::from_secs(2);

/// The rate (bytes per second) at which a body must keep arriving after [`BODY_GRACE`],
/// on average since the body started.
pub const BODY_MIN_RATE: u64 = 1024;

/// A whole request body (extractor).
#[derive(Debug)]
pub struct Body(pub Bytes);

/// Why a body could not be read. Answered as `MALFORMED_INPUT`, as the reference's app
/// API; the requestor API maps it to `INVALID_REQUEST` with [`BodyError::with_kind`].
#[derive(Debug)]
pub struct BodyError(String);

impl BodyError {
    /// The reference's error of `kind` for this failure.
    pub fn with_kind(self, kind: ErrorKind) -> ApiError {
        tracing::info!(error = %self.0, "could not read the request body");
        ApiError::new(kind, self.0)
    }
}

impl axum::response::IntoResponse for BodyError {
    fn into_response(self) -> axum::response::Response {
        self.with_kind(ErrorKind::MalformedInput).into_response()
    }
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = BodyError;

    async fn from_request(request: Request, _: &S) -> Result<Self, BodyError> {
        read(request.into_body()).await.map(Body)
    }
}

/// Reads `body` whole: each part must arrive before the minimum rate and the deadline run
/// out, counted from now.
async fn read(body: axum::body::Body) -> Result<Bytes, BodyError> {
    let started = Instant::now();
    let deadline = started + BODY_DEADLINE;
    let mut body = Limited::new(body, BODY_LIMIT);
    let mut read = Vec::new();
    loop {
        let received = u64::try_from(read.len()).unwrap_or(u64::MAX);
        // What the bytes so far earned at the minimum rate, after the grace period.
        let earned = Duration::from_millis(received.saturating_mul(1000) / BODY_MIN_RATE);
        let due = (started + BODY_GRACE + earned).min(deadline);
        let frame = match tokio::time::timeout_at(due, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => return Ok(read.into()),
            Ok(Some(Err(e))) => {
                return Err(BodyError(if e.is::<LengthLimitError>() {
                    "http: request body too large".into()
                } else {
                    format!("could not read the request body: {e}")
                }));
            }
            Err(_) if due == deadline => {
                return Err(BodyError(format!(
                    "request body not received within {} s",
                    BODY_DEADLINE.as_secs()
                )));
            }
            Err(_) => {
                return Err(BodyError(format!(
                    "request body arrived slower than {BODY_MIN_RATE} bytes/s"
                )));
            }
        };
        if let Ok(data) = frame.into_data() {
            read.extend_from_slice(&data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    /// What the extractor makes of `body` under the server's limit: the length read, or
    /// the error's status and JSON.
    async fn read_body(body: axum::body::Body) -> Result<usize, (u16, serde_json::Value)> {
        let request = Request::post("/").body(body).unwrap();
        let rejection = match Body::from_request(request, &()).await {
            Ok(Body(bytes)) => return Ok(bytes.len()),
            Err(e) => e.into_response(),
        };
        let status = rejection.status().as_u16();
        let bytes = axum::body::to_bytes(rejection.into_body(), 1 << 16)
            .await
            .unwrap();
        Err((status, serde_json::from_slice(&bytes).unwrap()))
    }

    #[tokio::test]
    async fn bodies_up_to_the_limit_are_read() {
        assert_eq!(
            read_body(vec![b'x'; BODY_LIMIT].into()).await,
            Ok(BODY_LIMIT)
        );
    }

    #[tokio::test]
    async fn oversize_bodies_are_malformed_input() {
        let (status, value) = read_body(vec![b'x'; BODY_LIMIT + 1].into())
            .await
            .unwrap_err();
        assert_eq!(status, 400);
        assert_eq!(value["error"], "MALFORMED_INPUT");
        assert_eq!(value["message"], "http: request body too large");
    }

    /// A body of `chunks` parts of `size` bytes, one every `every`, then (with `stall`)
    /// nothing more.
    fn trickle(chunks: usize, size: usize, every: Duration, stall: bool) -> axum::body::Body {
        use futures_util::StreamExt;
        let parts = futures_util::stream::iter(0..chunks).then(move |_| async move {
            tokio::time::sleep(every).await;
            Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; size]))
        });
        let end = futures_util::stream::iter([()])
            .filter(move |()| std::future::ready(stall))
            .then(|()| std::future::pending());
        axum::body::Body::from_stream(parts.chain(end))
    }

    #[tokio::test(start_paused = true)]
    async fn stalled_bodies_are_cut_after_the_grace_period() {
        let started = Instant::now();
        let stalled = trickle(0, 0, Duration::ZERO, true);
        let (status, value) = read_body(stalled).await.unwrap_err();
        assert_eq!(status, 400);
        assert_eq!(value["error"], "MALFORMED_INPUT");
        assert_eq!(
            value["message"],
            "request body arrived slower than 1024 bytes/s"
        );
        assert_eq!(started.elapsed(), BODY_GRACE);
    }

    /// A body that keeps up with the minimum rate is read however long it takes (up to the
    /// deadline); one that falls behind is cut when its earned time runs out.
    #[tokio::test(start_paused = true)]
    async fn bodies_must_keep_the_minimum_rate() {
        // 2 KiB every 1.5 s: ahead of the rate, 60 s in all.
        let steady = trickle(40, 2048, Duration::from_millis(1500), false);
        assert_eq!(read_body(steady).await, Ok(40 * 2048));

        // 10 KiB at once buys 10 s after the grace period; then it stops.
        let started = Instant::now();
        let (_, value) = read_body(trickle(1, 10 * 1024, Duration::ZERO, true))
            .await
            .unwrap_err();
        assert_eq!(
            value["message"],
            "request body arrived slower than 1024 bytes/s"
        );
        assert_eq!(started.elapsed(), BODY_GRACE + Duration::from_secs(10));

        // 100 bytes a second: behind the rate from the first second after the grace.
        let started = Instant::now();
        let slow = trickle(1000, 100, Duration::from_secs(1), false);
        assert!(read_body(slow).await.is_err());
        assert!(started.elapsed() < BODY_GRACE + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn fast_enough_bodies_are_cut_at_the_deadline() {
        let started = Instant::now();
        // 64 KiB a second for ever: always ahead of the rate.
        let endless = trickle(usize::MAX, 64 * 1024, Duration::from_secs(1), false);
        let (_, value) = read_body(endless).await.unwrap_err();
        assert!(
            value["message"].as_str().unwrap().contains("120 s"),
            "{value}"
        );
        assert_eq!(started.elapsed(), BODY_DEADLINE);
    }
}
