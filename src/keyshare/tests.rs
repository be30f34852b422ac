//! The keyshare server's protocol without HTTP, as the app drives it: enrollment, PIN
//! challenge-response, `getPs`, `getCommitments` and `getResponse`.

use std::path::Path;

use p256::pkcs8::EncodePublicKey;
use serde_json::json;

use super::*;
use crate::jwt::keys::RsaPrivateKey;
use crate::jwt::keyshare::sign_es256;
use crate::protocol::keyshare::hashed_pin;

fn data(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors/keyshare")
        .join(path)
}

fn server(at: i64) -> KeyshareServer {
    let setup: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("setup.json")).unwrap()).unwrap();
    let pem = setup["keyshare_server"]["jwt_private_key_pem_test_only"]
        .as_str()
        .unwrap();
    let signer = KeyshareSigner::new(
        RsaPrivateKey::from_pem(pem.as_bytes()).unwrap(),
        0,
        "keyshare_server",
    );
    let schemes = Configuration::load(&data("scheme-test")).unwrap();
    KeyshareServer::new(
        Settings {
            signer,
            keyshare_attribute: "test.test.mijnirma.email".parse().unwrap(),
            token_lifetime: TOKEN_LIFETIME,
            clock: Clock::tokio_at(u64::try_from(at).unwrap() * 1000),
        },
        Arc::new(schemes),
    )
}

/// The app's side: its P-256 key and PIN nonce.
struct App {
    key: p256::ecdsa::SigningKey,
    nonce: [u8; 32],
}

impl App {
    fn new() -> Self {
        Self {
            key: p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap(),
            nonce: [9u8; 32],
        }
    }

    fn enrollment(&self, pin: &str) -> String {
        let der = self.key.verifying_key().to_public_key_der().unwrap();
        let claims = EnrollmentClaims {
            pin: hashed_pin(&self.nonce, pin).to_string(),
            email: None,
            language: "en".to_owned(),
            publickey: STANDARD.encode(der.as_bytes()),
        };
        sign_es256(&claims, &self.key).unwrap()
    }

    fn auth_request(&self, username: &str, exp: i64) -> String {
        sign_es256(&json!({"exp": exp, "id": username}), &self.key).unwrap()
    }

    fn auth_response(&self, username: &str, pin: &str, challenge: &[u8]) -> AuthResponse {
        let claims = AuthResponseClaims {
            id: username.to_owned(),
            pin: hashed_pin(&self.nonce, pin).to_string(),
            challenge: challenge.to_vec(),
        };
        AuthResponse {
            auth_response_jwt: sign_es256(&claims, &self.key).unwrap(),
            ..AuthResponse::default()
        }
    }
}

const NOW: i64 = 1_796_590_252;

/// Enrolls and checks the PIN; returns the username and the access token.
fn enrolled(kss: &KeyshareServer, app: &App) -> (String, String) {
    let username = kss.register(&app.enrollment("12345")).unwrap();
    let challenge = kss
        .start_auth(&app.auth_request(&username, NOW + 180))
        .unwrap();
    let status = kss
        .verify_pin(&app.auth_response(&username, "12345", &challenge.challenge))
        .unwrap();
    let PinStatus::Success(token) = status else {
        panic!("{status:?}");
    };
    (username, token)
}

#[test]
fn enrollment_issues_the_username_as_keyshare_attribute() {
    let kss = server(NOW);
    let app = App::new();
    let username = kss.register(&app.enrollment("12345")).unwrap();
    assert_eq!(username.len(), USERNAME_LENGTH);
    assert!(username.bytes().all(|b| b.is_ascii_alphanumeric()));
    let request = serde_json::to_value(kss.enrollment_request(&username).unwrap()).unwrap();
    let text = request.to_string();
    assert!(text.contains("test.test.mijnirma"), "{text}");
    assert!(text.contains(&username), "{text}");
    assert!(
        text.contains(&(NOW + KEYSHARE_ATTRIBUTE_VALIDITY).to_string()),
        "{text}"
    );

    // A JWT signed by another key than the one it carries, or garbage: refused.
    let mut forged = app.enrollment("12345");
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    assert!(matches!(kss.register(&forged), Err(Error::Jwt(_))));
    assert!(matches!(kss.register("x.y.z"), Err(Error::Invalid(_))));
}

#[test]
fn pin_challenge_response() {
    let kss = server(NOW);
    let app = App::new();
    let username = kss.register(&app.enrollment("12345")).unwrap();
    // An auth request valid too long, or for an unknown user.
    assert!(matches!(
        kss.start_auth(&app.auth_request(&username, NOW + 3600)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        kss.start_auth(&app.auth_request("nobody", NOW + 180)),
        Err(Error::UnknownUser)
    ));
    // No challenge yet (every check counts, as the reference: this is the first).
    let response = app.auth_response(&username, "12345", &[0; 32]);
    assert!(matches!(
        kss.verify_pin(&response),
        Err(Error::MissingChallenge)
    ));

    let challenge = kss
        .start_auth(&app.auth_request(&username, NOW + 180))
        .unwrap();
    assert_eq!(challenge.candidates, [CHALLENGE_RESPONSE]);
    let wrong = app.auth_response(&username, "00000", &challenge.challenge);
    assert_eq!(kss.verify_pin(&wrong).unwrap(), PinStatus::Failure(1));
    // A response signed for another challenge than the one given out is refused.
    kss.start_auth(&app.auth_request(&username, NOW + 180))
        .unwrap();
    let other = app.auth_response(&username, "12345", &[1; 32]);
    assert!(matches!(kss.verify_pin(&other), Err(Error::WrongChallenge)));
    // That was the third attempt: blocked now, even with the right PIN.
    let challenge = kss
        .start_auth(&app.auth_request(&username, NOW + 180))
        .unwrap();
    let right = app.auth_response(&username, "12345", &challenge.challenge);
    assert_eq!(kss.verify_pin(&right).unwrap(), PinStatus::Blocked(60));
    // The legacy plain-PIN form is not offered.
    assert!(matches!(
        kss.verify_pin(&AuthResponse::default()),
        Err(Error::Invalid(_))
    ));

    let (user, token) = enrolled(&server(NOW), &app);
    let kss2 = server(NOW);
    assert!(matches!(
        kss2.authorize(&user, &token),
        Err(Error::UnknownUser)
    ));
}

#[test]
fn keyshare_proof_answers_the_challenge() {
    let kss = server(NOW);
    let app = App::new();
    let (username, token) = enrolled(&kss, &app);
    kss.authorize(&username, &token).unwrap();
    kss.authorize(&username, &format!("Bearer {token}"))
        .unwrap();
    assert!(kss.authorize(&username, "garbage").is_err());
    // Another user's token is not this user's.
    let (_, other_token) = enrolled(&kss, &App::new());
    assert!(matches!(
        kss.authorize(&username, &other_token),
        Err(Error::Invalid(_))
    ));

    let key = KeyId::parse("test.test-3").unwrap();
    let ps = kss.ps(&username, std::slice::from_ref(&key)).unwrap();
    let commitments = kss
        .commitments(&username, std::slice::from_ref(&key))
        .unwrap();
    let commitment = &commitments.commitments[&key];
    assert_eq!(ps.ps[&key], commitment.p);
    let c = BigUint::from(0xc0ffee_u32);
    let jwt = kss.response(&username, &c).unwrap();
    // The JWT verifies with the scheme's kss-0.pem and holds a ProofP that answers.
    let pem = std::fs::read(data("kss-0.pem")).unwrap();
    let claims = crate::jwt::keyshare::verify_keyshare_jwt(
        &jwt,
        crate::jwt::keyshare::PROOF_P_SUBJECT,
        Some(NOW),
        |_| Some(&pem[..]),
    )
    .unwrap();
    let proof: crate::crypto::idemix::ProofP =
        serde_json::from_value(claims["ProofP"].clone()).unwrap();
    let pk = kss.key(&key).unwrap();
    assert!(proof.answers(&commitment.pcommit.0, &pk));
    assert_eq!(proof.c.0, c);

    // One response per commitment; no key, an unknown key, a challenge too long: refused.
    assert!(matches!(
        kss.response(&username, &c),
        Err(Error::MissingCommitment)
    ));
    assert!(matches!(
        kss.commitments(&username, &[]),
        Err(Error::Invalid(_))
    ));
    let unknown = KeyId::parse("test.test-9").unwrap();
    assert!(matches!(
        kss.ps(&username, &[unknown]),
        Err(Error::Invalid(_))
    ));
    kss.commitments(&username, std::slice::from_ref(&key))
        .unwrap();
    let long = BigUint::from(1u8) << 256u32;
    assert!(matches!(
        kss.response(&username, &long),
        Err(Error::Invalid(_))
    ));
    // The commitment is still there for a proper challenge.
    kss.response(&username, &c).unwrap();
}
