//! Types whose data is text: URI (RFC 7553). The TXT-like types WALLET, RESINFO, AVC and
//! NINFO share [`super::Txt`].

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::text::{fmt_character_string, unescape_text, Fields};
use crate::wire::{Reader, WireSink};

/// Uniform resource identifier (RFC 7553 §4).
///
/// Wire format: PRIORITY (16 bits), WEIGHT (16 bits), TARGET (the rest: the URI's octets,
/// at least one, not a `<character-string>`). Presentation (RFC 7553 §4.4): the numbers and
/// the target as a quoted string of any length.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Uri {
    /// Lower is preferred.
    pub priority: u16,
    /// Relative weight among equal priorities.
    pub weight: u16,
    /// The URI (RFC 3986).
    pub target: Vec<u8>,
}

impl RecordData for Uri {
    fn parse(r: &mut Reader<'_>) -> Result<Uri, RdataError> {
        let priority = r.u16()?;
        let weight = r.u16()?;
        let target = r.rest();
        if target.is_empty() {
            return Err(RdataError::Short);
        }
        Ok(Uri {
            priority,
            weight,
            target: target.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.priority);
        s.put_u16(self.weight);
        s.put(&self.target);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.priority, self.weight)?;
        fmt_character_string(&self.target, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Uri, TextError> {
        let priority = fields.int("priority")?;
        let weight = fields.int("weight")?;
        let t = fields.str("target")?;
        let target = unescape_text(t).ok_or_else(|| TextError::bad("target", t))?;
        if target.is_empty() {
            return Err(TextError::bad("target (empty)", t));
        }
        Ok(Uri {
            priority,
            weight,
            target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::types::RecordType;

    #[test]
    fn rfc7553_section_4_4_uri() {
        // RFC 7553 §4.4: `_ftp._tcp IN URI 10 1 "ftp://ftp1.example.com/public"`
        check(
            RecordType::URI,
            "10 1 \"ftp://ftp1.example.com/public\"",
            "10 1 \"ftp://ftp1.example.com/public\"",
            b"\x00\x0a\x00\x01ftp://ftp1.example.com/public",
        );
        let long = "1".repeat(300);
        let mut wire = b"\x00\x00\x00\x00".to_vec();
        wire.extend_from_slice(long.as_bytes());
        check(
            RecordType::URI,
            &format!("0 0 {long}"),
            &format!("0 0 \"{long}\""),
            &wire,
        );
        check(
            RecordType::URI,
            r#"1 2 "a\"b""#,
            r#"1 2 "a\"b""#,
            b"\x00\x01\x00\x02a\"b",
        );
        refuse(RecordType::URI, "0 0 \"\"");
        refuse(RecordType::URI, "65536 0 a");
        refuse(RecordType::URI, "0 0 a a");
        refuse(RecordType::URI, "0 0");
        assert!(RData::parse(RecordType::URI, b"\0\0\0\0", 0, 4).is_err());
    }

    #[test]
    fn txt_like_types() {
        // RFC 9606 §3 example for RESINFO.
        check(
            RecordType::RESINFO,
            "qnamemin exterr=15,16,17 infourl=https://resolver.example.com/guide",
            "\"qnamemin\" \"exterr=15,16,17\" \"infourl=https://resolver.example.com/guide\"",
            b"\x08qnamemin\x0fexterr=15,16,17\x2ainfourl=https://resolver.example.com/guide",
        );
        check(
            RecordType::WALLET,
            "\"\" \"test1\" \"\\255\" test2",
            "\"\" \"test1\" \"\\255\" \"test2\"",
            b"\x00\x05test1\x01\xff\x05test2",
        );
        check(
            RecordType::AVC,
            "\"app-name:WOLFGANG|app-class:OAM|business=yes\"",
            "\"app-name:WOLFGANG|app-class:OAM|business=yes\"",
            b"\x2capp-name:WOLFGANG|app-class:OAM|business=yes",
        );
        check(RecordType::NINFO, "\"zone is ok\"", "\"zone is ok\"", b"\x0azone is ok");
        refuse(RecordType::WALLET, "");
        refuse(RecordType::RESINFO, "");
        // Like TXT, a string over 255 octets is split (see `Txt::from_text`).
        let split = RData::from_text(
            RecordType::AVC,
            &crate::text::tokenize(&format!("\"{}\"", "a".repeat(256))).unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(split.to_wire().len(), 258);
    }
}
