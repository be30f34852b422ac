//! Following a session's status: server-sent events with reconnects, and polling when the
//! server or a proxy does not stream (irmago `irma/wait_status.go`, without its gap: the
//! first status delivered is the current one, whatever it is).
//!
//! A background task reads the events and sends each *change* of status over a channel;
//! [`StatusEvents::next`] receives them. The task ends after a final status, on an error
//! it cannot recover from, or when the [`StatusEvents`] is dropped.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::http::{ClientError, RequestorClient, parse_status};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::RequestorToken;

/// How often `/status` is polled when events do not stream (the reference's 1 s).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// A stream that sends nothing this long after connecting is taken to be buffered by a
/// proxy (our server and the reference send the current status at once).
const FIRST_EVENT_TIMEOUT: Duration = Duration::from_secs(5);
/// A stream silent this long (no event, no keep-alive) is reconnected.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Reconnects of a broken event stream before falling back to polling.
const MAX_RECONNECTS: u32 = 3;
/// Consecutive failed polls before giving up.
const MAX_POLL_FAILURES: u32 = 5;
/// Longest event (data lines included) kept in memory.
const MAX_EVENT: usize = 64 << 10;

/// The status changes of one session, ending after a final status.
#[derive(Debug)]
pub struct StatusEvents {
    rx: mpsc::Receiver<Result<ServerStatus, ClientError>>,
    task: JoinHandle<()>,
}

impl StatusEvents {
    /// The next status change; `None` after a final status or an error.
    pub async fn next(&mut self) -> Option<Result<ServerStatus, ClientError>> {
        self.rx.recv().await
    }

    /// Follows the session on the server of `client` (see
    /// [`RequestorClient::status_events`]): connects to the event stream first, then
    /// returns.
    pub(super) async fn follow(client: RequestorClient, token: RequestorToken) -> Self {
        let (tx, rx) = mpsc::channel(16);
        let first = client.open_events(&token).await;
        let task = tokio::spawn(async move {
            let mut follower = Follower {
                client,
                token,
                tx,
                last: None,
            };
            follower.run(first).await;
        });
        Self { rx, task }
    }

    /// The changes of a status channel of a session engine in this process (an embedded
    /// server): the current status first.
    pub fn from_watch(mut rx: watch::Receiver<ServerStatus>) -> Self {
        let (tx, out) = mpsc::channel(16);
        let task = tokio::spawn(async move {
            let mut last = None;
            loop {
                let status = *rx.borrow_and_update();
                if last != Some(status) {
                    last = Some(status);
                    if tx.send(Ok(status)).await.is_err() || status.is_finished() {
                        return;
                    }
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        });
        Self { rx: out, task }
    }
}

impl Drop for StatusEvents {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why reading an event stream stopped.
enum StreamEnd {
    /// A final status was delivered, or the receiver is gone: stop.
    Finished,
    /// The stream ended or broke after delivering events: reconnect.
    Broken,
    /// Nothing arrived: the stream is not usable, poll instead.
    Silent,
}

struct Follower {
    client: RequestorClient,
    token: RequestorToken,
    tx: mpsc::Sender<Result<ServerStatus, ClientError>>,
    last: Option<ServerStatus>,
}

impl Follower {
    async fn run(&mut self, first: Result<reqwest::Response, ClientError>) {
        let mut opened = first;
        let mut reconnects = 0;
        loop {
            let response = match opened {
                Ok(r) if is_event_stream(&r) => r,
                Ok(_) => {
                    tracing::debug!("status events: not an event stream; polling");
                    break;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "status events unavailable; polling");
                    break;
                }
            };
            match self.read(response).await {
                StreamEnd::Finished => return,
                StreamEnd::Silent => break,
                StreamEnd::Broken if reconnects < MAX_RECONNECTS => {
                    reconnects += 1;
                    tokio::time::sleep(POLL_INTERVAL * reconnects).await;
                    opened = self.client.open_events(&self.token).await;
                }
                StreamEnd::Broken => break,
            }
        }
        self.poll().await;
    }

    /// Delivers a status if it changed; `false` when following should stop.
    async fn deliver(&mut self, status: ServerStatus) -> bool {
        if self.last == Some(status) {
            return true;
        }
        self.last = Some(status);
        self.tx.send(Ok(status)).await.is_ok() && !status.is_finished()
    }

    /// Reads events until the stream ends, breaks or stays silent.
    async fn read(&mut self, mut response: reqwest::Response) -> StreamEnd {
        let mut buffer: Vec<u8> = Vec::new();
        let mut data = String::new();
        let mut events = 0usize;
        loop {
            let wait = if events == 0 {
                FIRST_EVENT_TIMEOUT
            } else {
                IDLE_TIMEOUT
            };
            let chunk = match tokio::time::timeout(wait, response.chunk()).await {
                Err(_) if events == 0 => return StreamEnd::Silent,
                Err(_) | Ok(Err(_)) | Ok(Ok(None)) => return StreamEnd::Broken,
                Ok(Ok(Some(chunk))) => chunk,
            };
            buffer.extend_from_slice(&chunk);
            while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buffer.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\n', '\r']);
                if line.is_empty() {
                    // End of an event: its data is a status.
                    if data.is_empty() {
                        continue;
                    }
                    let status = parse_status(&data);
                    data.clear();
                    if let Some(status) = status {
                        events += 1;
                        if !self.deliver(status).await {
                            return StreamEnd::Finished;
                        }
                    }
                } else if let Some(value) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value.strip_prefix(' ').unwrap_or(value));
                }
                // Comments (keep-alives), `event:`, `id:` and `retry:` carry no status.
            }
            if buffer.len() + data.len() > MAX_EVENT {
                return StreamEnd::Broken;
            }
        }
    }

    /// Polls `/status` until a final status; a few failures in a row end it with the error.
    async fn poll(&mut self) {
        let mut failures = 0;
        loop {
            match self.client.status(&self.token).await {
                Ok(status) => {
                    failures = 0;
                    if !self.deliver(status).await {
                        return;
                    }
                }
                Err(e) => {
                    failures += 1;
                    // A server error body is an answer, not a transient failure.
                    if e.remote().is_some() || failures >= MAX_POLL_FAILURES {
                        let _ = self.tx.send(Err(e)).await;
                        return;
                    }
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("text/event-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn watch_channels_give_the_current_status_then_changes() {
        let (tx, rx) = watch::channel(ServerStatus::Initialized);
        let mut events = StatusEvents::from_watch(rx);
        assert_eq!(
            events.next().await.unwrap().unwrap(),
            ServerStatus::Initialized
        );
        tx.send_replace(ServerStatus::Connected);
        assert_eq!(
            events.next().await.unwrap().unwrap(),
            ServerStatus::Connected
        );
        tx.send_replace(ServerStatus::Done);
        assert_eq!(events.next().await.unwrap().unwrap(), ServerStatus::Done);
        assert!(events.next().await.is_none(), "ends after a final status");
    }
}
