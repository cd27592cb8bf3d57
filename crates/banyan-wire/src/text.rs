//! Presentation (master-file) form helpers: splitting a record's text into fields
//! (RFC 1035 §5.1), reading typed fields, `<character-string>`s, and the base16, base32hex
//! and base64 encodings of RFC 4648 used by DNSSEC and other types.

use std::fmt;

use crate::error::TextError;
use crate::name::{unescape, Name};

/// One field of presentation text. `text` is exactly as written, escapes included, without
/// the quotes of a quoted string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The field's text, escapes not yet applied.
    pub text: &'a str,
    /// True when the field was a quoted string.
    pub quoted: bool,
}

/// Splits one record's presentation text into fields: whitespace separates fields, `"…"`
/// makes one field (which may be empty or hold spaces), `(` and `)` group lines and are
/// dropped, `;` starts a comment that runs to the end of the line, and `\` escapes the next
/// character (so `\"`, `\;`, `\(` and `\ ` are ordinary text).
pub fn tokenize(text: &str) -> Result<Vec<Token<'_>>, TextError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut depth = 0u32;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                if depth == 0 {
                    // A newline outside parentheses ends the record; anything after it
                    // would be a second record.
                    if bytes[i + 1..].iter().any(|b| !b.is_ascii_whitespace()) {
                        return Err(TextError::Unbalanced("newline outside parentheses"));
                    }
                }
                i += 1;
            }
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return Err(TextError::Unbalanced("parenthesis"));
                }
                depth -= 1;
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                loop {
                    match bytes.get(j) {
                        None => return Err(TextError::Unbalanced("quote")),
                        Some(b'\\') => j += 2,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                if j > bytes.len() {
                    return Err(TextError::Unbalanced("quote"));
                }
                out.push(Token {
                    text: &text[start..j],
                    quoted: true,
                });
                i = j + 1;
            }
            _ => {
                let start = i;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
                        _ => i += 1,
                    }
                }
                let end = i.min(bytes.len());
                out.push(Token {
                    text: &text[start..end],
                    quoted: false,
                });
                i = end;
            }
        }
    }
    if depth != 0 {
        return Err(TextError::Unbalanced("parenthesis"));
    }
    Ok(out)
}

/// A cursor over the RDATA fields of one record, with typed readers.
pub struct Fields<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    origin: Option<&'t Name>,
}

impl<'t, 'a> Fields<'t, 'a> {
    /// Reads `tokens`, completing relative names with `origin`.
    pub fn new(tokens: &'t [Token<'a>], origin: Option<&'t Name>) -> Fields<'t, 'a> {
        Fields { tokens, pos: 0, origin }
    }

    /// The origin relative names are completed with.
    pub fn origin(&self) -> Option<&'t Name> {
        self.origin
    }

    /// True when every field has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// The next field without consuming it.
    pub fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    /// The next field, or `Missing(what)`.
    pub fn token(&mut self, what: &'static str) -> Result<Token<'a>, TextError> {
        let t = self.tokens.get(self.pos).copied().ok_or(TextError::Missing(what))?;
        self.pos += 1;
        Ok(t)
    }

    /// The next field as text (escapes left in place).
    pub fn str(&mut self, what: &'static str) -> Result<&'a str, TextError> {
        Ok(self.token(what)?.text)
    }

    /// All remaining fields.
    pub fn rest(&mut self) -> &'t [Token<'a>] {
        let r = &self.tokens[self.pos.min(self.tokens.len())..];
        self.pos = self.tokens.len();
        r
    }

    /// Fails if any field is left.
    pub fn finish(&self) -> Result<(), TextError> {
        match self.tokens.get(self.pos) {
            None => Ok(()),
            Some(t) => Err(TextError::Extra(t.text.to_string())),
        }
    }

    /// The next field as a decimal integer of type `T`.
    pub fn int<T: std::str::FromStr>(&mut self, what: &'static str) -> Result<T, TextError> {
        let s = self.str(what)?;
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TextError::bad(what, s));
        }
        s.parse().map_err(|_| TextError::bad(what, s))
    }

    /// The next field as a TTL or time interval: seconds, or units as BIND accepts them
    /// (`1h30m`, `2w`; RFC 2308 §4 leaves the syntax to implementations).
    pub fn ttl(&mut self, what: &'static str) -> Result<u32, TextError> {
        let s = self.str(what)?;
        parse_ttl(s).ok_or_else(|| TextError::bad(what, s))
    }

    /// The next field as a domain name. Without an origin, a relative name is an error.
    pub fn name(&mut self, what: &'static str) -> Result<Name, TextError> {
        let s = self.str(what)?;
        if self.origin.is_none() && !crate::name::is_absolute_text(s) {
            return Err(TextError::Name {
                text: s.to_string(),
                error: crate::error::NameError::NoOrigin,
            });
        }
        Name::parse(s, self.origin).map_err(|error| TextError::Name {
            text: s.to_string(),
            error,
        })
    }

    /// The next field as a `<character-string>` (at most 255 octets after unescaping).
    pub fn character_string(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let t = self.token(what)?;
        let v = unescape_text(t.text).ok_or_else(|| TextError::bad(what, t.text))?;
        if v.len() > 255 {
            return Err(TextError::bad(what, t.text));
        }
        Ok(v)
    }

    /// All remaining fields concatenated and decoded as base64 (whitespace inside base64
    /// is allowed in presentation form, RFC 4034 §2.2).
    pub fn base64_rest(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let joined = self.join_rest(what)?;
        base64_decode(&joined).ok_or_else(|| TextError::bad(what, &joined))
    }

    /// All remaining fields concatenated and decoded as hexadecimal.
    pub fn hex_rest(&mut self, what: &'static str) -> Result<Vec<u8>, TextError> {
        let joined = self.join_rest(what)?;
        hex_decode(&joined).ok_or_else(|| TextError::bad(what, &joined))
    }

    fn join_rest(&mut self, what: &'static str) -> Result<String, TextError> {
        if self.is_empty() {
            return Err(TextError::Missing(what));
        }
        let mut s = String::new();
        for t in self.rest() {
            s.push_str(t.text);
        }
        Ok(s)
    }
}

/// Parses a TTL: a decimal number of seconds, or numbers each followed by a unit
/// `s`, `m`, `h`, `d` or `w` (either case), summed. `None` past 2^32-1 or on bad syntax.
pub fn parse_ttl(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut current: Option<u64> = None;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                let v = current.unwrap_or(0) * 10 + (b - b'0') as u64;
                if v > u32::MAX as u64 {
                    return None;
                }
                current = Some(v);
            }
            _ => {
                let unit = match b.to_ascii_lowercase() {
                    b's' => 1,
                    b'm' => 60,
                    b'h' => 3600,
                    b'd' => 86400,
                    b'w' => 604800,
                    _ => return None,
                };
                total += current.take()? * unit;
                if total > u32::MAX as u64 {
                    return None;
                }
            }
        }
    }
    // A trailing bare number counts as seconds (`1h30` is 3630), as BIND reads it.
    total += current.unwrap_or(0);
    u32::try_from(total).ok()
}

/// Applies `\X` and `\DDD` escapes. `None` on a malformed escape.
pub fn unescape_text(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let (v, used) = unescape(&b[i..]).ok()?;
            out.push(v);
            i += used;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Writes octets as a quoted `<character-string>`, escaping `"` and `\` with a backslash and
/// non-printable octets as `\DDD`, as BIND and `dig` print them.
pub fn fmt_character_string(s: &[u8], f: &mut impl fmt::Write) -> fmt::Result {
    f.write_char('"')?;
    for &b in s {
        match b {
            b'"' | b'\\' => {
                f.write_char('\\')?;
                f.write_char(b as char)?;
            }
            0x20..=0x7E => f.write_char(b as char)?,
            _ => write!(f, "\\{b:03}")?,
        }
    }
    f.write_char('"')
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with padding (RFC 4648 §4).
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = match chunk.len() {
            3 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8 | chunk[2] as u32,
            2 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8,
            _ => (chunk[0] as u32) << 16,
        };
        let chars = [
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ];
        let keep = chunk.len() + 1;
        for (i, c) in chars.iter().enumerate() {
            out.push(if i < keep { *c as char } else { '=' });
        }
    }
    out
}

/// The value of each base64 character (RFC 4648 §4), 0xff for the others.
const BASE64_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < alphabet.len() {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Decodes base64 (RFC 4648 §4); padding is required where RFC 4648 requires it.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    // Every chunk but the last has no padding: a table lookup per character (keys and
    // signatures are most of a signed zone's text).
    let body = b.len().saturating_sub(4);
    for chunk in b[..body].chunks_exact(4) {
        let mut n = 0u32;
        for &c in chunk {
            let v = BASE64_VALUE[usize::from(c)];
            if v == 0xff {
                return None;
            }
            n = n << 6 | u32::from(v);
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    for chunk in b[body..].chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = n << 6 | v as u32;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// Upper-case hexadecimal, as BIND prints DS digests and similar fields.
pub fn hex_encode(data: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(data.len() * 2);
    for &b in data {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Decodes hexadecimal (either case); `None` on odd length or a non-hex digit.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

const B32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Base32 with the extended hex alphabet and no padding, lower case, as NSEC3 owner names
/// and the next-hashed-owner field use it (RFC 4648 §7, RFC 5155 §3.3).
pub fn base32hex_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut acc = 0u64;
    let mut bits = 0u32;
    for &b in data {
        acc = acc << 8 | b as u64;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32HEX[(acc >> bits) as usize & 31] as char);
        }
    }
    if bits > 0 {
        out.push(B32HEX[(acc << (5 - bits)) as usize & 31] as char);
    }
    out
}

/// Decodes unpadded base32hex (either case). Refuses lengths that cannot come from whole
/// octets and non-zero trailing bits.
pub fn base32hex_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc = 0u64;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'v' => c - b'a' + 10,
            b'A'..=b'V' => c - b'A' + 10,
            _ => return None,
        };
        acc = acc << 5 | v as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 5 || acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_quotes_parens_comments() {
        let t = tokenize("10 ( mail.example. ) ; comment\n").unwrap();
        assert_eq!(t.iter().map(|t| t.text).collect::<Vec<_>>(), ["10", "mail.example."]);
        let t = tokenize(r#""a b" "" c\ d "x\"y""#).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!((t[0].text, t[0].quoted), ("a b", true));
        assert_eq!((t[1].text, t[1].quoted), ("", true));
        assert_eq!(t[2].text, r"c\ d");
        assert_eq!(t[3].text, r#"x\"y"#);
        assert!(tokenize("\"open").is_err());
        assert!(tokenize("( a").is_err());
        assert!(tokenize("a )").is_err());
        assert!(tokenize("a\nb").is_err());
        assert_eq!(tokenize("(a\nb)").unwrap().len(), 2);
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("3600"), Some(3600));
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("1W"), Some(604800));
        assert_eq!(parse_ttl("1h30"), Some(3630));
        assert_eq!(parse_ttl("4294967295"), Some(u32::MAX));
        assert_eq!(parse_ttl("4294967296"), None);
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("1x"), None);
        assert_eq!(parse_ttl(""), None);
    }

    #[test]
    fn character_string_escapes() {
        assert_eq!(unescape_text(r"a\034b\\\065").unwrap(), b"a\"b\\A");
        let mut s = String::new();
        fmt_character_string(b"a\"b\\\x07 ", &mut s).unwrap();
        assert_eq!(s, r#""a\"b\\\007 ""#);
    }

    fn rfc4648_vectors() -> serde_vectors::Vectors {
        serde_vectors::load()
    }

    /// RFC 4648 §10 vectors, from ../shared/testdata (parsed by hand: no JSON dependency).
    mod serde_vectors {
        pub struct Vectors {
            pub pairs: Vec<(String, String, String)>,
        }
        pub fn load() -> Vectors {
            let text = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata/names/rfc4648-section10-test-vectors.json"
            ))
            .expect("testdata present");
            // Entries look like {"encoding": "...", "input": "...", "output": "..."}; pull the
            // three string values of each object in order.
            let mut pairs = Vec::new();
            for obj in text.split('{').skip(1) {
                let get = |key: &str| -> Option<String> {
                    let at = obj.find(&format!("\"{key}\""))?;
                    let rest = &obj[at + key.len() + 2..];
                    let start = rest.find('"')? + 1;
                    let end = start + rest[start..].find('"')?;
                    Some(rest[start..end].to_string())
                };
                if let (Some(e), Some(i), Some(o)) = (get("encoding"), get("input_ascii"), get("output")) {
                    pairs.push((e, i, o));
                }
            }
            Vectors { pairs }
        }
    }

    #[test]
    fn rfc4648_section_10_vectors() {
        let v = rfc4648_vectors();
        let mut checked = 0;
        for (enc, input, output) in &v.pairs {
            match enc.to_ascii_lowercase().replace('-', "").as_str() {
                "base64" => {
                    assert_eq!(&base64_encode(input.as_bytes()), output);
                    assert_eq!(base64_decode(output).unwrap(), input.as_bytes());
                }
                "base32hex" => {
                    let unpadded = output.trim_end_matches('=').to_ascii_lowercase();
                    assert_eq!(base32hex_encode(input.as_bytes()), unpadded);
                    assert_eq!(base32hex_decode(&unpadded).unwrap(), input.as_bytes());
                }
                "base16" => {
                    assert_eq!(&hex_encode(input.as_bytes()), output);
                    assert_eq!(hex_decode(output).unwrap(), input.as_bytes());
                }
                _ => continue,
            }
            checked += 1;
        }
        assert!(checked >= 21, "only {checked} vectors found");
    }

    #[test]
    fn bad_encodings_rejected() {
        assert!(base64_decode("abc").is_none());
        assert!(base64_decode("ab=c").is_none());
        assert!(base64_decode("a===").is_none());
        assert!(hex_decode("abc").is_none());
        assert!(hex_decode("zz").is_none());
        assert!(base32hex_decode("w").is_none());
        assert!(base32hex_decode("01").is_none()); // trailing bits set
    }
}
