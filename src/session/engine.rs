//! [`Sessions`]: every session operation of the requestor, app and frontend APIs, the
//! per-session status channels and the expiry task.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use super::callback::{PostStats, ResultPoster};
use super::chain::{self, ChainLink};
use super::clock::Clock;
use super::error::SessionError;
use super::internal_hosts::refuse_internal;
use super::issue::{IssuerKeys, Revocable};
use super::observe::{
    Callbacks, Effort, LocalChange, StatusChange, StatusChannels, StatusLog, StatusObserver,
};
use super::outcome::{self, Judged, MessageBody, Outcome, SharedVerifier};
use super::permissions::{PermissionSet, url_host};
use super::record::{
    ClaimId, NewSession, RequestorResult, Session, SessionResult, disclosed_lists,
};
use super::store::{Lifetimes, StatusEvent, Store, millis};
use super::validate::{PrivateKeyFolder, complete_request};
use super::workers::{Place, Workers};
use crate::jwt::result::{DEFAULT_VALIDITY, ResultSigner};
use crate::protocol::errors::ErrorKind;
use crate::protocol::request::{NonRevocationParameters, RequestorRequest, SessionRequest};
use crate::protocol::session::{
    ClientSessionRequest, FrontendOptionsRequest, FrontendSessionRequest, FrontendSessionStatus,
    LD_CONTEXT_CLIENT_SESSION_REQUEST, PairingMethod, ProtocolVersion, ServerSessionResponse,
    SessionOptions, SessionPackage, SessionPointer, negotiate_app_version,
};
use crate::protocol::status::ServerStatus;
use crate::protocol::timestamp::AtumKeyCheck;
use crate::protocol::tokens::{AppToken, FrontendAuthorization, RequestorToken, same_secret};
use crate::revocation::{Keys, Service};
use crate::scheme::Configuration;
use crate::verifier::Verifier;

/// The settings the engine needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The app URL, ending in `irma/`; session pointers are `<url>session/<clientToken>`.
    pub url: String,
    /// Production mode (`devMode` false in requests).
    pub production: bool,
    /// How long sessions and their results live.
    pub lifetimes: Lifetimes,
    /// Extra folder with issuer private keys.
    pub private_keys: PrivateKeyFolder,
    /// Requestor permissions.
    pub permissions: PermissionSet,
    /// Signs the results POSTed to callbacks and chains (`jwt_privkey`), if configured.
    pub signer: Option<Arc<ResultSigner>>,
    /// Accept `callbackUrl` and `nextSession` without a `signer` (unsigned JSON results).
    pub allow_unsigned_callbacks: bool,
    /// Accept `augmentReturnUrl` in requests.
    pub augment_client_return_url: bool,
    /// In production mode, allow `callbackUrl` and `nextSession` URLs on internal addresses
    /// ([`internal_hosts`](super::internal_hosts)).
    pub allow_private_callbacks: bool,
    /// Where session lifetimes and proof verification read the time.
    pub clock: Clock,
}

impl Settings {
    /// Settings of an engine that serves another party (a keyshare server's own issuer, a
    /// test's engine): development mode, no result signer, and the strict setting of every
    /// switch (no unsigned callbacks, no return URL augmentation, no private callbacks).
    pub fn embedded(
        url: String,
        lifetimes: Lifetimes,
        private_keys: PrivateKeyFolder,
        permissions: PermissionSet,
        clock: Clock,
    ) -> Self {
        Self {
            url,
            production: false,
            lifetimes,
            private_keys,
            permissions,
            signer: None,
            allow_unsigned_callbacks: false,
            augment_client_return_url: false,
            allow_private_callbacks: false,
            clock,
        }
    }
}

/// Refuses a `callbackUrl` or `nextSession.url` of `request` on an internal address.
async fn refuse_internal_urls(request: &RequestorRequest) -> Result<(), SessionError> {
    let next = request.next_session.as_ref().map(|n| n.url.as_str());
    let urls = [
        ("callbackUrl", request.callback_url.as_str()),
        ("nextSession url", next.unwrap_or_default()),
    ];
    for (name, url) in urls {
        if !url.is_empty() {
            refuse_internal(url)
                .await
                .map_err(|e| SessionError::InvalidRequest(format!("{name} refused: {e}")))?;
        }
    }
    Ok(())
}

/// How long the check of a timestamp server's key may take.
const KEY_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the app's message holds its session at most ([`Session::claim`]): waiting for
/// a core, verifying, a timestamp key check and a chain's POST (10 s each) take less. Only
/// a claim whose handler never finished (its instance crashed) runs out.
const CLAIM_HOLD: Duration = Duration::from_secs(60);

/// Which message of the app a `POST` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppMessage {
    /// `POST …/proofs`: a disclosure or an attribute-based signature.
    Proofs,
    /// `POST …/commitments`: the commitments of an issuance.
    Commitments,
}

/// The session engine, shared by all handlers.
#[derive(Debug)]
pub struct Sessions {
    store: Store,
    pub(super) settings: Settings,
    /// The schemes with what is built on them, swapped whole by a scheme update.
    schemes: RwLock<Arc<SchemeState>>,
    /// Trust in timestamp servers' keys, asked online as go-atum and cached.
    timestamps: Arc<AtumKeyCheck>,
    /// The status of the sessions somebody follows on this instance (SSE, `irma session`).
    channels: StatusChannels,
    /// Told of every status change after the channels: the log, the callbacks, and
    /// whatever the server adds.
    observers: Vec<Arc<dyn StatusObserver>>,
    /// POSTs results to chains.
    pub(super) poster: ResultPoster,
    /// Runs the parsing and verification of the app's messages, bounded.
    workers: Workers,
    /// Revocation: the updates attached to requests, and what nonrevocation proofs are
    /// judged against.
    revocation: Arc<Service>,
}

/// The app's protocol version headers and `Authorization`, as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientHeaders<'a> {
    /// `X-IRMA-MinProtocolVersion`.
    pub min: Option<&'a str>,
    /// `X-IRMA-MaxProtocolVersion`.
    pub max: Option<&'a str>,
    /// `Authorization`.
    pub authorization: Option<&'a str>,
}

impl Sessions {
    /// An engine over `store`.
    pub fn new(store: Store, settings: Settings, schemes: Arc<Configuration>) -> Self {
        // Building a client fails only when the TLS backend cannot start; the default
        // client is then as good as any.
        let client = reqwest::Client::builder()
            .timeout(KEY_CHECK_TIMEOUT)
            .build()
            .unwrap_or_default();
        let revocation = Arc::new(Service::new(Default::default(), None, settings.clock));
        let state = SchemeState::new(schemes, &settings.private_keys, &revocation);
        let public_only = settings.production && !settings.allow_private_callbacks;
        let poster = ResultPoster::new(settings.signer.clone(), settings.clock, public_only);
        Self {
            revocation,
            observers: vec![Arc::new(StatusLog), Arc::new(Callbacks(poster.clone()))],
            poster,
            timestamps: Arc::new(AtumKeyCheck::new(client)),
            store,
            settings,
            schemes: RwLock::new(Arc::new(state)),
            channels: StatusChannels::default(),
            workers: Workers::sized_to_cores(),
        }
    }

    /// The result JWT signer, when `jwt_privkey` is configured.
    pub fn signer(&self) -> Option<&ResultSigner> {
        self.settings.signer.as_deref()
    }

    /// The app URL that session pointers start with (`url`, ending in `irma/`).
    pub fn app_url(&self) -> &str {
        &self.settings.url
    }

    /// Unix time in milliseconds, by the engine's clock.
    pub fn now_ms(&self) -> u64 {
        self.settings.clock.now_ms()
    }

    /// Unix time in seconds, by the engine's clock.
    pub fn now_secs(&self) -> i64 {
        self.settings.clock.now_secs()
    }

    /// The schemes in use now: a snapshot that a concurrent update does not change.
    pub fn schemes(&self) -> Arc<Configuration> {
        Arc::clone(&self.scheme_state().schemes)
    }

    /// The schemes, their verifier and issuer keys, as one snapshot.
    fn scheme_state(&self) -> Arc<SchemeState> {
        // Only whole `Arc`s are stored; a panic elsewhere cannot leave a torn value.
        Arc::clone(&self.schemes.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the schemes at once (after a scheme update), with a new verifier and issuer
    /// key cache; operations that already took a snapshot finish with the old schemes.
    pub fn replace_schemes(&self, schemes: Arc<Configuration>) {
        let state = Arc::new(SchemeState::new(
            schemes,
            &self.settings.private_keys,
            &self.revocation,
        ));
        *self.schemes.write().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// Runs `change` on a session and tells the observers if its status changed.
    /// `change` may run more than once (see [`Store::update`]).
    pub(super) async fn update<R>(
        &self,
        token: &RequestorToken,
        mut change: impl FnMut(&mut Session) -> R,
    ) -> Result<R, SessionError> {
        let (changed, r) = self
            .store
            .update(token, |s| {
                let before = s.status();
                let r = change(s);
                // The session as the change left it, for the observers.
                ((before != s.status()).then(|| (before, s.clone())), r)
            })
            .await?
            .ok_or(SessionError::Unknown)?;
        if let Some((before, session)) = changed {
            self.notify(&StatusChange {
                token,
                status: session.status(),
                local: Some(LocalChange {
                    before,
                    session: &session,
                }),
            });
        }
        Ok(r)
    }

    /// Tells every observer of a status change.
    fn notify(&self, change: &StatusChange<'_>) {
        self.channels.changed(change);
        for observer in &self.observers {
            observer.changed(change);
        }
    }

    /// Uses `service` for revocation (before the engine is shared); by default the engine
    /// has one without settings or database, fetching from the schemes' revocation servers.
    pub fn set_revocation(&mut self, service: Arc<Service>) {
        let schemes = self.schemes();
        self.revocation = service;
        self.replace_schemes(schemes);
    }

    /// The revocation component.
    pub fn revocation(&self) -> &Arc<Service> {
        &self.revocation
    }

    /// The issuer keys and credential types of the schemes in use now, for the revocation
    /// component.
    pub fn revocation_keys(&self) -> Arc<dyn Keys> {
        self.scheme_state()
    }

    /// Adds an observer of every status change (before the engine is shared).
    pub fn observe(&mut self, observer: Arc<dyn StatusObserver>) {
        self.observers.push(observer);
    }

    /// Tells every observer what an app message took, if any cryptography ran.
    fn tell_effort(&self, effort: Option<&Effort>) {
        if let Some(effort) = effort {
            for observer in &self.observers {
                observer.worked(effort);
            }
        }
    }

    /// The session store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How many results of chains and callbacks were POSTed, and how it went.
    pub fn post_stats(&self) -> &PostStats {
        self.poster.stats()
    }

    /// Forwards the status changes of other instances to this instance's subscribers,
    /// for a store shared with them; returns at once otherwise.
    pub async fn follow_status_events(&self) {
        let Some(mut events) = self.store.status_events() else {
            return;
        };
        while let Some(event) = events.recv().await {
            match event {
                StatusEvent::Changed(token, status) => self.notify(&StatusChange {
                    token: &token,
                    status,
                    local: None,
                }),
                StatusEvent::Resubscribed => {
                    // Changes while the feed was down: read the followed sessions again.
                    // A session that is gone (Redis restarted without persistence) ends
                    // its watchers' streams, as the reference closes them.
                    for token in self.channels.followed() {
                        match self.store.get(&token).await {
                            Ok(Some(s)) => self.channels.publish(&token, s.status()),
                            Ok(None) => self.channels.forget(&token),
                            Err(e) => tracing::warn!(error = %e, "re-reading a followed session"),
                        }
                    }
                }
            }
        }
    }

    /// Starts a session for `requestor` after checking its permissions; returns the
    /// session package. Results are POSTed to a `callbackUrl` or `nextSession.url` only
    /// signed, unless unsigned callbacks are allowed.
    pub async fn start(
        &self,
        request: RequestorRequest,
        requestor: Option<&str>,
    ) -> Result<SessionPackage, SessionError> {
        if request
            .next_session
            .as_ref()
            .is_some_and(|n| n.url.is_empty())
        {
            return Err(SessionError::InvalidRequest(
                "nextSession specified without url".to_owned(),
            ));
        }
        if !self.poster.signs() && !self.settings.allow_unsigned_callbacks {
            if !request.callback_url.is_empty() {
                return Err(SessionError::Unsupported(
                    "callbackUrl provided but no JWT private key is installed: either install JWT or enable allow_unsigned_callbacks in configuration",
                ));
            }
            if request.next_session.is_some() {
                return Err(SessionError::Unsupported(
                    "nextSession provided but no JWT private key is installed: either install JWT or enable allow_unsigned_callbacks in configuration",
                ));
            }
        }
        self.authorize(requestor, &request.request)?;
        self.launch(request, requestor, None).await
    }

    /// Checks that `requestor` may start `request`: its permissions and its `host`.
    pub(super) fn authorize(
        &self,
        requestor: Option<&str>,
        request: &SessionRequest,
    ) -> Result<(), SessionError> {
        self.settings.permissions.check(
            requestor.unwrap_or_default(),
            request,
            url_host(&self.settings.url),
        )
    }

    /// Starts a configured static session (`POST /irma/session/{name}`): no requestor and
    /// no permission check, as the reference, but its `host` must be the host of `url`
    /// (the reference does not check it); returns the session pointer.
    pub async fn start_static(
        &self,
        request: RequestorRequest,
    ) -> Result<SessionPointer, SessionError> {
        self.settings.permissions.check_host(
            "",
            &request.request.base().host,
            url_host(&self.settings.url),
        )?;
        Ok(self.launch(request, None, None).await?.session_ptr)
    }

    /// Completes, checks and stores a new session.
    pub(super) async fn launch(
        &self,
        mut request: RequestorRequest,
        requestor: Option<&str>,
        link: Option<ChainLink>,
    ) -> Result<SessionPackage, SessionError> {
        let base = request.request.base();
        if base.augment_return_url {
            if !self.settings.augment_client_return_url {
                return Err(SessionError::InvalidRequest(
                    "augmenting client return url not enabled in server configuration".to_owned(),
                ));
            }
            if base.client_return_url.is_empty() {
                return Err(SessionError::InvalidRequest(
                    "cannot augment empty client return url".to_owned(),
                ));
            }
        }
        if self.settings.production && !self.settings.allow_private_callbacks {
            refuse_internal_urls(&request).await?;
        }
        if request.validity == 0 {
            request.validity = DEFAULT_VALIDITY;
        }
        let state = self.scheme_state();
        complete_request(
            &mut request.request,
            &state.schemes,
            &self.settings.private_keys,
            &self.revocation,
            self.settings.production,
            self.now_secs(),
        )?;
        if let SessionRequest::Issuance(issuance) = &request.request {
            super::issue::prepare_issuance(&state.verifier, issuance);
        }
        let action = request.request.action();
        let pairing_hint = request.next_session.is_some()
            || match &request.request {
                SessionRequest::Disclosure(d) => d
                    .disclose
                    .iter()
                    .flatten()
                    .flatten()
                    .any(|a| a.value.is_some()),
                _ => true,
            };
        let requestor_token = RequestorToken::random()?;
        let app_token = AppToken::random()?;
        let (implicit_disclosure, frontend_auth) = match link {
            Some(link) => (link.implicit, link.frontend_auth),
            None => (Vec::new(), FrontendAuthorization::random()?),
        };
        let base = request.request.base_mut();
        if base.augment_return_url {
            let separator = if base.client_return_url.contains('?') {
                '&'
            } else {
                '?'
            };
            base.client_return_url = format!(
                "{}{separator}token={requestor_token}",
                base.client_return_url
            );
        }
        let url = session_url(&self.settings.url, &request.request.base().host, &app_token);
        let session = Session::new(
            NewSession {
                requestor_token: requestor_token.clone(),
                app_token,
                frontend_auth: frontend_auth.clone(),
                requestor: requestor.map(str::to_owned),
                request,
                implicit_disclosure,
            },
            self.now_ms(),
        );
        self.store.insert(session).await?;
        for observer in &self.observers {
            observer.started(action, requestor);
        }
        tracing::info!(session = ?requestor_token, action = action.as_str(), "session started");
        Ok(SessionPackage {
            session_ptr: SessionPointer { url, action },
            token: requestor_token,
            frontend_request: FrontendSessionRequest {
                authorization: frontend_auth,
                pairing_hint,
                min_protocol_version: ProtocolVersion::MIN_FRONTEND,
                max_protocol_version: ProtocolVersion::MAX_FRONTEND,
            },
        })
    }

    /// What `read` takes from a session (after applying its lifetime), without copying
    /// the session. `read` may run more than once (see [`Store::update`]).
    pub(super) async fn read<R>(
        &self,
        token: &RequestorToken,
        read: impl FnMut(&Session) -> R,
    ) -> Result<R, SessionError> {
        self.expire_one(token, self.now_ms(), read)
            .await?
            .ok_or(SessionError::Unknown)
    }

    /// The requestor token of a client token.
    async fn by_client(&self, client: &AppToken) -> Result<RequestorToken, SessionError> {
        self.store
            .requestor_token(client)
            .await?
            .ok_or(SessionError::Unknown)
    }

    /// The status of a session.
    pub async fn status(&self, token: &RequestorToken) -> Result<ServerStatus, SessionError> {
        self.read(token, Session::status).await
    }

    /// The requestor's result of a session.
    pub async fn result(&self, token: &RequestorToken) -> Result<SessionResult, SessionError> {
        self.read(token, Session::result).await
    }

    /// The result as the requestor gets it (legacy form for a legacy request) and the
    /// validity (seconds) the requestor asked for its JWT.
    pub async fn requestor_result(
        &self,
        token: &RequestorToken,
    ) -> Result<(RequestorResult, u64), SessionError> {
        self.read(token, |s| (s.requestor_result(), s.request().validity))
            .await
    }

    /// The result and the validity (seconds) the requestor asked for its JWT.
    pub async fn result_with_validity(
        &self,
        token: &RequestorToken,
    ) -> Result<(SessionResult, u64), SessionError> {
        self.read(token, |s| (s.result(), s.request().validity))
            .await
    }

    /// Cancels a session unless it finished (requestor `DELETE`).
    pub async fn cancel(&self, token: &RequestorToken) -> Result<(), SessionError> {
        self.read(token, |_| ()).await?;
        self.update(token, |s| {
            // Cancelling a finished session changes nothing, as the reference.
            let _ = s.cancel(self.now_ms());
        })
        .await
    }

    /// Subscribes to the status of a session: the receiver sees the current status and
    /// every change. Fails for finished sessions, as the reference.
    ///
    /// The channel is made on demand (the session may live on another instance) before
    /// the status is read, so no change in between is missed.
    pub async fn subscribe(
        &self,
        token: &RequestorToken,
    ) -> Result<watch::Receiver<ServerStatus>, SessionError> {
        let rx = self.channels.subscribe(token);
        let status = self.status(token).await?;
        if status.is_finished() {
            return Err(SessionError::UnexpectedRequest(
                "Can't subscribe to server sent events of finished session",
            ));
        }
        self.channels.publish(token, status);
        Ok(rx)
    }

    /// The requestor token behind a client token (for app-side subscriptions).
    pub async fn requestor_token(&self, client: &AppToken) -> Result<RequestorToken, SessionError> {
        self.by_client(client).await
    }

    /// The app's first message: negotiates the protocol version, binds the app's
    /// `Authorization` and returns the request (omitted while pairing).
    pub async fn app_get(
        &self,
        client: &AppToken,
        headers: ClientHeaders<'_>,
    ) -> Result<ClientSessionRequest<SessionRequest>, SessionError> {
        let token = self.by_client(client).await?;
        // The latest revocation updates go with the request when the app fetches it, not
        // when the session starts, so that they are as recent as can be (irmago
        // `handleGetClientRequest`). Fetched before the update, which cannot wait.
        let wanted = self
            .read(&token, |s| {
                let params = &s.request().request.base().revocation;
                (s.status() == ServerStatus::Initialized && !params.is_empty())
                    .then(|| params.clone())
            })
            .await?;
        let updates = match wanted {
            Some(params) => self.revocation_updates(params).await,
            None => Ok(None),
        };
        let min = parse_version_header(headers.min);
        let max = parse_version_header(headers.max);
        self.update(&token, |s| {
            if s.status() != ServerStatus::Initialized {
                return Err(SessionError::UnexpectedRequest("Session already started"));
            }
            let now = self.now_ms();
            let (min, max) = (min.clone()?, max.clone()?);
            let Some(version) = negotiate_app_version(min, max) else {
                fail(s, ErrorKind::ProtocolVersion, "", now);
                return Err(SessionError::ProtocolVersion);
            };
            let auth = headers.authorization.filter(|a| !a.is_empty());
            let Some(auth) = auth else {
                let message = "No authorization header provided";
                fail(s, ErrorKind::IrmaUnauthorized, message, now);
                return Err(SessionError::Unauthorized(message));
            };
            match &updates {
                Ok(Some(updates)) => s
                    .attach_revocation(updates.clone())
                    .map_err(|_| SessionError::UnexpectedRequest("Session already started"))?,
                Ok(None) => {}
                Err(message) => {
                    fail(s, ErrorKind::Revocation, message, now);
                    return Err(SessionError::Failed {
                        kind: ErrorKind::Revocation,
                        message: message.clone(),
                    });
                }
            }
            let status = s
                .connect(version, auth, now)
                .map_err(|_| SessionError::UnexpectedRequest("Session already started"))?;
            Ok(ClientSessionRequest {
                context: LD_CONTEXT_CLIENT_SESSION_REQUEST.to_owned(),
                protocol_version: version,
                options: s.options().clone(),
                request: (status == ServerStatus::Connected).then(|| s.request().request.for_app()),
            })
        })
        .await?
    }

    /// A request's (non-empty) nonrevocation parameters with the latest update of each
    /// credential type attached, or why they could not be had.
    async fn revocation_updates(
        &self,
        mut params: NonRevocationParameters,
    ) -> Result<Option<NonRevocationParameters>, String> {
        let state = self.scheme_state();
        match self
            .revocation
            .attach_updates(state.as_ref(), &mut params)
            .await
        {
            Ok(()) => Ok(Some(params)),
            Err(e) => {
                tracing::warn!(error = %e, "revocation updates for a session request");
                Err(e.to_string())
            }
        }
    }

    /// Checks the app's access to a connected session (the reference's pairing
    /// middleware) and returns its requestor token.
    pub async fn app_connected(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
    ) -> Result<RequestorToken, SessionError> {
        let token = self.by_client(client).await?;
        self.read(&token, |s| {
            match s.status() {
                ServerStatus::Pairing => return Err(SessionError::PairingRequired),
                ServerStatus::Connected => {}
                _ => {
                    return Err(SessionError::UnexpectedRequest(
                        "Session not yet started or already finished",
                    ));
                }
            }
            let bound = s.app_auth();
            if !bound.is_some_and(|b| same_secret(b, authorization.unwrap_or(""))) {
                return Err(SessionError::Unauthorized(""));
            }
            Ok(())
        })
        .await??;
        Ok(token)
    }

    /// The session request for the app after pairing (`GET …/request`).
    pub async fn app_request(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
    ) -> Result<SessionRequest, SessionError> {
        let token = self.app_connected(client, authorization).await?;
        self.read(&token, |s| s.request().request.for_app()).await
    }

    /// The app's proofs (`POST …/proofs`): a disclosure or an attribute-based signature.
    /// See `Sessions::app_message`.
    pub async fn app_proofs(
        self: &Arc<Self>,
        client: &AppToken,
        authorization: Option<&str>,
        body: impl MessageBody,
    ) -> Result<ServerSessionResponse, SessionError> {
        self.app_message(client, authorization, body, AppMessage::Proofs)
            .await
    }

    /// The app's issuance commitments (`POST …/commitments`): verified, then each
    /// credential is signed. See `Sessions::app_message`.
    pub async fn app_commitments(
        self: &Arc<Self>,
        client: &AppToken,
        authorization: Option<&str>,
        body: impl MessageBody,
    ) -> Result<ServerSessionResponse, SessionError> {
        self.app_message(client, authorization, body, AppMessage::Commitments)
            .await
    }

    /// The app's proofs or commitments. The first message to arrive claims the session
    /// ([`Session::claim`], one atomic step in the store); any other is refused at once,
    /// before its body is parsed, as the reference refuses a session in the wrong state.
    /// A message that finds the verification pool full is refused too (`TOO_MANY_REQUESTS`)
    /// and leaves the session alone. The claimed message is parsed and verified on a core
    /// of the pool (issuance: each credential signed) unless the session stopped waiting
    /// for it meanwhile; then the session ends DONE with the verdict (whatever it is), or
    /// CANCELLED when the message cannot be judged. A body that does not parse leaves the
    /// session alone. Once claimed, the message is handled to the end in a task of its own,
    /// even if the app hangs up. Returns the app's answer.
    async fn app_message(
        self: &Arc<Self>,
        client: &AppToken,
        authorization: Option<&str>,
        body: impl MessageBody,
        message: AppMessage,
    ) -> Result<ServerSessionResponse, SessionError> {
        let this = Arc::clone(self);
        let (client, authorization) = (client.clone(), authorization.map(str::to_owned));
        tokio::spawn(async move {
            let token = this
                .app_connected(&client, authorization.as_deref())
                .await?;
            let place = this.workers.place()?;
            let (claim, request) = this.claim(&token).await?;
            let judged = this
                .judge(&token, claim, place, request, body, message)
                .await;
            if judged.is_err() {
                // Unless the outcome was written, the session waits for another message.
                this.store.update(&token, |s| s.release(claim)).await?;
            }
            judged
        })
        .await
        .unwrap_or_else(|_| {
            Err(SessionError::Failed {
                kind: ErrorKind::Internal,
                message: String::new(),
            })
        })
    }

    /// The verification pool (for tests that fill it).
    #[cfg(test)]
    pub(super) fn workers(&self) -> &Workers {
        &self.workers
    }

    /// Claims the session for the app's message (see [`Session::claim`]); returns the
    /// claim and the request the message is checked against: with the attributes of
    /// earlier sessions of a chain appended.
    async fn claim(
        &self,
        token: &RequestorToken,
    ) -> Result<(ClaimId, SessionRequest), SessionError> {
        let id = ClaimId::random()?;
        let now = self.now_ms();
        let until = now.saturating_add(millis(CLAIM_HOLD));
        self.update(token, |s| {
            s.claim(id, now, until).map_err(|_| {
                SessionError::UnexpectedRequest("Session not yet started or already finished")
            })?;
            let mut request = s.request().request.clone();
            chain::append_implicit(&mut request, s.implicit_disclosure());
            Ok((id, request))
        })
        .await?
    }

    /// Verifies the claimed message on a core of the pool (unless the session stopped
    /// waiting for it), then writes the outcome.
    async fn judge(
        &self,
        token: &RequestorToken,
        claim: ClaimId,
        place: Place<'_>,
        request: SessionRequest,
        body: impl MessageBody,
        message: AppMessage,
    ) -> Result<ServerSessionResponse, SessionError> {
        let request = match (message, request) {
            (AppMessage::Proofs, SessionRequest::Issuance(_)) => {
                return Err(SessionError::InvalidRequest(String::new()));
            }
            (
                AppMessage::Commitments,
                SessionRequest::Disclosure(_) | SessionRequest::Signature(_),
            ) => {
                // The reference panics here (HTTP 500) and leaves the session as it was.
                return Err(SessionError::InvalidRequest(
                    "commitments are only accepted in issuance sessions".to_owned(),
                ));
            }
            (_, request) => request,
        };
        let core = place.core().await;
        // The session may have been cancelled or timed out while the message waited.
        if !self.read(token, |s| s.claimed_by(claim)).await? {
            return Err(SessionError::UnexpectedRequest(
                "Session not yet started or already finished",
            ));
        }
        let state = self.scheme_state();
        let now = self.now_secs();
        let (outcome, effort): Judged = match request {
            SessionRequest::Disclosure(request) => {
                outcome::disclosure(core, &state.verifier, request, body, now).await?
            }
            SessionRequest::Signature(request) => {
                outcome::signature(core, &state.verifier, &self.timestamps, request, body, now)
                    .await?
            }
            SessionRequest::Issuance(request) => {
                let keys = &state.issuer_keys;
                let revocation = Revocable {
                    service: Arc::clone(&self.revocation),
                    keys: state.clone(),
                    runtime: tokio::runtime::Handle::current(),
                };
                let now_ms = self.now_ms();
                outcome::issuance(
                    core,
                    &state.verifier,
                    keys,
                    Some(revocation),
                    request,
                    body,
                    now_ms,
                )
                .await?
            }
        };
        self.tell_effort(effort.as_ref());
        self.conclude_chained(token, claim, outcome).await
    }

    /// Writes the outcome of the app's message, if the session is still waiting for it
    /// (its claim holds), with the next session of a chain, if one was started.
    pub(super) async fn conclude(
        &self,
        token: &RequestorToken,
        claim: ClaimId,
        outcome: Outcome,
        next: Option<SessionPackage>,
    ) -> Result<ServerSessionResponse, SessionError> {
        self.update(token, |s| {
            let now = self.now_ms();
            if !s.claimed_by(claim) {
                return Err(SessionError::UnexpectedRequest(
                    "Session not yet started or already finished",
                ));
            }
            match outcome.clone() {
                Outcome::Done {
                    verdict,
                    signature,
                    mut answer,
                } => {
                    let next = next
                        .as_ref()
                        .map(|package| (package.token.clone(), package.session_ptr.clone()));
                    answer.next_session = next.as_ref().map(|(_, pointer)| pointer.clone());
                    s.conclude(
                        verdict.status,
                        disclosed_lists(verdict.disclosed),
                        signature,
                        next,
                        now,
                    )
                    .map_err(|_| {
                        SessionError::UnexpectedRequest(
                            "Session not yet started or already finished",
                        )
                    })?;
                    Ok(answer)
                }
                Outcome::Failed { kind, message } => {
                    tracing::warn!(session = ?s.requestor_token(), error = kind.name(), %message, "session failed");
                    fail(s, kind, &message, now);
                    Err(SessionError::Failed { kind, message })
                }
            }
        })
        .await?
    }

    /// The app cancels (`DELETE /irma/session/{ct}`).
    pub async fn app_cancel(&self, client: &AppToken) -> Result<(), SessionError> {
        let token = self.by_client(client).await?;
        self.cancel(&token).await
    }

    /// The status seen from the app side.
    pub async fn app_status(&self, client: &AppToken) -> Result<ServerStatus, SessionError> {
        let token = self.by_client(client).await?;
        self.status(&token).await
    }

    /// Checks the frontend's `Authorization` and returns the requestor token.
    pub async fn frontend(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
    ) -> Result<RequestorToken, SessionError> {
        let token = self.by_client(client).await?;
        let given = authorization.and_then(|a| FrontendAuthorization::parse(a).ok());
        if !self
            .read(&token, |s| given.as_ref() == Some(s.frontend_auth()))
            .await?
        {
            return Err(SessionError::Unauthorized(""));
        }
        Ok(token)
    }

    /// The frontend's status object.
    pub async fn frontend_status(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
    ) -> Result<FrontendSessionStatus, SessionError> {
        let token = self.frontend(client, authorization).await?;
        self.read(&token, |s| FrontendSessionStatus {
            status: s.status(),
            next_session: s.next_pointer().cloned(),
        })
        .await
    }

    /// The pointer of the next session of a chain, once started.
    pub async fn next_session(&self, token: &RequestorToken) -> Option<SessionPointer> {
        self.store
            .get(token)
            .await
            .ok()
            .flatten()
            .and_then(|s| s.next_pointer().cloned())
    }

    /// Checks that the app reached the session at the `host` its request names, if any
    /// (`Host` header); unknown sessions pass, for the caller to report.
    pub async fn check_host(
        &self,
        client: &AppToken,
        host: Option<&str>,
    ) -> Result<(), SessionError> {
        let Some(token) = self.store.requestor_token(client).await? else {
            return Ok(());
        };
        let refused = self
            .store
            .read(&token, |s| {
                let expected = &s.request().request.base().host;
                !expected.is_empty() && host != Some(expected.as_str())
            })
            .await?;
        if refused == Some(true) {
            return Err(SessionError::Forbidden("Host mismatch".to_owned()));
        }
        Ok(())
    }

    /// Sets the frontend options (pairing); only while INITIALIZED.
    pub async fn frontend_options(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
        request: FrontendOptionsRequest,
    ) -> Result<SessionOptions, SessionError> {
        let token = self.frontend(client, authorization).await?;
        let code = pairing_code()?;
        self.update(&token, |s| {
            let options = s.options_mut().map_err(|_| {
                SessionError::UnexpectedRequest(
                    "Frontend options can only be updated when session is in initialized state",
                )
            })?;
            match request.pairing_method {
                None => {}
                Some(PairingMethod::None) => {
                    options.pairing_method = PairingMethod::None;
                    options.pairing_code = String::new();
                }
                Some(PairingMethod::Pin) => {
                    options.pairing_method = PairingMethod::Pin;
                    options.pairing_code = code.clone();
                }
            }
            Ok(options.clone())
        })
        .await?
    }

    /// The frontend reports that pairing completed: PAIRING → CONNECTED.
    pub async fn pairing_completed(
        &self,
        client: &AppToken,
        authorization: Option<&str>,
    ) -> Result<(), SessionError> {
        let token = self.frontend(client, authorization).await?;
        self.update(&token, |s| {
            s.complete_pairing(self.now_ms())
                .map_err(|_| SessionError::UnexpectedRequest("Pairing was not enabled"))
        })
        .await?
    }

    /// Applies the lifetime rules to one session at `now` (unix ms): an unfinished session
    /// past its lifetime becomes TIMEOUT, a finished one past the result lifetime is
    /// removed. Returns what `read` takes from the session as it is afterwards, `None` if
    /// there is none.
    async fn expire_one<R>(
        &self,
        token: &RequestorToken,
        now: u64,
        mut read: impl FnMut(&Session) -> R,
    ) -> Result<Option<R>, SessionError> {
        let lifetimes = self.settings.lifetimes;
        let outcome = self
            .update(token, |s| {
                if now > lifetimes.deadline_ms(s) {
                    if s.status().is_finished() {
                        return None;
                    }
                    // Unfinished, so the state machine allows it.
                    let _ = s.time_out(now);
                }
                Some(read(s))
            })
            .await;
        match outcome {
            Ok(Some(s)) => Ok(Some(s)),
            Ok(None) | Err(SessionError::Unknown) => {
                self.store.remove(token).await?;
                self.channels.forget(token);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Applies the lifetime rules to every session that may be due, and forgets the
    /// status channels nobody follows any more.
    pub async fn expire_all(&self) -> Result<(), SessionError> {
        self.channels.prune();
        let now = self.now_ms();
        for token in self.store.due(now).await? {
            self.expire_one(&token, now, |_| ()).await?;
            // Many sessions can come due at once: let other tasks run in between.
            tokio::task::consume_budget().await;
        }
        Ok(())
    }
}

#[cfg(test)]
impl Sessions {
    /// Test hook: gives a session the nonce and context of a recorded one, so that the
    /// app's recorded messages can be replayed into it (see `session::tests`).
    pub(super) async fn set_nonce_for_test(
        &self,
        token: &RequestorToken,
        nonce: crate::crypto::bigint::Int,
        context: crate::crypto::bigint::Int,
    ) -> Result<(), SessionError> {
        self.update(token, |s| {
            let base = s.request_mut().request.base_mut();
            base.nonce = Some(nonce.clone());
            base.context = Some(context.clone());
        })
        .await
    }
}

/// The loaded schemes and what is built on them; replaced whole by a scheme update.
#[derive(Debug)]
struct SchemeState {
    schemes: Arc<Configuration>,
    /// One verifier for every session, caching the issuer public keys.
    verifier: SharedVerifier,
    /// The issuer private keys, parsed once.
    issuer_keys: Arc<IssuerKeys>,
}

impl SchemeState {
    fn new(
        schemes: Arc<Configuration>,
        private_keys: &PrivateKeyFolder,
        revocation: &Arc<Service>,
    ) -> Self {
        let knowledge: Arc<dyn crate::verifier::RevocationKnowledge> = revocation.clone();
        Self {
            verifier: Arc::new(Verifier::with_revocation(Arc::clone(&schemes), knowledge)),
            issuer_keys: Arc::new(IssuerKeys::new(Arc::clone(&schemes), private_keys.clone())),
            schemes,
        }
    }
}

impl Keys for SchemeState {
    fn schemes(&self) -> &Configuration {
        &self.schemes
    }

    fn public_key(
        &self,
        id: &crate::protocol::identifiers::PublicKeyId,
    ) -> Option<Arc<crate::crypto::idemix::PublicKey>> {
        self.verifier.public_key(id).ok()
    }

    fn private_key(
        &self,
        id: &crate::protocol::identifiers::PublicKeyId,
    ) -> Option<Arc<crate::crypto::idemix::PrivateKey>> {
        self.issuer_keys.private_key(id).ok()
    }
}

/// Cancels an unfinished session with only an error in its result (the reference's
/// `session.fail`); a finished one stays as it is.
pub(super) fn fail(s: &mut Session, kind: ErrorKind, message: &str, now: u64) {
    let _ = s.fail(kind.remote_error(message), now);
}

/// A protocol version header: missing → the reference's JSON parser message; the value is
/// read as JSON (a number or string) and then as `major.minor`.
fn parse_version_header(value: Option<&str>) -> Result<ProtocolVersion, SessionError> {
    let value = value.unwrap_or("").trim();
    if value.is_empty() {
        return Err(SessionError::MalformedInput(
            "unexpected end of JSON input".to_owned(),
        ));
    }
    let text = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        _ => value.to_owned(),
    };
    text.parse()
        .map_err(|e: crate::protocol::session::ProtocolVersionError| {
            SessionError::MalformedInput(e.to_string())
        })
}

/// A random 4-digit pairing code.
fn pairing_code() -> Result<String, SessionError> {
    let mut buf = [0u8; 4];
    getrandom::fill(&mut buf)?;
    Ok(format!("{:04}", u32::from_be_bytes(buf) % 10_000))
}

/// `<url>session/<clientToken>`, with the URL's host replaced by the request's `host`.
fn session_url(base: &str, host: &str, client: &AppToken) -> String {
    let url = format!("{base}session/{client}");
    if host.is_empty() {
        return url;
    }
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let path = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{scheme}://{host}{path}")
        }
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_headers() {
        assert_eq!(
            parse_version_header(Some("2.8")).unwrap(),
            ProtocolVersion::new(2, 8)
        );
        assert_eq!(
            parse_version_header(None).unwrap_err(),
            SessionError::MalformedInput("unexpected end of JSON input".into())
        );
        assert!(parse_version_header(Some("x")).is_err());
    }

    #[test]
    fn urls_and_codes() {
        let ct = AppToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            session_url("http://a:1/irma/", "", &ct),
            "http://a:1/irma/session/AAAAAAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            session_url("http://a:1/irma/", "b.nl", &ct),
            "http://b.nl/irma/session/AAAAAAAAAAAAAAAAAAAA"
        );
        let code = pairing_code().unwrap();
        assert_eq!(code.len(), 4);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }
}
