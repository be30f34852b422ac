//! The resolved, immutable `irma server` configuration and the rules that produce it
//! from a [`RawConfig`]: defaults (stricter in production mode), normalisation and every
//! check that needs no schemes (irmago `irma/server/conf.go` `Check`,
//! `requestorserver/conf.go` `initialize`). Checks against the schemes (permissions,
//! private keys) run when the server loads them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use serde::Serialize;

use super::host_pattern::HostPattern;
use super::raw::{List, RawConfig, RawRequestor};
use super::secret::Secret;
use super::{ConfigError, read_file};

/// The whole server configuration, resolved once; nothing changes it afterwards.
#[derive(Debug, Clone, Serialize)]
pub struct ServerConfig {
    /// Production mode: stricter defaults, unsafe combinations refused.
    pub production: bool,
    /// Schemes folder; `None` means the default resolution of the scheme module.
    pub schemes_path: Option<PathBuf>,
    /// Read-only schemes copied in when newer.
    pub schemes_assets_path: Option<PathBuf>,
    /// How often schemes are updated; `None` disables updates.
    #[serde(serialize_with = "opt_minutes")]
    pub schemes_update: Option<Duration>,
    /// Folder with issuer private keys (`scheme.issuer[.counter].xml`).
    pub privkeys: Option<PathBuf>,
    /// Skip checking that issue permissions have private keys.
    pub skip_private_keys_check: bool,
    /// The requestor API listener (and the app API unless `client` is set).
    pub listener: Listener,
    /// A separate listener for the app API (`/irma/...`).
    pub client_listener: Option<Listener>,
    /// External URL of the app API, normalised to end in `irma/`; `None` in production
    /// when not configured (then only requests with `host`... are refused at start).
    pub url: Option<String>,
    /// Prefix of every route, starting and ending with `/`.
    pub api_prefix: String,
    /// Static files, when configured.
    pub static_files: Option<StaticFiles>,
    /// Server-sent events for status updates.
    pub sse: bool,
    /// How requestors authenticate.
    pub auth: Auth,
    /// Permissions every requestor has, on top of its own (as the reference: a union).
    pub global_permissions: Permissions,
    /// Static sessions by name; the requests are parsed when the server starts.
    pub static_sessions: BTreeMap<String, serde_json::Value>,
    /// How long a session may live.
    #[serde(serialize_with = "as_minutes")]
    pub max_session_lifetime: Duration,
    /// How long a result is kept after the session ends.
    #[serde(serialize_with = "as_minutes")]
    pub session_result_lifetime: Duration,
    /// Maximum age of a requestor JWT.
    #[serde(serialize_with = "as_seconds")]
    pub max_request_age: Duration,
    /// Clock-skew leeway for requestor JWTs.
    #[serde(serialize_with = "as_seconds")]
    pub jwt_leeway: Duration,
    /// `iss` of result JWTs.
    pub jwt_issuer: String,
    /// RSA private key (PEM) that signs result JWTs.
    pub jwt_private_key: Option<Secret>,
    /// Allow callbacks and chained sessions without a JWT key.
    pub allow_unsigned_callbacks: bool,
    /// Allow `augmentReturnUrl` in requests.
    pub augment_client_return_url: bool,
    /// Plain HTTP is intended (TLS terminates in front of the server).
    pub no_tls: bool,
    /// Where sessions live.
    pub store: StoreConfig,
    /// Logging.
    pub log: LogConfig,
}

/// An HTTP listener.
#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    /// Address to bind; `None` means all interfaces.
    pub addr: Option<IpAddr>,
    /// Port to bind.
    pub port: u16,
    /// TLS certificate chain and key, when this listener speaks TLS.
    pub tls: Option<Tls>,
}

/// A TLS certificate chain and private key, both PEM.
#[derive(Debug, Clone, Serialize)]
pub struct Tls {
    /// Certificate chain (PEM).
    pub cert_pem: String,
    /// Private key (PEM).
    pub key_pem: Secret,
}

/// Prefixes under which the API mounts routers of its own; static files cannot go there.
const API_MOUNTS: [&str; 2] = ["/irma/", "/session/"];

/// Static files served next to the API.
#[derive(Debug, Clone, Serialize)]
pub struct StaticFiles {
    /// Folder to serve.
    pub path: PathBuf,
    /// URL prefix, starting with `/` (and ending with `/` unless it is `/`).
    pub prefix: String,
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
    /// How it authenticates, with its key.
    pub key: RequestorKey,
    /// Its own permissions (the global ones apply too).
    pub permissions: Permissions,
}

/// A requestor's authentication method and key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestorKey {
    /// `Authorization: <token>` header.
    Token(Secret),
    /// HS256 request JWTs; the decoded HMAC key.
    Hmac(#[serde(skip)] HmacKey),
    /// RS256 request JWTs; the requestor's RSA public key (PEM).
    PublicKey(String),
}

/// A decoded HMAC key; redacted in Debug.
#[derive(Clone)]
pub struct HmacKey(pub Vec<u8>);

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
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

/// Session storage.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreConfig {
    /// In this process only.
    Memory,
    /// Shared by several instances through Redis.
    Redis(Box<RedisConfig>),
}

/// Redis settings, as the reference's flat `redis_*` keys.
#[derive(Debug, Clone, Serialize)]
pub struct RedisConfig {
    /// `host:port` of one Redis server (exclusive with `sentinel_addrs`).
    pub addr: Option<String>,
    /// Sentinel addresses.
    pub sentinel_addrs: Vec<String>,
    /// Sentinel master name.
    pub sentinel_master_name: Option<String>,
    /// Accepted risk of inconsistency (required with Sentinel or a cluster).
    pub accept_inconsistency_risk: bool,
    /// ACL user.
    pub username: Option<String>,
    /// Password (may be empty only when explicitly allowed).
    pub password: Secret,
    /// Sentinel ACL user.
    pub sentinel_username: Option<String>,
    /// Sentinel password.
    pub sentinel_password: Option<Secret>,
    /// Database number.
    pub db: i64,
    /// TLS to Redis (on unless `redis_no_tls`).
    pub tls: bool,
    /// CA or certificate (PEM) of the Redis server.
    pub tls_cert_pem: Option<String>,
    /// Client certificate and key files for mTLS.
    pub tls_client: Option<(PathBuf, PathBuf)>,
    /// Prefix of every key: the configured prefix, then `<username>:` with
    /// `redis_acl_use_key_prefixes`.
    pub key_prefix: String,
}

/// Logging settings.
#[derive(Debug, Clone, Serialize)]
pub struct LogConfig {
    /// 0 = info, 1 = debug, 2 = trace.
    pub verbose: u8,
    /// No logs at all.
    pub quiet: bool,
    /// JSON lines instead of text.
    pub json: bool,
}

/// Durations appear in configuration dumps in the unit of their setting.
fn as_minutes<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs() / 60)
}

fn opt_minutes<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    // 0 disables scheme updates, as the setting.
    s.serialize_u64(d.map_or(0, |d| d.as_secs() / 60))
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

/// Default requestor API port, as the reference.
pub const DEFAULT_PORT: u16 = 8088;

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// One of an inline value and a file, as the reference's "either-or" rule.
fn inline_or_file(
    key: &'static str,
    inline: Option<String>,
    file: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match (
        inline.filter(|s| !s.is_empty()),
        file.filter(|s| !s.is_empty()),
    ) {
        (Some(_), Some(_)) => Err(invalid(key, "give the value or the file, not both")),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => read_file(key, &path).map(Some),
        (None, None) => Ok(None),
    }
}

fn port(key: &'static str, value: u32, allow_zero: bool) -> Result<u16, ConfigError> {
    match u16::try_from(value) {
        Ok(0) if !allow_zero => Err(invalid(key, "must be between 1 and 65535 (was 0)")),
        Ok(p) => Ok(p),
        Err(_) => Err(invalid(
            key,
            format!("must be between 1 and 65535 (was {value})"),
        )),
    }
}

fn addr(key: &'static str, value: Option<String>) -> Result<Option<IpAddr>, ConfigError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| invalid(key, format!("{s:?} is not an IP address"))),
    }
}

fn tls(
    key: &'static str,
    cert: Option<String>,
    cert_file: Option<String>,
    privkey: Option<String>,
    privkey_file: Option<String>,
) -> Result<Option<Tls>, ConfigError> {
    let cert = inline_or_file(key, cert, cert_file)?;
    let privkey = inline_or_file(key, privkey, privkey_file)?;
    match (cert, privkey) {
        (None, None) => Ok(None),
        (Some(cert_pem), Some(key_pem)) => Ok(Some(Tls {
            cert_pem,
            key_pem: Secret::new(key_pem),
        })),
        _ => Err(invalid(
            key,
            "a TLS certificate needs its private key and vice versa",
        )),
    }
}

/// Decodes an HMAC key in any of the four base64 alphabets the reference accepts.
fn decode_hmac_key(key: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(key.trim()).ok())
}

fn requestor(name: &str, raw: RawRequestor) -> Result<Requestor, ConfigError> {
    let key = inline_or_file("requestors", raw.key, raw.key_file)?.ok_or_else(|| {
        invalid(
            "requestors",
            format!("requestor {name} has no key or key_file"),
        )
    })?;
    let method = raw.auth_method.unwrap_or_default();
    let key = match method.as_str() {
        "token" => RequestorKey::Token(Secret::new(key)),
        "hmac" => RequestorKey::Hmac(HmacKey(decode_hmac_key(&key).ok_or_else(|| {
            invalid(
                "requestors",
                format!("requestor {name}: HMAC key is not base64"),
            )
        })?)),
        "publickey" => {
            if !key.contains("-----BEGIN") {
                return Err(invalid(
                    "requestors",
                    format!("requestor {name}: public key is not PEM"),
                ));
            }
            RequestorKey::PublicKey(key)
        }
        other => {
            return Err(invalid(
                "requestors",
                format!(
                    "requestor {name} has unsupported authentication type {other:?} (supported methods: token, hmac, publickey)"
                ),
            ));
        }
    };
    Ok(Requestor {
        key,
        permissions: Permissions {
            disclose: raw.disclose_perms,
            sign: raw.sign_perms,
            issue: raw.issue_perms,
            revoke: raw.revoke_perms,
            hosts: raw
                .host_perms
                .iter()
                .map(|p| HostPattern::parse(p))
                .collect::<Result<_, _>>()
                .map_err(|e| invalid("requestors", format!("requestor {name} host_perms: {e}")))?,
        },
    })
}

/// Normalises the app URL as the reference: trailing `/`, then `irma/`, the literal
/// `:port` replaced by the app port, and `https` when that listener has TLS.
fn normalise_url(url: &str, app_port: u16, tls: bool) -> Result<String, ConfigError> {
    let mut url = url.trim().to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    if !url.ends_with("irma/") {
        url.push_str("irma/");
    }
    url = url.replace(":port", &format!(":{app_port}"));
    if tls && let Some(rest) = url.strip_prefix("http://") {
        url = format!("https://{rest}");
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid("url", format!("{url:?} is not an http(s) URL")));
    }
    Ok(url)
}

fn minutes(key: &'static str, value: u64) -> Result<Duration, ConfigError> {
    if value == 0 {
        return Err(invalid(key, "must be at least 1 minute"));
    }
    Ok(Duration::from_secs(value.saturating_mul(60)))
}

fn perms(raw: Option<List>, default: &[&str]) -> Vec<String> {
    raw.map(|l| l.0)
        .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
}

fn store(raw: &mut RawConfig) -> Result<StoreConfig, ConfigError> {
    match raw.store_type.as_deref().unwrap_or("") {
        "" | "memory" => Ok(StoreConfig::Memory),
        "redis" => {
            let addr = raw.redis_addr.take().filter(|s| !s.is_empty());
            let sentinel_addrs = raw.redis_sentinel_addrs.take().unwrap_or_default().0;
            if addr.is_some() != sentinel_addrs.is_empty() {
                return Err(invalid(
                    "redis_addr",
                    "with store_type redis, give either redis_addr or redis_sentinel_addrs",
                ));
            }
            if !sentinel_addrs.is_empty() && raw.redis_accept_inconsistency_risk != Some(true) {
                return Err(invalid(
                    "redis_accept_inconsistency_risk",
                    "Redis Sentinel can lose session writes on failover; set redis_accept_inconsistency_risk to accept that",
                ));
            }
            let password = raw.redis_pw.take().unwrap_or_default();
            if password.is_empty() && raw.redis_allow_empty_password != Some(true) {
                return Err(invalid(
                    "redis_pw",
                    "a non-empty Redis password is required (or set redis_allow_empty_password)",
                ));
            }
            let no_tls = raw.redis_no_tls.unwrap_or(false);
            let tls_cert_pem = inline_or_file(
                "redis_tls_cert",
                raw.redis_tls_cert.take(),
                raw.redis_tls_cert_file.take(),
            )?;
            if no_tls && tls_cert_pem.is_some() {
                return Err(invalid(
                    "redis_no_tls",
                    "cannot be combined with redis_tls_cert",
                ));
            }
            let tls_client = match (
                raw.redis_tls_client_cert_file.take(),
                raw.redis_tls_client_key_file.take(),
            ) {
                (None, None) => None,
                (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
                _ => {
                    return Err(invalid(
                        "redis_tls_client_cert_file",
                        "give both the client certificate and key files, or neither",
                    ));
                }
            };
            let username = raw.redis_username.take().filter(|s| !s.is_empty());
            let mut key_prefix = raw.redis_key_prefix.take().unwrap_or_default();
            if raw.redis_acl_use_key_prefixes == Some(true) {
                let user = username
                    .as_deref()
                    .ok_or_else(|| invalid("redis_acl_use_key_prefixes", "needs redis_username"))?;
                key_prefix.push_str(user);
                key_prefix.push(':');
            }
            Ok(StoreConfig::Redis(Box::new(RedisConfig {
                addr,
                sentinel_addrs,
                sentinel_master_name: raw.redis_sentinel_master_name.take(),
                accept_inconsistency_risk: raw.redis_accept_inconsistency_risk.unwrap_or(false),
                username,
                password: Secret::new(password),
                sentinel_username: raw.redis_sentinel_username.take(),
                sentinel_password: raw.redis_sentinel_pw.take().map(Secret::new),
                db: raw.redis_db.unwrap_or(0),
                tls: !no_tls,
                tls_cert_pem,
                tls_client,
                key_prefix,
            })))
        }
        other => Err(invalid(
            "store_type",
            format!("{other:?} is not known (use memory or redis)"),
        )),
    }
}

impl TryFrom<RawConfig> for ServerConfig {
    type Error = ConfigError;

    fn try_from(mut raw: RawConfig) -> Result<Self, ConfigError> {
        let production = raw.production.unwrap_or(false);

        // Listeners.
        let port = port("port", raw.port.unwrap_or(u32::from(DEFAULT_PORT)), false)?;
        let client_port = port_opt(raw.client_port)?;
        if client_port == Some(port) {
            return Err(invalid("client_port", "must be different from port"));
        }
        let client_addr = addr("client_listen_addr", raw.client_listen_addr.take())?;
        if client_addr.is_some() && client_port.is_none() {
            return Err(invalid(
                "client_listen_addr",
                "must be combined with a nonzero client_port",
            ));
        }
        let listener = Listener {
            addr: addr("listen_addr", raw.listen_addr.take())?,
            port,
            tls: tls(
                "tls_cert",
                raw.tls_cert.take(),
                raw.tls_cert_file.take(),
                raw.tls_privkey.take(),
                raw.tls_privkey_file.take(),
            )?,
        };
        let client_tls = tls(
            "client_tls_cert",
            raw.client_tls_cert.take(),
            raw.client_tls_cert_file.take(),
            raw.client_tls_privkey.take(),
            raw.client_tls_privkey_file.take(),
        )?;
        let client_listener = match client_port {
            Some(port) => Some(Listener {
                addr: client_addr,
                port,
                tls: client_tls,
            }),
            None if client_tls.is_some() => {
                return Err(invalid("client_tls_cert", "needs client_port"));
            }
            None => None,
        };
        let app_listener = client_listener.as_ref().unwrap_or(&listener);
        let no_tls = raw.no_tls.unwrap_or(false);
        let url = match raw.url.take().filter(|s| !s.is_empty()) {
            Some(u) => Some(normalise_url(
                &u,
                app_listener.port,
                app_listener.tls.is_some(),
            )?),
            None => None,
        };
        if production && !no_tls && !url.as_deref().is_some_and(|u| u.starts_with("https://")) {
            return Err(invalid(
                "url",
                "running without TLS in production mode is unsafe: configure an https url with TLS, or set no_tls when TLS terminates in front of the server",
            ));
        }

        let mut api_prefix = raw.api_prefix.take().unwrap_or_else(|| "/".to_owned());
        if !api_prefix.starts_with('/') {
            return Err(invalid(
                "api_prefix",
                format!("must start with a slash: {api_prefix:?}"),
            ));
        }
        if !api_prefix.ends_with('/') {
            api_prefix.push('/');
        }
        let static_files = match raw.static_path.take().filter(|s| !s.is_empty()) {
            None => None,
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.is_dir() {
                    return Err(invalid(
                        "static_path",
                        format!("{} is not a directory", path.display()),
                    ));
                }
                let mut prefix = raw.static_prefix.take().unwrap_or_else(|| "/".to_owned());
                if !prefix.starts_with('/') {
                    return Err(invalid(
                        "static_prefix",
                        format!("must start with a slash: {prefix:?}"),
                    ));
                }
                if prefix.len() > 1 && !prefix.ends_with('/') {
                    prefix.push('/');
                }
                // The reference's router refuses these too (it panics at start).
                if API_MOUNTS.iter().any(|m| prefix.starts_with(m)) {
                    return Err(invalid(
                        "static_prefix",
                        format!("{prefix:?} overlaps the API under /irma/ or /session/"),
                    ));
                }
                Some(StaticFiles { path, prefix })
            }
        };

        // Requestors and permissions.
        let no_auth = raw.no_auth.unwrap_or(!production);
        let requestors = raw.requestors.take().unwrap_or_default().0;
        let auth = if no_auth {
            if !requestors.is_empty() {
                return Err(invalid(
                    "requestors",
                    "requestors must not be configured when requestor authentication is disabled (no_auth)",
                ));
            }
            Auth::Disabled
        } else {
            if requestors.is_empty() {
                return Err(invalid(
                    "requestors",
                    "no requestors configured; configure one or more requestors or disable requestor authentication (no_auth)",
                ));
            }
            Auth::Requestors(
                requestors
                    .into_iter()
                    .map(|(name, r)| requestor(&name, r).map(|r| (name, r)))
                    .collect::<Result<_, _>>()?,
            )
        };
        let global_permissions = Permissions {
            disclose: perms(raw.disclose_perms.take(), &["*"]),
            sign: perms(raw.sign_perms.take(), &["*"]),
            issue: perms(
                raw.issue_perms.take(),
                if production { &[] } else { &["*"] },
            ),
            revoke: perms(raw.revoke_perms.take(), &[]),
            hosts: Vec::new(),
        };
        let static_sessions = raw.static_sessions.take().unwrap_or_default().0;
        if let Some(bad) = static_sessions
            .keys()
            .find(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(invalid(
                "static_sessions",
                format!("static session name {bad:?} must match [a-zA-Z0-9_]+"),
            ));
        }

        let jwt_private_key = inline_or_file(
            "jwt_privkey",
            raw.jwt_privkey.take(),
            raw.jwt_privkey_file.take(),
        )?
        .map(Secret::new);

        Ok(ServerConfig {
            production,
            schemes_path: raw
                .schemes_path
                .take()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            schemes_assets_path: raw
                .schemes_assets_path
                .take()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            schemes_update: match raw.schemes_update.unwrap_or(60) {
                0 => None,
                m => Some(Duration::from_secs(m.saturating_mul(60))),
            },
            privkeys: raw
                .privkeys
                .take()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            skip_private_keys_check: raw.skip_private_keys_check.unwrap_or(false),
            listener,
            client_listener,
            url,
            api_prefix,
            static_files,
            sse: raw.sse.unwrap_or(false),
            auth,
            global_permissions,
            static_sessions,
            max_session_lifetime: minutes(
                "max_session_lifetime",
                raw.max_session_lifetime.unwrap_or(15),
            )?,
            session_result_lifetime: minutes(
                "session_result_lifetime",
                raw.session_result_lifetime.unwrap_or(5),
            )?,
            max_request_age: Duration::from_secs(raw.max_request_age.unwrap_or(300)),
            jwt_leeway: Duration::from_secs(raw.jwt_leeway.unwrap_or(5)),
            jwt_issuer: raw
                .jwt_issuer
                .take()
                .unwrap_or_else(|| "irmaserver".to_owned()),
            jwt_private_key,
            allow_unsigned_callbacks: raw.allow_unsigned_callbacks.unwrap_or(false),
            augment_client_return_url: raw.augment_client_return_url.unwrap_or(false),
            no_tls,
            store: store(&mut raw)?,
            log: LogConfig {
                verbose: raw.verbose.unwrap_or(0),
                quiet: raw.quiet.unwrap_or(false),
                json: raw.log_json.unwrap_or(false),
            },
        })
    }
}

fn port_opt(value: Option<u32>) -> Result<Option<u16>, ConfigError> {
    match value {
        None | Some(0) => Ok(None),
        Some(v) => port("client_port", v, false).map(Some),
    }
}
