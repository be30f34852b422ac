//! Session request JWTs, requestor → server (irmago `irma/requests.go` `ServiceProviderJwt`,
//! `SignatureRequestorJwt`, `IdentityProviderJwt`, `RevocationJwt`, `SignRequestorRequest`).
//!
//! Claims, in the reference's order: `sub`, `iss` (requestor name, always present), `iat`, and
//! one body claim holding the **extended** request `{"validity",…,"request":{…}}` (a
//! revocation request is not wrapped). The request itself stays a [`serde_json::Value`]: the
//! server parses it into its typed session request afterwards.

use serde::Serialize;
use serde_json::Value;

use super::compact::{self, SignError};
use super::keys::SigningKey;

/// What a requestor JWT asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A disclosure session: `sub` `verification_request`, claim `sprequest`.
    Disclosure,
    /// An attribute-based signature session: `signature_request`, `absrequest`.
    Signature,
    /// An issuance session: `issue_request`, `iprequest`.
    Issuance,
    /// A revocation (`POST /revocation`): claim `revrequest`, `sub` empty.
    Revocation,
}

impl RequestKind {
    /// The three session kinds.
    pub const SESSIONS: [RequestKind; 3] = [Self::Disclosure, Self::Signature, Self::Issuance];

    /// The `sub` the reference writes.
    pub fn subject(self) -> &'static str {
        match self {
            Self::Disclosure => "verification_request",
            Self::Signature => "signature_request",
            Self::Issuance => "issue_request",
            Self::Revocation => "",
        }
    }

    /// The claim that holds the request.
    pub fn body_claim(self) -> &'static str {
        match self {
            Self::Disclosure => "sprequest",
            Self::Signature => "absrequest",
            Self::Issuance => "iprequest",
            Self::Revocation => "revrequest",
        }
    }

    /// The session kind of a request JWT's `sub`, accepting the reference's alternatives
    /// `disclosing`, `signing` and `issuing` (irmago `irma/messages.go` `ParseRequestorJwt`).
    pub fn from_subject(sub: &str) -> Option<Self> {
        Some(match sub {
            "verification_request" | "disclosing" => Self::Disclosure,
            "signature_request" | "signing" => Self::Signature,
            "issue_request" | "issuing" => Self::Issuance,
            _ => return None,
        })
    }

    /// The `@context` of this kind's (inner) request.
    pub fn context(self) -> &'static str {
        match self {
            Self::Disclosure => "https://irma.app/ld/request/disclosure/v2",
            Self::Signature => "https://irma.app/ld/request/signature/v2",
            Self::Issuance => "https://irma.app/ld/request/issuance/v2",
            Self::Revocation => "https://irma.app/ld/request/revocation/v1",
        }
    }

    /// A short name: `disclosure`, `signature`, `issuance`, `revocation`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Disclosure => "disclosure",
            Self::Signature => "signature",
            Self::Issuance => "issuance",
            Self::Revocation => "revocation",
        }
    }
}

/// A JSON request that no JWT can be made of.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestFormError {
    /// Neither `@context` nor `request.@context` names a known request type.
    #[error(
        "not a session request: no known @context (disclosure/v2, signature/v2, issuance/v2 \
         or revocation/v1) at the top level or in `request`"
    )]
    UnknownContext,
}

/// A request ready to be put in a JWT: its kind and the claim value (extended form for
/// sessions).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// What it asks for.
    pub kind: RequestKind,
    /// The body claim's value.
    pub body: Value,
}

impl RequestBody {
    /// Recognises a plain session request (top-level `@context`, wrapped into
    /// `{"request":…}`), an extended one (`request.@context`, kept as is), or a revocation
    /// request.
    pub fn from_json(json: Value) -> Result<Self, RequestFormError> {
        let context_kind = |v: &Value| {
            let ctx = v.get("@context")?.as_str()?;
            [
                RequestKind::Disclosure,
                RequestKind::Signature,
                RequestKind::Issuance,
                RequestKind::Revocation,
            ]
            .into_iter()
            .find(|k| k.context() == ctx)
        };
        if let Some(kind) = context_kind(&json) {
            let body = match kind {
                RequestKind::Revocation => json,
                _ => serde_json::json!({ "request": json }),
            };
            return Ok(Self { kind, body });
        }
        match json.get("request").and_then(context_kind) {
            Some(kind) if kind != RequestKind::Revocation => Ok(Self { kind, body: json }),
            _ => Err(RequestFormError::UnknownContext),
        }
    }
}

/// Claims of a requestor JWT, in the reference's field order.
#[derive(Serialize)]
struct Claims<'a> {
    sub: &'static str,
    iss: &'a str,
    iat: i64,
    #[serde(flatten)]
    body: BodyClaim<'a>,
}

/// The one body claim, named after the kind.
struct BodyClaim<'a>(RequestKind, &'a Value);

impl Serialize for BodyClaim<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0.body_claim(), self.1)?;
        map.end()
    }
}

/// Signs `request` as requestor `requestor` at unix time `issued_at`: HS256 or RS256 by the
/// key, header `{"alg","typ":"JWT"}`, claims `sub`, `iss`, `iat`, body claim.
pub fn sign_request(
    request: &RequestBody,
    requestor: &str,
    key: &SigningKey,
    issued_at: i64,
) -> Result<String, SignError> {
    let claims = Claims {
        sub: request.kind.subject(),
        iss: requestor,
        iat: issued_at,
        body: BodyClaim(request.kind, &request.body),
    };
    compact::sign(&claims, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_requests_are_wrapped_and_extended_ones_kept() {
        let plain =
            json!({"@context": "https://irma.app/ld/request/issuance/v2", "credentials": []});
        let r = RequestBody::from_json(plain.clone()).unwrap();
        assert_eq!(r.kind, RequestKind::Issuance);
        assert_eq!(r.body, json!({ "request": plain }));

        let ext = json!({"validity": 60, "request": {"@context": "https://irma.app/ld/request/signature/v2"}});
        let r = RequestBody::from_json(ext.clone()).unwrap();
        assert_eq!((r.kind, r.body), (RequestKind::Signature, ext));

        let rev = json!({"@context": "https://irma.app/ld/request/revocation/v1", "type": "a.b.c", "revocationKey": "k"});
        let r = RequestBody::from_json(rev.clone()).unwrap();
        assert_eq!((r.kind, r.body), (RequestKind::Revocation, rev));

        for bad in [
            json!({}),
            json!({"@context": "x"}),
            json!({"request": {"@context": "https://irma.app/ld/request/revocation/v1"}}),
            json!([1]),
        ] {
            assert_eq!(
                RequestBody::from_json(bad),
                Err(RequestFormError::UnknownContext)
            );
        }
    }

    #[test]
    fn subjects_round_trip_and_alternatives_are_accepted() {
        for k in RequestKind::SESSIONS {
            assert_eq!(RequestKind::from_subject(k.subject()), Some(k));
        }
        assert_eq!(
            RequestKind::from_subject("disclosing"),
            Some(RequestKind::Disclosure)
        );
        assert_eq!(
            RequestKind::from_subject("signing"),
            Some(RequestKind::Signature)
        );
        assert_eq!(
            RequestKind::from_subject("issuing"),
            Some(RequestKind::Issuance)
        );
        assert_eq!(RequestKind::from_subject(""), None);
        assert_eq!(RequestKind::from_subject("disclosing_result"), None);
    }
}
