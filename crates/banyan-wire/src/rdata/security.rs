//! Records that pin certificates and keys to names: CAA (RFC 8659), SSHFP (RFC 4255) and
//! TLSA (RFC 6698).

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::text::{fmt_character_string, hex_encode, unescape_text, Fields};
use crate::wire::{Reader, WireSink};

/// Certification authority authorization (RFC 8659 §4.1).
///
/// Wire format: flags (8 bits; bit 0 Issuer Critical), tag length (8 bits), tag (1 to 15
/// ASCII letters and digits; up to 15 recommended), value (the rest of the RDATA, any length). Presentation:
/// `FLAGS TAG "VALUE"` (RFC 8659 §4.1.1), the value a quoted string that may exceed 255
/// octets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Caa {
    /// Flags; 128 marks the property critical.
    pub flags: u8,
    /// The property tag (`issue`, `issuewild`, `iodef`, …), as written.
    pub tag: Vec<u8>,
    /// The property value.
    pub value: Vec<u8>,
}

/// RFC 8659 §4.1: a tag has at least one octet and SHOULD have no more than 15, so longer
/// ones are accepted (as Knot accepts them); characters other than letters and digits are
/// refused, as BIND refuses them.
fn caa_tag_ok(tag: &[u8]) -> bool {
    (1..=255).contains(&tag.len()) && tag.iter().all(u8::is_ascii_alphanumeric)
}

impl RecordData for Caa {
    fn parse(r: &mut Reader<'_>) -> Result<Caa, RdataError> {
        let flags = r.u8()?;
        let tag = r.character_string()?.to_vec();
        if !caa_tag_ok(&tag) {
            return Err(RdataError::Invalid);
        }
        Ok(Caa {
            flags,
            tag,
            value: r.rest().to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.flags);
        s.put_character_string(&self.tag);
        s.put(&self.value);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.flags, String::from_utf8_lossy(&self.tag))?;
        fmt_character_string(&self.value, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Caa, TextError> {
        let flags = fields.int("flags")?;
        let tag_text = fields.str("tag")?;
        if !caa_tag_ok(tag_text.as_bytes()) {
            return Err(TextError::bad("tag (letters and digits)", tag_text));
        }
        let v = fields.token("value")?;
        let value = unescape_text(v.text).ok_or_else(|| TextError::bad("value", v.text))?;
        if value.len() > 65535 - 2 - tag_text.len() {
            return Err(TextError::TooLong);
        }
        Ok(Caa {
            flags,
            tag: tag_text.as_bytes().to_vec(),
            value,
        })
    }
}

/// SSH key fingerprint (RFC 4255 §3.1).
///
/// Wire format: key algorithm (8 bits), fingerprint type (8 bits; 1 SHA-1, 2 SHA-256 from
/// RFC 6594), fingerprint (the rest; exactly the hash's length for those two types).
/// Presentation: `ALG TYPE HEX`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sshfp {
    /// The SSH key algorithm (1 RSA, 2 DSA, 3 ECDSA, 4 Ed25519, …).
    pub algorithm: u8,
    /// The hash used for the fingerprint.
    pub fingerprint_type: u8,
    /// The fingerprint.
    pub fingerprint: Vec<u8>,
}

/// True when a field of `len` octets fits a hash whose length is `known` (when the type is
/// known); any field needs at least one octet, as an empty one has no presentation form.
fn hash_len_ok(known: Option<usize>, len: usize) -> bool {
    len > 0 && known.is_none_or(|n| n == len)
}

/// SSHFP fingerprint lengths: SHA-1 (RFC 4255 §3.1.2) and SHA-256 (RFC 6594 §3).
fn sshfp_len(fingerprint_type: u8) -> Option<usize> {
    match fingerprint_type {
        1 => Some(20),
        2 => Some(32),
        _ => None,
    }
}

/// TLSA association data lengths: SHA-256 and SHA-512 (RFC 6698 §2.1.3).
fn tlsa_len(matching_type: u8) -> Option<usize> {
    match matching_type {
        1 => Some(32),
        2 => Some(64),
        _ => None,
    }
}

impl RecordData for Sshfp {
    fn parse(r: &mut Reader<'_>) -> Result<Sshfp, RdataError> {
        let algorithm = r.u8()?;
        let fingerprint_type = r.u8()?;
        let fingerprint = r.rest().to_vec();
        if !hash_len_ok(sshfp_len(fingerprint_type), fingerprint.len()) {
            return Err(RdataError::Invalid);
        }
        Ok(Sshfp {
            algorithm,
            fingerprint_type,
            fingerprint,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.algorithm);
        s.put_u8(self.fingerprint_type);
        s.put(&self.fingerprint);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.algorithm,
            self.fingerprint_type,
            hex_encode(&self.fingerprint)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Sshfp, TextError> {
        let algorithm = fields.int("algorithm")?;
        let fingerprint_type = fields.int("fingerprint type")?;
        let fingerprint = fields.hex_rest("fingerprint")?;
        if !hash_len_ok(sshfp_len(fingerprint_type), fingerprint.len()) {
            return Err(TextError::bad(
                "fingerprint (wrong length for its type)",
                &hex_encode(&fingerprint),
            ));
        }
        Ok(Sshfp {
            algorithm,
            fingerprint_type,
            fingerprint,
        })
    }
}

/// TLS certificate association (RFC 6698 §2.1).
///
/// Wire format: certificate usage, selector and matching type (8 bits each), then the
/// certificate association data (the rest; 32 octets for matching type 1, SHA-256, and 64
/// for type 2, SHA-512). Presentation: `USAGE SELECTOR MATCHING HEX` (RFC 6698 §2.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Tlsa {
    /// How the association is used (0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE).
    pub usage: u8,
    /// Which part of the certificate is matched (0 full certificate, 1 public key).
    pub selector: u8,
    /// How it is matched (0 exact, 1 SHA-256, 2 SHA-512).
    pub matching_type: u8,
    /// The certificate association data.
    pub data: Vec<u8>,
}

impl RecordData for Tlsa {
    fn parse(r: &mut Reader<'_>) -> Result<Tlsa, RdataError> {
        let usage = r.u8()?;
        let selector = r.u8()?;
        let matching_type = r.u8()?;
        let data = r.rest().to_vec();
        if !hash_len_ok(tlsa_len(matching_type), data.len()) {
            return Err(RdataError::Invalid);
        }
        Ok(Tlsa {
            usage,
            selector,
            matching_type,
            data,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.usage);
        s.put_u8(self.selector);
        s.put_u8(self.matching_type);
        s.put(&self.data);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.usage,
            self.selector,
            self.matching_type,
            hex_encode(&self.data)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Tlsa, TextError> {
        let usage = fields.int("certificate usage")?;
        let selector = fields.int("selector")?;
        let matching_type = fields.int("matching type")?;
        let data = fields.hex_rest("certificate association data")?;
        if !hash_len_ok(tlsa_len(matching_type), data.len()) {
            return Err(TextError::bad(
                "certificate association data (wrong length)",
                &hex_encode(&data),
            ));
        }
        Ok(Tlsa {
            usage,
            selector,
            matching_type,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::text::{hex_decode, tokenize};
    use crate::types::RecordType;

    fn unhex(s: &str) -> Vec<u8> {
        hex_decode(&s.replace(' ', "")).expect("hex")
    }

    #[test]
    fn rfc8659_section_4_caa_examples() {
        check(
            RecordType::CAA,
            r#"0 issue "ca1.example.net""#,
            r#"0 issue "ca1.example.net""#,
            b"\x00\x05issueca1.example.net",
        );
        check(
            RecordType::CAA,
            r#"0 iodef "mailto:security@example.com""#,
            r#"0 iodef "mailto:security@example.com""#,
            b"\x00\x05iodefmailto:security@example.com",
        );
        check(
            RecordType::CAA,
            r#"128 tbs "Unknown""#,
            r#"128 tbs "Unknown""#,
            b"\x80\x03tbsUnknown",
        );
        check(RecordType::CAA, r#"0 issue ";""#, r#"0 issue ";""#, b"\x00\x05issue;");
        check(
            RecordType::CAA,
            r#"0 issue "ca1.example.net; account=230123""#,
            r#"0 issue "ca1.example.net; account=230123""#,
            b"\x00\x05issueca1.example.net; account=230123",
        );
        // An empty value, and an unquoted one with escapes.
        check(RecordType::CAA, r#"0 issue """#, r#"0 issue """#, b"\x00\x05issue");
        check(
            RecordType::CAA,
            r"0 issuewild x\034y",
            r#"0 issuewild "x\"y""#,
            b"\x00\x09issuewildx\"y",
        );
        // Values may run past 255 octets: the value is the rest of the RDATA.
        let long = "a".repeat(300);
        let rd = RData::from_text(RecordType::CAA, &tokenize(&format!("0 issue {long}")).unwrap(), None).unwrap();
        assert_eq!(rd.to_wire().len(), 2 + 5 + 300);
        refuse(RecordType::CAA, r#"0 "" "x""#);
        refuse(RecordType::CAA, r#"0 is-sue "x""#);
        refuse(RecordType::CAA, &format!(r#"0 {} "x""#, "a".repeat(256)));
        check(
            RecordType::CAA,
            r#"0 abcdefghijklmnop "x""#,
            r#"0 abcdefghijklmnop "x""#,
            b"\x00\x10abcdefghijklmnopx",
        );
        refuse(RecordType::CAA, "256 issue \"x\"");
        refuse(RecordType::CAA, "0 issue");
        refuse(RecordType::CAA, "0 issue \"a\" \"b\"");
        for wire in [&b"\x00\x00"[..], b"\x00\x02i-x", b"\x00\x05iss"] {
            assert!(RData::parse(RecordType::CAA, wire, 0, wire.len()).is_err(), "{wire:?}");
        }
    }

    #[test]
    fn rfc4255_section_3_3_sshfp_example() {
        check(
            RecordType::SSHFP,
            "2 1 123456789abcdef67890123456789abcdef67890",
            "2 1 123456789ABCDEF67890123456789ABCDEF67890",
            &unhex("0201 123456789abcdef67890123456789abcdef67890"),
        );
        check(
            RecordType::SSHFP,
            "4 2 ( 58dd96744e805c4950b3c0817bbbe97a 80af42446ebd458b05f7f8797fb8d806 )",
            "4 2 58DD96744E805C4950B3C0817BBBE97A80AF42446EBD458B05F7F8797FB8D806",
            &unhex("0402 58dd96744e805c4950b3c0817bbbe97a80af42446ebd458b05f7f8797fb8d806"),
        );
        refuse(RecordType::SSHFP, "2 1 123456789abcdef67890123456789abcdef678");
        refuse(RecordType::SSHFP, "2 2 123456789abcdef67890123456789abcdef67890");
        refuse(RecordType::SSHFP, "2 1");
        refuse(RecordType::SSHFP, "2 1 xyz");
    }

    #[test]
    fn rfc6698_section_2_3_tlsa_examples() {
        check(
            RecordType::TLSA,
            "0 0 1 d2abde240d7cd3ee6b4b28c54df034b9 7983a1d16e8a410e4561cb106618e971",
            "0 0 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971",
            &unhex("000001 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"),
        );
        let sha512 = "92003ba34942dc74152e2f2c408d29eca5a520e7f2e06bb944f4dca346baf63c\
                      1b177615d466f6c4b71c216a50292bd58c9ebdd2f74e38fe51ffd48c43326cbc";
        check(
            RecordType::TLSA,
            &format!("( 1 1 2 {} {} )", &sha512[..64], &sha512[64..]),
            &format!("1 1 2 {}", sha512.to_ascii_uppercase()),
            &unhex(&format!("010102 {sha512}")),
        );
        refuse(RecordType::TLSA, "0 0 1 d2abde240d7cd3ee6b4b28c54df034b9");
        refuse(
            RecordType::TLSA,
            "3 1 2 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
        );
        refuse(RecordType::TLSA, "3 1 1");
        refuse(RecordType::TLSA, "3 1 256 00");
    }
}
