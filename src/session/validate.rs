//! Checks a new session request against the loaded schemes and completes it as the
//! reference does (irmago `irmaserver.StartSession` and `validateIssuanceRequest`):
//! known identifiers, issuer keys present and valid, default credential validity, latest
//! key counter, revocable credential types only with a `revocationKey` and a revocation
//! server, and the server's own nonce, context and devMode.

use std::path::{Path, PathBuf};

use num_bigint::BigUint;

use super::error::SessionError;
use crate::crypto::bigint::Int;
use crate::protocol::attributes::default_validity;
use crate::protocol::identifiers::{IssuerId, PublicKeyId};
use crate::protocol::messages::AttributeOrCredential;
use crate::protocol::request::{CredentialRequest, SessionRequest};
use crate::revocation::Service;
use crate::scheme::Configuration;

/// Where issuer private keys may be found besides `<scheme>/<issuer>/PrivateKeys/`.
#[derive(Debug, Clone, Default)]
pub struct PrivateKeyFolder(pub Option<PathBuf>);

impl PrivateKeyFolder {
    /// Whether a private key for this public key is present: in the scheme, or in the
    /// folder as `scheme.issuer.counter.xml` (or `scheme.issuer.xml`).
    pub fn has_key(&self, schemes: &Configuration, id: &PublicKeyId) -> bool {
        if schemes.private_key_path(id).is_some() {
            return true;
        }
        let Some(dir) = &self.0 else {
            return false;
        };
        let with_counter = dir.join(format!("{}.{}.xml", id.issuer, id.counter));
        let without = dir.join(format!("{}.xml", id.issuer));
        is_file(&with_counter) || is_file(&without)
    }
}

fn is_file(p: &Path) -> bool {
    p.is_file()
}

/// Validates `request` against `schemes` and the revocation settings of `revocation`, and
/// completes it for a session started at unix time `now`.
pub fn complete_request(
    request: &mut SessionRequest,
    schemes: &Configuration,
    keys: &PrivateKeyFolder,
    revocation: &Service,
    production: bool,
    now: i64,
) -> Result<(), SessionError> {
    request
        .validate()
        .map_err(|e| SessionError::InvalidRequest(e.to_string()))?;
    for attr in request.disclosure().disclose.iter().flatten().flatten() {
        let known = match &attr.id {
            AttributeOrCredential::Attribute(id) => schemes.attribute_type(id).is_some(),
            AttributeOrCredential::Credential(id) => schemes.credential_type(id).is_some(),
        };
        if !known {
            return Err(SessionError::InvalidRequest(format!(
                "unknown identifier: {}",
                attr.id
            )));
        }
    }
    for credtype in request.disclosure().skip_expiry_check.iter() {
        if schemes.credential_type(credtype).is_none() {
            return Err(SessionError::InvalidRequest(format!(
                "unknown identifier: {credtype}"
            )));
        }
    }
    for credtype in request.base().revocation.0.keys() {
        // The reference's messages, typo included (irmago `BaseRequest.Validate`).
        match schemes.credential_type(credtype) {
            None => {
                return Err(SessionError::InvalidRequest(format!(
                    "cannot requet nonrevocation proof for {credtype}: unknown credential type"
                )));
            }
            Some(ct) if !ct.revocation_supported() => {
                return Err(SessionError::InvalidRequest(format!(
                    "cannot request nonrevocation proof for {credtype}: revocation not enabled in scheme"
                )));
            }
            Some(_) => {}
        }
    }
    if let SessionRequest::Issuance(issuance) = request {
        for cred in &mut issuance.credentials {
            complete_credential(cred, schemes, keys, revocation, now)?;
        }
    }
    let base = request.base_mut();
    base.nonce = Some(Int(random_nonce()?));
    base.context = Some(Int(BigUint::from(1u8)));
    base.dev_mode = !production;
    Ok(())
}

fn complete_credential(
    cred: &mut CredentialRequest,
    schemes: &Configuration,
    keys: &PrivateKeyFolder,
    revocation: &Service,
    now: i64,
) -> Result<(), SessionError> {
    let invalid = SessionError::InvalidRequest;
    let credtype = schemes
        .credential_type(&cred.credential)
        .ok_or_else(|| invalid(format!("unknown identifier: {}", cred.credential)))?;
    let issuer: IssuerId = cred.credential.issuer();
    let counter = schemes
        .public_key_counters(&issuer)
        .into_iter()
        .rev()
        .map(|counter| PublicKeyId {
            issuer: issuer.clone(),
            counter,
        })
        .find(|id| keys.has_key(schemes, id))
        .ok_or_else(|| invalid(format!("missing private key of issuer {issuer}")))?;
    if schemes
        .public_key_expiry(&counter)
        .is_some_and(|expiry| expiry < now)
    {
        return Err(invalid(format!(
            "cannot issue using expired public key {issuer}-{}",
            counter.counter
        )));
    }
    // The reference's messages (irmago `validateIssuanceRequest`). A key for a type without
    // revocation the reference ignores (and tells the app to expect a witness); refused here.
    if credtype.revocation_supported() {
        let settings = revocation.settings(&cred.credential);
        if settings.url.is_none() && !settings.server && !settings.authority {
            return Err(invalid(format!(
                "revocation enabled for {} but no revocation server configured",
                cred.credential
            )));
        }
        if cred.revocation_key.is_empty() {
            return Err(invalid(format!(
                "revocation enabled for {} but no revocationKey specified",
                cred.credential
            )));
        }
    } else if !cred.revocation_key.is_empty() {
        return Err(invalid(format!(
            "revocationKey given for {}, which does not support revocation",
            cred.credential
        )));
    }
    cred.revocation_supported = credtype.revocation_supported();
    cred.key_counter = counter.counter;
    cred.random_blind_ids = credtype
        .attributes
        .iter()
        .filter(|a| a.random_blind)
        .filter_map(|a| a.id.as_ref().map(|id| id.name().to_owned()))
        .collect();
    let info = crate::verifier::credential_type_info(credtype);
    cred.validate(&info).map_err(|e| invalid(e.to_string()))?;
    match cred.validity {
        None | Some(0) => cred.validity = Some(default_validity(now)),
        Some(v) if v < now => {
            return Err(invalid("cannot issue expired credentials".to_owned()));
        }
        Some(_) => {}
    }
    Ok(())
}

/// A random 128-bit nonce (the reference's `Lstatzk`).
fn random_nonce() -> Result<BigUint, SessionError> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf)?;
    Ok(BigUint::from_bytes_be(&buf))
}
