//! Owned questions and resource records (RFC 1035 §4.1.2, §4.1.3) and their presentation
//! form (RFC 1035 §5.1).

use std::fmt;

use crate::error::TextError;
use crate::name::Name;
use crate::rdata::RData;
use crate::text::{parse_ttl, tokenize, Token};
use crate::types::{Class, RecordType};

/// A question: the name, type and class asked about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// QNAME.
    pub qname: Name,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
}

impl fmt::Display for Question {
    /// `dig`'s question line: `;NAME`, class and type separated by tabs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ";{}\t\t{}\t{}", self.qname, self.qclass, self.qtype)
    }
}

/// A resource record. Its type is the type of its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name.
    pub name: Name,
    /// The class.
    pub class: Class,
    /// Time to live, in seconds.
    pub ttl: u32,
    /// The typed data.
    pub data: RData,
}

impl Record {
    /// The record type.
    pub fn rtype(&self) -> RecordType {
        self.data.rtype()
    }

    /// Parses one record in the fully written presentation form
    /// `OWNER [TTL] [CLASS] TYPE RDATA` (TTL and CLASS in either order, as RFC 1035 §5.1
    /// allows). Relative names are completed with `origin`; a missing TTL is `default_ttl`
    /// and a missing class is IN. Directives and owner inheritance are the zone-file
    /// parser's business (`banyan-zone`).
    pub fn from_text(line: &str, origin: Option<&Name>, default_ttl: Option<u32>) -> Result<Record, TextError> {
        let tokens = tokenize(line)?;
        Record::from_tokens(&tokens, origin, default_ttl)
    }

    /// As [`Record::from_text`], from tokens already split.
    pub fn from_tokens(
        tokens: &[Token<'_>],
        origin: Option<&Name>,
        default_ttl: Option<u32>,
    ) -> Result<Record, TextError> {
        let (owner, rest) = tokens.split_first().ok_or(TextError::Missing("owner name"))?;
        let name = Name::parse(owner.text, origin).map_err(|error| TextError::Name {
            text: owner.text.to_string(),
            error,
        })?;
        let mut ttl = None;
        let mut class = None;
        let mut i = 0;
        let rtype = loop {
            let t = rest.get(i).ok_or(TextError::Missing("record type"))?;
            i += 1;
            if ttl.is_none() && t.text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                ttl = Some(parse_ttl(t.text).ok_or_else(|| TextError::bad("TTL", t.text))?);
            } else if let (None, Some(c)) = (class, Class::from_mnemonic(t.text)) {
                class = Some(c);
            } else if let Some(rt) = RecordType::from_mnemonic(t.text) {
                break rt;
            } else {
                return Err(TextError::bad("record type", t.text));
            }
        };
        let ttl = ttl.or(default_ttl).ok_or(TextError::Missing("TTL"))?;
        let data = RData::from_text(rtype, &rest[i..], origin)?;
        Ok(Record {
            name,
            class: class.unwrap_or(Class::IN),
            ttl,
            data,
        })
    }
}

impl fmt::Display for Record {
    /// `dig`'s layout: owner, TTL, class, type and RDATA separated by tabs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.name,
            self.ttl,
            self.class,
            self.rtype(),
            self.data
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1035_section_5_1_field_orders() {
        let origin: Name = "example.".parse().unwrap();
        for line in [
            "www 300 IN A 192.0.2.1",
            "www IN 300 A 192.0.2.1",
            "www.example. 5m A 192.0.2.1",
        ] {
            let r = Record::from_text(line, Some(&origin), None).unwrap();
            assert_eq!(r.to_string(), "www.example.\t300\tIN\tA\t192.0.2.1", "{line}");
        }
        let r = Record::from_text("host CH TXT \"x\"", Some(&origin), Some(60)).unwrap();
        assert_eq!((r.class, r.ttl), (Class::CH, 60));
        let r = Record::from_text("x 1 CLASS32 TYPE731 \\# 1 00", None, None).unwrap();
        assert_eq!(r.to_string(), "x.\t1\tCLASS32\tTYPE731\t\\# 1 00");
        assert!(Record::from_text("www A 192.0.2.1", Some(&origin), None).is_err());
        assert!(Record::from_text("www 300 IN BOGUS x", Some(&origin), None).is_err());
        assert!(Record::from_text("www 300 IN A", Some(&origin), None).is_err());
    }
}
