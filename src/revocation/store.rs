//! SQL storage of revocation state with irmago's tables (`irma/revocation_db.go`, gorm models
//! `EventRecord`, `AccumulatorRecord`, `IssuanceRecord`), so that either implementation opens
//! a database the other wrote.
//!
//! Tables (gorm's names: snake_case plural tables and columns, the `column:` overrides
//! `eventindex` and `revocationkey`):
//!
//! | table | columns (primary key first) |
//! |---|---|
//! | `event_records` | `eventindex`, `cred_type`, `pk_counter`; `e`, `parent_hash` |
//! | `accumulator_records` | `cred_type`, `pk_counter`; `data` |
//! | `issuance_records` | `revocationkey`, `cred_type`, `issued`; `pk_counter`, `attr`, `valid_until`, `revoked_at` |
//!
//! `data` is the signed accumulator wrapped in a CBOR byte string (irmago's `signedMessage`
//! value), `e`, `attr` big-endian bytes, `parent_hash` the multihash, times Unix nanoseconds.
//! Column types are gorm's for each database (PostgreSQL `text`/`bigint`/`bytea`, MySQL
//! `varchar(255)`/`varchar(191)`/`bigint unsigned`/`blob`); missing tables are created on
//! open, as gorm's `AutoMigrate` does.
//!
//! # Why sqlx, and which of it
//! sqlx is the maintained async SQL crate with drivers for all three databases in pure Rust
//! (SQLite bundled). We use its runtime `Any` driver: one code path, SQL chosen per database at
//! run time, no compile-time query checking (its macros need a live database while compiling).
//! Only the drivers, the tokio runtime and rustls TLS are enabled.

use std::collections::BTreeMap;
use std::str::FromStr;

use num_bigint::BigUint;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::dsn::{self, DsnError};
use super::record::IssuanceRecord;
use crate::crypto::bigint::Int;
use crate::crypto::revocation::{
    Event, EventHash, EventList, SignedAccumulator, SignedMessage, Update, Updates, from_cbor,
    to_cbor,
};
use crate::protocol::identifiers::CredentialTypeId;

/// A supported `revocation_db_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbType {
    /// PostgreSQL (`postgres`), as the reference.
    Postgres,
    /// MySQL (`mysql`), as the reference.
    Mysql,
    /// SQLite (`sqlite`): ours, an embedded database in one file.
    Sqlite,
}

impl DbType {
    /// The name as `revocation_db_type` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
            Self::Sqlite => "sqlite",
        }
    }
}

impl FromStr for DbType {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "postgres" => Ok(Self::Postgres),
            "mysql" => Ok(Self::Mysql),
            "sqlite" => Ok(Self::Sqlite),
            other => Err(StoreError::UnsupportedType(other.to_owned())),
        }
    }
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A `revocation_db_type` we do not support (the reference also has `sqlserver`).
    #[error("unsupported revocation database type {0:?} (supported: postgres, mysql, sqlite)")]
    UnsupportedType(String),
    /// The connection string was refused.
    #[error(transparent)]
    Dsn(#[from] DsnError),
    /// The database failed.
    #[error("revocation database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value does not decode.
    #[error("revocation database holds an invalid {0}")]
    Corrupt(&'static str),
    /// No revocation state for the credential type and key (irmago
    /// `ErrRevocationStateNotFound`).
    #[error("revocation state not found")]
    StateNotFound,
    /// No unrevoked issuance record with that key (irmago `ErrUnknownRevocationKey`).
    #[error("unknown revocation key")]
    UnknownRevocationKey,
}

/// The head of one key's accumulator chain: the signed accumulator and its latest event
/// (irmago `revocationUpdateHead`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateHead {
    /// The current signed accumulator (not verified by the store).
    pub signed_accumulator: SignedAccumulator,
    /// The event with the highest index.
    pub latest_event: Event,
}

/// Revocation storage on an SQL database (irmago `sqlRevStorage`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    db: DbType,
}

impl Store {
    /// Connects and creates the tables that are missing.
    pub async fn open(db: DbType, connection: &str) -> Result<Self, StoreError> {
        let url = dsn::to_url(db, connection)?;
        // SQLite allows one writer at a time: one connection serializes the transactions
        // instead of failing them with SQLITE_BUSY.
        let max = if db == DbType::Sqlite { 1 } else { 8 };
        Self::connect(db, &url, AnyPoolOptions::new().max_connections(max)).await
    }

    /// An SQLite database in memory, for a server without a configured database (irmago's
    /// memory storage, which keeps the updates a verifier or issuer fetched): it lives as long
    /// as its one connection, which is never closed for idling or age.
    pub async fn memory() -> Result<Self, StoreError> {
        let options = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        Self::connect(DbType::Sqlite, "sqlite::memory:", options).await
    }

    /// Whether a database answers at all, without creating or changing anything (for
    /// `irma server check`): PostgreSQL and MySQL are connected to; an SQLite file that does
    /// not exist yet is fine (it will be created), one that exists is opened read-only.
    pub async fn check(db: DbType, connection: &str) -> Result<(), StoreError> {
        let url = dsn::to_url(db, connection)?;
        let url = match db {
            DbType::Sqlite => {
                let path = dsn::sqlite_path(connection);
                if !path.is_some_and(|p| std::path::Path::new(&p).exists()) {
                    return Ok(());
                }
                url.replace("mode=rwc", "mode=ro")
            }
            _ => url,
        };
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(&url)
            .await?;
        // SQLite reads the file only for a query on it: its schema table.
        let probe = match db {
            DbType::Sqlite => "SELECT count(*) FROM sqlite_master",
            _ => "SELECT 1",
        };
        sqlx::query(probe).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }

    async fn connect(db: DbType, url: &str, options: AnyPoolOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let pool = options.connect(url).await?;
        let store = Self { pool, db };
        for statement in store.schema() {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&store.pool)
                .await?;
        }
        Ok(store)
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `CREATE TABLE IF NOT EXISTS` for the three tables, in gorm's column order and types.
    fn schema(&self) -> [String; 3] {
        let (text, key, uint, int, bytes) = match self.db {
            DbType::Postgres => ("text", "text", "bigint", "bigint", "bytea"),
            DbType::Mysql => (
                "varchar(255)",
                "varchar(191)",
                "bigint unsigned",
                "bigint",
                "blob",
            ),
            DbType::Sqlite => ("text", "text", "integer", "integer", "blob"),
        };
        [
            format!(
                "CREATE TABLE IF NOT EXISTS event_records (eventindex {uint}, cred_type {text}, \
                 pk_counter {uint}, e {bytes}, parent_hash {bytes}, \
                 PRIMARY KEY (eventindex, cred_type, pk_counter))"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS accumulator_records (cred_type {text}, data {bytes}, \
                 pk_counter {uint}, PRIMARY KEY (cred_type, pk_counter))"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS issuance_records (revocationkey {key}, \
                 cred_type {text}, issued {int}, pk_counter {uint}, attr {bytes}, \
                 valid_until {int}, revoked_at {int}, \
                 PRIMARY KEY (revocationkey, cred_type, issued))"
            ),
        ]
    }

    /// `template` with its `?` placeholders in this database's syntax.
    fn sql(&self, template: &str) -> AssertSqlSafe<String> {
        if self.db != DbType::Postgres {
            return AssertSqlSafe(template.to_owned());
        }
        let mut out = String::with_capacity(template.len() + 8);
        let mut n = 0;
        for c in template.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        AssertSqlSafe(out)
    }

    /// An unsigned column as a signed 64-bit value (MySQL reports `bigint unsigned`, which
    /// the `Any` driver does not read as `i64`).
    fn unsigned(&self, column: &str) -> String {
        match self.db {
            DbType::Mysql => format!("CAST({column} AS SIGNED) AS {column}"),
            _ => column.to_owned(),
        }
    }

    /// Whether there is an accumulator for the credential type and key (irmago `Exists`).
    pub async fn exists(
        &self,
        cred: &CredentialTypeId,
        pk_counter: u32,
    ) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query(self.sql(
            "SELECT COUNT(*) AS n FROM accumulator_records WHERE cred_type = ? AND pk_counter = ?",
        ))
        .bind(cred.as_str().to_owned())
        .bind(i64::from(pk_counter))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(count > 0)
    }

    /// The events with `from ≤ index < to`, oldest first; [`StoreError::StateNotFound`] when
    /// there are none (irmago `Events`).
    pub async fn events(
        &self,
        cred: &CredentialTypeId,
        pk_counter: u32,
        from: u64,
        to: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let sql = format!(
            "SELECT {}, e, parent_hash FROM event_records WHERE cred_type = ? AND pk_counter = ? \
             AND eventindex >= ? AND eventindex < ? ORDER BY eventindex",
            self.unsigned("eventindex")
        );
        let rows = sqlx::query(self.sql(&sql))
            .bind(cred.as_str().to_owned())
            .bind(i64::from(pk_counter))
            .bind(to_i64(from)?)
            .bind(to_i64(to)?)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::StateNotFound);
        }
        rows.iter().map(event_of).collect()
    }

    /// Per key counter (all, or only `pk_counter`), the signed accumulator with its latest
    /// `limit` events (all when 0), oldest first (irmago `LatestAccumulatorUpdates`).
    pub async fn latest_updates(
        &self,
        cred: &CredentialTypeId,
        pk_counter: Option<u32>,
        limit: u64,
    ) -> Result<Updates, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut sql = format!(
            "SELECT data, {} FROM accumulator_records WHERE cred_type = ?",
            self.unsigned("pk_counter")
        );
        if pk_counter.is_some() {
            sql.push_str(" AND pk_counter = ?");
        }
        let mut query = sqlx::query(self.sql(&sql)).bind(cred.as_str().to_owned());
        if let Some(counter) = pk_counter {
            query = query.bind(i64::from(counter));
        }
        let accumulators = query.fetch_all(&mut *tx).await?;
        let mut updates = BTreeMap::new();
        for row in &accumulators {
            let (counter, signed_accumulator) = accumulator_of(row)?;
            let mut sql = format!(
                "SELECT {}, e, parent_hash FROM event_records WHERE cred_type = ? \
                 AND pk_counter = ? ORDER BY eventindex DESC",
                self.unsigned("eventindex")
            );
            if limit > 0 {
                sql.push_str(&format!(" LIMIT {limit}"));
            }
            let rows = sqlx::query(self.sql(&sql))
                .bind(cred.as_str().to_owned())
                .bind(i64::from(counter))
                .fetch_all(&mut *tx)
                .await?;
            let mut events = rows.iter().map(event_of).collect::<Result<Vec<_>, _>>()?;
            events.reverse();
            let events = EventList::new(events).map_err(|_| StoreError::Corrupt("event chain"))?;
            updates.insert(
                counter,
                Update {
                    signed_accumulator,
                    events,
                },
            );
        }
        tx.commit().await?;
        Ok(updates)
    }

    /// Appends to the accumulator chains of a credential type in one transaction that locks
    /// them (irmago `AppendAccumulatorUpdate`): `handler` gets the head of every key's chain
    /// and returns, per key counter, the new signed accumulator with the events to add (only
    /// new ones); a counter without a chain yet starts one. Nothing is stored when it fails.
    pub async fn append_update<E>(
        &self,
        cred: &CredentialTypeId,
        handler: impl FnOnce(BTreeMap<u32, UpdateHead>) -> Result<BTreeMap<u32, Update>, E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let heads = self.heads(&mut tx, cred).await?;
        let updates = match handler(heads) {
            Ok(updates) => updates,
            Err(e) => return Ok(Err(e)),
        };
        self.write_updates(&mut tx, cred, &updates).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Revokes in one transaction (irmago `Revoke`: `UpdateIssuanceRecord` around
    /// `AppendAccumulatorUpdate`): `handler` gets the unrevoked issuance records with this key
    /// (and issuance time, when given), which it marks revoked, and the heads of the
    /// accumulator chains, and returns the updates that remove them; records and updates are
    /// written together, or nothing when it fails. [`StoreError::UnknownRevocationKey`] when
    /// there are no such records.
    pub async fn revoke<E>(
        &self,
        cred: &CredentialTypeId,
        key: &str,
        issued: Option<i64>,
        handler: impl FnOnce(
            &mut [IssuanceRecord],
            BTreeMap<u32, UpdateHead>,
        ) -> Result<BTreeMap<u32, Update>, E>,
    ) -> Result<Result<BTreeMap<u32, Update>, E>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut records = self
            .select_issuance_records(&mut tx, cred, key, issued, true)
            .await?;
        let heads = self.heads(&mut tx, cred).await?;
        let updates = match handler(&mut records, heads) {
            Ok(updates) => updates,
            Err(e) => return Ok(Err(e)),
        };
        for r in &records {
            sqlx::query(self.sql(
                "UPDATE issuance_records SET pk_counter = ?, attr = ?, valid_until = ?, \
                 revoked_at = ? WHERE revocationkey = ? AND cred_type = ? AND issued = ?",
            ))
            .bind(i64::from(r.pk_counter))
            .bind(r.attr.to_bytes())
            .bind(r.valid_until)
            .bind(r.revoked_at)
            .bind(r.key.clone())
            .bind(r.cred_type.as_str().to_owned())
            .bind(r.issued)
            .execute(&mut *tx)
            .await?;
        }
        self.write_updates(&mut tx, cred, &updates).await?;
        tx.commit().await?;
        Ok(Ok(updates))
    }

    /// The head of every key's chain of a credential type, locking the accumulators.
    async fn heads(
        &self,
        conn: &mut sqlx::AnyConnection,
        cred: &CredentialTypeId,
    ) -> Result<BTreeMap<u32, UpdateHead>, StoreError> {
        let mut sql = format!(
            "SELECT data, {} FROM accumulator_records WHERE cred_type = ?",
            self.unsigned("pk_counter")
        );
        // SQLite has no row locks; its single connection serializes transactions.
        if self.db != DbType::Sqlite {
            sql.push_str(" FOR UPDATE");
        }
        let rows = sqlx::query(self.sql(&sql))
            .bind(cred.as_str().to_owned())
            .fetch_all(&mut *conn)
            .await?;
        let mut heads = BTreeMap::new();
        for row in &rows {
            let (counter, signed_accumulator) = accumulator_of(row)?;
            let sql = format!(
                "SELECT {}, e, parent_hash FROM event_records WHERE cred_type = ? \
                 AND pk_counter = ? ORDER BY eventindex DESC LIMIT 1",
                self.unsigned("eventindex")
            );
            let row = sqlx::query(self.sql(&sql))
                .bind(cred.as_str().to_owned())
                .bind(i64::from(counter))
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::Corrupt("accumulator without events"))?;
            heads.insert(
                counter,
                UpdateHead {
                    signed_accumulator,
                    latest_event: event_of(&row)?,
                },
            );
        }
        Ok(heads)
    }

    /// Inserts the events of `updates` and replaces their accumulators.
    async fn write_updates(
        &self,
        conn: &mut sqlx::AnyConnection,
        cred: &CredentialTypeId,
        updates: &BTreeMap<u32, Update>,
    ) -> Result<(), StoreError> {
        for (&counter, update) in updates {
            for event in update.events.events() {
                sqlx::query(self.sql(
                    "INSERT INTO event_records (eventindex, cred_type, pk_counter, e, parent_hash) \
                     VALUES (?, ?, ?, ?, ?)",
                ))
                .bind(to_i64(event.index)?)
                .bind(cred.as_str().to_owned())
                .bind(i64::from(counter))
                .bind(Int(event.e.clone()).to_bytes())
                .bind(event.parent_hash.as_bytes().to_vec())
                .execute(&mut *conn)
                .await?;
            }
            let upsert = match self.db {
                DbType::Mysql => {
                    "INSERT INTO accumulator_records (cred_type, data, pk_counter) VALUES (?, ?, ?) \
                     ON DUPLICATE KEY UPDATE data = VALUES(data)"
                }
                _ => {
                    "INSERT INTO accumulator_records (cred_type, data, pk_counter) VALUES (?, ?, ?) \
                     ON CONFLICT (cred_type, pk_counter) DO UPDATE SET data = excluded.data"
                }
            };
            sqlx::query(self.sql(upsert))
                .bind(cred.as_str().to_owned())
                .bind(to_cbor(&update.signed_accumulator.data))
                .bind(i64::from(counter))
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Stores a new issuance record (irmago `AddIssuanceRecord`).
    pub async fn add_issuance_record(&self, record: &IssuanceRecord) -> Result<(), StoreError> {
        sqlx::query(self.sql(
            "INSERT INTO issuance_records (revocationkey, cred_type, issued, pk_counter, attr, \
             valid_until, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(record.key.clone())
        .bind(record.cred_type.as_str().to_owned())
        .bind(record.issued)
        .bind(i64::from(record.pk_counter))
        .bind(record.attr.to_bytes())
        .bind(record.valid_until)
        .bind(record.revoked_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unrevoked issuance records with this key (and issuance time, when given);
    /// [`StoreError::UnknownRevocationKey`] when there are none (irmago `IssuanceRecords`).
    pub async fn issuance_records(
        &self,
        cred: &CredentialTypeId,
        key: &str,
        issued: Option<i64>,
    ) -> Result<Vec<IssuanceRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.select_issuance_records(&mut conn, cred, key, issued, false)
            .await
    }

    /// Deletes the issuance records whose credential expired before `now` (ns) (irmago
    /// `DeleteExpiredIssuanceRecords`); returns how many.
    pub async fn delete_expired_issuance_records(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(self.sql("DELETE FROM issuance_records WHERE valid_until < ?"))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn select_issuance_records(
        &self,
        conn: &mut sqlx::AnyConnection,
        cred: &CredentialTypeId,
        key: &str,
        issued: Option<i64>,
        lock: bool,
    ) -> Result<Vec<IssuanceRecord>, StoreError> {
        let mut sql = format!(
            "SELECT revocationkey, cred_type, issued, {}, attr, valid_until, revoked_at \
             FROM issuance_records WHERE cred_type = ? AND revocationkey = ? AND revoked_at = 0",
            self.unsigned("pk_counter")
        );
        if issued.is_some() {
            sql.push_str(" AND issued = ?");
        }
        if lock && self.db != DbType::Sqlite {
            sql.push_str(" FOR UPDATE");
        }
        let mut query = sqlx::query(self.sql(&sql))
            .bind(cred.as_str().to_owned())
            .bind(key.to_owned());
        if let Some(issued) = issued {
            query = query.bind(issued);
        }
        let rows = query.fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            return Err(StoreError::UnknownRevocationKey);
        }
        rows.iter().map(issuance_record_of).collect()
    }
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("index beyond 2^63"))
}

fn counter_of(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt("key counter"))
}

fn event_of(row: &AnyRow) -> Result<Event, StoreError> {
    let index: i64 = row.try_get("eventindex")?;
    let e: Option<Vec<u8>> = row.try_get("e")?;
    let parent: Option<Vec<u8>> = row.try_get("parent_hash")?;
    Ok(Event {
        index: u64::try_from(index).map_err(|_| StoreError::Corrupt("event index"))?,
        e: BigUint::from_bytes_be(&e.unwrap_or_default()),
        parent_hash: EventHash::from_bytes(parent.unwrap_or_default()),
    })
}

fn accumulator_of(row: &AnyRow) -> Result<(u32, SignedAccumulator), StoreError> {
    let counter = counter_of(row.try_get("pk_counter")?)?;
    let data: Option<Vec<u8>> = row.try_get("data")?;
    let data = data.ok_or(StoreError::Corrupt("accumulator"))?;
    Ok((
        counter,
        SignedAccumulator {
            data: signed_message_of(data)?,
            pk_counter: counter,
        },
    ))
}

/// irmago stores the signed message wrapped in a CBOR byte string; a bare `{Msg, Sig}` map
/// (CBOR map of two, `0xa2`), as some older versions left it, is read as is.
fn signed_message_of(data: Vec<u8>) -> Result<SignedMessage, StoreError> {
    if data.first() == Some(&0xa2) {
        return Ok(SignedMessage::from_bytes(data));
    }
    from_cbor(&data).map_err(|_| StoreError::Corrupt("accumulator"))
}

fn issuance_record_of(row: &AnyRow) -> Result<IssuanceRecord, StoreError> {
    let cred: String = row.try_get("cred_type")?;
    let attr: Option<Vec<u8>> = row.try_get("attr")?;
    let valid_until: Option<i64> = row.try_get("valid_until")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    Ok(IssuanceRecord {
        key: row.try_get("revocationkey")?,
        cred_type: CredentialTypeId::parse(&cred)
            .map_err(|_| StoreError::Corrupt("credential type"))?,
        issued: row.try_get("issued")?,
        pk_counter: counter_of(row.try_get("pk_counter")?)?,
        attr: Int(BigUint::from_bytes_be(&attr.unwrap_or_default())),
        valid_until: valid_until.unwrap_or_default(),
        revoked_at: revoked_at.unwrap_or_default(),
    })
}
