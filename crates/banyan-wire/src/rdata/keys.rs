//! Keys, certificates, digests and other opaque key material: KEY (RFC 2535 §3.1) and RKEY,
//! CERT (RFC 4398), DHCID (RFC 4701), OPENPGPKEY (RFC 7929), HHIT and BRID (RFC 9886),
//! HIP (RFC 8005), SINK and DOA; SMIMEA (RFC 8162) uses TLSA's form and DLV (RFC 4431) and
//! TA use DS's, so their tests live here but their structs are `Tlsa` and `Ds`.

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base64_decode, base64_encode, fmt_character_string, hex_decode, hex_encode, Fields};
use crate::wire::{NameKind, Reader, WireSink};

/// DNSSEC algorithm mnemonics as BIND prints them (IANA "DNS Security Algorithm Numbers";
/// RFC 4034 App. A.1 and later), first the printed form.
const ALGORITHMS: &[(&str, u8)] = &[
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("RSASHA1", 5),
    ("NSEC3DSA", 6),
    ("NSEC3RSASHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECCGOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("INDIRECT", 252),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
    // Accepted on input only: the IANA spellings and BIND's short aliases.
    ("DSA-NSEC3-SHA1", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("ECC-GOST", 12),
    ("ECDSA256", 13),
    ("ECDSA384", 14),
];

/// The mnemonic BIND prints for a DNSSEC algorithm number, if any.
pub(super) fn algorithm_mnemonic(alg: u8) -> Option<&'static str> {
    ALGORITHMS.iter().find(|&&(_, v)| v == alg).map(|&(n, _)| n)
}

/// Reads a DNSSEC algorithm: a number or a mnemonic (case-insensitive).
pub(super) fn algorithm_from_text(fields: &mut Fields<'_, '_>) -> Result<u8, TextError> {
    let s = fields.str("algorithm")?;
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| TextError::bad("algorithm", s));
    }
    ALGORITHMS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|&(_, v)| v)
        .ok_or_else(|| TextError::bad("algorithm", s))
}

/// Reads base64 from all remaining fields; with `required`, at least one octet.
pub(super) fn base64_tail(
    fields: &mut Fields<'_, '_>,
    what: &'static str,
    required: bool,
) -> Result<Vec<u8>, TextError> {
    if fields.is_empty() && !required {
        return Ok(Vec::new());
    }
    let v = fields.base64_rest(what)?;
    if v.is_empty() && required {
        return Err(TextError::Missing(what));
    }
    Ok(v)
}

/// Reads the rest of the RDATA as at least one octet.
fn nonempty_rest(r: &mut Reader<'_>) -> Result<Vec<u8>, RdataError> {
    let b = r.rest();
    if b.is_empty() {
        return Err(RdataError::Short);
    }
    Ok(b.to_vec())
}

/// The flags value that says "no key" (RFC 2535 §3.1.2: both key-type bits set).
const KEY_NOKEY: u16 = 0xC000;

/// KEY protocol mnemonics (RFC 2535 §3.1.3), as BIND reads them.
const KEY_PROTOCOLS: &[(&str, u8)] = &[
    ("NONE", 0),
    ("TLS", 1),
    ("EMAIL", 2),
    ("DNSSEC", 3),
    ("IPSEC", 4),
    ("ALL", 255),
];

/// A public key in the legacy KEY form (RFC 2535 §3.1, RFC 3445), also used by RKEY.
///
/// Wire format: FLAGS (16 bits), PROTOCOL (8 bits), ALGORITHM (8 bits), PUBLIC KEY (the rest;
/// empty only when the flags say "no key"). Presentation: numbers, then the key in base64.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key {
    /// Flags; `0xC000` set means no key is present.
    pub flags: u16,
    /// Protocol (3 for DNSSEC).
    pub protocol: u8,
    /// The DNSSEC algorithm number.
    pub algorithm: u8,
    /// The key material.
    pub public_key: Vec<u8>,
}

impl RecordData for Key {
    fn parse(r: &mut Reader<'_>) -> Result<Key, RdataError> {
        let flags = r.u16()?;
        let protocol = r.u8()?;
        let algorithm = r.u8()?;
        let public_key = r.rest().to_vec();
        if public_key.is_empty() && flags & KEY_NOKEY != KEY_NOKEY {
            return Err(RdataError::Short);
        }
        Ok(Key {
            flags,
            protocol,
            algorithm,
            public_key,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.flags);
        s.put_u8(self.protocol);
        s.put_u8(self.algorithm);
        s.put(&self.public_key);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.flags, self.protocol, self.algorithm)?;
        if !self.public_key.is_empty() {
            write!(f, " {}", base64_encode(&self.public_key))?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Key, TextError> {
        let flags: u16 = fields.int("flags")?;
        let p = fields.str("protocol")?;
        let protocol = match KEY_PROTOCOLS.iter().find(|(n, _)| n.eq_ignore_ascii_case(p)) {
            Some(&(_, v)) => v,
            None if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().map_err(|_| TextError::bad("protocol", p))?,
            None => return Err(TextError::bad("protocol", p)),
        };
        let algorithm = algorithm_from_text(fields)?;
        let public_key = base64_tail(fields, "public key", flags & KEY_NOKEY != KEY_NOKEY)?;
        Ok(Key {
            flags,
            protocol,
            algorithm,
            public_key,
        })
    }
}

/// Certificate type mnemonics (RFC 4398 §2.1), as BIND prints them.
const CERT_TYPES: &[(&str, u16)] = &[
    ("PKIX", 1),
    ("SPKI", 2),
    ("PGP", 3),
    ("IPKIX", 4),
    ("ISPKI", 5),
    ("IPGP", 6),
    ("ACPKIX", 7),
    ("IACPKIX", 8),
    ("URI", 253),
    ("OID", 254),
];

/// Certificate or certificate revocation list (RFC 4398 §2).
///
/// Wire format: TYPE (16 bits), KEY TAG (16 bits), ALGORITHM (8 bits), CERTIFICATE (the
/// rest, at least one octet). Presentation (RFC 4398 §2.2): type and algorithm as mnemonics
/// where they have one, the certificate in base64.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Cert {
    /// Certificate type (1 PKIX, 3 PGP, …).
    pub cert_type: u16,
    /// Key tag of the key the certificate is for.
    pub key_tag: u16,
    /// DNSSEC algorithm number.
    pub algorithm: u8,
    /// The certificate or CRL.
    pub certificate: Vec<u8>,
}

impl RecordData for Cert {
    fn parse(r: &mut Reader<'_>) -> Result<Cert, RdataError> {
        Ok(Cert {
            cert_type: r.u16()?,
            key_tag: r.u16()?,
            algorithm: r.u8()?,
            certificate: nonempty_rest(r)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.cert_type);
        s.put_u16(self.key_tag);
        s.put_u8(self.algorithm);
        s.put(&self.certificate);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match CERT_TYPES.iter().find(|&&(_, v)| v == self.cert_type) {
            Some((n, _)) => f.write_str(n)?,
            None => write!(f, "{}", self.cert_type)?,
        }
        write!(f, " {} ", self.key_tag)?;
        match algorithm_mnemonic(self.algorithm) {
            Some(n) => f.write_str(n)?,
            None => write!(f, "{}", self.algorithm)?,
        }
        write!(f, " {}", base64_encode(&self.certificate))
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Cert, TextError> {
        let t = fields.str("certificate type")?;
        let cert_type = match CERT_TYPES.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
            Some(&(_, v)) => v,
            None if t.bytes().all(|b| b.is_ascii_digit()) => {
                t.parse().map_err(|_| TextError::bad("certificate type", t))?
            }
            None => return Err(TextError::bad("certificate type", t)),
        };
        Ok(Cert {
            cert_type,
            key_tag: fields.int("key tag")?,
            algorithm: algorithm_from_text(fields)?,
            certificate: base64_tail(fields, "certificate", true)?,
        })
    }
}

/// At least one octet of opaque data written in base64: DHCID (RFC 4701 §3), OPENPGPKEY
/// (RFC 7929 §2), HHIT and BRID (RFC 9886).
///
/// Wire format: the octets. Presentation: base64, which may be split into several fields.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Base64Data(pub Vec<u8>);

impl RecordData for Base64Data {
    fn parse(r: &mut Reader<'_>) -> Result<Base64Data, RdataError> {
        nonempty_rest(r).map(Base64Data)
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64_encode(&self.0))
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Base64Data, TextError> {
        base64_tail(fields, "base64 data", true).map(Base64Data)
    }
}

/// Host identity protocol information (RFC 8005 §5).
///
/// Wire format: HIT LENGTH (8 bits), PK ALGORITHM (8 bits), PK LENGTH (16 bits), HIT, PUBLIC
/// KEY, then zero or more RENDEZVOUS SERVERS (uncompressed names). Presentation
/// (RFC 8005 §6): algorithm, the HIT in hexadecimal, the key in base64 (one field), the
/// servers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hip {
    /// Public key algorithm (RFC 7401 §5.2.9).
    pub algorithm: u8,
    /// The host identity tag (1–255 octets).
    pub hit: Vec<u8>,
    /// The host identity public key (1–65535 octets).
    pub public_key: Vec<u8>,
    /// Rendezvous servers, in order of preference.
    pub rendezvous_servers: Vec<Name>,
}

impl RecordData for Hip {
    fn parse(r: &mut Reader<'_>) -> Result<Hip, RdataError> {
        let hit_len = usize::from(r.u8()?);
        let algorithm = r.u8()?;
        let pk_len = usize::from(r.u16()?);
        if hit_len == 0 || pk_len == 0 {
            return Err(RdataError::Invalid);
        }
        let hit = r.bytes(hit_len)?.to_vec();
        let public_key = r.bytes(pk_len)?.to_vec();
        let mut rendezvous_servers = Vec::new();
        while !r.is_empty() {
            rendezvous_servers.push(r.name_uncompressed()?);
        }
        Ok(Hip {
            algorithm,
            hit,
            public_key,
            rendezvous_servers,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.hit.len() as u8);
        s.put_u8(self.algorithm);
        s.put_u16(self.public_key.len() as u16);
        s.put(&self.hit);
        s.put(&self.public_key);
        for n in &self.rendezvous_servers {
            s.put_name(n, NameKind::Plain);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.algorithm,
            hex_encode(&self.hit),
            base64_encode(&self.public_key)
        )?;
        for n in &self.rendezvous_servers {
            write!(f, " {n}")?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Hip, TextError> {
        let algorithm = fields.int("PK algorithm")?;
        let h = fields.str("HIT")?;
        let hit = hex_decode(h).ok_or_else(|| TextError::bad("HIT (hexadecimal)", h))?;
        if hit.is_empty() || hit.len() > 255 {
            return Err(TextError::bad("HIT (1-255 octets)", h));
        }
        let k = fields.str("public key")?;
        let public_key = base64_decode(k).ok_or_else(|| TextError::bad("public key (base64)", k))?;
        if public_key.is_empty() || public_key.len() > 65535 {
            return Err(TextError::bad("public key (1-65535 octets)", k));
        }
        let mut rendezvous_servers = Vec::new();
        while !fields.is_empty() {
            rendezvous_servers.push(fields.name("rendezvous server")?);
        }
        Ok(Hip {
            algorithm,
            hit,
            public_key,
            rendezvous_servers,
        })
    }
}

/// Kitchen sink (draft-eastlake-kitchen-sink-02 §2).
///
/// Wire format: MEANING, CODING, SUBCODING (8 bits each), DATA (the rest). Presentation:
/// the numbers, then the data in base64 when there is any.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sink {
    /// What the data means.
    pub meaning: u8,
    /// How the data is encoded.
    pub coding: u8,
    /// Refinement of the coding.
    pub subcoding: u8,
    /// The data.
    pub data: Vec<u8>,
}

impl RecordData for Sink {
    fn parse(r: &mut Reader<'_>) -> Result<Sink, RdataError> {
        Ok(Sink {
            meaning: r.u8()?,
            coding: r.u8()?,
            subcoding: r.u8()?,
            data: r.rest().to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.meaning);
        s.put_u8(self.coding);
        s.put_u8(self.subcoding);
        s.put(&self.data);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.meaning, self.coding, self.subcoding)?;
        if !self.data.is_empty() {
            write!(f, " {}", base64_encode(&self.data))?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Sink, TextError> {
        Ok(Sink {
            meaning: fields.int("meaning")?,
            coding: fields.int("coding")?,
            subcoding: fields.int("subcoding")?,
            data: base64_tail(fields, "data", false)?,
        })
    }
}

/// Digital object architecture record (draft-durand-doa-over-dns-03 §3).
///
/// Wire format: DOA-ENTERPRISE (32 bits), DOA-TYPE (32 bits), DOA-LOCATION (8 bits),
/// DOA-MEDIA-TYPE (`<character-string>`), DOA-DATA (the rest). Presentation: the numbers,
/// the media type quoted, the data in base64 or `-` when empty.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Doa {
    /// IANA private enterprise number of the type's owner (0 for IETF types).
    pub enterprise: u32,
    /// The object type within the enterprise.
    pub doa_type: u32,
    /// 1 local (DOA-DATA holds the object), 2 URI, 3 HDL.
    pub location: u8,
    /// Media type of the data (RFC 6838).
    pub media_type: Vec<u8>,
    /// The object or its location.
    pub data: Vec<u8>,
}

impl RecordData for Doa {
    fn parse(r: &mut Reader<'_>) -> Result<Doa, RdataError> {
        Ok(Doa {
            enterprise: r.u32()?,
            doa_type: r.u32()?,
            location: r.u8()?,
            media_type: r.character_string()?.to_vec(),
            data: r.rest().to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u32(self.enterprise);
        s.put_u32(self.doa_type);
        s.put_u8(self.location);
        s.put_character_string(&self.media_type);
        s.put(&self.data);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} ", self.enterprise, self.doa_type, self.location)?;
        fmt_character_string(&self.media_type, f)?;
        if self.data.is_empty() {
            f.write_str(" -")
        } else {
            write!(f, " {}", base64_encode(&self.data))
        }
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Doa, TextError> {
        let enterprise = fields.int("DOA enterprise")?;
        let doa_type = fields.int("DOA type")?;
        let location = fields.int("DOA location")?;
        let media_type = fields.character_string("DOA media type")?;
        let data = match fields.peek() {
            Some(t) if t.text == "-" && !t.quoted => {
                fields.token("DOA data")?;
                Vec::new()
            }
            _ => base64_tail(fields, "DOA data", true)?,
        };
        Ok(Doa {
            enterprise,
            doa_type,
            location,
            media_type,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::text::hex_decode;
    use crate::types::RecordType;

    fn hex(s: &str) -> Vec<u8> {
        hex_decode(s).expect("test hex")
    }

    #[test]
    fn rfc2535_section_3_1_key_and_rkey() {
        check(
            RecordType::KEY,
            "256 DNSSEC RSASHA1 AQID",
            "256 3 5 AQID",
            b"\x01\x00\x03\x05\x01\x02\x03",
        );
        // RFC 2535 §3.1.2: with both key-type bits set there is no key.
        check(RecordType::KEY, "49152 3 5", "49152 3 5", b"\xc0\x00\x03\x05");
        check(
            RecordType::RKEY,
            "0 1 8 Zm9v YmE=",
            "0 1 8 Zm9vYmE=",
            b"\x00\x00\x01\x08fooba",
        );
        refuse(RecordType::KEY, "256 3 5");
        refuse(RecordType::KEY, "65536 3 5 AQID");
        refuse(RecordType::KEY, "256 3 256 AQID");
        refuse(RecordType::KEY, "256 3 5 AQI");
        refuse(RecordType::KEY, "256 NOPE 5 AQID");
        assert!(RData::parse(RecordType::KEY, b"\x01\x00\x03\x05", 0, 4).is_err());
    }

    #[test]
    fn rfc4398_section_2_2_cert() {
        check(
            RecordType::CERT,
            "1 12345 8 AQID",
            "PKIX 12345 RSASHA256 AQID",
            b"\x00\x01\x30\x39\x08\x01\x02\x03",
        );
        check(
            RecordType::CERT,
            "uri 0 privateoid AA==",
            "URI 0 PRIVATEOID AA==",
            b"\x00\xfd\x00\x00\xfe\x00",
        );
        check(
            RecordType::CERT,
            "65535 65535 255 AA==",
            "65535 65535 255 AA==",
            b"\xff\xff\xff\xff\xff\x00",
        );
        check(
            RecordType::CERT,
            "IPGP 0 ECDSA256 AA==",
            "IPGP 0 ECDSAP256SHA256 AA==",
            b"\x00\x06\x00\x00\x0d\x00",
        );
        refuse(RecordType::CERT, "X 0 0 AA==");
        refuse(RecordType::CERT, "0 65536 0 AA==");
        refuse(RecordType::CERT, "0 0 256 AA==");
        refuse(RecordType::CERT, "0 0 0");
        refuse(RecordType::CERT, "0 0 0 A===");
        assert!(RData::parse(RecordType::CERT, b"\x00\x01\x00\x00\x05", 0, 5).is_err());
    }

    #[test]
    fn rfc4701_section_3_6_dhcid() {
        // RFC 4701 §3.6, first example (client identifier 000102030405).
        check(
            RecordType::DHCID,
            "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
            "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
            &hex("000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40"),
        );
        refuse(RecordType::DHCID, "");
        refuse(RecordType::DHCID, "A");
        refuse(RecordType::DHCID, "====");
        assert!(RData::parse(RecordType::DHCID, b"", 0, 0).is_err());
    }

    #[test]
    fn rfc7929_openpgpkey_and_rfc9886_hhit_brid() {
        check(
            RecordType::OPENPGPKEY,
            "( AQID\n BA== )",
            "AQIDBA==",
            b"\x01\x02\x03\x04",
        );
        check(RecordType::HHIT, "AQID", "AQID", b"\x01\x02\x03");
        check(RecordType::BRID, "AQID", "AQID", b"\x01\x02\x03");
        refuse(RecordType::OPENPGPKEY, "");
        refuse(RecordType::HHIT, "!!!!");
        refuse(RecordType::BRID, "");
    }

    #[test]
    fn rfc8162_section_2_smimea() {
        check(
            RecordType::SMIMEA,
            "3 1 0 a9cdf989 b504fe5d",
            "3 1 0 A9CDF989B504FE5D",
            b"\x03\x01\x00\xa9\xcd\xf9\x89\xb5\x04\xfe\x5d",
        );
        // SMIMEA shares TLSA's form and rules: a SHA-256 match must be 32 octets.
        refuse(RecordType::SMIMEA, "3 1 1 a9cdf989b504fe5d");
        refuse(RecordType::SMIMEA, "3 1 1");
        refuse(RecordType::SMIMEA, "3 1 1 abc");
        refuse(RecordType::SMIMEA, "256 1 1 ab");
    }

    #[test]
    fn rfc4431_section_2_dlv_and_ta() {
        let digest = hex("123456789abcdef67890123456789abcdef67890");
        let mut wire = b"\x30\x39\x03\x01".to_vec();
        wire.extend_from_slice(&digest);
        check(
            RecordType::DLV,
            "12345 3 1 123456789abcdef67890123456789abcdef67890",
            "12345 3 1 123456789ABCDEF67890123456789ABCDEF67890",
            &wire,
        );
        check(
            RecordType::TA,
            "12345 DSA 1 123456789abcdef67890123456789abcdef67890",
            "12345 3 1 123456789ABCDEF67890123456789ABCDEF67890",
            &wire,
        );
        check(RecordType::TA, "1 2 200 AB", "1 2 200 AB", b"\x00\x01\x02\xc8\xab");
        refuse(RecordType::DLV, "12345 3 1 1234");
        refuse(RecordType::DLV, "12345 3 2 123456789abcdef67890123456789abcdef67890");
        refuse(RecordType::TA, "12345 3 1");
        assert!(RData::parse(RecordType::DLV, b"\x30\x39\x03\x01\x12", 0, 5).is_err());
    }

    #[test]
    fn rfc8005_section_6_hip() {
        let key = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
        let wire = hex("10020084200100107b1a74df365639cc39f1d57803010001b771ca136e4aeb5ce44333c53b3d2c13c22243851fc708bcce29f7e2eb5787b5f56ccad34f8223acc10904ddb56b2ec4a6d6232f3b50ea094f0914b3b941bbe529af582c36bbadefdaf2adaf9b4911906f5b2522603c615272b880ec8fb930cc6ee39c444daa75b1678f005a4b2499d1da5433f805c7a5ad3237acc5dd5c5e4303727673076578616d706c6503636f6d00");
        check(
            RecordType::HIP,
            &format!("( 2 200100107b1a74df365639cc39f1d578\n {key}\n rvs.example.com. )"),
            &format!("2 200100107B1A74DF365639CC39F1D578 {key} rvs.example.com."),
            &wire,
        );
        let rvs_len = b"\x03rvs\x07example\x03com\x00".len();
        check(
            RecordType::HIP,
            &format!("2 200100107B1A74DF365639CC39F1D578 {key}"),
            &format!("2 200100107B1A74DF365639CC39F1D578 {key}"),
            &wire[..wire.len() - rvs_len],
        );
        refuse(RecordType::HIP, "2 200100107B1A74DF365639CC39F1D578");
        refuse(RecordType::HIP, &format!("2 2001001 {key}"));
        refuse(RecordType::HIP, "2 2001 AQ ID");
        // Zero HIT or key length is refused on the wire.
        assert!(RData::parse(RecordType::HIP, b"\x00\x02\x00\x01\x01", 0, 5).is_err());
    }

    #[test]
    fn sink_and_doa() {
        check(
            RecordType::SINK,
            "1 2 3 AQID",
            "1 2 3 AQID",
            b"\x01\x02\x03\x01\x02\x03",
        );
        check(RecordType::SINK, "1 2 3", "1 2 3", b"\x01\x02\x03");
        refuse(RecordType::SINK, "1 2");
        refuse(RecordType::SINK, "1 2 256");
        // draft-durand-doa-over-dns §3 style records, as BIND's tests write them.
        check(
            RecordType::DOA,
            "0 1 2 \"\" aHR0cHM6Ly93d3cuaXNjLm9yZy8=",
            "0 1 2 \"\" aHR0cHM6Ly93d3cuaXNjLm9yZy8=",
            b"\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00https://www.isc.org/",
        );
        check(
            RecordType::DOA,
            "1234567890 1234567890 1 \"image/gif\" -",
            "1234567890 1234567890 1 \"image/gif\" -",
            b"\x49\x96\x02\xd2\x49\x96\x02\xd2\x01\x09image/gif",
        );
        refuse(RecordType::DOA, "0 1 2 \"\"");
        refuse(RecordType::DOA, "0 1 256 \"\" -");
        refuse(RecordType::DOA, "4294967296 1 2 \"\" -");
    }
}
