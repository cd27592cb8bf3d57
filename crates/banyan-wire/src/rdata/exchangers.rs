//! Types that name a host together with a 16-bit preference or subtype: AFSDB and RT
//! (RFC 1183), KX (RFC 2230), LP (RFC 6742) and PX (RFC 2163).

use std::fmt;

use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::Fields;
use crate::wire::{NameKind, Reader, WireSink};

macro_rules! preference_name {
    (
        $(#[$meta:meta])*
        $ty:ident, $kind:ident, $num:ident: $num_what:literal, $name:ident: $name_what:literal,
        $num_doc:literal, $name_doc:literal
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        pub struct $ty {
            #[doc = $num_doc]
            pub $num: u16,
            #[doc = $name_doc]
            pub $name: Name,
        }

        impl RecordData for $ty {
            fn parse(r: &mut Reader<'_>) -> Result<$ty, RdataError> {
                Ok($ty {
                    $num: r.u16()?,
                    $name: parse_name(r, NameKind::$kind)?,
                })
            }
            fn write<S: WireSink>(&self, s: &mut S) {
                s.put_u16(self.$num);
                s.put_name(&self.$name, NameKind::$kind);
            }
            fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.$num, self.$name)
            }
            fn from_text(fields: &mut Fields<'_, '_>) -> Result<$ty, TextError> {
                Ok($ty {
                    $num: fields.int($num_what)?,
                    $name: fields.name($name_what)?,
                })
            }
        }
    };
}

preference_name! {
    /// AFS database location (RFC 1183 §1).
    ///
    /// Wire format: SUBTYPE (16 bits), HOSTNAME (name; lowercased in canonical form,
    /// RFC 4034 §6.2).
    Afsdb, Canonical, subtype: "subtype", hostname: "hostname",
    "1 for an AFS volume location server, 2 for a DCE authenticated name server.",
    "The server."
}

preference_name! {
    /// Route through (RFC 1183 §3.3).
    ///
    /// Wire format: PREFERENCE (16 bits), INTERMEDIATE-HOST (name; lowercased in canonical
    /// form, RFC 4034 §6.2).
    Rt, Canonical, preference: "preference", host: "intermediate host",
    "Lower is preferred.",
    "The host to route through."
}

preference_name! {
    /// Key exchanger (RFC 2230 §3).
    ///
    /// Wire format: PREFERENCE (16 bits), EXCHANGER (name, never compressed, lowercased in
    /// canonical form, RFC 4034 §6.2).
    Kx, Canonical, preference: "preference", exchanger: "exchanger",
    "Lower is preferred.",
    "The key exchanger."
}

preference_name! {
    /// Locator FQDN for ILNP (RFC 6742 §2.4).
    ///
    /// Wire format: PREFERENCE (16 bits), FQDN (name, never compressed).
    Lp, Plain, preference: "preference", fqdn: "FQDN",
    "Lower is preferred.",
    "A name holding L32 or L64 records."
}

/// X.400 mail mapping (RFC 2163 §4).
///
/// Wire format: PREFERENCE (16 bits), MAP822 (name), MAPX400 (name); names lowercased in
/// canonical form (RFC 4034 §6.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Px {
    /// Lower is preferred.
    pub preference: u16,
    /// The RFC 822 part of the mapping.
    pub map822: Name,
    /// The X.400 part of the mapping.
    pub mapx400: Name,
}

impl RecordData for Px {
    fn parse(r: &mut Reader<'_>) -> Result<Px, RdataError> {
        Ok(Px {
            preference: r.u16()?,
            map822: parse_name(r, NameKind::Canonical)?,
            mapx400: parse_name(r, NameKind::Canonical)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.preference);
        s.put_name(&self.map822, NameKind::Canonical);
        s.put_name(&self.mapx400, NameKind::Canonical);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.preference, self.map822, self.mapx400)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Px, TextError> {
        Ok(Px {
            preference: fields.int("preference")?,
            map822: fields.name("MAP822")?,
            mapx400: fields.name("MAPX400")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::types::RecordType;

    #[test]
    fn rfc1183_section_1_afsdb() {
        // RFC 1183 §1: `toaster.com. AFSDB 1 jack.toaster.com.`
        check(
            RecordType::AFSDB,
            "1 jack.toaster.com.",
            "1 jack.toaster.com.",
            b"\x00\x01\x04jack\x07toaster\x03com\x00",
        );
        refuse(RecordType::AFSDB, "1");
        refuse(RecordType::AFSDB, "65536 a.");
        refuse(RecordType::AFSDB, "x a.");
    }

    #[test]
    fn rfc1183_section_3_3_rt() {
        // RFC 1183 §3.3: `sh.prime.com. IN RT 2 Relay.Prime.COM.`
        check(
            RecordType::RT,
            "2 Relay.Prime.COM.",
            "2 Relay.Prime.COM.",
            b"\x00\x02\x05Relay\x05Prime\x03COM\x00",
        );
        refuse(RecordType::RT, "2 a. b.");
    }

    #[test]
    fn rfc2230_section_3_kx() {
        check(
            RecordType::KX,
            "10 kx1",
            "10 kx1.example.",
            b"\x00\x0a\x03kx1\x07example\x00",
        );
        refuse(RecordType::KX, "-1 kx1");
    }

    #[test]
    fn rfc6742_section_2_4_lp() {
        // RFC 6742 §5: `LP 10 l64-subnet1.example.com.`
        check(
            RecordType::LP,
            "10 l64-subnet1.example.com.",
            "10 l64-subnet1.example.com.",
            b"\x00\x0a\x0bl64-subnet1\x07example\x03com\x00",
        );
        refuse(RecordType::LP, "10");
        // Never compressed.
        assert!(crate::rdata::RData::parse(RecordType::LP, b"\x00\x00\x0a\xc0\x00", 1, 4).is_err());
    }

    #[test]
    fn rfc2163_section_4_px() {
        // RFC 2163 §4: `*.ADMD-garr.X42D.it. IN PX 50 .ADMD-garr.C-it.`-style entries.
        check(
            RecordType::PX,
            "50 ADMD-garr.X42D.it. ADMD-garr.C-it.",
            "50 ADMD-garr.X42D.it. ADMD-garr.C-it.",
            b"\x00\x32\x09ADMD-garr\x04X42D\x02it\x00\x09ADMD-garr\x04C-it\x00",
        );
        check(RecordType::PX, "65535 . .", "65535 . .", b"\xff\xff\x00\x00");
        refuse(RecordType::PX, "10 a.");
    }
}
