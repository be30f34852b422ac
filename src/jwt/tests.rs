//! The JWT layer against the reference's recordings in `tests/data/vectors/jwt/`, through the
//! public API, with the clock fixed at each vector's `recorded_at`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::auth::{AuthRequest, AuthenticatedBody, RequestorAuth, RequestorCredential};
use super::keys::{HmacKey, RsaPrivateKey, RsaPublicKey, SigningKey, VerifyingKey};
use super::request::{RequestBody, RequestKind, sign_request};
use super::result::{ResultSigner, SessionType};
use super::verify::{Jwt, JwtError, JwtKind, TimeCheck};

fn vector(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/vectors/jwt/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn keys() -> Value {
    vector("server-config-and-keys")["keys"].clone()
}

fn key_text(name: &str) -> String {
    keys()[name].as_str().unwrap().to_owned()
}

fn server_public() -> VerifyingKey {
    VerifyingKey::Rsa(RsaPublicKey::from_pem(key_text("server_jwt_public_pem").as_bytes()).unwrap())
}

fn requestor_key(method: &str) -> VerifyingKey {
    match method {
        "hmac" => VerifyingKey::Hmac(
            HmacKey::from_base64(key_text("hmac_key_base64").as_bytes()).unwrap(),
        ),
        _ => VerifyingKey::Rsa(
            RsaPublicKey::from_pem(key_text("requestor_rsa_public_pem").as_bytes()).unwrap(),
        ),
    }
}

/// The reference server's requestor configuration, with its zero leeway.
fn reference_auth() -> RequestorAuth {
    let config = &vector("server-config-and-keys")["requestor_config"];
    let mut auth = RequestorAuth::new(config["max_request_age"].as_u64().unwrap(), 0);
    for (name, r) in config["requestors"].as_object().unwrap() {
        let cred = RequestorCredential::from_config(
            r["auth_method"].as_str().unwrap(),
            r["key"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
        auth.add(name.clone(), cred);
    }
    auth
}

const SESSION_VECTORS: [(&str, &str, RequestKind); 6] = [
    ("hmac-disclosure", "hmac", RequestKind::Disclosure),
    ("hmac-signature", "hmac", RequestKind::Signature),
    ("hmac-issuance", "hmac", RequestKind::Issuance),
    ("rsa-disclosure", "rsa", RequestKind::Disclosure),
    ("rsa-signature", "rsa", RequestKind::Signature),
    ("rsa-issuance", "rsa", RequestKind::Issuance),
];

#[test]
fn requestor_auth_answers_like_the_reference() {
    let v = vector("requestor-auth-failures");
    let now = v["recorded_at"].as_i64().unwrap();
    let auth = reference_auth();
    let calls = v["calls"].as_array().unwrap();
    assert!(calls.len() >= 10);
    for call in calls {
        let what = call["what"].as_str().unwrap();
        let headers = call["request_headers"].as_object().unwrap();
        let body = match &call["request_body_raw"] {
            Value::String(s) => s.clone(),
            _ => call["request_body"].to_string(),
        };
        let request = AuthRequest {
            authorization: headers.get("Authorization").and_then(Value::as_str),
            content_type: headers.get("Content-Type").and_then(Value::as_str),
            body: body.as_bytes(),
        };
        let outcome = auth.authenticate_session(&request, now);
        if call["status"] == 200 {
            let ok = outcome.unwrap_or_else(|e| panic!("{what}: rejected: {e}"));
            assert!(!ok.requestor.is_empty(), "{what}");
        } else {
            let err = outcome.expect_err(what);
            let ours = serde_json::to_string(&err.remote_error()).unwrap();
            assert_eq!(ours, call["response_body_raw"].as_str().unwrap(), "{what}");
        }
    }
}

#[test]
fn recorded_request_jwts_authenticate_and_verify() {
    let auth = reference_auth();
    for (name, method, kind) in SESSION_VECTORS {
        let v = vector(name);
        let now = v["recorded_at"].as_i64().unwrap();
        let token = v["session_request"].as_str().unwrap();
        let claims = &v["irma_request"]["decoded"]["claims"];
        let request = AuthRequest {
            authorization: None,
            content_type: Some("text/plain"),
            body: token.as_bytes(),
        };
        let ok = auth.authenticate_session(&request, now).unwrap();
        assert_eq!(ok.requestor, claims["iss"].as_str().unwrap(), "{name}");
        let AuthenticatedBody::Jwt(jwt) = ok.body else {
            panic!("{name}: not a JWT")
        };
        assert_eq!(jwt.kind, kind);
        assert_eq!(jwt.issued_at, claims["iat"].as_i64().unwrap());
        assert_eq!(&jwt.body, &claims[kind.body_claim()]);

        // Too old five minutes later, not yet valid before.
        let later = auth.authenticate_session(&request, now + 301).unwrap_err();
        assert_eq!(later.to_string(), "jwt too old");
        let earlier = auth.authenticate_session(&request, now - 1).unwrap_err();
        assert_eq!(earlier.to_string(), "jwt not yet valid");

        let time = TimeCheck {
            now,
            leeway: 0,
            max_age: Some(300),
        };
        let verified = Jwt::decode(token)
            .unwrap()
            .verify(&requestor_key(method), &time)
            .unwrap();
        assert_eq!(verified.kind, JwtKind::Request(kind));
        assert_eq!(Value::Object(verified.claims), *claims);
        assert_eq!(
            Value::Object(verified.header),
            v["irma_request"]["decoded"]["header"]
        );
    }
}

#[test]
fn signing_a_recorded_request_gives_the_reference_token() {
    let k = keys();
    for (name, method, kind) in SESSION_VECTORS {
        let v = vector(name);
        let recorded = v["irma_request"]["stdout"].as_str().unwrap().trim();
        let claims = &v["irma_request"]["decoded"]["claims"];
        let key = match method {
            "hmac" => SigningKey::Hmac(
                HmacKey::from_base64(k["hmac_key_base64"].as_str().unwrap().as_bytes()).unwrap(),
            ),
            _ => SigningKey::Rsa(
                RsaPrivateKey::from_pem(
                    k["requestor_rsa_private_pem"].as_str().unwrap().as_bytes(),
                )
                .unwrap(),
            ),
        };
        let request = RequestBody::from_json(claims[kind.body_claim()].clone()).unwrap();
        assert_eq!(request.kind, kind);
        let ours = sign_request(
            &request,
            claims["iss"].as_str().unwrap(),
            &key,
            claims["iat"].as_i64().unwrap(),
        )
        .unwrap();
        let ours_decoded = Jwt::decode(&ours).unwrap();
        assert_eq!(
            Value::Object(ours_decoded.claims().clone()),
            *claims,
            "{name}"
        );
        // Byte for byte when the reference's key order is alphabetical (HS256 and RS256
        // PKCS#1 v1.5 are deterministic); issuance puts `credential` before `attributes`.
        if kind != RequestKind::Issuance {
            assert_eq!(ours, recorded, "{name}");
        }
    }
}

#[test]
fn recorded_result_jwts_verify_with_the_server_key() {
    let key = server_public();
    let mut seen = 0;
    for (name, _, _) in SESSION_VECTORS {
        let v = vector(name);
        let now = v["recorded_at"].as_i64().unwrap();
        let session_type =
            SessionType::from_name(v["session_result"]["type"].as_str().unwrap()).unwrap();
        for (which, r) in v["result_jwts"].as_object().unwrap() {
            let token = r["jwt"].as_str().unwrap();
            let verified = Jwt::decode(token)
                .unwrap()
                .verify(&key, &TimeCheck::at(now))
                .unwrap();
            assert_eq!(
                Value::Object(verified.claims),
                r["decoded"]["claims"],
                "{name} {which}"
            );
            let kind = match which.as_str() {
                "result-jwt" => JwtKind::SessionResult(session_type),
                _ => JwtKind::Getproof(session_type),
            };
            assert_eq!(verified.kind, kind, "{name} {which}");
            // Expired after `exp`, also for auditing: two minutes plus leeway later.
            let exp = r["decoded"]["claims"]["exp"].as_i64().unwrap();
            let late = Jwt::decode(token)
                .unwrap()
                .verify(&key, &TimeCheck::at(exp + 6));
            assert!(
                matches!(late, Err(JwtError::Expired { .. })),
                "{name} {which}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 11);
}

/// Re-encodes `token` with its claims changed by `f`, keeping header and signature.
fn with_claims(token: &str, f: impl FnOnce(&mut Map<String, Value>)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    f(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

fn with_header(token: &str, header: &Value, signature: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap());
    format!("{h}.{}.{signature}", parts[1])
}

fn flip_signature_bit(token: &str) -> String {
    let (rest, sig) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
    bytes[0] ^= 1;
    format!("{rest}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[test]
fn altered_jwts_fail() {
    let server = server_public();
    for (name, method, _) in SESSION_VECTORS {
        let v = vector(name);
        let now = v["recorded_at"].as_i64().unwrap();
        let time = TimeCheck::at(now);
        let wrong_requestor_key = match method {
            "hmac" => VerifyingKey::Hmac(HmacKey::from_bytes(b"another key").unwrap()),
            _ => server.clone(),
        };
        let request = v["session_request"].as_str().unwrap().to_owned();
        let mut tokens = vec![(request, requestor_key(method), wrong_requestor_key)];
        for r in v["result_jwts"].as_object().unwrap().values() {
            let token = r["jwt"].as_str().unwrap().to_owned();
            tokens.push((token, server.clone(), requestor_key("rsa")));
        }
        for (token, key, wrong) in tokens {
            let check = |t: &str, k: &VerifyingKey| Jwt::decode(t).unwrap().verify(k, &time);
            assert!(check(&token, &key).is_ok());

            // One changed byte in a claim.
            let changed = with_claims(&token, |c| {
                let iss = c["iss"].as_str().unwrap().to_owned();
                c.insert("iss".into(), json!(format!("{iss}x")));
            });
            assert_eq!(check(&changed, &key), Err(JwtError::Signature));
            // One flipped signature bit.
            assert_eq!(
                check(&flip_signature_bit(&token), &key),
                Err(JwtError::Signature)
            );
            // The wrong key of the right kind.
            assert_eq!(check(&token, &wrong), Err(JwtError::Signature));
            // alg none with an empty signature.
            let none = with_header(&token, &json!({"alg": "none", "typ": "JWT"}), "");
            assert!(matches!(
                check(&none, &key),
                Err(JwtError::Algorithm { .. })
            ));
        }
    }
}

#[test]
fn hs256_keyed_with_the_rsa_public_pem_is_rejected() {
    // The classic algorithm confusion: an HMAC over the token keyed with the public key PEM.
    let pem = key_text("server_jwt_public_pem");
    let v = vector("rsa-disclosure");
    let token = v["result_jwts"]["getproof"]["jwt"].as_str().unwrap();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = token.split('.').nth(1).unwrap();
    let input = format!("{header}.{payload}");
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(pem.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    let forged = format!("{input}.{sig}");
    let time = TimeCheck::at(v["recorded_at"].as_i64().unwrap());
    assert_eq!(
        Jwt::decode(&forged)
            .unwrap()
            .verify(&server_public(), &time),
        Err(JwtError::Algorithm {
            found: "HS256".into(),
            expected: "RS256"
        })
    );
}

#[test]
fn our_result_jwts_have_the_reference_claims() {
    let k = keys();
    let config = &vector("server-config-and-keys")["requestor_config"];
    let private =
        RsaPrivateKey::from_pem(k["server_jwt_private_pem"].as_str().unwrap().as_bytes()).unwrap();
    let signer = ResultSigner::new(private, config["jwt_issuer"].as_str().unwrap());
    assert_eq!(
        signer.public_key_pem(),
        vector("server-config-and-keys")["get_publickey"]["response_body"]
            .as_str()
            .unwrap()
    );
    let server = server_public();
    for (name, _, _) in SESSION_VECTORS {
        let v = vector(name);
        let result = &v["session_result"];
        for (which, r) in v["result_jwts"].as_object().unwrap() {
            let recorded = &r["decoded"]["claims"];
            let iat = recorded["iat"].as_i64().unwrap();
            let ours = match which.as_str() {
                "result-jwt" => signer.result_jwt(result, 120, iat + 7).unwrap(),
                _ => signer.getproof_jwt(result, 120, iat + 7).unwrap(),
            };
            let verified = Jwt::decode(&ours)
                .unwrap()
                .verify(&server, &TimeCheck::at(iat + 7))
                .unwrap();
            assert_eq!(
                verified.header,
                Jwt::decode(r["jwt"].as_str().unwrap())
                    .unwrap()
                    .header()
                    .clone()
            );
            let mut claims = verified.claims;
            assert_eq!(claims["iat"], json!(iat + 7));
            assert_eq!(claims["exp"], json!(iat + 7 + 120));
            // Same names and values apart from the times.
            claims.insert("iat".into(), recorded["iat"].clone());
            claims.insert("exp".into(), recorded["exp"].clone());
            assert_eq!(Value::Object(claims), *recorded, "{name} {which}");
        }
    }
}

#[test]
fn getproof_collapses_duplicates_maps_null_to_empty_and_omits_exp_for_zero_validity() {
    let k = keys();
    let private =
        RsaPrivateKey::from_pem(k["server_jwt_private_pem"].as_str().unwrap().as_bytes()).unwrap();
    let signer = ResultSigner::new(private, "");
    let attr = |id: &str, v: Value| json!({"id": id, "rawvalue": v, "value": if v.is_null() { Value::Null } else { json!({"": v, "en": v}) }, "status": "PRESENT"});
    let result = json!({
        "token": "t", "status": "DONE", "type": "disclosing", "proofStatus": "VALID",
        "disclosed": [[attr("a.b.c.d", json!("1"))], [attr("a.b.c.e", Value::Null), attr("a.b.c.d", json!("2"))]]
    });
    let token = signer.getproof_jwt(&result, 0, 1000).unwrap();
    let jwt = Jwt::decode(&token).unwrap();
    assert_eq!(
        Value::Object(jwt.claims().clone()),
        json!({"attributes": {"a.b.c.d": "2", "a.b.c.e": ""}, "iat": 1000, "status": "VALID", "sub": "disclosure_result"})
    );
    assert!(
        signer
            .result_jwt(&json!({"type": "bogus"}), 120, 0)
            .is_err()
    );
    assert!(signer.getproof_jwt(&json!([1]), 120, 0).is_err());
}

#[test]
fn recorded_token_request_authenticates_as_its_requestor() {
    let v = vector("token-auth-disclosure");
    let post = &v["exchanges"]["requestor"][0];
    assert_eq!(post["path"], "/session");
    let headers = &post["request_headers"];
    let body = post["request_body_raw"].as_str().unwrap();
    let request = AuthRequest {
        authorization: headers["Authorization"].as_str(),
        content_type: headers["Content-Type"].as_str(),
        body: body.as_bytes(),
    };
    let ok = reference_auth()
        .authenticate_session(&request, v["recorded_at"].as_i64().unwrap())
        .unwrap();
    assert_eq!(ok.requestor, "vg_token");
    assert_eq!(ok.body, AuthenticatedBody::Json(body.as_bytes()));
}
