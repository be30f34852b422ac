//! Everything `irma server` builds from its resolved configuration before it listens, and
//! every check the reference makes at startup (irmago `irma/server/conf.go` `Check`,
//! `requestorserver/conf.go` `initialize`), with one side effect, the reference's: the
//! schemes folder is prepared ([`crate::scheme::storage::prepare_folder`]: newer schemes
//! from `schemes_assets_path`, the built-in schemes into an empty folder). No downloads, no
//! sockets. `irma server check` runs exactly this and stops.
//!
//! Refusals are errors naming the setting; risky but allowed combinations are returned as
//! warnings (the caller logs them), as the reference logs them.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::RevocationSettings;
use crate::config::{Auth, Listener, Permissions, ServerConfig, Tls};
use crate::crypto::idemix::keys::{PrivateKey, PublicKey};
use crate::jwt::auth::RequestorAuth;
use crate::jwt::keys::{JwtKeyError, RsaPrivateKey};
use crate::jwt::result::ResultSigner;
use crate::protocol::identifiers::{CredentialTypeId, IssuerId, PublicKeyId};
use crate::protocol::request::{RequestorRequest, SessionRequest};
use crate::scheme::storage::{default_assets_path, prepare_folder};
use crate::scheme::{Configuration, default_schemes_path};
use crate::session::Settings;
use crate::session::clock::Clock;
use crate::session::permissions::{PermissionSet, url_host};
use crate::session::store::Lifetimes;
use crate::session::validate::PrivateKeyFolder;

/// What the server runs on, built and checked from a [`ServerConfig`].
#[derive(Debug)]
pub struct Prepared {
    /// The loaded, verified schemes.
    pub schemes: Configuration,
    /// Where the schemes were loaded from.
    pub schemes_path: PathBuf,
    /// The session engine's settings.
    pub settings: Settings,
    /// Requestor authentication.
    pub auth: RequestorAuth,
    /// Static sessions by name, parsed and checked.
    pub static_sessions: BTreeMap<String, RequestorRequest>,
    /// TLS of the requestor listener (and of the app API when it shares that listener).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// TLS of the separate app listener.
    pub client_tls: Option<Arc<rustls::ServerConfig>>,
    /// Risky but allowed settings, for the log.
    pub warnings: Vec<String>,
    /// `revocation_settings` by credential type, as the schemes spell it.
    pub revocation: BTreeMap<CredentialTypeId, RevocationSettings>,
}

/// Why the server cannot start with this configuration; each names the setting.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The schemes could not be loaded.
    #[error("invalid setting schemes_path: preparing {path}{}: {source}", assets_note(.assets))]
    SchemesFolder {
        /// The schemes folder.
        path: PathBuf,
        /// The assets folder, if any.
        assets: Option<PathBuf>,
        /// The scheme error.
        source: crate::scheme::Error,
    },
    /// The schemes could not be loaded.
    #[error("invalid setting schemes_path: loading schemes from {path}: {source}")]
    Schemes {
        /// The schemes folder.
        path: PathBuf,
        /// The scheme error.
        source: crate::scheme::Error,
    },
    /// A private key in the `privkeys` folder is unusable.
    #[error("invalid setting privkeys: {0}")]
    PrivateKeys(String),
    /// Permission patterns that do not fit the schemes.
    #[error("invalid permissions (settings *_perms and requestors):\n  {}", .0.join("\n  "))]
    Permissions(Vec<String>),
    /// The JWT private key is unusable.
    #[error("invalid setting jwt_privkey: {0}")]
    JwtKey(JwtKeyError),
    /// A static session request is unusable.
    #[error("invalid setting static_sessions: static session {name}: {reason}")]
    StaticSession {
        /// The session name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A TLS certificate or key is unusable.
    #[error("invalid setting {key}: {reason}")]
    Tls {
        /// `tls_cert` or `client_tls_cert`.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An unsafe combination of settings.
    #[error("invalid setting {key}: {reason}")]
    Refused {
        /// The setting to change.
        key: &'static str,
        /// Why it is refused.
        reason: String,
    },
}

/// Builds and checks everything the server needs from `conf`, without side effects.
pub fn prepare(conf: &ServerConfig) -> Result<Prepared, PrepareError> {
    let mut warnings = Vec::new();
    let schemes_path = default_schemes_path(conf.schemes.schemes_path.as_deref());
    let assets = conf
        .schemes
        .schemes_assets_path
        .clone()
        .or_else(default_assets_path);
    let done = prepare_folder(&schemes_path, assets.as_deref()).map_err(|source| {
        PrepareError::SchemesFolder {
            path: schemes_path.clone(),
            assets: assets.clone(),
            source,
        }
    })?;
    for line in done {
        tracing::info!("{line}");
    }
    let schemes = Configuration::load(&schemes_path).map_err(|source| PrepareError::Schemes {
        path: schemes_path.clone(),
        source,
    })?;
    warnings.extend(schemes.warnings().iter().cloned());
    let keys = PrivateKeyFolder(conf.schemes.privkeys.clone());
    if let Some(dir) = &conf.schemes.privkeys {
        check_private_key_folder(dir, &schemes)?;
    }

    let auth = requestor_auth(conf);
    let own = match &conf.requestors.auth {
        Auth::Disabled => BTreeMap::new(),
        Auth::Requestors(r) => r.iter().map(|(name, r)| (name, &r.permissions)).collect(),
    };
    let permissions = PermissionSet::resolve(
        &conf.requestors.global_permissions,
        own.iter().map(|(n, p)| (*n, *p)),
        &schemes,
        &keys,
        !conf.schemes.skip_private_keys_check,
    )
    .map_err(PrepareError::Permissions)?;
    widened_permission_warnings(&conf.requestors.global_permissions, &own, &mut warnings);

    if matches!(conf.requestors.auth, Auth::Disabled) {
        warnings.push(
            "requestor authentication disabled (no_auth): anyone who can reach this server can use it"
                .to_owned(),
        );
        if !conf.requestors.global_permissions.issue.is_empty()
            && have_private_keys(&schemes, &keys)
        {
            if conf.production && conf.listeners.client_listener.is_none() {
                return Err(PrepareError::Refused {
                    key: "no_auth",
                    reason: "issuance is enabled in production mode with private keys installed: enable requestor authentication, or serve the app API on its own client_port and client_listen_addr".to_owned(),
                });
            }
            warnings.push(
                "issuance enabled and private keys installed: anyone who can reach this server can use it to issue attributes"
                    .to_owned(),
            );
        }
    }

    let revocation = revocation_settings(conf, &schemes)?;
    let url = app_url(conf);
    let signer = result_signer(conf)?.map(Arc::new);
    let static_sessions = static_sessions(conf, signer.is_some(), &permissions, &url)?;
    if !static_sessions.is_empty() && signer.is_none() {
        warnings.push("static sessions enabled and no JWT private key installed: keep the callback URLs of static sessions secret and use HTTPS".to_owned());
    }

    let tls = conf
        .listeners
        .listener
        .tls
        .as_ref()
        .map(|t| tls_config("tls_cert", t))
        .transpose()?;
    let client_tls = conf
        .listeners
        .client_listener
        .as_ref()
        .and_then(|l| l.tls.as_ref())
        .map(|t| tls_config("client_tls_cert", t))
        .transpose()?;

    url_warnings(&url, &conf.listeners.api_prefix, &mut warnings);
    for key in &conf.ignored {
        warnings.push(format!(
            "{key} is accepted for compatibility and ignored: this server sends no email (as irmago 1.x)"
        ));
    }
    if conf.log.verbose >= 2 {
        warnings.push("logging at TRACE level: the log may contain untrusted input and personal data of users".to_owned());
    }

    let settings = Settings {
        url,
        production: conf.production,
        lifetimes: Lifetimes {
            max_session: conf.sessions.max_session_lifetime,
            result: conf.sessions.session_result_lifetime,
        },
        private_keys: keys,
        permissions,
        signer,
        allow_unsigned_callbacks: conf.sessions.allow_unsigned_callbacks,
        augment_client_return_url: conf.sessions.augment_client_return_url,
        allow_private_callbacks: conf.sessions.allow_private_callbacks,
        clock: Clock::System,
    };
    Ok(Prepared {
        schemes,
        schemes_path,
        settings,
        auth,
        static_sessions,
        tls,
        client_tls,
        warnings,
        revocation,
    })
}

/// `revocation_settings` matched against the schemes (irmago `verifyRevocation`): every
/// credential type must exist, case-insensitively as the reference undoes viper's
/// lower-casing, and support revocation. The checks against the issuer keys and the
/// database need the engine and run when the server starts
/// ([`crate::revocation::Service::check_keys`]).
fn revocation_settings(
    conf: &ServerConfig,
    schemes: &Configuration,
) -> Result<BTreeMap<CredentialTypeId, RevocationSettings>, PrepareError> {
    let refused = |key, reason: String| PrepareError::Refused { key, reason };
    let mut resolved = BTreeMap::new();
    for (name, settings) in &conf.revocation.types {
        let ct = schemes
            .credential_types()
            .find(|ct| ct.id.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                refused(
                    "revocation_settings",
                    format!("unknown credential type {name} in revocation settings"),
                )
            })?;
        if !ct.revocation_supported() {
            return Err(refused(
                "revocation_settings",
                format!("credential type {} does not support revocation", ct.id),
            ));
        }
        resolved.insert(ct.id.clone(), settings.clone());
    }
    Ok(resolved)
}

/// ` with schemes_assets_path X` when an assets folder is used, for messages.
fn assets_note(assets: &Option<PathBuf>) -> String {
    assets
        .as_ref()
        .map(|a| format!(" with schemes_assets_path {}", a.display()))
        .unwrap_or_default()
}

/// The reference applies the global permissions on top of a requestor's own: a requestor
/// with its own list and a non-empty global list may do more than its own list says.
fn widened_permission_warnings(
    global: &Permissions,
    requestors: &BTreeMap<&String, &Permissions>,
    warnings: &mut Vec<String>,
) {
    for (name, own) in requestors {
        let kinds = [
            ("disclose_perms", &own.disclose, &global.disclose),
            ("sign_perms", &own.sign, &global.sign),
            ("issue_perms", &own.issue, &global.issue),
        ];
        for (key, own, global) in kinds {
            if !own.is_empty() && !global.is_empty() {
                warnings.push(format!(
                    "requestor {name} has its own {key}, but the global {key} {global:?} apply on top of them; set the global {key} to [] to restrict requestors to their own"
                ));
            }
        }
    }
}

/// The socket address a listener binds (all interfaces when no address is set).
pub fn socket_addr(listener: &Listener) -> SocketAddr {
    SocketAddr::new(
        listener.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        listener.port,
    )
}

/// The first IPv4 address of the first interface that is up and not a loopback, in the
/// order of the interfaces' indexes: what the reference's default URL names (irmago
/// `irma/server/api.go` `LocalIP`), so that a phone on the same network reaches a
/// development server.
pub fn lan_ip() -> Option<Ipv4Addr> {
    let mut interfaces = if_addrs::get_if_addrs().ok()?;
    interfaces.sort_by_key(|i| i.index.unwrap_or(u32::MAX));
    interfaces
        .into_iter()
        .filter(|i| i.is_oper_up() && !i.is_loopback())
        .find_map(|i| match i.ip() {
            IpAddr::V4(ip) if !ip.is_loopback() => Some(ip),
            _ => None,
        })
}

/// The app URL: the configured one, else (outside production) the app listener at this
/// machine's LAN address, as the reference's default (127.0.0.1 when it has none); in
/// production without `url` it stays empty, as the reference's.
fn app_url(conf: &ServerConfig) -> String {
    if let Some(u) = &conf.listeners.url {
        return u.clone();
    }
    if conf.production {
        return String::new();
    }
    let listener = conf
        .listeners
        .client_listener
        .as_ref()
        .unwrap_or(&conf.listeners.listener);
    let addr = socket_addr(listener);
    let host = if addr.ip().is_unspecified() {
        IpAddr::V4(lan_ip().unwrap_or_else(|| {
            tracing::warn!("could not determine the local IP address; the url is 127.0.0.1");
            Ipv4Addr::LOCALHOST
        }))
    } else {
        addr.ip()
    };
    let scheme = if listener.tls.is_some() {
        "https"
    } else {
        "http"
    };
    // Port 0 is chosen when the listener is bound; `Server` then fills in `:port`.
    let authority = match addr.port() {
        0 => format!(
            "{}:port",
            SocketAddr::new(host, 1).to_string().trim_end_matches(":1")
        ),
        port => SocketAddr::new(host, port).to_string(),
    };
    format!("{scheme}://{authority}{}irma/", conf.listeners.api_prefix)
}

fn url_warnings(url: &str, api_prefix: &str, warnings: &mut Vec<String>) {
    if url.is_empty() {
        warnings.push("no url configured: unless an url is prepended elsewhere in the QR, the app will not be able to connect".to_owned());
        return;
    }
    if !url.starts_with("https://") {
        warnings.push(format!(
            "TLS is not enabled on the url {url:?} to which the app connects: make sure attributes are encrypted in transit, by TLS here or in a reverse proxy"
        ));
    }
    let suffix = format!("{api_prefix}irma/");
    if !url.ends_with(&suffix) {
        warnings.push(format!(
            "are url and api_prefix set correctly? {url} does not end with {suffix}"
        ));
    }
}

/// Requestor authentication as configured.
fn requestor_auth(config: &ServerConfig) -> RequestorAuth {
    let requestors = match &config.requestors.auth {
        Auth::Disabled => return RequestorAuth::disabled(),
        Auth::Requestors(r) => r,
    };
    let mut auth = RequestorAuth::new(
        config.requestors.max_request_age.as_secs(),
        config.requestors.jwt_leeway.as_secs(),
    );
    for (name, requestor) in requestors {
        auth.add(name.clone(), requestor.key.clone());
    }
    auth
}

/// The result signer, if a JWT private key is configured.
fn result_signer(config: &ServerConfig) -> Result<Option<ResultSigner>, PrepareError> {
    let Some(pem) = &config.sessions.jwt_private_key else {
        return Ok(None);
    };
    let key = RsaPrivateKey::from_pem(pem.expose().as_bytes()).map_err(PrepareError::JwtKey)?;
    Ok(Some(ResultSigner::new(
        key,
        config.sessions.jwt_issuer.clone(),
    )))
}

/// Parses and checks the static sessions (irmago `verifyStaticSessions`): disclosure or
/// signature requests with a `callbackUrl` or `nextSession.url`, and a JWT key to sign the
/// result unless unsigned callbacks are allowed; and (not in the reference) a `host`, if
/// any, that is the host of `url`, as when they start.
fn static_sessions(
    conf: &ServerConfig,
    have_jwt_key: bool,
    permissions: &PermissionSet,
    url: &str,
) -> Result<BTreeMap<String, RequestorRequest>, PrepareError> {
    if conf.requestors.static_sessions.is_empty() {
        return Ok(BTreeMap::new());
    }
    if !have_jwt_key && !conf.sessions.allow_unsigned_callbacks {
        return Err(PrepareError::Refused {
            key: "static_sessions",
            reason: "static sessions configured but no JWT private key installed: configure jwt_privkey or enable allow_unsigned_callbacks".to_owned(),
        });
    }
    let mut out = BTreeMap::new();
    for (name, value) in &conf.requestors.static_sessions {
        let bad = |reason: String| PrepareError::StaticSession {
            name: name.clone(),
            reason,
        };
        let request = RequestorRequest::from_json(value.clone())
            .map_err(|e| bad(format!("not a session request: {e}")))?;
        if matches!(request.request, SessionRequest::Issuance(_)) {
            return Err(bad("must be a disclosure or signature session".to_owned()));
        }
        let has_next = request
            .next_session
            .as_ref()
            .is_some_and(|n| !n.url.is_empty());
        if request.callback_url.is_empty() && !has_next {
            return Err(bad("has no callbackUrl or nextSession url".to_owned()));
        }
        permissions
            .check_host("", &request.request.base().host, url_host(url))
            .map_err(|e| bad(format!("{e} (only the host of url)")))?;
        out.insert(name.clone(), request);
    }
    Ok(out)
}

/// The rustls configuration of a listener: the certificate chain and its key, TLS 1.2 and
/// 1.3 with the provider's (ECDHE, AEAD-only) suites, HTTP/1.1.
fn tls_config(key: &'static str, tls: &Tls) -> Result<Arc<rustls::ServerConfig>, PrepareError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |reason: String| PrepareError::Tls { key, reason };
    let chain = CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("certificate chain is not PEM: {e}")))?;
    if chain.is_empty() {
        return Err(bad("no certificate in the PEM text".to_owned()));
    }
    let private = PrivateKeyDer::from_pem_slice(tls.key_pem.expose().as_bytes())
        .map_err(|_| bad("the private key is not a PEM private key".to_owned()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| bad(format!("certificate and private key do not fit: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Whether a private key of a non-demo scheme is installed (irmago `HavePrivateKeys`).
fn have_private_keys(schemes: &Configuration, keys: &PrivateKeyFolder) -> bool {
    schemes
        .issuers()
        .filter(|i| {
            schemes
                .scheme(&i.id.scheme())
                .is_some_and(|s| !s.description.demo)
        })
        .any(|i| {
            schemes
                .public_key_counters(&i.id)
                .into_iter()
                .any(|counter| {
                    keys.has_key(
                        schemes,
                        &PublicKeyId {
                            issuer: i.id.clone(),
                            counter,
                        },
                    )
                })
        })
}

/// Checks the `privkeys` folder as the reference's key ring: every
/// `scheme.issuer[.counter].xml` is a valid private key of a known issuer whose public key
/// with that counter is in the schemes; other files are skipped.
fn check_private_key_folder(dir: &Path, schemes: &Configuration) -> Result<(), PrepareError> {
    let fail = |msg: String| PrepareError::PrivateKeys(msg);
    let entries = std::fs::read_dir(dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| fail(format!("{}: {e}", dir.display())))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let Some((issuer, counter)) = parse_key_file_name(name) else {
            continue;
        };
        let path = entry.path();
        let issuer =
            IssuerId::parse(&issuer).map_err(|e| fail(format!("{}: {e}", path.display())))?;
        if schemes.scheme(&issuer.scheme()).is_none() {
            return Err(fail(format!(
                "{}: private key of issuer {issuer} belongs to an unknown scheme",
                path.display()
            )));
        }
        if schemes.issuer(&issuer).is_none() {
            return Err(fail(format!(
                "{}: private key of unknown issuer {issuer}",
                path.display()
            )));
        }
        let xml =
            std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
        let sk = PrivateKey::from_xml(&xml)
            .and_then(|sk| sk.validate().map(|()| sk))
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
        if counter.is_some_and(|c| c != sk.counter()) {
            return Err(fail(format!(
                "{}: counter in the file name differs from the key's counter {}",
                path.display(),
                sk.counter()
            )));
        }
        let id = PublicKeyId {
            issuer: issuer.clone(),
            counter: sk.counter(),
        };
        let pk = schemes
            .public_key_xml(&id)
            .ok_or_else(|| {
                fail(format!(
                    "{}: issuer {issuer} has no public key with counter {}",
                    path.display(),
                    sk.counter()
                ))
            })
            .and_then(|xml| {
                PublicKey::from_xml(xml).map_err(|e| fail(format!("public key {id}: {e}")))
            })?;
        if pk.n() != sk.n() {
            return Err(fail(format!(
                "{}: does not belong to public key {id}",
                path.display()
            )));
        }
    }
    Ok(())
}

/// `scheme.issuer.xml` or `scheme.issuer.counter.xml` → (`scheme.issuer`, counter).
fn parse_key_file_name(name: &str) -> Option<(String, Option<u32>)> {
    let stem = name.strip_suffix(".xml")?;
    let parts: Vec<&str> = stem.split('.').collect();
    match parts.as_slice() {
        [scheme, issuer] if !scheme.is_empty() && !issuer.is_empty() => {
            Some((format!("{scheme}.{issuer}"), None))
        }
        [scheme, issuer, counter]
            if !scheme.is_empty()
                && !issuer.is_empty()
                && !counter.is_empty()
                && counter.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some((format!("{scheme}.{issuer}"), counter.parse().ok()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_key_file_name;

    #[test]
    fn key_file_names() {
        assert_eq!(
            parse_key_file_name("irma-demo.MijnOverheid.xml"),
            Some(("irma-demo.MijnOverheid".to_owned(), None))
        );
        assert_eq!(
            parse_key_file_name("irma-demo.MijnOverheid.2.xml"),
            Some(("irma-demo.MijnOverheid".to_owned(), Some(2)))
        );
        assert_eq!(parse_key_file_name("README.md"), None);
        assert_eq!(parse_key_file_name("a.b.c.xml"), None);
        assert_eq!(parse_key_file_name(".xml"), None);
    }
}
