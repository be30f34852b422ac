//! Revocation end to end with the real binaries on 127.0.0.1: `irma server` as the
//! authority of `irma-demo.MijnOverheid.root` (on SQLite, a real PostgreSQL and a real MySQL,
//! that is MariaDB) issues it to `irma wallet`; a second `irma server`, a plain verifier,
//! fetches the authority's updates over HTTP and judges the wallet's nonrevocation proofs. After `irma issuer
//! revoke` at the authority the credential no longer passes (the wallet learns it is
//! revoked from the update the verifier attaches and, with nothing else to show, cancels, as
//! the reference's app does), and a credential issued after the revocation passes.

use serde_json::{Value, json};

use crate::revocation_store::{Mariadb, Postgres};
use crate::util::{Server, irma};
use crate::wallet::{TestWallet, result};

const ROOT: &str = "irma-demo.MijnOverheid.root";

fn issuance(bsn: &str, key: &str) -> Value {
    json!({"@context": "https://irma.app/ld/request/issuance/v2",
           "credentials": [{"credential": ROOT, "attributes": {"BSN": bsn}, "revocationKey": key}]})
}

/// Asks for nonrevocation with a tolerance of 1 s, so that the verifier fetches the
/// authority's latest update for every session.
fn disclosure() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[[format!("{ROOT}.BSN")]]],
           "revocation": {ROOT: {"tolerance": 1}}})
}

/// Discloses the wallet's root credential to `verifier`: VALID and not revoked, with `bsn`.
async fn disclose_valid(verifier: &Server, wallet: &TestWallet, bsn: &str) {
    let package = verifier.start_session(&disclosure()).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_eq!(report["outcome"], "success", "{}", run.stderr);
    let got = result(verifier, &package).await;
    assert_eq!(got["proofStatus"], "VALID", "{got}");
    assert_eq!(got["disclosed"][0][0]["rawvalue"], bsn, "{got}");
    assert_eq!(got["disclosed"][0][0]["notrevoked"], true, "{got}");
}

async fn issue(authority: &Server, wallet: &TestWallet, bsn: &str, key: &str) {
    let package = authority.start_session(&issuance(bsn, key)).await;
    let (run, report) = wallet.session(&package, &[]);
    assert_eq!(report["outcome"], "success", "{}", run.stderr);
}

async fn issue_revoke_reissue(db: &[&str]) {
    let settings = json!({ROOT: {"authority": true}}).to_string();
    let mut flags = vec!["--revocation-settings", &settings, "--revoke-perms", ROOT];
    flags.extend(db);
    let authority = Server::start(&flags).await;
    let from = json!({ROOT: {"revocation_server_url": authority.url("/irma")}}).to_string();
    let verifier = Server::start(&["--revocation-settings", &from]).await;
    let wallet = TestWallet::empty();

    issue(&authority, &wallet, "123456782", "alice-1").await;
    disclose_valid(&verifier, &wallet, "123456782").await;

    let url = format!("{}/", authority.base);
    irma(["issuer", "revoke", ROOT, "alice-1", url.as_str()]).success();

    let package = verifier.start_session(&disclosure()).await;
    let (_, report) = wallet.session(&package, &[]);
    assert_ne!(report["outcome"], "success", "{report}");
    let got = result(&verifier, &package).await;
    assert_eq!(got["status"], "CANCELLED", "{got}");
    assert!(got.get("disclosed").is_none(), "{got}");

    issue(&authority, &wallet, "123456793", "alice-2").await;
    disclose_valid(&verifier, &wallet, "123456793").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_on_sqlite_issues_verifier_checks_revocation_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revocation.db");
    issue_revoke_reissue(&[
        "--revocation-db-type",
        "sqlite",
        "--revocation-db-str",
        file.to_str().unwrap(),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_on_postgres_issues_verifier_checks_revocation_over_http() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let dsn = pg.database("e2e").await;
    issue_revoke_reissue(&[
        "--revocation-db-type",
        "postgres",
        "--revocation-db-str",
        &dsn,
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_on_mysql_issues_verifier_checks_revocation_over_http() {
    let Some(db) = Mariadb::start() else {
        return;
    };
    let dsn = db.database("e2e").await;
    issue_revoke_reissue(&["--revocation-db-type", "mysql", "--revocation-db-str", &dsn]).await;
}
