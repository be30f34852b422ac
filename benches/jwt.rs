//! JWT costs on the server's hot paths: requestor authentication (HS256, RS256) and signing
//! result and getproof JWTs (RS256, 2048-bit), with the reference's recorded tokens and keys.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;

use irma::jwt::auth::{AuthRequest, RequestorAuth, RequestorCredential};
use irma::jwt::keys::RsaPrivateKey;
use irma::jwt::result::ResultSigner;

fn vector(name: &str) -> Value {
    let path = irma_benches::repo_dir().join(format!("tests/data/vectors/jwt/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector")).expect("json")
}

fn bench(c: &mut Criterion) {
    let config = vector("server-config-and-keys");
    let mut auth = RequestorAuth::new(300, 0);
    for (name, r) in config["requestor_config"]["requestors"]
        .as_object()
        .expect("requestors")
    {
        let method = r["auth_method"].as_str().expect("method");
        let key = r["key"].as_str().expect("key").as_bytes();
        auth.add(
            name.clone(),
            RequestorCredential::from_config(method, key).expect("key"),
        );
    }
    for name in ["hmac-disclosure", "rsa-disclosure"] {
        let v = vector(name);
        let now = v["recorded_at"].as_i64().expect("time");
        let token = v["session_request"].as_str().expect("jwt").to_owned();
        c.bench_function(&format!("authenticate {name}"), |b| {
            b.iter(|| {
                let request = AuthRequest {
                    authorization: None,
                    content_type: Some("text/plain"),
                    body: black_box(token.as_bytes()),
                };
                auth.authenticate_session(&request, now).expect("valid")
            })
        });
    }

    let pem = config["keys"]["server_jwt_private_pem"]
        .as_str()
        .expect("pem");
    let signer = ResultSigner::new(
        RsaPrivateKey::from_pem(pem.as_bytes()).expect("key"),
        "irmaserver",
    );
    let result = vector("rsa-signature")["session_result"].clone();
    c.bench_function("result-jwt signing result", |b| {
        b.iter(|| {
            signer
                .result_jwt(black_box(&result), 120, 1_800_000_000)
                .expect("signed")
        })
    });
    c.bench_function("getproof signing result", |b| {
        b.iter(|| {
            signer
                .getproof_jwt(black_box(&result), 120, 1_800_000_000)
                .expect("signed")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
