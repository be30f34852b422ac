//! Outgoing POSTs of session results: the `callbackUrl` of a finished session, and (for
//! [`super::chain`]) the `nextSession.url` of a chain.
//!
//! The body is the result JWT (`text/plain`) when the server has a `jwt_privkey`, else the
//! result as JSON, as the reference (irmago `server.DoResultCallback`). Unlike the
//! reference, callbacks never hold up the app: [`ResultPoster::callback`] delivers in a
//! background task, retrying with backoff, and logs a failure without the URL's path or
//! query (which may hold secrets) or the result.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use super::clock::Clock;
use super::internal_hosts::PublicOnly;
use super::record::{RequestorResult, SessionResult};
use crate::jwt::result::ResultSigner;

/// How long one outgoing POST (connect, send, answer) may take.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a callback is tried before it is given up.
pub const CALLBACK_ATTEMPTS: u32 = 4;

/// The wait before the first retry of a callback; doubled before each next one.
pub const CALLBACK_FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// Why a result could not be POSTed.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The result JWT could not be made.
    #[error("signing the session result: {0}")]
    Sign(#[from] crate::jwt::result::ResultJwtError),
    /// The result could not be serialized.
    #[error("serializing the session result: {0}")]
    Json(#[from] serde_json::Error),
    /// The request failed (connection, timeout, body).
    #[error("posting the session result to {host}: {reason}")]
    Transport {
        /// The host of the URL (without path and query).
        host: String,
        /// What failed.
        reason: String,
    },
    /// The receiver answered with an error status.
    #[error("posting the session result to {host}: answered HTTP {status}")]
    Status {
        /// The host of the URL (without path and query).
        host: String,
        /// The HTTP status.
        status: u16,
    },
}

/// A POST's answer: its status and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// What a result was POSTed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    /// A finished session's `callbackUrl`.
    Callback,
    /// A chain's `nextSession.url`.
    NextSession,
}

impl PostKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Callback, Self::NextSession];

    /// The name in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Callback => "callback",
            Self::NextSession => "next_session",
        }
    }
}

/// How a POST of a result went (a callback's after its retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    /// Answered with a 2xx status.
    Delivered,
    /// Answered with another status.
    Refused,
    /// No answer (connection, timeout) or nothing to send (signing failed).
    Failed,
}

impl PostOutcome {
    /// Every outcome.
    pub const ALL: [Self; 3] = [Self::Delivered, Self::Refused, Self::Failed];

    /// The name in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }

    fn of(answer: &Result<Answer, PostError>) -> Self {
        match answer {
            Ok(a) if (200..300).contains(&a.status) => Self::Delivered,
            Ok(_) => Self::Refused,
            Err(_) => Self::Failed,
        }
    }
}

/// How the POSTs of results went, for metrics. The counters only go up.
#[derive(Debug, Default)]
pub struct PostStats {
    /// By [`PostKind`], then [`PostOutcome`], in the order of their `ALL`.
    posts: [[AtomicU64; 3]; 2],
    retries: AtomicU64,
    in_flight: AtomicUsize,
}

impl PostStats {
    /// How many POSTs of `kind` ended with `outcome`.
    pub fn posts(&self, kind: PostKind, outcome: PostOutcome) -> u64 {
        self.posts[kind as usize][outcome as usize].load(Ordering::Relaxed)
    }

    /// How many callback attempts were repeated after a failed one.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Callbacks being delivered now (in the background, retries included).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn count(&self, kind: PostKind, outcome: PostOutcome) {
        self.posts[kind as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts a callback in flight until dropped (also when its task is aborted).
struct InFlight(Arc<PostStats>);

impl InFlight {
    fn new(stats: &Arc<PostStats>) -> Self {
        stats.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(stats))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// POSTs session results, signed when a key is configured.
#[derive(Debug, Clone)]
pub struct ResultPoster {
    client: reqwest::Client,
    signer: Option<Arc<ResultSigner>>,
    /// The engine's clock, for the JWTs' `iat`.
    clock: Clock,
    /// Shared by the clones.
    stats: Arc<PostStats>,
}

impl ResultPoster {
    /// A poster signing with `signer`, if any, at `clock`'s time; with `public_only` it
    /// connects to public addresses only ([`PublicOnly`]).
    pub fn new(signer: Option<Arc<ResultSigner>>, clock: Clock, public_only: bool) -> Self {
        // Building a client fails only when the TLS backend cannot start; the default
        // client (without the timeout) is then as good as any, and every POST below is
        // bounded by its own timeout too.
        let mut client = reqwest::Client::builder()
            .timeout(POST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        if public_only {
            client = client.dns_resolver(Arc::new(PublicOnly));
        }
        let client = client.build().unwrap_or_default();
        Self {
            client,
            signer,
            clock,
            stats: Arc::default(),
        }
    }

    /// How the POSTs went.
    pub fn stats(&self) -> &PostStats {
        &self.stats
    }

    /// Whether results are signed (a `jwt_privkey` is configured).
    pub fn signs(&self) -> bool {
        self.signer.is_some()
    }

    /// The body and content type of `result`: its JWT valid `validity` seconds (in the
    /// legacy form for a legacy session, as the reference's `ResultJwt`), or the full result
    /// as JSON (as the reference's `DoResultCallback`, whatever the form).
    fn body(
        &self,
        result: &RequestorResult,
        validity: u64,
    ) -> Result<(&'static str, Vec<u8>), PostError> {
        match &self.signer {
            Some(signer) => {
                let jwt = signer.result_jwt(result, validity, self.clock.now_secs())?;
                Ok(("text/plain; charset=UTF-8", jwt.into_bytes()))
            }
            None => Ok((
                "application/json; charset=UTF-8",
                serde_json::to_vec(&result.result)?,
            )),
        }
    }

    /// POSTs `result` to `url` once (a chain's next session URL); any status is an
    /// [`Answer`].
    pub async fn post(
        &self,
        url: &str,
        result: &SessionResult,
        validity: u64,
    ) -> Result<Answer, PostError> {
        let result = RequestorResult {
            result: result.clone(),
            legacy: false,
        };
        let answer = match self.body(&result, validity) {
            Ok((content_type, body)) => self.send(url, content_type, body).await,
            Err(e) => Err(e),
        };
        self.stats
            .count(PostKind::NextSession, PostOutcome::of(&answer));
        answer
    }

    async fn send(
        &self,
        url: &str,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> Result<Answer, PostError> {
        let transport = |e: reqwest::Error| PostError::Transport {
            host: host_of(url),
            reason: without_url(&e),
        };
        let exchange = async {
            let response = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .header(reqwest::header::USER_AGENT, "irmago")
                .body(body)
                .send()
                .await
                .map_err(transport)?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(transport)?;
            Ok(Answer {
                status,
                body: body.to_vec(),
            })
        };
        tokio::time::timeout(POST_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(PostError::Transport {
                    host: host_of(url),
                    reason: "timed out".to_owned(),
                })
            })
    }

    /// Delivers `result` to the session's `callbackUrl` in the background: up to
    /// [`CALLBACK_ATTEMPTS`] tries until one is answered 2xx, with doubling waits. Never
    /// blocks the caller; without an async runtime nothing is sent (logged).
    pub fn callback(&self, url: String, result: RequestorResult, validity: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(host = %host_of(&url), "no async runtime: session result callback not sent");
            return;
        };
        if !url.starts_with("https") {
            tracing::warn!(host = %host_of(&url), "POSTing session result to callback URL without TLS: attributes are unencrypted in traffic");
        }
        // Signed once: every attempt sends the same JWT.
        let (content_type, body) = match self.body(&result, validity) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "session result callback not sent");
                self.stats.count(PostKind::Callback, PostOutcome::Failed);
                return;
            }
        };
        let poster = self.clone();
        let in_flight = InFlight::new(&self.stats);
        runtime.spawn(async move {
            let _in_flight = in_flight;
            let mut wait = CALLBACK_FIRST_BACKOFF;
            for attempt in 1..=CALLBACK_ATTEMPTS {
                let answer = poster.send(&url, content_type, body.clone()).await;
                let outcome = PostOutcome::of(&answer);
                let error = match answer {
                    Ok(_) if outcome == PostOutcome::Delivered => {
                        tracing::debug!(host = %host_of(&url), attempt, "session result callback delivered");
                        poster.stats.count(PostKind::Callback, outcome);
                        return;
                    }
                    Ok(a) => PostError::Status {
                        host: host_of(&url),
                        status: a.status,
                    },
                    Err(e) => e,
                };
                if attempt == CALLBACK_ATTEMPTS {
                    tracing::warn!(error = %error, attempt, "session result callback failed; giving up");
                    poster.stats.count(PostKind::Callback, outcome);
                    return;
                }
                tracing::info!(error = %error, attempt, "session result callback failed; retrying");
                poster.stats.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
        });
    }
}

/// The host (and port) of a URL, for logs and errors; `?` when it has none.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                u.port()
                    .map_or_else(|| h.to_owned(), |p| format!("{h}:{p}"))
            })
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// A reqwest error's message without the URL it carries (its path or query may be secret).
fn without_url(e: &reqwest::Error) -> String {
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed"
    } else if e.is_builder() {
        "invalid URL"
    } else {
        "request failed"
    };
    reason.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_without_secrets() {
        assert_eq!(
            host_of("https://a.example:8443/cb?secret=1"),
            "a.example:8443"
        );
        assert_eq!(host_of("http://127.0.0.1/x"), "127.0.0.1");
        assert_eq!(host_of("not a url"), "?");
    }
}
