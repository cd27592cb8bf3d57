//! Domain names (RFC 1034 §3.1, RFC 1035 §3.1): labels, wire form, presentation form,
//! case-insensitive comparison and the canonical order of RFC 4034 §6.1.
//!
//! A [`Name`] is always absolute and kept in uncompressed wire form (length-prefixed labels
//! ending in the root label), with the original case preserved. Equality and hashing ignore
//! ASCII case (RFC 4343); [`Ord`] is the DNSSEC canonical order.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::NameError;

/// Longest label, in octets (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name in wire form, in octets, including length octets and the root label
/// (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// An absolute domain name in uncompressed wire form, case preserved.
///
/// Wire format (RFC 1035 §3.1): a sequence of labels, each a length octet (1-63) followed by
/// that many octets, ending with the zero-length root label.
#[derive(Clone)]
pub struct Name {
    wire: Box<[u8]>,
}

impl Name {
    /// The root name `.`.
    pub fn root() -> Name {
        Name { wire: Box::new([0]) }
    }

    /// Builds a name from uncompressed wire bytes, checking label and name lengths.
    pub fn from_wire(wire: &[u8]) -> Result<Name, NameError> {
        let len = validate_wire(wire)?;
        if len != wire.len() {
            return Err(NameError::TrailingData);
        }
        Ok(Name { wire: wire.into() })
    }

    /// Builds a name from labels (without length octets), most specific first.
    pub fn from_labels<'a, I: IntoIterator<Item = &'a [u8]>>(labels: I) -> Result<Name, NameError> {
        let mut wire = Vec::with_capacity(32);
        for label in labels {
            if label.is_empty() {
                return Err(NameError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire.push(label.len() as u8);
            wire.extend_from_slice(label);
        }
        wire.push(0);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name { wire: wire.into() })
    }

    /// Parses presentation form (RFC 1035 §5.1): labels separated by dots, `\.`, `\\` and
    /// `\DDD` escapes. A name without a final dot is relative and is completed with `origin`;
    /// `@` stands for `origin` itself. Without an origin a relative name is taken as absolute,
    /// as `dig` does for query names.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text == "@" {
            return origin.cloned().ok_or(NameError::NoOrigin);
        }
        if text == "." {
            return Ok(Name::root());
        }
        let bytes = text.as_bytes();
        // Exact for names without escapes (one length octet per label replaces its dot),
        // so the wire form is allocated once and never grown or shrunk.
        let capacity = if is_absolute_text(text) {
            bytes.len() + 1
        } else {
            bytes.len() + 1 + origin.map_or(1, |o| o.as_wire().len())
        };
        let mut wire = Vec::with_capacity(capacity);
        let mut label_start = 0usize;
        wire.push(0);
        let mut i = 0usize;
        let mut absolute = false;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'.' => {
                    let label_len = wire.len() - label_start - 1;
                    if label_len == 0 {
                        return Err(NameError::EmptyLabel);
                    }
                    if label_len > MAX_LABEL_LEN {
                        return Err(NameError::LabelTooLong);
                    }
                    wire[label_start] = label_len as u8;
                    if i + 1 == bytes.len() {
                        absolute = true;
                    } else {
                        label_start = wire.len();
                        wire.push(0);
                    }
                    i += 1;
                }
                b'\\' => {
                    let (byte, used) = unescape(&bytes[i..])?;
                    wire.push(byte);
                    i += used;
                }
                _ => {
                    wire.push(c);
                    i += 1;
                }
            }
        }
        if !absolute {
            let label_len = wire.len() - label_start - 1;
            if label_len == 0 {
                return Err(NameError::EmptyLabel);
            }
            if label_len > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire[label_start] = label_len as u8;
            match origin {
                Some(o) => wire.extend_from_slice(o.as_wire()),
                None => wire.push(0),
            }
        } else {
            wire.push(0);
        }
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name { wire: wire.into() })
    }

    /// Parses a name that may contain Unicode labels, converting them to A-labels
    /// (IDNA2008 via UTS #46 processing, RFC 5891) as user input to the CLI needs.
    pub fn from_unicode(text: &str) -> Result<Name, NameError> {
        if text.is_ascii() {
            return Name::parse(text, None);
        }
        let ascii = idna::domain_to_ascii(text).map_err(|_| NameError::Idna)?;
        let absolute = if text.ends_with('.') && !ascii.ends_with('.') {
            format!("{ascii}.")
        } else {
            ascii
        };
        Name::parse(&absolute, None)
    }

    /// The name with A-labels (`xn--…`) shown as Unicode, for display to people. Labels that
    /// are not valid A-labels are shown in ordinary presentation form.
    pub fn to_unicode(&self) -> String {
        let text = self.to_string();
        if !self
            .labels()
            .any(|l| l.len() > 4 && l[..4].eq_ignore_ascii_case(b"xn--"))
        {
            return text;
        }
        let (unicode, result) = idna::domain_to_unicode(&text);
        if result.is_ok() {
            unicode
        } else {
            text
        }
    }

    /// The uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// Length of the wire form in octets (1 for the root).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.wire.len()
    }

    /// True for the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// Number of labels, not counting the root label (so `.` has 0, `com.` has 1).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The labels, most specific first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { wire: &self.wire }
    }

    /// True when the first label is `*` (RFC 4592 §2.1.1).
    pub fn is_wildcard(&self) -> bool {
        self.wire.len() >= 2 && self.wire[0] == 1 && self.wire[1] == b'*'
    }

    /// The name with its first label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = 1 + self.wire[0] as usize;
        Some(Name {
            wire: self.wire[skip..].into(),
        })
    }

    /// The last `count` labels of this name (plus the root); the whole name if it has fewer.
    pub fn suffix(&self, count: usize) -> Name {
        let total = self.label_count();
        let mut off = 0;
        for _ in 0..total.saturating_sub(count) {
            off += 1 + self.wire[off] as usize;
        }
        Name {
            wire: self.wire[off..].into(),
        }
    }

    /// `label` + this name, e.g. `*` and `example.com.` give `*.example.com.`.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        if self.wire.len() + 1 + label.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut wire = Vec::with_capacity(self.wire.len() + 1 + label.len());
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
        wire.extend_from_slice(&self.wire);
        Ok(Name { wire: wire.into() })
    }

    /// Replaces the suffix `old` of this name by `new` (DNAME substitution, RFC 6672 §2.2).
    /// `None` when `old` is not a suffix; an error when the result is too long.
    pub fn replace_suffix(&self, old: &Name, new: &Name) -> Option<Result<Name, NameError>> {
        if !self.is_subdomain_of(old) {
            return None;
        }
        let keep = self.wire.len() - old.wire.len();
        let len = keep + new.wire.len();
        if len > MAX_NAME_LEN {
            return Some(Err(NameError::NameTooLong));
        }
        let mut wire = Vec::with_capacity(len);
        wire.extend_from_slice(&self.wire[..keep]);
        wire.extend_from_slice(&new.wire);
        Some(Ok(Name { wire: wire.into() }))
    }

    /// True when this name equals `other` or lies below it (RFC 1034 §3.1), ignoring case.
    pub fn is_subdomain_of(&self, other: &Name) -> bool {
        // Only a suffix that starts on a label boundary counts.
        wire_is_subdomain_of(&self.wire, &other.wire)
    }

    /// The name in lower case (the canonical form of RFC 4034 §6.2).
    pub fn to_lowercase(&self) -> Name {
        Name {
            wire: self.wire.to_ascii_lowercase().into(),
        }
    }

    /// Compares in the canonical DNS name order of RFC 4034 §6.1: label by label from the
    /// root, each label as a case-folded octet string.
    pub fn canonical_cmp(&self, other: &Name) -> Ordering {
        canonical_cmp_wire(&self.wire, &other.wire)
    }

    /// Parses a possibly compressed name in `msg` starting at `offset` (RFC 1035 §4.1.4).
    /// Returns the name and the offset just past its in-place encoding.
    pub fn from_message(msg: &[u8], offset: usize) -> Result<(Name, usize), NameError> {
        let mut wire = [0u8; MAX_NAME_LEN];
        let (len, end) = decompress_into(msg, offset, &mut wire)?;
        Ok((
            Name {
                wire: wire[..len].into(),
            },
            end,
        ))
    }
}

/// Anything that holds a checked domain name in uncompressed wire form: an owned [`Name`] or
/// a stack [`NameBuf`]. Lookups and the message builder take it, so the answering path can
/// work on a query's name without allocating.
pub trait WireName {
    /// The uncompressed wire form (checked: labels ≤ 63, total ≤ 255, ends in the root).
    fn wire(&self) -> &[u8];

    /// True when this name equals `other` or lies below it, ignoring case (RFC 1034 §3.1).
    fn is_subdomain_of_wire(&self, other: &[u8]) -> bool {
        wire_is_subdomain_of(self.wire(), other)
    }
}

impl WireName for Name {
    fn wire(&self) -> &[u8] {
        &self.wire
    }
}

/// A domain name held on the stack (256 octets), for the per-query path.
#[derive(Clone, Copy)]
pub struct NameBuf {
    wire: [u8; MAX_NAME_LEN],
    len: u8,
}

impl NameBuf {
    /// Reads a possibly compressed name at `offset` of `msg` (RFC 1035 §4.1.4).
    pub fn from_message(msg: &[u8], offset: usize) -> Result<NameBuf, NameError> {
        let mut wire = [0u8; MAX_NAME_LEN];
        let (len, _) = decompress_into(msg, offset, &mut wire)?;
        Ok(NameBuf { wire, len: len as u8 })
    }

    /// Copies uncompressed wire form, checking it.
    pub fn from_wire(wire: &[u8]) -> Result<NameBuf, NameError> {
        let len = validate_wire(wire)?;
        if len != wire.len() {
            return Err(NameError::TrailingData);
        }
        let mut buf = [0u8; MAX_NAME_LEN];
        buf[..len].copy_from_slice(wire);
        Ok(NameBuf {
            wire: buf,
            len: len as u8,
        })
    }

    /// An owned copy (allocates).
    pub fn to_name(&self) -> Name {
        Name {
            wire: self.wire().into(),
        }
    }
}

impl Default for NameBuf {
    /// The root name.
    fn default() -> NameBuf {
        NameBuf {
            wire: [0; MAX_NAME_LEN],
            len: 1,
        }
    }
}

impl WireName for NameBuf {
    fn wire(&self) -> &[u8] {
        &self.wire[..self.len as usize]
    }
}

impl From<&Name> for NameBuf {
    fn from(name: &Name) -> NameBuf {
        let mut wire = [0u8; MAX_NAME_LEN];
        wire[..name.wire.len()].copy_from_slice(&name.wire);
        NameBuf {
            wire,
            len: name.wire.len() as u8,
        }
    }
}

impl PartialEq for NameBuf {
    fn eq(&self, other: &NameBuf) -> bool {
        wire_eq(self.wire(), other.wire())
    }
}
impl Eq for NameBuf {}

impl PartialEq<Name> for NameBuf {
    fn eq(&self, other: &Name) -> bool {
        wire_eq(self.wire(), &other.wire)
    }
}

impl fmt::Display for NameBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len <= 1 {
            return f.write_str(".");
        }
        for label in (Labels { wire: self.wire() }) {
            fmt_label(label, f)?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NameBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameBuf({self})")
    }
}

/// True when two names (or two suffixes of names) in uncompressed wire form are the same name:
/// equal ignoring ASCII case (RFC 4343 §3). Length octets (at most 63) are never letters, so
/// the whole wire form is compared. Names in zones and in queries are nearly always written in
/// the same case, so the octet-for-octet comparison (vectorised by the library) is tried first
/// and settles most calls; the letter-by-letter one runs only when the octets differ.
#[inline]
pub fn wire_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (a == b || a.eq_ignore_ascii_case(b))
}

/// True when wire name `a` equals `b` or lies below it, ignoring case; both checked.
pub fn wire_is_subdomain_of(a: &[u8], b: &[u8]) -> bool {
    if b.len() > a.len() {
        return false;
    }
    let mut off = 0;
    while a.len() - off > b.len() {
        off += 1 + a[off] as usize;
    }
    wire_eq(&a[off..], b)
}

/// True when presentation text is an absolute name: `.` or ending in an unescaped dot.
pub fn is_absolute_text(text: &str) -> bool {
    let b = text.as_bytes();
    if b.last() != Some(&b'.') {
        return false;
    }
    let backslashes = b[..b.len() - 1].iter().rev().take_while(|&&c| c == b'\\').count();
    backslashes % 2 == 0
}

/// Unescapes one `\X` or `\DDD` sequence at the start of `s`; returns the byte and the number
/// of input bytes used.
pub(crate) fn unescape(s: &[u8]) -> Result<(u8, usize), NameError> {
    debug_assert_eq!(s.first(), Some(&b'\\'));
    match s.get(1) {
        None => Err(NameError::BadEscape),
        Some(d) if d.is_ascii_digit() => {
            if s.len() < 4 || !s[2].is_ascii_digit() || !s[3].is_ascii_digit() {
                return Err(NameError::BadEscape);
            }
            let v = (s[1] - b'0') as u32 * 100 + (s[2] - b'0') as u32 * 10 + (s[3] - b'0') as u32;
            if v > 255 {
                return Err(NameError::BadEscape);
            }
            Ok((v as u8, 4))
        }
        Some(&c) => Ok((c, 2)),
    }
}

/// Checks uncompressed wire form at the start of `wire`; returns its length.
fn validate_wire(wire: &[u8]) -> Result<usize, NameError> {
    let mut off = 0;
    loop {
        let len = *wire.get(off).ok_or(NameError::Truncated)? as usize;
        if len == 0 {
            off += 1;
            break;
        }
        if len > MAX_LABEL_LEN {
            return Err(if len & 0xC0 == 0xC0 {
                NameError::Compressed
            } else {
                NameError::BadLabelType
            });
        }
        off += 1 + len;
        if off >= MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
    }
    if off > wire.len() {
        return Err(NameError::Truncated);
    }
    Ok(off)
}

/// Most compression pointers followed while reading one name. A legal name has at most 127
/// labels, each of which could be reached by a pointer; anything beyond that is a loop.
pub const MAX_POINTER_HOPS: usize = 127;

/// Reads a possibly compressed name at `offset` of `msg` into `out` (uncompressed).
/// Returns the length written and the offset past the name's in-place encoding.
///
/// Refuses pointers that do not point strictly backwards (which also rules out loops),
/// more than [`MAX_POINTER_HOPS`] hops, labels over 63 octets, names over 255 octets and the
/// reserved label types 0x40/0x80 (RFC 6891 §5).
pub fn decompress_into(msg: &[u8], offset: usize, out: &mut [u8; MAX_NAME_LEN]) -> Result<(usize, usize), NameError> {
    let mut pos = offset;
    let mut written = 0usize;
    let mut end = None;
    let mut hops = 0usize;
    // Every pointer must point before the start of the label sequence that holds it, so the
    // walk strictly moves towards the message start and must terminate.
    let mut limit = offset;
    loop {
        let len = *msg.get(pos).ok_or(NameError::Truncated)? as usize;
        match len & 0xC0 {
            0x00 => {
                if len == 0 {
                    if written + 1 > MAX_NAME_LEN {
                        return Err(NameError::NameTooLong);
                    }
                    out[written] = 0;
                    written += 1;
                    return Ok((written, end.unwrap_or(pos + 1)));
                }
                let label = msg.get(pos + 1..pos + 1 + len).ok_or(NameError::Truncated)?;
                if written + 1 + len + 1 > MAX_NAME_LEN {
                    return Err(NameError::NameTooLong);
                }
                out[written] = len as u8;
                out[written + 1..written + 1 + len].copy_from_slice(label);
                written += 1 + len;
                pos += 1 + len;
            }
            0xC0 => {
                let lo = *msg.get(pos + 1).ok_or(NameError::Truncated)? as usize;
                let target = ((len & 0x3F) << 8) | lo;
                if end.is_none() {
                    end = Some(pos + 2);
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(NameError::TooManyPointers);
                }
                if target >= limit {
                    return Err(NameError::ForwardPointer);
                }
                limit = target;
                pos = target;
            }
            _ => return Err(NameError::BadLabelType),
        }
    }
}

/// Compares two uncompressed wire names in canonical order (RFC 4034 §6.1).
pub(crate) fn canonical_cmp_wire(a: &[u8], b: &[u8]) -> Ordering {
    // Collect label offsets (at most 128 labels) so we can walk from the root.
    let mut la = [0u8; 128];
    let mut lb = [0u8; 128];
    let na = label_offsets(a, &mut la);
    let nb = label_offsets(b, &mut lb);
    let (mut ia, mut ib) = (na, nb);
    while ia > 0 && ib > 0 {
        ia -= 1;
        ib -= 1;
        let oa = la[ia] as usize;
        let ob = lb[ib] as usize;
        let xa = &a[oa + 1..oa + 1 + a[oa] as usize];
        let xb = &b[ob + 1..ob + 1 + b[ob] as usize];
        let ord = cmp_label_ignore_case(xa, xb);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    na.cmp(&nb)
}

fn label_offsets(wire: &[u8], out: &mut [u8; 128]) -> usize {
    let mut n = 0;
    let mut off = 0usize;
    while wire[off] != 0 {
        out[n] = off as u8;
        n += 1;
        off += 1 + wire[off] as usize;
    }
    n
}

fn cmp_label_ignore_case(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase());
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// Iterator over a name's labels, most specific first, without the root label.
#[derive(Clone)]
pub struct Labels<'a> {
    wire: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.wire.first()? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.wire[1..1 + len];
        self.wire = &self.wire[1 + len..];
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        wire_eq(&self.wire, &other.wire)
    }
}
impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.wire.iter() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        self.canonical_cmp(other)
    }
}

/// Writes one label in presentation form, escaping as BIND and RFC 4343 §2.1 do: `.`, `\`,
/// and the special characters `"`, `(`, `)`, `;`, `@`, `$` with a backslash, and octets
/// outside printable ASCII as `\DDD`.
pub(crate) fn fmt_label(label: &[u8], f: &mut impl fmt::Write) -> fmt::Result {
    for &b in label {
        match b {
            b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                f.write_char('\\')?;
                f.write_char(b as char)?;
            }
            0x21..=0x7E => f.write_char(b as char)?,
            _ => write!(f, "\\{b:03}")?,
        }
    }
    Ok(())
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            fmt_label(label, f)?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;
    /// Parses presentation form; a name without a final dot is taken as absolute.
    fn from_str(s: &str) -> Result<Name, NameError> {
        Name::parse(s, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s, None).expect("valid name")
    }

    #[test]
    fn wire_eq_ignores_case_only() {
        let w = |s: &str| s.parse::<Name>().unwrap().as_wire().to_vec();
        assert!(wire_eq(&w("www.example.com."), &w("www.example.com.")));
        assert!(wire_eq(&w("WWW.Example.COM."), &w("www.example.com.")));
        assert!(!wire_eq(&w("www.example.com."), &w("www.example.org.")));
        assert!(!wire_eq(&w("www.example.com."), &w("ww.example.com.")));
        assert!(
            !wire_eq(&w("a.bc."), &w("ab.c.")),
            "same length and letters, other labels"
        );
        // Only ASCII letters fold (RFC 4343 §3): '[' (0x5B) is not '{' (0x7B).
        assert!(!wire_eq(&w("a[."), &w("a{.")));
        assert!(wire_is_subdomain_of(&w("x.Sub.Example.com."), &w("sub.example.COM.")));
        assert!(!wire_is_subdomain_of(&w("xsub.example.com."), &w("sub.example.com.")));
    }

    #[test]
    fn presentation_round_trip() {
        for s in [
            ".",
            "com.",
            "www.example.com.",
            "a\\.b.example.",
            "\\000.x.",
            "\\\\.\\\".",
        ] {
            assert_eq!(n(s).to_string(), s, "{s}");
        }
        assert_eq!(n("Ex\\065mple.com").to_string(), "ExAmple.com.");
        assert_eq!(n("a b.").to_string(), "a\\032b.");
    }

    #[test]
    fn absolute_text() {
        assert!(is_absolute_text("."));
        assert!(is_absolute_text("a."));
        assert!(is_absolute_text("a\\\\."));
        assert!(!is_absolute_text("a\\."));
        assert!(!is_absolute_text("a"));
    }

    #[test]
    fn relative_and_origin() {
        let origin = n("example.com.");
        assert_eq!(Name::parse("www", Some(&origin)).unwrap(), n("www.example.com."));
        assert_eq!(Name::parse("@", Some(&origin)).unwrap(), origin);
        assert_eq!(Name::parse("www.", Some(&origin)).unwrap(), n("www."));
        assert_eq!(Name::parse("@", None), Err(NameError::NoOrigin));
    }

    #[test]
    fn limits_rfc1035_section_2_3_4() {
        let label63 = "a".repeat(63);
        assert!(Name::parse(&format!("{label63}."), None).is_ok());
        assert_eq!(Name::parse(&format!("{label63}a."), None), Err(NameError::LabelTooLong));
        // 4 labels of 63 = 256 octets with length bytes, +1 root = 257 > 255.
        let long = format!("{label63}.{label63}.{label63}.{label63}.");
        assert_eq!(Name::parse(&long, None), Err(NameError::NameTooLong));
        // 3×64 + 62+1 + 1 = 255 exactly.
        let max = format!("{label63}.{label63}.{label63}.{}.", "a".repeat(61));
        assert_eq!(n(&max).len(), 255);
        assert_eq!(Name::parse("a..b.", None), Err(NameError::EmptyLabel));
        assert_eq!(Name::parse("", None), Err(NameError::Empty));
        assert_eq!(Name::parse("a\\2", None), Err(NameError::BadEscape));
        assert_eq!(Name::parse("a\\256", None), Err(NameError::BadEscape));
        // BIND reads a bare `@` or `$` inside a name as itself (Knot refuses them); both
        // print escaped.
        assert_eq!(Name::parse("!@#3.", None).unwrap().to_string(), "!\\@#3.");
        assert_eq!(Name::parse("a\\@\\$.", None).unwrap().to_string(), "a\\@\\$.");
    }

    #[test]
    fn case_insensitive_equality_keeps_case() {
        let a = n("WWW.Example.COM.");
        let b = n("www.example.com.");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "WWW.Example.COM.");
        use std::collections::hash_map::DefaultHasher;
        let h = |x: &Name| {
            let mut s = DefaultHasher::new();
            x.hash(&mut s);
            s.finish()
        };
        assert_eq!(h(&a), h(&b));
    }

    #[test]
    fn rfc4034_section_6_1_canonical_order() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/dnssec/rfc-examples/rfc4034/canonical-order.txt"
        ))
        .expect("testdata present");
        let names: Vec<Name> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'))
            .map(|l| Name::parse(l, None).expect(l))
            .collect();
        assert_eq!(names.len(), 9);
        for w in names.windows(2) {
            assert_eq!(w[0].cmp(&w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        let mut shuffled = names.clone();
        shuffled.reverse();
        shuffled.sort();
        assert_eq!(shuffled, names);
    }

    #[test]
    fn subdomain_parent_suffix() {
        let name = n("a.b.example.com.");
        assert!(name.is_subdomain_of(&n("EXAMPLE.com.")));
        assert!(name.is_subdomain_of(&Name::root()));
        assert!(!name.is_subdomain_of(&n("ample.com.")));
        assert!(!n("com.").is_subdomain_of(&name));
        assert_eq!(name.parent().unwrap(), n("b.example.com."));
        assert_eq!(name.suffix(2), n("example.com."));
        assert_eq!(name.suffix(9), name);
        assert_eq!(Name::root().parent(), None);
        assert_eq!(name.label_count(), 4);
        assert!(n("*.example.").is_wildcard());
        let dname = n("x.old.example.").replace_suffix(&n("old.example."), &n("new.test."));
        assert_eq!(dname.unwrap().unwrap(), n("x.new.test."));
    }

    #[test]
    fn rfc1035_section_4_1_4_compression_example() {
        // F.ISI.ARPA at 20, FOO.F.ISI.ARPA at 40 (pointer to 20), ARPA at 64 (pointer to 26),
        // the root at 92: the transcription in ../shared/testdata.
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/wire/rfc-examples/rfc1035-4.1.4-compression.json"
        ))
        .expect("testdata present");
        let field = |key: &str, from: usize| -> (String, usize) {
            let at = from + json[from..].find(&format!("\"{key}\"")).expect("key");
            let rest = &json[at + key.len() + 2..];
            let colon = rest.find(':').expect("colon");
            let rest = &rest[colon + 1..];
            let value: String = rest
                .trim_start()
                .trim_start_matches('"')
                .chars()
                .take_while(|c| *c != '"' && *c != ',' && *c != '\n')
                .collect();
            (value, at + key.len())
        };
        let (hex, _) = field("buffer_hex", 0);
        let msg = crate::text::hex_decode(&hex).expect("hex");
        assert_eq!(msg.len(), 94);
        let mut pos = 0;
        let mut checked = 0;
        while json[pos..].contains("\"offset\"") {
            let (offset, p) = field("offset", pos);
            let (expected, p) = field("expected_name", p);
            let (encoded, p) = field("encoded_at_offset_hex", p);
            pos = p;
            let offset: usize = offset.trim().parse().expect("offset");
            let (name, end) = Name::from_message(&msg, offset).expect("decodes");
            assert_eq!(name, n(&expected));
            assert_eq!(name.to_string(), expected);
            assert_eq!(end - offset, encoded.len() / 2, "in-place length at {offset}");
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn compression_attacks_are_refused() {
        // Pointer to itself.
        assert_eq!(Name::from_message(b"\xC0\x00", 0), Err(NameError::ForwardPointer));
        // Forward pointer.
        assert_eq!(Name::from_message(b"\xC0\x02\x00", 0), Err(NameError::ForwardPointer));
        // Loop through two pointers: 2 -> 0 -> 2.
        assert_eq!(
            Name::from_message(b"\xC0\x02\xC0\x00", 2),
            Err(NameError::ForwardPointer)
        );
        // Reserved label type.
        assert_eq!(Name::from_message(b"\x41a\x00", 0), Err(NameError::BadLabelType));
        // Truncated.
        assert_eq!(Name::from_message(b"\x03ab", 0), Err(NameError::Truncated));
        // Long chain of backward pointers each adding a label grows past 255.
        let mut msg = vec![0u8];
        let mut prev = 0usize;
        for _ in 0..200 {
            let here = msg.len();
            msg.extend_from_slice(&[1, b'a', 0xC0 | (prev >> 8) as u8, prev as u8]);
            prev = here;
        }
        assert!(matches!(
            Name::from_message(&msg, prev),
            Err(NameError::NameTooLong) | Err(NameError::TooManyPointers)
        ));
    }

    #[test]
    fn name_buf_matches_name() {
        let name = n("WWW.Example.com.");
        let buf = NameBuf::from(&name);
        assert_eq!(buf.wire(), name.as_wire());
        assert_eq!(buf, n("www.example.com."));
        assert_eq!(buf.to_string(), "WWW.Example.com.");
        assert!(buf.is_subdomain_of_wire(n("com.").as_wire()));
        assert!(!buf.is_subdomain_of_wire(n("ample.com.").as_wire()));
        assert_eq!(buf.to_name(), name);
        assert_eq!(NameBuf::from_wire(b"\x01a\x00").unwrap().to_string(), "a.");
        assert!(NameBuf::from_wire(b"\x01a").is_err());
        assert_eq!(NameBuf::from_wire(b"\x00").unwrap().to_string(), ".");
    }

    #[test]
    fn idna_round_trip() {
        let name = Name::from_unicode("bücher.example.").unwrap();
        assert_eq!(name.to_string(), "xn--bcher-kva.example.");
        assert_eq!(name.to_unicode(), "bücher.example.");
        assert_eq!(n("plain.example.").to_unicode(), "plain.example.");
    }

    #[test]
    fn wire_checks() {
        assert!(Name::from_wire(b"\x03com\x00").is_ok());
        assert_eq!(Name::from_wire(b"\x03com"), Err(NameError::Truncated));
        assert_eq!(Name::from_wire(b"\x03com\x00\x00"), Err(NameError::TrailingData));
        assert_eq!(Name::from_wire(b"\xC0\x00"), Err(NameError::Compressed));
    }
}
