//! Listeners, the app URL, TLS and static files: `port`, `listen_addr`, `client_port`,
//! `client_listen_addr`, `metrics_port`, `metrics_listen_addr`, `url`, `api_prefix`,
//! `static_path`, `static_prefix`, `sse`, `shutdown_timeout`, `max_connections`, the
//! `tls_*` and `client_tls_*` keys and `no_tls`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::raw::ListenerKeys;
use super::secret::Secret;
use super::{ConfigError, as_seconds, inline_or_file, invalid};

/// The listeners, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Listeners {
    /// The requestor API listener (and the app API unless `client_listener` is set).
    pub listener: Listener,
    /// A separate listener for the app API (`/irma/...`).
    pub client_listener: Option<Listener>,
    /// A separate listener for `/metrics`, `/ready` and `/health` (plain HTTP); without
    /// it `/metrics` is on the requestor API's listener.
    pub metrics_listener: Option<Listener>,
    /// How long a stopping server keeps serving the sessions already started.
    #[serde(serialize_with = "as_seconds")]
    pub shutdown_timeout: Duration,
    /// Most connections each listener serves at once; more wait in the accept backlog.
    /// `None`: chosen at start from the descriptor limit.
    pub max_connections: Option<usize>,
    /// External URL of the app API, normalised to end in `irma/`; `None` when not
    /// configured (then the server derives one, and in production mode refuses to start).
    pub url: Option<String>,
    /// Prefix of every route, starting and ending with `/`.
    pub api_prefix: String,
    /// Static files, when configured.
    pub static_files: Option<StaticFiles>,
    /// Server-sent events for status updates.
    pub sse: bool,
    /// Plain HTTP is intended (TLS terminates in front of the server).
    pub no_tls: bool,
}

impl ListenerKeys {
    /// Resolves this section; in `production` mode the app URL must be `https` unless
    /// `no_tls`.
    pub(super) fn resolve(self, production: bool) -> Result<Listeners, ConfigError> {
        let Self {
            url,
            port,
            listen_addr,
            api_prefix,
            client_port,
            client_listen_addr,
            metrics_port,
            metrics_listen_addr,
            shutdown_timeout,
            max_connections,
            static_path,
            static_prefix,
            sse,
            tls_cert,
            tls_cert_file,
            tls_privkey,
            tls_privkey_file,
            client_tls_cert,
            client_tls_cert_file,
            client_tls_privkey,
            client_tls_privkey_file,
            no_tls,
        } = self;
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
        Ok(Listeners {
            listener,
            client_listener,
            metrics_listener,
            shutdown_timeout: seconds_at_most(
                "shutdown_timeout",
                shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
                MAX_SHUTDOWN_TIMEOUT,
            )?,
            max_connections: max_connections
                .map(|n| match usize::try_from(n) {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(invalid("max_connections", "must be at least 1")),
                })
                .transpose()?,
            url,
            api_prefix: api_prefix_of(api_prefix)?,
            static_files: static_files(static_path, static_prefix)?,
            sse: sse.unwrap_or(false),
            no_tls,
        })
    }
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

/// Default requestor API port, as the reference.
pub const DEFAULT_PORT: u16 = 8088;

/// Default of `shutdown_timeout`, in seconds: time for a user to finish a session in the
/// app after the server was told to stop.
const DEFAULT_SHUTDOWN_TIMEOUT: u64 = 60;

/// Largest `shutdown_timeout`, in seconds: an hour is longer than any drain should take.
const MAX_SHUTDOWN_TIMEOUT: u64 = 3600;

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
