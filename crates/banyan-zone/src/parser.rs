//! The master-file parser (RFC 1035 §5): `$ORIGIN`, `$TTL` (RFC 2308 §4), `$INCLUDE`,
//! BIND's `$GENERATE`, `@`, relative names, owner/TTL/class carried from earlier records,
//! and every record type `banyan-wire` knows, or the RFC 3597 generic form for any type.
//!
//! Errors name the file, line and column and what was expected. The parser keeps going
//! after an error — a bad record is skipped — and stops after [`ParseOptions::max_errors`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use banyan_wire::text::{parse_ttl, tokenize, Token};
use banyan_wire::{Class, Name, NameError, RData, Record, RecordType, TextError};

use crate::generate::{self, GenerateError};
use crate::lexer::{EntryStart, LexError, Lexer, Pos};

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The initial origin (`$ORIGIN` may change it). Without one, relative names before the
    /// first `$ORIGIN` are errors.
    pub origin: Option<Name>,
    /// TTL for records without one when no `$TTL` or earlier TTL applies.
    pub default_ttl: Option<u32>,
    /// Class for records before the first one that states a class (RFC 1035 §5.1).
    pub default_class: Class,
    /// Stop after this many errors.
    pub max_errors: usize,
    /// Deepest `$INCLUDE` nesting.
    pub max_include_depth: usize,
    /// Whether `$INCLUDE` is honoured (off for zone data from untrusted sources).
    pub allow_include: bool,
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            origin: None,
            default_ttl: None,
            default_class: Class::IN,
            max_errors: 100,
            max_include_depth: 8,
            allow_include: true,
        }
    }
}

/// What is wrong, without where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneErrorKind {
    /// Field splitting failed.
    #[error("{0}")]
    Lex(LexErrorKind),
    /// A name did not parse.
    #[error("bad name {text:?}: {error}")]
    Name {
        /// The text.
        text: String,
        /// Why.
        error: NameError,
    },
    /// RDATA or another field did not parse.
    #[error("{0}")]
    Text(TextError),
    /// A relative name with no `$ORIGIN` in force.
    #[error("relative name {0:?} but no $ORIGIN is known")]
    NoOrigin(String),
    /// A record without an owner and no previous owner to carry over.
    #[error("no owner name, and no previous record to take it from")]
    NoOwner,
    /// A record without a TTL and no `$TTL` or earlier TTL.
    #[error("no TTL, and no $TTL or earlier TTL to use")]
    NoTtl,
    /// A TTL that does not parse.
    #[error("bad TTL {0:?}")]
    BadTtl(String),
    /// A meta class or type (ANY, NONE, OPT, TSIG, TKEY …) in zone data.
    #[error("{0} cannot appear in zone data")]
    Meta(String),
    /// Neither a known type mnemonic nor `TYPEnnn`.
    #[error("unknown record type {0:?}")]
    UnknownType(String),
    /// Missing record type.
    #[error("missing record type")]
    NoType,
    /// A directive that is not `$ORIGIN`, `$TTL`, `$INCLUDE` or `$GENERATE`.
    #[error("unknown directive {0:?}")]
    UnknownDirective(String),
    /// A directive with the wrong number of fields.
    #[error("{0}")]
    DirectiveSyntax(&'static str),
    /// `$INCLUDE` failed.
    #[error("cannot include {path}: {reason}")]
    Include {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// `$INCLUDE` nested deeper than allowed, or including itself.
    #[error("$INCLUDE nested too deep or in a loop")]
    IncludeDepth,
    /// `$INCLUDE` while includes are disabled.
    #[error("$INCLUDE is not allowed here")]
    IncludeDisabled,
    /// `$GENERATE` failed.
    #[error("{0}")]
    Generate(GenerateError),
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(String),
}

/// [`LexError`] as an error kind (kept separate so the lexer has no dependency on this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexErrorKind(pub LexError);

impl fmt::Display for LexErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An error or warning with its place: `file:line:column: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFileError {
    /// The file.
    pub file: Arc<Path>,
    /// Where in it.
    pub pos: Pos,
    /// What.
    pub kind: ZoneErrorKind,
}

impl fmt::Display for ZoneFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.pos.line,
            self.pos.column,
            self.kind
        )
    }
}

impl std::error::Error for ZoneFileError {}

/// Non-fatal findings while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneWarningKind {
    /// A record whose owner was carried over a `$ORIGIN` change (BIND warns: the owner may
    /// not be what the author meant).
    #[error("owner name inherited across $ORIGIN: {0}")]
    OwnerAcrossOrigin(Name),
    /// No TTL anywhere: the SOA's MINIMUM was used, as BIND does.
    #[error("no TTL given; using the SOA MINIMUM {0}")]
    TtlFromSoa(u32),
}

/// A warning with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFileWarning {
    /// The file.
    pub file: Arc<Path>,
    /// Where in it.
    pub pos: Pos,
    /// What.
    pub kind: ZoneWarningKind,
}

impl fmt::Display for ZoneFileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning: {}",
            self.file.display(),
            self.pos.line,
            self.pos.column,
            self.kind
        )
    }
}

/// The outcome of reading a file: how many records, and the errors and warnings.
#[derive(Debug, Default)]
pub struct ParseReport {
    /// Records handed to the sink.
    pub records: usize,
    /// Errors (records skipped). Empty means the file is good.
    pub errors: Vec<ZoneFileError>,
    /// Warnings.
    pub warnings: Vec<ZoneFileWarning>,
    /// True when parsing stopped at `max_errors`.
    pub stopped: bool,
}

impl ParseReport {
    /// True when there were no errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// State that lives across the entries of a file (and into its includes).
struct State {
    origin: Option<Name>,
    last_owner: Option<Name>,
    /// The origin in force when `last_owner` was set, to warn about inheritance across
    /// `$ORIGIN`.
    owner_origin: Option<Name>,
    /// The text `last_owner` was read from, when it was read from an owner field: an owner
    /// written the same way again (as in the root zone, whose every record names its owner)
    /// is then a copy, not a second parse.
    last_owner_text: Option<String>,
    last_ttl: Option<u32>,
    dollar_ttl: Option<u32>,
    class: Option<Class>,
}

/// Reads master files and hands each record to a sink.
pub struct Parser<'o, 's> {
    opts: &'o ParseOptions,
    sink: &'s mut dyn FnMut(Record),
    report: ParseReport,
    include_stack: Vec<PathBuf>,
}

/// Reads the file at `path`; every record goes to `sink`.
pub fn parse_file(path: &Path, opts: &ParseOptions, sink: &mut dyn FnMut(Record)) -> ParseReport {
    let mut p = Parser::new(opts, sink);
    let mut st = State::new(opts);
    p.file(path, &mut st, Pos::default());
    p.report
}

/// Reads master-file `text`; `path` names it in messages and anchors relative includes.
pub fn parse_str(text: &str, path: &Path, opts: &ParseOptions, sink: &mut dyn FnMut(Record)) -> ParseReport {
    let mut p = Parser::new(opts, sink);
    let mut st = State::new(opts);
    let file: Arc<Path> = Arc::from(path);
    p.text(text, &file, &mut st);
    p.report
}

impl State {
    fn new(opts: &ParseOptions) -> State {
        State {
            origin: opts.origin.clone(),
            last_owner: None,
            owner_origin: None,
            last_owner_text: None,
            last_ttl: None,
            dollar_ttl: None,
            class: None,
        }
    }
}

impl<'o, 's> Parser<'o, 's> {
    fn new(opts: &'o ParseOptions, sink: &'s mut dyn FnMut(Record)) -> Parser<'o, 's> {
        Parser {
            opts,
            sink,
            report: ParseReport::default(),
            include_stack: Vec::new(),
        }
    }

    fn error(&mut self, file: &Arc<Path>, pos: Pos, kind: ZoneErrorKind) {
        if self.report.errors.len() >= self.opts.max_errors {
            self.report.stopped = true;
            return;
        }
        self.report.errors.push(ZoneFileError {
            file: file.clone(),
            pos,
            kind,
        });
        if self.report.errors.len() >= self.opts.max_errors {
            self.report.stopped = true;
        }
    }

    fn file(&mut self, path: &Path, st: &mut State, at: Pos) {
        let file: Arc<Path> = Arc::from(path);
        if self.include_stack.len() > self.opts.max_include_depth {
            self.error(&file, at, ZoneErrorKind::IncludeDepth);
            return;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.include_stack.contains(&canonical) {
            self.error(&file, at, ZoneErrorKind::IncludeDepth);
            return;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.error(&file, at, ZoneErrorKind::Io(e.to_string()));
                return;
            }
        };
        self.include_stack.push(canonical);
        match String::from_utf8(bytes) {
            Ok(text) => self.text(&text, &file, st),
            Err(e) => {
                // Master files are octets, not UTF-8. Octets that are not UTF-8 mean the same
                // as their `\DDD` escapes in names and strings, so rewrite them that way.
                let text = escape_non_utf8(e.as_bytes());
                self.text(&text, &file, st);
            }
        }
        self.include_stack.pop();
    }

    fn text(&mut self, text: &str, file: &Arc<Path>, st: &mut State) {
        let mut lexer = Lexer::new(text);
        let mut tokens: Vec<Token<'_>> = Vec::with_capacity(16);
        let mut positions: Vec<Pos> = Vec::with_capacity(16);
        loop {
            if self.report.stopped {
                return;
            }
            match lexer.next_entry(&mut tokens, &mut positions) {
                Ok(None) => return,
                Ok(Some(start)) => {
                    if let Err((pos, kind)) = self.entry(&tokens, &positions, start, file, st) {
                        self.error(file, pos, kind);
                    }
                }
                Err((pos, e)) => self.error(file, pos, ZoneErrorKind::Lex(LexErrorKind(e))),
            }
        }
    }

    fn entry(
        &mut self,
        tokens: &[Token<'_>],
        pos: &[Pos],
        start: EntryStart,
        file: &Arc<Path>,
        st: &mut State,
    ) -> Result<(), (Pos, ZoneErrorKind)> {
        let first = tokens[0];
        if !start.blank_owner && !first.quoted && first.text.starts_with('$') {
            return self.directive(tokens, pos, file, st);
        }
        let (owner, rest, rest_pos) = if start.blank_owner {
            let Some(owner) = st.last_owner.clone() else {
                return Err((start.pos, ZoneErrorKind::NoOwner));
            };
            if !same_origin(&st.owner_origin, &st.origin) {
                self.report.warnings.push(ZoneFileWarning {
                    file: file.clone(),
                    pos: start.pos,
                    kind: ZoneWarningKind::OwnerAcrossOrigin(owner.clone()),
                });
                st.owner_origin = st.origin.clone();
                st.last_owner_text = None;
            }
            (owner, tokens, pos)
        } else {
            let repeated =
                same_origin(&st.owner_origin, &st.origin) && st.last_owner_text.as_deref() == Some(first.text);
            let owner = match (&st.last_owner, repeated) {
                (Some(last), true) => last.clone(),
                _ => {
                    let owner = name(first.text, st.origin.as_ref()).map_err(|k| (pos[0], k))?;
                    st.last_owner = Some(owner.clone());
                    let text = st.last_owner_text.get_or_insert_with(String::new);
                    text.clear();
                    text.push_str(first.text);
                    // Cloning only on a change keeps an allocation off every record.
                    if !same_origin(&st.owner_origin, &st.origin) {
                        st.owner_origin = st.origin.clone();
                    }
                    owner
                }
            };
            (owner, &tokens[1..], &pos[1..])
        };
        let record = self.record(owner, rest, rest_pos, start.pos, file, st)?;
        self.emit(record);
        Ok(())
    }

    fn emit(&mut self, record: Record) {
        self.report.records += 1;
        (self.sink)(record);
    }

    /// TTL, class, type and RDATA after the owner.
    fn record(
        &mut self,
        owner: Name,
        tokens: &[Token<'_>],
        pos: &[Pos],
        entry_pos: Pos,
        file: &Arc<Path>,
        st: &mut State,
    ) -> Result<Record, (Pos, ZoneErrorKind)> {
        let mut ttl = None;
        let mut class = None;
        let mut i = 0;
        let rtype = loop {
            // `let … else`, not `ok_or`: no error value built and dropped on every field.
            let Some(t) = tokens.get(i) else {
                return Err((entry_pos, ZoneErrorKind::NoType));
            };
            let p = pos[i];
            i += 1;
            if t.quoted {
                return Err((p, ZoneErrorKind::UnknownType(t.text.to_string())));
            }
            if ttl.is_none() && t.text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                ttl = Some(parse_ttl(t.text).ok_or_else(|| (p, ZoneErrorKind::BadTtl(t.text.to_string())))?);
            } else if let (None, Some(c)) = (class, Class::from_mnemonic(t.text)) {
                class = Some(c);
                if matches!(c, Class::ANY | Class::NONE) {
                    return Err((p, ZoneErrorKind::Meta(c.to_string())));
                }
            } else if let Some(rt) = RecordType::from_mnemonic(t.text) {
                if rt.is_meta() {
                    return Err((p, ZoneErrorKind::Meta(rt.to_string())));
                }
                break rt;
            } else {
                return Err((p, ZoneErrorKind::UnknownType(t.text.to_string())));
            }
        };
        // RFC 1035 §5.1: an omitted class is the last one stated. Whether the classes agree
        // is the zone's concern (`Zone::insert`), not the scanner's, as in Knot's scanner.
        let class = match class {
            Some(c) => {
                st.class = Some(c);
                c
            }
            None => st.class.unwrap_or(self.opts.default_class),
        };
        let rdata_pos = pos.get(i).copied().unwrap_or(entry_pos);
        let data = RData::from_text(rtype, &tokens[i..], st.origin.as_ref()).map_err(|e| (rdata_pos, text_error(e)))?;
        // Wire RDATA is at most a little longer than its text (a length octet per string or
        // label), so only long text needs the exact length check.
        let text_len: usize = tokens[i..].iter().map(|t| t.text.len() + 2).sum();
        if text_len > 60_000 && data.to_wire().len() > banyan_wire::rdata::MAX_RDATA_LEN {
            return Err((rdata_pos, ZoneErrorKind::Text(TextError::TooLong)));
        }
        let ttl = match ttl {
            Some(t) => {
                st.last_ttl = Some(t);
                t
            }
            None => match st.dollar_ttl.or(st.last_ttl).or(self.opts.default_ttl) {
                Some(t) => t,
                None => match &data {
                    // RFC 1035 zones without $TTL: BIND takes the SOA MINIMUM, with a warning.
                    RData::SOA(soa) => {
                        self.report.warnings.push(ZoneFileWarning {
                            file: file.clone(),
                            pos: entry_pos,
                            kind: ZoneWarningKind::TtlFromSoa(soa.minimum),
                        });
                        st.last_ttl = Some(soa.minimum);
                        soa.minimum
                    }
                    _ => return Err((entry_pos, ZoneErrorKind::NoTtl)),
                },
            },
        };
        Ok(Record {
            name: owner,
            class,
            ttl,
            data,
        })
    }

    fn directive(
        &mut self,
        tokens: &[Token<'_>],
        pos: &[Pos],
        file: &Arc<Path>,
        st: &mut State,
    ) -> Result<(), (Pos, ZoneErrorKind)> {
        let d = tokens[0].text;
        if d.eq_ignore_ascii_case("$ORIGIN") {
            if tokens.len() != 2 {
                return Err((pos[0], ZoneErrorKind::DirectiveSyntax("$ORIGIN takes one name")));
            }
            st.origin = Some(name(tokens[1].text, st.origin.as_ref()).map_err(|k| (pos[1], k))?);
        } else if d.eq_ignore_ascii_case("$TTL") {
            if tokens.len() != 2 {
                return Err((pos[0], ZoneErrorKind::DirectiveSyntax("$TTL takes one TTL")));
            }
            let t = parse_ttl(tokens[1].text).ok_or((pos[1], ZoneErrorKind::BadTtl(tokens[1].text.to_string())))?;
            st.dollar_ttl = Some(t);
        } else if d.eq_ignore_ascii_case("$INCLUDE") {
            if !self.opts.allow_include {
                return Err((pos[0], ZoneErrorKind::IncludeDisabled));
            }
            if !(2..=3).contains(&tokens.len()) {
                return Err((
                    pos[0],
                    ZoneErrorKind::DirectiveSyntax("$INCLUDE takes a file and an optional origin"),
                ));
            }
            let raw = banyan_wire::text::unescape_text(tokens[1].text)
                .ok_or((pos[1], ZoneErrorKind::DirectiveSyntax("bad escape in file name")))?;
            let target = PathBuf::from(String::from_utf8_lossy(&raw).into_owned());
            let target = if target.is_absolute() {
                target
            } else {
                file.parent().unwrap_or(Path::new(".")).join(target)
            };
            if target.is_dir() {
                return Err((
                    pos[1],
                    ZoneErrorKind::Include {
                        path: target.display().to_string(),
                        reason: "is a directory".into(),
                    },
                ));
            }
            let saved_origin = st.origin.clone();
            let saved_owner = st.last_owner.clone();
            let saved_owner_origin = st.owner_origin.clone();
            // RFC 1035 §5.1 reverts origin and owner after the include; Knot also keeps an
            // included file's $TTL from leaking into the including file, and so do we.
            let saved_ttl = st.dollar_ttl;
            if let Some(o) = tokens.get(2) {
                st.origin = Some(name(o.text, st.origin.as_ref()).map_err(|k| (pos[2], k))?);
                st.owner_origin = st.origin.clone();
                st.last_owner_text = None;
            }
            self.file(&target, st, pos[1]);
            // RFC 1035 §5.1: after the included file, origin and current owner revert.
            st.origin = saved_origin;
            st.last_owner = saved_owner;
            st.last_owner_text = None;
            st.owner_origin = saved_owner_origin;
            st.dollar_ttl = saved_ttl;
        } else if d.eq_ignore_ascii_case("$GENERATE") {
            self.generate(tokens, pos, file, st)?;
        } else {
            return Err((pos[0], ZoneErrorKind::UnknownDirective(d.to_string())));
        }
        Ok(())
    }

    fn generate(
        &mut self,
        tokens: &[Token<'_>],
        pos: &[Pos],
        file: &Arc<Path>,
        st: &mut State,
    ) -> Result<(), (Pos, ZoneErrorKind)> {
        if tokens.len() < 4 {
            return Err((
                pos[0],
                ZoneErrorKind::DirectiveSyntax("$GENERATE takes a range, owner, type and data"),
            ));
        }
        let range = generate::Range::parse(tokens[1].text).map_err(|e| (pos[1], ZoneErrorKind::Generate(e)))?;
        // Check the template once before producing anything.
        let mut line = String::new();
        for value in range.values() {
            line.clear();
            for (k, t) in tokens[2..].iter().enumerate() {
                if k > 0 {
                    line.push(' ');
                }
                if t.quoted {
                    line.push('"');
                }
                generate::substitute(t.text, value, &mut line).map_err(|e| (pos[k + 2], ZoneErrorKind::Generate(e)))?;
                if t.quoted {
                    line.push('"');
                }
            }
            let gen_tokens = tokenize(&line).map_err(|e| (pos[0], text_error(e)))?;
            let owner = name(gen_tokens[0].text, st.origin.as_ref()).map_err(|k| (pos[2], k))?;
            let gen_pos = vec![pos[2]; gen_tokens.len()];
            let record = self.record(owner, &gen_tokens[1..], &gen_pos[1..], pos[0], file, st)?;
            self.emit(record);
        }
        Ok(())
    }
}

/// Whether two origins are the same name: equal octets first (the case on every record of a
/// file that keeps its origin), the case-insensitive comparison only when they differ.
fn same_origin(a: &Option<Name>, b: &Option<Name>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.as_wire() == b.as_wire() || a == b,
        (None, None) => true,
        _ => false,
    }
}

/// Parses a name field, refusing relative names when no origin is known.
fn name(text: &str, origin: Option<&Name>) -> Result<Name, ZoneErrorKind> {
    if origin.is_none() && !banyan_wire::name::is_absolute_text(text) {
        return Err(ZoneErrorKind::NoOrigin(text.to_string()));
    }
    Name::parse(text, origin).map_err(|error| ZoneErrorKind::Name {
        text: text.to_string(),
        error,
    })
}

fn text_error(e: TextError) -> ZoneErrorKind {
    match e {
        TextError::Name {
            text,
            error: NameError::NoOrigin,
        } => ZoneErrorKind::NoOrigin(text),
        e => ZoneErrorKind::Text(e),
    }
}

/// Rewrites octets that are not UTF-8 as `\DDD` escapes.
fn escape_non_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, origin: Option<&str>) -> (Vec<Record>, ParseReport) {
        let opts = ParseOptions {
            origin: origin.map(|o| o.parse().unwrap()),
            ..ParseOptions::default()
        };
        let mut records = Vec::new();
        let report = parse_str(text, Path::new("test.zone"), &opts, &mut |r| records.push(r));
        (records, report)
    }

    fn lines(records: &[Record]) -> Vec<String> {
        records.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn directives_owner_and_ttl_inheritance() {
        let (records, report) = parse(
            "$ORIGIN example.com.\n$TTL 1h\n@ IN SOA ns1 host 1 2 3 4 5\n  NS ns1\nwww 60 A 192.0.2.1\n  AAAA ::1\n$ORIGIN sub\nx CNAME www\n",
            None,
        );
        assert!(report.is_ok(), "{:?}", report.errors);
        assert_eq!(
            lines(&records),
            [
                "example.com.\t3600\tIN\tSOA\tns1.example.com. host.example.com. 1 2 3 4 5",
                "example.com.\t3600\tIN\tNS\tns1.example.com.",
                "www.example.com.\t60\tIN\tA\t192.0.2.1",
                "www.example.com.\t3600\tIN\tAAAA\t::1",
                "x.sub.example.com.\t3600\tIN\tCNAME\twww.sub.example.com.",
            ]
        );
    }

    #[test]
    fn a_repeated_owner_text_follows_the_origin() {
        let (records, report) = parse(
            "$TTL 60\nwww A 192.0.2.1\nwww A 192.0.2.2\n$ORIGIN b.\n A 192.0.2.3\nwww A 192.0.2.4\n$ORIGIN c.\nwww A 192.0.2.5\n",
            Some("a."),
        );
        assert!(report.is_ok(), "{:?}", report.errors);
        let owners: Vec<String> = records.iter().map(|r| r.name.to_string()).collect();
        assert_eq!(owners, ["www.a.", "www.a.", "www.a.", "www.b.", "www.c."]);
    }

    #[test]
    fn rfc1035_without_dollar_ttl_uses_last_ttl_and_soa_minimum() {
        let (records, report) = parse(
            "@ IN SOA ns host 1 2 3 4 300\n@ NS ns\n@ 20 A 1.2.3.4\n@ A 1.2.3.5\n",
            Some("ex."),
        );
        assert!(report.is_ok(), "{:?}", report.errors);
        assert_eq!(records.iter().map(|r| r.ttl).collect::<Vec<_>>(), [300, 300, 20, 20]);
        assert_eq!(report.warnings.len(), 1);
        let (_, report) = parse("@ NS ns\n", Some("ex."));
        assert_eq!(report.errors[0].kind, ZoneErrorKind::NoTtl);
    }

    #[test]
    fn errors_carry_position_and_parsing_continues() {
        let (records, report) = parse(
            "$TTL 1\na A 1.2.3\nb A 1.2.3.4\nc BOGUS x\n d\n$FOO\ne TXT \"x\n",
            Some("ex."),
        );
        assert_eq!(records.len(), 1);
        let msgs: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(msgs[0].starts_with("test.zone:2:5: bad IPv4 address"), "{}", msgs[0]);
        assert!(
            msgs[1].starts_with("test.zone:4:3: unknown record type \"BOGUS\""),
            "{}",
            msgs[1]
        );
        assert!(msgs[2].starts_with("test.zone:5:2: "), "{}", msgs[2]);
        assert!(msgs[3].contains("unknown directive"), "{}", msgs[3]);
        assert!(msgs[4].contains("quoted string"), "{}", msgs[4]);
    }

    #[test]
    fn max_errors_stops() {
        let text = "x A bad\n".repeat(50);
        let opts = ParseOptions {
            origin: Some("ex.".parse().unwrap()),
            default_ttl: Some(1),
            max_errors: 3,
            ..ParseOptions::default()
        };
        let report = parse_str(&text, Path::new("t"), &opts, &mut |_| {});
        assert_eq!(report.errors.len(), 3);
        assert!(report.stopped);
    }

    #[test]
    fn meta_types_and_classes_refused() {
        for line in [
            "x 1 ANY A 1.2.3.4",
            "x 1 NONE A 1.2.3.4",
            "x 1 IN TSIG \\# 0",
            "x 1 IN OPT \\# 0",
            "x 1 IN ANY \\# 0",
        ] {
            let (_, report) = parse(line, Some("ex."));
            assert!(matches!(report.errors[0].kind, ZoneErrorKind::Meta(_)), "{line}");
        }
        let (records, report) = parse("x 1 CH A 1.2.3.4\ny 1 A 1.2.3.4\n", Some("ex."));
        assert!(report.is_ok());
        assert_eq!(records[1].class, Class::CH, "the last stated class carries over");
    }

    #[test]
    fn relative_names_need_an_origin() {
        let (_, report) = parse("www 1 A 1.2.3.4\n", None);
        assert!(matches!(report.errors[0].kind, ZoneErrorKind::NoOrigin(_)));
        let (_, report) = parse("www. 1 NS target\n", None);
        assert!(matches!(report.errors[0].kind, ZoneErrorKind::NoOrigin(_)));
        let (records, report) = parse("www. 1 NS target.\n", None);
        assert!(report.is_ok());
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn generate_directive() {
        let (records, report) = parse(
            "$TTL 5\n$GENERATE 1-3 host-$ A 10.0.0.$\n$GENERATE 10-11/1 ${0,3,d}.r PTR h-${-9}.\n",
            Some("ex."),
        );
        assert!(report.is_ok(), "{:?}", report.errors);
        assert_eq!(
            lines(&records),
            [
                "host-1.ex.\t5\tIN\tA\t10.0.0.1",
                "host-2.ex.\t5\tIN\tA\t10.0.0.2",
                "host-3.ex.\t5\tIN\tA\t10.0.0.3",
                "010.r.ex.\t5\tIN\tPTR\th-1.",
                "011.r.ex.\t5\tIN\tPTR\th-2.",
            ]
        );
        let (_, report) = parse("$GENERATE 3-1 x A 1.2.3.4\n", Some("ex."));
        assert!(matches!(report.errors[0].kind, ZoneErrorKind::Generate(_)));
    }

    #[test]
    fn include_with_origin_and_loops() {
        let dir = std::env::temp_dir().join(format!("banyan-zone-include-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("inner.zone"), "a 1 A 192.0.2.1\n").unwrap();
        std::fs::write(dir.join("loop.zone"), "$INCLUDE loop.zone\n").unwrap();
        std::fs::write(
            dir.join("main.zone"),
            "$ORIGIN ex.\n$INCLUDE inner.zone sub\nb 1 A 192.0.2.2\n$INCLUDE loop.zone\n",
        )
        .unwrap();
        let mut records = Vec::new();
        let report = parse_file(&dir.join("main.zone"), &ParseOptions::default(), &mut |r| {
            records.push(r)
        });
        assert_eq!(
            lines(&records),
            ["a.sub.ex.\t1\tIN\tA\t192.0.2.1", "b.ex.\t1\tIN\tA\t192.0.2.2"]
        );
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].kind, ZoneErrorKind::IncludeDepth);
        let report = parse_file(&dir.join("missing.zone"), &ParseOptions::default(), &mut |_| {});
        assert!(matches!(report.errors[0].kind, ZoneErrorKind::Io(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn non_utf8_octets_become_escapes() {
        let mut records = Vec::new();
        let opts = ParseOptions {
            origin: Some("ex.".parse().unwrap()),
            ..ParseOptions::default()
        };
        let dir = std::env::temp_dir().join(format!("banyan-zone-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("z"), b"a\xff 1 TXT \"\xfe\"\n").unwrap();
        let report = parse_file(&dir.join("z"), &opts, &mut |r| records.push(r));
        assert!(report.is_ok(), "{:?}", report.errors);
        assert_eq!(records[0].name.as_wire(), b"\x02a\xff\x02ex\x00");
        assert_eq!(records[0].data.to_wire(), b"\x01\xfe");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
