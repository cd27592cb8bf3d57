//! The DNSSEC records of RFC 2535 that RFC 3755 replaced: SIG (still used for SIG(0),
//! RFC 2931) and NXT. KEY lives with the other keys in `keys`.

use std::fmt;

use super::keys::{algorithm_from_text, base64_tail};
use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base64_encode, Fields};
use crate::types::RecordType;
use crate::wire::{NameKind, Reader, WireSink};

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count from 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Writes a signature time as `YYYYMMDDHHmmSS` in UTC (RFC 4034 §3.2), reading the 32-bit
/// value as seconds since 1970 (without a clock there is no serial-arithmetic window).
pub(super) struct SigTime(pub u32);

impl fmt::Display for SigTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = i64::from(self.0);
        let (y, mo, d) = civil_from_days(t.div_euclid(86400));
        let s = t.rem_euclid(86400);
        write!(f, "{y:04}{mo:02}{d:02}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// Reads a signature time: `YYYYMMDDHHmmSS` (UTC) or seconds since 1970 as a decimal of at
/// most ten digits (RFC 4034 §3.2). Times past 2106-02-07 do not fit and are refused.
pub(super) fn sig_time_from_text(fields: &mut Fields<'_, '_>, what: &'static str) -> Result<u32, TextError> {
    let s = fields.str(what)?;
    let bad = || TextError::bad(what, s);
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return Err(bad());
    }
    if s.len() != 14 {
        return if s.len() <= 10 {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        };
    }
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().map_err(|_| bad());
    let (y, mo, d, h, mi, se) = (n(0, 4)?, n(4, 6)?, n(6, 8)?, n(8, 10)?, n(10, 12)?, n(12, 14)?);
    let month_days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d < 1 || d > month_days || h > 23 || mi > 59 || se > 59 {
        return Err(bad());
    }
    let t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    u32::try_from(t).map_err(|_| bad())
}

/// Reads a record type: a mnemonic, `TYPEn`, or a bare number (as BIND accepts).
pub(super) fn rtype_from_text(s: &str) -> Option<RecordType> {
    RecordType::from_mnemonic(s).or_else(|| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok().map(RecordType)
        } else {
            None
        }
    })
}

/// Security signature, legacy (RFC 2535 §4.1; RFC 2931 for SIG(0)). Same layout as RRSIG.
///
/// Wire format: TYPE COVERED (16 bits), ALGORITHM (8), LABELS (8), ORIGINAL TTL (32),
/// SIGNATURE EXPIRATION (32), SIGNATURE INCEPTION (32), KEY TAG (16), SIGNER'S NAME
/// (uncompressed; lowercased in canonical form, RFC 4034 §6.2), SIGNATURE (the rest).
/// Presentation: as RRSIG, with times as `YYYYMMDDHHmmSS`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sig {
    /// The type of the RRset signed (0 for SIG(0)).
    pub type_covered: RecordType,
    /// DNSSEC algorithm number.
    pub algorithm: u8,
    /// Labels in the original owner name.
    pub labels: u8,
    /// The TTL of the RRset signed.
    pub original_ttl: u32,
    /// End of validity, seconds since 1970 (serial arithmetic).
    pub expiration: u32,
    /// Start of validity, seconds since 1970 (serial arithmetic).
    pub inception: u32,
    /// Key tag of the signing key.
    pub key_tag: u16,
    /// The zone or host that signed.
    pub signer: Name,
    /// The signature.
    pub signature: Vec<u8>,
}

impl RecordData for Sig {
    fn parse(r: &mut Reader<'_>) -> Result<Sig, RdataError> {
        let sig = Sig {
            type_covered: RecordType(r.u16()?),
            algorithm: r.u8()?,
            labels: r.u8()?,
            original_ttl: r.u32()?,
            expiration: r.u32()?,
            inception: r.u32()?,
            key_tag: r.u16()?,
            signer: parse_name(r, NameKind::Canonical)?,
            signature: r.rest().to_vec(),
        };
        if sig.signature.is_empty() {
            return Err(RdataError::Short);
        }
        Ok(sig)
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.type_covered.0);
        s.put_u8(self.algorithm);
        s.put_u8(self.labels);
        s.put_u32(self.original_ttl);
        s.put_u32(self.expiration);
        s.put_u32(self.inception);
        s.put_u16(self.key_tag);
        s.put_name(&self.signer, NameKind::Canonical);
        s.put(&self.signature);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {} {} {}",
            self.type_covered,
            self.algorithm,
            self.labels,
            self.original_ttl,
            SigTime(self.expiration),
            SigTime(self.inception),
            self.key_tag,
            self.signer,
            base64_encode(&self.signature)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Sig, TextError> {
        let t = fields.str("type covered")?;
        Ok(Sig {
            type_covered: rtype_from_text(t).ok_or_else(|| TextError::bad("type covered", t))?,
            algorithm: algorithm_from_text(fields)?,
            labels: fields.int("labels")?,
            original_ttl: fields.ttl("original TTL")?,
            expiration: sig_time_from_text(fields, "signature expiration")?,
            inception: sig_time_from_text(fields, "signature inception")?,
            key_tag: fields.int("key tag")?,
            signer: fields.name("signer's name")?,
            signature: base64_tail(fields, "signature", true)?,
        })
    }
}

/// The largest NXT bit map: types 0–127 (RFC 2535 §5.2).
const NXT_MAX_BITMAP: usize = 16;

/// Next domain, legacy (RFC 2535 §5).
///
/// Wire format: NEXT DOMAIN NAME (uncompressed; lowercased in canonical form, RFC 4034
/// §6.2), TYPE BIT MAP (one bit per type 1–127, at most 16 octets, no trailing zero
/// octet, bit 0 clear). Presentation: the name, then the types present.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nxt {
    /// The next name in the zone's canonical order.
    pub next: Name,
    /// The bit map as on the wire.
    pub bitmap: Vec<u8>,
}

impl RecordData for Nxt {
    fn parse(r: &mut Reader<'_>) -> Result<Nxt, RdataError> {
        let next = parse_name(r, NameKind::Canonical)?;
        let bitmap = r.rest();
        if bitmap.len() > NXT_MAX_BITMAP || bitmap.last() == Some(&0) || bitmap.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(RdataError::Invalid);
        }
        Ok(Nxt {
            next,
            bitmap: bitmap.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_name(&self.next, NameKind::Canonical);
        s.put(&self.bitmap);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.next)?;
        for (i, &b) in self.bitmap.iter().enumerate() {
            for bit in 0..8u16 {
                if b & (0x80 >> bit) != 0 {
                    write!(f, " {}", RecordType((i * 8 + usize::from(bit)) as u16))?;
                }
            }
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Nxt, TextError> {
        let next = fields.name("next domain name")?;
        let mut bitmap = Vec::new();
        while !fields.is_empty() {
            let s = fields.str("record type")?;
            let t = rtype_from_text(s)
                .filter(|t| (1..128).contains(&t.0))
                .ok_or_else(|| TextError::bad("record type (1-127)", s))?;
            let i = usize::from(t.0 / 8);
            if bitmap.len() <= i {
                bitmap.resize(i + 1, 0);
            }
            bitmap[i] |= 0x80 >> (t.0 % 8);
        }
        Ok(Nxt { next, bitmap })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use super::*;
    use crate::rdata::RData;

    #[test]
    fn civil_time_round_trip() {
        assert_eq!(SigTime(0).to_string(), "19700101000000");
        assert_eq!(SigTime(u32::MAX).to_string(), "21060207062815");
        assert_eq!(SigTime(951782400).to_string(), "20000229000000");
        for t in [0u32, 1, 86399, 951782400, 1_700_000_000, u32::MAX] {
            let s = SigTime(t).to_string();
            let tok = crate::text::tokenize(&s).unwrap();
            let mut f = Fields::new(&tok, None);
            assert_eq!(sig_time_from_text(&mut f, "t").unwrap(), t);
        }
    }

    #[test]
    fn rfc2535_section_4_1_sig() {
        let mut wire = b"\x00\x1e\x01\x03\x00\x00\x0e\x10".to_vec();
        wire.extend_from_slice(&1_577_836_800u32.to_be_bytes()); // 2020-01-01
        wire.extend_from_slice(&1_041_379_200u32.to_be_bytes()); // 2003-01-01
        wire.extend_from_slice(b"\x08\x5f\x03foo\x07example\x00\x01\x02\x03");
        check(
            RecordType::SIG,
            "NXT 1 3 3600 20200101000000 20030101000000 2143 foo AQID",
            "NXT 1 3 3600 20200101000000 20030101000000 2143 foo.example. AQID",
            &wire,
        );
        // Times may be written as seconds.
        check(
            RecordType::SIG,
            "TYPE30 RSAMD5 3 1h 1577836800 1041379200 2143 foo AQID",
            "NXT 1 3 3600 20200101000000 20030101000000 2143 foo.example. AQID",
            &wire,
        );
        refuse(RecordType::SIG, "NXT 1 3 3600 20200101000000 20030101000000 2143 foo");
        refuse(
            RecordType::SIG,
            "NXT 1 3 3600 20201301000000 20030101000000 2143 foo AQID",
        );
        refuse(
            RecordType::SIG,
            "NXT 1 3 3600 22000101000000 20030101000000 2143 foo AQID",
        );
        refuse(
            RecordType::SIG,
            "BOGUS 1 3 3600 20200101000000 20030101000000 2143 foo AQID",
        );
        refuse(
            RecordType::SIG,
            "NXT 1 3 3600 2020010100000 20030101000000 2143 foo AQID",
        );
    }

    #[test]
    fn rfc2535_section_5_nxt() {
        // RFC 2535 §5.4: `big.foo.tld. NXT medium.foo.tld. A MX SIG NXT`
        check(
            RecordType::NXT,
            "medium.foo.tld. A MX SIG NXT",
            "medium.foo.tld. A MX SIG NXT",
            b"\x06medium\x03foo\x03tld\x00\x40\x01\x00\x82",
        );
        check(
            RecordType::NXT,
            ". 127",
            ". TYPE127",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
        );
        check(RecordType::NXT, "a", "a.example.", b"\x01a\x07example\x00");
        refuse(RecordType::NXT, ". SOA TYPE128");
        refuse(RecordType::NXT, ". TYPE0");
        refuse(RecordType::NXT, ". BOGUS");
        assert!(RData::parse(RecordType::NXT, b"\x00\x40\x00", 0, 3).is_err());
        assert!(RData::parse(RecordType::NXT, b"\x00\x80", 0, 2).is_err());
    }
}
