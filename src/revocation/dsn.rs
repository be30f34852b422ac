//! `revocation_db_str` as the reference takes it, turned into the connection URL of our SQL
//! driver.
//!
//! irmago hands the string to gorm's drivers: PostgreSQL through pgx, which takes libpq's
//! `key=value` form (`host=127.0.0.1 port=5432 user=irma dbname=irma sslmode=disable`) or a
//! `postgres://` URL; MySQL through go-sql-driver, whose form is
//! `user:password@tcp(host:port)/dbname?param=value`. sqlx takes URLs only, so both forms are
//! translated here. Options without an equivalent are refused by name rather than ignored.
//! For SQLite (ours only) the string is a file path or a `sqlite:` URL.

use url::Url;

use super::store::DbType;

/// Why a connection string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsnError {
    /// Not a connection string of the expected form.
    #[error("invalid {db} connection string: {reason}")]
    Malformed {
        /// The database type.
        db: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An option we cannot honour.
    #[error("unsupported {db} connection option {option:?}")]
    Unsupported {
        /// The database type.
        db: &'static str,
        /// The option's name.
        option: String,
    },
}

/// The SQLite database a server or `irma issuer revoke` uses when none is configured:
/// `revocation.db` in the data folder (`~/.local/share/irma/`); `None` when no data folder
/// can be found or created.
pub fn default_sqlite_file() -> Option<std::path::PathBuf> {
    crate::scheme::storage::data_path().map(|folder| folder.join("revocation.db"))
}

/// The sqlx connection URL for `dsn` of database type `db`.
pub fn to_url(db: DbType, dsn: &str) -> Result<String, DsnError> {
    let dsn = dsn.trim();
    match db {
        DbType::Postgres if dsn.starts_with("postgres://") || dsn.starts_with("postgresql://") => {
            Ok(dsn.to_owned())
        }
        DbType::Postgres => postgres_keywords(dsn),
        DbType::Mysql if dsn.starts_with("mysql://") => Ok(dsn.to_owned()),
        DbType::Mysql => go_mysql(dsn),
        DbType::Sqlite if dsn.starts_with("sqlite:") => Ok(dsn.to_owned()),
        DbType::Sqlite => {
            if dsn.is_empty() || dsn.contains(['?', '#', '%']) {
                return Err(malformed("sqlite", "a file name without ?, # or %"));
            }
            // Create the file when missing (`rwc`), as the reference creates its tables.
            Ok(format!("sqlite://{dsn}?mode=rwc"))
        }
    }
}

/// The file of an SQLite connection string (a path, or a `sqlite:` URL's path); `None` for
/// an in-memory database.
pub fn sqlite_path(dsn: &str) -> Option<String> {
    let dsn = dsn.trim();
    let path = match dsn.strip_prefix("sqlite:") {
        Some(rest) => rest
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or(""),
        None => dsn,
    };
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

fn malformed(db: &'static str, reason: impl ToString) -> DsnError {
    DsnError::Malformed {
        db,
        reason: reason.to_string(),
    }
}

/// libpq's `key=value` list: values may be single-quoted, with `\'` and `\\` escapes.
fn postgres_keywords(dsn: &str) -> Result<String, DsnError> {
    const DB: &str = "postgres";
    let mut url = Url::parse("postgres://localhost").map_err(|e| malformed(DB, e))?;
    let mut query = Vec::new();
    for (key, value) in keyword_pairs(dsn)? {
        match key.as_str() {
            "host" if value.starts_with('/') => query.push(("host".to_owned(), value)),
            "host" | "hostaddr" => url
                .set_host(Some(&value))
                .map_err(|e| malformed(DB, format!("host {value:?}: {e}")))?,
            "port" => {
                let port = value
                    .parse()
                    .map_err(|_| malformed(DB, format!("port {value:?}")))?;
                url.set_port(Some(port))
                    .map_err(|()| malformed(DB, "port"))?;
            }
            "user" => url
                .set_username(&value)
                .map_err(|()| malformed(DB, "user"))?,
            "password" => url
                .set_password(Some(&value))
                .map_err(|()| malformed(DB, "password"))?,
            "dbname" => url.set_path(&value),
            "sslmode" | "sslrootcert" | "sslcert" | "sslkey" | "application_name" => {
                query.push((key, value))
            }
            _ => {
                return Err(DsnError::Unsupported {
                    db: DB,
                    option: key,
                });
            }
        }
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url.to_string())
}

fn keyword_pairs(dsn: &str) -> Result<Vec<(String, String)>, DsnError> {
    const DB: &str = "postgres";
    let mut pairs = Vec::new();
    let mut chars = dsn.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(malformed(DB, format!("missing \"=\" after {key:?}")));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(malformed(DB, "unterminated quoted value")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// go-sql-driver's `[user[:password]@][net[(addr)]]/dbname[?params]`.
fn go_mysql(dsn: &str) -> Result<String, DsnError> {
    const DB: &str = "mysql";
    let (rest, params) = dsn.split_once('?').unwrap_or((dsn, ""));
    let slash = rest
        .rfind('/')
        .ok_or_else(|| malformed(DB, "missing \"/dbname\""))?;
    let (before, dbname) = (&rest[..slash], &rest[slash + 1..]);
    let (credentials, address) = match before.rfind('@') {
        Some(at) => (Some(&before[..at]), &before[at + 1..]),
        None => (None, before),
    };
    let mut url = Url::parse("mysql://localhost").map_err(|e| malformed(DB, e))?;
    if let Some(credentials) = credentials {
        let (user, password) = match credentials.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (credentials, None),
        };
        url.set_username(user).map_err(|()| malformed(DB, "user"))?;
        url.set_password(password)
            .map_err(|()| malformed(DB, "password"))?;
    }
    let mut query: Vec<(String, String)> = Vec::new();
    let (net, addr) = match address.split_once('(') {
        Some((net, addr)) => (
            net,
            addr.strip_suffix(')')
                .ok_or_else(|| malformed(DB, "unclosed address"))?,
        ),
        None => (address, ""),
    };
    match net {
        "" | "tcp" => {
            let (host, port) = match addr.rsplit_once(':') {
                Some((host, port)) => (host, port),
                None => (addr, "3306"),
            };
            let host = if host.is_empty() { "127.0.0.1" } else { host };
            url.set_host(Some(host.trim_start_matches('[').trim_end_matches(']')))
                .map_err(|e| malformed(DB, format!("host {host:?}: {e}")))?;
            let port = port
                .parse()
                .map_err(|_| malformed(DB, format!("port {port:?}")))?;
            url.set_port(Some(port))
                .map_err(|()| malformed(DB, "port"))?;
        }
        "unix" => query.push(("socket".into(), addr.into())),
        other => {
            return Err(DsnError::Unsupported {
                db: DB,
                option: format!("network {other}"),
            });
        }
    }
    url.set_path(dbname);
    for (key, value) in url::form_urlencoded::parse(params.as_bytes()) {
        match key.as_ref() {
            // Only changes how Go scans DATE/DATETIME columns; the tables have none.
            "parseTime" => {}
            "charset" => {
                let first = value.split(',').next().unwrap_or_default();
                query.push(("charset".into(), first.into()));
            }
            "tls" => {
                let mode = match value.as_ref() {
                    "true" => "VERIFY_IDENTITY",
                    "skip-verify" => "REQUIRED",
                    "preferred" => "PREFERRED",
                    "false" => "DISABLED",
                    other => {
                        return Err(DsnError::Unsupported {
                            db: DB,
                            option: format!("tls={other}"),
                        });
                    }
                };
                query.push(("ssl-mode".into(), mode.into()));
            }
            _ => {
                return Err(DsnError::Unsupported {
                    db: DB,
                    option: key.into_owned(),
                });
            }
        }
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_keyword_strings_become_urls() {
        // The reference's recorded setting.
        let dsn = "host=127.0.0.1 port=48350 user=postgres dbname=irma_rev_public sslmode=disable";
        assert_eq!(
            to_url(DbType::Postgres, dsn).unwrap(),
            "postgres://postgres@127.0.0.1:48350/irma_rev_public?sslmode=disable"
        );
        let quoted = "user=irma password='a b\\'c@' host=/run/postgresql dbname = x";
        assert_eq!(
            to_url(DbType::Postgres, quoted).unwrap(),
            "postgres://irma:a%20b'c%40@localhost/x?host=%2Frun%2Fpostgresql"
        );
        let url = "postgres://u:p@h:1/d";
        assert_eq!(to_url(DbType::Postgres, url).unwrap(), url);
        assert_eq!(
            to_url(DbType::Postgres, "host=x connect_timeout=3"),
            Err(DsnError::Unsupported {
                db: "postgres",
                option: "connect_timeout".into()
            })
        );
        assert!(to_url(DbType::Postgres, "host").is_err());
        assert!(to_url(DbType::Postgres, "password='open").is_err());
    }

    #[test]
    fn go_mysql_strings_become_urls() {
        assert_eq!(
            to_url(
                DbType::Mysql,
                "irma:s3cret@tcp(127.0.0.1:3307)/revocation?parseTime=true&tls=false"
            )
            .unwrap(),
            "mysql://irma:s3cret@127.0.0.1:3307/revocation?ssl-mode=DISABLED"
        );
        assert_eq!(
            to_url(DbType::Mysql, "root@unix(/run/mysqld/mysqld.sock)/db").unwrap(),
            "mysql://root@localhost/db?socket=%2Frun%2Fmysqld%2Fmysqld.sock"
        );
        assert_eq!(
            to_url(DbType::Mysql, "/db").unwrap(),
            "mysql://127.0.0.1:3306/db"
        );
        assert!(matches!(
            to_url(DbType::Mysql, "u@tcp(h:1)/db?loc=Local"),
            Err(DsnError::Unsupported { .. })
        ));
        assert!(to_url(DbType::Mysql, "u@tcp(h:1)").is_err());
    }

    #[test]
    fn sqlite_paths_become_urls() {
        assert_eq!(
            to_url(DbType::Sqlite, "/var/lib/irma/revocation.db").unwrap(),
            "sqlite:///var/lib/irma/revocation.db?mode=rwc"
        );
        assert_eq!(
            to_url(DbType::Sqlite, "rev.db").unwrap(),
            "sqlite://rev.db?mode=rwc"
        );
        assert!(to_url(DbType::Sqlite, "").is_err());
        assert!(to_url(DbType::Sqlite, "a?b").is_err());
    }
}
