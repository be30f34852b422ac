//! Typed session request builders: the condiscon structure is in the types, so an invalid
//! request cannot be built.
//!
//! What [`SessionRequest::validate`] checks at run time holds by construction here: a
//! [`Disjunction`] has at least one option and every [`Conjunction`] in it at least one
//! attribute (an optional disjunction adds the empty option explicitly); a conjunction keeps
//! the attributes of one credential type together ([`Conjunction::and`] refuses otherwise);
//! a disclosure and a signature request ask for at least one disjunction; a signature has a
//! message; an issuance has at least one credential.
//!
//! ```
//! use irma::requestor::builder::{Conjunction, Disjunction, DisclosureBuilder};
//! use irma::protocol::identifiers::AttributeTypeId;
//!
//! let over18 = AttributeTypeId::parse("irma-demo.MijnOverheid.ageLower.over18").unwrap();
//! let request = DisclosureBuilder::new(Disjunction::new(Conjunction::new(over18)))
//!     .validity(60)
//!     .build();
//! assert!(request.request.validate().is_ok());
//! ```

use crate::protocol::attributes::CredentialTypeInfo;
use crate::protocol::identifiers::{AttributeTypeId, CredentialTypeId};
use crate::protocol::messages::AttributeOrCredential;
use crate::protocol::request::{
    AttributeCon, AttributeDisCon, AttributeRequest, CredentialRequest, CredentialRequestError,
    DisclosureRequest, IssuanceRequest, RequestError, RequestorRequest, SessionRequest,
    SignatureRequest,
};

/// Attributes that must be disclosed together: never empty, and the attributes of one
/// credential type adjacent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conjunction(AttributeCon);

impl Conjunction {
    /// A conjunction of one attribute (or a whole credential).
    pub fn new(first: impl Into<AttributeRequest>) -> Self {
        Self(vec![first.into()])
    }

    /// Adds an attribute; refused when its credential type appeared earlier in this
    /// conjunction but not right before it (the reference requires them adjacent).
    pub fn and(mut self, attribute: impl Into<AttributeRequest>) -> Result<Self, RequestError> {
        let attribute = attribute.into();
        let typ = attribute.id.credential_type();
        let last = self.0.last().map(|a| a.id.credential_type());
        if last.as_ref() != Some(&typ) && self.0.iter().any(|a| a.id.credential_type() == typ) {
            return Err(RequestError::NotAdjacent {
                credential_type: typ,
            });
        }
        self.0.push(attribute);
        Ok(self)
    }
}

impl From<AttributeTypeId> for Conjunction {
    fn from(id: AttributeTypeId) -> Self {
        Self::new(id)
    }
}

impl From<CredentialTypeId> for Conjunction {
    fn from(id: CredentialTypeId) -> Self {
        Self::new(id)
    }
}

impl From<AttributeTypeId> for AttributeRequest {
    fn from(id: AttributeTypeId) -> Self {
        AttributeRequest::new(AttributeOrCredential::Attribute(id))
    }
}

impl From<CredentialTypeId> for AttributeRequest {
    fn from(id: CredentialTypeId) -> Self {
        AttributeRequest::new(AttributeOrCredential::Credential(id))
    }
}

/// Alternatives of which the app discloses one: at least one non-empty conjunction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disjunction {
    options: AttributeDisCon,
    optional: bool,
}

impl Disjunction {
    /// A disjunction with one option.
    pub fn new(first: impl Into<Conjunction>) -> Self {
        Self {
            options: vec![first.into().0],
            optional: false,
        }
    }

    /// Adds an option.
    pub fn or(mut self, option: impl Into<Conjunction>) -> Self {
        self.options.push(option.into().0);
        self
    }

    /// Lets the user disclose nothing for this disjunction (the empty option, first, as
    /// the reference writes it).
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    fn into_wire(self) -> AttributeDisCon {
        let mut out = Vec::with_capacity(self.options.len() + 1);
        if self.optional {
            out.push(Vec::new());
        }
        out.extend(self.options);
        out
    }
}

/// Settings of the session around the request (`RequestorBaseRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Settings {
    validity: u64,
    timeout: u64,
    callback_url: String,
}

/// Methods every builder has: session settings and the extra disjunctions.
macro_rules! common {
    ($name:ident) => {
        impl $name {
            /// Validity of the result JWT in seconds.
            pub fn validity(mut self, seconds: u64) -> Self {
                self.settings.validity = seconds;
                self
            }

            /// Seconds the server waits for the app to connect.
            pub fn timeout(mut self, seconds: u64) -> Self {
                self.settings.timeout = seconds;
                self
            }

            /// Where the server POSTs the result when the session ends.
            pub fn callback_url(mut self, url: impl Into<String>) -> Self {
                self.settings.callback_url = url.into();
                self
            }

            /// Where the app goes after a same-device session.
            pub fn client_return_url(mut self, url: impl Into<String>) -> Self {
                self.disclosure.base.client_return_url = url.into();
                self
            }

            /// Adds a disjunction to disclose.
            pub fn disclose(mut self, disjunction: Disjunction) -> Self {
                self.disclosure.disclose.push(disjunction.into_wire());
                self
            }
        }
    };
}

/// Builds a disclosure request.
#[derive(Debug, Clone)]
pub struct DisclosureBuilder {
    disclosure: DisclosureRequest,
    settings: Settings,
}

impl DisclosureBuilder {
    /// A request to disclose `first` (add more with [`DisclosureBuilder::disclose`]).
    pub fn new(first: Disjunction) -> Self {
        Self {
            disclosure: DisclosureRequest::default(),
            settings: Settings::default(),
        }
        .disclose(first)
    }

    /// The request with its session settings.
    pub fn build(self) -> RequestorRequest {
        wrap(SessionRequest::Disclosure(self.disclosure), self.settings)
    }
}

common!(DisclosureBuilder);

/// Builds an attribute-based signature request.
#[derive(Debug, Clone)]
pub struct SignatureBuilder {
    message: String,
    disclosure: DisclosureRequest,
    settings: Settings,
}

impl SignatureBuilder {
    /// A request to sign `message` with `first`; an empty message is refused.
    pub fn new(message: impl Into<String>, first: Disjunction) -> Result<Self, RequestError> {
        let message = message.into();
        if message.is_empty() {
            return Err(RequestError::EmptyMessage);
        }
        Ok(Self {
            message,
            disclosure: DisclosureRequest::default(),
            settings: Settings::default(),
        }
        .disclose(first))
    }

    /// The request with its session settings.
    pub fn build(self) -> RequestorRequest {
        let request = SignatureRequest {
            disclosure: self.disclosure,
            message: self.message,
        };
        wrap(SessionRequest::Signature(request), self.settings)
    }
}

common!(SignatureBuilder);

/// Builds an issuance request, optionally with attributes to disclose first.
#[derive(Debug, Clone)]
pub struct IssuanceBuilder {
    credentials: Vec<CredentialRequest>,
    disclosure: DisclosureRequest,
    settings: Settings,
}

impl IssuanceBuilder {
    /// A request to issue `first` (add more with [`IssuanceBuilder::issue`]).
    pub fn new(first: CredentialRequest) -> Self {
        Self {
            credentials: vec![first],
            disclosure: DisclosureRequest::default(),
            settings: Settings::default(),
        }
    }

    /// Adds a credential to issue.
    pub fn issue(mut self, credential: CredentialRequest) -> Self {
        self.credentials.push(credential);
        self
    }

    /// The request with its session settings.
    pub fn build(self) -> RequestorRequest {
        let request = IssuanceRequest {
            disclosure: self.disclosure,
            credentials: self.credentials,
        };
        wrap(SessionRequest::Issuance(request), self.settings)
    }
}

common!(IssuanceBuilder);

/// Why values do not make a credential of a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialValuesError {
    /// Not one value per settable attribute (the reference's message).
    #[error("{expected} attributes required but {given} provided for {credential_type}")]
    Count {
        /// The credential type.
        credential_type: CredentialTypeId,
        /// Its attributes other than random-blind and revocation ones.
        expected: usize,
        /// The values given.
        given: usize,
    },
    /// The request does not fit the credential type.
    #[error(transparent)]
    Invalid(#[from] CredentialRequestError),
}

/// A credential to issue from its values in scheme order, random-blind and revocation
/// attributes left out (what `irma session --issue type=v1,v2,…` takes); `randomblindIDs`
/// is filled in from the type. An empty value is kept as the empty string, as the
/// reference does.
pub fn credential_from_values(
    credential_type: &CredentialTypeInfo,
    values: &[&str],
) -> Result<CredentialRequest, CredentialValuesError> {
    let settable: Vec<&AttributeTypeId> = credential_type
        .attributes
        .iter()
        .filter(|a| !a.random_blind)
        .filter_map(|a| a.id.as_ref())
        .collect();
    if settable.len() != values.len() {
        return Err(CredentialValuesError::Count {
            credential_type: credential_type.id.clone(),
            expected: settable.len(),
            given: values.len(),
        });
    }
    let request = CredentialRequest {
        validity: None,
        key_counter: 0,
        credential: credential_type.id.clone(),
        attributes: settable
            .iter()
            .zip(values)
            .map(|(id, v)| (id.name().to_owned(), (*v).to_owned()))
            .collect(),
        revocation_key: String::new(),
        revocation_supported: false,
        random_blind_ids: credential_type
            .attributes
            .iter()
            .filter(|a| a.random_blind)
            .filter_map(|a| a.id.as_ref().map(|id| id.name().to_owned()))
            .collect(),
        sd_jwt_batch_size: 0,
    };
    request.validate(credential_type)?;
    Ok(request)
}

fn wrap(request: SessionRequest, settings: Settings) -> RequestorRequest {
    RequestorRequest {
        validity: settings.validity,
        timeout: settings.timeout,
        callback_url: settings.callback_url,
        next_session: None,
        request,
        legacy: false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attr(s: &str) -> AttributeTypeId {
        AttributeTypeId::parse(s).unwrap()
    }

    #[test]
    fn builders_write_the_reference_json() {
        let d = DisclosureBuilder::new(
            Disjunction::new(attr("a.b.c.x")).or(Conjunction::new(attr("a.b.d.y"))
                .and(attr("a.b.d.z"))
                .unwrap()),
        )
        .disclose(Disjunction::new(attr("a.b.e.w")).optional())
        .validity(60)
        .build();
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"validity": 60, "request": {
                "@context": "https://irma.app/ld/request/disclosure/v2",
                "disclose": [[["a.b.c.x"], ["a.b.d.y", "a.b.d.z"]], [[], ["a.b.e.w"]]]
            }})
        );
        assert_eq!(d.request.validate(), Ok(()));

        let s = SignatureBuilder::new("m", Disjunction::new(attr("a.b.c.x")))
            .unwrap()
            .build();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"request": {"@context": "https://irma.app/ld/request/signature/v2",
                "disclose": [[["a.b.c.x"]]], "message": "m"}})
        );
        assert_eq!(s.request.validate(), Ok(()));
        assert_eq!(
            SignatureBuilder::new("", Disjunction::new(attr("a.b.c.x"))).err(),
            Some(RequestError::EmptyMessage)
        );
    }

    #[test]
    fn conjunctions_keep_credential_types_together() {
        let c = Conjunction::new(attr("a.b.c.x"))
            .and(attr("a.b.c.y"))
            .unwrap()
            .and(attr("a.b.d.z"))
            .unwrap();
        assert!(matches!(
            c.clone().and(attr("a.b.c.w")),
            Err(RequestError::NotAdjacent { .. })
        ));
        assert!(c.and(attr("a.b.d.w")).is_ok());
    }

    #[test]
    fn credentials_from_values_in_scheme_order() {
        let info = CredentialTypeInfo::test_fixture(&[
            ("z", false, false),
            ("blind", true, false),
            ("a", false, true),
        ]);
        let c = credential_from_values(&info, &["1", ""]).unwrap();
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"credential": "a.b.c", "attributes": {"z": "1", "a": ""}, "randomblindIDs": ["blind"]})
        );
        assert_eq!(
            credential_from_values(&info, &["1"])
                .unwrap_err()
                .to_string(),
            "2 attributes required but 1 provided for a.b.c"
        );
    }

    #[test]
    fn issuance_with_disclosure_validates() {
        let cred = CredentialRequest {
            validity: None,
            key_counter: 0,
            credential: CredentialTypeId::parse("a.b.c").unwrap(),
            attributes: [("x".to_owned(), "1".to_owned())].into_iter().collect(),
            revocation_key: String::new(),
            revocation_supported: false,
            random_blind_ids: Vec::new(),
            sd_jwt_batch_size: 0,
        };
        let r = IssuanceBuilder::new(cred.clone())
            .issue(cred)
            .disclose(Disjunction::new(CredentialTypeId::parse("a.b.d").unwrap()))
            .build();
        assert_eq!(r.request.validate(), Ok(()));
        assert_eq!(r.request.disclosure().disclose.len(), 1);
    }
}
