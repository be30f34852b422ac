//! The requestor HTTP client: start sessions, follow them, fetch results, cancel, revoke,
//! and the server's JWT public key (the function set of irmago's requestor API and of the JS
//! package `@privacybydesign/irma-backend`).
//!
//! Works against our server and irmago's: the endpoints are the reference's
//! (`POST /session`, `GET /session/{token}/status|statusevents|result|result-jwt`,
//! `DELETE /session/{token}`, `GET /publickey`), and every non-2xx answer is read as the
//! reference's JSON error body ([`RemoteError`]). Following a session
//! ([`RequestorClient::status_events`]) uses server-sent events and falls back to polling
//! when the server or a proxy does not stream.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::events::StatusEvents;
use crate::jwt::keys::{JwtKeyError, RsaPublicKey, SigningKey};
use crate::jwt::request::{RequestBody, sign_request};
use crate::jwt::{SignError, request::RequestFormError};
use crate::protocol::errors::RemoteError;
use crate::protocol::request::RequestorRequest;
use crate::protocol::revocation::RevocationRequest;
use crate::protocol::session::{
    FrontendOptionsRequest, LD_CONTEXT_FRONTEND_OPTIONS_REQUEST, PairingMethod, SessionOptions,
    SessionPackage,
};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::RequestorToken;
use crate::session::SessionResult;

/// Largest answer body read (the reference server's own request limit).
const MAX_BODY: usize = 10 << 20;
/// Time limit of every call except a status event stream.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Time limit for establishing a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the client authenticates to the server when starting a session (the server's
/// `auth_method` of the requestor).
#[derive(Clone)]
pub enum Authentication {
    /// No authentication (a server with `no_auth`).
    None,
    /// `token`: the value is sent as the `Authorization` header.
    Token(String),
    /// `hmac` or `publickey`: the request is sent as a JWT signed with `key` (HS256 for an
    /// HMAC key, RS256 for an RSA key), with `iss` the requestor's `name`.
    Jwt {
        /// The requestor name (`iss`).
        name: String,
        /// The signing key.
        key: SigningKey,
    },
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Token(_) => f.write_str("Token([redacted])"),
            Self::Jwt { name, key } => f
                .debug_struct("Jwt")
                .field("name", name)
                .field("key", key)
                .finish(),
        }
    }
}

/// Why a call to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is unusable.
    #[error("invalid server url {url:?}: {reason}")]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("{url}: {source}")]
    Http {
        /// The URL called.
        url: String,
        /// What went wrong.
        source: reqwest::Error,
    },
    /// The server answered with its JSON error body.
    #[error("{url}: {error}")]
    Remote {
        /// The URL called.
        url: String,
        /// The server's error.
        error: Box<RemoteError>,
    },
    /// A non-2xx answer without the JSON error body (e.g. from a proxy).
    #[error("{url}: http status {status}: {body}")]
    Status {
        /// The URL called.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// A 2xx answer that is not what the endpoint returns.
    #[error("{url}: unexpected answer: {reason}")]
    Decode {
        /// The URL called.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request could not be put in a JWT.
    #[error(transparent)]
    RequestForm(#[from] RequestFormError),
    /// Signing the request JWT failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The server's public key is not an RSA public key.
    #[error("the server's public key: {0}")]
    PublicKey(#[from] JwtKeyError),
}

impl ClientError {
    /// The error for a call to `url` that failed in transport.
    fn http(url: &str) -> impl FnOnce(reqwest::Error) -> Self {
        let url = url.to_owned();
        move |source| Self::Http { url, source }
    }

    /// The server's error body, when the server answered with one.
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            Self::Remote { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A client of one IRMA server's requestor API.
#[derive(Debug, Clone)]
pub struct RequestorClient {
    http: reqwest::Client,
    /// The server URL without a trailing `/`.
    base: String,
    auth: Authentication,
}

impl RequestorClient {
    /// A client for the requestor API at `server` (`http(s)://host[:port][/prefix]`).
    pub fn new(server: &str, auth: Authentication) -> Result<Self, ClientError> {
        let bad = |reason: &str| ClientError::Url {
            url: server.to_owned(),
            reason: reason.to_owned(),
        };
        let url = reqwest::Url::parse(server).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("not an http(s) URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a server URL has no query or fragment"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(ClientError::http(server))?;
        Ok(Self {
            http,
            base: url.as_str().trim_end_matches('/').to_owned(),
            auth,
        })
    }

    /// The server URL this client calls, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Starts a session (`POST /session`), authenticated as configured: JSON for `none` and
    /// `token`, a signed request JWT for `hmac` and `rsa`.
    pub async fn start_session(
        &self,
        request: &RequestorRequest,
    ) -> Result<SessionPackage, ClientError> {
        let url = format!("{}/session", self.base);
        let builder = match &self.auth {
            Authentication::None | Authentication::Token(_) => {
                let body = serde_json::to_vec(request).map_err(|e| ClientError::Decode {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
                let mut b = self
                    .http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body);
                if let Authentication::Token(token) = &self.auth {
                    b = b.header(reqwest::header::AUTHORIZATION, token);
                }
                b
            }
            Authentication::Jwt { name, key } => {
                let json = serde_json::to_value(request).map_err(|e| ClientError::Decode {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
                let jwt = sign_request(&RequestBody::from_json(json)?, name, key, unix_now())?;
                return self.start_session_jwt(&jwt).await;
            }
        };
        self.json(builder, &url).await
    }

    /// Starts a session from a request JWT made elsewhere (`POST /session`, `text/plain`).
    pub async fn start_session_jwt(&self, jwt: &str) -> Result<SessionPackage, ClientError> {
        let url = format!("{}/session", self.base);
        let builder = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body(jwt.to_owned());
        self.json(builder, &url).await
    }

    /// The status of a session (`GET /session/{token}/status`).
    pub async fn status(&self, token: &RequestorToken) -> Result<ServerStatus, ClientError> {
        let url = self.session_url(token, "/status");
        self.json(self.http.get(&url), &url).await
    }

    /// Follows a session's status: server-sent events from `/statusevents`, reconnecting
    /// when the stream breaks, and polling `/status` every second when the server does not
    /// stream (SSE disabled, an error answer, or a proxy that buffers). The subscription
    /// is made before this returns, so a session that finishes right after is not missed:
    /// the first status delivered is the current one, and the events end after a final
    /// status (DONE, CANCELLED, TIMEOUT).
    pub async fn status_events(&self, token: &RequestorToken) -> StatusEvents {
        StatusEvents::follow(self.clone(), token.clone()).await
    }

    /// The session result (`GET /session/{token}/result`).
    pub async fn result(&self, token: &RequestorToken) -> Result<SessionResult, ClientError> {
        let url = self.session_url(token, "/result");
        self.json(self.http.get(&url), &url).await
    }

    /// The session result as a JWT signed by the server (`GET /session/{token}/result-jwt`);
    /// verify it with [`crate::jwt::verify::Jwt`] and [`RequestorClient::public_key`].
    pub async fn result_jwt(&self, token: &RequestorToken) -> Result<String, ClientError> {
        let url = self.session_url(token, "/result-jwt");
        let body = self.call(self.http.get(&url), &url).await?;
        String::from_utf8(body)
            .map(|s| s.trim().to_owned())
            .map_err(|_| ClientError::Decode {
                url,
                reason: "the JWT is not UTF-8".to_owned(),
            })
    }

    /// Revokes credentials at the revocation authority (`POST /revocation`), authenticated
    /// as configured: JSON for `none` and `token`, a JWT with claim `revrequest` for `hmac`
    /// and `rsa`. The server answers `OK`.
    pub async fn revoke(&self, request: &RevocationRequest) -> Result<(), ClientError> {
        let url = format!("{}/revocation", self.base);
        let json = serde_json::to_value(request).map_err(|e| ClientError::Decode {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let builder = match &self.auth {
            Authentication::None | Authentication::Token(_) => {
                let mut b = self
                    .http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_string());
                if let Authentication::Token(token) = &self.auth {
                    b = b.header(reqwest::header::AUTHORIZATION, token);
                }
                b
            }
            Authentication::Jwt { name, key } => {
                let jwt = sign_request(&RequestBody::from_json(json)?, name, key, unix_now())?;
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "text/plain")
                    .body(jwt)
            }
        };
        self.call(builder, &url).await.map(drop)
    }

    /// Cancels a session (`DELETE /session/{token}`).
    pub async fn cancel(&self, token: &RequestorToken) -> Result<(), ClientError> {
        let url = self.session_url(token, "");
        self.call(self.http.delete(&url), &url).await.map(drop)
    }

    /// The server's RSA public key for result JWTs (`GET /publickey`).
    pub async fn public_key(&self) -> Result<RsaPublicKey, ClientError> {
        let url = format!("{}/publickey", self.base);
        let body = self.call(self.http.get(&url), &url).await?;
        Ok(RsaPublicKey::from_pem(&body)?)
    }

    /// Asks for pairing with a code before the app gets the request, as a frontend does
    /// (`POST {sessionPtr.u}/frontend/options`); only while the session is INITIALIZED.
    /// The answer holds the pairing code to compare with the app's.
    pub async fn enable_pairing(
        &self,
        package: &SessionPackage,
    ) -> Result<SessionOptions, ClientError> {
        let url = format!(
            "{}/frontend/options",
            package.session_ptr.url.trim_end_matches('/')
        );
        let body = FrontendOptionsRequest {
            context: LD_CONTEXT_FRONTEND_OPTIONS_REQUEST.to_owned(),
            pairing_method: Some(PairingMethod::Pin),
        };
        let builder = self
            .http
            .post(&url)
            .header(
                reqwest::header::AUTHORIZATION,
                package.frontend_request.authorization.as_str(),
            )
            .json(&body);
        self.json(builder, &url).await
    }

    /// Tells the server the user confirmed the pairing code
    /// (`POST {sessionPtr.u}/frontend/pairingcompleted`): PAIRING becomes CONNECTED.
    pub async fn complete_pairing(&self, package: &SessionPackage) -> Result<(), ClientError> {
        let url = format!(
            "{}/frontend/pairingcompleted",
            package.session_ptr.url.trim_end_matches('/')
        );
        let builder = self.http.post(&url).header(
            reqwest::header::AUTHORIZATION,
            package.frontend_request.authorization.as_str(),
        );
        self.call(builder, &url).await.map(drop)
    }

    fn session_url(&self, token: &RequestorToken, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, token.as_str())
    }

    /// Opens `/statusevents` (no time limit: the stream stays open).
    pub(super) async fn open_events(
        &self,
        token: &RequestorToken,
    ) -> Result<reqwest::Response, ClientError> {
        let url = self.session_url(token, "/statusevents");
        let response = self
            .http
            .get(&url)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(ClientError::http(&url))?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let body = read_limited(response, &url).await.unwrap_or_default();
            return Err(error_answer(url, status, &body));
        }
        Ok(response)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<T, ClientError> {
        let body = self.call(builder, url).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Sends, checks the status, and reads the body (at most [`MAX_BODY`] bytes).
    async fn call(
        &self,
        builder: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let response = builder
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(ClientError::http(url))?;
        let status = response.status().as_u16();
        let body = read_limited(response, url).await?;
        if !(200..300).contains(&status) {
            return Err(error_answer(url.to_owned(), status, &body));
        }
        Ok(body)
    }
}

/// Reads a body up to [`MAX_BODY`] bytes.
async fn read_limited(mut response: reqwest::Response, url: &str) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ClientError::http(url))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ClientError::Decode {
                url: url.to_owned(),
                reason: format!("answer larger than {MAX_BODY} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error for a non-2xx answer: the server's JSON error body when it sent one.
fn error_answer(url: String, status: u16, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<RemoteError>(body) {
        Ok(error) if !error.error.is_empty() => ClientError::Remote {
            url,
            error: Box::new(error),
        },
        _ => {
            let text = String::from_utf8_lossy(body);
            let mut short: String = text.trim().chars().take(200).collect();
            if short.len() < text.trim().len() {
                short.push('…');
            }
            ClientError::Status {
                url,
                status,
                body: short,
            }
        }
    }
}

/// Unix time in seconds (0 if the clock is before 1970).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A status from a `/status` answer or an event's data: a JSON string (`"DONE"`), or the
/// bare name as some proxies and older servers send it.
pub(super) fn parse_status(data: &str) -> Option<ServerStatus> {
    let text = data.trim();
    if let Ok(Value::String(s)) = serde_json::from_str::<Value>(text) {
        return serde_json::from_value(Value::String(s)).ok();
    }
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_errors_are_parsed_and_other_answers_kept_short() {
        let body = br#"{"status":400,"error":"SESSION_UNKNOWN","description":"Unknown or expired session"}"#;
        let e = error_answer("u".into(), 400, body);
        assert_eq!(e.remote().unwrap().error, "SESSION_UNKNOWN");
        let e = error_answer("u".into(), 502, "x".repeat(1000).as_bytes());
        match e {
            ClientError::Status { status, body, .. } => {
                assert_eq!(status, 502);
                assert!(body.chars().count() <= 201);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error_answer("u".into(), 500, b"{}"),
            ClientError::Status { .. }
        ));
    }

    /// What irmago's server sent in the recordings: packages, results and error bodies
    /// all read as this client reads them.
    #[test]
    fn recorded_reference_answers_parse() {
        use crate::protocol::verify::tests::{cases, test_data};

        let mut results = 0;
        for (name, case) in cases(&["disclosure", "signature", "issuance", "negative"]) {
            serde_json::from_value::<SessionPackage>(case["session_package"].clone())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            if !case["session_result"].is_null() {
                let r: SessionResult = serde_json::from_value(case["session_result"].clone())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    serde_json::to_value(r.status).unwrap(),
                    case["session_result"]["status"]
                );
                results += 1;
            }
        }
        assert!(results >= 20, "{results}");

        let failures: Value = serde_json::from_str(
            &std::fs::read_to_string(test_data().join("vectors/jwt/requestor-auth-failures.json"))
                .unwrap(),
        )
        .unwrap();
        let mut errors = 0;
        for call in failures["calls"].as_array().unwrap() {
            let status = call["status"].as_u64().unwrap() as u16;
            if status == 200 {
                continue;
            }
            let raw = call["response_body_raw"].as_str().unwrap();
            let e = error_answer("u".into(), status, raw.as_bytes());
            let remote = e.remote().unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(remote.status, status);
            errors += 1;
        }
        assert!(errors >= 5, "{errors}");
    }

    #[test]
    fn statuses_parse_quoted_or_bare() {
        assert_eq!(parse_status("\"DONE\""), Some(ServerStatus::Done));
        assert_eq!(parse_status(" CONNECTED\n"), Some(ServerStatus::Connected));
        assert_eq!(parse_status("done"), None);
        assert_eq!(parse_status("{}"), None);
    }

    #[test]
    fn urls_are_checked_and_secrets_hidden() {
        assert!(RequestorClient::new("ftp://x", Authentication::None).is_err());
        assert!(RequestorClient::new("not a url", Authentication::None).is_err());
        assert!(RequestorClient::new("http://x/?a=b", Authentication::None).is_err());
        let c = RequestorClient::new(
            "http://127.0.0.1:1/prefix/",
            Authentication::Token("secret-token".into()),
        )
        .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
        assert!(!format!("{c:?}").contains("secret-token"));
    }
}
