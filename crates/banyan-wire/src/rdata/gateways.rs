//! Types that point at a gateway or relay given as nothing, an IPv4 or IPv6 address, or a
//! name: IPSECKEY (RFC 4025) and AMTRELAY (RFC 8777).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::keys::base64_tail;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{base64_encode, Fields};
use crate::wire::{NameKind, Reader, WireSink};

/// A gateway or relay (RFC 4025 §2.5, RFC 8777 §4.2.3).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Gateway {
    /// Type 0: no gateway (written `.` in IPSECKEY).
    None,
    /// Type 1: an IPv4 address (4 octets).
    Ipv4(Ipv4Addr),
    /// Type 2: an IPv6 address (16 octets).
    Ipv6(Ipv6Addr),
    /// Type 3: an uncompressed domain name.
    Name(Name),
}

impl Gateway {
    /// The gateway type number.
    pub fn kind(&self) -> u8 {
        match self {
            Gateway::None => 0,
            Gateway::Ipv4(_) => 1,
            Gateway::Ipv6(_) => 2,
            Gateway::Name(_) => 3,
        }
    }

    fn parse(kind: u8, r: &mut Reader<'_>) -> Result<Gateway, RdataError> {
        Ok(match kind {
            0 => Gateway::None,
            1 => Gateway::Ipv4(Ipv4Addr::from(r.array::<4>()?)),
            2 => Gateway::Ipv6(Ipv6Addr::from(r.array::<16>()?)),
            3 => Gateway::Name(r.name_uncompressed()?),
            _ => return Err(RdataError::Invalid),
        })
    }

    fn write<S: WireSink>(&self, s: &mut S) {
        match self {
            Gateway::None => {}
            Gateway::Ipv4(a) => s.put(&a.octets()),
            Gateway::Ipv6(a) => s.put(&a.octets()),
            Gateway::Name(n) => s.put_name(n, NameKind::Plain),
        }
    }

    /// Reads a gateway of type `kind` (not 0) from the next field.
    fn from_text(kind: u8, fields: &mut Fields<'_, '_>) -> Result<Gateway, TextError> {
        Ok(match kind {
            1 => {
                let s = fields.str("IPv4 gateway")?;
                Gateway::Ipv4(s.parse().map_err(|_| TextError::bad("IPv4 gateway", s))?)
            }
            2 => {
                let s = fields.str("IPv6 gateway")?;
                Gateway::Ipv6(s.parse().map_err(|_| TextError::bad("IPv6 gateway", s))?)
            }
            3 => Gateway::Name(fields.name("gateway name")?),
            _ => return Err(TextError::bad("gateway type (0-3)", &kind.to_string())),
        })
    }
}

impl fmt::Display for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gateway::None => f.write_str("."),
            Gateway::Ipv4(a) => write!(f, "{a}"),
            Gateway::Ipv6(a) => write!(f, "{a}"),
            Gateway::Name(n) => write!(f, "{n}"),
        }
    }
}

/// IPsec keying material (RFC 4025 §2).
///
/// Wire format: PRECEDENCE, GATEWAY TYPE, ALGORITHM (8 bits each), GATEWAY (by type:
/// nothing, 4 or 16 octets, or an uncompressed name), PUBLIC KEY (the rest; empty when the
/// algorithm is 0). Presentation (RFC 4025 §3): the numbers, the gateway (`.` for none),
/// then the key in base64.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipseckey {
    /// Lower is preferred.
    pub precedence: u8,
    /// Public key algorithm (0 none, 1 DSA, 2 RSA, 3 ECDSA).
    pub algorithm: u8,
    /// Where to send the traffic.
    pub gateway: Gateway,
    /// The public key.
    pub public_key: Vec<u8>,
}

impl RecordData for Ipseckey {
    fn parse(r: &mut Reader<'_>) -> Result<Ipseckey, RdataError> {
        let precedence = r.u8()?;
        let kind = r.u8()?;
        let algorithm = r.u8()?;
        let gateway = Gateway::parse(kind, r)?;
        let public_key = r.rest().to_vec();
        if algorithm == 0 && !public_key.is_empty() {
            return Err(RdataError::Invalid);
        }
        Ok(Ipseckey {
            precedence,
            algorithm,
            gateway,
            public_key,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.precedence);
        s.put_u8(self.gateway.kind());
        s.put_u8(self.algorithm);
        self.gateway.write(s);
        s.put(&self.public_key);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.precedence,
            self.gateway.kind(),
            self.algorithm,
            self.gateway
        )?;
        if !self.public_key.is_empty() {
            write!(f, " {}", base64_encode(&self.public_key))?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Ipseckey, TextError> {
        let precedence = fields.int("precedence")?;
        let kind: u8 = fields.int("gateway type")?;
        let algorithm = fields.int("algorithm")?;
        let gateway = if kind == 0 {
            let s = fields.str("gateway")?;
            if s != "." {
                return Err(TextError::bad("gateway (. for gateway type 0)", s));
            }
            Gateway::None
        } else {
            Gateway::from_text(kind, fields)?
        };
        let public_key = base64_tail(fields, "public key", false)?;
        if algorithm == 0 && !public_key.is_empty() {
            return Err(TextError::bad(
                "public key (none allowed with algorithm 0)",
                &base64_encode(&public_key),
            ));
        }
        Ok(Ipseckey {
            precedence,
            algorithm,
            gateway,
            public_key,
        })
    }
}

/// Automatic multicast tunneling relay (RFC 8777 §4).
///
/// Wire format: PRECEDENCE (8 bits), D (1 bit) and RELAY TYPE (7 bits), RELAY (by type:
/// nothing, 4 or 16 octets, or an uncompressed name). Presentation (RFC 8777 §4.3):
/// precedence, D as 0 or 1, type, relay (absent for type 0, as BIND prints it; a `.` there
/// is accepted on input).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Amtrelay {
    /// Lower is preferred.
    pub precedence: u8,
    /// The discovery-optional bit.
    pub discovery_optional: bool,
    /// The relay.
    pub relay: Gateway,
}

impl RecordData for Amtrelay {
    fn parse(r: &mut Reader<'_>) -> Result<Amtrelay, RdataError> {
        let precedence = r.u8()?;
        let dt = r.u8()?;
        let relay = Gateway::parse(dt & 0x7F, r)?;
        Ok(Amtrelay {
            precedence,
            discovery_optional: dt & 0x80 != 0,
            relay,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.precedence);
        s.put_u8(u8::from(self.discovery_optional) << 7 | self.relay.kind());
        self.relay.write(s);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.precedence,
            u8::from(self.discovery_optional),
            self.relay.kind()
        )?;
        if self.relay != Gateway::None {
            write!(f, " {}", self.relay)?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Amtrelay, TextError> {
        let precedence = fields.int("precedence")?;
        let d = fields.str("discovery-optional bit")?;
        let discovery_optional = match d {
            "0" => false,
            "1" => true,
            _ => return Err(TextError::bad("discovery-optional bit (0 or 1)", d)),
        };
        let kind: u8 = fields.int("relay type")?;
        let relay = if kind == 0 {
            if fields.peek().is_some_and(|t| t.text == "." && !t.quoted) {
                fields.token("relay")?;
            }
            Gateway::None
        } else {
            Gateway::from_text(kind, fields)?
        };
        Ok(Amtrelay {
            precedence,
            discovery_optional,
            relay,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::types::RecordType;

    #[test]
    fn rfc4025_section_3_1_ipseckey_examples() {
        // RFC 4025 §3.1 examples.
        let key = crate::text::base64_decode("AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==").expect("key");
        let mut wire = b"\x0a\x01\x02\xc0\x00\x02\x26".to_vec();
        wire.extend_from_slice(&key);
        check(
            RecordType::IPSECKEY,
            "( 10 1 2\n 192.0.2.38\n AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ== )",
            "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            &wire,
        );
        let mut wire = b"\x0a\x00\x02".to_vec();
        wire.extend_from_slice(&key);
        check(
            RecordType::IPSECKEY,
            "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            "10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            &wire,
        );
        let mut wire = b"\x0a\x03\x02\x09mygateway\x07example\x03com\x00".to_vec();
        wire.extend_from_slice(&key);
        check(
            RecordType::IPSECKEY,
            "10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            "10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            &wire,
        );
        let mut wire = b"\x0a\x02\x02\x20\x01\x0d\xb8\x00\x00\x80\x02\x00\x00\x00\x00\x20\x00\x00\x01".to_vec();
        wire.extend_from_slice(&key);
        check(
            RecordType::IPSECKEY,
            "10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            "10 2 2 2001:db8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
            &wire,
        );
        check(RecordType::IPSECKEY, "0 0 0 .", "0 0 0 .", b"\x00\x00\x00");
        refuse(RecordType::IPSECKEY, "0 4 0 .");
        refuse(RecordType::IPSECKEY, "0 0 0 . AA==");
        refuse(RecordType::IPSECKEY, "0 0 0 x");
        refuse(RecordType::IPSECKEY, "256 0 0 .");
        refuse(RecordType::IPSECKEY, "0 1 0 ::1");
        refuse(RecordType::IPSECKEY, "0 0");
        assert!(RData::parse(RecordType::IPSECKEY, b"\x00\x04\x00", 0, 3).is_err());
        assert!(RData::parse(RecordType::IPSECKEY, b"\x00\x00\x00\x01", 0, 4).is_err());
    }

    #[test]
    fn rfc8777_section_4_3_amtrelay() {
        check(RecordType::AMTRELAY, "0 0 0 .", "0 0 0", b"\x00\x00");
        check(RecordType::AMTRELAY, "0 1 0", "0 1 0", b"\x00\x80");
        check(
            RecordType::AMTRELAY,
            "10 0 1 203.0.113.15",
            "10 0 1 203.0.113.15",
            b"\x0a\x01\xcb\x00\x71\x0f",
        );
        check(
            RecordType::AMTRELAY,
            "10 0 2 2001:db8::15",
            "10 0 2 2001:db8::15",
            b"\x0a\x02\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x15",
        );
        check(
            RecordType::AMTRELAY,
            "128 1 3 amtrelays.example.com.",
            "128 1 3 amtrelays.example.com.",
            b"\x80\x83\x09amtrelays\x07example\x03com\x00",
        );
        refuse(RecordType::AMTRELAY, "0 2 0");
        refuse(RecordType::AMTRELAY, "0 0 4 x");
        refuse(RecordType::AMTRELAY, "0 0 1");
        refuse(RecordType::AMTRELAY, "0 0 0 x");
        assert!(RData::parse(RecordType::AMTRELAY, b"\x00\x04", 0, 2).is_err());
    }
}
