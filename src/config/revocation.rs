//! `revocation_settings`, `revocation_db_type` and `revocation_db_str` resolved (irmago
//! `irma/revocation.go` `RevocationSetting` and the checks of `RevocationStorage.Load`).
//!
//! Per credential type: `authority` (keeps the accumulator, signs updates, takes issuance
//! records and revocations; implies `server`), `server` (serves the updates it gets from
//! `revocation_server_url`), `revocation_server_url` (where updates come from instead of the
//! scheme's `RevocationServers`), `tolerance` (seconds, at least 30, default 600) and `sse`
//! (follow the authority's event stream). Checks that need the schemes (known credential
//! types, private keys) run when the server prepares.
//!
//! Differences from the reference, on purpose: unknown keys in a credential type's settings
//! are refused by name; a server or authority without `revocation_db_type` gets an embedded
//! SQLite database under the data folder instead of an error; `sqlserver` is refused by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::raw::RevocationKeys;
use super::secret::Secret;
use super::{ConfigError, invalid};
use crate::revocation::DbType;

/// The reference's default tolerance in seconds (`RevocationParameters.DefaultTolerance`).
pub const DEFAULT_TOLERANCE: u64 = 10 * 60;
/// The smallest tolerance accepted, in seconds.
pub const MIN_TOLERANCE: u64 = 30;

/// Revocation as configured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RevocationConfig {
    /// Per credential type (as written; matched against the schemes case-insensitively when
    /// the server prepares, as the reference undoes viper's lower-casing).
    pub types: BTreeMap<String, TypeSettings>,
    /// Where accumulators, events and issuance records are kept; `None`: in memory (a plain
    /// verifier or issuer keeps only the updates it fetched).
    pub database: Option<Database>,
}

/// The revocation settings of one credential type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeSettings {
    /// This server is the revocation authority (and so a revocation server).
    pub authority: bool,
    /// This server serves revocation updates (the authority's, or fetched from `url`).
    pub server: bool,
    /// Where to fetch updates and send issuance records, without trailing `/`; `None`: the
    /// scheme's `RevocationServers`.
    pub url: Option<String>,
    /// The configured tolerance in seconds, if any (see [`TypeSettings::tolerance`]).
    pub tolerance: Option<u64>,
    /// Follow the authority's `updateevents` stream.
    pub sse: bool,
}

impl TypeSettings {
    /// How old (seconds) the nonrevocation guarantee of a proof may be before the result
    /// says `notrevokedbefore`.
    pub fn tolerance(&self) -> u64 {
        self.tolerance.unwrap_or(DEFAULT_TOLERANCE)
    }
}

/// The revocation database.
#[derive(Debug, Clone, Serialize)]
pub enum Database {
    /// `revocation_db_type` with `revocation_db_str` (which may hold a password).
    Configured {
        /// The database type.
        #[serde(serialize_with = "db_type_name")]
        db_type: DbType,
        /// The connection string.
        dsn: Secret,
    },
    /// No database configured where one is needed: an SQLite file `revocation.db` in the
    /// data folder (`<data>/irma/`), chosen when the server starts.
    DefaultSqlite,
}

fn db_type_name<S: serde::Serializer>(db: &DbType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(db.name())
}

/// One credential type's settings as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTypeSettings {
    #[serde(default)]
    server: bool,
    #[serde(default)]
    authority: bool,
    #[serde(default)]
    revocation_server_url: String,
    #[serde(default)]
    tolerance: u64,
    #[serde(default)]
    sse: bool,
}

impl RevocationKeys {
    /// Resolves the three revocation keys.
    pub(super) fn resolve(self) -> Result<RevocationConfig, ConfigError> {
        let Self {
            revocation_db_type: db_type,
            revocation_db_str: db_str,
            revocation_settings: settings,
        } = self;
        let mut types = BTreeMap::new();
        for (id, value) in settings.unwrap_or_default().0 {
            let raw: RawTypeSettings = if value.is_null() {
                RawTypeSettings::default()
            } else {
                serde_json::from_value(value)
                    .map_err(|e| invalid("revocation_settings", format!("{id}: {e}")))?
            };
            let url = Some(raw.revocation_server_url.trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty());
            if raw.authority && url.is_some() {
                return Err(invalid(
                    "revocation_settings",
                    format!("revocation authority mode for {id} cannot be combined with URL"),
                ));
            }
            if raw.server && !raw.authority && url.is_none() {
                return Err(invalid(
                    "revocation_settings",
                    format!("revocation server mode for {id} requires URL to be configured"),
                ));
            }
            if raw.tolerance != 0 && raw.tolerance < MIN_TOLERANCE {
                return Err(invalid(
                    "revocation_settings",
                    format!(
                        "tolerance of {id} must be at least {MIN_TOLERANCE} seconds, was {}",
                        raw.tolerance
                    ),
                ));
            }
            if let Some(u) = &url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                return Err(invalid(
                    "revocation_settings",
                    format!("revocation_server_url of {id} is not an http(s) URL: {u:?}"),
                ));
            }
            types.insert(
                id,
                TypeSettings {
                    authority: raw.authority,
                    server: raw.server || raw.authority,
                    url,
                    tolerance: (raw.tolerance != 0).then_some(raw.tolerance),
                    sse: raw.sse,
                },
            );
        }
        let db_type = db_type.filter(|s| !s.is_empty());
        let db_str = db_str.filter(|s| !s.is_empty());
        let needs_database = types.values().any(|t| t.server);
        let database = match (db_type, db_str) {
            (None, None) if needs_database => Some(Database::DefaultSqlite),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    "revocation_db_type",
                    "revocation_db_str is set: give its type too (postgres, mysql or sqlite)",
                ));
            }
            (Some(t), dsn) => {
                let db_type: DbType = t.parse().map_err(|e: crate::revocation::StoreError| {
                    invalid("revocation_db_type", e.to_string())
                })?;
                match (db_type, dsn) {
                    (DbType::Sqlite, None) => Some(Database::DefaultSqlite),
                    (_, None) => {
                        return Err(invalid(
                            "revocation_db_str",
                            format!("revocation_db_type {t} needs a connection string"),
                        ));
                    }
                    (db_type, Some(dsn)) => {
                        // Refuse a connection string we cannot use now, not at the first query.
                        crate::revocation::dsn::to_url(db_type, &dsn)
                            .map_err(|e| invalid("revocation_db_str", e.to_string()))?;
                        Some(Database::Configured {
                            db_type,
                            dsn: Secret::new(dsn),
                        })
                    }
                }
            }
        };
        Ok(RevocationConfig { types, database })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MapOrJson;

    fn resolve(
        revocation_db_type: Option<String>,
        revocation_db_str: Option<String>,
        revocation_settings: Option<MapOrJson<serde_json::Value>>,
    ) -> Result<RevocationConfig, ConfigError> {
        RevocationKeys {
            revocation_db_type,
            revocation_db_str,
            revocation_settings,
        }
        .resolve()
    }

    fn settings(json: serde_json::Value) -> Option<MapOrJson<serde_json::Value>> {
        Some(MapOrJson(
            json.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn roles_urls_and_tolerance() {
        let c = resolve(
            None,
            None,
            settings(serde_json::json!({
                "a.b.c": {"authority": true},
                "a.b.d": {"revocation_server_url": "http://x/irma/", "sse": true, "tolerance": 30},
            })),
        )
        .unwrap();
        assert!(c.types["a.b.c"].server && c.types["a.b.c"].authority);
        assert_eq!(c.types["a.b.c"].tolerance(), DEFAULT_TOLERANCE);
        assert_eq!(c.types["a.b.d"].url.as_deref(), Some("http://x/irma"));
        assert_eq!(c.types["a.b.d"].tolerance(), 30);
        // An authority needs a database: SQLite by default.
        assert!(matches!(c.database, Some(Database::DefaultSqlite)));

        let verifier = resolve(None, None, None).unwrap();
        assert!(verifier.database.is_none());

        for (bad, says) in [
            (
                serde_json::json!({"a.b.c": {"authority": true, "revocation_server_url": "http://x"}}),
                "cannot be combined with URL",
            ),
            (
                serde_json::json!({"a.b.c": {"server": true}}),
                "requires URL",
            ),
            (
                serde_json::json!({"a.b.c": {"tolerance": 29}}),
                "at least 30",
            ),
            (
                serde_json::json!({"a.b.c": {"authorty": true}}),
                "unknown field",
            ),
            (
                serde_json::json!({"a.b.c": {"revocation_server_url": "ftp://x"}}),
                "not an http(s) URL",
            ),
        ] {
            let e = resolve(None, None, settings(bad)).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("revocation_settings"), "{e}");
        }
    }

    #[test]
    fn databases() {
        let c = resolve(
            Some("postgres".into()),
            Some("host=127.0.0.1 port=5432 user=u password=secret dbname=d".into()),
            None,
        )
        .unwrap();
        let Some(Database::Configured { db_type, dsn }) = &c.database else {
            panic!("no database")
        };
        assert_eq!(*db_type, DbType::Postgres);
        assert!(!format!("{c:?}").contains("secret"));
        assert!(!serde_json::to_string(&c).unwrap().contains("secret"));
        assert!(dsn.expose().contains("secret"));

        let e = resolve(Some("sqlserver".into()), Some("x".into()), None).unwrap_err();
        assert!(e.to_string().contains("revocation_db_type"), "{e}");
        let e = resolve(None, Some("x".into()), None).unwrap_err();
        assert!(e.to_string().contains("revocation_db_type"), "{e}");
        let e = resolve(Some("mysql".into()), None, None).unwrap_err();
        assert!(e.to_string().contains("revocation_db_str"), "{e}");
        let e = resolve(Some("postgres".into()), Some("nonsense".into()), None).unwrap_err();
        assert!(e.to_string().contains("revocation_db_str"), "{e}");
        let c = resolve(Some("sqlite".into()), None, None).unwrap();
        assert!(matches!(c.database, Some(Database::DefaultSqlite)));
    }
}
