//! A minimal XML element tree, enough to read the issuer key files.
//!
//! Key files are small and flat; reading them into a tree and picking elements by local name
//! ignores namespaces prefixes and unknown elements (`<T>` in old keys), like Go's
//! `encoding/xml` does for the reference.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Why an XML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed xml: {0}")]
pub struct XmlError(pub String);

/// One element: its local name, attributes, text and child elements.
#[derive(Debug, Default)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name.
    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The value of an attribute.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element.
pub(super) fn parse(input: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(input);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|e| XmlError(e.to_string()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError("content after the root element".into()));
            }
            Event::Start(start) => stack.push(open(&start)?),
            Event::Empty(start) => {
                let element = open(&start)?;
                close(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                close(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&data);
                }
            }
            Event::GeneralRef(r) => {
                // Entity references never occur in numbers or base64; keep them verbatim so
                // the value fails to parse instead of silently changing.
                if let Some(top) = stack.last_mut() {
                    top.text.push('&');
                    top.text.push_str(&r);
                    top.text.push(';');
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("unclosed element".into()));
    }
    root.ok_or_else(|| XmlError("no root element".into()))
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError(e.to_string()))?;
        let key = attr.key.local_name().as_ref().to_owned();
        let value = attr.value.to_string();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_and_rejects_junk() {
        let root = parse(r#"<?xml version="1.0"?><a xmlns="x"><b n="2">12</b><c/></a>"#).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.child("b").unwrap().text, "12");
        assert_eq!(root.child("b").unwrap().attr("n"), Some("2"));
        assert!(root.child("c").is_some());
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a/><b/>").is_err());
    }
}
