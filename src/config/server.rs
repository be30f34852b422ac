//! The resolved, immutable `irma server` configuration and the rules that produce it
//! from a [`RawConfig`]: defaults (stricter in production mode), normalisation and every
//! check that needs no schemes (irmago `irma/server/conf.go` `Check`,
//! `requestorserver/conf.go` `initialize`). Checks against the schemes (permissions,
//! private keys) run when the server loads them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::host_pattern::HostPattern;
use super::raw::{List, MapOrJson, RawConfig, RawRequestor};
use super::secret::Secret;
use super::{ConfigError, read_file};
use crate::jwt::auth::{CredentialError, RequestorCredential};
use crate::jwt::keys::VerifyingKey;

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
    /// A separate listener for `/metrics`, `/ready` and `/health` (plain HTTP); without
    /// it `/metrics` is on the requestor API's listener.
    pub metrics_listener: Option<Listener>,
    /// How long a stopping server keeps serving the sessions already started.
    #[serde(serialize_with = "as_seconds")]
    pub shutdown_timeout: Duration,
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
    /// In production mode, allow callback and `nextSession` URLs on loopback, link-local
    /// and private addresses.
    pub allow_private_callbacks: bool,
    /// Most connections each listener serves at once; more wait in the accept backlog.
    /// `None`: chosen at start from the descriptor limit.
    pub max_connections: Option<usize>,
    /// Plain HTTP is intended (TLS terminates in front of the server).
    pub no_tls: bool,
    /// Where sessions live.
    pub store: StoreConfig,
    /// Revocation roles per credential type and the revocation database.
    pub revocation: super::RevocationConfig,
    /// Logging.
    pub log: LogConfig,
    /// Keys that were given and are accepted for compatibility only (`email`, `no_email`):
    /// nothing uses them, and the server says so when it starts.
    pub ignored: Vec<&'static str>,
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

/// Default of `shutdown_timeout`, in seconds: time for a user to finish a session in the
/// app after the server was told to stop.
const DEFAULT_SHUTDOWN_TIMEOUT: u64 = 60;

/// Largest `shutdown_timeout`, in seconds: an hour is longer than any drain should take.
const MAX_SHUTDOWN_TIMEOUT: u64 = 3600;

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

fn port_number(key: &'static str, value: u32) -> Result<u16, ConfigError> {
    match u16::try_from(value) {
        Ok(0) => Err(invalid(key, "must be between 1 and 65535 (was 0)")),
        Ok(p) => Ok(p),
        Err(_) => Err(invalid(
            key,
            format!("must be between 1 and 65535 (was {value})"),
        )),
    }
}

/// A port of its own for a second listener: unset or 0 is none.
fn optional_port(key: &'static str, value: Option<u32>) -> Result<Option<u16>, ConfigError> {
    match value {
        None | Some(0) => Ok(None),
        Some(p) => port_number(key, p).map(Some),
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

/// A listener's TLS certificate chain and key, each inline or from a file.
fn tls(
    key: &'static str,
    (cert, cert_file): (Option<String>, Option<String>),
    (privkey, privkey_file): (Option<String>, Option<String>),
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

/// Normalises the app URL as the reference: trailing `/`, then `irma/`, the literal
/// `:port` replaced by the app port (kept when the port is 0: the server replaces it once
/// bound), and `https` when that listener has TLS.
fn normalise_url(url: &str, app_port: u16, tls: bool) -> Result<String, ConfigError> {
    let mut url = url.trim().to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    if !url.ends_with("irma/") {
        url.push_str("irma/");
    }
    if app_port != 0 {
        url = url.replace(":port", &format!(":{app_port}"));
    }
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

/// The `redis_*` keys, unresolved.
struct RedisKeys {
    addr: Option<String>,
    sentinel_addrs: Option<List>,
    sentinel_master_name: Option<String>,
    accept_inconsistency_risk: Option<bool>,
    username: Option<String>,
    pw: Option<String>,
    sentinel_username: Option<String>,
    sentinel_pw: Option<String>,
    allow_empty_password: Option<bool>,
    acl_use_key_prefixes: Option<bool>,
    db: Option<i64>,
    tls_cert: Option<String>,
    tls_cert_file: Option<String>,
    tls_client_cert_file: Option<String>,
    tls_client_key_file: Option<String>,
    no_tls: Option<bool>,
    key_prefix: Option<String>,
}

/// `store_type` and, for Redis, the `redis_*` keys.
fn store(store_type: Option<String>, redis: RedisKeys) -> Result<StoreConfig, ConfigError> {
    match store_type.as_deref().unwrap_or("") {
        "" | "memory" => Ok(StoreConfig::Memory),
        "redis" => {
            let addr = redis.addr.filter(|s| !s.is_empty());
            let sentinel_addrs = redis.sentinel_addrs.unwrap_or_default().0;
            if addr.is_some() != sentinel_addrs.is_empty() {
                return Err(invalid(
                    "redis_addr",
                    "with store_type redis, give either redis_addr or redis_sentinel_addrs",
                ));
            }
            let accept_inconsistency_risk = redis.accept_inconsistency_risk.unwrap_or(false);
            if !sentinel_addrs.is_empty() && !accept_inconsistency_risk {
                return Err(invalid(
                    "redis_accept_inconsistency_risk",
                    "Redis Sentinel can lose session writes on failover; set redis_accept_inconsistency_risk to accept that",
                ));
            }
            let password = redis.pw.unwrap_or_default();
            if password.is_empty() && redis.allow_empty_password != Some(true) {
                return Err(invalid(
                    "redis_pw",
                    "a non-empty Redis password is required (or set redis_allow_empty_password)",
                ));
            }
            let no_tls = redis.no_tls.unwrap_or(false);
            let tls_cert_pem =
                inline_or_file("redis_tls_cert", redis.tls_cert, redis.tls_cert_file)?;
            if no_tls && tls_cert_pem.is_some() {
                return Err(invalid(
                    "redis_no_tls",
                    "cannot be combined with redis_tls_cert",
                ));
            }
            let tls_client = match (redis.tls_client_cert_file, redis.tls_client_key_file) {
                (None, None) => None,
                (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
                _ => {
                    return Err(invalid(
                        "redis_tls_client_cert_file",
                        "give both the client certificate and key files, or neither",
                    ));
                }
            };
            let username = redis.username.filter(|s| !s.is_empty());
            let mut key_prefix = redis.key_prefix.unwrap_or_default();
            if redis.acl_use_key_prefixes == Some(true) {
                let user = username
                    .as_deref()
                    .ok_or_else(|| invalid("redis_acl_use_key_prefixes", "needs redis_username"))?;
                key_prefix.push_str(user);
                key_prefix.push(':');
            }
            Ok(StoreConfig::Redis(Box::new(RedisConfig {
                addr,
                sentinel_addrs,
                sentinel_master_name: redis.sentinel_master_name,
                accept_inconsistency_risk,
                username,
                password: Secret::new(password),
                sentinel_username: redis.sentinel_username,
                sentinel_password: redis.sentinel_pw.map(Secret::new),
                db: redis.db.unwrap_or(0),
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

    /// Resolves every key once. The destructuring names every key of [`RawConfig`], so a
    /// key that is added there and not resolved here does not compile.
    fn try_from(raw: RawConfig) -> Result<Self, ConfigError> {
        let RawConfig {
            schemes_path,
            schemes_assets_path,
            schemes_update,
            privkeys,
            skip_private_keys_check,
            url,
            port,
            listen_addr,
            api_prefix,
            client_port,
            client_listen_addr,
            metrics_port,
            metrics_listen_addr,
            shutdown_timeout,
            static_path,
            static_prefix,
            sse,
            no_auth,
            requestors,
            disclose_perms,
            sign_perms,
            issue_perms,
            revoke_perms,
            static_sessions,
            max_session_lifetime,
            session_result_lifetime,
            max_request_age,
            jwt_leeway,
            jwt_issuer,
            jwt_privkey,
            jwt_privkey_file,
            allow_unsigned_callbacks,
            augment_client_return_url,
            allow_private_callbacks,
            max_connections,
            tls_cert,
            tls_cert_file,
            tls_privkey,
            tls_privkey_file,
            client_tls_cert,
            client_tls_cert_file,
            client_tls_privkey,
            client_tls_privkey_file,
            no_tls,
            store_type,
            redis_addr,
            redis_sentinel_addrs,
            redis_sentinel_master_name,
            redis_accept_inconsistency_risk,
            redis_username,
            redis_pw,
            redis_sentinel_username,
            redis_sentinel_pw,
            redis_allow_empty_password,
            redis_acl_use_key_prefixes,
            redis_db,
            redis_tls_cert,
            redis_tls_cert_file,
            redis_tls_client_cert_file,
            redis_tls_client_key_file,
            redis_no_tls,
            redis_key_prefix,
            verbose,
            quiet,
            log_json,
            production,
            email,
            no_email,
            revocation_db_type,
            revocation_db_str,
            revocation_settings,
            sdjwtvc_issuer_certificates_dir,
            sdjwtvc_issuer_private_keys_dir,
            sdjwtvc,
        } = raw;
        let revocation =
            super::revocation::resolve(revocation_db_type, revocation_db_str, revocation_settings)?;
        refuse_sdjwtvc(
            sdjwtvc_issuer_certificates_dir,
            sdjwtvc_issuer_private_keys_dir,
            sdjwtvc,
        )?;
        let mut ignored = Vec::new();
        if email.is_some_and(|e| !e.is_empty()) {
            ignored.push("email");
        }
        if no_email == Some(true) {
            ignored.push("no_email");
        }
        let production = production.unwrap_or(false);
        let no_tls = no_tls.unwrap_or(false);

        let listener = Listener {
            addr: addr("listen_addr", listen_addr)?,
            // Port 0: any free port, chosen when the server binds it (and logged).
            port: match port {
                Some(0) => 0,
                other => port_number("port", other.unwrap_or(u32::from(DEFAULT_PORT)))?,
            },
            tls: tls(
                "tls_cert",
                (tls_cert, tls_cert_file),
                (tls_privkey, tls_privkey_file),
            )?,
        };
        let client_listener = client_listener(
            &listener,
            client_port,
            client_listen_addr,
            tls(
                "client_tls_cert",
                (client_tls_cert, client_tls_cert_file),
                (client_tls_privkey, client_tls_privkey_file),
            )?,
        )?;
        let metrics_listener = metrics_listener(
            &listener,
            client_listener.as_ref(),
            metrics_port,
            metrics_listen_addr,
        )?;
        let url = app_url(
            url,
            client_listener.as_ref().unwrap_or(&listener),
            production,
            no_tls,
        )?;
        let api_prefix = api_prefix_of(api_prefix)?;
        let static_files = static_files(static_path, static_prefix)?;

        let auth = auth(no_auth.unwrap_or(!production), requestors)?;
        let global_permissions = Permissions {
            disclose: perms(disclose_perms, &["*"]),
            sign: perms(sign_perms, &["*"]),
            issue: perms(issue_perms, if production { &[] } else { &["*"] }),
            revoke: perms(revoke_perms, &[]),
            hosts: Vec::new(),
        };

        Ok(ServerConfig {
            production,
            schemes_path: path(schemes_path),
            schemes_assets_path: path(schemes_assets_path),
            schemes_update: match schemes_update.unwrap_or(60) {
                0 => None,
                m => Some(Duration::from_secs(m.saturating_mul(60))),
            },
            privkeys: path(privkeys),
            skip_private_keys_check: skip_private_keys_check.unwrap_or(false),
            listener,
            client_listener,
            metrics_listener,
            shutdown_timeout: seconds_at_most(
                "shutdown_timeout",
                shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
                MAX_SHUTDOWN_TIMEOUT,
            )?,
            url,
            api_prefix,
            static_files,
            sse: sse.unwrap_or(false),
            auth,
            global_permissions,
            static_sessions: static_session_names(static_sessions)?,
            max_session_lifetime: minutes(
                "max_session_lifetime",
                max_session_lifetime.unwrap_or(15),
            )?,
            session_result_lifetime: minutes(
                "session_result_lifetime",
                session_result_lifetime.unwrap_or(5),
            )?,
            max_request_age: Duration::from_secs(max_request_age.unwrap_or(300)),
            jwt_leeway: Duration::from_secs(jwt_leeway.unwrap_or(5)),
            jwt_issuer: jwt_issuer.unwrap_or_else(|| "irmaserver".to_owned()),
            jwt_private_key: inline_or_file("jwt_privkey", jwt_privkey, jwt_privkey_file)?
                .map(Secret::new),
            allow_unsigned_callbacks: allow_unsigned_callbacks.unwrap_or(false),
            augment_client_return_url: augment_client_return_url.unwrap_or(false),
            allow_private_callbacks: allow_private_callbacks.unwrap_or(false),
            max_connections: max_connections
                .map(|n| match usize::try_from(n) {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(invalid("max_connections", "must be at least 1")),
                })
                .transpose()?,
            no_tls,
            store: store(
                store_type,
                RedisKeys {
                    addr: redis_addr,
                    sentinel_addrs: redis_sentinel_addrs,
                    sentinel_master_name: redis_sentinel_master_name,
                    accept_inconsistency_risk: redis_accept_inconsistency_risk,
                    username: redis_username,
                    pw: redis_pw,
                    sentinel_username: redis_sentinel_username,
                    sentinel_pw: redis_sentinel_pw,
                    allow_empty_password: redis_allow_empty_password,
                    acl_use_key_prefixes: redis_acl_use_key_prefixes,
                    db: redis_db,
                    tls_cert: redis_tls_cert,
                    tls_cert_file: redis_tls_cert_file,
                    tls_client_cert_file: redis_tls_client_cert_file,
                    tls_client_key_file: redis_tls_client_key_file,
                    no_tls: redis_no_tls,
                    key_prefix: redis_key_prefix,
                },
            )?,
            revocation,
            log: LogConfig {
                verbose: verbose.unwrap_or(0),
                quiet: quiet.unwrap_or(false),
                json: log_json.unwrap_or(false),
            },
            ignored,
        })
    }
}

/// SD-JWT VC issuance (irmago 1.x) is not supported: its keys are accepted while empty.
fn refuse_sdjwtvc(
    certificates_dir: Option<String>,
    private_keys_dir: Option<String>,
    nested: Option<MapOrJson<serde_json::Value>>,
) -> Result<(), ConfigError> {
    let set = certificates_dir.is_some_and(|s| !s.is_empty())
        || private_keys_dir.is_some_and(|s| !s.is_empty())
        || nested.is_some_and(|m| m.0.values().any(|v| !v.is_null() && v.as_str() != Some("")));
    if set {
        return Err(invalid(
            "sdjwtvc_issuer_certificates_dir",
            "SD-JWT VC issuance is not supported by this server: remove the sdjwtvc settings",
        ));
    }
    Ok(())
}

/// A folder setting; empty means not set.
fn path(value: Option<String>) -> Option<PathBuf> {
    value.filter(|s| !s.is_empty()).map(PathBuf::from)
}

/// The separate app listener, when `client_port` is set.
fn client_listener(
    listener: &Listener,
    client_port: Option<u32>,
    client_listen_addr: Option<String>,
    client_tls: Option<Tls>,
) -> Result<Option<Listener>, ConfigError> {
    let port = optional_port("client_port", client_port)?;
    if port == Some(listener.port) {
        return Err(invalid("client_port", "must be different from port"));
    }
    let addr = addr("client_listen_addr", client_listen_addr)?;
    if addr.is_some() && port.is_none() {
        return Err(invalid(
            "client_listen_addr",
            "must be combined with a nonzero client_port",
        ));
    }
    Ok(match port {
        Some(port) => Some(Listener {
            addr,
            port,
            tls: client_tls,
        }),
        None if client_tls.is_some() => {
            return Err(invalid("client_tls_cert", "needs client_port"));
        }
        None => None,
    })
}

/// The separate metrics listener, when `metrics_port` is set: on a port of its own.
fn metrics_listener(
    listener: &Listener,
    client_listener: Option<&Listener>,
    metrics_port: Option<u32>,
    metrics_listen_addr: Option<String>,
) -> Result<Option<Listener>, ConfigError> {
    let port = optional_port("metrics_port", metrics_port)?;
    let addr = addr("metrics_listen_addr", metrics_listen_addr)?;
    let Some(port) = port else {
        if addr.is_some() {
            return Err(invalid(
                "metrics_listen_addr",
                "must be combined with a nonzero metrics_port",
            ));
        }
        return Ok(None);
    };
    if port == listener.port {
        return Err(invalid("metrics_port", "must be different from port"));
    }
    if client_listener.is_some_and(|c| c.port == port) {
        return Err(invalid(
            "metrics_port",
            "must be different from client_port",
        ));
    }
    Ok(Some(Listener {
        addr,
        port,
        tls: None,
    }))
}

/// A number of seconds no larger than `max`.
fn seconds_at_most(key: &'static str, value: u64, max: u64) -> Result<Duration, ConfigError> {
    if value > max {
        return Err(invalid(
            key,
            format!("must be at most {max} seconds (was {value})"),
        ));
    }
    Ok(Duration::from_secs(value))
}

/// The configured app URL, normalised; in production it must be `https` unless `no_tls`.
fn app_url(
    url: Option<String>,
    app_listener: &Listener,
    production: bool,
    no_tls: bool,
) -> Result<Option<String>, ConfigError> {
    let url = match url.filter(|s| !s.is_empty()) {
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
    Ok(url)
}

/// `api_prefix`, starting and ending with `/`.
fn api_prefix_of(value: Option<String>) -> Result<String, ConfigError> {
    let mut prefix = value.unwrap_or_else(|| "/".to_owned());
    if !prefix.starts_with('/') {
        return Err(invalid(
            "api_prefix",
            format!("must start with a slash: {prefix:?}"),
        ));
    }
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    Ok(prefix)
}

/// `static_path` and `static_prefix`.
fn static_files(
    path: Option<String>,
    prefix: Option<String>,
) -> Result<Option<StaticFiles>, ConfigError> {
    let Some(path) = path.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    if !path.is_dir() {
        return Err(invalid(
            "static_path",
            format!("{} is not a directory", path.display()),
        ));
    }
    let mut prefix = prefix.unwrap_or_else(|| "/".to_owned());
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
    Ok(Some(StaticFiles { path, prefix }))
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
