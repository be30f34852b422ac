//! Which requestor may request what (irmago `requestorserver.Configuration.CanRequest`):
//! the global permissions plus the requestor's own, as patterns `*`, `scheme.*`,
//! `scheme.issuer.*`, `scheme.issuer.credential.*` or exact identifiers; and which `host`
//! a request may name (the requestor's `host_perms`, else only the host of `url`).

use std::collections::BTreeMap;

use super::error::SessionError;
use super::validate::PrivateKeyFolder;
use crate::config::{HostPattern, Permissions};
use crate::protocol::identifiers::{
    AttributeTypeId, CredentialTypeId, IssuerId, PublicKeyId, SchemeId,
};
use crate::protocol::request::SessionRequest;
use crate::scheme::Configuration;

/// The configured permissions, checked against the schemes and parsed: what the engine
/// matches requests against.
#[derive(Debug, Clone, Default)]
pub struct PermissionSet {
    /// Permissions of every requestor.
    global: Grants,
    /// Each requestor's own permissions, by name.
    requestors: BTreeMap<String, Grants>,
}

/// One set of parsed permissions.
#[derive(Debug, Clone, Default)]
struct Grants {
    disclose: Vec<IdPattern>,
    sign: Vec<IdPattern>,
    issue: Vec<IdPattern>,
    revoke: Vec<IdPattern>,
    hosts: Vec<HostPattern>,
}

impl Grants {
    /// Parses permissions that [`pattern_errors`] accepted.
    fn parse(p: &Permissions) -> Self {
        let parse = |v: &[String]| v.iter().map(|p| IdPattern::parse(p)).collect();
        Self {
            disclose: parse(&p.disclose),
            sign: parse(&p.sign),
            issue: parse(&p.issue),
            revoke: parse(&p.revoke),
            hosts: p.hosts.clone(),
        }
    }
}

/// A permission pattern of a disclose, sign, issue or revoke permission.
#[derive(Debug, Clone, PartialEq, Eq)]
enum IdPattern {
    /// `*`: everything.
    All,
    /// `scheme.*`, `scheme.issuer.*`, `scheme.issuer.credential.*`: identifiers starting
    /// with this prefix (with its dot).
    Prefix(String),
    /// An exact identifier.
    Exact(String),
}

impl IdPattern {
    /// Parses a pattern that [`pattern_errors`] accepted (a `*` only as the last part).
    fn parse(pattern: &str) -> Self {
        match pattern.strip_suffix('*') {
            Some("") => Self::All,
            Some(prefix) => Self::Prefix(prefix.to_owned()),
            None => Self::Exact(pattern.to_owned()),
        }
    }

    /// Whether `id` (an attribute or credential type identifier) matches.
    fn matches(&self, id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Prefix(prefix) => id.starts_with(prefix.as_str()),
            Self::Exact(exact) => exact == id,
        }
    }
}

/// Whether `id` matches one of `patterns`.
fn allowed(patterns: &[&IdPattern], id: &str) -> bool {
    patterns.iter().any(|p| p.matches(id))
}

/// The reference's answer to a `host` the requestor may not use.
pub const HOST_NOT_ALLOWED: &str = "requestor not allowed to use the requested host";

/// The host (with port, if any) of an absolute URL, as Go's `url.URL.Host`: the authority
/// without user information; empty for an empty URL.
pub fn url_host(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else {
        return "";
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
}

/// Whether `host` is a plain `host[:port]` (name, IPv4 or bracketed IPv6): nothing that
/// would change the meaning of the session URL it is put into (`/`, `?`, `#`, `@`, ...).
fn plain_host(host: &str) -> bool {
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

impl PermissionSet {
    /// Built-in grants for every requestor, not checked against schemes (a pattern that
    /// names nothing simply never matches): for servers that embed an engine for one
    /// purpose, such as a keyshare server's issuer.
    pub fn builtin(global: &Permissions) -> Self {
        Self {
            global: Grants::parse(global),
            requestors: BTreeMap::new(),
        }
    }

    /// Checks the configured permissions against the schemes, as the reference does at
    /// startup (`pattern_errors`), and parses them; the error lists every problem.
    pub fn resolve<'a>(
        global: &Permissions,
        requestors: impl IntoIterator<Item = (&'a String, &'a Permissions)>,
        schemes: &Configuration,
        keys: &PrivateKeyFolder,
        check_keys: bool,
    ) -> Result<Self, Vec<String>> {
        let mut errors = pattern_errors("global", global, schemes, keys, check_keys);
        let mut set = Self {
            global: Grants::parse(global),
            requestors: BTreeMap::new(),
        };
        for (name, own) in requestors {
            errors.extend(pattern_errors(
                &format!("requestor {name}"),
                own,
                schemes,
                keys,
                check_keys,
            ));
            set.requestors.insert(name.clone(), Grants::parse(own));
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Checks that `requestor` may start `request`, where `default_host` is the host of
    /// the configured `url`; the error message names the reason or the first identifier
    /// not permitted.
    pub fn check(
        &self,
        requestor: &str,
        request: &SessionRequest,
        default_host: &str,
    ) -> Result<(), SessionError> {
        let own = self.requestors.get(requestor);
        let union = |pick: fn(&Grants) -> &Vec<IdPattern>| -> Vec<&IdPattern> {
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
        if !disclose.is_empty() {
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
        }
        self.check_host(requestor, &request.base().host, default_host)
    }

    /// Whether `requestor` has any revoke permission (its own or the global ones); without,
    /// the reference refuses a revocation before looking at the issuer keys.
    pub fn may_revoke_any(&self, requestor: &str) -> bool {
        let own = self.requestors.get(requestor);
        !self.global.revoke.is_empty() || own.is_some_and(|g| !g.revoke.is_empty())
    }

    /// Checks that `requestor` may revoke credentials of `cred` (irmago `CanRevoke`); the
    /// error names the credential type.
    pub fn check_revoke(
        &self,
        requestor: &str,
        cred: &CredentialTypeId,
    ) -> Result<(), SessionError> {
        let own = self.requestors.get(requestor);
        let patterns: Vec<&IdPattern> = own
            .map(|g| &g.revoke)
            .into_iter()
            .flatten()
            .chain(&self.global.revoke)
            .collect();
        if patterns.is_empty() {
            return Err(SessionError::Forbidden(String::new()));
        }
        if allowed(&patterns, cred.as_str()) {
            Ok(())
        } else {
            Err(SessionError::Forbidden(cred.to_string()))
        }
    }

    /// Checks that `requestor` may have the app connect to `host` (the request's `host`,
    /// empty for the host of `url`, which is `default_host`): it must match one of the
    /// requestor's `host_perms`; without any, only `default_host` is allowed. A host that
    /// is not a plain `host[:port]` is never allowed (the reference would put it into the
    /// session URL as it is).
    pub fn check_host(
        &self,
        requestor: &str,
        host: &str,
        default_host: &str,
    ) -> Result<(), SessionError> {
        let host = if host.is_empty() { default_host } else { host };
        let patterns = self
            .requestors
            .get(requestor)
            .map_or(&[][..], |p| &p.hosts[..]);
        let allowed = if patterns.is_empty() {
            host == default_host
        } else {
            plain_host(host) && patterns.iter().any(|p| p.matches(host))
        };
        if allowed {
            Ok(())
        } else {
            Err(SessionError::Forbidden(HOST_NOT_ALLOWED.to_owned()))
        }
    }
}

/// What is wrong with the permission patterns of `owner` (`global` or `requestor NAME`),
/// checked as the reference does at startup (irmago `requestorserver/conf.go`
/// `validatePermissionSet`): at most one `*`, only at the end; the right number of parts;
/// known schemes, issuers, credential and attribute types; and, unless `check_keys` is
/// off, an installed private key for every credential type that may be issued or revoked
/// (whether it supports revocation is checked when revoking).
fn pattern_errors(
    owner: &str,
    perms: &Permissions,
    schemes: &Configuration,
    keys: &PrivateKeyFolder,
    check_keys: bool,
) -> Vec<String> {
    let mut errors = Vec::new();
    let kinds: [(&str, &Vec<String>, usize); 4] = [
        ("issue_perms", &perms.issue, 3),
        ("revoke_perms", &perms.revoke, 3),
        ("sign_perms", &perms.sign, 4),
        ("disclose_perms", &perms.disclose, 4),
    ];
    for (kind, patterns, length) in kinds {
        for p in patterns {
            let mut err = |what: String| errors.push(format!("{owner} {kind} '{p}': {what}"));
            match p.matches('*').count() {
                0 => {}
                1 if p.ends_with('*') => {}
                1 => err("asterisk not at the end".to_owned()),
                _ => err("too many asterisks (at most 1 permitted)".to_owned()),
            }
            let parts: Vec<&str> = p.split('.').collect();
            if parts.last() == Some(&"*") {
                if parts.len() > length {
                    err(format!("should have at most {length} parts"));
                }
            } else if parts.len() != length {
                err(format!("should have {length} parts"));
            }
            if let Some(what) = unknown_part(
                &parts,
                schemes,
                matches!(kind, "issue_perms" | "revoke_perms"),
                keys,
                check_keys,
            ) {
                err(what);
            }
        }
    }
    errors
}

/// The first part of a pattern that the schemes do not know (or whose private key is
/// missing, for issuance), if any.
fn unknown_part(
    parts: &[&str],
    schemes: &Configuration,
    issuing: bool,
    keys: &PrivateKeyFolder,
    check_keys: bool,
) -> Option<String> {
    let prefix = |n: usize| parts[..n].join(".");
    let wild = |i: usize| parts.get(i).is_none_or(|p| *p == "*");
    if wild(0) {
        return None;
    }
    if SchemeId::parse(parts[0])
        .ok()
        .and_then(|id| schemes.scheme(&id).map(|_| ()))
        .is_none()
    {
        return Some("unknown scheme".to_owned());
    }
    if wild(1) {
        return None;
    }
    let issuer = IssuerId::parse(&prefix(2))
        .ok()
        .filter(|id| schemes.issuer(id).is_some());
    let Some(issuer) = issuer else {
        return Some("unknown issuer".to_owned());
    };
    if wild(2) {
        return None;
    }
    let credential = CredentialTypeId::parse(&prefix(3))
        .ok()
        .filter(|id| schemes.credential_type(id).is_some());
    if credential.is_none() {
        return Some("unknown credential type".to_owned());
    }
    if issuing && check_keys {
        let installed = schemes
            .public_key_counters(&issuer)
            .into_iter()
            .any(|counter| {
                keys.has_key(
                    schemes,
                    &PublicKeyId {
                        issuer: issuer.clone(),
                        counter,
                    },
                )
            });
        if !installed {
            return Some("private key not installed".to_owned());
        }
    }
    if wild(3) {
        return None;
    }
    let attribute = AttributeTypeId::parse(&prefix(4))
        .ok()
        .filter(|id| schemes.attribute_type(id).is_some());
    if attribute.is_none() {
        return Some("unknown attribute type".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = [
            IdPattern::parse("irma-demo.MijnOverheid.*"),
            IdPattern::parse("pbdf.pbdf.email.email"),
        ];
        let p: Vec<&IdPattern> = p.iter().collect();
        assert!(allowed(&p, "irma-demo.MijnOverheid.ageLower.over18"));
        assert!(allowed(&p, "pbdf.pbdf.email.email"));
        assert!(!allowed(&p, "pbdf.pbdf.email.domain"));
        assert!(!allowed(&p, "irma-demo.MijnOverheidX.a.b"));
        assert!(allowed(&[&IdPattern::parse("*")], "x.y.z"));
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            url_host("https://irma.example.com/irma/"),
            "irma.example.com"
        );
        assert_eq!(url_host("http://127.0.0.1:8088/irma/"), "127.0.0.1:8088");
        assert_eq!(url_host("http://u:p@h.nl:1?x"), "h.nl:1");
        assert_eq!(url_host(""), "");
    }

    #[test]
    fn hosts_as_the_reference() {
        let mut set = PermissionSet::default();
        set.requestors.insert(
            "wide".to_owned(),
            Grants {
                hosts: vec![HostPattern::parse("*.example.com").unwrap()],
                ..Grants::default()
            },
        );
        set.requestors.insert("plain".to_owned(), Grants::default());
        let default = "irma.example.com";
        let ok = |r: &str, h: &str| set.check_host(r, h, default).is_ok();
        // Without host_perms (or without authentication): only the host of url.
        for r in ["plain", "", "unknown"] {
            assert!(ok(r, ""));
            assert!(ok(r, default));
            assert!(!ok(r, "evil.example"));
        }
        // With host_perms: what they match, the default host only if it matches too.
        assert!(ok("wide", "a.example.com"));
        assert!(ok("wide", ""));
        assert!(!ok("wide", "example.com"));
        assert!(!ok("wide", "evil.com?.example.com"));
        assert!(!ok("wide", "evil.com/.example.com"));
        let err = set.check_host("wide", "evil.example", default).unwrap_err();
        assert_eq!(err.to_string(), HOST_NOT_ALLOWED);
        assert_eq!(err.kind(), crate::protocol::errors::ErrorKind::Unauthorized);
    }
}
