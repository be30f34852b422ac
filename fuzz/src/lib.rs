//! What the fuzz targets share: the irma-demo scheme and a verifier over it, the requestor
//! keys of the recorded vectors, and an async runtime for the session engine's functions.
//! Each is made once per process.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use irma::crypto::idemix::PublicKey;
use irma::jwt::auth::{RequestorAuth, RequestorCredential};
use irma::protocol::identifiers::PublicKeyId;
use irma::scheme::Configuration;
use irma::session::outcome::SharedVerifier;
use irma::verifier::Verifier;
use serde_json::Value;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A JSON file of `tests/data/vectors`.
pub fn vector(path: &str) -> Value {
    let file: PathBuf = repo().join("tests/data/vectors").join(path);
    serde_json::from_str(&std::fs::read_to_string(&file).expect("vector")).expect("vector JSON")
}

/// The irma-demo scheme (as the tests use it).
pub fn schemes() -> Arc<Configuration> {
    static SCHEMES: OnceLock<Arc<Configuration>> = OnceLock::new();
    Arc::clone(SCHEMES.get_or_init(|| {
        Arc::new(
            Configuration::load(&repo().join("tests/data/schemes/irma-demo"))
                .expect("irma-demo loads"),
        )
    }))
}

/// A verifier over [`schemes`], shared like the server shares it.
pub fn verifier() -> SharedVerifier {
    static VERIFIER: OnceLock<SharedVerifier> = OnceLock::new();
    Arc::clone(VERIFIER.get_or_init(|| Arc::new(Verifier::new(schemes()))))
}

/// The 1024-bit `irma-demo.MijnOverheid` key 2 that signed every recorded credential.
pub fn demo_key() -> Arc<PublicKey> {
    let id = PublicKeyId {
        issuer: "irma-demo.MijnOverheid".parse().expect("issuer id"),
        counter: 2,
    };
    verifier().public_key(&id).expect("demo key")
}

/// A single-threaded runtime (with a blocking pool) for the engine's async functions.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    })
}

/// The requestors of the recorded server configuration (`jwt/server-config-and-keys.json`):
/// an HMAC, an RSA and a token requestor, as `irma server` sets them up.
pub fn requestor_auth() -> &'static RequestorAuth {
    static AUTH: OnceLock<RequestorAuth> = OnceLock::new();
    AUTH.get_or_init(|| {
        let conf = vector("jwt/server-config-and-keys.json");
        let mut auth = RequestorAuth::new(300, 0);
        for (name, r) in conf["requestor_config"]["requestors"]
            .as_object()
            .expect("requestors")
        {
            let method = r["auth_method"].as_str().expect("method");
            let key = r["key"].as_str().expect("key");
            let credential =
                RequestorCredential::from_config(method, key.as_bytes()).expect("credential");
            auth.add(name.clone(), credential);
        }
        auth
    })
}

/// The HMAC key of requestor `vg_hmac`, decoded.
pub fn hmac_key() -> &'static [u8] {
    use base64::Engine;
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = vector("jwt/server-config-and-keys.json")["keys"]["hmac_key_base64"].clone();
        base64::engine::general_purpose::STANDARD
            .decode(key.as_str().expect("hmac key"))
            .expect("base64")
    })
}

/// Splits fuzz input at the first `0xff` byte (absent: everything is the first part).
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// A recorded session: the request the app got (with its nonce) and the time.
pub type RecordedSession = (irma::protocol::request::SessionRequest, i64);

/// The recorded sessions of one folder of `tests/data/vectors` (`disclosure`, `issuance`,
/// `signature`), one per JSON file in name order (the order `irma-fuzz-seeds` numbers them
/// in); `None` for a case without a session request.
pub fn recorded_sessions(folder: &str) -> &'static [Option<RecordedSession>] {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    type Cases = &'static [Option<RecordedSession>];
    static CACHE: Mutex<BTreeMap<String, Cases>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache.entry(folder.to_owned()).or_insert_with(|| {
        let dir = repo().join("tests/data/vectors").join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("vector folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let cases: Vec<_> = files
            .iter()
            .map(|f| {
                let case: Value = serde_json::from_str(&std::fs::read_to_string(f).ok()?).ok()?;
                let request =
                    serde_json::from_value(case["client_session_request"]["request"].clone())
                        .ok()?;
                Some((request, case["recorded_at"].as_i64()?))
            })
            .collect();
        Vec::leak(cases)
    })
}

/// The recorded session a fuzz input's first byte picks, and the rest of the input.
pub fn pick_session<'a>(
    folder: &str,
    data: &'a [u8],
) -> Option<(&'static RecordedSession, &'a [u8])> {
    let (&pick, body) = data.split_first()?;
    let cases = recorded_sessions(folder);
    let case = cases[usize::from(pick) % cases.len()].as_ref()?;
    Some((case, body))
}
