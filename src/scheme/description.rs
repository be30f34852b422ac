//! The typed model of a scheme's XML descriptions: the scheme (`description.xml`,
//! `<SchemeManager>`), its issuers (`<Issuer>`) and credential types (`<IssueSpecification>`).
//!
//! Each XML file is read into a private `Raw*` mirror of irmago's structs
//! (`irma/descriptions.go`), then checked and turned into the public type, so that a
//! description that exists has valid identifiers and passed the rules of irmago
//! (`irma/irmaconfig.go` `validateIssuer`, `validateCredentialType`, `validateAttributes`).
//! Rules that irmago only warns about become warnings here too.

use serde::Deserialize;

use super::error::Error;
use crate::protocol::identifiers::{
    AttributeTypeId, CredentialTypeId, IdentifierError, IssuerId, SchemeId,
};
use crate::protocol::translated::TranslatedString;

/// Default `RevocationUpdateCount` when a credential type gives none (irmago `RevocationParameters`).
pub const DEFAULT_REVOCATION_UPDATE_COUNT: u64 = 16;
/// Default `RevocationUpdateSpeed` in hours when a credential type gives none.
pub const DEFAULT_REVOCATION_UPDATE_SPEED: u64 = 7 * 24;

/// The lowest `<SchemeManager version>` irmago accepts.
const MIN_SCHEME_VERSION: u32 = 7;
/// The lowest `<Issuer version>` and `<IssueSpecification version>` irmago accepts.
const MIN_ISSUER_VERSION: u32 = 4;

/// A scheme (irmago: scheme manager) as described by its `description.xml`.
#[derive(Debug, Clone)]
pub struct SchemeDescription {
    /// The scheme identifier (`<Id>`).
    pub id: SchemeId,
    /// Where the scheme is published (`<Url>`); downloads and updates come from here.
    pub url: String,
    /// A demo scheme publishes its private keys (`<Demo>`).
    pub demo: bool,
    /// Display name.
    pub name: TranslatedString,
    /// Display description.
    pub description: TranslatedString,
    /// Oldest app versions that may use this scheme.
    pub minimum_app_version: AppVersion,
    /// URL of the keyshare server, if credentials of this scheme are distributed.
    pub keyshare_server: Option<String>,
    /// Website of the keyshare server.
    pub keyshare_website: Option<String>,
    /// The attribute holding the keyshare username.
    pub keyshare_attribute: Option<AttributeTypeId>,
    /// The atum timestamp server used for attribute-based signatures.
    pub timestamp_server: Option<String>,
    /// Contact URL.
    pub contact: Option<String>,
    /// Languages every translation must have (warnings otherwise).
    pub languages: Vec<String>,
    /// The `version` attribute of `<SchemeManager>`.
    pub xml_version: u32,
}

/// Minimum app versions per platform (`<MinimumAppVersion>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct AppVersion {
    /// Android build number.
    #[serde(rename = "Android", default)]
    pub android: u32,
    /// iOS build number.
    #[serde(rename = "iOS", default)]
    pub ios: u32,
}

/// An issuer as described by `<issuer>/description.xml`.
#[derive(Debug, Clone)]
pub struct IssuerDescription {
    /// `scheme.issuer`.
    pub id: IssuerId,
    /// Display name.
    pub name: TranslatedString,
    /// Short display name.
    pub short_name: TranslatedString,
    /// Postal contact address.
    pub contact_address: String,
    /// Contact e-mail address.
    pub contact_email: String,
    /// Unix time since which the issuer is deprecated.
    pub deprecated_since: Option<i64>,
    /// Languages of the translations (the scheme's when the issuer gives none).
    pub languages: Vec<String>,
    /// The `version` attribute of `<Issuer>`.
    pub xml_version: u32,
}

/// A credential type as described by `<issuer>/Issues/<credential>/description.xml`.
#[derive(Debug, Clone)]
pub struct CredentialType {
    /// `scheme.issuer.credential`.
    pub id: CredentialTypeId,
    /// Display name.
    pub name: TranslatedString,
    /// Short display name.
    pub short_name: TranslatedString,
    /// Display description.
    pub description: TranslatedString,
    /// Where to obtain this credential.
    pub issue_url: Option<TranslatedString>,
    /// Whether `issue_url` is a universal link.
    pub is_ul_issue_url: bool,
    /// A wallet holds at most one instance (`<ShouldBeSingleton>`).
    pub singleton: bool,
    /// The app may not delete it.
    pub disallow_delete: bool,
    /// Revocation servers, without trailing `/`; non-empty iff an attribute is the revocation attribute.
    pub revocation_servers: Vec<String>,
    /// Revocation update event count (default 16).
    pub revocation_update_count: u64,
    /// Revocation update speed in hours (default 168).
    pub revocation_update_speed: u64,
    /// Unix time since which the credential type is deprecated.
    pub deprecated_since: Option<i64>,
    /// Credential types to obtain first: a conjunction of disjunctions of conjunctions.
    pub dependencies: Vec<Vec<Vec<CredentialTypeId>>>,
    /// Card colours.
    pub foreground_color: Option<String>,
    /// Card colours.
    pub background_gradient_start: Option<String>,
    /// Card colours.
    pub background_gradient_end: Option<String>,
    /// Shown in the app's credential store.
    pub is_in_credential_store: bool,
    /// Store category.
    pub category: Option<TranslatedString>,
    /// FAQ texts of the credential store.
    pub faq_intro: Option<TranslatedString>,
    /// FAQ texts of the credential store.
    pub faq_purpose: Option<TranslatedString>,
    /// FAQ texts of the credential store.
    pub faq_content: Option<TranslatedString>,
    /// FAQ texts of the credential store.
    pub faq_howto: Option<TranslatedString>,
    /// FAQ texts of the credential store.
    pub faq_summary: Option<TranslatedString>,
    /// Languages of the translations (the issuer's when the credential type gives none).
    pub languages: Vec<String>,
    /// The attributes, in scheme order: attribute `i` is Idemix attribute `i + 1`
    /// (attribute 0 is the metadata attribute).
    pub attributes: Vec<AttributeType>,
    /// The `version` attribute of `<IssueSpecification>`.
    pub xml_version: u32,
}

impl CredentialType {
    /// The attribute with this name, with its position in scheme order.
    pub fn attribute(&self, name: &str) -> Option<(usize, &AttributeType)> {
        self.attributes
            .iter()
            .enumerate()
            .find(|(_, a)| a.id.as_ref().is_some_and(|id| id.name() == name))
    }

    /// Whether the credential type supports revocation.
    pub fn revocation_supported(&self) -> bool {
        !self.revocation_servers.is_empty()
    }

    /// Position (in scheme order) of the revocation attribute, if any.
    pub fn revocation_index(&self) -> Option<usize> {
        self.attributes.iter().position(|a| a.revocation)
    }
}

/// One `<Attribute>` of a credential type.
#[derive(Debug, Clone)]
pub struct AttributeType {
    /// `scheme.issuer.credential.attribute`; `None` only for the revocation attribute,
    /// which has no `id` in the scheme.
    pub id: Option<AttributeTypeId>,
    /// `optional="true"`: may be left empty at issuance.
    pub optional: bool,
    /// `randomblind="true"`: a random value chosen jointly at issuance.
    pub random_blind: bool,
    /// `revocation="true"`: the revocation witness attribute.
    pub revocation: bool,
    /// `displayIndex`: position in the app's display.
    pub display_index: Option<usize>,
    /// `displayHint` (e.g. `portraitPhoto`, `yesno`).
    pub display_hint: Option<String>,
    /// Display name.
    pub name: TranslatedString,
    /// Display description.
    pub description: TranslatedString,
}

// ---- raw XML mirrors --------------------------------------------------------------------

/// `<Languages><Language>en</Language>...</Languages>`.
#[derive(Debug, Default, Deserialize)]
struct RawLanguages {
    #[serde(rename = "Language", default)]
    language: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawScheme {
    #[serde(rename = "@version", default)]
    version: u32,
    #[serde(rename = "Id", default)]
    id: String,
    #[serde(rename = "Url", default)]
    url: String,
    #[serde(rename = "Demo", default)]
    demo: bool,
    #[serde(rename = "Name", default)]
    name: TranslatedString,
    #[serde(rename = "Description", default)]
    description: TranslatedString,
    #[serde(rename = "MinimumAppVersion", default)]
    minimum_app_version: AppVersion,
    #[serde(rename = "KeyshareServer", default)]
    keyshare_server: String,
    #[serde(rename = "KeyshareWebsite", default)]
    keyshare_website: String,
    #[serde(rename = "KeyshareAttribute", default)]
    keyshare_attribute: String,
    #[serde(rename = "TimestampServer", default)]
    timestamp_server: String,
    #[serde(rename = "Contact", default)]
    contact: String,
    #[serde(rename = "Languages", default)]
    languages: RawLanguages,
}

#[derive(Debug, Deserialize)]
struct RawIssuer {
    #[serde(rename = "@version", default)]
    version: u32,
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Name", default)]
    name: TranslatedString,
    #[serde(rename = "ShortName", default)]
    short_name: TranslatedString,
    #[serde(rename = "SchemeManager", default)]
    scheme: String,
    #[serde(rename = "ContactAddress", default)]
    contact_address: String,
    #[serde(rename = "ContactEMail", default)]
    contact_email: String,
    #[serde(rename = "DeprecatedSince", default)]
    deprecated_since: Option<i64>,
    #[serde(rename = "Languages", default)]
    languages: RawLanguages,
}

#[derive(Debug, Default, Deserialize)]
struct RawRevocationServers {
    #[serde(rename = "RevocationServer", default)]
    server: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawDependencies {
    #[serde(rename = "Or", default)]
    or: Vec<RawOr>,
}

#[derive(Debug, Default, Deserialize)]
struct RawOr {
    #[serde(rename = "And", default)]
    and: Vec<RawAnd>,
}

#[derive(Debug, Default, Deserialize)]
struct RawAnd {
    #[serde(rename = "CredentialType", default)]
    credential_type: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawAttributes {
    #[serde(rename = "Attribute", default)]
    attribute: Vec<RawAttribute>,
}

#[derive(Debug, Deserialize)]
struct RawAttribute {
    #[serde(rename = "@id", default)]
    id: String,
    #[serde(rename = "@optional", default)]
    optional: String,
    #[serde(rename = "@randomblind", default)]
    random_blind: bool,
    #[serde(rename = "@revocation", default)]
    revocation: bool,
    #[serde(rename = "@displayIndex", default)]
    display_index: Option<usize>,
    #[serde(rename = "@displayHint", default)]
    display_hint: String,
    #[serde(rename = "Name", default)]
    name: TranslatedString,
    #[serde(rename = "Description", default)]
    description: TranslatedString,
}

#[derive(Debug, Deserialize)]
struct RawCredentialType {
    #[serde(rename = "@version", default)]
    version: u32,
    #[serde(rename = "CredentialID", default)]
    id: String,
    #[serde(rename = "IssuerID", default)]
    issuer: String,
    #[serde(rename = "SchemeManager", default)]
    scheme: String,
    #[serde(rename = "Name", default)]
    name: TranslatedString,
    #[serde(rename = "ShortName", default)]
    short_name: TranslatedString,
    #[serde(rename = "Description", default)]
    description: TranslatedString,
    #[serde(rename = "IssueURL", default)]
    issue_url: Option<TranslatedString>,
    #[serde(rename = "IsULIssueURL", default)]
    is_ul_issue_url: bool,
    #[serde(rename = "ShouldBeSingleton", default)]
    singleton: bool,
    #[serde(rename = "DisallowDelete", default)]
    disallow_delete: bool,
    #[serde(rename = "RevocationServers", default)]
    revocation_servers: RawRevocationServers,
    #[serde(rename = "RevocationUpdateCount", default)]
    revocation_update_count: u64,
    #[serde(rename = "RevocationUpdateSpeed", default)]
    revocation_update_speed: u64,
    #[serde(rename = "DeprecatedSince", default)]
    deprecated_since: Option<i64>,
    #[serde(rename = "Dependencies", default)]
    dependencies: RawDependencies,
    #[serde(rename = "ForegroundColor", default)]
    foreground_color: Option<String>,
    #[serde(rename = "BackgroundGradientStart", default)]
    background_gradient_start: Option<String>,
    #[serde(rename = "BackgroundGradientEnd", default)]
    background_gradient_end: Option<String>,
    #[serde(rename = "IsInCredentialStore", default)]
    is_in_credential_store: bool,
    #[serde(rename = "Category", default)]
    category: Option<TranslatedString>,
    #[serde(rename = "FAQIntro", default)]
    faq_intro: Option<TranslatedString>,
    #[serde(rename = "FAQPurpose", default)]
    faq_purpose: Option<TranslatedString>,
    #[serde(rename = "FAQContent", default)]
    faq_content: Option<TranslatedString>,
    #[serde(rename = "FAQHowto", default)]
    faq_howto: Option<TranslatedString>,
    #[serde(rename = "FAQSummary", default)]
    faq_summary: Option<TranslatedString>,
    #[serde(rename = "Attributes", default)]
    attributes: RawAttributes,
    #[serde(rename = "Languages", default)]
    languages: RawLanguages,
}

// ---- parsing and validation -------------------------------------------------------------

/// Where a description comes from, for error messages and warnings.
pub(crate) struct Source<'a> {
    /// Path in index form, `scheme/issuer/description.xml`.
    pub file: &'a str,
    /// Name of the folder holding the description.
    pub folder: &'a str,
}

fn xml<'de, T: Deserialize<'de>>(file: &str, bytes: &'de [u8]) -> Result<T, Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Invalid {
        file: file.to_owned(),
        reason: "not UTF-8".to_owned(),
    })?;
    quick_xml::de::from_str(text).map_err(|e| Error::Xml {
        file: file.to_owned(),
        error: e,
    })
}

fn invalid(file: &str, reason: impl Into<String>) -> Error {
    Error::Invalid {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

fn ident<T>(file: &str, r: Result<T, IdentifierError>) -> Result<T, Error> {
    r.map_err(|e| invalid(file, e.to_string()))
}

fn non_empty(s: String) -> Option<String> {
    let s = s.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

/// Adds irmago's "misses translation" and "empty tag" warnings for one translated field.
fn check_translation(
    warnings: &mut Vec<String>,
    what: &str,
    tag: &str,
    ts: &TranslatedString,
    langs: &[String],
) {
    if ts.is_empty() {
        warnings.push(format!("{what} has empty <{tag}> tag"));
    }
    for lang in ts.missing(langs) {
        warnings.push(format!("{what} misses {lang} translation in <{tag}> tag"));
    }
}

/// Checks irmago's demo naming rule: every translation of a demo name starts with `"Demo "`.
fn check_demo_prefix(ts: &TranslatedString, langs: &[String]) -> Result<(), String> {
    for lang in langs {
        if !ts.translation(lang).unwrap_or("").starts_with("Demo ") {
            return Err(format!(
                "value in language {lang} is not prefixed with 'Demo '"
            ));
        }
    }
    Ok(())
}

impl SchemeDescription {
    /// Parses and checks a scheme's `description.xml`. Unlike issuers and credential types, a
    /// scheme's folder may be named anything (as irmago: `irma-demo-schememanager/`).
    pub(crate) fn parse(
        src: &Source<'_>,
        bytes: &[u8],
        warnings: &mut Vec<String>,
    ) -> Result<Self, Error> {
        let raw: RawScheme = xml(src.file, bytes)?;
        if raw.version < MIN_SCHEME_VERSION {
            return Err(invalid(
                src.file,
                format!(
                    "unsupported scheme description version {} (need at least {MIN_SCHEME_VERSION})",
                    raw.version
                ),
            ));
        }
        let id = ident(src.file, SchemeId::parse(raw.id.trim()))?;
        if is_reserved_scheme_name(id.as_str()) {
            return Err(invalid(
                src.file,
                format!("scheme id {id} uses a forbidden prefix"),
            ));
        }
        let keyshare_attribute = match non_empty(raw.keyshare_attribute) {
            Some(a) => Some(ident(src.file, AttributeTypeId::parse(&a))?),
            None => None,
        };
        let what = format!("Scheme {id}");
        let languages = raw.languages.language;
        check_translation(warnings, &what, "Name", &raw.name, &languages);
        check_translation(warnings, &what, "Description", &raw.description, &languages);
        Ok(Self {
            id,
            url: raw.url.trim().trim_end_matches('/').to_owned(),
            demo: raw.demo,
            name: raw.name,
            description: raw.description,
            minimum_app_version: raw.minimum_app_version,
            keyshare_server: non_empty(raw.keyshare_server),
            keyshare_website: non_empty(raw.keyshare_website),
            keyshare_attribute,
            timestamp_server: non_empty(raw.timestamp_server),
            contact: non_empty(raw.contact),
            languages,
            xml_version: raw.version,
        })
    }
}

/// Scheme ids irmago forbids because its temporary folders use them (`internal/common`).
pub(crate) fn is_reserved_scheme_name(name: &str) -> bool {
    let name = name.strip_prefix('.').unwrap_or(name);
    name.starts_with("tempscheme") || name.starts_with("oldscheme")
}

impl IssuerDescription {
    /// Parses and checks an issuer's `description.xml` within `scheme`.
    pub(crate) fn parse(
        src: &Source<'_>,
        bytes: &[u8],
        scheme: &SchemeDescription,
        warnings: &mut Vec<String>,
    ) -> Result<Self, Error> {
        let raw: RawIssuer = xml(src.file, bytes)?;
        if raw.version < MIN_ISSUER_VERSION {
            return Err(invalid(
                src.file,
                format!(
                    "unsupported issuer description version {} (need at least {MIN_ISSUER_VERSION})",
                    raw.version
                ),
            ));
        }
        let id = ident(src.file, scheme.id.issuer(raw.id.trim()))?;
        let languages = if raw.languages.language.is_empty() {
            scheme.languages.clone()
        } else {
            raw.languages.language
        };
        let what = format!("Issuer {id}");
        // irmago checks only `Name` of issuers (its struct has no `ShortName`).
        check_translation(warnings, &what, "Name", &raw.name, &languages);
        if id.name() != src.folder {
            return Err(invalid(
                src.file,
                format!("issuer {id} has wrong directory name {}", src.folder),
            ));
        }
        if raw.scheme.trim() != scheme.id.as_str() {
            return Err(invalid(
                src.file,
                format!("issuer {id} has wrong SchemeManager {}", raw.scheme.trim()),
            ));
        }
        if scheme.demo {
            check_demo_prefix(&raw.name, &languages)
                .map_err(|e| invalid(src.file, format!("name of demo issuer {id} invalid: {e}")))?;
        }
        Ok(Self {
            id,
            name: raw.name,
            short_name: raw.short_name,
            contact_address: raw.contact_address,
            contact_email: raw.contact_email,
            deprecated_since: raw.deprecated_since.filter(|t| *t != 0),
            languages,
            xml_version: raw.version,
        })
    }
}

impl CredentialType {
    /// Parses and checks a credential type's `description.xml` of `issuer`.
    pub(crate) fn parse(
        src: &Source<'_>,
        bytes: &[u8],
        scheme: &SchemeDescription,
        issuer: &IssuerDescription,
        warnings: &mut Vec<String>,
    ) -> Result<Self, Error> {
        let raw: RawCredentialType = xml(src.file, bytes)?;
        let file = src.file;
        let id = ident(file, issuer.id.credential_type(raw.id.trim()))?;
        let languages = if raw.languages.language.is_empty() {
            issuer.languages.clone()
        } else {
            raw.languages.language
        };
        let what = format!("Credential type {id}");
        // As irmago: `Name` and `Description`, then the optional fields in struct order,
        // stopping at the first absent one (its reflection loop returns there).
        check_translation(warnings, &what, "Name", &raw.name, &languages);
        check_translation(warnings, &what, "Description", &raw.description, &languages);
        for (tag, ts) in [
            ("IssueURL", &raw.issue_url),
            ("Category", &raw.category),
            ("FAQIntro", &raw.faq_intro),
            ("FAQPurpose", &raw.faq_purpose),
            ("FAQContent", &raw.faq_content),
            ("FAQHowto", &raw.faq_howto),
            ("FAQSummary", &raw.faq_summary),
        ] {
            let Some(ts) = ts else { break };
            check_translation(warnings, &what, tag, ts, &languages);
        }
        if raw.version < MIN_ISSUER_VERSION {
            return Err(invalid(
                file,
                format!(
                    "unsupported credential type description version {} (need at least {MIN_ISSUER_VERSION})",
                    raw.version
                ),
            ));
        }
        if id.name() != src.folder {
            return Err(invalid(
                file,
                format!(
                    "credential type {id} has wrong directory name {}",
                    src.folder
                ),
            ));
        }
        if raw.issuer.trim() != issuer.id.name() {
            return Err(invalid(
                file,
                format!(
                    "credential type {id} has wrong IssuerID {}",
                    raw.issuer.trim()
                ),
            ));
        }
        if raw.scheme.trim() != scheme.id.as_str() {
            return Err(invalid(
                file,
                format!(
                    "credential type {id} has wrong SchemeManager {}",
                    raw.scheme.trim()
                ),
            ));
        }
        if scheme.demo {
            check_demo_prefix(&raw.name, &languages)
                .map_err(|e| invalid(file, format!("name of demo credential {id} invalid: {e}")))?;
        }
        let mut revocation_servers = Vec::new();
        for url in raw.revocation_servers.server {
            let url = url.trim().to_owned();
            if !scheme.demo && !url.starts_with("https://") {
                return Err(invalid(
                    file,
                    format!("revocation server of {id} does not use https://"),
                ));
            }
            if url.ends_with('/') {
                return Err(invalid(
                    file,
                    format!("revocation server of {id} should have no trailing /"),
                ));
            }
            revocation_servers.push(url);
        }
        let attributes =
            parse_attributes(file, &id, raw.attributes.attribute, &languages, warnings)?;
        let has_revocation_attribute = attributes.iter().any(|a| a.revocation);
        if has_revocation_attribute && revocation_servers.is_empty() {
            return Err(invalid(
                file,
                "revocation attribute found but no RevocationServers configured",
            ));
        }
        if !has_revocation_attribute && !revocation_servers.is_empty() {
            return Err(invalid(
                file,
                "RevocationServers configured but no revocation attribute found",
            ));
        }
        let mut dependencies = Vec::new();
        for or in raw.dependencies.or {
            let mut discon = Vec::new();
            for and in or.and {
                let mut con = Vec::new();
                for c in and.credential_type {
                    con.push(ident(file, CredentialTypeId::parse(c.trim()))?);
                }
                discon.push(con);
            }
            dependencies.push(discon);
        }
        Ok(Self {
            id,
            name: raw.name,
            short_name: raw.short_name,
            description: raw.description,
            issue_url: raw.issue_url,
            is_ul_issue_url: raw.is_ul_issue_url,
            singleton: raw.singleton,
            disallow_delete: raw.disallow_delete,
            revocation_servers,
            revocation_update_count: match raw.revocation_update_count {
                0 => DEFAULT_REVOCATION_UPDATE_COUNT,
                n => n,
            },
            revocation_update_speed: match raw.revocation_update_speed {
                0 => DEFAULT_REVOCATION_UPDATE_SPEED,
                n => n,
            },
            deprecated_since: raw.deprecated_since.filter(|t| *t != 0),
            dependencies,
            foreground_color: raw.foreground_color.and_then(non_empty),
            background_gradient_start: raw.background_gradient_start.and_then(non_empty),
            background_gradient_end: raw.background_gradient_end.and_then(non_empty),
            is_in_credential_store: raw.is_in_credential_store,
            category: raw.category,
            faq_intro: raw.faq_intro,
            faq_purpose: raw.faq_purpose,
            faq_content: raw.faq_content,
            faq_howto: raw.faq_howto,
            faq_summary: raw.faq_summary,
            languages,
            attributes,
            xml_version: raw.version,
        })
    }
}

/// One `description.xml` and the name of the folder holding it.
#[derive(Debug, Clone, Copy)]
pub struct DescriptionFile<'a> {
    /// The folder name (the scheme, issuer or credential type id it must declare).
    pub folder: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
}

/// Parses and checks the descriptions of one credential type as [`super::Configuration::load`]
/// does, without a scheme tree around them: the scheme's, an issuer's within it and a
/// credential type's of that issuer, each checked against the ones before it. Returns them
/// with the warnings. For checking description files on their own, and for fuzzing.
pub fn parse_descriptions(
    scheme: DescriptionFile<'_>,
    issuer: DescriptionFile<'_>,
    credential: DescriptionFile<'_>,
) -> Result<
    (
        SchemeDescription,
        IssuerDescription,
        CredentialType,
        Vec<String>,
    ),
    Error,
> {
    let mut warnings = Vec::new();
    let file = format!("{}/description.xml", scheme.folder);
    let src = Source {
        file: &file,
        folder: scheme.folder,
    };
    let s = SchemeDescription::parse(&src, scheme.bytes, &mut warnings)?;
    let file = format!("{}/{}/description.xml", scheme.folder, issuer.folder);
    let i = IssuerDescription::parse(
        &Source {
            file: &file,
            folder: issuer.folder,
        },
        issuer.bytes,
        &s,
        &mut warnings,
    )?;
    let file = format!(
        "{}/{}/Issues/{}/description.xml",
        scheme.folder, issuer.folder, credential.folder
    );
    let c = CredentialType::parse(
        &Source {
            file: &file,
            folder: credential.folder,
        },
        credential.bytes,
        &s,
        &i,
        &mut warnings,
    )?;
    Ok((s, i, c, warnings))
}

/// irmago `validateAttributes` plus the revocation-attribute rules of `parseCredentialsFolder`.
fn parse_attributes(
    file: &str,
    cred: &CredentialTypeId,
    raw: Vec<RawAttribute>,
    languages: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<AttributeType>, Error> {
    let count = raw.len();
    if count == 0 {
        return Err(invalid(
            file,
            format!("credential type {cred} has no attributes"),
        ));
    }
    let mut display_indices = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    for (i, a) in raw.into_iter().enumerate() {
        let name = a.id.trim();
        if a.revocation && !name.is_empty() {
            return Err(invalid(
                file,
                format!(
                    "attribute {name} cannot contain revocation=\"true\"; the revocation attribute must be a separate <Attribute revocation=\"true\" />"
                ),
            ));
        }
        if a.revocation && a.random_blind {
            return Err(invalid(
                file,
                "attribute cannot be both revocation attribute and randomblind attribute",
            ));
        }
        let id = if a.revocation {
            None
        } else {
            Some(ident(file, cred.attribute(name))?)
        };
        if !a.revocation {
            let what = format!("Attribute {name} of credential type {cred}");
            check_translation(warnings, &what, "Name", &a.name, languages);
            check_translation(warnings, &what, "Description", &a.description, languages);
        }
        let index = a.display_index.unwrap_or(i);
        if index >= count {
            warnings.push(format!(
                "Credential type {cred} has invalid attribute displayIndex at attribute {i}"
            ));
        }
        display_indices.insert(index);
        out.push(AttributeType {
            id,
            optional: a.optional.trim() == "true",
            random_blind: a.random_blind,
            revocation: a.revocation,
            display_index: a.display_index,
            display_hint: non_empty(a.display_hint),
            name: a.name,
            description: a.description,
        });
    }
    if display_indices.len() != count {
        warnings.push(format!(
            "Credential type {cred} has invalid attribute ordering, check the displayIndex tags"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_parse_outside_a_scheme_tree() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/schemes/irma-demo");
        let read = |p: &str| std::fs::read(format!("{dir}/{p}")).unwrap();
        let (scheme, issuer, cred) = (
            read("description.xml"),
            read("MijnOverheid/description.xml"),
            read("MijnOverheid/Issues/fullName/description.xml"),
        );
        let file = |folder, bytes| DescriptionFile { folder, bytes };
        let (s, i, c, _) = parse_descriptions(
            file("irma-demo", &scheme),
            file("MijnOverheid", &issuer),
            file("fullName", &cred),
        )
        .unwrap();
        assert_eq!(
            (s.id.as_str(), i.id.to_string(), c.id.to_string()),
            (
                "irma-demo",
                "irma-demo.MijnOverheid".to_owned(),
                "irma-demo.MijnOverheid.fullName".to_owned()
            )
        );
        // Each file is checked against its folder and the ones before it.
        assert!(
            parse_descriptions(
                file("irma-demo", &scheme),
                file("Other", &issuer),
                file("fullName", &cred),
            )
            .is_err()
        );
        assert!(
            parse_descriptions(
                file("irma-demo", &scheme),
                file("MijnOverheid", &issuer),
                file("fullName", b"<IssueSpecification/>"),
            )
            .is_err()
        );
    }

    fn scheme(demo: bool) -> SchemeDescription {
        let xml = format!(
            "<SchemeManager version=\"7\"><Id>s</Id><Url>https://x/s/</Url><Demo>{demo}</Demo>\
             <Name><en>S</en></Name><Description><en>d</en></Description>\
             <Languages><Language>en</Language></Languages></SchemeManager>"
        );
        let mut w = Vec::new();
        SchemeDescription::parse(
            &Source {
                file: "s/description.xml",
                folder: "s",
            },
            xml.as_bytes(),
            &mut w,
        )
        .unwrap()
    }

    fn issuer(s: &SchemeDescription) -> IssuerDescription {
        let xml = "<Issuer version=\"4\"><ID>i</ID><Name><en>Demo I</en></Name>\
                   <ShortName><en>I</en></ShortName><SchemeManager>s</SchemeManager></Issuer>";
        let mut w = Vec::new();
        IssuerDescription::parse(
            &Source {
                file: "s/i/description.xml",
                folder: "i",
            },
            xml.as_bytes(),
            s,
            &mut w,
        )
        .unwrap()
    }

    fn cred(s: &SchemeDescription, attrs: &str, extra: &str) -> Result<CredentialType, Error> {
        let xml = format!(
            "<IssueSpecification version=\"4\"><Name><en>Demo C</en></Name><ShortName><en>C</en></ShortName>\
             <Description><en>c</en></Description><SchemeManager>s</SchemeManager><IssuerID>i</IssuerID>\
             <CredentialID>c</CredentialID>{extra}<Attributes>{attrs}</Attributes></IssueSpecification>"
        );
        let mut w = Vec::new();
        CredentialType::parse(
            &Source {
                file: "s/i/Issues/c/description.xml",
                folder: "c",
            },
            xml.as_bytes(),
            s,
            &issuer(s),
            &mut w,
        )
    }

    #[test]
    fn parses_attributes_with_flags_in_order() {
        let s = scheme(true);
        assert_eq!(s.url, "https://x/s");
        let c = cred(
            &s,
            "<Attribute id=\"b\" optional=\"true\" displayIndex=\"1\" displayHint=\"yesno\"><Name><en>B</en></Name><Description><en>b</en></Description></Attribute>\
             <Attribute id=\"a\" randomblind=\"true\" displayIndex=\"0\"><Name><en>A</en></Name><Description><en>a</en></Description></Attribute>\
             <Attribute revocation=\"true\"/>",
            "<RevocationServers><RevocationServer>http://127.0.0.1:1</RevocationServer></RevocationServers>",
        )
        .unwrap();
        let names: Vec<_> = c
            .attributes
            .iter()
            .map(|a| a.id.as_ref().map(|i| i.name().to_owned()))
            .collect();
        assert_eq!(names, [Some("b".into()), Some("a".into()), None]);
        assert!(
            c.attributes[0].optional && c.attributes[1].random_blind && c.attributes[2].revocation
        );
        assert_eq!(c.attributes[0].display_hint.as_deref(), Some("yesno"));
        assert_eq!(c.revocation_index(), Some(2));
        assert_eq!(c.attribute("a").unwrap().0, 1);
        assert_eq!(c.revocation_update_count, DEFAULT_REVOCATION_UPDATE_COUNT);
    }

    #[test]
    fn enforces_reference_rules() {
        let demo = scheme(true);
        let attr = "<Attribute id=\"a\"><Name><en>A</en></Name><Description><en>a</en></Description></Attribute>";
        // Revocation attribute without servers, and servers without attribute.
        assert!(
            cred(
                &demo,
                &format!("{attr}<Attribute revocation=\"true\"/>"),
                ""
            )
            .is_err()
        );
        assert!(cred(&demo, attr, "<RevocationServers><RevocationServer>https://r</RevocationServer></RevocationServers>").is_err());
        // Non-demo schemes need https revocation servers.
        let prod = scheme(false);
        let err = cred(
            &prod,
            &format!("{attr}<Attribute revocation=\"true\"/>"),
            "<RevocationServers><RevocationServer>http://r</RevocationServer></RevocationServers>",
        )
        .unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        // No attributes.
        assert!(cred(&demo, "", "").is_err());
    }
}
