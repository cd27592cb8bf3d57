//! The record types of RFC 1035 (and AAAA, RFC 3596), and the single-name types.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{fmt_character_string, Fields};
use crate::wire::{NameKind, Reader, WireSink};

/// Reads the name of a single-name type (NS, CNAME, PTR, DNAME). Pointers are followed for
/// every kind but [`NameKind::Plain`]: RFC 3597 §4 lets receivers decompress the older types,
/// and being liberal here costs nothing.
pub(super) fn parse_name(r: &mut Reader<'_>, kind: NameKind) -> Result<Name, RdataError> {
    match kind {
        NameKind::Plain => r.name_uncompressed(),
        _ => r.name(),
    }
}

/// IPv4 host address (RFC 1035 §3.4.1). Wire format: 4 octets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct A(pub Ipv4Addr);

impl RecordData for A {
    fn parse(r: &mut Reader<'_>) -> Result<A, RdataError> {
        Ok(A(Ipv4Addr::from(r.array::<4>()?)))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0.octets());
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<A, TextError> {
        let s = fields.str("IPv4 address")?;
        parse_ipv4(s.as_bytes())
            .map(A)
            .ok_or_else(|| TextError::bad("IPv4 address", s))
    }
}

/// IPv6 text without an embedded IPv4 part (RFC 4291 §2.2 forms 1 and 2): up to eight
/// groups of one to four hex digits, at most one `::` standing for at least one zero group.
/// `None` for anything else, which `Ipv6Addr::from_str` then judges: this only spares the
/// common form its general parser.
fn parse_ipv6_hex(s: &[u8]) -> Option<Ipv6Addr> {
    let (head, tail) = match s.windows(2).position(|w| w == b"::") {
        Some(i) => (&s[..i], Some(&s[i + 2..])),
        None => (s, None),
    };
    let mut groups = [0u16; 8];
    let read = |part: &[u8], out: &mut [u16]| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for g in part.split(|b| *b == b':') {
            if g.is_empty() || g.len() > 4 || n == out.len() {
                return None;
            }
            let mut v = 0u16;
            for &c in g {
                v = v << 4 | u16::from(char::from(c).to_digit(16)? as u8);
            }
            out[n] = v;
            n += 1;
        }
        Some(n)
    };
    let n_head = read(head, &mut groups)?;
    match tail {
        None => (n_head == 8).then_some(Ipv6Addr::from(groups)),
        Some(tail) => {
            let mut rest = [0u16; 7];
            let room = 7usize.checked_sub(n_head)?;
            let n_tail = read(tail, &mut rest[..room])?;
            groups[8 - n_tail..].copy_from_slice(&rest[..n_tail]);
            Some(Ipv6Addr::from(groups))
        }
    }
}

/// Dotted-quad IPv4 (RFC 1035 §3.4.1's form): four decimal octets, no leading zeros — what
/// `Ipv4Addr::from_str` accepts, in a fraction of its time, since every A record of a zone
/// goes through here.
fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split(|b| *b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let mut v: u32 = 0;
        for &d in part {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(d - b'0');
        }
        *octet = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// IPv6 host address (RFC 3596 §2.2). Wire format: 16 octets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Aaaa(pub Ipv6Addr);

impl RecordData for Aaaa {
    fn parse(r: &mut Reader<'_>) -> Result<Aaaa, RdataError> {
        Ok(Aaaa(Ipv6Addr::from(r.array::<16>()?)))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0.octets());
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rust prints RFC 5952 form, which is what BIND and Knot print too, except that
        // Rust prints IPv4-mapped addresses as `::ffff:1.2.3.4` like they do.
        write!(f, "{}", self.0)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Aaaa, TextError> {
        let s = fields.str("IPv6 address")?;
        let fast = if s.contains('.') {
            None
        } else {
            parse_ipv6_hex(s.as_bytes())
        };
        fast.or_else(|| s.parse().ok())
            .map(Aaaa)
            .ok_or_else(|| TextError::bad("IPv6 address", s))
    }
}

/// Start of a zone of authority (RFC 1035 §3.3.13).
///
/// Wire format: MNAME, RNAME (compressible names), then SERIAL, REFRESH, RETRY, EXPIRE and
/// MINIMUM as 32-bit integers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Soa {
    /// The primary name server.
    pub mname: Name,
    /// The responsible person's mailbox, first label the local part.
    pub rname: Name,
    /// Version number of the zone (serial arithmetic, RFC 1982).
    pub serial: u32,
    /// Seconds between refresh checks by secondaries.
    pub refresh: u32,
    /// Seconds before a failed refresh is retried.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// TTL of negative answers (RFC 2308 §4).
    pub minimum: u32,
}

impl RecordData for Soa {
    fn parse(r: &mut Reader<'_>) -> Result<Soa, RdataError> {
        Ok(Soa {
            mname: r.name()?,
            rname: r.name()?,
            serial: r.u32()?,
            refresh: r.u32()?,
            retry: r.u32()?,
            expire: r.u32()?,
            minimum: r.u32()?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_name(&self.mname, NameKind::Compressible);
        s.put_name(&self.rname, NameKind::Compressible);
        for v in [self.serial, self.refresh, self.retry, self.expire, self.minimum] {
            s.put_u32(v);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.mname, self.rname, self.serial, self.refresh, self.retry, self.expire, self.minimum
        )
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Soa, TextError> {
        Ok(Soa {
            mname: fields.name("MNAME")?,
            rname: fields.name("RNAME")?,
            serial: fields.int("SERIAL")?,
            refresh: fields.ttl("REFRESH")?,
            retry: fields.ttl("RETRY")?,
            expire: fields.ttl("EXPIRE")?,
            minimum: fields.ttl("MINIMUM")?,
        })
    }
}

/// Mail exchange (RFC 1035 §3.3.9). Wire format: PREFERENCE (16 bits), EXCHANGE (name).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail server.
    pub exchange: Name,
}

impl RecordData for Mx {
    fn parse(r: &mut Reader<'_>) -> Result<Mx, RdataError> {
        Ok(Mx {
            preference: r.u16()?,
            exchange: r.name()?,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.preference);
        s.put_name(&self.exchange, NameKind::Compressible);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.preference, self.exchange)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Mx, TextError> {
        Ok(Mx {
            preference: fields.int("preference")?,
            exchange: fields.name("exchange")?,
        })
    }
}

/// Text strings (RFC 1035 §3.3.14), also the form of SPF (RFC 7208 §3.1).
/// Wire format: one or more `<character-string>`s.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Txt(pub Vec<Vec<u8>>);

impl RecordData for Txt {
    fn parse(r: &mut Reader<'_>) -> Result<Txt, RdataError> {
        let mut strings = Vec::new();
        while !r.is_empty() {
            strings.push(r.character_string()?.to_vec());
        }
        if strings.is_empty() {
            return Err(RdataError::Short);
        }
        Ok(Txt(strings))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        for string in &self.0 {
            s.put_character_string(string);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, string) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            fmt_character_string(string, f)?;
        }
        Ok(())
    }
    /// A string longer than 255 octets is split into 255-octet strings, as Knot and NLnet
    /// Labs' `domain` do (BIND refuses it); the wire form has no other way to carry it.
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Txt, TextError> {
        let mut strings = Vec::new();
        loop {
            let t = fields.token("text string")?;
            let bytes = crate::text::unescape_text(t.text).ok_or_else(|| TextError::bad("text string", t.text))?;
            if bytes.is_empty() {
                strings.push(bytes);
            } else {
                strings.extend(bytes.chunks(255).map(<[u8]>::to_vec));
            }
            if fields.is_empty() {
                return Ok(Txt(strings));
            }
        }
    }
}

/// Host information (RFC 1035 §3.3.2). Wire format: CPU and OS as `<character-string>`s.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hinfo {
    /// The CPU type.
    pub cpu: Vec<u8>,
    /// The operating system.
    pub os: Vec<u8>,
}

impl RecordData for Hinfo {
    fn parse(r: &mut Reader<'_>) -> Result<Hinfo, RdataError> {
        Ok(Hinfo {
            cpu: r.character_string()?.to_vec(),
            os: r.character_string()?.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_character_string(&self.cpu);
        s.put_character_string(&self.os);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_character_string(&self.cpu, f)?;
        f.write_str(" ")?;
        fmt_character_string(&self.os, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Hinfo, TextError> {
        Ok(Hinfo {
            cpu: fields.character_string("CPU")?,
            os: fields.character_string("OS")?,
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn ipv6_fast_path_agrees_with_std() {
        let cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1::2::3",
            ":1::",
            "1::2:",
            ":::",
            "1:::2",
            "12345::",
            "2001:DB8::a:0",
            "g::",
            "",
            ":",
            "1:2:3:4:5:6:7",
            "0000:0000::ffff",
            "1:2:3:4:5:6:7:8:9",
        ];
        for c in cases {
            assert_eq!(
                super::parse_ipv6_hex(c.as_bytes()).or_else(|| c.parse().ok()),
                c.parse::<std::net::Ipv6Addr>().ok(),
                "{c:?}"
            );
        }
        // Random strings over the characters that matter, against the standard parser.
        let alphabet = b"0f:A:9:";
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            let mut t = Vec::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let mut y = x;
            for _ in 0..len {
                y = y.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                t.push(alphabet[(y >> 33) as usize % alphabet.len()]);
            }
            let c = std::str::from_utf8(&t).unwrap();
            if let Some(fast) = super::parse_ipv6_hex(&t) {
                assert_eq!(Some(fast), c.parse::<std::net::Ipv6Addr>().ok(), "{c:?}");
            }
        }
    }

    #[test]
    fn ipv4_fast_path_agrees_with_std() {
        let cases = [
            "192.0.2.1",
            "0.0.0.0",
            "255.255.255.255",
            "256.0.0.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.-4",
            "10.0.0.00",
            "9.99.199.249",
            "1.2.3.4.",
            "a.b.c.d",
            "1000.1.1.1",
        ];
        for c in cases {
            assert_eq!(
                super::parse_ipv4(c.as_bytes()),
                c.parse::<std::net::Ipv4Addr>().ok(),
                "{c:?}"
            );
        }
        for v in (0..=u32::MAX).step_by(65_537) {
            let a = std::net::Ipv4Addr::from(v);
            assert_eq!(super::parse_ipv4(a.to_string().as_bytes()), Some(a));
        }
    }
    use super::super::testkit::{check, refuse};
    use crate::types::RecordType;

    #[test]
    fn a_and_aaaa() {
        check(RecordType::A, "192.0.2.1", "192.0.2.1", &[192, 0, 2, 1]);
        check(
            RecordType::AAAA,
            "2001:DB8::1",
            "2001:db8::1",
            &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        );
        refuse(RecordType::A, "192.0.2");
        refuse(RecordType::A, "192.0.2.256");
        refuse(RecordType::A, "192.0.2.1 x");
        refuse(RecordType::AAAA, "192.0.2.1");
    }

    #[test]
    fn soa_with_ttl_units() {
        check(
            RecordType::SOA,
            "ns1 hostmaster ( 2024010101 1h 15M 1w 300 )",
            "ns1.example. hostmaster.example. 2024010101 3600 900 604800 300",
            b"\x03ns1\x07example\x00\x0ahostmaster\x07example\x00\x78\xa3\xf1\x75\x00\x00\x0e\x10\x00\x00\x03\x84\x00\x09\x3a\x80\x00\x00\x01\x2c",
        );
        refuse(RecordType::SOA, "ns1 hostmaster 1 2 3 4");
        refuse(RecordType::SOA, "ns1 hostmaster 4294967296 2 3 4 5");
    }

    #[test]
    fn mx_txt_hinfo() {
        check(
            RecordType::MX,
            "10 mail",
            "10 mail.example.",
            b"\x00\x0a\x04mail\x07example\x00",
        );
        refuse(RecordType::MX, "65536 mail");
        check(
            RecordType::TXT,
            r#""v=spf1 -all" plain "q\"uote" \010"#,
            r#""v=spf1 -all" "plain" "q\"uote" "\010""#,
            b"\x0bv=spf1 -all\x05plain\x06q\"uote\x01\x0a",
        );
        check(RecordType::TXT, r#""""#, r#""""#, b"\x00");
        check(RecordType::SPF, "\"v=spf1\"", "\"v=spf1\"", b"\x06v=spf1");
        let long = "a".repeat(256);
        let mut wire = vec![255u8];
        wire.extend_from_slice(&long.as_bytes()[..255]);
        wire.extend_from_slice(b"\x01a");
        check(
            RecordType::TXT,
            &format!("\"{long}\""),
            &format!("\"{}\" \"a\"", &long[..255]),
            &wire,
        );
        refuse(RecordType::TXT, "\"\\256\"");
        check(
            RecordType::HINFO,
            "\"INTEL-386\" UNIX",
            "\"INTEL-386\" \"UNIX\"",
            b"\x09INTEL-386\x04UNIX",
        );
        refuse(RecordType::HINFO, "one");
    }
}
