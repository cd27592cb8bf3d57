//! The query file, in dnsperf's format, and the queries it encodes to.
//!
//! One question per line, `NAME TYPE` separated by white space (`TYPE` may be left out: `A`,
//! as dnsperf does); blank lines and lines starting with `#` are skipped. Names are in
//! presentation form (RFC 1035 §5.1), taken as absolute with or without the final dot; types
//! are mnemonics (`A`, `AAAA`, `MX`, …) or the RFC 3597 §5 form `TYPEnnn`.
//!
//! Every query is encoded once, before the run, as dnsperf sends it: opcode QUERY, RD set
//! (dnsperf's default), class IN, and with `-e` an OPT record advertising 1232 octets
//! (RFC 6891 §6.2.3, RFC 9715). The ID is left 0 and set per datagram.

use std::path::{Path, PathBuf};

use banyan_wire::edns::Edns;
use banyan_wire::header::HEADER_LEN;
use banyan_wire::{Class, Header, MessageBuilder, Name, RecordType};
use thiserror::Error;

use crate::mmsg::MAX_QUERY_LEN;

/// EDNS UDP payload size advertised with `-e` (RFC 9715's recommendation for avoiding
/// fragmentation; what dnsperf-era tools now default to).
pub const EDNS_PAYLOAD: u16 = 1232;

/// How the queries are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// Adds an OPT record (RFC 6891 §6.1.1) with [`EDNS_PAYLOAD`]; off by default, as in
    /// dnsperf without `-e`.
    pub edns: bool,
}

/// One encoded query: the whole datagram with ID 0, and where its question ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    wire: Vec<u8>,
    /// Offset just past QTYPE and QCLASS (RFC 1035 §4.1.2).
    question_end: usize,
    /// Length of QNAME in wire form, so the name is compared apart from type and class.
    name_len: usize,
}

impl Query {
    /// Encodes a question as dnsperf would send it (see the module documentation).
    pub fn new(name: &Name, qtype: RecordType, options: QueryOptions) -> Result<Query, QueryError> {
        let header = Header {
            rd: true,
            ..Header::default()
        };
        let mut wire = Vec::with_capacity(64);
        let mut builder = MessageBuilder::new(&mut wire, header);
        builder
            .question(name, qtype, Class::IN)
            .map_err(|_| QueryError::TooLong)?;
        if options.edns {
            let edns = Edns {
                udp_payload_size: EDNS_PAYLOAD,
                ..Edns::default()
            };
            builder.edns(&edns).map_err(|_| QueryError::TooLong)?;
        }
        builder.finish();
        if wire.len() > MAX_QUERY_LEN {
            return Err(QueryError::TooLong);
        }
        let name_len = name.as_wire().len();
        Ok(Query {
            wire,
            question_end: HEADER_LEN + name_len + 4,
            name_len,
        })
    }

    /// The datagram, with message ID 0.
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// Whether `reply` carries this query's question: exactly one question, the same name
    /// (ASCII case-insensitively: RFC 4343 §3, a server may answer in another case, though
    /// it should copy ours) and the same type and class. The reply's name is compared as
    /// sent, uncompressed: nothing precedes the question for a pointer to refer to.
    pub fn matches_question(&self, reply: &[u8]) -> bool {
        let qdcount = reply.get(4..6).map(|c| u16::from_be_bytes([c[0], c[1]]));
        if qdcount != Some(1) {
            return false;
        }
        let Some(theirs) = reply.get(HEADER_LEN..self.question_end) else {
            return false;
        };
        let ours = &self.wire[HEADER_LEN..self.question_end];
        let (their_name, their_rest) = theirs.split_at(self.name_len);
        let (our_name, our_rest) = ours.split_at(self.name_len);
        their_name.eq_ignore_ascii_case(our_name) && their_rest == our_rest
    }
}

/// Why a question could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query would exceed [`MAX_QUERY_LEN`] octets.
    #[error("query longer than {MAX_QUERY_LEN} octets")]
    TooLong,
}

/// What is wrong with a query file, with the line it is on.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum QueryFileError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The name on a line is not a domain name.
    #[error("line {line}: bad name {text:?}: {source}")]
    Name {
        /// 1-based line number.
        line: usize,
        /// The name as written.
        text: String,
        /// What is wrong with it.
        source: banyan_wire::NameError,
    },
    /// The type on a line is neither a known mnemonic nor `TYPEnnn`.
    #[error("line {line}: unknown query type {text:?}")]
    UnknownType {
        /// 1-based line number.
        line: usize,
        /// The type as written.
        text: String,
    },
    /// A line has more than a name and a type.
    #[error("line {line}: expected NAME TYPE, found more")]
    ExtraFields {
        /// 1-based line number.
        line: usize,
    },
    /// A line's question cannot be encoded.
    #[error("line {line}: {source}")]
    Encode {
        /// 1-based line number.
        line: usize,
        /// Why.
        source: QueryError,
    },
    /// The file holds no question at all.
    #[error("no queries in the file")]
    Empty,
}

/// Parses a whole query file's text into encoded queries, in file order.
pub fn parse_queries(text: &str, options: QueryOptions) -> Result<Vec<Query>, QueryFileError> {
    let mut queries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut fields = trimmed.split_ascii_whitespace();
        let (Some(name_text), type_text) = (fields.next(), fields.next()) else {
            continue;
        };
        if fields.next().is_some() {
            return Err(QueryFileError::ExtraFields { line });
        }
        let name = Name::parse(name_text, None).map_err(|source| QueryFileError::Name {
            line,
            text: name_text.to_owned(),
            source,
        })?;
        let qtype = match type_text {
            None => RecordType::A,
            Some(t) => RecordType::from_mnemonic(t).ok_or_else(|| QueryFileError::UnknownType {
                line,
                text: t.to_owned(),
            })?,
        };
        let query = Query::new(&name, qtype, options).map_err(|source| QueryFileError::Encode { line, source })?;
        queries.push(query);
    }
    if queries.is_empty() {
        return Err(QueryFileError::Empty);
    }
    Ok(queries)
}

/// Reads and parses a query file.
pub fn read_query_file(path: &Path, options: QueryOptions) -> Result<Vec<Query>, QueryFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| QueryFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_queries(&text, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: QueryOptions = QueryOptions { edns: false };

    #[test]
    fn good_lines_comments_and_blank_lines() -> Result<(), QueryFileError> {
        let text = "# a comment\n\nhost1.bench.test. A\n  www.example AAAA  \nexample.org\t MX\n\
                    # another\nx.test TYPE65280\nlower.test txt\nbare.test\n";
        let queries = parse_queries(text, PLAIN)?;
        assert_eq!(queries.len(), 6);
        let q = &queries[0];
        // ID 0, flags: QR=0, opcode QUERY, RD=1 (dnsperf's default); one question.
        assert_eq!(&q.wire()[..12], &[0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        let name = b"\x05host1\x05bench\x04test\x00";
        assert_eq!(&q.wire()[12..12 + name.len()], name);
        assert_eq!(&q.wire()[12 + name.len()..], &[0, 1, 0, 1]);
        // A relative name is taken as absolute, like dnsperf and dig.
        assert!(queries[1].wire().ends_with(b"\x03www\x07example\x00\x00\x1c\x00\x01"));
        assert!(queries[2].wire().ends_with(&[0, 15, 0, 1]));
        assert!(queries[3].wire().ends_with(&[0xff, 0x00, 0, 1]));
        assert!(
            queries[4].wire().ends_with(&[0, 16, 0, 1]),
            "mnemonics are case-insensitive"
        );
        assert!(queries[5].wire().ends_with(&[0, 1, 0, 1]), "no type means A");
        Ok(())
    }

    #[test]
    fn every_mnemonic_the_bench_needs() -> Result<(), QueryFileError> {
        let types = [
            ("A", 1),
            ("NS", 2),
            ("CNAME", 5),
            ("SOA", 6),
            ("PTR", 12),
            ("MX", 15),
            ("TXT", 16),
            ("AAAA", 28),
            ("SRV", 33),
            ("ANY", 255),
            ("TYPE99", 99),
        ];
        for (text, value) in types {
            let queries = parse_queries(&format!("a.test {text}\n"), PLAIN)?;
            let wire = queries[0].wire();
            assert_eq!(
                &wire[wire.len() - 4..wire.len() - 2],
                &u16::to_be_bytes(value),
                "{text}"
            );
        }
        Ok(())
    }

    #[test]
    fn unknown_type_is_refused_with_its_line() {
        let text = "a.test A\n# comment\nb.test BOGUS\n";
        match parse_queries(text, PLAIN) {
            Err(QueryFileError::UnknownType { line, text }) => {
                assert_eq!(line, 3);
                assert_eq!(text, "BOGUS");
            }
            other => panic!("expected an unknown type on line 3, got {other:?}"),
        }
        let message = parse_queries(text, PLAIN).map(|_| ()).err().map(|e| e.to_string());
        assert_eq!(message.as_deref(), Some("line 3: unknown query type \"BOGUS\""));
    }

    #[test]
    fn bad_lines_are_refused() {
        assert!(matches!(
            parse_queries("a.test A extra\n", PLAIN),
            Err(QueryFileError::ExtraFields { line: 1 })
        ));
        assert!(matches!(
            parse_queries("ok.test A\na..test A\n", PLAIN),
            Err(QueryFileError::Name { line: 2, .. })
        ));
        assert!(matches!(
            parse_queries("# nothing\n\n", PLAIN),
            Err(QueryFileError::Empty)
        ));
    }

    #[test]
    fn edns_adds_an_opt_record() -> Result<(), QueryFileError> {
        let queries = parse_queries("a.test A\n", QueryOptions { edns: true })?;
        let wire = queries[0].wire();
        assert_eq!(&wire[10..12], &[0, 1], "ARCOUNT 1");
        // Root owner, type OPT (41), class = payload size 1232, TTL 0, RDLENGTH 0.
        assert_eq!(&wire[wire.len() - 11..], &[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
        Ok(())
    }

    #[test]
    fn question_matching() -> Result<(), QueryFileError> {
        let queries = parse_queries("Host.test A\nhost.test AAAA\n", PLAIN)?;
        let mut reply = queries[0].wire().to_vec();
        reply[2] |= 0x80;
        assert!(queries[0].matches_question(&reply));
        reply[13] = b'h';
        assert!(queries[0].matches_question(&reply), "case differs only");
        assert!(!queries[1].matches_question(&reply), "another type");
        assert!(!queries[0].matches_question(&reply[..20]), "cut short");
        reply[5] = 0;
        assert!(!queries[0].matches_question(&reply), "no question");
        Ok(())
    }
}
