//! Revocation storage on a real PostgreSQL and a real MySQL (MariaDB): throwaway servers
//! started here with the Debian binaries on a free port of 127.0.0.1, and on SQLite: the
//! reference's tables and columns, the reference's recorded database contents read back, and
//! the authority's round trip (initial accumulator, issuance record, revocation).

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use irma::crypto::bigint::Int;
use irma::crypto::idemix::{PrivateKey, PublicKey};
use irma::crypto::revocation::{Accumulator, Update};
use irma::protocol::identifiers::CredentialTypeId;
use irma::revocation::{DbType, IssuanceRecord, Store, StoreError};
use num_bigint::BigUint;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

use crate::util::{data_dir, free_port, vector};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const MARIADB: &str = "/usr/sbin/mariadbd";

/// Whether a database server's binaries are installed; under CI (`CI` set, as `.ci/run` runs),
/// which installs them, their absence fails.
fn installed(binary: &Path, package: &str) -> bool {
    if binary.exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} not found: .ci/run installs the Debian package {package}",
        binary.display()
    );
    eprintln!(
        "skipping: {} not found (install the Debian package {package})",
        binary.display()
    );
    false
}

/// Creates the empty database `name` through the server's database at `url`.
async fn create_database(url: &str, name: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Waits at most 20 s for a server to accept connections on 127.0.0.1:`port`.
fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A PostgreSQL cluster in a temporary directory, stopped on drop.
pub(crate) struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postgres {
    /// Starts a cluster, or `None` (with a message) when the binaries are not installed
    /// (see [`installed`]).
    pub(crate) fn start() -> Option<Self> {
        if !installed(&Path::new(PG_BIN).join("initdb"), "postgresql") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // PostgreSQL refuses to run as root: run it as the postgres user then.
        let as_root = running_as_root();
        if as_root {
            chown_to_postgres(dir.path());
        }
        let port = free_port();
        run_pg(
            as_root,
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            dir.path().display()
        );
        run_pg(
            as_root,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                dir.path().join("log").to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        wait_for_port(port, "postgres");
        Some(Self { dir, port })
    }

    /// A new empty database; its connection string in the reference's (libpq) form.
    pub(crate) async fn database(&self, name: &str) -> String {
        create_database(&self.url("postgres"), name).await;
        self.dsn(name)
    }

    fn dsn(&self, db: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={db} sslmode=disable",
            self.port
        )
    }

    pub(crate) fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let as_root = running_as_root();
        let _ = pg_command(
            as_root,
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        )
        .status();
    }
}

/// A MariaDB server (the MySQL of Debian) in a temporary directory, without grant tables
/// (any user may connect), killed on drop.
pub(crate) struct Mariadb {
    _dir: tempfile::TempDir,
    child: std::process::Child,
    port: u16,
}

impl Mariadb {
    /// Starts a server, or `None` (with a message) when the binaries are not installed
    /// (see [`installed`]).
    pub(crate) fn start() -> Option<Self> {
        if !installed(Path::new(MARIADB), "mariadb-server") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data_arg = format!("--datadir={}", data.display());
        // As root, the server only runs with `--user=root`; otherwise it runs as we are.
        let out = Command::new("mariadb-install-db")
            .args(["--no-defaults", &data_arg, "--user=root", "--skip-test-db"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = Command::new(MARIADB)
            .args(["--no-defaults", &data_arg, "--user=root"])
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--port={port}"))
            .args(["--bind-address=127.0.0.1", "--skip-grant-tables"])
            .args(["--skip-log-bin", "--innodb-buffer-pool-size=16M"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Self {
            _dir: dir,
            child,
            port,
        };
        wait_for_port(port, "mariadb");
        Some(server)
    }

    /// A new empty database; its connection string in the reference's (go-sql-driver) form.
    pub(crate) async fn database(&self, name: &str) -> String {
        create_database(&self.url("mysql"), name).await;
        format!("root@tcp(127.0.0.1:{})/{name}", self.port)
    }

    pub(crate) fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether we run as root (uid 0), from `/proc/self/status`.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn chown_to_postgres(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres", path.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "chown to the postgres user failed");
}

fn pg_command(as_root: bool, program: &str, args: &[&str]) -> Command {
    let binary = PathBuf::from(PG_BIN).join(program);
    let mut cmd = if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(binary);
        cmd
    } else {
        Command::new(binary)
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_pg(as_root: bool, program: &str, args: &[&str]) {
    let out = pg_command(as_root, program, args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn root() -> CredentialTypeId {
    CredentialTypeId::parse("irma-demo.MijnOverheid.root").unwrap()
}

fn key_file(kind: &str) -> String {
    let path = data_dir().join(format!("schemes/irma-demo/MijnOverheid/{kind}/2.xml"));
    std::fs::read_to_string(path).unwrap()
}

/// `\x0102…` (psql's bytea text) as bytes.
fn pg_bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("\\x")).unwrap()
}

/// The reference's database at the end of its run (`setup.json`).
fn dump() -> Value {
    vector("revocation/setup.json")["postgres"]["dump_at_end"].clone()
}

/// Writes the reference's recorded rows into the (already created) tables, as its gorm did.
pub(crate) async fn insert_reference_rows(pool: &sqlx::AnyPool, postgres: bool) {
    let p = |n: usize| {
        (1..=n)
            .map(|i| {
                if postgres {
                    format!("${i}")
                } else {
                    "?".into()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let dump = dump();
    for row in dump["accumulator_records"].as_array().unwrap() {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO accumulator_records (cred_type, data, pk_counter) VALUES ({})",
            p(3)
        )))
        .bind(row["cred_type"].as_str().unwrap().to_owned())
        .bind(pg_bytes(&row["data"]))
        .bind(row["pk_counter"].as_i64().unwrap())
        .execute(pool)
        .await
        .unwrap();
    }
    for row in dump["event_records"].as_array().unwrap() {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO event_records (eventindex, cred_type, pk_counter, e, parent_hash) \
             VALUES ({})",
            p(5)
        )))
        .bind(row["eventindex"].as_i64().unwrap())
        .bind(row["cred_type"].as_str().unwrap().to_owned())
        .bind(row["pk_counter"].as_i64().unwrap())
        .bind(pg_bytes(&row["e"]))
        .bind(pg_bytes(&row["parent_hash"]))
        .execute(pool)
        .await
        .unwrap();
    }
    for row in dump["issuance_records"].as_array().unwrap() {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO issuance_records (revocationkey, cred_type, issued, pk_counter, attr, \
             valid_until, revoked_at) VALUES ({})",
            p(7)
        )))
        .bind(row["revocationkey"].as_str().unwrap().to_owned())
        .bind(row["cred_type"].as_str().unwrap().to_owned())
        .bind(row["issued"].as_i64().unwrap())
        .bind(row["pk_counter"].as_i64().unwrap())
        .bind(pg_bytes(&row["attr"]))
        .bind(row["valid_until"].as_i64().unwrap())
        .bind(row["revoked_at"].as_i64().unwrap())
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Reads the reference's recorded state back through [`Store`] and checks it against the
/// recorded update messages.
async fn reads_the_reference_state(store: &Store) {
    let pk = PublicKey::from_xml(&key_file("PublicKeys")).unwrap();
    let updates = store.latest_updates(&root(), None, 16).await.unwrap();
    assert_eq!(updates.keys().copied().collect::<Vec<_>>(), [2]);
    let acc = updates[&2].verify(&pk).unwrap();
    assert_eq!(acc.index, 1);
    // The same accumulator and events the authority served at the end of its run.
    let served: Value = vector("revocation/update-messages.json")["calls"][9]["decoded"].clone();
    let expected = &served["updates"]["2"]["signed_accumulator"]["accumulator"];
    assert_eq!(acc.index, expected["Index"].as_u64().unwrap());
    assert_eq!(updates[&2].events.events().len(), 2);
    let only_latest = store.latest_updates(&root(), Some(2), 1).await.unwrap();
    assert_eq!(only_latest[&2].events.events().len(), 1);
    only_latest[&2].verify(&pk).unwrap();
    let events = store.events(&root(), 2, 0, 16).await.unwrap();
    assert_eq!(events, updates[&2].events.events());
    assert!(matches!(
        store.events(&root(), 2, 16, 32).await,
        Err(StoreError::StateNotFound)
    ));
    assert!(store.exists(&root(), 2).await.unwrap());
    assert!(!store.exists(&root(), 3).await.unwrap());

    // The revoked record is no longer found by key; the others are.
    assert!(matches!(
        store
            .issuance_records(&root(), "revkey-public-alice-1", None)
            .await,
        Err(StoreError::UnknownRevocationKey)
    ));
    let records = store
        .issuance_records(&root(), "revkey-public-alice-2", None)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].pk_counter, 2);
    assert_eq!(records[0].revoked_at, 0);
    // Its attribute is the e of the witness the reference issued with it.
    assert_eq!(
        hex::encode(records[0].attr.to_bytes()),
        "ce6c8ec9045fdc0131ffddd146b893af8276e0dffffaf037"
    );
}

/// The authority's round trip on an empty store: initial accumulator, issuance records,
/// revocation, expiry.
async fn authority_round_trip(store: &Store) {
    let sk = PrivateKey::from_xml(&key_file("PrivateKeys")).unwrap();
    let pk = PublicKey::from_xml(&key_file("PublicKeys")).unwrap();
    let cred = root();
    assert!(!store.exists(&cred, 2).await.unwrap());
    let initial = Accumulator::initial(&sk, 1_800_000_000).unwrap();
    store
        .append_update(&cred, |heads| {
            assert!(heads.is_empty());
            Ok::<_, ()>(BTreeMap::from([(2, initial.clone())]))
        })
        .await
        .unwrap()
        .unwrap();
    assert!(store.exists(&cred, 2).await.unwrap());
    assert_eq!(
        store.latest_updates(&cred, Some(2), 16).await.unwrap()[&2],
        initial
    );

    let acc0 = initial.verify(&pk).unwrap();
    let e = BigUint::from(1_000_003u32);
    for (key, issued) in [("alice", 1), ("alice", 2), ("bob", 3)] {
        store
            .add_issuance_record(&IssuanceRecord {
                key: key.into(),
                cred_type: cred.clone(),
                issued,
                pk_counter: 2,
                attr: Int(e.clone() + issued as u32),
                valid_until: 10 * issued,
                revoked_at: 0,
            })
            .await
            .unwrap();
    }
    // The same record twice violates the primary key.
    let duplicate = store.issuance_records(&cred, "bob", Some(3)).await.unwrap();
    assert!(store.add_issuance_record(&duplicate[0]).await.is_err());
    assert_eq!(
        store
            .issuance_records(&cred, "alice", None)
            .await
            .unwrap()
            .len(),
        2
    );

    // Revoke alice's second credential: mark the record, remove its e from the accumulator.
    let revoked = store
        .issuance_records(&cred, "alice", Some(2))
        .await
        .unwrap()
        .remove(0);
    let mut removed = None;
    let written = store
        .revoke(&cred, "alice", Some(2), |records, heads| {
            assert_eq!(records.len(), 1);
            records[0].revoked_at = 99;
            let head = &heads[&2];
            let acc = head.signed_accumulator.verify(&pk).unwrap();
            let (next, event) = acc
                .remove(&sk, records[0].e(), &head.latest_event, 1_800_000_060)
                .unwrap();
            let update = Update::new(&sk, &next, vec![event]).unwrap();
            removed = Some(next);
            Ok::<_, ()>(BTreeMap::from([(2, update)]))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.len(), 1);
    let latest = store.latest_updates(&cred, None, 0).await.unwrap();
    let acc1 = latest[&2].verify(&pk).unwrap();
    assert_eq!(Some(acc1.clone()), removed);
    assert_eq!(acc1.index, acc0.index + 1);
    assert_eq!(latest[&2].events.events()[1].e, *revoked.e());
    assert_eq!(
        store
            .issuance_records(&cred, "alice", None)
            .await
            .unwrap()
            .len(),
        1
    );

    // A failing handler stores nothing.
    let failed = store
        .append_update(&cred, |_| Err::<BTreeMap<u32, Update>, _>("refused"))
        .await
        .unwrap();
    assert_eq!(failed, Err("refused"));
    // Inserting an event that exists already fails and rolls back the transaction.
    let again = latest[&2].clone();
    assert!(
        store
            .append_update(&cred, |_| Ok::<_, ()>(BTreeMap::from([(2, again)])))
            .await
            .is_err()
    );
    assert_eq!(store.latest_updates(&cred, None, 0).await.unwrap(), latest);

    // Records of expired credentials go.
    assert_eq!(store.delete_expired_issuance_records(25).await.unwrap(), 2);
    assert!(store.issuance_records(&cred, "alice", None).await.is_err());
    assert_eq!(
        store
            .issuance_records(&cred, "bob", None)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Asserts that the PostgreSQL database behind `pool` has the tables, columns and primary
/// keys the reference's gorm made (`setup.json`).
pub(crate) async fn assert_reference_schema(pool: &sqlx::AnyPool) {
    let dump = dump();
    for table in ["accumulator_records", "event_records", "issuance_records"] {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT (column_name || ' ' || data_type || ' ' || is_nullable)::text AS c \
             FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        let columns: Vec<String> = rows.iter().map(|r| r.get("c")).collect();
        assert_eq!(
            serde_json::to_value(&columns).unwrap(),
            dump[format!("{table}_columns")],
            "{table}"
        );
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.attname::text AS c FROM pg_index i JOIN pg_attribute a \
             ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = '{table}'::regclass AND i.indisprimary ORDER BY a.attnum"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        let key: Vec<String> = rows.iter().map(|r| r.get("c")).collect();
        assert_eq!(
            key.join(","),
            dump[format!("{table}_primary_key")],
            "{table}"
        );
    }
}

/// On database type `db`: the authority's round trip on the empty database `fresh`, whose
/// contents stay when it is opened again; then the reference's recorded rows, written into
/// the tables of the empty database `reference` (reached by sqlx at `reference_url`) as its
/// gorm did, read back.
async fn stores_the_same_state(db: DbType, fresh: &str, reference: &str, reference_url: &str) {
    let store = Store::open(db, fresh).await.unwrap();
    authority_round_trip(&store).await;
    store.close().await;
    let store = Store::open(db, fresh).await.unwrap();
    assert!(store.exists(&root(), 2).await.unwrap());
    store.close().await;

    Store::open(db, reference).await.unwrap().close().await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(reference_url).await.unwrap();
    insert_reference_rows(&pool, db == DbType::Postgres).await;
    pool.close().await;
    let store = Store::open(db, reference).await.unwrap();
    reads_the_reference_state(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_has_the_reference_schema_and_reads_its_data() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    // Tables created on first open have the columns and keys the reference's gorm made.
    let fresh = pg.database("fresh").await;
    Store::open(DbType::Postgres, &fresh)
        .await
        .unwrap()
        .close()
        .await;
    let pool = sqlx::AnyPool::connect(&pg.url("fresh")).await.unwrap();
    assert_reference_schema(&pool).await;
    pool.close().await;
    let reference = pg.database("reference").await;
    stores_the_same_state(DbType::Postgres, &fresh, &reference, &pg.url("reference")).await;
}

#[tokio::test]
async fn mysql_stores_the_same_state_and_reads_the_reference_data() {
    let Some(server) = Mariadb::start() else {
        return;
    };
    let fresh = server.database("fresh").await;
    let reference = server.database("reference").await;
    stores_the_same_state(DbType::Mysql, &fresh, &reference, &server.url("reference")).await;
}

#[tokio::test]
async fn sqlite_stores_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("revocation.db");
    let reference = dir.path().join("reference.db");
    stores_the_same_state(
        DbType::Sqlite,
        fresh.to_str().unwrap(),
        reference.to_str().unwrap(),
        &format!("sqlite://{}", reference.display()),
    )
    .await;
}

#[tokio::test]
async fn unsupported_settings_are_refused_by_name() {
    assert!(matches!(
        "sqlserver".parse::<DbType>(),
        Err(StoreError::UnsupportedType(t)) if t == "sqlserver"
    ));
    let err = Store::open(DbType::Postgres, "host=127.0.0.1 connect_timeout=5")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connect_timeout"), "{err}");
}
