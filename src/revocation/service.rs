//! [`Service`]: a server's revocation component (irmago `RevocationStorage`), without HTTP.
//!
//! Every server has one. Per credential type it plays the role `revocation_settings` gives:
//!
//! - **authority**: creates the initial accumulator of every revocation-capable issuer key,
//!   stores issuance records (its own, and signed ones from other issuers), revokes by key
//!   ([`Service::revoke`]), re-signs its accumulators every minute so that verifiers can tell
//!   it is live, and pushes every change to `updateevents` subscribers;
//! - **server**: serves the updates it fetches from the authority;
//! - otherwise (a verifier or an issuer): fetches updates when a session needs them
//!   ([`Service::attach_updates`], [`Service::issuance_accumulator`]), or follows the
//!   authority's event stream (`sse`), and sends issuance records to the authority.
//!
//! State lives in a [`Store`]: the configured SQL database, or an in-memory SQLite database
//! (the reference's memory storage). Times come from the engine's [`Clock`]; keys and
//! credential types from the current schemes ([`Keys`]), which a scheme update may replace.
//!
//! Differences from the reference, on purpose: a revocation is pushed on `updateevents` as
//! an update with its events (the reference pushes only the periodic re-signing, which a
//! follower cannot apply after a revocation); a follower that cannot apply a push fetches
//! instead of keeping stale state; a pushed update counts as a successful fetch.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use num_bigint::BigUint;
use tokio::sync::{OnceCell, broadcast};

use super::client::{Client, FetchError};
use super::record::IssuanceRecord;
use super::store::{Store, StoreError, UpdateHead};
use crate::config::{DEFAULT_TOLERANCE, RevocationSettings};
use crate::crypto::idemix::{PrivateKey, PublicKey};
use crate::crypto::revocation::{
    Accumulator, EventList, RevocationError, SignedAccumulator, SignedMessage, Update, Updates,
    signed,
};
use crate::protocol::identifiers::{CredentialTypeId, IssuerId, PublicKeyId};
use crate::protocol::request::NonRevocationParameters;
use crate::scheme::{Configuration, CredentialType};
use crate::session::clock::Clock;

/// Events per `events/{from}/{to}` block; `from` and `to` are multiples of it (irmago
/// `RevocationParameters.UpdateMinCount`).
pub const EVENT_BLOCK: u64 = 16;
/// How often an authority re-signs its accumulators (irmago `AccumulatorUpdateInterval`).
pub const RESIGN_INTERVAL: Duration = Duration::from_secs(60);
/// How often expired issuance records are deleted (irmago `DeleteIssuanceRecordsInterval`).
pub const DELETE_INTERVAL: Duration = Duration::from_secs(5 * 60 * 60);
/// How often a non-authority refreshes state older than half its tolerance (irmago
/// `RequestorUpdateInterval`, 10 s).
pub const SYNC_INTERVAL: Duration = Duration::from_secs(10);
/// How long a follower waits before reconnecting to an event stream.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// The longest wait between reconnects.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// The issuer keys and credential types of the schemes in use.
pub trait Keys: Send + Sync {
    /// The schemes.
    fn schemes(&self) -> &Configuration;
    /// The parsed public key `id`.
    fn public_key(&self, id: &PublicKeyId) -> Option<Arc<PublicKey>>;
    /// The parsed private key `id`, if this server has it.
    fn private_key(&self, id: &PublicKeyId) -> Option<Arc<PrivateKey>>;
}

/// Why a revocation operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The storage failed (or has no state, or no such issuance record).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The revocation server did not give what was asked.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A signature, accumulator or event chain does not verify.
    #[error(transparent)]
    Crypto(#[from] RevocationError),
    /// The credential type is not in the schemes.
    #[error("unknown credential type {0}")]
    UnknownCredentialType(CredentialTypeId),
    /// The credential type has no revocation attribute.
    #[error("credential type {0} does not support revocation")]
    NotSupported(CredentialTypeId),
    /// Only the authority may do this.
    #[error("this server is not the revocation authority of {0}")]
    NotAuthority(CredentialTypeId),
    /// The public key is not in the schemes or has no revocation material.
    #[error("unknown public key: {0}")]
    UnknownPublicKey(PublicKeyId),
    /// No revocation-capable private key for this key.
    #[error("no private key with revocation support for {0}")]
    NoPrivateKey(PublicKeyId),
    /// An `events` interval that is not a run of whole blocks.
    #[error("illegal update interval")]
    IllegalInterval,
    /// An update that does not continue the stored chain.
    #[error("revocation update does not align with stored hash chain")]
    Unaligned,
    /// A first update without the event its accumulator refers to.
    #[error("accumulator refers to unknown revocation event index")]
    UnknownEvent,
    /// No update could be fetched and none is known.
    #[error("no revocation state of {cred} is known and fetching it failed: {source}")]
    NoState {
        /// The credential type.
        cred: CredentialTypeId,
        /// Why fetching failed.
        source: FetchError,
    },
    /// An issuance record for another credential type than the endpoint's.
    #[error("issuance record of wrong credential type")]
    WrongRecord,
    /// An issuance record that is not signed by the issuer key it names.
    #[error("issuance record not signed by the issuer: {0}")]
    RecordSignature(String),
    /// The authority of a credential type has no revocation-capable private key of its
    /// issuer (irmago `prepareRevocation`).
    #[error("revocation server mode enabled for {0} but no private key installed")]
    AuthorityWithoutKey(CredentialTypeId),
    /// A revocation-capable private key of a non-demo issuer without a revocation server to
    /// send issuance records to (irmago `verifyRevocation`).
    #[error(
        "Revocation-supporting private key installed for {0}, but no revocation server is configured: issuance sessions will always fail"
    )]
    NoRevocationServer(CredentialTypeId),
}

/// The revocation component of a server. Shared (`Arc`) by the engine, the HTTP handlers and
/// the background tasks.
#[derive(Debug)]
pub struct Service {
    /// Per credential type (as the schemes spell it), its configured role.
    types: BTreeMap<CredentialTypeId, RevocationSettings>,
    /// The database; opened (in memory) on first use when none was given.
    store: OnceCell<Store>,
    client: Client,
    clock: Clock,
    /// Per credential type, up to when (unix ms) this server knows its state to be current:
    /// its last successful fetch or push (irmago `RevocationSetting.updated`).
    updated: Mutex<HashMap<CredentialTypeId, u64>>,
    /// Updates for `updateevents` subscribers.
    pushes: broadcast::Sender<(CredentialTypeId, Update)>,
}

impl Service {
    /// A service for the configured `types` on `store` (an in-memory database when `None`),
    /// reading time from `clock`.
    pub fn new(
        types: BTreeMap<CredentialTypeId, RevocationSettings>,
        store: Option<Store>,
        clock: Clock,
    ) -> Self {
        let (pushes, _) = broadcast::channel(64);
        Self {
            types,
            store: store.map_or_else(OnceCell::new, |s| OnceCell::new_with(Some(s))),
            client: Client::new(),
            clock,
            updated: Mutex::new(HashMap::new()),
            pushes,
        }
    }

    /// The settings of `cred` (the defaults when none are configured).
    pub fn settings(&self, cred: &CredentialTypeId) -> RevocationSettings {
        self.types.get(cred).cloned().unwrap_or_default()
    }

    /// The configured credential types and their settings.
    pub fn types(&self) -> &BTreeMap<CredentialTypeId, RevocationSettings> {
        &self.types
    }

    /// Whether this server serves the updates of `cred` (`server` or `authority`).
    pub fn serves(&self, cred: &CredentialTypeId) -> bool {
        self.types.get(cred).is_some_and(|s| s.server)
    }

    /// Whether this server is the authority of `cred`.
    pub fn is_authority(&self, cred: &CredentialTypeId) -> bool {
        self.types.get(cred).is_some_and(|s| s.authority)
    }

    /// Closes the database connections.
    pub async fn close(&self) {
        if let Some(store) = self.store.get() {
            store.close().await;
        }
    }

    async fn store(&self) -> Result<&Store, StoreError> {
        self.store.get_or_try_init(Store::memory).await
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    fn now_ns(&self) -> i64 {
        i64::try_from(self.clock.now_ms())
            .unwrap_or(i64::MAX / 1_000_000)
            .saturating_mul(1_000_000)
    }

    /// When `cred`'s state was last known current, if ever.
    pub fn updated(&self, cred: &CredentialTypeId) -> Option<i64> {
        self.updated_ms(cred)
            .map(|ms| i64::try_from(ms / 1000).unwrap_or(i64::MAX))
    }

    fn updated_ms(&self, cred: &CredentialTypeId) -> Option<u64> {
        self.updated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(cred)
            .copied()
    }

    fn mark_updated(&self, cred: &CredentialTypeId) {
        let now = self.clock.now_ms();
        self.updated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cred.clone(), now);
    }

    /// The tolerance of `cred` when a request gives none.
    pub fn tolerance(&self, cred: &CredentialTypeId) -> u64 {
        self.types
            .get(cred)
            .map_or(DEFAULT_TOLERANCE, RevocationSettings::tolerance)
    }

    /// Subscribes to the updates this server pushes (authority changes and re-signings).
    pub fn subscribe(&self) -> broadcast::Receiver<(CredentialTypeId, Update)> {
        self.pushes.subscribe()
    }

    fn push(&self, cred: &CredentialTypeId, update: Update) {
        // No subscriber is not an error.
        let _ = self.pushes.send((cred.clone(), update));
    }

    /// Checks the settings against the issuer keys as the reference does at start (irmago
    /// `verifyRevocation`), without touching the database: an authority needs a
    /// revocation-capable private key of its issuer; such a key of a credential type that
    /// has neither `server` nor `revocation_server_url` is an error, or a warning (returned)
    /// in a demo scheme.
    pub fn check_keys(&self, keys: &dyn Keys) -> Result<Vec<String>, ServiceError> {
        for (cred, _) in self.types.iter().filter(|(_, s)| s.authority) {
            if revocation_private_keys(keys, &cred.issuer()).is_empty() {
                return Err(ServiceError::AuthorityWithoutKey(cred.clone()));
            }
        }
        let mut warnings = Vec::new();
        let schemes = keys.schemes();
        for ct in schemes.credential_types() {
            if !ct.revocation_supported()
                || revocation_private_keys(keys, &ct.id.issuer()).is_empty()
            {
                continue;
            }
            let settings = self.types.get(&ct.id);
            if settings.is_some_and(|s| s.server || s.url.is_some()) {
                continue;
            }
            let problem = ServiceError::NoRevocationServer(ct.id.clone());
            let demo = schemes
                .scheme(&ct.id.issuer().scheme())
                .is_some_and(|s| s.description.demo);
            if !demo {
                return Err(problem);
            }
            warnings.push(problem.to_string());
        }
        Ok(warnings)
    }

    // ---- the authority -------------------------------------------------------------------

    /// Creates the initial accumulator of every revocation-capable private key of each
    /// credential type this server is the authority of, where none exists yet (irmago
    /// `prepareRevocation` / `EnableRevocation`); returns what was created, for the log.
    pub async fn enable(&self, keys: &dyn Keys) -> Result<Vec<String>, ServiceError> {
        let mut created = Vec::new();
        for (cred, _) in self.types.iter().filter(|(_, s)| s.authority) {
            let issuer = cred.issuer();
            for (id, sk) in revocation_private_keys(keys, &issuer) {
                let store = self.store().await?;
                if store.exists(cred, id.counter).await? {
                    continue;
                }
                let update = Accumulator::initial(&sk, self.now())?;
                store
                    .append_update(cred, |heads| {
                        // Another instance sharing the database may have been first.
                        Ok::<_, ServiceError>(if heads.contains_key(&id.counter) {
                            BTreeMap::new()
                        } else {
                            BTreeMap::from([(id.counter, update)])
                        })
                    })
                    .await??;
                created.push(format!(
                    "created the initial accumulator of {cred} for key {id}"
                ));
            }
        }
        Ok(created)
    }

    /// Re-signs the accumulators of every credential type this server is the authority of
    /// with the current time, and pushes them (irmago `updateAccumulatorTimes`).
    pub async fn resign(&self, keys: &dyn Keys) -> Result<(), ServiceError> {
        let now = self.now();
        for (cred, _) in self.types.iter().filter(|(_, s)| s.authority) {
            let mut signed = BTreeMap::new();
            self.store()
                .await?
                .append_update(cred, |heads| {
                    for (counter, head) in heads {
                        let (pk, sk) = revocation_key_pair(keys, cred, counter)?;
                        let mut acc = head.signed_accumulator.verify(&pk)?;
                        acc.time = now;
                        signed.insert(counter, Update::new(&sk, &acc, Vec::new())?);
                    }
                    Ok::<_, ServiceError>(signed.clone())
                })
                .await??;
            self.mark_updated(cred);
            for update in signed.into_values() {
                self.push(cred, update);
            }
        }
        Ok(())
    }

    /// Revokes the credentials of `cred` issued with revocation key `key` (only the one
    /// issued at `issued`, ns, when given): marks their issuance records and removes their
    /// revocation attributes from the accumulators in one transaction, then pushes the new
    /// updates (irmago `Revoke`).
    pub async fn revoke(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        key: &str,
        issued: Option<i64>,
    ) -> Result<(), ServiceError> {
        if !self.is_authority(cred) {
            return Err(ServiceError::NotAuthority(cred.clone()));
        }
        let (now, now_ns) = (self.now(), self.now_ns());
        let updates = self
            .store()
            .await?
            .revoke(cred, key, issued, |records, heads| {
                remove_records(keys, cred, records, heads, now, now_ns)
            })
            .await??;
        for update in updates.into_values() {
            self.push(cred, update);
        }
        Ok(())
    }

    /// Checks and stores an issuance record another issuer sent, signed with the ECDSA key of
    /// its issuer key `counter` (irmago `handleRevocationPostIssuanceRecord`).
    pub async fn receive_issuance_record(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        counter: u32,
        message: &[u8],
    ) -> Result<(), ServiceError> {
        let id = PublicKeyId {
            issuer: cred.issuer(),
            counter,
        };
        let pk = revocation_public_key(keys, &id)?;
        let verifying = signed::verifying_key(&pk).map_err(RevocationError::from)?;
        let record: IssuanceRecord = SignedMessage::from_bytes(message.to_vec())
            .verify(&verifying)
            .map_err(|e| ServiceError::RecordSignature(e.to_string()))?;
        if record.cred_type != *cred || record.pk_counter != counter {
            return Err(ServiceError::WrongRecord);
        }
        Ok(self.store().await?.add_issuance_record(&record).await?)
    }

    /// Deletes the issuance records of expired credentials; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, ServiceError> {
        Ok(self
            .store()
            .await?
            .delete_expired_issuance_records(self.now_ns())
            .await?)
    }

    // ---- serving updates -----------------------------------------------------------------

    /// The latest update of each key of `cred` (only of key `counter`, when given) with its
    /// last `count` events (all when 0), verified (irmago `LatestUpdates`).
    pub async fn latest_updates(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        count: u64,
        counter: Option<u32>,
    ) -> Result<Updates, ServiceError> {
        Ok(self
            .latest_updates_dated(keys, cred, count, counter)
            .await?
            .0)
    }

    /// [`Service::latest_updates`] with the time (unix seconds) of the oldest accumulator
    /// among them, if any: when the next re-signing is due, for caches.
    pub async fn latest_updates_dated(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        count: u64,
        counter: Option<u32>,
    ) -> Result<(Updates, Option<i64>), ServiceError> {
        let updates = self
            .store()
            .await?
            .latest_updates(cred, counter, count)
            .await?;
        let mut oldest: Option<i64> = None;
        for (&c, update) in &updates {
            let pk = revocation_public_key(
                keys,
                &PublicKeyId {
                    issuer: cred.issuer(),
                    counter: c,
                },
            )?;
            let time = update.signed_accumulator.verify(&pk)?.time;
            oldest = Some(oldest.map_or(time, |o| o.min(time)));
        }
        Ok((updates, oldest))
    }

    /// The events of key `counter` with `from ≤ index < to`, for whole blocks only (irmago
    /// `Events`).
    pub async fn events(
        &self,
        cred: &CredentialTypeId,
        counter: u32,
        from: u64,
        to: u64,
    ) -> Result<EventList, ServiceError> {
        if from >= to || !from.is_multiple_of(EVENT_BLOCK) || !to.is_multiple_of(EVENT_BLOCK) {
            return Err(ServiceError::IllegalInterval);
        }
        let events = self.store().await?.events(cred, counter, from, to).await?;
        Ok(EventList::new(events).map_err(|_| StoreError::Corrupt("event chain"))?)
    }

    // ---- verifiers and issuers -----------------------------------------------------------

    /// Verifies `update` and stores what it adds to the chain of its key (irmago
    /// `AddUpdate`): the events after the stored head, or only the re-signed accumulator. An
    /// older accumulator than the stored one changes nothing. A revocation server (`server`)
    /// passes an update that changed something on to the followers of its own `updateevents`
    /// stream, which the reference leaves to the authority alone (there they would only learn
    /// of it on their next fetch).
    pub async fn add_update(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        update: &Update,
    ) -> Result<(), ServiceError> {
        let counter = update.signed_accumulator.pk_counter;
        let pk = revocation_public_key(
            keys,
            &PublicKeyId {
                issuer: cred.issuer(),
                counter,
            },
        )?;
        let acc = update.verify(&pk)?;
        let mut changed = false;
        self.store()
            .await?
            .append_update(cred, |heads| {
                let new = new_part(&pk, heads.get(&counter), &acc, update)?;
                changed = !new.is_empty();
                Ok::<_, ServiceError>(new)
            })
            .await??;
        if changed && self.serves(cred) && !self.is_authority(cred) {
            self.push(cred, update.clone());
        }
        Ok(())
    }

    /// Fetches the latest updates of `cred` from its revocation server and stores them
    /// (irmago `SyncDB`); an authority has nothing to fetch.
    pub async fn sync(&self, keys: &dyn Keys, cred: &CredentialTypeId) -> Result<(), ServiceError> {
        if self.is_authority(cred) {
            return Ok(());
        }
        let ct = credential_type(keys.schemes(), cred)?;
        let urls = self.urls(ct)?;
        let updates = self
            .client
            .latest_updates(&urls, cred, ct.revocation_update_count)
            .await?;
        for update in updates.values() {
            if let Err(e) = self.add_update(keys, cred, update).await {
                // A gap longer than the events sent: all events from the server close it.
                tracing::info!(credtype = %cred, error = %e, "fetching all revocation events");
                let all = self.client.latest_updates(&urls, cred, 0).await?;
                for update in all.values() {
                    self.add_update(keys, cred, update).await?;
                }
                break;
            }
        }
        self.mark_updated(cred);
        Ok(())
    }

    /// [`Service::sync`] when the state of `cred` was last known current more than `max_age`
    /// seconds ago (irmago `SyncIfOld`).
    pub async fn sync_if_old(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        max_age: u64,
    ) -> Result<(), ServiceError> {
        // In ms, as the reference compares times in ns: a maximum age of 0 (a tolerance of
        // 1 s) always fetches.
        let now = self.clock.now_ms();
        let old = self
            .updated_ms(cred)
            .is_none_or(|at| at.saturating_add(max_age.saturating_mul(1000)) <= now);
        if old {
            self.sync(keys, cred).await?;
        }
        Ok(())
    }

    /// Attaches the latest updates of each credential type a request asks nonrevocation
    /// proofs of, fetching them first when the copy here is older than half the tolerance
    /// (irmago `SetRevocationUpdates`). A failed fetch with an older copy at hand is only
    /// logged; without any, the session cannot offer what the requestor asked.
    pub async fn attach_updates(
        &self,
        keys: &dyn Keys,
        params: &mut NonRevocationParameters,
    ) -> Result<(), ServiceError> {
        for (cred, request) in &mut params.0 {
            let ct = credential_type(keys.schemes(), cred)?;
            if !ct.revocation_supported() {
                return Err(ServiceError::NotSupported(cred.clone()));
            }
            let tolerance = match request.tolerance {
                0 => self.tolerance(cred),
                t => t,
            };
            if let Err(e) = self.sync_if_old(keys, cred, tolerance / 2).await {
                match self.updated(cred) {
                    Some(at) => tracing::warn!(
                        credtype = %cred,
                        error = %e,
                        "failed to fetch revocation updates; nonrevocation is guaranteed only until {}s ago",
                        self.now() - at
                    ),
                    None => {
                        let source = match e {
                            ServiceError::Fetch(f) => f,
                            other => return Err(other),
                        };
                        return Err(ServiceError::NoState {
                            cred: cred.clone(),
                            source,
                        });
                    }
                }
            }
            request.updates = self
                .latest_updates(keys, cred, ct.revocation_update_count, None)
                .await?;
        }
        Ok(())
    }

    /// The current accumulator of `cred` under key `counter`, fetched first from the
    /// authority unless this is it, to issue a witness against (irmago `computeWitness`).
    pub async fn issuance_accumulator(
        &self,
        keys: &dyn Keys,
        cred: &CredentialTypeId,
        counter: u32,
    ) -> Result<(Accumulator, SignedAccumulator), ServiceError> {
        self.sync(keys, cred).await?;
        let id = PublicKeyId {
            issuer: cred.issuer(),
            counter,
        };
        let updates = self.latest_updates(keys, cred, 1, Some(counter)).await?;
        let update = updates
            .get(&counter)
            .ok_or(ServiceError::Store(StoreError::StateNotFound))?;
        let pk = revocation_public_key(keys, &id)?;
        let acc = update.signed_accumulator.verify(&pk)?;
        Ok((acc, update.signed_accumulator.clone()))
    }

    /// Keeps the issuance record of a credential just issued: stored here by the authority,
    /// else signed with the issuer's ECDSA key and sent to the authority (irmago
    /// `SaveIssuanceRecord`).
    pub async fn save_issuance_record(
        &self,
        keys: &dyn Keys,
        record: &IssuanceRecord,
        sk: &PrivateKey,
    ) -> Result<(), ServiceError> {
        let cred = &record.cred_type;
        if self.is_authority(cred) {
            return Ok(self.store().await?.add_issuance_record(record).await?);
        }
        let ct = credential_type(keys.schemes(), cred)?;
        let urls = self.urls(ct)?;
        let signing = signed::signing_key(sk).map_err(RevocationError::from)?;
        let message = SignedMessage::sign(&signing, record);
        let mut last = FetchError::NoServer(cred.clone());
        for url in &urls {
            match self
                .client
                .post_issuance_record(url, cred, record.pk_counter, &message)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last.into())
    }

    /// Follows the `updateevents` stream of the revocation server of `cred` for as long as
    /// the task runs, storing every pushed update; reconnects when the stream breaks and
    /// fetches when a push does not fit (a missed one). `keys` gives the current schemes.
    pub async fn follow(&self, keys: impl Fn() -> Arc<dyn Keys>, cred: CredentialTypeId) {
        let mut delay = RECONNECT_DELAY;
        loop {
            let urls = credential_type(keys().schemes(), &cred).and_then(|ct| self.urls(ct));
            let stream = match &urls {
                Ok(urls) => match urls.first() {
                    Some(url) => self.client.update_events(url, &cred).await,
                    None => Err(FetchError::NoServer(cred.clone())),
                },
                Err(e) => {
                    tracing::warn!(credtype = %cred, error = %e, "cannot follow revocation updates");
                    return;
                }
            };
            match stream {
                Ok(mut stream) => {
                    delay = RECONNECT_DELAY;
                    tracing::info!(credtype = %cred, "following revocation updates");
                    // Anything missed while not connected.
                    let keys_now = keys();
                    if let Err(e) = self.sync(keys_now.as_ref(), &cred).await {
                        tracing::warn!(credtype = %cred, error = %e, "revocation sync failed");
                    }
                    while let Some(update) = stream.next().await {
                        let keys_now = keys();
                        let applied = match self.add_update(keys_now.as_ref(), &cred, &update).await
                        {
                            Ok(()) => Ok(()),
                            Err(e) => {
                                tracing::info!(credtype = %cred, error = %e, "pushed update does not fit; fetching");
                                self.sync(keys_now.as_ref(), &cred).await
                            }
                        };
                        match applied {
                            Ok(()) => self.mark_updated(&cred),
                            Err(e) => {
                                tracing::warn!(credtype = %cred, error = %e, "failed to apply pushed update");
                            }
                        }
                    }
                    tracing::info!(credtype = %cred, "revocation update stream ended; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(credtype = %cred, error = %e, "cannot follow revocation updates; retrying");
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RECONNECT_DELAY);
        }
    }

    /// Where updates of a credential type come from: `revocation_server_url`, else the
    /// scheme's `RevocationServers` (irmago `updateURL`).
    fn urls(&self, ct: &CredentialType) -> Result<Vec<String>, ServiceError> {
        if let Some(url) = self.types.get(&ct.id).and_then(|s| s.url.clone()) {
            return Ok(vec![url]);
        }
        if !ct.revocation_supported() {
            return Err(ServiceError::NotSupported(ct.id.clone()));
        }
        Ok(ct.revocation_servers.clone())
    }
}

impl crate::verifier::RevocationKnowledge for Service {
    fn tolerance(&self, cred: &CredentialTypeId) -> u64 {
        Service::tolerance(self, cred)
    }

    fn updated(&self, cred: &CredentialTypeId) -> Option<i64> {
        Service::updated(self, cred)
    }
}

fn credential_type<'a>(
    schemes: &'a Configuration,
    cred: &CredentialTypeId,
) -> Result<&'a CredentialType, ServiceError> {
    schemes
        .credential_type(cred)
        .ok_or_else(|| ServiceError::UnknownCredentialType(cred.clone()))
}

/// Public key `id` if it has revocation material (irmago `RevocationKeys.PublicKey`).
fn revocation_public_key(
    keys: &dyn Keys,
    id: &PublicKeyId,
) -> Result<Arc<PublicKey>, ServiceError> {
    keys.public_key(id)
        .filter(|pk| pk.revocation_supported())
        .ok_or_else(|| ServiceError::UnknownPublicKey(id.clone()))
}

/// The key pair of `cred`'s issuer with counter `counter`, both with revocation material.
fn revocation_key_pair(
    keys: &dyn Keys,
    cred: &CredentialTypeId,
    counter: u32,
) -> Result<(Arc<PublicKey>, Arc<PrivateKey>), ServiceError> {
    let id = PublicKeyId {
        issuer: cred.issuer(),
        counter,
    };
    let pk = revocation_public_key(keys, &id)?;
    let sk = keys
        .private_key(&id)
        .filter(|sk| sk.revocation_supported())
        .ok_or(ServiceError::NoPrivateKey(id))?;
    Ok((pk, sk))
}

/// The revocation-capable private keys of `issuer` this server has, by public key.
pub fn revocation_private_keys(
    keys: &dyn Keys,
    issuer: &IssuerId,
) -> Vec<(PublicKeyId, Arc<PrivateKey>)> {
    keys.schemes()
        .public_key_counters(issuer)
        .into_iter()
        .map(|counter| PublicKeyId {
            issuer: issuer.clone(),
            counter,
        })
        .filter_map(|id| {
            let sk = keys.private_key(&id)?;
            sk.revocation_supported().then_some((id, sk))
        })
        .collect()
}

/// The updates that revoke `records` on top of `heads`: per record its `e` removed from the
/// accumulator of its key, each event after the last (irmago `Revoke`'s handler); the
/// records are marked revoked at `now_ns`.
fn remove_records(
    keys: &dyn Keys,
    cred: &CredentialTypeId,
    records: &mut [IssuanceRecord],
    heads: BTreeMap<u32, UpdateHead>,
    now: i64,
    now_ns: i64,
) -> Result<BTreeMap<u32, Update>, ServiceError> {
    // Per key: the accumulator so far and the events added after the head.
    let mut chains: BTreeMap<u32, (Accumulator, crate::crypto::revocation::Event, Vec<_>)> =
        BTreeMap::new();
    for record in records.iter_mut() {
        let counter = record.pk_counter;
        let (pk, sk) = revocation_key_pair(keys, cred, counter)?;
        let (acc, parent, events) = match chains.entry(counter) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let head = heads
                    .get(&counter)
                    .ok_or(ServiceError::Store(StoreError::StateNotFound))?;
                let acc = head.signed_accumulator.verify(&pk)?;
                e.insert((acc, head.latest_event.clone(), Vec::new()))
            }
        };
        let (next, event) = acc.remove(&sk, record.e(), parent, now)?;
        *acc = next;
        *parent = event.clone();
        events.push(event);
        record.revoked_at = now_ns;
    }
    let mut updates = BTreeMap::new();
    for (counter, (acc, _, events)) in chains {
        let (_, sk) = revocation_key_pair(keys, cred, counter)?;
        updates.insert(counter, Update::new(&sk, &acc, events)?);
    }
    Ok(updates)
}

/// What an update adds to a stored chain (`head`, if any): the events after the head, or
/// none when it only re-signs the head; `None` stores nothing (irmago `AddUpdate`'s
/// handler).
fn new_part(
    pk: &PublicKey,
    head: Option<&UpdateHead>,
    acc: &Accumulator,
    update: &Update,
) -> Result<BTreeMap<u32, Update>, ServiceError> {
    let counter = update.signed_accumulator.pk_counter;
    let Some(head) = head else {
        if update.events.is_empty() {
            return Err(ServiceError::UnknownEvent);
        }
        return Ok(BTreeMap::from([(counter, update.clone())]));
    };
    let stored = head.signed_accumulator.verify(pk)?;
    let latest = head.latest_event.index;
    if latest > acc.index || (latest == acc.index && stored.time >= acc.time) {
        // Older than, or the same as, what is stored.
        return Ok(BTreeMap::new());
    }
    let new: Vec<_> = update
        .events
        .events()
        .iter()
        .filter(|e| e.index > latest)
        .cloned()
        .collect();
    match new.first() {
        Some(first) if first.index != latest + 1 => return Err(ServiceError::Unaligned),
        Some(first) if first.parent_hash != stored.event_hash => {
            return Err(ServiceError::Unaligned);
        }
        Some(_) => {}
        None => {
            // Only a new signature: it must be over the stored head.
            let same = Update {
                signed_accumulator: update.signed_accumulator.clone(),
                events: EventList::new(vec![head.latest_event.clone()])?,
            };
            same.verify(pk)?;
        }
    }
    Ok(BTreeMap::from([(
        counter,
        Update {
            signed_accumulator: update.signed_accumulator.clone(),
            events: EventList::new(new)?,
        },
    )]))
}

/// The issuance record of a credential issued at `issued_ns` with revocation attribute `e`.
pub fn issuance_record(
    cred: &CredentialTypeId,
    key: &str,
    counter: u32,
    e: &BigUint,
    issued_ns: i64,
    valid_until_s: i64,
) -> IssuanceRecord {
    IssuanceRecord {
        key: key.to_owned(),
        cred_type: cred.clone(),
        issued: issued_ns,
        pk_counter: counter,
        attr: crate::crypto::bigint::Int(e.clone()),
        valid_until: valid_until_s.saturating_mul(1_000_000_000),
        revoked_at: 0,
    }
}
