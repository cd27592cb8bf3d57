//! The DNSSEC record types: DS and CDS, DNSKEY and CDNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM
//! (RFC 4034, RFC 5155, RFC 7344) and ZONEMD (RFC 8976).

use std::fmt;

use super::bitmap::TypeBitmap;
use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base32hex_decode, base32hex_encode, base64_encode, hex_decode, hex_encode, Fields};
use crate::types::RecordType;
use crate::wire::{NameKind, Reader, WireSink};

/// DNSSEC algorithm mnemonics accepted in presentation form (IANA "DNS Security Algorithm
/// Numbers"; RFC 4034 Appendix A.1 allows them where a number is expected).
const ALGORITHMS: &[(&str, u8)] = &[
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("RSASHA1", 5),
    ("DSA-NSEC3-SHA1", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECC-GOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("INDIRECT", 252),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
];

/// BIND's key-flag mnemonics (from KEY, RFC 2535 §3.1.2), which BIND also reads for DNSKEY:
/// flag bits are numbered from the most significant (bit 0 = 0x8000).
const KEY_FLAG_MNEMONICS: &[(&str, u16)] = &[
    ("NOCONF", 0x4000),
    ("NOAUTH", 0x8000),
    ("NOKEY", 0xC000),
    ("FLAG2", 0x2000),
    ("EXTEND", 0x1000),
    ("FLAG4", 0x0800),
    ("FLAG5", 0x0400),
    ("USER", 0x0000),
    ("ZONE", 0x0100),
    ("HOST", 0x0200),
    ("NTYP3", 0x0300),
    ("FLAG8", 0x0080),
    ("REVOKE", 0x0080),
    ("FLAG9", 0x0040),
    ("FLAG10", 0x0020),
    ("FLAG11", 0x0010),
    ("KSK", 0x0001),
];

/// Reads a key-flags field: a number, or BIND's `NAME|NAME…` mnemonics, with `SIG0`…`SIG15`
/// for the signatory field in the low four bits.
pub(crate) fn key_flags_from_text(fields: &mut Fields<'_, '_>) -> Result<u16, TextError> {
    let text = fields.str("flags")?;
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| TextError::bad("flags", text));
    }
    let mut flags = 0u16;
    for part in text.split('|') {
        let upper = part.to_ascii_uppercase();
        let value = match KEY_FLAG_MNEMONICS.iter().find(|(n, _)| *n == upper) {
            Some((_, v)) => *v,
            None => match upper.strip_prefix("SIG").map(str::parse::<u16>) {
                Some(Ok(n)) if n <= 15 => n,
                _ => return Err(TextError::bad("flags", text)),
            },
        };
        flags |= value;
    }
    Ok(flags)
}

/// Reads a DNSSEC algorithm field: a number, or a mnemonic from the IANA registry.
pub(crate) fn algorithm_from_text(fields: &mut Fields<'_, '_>) -> Result<u8, TextError> {
    let s = fields.str("algorithm")?;
    if let Some(&(_, n)) = ALGORITHMS.iter().find(|(m, _)| m.eq_ignore_ascii_case(s)) {
        return Ok(n);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TextError::bad("algorithm", s));
    }
    s.parse().map_err(|_| TextError::bad("algorithm", s))
}

/// Reads all remaining fields as base64 and refuses an empty result: these fields have no
/// way to print an empty value, so accepting one would break the text round trip.
fn base64_nonempty(fields: &mut Fields<'_, '_>, what: &'static str) -> Result<Vec<u8>, TextError> {
    let v = fields.base64_rest(what)?;
    if v.is_empty() {
        return Err(TextError::Missing(what));
    }
    Ok(v)
}

/// Reads the rest of the region and refuses an empty result (see [`base64_nonempty`]).
fn rest_nonempty(r: &mut Reader<'_>) -> Result<Vec<u8>, RdataError> {
    let v = r.rest();
    if v.is_empty() {
        return Err(RdataError::Short);
    }
    Ok(v.to_vec())
}

/// The digest length of the DS digest types whose length is known (IANA "Delegation Signer
/// (DS) Resource Record (RR) Type Digest Algorithms"); BIND refuses other lengths for them.
fn ds_digest_len(digest_type: u8) -> Option<usize> {
    match digest_type {
        1 => Some(20), // SHA-1, RFC 4034 §5.1.4
        2 => Some(32), // SHA-256, RFC 4509 §2.2
        3 => Some(32), // GOST R 34.11-94, RFC 5933
        4 => Some(48), // SHA-384, RFC 6605 §2
        _ => None,
    }
}

/// Delegation signer (RFC 4034 §5.1), also the form of CDS (RFC 7344 §3.1).
///
/// Wire format: key tag (16 bits), algorithm (8 bits), digest type (8 bits), digest (the
/// rest, at least one octet; exactly the hash's length for known digest types).
/// Presentation: `KEYTAG ALG DIGESTTYPE HEX`, the hex possibly split over fields. The CDS
/// delete form `0 0 0 00` (RFC 8078 §4) is an ordinary value of this type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ds {
    /// Key tag of the referenced DNSKEY (RFC 4034 Appendix B).
    pub key_tag: u16,
    /// Algorithm of the referenced DNSKEY.
    pub algorithm: u8,
    /// Digest algorithm (1 SHA-1, 2 SHA-256, 4 SHA-384).
    pub digest_type: u8,
    /// Digest of the owner name and DNSKEY RDATA (RFC 4034 §5.1.4).
    pub digest: Vec<u8>,
}

impl Ds {
    fn check(digest_type: u8, digest: &[u8]) -> bool {
        !digest.is_empty() && ds_digest_len(digest_type).is_none_or(|n| n == digest.len())
    }
}

impl RecordData for Ds {
    fn parse(r: &mut Reader<'_>) -> Result<Ds, RdataError> {
        let key_tag = r.u16()?;
        let algorithm = r.u8()?;
        let digest_type = r.u8()?;
        let digest = r.rest().to_vec();
        if !Ds::check(digest_type, &digest) {
            return Err(
                if digest.is_empty() || ds_digest_len(digest_type).is_some_and(|n| digest.len() < n) {
                    RdataError::Short
                } else {
                    RdataError::Long
                },
            );
        }
        Ok(Ds {
            key_tag,
            algorithm,
            digest_type,
            digest,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.key_tag);
        s.put_u8(self.algorithm);
        s.put_u8(self.digest_type);
        s.put(&self.digest);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.key_tag,
            self.algorithm,
            self.digest_type,
            hex_encode(&self.digest)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Ds, TextError> {
        let key_tag = fields.int("key tag")?;
        let algorithm = algorithm_from_text(fields)?;
        let digest_type = fields.int("digest type")?;
        let digest = fields.hex_rest("digest")?;
        if !Ds::check(digest_type, &digest) {
            return Err(TextError::bad(
                "digest (wrong length for its type)",
                &hex_encode(&digest),
            ));
        }
        Ok(Ds {
            key_tag,
            algorithm,
            digest_type,
            digest,
        })
    }
}

/// DNS public key (RFC 4034 §2.1), also the form of CDNSKEY (RFC 7344 §3.2).
///
/// Wire format: flags (16 bits; bit 7 Zone Key, bit 15 Secure Entry Point), protocol (8
/// bits, always 3), algorithm (8 bits), public key (the rest, at least one octet).
/// Presentation: `FLAGS PROTOCOL ALG BASE64`, the base64 possibly split over fields.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Dnskey {
    /// Flags: 256 for a zone key, 257 for a zone key that is also a secure entry point.
    pub flags: u16,
    /// Protocol, 3 for DNSSEC (RFC 4034 §2.1.2).
    pub protocol: u8,
    /// The key's algorithm.
    pub algorithm: u8,
    /// The public key in the algorithm's own format.
    pub public_key: Vec<u8>,
}

impl Dnskey {
    /// The key tag of RFC 4034 Appendix B: a 16-bit checksum of the RDATA, or for algorithm
    /// 1 (RSA/MD5, Appendix B.1) the second- and third-last octets of the modulus.
    pub fn key_tag(&self) -> u16 {
        let mut rdata = Vec::with_capacity(4 + self.public_key.len());
        self.write(&mut rdata);
        if self.algorithm == 1 {
            let k = &self.public_key;
            return match k.len() {
                n if n >= 3 => u16::from_be_bytes([k[n - 3], k[n - 2]]),
                _ => 0,
            };
        }
        let mut acc: u32 = 0;
        for (i, &b) in rdata.iter().enumerate() {
            acc += if i & 1 == 1 { b as u32 } else { (b as u32) << 8 };
        }
        acc += (acc >> 16) & 0xffff;
        (acc & 0xffff) as u16
    }
}

impl RecordData for Dnskey {
    fn parse(r: &mut Reader<'_>) -> Result<Dnskey, RdataError> {
        Ok(Dnskey {
            flags: r.u16()?,
            protocol: r.u8()?,
            algorithm: r.u8()?,
            public_key: rest_nonempty(r)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.flags);
        s.put_u8(self.protocol);
        s.put_u8(self.algorithm);
        s.put(&self.public_key);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.flags,
            self.protocol,
            self.algorithm,
            base64_encode(&self.public_key)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Dnskey, TextError> {
        Ok(Dnskey {
            flags: key_flags_from_text(fields)?,
            protocol: fields.int("protocol")?,
            algorithm: algorithm_from_text(fields)?,
            public_key: base64_nonempty(fields, "public key")?,
        })
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Writes a signature time as `YYYYMMDDHHmmSS` in UTC (RFC 4034 §3.2), reading the value as
/// seconds since 1970 without serial arithmetic.
pub(crate) fn fmt_time(t: u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let t = t as i64;
    let (y, mo, d) = civil_from_days(t.div_euclid(86400));
    let s = t.rem_euclid(86400);
    write!(f, "{y:04}{mo:02}{d:02}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Reads a signature time: `YYYYMMDDHHmmSS` (RFC 4034 §3.2) or, as BIND and RFC 4034 §3.2
/// also allow, a plain decimal count of seconds since 1970. Dates after 2106-02-07 06:28:15
/// wrap modulo 2^32 (RFC 4034 §3.1.5 defines the field that way; BIND and Knot read them
/// so), and then print as the date the wrapped value stands for. Dates before 1970 are
/// refused.
pub(crate) fn time_from_text(s: &str) -> Option<u32> {
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return None;
    }
    if s.len() != 14 {
        return if s.len() <= 10 { s.parse().ok() } else { None };
    }
    let num = |r: std::ops::Range<usize>| -> u32 { s[r].parse().unwrap_or(u32::MAX) };
    let (y, mo, d, h, mi, sec) = (num(0..4), num(4..6), num(6..8), num(8..10), num(10..12), num(12..14));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_len = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > month_len || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    if y < 1970 {
        return None;
    }
    let t = days_from_civil(y as i64, mo, d) * 86400 + (h * 3600 + mi * 60 + sec) as i64;
    Some(t as u32)
}

/// Signature over an RRset (RFC 4034 §3.1).
///
/// Wire format: type covered (16 bits), algorithm (8), labels (8), original TTL (32),
/// signature expiration (32), signature inception (32), key tag (16), signer's name
/// (uncompressed, lowercased in canonical form), signature (the rest, at least one octet).
/// Presentation: `TYPE ALG LABELS TTL EXPIRATION INCEPTION KEYTAG SIGNER BASE64`, times as
/// `YYYYMMDDHHmmSS`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rrsig {
    /// The type of the RRset signed.
    pub type_covered: RecordType,
    /// The signing algorithm.
    pub algorithm: u8,
    /// Labels in the original owner name, not counting the root or a leading `*`.
    pub labels: u8,
    /// The RRset's TTL as signed.
    pub original_ttl: u32,
    /// End of validity, seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5).
    pub expiration: u32,
    /// Start of validity, same form.
    pub inception: u32,
    /// Key tag of the signing DNSKEY.
    pub key_tag: u16,
    /// Owner of the signing DNSKEY (the zone).
    pub signer: Name,
    /// The signature.
    pub signature: Vec<u8>,
}

struct Time(u32);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_time(self.0, f)
    }
}

impl RecordData for Rrsig {
    fn parse(r: &mut Reader<'_>) -> Result<Rrsig, RdataError> {
        Ok(Rrsig {
            type_covered: RecordType(r.u16()?),
            algorithm: r.u8()?,
            labels: r.u8()?,
            original_ttl: r.u32()?,
            expiration: r.u32()?,
            inception: r.u32()?,
            key_tag: r.u16()?,
            // RFC 4034 §3.1.7 forbids senders to compress it; reading a pointer anyway is
            // harmless and matches how the other canonical-kind names are read.
            signer: parse_name(r, NameKind::Canonical)?,
            signature: rest_nonempty(r)?,
        })
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
            Time(self.expiration),
            Time(self.inception),
            self.key_tag,
            self.signer,
            base64_encode(&self.signature)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Rrsig, TextError> {
        let tc = fields.str("type covered")?;
        let type_covered = RecordType::from_mnemonic(tc).ok_or_else(|| TextError::bad("type covered", tc))?;
        let algorithm = algorithm_from_text(fields)?;
        let labels = fields.int("labels")?;
        let original_ttl = fields.ttl("original TTL")?;
        let exp = fields.str("signature expiration")?;
        let expiration = time_from_text(exp).ok_or_else(|| TextError::bad("signature expiration", exp))?;
        let inc = fields.str("signature inception")?;
        let inception = time_from_text(inc).ok_or_else(|| TextError::bad("signature inception", inc))?;
        Ok(Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag: fields.int("key tag")?,
            signer: fields.name("signer's name")?,
            signature: base64_nonempty(fields, "signature")?,
        })
    }
}

/// Next secure record (RFC 4034 §4.1).
///
/// Wire format: next domain name (uncompressed; kept in its original case even in canonical
/// form, RFC 6840 §5.1), then the type bitmap ([`TypeBitmap`]). Presentation: `NEXT TYPES…`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nsec {
    /// The next owner name in canonical order in the zone.
    pub next: Name,
    /// The types present at the owner.
    pub types: TypeBitmap,
}

impl RecordData for Nsec {
    fn parse(r: &mut Reader<'_>) -> Result<Nsec, RdataError> {
        Ok(Nsec {
            next: r.name_uncompressed()?,
            types: TypeBitmap::parse(r)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_name(&self.next, NameKind::Plain);
        self.types.write(s);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.next)?;
        if !self.types.is_empty() {
            write!(f, " {}", self.types)?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Nsec, TextError> {
        Ok(Nsec {
            next: fields.name("next domain name")?,
            types: TypeBitmap::from_text(fields)?,
        })
    }
}

/// Reads an NSEC3 salt: `-` for none, else hex (RFC 5155 §3.3), at most 255 octets.
fn salt_from_text(fields: &mut Fields<'_, '_>) -> Result<Vec<u8>, TextError> {
    let s = fields.str("salt")?;
    if s == "-" {
        return Ok(Vec::new());
    }
    match hex_decode(s) {
        Some(v) if !v.is_empty() && v.len() <= 255 => Ok(v),
        _ => Err(TextError::bad("salt", s)),
    }
}

fn fmt_salt(salt: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if salt.is_empty() {
        f.write_str("-")
    } else {
        f.write_str(&hex_encode(salt))
    }
}

/// Hashed next secure record (RFC 5155 §3.2).
///
/// Wire format: hash algorithm (8 bits), flags (8 bits; bit 7 Opt-Out), iterations (16
/// bits), salt length (8 bits) and salt, hash length (8 bits) and next hashed owner name,
/// then the type bitmap ([`TypeBitmap`]). Presentation (RFC 5155 §3.3):
/// `ALG FLAGS ITERATIONS SALT NEXT TYPES…`, the salt in hex or `-` when empty, the next
/// hashed owner in unpadded base32hex (printed in upper case, as BIND prints it).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nsec3 {
    /// Hash algorithm (1 is SHA-1).
    pub hash_algorithm: u8,
    /// Flags; bit 0 (value 1) is Opt-Out.
    pub flags: u8,
    /// Additional hash iterations.
    pub iterations: u16,
    /// Salt, up to 255 octets.
    pub salt: Vec<u8>,
    /// The next hashed owner name (the raw hash), 1 to 255 octets.
    pub next_hashed: Vec<u8>,
    /// The types present at the original owner name.
    pub types: TypeBitmap,
}

/// True when `hash` has a length its algorithm allows: SHA-1 gives 20 octets (RFC 5155
/// §8.1), as BIND requires (its bad-nsec3-length test); any other algorithm 1 to 255 octets.
fn nsec3_hash_ok(alg: u8, hash: &[u8]) -> bool {
    !hash.is_empty() && hash.len() <= 255 && (alg != 1 || hash.len() == 20)
}

impl RecordData for Nsec3 {
    fn parse(r: &mut Reader<'_>) -> Result<Nsec3, RdataError> {
        let hash_algorithm = r.u8()?;
        let flags = r.u8()?;
        let iterations = r.u16()?;
        let salt = r.character_string()?.to_vec();
        let next_hashed = r.character_string()?.to_vec();
        if !nsec3_hash_ok(hash_algorithm, &next_hashed) {
            return Err(RdataError::Invalid);
        }
        Ok(Nsec3 {
            hash_algorithm,
            flags,
            iterations,
            salt,
            next_hashed,
            types: TypeBitmap::parse(r)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.hash_algorithm);
        s.put_u8(self.flags);
        s.put_u16(self.iterations);
        s.put_character_string(&self.salt);
        s.put_character_string(&self.next_hashed);
        self.types.write(s);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.hash_algorithm, self.flags, self.iterations)?;
        fmt_salt(&self.salt, f)?;
        write!(f, " {}", base32hex_encode(&self.next_hashed).to_ascii_uppercase())?;
        if !self.types.is_empty() {
            write!(f, " {}", self.types)?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Nsec3, TextError> {
        let hash_algorithm = fields.int("hash algorithm")?;
        let flags = fields.int("flags")?;
        let iterations = fields.int("iterations")?;
        let salt = salt_from_text(fields)?;
        let h = fields.str("next hashed owner name")?;
        let next_hashed = base32hex_decode(h)
            .filter(|v| nsec3_hash_ok(hash_algorithm, v))
            .ok_or_else(|| TextError::bad("next hashed owner name", h))?;
        Ok(Nsec3 {
            hash_algorithm,
            flags,
            iterations,
            salt,
            next_hashed,
            types: TypeBitmap::from_text(fields)?,
        })
    }
}

/// NSEC3 parameters (RFC 5155 §4.2).
///
/// Wire format: hash algorithm (8 bits), flags (8 bits), iterations (16 bits), salt length
/// (8 bits) and salt. Presentation: `ALG FLAGS ITERATIONS SALT`, salt in hex or `-`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nsec3param {
    /// Hash algorithm (1 is SHA-1).
    pub hash_algorithm: u8,
    /// Flags (zero in NSEC3PARAM as published, RFC 5155 §4.1.2).
    pub flags: u8,
    /// Additional hash iterations.
    pub iterations: u16,
    /// Salt, up to 255 octets.
    pub salt: Vec<u8>,
}

impl RecordData for Nsec3param {
    fn parse(r: &mut Reader<'_>) -> Result<Nsec3param, RdataError> {
        Ok(Nsec3param {
            hash_algorithm: r.u8()?,
            flags: r.u8()?,
            iterations: r.u16()?,
            salt: r.character_string()?.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.hash_algorithm);
        s.put_u8(self.flags);
        s.put_u16(self.iterations);
        s.put_character_string(&self.salt);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.hash_algorithm, self.flags, self.iterations)?;
        fmt_salt(&self.salt, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Nsec3param, TextError> {
        Ok(Nsec3param {
            hash_algorithm: fields.int("hash algorithm")?,
            flags: fields.int("flags")?,
            iterations: fields.int("iterations")?,
            salt: salt_from_text(fields)?,
        })
    }
}

/// Message digest for DNS zones (RFC 8976 §2).
///
/// Wire format: serial (32 bits), scheme (8 bits; 1 SIMPLE), hash algorithm (8 bits; 1
/// SHA-384, 2 SHA-512), digest (the rest: at least one octet, and exactly the hash's length
/// for the two known algorithms under the SIMPLE scheme, RFC 8976 §2.2.4). Presentation: `SERIAL SCHEME ALG HEX`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Zonemd {
    /// The SOA serial of the zone the digest covers.
    pub serial: u32,
    /// How the zone was put in order and hashed.
    pub scheme: u8,
    /// The hash function.
    pub hash_algorithm: u8,
    /// The digest.
    pub digest: Vec<u8>,
}

/// Under the SIMPLE scheme the two registered hashes fix the digest length (RFC 8976
/// §2.2.4). Other schemes and hashes are opaque here: private schemes define their own
/// use of the hash number (Appendix A.2 shows scheme 241 with a 20-octet "SHA-384"), and
/// the 12-octet minimum is for verifiers to apply (§4), so any non-empty digest is read,
/// as Knot reads it.
fn zonemd_digest_ok(scheme: u8, alg: u8, digest: &[u8]) -> bool {
    match (scheme, alg) {
        (1, 1) => digest.len() == 48,
        (1, 2) => digest.len() == 64,
        _ => !digest.is_empty(),
    }
}

impl RecordData for Zonemd {
    fn parse(r: &mut Reader<'_>) -> Result<Zonemd, RdataError> {
        let serial = r.u32()?;
        let scheme = r.u8()?;
        let hash_algorithm = r.u8()?;
        let digest = r.rest().to_vec();
        if !zonemd_digest_ok(scheme, hash_algorithm, &digest) {
            return Err(RdataError::Invalid);
        }
        Ok(Zonemd {
            serial,
            scheme,
            hash_algorithm,
            digest,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u32(self.serial);
        s.put_u8(self.scheme);
        s.put_u8(self.hash_algorithm);
        s.put(&self.digest);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.serial,
            self.scheme,
            self.hash_algorithm,
            hex_encode(&self.digest)
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Zonemd, TextError> {
        let serial = fields.int("serial")?;
        let scheme = fields.int("scheme")?;
        let hash_algorithm = fields.int("hash algorithm")?;
        let digest = fields.hex_rest("digest")?;
        if !zonemd_digest_ok(scheme, hash_algorithm, &digest) {
            return Err(TextError::bad(
                "digest (wrong length for its algorithm)",
                &hex_encode(&digest),
            ));
        }
        Ok(Zonemd {
            serial,
            scheme,
            hash_algorithm,
            digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use super::*;
    use crate::rdata::RData;
    use crate::text::tokenize;

    const EXAMPLES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/dnssec/rfc-examples/rfc4034/examples.json"
    );

    /// The string value of `field` in the object of vector `name` (a small reader: the
    /// crate has no JSON dependency, and the file's layout is flat).
    fn vector(name: &str, field: &str) -> String {
        let text = std::fs::read_to_string(EXAMPLES).expect("testdata present");
        let obj = &text[text.find(&format!("\"{name}\"")).expect("vector")..];
        let at = obj.find(&format!("\"{field}\":")).expect("field") + field.len() + 3;
        let rest = obj[at..].trim_start();
        match rest.strip_prefix('"') {
            Some(s) => s[..s.find('"').expect("end quote")].to_string(),
            None => rest[..rest.find([',', '\n', '}']).expect("end")].trim().to_string(),
        }
    }

    /// The RDATA part of a one-line record `OWNER TTL CLASS TYPE RDATA…`, and that RDATA
    /// with its fields joined as Banyan prints them (base64 and hex without spaces).
    fn rdata_of(record: &str, joined_from: usize) -> (String, String) {
        let fields: Vec<&str> = record.split_whitespace().skip(4).collect();
        let mut printed: Vec<String> = fields[..joined_from].iter().map(|s| s.to_string()).collect();
        printed.push(fields[joined_from..].concat());
        (fields.join(" "), printed.join(" "))
    }

    fn unhex(s: &str) -> Vec<u8> {
        hex_decode(s).expect("hex")
    }

    #[test]
    fn rfc4034_section_2_3_dnskey_example() {
        let (text, printed) = rdata_of(&vector("rfc4034-2.3-dnskey", "record"), 3);
        let wire = unhex(&vector("rfc4034-2.3-dnskey", "rdata_wire_hex"));
        check(RecordType::DNSKEY, &text, &printed, &wire);
        check(RecordType::CDNSKEY, &text, &printed, &wire);
        let key = Dnskey::parse(&mut Reader::over(&wire)).unwrap();
        let tag: u16 = vector("rfc4034-2.3-dnskey", "key_tag_computed").parse().unwrap();
        assert_eq!(tag, 2642);
        assert_eq!(key.key_tag(), tag);
        assert_eq!(key.flags, 256);
        refuse(RecordType::DNSKEY, "256 3 5");
        refuse(RecordType::DNSKEY, "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3=");
        refuse(RecordType::DNSKEY, "65536 3 5 AQPSKmynfzW4kyBv");
        refuse(RecordType::DNSKEY, "256 3 NOSUCHALG AQPSKmynfzW4kyBv");
    }

    #[test]
    fn rfc4034_appendix_b_1_rsamd5_key_tag() {
        // Algorithm 1 takes the tag from the modulus' second- and third-last octets.
        let key = Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 1,
            public_key: vec![1, 3, 0xAB, 0xCD, 0x12, 0x34, 0x56],
        };
        assert_eq!(key.key_tag(), 0x1234);
    }

    #[test]
    fn rfc8078_section_4_delete_forms() {
        check(RecordType::CDS, "0 0 0 00", "0 0 0 00", &[0, 0, 0, 0, 0]);
        check(RecordType::CDNSKEY, "0 3 0 AA==", "0 3 0 AA==", &[0, 0, 3, 0, 0]);
        // Algorithm mnemonics are read as their numbers.
        check(
            RecordType::CDNSKEY,
            "257 3 ECDSAP256SHA256 AA==",
            "257 3 13 AA==",
            &[1, 1, 3, 13, 0],
        );
    }

    #[test]
    fn rfc4034_section_3_3_rrsig_example() {
        let (text, printed) = rdata_of(&vector("rfc4034-3.3-rrsig", "record"), 8);
        let wire = unhex(&vector("rfc4034-3.3-rrsig", "rdata_wire_hex"));
        assert!(printed.starts_with("A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o"));
        check(RecordType::RRSIG, &text, &printed, &wire);
        // The same times as seconds since 1970 (RFC 4034 §3.2 allows both).
        let epoch = text
            .replace("20030322173103", "1048354263")
            .replace("20030220173103", "1045762263");
        check(RecordType::RRSIG, &epoch, &printed, &wire);
        refuse(
            RecordType::RRSIG,
            "A 5 3 86400 20031322173103 20030220173103 2642 example.com. oJB1W6WN",
        );
        refuse(
            RecordType::RRSIG,
            "A 5 3 86400 20030230173103 20030220173103 2642 example.com. oJB1W6WN",
        );
        refuse(
            RecordType::RRSIG,
            "A 5 3 86400 2003032217310 20030220173103 2642 example.com. oJB1W6WN",
        );
        refuse(
            RecordType::RRSIG,
            "NOTATYPE 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WN",
        );
        refuse(
            RecordType::RRSIG,
            "A 5 3 86400 20030322173103 20030220173103 2642 example.com.",
        );
        refuse(
            RecordType::RRSIG,
            "A 5 256 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WN",
        );
    }

    #[test]
    fn signature_times_cover_the_32_bit_range() {
        struct T(u32);
        impl fmt::Display for T {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_time(self.0, f)
            }
        }
        assert_eq!(T(0).to_string(), "19700101000000");
        assert_eq!(T(u32::MAX).to_string(), "21060207062815");
        assert_eq!(T(951782400).to_string(), "20000229000000");
        for t in [0, 1, 951782400, 1048354263, 4107542400, u32::MAX] {
            assert_eq!(time_from_text(&T(t).to_string()), Some(t));
        }
        assert_eq!(time_from_text("21060207062816"), Some(0));
        assert_eq!(time_from_text("22251231235959"), Some(0xE185_3CFF));
        assert_eq!(time_from_text("19691231235959"), None);
        assert_eq!(time_from_text("4294967296"), None);
        assert_eq!(time_from_text("19000229000000"), None);
    }

    #[test]
    fn rfc4034_section_4_3_nsec_example() {
        let (text, _) = rdata_of(&vector("rfc4034-4.3-nsec", "record"), 0);
        let wire = unhex(&vector("rfc4034-4.3-nsec", "rdata_wire_hex_from_rfc"));
        check(
            RecordType::NSEC,
            &text,
            "host.example.com. A MX RRSIG NSEC TYPE1234",
            &wire,
        );
        // RFC 6840 §5.1: the next name keeps its case, even in canonical form.
        let rd = RData::from_text(RecordType::NSEC, &tokenize("Host.Example. A").unwrap(), None).unwrap();
        let mut canonical = Vec::new();
        rd.write(&mut crate::wire::CanonicalSink(&mut canonical));
        assert_eq!(&canonical[..14], b"\x04Host\x07Example\x00");
        check(RecordType::NSEC, "next", "next.example.", b"\x04next\x07example\x00");
        refuse(RecordType::NSEC, "host.example.com. A NOTATYPE");
        refuse(RecordType::NSEC, "");
    }

    #[test]
    fn rfc4034_section_5_4_ds_example() {
        let (text, printed) = rdata_of(&vector("rfc4034-5.4-ds-sha1", "ds"), 3);
        assert_eq!(printed, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
        let mut wire = vec![0xEC, 0x45, 5, 1];
        wire.extend(unhex("2BB183AF5F22588179A53B0A98631FAD1A292118"));
        check(RecordType::DS, &text, &printed, &wire);
        check(RecordType::CDS, &text, &printed, &wire);
        // The DS names the key by its tag (RFC 4034 Appendix B).
        let (key_text, _) = rdata_of(&vector("rfc4034-5.4-ds-sha1", "dnskey"), 3);
        let key = RData::from_text(RecordType::DNSKEY, &tokenize(&key_text).unwrap(), None).unwrap();
        let RData::DNSKEY(key) = key else { panic!("typed") };
        assert_eq!(key.key_tag(), 60485);
        refuse(RecordType::DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A2921");
        refuse(RecordType::DS, "60485 5 2 2BB183AF5F22588179A53B0A98631FAD1A292118");
        refuse(RecordType::DS, "60485 5 1");
        refuse(RecordType::DS, "60485 5 1 XYZ");
        refuse(RecordType::DS, "65536 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
        // A known digest type with the wrong length is refused on the wire too.
        assert!(RData::parse(RecordType::DS, &wire[..wire.len() - 1], 0, wire.len() - 1).is_err());
        let mut long = wire.clone();
        long.push(0);
        assert!(RData::parse(RecordType::DS, &long, 0, long.len()).is_err());
    }

    #[test]
    fn rfc4509_section_2_3_ds_sha256_example() {
        let (text, printed) = rdata_of(&vector("rfc4509-2.3-ds-sha256", "ds"), 3);
        let mut wire = vec![0xEC, 0x45, 5, 2];
        wire.extend(unhex(
            "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A",
        ));
        check(RecordType::DS, &text, &printed, &wire);
    }

    #[test]
    fn rfc5155_appendix_a_nsec3_and_nsec3param() {
        let mut wire = unhex("0101000C04AABBCCDD14174EB2409FE28BCB4887A1836F957F0A8425E27B");
        wire.extend(unhex("0007220100000002 90".replace(' ', "").as_str()));
        check(
            RecordType::NSEC3,
            "1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )",
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM",
            &wire,
        );
        // An empty non-terminal: no types, no salt.
        check(
            RecordType::NSEC3,
            "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
            "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR",
            &unhex(
                "0100000000 14174EB2409FE28BCB4887A1836F957F0A8425E27B"
                    .replace(' ', "")
                    .as_str(),
            ),
        );
        check(
            RecordType::NSEC3PARAM,
            "1 0 12 aabbccdd",
            "1 0 12 AABBCCDD",
            &unhex("0100000C04AABBCCDD"),
        );
        check(RecordType::NSEC3PARAM, "1 0 0 -", "1 0 0 -", &unhex("0100000000"));
        // BIND's bad-nsec3-padded.db and bad-nsec3-length.db.
        refuse(
            RecordType::NSEC3,
            "1 1 12 aabbccdd CPNMU=== MX DNSKEY NS SOA NSEC3PARAM RRSIG",
        );
        refuse(RecordType::NSEC3, "1 0 10 76931F IMQ912BREQP1POLAH3RMONG");
        refuse(
            RecordType::NSEC3,
            "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NOTATYPE",
        );
        refuse(RecordType::NSEC3, "1 1 12 xyz 2t7b4g4vsa5smi47k61mv5bv1a22bojr");
        refuse(RecordType::NSEC3, "1 1 65536 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr");
        refuse(RecordType::NSEC3PARAM, "1 0 12");
        refuse(RecordType::NSEC3PARAM, "1 0 12 abc");
        refuse(RecordType::NSEC3PARAM, "1 0 12 - extra");
    }

    #[test]
    fn rfc8976_appendix_a_zonemd() {
        let digest = "C68090D90A7AED716BC459F9340E3D7C1370D4D24B7E2FC3A1DDC0B9A87153B9A9713B3C9AE5CC27777F98B8E730044C";
        let mut wire = unhex("7848B91C0101");
        wire.extend(unhex(digest));
        check(
            RecordType::ZONEMD,
            &format!("2018031900 1 1 ( {} {} )", &digest[..48], &digest[48..]),
            &format!("2018031900 1 1 {digest}"),
            &wire,
        );
        // Appendix A.2's private-scheme record: its digest is open-ended, so `check`'s
        // truncation test does not apply.
        let t = tokenize("2018031900 241 1 ( e1846540e33a9e41 89792d18d5d131f6 05fc283e )").unwrap();
        let rd = RData::from_text(RecordType::ZONEMD, &t, None).unwrap();
        assert_eq!(
            rd.to_string(),
            "2018031900 241 1 E1846540E33A9E4189792D18D5D131F605FC283E"
        );
        let wire = unhex("7848B91CF101E1846540E33A9E4189792D18D5D131F605FC283E");
        assert_eq!(rd.to_wire(), wire);
        assert_eq!(RData::parse(RecordType::ZONEMD, &wire, 0, wire.len()).unwrap(), rd);
        refuse(RecordType::ZONEMD, "2018031900 1 1 C68090D90A7AED716BC459F9340E3D7C");
        refuse(RecordType::ZONEMD, "2018031900 1 2 C68090D90A7AED716BC459F9340E3D7C");
        refuse(RecordType::ZONEMD, "2018031900 1 1");
    }

    #[test]
    fn malformed_wire_refused() {
        for (rtype, wire) in [
            (RecordType::DNSKEY, &b"\x01\x00\x03\x05"[..]),
            (
                RecordType::RRSIG,
                b"\x00\x01\x05\x03\x00\x01\x51\x80\x3e\x7c\x9d\xd7\x3e\x55\x10\xd7\x0a\x52\x00",
            ),
            (RecordType::NSEC, b"\x00\x00\x00"),
            (RecordType::NSEC3, b"\x01\x00\x00\x00\x00\x00"),
            (RecordType::NSEC3, b"\x01\x00\x00\x00\x00\x02\xaa\xbb"),
            (RecordType::NSEC3PARAM, b"\x01\x00\x00\x00\x01"),
            (RecordType::ZONEMD, b"\x00\x00\x00\x01\x01\x01\x00"),
        ] {
            assert!(RData::parse(rtype, wire, 0, wire.len()).is_err(), "{rtype} {wire:?}");
        }
    }

    #[test]
    fn bind_key_flag_mnemonics() {
        let tokens = crate::text::tokenize("FLAG2|flag4|NTYP3|SIG15 3 3 AQID").unwrap();
        let rd = crate::RData::from_text(crate::RecordType::DNSKEY, &tokens, None).unwrap();
        assert!(rd.to_string().starts_with("11023 3 3 "), "{rd}");
        let tokens = crate::text::tokenize("ZONE|KSK 3 13 AQID").unwrap();
        assert!(crate::RData::from_text(crate::RecordType::DNSKEY, &tokens, None)
            .unwrap()
            .to_string()
            .starts_with("257 "));
        let tokens = crate::text::tokenize("BOGUS 3 13 AQID").unwrap();
        assert!(crate::RData::from_text(crate::RecordType::DNSKEY, &tokens, None).is_err());
    }
}
