//! The client side of the revocation endpoints (irmago `RevocationClient`): fetching update
//! messages and events from a revocation server, posting signed issuance records to the
//! authority, and following its `updateevents` stream. Answers are CBOR
//! (`application/octet-stream`); each server URL is the one a scheme's `RevocationServers` or
//! `revocation_server_url` names, to which `/revocation/{credtype}/…` is appended.
//!
//! Errors name what failed, not where: the server URLs are internal and the messages may
//! reach an app; the URL goes to the log.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::crypto::revocation::{EventList, SignedMessage, Update, Updates, from_cbor};
use crate::protocol::errors::RemoteError;
use crate::protocol::identifiers::CredentialTypeId;

/// The deadline of one request (the reference's outbound HTTP deadline).
const TIMEOUT: Duration = Duration::from_secs(20);
/// The largest answer read (an update with many events is a few hundred kB).
const MAX_BODY: usize = 16 << 20;
/// The longest event of an update stream kept in memory.
const MAX_EVENT: usize = 1 << 20;

/// Why a revocation server did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No revocation server is known for the credential type.
    #[error("no revocation server known for {0}")]
    NoServer(CredentialTypeId),
    /// No server answered (connection refused, timeout, TLS).
    #[error("the revocation server could not be reached")]
    Unreachable,
    /// The server answered with an IRMA error.
    #[error("the revocation server answered {0}")]
    Remote(Box<RemoteError>),
    /// The server answered with another HTTP status and no IRMA error.
    #[error("the revocation server answered HTTP {0}")]
    Status(u16),
    /// The answer is not the expected CBOR.
    #[error("the revocation server's answer does not decode: {0}")]
    Malformed(String),
}

/// An HTTP client for revocation servers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// For the event streams: no overall deadline.
    streaming: reqwest::Client,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with the reference's deadline and `User-Agent`.
    pub fn new() -> Self {
        let build = |timeout: Option<Duration>| {
            let mut builder = reqwest::Client::builder()
                .user_agent(concat!("irma/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10));
            if let Some(t) = timeout {
                builder = builder.timeout(t);
            }
            // Building fails only when the TLS backend cannot start; the default client
            // is then as good as any.
            builder.build().unwrap_or_default()
        };
        Self {
            http: build(Some(TIMEOUT)),
            streaming: build(None),
        }
    }

    /// `GET {url}/revocation/{cred}/update/{count}` at the first of `urls` that answers:
    /// the latest update of every key with its last `count` events (all when 0).
    pub async fn latest_updates(
        &self,
        urls: &[String],
        cred: &CredentialTypeId,
        count: u64,
    ) -> Result<Updates, FetchError> {
        self.get_any(cred, urls, &format!("/revocation/{cred}/update/{count}"))
            .await
    }

    /// `GET {url}/revocation/{cred}/events/{counter}/{from}/{to}`: the events with
    /// `from ≤ index < to` of key `counter`.
    pub async fn events(
        &self,
        urls: &[String],
        cred: &CredentialTypeId,
        counter: u32,
        from: u64,
        to: u64,
    ) -> Result<EventList, FetchError> {
        self.get_any(
            cred,
            urls,
            &format!("/revocation/{cred}/events/{counter}/{from}/{to}"),
        )
        .await
    }

    /// `POST {url}/revocation/{cred}/issuancerecord/{counter}` with the signed record.
    pub async fn post_issuance_record(
        &self,
        url: &str,
        cred: &CredentialTypeId,
        counter: u32,
        record: &SignedMessage,
    ) -> Result<(), FetchError> {
        let target = format!("{url}/revocation/{cred}/issuancerecord/{counter}");
        let response = self
            .http
            .post(&target)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(record.as_bytes().to_vec())
            .send()
            .await
            .map_err(|e| unreachable(&target, &e))?;
        read(&target, response).await.map(drop)
    }

    /// Opens `{url}/revocation/{cred}/updateevents`; [`UpdateStream::next`] gives each
    /// pushed update.
    pub async fn update_events(
        &self,
        url: &str,
        cred: &CredentialTypeId,
    ) -> Result<UpdateStream, FetchError> {
        let target = format!("{url}/revocation/{cred}/updateevents");
        let response = self
            .streaming
            .get(&target)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| unreachable(&target, &e))?;
        if !response.status().is_success() {
            return Err(read(&target, response)
                .await
                .err()
                .unwrap_or(FetchError::Status(200)));
        }
        Ok(UpdateStream {
            response,
            buffer: Vec::new(),
            data: String::new(),
        })
    }

    /// GETs `path` from each of `urls` in turn until one answers (irmago `getMultiple`).
    async fn get_any<T: DeserializeOwned>(
        &self,
        cred: &CredentialTypeId,
        urls: &[String],
        path: &str,
    ) -> Result<T, FetchError> {
        let mut last = FetchError::NoServer(cred.clone());
        for url in urls {
            let target = format!("{url}{path}");
            let answer = match self.http.get(&target).send().await {
                Ok(response) => read(&target, response).await,
                Err(e) => Err(unreachable(&target, &e)),
            };
            match answer.and_then(|bytes| {
                from_cbor(&bytes).map_err(|e| FetchError::Malformed(e.to_string()))
            }) {
                Ok(value) => return Ok(value),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

fn unreachable(target: &str, e: &reqwest::Error) -> FetchError {
    tracing::warn!(url = target, error = %e, "revocation server unreachable");
    FetchError::Unreachable
}

/// The body of a successful answer, or the error it carries.
async fn read(target: &str, response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    let status = response.status();
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(target, &e))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::Malformed("answer too large".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok(body);
    }
    tracing::warn!(
        url = target,
        status = status.as_u16(),
        "revocation server refused"
    );
    // Error bodies are CBOR on the revocation endpoints, JSON elsewhere.
    let remote = from_cbor::<RemoteError>(&body)
        .ok()
        .or_else(|| serde_json::from_slice::<RemoteError>(&body).ok())
        .filter(|r| !r.error.is_empty());
    Err(match remote {
        Some(r) => FetchError::Remote(Box::new(r)),
        None => FetchError::Status(status.as_u16()),
    })
}

/// The updates an authority pushes on its `updateevents` stream: each server-sent event's
/// data is one update as JSON (irmago `PostUpdate`).
#[derive(Debug)]
pub struct UpdateStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    data: String,
}

impl UpdateStream {
    /// The next pushed update; `None` when the stream ends or breaks. An event that is not
    /// an update is skipped (and logged).
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            // Complete lines first; an empty line ends an event (the SSE format).
            while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\n', '\r']);
                if line.is_empty() {
                    if self.data.is_empty() {
                        continue;
                    }
                    let data = std::mem::take(&mut self.data);
                    match serde_json::from_str::<Update>(&data) {
                        Ok(update) => return Some(update),
                        Err(e) => tracing::warn!(error = %e, "pushed revocation update ignored"),
                    }
                } else if let Some(value) = line.strip_prefix("data:") {
                    if !self.data.is_empty() {
                        self.data.push('\n');
                    }
                    self.data.push_str(value.strip_prefix(' ').unwrap_or(value));
                }
                // Comments (keep-alives), `event:`, `id:` and `retry:` carry no update.
            }
            if self.buffer.len() + self.data.len() > MAX_EVENT {
                return None;
            }
            let chunk = self.response.chunk().await.ok()??;
            self.buffer.extend_from_slice(&chunk);
        }
    }
}
