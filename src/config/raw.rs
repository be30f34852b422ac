//! The configuration as flags, environment and file give it: every key optional, named as
//! the reference's flags with `_` (irmago `yivi/cli/irmacli/server.go`).
//!
//! Each key is defined once, here, as a field of one section of [`RawConfig`]: its name is
//! the flag and the key, its doc the flag's help, its serde attribute how files and the
//! environment may write it. Each section is resolved in a file of its own (`schemes.rs`,
//! `listeners.rs`, ...). The sections are the flags of `irma server` (clap), serialise as
//! one flat map (figment's command-line layer) and are each extracted from the merged
//! layers; a key no section has is refused by name.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::marker::PhantomData;

use clap::Args;
use figment::{Figment, Provider};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::{ConfigError, closest};

/// Every configuration key of `irma server`, unresolved, by section.
#[derive(Debug, Default, Clone, Args, Serialize)]
pub struct RawConfig {
    /// Schemes and issuer keys.
    #[command(flatten)]
    #[serde(flatten)]
    pub schemes: SchemeKeys,
    /// Listeners, URLs, TLS and static files.
    #[command(flatten)]
    #[serde(flatten)]
    pub listeners: ListenerKeys,
    /// Requestors, their authentication and permissions, static sessions.
    #[command(flatten)]
    #[serde(flatten)]
    pub requestors: RequestorKeys,
    /// Session lifetimes, result JWTs, callbacks and return URLs.
    #[command(flatten)]
    #[serde(flatten)]
    pub sessions: SessionKeys,
    /// The session store (memory or Redis).
    #[command(flatten)]
    #[serde(flatten)]
    pub store: StoreKeys,
    /// Revocation roles and database.
    #[command(flatten)]
    #[serde(flatten)]
    pub revocation: RevocationKeys,
    /// Production mode, logging, and the keys accepted for compatibility.
    #[command(flatten)]
    #[serde(flatten)]
    pub mode: ModeKeys,
}

impl RawConfig {
    /// Every section extracted from the merged layers. Sections are extracted one by one
    /// (serde's `flatten` would lose which key and source an error is about), so unknown
    /// keys are found here: a top-level key that no section has.
    pub(super) fn extract(figment: &Figment) -> Result<Self, ConfigError> {
        let known: Vec<&'static str> = [
            key_names::<SchemeKeys>(),
            key_names::<ListenerKeys>(),
            key_names::<RequestorKeys>(),
            key_names::<SessionKeys>(),
            key_names::<StoreKeys>(),
            key_names::<RevocationKeys>(),
            key_names::<ModeKeys>(),
        ]
        .concat();
        let data = figment.data()?;
        if let Some(key) = data
            .values()
            .flat_map(|dict| dict.keys())
            .find(|key| !known.contains(&key.as_str()))
        {
            let place = figment
                .find_metadata(key)
                .map_or_else(|| "the configuration".to_owned(), |m| m.name.to_string());
            return Err(ConfigError::UnknownKey {
                key: key.to_owned(),
                place,
                suggestion: closest(key, &known),
            });
        }
        Ok(Self {
            schemes: figment.extract()?,
            listeners: figment.extract()?,
            requestors: figment.extract()?,
            sessions: figment.extract()?,
            store: figment.extract()?,
            revocation: figment.extract()?,
            mode: figment.extract()?,
        })
    }
}

/// The schemes and issuer keys (resolved in `schemes.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct SchemeKeys {
    /// Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf].
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub schemes_path: Option<String>,
    /// If specified, copy schemes from here into --schemes-path when missing there or newer
    /// [default: ~/.local/share/irma/irma_configuration_assets if it exists].
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub schemes_assets_path: Option<String>,
    /// Update schemes every x minutes (0 to disable).
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub schemes_update: Option<u64>,
    /// Path to IRMA private keys.
    #[arg(short = 'k', long)]
    #[serde(deserialize_with = "lenient_string")]
    pub privkeys: Option<String>,
    /// Whether to skip checking if the private keys that are required for issuing are present.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub skip_private_keys_check: Option<bool>,
}

/// Listeners, the app URL, TLS and static files (resolved in `listeners.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerKeys {
    /// External URL to server to which the IRMA client connects, ":port" being replaced by --port value.
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub url: Option<String>,
    /// Port at which to listen.
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient")]
    pub port: Option<u32>,
    /// Address at which to listen (default 0.0.0.0).
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub listen_addr: Option<String>,
    /// Prefix API endpoints with this string, e.g. POST /session becomes POST {api-prefix}/session.
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub api_prefix: Option<String>,
    /// If specified, start a separate server for the IRMA app at this port.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub client_port: Option<u32>,
    /// Address at which server for IRMA app listens.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub client_listen_addr: Option<String>,
    /// If specified, serve /metrics (and /ready, /health) on this port instead of on the requestor port.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub metrics_port: Option<u32>,
    /// Address at which the metrics listener listens (default 0.0.0.0).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub metrics_listen_addr: Option<String>,
    /// On SIGTERM, keep serving the sessions already started for at most this many seconds (default 60).
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub shutdown_timeout: Option<u64>,
    /// Most connections each listener serves at once; more wait in the accept backlog
    /// [default: 4096, less when the open-file limit is lower].
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub max_connections: Option<u64>,
    /// Host files under this path as static files (leave empty to disable).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub static_path: Option<String>,
    /// Host static files under this URL prefix (default "/").
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub static_prefix: Option<String>,
    /// Enable server sent for status updates (experimental).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub sse: Option<bool>,
    /// TLS certificate (chain).
    #[arg(long, allow_hyphen_values = true)]
    #[serde(deserialize_with = "lenient_string")]
    pub tls_cert: Option<String>,
    /// Path to TLS certificate (chain).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub tls_cert_file: Option<String>,
    /// TLS private key.
    #[arg(long, allow_hyphen_values = true)]
    #[serde(deserialize_with = "lenient_string")]
    pub tls_privkey: Option<String>,
    /// Path to TLS private key.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub tls_privkey_file: Option<String>,
    /// TLS certificate (chain) for the IRMA app server.
    #[arg(long, allow_hyphen_values = true)]
    #[serde(deserialize_with = "lenient_string")]
    pub client_tls_cert: Option<String>,
    /// Path to TLS certificate (chain) for the IRMA app server.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub client_tls_cert_file: Option<String>,
    /// TLS private key for the IRMA app server.
    #[arg(long, allow_hyphen_values = true)]
    #[serde(deserialize_with = "lenient_string")]
    pub client_tls_privkey: Option<String>,
    /// Path to TLS private key for the IRMA app server.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub client_tls_privkey_file: Option<String>,
    /// Whether TLS is not needed for the requestor server, even in production mode.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub no_tls: Option<bool>,
}

/// Requestors, their authentication and the global permissions (resolved in `requestors.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestorKeys {
    /// Whether or not to authenticate requestors (and reject all authenticated requests).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub no_auth: Option<bool>,
    /// Requestor configuration (in JSON).
    #[arg(long, value_parser = JsonFlag::<RawRequestor>::new())]
    pub requestors: Option<MapOrJson<RawRequestor>>,
    /// Comma-separated list of attributes that all requestors may verify (default "*").
    #[arg(long)]
    pub disclose_perms: Option<List>,
    /// Comma-separated list of attributes that all requestors may request in signatures (default "*").
    #[arg(long)]
    pub sign_perms: Option<List>,
    /// Comma-separated list of attributes that all requestors may issue.
    #[arg(long)]
    pub issue_perms: Option<List>,
    /// Comma-separated list of credentials that all requestors may revoke.
    #[arg(long)]
    pub revoke_perms: Option<List>,
    /// Preconfigured static sessions (in JSON).
    #[arg(long, value_parser = JsonFlag::<serde_json::Value>::new())]
    pub static_sessions: Option<MapOrJson<serde_json::Value>>,
    /// Max age in seconds of a session request JWT.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub max_request_age: Option<u64>,
    /// Clock-skew leeway in seconds for requestor JWTs (default 5).
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub jwt_leeway: Option<u64>,
}

/// Session lifetimes, result JWTs, callbacks and return URLs (resolved in `sessions.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionKeys {
    /// Maximum lifetime of a session, in minutes.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub max_session_lifetime: Option<u64>,
    /// Time in minutes for which a session result is kept after the session has finished.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub session_result_lifetime: Option<u64>,
    /// JWT issuer.
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub jwt_issuer: Option<String>,
    /// JWT private key.
    #[arg(long, allow_hyphen_values = true)]
    #[serde(deserialize_with = "lenient_string")]
    pub jwt_privkey: Option<String>,
    /// Path to JWT private key.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub jwt_privkey_file: Option<String>,
    /// Allow requests with callbacks or nextSession without a JWT private key.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub allow_unsigned_callbacks: Option<bool>,
    /// Whether to allow session requests to augment the client return URL.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub augment_client_return_url: Option<bool>,
    /// In production mode, allow callback and nextSession URLs that resolve to loopback,
    /// link-local or private addresses.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub allow_private_callbacks: Option<bool>,
}

/// The session store: `store_type` and the reference's flat `redis_*` keys (resolved in `store.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreKeys {
    /// Specifies how session state will be saved on the server (memory or redis).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub store_type: Option<String>,
    /// Redis address, to be specified as host:port.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_addr: Option<String>,
    /// Redis Sentinel addresses, to be specified as host:port (comma-separated).
    #[arg(long)]
    pub redis_sentinel_addrs: Option<List>,
    /// Redis Sentinel master name.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_sentinel_master_name: Option<String>,
    /// Accept the risk of inconsistent session state with Redis Sentinel or cluster.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub redis_accept_inconsistency_risk: Option<bool>,
    /// Redis server username (when using ACLs).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_username: Option<String>,
    /// Redis server password.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_pw: Option<String>,
    /// Redis Sentinel username (when using ACLs).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_sentinel_username: Option<String>,
    /// Redis Sentinel password.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_sentinel_pw: Option<String>,
    /// Explicitly allow an empty string as Redis password.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub redis_allow_empty_password: Option<bool>,
    /// Prefix every Redis key with the username (when using ACLs).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub redis_acl_use_key_prefixes: Option<bool>,
    /// Redis database to be selected after connecting to the server.
    #[arg(long)]
    #[serde(deserialize_with = "lenient")]
    pub redis_db: Option<i64>,
    /// Redis TLS certificate (PEM) of the server or its CA.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_tls_cert: Option<String>,
    /// Path to the Redis TLS certificate (PEM) of the server or its CA.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_tls_cert_file: Option<String>,
    /// Path to the Redis TLS client certificate (for mutual TLS).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_tls_client_cert_file: Option<String>,
    /// Path to the Redis TLS client key (for mutual TLS).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_tls_client_key_file: Option<String>,
    /// Disable TLS to Redis (plain TCP).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub redis_no_tls: Option<bool>,
    /// Prefix of every Redis key and channel, so one Redis can serve several deployments.
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub redis_key_prefix: Option<String>,
}

/// Revocation roles and database (resolved in `revocation.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct RevocationKeys {
    /// Database type for revocation: postgres, mysql, or sqlite (the default for a revocation
    /// server or authority: revocation.db in the data folder).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub revocation_db_type: Option<String>,
    /// Connection string for the revocation database (postgres: "host=… port=… user=…
    /// dbname=…" or a postgres:// URL; mysql: "user:password@tcp(host:port)/db"; sqlite: a
    /// file).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub revocation_db_str: Option<String>,
    /// Revocation settings per credential type, in JSON: {"CREDTYPE": {"authority": true}} or
    /// {"server", "revocation_server_url", "tolerance", "sse"}.
    #[arg(long, value_parser = JsonFlag::<serde_json::Value>::new())]
    pub revocation_settings: Option<MapOrJson<serde_json::Value>>,
}

/// Production mode, logging, and the keys accepted for compatibility (resolved in `mode.rs`).
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct ModeKeys {
    /// Production mode.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub production: Option<bool>,
    /// Log in JSON format.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub log_json: Option<bool>,
    /// Verbosity (0, 1 = debug, 2 = trace).
    #[arg(skip)]
    #[serde(deserialize_with = "lenient")]
    pub verbose: Option<u8>,
    /// No logs.
    #[arg(skip)]
    #[serde(deserialize_with = "lenient_bool")]
    pub quiet: Option<bool>,
    /// Accepted for compatibility and ignored: this server sends no email.
    #[arg(short, long)]
    #[serde(deserialize_with = "lenient_string")]
    pub email: Option<String>,
    /// Accepted for compatibility and ignored: this server sends no email.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(deserialize_with = "lenient_bool")]
    pub no_email: Option<bool>,
    /// SD-JWT VC issuer certificates directory (not supported: refused when set).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub sdjwtvc_issuer_certificates_dir: Option<String>,
    /// SD-JWT VC issuer private keys directory (not supported: refused when set).
    #[arg(long)]
    #[serde(deserialize_with = "lenient_string")]
    pub sdjwtvc_issuer_private_keys_dir: Option<String>,
    /// The two SD-JWT VC folders as one map (`issuer_certificates_dir`,
    /// `issuer_private_keys_dir`), in a file.
    #[arg(skip)]
    pub sdjwtvc: Option<MapOrJson<serde_json::Value>>,
}

/// One requestor of the `requestors` map.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRequestor {
    /// `token`, `hmac` or `publickey`.
    #[serde(deserialize_with = "lenient_string")]
    pub auth_method: Option<String>,
    /// The token, base64 HMAC key or PEM public key.
    #[serde(deserialize_with = "lenient_string")]
    pub key: Option<String>,
    /// A file holding the key.
    #[serde(deserialize_with = "lenient_string")]
    pub key_file: Option<String>,
    /// Attributes this requestor may disclose.
    pub disclose_perms: Vec<String>,
    /// Attributes this requestor may have signed.
    pub sign_perms: Vec<String>,
    /// Credentials this requestor may issue.
    pub issue_perms: Vec<String>,
    /// Credentials this requestor may revoke.
    pub revoke_perms: Vec<String>,
    /// Host globs this requestor may put in `host`.
    pub host_perms: Vec<String>,
}

/// The keys of a section: the field names that serde's derive gives `deserialize_struct`
/// (the one place they are listed is the struct itself).
fn key_names<T: DeserializeOwned>() -> &'static [&'static str] {
    /// A deserializer that records the field names it is asked for and fails.
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

/// The clap parser of flags taking a JSON object (`--requestors`, `--static-sessions`,
/// `--revocation-settings`). Its error names the flag and what is wrong but, unlike clap's
/// own, does not repeat the value: it may hold requestor keys.
#[derive(Debug)]
pub(super) struct JsonFlag<T>(PhantomData<fn() -> T>);

impl<T> JsonFlag<T> {
    /// The parser.
    pub(super) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Clone for JsonFlag<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> clap::builder::TypedValueParser
    for JsonFlag<T>
{
    type Value = MapOrJson<T>;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let flag = arg.and_then(clap::Arg::get_long).unwrap_or("the flag");
        let fail = |reason: String| {
            let mut cmd = cmd.clone();
            cmd.error(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for --{flag}: {reason}"),
            )
        };
        let text = value.to_str().ok_or_else(|| fail("not UTF-8".to_owned()))?;
        MapOrJson::from_json(text).map_err(fail)
    }
}

/// A list given as a list (config file) or as one string (flag or environment variable),
/// split on commas and white space. The reference splits flags on commas and environment
/// variables on white space only; we accept both everywhere.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct List(pub Vec<String>);

impl List {
    /// The items of a list written as one string.
    fn split(text: &str) -> Self {
        List(
            text.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }
}

/// A list flag (`--disclose-perms a,b`).
impl FromStr for List {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(List::split(text))
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings, or one string separated by commas or spaces")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<List, E> {
                Ok(List::split(v))
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

impl<T: DeserializeOwned> MapOrJson<T> {
    /// The map a flag or environment variable gives as JSON text (empty: no entries).
    fn from_json(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(MapOrJson::default());
        }
        serde_json::from_str(text)
            .map(MapOrJson)
            .map_err(|e| format!("invalid JSON: {}", without_strings(&e.to_string())))
    }
}

/// A JSON error message without the strings it quotes from the value (serde writes an
/// unexpected one as `string "…"`, escaped as `Debug` does): they may be keys or tokens.
fn without_strings(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(QUOTED) {
        out.push_str(&rest[..at + "string".len()]);
        let quoted = &rest[at + QUOTED.len()..];
        let mut escaped = false;
        let end = quoted.char_indices().find_map(|(i, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes.then_some(i + 1)
        });
        rest = end.map_or("", |end| &quoted[end..]);
    }
    out.push_str(rest);
    out
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
                MapOrJson::from_json(v).map_err(E::custom)
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
pub(super) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
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
pub(super) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
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
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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
