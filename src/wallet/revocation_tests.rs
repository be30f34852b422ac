//! Revocation end to end in one process, over real HTTP on loopback: an authority (the
//! session engine with the authority role over an in-memory database) issues a revocable
//! credential to the wallet, which proves nonrevocation when asked, follows the revocation
//! of its credential from the updates of the next request, and proves again with a
//! credential issued afterwards.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{RunOptions, RunOutcome, Wallet, run_session_on};
use crate::config::{Permissions, RevocationSettings};
use crate::jwt::auth::RequestorAuth;
use crate::metrics::Metrics;
use crate::protocol::identifiers::CredentialTypeId;
use crate::protocol::request::RequestorRequest;
use crate::revocation::Service;
use crate::scheme::Configuration;
use crate::server::{Routes, ServerState};
use crate::session::clock::Clock;
use crate::session::permissions::PermissionSet;
use crate::session::replay::ReplayCache;
use crate::session::store::{Lifetimes, Store};
use crate::session::{Sessions, Settings};

fn schemes() -> Configuration {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schemes");
    Configuration::load(&dir).unwrap()
}

fn root() -> CredentialTypeId {
    CredentialTypeId::parse("irma-demo.MijnOverheid.root").unwrap()
}

/// The authority of the root credential, with the demo private keys, serving the app API
/// on a free loopback port; its initial accumulator created.
async fn authority() -> Arc<Sessions> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/irma/", listener.local_addr().unwrap());
    let clock = Clock::System;
    let all = vec!["*".to_owned()];
    let settings = Settings::embedded(
        url,
        Lifetimes {
            max_session: Duration::from_secs(60),
            result: Duration::from_secs(60),
        },
        Default::default(),
        PermissionSet::builtin(&Permissions {
            disclose: all.clone(),
            issue: all,
            ..Permissions::default()
        }),
        clock,
    );
    let mut sessions = Sessions::new(
        Store::memory(settings.lifetimes),
        settings,
        Arc::new(schemes()),
    );
    let role = RevocationSettings {
        authority: true,
        server: true,
        ..Default::default()
    };
    let service = Arc::new(Service::new(BTreeMap::from([(root(), role)]), None, clock));
    sessions.set_revocation(Arc::clone(&service));
    let created = service
        .enable(sessions.revocation_keys().as_ref())
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "{created:?}");
    let sessions = Arc::new(sessions);
    let state = ServerState {
        sessions: Arc::clone(&sessions),
        auth: Arc::new(RequestorAuth::disabled()),
        static_sessions: Arc::default(),
        replay: Arc::new(ReplayCache::memory(clock)),
        sse: false,
        metrics: Arc::new(Metrics::new([])),
        lifecycle: Arc::default(),
    };
    let app = crate::server::router(state, "", Routes::App, None, false);
    tokio::spawn(async move { axum::serve(listener, app).await });
    sessions
}

/// Runs the session of `request` with the wallet; returns the outcome and the result.
async fn session(
    sessions: &Sessions,
    wallet: &mut Wallet,
    conf: &Configuration,
    request: Value,
) -> (RunOutcome, Value) {
    let request = RequestorRequest::from_json(request).unwrap();
    let package = sessions.start(request, None).await.unwrap();
    let http = reqwest::Client::new();
    let options = RunOptions::default();
    let report = run_session_on(&http, wallet, conf, package.session_ptr, &options).await;
    let result = sessions.result(&package.token).await.unwrap();
    (report.outcome, serde_json::to_value(result).unwrap())
}

fn issuance(bsn: &str, key: &str) -> Value {
    json!({
        "@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.root",
                         "attributes": {"BSN": bsn}, "revocationKey": key}]
    })
}

fn disclosure(revocation: bool) -> Value {
    let mut request = json!({
        "@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["irma-demo.MijnOverheid.root.BSN"]]]
    });
    if revocation {
        request["revocation"] = json!(["irma-demo.MijnOverheid.root"]);
    }
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_prove_revoke_and_reissue() {
    let conf = schemes();
    let sessions = authority().await;
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = Wallet::open(dir.path(), &conf).unwrap();

    let (outcome, result) = session(
        &sessions,
        &mut wallet,
        &conf,
        issuance("123456782", "alice-1"),
    )
    .await;
    assert_eq!(outcome, RunOutcome::Success, "{result}");
    // The witness is stored with the credential.
    let wallet_again = Wallet::open(dir.path(), &conf).unwrap();
    let [issued] = wallet_again.credentials() else {
        panic!("{:?}", wallet_again.unreadable());
    };
    assert!(issued.has_witness() && !issued.is_revoked());

    let (outcome, result) = session(&sessions, &mut wallet, &conf, disclosure(true)).await;
    assert_eq!(outcome, RunOutcome::Success, "{result}");
    assert_eq!(result["proofStatus"], "VALID", "{result}");
    assert_eq!(result["disclosed"][0][0]["rawvalue"], "123456782");
    assert_eq!(result["disclosed"][0][0]["notrevoked"], true, "{result}");

    let keys = sessions.revocation_keys();
    sessions
        .revocation()
        .revoke(keys.as_ref(), &root(), "alice-1", None)
        .await
        .unwrap();

    // The request's update shows the credential revoked: no credential left to disclose,
    // and the wallet cancels, as the reference's does (`disclosure-revoked`).
    let (outcome, result) = session(&sessions, &mut wallet, &conf, disclosure(true)).await;
    assert_eq!(outcome, RunOutcome::Error, "{result}");
    assert_eq!(result["status"], "CANCELLED", "{result}");
    assert!(result.get("disclosed").is_none(), "{result}");
    let wallet_again = Wallet::open(dir.path(), &conf).unwrap();
    assert!(wallet_again.credentials()[0].is_revoked());
    // Known revoked, it is not disclosed without `revocation` either
    // (`disclosure-revoked-without-revocation-request-wallet-knows`).
    let (_, result) = session(&sessions, &mut wallet, &conf, disclosure(false)).await;
    assert_eq!(result["status"], "CANCELLED", "{result}");

    // A credential issued after the revocation proves nonrevocation.
    let (outcome, result) = session(
        &sessions,
        &mut wallet,
        &conf,
        issuance("123456793", "alice-2"),
    )
    .await;
    assert_eq!(outcome, RunOutcome::Success, "{result}");
    let (outcome, result) = session(&sessions, &mut wallet, &conf, disclosure(true)).await;
    assert_eq!(outcome, RunOutcome::Success, "{result}");
    assert_eq!(result["proofStatus"], "VALID", "{result}");
    assert_eq!(result["disclosed"][0][0]["rawvalue"], "123456793");
    assert_eq!(result["disclosed"][0][0]["notrevoked"], true, "{result}");
}
