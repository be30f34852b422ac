//! Session requests: what a requestor asks for, and what the app receives.
//!
//! Mirrors irmago `irma/requests.go:21-130` (condiscon requests, protocol 2.5+) field for
//! field, including which empty fields are left out on output, so a request read from the
//! wire and written again is the same JSON value. Identifiers are parsed on input, so a
//! request with a malformed attribute id cannot exist. Legacy (pre-condiscon) requests are
//! converted on input ([`super::legacy`]), as the reference does.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use num_bigint::BigUint;

use crate::crypto::bigint::Int;
use crate::protocol::attributes::{
    CredentialTypeInfo, MetadataAttribute, MetadataError, default_validity, encode_value,
    floor_to_epoch,
};
use crate::protocol::identifiers::{AttributeTypeId, CredentialTypeId};
use crate::protocol::messages::AttributeOrCredential;
use crate::protocol::session::{Action, ProtocolVersion};
use crate::protocol::translated::TranslatedString;

/// `@context` of a disclosure request.
pub const DISCLOSURE_CONTEXT: &str = "https://irma.app/ld/request/disclosure/v2";
/// `@context` of an attribute-based signature request.
pub const SIGNATURE_CONTEXT: &str = "https://irma.app/ld/request/signature/v2";
/// `@context` of an issuance request.
pub const ISSUANCE_CONTEXT: &str = "https://irma.app/ld/request/issuance/v2";

/// Fields every session request has (irmago `BaseRequest`). The server fills in
/// `context`, `nonce`, `protocolVersion` and `devMode` before the app sees the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseRequest {
    /// Always 1 on current servers; [`BaseRequest::context_or_default`] gives 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Int>,
    /// The session nonce; 0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Int>,
    /// The protocol version agreed with the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<ProtocolVersion>,
    /// Credential types for which a nonrevocation proof is required.
    #[serde(default, skip_serializing_if = "NonRevocationParameters::is_empty")]
    pub revocation: NonRevocationParameters,
    /// Set when the server runs outside production mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dev_mode: bool,
    /// Where the app goes after a same-device session.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_return_url: String,
    /// Whether the server appends the session token to `clientReturnUrl`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub augment_return_url: bool,
    /// Host to put in the session QR instead of the configured URL's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
}

impl BaseRequest {
    /// The context, 1 when absent (irmago `GetContext`).
    pub fn context_or_default(&self) -> num_bigint::BigUint {
        self.context
            .as_ref()
            .map_or_else(|| 1u8.into(), |c| c.0.clone())
    }

    /// The nonce, 0 when absent (irmago `BaseRequest.GetNonce`).
    pub fn nonce_or_default(&self) -> num_bigint::BigUint {
        self.nonce
            .as_ref()
            .map_or_else(Default::default, |n| n.0.clone())
    }
}

/// Per credential type, the nonrevocation parameters (irmago `NonRevocationParameters`).
///
/// On input the requestor may send just a list of credential type ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct NonRevocationParameters(pub BTreeMap<CredentialTypeId, NonRevocationRequest>);

impl NonRevocationParameters {
    /// Whether no nonrevocation proof is asked for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for NonRevocationParameters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<CredentialTypeId>),
            Map(BTreeMap<CredentialTypeId, NonRevocationRequest>),
            Null(()),
        }
        let raw = Raw::deserialize(d).map_err(|_| {
            de::Error::custom("revocation must be a list of credential types or a map")
        })?;
        Ok(Self(match raw {
            Raw::List(ids) => ids
                .into_iter()
                .map(|id| (id, NonRevocationRequest::default()))
                .collect(),
            Raw::Map(map) => map,
            Raw::Null(()) => BTreeMap::new(),
        }))
    }
}

/// Nonrevocation parameters for one credential type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NonRevocationRequest {
    /// Maximum age in seconds of the accumulator the proof is against (0: server default).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tolerance: u64,
    /// Per issuer key counter (a JSON object key, `"2"`), the latest update the server
    /// attached when the app fetched the request.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "updates_by_counter"
    )]
    pub updates: crate::crypto::revocation::Updates,
}

/// The updates by key counter, whose keys are JSON strings (`"2"`) also when the map was
/// buffered (inside [`NonRevocationParameters`]' either-form parsing), where a plain `u32`
/// key would not parse.
fn updates_by_counter<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<crate::crypto::revocation::Updates, D::Error> {
    let by_key = BTreeMap::<MapIndex, crate::crypto::revocation::Update>::deserialize(d)?;
    Ok(by_key.into_iter().map(|(k, v)| (k.0, v)).collect())
}

/// A non-negative integer used as a JSON object key (`"0"`), as Go writes `map[int]…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapIndex(pub u32);

impl Serialize for MapIndex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MapIndex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MapIndexVisitor)
    }
}

struct MapIndexVisitor;

impl Visitor<'_> for MapIndexVisitor {
    type Value = MapIndex;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<MapIndex, E> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom(format!("invalid integer key {v:?}")));
        }
        v.parse()
            .map(MapIndex)
            .map_err(|_| E::custom(format!("integer key {v:?} too large")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MapIndex, E> {
        u32::try_from(v)
            .map(MapIndex)
            .map_err(|_| E::custom("integer key too large"))
    }
}

/// One requested attribute: an id, optionally with a required value or `notNull`.
///
/// On the wire a bare string when neither is set, else `{"type","value","notNull"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRequest {
    /// The attribute, or a credential type (its metadata attribute is then disclosed).
    pub id: AttributeOrCredential,
    /// The value the attribute must have.
    pub value: Option<String>,
    /// Whether a null (absent optional) attribute is refused.
    pub not_null: bool,
}

impl AttributeRequest {
    /// A request for any value of an attribute or credential.
    pub fn new(id: AttributeOrCredential) -> Self {
        Self {
            id,
            value: None,
            not_null: false,
        }
    }

    /// Whether a disclosed attribute `id` with decoded `value` satisfies this request
    /// (irmago `AttributeRequest.Satisfy`).
    pub fn is_satisfied_by(&self, id: &AttributeOrCredential, value: Option<&str>) -> bool {
        self.id == *id
            && (!self.not_null || value.is_some())
            && self.value.as_deref().is_none_or(|want| value == Some(want))
    }
}

#[derive(Serialize, Deserialize)]
struct AttributeRequestObject {
    #[serde(rename = "type")]
    id: AttributeOrCredential,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(rename = "notNull", default, skip_serializing_if = "is_false")]
    not_null: bool,
}

impl Serialize for AttributeRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.value.is_none() && !self.not_null {
            return self.id.serialize(s);
        }
        AttributeRequestObject {
            id: self.id.clone(),
            value: self.value.clone(),
            not_null: self.not_null,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AttributeRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Id(String),
            Object(AttributeRequestObject),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Id(id) => Self::new(AttributeOrCredential::parse(&id).map_err(de::Error::custom)?),
            Raw::Object(o) => Self {
                id: o.id,
                value: o.value,
                not_null: o.not_null,
            },
        })
    }
}

/// Attribute requests that must all be disclosed together (an inner conjunction).
/// Empty means "disclose nothing": it makes its disjunction optional.
pub type AttributeCon = Vec<AttributeRequest>;
/// Alternatives of which one must be satisfied.
pub type AttributeDisCon = Vec<AttributeCon>;
/// Disjunctions that must all be satisfied: the `disclose` field.
pub type AttributeConDisCon = Vec<AttributeDisCon>;

/// A request to disclose attributes (irmago `DisclosureRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureRequest {
    /// Fields common to all requests.
    #[serde(flatten)]
    pub base: BaseRequest,
    /// What to disclose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclose: AttributeConDisCon,
    /// Per index of `disclose`, a label the app shows above that disjunction.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<MapIndex, Option<TranslatedString>>,
    /// Credential types whose expiry is not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_expiry_check: Vec<CredentialTypeId>,
}

/// A request for an attribute-based signature on `message` (irmago `SignatureRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureRequest {
    /// The attributes to sign with.
    #[serde(flatten)]
    pub disclosure: DisclosureRequest,
    /// The message to sign.
    pub message: String,
}

/// A request to issue credentials, optionally disclosing attributes in the same session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IssuanceRequest {
    /// Attributes to disclose before issuance.
    #[serde(flatten)]
    pub disclosure: DisclosureRequest,
    /// The credentials to issue.
    #[serde(default)]
    pub credentials: Vec<CredentialRequest>,
}

/// One credential to issue (irmago `CredentialRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRequest {
    /// Expiry (Unix seconds); the server fills in now + 6 months when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<i64>,
    /// The issuer key to sign with; the server fills in its latest.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub key_counter: u32,
    /// The credential type.
    pub credential: CredentialTypeId,
    /// Attribute name → value. Absent optional attributes are left out.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The requestor's key for later revocation; stripped before the app sees the request.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revocation_key: String,
    /// Set by the server when the credential type supports revocation.
    #[serde(default, skip_serializing_if = "is_false")]
    pub revocation_supported: bool,
    /// Names of the random-blind attributes of the credential type.
    #[serde(rename = "randomblindIDs", default, skip_serializing_if = "Vec::is_empty")]
    pub random_blind_ids: Vec<String>,
    /// How many SD-JWT instances to issue next to the Idemix credential.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub sd_jwt_batch_size: u32,
}

/// Why a credential request does not fit its credential type
/// (irmago `CredentialRequest.Validate` and `AttributeList`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialRequestError {
    /// The request is for another credential type than the one given.
    #[error("credential request for {requested} checked against {given}")]
    WrongType {
        /// The requested credential type.
        requested: CredentialTypeId,
        /// The credential type given.
        given: CredentialTypeId,
    },
    /// An attribute the credential type does not have.
    #[error("credential type {credential_type} has no attribute {name:?}")]
    UnknownAttribute {
        /// The credential type.
        credential_type: CredentialTypeId,
        /// The attribute name in the request.
        name: String,
    },
    /// A required attribute is missing.
    #[error("required attribute {0} missing from the credential request")]
    MissingAttribute(AttributeTypeId),
    /// A value was given for a random-blind attribute.
    #[error("random-blind attribute {0} cannot be set in a credential request")]
    RandomBlindSet(AttributeTypeId),
    /// `randomblindIDs` does not list the credential type's random-blind attributes.
    #[error("randomblindIDs of {0} do not match the credential type")]
    RandomBlindMismatch(CredentialTypeId),
    /// The key counter does not fit the metadata attribute's two bytes.
    #[error("key counter {0} too large")]
    KeyCounter(u32),
    /// The dates do not fit the metadata attribute.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

impl CredentialRequest {
    /// Checks the request against its credential type: known attributes only, every
    /// required one present, none of the random-blind ones set, and `randomblindIDs` naming
    /// exactly the random-blind attributes in order.
    pub fn validate(
        &self,
        credential_type: &CredentialTypeInfo,
    ) -> Result<(), CredentialRequestError> {
        if self.credential != credential_type.id {
            return Err(CredentialRequestError::WrongType {
                requested: self.credential.clone(),
                given: credential_type.id.clone(),
            });
        }
        let named = |name: &str| {
            credential_type
                .attributes
                .iter()
                .find(|a| a.id.as_ref().is_some_and(|id| id.name() == name))
        };
        if let Some(name) = self.attributes.keys().find(|name| named(name).is_none()) {
            return Err(CredentialRequestError::UnknownAttribute {
                credential_type: self.credential.clone(),
                name: name.clone(),
            });
        }
        let mut random_blind = Vec::new();
        for attr in &credential_type.attributes {
            let Some(id) = &attr.id else {
                continue; // the revocation attribute: set by the issuer
            };
            let present = self.attributes.contains_key(id.name());
            if attr.random_blind {
                if present {
                    return Err(CredentialRequestError::RandomBlindSet(id.clone()));
                }
                random_blind.push(id.name());
            } else if !present && !attr.optional {
                return Err(CredentialRequestError::MissingAttribute(id.clone()));
            }
        }
        if !random_blind.iter().eq(self.random_blind_ids.iter()) {
            return Err(CredentialRequestError::RandomBlindMismatch(
                self.credential.clone(),
            ));
        }
        Ok(())
    }

    /// The values to sign after validation, index 0 being the metadata attribute and
    /// index `i + 1` attribute `i` of the credential type: present values encoded with
    /// [`encode_value`], absent optional ones 0, the revocation attribute 0 (until a witness
    /// replaces it), and `None` for random-blind attributes, which the issuer chooses.
    ///
    /// The credential is signed at `signing`; without `validity` it expires six months
    /// after the epoch-floored signing date.
    pub fn attribute_values(
        &self,
        credential_type: &CredentialTypeInfo,
        signing: i64,
    ) -> Result<Vec<Option<BigUint>>, CredentialRequestError> {
        self.validate(credential_type)?;
        let counter = u16::try_from(self.key_counter)
            .map_err(|_| CredentialRequestError::KeyCounter(self.key_counter))?;
        let expiry = self
            .validity
            .unwrap_or_else(|| default_validity(floor_to_epoch(signing)));
        let metadata = MetadataAttribute::new(&self.credential, counter, signing, expiry)?;
        let mut values = Vec::with_capacity(credential_type.attributes.len() + 1);
        values.push(Some(metadata.to_int()));
        for attr in &credential_type.attributes {
            values.push(match &attr.id {
                None => Some(BigUint::default()),
                Some(_) if attr.random_blind => None,
                Some(id) => Some(encode_value(
                    self.attributes.get(id.name()).map(String::as_str),
                )),
            });
        }
        Ok(values)
    }
}

/// A session request of any kind, told apart by `@context`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@context")]
pub enum SessionRequest {
    /// `https://irma.app/ld/request/disclosure/v2`
    #[serde(rename = "https://irma.app/ld/request/disclosure/v2")]
    Disclosure(DisclosureRequest),
    /// `https://irma.app/ld/request/signature/v2`
    #[serde(rename = "https://irma.app/ld/request/signature/v2")]
    Signature(SignatureRequest),
    /// `https://irma.app/ld/request/issuance/v2`
    #[serde(rename = "https://irma.app/ld/request/issuance/v2")]
    Issuance(IssuanceRequest),
}

impl SessionRequest {
    /// The session type this request starts.
    pub fn action(&self) -> Action {
        match self {
            Self::Disclosure(_) => Action::Disclosing,
            Self::Signature(_) => Action::Signing,
            Self::Issuance(_) => Action::Issuing,
        }
    }

    /// The common fields.
    pub fn base(&self) -> &BaseRequest {
        &self.disclosure().base
    }

    /// The common fields, for the server to fill in.
    pub fn base_mut(&mut self) -> &mut BaseRequest {
        &mut self.disclosure_mut().base
    }

    /// The disclosure part (every kind of request has one).
    pub fn disclosure(&self) -> &DisclosureRequest {
        match self {
            Self::Disclosure(r) => r,
            Self::Signature(r) => &r.disclosure,
            Self::Issuance(r) => &r.disclosure,
        }
    }

    /// The disclosure part, mutable (to append implicitly disclosed attributes).
    pub fn disclosure_mut(&mut self) -> &mut DisclosureRequest {
        match self {
            Self::Disclosure(r) => r,
            Self::Signature(r) => &mut r.disclosure,
            Self::Issuance(r) => &mut r.disclosure,
        }
    }

    /// The `@context` URL of this kind of request.
    pub fn ld_context(&self) -> &'static str {
        match self {
            Self::Disclosure(_) => DISCLOSURE_CONTEXT,
            Self::Signature(_) => SIGNATURE_CONTEXT,
            Self::Issuance(_) => ISSUANCE_CONTEXT,
        }
    }

    /// The request as the app gets it: without the requestor's revocation keys, which only
    /// the issuer keeps (irmago `getRequest`; `revocationSupported` stays).
    pub fn for_app(&self) -> Self {
        let mut request = self.clone();
        if let Self::Issuance(issuance) = &mut request {
            for cred in &mut issuance.credentials {
                cred.revocation_key.clear();
            }
        }
        request
    }
}

/// Why a well-formed session request is still not acceptable (irmago `Validate`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A disclosure request asks for no attribute at all.
    #[error("disclosure request has no attributes")]
    NoAttributes,
    /// A signature request without a message.
    #[error("signature request has an empty message")]
    EmptyMessage,
    /// An issuance request without credentials.
    #[error("issuance request has no credentials")]
    NoCredentials,
    /// A disjunction without options.
    #[error("disjunction {index} of the request is empty")]
    EmptyDisjunction {
        /// Its index in `disclose`.
        index: usize,
    },
    /// Within an inner conjunction, attributes of one credential type are not adjacent.
    #[error("attributes of {credential_type} must be adjacent within an inner conjunction")]
    NotAdjacent {
        /// The credential type.
        credential_type: CredentialTypeId,
    },
}

impl SessionRequest {
    /// Checks what the types cannot: a disclosure asks for something, a signature has a
    /// message and attributes, an issuance has credentials, no disjunction is empty, and the
    /// attributes of one credential type are adjacent within each inner conjunction.
    pub fn validate(&self) -> Result<(), RequestError> {
        let disclose = &self.disclosure().disclose;
        match self {
            Self::Disclosure(_) => {
                if disclose.iter().flatten().all(|con| con.is_empty()) {
                    return Err(RequestError::NoAttributes);
                }
            }
            Self::Signature(r) => {
                if r.message.is_empty() {
                    return Err(RequestError::EmptyMessage);
                }
                if disclose.is_empty() {
                    return Err(RequestError::NoAttributes);
                }
            }
            Self::Issuance(r) => {
                if r.credentials.is_empty() {
                    return Err(RequestError::NoCredentials);
                }
            }
        }
        for (index, discon) in disclose.iter().enumerate() {
            if discon.is_empty() {
                return Err(RequestError::EmptyDisjunction { index });
            }
            for con in discon {
                let mut seen: Vec<CredentialTypeId> = Vec::new();
                for attr in con {
                    let typ = attr.id.credential_type();
                    if seen.last() != Some(&typ) {
                        if seen.contains(&typ) {
                            return Err(RequestError::NotAdjacent {
                                credential_type: typ,
                            });
                        }
                        seen.push(typ);
                    }
                }
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for SessionRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let context = value
            .get("@context")
            .ok_or_else(|| de::Error::missing_field("@context"))?;
        let result = match context.as_str() {
            Some(DISCLOSURE_CONTEXT) => serde_json::from_value(value).map(Self::Disclosure),
            Some(SIGNATURE_CONTEXT) => serde_json::from_value(value).map(Self::Signature),
            Some(ISSUANCE_CONTEXT) => serde_json::from_value(value).map(Self::Issuance),
            _ => return Err(de::Error::custom(format!("unknown @context {context}"))),
        };
        result.map_err(de::Error::custom)
    }
}

/// A session request with the requestor's session settings: what `POST /session` takes
/// (irmago `RequestorBaseRequest` + `request`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestorRequest {
    /// Validity of the result JWT in seconds (0: the default of 120).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub validity: u64,
    /// Seconds to wait for the app to connect (0: the server default).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: u64,
    /// URL to POST the session result to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub callback_url: String,
    /// Where to fetch a chained session from when this one succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_session: Option<NextSession>,
    /// The session request itself.
    pub request: SessionRequest,
    /// Whether it was read from the legacy (pre-condiscon) form: the requestor then gets
    /// the result in the legacy form too (irmago's unexported `BaseRequest.legacy`). Not on
    /// the wire.
    #[serde(skip)]
    pub legacy: bool,
}

/// Why a JSON value is not a session request.
#[derive(Debug, thiserror::Error)]
pub enum RequestParseError {
    /// An `@context` names no known kind of session request.
    #[error("Invalid session request type")]
    UnknownType,
    /// Without any `@context`, not a valid legacy request either (the reference's message).
    #[error("Failed to JSON unmarshal request bytes")]
    NotLegacy,
    /// The JSON does not fit the request type its `@context` names.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl RequestorRequest {
    /// A plain session request (top-level `@context`, without requestor settings), a
    /// requestor request (`request.@context`), or, with no `@context` at all, either in the
    /// legacy form (which must also pass [`SessionRequest::validate`], as the reference's
    /// `parseLegacySessionRequest` asks), as the reference's `ParseSessionRequest`.
    pub fn from_json(value: serde_json::Value) -> Result<Self, RequestParseError> {
        let context = |v: &serde_json::Value| v.get("@context").is_some();
        let known = |v: &serde_json::Value| {
            matches!(
                v.get("@context").and_then(serde_json::Value::as_str),
                Some(DISCLOSURE_CONTEXT | SIGNATURE_CONTEXT | ISSUANCE_CONTEXT)
            )
        };
        if known(&value) {
            return Ok(Self::wrap(serde_json::from_value(value)?));
        }
        if value.get("request").is_some_and(known) {
            return Ok(serde_json::from_value(value)?);
        }
        if context(&value) || value.get("request").is_some_and(context) {
            return Err(RequestParseError::UnknownType);
        }
        Self::from_legacy(value).ok_or(RequestParseError::NotLegacy)
    }

    /// A plain session request with the default requestor settings.
    fn wrap(request: SessionRequest) -> Self {
        Self {
            validity: 0,
            timeout: 0,
            callback_url: String::new(),
            next_session: None,
            request,
            legacy: false,
        }
    }

    /// A legacy requestor request (`{…, "request": {legacy}}`), else a plain legacy request.
    fn from_legacy(mut value: serde_json::Value) -> Option<Self> {
        let valid = |r: Self| r.request.validate().is_ok().then_some(r);
        let wrapped = value
            .get("request")
            .and_then(super::legacy::condiscon_form)
            .and_then(|inner| {
                let mut outer = value.clone();
                outer["request"] = inner;
                serde_json::from_value(outer).ok().and_then(valid)
            });
        let request = match wrapped {
            Some(r) => r,
            None => {
                value = super::legacy::condiscon_form(&value)?;
                valid(Self::wrap(serde_json::from_value(value).ok()?))?
            }
        };
        Some(Self {
            legacy: true,
            ..request
        })
    }
}

/// Where the server fetches the next session of a chain (irmago `NextSessionData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextSession {
    /// The URL the server POSTs this session's result to.
    pub url: String,
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::crypto::bigint::Int;

    fn vector_files() -> Vec<PathBuf> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors");
        let mut files = Vec::new();
        for dir in ["disclosure", "signature", "issuance", "negative"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        files.sort();
        files
    }

    #[test]
    fn recorded_requests_round_trip() {
        let mut checked = 0;
        for path in vector_files() {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for request in [
                &case["session_request"],
                &case["client_session_request"]["request"],
            ] {
                if request.is_null() {
                    continue;
                }
                let parsed: SessionRequest = serde_json::from_value(request.clone())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    &serde_json::to_value(&parsed).unwrap(),
                    request,
                    "{}",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked >= 50, "only {checked} requests checked");
    }

    #[test]
    fn every_field_round_trips() {
        let full = json!({
            "@context": ISSUANCE_CONTEXT,
            "context": "AQ==",
            "nonce": "jLRZ9vjdEi1Wr+Qe3y2ohg==",
            "protocolVersion": "2.8",
            "devMode": true,
            "clientReturnUrl": "https://example.com/back",
            "augmentReturnUrl": true,
            "host": "example.com",
            "disclose": [[[], [{"type": "a.b.c.d", "value": "x", "notNull": true}, "a.b.c"]]],
            "labels": {"0": {"en": "Label", "nl": "Etiket"}},
            "skipExpiryCheck": ["a.b.c"],
            "credentials": [{
                "validity": 1810961963,
                "keyCounter": 2,
                "credential": "a.b.c",
                "attributes": {"x": "y"},
                "revocationKey": "k",
                "revocationSupported": true,
                "randomblindIDs": ["r"],
                "sdJwtBatchSize": 5
            }]
        });
        // The revocation parameters as the reference attached them, with a tolerance.
        let recorded: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/vectors/revocation/disclosure-nonrevoked.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let mut full = full;
        let mut revocation = recorded["client_session_request"]["request"]["revocation"].clone();
        revocation["irma-demo.MijnOverheid.root"]["tolerance"] = json!(60);
        full["revocation"] = revocation;
        let parsed: SessionRequest = serde_json::from_value(full.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), full);
        let disclosure = parsed.disclosure();
        assert!(disclosure.disclose[0][1][0].not_null);
        assert_eq!(parsed.base().context_or_default(), 1u8.into());

        let requestor = json!({
            "validity": 60,
            "timeout": 30,
            "callbackUrl": "https://example.com/cb",
            "nextSession": {"url": "https://example.com/next"},
            "request": {"@context": SIGNATURE_CONTEXT, "message": "m", "disclose": [[["a.b.c.d"]]]}
        });
        let parsed: RequestorRequest = serde_json::from_value(requestor.clone()).unwrap();
        assert!(matches!(parsed.request, SessionRequest::Signature(_)));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), requestor);
    }

    #[test]
    fn legacy_requests_are_converted_and_marked() {
        let legacy = json!({"type": "disclosing", "nonce": "Ag==",
            "content": [{"label": "L", "attributes": ["a.b.c.d"]}]});
        let plain = RequestorRequest::from_json(legacy.clone()).unwrap();
        assert!(plain.legacy);
        let condiscon = RequestorRequest::from_json(json!({"@context": DISCLOSURE_CONTEXT,
            "nonce": "Ag==", "disclose": [[["a.b.c.d"]]],
            "labels": {"0": {"en": "L", "nl": "L"}}}))
        .unwrap();
        assert!(!condiscon.legacy);
        assert_eq!(plain.request, condiscon.request);
        // Extended: the requestor settings are kept.
        let extended =
            RequestorRequest::from_json(json!({"validity": 7, "request": legacy})).unwrap();
        assert!(extended.legacy);
        assert_eq!((extended.validity, &extended.request), (7, &plain.request));
        // The flag is not on the wire.
        assert_eq!(serde_json::to_value(&plain).unwrap()["legacy"], json!(null));
        // Without any @context and not a valid legacy request: the reference's message; an
        // unknown @context keeps its own.
        for bad in [
            json!({}),
            json!({"type": "disclosing"}),
            json!({"type": "issuing", "content": [{"attributes": ["a.b.c.d"]}]}),
        ] {
            let e = RequestorRequest::from_json(bad).unwrap_err();
            assert_eq!(e.to_string(), "Failed to JSON unmarshal request bytes");
        }
        let e = RequestorRequest::from_json(json!({"@context": "x", "type": "disclosing"}));
        assert_eq!(e.unwrap_err().to_string(), "Invalid session request type");
    }

    #[test]
    fn revocation_list_form_becomes_a_map() {
        let r: SessionRequest = serde_json::from_value(json!({
            "@context": DISCLOSURE_CONTEXT,
            "revocation": ["a.b.c"],
            "disclose": [[["a.b.c.d"]]]
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap()["revocation"],
            json!({"a.b.c": {}})
        );
    }

    #[test]
    fn rejects_malformed_requests() {
        for bad in [
            json!({"disclose": [[["a.b.c.d"]]]}),
            json!({"@context": "https://irma.app/ld/request/other/v1"}),
            json!({"@context": DISCLOSURE_CONTEXT, "disclose": [[["a.b"]]]}),
            json!({"@context": DISCLOSURE_CONTEXT, "disclose": [[[{"type": "a.b.c.d.e"}]]]}),
            json!({"@context": DISCLOSURE_CONTEXT, "disclose": [[[5]]]}),
            json!({"@context": DISCLOSURE_CONTEXT, "labels": {"x": {}}}),
            json!({"@context": DISCLOSURE_CONTEXT, "nonce": "!!"}),
            json!({"@context": DISCLOSURE_CONTEXT, "protocolVersion": "2"}),
            json!({"@context": ISSUANCE_CONTEXT, "credentials": [{"credential": "a.b"}]}),
            json!({"@context": SIGNATURE_CONTEXT}),
            json!([1, 2]),
        ] {
            assert!(
                serde_json::from_value::<SessionRequest>(bad.clone()).is_err(),
                "accepted {bad}"
            );
        }
    }

    #[test]
    fn validation_follows_the_reference() {
        let check = |v: Value| {
            serde_json::from_value::<SessionRequest>(v)
                .unwrap()
                .validate()
        };
        let d = DISCLOSURE_CONTEXT;
        assert_eq!(
            check(json!({"@context": d, "disclose": [[["a.b.c.d"]]]})),
            Ok(())
        );
        assert_eq!(
            check(json!({"@context": d})),
            Err(RequestError::NoAttributes)
        );
        assert_eq!(
            check(json!({"@context": d, "disclose": [[[]]]})),
            Err(RequestError::NoAttributes)
        );
        assert_eq!(
            check(json!({"@context": d, "disclose": [[["a.b.c.d"]], []]})),
            Err(RequestError::EmptyDisjunction { index: 1 })
        );
        assert!(matches!(
            check(json!({"@context": d, "disclose": [[["a.b.c.d", "a.b.x.y", "a.b.c.e"]]]})),
            Err(RequestError::NotAdjacent { .. })
        ));
        assert_eq!(
            check(json!({"@context": d, "disclose": [[["a.b.c.d", "a.b.c", "a.b.x.y"]]]})),
            Ok(())
        );
        let s = SIGNATURE_CONTEXT;
        assert_eq!(
            check(json!({"@context": s, "message": "", "disclose": [[["a.b.c.d"]]]})),
            Err(RequestError::EmptyMessage)
        );
        assert_eq!(
            check(json!({"@context": s, "message": "m"})),
            Err(RequestError::NoAttributes)
        );
        assert_eq!(
            check(json!({"@context": ISSUANCE_CONTEXT, "credentials": []})),
            Err(RequestError::NoCredentials)
        );
        for (_, case) in
            crate::protocol::verify::tests::cases(&["disclosure", "signature", "issuance"])
        {
            let request: SessionRequest =
                serde_json::from_value(case["session_request"].clone()).unwrap();
            assert_eq!(request.validate(), Ok(()), "{}", case["case"]);
        }
    }

    /// The values the reference signed for wallet P's credentials: issue each recorded
    /// issuance request again at the recorded time and compare with the wallet's attributes.
    #[test]
    fn credential_requests_give_the_signed_values() {
        use crate::protocol::verify::tests::{TestScheme, cases};

        let scheme = TestScheme::irma_demo();
        let wallet: Value = serde_json::from_str(
            &std::fs::read_to_string(
                crate::protocol::verify::tests::test_data()
                    .join("vectors/credentials/wallet-P.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let mut checked = 0;
        for (name, case) in cases(&["issuance"]) {
            if case["session_result"]["proofStatus"] != "VALID" {
                continue;
            }
            let SessionRequest::Issuance(request) =
                serde_json::from_value(case["client_session_request"]["request"].clone()).unwrap()
            else {
                panic!("{name}");
            };
            for cred in &request.credentials {
                let info = scheme
                    .types
                    .values()
                    .find(|t| t.id == cred.credential)
                    .unwrap();
                let values = cred
                    .attribute_values(info, case["recorded_at"].as_i64().unwrap())
                    .unwrap();
                let Some(held) = wallet["dump"]["credentials"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["credentialType"] == cred.credential.as_str())
                else {
                    continue;
                };
                let held: Vec<Option<BigUint>> = held["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().map(|d| Int::from_decimal(d).unwrap().0))
                    .collect();
                assert_eq!(values, held, "{name}");
                checked += 1;
            }
        }
        assert!(checked >= 4, "only {checked} credentials compared");
    }

    #[test]
    fn credential_requests_are_checked_against_their_type() {
        let info = CredentialTypeInfo::test_fixture(&[
            ("req", false, false),
            ("opt", false, true),
            ("blind", true, false),
        ]);
        let id = info.id.clone();
        let request = |attrs: &[(&str, &str)], blind: &[&str]| CredentialRequest {
            validity: None,
            key_counter: 0,
            credential: id.clone(),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            revocation_key: String::new(),
            revocation_supported: false,
            random_blind_ids: blind.iter().map(|s| s.to_string()).collect(),
            sd_jwt_batch_size: 0,
        };
        let ok = request(&[("req", "yes")], &["blind"]);
        let values = ok.attribute_values(&info, 0).unwrap();
        assert_eq!(values.len(), 5);
        assert_eq!(values[1], Some(encode_value(Some("yes"))));
        assert_eq!(values[2], Some(BigUint::default()), "absent optional is 0");
        assert_eq!(values[3], None, "random blind is the issuer's");
        assert_eq!(
            values[4],
            Some(BigUint::default()),
            "revocation witness not yet set"
        );
        let meta = MetadataAttribute::from_int(values[0].as_ref().unwrap()).unwrap();
        assert_eq!(
            meta.expiry(),
            default_validity(0) / crate::protocol::attributes::EPOCH_SECONDS
                * crate::protocol::attributes::EPOCH_SECONDS
        );

        use CredentialRequestError as E;
        assert!(matches!(
            request(&[], &["blind"]).validate(&info),
            Err(E::MissingAttribute(_))
        ));
        assert!(matches!(
            request(&[("req", "x"), ("zz", "x")], &["blind"]).validate(&info),
            Err(E::UnknownAttribute { .. })
        ));
        assert!(matches!(
            request(&[("req", "x"), ("blind", "x")], &["blind"]).validate(&info),
            Err(E::RandomBlindSet(_))
        ));
        assert!(matches!(
            request(&[("req", "x")], &[]).validate(&info),
            Err(E::RandomBlindMismatch(_))
        ));
        let mut big_counter = ok.clone();
        big_counter.key_counter = 70_000;
        assert_eq!(
            big_counter.attribute_values(&info, 0),
            Err(E::KeyCounter(70_000))
        );
        let mut expired = ok;
        expired.validity = Some(-1);
        assert!(matches!(
            expired.attribute_values(&info, 0),
            Err(E::Metadata(_))
        ));
        let other = CredentialTypeInfo {
            id: CredentialTypeId::parse("a.b.d").unwrap(),
            ..info
        };
        assert!(matches!(
            request(&[], &[]).validate(&other),
            Err(E::WrongType { .. })
        ));
    }

    #[test]
    fn attribute_requests_satisfy_like_the_reference() {
        let id = AttributeOrCredential::parse("a.b.c.d").unwrap();
        let other = AttributeOrCredential::parse("a.b.c.e").unwrap();
        let plain = AttributeRequest::new(id.clone());
        assert!(plain.is_satisfied_by(&id, None));
        assert!(plain.is_satisfied_by(&id, Some("x")));
        assert!(!plain.is_satisfied_by(&other, Some("x")));
        let not_null = AttributeRequest {
            not_null: true,
            ..plain.clone()
        };
        assert!(!not_null.is_satisfied_by(&id, None));
        let valued = AttributeRequest {
            value: Some("x".into()),
            ..plain
        };
        assert!(valued.is_satisfied_by(&id, Some("x")));
        assert!(!valued.is_satisfied_by(&id, Some("y")));
        assert!(!valued.is_satisfied_by(&id, None));
    }

    proptest! {
        #[test]
        fn parsing_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = serde_json::from_slice::<SessionRequest>(&bytes);
            let _ = serde_json::from_slice::<RequestorRequest>(&bytes);
        }

        #[test]
        fn parsing_random_requests_never_panics(
            ctx in prop::sample::select(vec![DISCLOSURE_CONTEXT, SIGNATURE_CONTEXT, ISSUANCE_CONTEXT]),
            id in "[a-z.]{0,12}",
            key in "[0-9a-z-]{0,4}",
            n in any::<i64>(),
        ) {
            let v = json!({"@context": ctx, "disclose": [[[id.clone(), {"type": id, "notNull": n % 2 == 0}]]],
                "labels": {key: {"en": "x"}}, "message": "m", "credentials": [{"credential": "a.b.c", "validity": n}]});
            if let Ok(r) = serde_json::from_value::<SessionRequest>(v) {
                let again: SessionRequest = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
                prop_assert_eq!(again, r);
            }
        }
    }
}
