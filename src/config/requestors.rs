//! Requestors: `no_auth`, `requestors` (each with its key and permissions), the global
//! `disclose_perms`, `sign_perms`, `issue_perms`, `revoke_perms`, `static_sessions`, and
//! the requestor JWT keys `max_request_age` and `jwt_leeway`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::host_pattern::HostPattern;
use super::raw::{List, MapOrJson, RawRequestor, RequestorKeys};
use super::{ConfigError, as_seconds, inline_or_file, invalid};
use crate::jwt::auth::{CredentialError, RequestorCredential};
use crate::jwt::keys::VerifyingKey;

/// The requestors, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Requestors {
    /// How requestors authenticate.
    pub auth: Auth,
    /// Permissions every requestor has, on top of its own (as the reference: a union).
    pub global_permissions: Permissions,
    /// Static sessions by name; the requests are parsed when the server starts.
    pub static_sessions: BTreeMap<String, serde_json::Value>,
    /// Maximum age of a requestor JWT.
    #[serde(serialize_with = "as_seconds")]
    pub max_request_age: Duration,
    /// Clock-skew leeway for requestor JWTs.
    #[serde(serialize_with = "as_seconds")]
    pub jwt_leeway: Duration,
}

impl RequestorKeys {
    /// Resolves this section: each requestor's key parsed into the JWT layer's credential,
    /// `host_perms` into patterns; `production` mode authenticates requestors and grants no
    /// issuing by default.
    pub(super) fn resolve(self, production: bool) -> Result<Requestors, ConfigError> {
        let Self {
            no_auth,
            requestors,
            disclose_perms,
            sign_perms,
            issue_perms,
            revoke_perms,
            static_sessions,
            max_request_age,
            jwt_leeway,
        } = self;
        Ok(Requestors {
            auth: auth(no_auth.unwrap_or(!production), requestors)?,
            global_permissions: Permissions {
                disclose: perms(disclose_perms, &["*"]),
                sign: perms(sign_perms, &["*"]),
                issue: perms(issue_perms, if production { &[] } else { &["*"] }),
                revoke: perms(revoke_perms, &[]),
                hosts: Vec::new(),
            },
            static_sessions: static_session_names(static_sessions)?,
            max_request_age: Duration::from_secs(max_request_age.unwrap_or(300)),
            jwt_leeway: Duration::from_secs(jwt_leeway.unwrap_or(5)),
        })
    }
}

/// Requestor authentication.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// Anyone who can reach the server may start sessions.
    Disabled,
    /// Only these requestors, by name.
    Requestors(BTreeMap<String, Requestor>),
}

/// One configured requestor.
#[derive(Debug, Clone, Serialize)]
pub struct Requestor {
    /// How it authenticates (`auth_method` with its `key`), parsed once.
    #[serde(serialize_with = "credential")]
    pub key: RequestorCredential,
    /// Its own permissions (the global ones apply too).
    pub permissions: Permissions,
}

/// A requestor's credential in configuration dumps: the method, with its key only when
/// it is public.
fn credential<S: serde::Serializer>(key: &RequestorCredential, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(1))?;
    match key {
        RequestorCredential::Token(_) => map.serialize_entry("token", "<redacted>")?,
        RequestorCredential::Jwt(VerifyingKey::Hmac(_)) => {
            map.serialize_entry("hmac", "<redacted>")?;
        }
        RequestorCredential::Jwt(VerifyingKey::Rsa(public)) => {
            map.serialize_entry("publickey", &public.to_pem())?;
        }
    }
    map.end()
}

/// Permission patterns: `*`, `scheme.*`, `scheme.issuer.*`, ..., or exact identifiers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Permissions {
    /// Attributes that may be disclosed.
    pub disclose: Vec<String>,
    /// Attributes that may be requested in signatures.
    pub sign: Vec<String>,
    /// Credentials that may be issued.
    pub issue: Vec<String>,
    /// Credentials that may be revoked.
    pub revoke: Vec<String>,
    /// Hosts that may be put in a request's `host` (`host_perms`, per requestor only;
    /// without any, only the host of `url`).
    pub hosts: Vec<HostPattern>,
}

/// One requestor: its key parsed into the JWT layer's credential, its permissions.
fn requestor(name: &str, raw: RawRequestor) -> Result<Requestor, ConfigError> {
    let bad = |reason: String| invalid("requestors", format!("requestor {name}{reason}"));
    let key = inline_or_file("requestors", raw.key, raw.key_file)?
        .map(zeroize::Zeroizing::new)
        .ok_or_else(|| bad(" has no key or key_file".to_owned()))?;
    let method = raw.auth_method.unwrap_or_default();
    // HMAC keys and PEM keys are text around which white space does not count.
    let key = match method.as_str() {
        "token" => key.as_bytes(),
        _ => key.trim().as_bytes(),
    };
    let key = RequestorCredential::from_config(&method, key).map_err(|e| match e {
        CredentialError::Method { method } => bad(format!(
            " has unsupported authentication type {method:?} (supported methods: token, hmac, publickey)"
        )),
        CredentialError::Key(e) => bad(format!(": {e}")),
    })?;
    let hosts = raw
        .host_perms
        .iter()
        .map(|p| HostPattern::parse(p))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!(" host_perms: {e}")))?;
    Ok(Requestor {
        key,
        permissions: Permissions {
            disclose: raw.disclose_perms,
            sign: raw.sign_perms,
            issue: raw.issue_perms,
            revoke: raw.revoke_perms,
            hosts,
        },
    })
}

/// `no_auth` and `requestors`.
fn auth(no_auth: bool, requestors: Option<MapOrJson<RawRequestor>>) -> Result<Auth, ConfigError> {
    let requestors = requestors.unwrap_or_default().0;
    if no_auth {
        if !requestors.is_empty() {
            return Err(invalid(
                "requestors",
                "requestors must not be configured when requestor authentication is disabled (no_auth)",
            ));
        }
        return Ok(Auth::Disabled);
    }
    if requestors.is_empty() {
        return Err(invalid(
            "requestors",
            "no requestors configured; configure one or more requestors or disable requestor authentication (no_auth)",
        ));
    }
    Ok(Auth::Requestors(
        requestors
            .into_iter()
            .map(|(name, r)| requestor(&name, r).map(|r| (name, r)))
            .collect::<Result<_, _>>()?,
    ))
}

/// The static sessions, whose names must fit in a URL path segment; the requests are
/// parsed when the server is prepared.
fn static_session_names(
    sessions: Option<MapOrJson<serde_json::Value>>,
) -> Result<BTreeMap<String, serde_json::Value>, ConfigError> {
    let sessions = sessions.unwrap_or_default().0;
    if let Some(bad) = sessions
        .keys()
        .find(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(invalid(
            "static_sessions",
            format!("static session name {bad:?} must match [a-zA-Z0-9_]+"),
        ));
    }
    Ok(sessions)
}

fn perms(raw: Option<List>, default: &[&str]) -> Vec<String> {
    raw.map(|l| l.0)
        .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
}
