//! The XML layer under the EPP codec: a namespace-resolved element tree read with quick-xml,
//! and a small writer that escapes what it writes.
//!
//! EPP frames are small (the transport caps them, RFC 5734 §4), so the reader builds a tree
//! first and the typed parsers walk it; the tree names every element by its namespace URI and
//! local name, never by prefix, because a client may bind any prefix (or the default
//! namespace) to `urn:ietf:params:xml:ns:domain-1.0` (RFC 5730 §2.3, XML Namespaces).
//!
//! Limits, all named here: nesting depth [`MAX_DEPTH`], element count [`MAX_ELEMENTS`].
//! A document type declaration is refused (EPP has none; refusing it shuts out entity
//! expansion). Only UTF-8 is accepted (RFC 5730 §2.1 requires UTF-8 support; this server
//! announces nothing else).

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::XmlVersion;

use super::error::{EppError, ResultCode};

/// `urn:ietf:params:xml:ns:epp-1.0`, the EPP envelope (RFC 5730 §4).
pub const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";
/// `urn:ietf:params:xml:ns:domain-1.0`, the domain mapping (RFC 5731 §4).
pub const DOMAIN_NS: &str = "urn:ietf:params:xml:ns:domain-1.0";
/// `urn:ietf:params:xml:ns:host-1.0`, the host mapping (RFC 5732 §4).
pub const HOST_NS: &str = "urn:ietf:params:xml:ns:host-1.0";
/// `urn:ietf:params:xml:ns:contact-1.0`, the contact mapping (RFC 5733 §4).
pub const CONTACT_NS: &str = "urn:ietf:params:xml:ns:contact-1.0";
/// `urn:ietf:params:xml:ns:secDNS-1.1`, DNSSEC delegation data (RFC 5910 §4).
pub const SECDNS_NS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
/// `urn:ietf:params:xml:ns:rgp-1.0`, the redemption grace period (RFC 3915 §4).
pub const RGP_NS: &str = "urn:ietf:params:xml:ns:rgp-1.0";

/// Deepest element nesting a frame may have; EPP's deepest (contact addresses inside
/// `<extension>` or `<value>`) is under 12.
pub const MAX_DEPTH: usize = 32;
/// Most elements a frame may hold.
pub const MAX_ELEMENTS: usize = 20_000;

/// The prefix this crate uses for a namespace in messages and in what it writes.
pub(crate) fn prefix_of(ns: &str) -> &'static str {
    match ns {
        DOMAIN_NS => "domain",
        HOST_NS => "host",
        CONTACT_NS => "contact",
        SECDNS_NS => "secDNS",
        RGP_NS => "rgp",
        _ => "",
    }
}

/// One element of a parsed frame: namespace URI, local name, unqualified attributes, child
/// elements and the text directly inside it (concatenated; EPP has no mixed content).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub ns: String,
    pub name: String,
    /// Attributes without a namespace prefix, as (local name, value); namespace
    /// declarations and prefixed attributes (`xsi:schemaLocation`) are left out.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// `prefix:name` for messages.
    pub fn qualified(&self) -> String {
        qualified(&self.ns, &self.name)
    }

    /// True when this element is `{ns}name`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child `{ns}name`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every child `{ns}name`, in document order.
    pub fn children_named<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// The child `{ns}name`, or 2003 naming it.
    pub fn require(&self, ns: &str, name: &str) -> Result<&Element, EppError> {
        self.child(ns, name)
            .ok_or_else(|| EppError::missing(&qualified(ns, name)))
    }

    /// The trimmed text of the child `{ns}name`, if present.
    pub fn child_text(&self, ns: &str, name: &str) -> Option<String> {
        self.child(ns, name).map(|c| c.text().to_owned())
    }

    /// The trimmed text of the child `{ns}name`, or 2003 naming it; an empty text is 2003
    /// too, because every required EPP token has `minLength` 1.
    pub fn require_text(&self, ns: &str, name: &str) -> Result<String, EppError> {
        let text = self.require(ns, name)?.text();
        if text.is_empty() {
            return Err(EppError::missing(&qualified(ns, name)));
        }
        Ok(text.to_owned())
    }

    /// The element's text with surrounding XML white space removed (EPP tokens collapse
    /// white space, XML Schema `token`).
    pub fn text(&self) -> &str {
        self.text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'))
    }

    /// The unqualified attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// 2001 unless every child is in `ns` and named in `allowed`: a schema-valid EPP client
    /// sends nothing else, and silently ignoring a misspelt element would lose data.
    pub fn expect_only(&self, ns: &str, allowed: &[&str]) -> Result<(), EppError> {
        for c in &self.children {
            if c.ns != ns || !allowed.contains(&c.name.as_str()) {
                return Err(EppError::syntax(format!(
                    "Command syntax error: unexpected element {} in {}",
                    c.qualified(),
                    self.qualified()
                )));
            }
        }
        Ok(())
    }

    /// The single element child, or 2001.
    pub fn only_child(&self) -> Result<&Element, EppError> {
        match self.children.as_slice() {
            [one] => Ok(one),
            [] => Err(EppError::missing(&format!("the content of {}", self.qualified()))),
            _ => Err(EppError::syntax(format!(
                "Command syntax error: {} takes exactly one element",
                self.qualified()
            ))),
        }
    }
}

/// `prefix:name` (or `{ns}name` for a namespace this crate does not know).
pub(crate) fn qualified(ns: &str, name: &str) -> String {
    match prefix_of(ns) {
        "" if ns == EPP_NS || ns.is_empty() => name.to_owned(),
        "" => format!("{{{ns}}}{name}"),
        p => format!("{p}:{name}"),
    }
}

/// Parses `input` into its root element, resolving namespaces.
///
/// Errors: 2001 for anything that is not one well-formed UTF-8 XML document within the
/// limits above.
pub(crate) fn parse_document(input: &[u8]) -> Result<Element, EppError> {
    let text =
        std::str::from_utf8(input).map_err(|e| EppError::syntax(format!("Command syntax error: not UTF-8 ({e})")))?;
    if let Some(bad) = text.chars().find(|&c| !is_xml_char(c)) {
        return Err(EppError::syntax(format!(
            "Command syntax error: U+{:04X} is not a character XML 1.0 allows",
            bad as u32
        )));
    }
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let offset = reader.buffer_position();
        let (resolved, event) = reader.read_resolved_event().map_err(|e| {
            EppError::syntax(format!(
                "Command syntax error: XML not well formed after offset {offset}: {e}"
            ))
        })?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(ns.0.to_owned()),
            ResolveResult::Unbound => Some(String::new()),
            ResolveResult::Unknown(p) => {
                return Err(EppError::syntax(format!(
                    "Command syntax error: undeclared namespace prefix {p:?}"
                )))
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(EppError::syntax("Command syntax error: content after the root element"));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(EppError::syntax(format!(
                        "Command syntax error: more than {MAX_ELEMENTS} elements"
                    )));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(EppError::syntax(format!(
                        "Command syntax error: elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                let element = open_element(&reader, ns.unwrap_or_default(), start)?;
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match start names.
                let element = stack
                    .pop()
                    .ok_or_else(|| EppError::syntax("Command syntax error: unbalanced end tag"))?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(t) => {
                let content = t.xml_content(XmlVersion::Implicit1_0);
                push_text(&mut stack, &content)?;
            }
            Event::CData(c) => {
                let content = c.xml_content(XmlVersion::Implicit1_0);
                push_text(&mut stack, &content)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) if !is_xml_char(c) => {
                        return Err(EppError::syntax(format!(
                            "Command syntax error: &#{}; is not a character XML 1.0 allows",
                            c as u32
                        )))
                    }
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match r.xml_content(XmlVersion::Implicit1_0).as_ref() {
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "amp" => "&".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        other => {
                            return Err(EppError::syntax(format!(
                                "Command syntax error: undefined entity &{other};"
                            )))
                        }
                    },
                    Err(e) => {
                        return Err(EppError::syntax(format!(
                            "Command syntax error: bad character reference: {e}"
                        )))
                    }
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => {
                return Err(EppError::syntax(
                    "Command syntax error: a document type declaration is not allowed",
                ))
            }
            Event::Decl(decl) => {
                if let Some(Ok(enc)) = decl.encoding() {
                    if !enc.eq_ignore_ascii_case("utf-8") {
                        return Err(EppError::new(
                            ResultCode::COMMAND_SYNTAX_ERROR,
                            format!("Command syntax error: encoding {enc:?} is not supported; use UTF-8"),
                        ));
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(EppError::syntax(
            "Command syntax error: document ends inside an element",
        ));
    }
    root.ok_or_else(|| EppError::syntax("Command syntax error: no root element"))
}

fn open_element(reader: &NsReader<&[u8]>, ns: String, start: &BytesStart<'_>) -> Result<Element, EppError> {
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| EppError::syntax(format!("Command syntax error: bad attribute: {e}")))?;
        let key = attr.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") || key.contains(':') {
            // Namespace declarations are the reader's business; prefixed attributes
            // (xsi:schemaLocation) carry nothing EPP needs.
            let (res, _) = reader.resolver().resolve_attribute(attr.key);
            if let ResolveResult::Unknown(p) = res {
                if !key.starts_with("xmlns") {
                    return Err(EppError::syntax(format!(
                        "Command syntax error: undeclared namespace prefix {p:?}"
                    )));
                }
            }
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| EppError::syntax(format!("Command syntax error: bad attribute value: {e}")))?;
        attrs.push((key.to_owned(), value.into_owned()));
    }
    Ok(Element {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), EppError> {
    match stack.last_mut() {
        Some(parent) => {
            parent.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(EppError::syntax("Command syntax error: text outside the root element")),
    }
}

/// Writes XML text with escaping, for responses and commands alike.
///
/// Every text and attribute value passes through [`escape_into`]; element names are this
/// crate's constants.
#[derive(Debug, Default)]
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// A writer that starts with the XML declaration.
    pub fn document() -> Self {
        let mut out = String::with_capacity(1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>");
        Self { out }
    }

    /// A writer for a piece of XML without the declaration (content kept as XML text).
    pub fn fragment() -> Self {
        Self { out: String::new() }
    }

    /// Escaped character data.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text, false);
    }

    /// `<name a="v" …>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push('>');
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name a="v" …/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>");
    }

    /// `<name a="v" …>text</name>`.
    pub fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.close(name);
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    /// `<name>text</name>` when `text` is `Some`.
    pub fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, t);
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v, true);
            self.out.push('"');
        }
    }

    /// The document written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// True for the characters an XML 1.0 document may hold (the `Char` production, XML 1.0
/// §2.2): tab, line feed, carriage return, and the rest of Unicode but the other C0
/// controls, the surrogates and U+FFFE/U+FFFF. A frame holding another is not well formed.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` escaped for XML 1.0 content (or an attribute value when `attr`): `&`, `<`,
/// `>` always, `"` in attributes, white space other than space kept as character references
/// in attributes (so normalisation does not eat it), and characters XML 1.0 cannot carry
/// (most C0 controls) replaced by U+FFFD so the output is always well formed.
pub(crate) fn escape_into(out: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_refused_raw_or_referenced() {
        // Found by the `epp` fuzz target: a C0 control inside text was read, then written as
        // U+FFFD, so a response did not read back as itself.
        for doc in [
            "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">a\u{1}b</epp>",
            "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">a&#1;b</epp>",
            "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">a\u{FFFE}b</epp>",
        ] {
            let err = parse_document(doc.as_bytes()).expect_err(doc);
            assert_eq!(err.code.0, 2001, "{doc}");
        }
        assert!(
            parse_document("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">a\tb&#9;\u{10348}</epp>".as_bytes()).is_ok()
        );
    }

    #[test]
    fn prefixes_resolve_to_namespaces() {
        let doc = br#"<e:epp xmlns:e="urn:ietf:params:xml:ns:epp-1.0"><x:name xmlns:x="urn:ietf:params:xml:ns:domain-1.0" a="1&amp;2">a&lt;b&#x41;<![CDATA[<c>]]></x:name></e:epp>"#;
        let root = parse_document(doc).expect("parses");
        assert!(root.is(EPP_NS, "epp"));
        let name = root.child(DOMAIN_NS, "name").expect("child");
        assert_eq!(name.text(), "a<bA<c>");
        assert_eq!(name.attr("a"), Some("1&2"));
    }

    #[test]
    fn malformed_is_2001() {
        for bad in [
            &b"<epp"[..],
            b"<epp></pe>",
            b"<epp><a></epp>",
            b"<epp/><epp/>",
            b"<x:epp/>",
            b"<!DOCTYPE epp [<!ENTITY a 'b'>]><epp>&a;</epp>",
            b"\xff\xfe",
            b"",
            b"<epp>&foo;</epp>",
        ] {
            let err = parse_document(bad).expect_err("malformed");
            assert_eq!(err.code, ResultCode::COMMAND_SYNTAX_ERROR, "{bad:?}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let mut doc = String::new();
        for _ in 0..=MAX_DEPTH {
            doc.push_str("<a>");
        }
        for _ in 0..=MAX_DEPTH {
            doc.push_str("</a>");
        }
        assert!(parse_document(doc.as_bytes()).is_err());
    }

    #[test]
    fn writer_escapes() {
        let mut w = XmlWriter::default();
        w.leaf_with("a", &[("k", "\"<&>\n")], "<&>\u{1}\"");
        assert_eq!(
            w.finish(),
            "<a k=\"&quot;&lt;&amp;&gt;&#10;\">&lt;&amp;&gt;\u{FFFD}\"</a>"
        );
    }
}
