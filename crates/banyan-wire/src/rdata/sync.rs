//! Parent/child synchronisation types: CSYNC (RFC 7477) and DSYNC
//! (draft-ietf-dnsop-generalized-notify).

use std::fmt;

use super::legacy_dnssec::rtype_from_text;
use super::{RecordData, TypeBitmap};
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::Fields;
use crate::types::RecordType;
use crate::wire::{NameKind, Reader, WireSink};

/// Child-to-parent synchronisation (RFC 7477 §2.1).
///
/// Wire format: SOA SERIAL (32 bits), FLAGS (16 bits), TYPE BIT MAP (NSEC form, RFC 4034
/// §4.1.2, possibly empty). Presentation: serial, flags, the type mnemonics.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Csync {
    /// The child's SOA serial this record applies to.
    pub serial: u32,
    /// Bit 0 immediate, bit 1 soaminimum (RFC 7477 §2.1.1.2).
    pub flags: u16,
    /// The types to synchronise.
    pub types: TypeBitmap,
}

impl RecordData for Csync {
    fn parse(r: &mut Reader<'_>) -> Result<Csync, RdataError> {
        Ok(Csync {
            serial: r.u32()?,
            flags: r.u16()?,
            types: TypeBitmap::parse(r)?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u32(self.serial);
        s.put_u16(self.flags);
        self.types.write(s);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.serial, self.flags)?;
        if !self.types.is_empty() {
            write!(f, " {}", self.types)?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Csync, TextError> {
        let serial = fields.int("SOA serial")?;
        let flags = fields.int("flags")?;
        let types = TypeBitmap::from_text(fields)?;
        Ok(Csync { serial, flags, types })
    }
}

/// The one DSYNC scheme with a mnemonic (draft-ietf-dnsop-generalized-notify §2.2).
const DSYNC_NOTIFY: u8 = 1;

/// Endpoint for generalized NOTIFY (draft-ietf-dnsop-generalized-notify-09 §2).
///
/// Wire format: RRTYPE (16 bits), SCHEME (8 bits), PORT (16 bits), TARGET (uncompressed
/// name). Presentation: type mnemonic, scheme (`NOTIFY` or a number), port, target.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Dsync {
    /// The type the notifications are about (CDS, CSYNC).
    pub rrtype: RecordType,
    /// How to notify (1: a DNS NOTIFY message).
    pub scheme: u8,
    /// The port to send to.
    pub port: u16,
    /// The host to notify.
    pub target: Name,
}

impl RecordData for Dsync {
    fn parse(r: &mut Reader<'_>) -> Result<Dsync, RdataError> {
        Ok(Dsync {
            rrtype: RecordType(r.u16()?),
            scheme: r.u8()?,
            port: r.u16()?,
            target: r.name_uncompressed()?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.rrtype.0);
        s.put_u8(self.scheme);
        s.put_u16(self.port);
        s.put_name(&self.target, NameKind::Plain);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.rrtype)?;
        if self.scheme == DSYNC_NOTIFY {
            f.write_str("NOTIFY")?;
        } else {
            write!(f, "{}", self.scheme)?;
        }
        write!(f, " {} {}", self.port, self.target)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Dsync, TextError> {
        let t = fields.str("record type")?;
        let rrtype = rtype_from_text(t).ok_or_else(|| TextError::bad("record type", t))?;
        let s = fields.str("scheme")?;
        let scheme = if s.eq_ignore_ascii_case("NOTIFY") {
            DSYNC_NOTIFY
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| TextError::bad("scheme", s))?
        } else {
            return Err(TextError::bad("scheme", s));
        };
        Ok(Dsync {
            rrtype,
            scheme,
            port: fields.int("port")?,
            target: fields.name("target")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::types::RecordType;

    #[test]
    fn rfc7477_section_2_2_csync() {
        // RFC 7477 §2.2: `CSYNC 66 3 A NS AAAA`
        check(
            RecordType::CSYNC,
            "66 3 A NS AAAA",
            "66 3 A NS AAAA",
            b"\x00\x00\x00\x42\x00\x03\x00\x04\x60\x00\x00\x08",
        );
        check(RecordType::CSYNC, "0 0", "0 0", b"\x00\x00\x00\x00\x00\x00");
        check(
            RecordType::CSYNC,
            "0 0 TYPE256 A TYPE32768 A",
            "0 0 A URI TA",
            b"\x00\x00\x00\x00\x00\x00\x00\x01\x40\x01\x01\x80\x80\x01\x80",
        );
        refuse(RecordType::CSYNC, "4294967296 0");
        refuse(RecordType::CSYNC, "0 65536");
        refuse(RecordType::CSYNC, "0 0 TYPE65536");
        refuse(RecordType::CSYNC, "0 0 X");
        refuse(RecordType::CSYNC, "0");
        // Windows out of order, empty, or with a zero last octet are refused.
        assert!(RData::parse(RecordType::CSYNC, b"\0\0\0\0\0\0\x01\x01\x80\x00\x01\x40", 0, 12).is_err());
        assert!(RData::parse(RecordType::CSYNC, b"\0\0\0\0\0\0\x00\x00", 0, 8).is_err());
        assert!(RData::parse(RecordType::CSYNC, b"\0\0\0\0\0\0\x00\x02\x40\x00", 0, 10).is_err());
        assert!(RData::parse(RecordType::CSYNC, b"\0\0\0\0\0\0\x00\x21", 0, 8).is_err());
    }

    #[test]
    fn generalized_notify_section_2_dsync() {
        check(
            RecordType::DSYNC,
            "CDS NOTIFY 5300 notify-endpoint.parent.net.",
            "CDS NOTIFY 5300 notify-endpoint.parent.net.",
            b"\x00\x3b\x01\x14\xb4\x0fnotify-endpoint\x06parent\x03net\x00",
        );
        check(
            RecordType::DSYNC,
            "type62 128 443 .",
            "CSYNC 128 443 .",
            b"\x00\x3e\x80\x01\xbb\x00",
        );
        check(
            RecordType::DSYNC,
            "TYPE0 0 0 x",
            "TYPE0 0 0 x.example.",
            b"\x00\x00\x00\x00\x00\x01x\x07example\x00",
        );
        refuse(RecordType::DSYNC, "CDS");
        refuse(RecordType::DSYNC, "JUNK NOTIFY 53 example.com.");
        refuse(RecordType::DSYNC, "CDS JUNK 53 example.com.");
        refuse(RecordType::DSYNC, "CDS NOTIFY 65567 example.com.");
        refuse(RecordType::DSYNC, "CDS 256 53 example.com.");
    }
}
