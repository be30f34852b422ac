//! A requestor's revocation (irmago `requestorserver` `revoke` and `irmaserver.Revoke`):
//! the requestor's `revoke_perms`, a revocation-capable private key of the issuer, then the
//! revocation by the authority of the credential type.
//!
//! Differences from the reference, on purpose: revoking at a server that is not the
//! authority of the credential type is the requestor's error (`400 INVALID_REQUEST`), not
//! a `500 REVOCATION`; database failures are logged, not sent.

use super::engine::Sessions;
use super::error::SessionError;
use crate::protocol::errors::ErrorKind;
use crate::protocol::revocation::RevocationRequest;
use crate::revocation::service::revocation_private_keys;
use crate::revocation::{ServiceError, StoreError};

impl Sessions {
    /// Revokes what `request` names for `requestor` (`""` without authentication).
    pub async fn revoke(
        &self,
        requestor: &str,
        request: &RevocationRequest,
    ) -> Result<(), SessionError> {
        let permissions = &self.settings.permissions;
        let cred = &request.credential_type;
        if !permissions.may_revoke_any(requestor) {
            return Err(SessionError::Forbidden(String::new()));
        }
        let keys = self.revocation_keys();
        let issuer = cred.issuer();
        if revocation_private_keys(keys.as_ref(), &issuer).is_empty() {
            return Err(SessionError::Forbidden(format!(
                "no private key with revocation support installed for issuer {issuer}"
            )));
        }
        permissions.check_revoke(requestor, cred)?;
        let issued = (request.issued != 0).then_some(request.issued);
        self.revocation()
            .revoke(keys.as_ref(), cred, &request.key, issued)
            .await
            .map_err(|e| match e {
                ServiceError::NotAuthority(_) => SessionError::InvalidRequest(e.to_string()),
                ServiceError::Store(StoreError::UnknownRevocationKey) => SessionError::Failed {
                    kind: ErrorKind::UnknownRevocationKey,
                    message: String::new(),
                },
                ServiceError::Store(StoreError::Database(_)) => {
                    tracing::error!(credtype = %cred, error = %e, "revocation failed");
                    SessionError::Failed {
                        kind: ErrorKind::Revocation,
                        message: "revocation database error".to_owned(),
                    }
                }
                e => SessionError::Failed {
                    kind: ErrorKind::Revocation,
                    message: e.to_string(),
                },
            })?;
        tracing::info!(credtype = %cred, "credential revoked");
        Ok(())
    }
}
