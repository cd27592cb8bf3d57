//! TSIG keys (RFC 8945 §3): the HMAC algorithms of §6, shared secrets, key rings, and the
//! two forms operators write keys in — `dig -y`/`nsupdate -y` specs and BIND's `key`
//! statements (as `tsig-keygen` prints them and `named.conf` includes them).
//!
//! No error message here ever repeats a secret.

use std::fmt;
use std::str::FromStr;

use crate::error::NameError;
use crate::name::Name;
use crate::text::base64_decode;

/// An HMAC algorithm of RFC 8945 §6, named in the TSIG record by a domain name
/// (`hmac-sha256.` …).
///
/// HMAC-MD5 (`hmac-md5.sig-alg.reg.int.`, "MUST NOT" for new use), GSS-TSIG and the
/// truncated variants (`hmac-sha256-128.` …) are not supported: a request naming one gets
/// BADKEY, as for an unknown key (RFC 8945 §5.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsigAlgorithm {
    /// `hmac-sha1.` (RFC 8945 §6: mandatory to implement, not recommended for use).
    HmacSha1,
    /// `hmac-sha224.` (ring has no SHA-224; computed by this crate's own SHA-224).
    HmacSha224,
    /// `hmac-sha256.` (RFC 8945 §6: mandatory to implement, recommended).
    HmacSha256,
    /// `hmac-sha384.`
    HmacSha384,
    /// `hmac-sha512.`
    HmacSha512,
}

impl TsigAlgorithm {
    /// Every supported algorithm, weakest first.
    pub const ALL: [TsigAlgorithm; 5] = [
        TsigAlgorithm::HmacSha1,
        TsigAlgorithm::HmacSha224,
        TsigAlgorithm::HmacSha256,
        TsigAlgorithm::HmacSha384,
        TsigAlgorithm::HmacSha512,
    ];

    /// The mnemonic used by BIND, `dig -y` and key files (`hmac-sha256`).
    pub fn mnemonic(self) -> &'static str {
        match self {
            TsigAlgorithm::HmacSha1 => "hmac-sha1",
            TsigAlgorithm::HmacSha224 => "hmac-sha224",
            TsigAlgorithm::HmacSha256 => "hmac-sha256",
            TsigAlgorithm::HmacSha384 => "hmac-sha384",
            TsigAlgorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The algorithm name in wire form, lowercase (the canonical form the MAC covers).
    pub(crate) fn wire(self) -> &'static [u8] {
        match self {
            TsigAlgorithm::HmacSha1 => b"\x09hmac-sha1\x00",
            TsigAlgorithm::HmacSha224 => b"\x0bhmac-sha224\x00",
            TsigAlgorithm::HmacSha256 => b"\x0bhmac-sha256\x00",
            TsigAlgorithm::HmacSha384 => b"\x0bhmac-sha384\x00",
            TsigAlgorithm::HmacSha512 => b"\x0bhmac-sha512\x00",
        }
    }

    /// The algorithm's name as the TSIG record carries it (RFC 8945 §6), e.g. `hmac-sha256.`.
    pub fn name(self) -> Name {
        Name::from_wire(self.wire()).expect("the algorithm names are valid wire names")
    }

    /// The algorithm a TSIG record names (compared ignoring case); `None` for one this
    /// crate does not implement.
    pub fn from_name(name: &Name) -> Option<TsigAlgorithm> {
        TsigAlgorithm::ALL
            .into_iter()
            .find(|a| a.wire().eq_ignore_ascii_case(name.as_wire()))
    }

    /// The algorithm for a mnemonic, with or without the final dot, ignoring case
    /// (`hmac-sha256`, `HMAC-SHA256.`).
    pub fn from_mnemonic(s: &str) -> Option<TsigAlgorithm> {
        let s = s.strip_suffix('.').unwrap_or(s);
        TsigAlgorithm::ALL
            .into_iter()
            .find(|a| a.mnemonic().eq_ignore_ascii_case(s))
    }

    /// Length of the untruncated MAC in octets (the hash's output length).
    pub fn mac_len(self) -> usize {
        match self {
            TsigAlgorithm::HmacSha1 => 20,
            TsigAlgorithm::HmacSha224 => 28,
            TsigAlgorithm::HmacSha256 => 32,
            TsigAlgorithm::HmacSha384 => 48,
            TsigAlgorithm::HmacSha512 => 64,
        }
    }
}

impl fmt::Display for TsigAlgorithm {
    /// The mnemonic (`hmac-sha256`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mnemonic())
    }
}

/// A TSIG algorithm name this crate does not implement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported TSIG algorithm {0:?} (expected hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)")]
pub struct UnsupportedAlgorithm(pub String);

impl FromStr for TsigAlgorithm {
    type Err = UnsupportedAlgorithm;
    /// As [`TsigAlgorithm::from_mnemonic`].
    fn from_str(s: &str) -> Result<TsigAlgorithm, UnsupportedAlgorithm> {
        TsigAlgorithm::from_mnemonic(s).ok_or_else(|| UnsupportedAlgorithm(s.to_string()))
    }
}

/// A shared secret and what it is known by (RFC 8945 §3): the key name that TSIG records
/// carry as their owner, and the one algorithm it is used with.
///
/// `Debug` shows the name, the algorithm and the secret's length, never the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TsigKey {
    /// The key's name, the owner of the TSIG records made with it.
    pub name: Name,
    /// The MAC algorithm.
    pub algorithm: TsigAlgorithm,
    /// The shared secret.
    pub secret: Vec<u8>,
}

impl TsigKey {
    /// A key from its parts.
    pub fn new(name: Name, algorithm: TsigAlgorithm, secret: Vec<u8>) -> TsigKey {
        TsigKey {
            name,
            algorithm,
            secret,
        }
    }

    /// Reads a key as `dig -y` and `nsupdate -y` take it: `[algorithm:]name:secret`, the
    /// secret in base64, the algorithm `hmac-sha256` when left out.
    pub fn from_dig_spec(spec: &str) -> Result<TsigKey, TsigKeyError> {
        let fail = TsigKeyError::Spec;
        let (front, secret) = spec.rsplit_once(':').ok_or(fail(KeyProblem::Syntax {
            expected: "[algorithm:]name:secret",
            found: "no `:`".to_string(),
        }))?;
        let (algorithm, name) = match front.split_once(':') {
            Some((alg, name)) => (
                TsigAlgorithm::from_mnemonic(alg)
                    .ok_or_else(|| fail(KeyProblem::UnsupportedAlgorithm(alg.to_string())))?,
                name,
            ),
            None => (TsigAlgorithm::HmacSha256, front),
        };
        let name = key_name(name).map_err(fail)?;
        let secret = decode_secret(secret).map_err(fail)?;
        Ok(TsigKey::new(name, algorithm, secret))
    }
}

impl fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("secret", &format_args!("<{} octets>", self.secret.len()))
            .finish()
    }
}

/// The keys a server or client knows, looked up by name ignoring case (RFC 8945 §3: the
/// key name identifies the key). When two keys have the same name the first one counts.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<TsigKey>,
}

impl KeyRing {
    /// A ring of these keys.
    pub fn new(keys: Vec<TsigKey>) -> KeyRing {
        KeyRing { keys }
    }

    /// The key of this name, if any.
    pub fn get(&self, name: &Name) -> Option<&TsigKey> {
        self.keys.iter().find(|k| k.name == *name)
    }

    /// True when the ring has no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The keys, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &TsigKey> {
        self.keys.iter()
    }
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TsigKeyError {
    /// In a `dig -y` style spec.
    #[error("TSIG key: {0}")]
    Spec(KeyProblem),
    /// In a key file, on a line (counted from 1).
    #[error("line {line}: {problem}")]
    File {
        /// The line.
        line: usize,
        /// What is wrong.
        problem: KeyProblem,
    },
}

/// What is wrong with a written key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// Something else than what the syntax allows here.
    #[error("expected {expected}, found {found}")]
    Syntax {
        /// What may come here.
        expected: &'static str,
        /// What came (a quoted string is not repeated: it may be a secret).
        found: String,
    },
    /// An algorithm this crate does not implement.
    #[error(
        "unsupported TSIG algorithm {0:?} (expected hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)"
    )]
    UnsupportedAlgorithm(String),
    /// A key name that is not a domain name.
    #[error("bad key name {name:?}: {error}")]
    BadName {
        /// The name as written.
        name: String,
        /// Why it is not a name.
        error: NameError,
    },
    /// The secret is not base64.
    #[error("the secret is not valid base64")]
    BadSecret,
    /// The secret is empty.
    #[error("the secret is empty")]
    EmptySecret,
    /// A key statement without an `algorithm` or `secret` clause.
    #[error("key {key} has no {clause}")]
    Missing {
        /// The key.
        key: Name,
        /// The clause left out.
        clause: &'static str,
    },
    /// A clause given twice in one key, or a key name used twice.
    #[error("{0} given twice")]
    Duplicate(String),
    /// A quoted string or a `/* */` comment that never ends.
    #[error("unterminated {0}")]
    Unterminated(&'static str),
}

fn key_name(text: &str) -> Result<Name, KeyProblem> {
    Name::parse(text, None).map_err(|error| KeyProblem::BadName {
        name: text.to_string(),
        error,
    })
}

fn decode_secret(text: &str) -> Result<Vec<u8>, KeyProblem> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(KeyProblem::EmptySecret);
    }
    match base64_decode(&compact) {
        Some(secret) if !secret.is_empty() => Ok(secret),
        Some(_) => Err(KeyProblem::EmptySecret),
        None => Err(KeyProblem::BadSecret),
    }
}

/// Reads BIND's key statements (`tsig-keygen` output, or a file `named.conf` includes):
///
/// ```text
/// key "name" {
///     algorithm hmac-sha256;
///     secret "base64";
/// };
/// ```
///
/// Comments (`#`, `//`, `/* */`) are allowed anywhere between tokens, names and values
/// quoted or not. In a quoted string, as in BIND's, a backslash stays with the character it
/// escapes (`"a\.b"` names the one label `a.b`) except before `"`. Any other statement or
/// clause is an error naming its line.
pub fn parse_bind_keys(text: &str) -> Result<Vec<TsigKey>, TsigKeyError> {
    let mut lexer = Lexer { text, pos: 0, line: 1 };
    let mut keys: Vec<TsigKey> = Vec::new();
    while let Some((token, line)) = lexer.next()? {
        let at = |problem| TsigKeyError::File { line, problem };
        if !matches!(token, Token::Word(w) if w.eq_ignore_ascii_case("key")) {
            return Err(at(token.unexpected("a `key` statement")));
        }
        let name = match lexer.expect("a key name")? {
            (Token::Word(s), _) => s.to_string(),
            (Token::Quoted(s), _) => s,
            (other, line) => return Err(file(line, other.unexpected("a key name"))),
        };
        let name = key_name(&name).map_err(at)?;
        if keys.iter().any(|k| k.name == name) {
            return Err(at(KeyProblem::Duplicate(format!("key {name}"))));
        }
        match lexer.expect("`{`")? {
            (Token::Open, _) => {}
            (other, line) => return Err(file(line, other.unexpected("`{`"))),
        }
        let mut algorithm = None;
        let mut secret = None;
        loop {
            let (clause, clause_line) = lexer.expect("`algorithm`, `secret` or `}`")?;
            let clause = match clause {
                Token::Close => break,
                Token::Word(w) if w.eq_ignore_ascii_case("algorithm") => "algorithm",
                Token::Word(w) if w.eq_ignore_ascii_case("secret") => "secret",
                other => return Err(file(clause_line, other.unexpected("`algorithm`, `secret` or `}`"))),
            };
            let value = match lexer.expect("a value")? {
                (Token::Word(s), _) => s.to_string(),
                (Token::Quoted(s), _) => s,
                (other, line) => return Err(file(line, other.unexpected("a value"))),
            };
            match lexer.expect("`;`")? {
                (Token::Semicolon, _) => {}
                (other, line) => return Err(file(line, other.unexpected("`;`"))),
            }
            let slot_taken = if clause == "algorithm" {
                let alg = TsigAlgorithm::from_mnemonic(&value)
                    .ok_or_else(|| file(clause_line, KeyProblem::UnsupportedAlgorithm(value.clone())))?;
                algorithm.replace(alg).is_some()
            } else {
                secret
                    .replace(decode_secret(&value).map_err(|p| file(clause_line, p))?)
                    .is_some()
            };
            if slot_taken {
                return Err(file(clause_line, KeyProblem::Duplicate(format!("`{clause}`"))));
            }
        }
        match lexer.expect("`;` after `}`")? {
            (Token::Semicolon, _) => {}
            (other, line) => return Err(file(line, other.unexpected("`;` after `}`"))),
        }
        let missing = |clause| {
            at(KeyProblem::Missing {
                key: name.clone(),
                clause,
            })
        };
        let algorithm = algorithm.ok_or_else(|| missing("algorithm"))?;
        let secret = secret.ok_or_else(|| missing("secret"))?;
        keys.push(TsigKey::new(name, algorithm, secret));
    }
    Ok(keys)
}

fn file(line: usize, problem: KeyProblem) -> TsigKeyError {
    TsigKeyError::File { line, problem }
}

/// A token of BIND's configuration syntax.
enum Token<'a> {
    Word(&'a str),
    Quoted(String),
    Open,
    Close,
    Semicolon,
}

impl Token<'_> {
    fn unexpected(&self, expected: &'static str) -> KeyProblem {
        let found = match self {
            Token::Word(w) => format!("{w:?}"),
            Token::Quoted(_) => "a quoted string".to_string(),
            Token::Open => "`{`".to_string(),
            Token::Close => "`}`".to_string(),
            Token::Semicolon => "`;`".to_string(),
        };
        KeyProblem::Syntax { expected, found }
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    /// The next token, or an error at the end of the text.
    fn expect(&mut self, what: &'static str) -> Result<(Token<'a>, usize), TsigKeyError> {
        let line = self.line;
        self.next()?.ok_or(file(
            line,
            KeyProblem::Syntax {
                expected: what,
                found: "the end of the text".to_string(),
            },
        ))
    }

    /// The next token and the line it starts on; `None` at the end.
    fn next(&mut self) -> Result<Option<(Token<'a>, usize)>, TsigKeyError> {
        let bytes = self.text.as_bytes();
        loop {
            let Some(&c) = bytes.get(self.pos) else {
                return Ok(None);
            };
            let rest = &bytes[self.pos..];
            if c == b'\n' {
                self.line += 1;
                self.pos += 1;
            } else if c.is_ascii_whitespace() {
                self.pos += 1;
            } else if c == b'#' || rest.starts_with(b"//") {
                self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            } else if rest.starts_with(b"/*") {
                let start = self.line;
                let Some(len) = rest.windows(2).skip(2).position(|w| w == b"*/") else {
                    return Err(file(start, KeyProblem::Unterminated("comment")));
                };
                let comment = &rest[..len + 4];
                self.line += comment.iter().filter(|&&b| b == b'\n').count();
                self.pos += comment.len();
            } else {
                break;
            }
        }
        let line = self.line;
        let rest = &self.text[self.pos..];
        let simple = match rest.as_bytes()[0] {
            b'{' => Some(Token::Open),
            b'}' => Some(Token::Close),
            b';' => Some(Token::Semicolon),
            _ => None,
        };
        if let Some(token) = simple {
            self.pos += 1;
            return Ok(Some((token, line)));
        }
        if rest.starts_with('"') {
            let mut value = String::new();
            let mut chars = rest.char_indices().skip(1);
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += i + 1;
                        return Ok(Some((Token::Quoted(value), line)));
                    }
                    // As in BIND's quoted strings (isc_lex): the backslash and the character
                    // it escapes are both kept, for the name parser to read `\.`, `\\` and
                    // `\DDD`; only `\"` becomes `"`.
                    '\\' => match chars.next() {
                        Some((_, '"')) => value.push('"'),
                        Some((_, escaped)) => {
                            if escaped == '\n' {
                                self.line += 1;
                            }
                            value.push('\\');
                            value.push(escaped);
                        }
                        None => {}
                    },
                    '\n' => {
                        self.line += 1;
                        value.push(c);
                    }
                    _ => value.push(c),
                }
            }
            return Err(file(line, KeyProblem::Unterminated("quoted string")));
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '{' | '}' | ';' | '"'))
            .unwrap_or(rest.len());
        self.pos += end;
        Ok(Some((Token::Word(&rest[..end]), line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn rfc8945_section_6_algorithm_names() {
        for alg in TsigAlgorithm::ALL {
            let name = alg.name();
            assert_eq!(name.to_string(), format!("{}.", alg.mnemonic()));
            assert_eq!(TsigAlgorithm::from_name(&name), Some(alg));
            assert_eq!(
                TsigAlgorithm::from_name(&n(&name.to_string().to_uppercase())),
                Some(alg)
            );
            assert_eq!(TsigAlgorithm::from_mnemonic(alg.mnemonic()), Some(alg));
            assert_eq!(alg.to_string().parse::<TsigAlgorithm>(), Ok(alg));
            assert_eq!(
                format!("{}.", alg.mnemonic().to_uppercase()).parse::<TsigAlgorithm>(),
                Ok(alg)
            );
        }
        assert_eq!(TsigAlgorithm::HmacSha512.mac_len(), 64);
        assert_eq!(TsigAlgorithm::from_name(&n("hmac-md5.sig-alg.reg.int.")), None);
        assert_eq!(TsigAlgorithm::from_name(&n("hmac-sha256-128.")), None);
        assert_eq!(
            "hmac-md5".parse::<TsigAlgorithm>(),
            Err(UnsupportedAlgorithm("hmac-md5".to_string()))
        );
    }

    #[test]
    fn dig_specs() {
        let key = TsigKey::from_dig_spec("hmac-sha512:Xfr.Example:c2VjcmV0").unwrap();
        assert_eq!(key.name, n("xfr.example."));
        assert_eq!(key.algorithm, TsigAlgorithm::HmacSha512);
        assert_eq!(key.secret, b"secret");
        let key = TsigKey::from_dig_spec("xfr.example.:c2VjcmV0").unwrap();
        assert_eq!(key.algorithm, TsigAlgorithm::HmacSha256);
        for (spec, problem) in [
            ("c2VjcmV0", "expected [algorithm:]name:secret"),
            ("hmac-md5:k:c2VjcmV0", "unsupported TSIG algorithm \"hmac-md5\""),
            ("k..x:c2VjcmV0", "bad key name"),
            ("k:not base64!", "not valid base64"),
            ("k:", "empty"),
        ] {
            let e = TsigKey::from_dig_spec(spec).unwrap_err().to_string();
            assert!(e.contains(problem), "{spec}: {e}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = TsigKey::new(n("k."), TsigAlgorithm::HmacSha256, b"hunter2".to_vec());
        let shown = format!("{key:?}");
        assert!(shown.contains("<7 octets>"), "{shown}");
        assert!(!shown.contains("hunter2") && !shown.contains("104"), "{shown}");
    }

    #[test]
    fn key_ring_ignores_case() {
        let ring = KeyRing::new(vec![
            TsigKey::new(n("A.example."), TsigAlgorithm::HmacSha256, vec![1]),
            TsigKey::new(n("a.example."), TsigAlgorithm::HmacSha1, vec![2]),
        ]);
        assert_eq!(ring.get(&n("a.EXAMPLE.")).map(|k| k.secret.clone()), Some(vec![1]));
        assert!(ring.get(&n("b.example.")).is_none());
        assert_eq!((ring.len(), ring.iter().count(), ring.is_empty()), (2, 2, false));
        assert!(KeyRing::default().is_empty());
    }

    #[test]
    fn bind_key_statements_with_comments() {
        let text = r#"
# a shell-style comment
key xfr.example. {          // unquoted name
    algorithm "HMAC-SHA1";  /* quoted algorithm,
                               a comment over two lines */
    secret "c2Vj
            cmV0";
};
key "update.example" { secret "AAEC"; algorithm hmac-sha384; };
"#;
        let keys = parse_bind_keys(text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0],
            TsigKey::new(n("xfr.example."), TsigAlgorithm::HmacSha1, b"secret".to_vec())
        );
        assert_eq!(keys[1].name, n("update.example."));
        assert_eq!(keys[1].algorithm, TsigAlgorithm::HmacSha384);
        assert_eq!(keys[1].secret, [0, 1, 2]);
        assert_eq!(parse_bind_keys("  // nothing\n").unwrap(), vec![]);
    }

    /// Found by the `bind_keys` fuzz target (`fuzz/corpus/bind_keys/crash-name-control-octet-lost-in-quoted-string`):
    /// a key named with a control octet, printed `sha\019key.`, did not read back from
    /// `key "sha\019key." { … }` because the quoted string dropped every backslash, giving the
    /// name `sha019key.`. BIND keeps them (only `\"` stands for `"`), so `key "a\.b"` names
    /// one label there, and has to here, or the two ends of a TSIG disagree on the key name.
    #[test]
    fn quoted_strings_keep_their_escapes_as_bind_does() {
        let name_of = |text: &str| {
            let statement = format!("key \"{text}\" {{ algorithm hmac-sha1; secret \"AAEC\"; }};");
            parse_bind_keys(&statement).map(|keys| keys[0].name.as_wire().to_vec())
        };
        assert_eq!(name_of(r"sha\019key.").unwrap(), b"\x07sha\x13key\x00");
        assert_eq!(name_of(r"a\.b").unwrap(), b"\x03a.b\x00");
        assert_eq!(name_of(r#"a\"b"#).unwrap(), b"\x03a\"b\x00");
        assert_eq!(name_of(r"a\\.b").unwrap(), b"\x02a\\\x01b\x00");
        // Every name reads back from its presentation form.
        for wire in [&b"\x07sha\x13key\x00"[..], b"\x05a.\"\\ \x00", b"\x02\xc3\xa4\x00"] {
            let name = Name::from_wire(wire).unwrap();
            assert_eq!(name_of(&name.to_string()).unwrap(), wire, "{name}");
        }
        // The line of an escaped newline still counts.
        let e = parse_bind_keys("key \"a\\\nb\" { bogus; };").unwrap_err();
        assert!(matches!(e, TsigKeyError::File { line: 2, .. }), "{e}");
    }

    #[test]
    fn bind_key_errors_name_the_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("options { };", 1, "expected a `key` statement, found \"options\""),
            (
                "key \"k\" {\n algorithm hmac-sha256;\n secret \"AAEC\";\n};\n\nzone x {};",
                6,
                "\"zone\"",
            ),
            (
                "key k {\n algorithm hmac-md5;\n secret \"AAEC\";\n};",
                2,
                "unsupported TSIG algorithm",
            ),
            ("key k {\n algorithm hmac-sha256;\n};", 1, "key k. has no secret"),
            ("key k {\n secret \"AAEC\";\n};", 1, "key k. has no algorithm"),
            (
                "key k {\n algorithm hmac-sha256;\n secret \"A!EC\";\n};",
                3,
                "not valid base64",
            ),
            (
                "key k {\n algorithm hmac-sha256;\n secret \"AAEC\";\n keyid 4;\n};",
                4,
                "found \"keyid\"",
            ),
            (
                "key k {\n algorithm hmac-sha256;\n algorithm hmac-sha1;\n};",
                3,
                "`algorithm` given twice",
            ),
            (
                "key k {\n algorithm hmac-sha256;\n secret \"AAEC\";\n}",
                4,
                "`;` after `}`",
            ),
            ("key k {\n secret \"AAEC;\n};", 2, "unterminated quoted string"),
            ("/* open\n\nkey k {};", 1, "unterminated comment"),
            (
                "key k { algorithm hmac-sha1; secret \"AAEC\"; };\nkey K. { algorithm hmac-sha1; secret \"AAEC\"; };",
                2,
                "key K. given twice",
            ),
            ("key \"a..b\" {};", 1, "bad key name"),
        ];
        for &(text, line, what) in cases {
            match parse_bind_keys(text) {
                Err(e @ TsigKeyError::File { line: l, .. }) => {
                    assert_eq!(l, line, "{text}: {e}");
                    assert!(e.to_string().contains(what), "{text}: {e}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // A misplaced secret is not repeated in the error.
        let e = parse_bind_keys("key k { \"c2VjcmV0\"; };").unwrap_err().to_string();
        assert!(!e.contains("c2VjcmV0"), "{e}");
    }
}
