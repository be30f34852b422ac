//! Requestor authentication for `POST /session` and `POST /revocation`, without HTTP types.
//!
//! The reference tries every authenticator and the first that *applies* decides
//! (irmago `irma/server/requestorserver/auth.go`, `server.go` `checkAuth`):
//!
//! | method | applies when | check |
//! |---|---|---|
//! | none (`no_auth` only) | no `Authorization`, `Content-Type: application/json…` | none; requestor `""` |
//! | token | `Authorization` present, `application/json…` | header equals a configured token (constant time) |
//! | hmac | no `Authorization`, `text/plain…`, JWT `alg` HS256 | HS256 with that requestor's key |
//! | publickey | same, `alg` RS256 | RS256 with that requestor's public key |
//!
//! The JWT's key is picked by header `kid`, else claim `iss`, among the requestors of the
//! matching method only, so HS256 keyed with an RSA public key never verifies. `alg: none` and
//! every other algorithm match no authenticator. [`AuthError::remote_error`] gives the
//! reference's answer (`UNAUTHORIZED` / `INVALID_REQUEST` and the message) for each failure.
//!
//! Deliberate differences: a configurable clock-skew leeway for `exp`, `nbf` and a future
//! `iat` (the reference has none), and a future `iat` answers `UNAUTHORIZED "jwt not yet
//! valid"`, the reference's intended check (its JWT library answers first with
//! `INVALID_REQUEST "token used before issued"`). A revocation JWT's requestor is the
//! authenticated name (`kid` or `iss`), not `iss` alone.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::compact::{Decoded, FormatError};
use super::keys::{HmacKey, JwtKeyError, RsaPublicKey, VerifyingKey};
use super::request::RequestKind;
use crate::protocol::errors::{ErrorKind, RemoteError};

/// Maximum age in seconds of a requestor JWT's `iat` unless configured (`max_request_age`).
pub const DEFAULT_MAX_REQUEST_AGE: u64 = 300;

/// How one requestor authenticates.
#[derive(Clone)]
pub enum RequestorCredential {
    /// `hmac` (an HMAC key: HS256 JWTs) or `publickey` (an RSA public key: RS256 JWTs).
    Jwt(VerifyingKey),
    /// `token`: the SHA-256 of the `Authorization` header value (fixed length, so the
    /// constant-time comparison does not reveal the token's length either).
    Token([u8; 32]),
}

impl fmt::Debug for RequestorCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jwt(k) => f.debug_tuple("Jwt").field(k).finish(),
            Self::Token(_) => f.write_str("Token([redacted])"),
        }
    }
}

/// A requestor's configured credential is unusable.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// `auth_method` is not `token`, `hmac` or `publickey`.
    #[error(
        "unsupported authentication method {method:?} (supported methods: token, hmac, publickey)"
    )]
    Method {
        /// The configured method.
        method: String,
    },
    /// The key is empty or cannot be parsed for its method.
    #[error(transparent)]
    Key(#[from] JwtKeyError),
}

impl RequestorCredential {
    /// The credential for a configured `auth_method` and key (the key's bytes, from `key` or
    /// read from `key_file`): base64 for `hmac` (any of four dialects), PEM for `publickey`,
    /// the literal header value for `token`.
    pub fn from_config(method: &str, key: &[u8]) -> Result<Self, CredentialError> {
        if key.is_empty() {
            return Err(JwtKeyError::Empty.into());
        }
        Ok(match method {
            "hmac" => Self::Jwt(VerifyingKey::Hmac(HmacKey::from_base64(key)?)),
            "publickey" => Self::Jwt(VerifyingKey::Rsa(RsaPublicKey::from_pem(key)?)),
            "token" => Self::Token(Sha256::digest(key).into()),
            _ => {
                return Err(CredentialError::Method {
                    method: method.to_owned(),
                });
            }
        })
    }
}

/// The parts of an HTTP request that authentication looks at.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    /// The `Authorization` header, if any (an empty value counts as absent).
    pub authorization: Option<&'a str>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The request body.
    pub body: &'a [u8],
}

/// An authenticated request.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated<'a> {
    /// The requestor's configured name (`""` with authentication disabled).
    pub requestor: String,
    /// What to parse next.
    pub body: AuthenticatedBody<'a>,
}

/// The request carried by an authenticated HTTP request.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthenticatedBody<'a> {
    /// A JSON body (token auth, or none): the server parses it as a session or revocation
    /// request.
    Json(&'a [u8]),
    /// A verified requestor JWT.
    Jwt(RequestJwt),
}

/// The contents of a verified requestor JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestJwt {
    /// The request kind (from `sub` for sessions).
    pub kind: RequestKind,
    /// The `iat` claim.
    pub issued_at: i64,
    /// The body claim: the extended session request, or the revocation request. The server
    /// parses it; a parse error is answered `INVALID_REQUEST "Invalid JWT body: …"`.
    pub body: Value,
}

/// Why a request was not authenticated. `Display` is the reference's `message` text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No authenticator applies and the content type is neither JSON nor text.
    #[error("Unsupported Content-Type: {0}")]
    UnsupportedContentType(String),
    /// No authenticator applies (also: `alg: none`, other algorithms, unparsable JWTs).
    #[error("request could not be authenticated")]
    NotAuthenticated,
    /// The `Authorization` header matches no configured token.
    #[error("unknown requestor token")]
    UnknownToken,
    /// The JWT header's `kid` is not a string.
    #[error("requestor name was not a string")]
    KidNotString,
    /// No requestor of the JWT's method has this name (`kid`, else `iss`).
    #[error("Unknown requestor: {0}")]
    UnknownRequestor(String),
    /// An HS256 signature that does not match the requestor's key.
    #[error("signature is invalid")]
    HmacSignature,
    /// An RS256 signature that does not match the requestor's key.
    #[error("crypto/rsa: verification error")]
    RsaSignature,
    /// `exp` has passed (by more than the leeway).
    #[error("token is expired by {}", go_duration(*.by_seconds))]
    Expired {
        /// Seconds since `exp`.
        by_seconds: i64,
    },
    /// `nbf` is in the future (by more than the leeway).
    #[error("token is not valid yet")]
    NotValidYet,
    /// `iat` + `max_request_age` has passed (or there is no `iat`).
    #[error("jwt too old")]
    TooOld,
    /// `iat` is in the future (by more than the leeway).
    #[error("jwt not yet valid")]
    IssuedInFuture,
    /// A session JWT whose `sub` names no session type.
    #[error("Invalid session type")]
    InvalidSessionType,
    /// The JWT lacks its body claim.
    #[error("Invalid JWT body: missing claim {claim}")]
    MissingBody {
        /// The expected claim.
        claim: &'static str,
    },
}

impl AuthError {
    /// The reference's error kind: `UNAUTHORIZED` (403) or `INVALID_REQUEST` (400).
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            Self::UnknownToken | Self::TooOld | Self::IssuedInFuture => ErrorKind::Unauthorized,
            _ => ErrorKind::InvalidRequest,
        }
    }

    /// The JSON error body the server answers with.
    pub fn remote_error(&self) -> RemoteError {
        let message = match self {
            // The reference sends no message for a wrong token.
            Self::UnknownToken => String::new(),
            _ => self.to_string(),
        };
        self.error_kind().remote_error(message)
    }
}

/// Go's `time.Duration` text for whole seconds: `42s`, `5m3s`, `1h0m0s`.
fn go_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{sign}{s}s"),
        (0, _) => format!("{sign}{m}m{s}s"),
        _ => format!("{sign}{h}h{m}m{s}s"),
    }
}

/// What a request is for: it decides the JWT body claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Session,
    Revocation,
}

/// The server's requestor authentication: the configured requestors and JWT time rules.
#[derive(Debug, Clone)]
pub struct RequestorAuth {
    /// `no_auth`: only unauthenticated JSON requests are accepted.
    disabled: bool,
    /// `max_request_age` in seconds.
    max_request_age: u64,
    /// Clock-skew tolerance in seconds.
    leeway: u64,
    requestors: BTreeMap<String, RequestorCredential>,
}

impl RequestorAuth {
    /// Authentication required, with `max_request_age` and a clock-skew `leeway` (seconds);
    /// add requestors with [`RequestorAuth::add`].
    pub fn new(max_request_age: u64, leeway: u64) -> Self {
        Self {
            disabled: false,
            max_request_age,
            leeway,
            requestors: BTreeMap::new(),
        }
    }

    /// Authentication disabled (`no_auth`): JSON requests without `Authorization` are
    /// accepted as requestor `""`; nothing else is.
    pub fn disabled() -> Self {
        Self {
            disabled: true,
            ..Self::new(DEFAULT_MAX_REQUEST_AGE, 0)
        }
    }

    /// Adds (or replaces) a requestor.
    pub fn add(&mut self, name: impl Into<String>, credential: RequestorCredential) {
        self.requestors.insert(name.into(), credential);
    }

    /// Authenticates a `POST /session` at unix time `now`.
    pub fn authenticate_session<'a>(
        &self,
        request: &AuthRequest<'a>,
        now: i64,
    ) -> Result<Authenticated<'a>, AuthError> {
        self.authenticate(request, now, Purpose::Session)
    }

    /// Authenticates a `POST /revocation` at unix time `now` (JWT claim `revrequest`).
    pub fn authenticate_revocation<'a>(
        &self,
        request: &AuthRequest<'a>,
        now: i64,
    ) -> Result<Authenticated<'a>, AuthError> {
        self.authenticate(request, now, Purpose::Revocation)
    }

    fn authenticate<'a>(
        &self,
        request: &AuthRequest<'a>,
        now: i64,
        purpose: Purpose,
    ) -> Result<Authenticated<'a>, AuthError> {
        let authorization = request.authorization.filter(|a| !a.is_empty());
        let content_type = request.content_type.unwrap_or("");
        let json = content_type.starts_with("application/json");
        let text = content_type.starts_with("text/plain");
        let not_applicable = || {
            if json || text {
                AuthError::NotAuthenticated
            } else {
                AuthError::UnsupportedContentType(content_type.to_owned())
            }
        };
        let json_body = |requestor: String| Authenticated {
            requestor,
            body: AuthenticatedBody::Json(request.body),
        };

        if self.disabled {
            return match (authorization, json) {
                (None, true) => Ok(json_body(String::new())),
                _ => Err(not_applicable()),
            };
        }
        match (authorization, json, text) {
            (Some(token), true, _) => self.token_requestor(token).map(json_body),
            (None, _, true) => {
                let jwt = std::str::from_utf8(request.body)
                    .ok()
                    .and_then(|s| Decoded::parse(s.trim()).ok())
                    .filter(|d| standard_claims_parse(d).is_ok())
                    .ok_or_else(not_applicable)?;
                let hmac = match jwt.algorithm() {
                    Ok("HS256") => true,
                    Ok("RS256") => false,
                    _ => return Err(not_applicable()),
                };
                self.verify_jwt(&jwt, hmac, now, purpose)
            }
            _ => Err(not_applicable()),
        }
    }

    /// The requestor whose token equals `presented`, compared in constant time (on SHA-256
    /// digests) against every token.
    fn token_requestor(&self, presented: &str) -> Result<String, AuthError> {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for (name, credential) in &self.requestors {
            if let RequestorCredential::Token(token) = credential {
                let equal: bool = token.ct_eq(&presented).into();
                if equal && found.is_none() {
                    found = Some(name);
                }
            }
        }
        found.cloned().ok_or(AuthError::UnknownToken)
    }

    fn verify_jwt<'a>(
        &self,
        jwt: &Decoded<'_>,
        hmac: bool,
        now: i64,
        purpose: Purpose,
    ) -> Result<Authenticated<'a>, AuthError> {
        let name = match jwt.header.get("kid") {
            Some(Value::String(kid)) => kid.clone(),
            Some(_) => return Err(AuthError::KidNotString),
            // `standard_claims_parse` passed, so `iss` is a string or absent.
            None => jwt
                .string_claim("iss")
                .ok()
                .flatten()
                .unwrap_or("")
                .to_owned(),
        };
        let key = match self.requestors.get(&name) {
            Some(RequestorCredential::Jwt(key @ VerifyingKey::Hmac(_))) if hmac => key,
            Some(RequestorCredential::Jwt(key @ VerifyingKey::Rsa(_))) if !hmac => key,
            _ => return Err(AuthError::UnknownRequestor(name)),
        };

        // As the reference's JWT library: time-claim errors (the last one wins), but a bad
        // signature overrides them.
        let leeway = self.leeway;
        let exp = jwt.time_claim("exp").ok().flatten();
        let nbf = jwt.time_claim("nbf").ok().flatten();
        let iat = jwt.time_claim("iat").ok().flatten();
        let mut claim_error = None;
        if let Some(exp) = exp.filter(|e| now > e.saturating_add_unsigned(leeway)) {
            claim_error = Some(AuthError::Expired {
                by_seconds: now.saturating_sub(exp),
            });
        }
        if nbf.is_some_and(|n| n > now.saturating_add_unsigned(leeway)) {
            claim_error = Some(AuthError::NotValidYet);
        }
        if !jwt.signature_matches(key) {
            return Err(if hmac {
                AuthError::HmacSignature
            } else {
                AuthError::RsaSignature
            });
        }
        if let Some(e) = claim_error {
            return Err(e);
        }
        // A missing `iat` counts as 0, hence too old, as in the reference.
        let issued_at = iat.unwrap_or(0);
        if issued_at.saturating_add_unsigned(self.max_request_age) < now {
            return Err(AuthError::TooOld);
        }
        if issued_at > now.saturating_add_unsigned(leeway) {
            return Err(AuthError::IssuedInFuture);
        }

        let kind = match purpose {
            Purpose::Revocation => RequestKind::Revocation,
            Purpose::Session => jwt
                .string_claim("sub")
                .ok()
                .flatten()
                .and_then(RequestKind::from_subject)
                .ok_or(AuthError::InvalidSessionType)?,
        };
        let claim = kind.body_claim();
        let body = jwt
            .claims
            .get(claim)
            .filter(|b| !b.is_null())
            .cloned()
            .ok_or(AuthError::MissingBody { claim })?;
        Ok(Authenticated {
            requestor: name,
            body: AuthenticatedBody::Jwt(RequestJwt {
                kind,
                issued_at,
                body,
            }),
        })
    }
}

/// The reference first parses the claims into its standard-claims struct; a JWT whose
/// registered claims have the wrong JSON types fails there and no JWT authenticator applies.
fn standard_claims_parse(jwt: &Decoded<'_>) -> Result<(), FormatError> {
    for claim in ["iss", "sub", "aud", "jti"] {
        jwt.string_claim(claim)?;
    }
    for claim in ["exp", "iat", "nbf"] {
        jwt.time_claim(claim)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(42), "42s");
        assert_eq!(go_duration(303), "5m3s");
        assert_eq!(go_duration(3600), "1h0m0s");
        assert_eq!(go_duration(90061), "25h1m1s");
    }

    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use jsonwebtoken::{Algorithm, EncodingKey};
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;
    const HMAC_SECRET: &[u8] = b"requestor h's secret key";

    fn vector_key(name: &str) -> String {
        let path = format!(
            "{}/tests/data/vectors/jwt/server-config-and-keys.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["keys"][name].as_str().unwrap().to_owned()
    }

    fn auth() -> RequestorAuth {
        let mut auth = RequestorAuth::new(300, 5);
        let b64 = STANDARD.encode(HMAC_SECRET);
        auth.add(
            "h",
            RequestorCredential::from_config("hmac", b64.as_bytes()).unwrap(),
        );
        let pem = vector_key("requestor_rsa_public_pem");
        auth.add(
            "r",
            RequestorCredential::from_config("publickey", pem.as_bytes()).unwrap(),
        );
        auth.add(
            "t",
            RequestorCredential::from_config("token", b"tok").unwrap(),
        );
        auth
    }

    fn token(header: Value, claims: Value, alg: Algorithm, key: &EncodingKey) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        let input = format!("{}.{}", enc(&header), enc(&claims));
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
        format!("{input}.{sig}")
    }

    fn hs256(claims: Value) -> String {
        let header = json!({"alg": "HS256", "typ": "JWT"});
        token(
            header,
            claims,
            Algorithm::HS256,
            &EncodingKey::from_secret(HMAC_SECRET),
        )
    }

    fn disclosure(iss: &str, iat: i64) -> Value {
        json!({"sub": "verification_request", "iss": iss, "iat": iat, "sprequest": {"request": {}}})
    }

    fn post<'a>(
        content_type: &'a str,
        authorization: Option<&'a str>,
        body: &'a str,
    ) -> AuthRequest<'a> {
        AuthRequest {
            authorization,
            content_type: Some(content_type),
            body: body.as_bytes(),
        }
    }

    fn session(jwt: &str) -> Result<Authenticated<'_>, AuthError> {
        auth().authenticate_session(&post("text/plain; charset=utf-8", None, jwt), NOW)
    }

    #[test]
    fn kid_takes_precedence_over_iss() {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": "h"});
        let key = EncodingKey::from_secret(HMAC_SECRET);
        let jwt = token(header, disclosure("nobody", NOW), Algorithm::HS256, &key);
        assert_eq!(session(&jwt).unwrap().requestor, "h");
        let header = json!({"alg": "HS256", "kid": 7});
        let jwt = token(header, disclosure("h", NOW), Algorithm::HS256, &key);
        assert_eq!(session(&jwt).unwrap_err(), AuthError::KidNotString);
    }

    #[test]
    fn subjects_bodies_and_revocations() {
        let mut claims = disclosure("h", NOW);
        claims["sub"] = json!("disclosing");
        let jwt = hs256(claims.clone());
        let ok = session(&jwt).unwrap();
        let AuthenticatedBody::Jwt(jwt) = ok.body else {
            panic!("not a JWT")
        };
        assert_eq!(
            (jwt.kind, jwt.body),
            (RequestKind::Disclosure, json!({"request": {}}))
        );

        claims["sub"] = json!("bogus");
        let err = session(&hs256(claims.clone())).unwrap_err();
        assert_eq!(
            (err.error_kind(), err.to_string().as_str()),
            (ErrorKind::InvalidRequest, "Invalid session type")
        );

        claims["sub"] = json!("issue_request");
        let err = session(&hs256(claims)).unwrap_err();
        assert_eq!(err, AuthError::MissingBody { claim: "iprequest" });

        let rev = json!({"sub": "", "iss": "h", "iat": NOW, "revrequest": {"type": "a.b.c"}});
        let jwt = hs256(rev);
        let ok = auth()
            .authenticate_revocation(&post("text/plain", None, &jwt), NOW)
            .unwrap();
        let AuthenticatedBody::Jwt(r) = ok.body else {
            panic!("not a JWT")
        };
        assert_eq!(
            (ok.requestor.as_str(), r.kind),
            ("h", RequestKind::Revocation)
        );
        assert_eq!(session(&jwt).unwrap_err(), AuthError::InvalidSessionType);
    }

    #[test]
    fn times_with_leeway() {
        // Within the 5 s leeway, and just beyond it.
        assert!(session(&hs256(disclosure("h", NOW + 5))).is_ok());
        let err = session(&hs256(disclosure("h", NOW + 6))).unwrap_err();
        assert_eq!(err.remote_error().message, "jwt not yet valid");
        assert_eq!(err.error_kind(), ErrorKind::Unauthorized);
        assert!(session(&hs256(disclosure("h", NOW - 300))).is_ok());
        assert_eq!(
            session(&hs256(disclosure("h", NOW - 301))).unwrap_err(),
            AuthError::TooOld
        );

        let mut no_iat = disclosure("h", 0);
        no_iat.as_object_mut().unwrap().remove("iat");
        assert_eq!(session(&hs256(no_iat)).unwrap_err(), AuthError::TooOld);

        let mut expired = disclosure("h", NOW - 10);
        expired["exp"] = json!(NOW - 3600);
        let err = session(&hs256(expired.clone())).unwrap_err();
        assert_eq!(err.remote_error().message, "token is expired by 1h0m0s");
        // A bad signature is reported before the time claims.
        let other = EncodingKey::from_secret(b"other");
        let forged = token(json!({"alg": "HS256"}), expired, Algorithm::HS256, &other);
        assert_eq!(session(&forged).unwrap_err(), AuthError::HmacSignature);

        let mut early = disclosure("h", NOW);
        early["nbf"] = json!(NOW + 60);
        assert_eq!(session(&hs256(early)).unwrap_err(), AuthError::NotValidYet);
    }

    #[test]
    fn rs256_requestors() {
        let pem = vector_key("requestor_rsa_private_pem");
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        let header = json!({"alg": "RS256", "typ": "JWT"});
        let jwt = token(header.clone(), disclosure("r", NOW), Algorithm::RS256, &key);
        assert_eq!(session(&jwt).unwrap().requestor, "r");
        // RS256 for an hmac requestor, HS256 for a publickey requestor: unknown.
        let jwt = token(header.clone(), disclosure("h", NOW), Algorithm::RS256, &key);
        assert_eq!(
            session(&jwt).unwrap_err(),
            AuthError::UnknownRequestor("h".into())
        );
        assert_eq!(
            session(&hs256(disclosure("r", NOW))).unwrap_err(),
            AuthError::UnknownRequestor("r".into())
        );
        // Another RSA key.
        let server = vector_key("server_jwt_private_pem");
        let other = EncodingKey::from_rsa_pem(server.as_bytes()).unwrap();
        let jwt = token(header, disclosure("r", NOW), Algorithm::RS256, &other);
        let err = session(&jwt).unwrap_err();
        assert_eq!(err.remote_error().message, "crypto/rsa: verification error");
        // Other algorithms and malformed registered claims match no authenticator.
        let jwt = token(
            json!({"alg": "HS384"}),
            disclosure("h", NOW),
            Algorithm::HS384,
            &EncodingKey::from_secret(HMAC_SECRET),
        );
        assert_eq!(session(&jwt).unwrap_err(), AuthError::NotAuthenticated);
        let jwt = hs256(json!({"sub": "verification_request", "iss": 5, "iat": NOW}));
        assert_eq!(session(&jwt).unwrap_err(), AuthError::NotAuthenticated);
        assert_eq!(
            session("not a jwt").unwrap_err(),
            AuthError::NotAuthenticated
        );
    }

    #[test]
    fn tokens_content_types_and_disabled_mode() {
        let a = auth();
        let ok = a
            .authenticate_session(&post("application/json", Some("tok"), "{}"), NOW)
            .unwrap();
        assert_eq!(
            ok,
            Authenticated {
                requestor: "t".into(),
                body: AuthenticatedBody::Json(b"{}")
            }
        );
        for wrong in ["to", "tokk", "tok "] {
            let err = a
                .authenticate_session(&post("application/json", Some(wrong), "{}"), NOW)
                .unwrap_err();
            assert_eq!(
                serde_json::to_string(&err.remote_error()).unwrap(),
                r#"{"status":403,"error":"UNAUTHORIZED","description":"You are not authorized to issue or verify this attribute"}"#
            );
        }
        let err = a
            .authenticate_session(&post("text/plain", Some("tok"), "{}"), NOW)
            .unwrap_err();
        assert_eq!(err, AuthError::NotAuthenticated);
        let err = a
            .authenticate_session(&post("application/xml", None, "{}"), NOW)
            .unwrap_err();
        assert_eq!(
            err.remote_error().message,
            "Unsupported Content-Type: application/xml"
        );

        let open = RequestorAuth::disabled();
        let ok = open
            .authenticate_session(&post("application/json", Some(""), "{}"), NOW)
            .unwrap();
        assert_eq!(ok.requestor, "");
        let jwt = hs256(disclosure("h", NOW));
        assert_eq!(
            open.authenticate_session(&post("text/plain", None, &jwt), NOW)
                .unwrap_err(),
            AuthError::NotAuthenticated
        );
        assert_eq!(
            open.authenticate_session(&post("application/json", Some("tok"), "{}"), NOW)
                .unwrap_err(),
            AuthError::NotAuthenticated
        );
    }

    #[test]
    fn unknown_method_and_empty_keys_are_config_errors() {
        assert!(matches!(
            RequestorCredential::from_config("password", b"x"),
            Err(CredentialError::Method { .. })
        ));
        assert!(matches!(
            RequestorCredential::from_config("token", b""),
            Err(CredentialError::Key(JwtKeyError::Empty))
        ));
        assert!(RequestorCredential::from_config("publickey", b"not pem").is_err());
        let t = RequestorCredential::from_config("token", b"secret-token").unwrap();
        assert!(!format!("{t:?}").contains("secret"));
    }
}
