//! The session store: `store_type` and the reference's flat `redis_*` keys.

use std::path::PathBuf;

use serde::Serialize;

use super::raw::StoreKeys;
use super::secret::Secret;
use super::{ConfigError, inline_or_file, invalid};

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

impl StoreKeys {
    /// Resolves this section: `memory` (the default), or `redis` with its keys checked.
    pub(super) fn resolve(self) -> Result<StoreConfig, ConfigError> {
        let Self {
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
        } = self;
        match store_type.as_deref().unwrap_or("") {
            "" | "memory" => Ok(StoreConfig::Memory),
            "redis" => {
                let addr = redis_addr.filter(|s| !s.is_empty());
                let sentinel_addrs = redis_sentinel_addrs.unwrap_or_default().0;
                if addr.is_some() != sentinel_addrs.is_empty() {
                    return Err(invalid(
                        "redis_addr",
                        "with store_type redis, give either redis_addr or redis_sentinel_addrs",
                    ));
                }
                let accept_inconsistency_risk = redis_accept_inconsistency_risk.unwrap_or(false);
                if !sentinel_addrs.is_empty() && !accept_inconsistency_risk {
                    return Err(invalid(
                        "redis_accept_inconsistency_risk",
                        "Redis Sentinel can lose session writes on failover; set redis_accept_inconsistency_risk to accept that",
                    ));
                }
                let password = redis_pw.unwrap_or_default();
                if password.is_empty() && redis_allow_empty_password != Some(true) {
                    return Err(invalid(
                        "redis_pw",
                        "a non-empty Redis password is required (or set redis_allow_empty_password)",
                    ));
                }
                let no_tls = redis_no_tls.unwrap_or(false);
                let tls_cert_pem =
                    inline_or_file("redis_tls_cert", redis_tls_cert, redis_tls_cert_file)?;
                if no_tls && tls_cert_pem.is_some() {
                    return Err(invalid(
                        "redis_no_tls",
                        "cannot be combined with redis_tls_cert",
                    ));
                }
                let tls_client = match (redis_tls_client_cert_file, redis_tls_client_key_file) {
                    (None, None) => None,
                    (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
                    _ => {
                        return Err(invalid(
                            "redis_tls_client_cert_file",
                            "give both the client certificate and key files, or neither",
                        ));
                    }
                };
                let username = redis_username.filter(|s| !s.is_empty());
                let mut key_prefix = redis_key_prefix.unwrap_or_default();
                if redis_acl_use_key_prefixes == Some(true) {
                    let user = username.as_deref().ok_or_else(|| {
                        invalid("redis_acl_use_key_prefixes", "needs redis_username")
                    })?;
                    key_prefix.push_str(user);
                    key_prefix.push(':');
                }
                Ok(StoreConfig::Redis(Box::new(RedisConfig {
                    addr,
                    sentinel_addrs,
                    sentinel_master_name: redis_sentinel_master_name,
                    accept_inconsistency_risk,
                    username,
                    password: Secret::new(password),
                    sentinel_username: redis_sentinel_username,
                    sentinel_password: redis_sentinel_pw.map(Secret::new),
                    db: redis_db.unwrap_or(0),
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
}
