//! Which requestor may request what (irmago `requestorserver.Configuration.CanRequest`):
//! the global permissions plus the requestor's own, as patterns `*`, `scheme.*`,
//! `scheme.issuer.*`, `scheme.issuer.credential.*` or exact identifiers.

use std::collections::BTreeMap;

use super::error::SessionError;
use crate::config::Permissions;
use crate::protocol::request::SessionRequest;

/// The configured permissions.
#[derive(Debug, Clone, Default)]
pub struct PermissionSet {
    /// Permissions of every requestor.
    pub global: Permissions,
    /// Each requestor's own permissions, by name.
    pub requestors: BTreeMap<String, Permissions>,
}

/// Whether `id` (an attribute or credential type identifier) matches one of `patterns`.
fn allowed(patterns: &[&String], id: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some("") => true,
        Some(prefix) => prefix.ends_with('.') && id.starts_with(prefix),
        None => p.as_str() == id,
    })
}

impl PermissionSet {
    /// Checks that `requestor` may start `request`; the error message names the reason
    /// or the first identifier not permitted.
    pub fn check(&self, requestor: &str, request: &SessionRequest) -> Result<(), SessionError> {
        let own = self.requestors.get(requestor);
        let union = |pick: fn(&Permissions) -> &Vec<String>| -> Vec<&String> {
            own.map(pick)
                .into_iter()
                .flatten()
                .chain(pick(&self.global))
                .collect()
        };
        if let SessionRequest::Issuance(issuance) = request {
            let issue = union(|p| &p.issue);
            if issue.is_empty() {
                return Err(SessionError::Forbidden(
                    "No issuer permissions configured".to_owned(),
                ));
            }
            for cred in &issuance.credentials {
                let id = cred.credential.to_string();
                if !allowed(&issue, &id) {
                    return Err(SessionError::Forbidden(format!(
                        "No issuer permissions configured for credential '{id}'"
                    )));
                }
            }
        }
        let disclose = &request.disclosure().disclose;
        if disclose.is_empty() {
            return Ok(());
        }
        let patterns = match request {
            SessionRequest::Signature(_) => union(|p| &p.sign),
            _ => union(|p| &p.disclose),
        };
        if patterns.is_empty() {
            return Err(SessionError::Forbidden(String::new()));
        }
        for attr in disclose.iter().flatten().flatten() {
            let id = attr.id.as_str();
            if !allowed(&patterns, id) {
                return Err(SessionError::Forbidden(id.to_owned()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p: Vec<String> = ["irma-demo.MijnOverheid.*", "pbdf.pbdf.email.email"]
            .map(String::from)
            .to_vec();
        let p: Vec<&String> = p.iter().collect();
        assert!(allowed(&p, "irma-demo.MijnOverheid.ageLower.over18"));
        assert!(allowed(&p, "pbdf.pbdf.email.email"));
        assert!(!allowed(&p, "pbdf.pbdf.email.domain"));
        assert!(!allowed(&p, "irma-demo.MijnOverheidX.a.b"));
        let star = String::from("*");
        assert!(allowed(&[&star], "x.y.z"));
    }
}
