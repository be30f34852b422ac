//! [`TranslatedString`]: a text in several languages, as schemes write it
//! (`<Name><en>Hello</en><nl>Hallo</nl></Name>`) and as the wire carries it
//! (`{"en":"Hello","nl":"Hallo"}`): scheme descriptions, request labels and disclosed values.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A text translated into several languages: language code → text.
///
/// A map rather than fixed fields, because requestors may send any language and disclosed
/// values carry an extra `""` key holding the raw value. Deserializes from an XML element
/// whose children are named after languages, or from a JSON object; serializes to a JSON
/// object with the languages sorted, as Go writes irmago's `irma.TranslatedString` (a
/// `map[string]string`). A language occurring twice keeps its last text, as in irmago.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TranslatedString(BTreeMap<String, String>);

impl TranslatedString {
    /// Builds a translated string from `(language, text)` pairs; later duplicates win.
    pub fn from_pairs<I, L, T>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (L, T)>,
        L: Into<String>,
        T: Into<String>,
    {
        let mut out = Self::default();
        for (lang, text) in pairs {
            out.insert(lang.into(), text.into());
        }
        out
    }

    /// The same text for the raw key `""` and for `en` and `nl`, as the reference reports
    /// every disclosed value (`irma/attributes.go` `NewTranslatedString`).
    pub fn untranslated(text: &str) -> Self {
        Self::from_pairs(["", "en", "nl"].map(|lang| (lang, text)))
    }

    fn insert(&mut self, lang: String, text: String) {
        self.0.insert(lang, text);
    }

    /// The text in `lang`, if present.
    pub fn translation(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).map(String::as_str)
    }

    /// The text in `lang`, else in English, else the first translation by language code,
    /// else "".
    pub fn best(&self, lang: &str) -> &str {
        self.translation(lang)
            .or_else(|| self.translation("en"))
            .or_else(|| self.0.values().next().map(String::as_str))
            .unwrap_or("")
    }

    /// `(language, text)` pairs, sorted by language code.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }

    /// Whether there are no translations at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The languages of `langs` that are missing or empty here (irmago `TranslatedString.validate`).
    pub fn missing<'a>(&self, langs: &'a [String]) -> Vec<&'a str> {
        langs
            .iter()
            .filter(|l| self.translation(l).is_none_or(str::is_empty))
            .map(String::as_str)
            .collect()
    }
}

impl Serialize for TranslatedString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (lang, text) in &self.0 {
            map.serialize_entry(lang, text)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TranslatedString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TranslatedString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from language to text")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = TranslatedString::default();
                while let Some(lang) = map.next_key::<String>()? {
                    // quick-xml presents XML attributes as `@name` keys; translations are elements.
                    if lang.starts_with('@') {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    }
                    let text = map.next_value::<String>()?;
                    out.insert(lang, text);
                }
                Ok(out)
            }
            // `<Name></Name>` or `<Name/>`: no translations.
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    Ok(TranslatedString::default())
                } else {
                    Err(E::custom(
                        "expected translations as child elements, found text",
                    ))
                }
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(TranslatedString::default())
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(rename = "Name")]
        name: TranslatedString,
    }

    #[test]
    fn parses_xml_and_serializes_as_go_does() {
        let xml = "<X><Name><nl>Hallo</nl><en>Hello &amp; bye</en></Name></X>";
        let h: Holder = quick_xml::de::from_str(xml).unwrap();
        assert_eq!(h.name.translation("en"), Some("Hello & bye"));
        // Go's encoding/json writes map keys sorted.
        assert_eq!(
            serde_json::to_string(&h.name).unwrap(),
            r#"{"en":"Hello & bye","nl":"Hallo"}"#
        );
        assert_eq!(
            serde_json::to_string(&TranslatedString::untranslated("yes")).unwrap(),
            r#"{"":"yes","en":"yes","nl":"yes"}"#
        );
        let back: TranslatedString = serde_json::from_str(r#"{"en":"a","nl":"b"}"#).unwrap();
        assert_eq!(back.best("de"), "a");
    }

    #[test]
    fn empty_element_is_empty_and_missing_languages_are_reported() {
        let h: Holder = quick_xml::de::from_str("<X><Name></Name></X>").unwrap();
        assert!(h.name.is_empty());
        let langs = vec!["en".to_owned(), "nl".to_owned()];
        let ts = TranslatedString::from_pairs([("en", "x"), ("nl", "")]);
        assert_eq!(ts.missing(&langs), vec!["nl"]);
    }
}
