//! Requestor schemes: signed lists of verified requestors, the names and logos the app shows
//! for a host, and their issue wizards (irmago `irma/descriptions.go` `RequestorScheme`,
//! `RequestorInfo`, `IssueWizard`; `irma/schemes.go` `RequestorScheme.validate`).
//!
//! A requestor scheme folder holds `description.json`, one or more JSON files of requestors
//! (each a list, usually `requestors.json`), `timestamp`, and `assets/<sha256>.png` logos,
//! which are authenticated by their name (the SHA-256 of their contents) instead of the index.
//!
//! The server does not use requestor schemes for anything but verifying, signing, downloading
//! and updating them, as the reference. Issue wizards are checked for their ids, colours,
//! item fields and known credential types; the app-side checks of how long a wizard's paths
//! get and of the credential types' FAQ summaries are not made.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::Error;
use crate::protocol::identifiers::{CredentialTypeId, SchemeId};
use crate::protocol::translated::TranslatedString;

/// A parsed `description.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestorSchemeDescription {
    /// The scheme id.
    pub id: SchemeId,
    /// Where the scheme is published, for updates.
    #[serde(default)]
    pub url: String,
    /// Demo schemes may not name hostnames.
    #[serde(default)]
    pub demo: bool,
    /// Languages every text should be given in.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// One verified requestor (irmago `RequestorInfo`).
#[derive(Debug, Clone, Deserialize)]
pub struct RequestorInfo {
    /// `<scheme>.<requestor>`.
    pub id: String,
    /// The requestor scheme it belongs to.
    pub scheme: SchemeId,
    /// Display name.
    pub name: TranslatedString,
    /// Line of business.
    #[serde(default)]
    pub industry: Option<TranslatedString>,
    /// Hosts the app shows this requestor for.
    #[serde(default)]
    pub hostnames: Vec<String>,
    /// SHA-256 (hex) of its logo `assets/<logo>.png`.
    #[serde(default)]
    pub logo: Option<String>,
    /// Whether the app shows it as unverified.
    #[serde(default)]
    pub unverified: bool,
    /// Languages of its texts (default: the scheme's).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Issue wizards by id.
    #[serde(default)]
    pub wizards: BTreeMap<String, IssueWizard>,
}

/// An issue wizard (irmago `IssueWizard`); only what is checked is kept.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueWizard {
    /// `<scheme>.<requestor>.<wizard>`.
    pub id: String,
    /// SHA-256 (hex) of its logo `assets/<logo>.png`.
    #[serde(default)]
    pub logo: Option<String>,
    /// `#RRGGBB`.
    #[serde(default)]
    pub color: Option<String>,
    /// `#RRGGBB`.
    #[serde(default, rename = "textColor")]
    pub text_color: Option<String>,
    /// Given together with `successText`, or neither.
    #[serde(default, rename = "successHeader")]
    success_header: Option<TranslatedString>,
    #[serde(default, rename = "successText")]
    success_text: Option<TranslatedString>,
    /// Conjunction of disjunctions of conjunctions of items.
    #[serde(default)]
    pub contents: Vec<Vec<Vec<WizardItem>>>,
}

/// One step of an issue wizard (irmago `IssueWizardItem`).
#[derive(Debug, Clone, Deserialize)]
pub struct WizardItem {
    /// `credential`, `session` or `website`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The credential type it issues.
    #[serde(default)]
    pub credential: Option<CredentialTypeId>,
    #[serde(default)]
    header: Option<TranslatedString>,
    #[serde(default)]
    text: Option<TranslatedString>,
    #[serde(default)]
    label: Option<TranslatedString>,
    #[serde(default, rename = "sessionUrl")]
    session_url: Option<String>,
    #[serde(default)]
    url: Option<TranslatedString>,
}

/// A verified requestor scheme with its requestors.
#[derive(Debug)]
pub struct RequestorScheme {
    /// The parsed `description.json`.
    pub description: RequestorSchemeDescription,
    /// The requestors of all its files, in index order.
    pub requestors: Vec<RequestorInfo>,
}

/// Parses `description.json`; `file` names it in errors.
pub fn parse_description(file: &str, bytes: &[u8]) -> Result<RequestorSchemeDescription, Error> {
    let mut d: RequestorSchemeDescription = json(file, bytes)?;
    d.url = d.url.trim().trim_end_matches('/').to_owned();
    Ok(d)
}

fn json<T: serde::de::DeserializeOwned>(file: &str, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Invalid {
        file: file.to_owned(),
        reason: format!("invalid JSON: {e}"),
    })
}

/// The verified inputs of one requestor scheme: its description, its signed JSON files
/// (relative path → bytes) and a reader of its `assets/` logos.
pub(crate) struct Sources<'a> {
    /// The parsed description.
    pub description: RequestorSchemeDescription,
    /// Every signed file other than `description.json` and `timestamp`, by relative path.
    pub chunks: Vec<(String, &'a [u8])>,
    /// `scheme/path` form of a relative path, for messages.
    pub display: &'a dyn Fn(&str) -> String,
    /// Reads `assets/<name>`.
    pub asset: &'a dyn Fn(&str) -> Option<Vec<u8>>,
}

/// Parses and checks a requestor scheme as irmago `RequestorScheme.validate`: every chunk
/// is a list of requestors of this scheme, demo schemes name no hostnames, logos exist with
/// the hash they are named after, and wizards have matching ids and valid contents.
/// `credential_known` answers whether an issuer scheme that is loaded knows a credential
/// type (`None`: that issuer scheme is not loaded, so nothing can be said).
pub(crate) fn check(
    src: Sources<'_>,
    credential_known: &dyn Fn(&CredentialTypeId) -> Option<bool>,
) -> Result<RequestorScheme, Error> {
    let scheme = &src.description.id;
    let mut requestors = Vec::new();
    for (rel, bytes) in &src.chunks {
        let file = (src.display)(rel);
        let chunk: Vec<RequestorInfo> = json(&file, bytes)?;
        for mut r in chunk {
            let invalid = |reason: String| Error::Invalid {
                file: file.clone(),
                reason,
            };
            if r.scheme != *scheme {
                return Err(invalid(format!(
                    "Requestor {} has incorrect scheme {}",
                    r.name.best("en"),
                    r.scheme
                )));
            }
            if r.id.split_once('.').map(|(s, _)| s) != Some(scheme.as_str()) {
                return Err(invalid(format!("requestor {} has incorrect ID", r.id)));
            }
            if r.languages.is_empty() {
                r.languages.clone_from(&src.description.languages);
            }
            if src.description.demo && !r.hostnames.is_empty() {
                return Err(invalid(
                    "Demo requestor has hostnames: only allowed for non-demo schemes".to_owned(),
                ));
            }
            if let Some(logo) = &r.logo {
                check_logo(&src, logo)?;
            }
            for (id, wizard) in &r.wizards {
                let prefix = format!("{}.", r.id);
                let own = id
                    .strip_prefix(&prefix)
                    .is_some_and(|w| !w.is_empty() && !w.contains('.'));
                if *id != wizard.id || !own {
                    return Err(invalid(format!("issue wizard {id} has incorrect ID")));
                }
                check_wizard(wizard, credential_known)
                    .map_err(|e| invalid(format!("issue wizard {id}: {e}")))?;
                if let Some(logo) = &wizard.logo {
                    check_logo(&src, logo)?;
                }
            }
            requestors.push(r);
        }
    }
    Ok(RequestorScheme {
        description: src.description,
        requestors,
    })
}

/// irmago `checkLogo`: `assets/<logo>.png` exists and hashes to `logo`.
fn check_logo(src: &Sources<'_>, logo: &str) -> Result<(), Error> {
    let file = (src.display)(&format!("assets/{logo}.png"));
    let mut want = [0u8; 32];
    hex::decode_to_slice(logo, &mut want).map_err(|_| Error::Invalid {
        file: file.clone(),
        reason: format!("logo {logo:?} is not a SHA-256 in hex"),
    })?;
    let bytes = (src.asset)(&format!("{logo}.png"))
        .ok_or(Error::MissingIndexedFile { file: file.clone() })?;
    if Sha256::digest(&bytes).as_slice() != want {
        return Err(Error::HashMismatch { file });
    }
    Ok(())
}

/// The structural checks of irmago `IssueWizard.Validate` and `IssueWizardItem.validate`.
fn check_wizard(
    wizard: &IssueWizard,
    credential_known: &dyn Fn(&CredentialTypeId) -> Option<bool>,
) -> Result<(), String> {
    if wizard.success_header.is_some() != wizard.success_text.is_some() {
        return Err("wizard contents must have success header and text either both specified, or both empty".to_owned());
    }
    let is_colour = |c: &str| {
        c.len() == 7
            && c.starts_with('#')
            && c[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    };
    if wizard.color.as_deref().is_some_and(|c| !is_colour(c)) {
        return Err("invalid wizard color: must be of the form #RRGGBB".to_owned());
    }
    if wizard.text_color.as_deref().is_some_and(|c| !is_colour(c)) {
        return Err("invalid wizard text color: must be of the form #RRGGBB".to_owned());
    }
    let mut should_be_last = false;
    for (i, outer) in wizard.contents.iter().enumerate() {
        for (j, middle) in outer.iter().enumerate() {
            for (k, item) in middle.iter().enumerate() {
                if item.credential.is_none() {
                    should_be_last = true;
                } else if should_be_last {
                    return Err("items having no credential type should come last".to_owned());
                }
                check_item(item, credential_known).map_err(|e| format!("item {i}.{j}.{k}: {e}"))?;
            }
        }
    }
    Ok(())
}

fn check_item(
    item: &WizardItem,
    credential_known: &dyn Fn(&CredentialTypeId) -> Option<bool>,
) -> Result<(), String> {
    match item.kind.as_str() {
        "credential" => {
            if item.credential.is_none() {
                return Err(
                    "wizard item has type credential, but no credential specified".to_owned(),
                );
            }
        }
        "session" | "website" => {
            if item.header.is_none() || item.label.is_none() || item.text.is_none() {
                return Err("wizard item missing required information".to_owned());
            }
            if item.kind == "session" && item.session_url.is_none() {
                return Err("wizard item has type session, but no session URL specified".to_owned());
            }
            if item.kind == "website" && item.url.is_none() {
                return Err("wizard item has type website, but no session URL specified".to_owned());
            }
        }
        _ => return Err("unsupported wizard item type".to_owned()),
    }
    if let Some(cred) = &item.credential
        && credential_known(cred) == Some(false)
    {
        return Err(format!("nonexisting credential type {cred}"));
    }
    Ok(())
}

/// Hostnames and wizard ids must be unique over all requestor schemes (irmago
/// `RequestorScheme.parseContents`): adds those of `scheme` to the maps, or names the
/// duplicate.
pub(crate) fn register(
    scheme: &RequestorScheme,
    hosts: &mut HashMap<String, String>,
    wizards: &mut HashMap<String, String>,
) -> Result<(), String> {
    for r in &scheme.requestors {
        for host in &r.hostnames {
            if hosts.insert(host.clone(), r.id.clone()).is_some() {
                return Err(format!("Double occurrence of hostname {host}"));
            }
        }
        for id in r.wizards.keys() {
            if wizards.insert(id.clone(), r.id.clone()).is_some() {
                return Err(format!("Double occurrence of issue wizard {id}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources<'a>(
        demo: bool,
        chunk: &'a [u8],
        display: &'a dyn Fn(&str) -> String,
        asset: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Sources<'a> {
        Sources {
            description: RequestorSchemeDescription {
                id: SchemeId::parse("rs").unwrap(),
                url: String::new(),
                demo,
                languages: vec!["en".to_owned()],
            },
            chunks: vec![("requestors.json".to_owned(), chunk)],
            display,
            asset,
        }
    }

    #[test]
    fn checks_requestors_logos_and_wizards() {
        let logo = b"png bytes";
        let hash = hex::encode(Sha256::digest(logo));
        let display = |rel: &str| format!("rs/{rel}");
        let asset = |name: &str| (name == format!("{hash}.png")).then(|| logo.to_vec());
        let unknown = |_: &CredentialTypeId| None;
        let good = format!(
            r##"[{{"scheme":"rs","id":"rs.shop","name":{{"en":"Shop"}},"hostnames":["shop.example"],"logo":"{hash}",
                "wizards":{{"rs.shop.w":{{"id":"rs.shop.w","color":"#00AA00","contents":[[[{{"type":"credential","credential":"s.i.c"}}]]]}}}}}}]"##
        );
        let s = check(sources(false, good.as_bytes(), &display, &asset), &unknown).unwrap();
        assert_eq!(s.requestors[0].hostnames, ["shop.example"]);
        // A demo scheme may not name hostnames.
        assert!(check(sources(true, good.as_bytes(), &display, &asset), &unknown).is_err());
        // A credential type its issuer scheme lacks.
        let known_scheme = |_: &CredentialTypeId| Some(false);
        let err = check(
            sources(false, good.as_bytes(), &display, &asset),
            &known_scheme,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("nonexisting credential type"),
            "{err}"
        );
        for bad in [
            good.replace(r#""scheme":"rs""#, r#""scheme":"other""#),
            good.replace(
                "rs.shop.w\":{\"id\":\"rs.shop.w",
                "rs.shop.w\":{\"id\":\"rs.shop.x",
            ),
            good.replace("#00AA00", "green"),
            good.replace(&hash, &"00".repeat(32)),
            good.replace("\"type\":\"credential\"", "\"type\":\"magic\""),
        ] {
            assert!(
                check(sources(false, bad.as_bytes(), &display, &asset), &unknown).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn hostnames_are_unique() {
        let display = |rel: &str| format!("rs/{rel}");
        let asset = |_: &str| None;
        let unknown = |_: &CredentialTypeId| None;
        let chunk = br#"[{"scheme":"rs","id":"rs.a","name":{"en":"A"},"hostnames":["h"]}]"#;
        let s = check(sources(false, chunk, &display, &asset), &unknown).unwrap();
        let (mut hosts, mut wizards) = (HashMap::new(), HashMap::new());
        register(&s, &mut hosts, &mut wizards).unwrap();
        assert!(register(&s, &mut hosts, &mut wizards).is_err());
    }
}
