//! Production mode, logging, and the keys accepted for compatibility: `production`,
//! `log_json`, `verbose`, `quiet` (file and environment only: on the command line these are
//! the global flags), `email` and `no_email` (ignored, said at start), and the SD-JWT VC keys
//! of irmago 1.x (refused when they enable something).

use serde::Serialize;

use super::raw::{MapOrJson, ModeKeys};
use super::{ConfigError, invalid};

/// This section, resolved.
#[derive(Debug)]
pub(super) struct Mode {
    /// Production mode: stricter defaults, unsafe combinations refused.
    pub(super) production: bool,
    /// Logging.
    pub(super) log: LogConfig,
    /// The keys given that are accepted for compatibility only.
    pub(super) ignored: Vec<&'static str>,
}

impl ModeKeys {
    /// Resolves this section; refuses SD-JWT VC settings.
    pub(super) fn resolve(self) -> Result<Mode, ConfigError> {
        let Self {
            production,
            log_json,
            verbose,
            quiet,
            email,
            no_email,
            sdjwtvc_issuer_certificates_dir,
            sdjwtvc_issuer_private_keys_dir,
            sdjwtvc,
        } = self;
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
        Ok(Mode {
            production: production.unwrap_or(false),
            log: LogConfig {
                verbose: verbose.unwrap_or(0),
                quiet: quiet.unwrap_or(false),
                json: log_json.unwrap_or(false),
            },
            ignored,
        })
    }
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
