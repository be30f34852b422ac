//! The configuration as it comes out of figment: every key optional, named as the
//! reference's flags with `_` (irmago `yivi/cli/irmacli/server.go`), unknown keys refused.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Every configuration key of `irma server`, unresolved.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    // Schemes and keys.
    /// Path to the schemes (irma_configuration).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub schemes_path: Option<String>,
    /// Read-only schemes copied into `schemes_path` when newer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub schemes_assets_path: Option<String>,
    /// Minutes between scheme updates; 0 disables them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub schemes_update: Option<u64>,
    /// Folder with issuer private keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub privkeys: Option<String>,
    /// Skip checking that private keys exist for issue permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub skip_private_keys_check: Option<bool>,

    // Listeners.
    /// External URL the app connects to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: Option<String>,
    /// Requestor API port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub port: Option<u32>,
    /// Requestor API listen address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub listen_addr: Option<String>,
    /// Prefix of every route.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub api_prefix: Option<String>,
    /// Separate port for the app API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub client_port: Option<u32>,
    /// Listen address of the app API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub client_listen_addr: Option<String>,
    /// Folder served as static files.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub static_path: Option<String>,
    /// URL prefix of the static files.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub static_prefix: Option<String>,
    /// Server-sent events for status updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub sse: Option<bool>,

    // Requestors and permissions.
    /// Anyone may start sessions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub no_auth: Option<bool>,
    /// Requestors by name (JSON in a flag or environment variable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requestors: Option<MapOrJson<RawRequestor>>,
    /// Attributes every requestor may disclose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclose_perms: Option<List>,
    /// Attributes every requestor may have signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_perms: Option<List>,
    /// Credentials every requestor may issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_perms: Option<List>,
    /// Credentials every requestor may revoke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_perms: Option<List>,
    /// Static sessions by name (JSON in a flag or environment variable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_sessions: Option<MapOrJson<serde_json::Value>>,
    /// Minutes a session may live.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub max_session_lifetime: Option<u64>,
    /// Minutes a result is kept after the session ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub session_result_lifetime: Option<u64>,
    /// Maximum age in seconds of a requestor JWT.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub max_request_age: Option<u64>,
    /// Clock-skew leeway in seconds for requestor JWTs (not in the reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub jwt_leeway: Option<u64>,

    // JWTs, callbacks, return URLs.
    /// `iss` of result JWTs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_issuer: Option<String>,
    /// RSA private key (PEM) for result JWTs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_privkey: Option<String>,
    /// File with that key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_privkey_file: Option<String>,
    /// Allow callbacks without a JWT key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub allow_unsigned_callbacks: Option<bool>,
    /// Allow `augmentReturnUrl` in requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub augment_client_return_url: Option<bool>,

    // TLS.
    /// TLS certificate chain (PEM).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub tls_cert: Option<String>,
    /// File with that chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub tls_cert_file: Option<String>,
    /// TLS private key (PEM).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub tls_privkey: Option<String>,
    /// File with that key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub tls_privkey_file: Option<String>,
    /// TLS certificate chain of the app listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub client_tls_cert: Option<String>,
    /// File with that chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub client_tls_cert_file: Option<String>,
    /// TLS private key of the app listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub client_tls_privkey: Option<String>,
    /// File with that key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub client_tls_privkey_file: Option<String>,
    /// Plain HTTP is intended (TLS terminates in front of the server).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub no_tls: Option<bool>,

    // Session store.
    /// `memory` or `redis`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub store_type: Option<String>,
    /// Redis `host:port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_addr: Option<String>,
    /// Redis Sentinel addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_sentinel_addrs: Option<List>,
    /// Redis Sentinel master name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_sentinel_master_name: Option<String>,
    /// Accept the risk of inconsistent state with Sentinel or cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub redis_accept_inconsistency_risk: Option<bool>,
    /// Redis ACL user.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_username: Option<String>,
    /// Redis password.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_pw: Option<String>,
    /// Redis Sentinel ACL user.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_sentinel_username: Option<String>,
    /// Redis Sentinel password.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_sentinel_pw: Option<String>,
    /// Allow an empty Redis password.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub redis_allow_empty_password: Option<bool>,
    /// Prefix keys with `<username>:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub redis_acl_use_key_prefixes: Option<bool>,
    /// Redis database number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub redis_db: Option<i64>,
    /// CA or certificate (PEM) of the Redis server.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_tls_cert: Option<String>,
    /// File with that certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_tls_cert_file: Option<String>,
    /// Client certificate for Redis mTLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_tls_client_cert_file: Option<String>,
    /// Client key for Redis mTLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_tls_client_key_file: Option<String>,
    /// Plain TCP to Redis.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub redis_no_tls: Option<bool>,
    /// Prefix of every Redis key (not in the reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub redis_key_prefix: Option<String>,

    // Logging and mode.
    /// Verbosity (0, 1 = debug, 2 = trace).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub verbose: Option<u8>,
    /// No logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub quiet: Option<bool>,
    /// Logs as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub log_json: Option<bool>,
    /// Production mode: stricter defaults and checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub production: Option<bool>,

    // Accepted for compatibility, not used.
    /// Administrator e-mail address (irmago 0.x registered it; 1.x ignores it, as we do).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: Option<String>,
    /// Opting out of `email` (irmago 0.x required one of them in production; 1.x ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub no_email: Option<bool>,

    // Not supported: accepted, refused when they enable something.
    /// Revocation database type (`postgres`, `mysql`, `sqlserver`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub revocation_db_type: Option<String>,
    /// Revocation database connection string.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub revocation_db_str: Option<String>,
    /// Revocation settings by credential type (JSON in a flag or environment variable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_settings: Option<MapOrJson<serde_json::Value>>,
    /// SD-JWT VC issuer certificates folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub sdjwtvc_issuer_certificates_dir: Option<String>,
    /// SD-JWT VC issuer private keys folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub sdjwtvc_issuer_private_keys_dir: Option<String>,
    /// The two SD-JWT VC folders as one map (`issuer_certificates_dir`,
    /// `issuer_private_keys_dir`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdjwtvc: Option<MapOrJson<serde_json::Value>>,
}

/// One requestor of the `requestors` map.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequestor {
    /// `token`, `hmac` or `publickey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub auth_method: Option<String>,
    /// The token, base64 HMAC key or PEM public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub key: Option<String>,
    /// A file holding the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub key_file: Option<String>,
    /// Attributes this requestor may disclose.
    #[serde(default)]
    pub disclose_perms: Vec<String>,
    /// Attributes this requestor may have signed.
    #[serde(default)]
    pub sign_perms: Vec<String>,
    /// Credentials this requestor may issue.
    #[serde(default)]
    pub issue_perms: Vec<String>,
    /// Credentials this requestor may revoke.
    #[serde(default)]
    pub revoke_perms: Vec<String>,
    /// Host globs this requestor may put in `host`.
    #[serde(default)]
    pub host_perms: Vec<String>,
}

/// A list given as a list (config file) or as one string (flag or environment variable),
/// split on commas and white space. The reference splits flags on commas and environment
/// variables on white space only; we accept both everywhere.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings, or one string separated by commas or spaces")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<List, E> {
                Ok(List(
                    v.split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A map given as a map (config file) or as a JSON object in a string (flag or
/// environment variable), as the reference's `handleMapOrString`.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct MapOrJson<T>(pub BTreeMap<String, T>);

impl<T> Default for MapOrJson<T> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for MapOrJson<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = MapOrJson<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map, or a JSON object in a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    return Ok(MapOrJson::default());
                }
                serde_json::from_str(v)
                    .map(MapOrJson)
                    .map_err(|e| E::custom(format!("invalid JSON: {e}")))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.insert(k, v);
                }
                Ok(MapOrJson(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Numbers from the environment arrive as strings; from a file as numbers. Both parse.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
    T::Err: fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Value(T),
        Text(String),
    }
    Ok(match Option::<Either<T>>::deserialize(d)? {
        None => None,
        Some(Either::Value(v)) => Some(v),
        Some(Either::Text(s)) => Some(
            s.trim()
                .parse()
                .map_err(|e| de::Error::custom(format!("{s:?}: {e}")))?,
        ),
    })
}

/// Booleans as the reference reads them: `true/false`, `1/0`, `t/f`, `yes/no`, `on/off`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Value(bool),
        Text(String),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::Value(v)) => Some(v),
        Some(Either::Text(s)) => Some(match s.trim().to_ascii_lowercase().as_str() {
            "1" | "t" | "true" | "yes" | "on" => true,
            "0" | "f" | "false" | "no" | "off" | "" => false,
            _ => return Err(de::Error::custom(format!("{s:?} is not a boolean"))),
        }),
    })
}

/// Strings, also when a file writes them as a number or boolean.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Uint(u64),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|v| match v {
        Scalar::Text(s) => s,
        Scalar::Int(i) => i.to_string(),
        Scalar::Uint(u) => u.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}
