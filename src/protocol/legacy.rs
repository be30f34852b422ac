//! Legacy (pre-condiscon) session requests, which the reference still accepts: it converts
//! them to condiscon requests when it reads them (irmago `irma/legacy.go`,
//! `server/legacy.go`), and gives their results in the legacy form.
//!
//! A legacy request has no `@context` but a `type` (`disclosing`, `signing`, `issuing`) and
//! a list of labeled disjunctions (`content`; `disclose` in an issuance request):
//!
//! ```json
//! {"type": "disclosing", "content": [
//!   {"label": "Over 18", "attributes": ["irma-demo.MijnOverheid.ageLower.over18"]},
//!   {"label": "Name", "attributes": {"irma-demo.MijnOverheid.fullName.firstname": "Johan"}}]}
//! ```
//!
//! Each disjunction's attributes are a list of ids or a map of id to a required value (or
//! `null`); each becomes an option of one attribute, and the label becomes the disjunction's
//! label in English and Dutch. The reference reads the map form in Go's random map order;
//! here its options come in the order of their ids. [`condiscon_form`] rewrites the JSON; the typed parsing and
//! validation are then the same as for any request.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, json};

use super::messages::AttributeOrCredential;
use super::request::{DISCLOSURE_CONTEXT, ISSUANCE_CONTEXT, SIGNATURE_CONTEXT};

/// A legacy disjunction with its label (irmago `LegacyLabeledDisjunction`).
#[derive(Deserialize)]
struct LabeledDisjunction {
    #[serde(default)]
    label: String,
    #[serde(default)]
    attributes: Options,
}

/// The options of a legacy disjunction: ids, each with a required value or none (irmago
/// `LegacyDisjunction`).
#[derive(Default)]
struct Options(Vec<(AttributeOrCredential, Option<String>)>);

impl<'de> Deserialize<'de> for Options {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OptionsVisitor)
    }
}

struct OptionsVisitor;

impl<'de> Visitor<'de> for OptionsVisitor {
    type Value = Options;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of attribute ids or a map of attribute id to value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Options, E> {
        Ok(Options::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Options, A::Error> {
        let mut options = Vec::new();
        while let Some(id) = seq.next_element()? {
            options.push((id, None));
        }
        Ok(Options(options))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Options, A::Error> {
        let mut options = Vec::new();
        while let Some((id, value)) = map.next_entry()? {
            options.push((id, value));
        }
        Ok(Options(options))
    }
}

/// The condiscon form of a plain legacy session request, or `None` when `value` is not
/// one: no object, an `@context`, no known `type`, or malformed disjunctions.
pub fn condiscon_form(value: &Value) -> Option<Value> {
    let object = value.as_object()?;
    if object.contains_key("@context") {
        return None;
    }
    let (context, list) = match object.get("type")?.as_str()? {
        "disclosing" => (DISCLOSURE_CONTEXT, "content"),
        "signing" => (SIGNATURE_CONTEXT, "content"),
        "issuing" => (ISSUANCE_CONTEXT, "disclose"),
        _ => return None,
    };
    let disjunctions: Vec<LabeledDisjunction> = match object.get(list) {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => serde_json::from_value(list.clone()).ok()?,
    };
    let mut disclose = Vec::with_capacity(disjunctions.len());
    let mut labels = Map::new();
    for (i, disjunction) in disjunctions.into_iter().enumerate() {
        let options: Vec<Value> = disjunction
            .attributes
            .0
            .into_iter()
            .map(|(id, value)| match value {
                None => json!([id]),
                Some(value) => json!([{"type": id, "value": value}]),
            })
            .collect();
        disclose.push(Value::Array(options));
        labels.insert(
            i.to_string(),
            json!({"en": disjunction.label, "nl": disjunction.label}),
        );
    }
    let mut out: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "content" | "disclose" | "labels"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("@context".to_owned(), json!(context));
    out.insert("disclose".to_owned(), Value::Array(disclose));
    out.insert("labels".to_owned(), Value::Object(labels));
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_converts_as_the_reference() {
        let legacy = json!({"type": "disclosing", "nonce": "AQ==", "content": [
            {"label": "Over 18", "attributes": ["irma-demo.MijnOverheid.ageLower.over18",
                                                "irma-demo.MijnOverheid.ageLower"]},
            {"label": "Name", "attributes": {
                "irma-demo.MijnOverheid.fullName.firstname": "Johan",
                "irma-demo.MijnOverheid.fullName.familyname": null}}]});
        // The map's options in the order of their ids.
        assert_eq!(
            condiscon_form(&legacy).unwrap(),
            json!({"@context": DISCLOSURE_CONTEXT, "nonce": "AQ==", "disclose": [
                [["irma-demo.MijnOverheid.ageLower.over18"], ["irma-demo.MijnOverheid.ageLower"]],
                [["irma-demo.MijnOverheid.fullName.familyname"],
                 [{"type": "irma-demo.MijnOverheid.fullName.firstname", "value": "Johan"}]]],
                "labels": {"0": {"en": "Over 18", "nl": "Over 18"},
                           "1": {"en": "Name", "nl": "Name"}}})
        );
        let legacy = json!({"type": "signing", "message": "m", "content": [
            {"label": "", "attributes": ["irma-demo.MijnOverheid.ageLower.over18"]}]});
        let converted = condiscon_form(&legacy).unwrap();
        assert_eq!(converted["@context"], SIGNATURE_CONTEXT);
        assert_eq!(converted["message"], "m");
        assert_eq!(converted["labels"]["0"], json!({"en": "", "nl": ""}));
        let legacy = json!({"type": "issuing", "credentials": [{"credential": "a.b.c"}],
                            "disclose": null});
        assert_eq!(
            condiscon_form(&legacy).unwrap(),
            json!({"@context": ISSUANCE_CONTEXT, "credentials": [{"credential": "a.b.c"}],
                   "disclose": [], "labels": {}})
        );
    }

    #[test]
    fn other_json_is_not_legacy() {
        for value in [
            json!([]),
            json!({}),
            json!({"type": "revoking", "content": []}),
            json!({"@context": DISCLOSURE_CONTEXT, "type": "disclosing"}),
            json!({"type": "disclosing", "content": [{"attributes": ["not an id"]}]}),
            json!({"type": "disclosing", "content": [{"attributes": 5}]}),
            json!({"type": "disclosing", "content": {}}),
            json!({"type": 1}),
        ] {
            assert_eq!(condiscon_form(&value), None, "{value}");
        }
    }
}
