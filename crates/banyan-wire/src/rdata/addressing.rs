//! Address-carrying types other than A and AAAA: X25, ISDN (RFC 1183), NSAP (RFC 1706), GPOS
//! (RFC 1712), WKS (RFC 1035), A6 (RFC 2874), APL (RFC 3123), EUI48/EUI64 (RFC 7043),
//! NID/L32/L64 (RFC 6742), EID/NIMLOC (Nimrod) and ATMA (ATM Forum).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{fmt_character_string, hex_decode, hex_encode, Fields};
use crate::wire::{NameKind, Reader, WireSink};

/// X.25 PSDN address (RFC 1183 §3.1).
///
/// Wire format: one `<character-string>` of at least four decimal digits, filling the RDATA.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct X25(pub Vec<u8>);

impl RecordData for X25 {
    fn parse(r: &mut Reader<'_>) -> Result<X25, RdataError> {
        let s = r.character_string()?;
        if s.len() < 4 || !s.iter().all(u8::is_ascii_digit) {
            return Err(RdataError::Invalid);
        }
        Ok(X25(s.to_vec()))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_character_string(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_character_string(&self.0, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<X25, TextError> {
        let t = fields.peek();
        let s = fields.character_string("PSDN address")?;
        if s.len() < 4 || !s.iter().all(u8::is_ascii_digit) {
            return Err(TextError::bad("PSDN address", t.map_or("", |t| t.text)));
        }
        Ok(X25(s))
    }
}

/// ISDN address (RFC 1183 §3.2).
///
/// Wire format: ISDN-address `<character-string>`, optionally a subaddress
/// `<character-string>`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Isdn {
    /// The ISDN number.
    pub address: Vec<u8>,
    /// The subaddress, when given.
    pub subaddress: Option<Vec<u8>>,
}

impl RecordData for Isdn {
    fn parse(r: &mut Reader<'_>) -> Result<Isdn, RdataError> {
        let address = r.character_string()?.to_vec();
        let subaddress = if r.is_empty() {
            None
        } else {
            Some(r.character_string()?.to_vec())
        };
        Ok(Isdn { address, subaddress })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_character_string(&self.address);
        if let Some(sa) = &self.subaddress {
            s.put_character_string(sa);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_character_string(&self.address, f)?;
        if let Some(sa) = &self.subaddress {
            f.write_str(" ")?;
            fmt_character_string(sa, f)?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Isdn, TextError> {
        let address = fields.character_string("ISDN address")?;
        let subaddress = if fields.is_empty() {
            None
        } else {
            Some(fields.character_string("ISDN subaddress")?)
        };
        Ok(Isdn { address, subaddress })
    }
}

/// NSAP address (RFC 1706 §5).
///
/// Wire format: the NSAP octets (at least one). Presentation: `0x` followed by hexadecimal,
/// with `.` allowed between digits for readability (printed without dots, upper case).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nsap(pub Vec<u8>);

impl RecordData for Nsap {
    fn parse(r: &mut Reader<'_>) -> Result<Nsap, RdataError> {
        let b = r.rest();
        if b.is_empty() {
            return Err(RdataError::Short);
        }
        Ok(Nsap(b.to_vec()))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex_encode(&self.0))
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Nsap, TextError> {
        let s = fields.str("NSAP address")?;
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .ok_or_else(|| TextError::bad("NSAP address (0x…)", s))?;
        let hex: String = digits.chars().filter(|&c| c != '.').collect();
        match hex_decode(&hex) {
            Some(v) if !v.is_empty() => Ok(Nsap(v)),
            _ => Err(TextError::bad("NSAP address (0x…)", s)),
        }
    }
}

/// Geographical position (RFC 1712 §3).
///
/// Wire format: LONGITUDE, LATITUDE, ALTITUDE as `<character-string>`s holding decimal
/// numbers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Gpos {
    /// Degrees east (negative west), as text.
    pub longitude: Vec<u8>,
    /// Degrees north (negative south), as text.
    pub latitude: Vec<u8>,
    /// Metres above sea level, as text.
    pub altitude: Vec<u8>,
}

impl RecordData for Gpos {
    fn parse(r: &mut Reader<'_>) -> Result<Gpos, RdataError> {
        Ok(Gpos {
            longitude: r.character_string()?.to_vec(),
            latitude: r.character_string()?.to_vec(),
            altitude: r.character_string()?.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_character_string(&self.longitude);
        s.put_character_string(&self.latitude);
        s.put_character_string(&self.altitude);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_character_string(&self.longitude, f)?;
        f.write_str(" ")?;
        fmt_character_string(&self.latitude, f)?;
        f.write_str(" ")?;
        fmt_character_string(&self.altitude, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Gpos, TextError> {
        Ok(Gpos {
            longitude: fields.character_string("longitude")?,
            latitude: fields.character_string("latitude")?,
            altitude: fields.character_string("altitude")?,
        })
    }
}

/// Well-known services (RFC 1035 §3.4.2).
///
/// Wire format: ADDRESS (4 octets), PROTOCOL (8 bits), then a bit map with one bit per port
/// (port 0 is the high bit of the first octet), at most 8192 octets, no trailing zero
/// octet. Presentation: address, protocol number and port numbers, as BIND prints them;
/// protocol and services may also be given by name (`tcp`, `smtp`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Wks {
    /// The host address.
    pub address: Ipv4Addr,
    /// The IP protocol number (6 for TCP, 17 for UDP).
    pub protocol: u8,
    /// The port bit map.
    pub bitmap: Vec<u8>,
}

/// The largest WKS bit map: one bit for each of the 65536 ports.
const WKS_MAX_BITMAP: usize = 8192;

/// Well-known service names and their ports (the common part of `/etc/services`, which
/// BIND consults).
const SERVICES: &[(&str, u16)] = &[
    ("echo", 7),
    ("discard", 9),
    ("daytime", 13),
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("time", 37),
    ("whois", 43),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("gopher", 70),
    ("finger", 79),
    ("http", 80),
    ("www", 80),
    ("kerberos", 88),
    ("pop3", 110),
    ("sunrpc", 111),
    ("nntp", 119),
    ("ntp", 123),
    ("imap", 143),
    ("snmp", 161),
    ("ldap", 389),
    ("https", 443),
    ("submission", 587),
    ("domain-s", 853),
    ("imaps", 993),
    ("pop3s", 995),
];

impl RecordData for Wks {
    fn parse(r: &mut Reader<'_>) -> Result<Wks, RdataError> {
        let address = Ipv4Addr::from(r.array::<4>()?);
        let protocol = r.u8()?;
        let bitmap = r.rest();
        if bitmap.len() > WKS_MAX_BITMAP || bitmap.last() == Some(&0) {
            return Err(RdataError::Invalid);
        }
        Ok(Wks {
            address,
            protocol,
            bitmap: bitmap.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.address.octets());
        s.put_u8(self.protocol);
        s.put(&self.bitmap);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.address, self.protocol)?;
        for (i, &b) in self.bitmap.iter().enumerate() {
            for bit in 0..8 {
                if b & (0x80 >> bit) != 0 {
                    write!(f, " {}", i * 8 + bit)?;
                }
            }
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Wks, TextError> {
        let a = fields.str("IPv4 address")?;
        let address = a.parse().map_err(|_| TextError::bad("IPv4 address", a))?;
        let p = fields.str("protocol")?;
        let protocol = match p.to_ascii_lowercase().as_str() {
            "tcp" => 6,
            "udp" => 17,
            _ => p.parse::<u8>().map_err(|_| TextError::bad("protocol", p))?,
        };
        let mut bitmap = Vec::new();
        while !fields.is_empty() {
            let s = fields.str("service")?;
            let port = if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u16>().map_err(|_| TextError::bad("port", s))?
            } else {
                SERVICES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(s))
                    .map(|&(_, p)| p)
                    .ok_or_else(|| TextError::bad("service", s))?
            };
            let i = usize::from(port / 8);
            if bitmap.len() <= i {
                bitmap.resize(i + 1, 0);
            }
            bitmap[i] |= 0x80 >> (port % 8);
        }
        Ok(Wks {
            address,
            protocol,
            bitmap,
        })
    }
}

/// IPv6 address with an indirect prefix, experimental (RFC 2874 §3.1, RFC 6563).
///
/// Wire format: PREFIX-LEN (8 bits, 0–128), ADDRESS SUFFIX (the last 128 − PREFIX-LEN bits
/// in the fewest whole octets, pad bits zero), PREFIX NAME (uncompressed name, absent when
/// PREFIX-LEN is 0).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct A6 {
    /// Number of leading address bits taken from the prefix name's A6 records.
    pub prefix_len: u8,
    /// The address with the prefix bits zero.
    pub suffix: Ipv6Addr,
    /// Where the prefix comes from; `None` exactly when `prefix_len` is 0.
    pub prefix_name: Option<Name>,
}

impl A6 {
    /// Octets of the suffix on the wire.
    fn suffix_octets(prefix_len: u8) -> usize {
        16 - usize::from(prefix_len) / 8
    }
}

impl RecordData for A6 {
    fn parse(r: &mut Reader<'_>) -> Result<A6, RdataError> {
        let prefix_len = r.u8()?;
        if prefix_len > 128 {
            return Err(RdataError::Invalid);
        }
        let n = A6::suffix_octets(prefix_len);
        let mut addr = [0u8; 16];
        addr[16 - n..].copy_from_slice(r.bytes(n)?);
        if n > 0 && addr[16 - n] & !(0xFFu8 >> (prefix_len % 8)) != 0 {
            return Err(RdataError::Invalid);
        }
        let prefix_name = if prefix_len > 0 {
            Some(parse_name(r, NameKind::Canonical)?)
        } else {
            None
        };
        Ok(A6 {
            prefix_len,
            suffix: Ipv6Addr::from(addr),
            prefix_name,
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.prefix_len);
        let n = A6::suffix_octets(self.prefix_len.min(128));
        s.put(&self.suffix.octets()[16 - n..]);
        if let Some(name) = &self.prefix_name {
            s.put_name(name, NameKind::Canonical);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.prefix_len)?;
        if self.prefix_len < 128 {
            write!(f, " {}", self.suffix)?;
        }
        if let Some(name) = &self.prefix_name {
            write!(f, " {name}")?;
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<A6, TextError> {
        let prefix_len: u8 = fields.int("prefix length")?;
        if prefix_len > 128 {
            return Err(TextError::bad("prefix length (0-128)", &prefix_len.to_string()));
        }
        let mut addr = [0u8; 16];
        if prefix_len < 128 {
            let s = fields.str("address suffix")?;
            let a: Ipv6Addr = s.parse().map_err(|_| TextError::bad("IPv6 address", s))?;
            addr = a.octets();
            // Keep only the suffix bits, as BIND does.
            let first = usize::from(prefix_len) / 8;
            addr[..first].fill(0);
            addr[first] &= 0xFF >> (prefix_len % 8);
        }
        let prefix_name = if prefix_len > 0 {
            Some(fields.name("prefix name")?)
        } else {
            None
        };
        Ok(A6 {
            prefix_len,
            suffix: Ipv6Addr::from(addr),
            prefix_name,
        })
    }
}

/// One item of an APL record (RFC 3123 §4).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AplItem {
    /// Address family: 1 for IPv4, 2 for IPv6 (other families are refused: they have no
    /// presentation form).
    pub family: u16,
    /// Prefix length in bits.
    pub prefix: u8,
    /// The `!` flag: the prefix is excluded.
    pub negation: bool,
    /// The address octets without trailing zero octets (RFC 3123 §4 AFDPART).
    pub afd_part: Vec<u8>,
}

/// Address prefix list (RFC 3123 §4).
///
/// Wire format: zero or more items of ADDRESSFAMILY (16 bits), PREFIX (8 bits), N (1 bit)
/// and AFDLENGTH (7 bits), AFDPART (AFDLENGTH octets, no trailing zero octet).
/// Presentation: `[!]family:address/prefix` items.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Apl(pub Vec<AplItem>);

impl RecordData for Apl {
    fn parse(r: &mut Reader<'_>) -> Result<Apl, RdataError> {
        let mut items = Vec::new();
        while !r.is_empty() {
            let family = r.u16()?;
            let prefix = r.u8()?;
            let nl = r.u8()?;
            let afd_part = r.bytes(usize::from(nl & 0x7F))?;
            let (max_prefix, max_len) = match family {
                1 => (32, 4),
                2 => (128, 16),
                _ => return Err(RdataError::Invalid),
            };
            if prefix > max_prefix || afd_part.len() > max_len || afd_part.last() == Some(&0) {
                return Err(RdataError::Invalid);
            }
            items.push(AplItem {
                family,
                prefix,
                negation: nl & 0x80 != 0,
                afd_part: afd_part.to_vec(),
            });
        }
        Ok(Apl(items))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        for item in &self.0 {
            s.put_u16(item.family);
            s.put_u8(item.prefix);
            s.put_u8(u8::from(item.negation) << 7 | (item.afd_part.len() as u8 & 0x7F));
            s.put(&item.afd_part);
        }
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if item.negation {
                f.write_str("!")?;
            }
            if item.family == 1 {
                let mut a = [0u8; 4];
                let n = item.afd_part.len().min(4);
                a[..n].copy_from_slice(&item.afd_part[..n]);
                write!(f, "1:{}/{}", Ipv4Addr::from(a), item.prefix)?;
            } else {
                let mut a = [0u8; 16];
                let n = item.afd_part.len().min(16);
                a[..n].copy_from_slice(&item.afd_part[..n]);
                write!(f, "{}:{}/{}", item.family, Ipv6Addr::from(a), item.prefix)?;
            }
        }
        Ok(())
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Apl, TextError> {
        let mut items = Vec::new();
        while !fields.is_empty() {
            let s = fields.str("APL item")?;
            let bad = || TextError::bad("APL item ([!]family:address/prefix)", s);
            let (negation, rest) = match s.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, s),
            };
            let (family, rest) = rest.split_once(':').ok_or_else(bad)?;
            let (address, prefix) = rest.rsplit_once('/').ok_or_else(bad)?;
            if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let prefix: u8 = prefix.parse().map_err(|_| bad())?;
            let (family, mut octets) = match family {
                "1" if prefix <= 32 => (1, address.parse::<Ipv4Addr>().map_err(|_| bad())?.octets().to_vec()),
                "2" if prefix <= 128 => (2, address.parse::<Ipv6Addr>().map_err(|_| bad())?.octets().to_vec()),
                _ => return Err(bad()),
            };
            while octets.last() == Some(&0) {
                octets.pop();
            }
            items.push(AplItem {
                family,
                prefix,
                negation,
                afd_part: octets,
            });
        }
        Ok(Apl(items))
    }
}

/// Reads `xx-xx-…` with exactly `N` two-digit hexadecimal groups (RFC 7043 §3.2, §4.2).
fn eui_from_text<const N: usize>(fields: &mut Fields<'_, '_>) -> Result<[u8; N], TextError> {
    let s = fields.str("EUI address (xx-xx-…)")?;
    let bad = || TextError::bad("EUI address (xx-xx-…)", s);
    let mut out = [0u8; N];
    let mut groups = s.split('-');
    for o in out.iter_mut() {
        let g = groups.next().ok_or_else(bad)?;
        if g.len() != 2 {
            return Err(bad());
        }
        *o = hex_decode(g).ok_or_else(bad)?[0];
    }
    if groups.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

/// Writes `xx-xx-…` in lower case, as RFC 7043 and BIND write it.
fn fmt_eui(octets: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, b) in octets.iter().enumerate() {
        if i > 0 {
            f.write_str("-")?;
        }
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// 48-bit extended unique identifier (RFC 7043 §3). Wire format: 6 octets. Presentation:
/// six hexadecimal pairs separated by `-`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Eui48(pub [u8; 6]);

impl RecordData for Eui48 {
    fn parse(r: &mut Reader<'_>) -> Result<Eui48, RdataError> {
        Ok(Eui48(r.array()?))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_eui(&self.0, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Eui48, TextError> {
        eui_from_text(fields).map(Eui48)
    }
}

/// 64-bit extended unique identifier (RFC 7043 §4). Wire format: 8 octets. Presentation:
/// eight hexadecimal pairs separated by `-`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Eui64(pub [u8; 8]);

impl RecordData for Eui64 {
    fn parse(r: &mut Reader<'_>) -> Result<Eui64, RdataError> {
        Ok(Eui64(r.array()?))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_eui(&self.0, f)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Eui64, TextError> {
        eui_from_text(fields).map(Eui64)
    }
}

/// Reads a 64-bit ILNP value written as four colon-separated groups of one to four
/// hexadecimal digits (RFC 6742 §2.1.2, §2.3.2).
fn locator64_from_text(fields: &mut Fields<'_, '_>, what: &'static str) -> Result<[u8; 8], TextError> {
    let s = fields.str(what)?;
    let bad = || TextError::bad(what, s);
    let mut out = [0u8; 8];
    let mut groups = s.split(':');
    for pair in out.chunks_mut(2) {
        let g = groups.next().ok_or_else(bad)?;
        if g.is_empty() || g.len() > 4 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let v = u16::from_str_radix(g, 16).map_err(|_| bad())?;
        pair.copy_from_slice(&v.to_be_bytes());
    }
    if groups.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

/// Writes a 64-bit ILNP value as BIND does: `%x:%x:%x:%x`.
fn fmt_locator64(v: &[u8; 8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let g = |i: usize| u16::from_be_bytes([v[i], v[i + 1]]);
    write!(f, "{:x}:{:x}:{:x}:{:x}", g(0), g(2), g(4), g(6))
}

macro_rules! ilnp64 {
    ($(#[$meta:meta])* $ty:ident, $field:ident, $what:literal, $doc:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub struct $ty {
            /// Lower is preferred.
            pub preference: u16,
            #[doc = $doc]
            pub $field: [u8; 8],
        }

        impl RecordData for $ty {
            fn parse(r: &mut Reader<'_>) -> Result<$ty, RdataError> {
                Ok($ty {
                    preference: r.u16()?,
                    $field: r.array()?,
                })
            }
            fn write<S: WireSink>(&self, s: &mut S) {
                s.put_u16(self.preference);
                s.put(&self.$field);
            }
            fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} ", self.preference)?;
                fmt_locator64(&self.$field, f)
            }
            fn from_text(fields: &mut Fields<'_, '_>) -> Result<$ty, TextError> {
                Ok($ty {
                    preference: fields.int("preference")?,
                    $field: locator64_from_text(fields, $what)?,
                })
            }
        }
    };
}

ilnp64! {
    /// ILNP node identifier (RFC 6742 §2.1).
    ///
    /// Wire format: PREFERENCE (16 bits), NODEID (64 bits). Presentation: preference and
    /// four colon-separated hexadecimal groups.
    Nid, node_id, "node identifier (x:x:x:x)", "The node identifier."
}

ilnp64! {
    /// ILNP 64-bit locator (RFC 6742 §2.3).
    ///
    /// Wire format: PREFERENCE (16 bits), LOCATOR64 (64 bits). Presentation: preference and
    /// four colon-separated hexadecimal groups.
    L64, locator, "locator (x:x:x:x)", "The locator."
}

/// ILNP 32-bit locator (RFC 6742 §2.2).
///
/// Wire format: PREFERENCE (16 bits), LOCATOR32 (32 bits). Presentation: preference and a
/// dotted-quad.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct L32 {
    /// Lower is preferred.
    pub preference: u16,
    /// The locator, written like an IPv4 address.
    pub locator: Ipv4Addr,
}

impl RecordData for L32 {
    fn parse(r: &mut Reader<'_>) -> Result<L32, RdataError> {
        Ok(L32 {
            preference: r.u16()?,
            locator: Ipv4Addr::from(r.array::<4>()?),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.preference);
        s.put(&self.locator.octets());
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.preference, self.locator)
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<L32, TextError> {
        let preference = fields.int("preference")?;
        let s = fields.str("locator")?;
        let locator = s.parse().map_err(|_| TextError::bad("locator (dotted quad)", s))?;
        Ok(L32 { preference, locator })
    }
}

/// Opaque octets written in hexadecimal: the Nimrod EID and NIMLOC types
/// (draft-ietf-nimrod-dns-00 §3–4).
///
/// Wire format: one or more octets. Presentation: hexadecimal, which may be split into
/// several fields.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HexData(pub Vec<u8>);

impl RecordData for HexData {
    fn parse(r: &mut Reader<'_>) -> Result<HexData, RdataError> {
        let b = r.rest();
        if b.is_empty() {
            return Err(RdataError::Short);
        }
        Ok(HexData(b.to_vec()))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<HexData, TextError> {
        let v = fields.hex_rest("hexadecimal data")?;
        if v.is_empty() {
            return Err(TextError::Missing("hexadecimal data"));
        }
        Ok(HexData(v))
    }
}

/// ATM address (ATM Forum af-dans-0152.000, "ATM Name System" §2.2).
///
/// Wire format: FORMAT (8 bits: 0 for an AESA, 1 for E.164), ADDRESS (the AESA octets, or
/// the E.164 digits as ASCII). Presentation: hexadecimal for an AESA (dots allowed between
/// digits), `+` and digits for E.164. Other formats have no presentation form and are
/// refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Atma {
    /// 0 (AESA) or 1 (E.164).
    pub format: u8,
    /// The address octets (E.164: ASCII digits).
    pub address: Vec<u8>,
}

impl RecordData for Atma {
    fn parse(r: &mut Reader<'_>) -> Result<Atma, RdataError> {
        let format = r.u8()?;
        let address = r.rest();
        if address.is_empty() {
            return Err(RdataError::Short);
        }
        match format {
            0 => {}
            1 if address.iter().all(u8::is_ascii_digit) => {}
            _ => return Err(RdataError::Invalid),
        }
        Ok(Atma {
            format,
            address: address.to_vec(),
        })
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u8(self.format);
        s.put(&self.address);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.format == 1 {
            f.write_str("+")?;
            f.write_str(&String::from_utf8_lossy(&self.address))
        } else {
            f.write_str(&hex_encode(&self.address))
        }
    }
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Atma, TextError> {
        let s = fields.str("ATM address")?;
        let bad = || TextError::bad("ATM address", s);
        let (format, body) = match s.strip_prefix('+') {
            Some(b) => (1, b),
            None => (0, s),
        };
        // Dots separate digits only: none leading, trailing or doubled.
        if body.is_empty() || body.starts_with('.') || body.ends_with('.') || body.contains("..") {
            return Err(bad());
        }
        let digits: String = body.chars().filter(|&c| c != '.').collect();
        let address = if format == 1 {
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            digits.into_bytes()
        } else {
            hex_decode(&digits).ok_or_else(bad)?
        };
        Ok(Atma { format, address })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::rdata::RData;
    use crate::types::RecordType;

    #[test]
    fn rfc1183_section_3_1_x25() {
        // RFC 1183 §3.1: `Relay.Prime.COM. X25 311061700956`
        check(RecordType::X25, "311061700956", "\"311061700956\"", b"\x0c311061700956");
        refuse(RecordType::X25, "123");
        refuse(RecordType::X25, "12a45");
        refuse(RecordType::X25, "1234 5678");
        assert!(RData::parse(RecordType::X25, b"\x03123", 0, 4).is_err());
    }

    #[test]
    fn rfc1183_section_3_2_isdn() {
        // RFC 1183 §3.2: `ISDN 150862028003217 004` and `ISDN 150862028003217`.
        check(
            RecordType::ISDN,
            "150862028003217 004",
            "\"150862028003217\" \"004\"",
            b"\x0f150862028003217\x03004",
        );
        check(
            RecordType::ISDN,
            "\"isdn-address\"",
            "\"isdn-address\"",
            b"\x0cisdn-address",
        );
        refuse(RecordType::ISDN, "");
        refuse(RecordType::ISDN, "a b c");
    }

    #[test]
    fn rfc1706_section_5_nsap() {
        // RFC 1706 §6: `NSAP 0x47.0005.80.005a00.0000.0001.e133.ffffff000161.00`
        check(
            RecordType::NSAP,
            "0x47.0005.80.005a00.0000.0001.e133.ffffff000161.00",
            "0x47000580005A0000000001E133FFFFFF00016100",
            b"\x47\x00\x05\x80\x00\x5a\x00\x00\x00\x00\x01\xe1\x33\xff\xff\xff\x00\x01\x61\x00",
        );
        refuse(RecordType::NSAP, "0x");
        refuse(RecordType::NSAP, "0x123");
        refuse(RecordType::NSAP, "47000580");
        refuse(RecordType::NSAP, "0x4g");
    }

    #[test]
    fn rfc1712_section_3_gpos() {
        // RFC 1712 §3 example: `GPOS -32.6882 116.8652 10.0`
        check(
            RecordType::GPOS,
            "-32.6882 116.8652 10.0",
            "\"-32.6882\" \"116.8652\" \"10.0\"",
            b"\x08-32.6882\x08116.8652\x0410.0",
        );
        refuse(RecordType::GPOS, "1 2");
    }

    #[test]
    fn rfc1035_section_3_4_2_wks() {
        check(
            RecordType::WKS,
            "10.0.0.1 tcp ( ftp-data ftp 23 SMTP )",
            "10.0.0.1 6 20 21 23 25",
            &[10, 0, 0, 1, 6, 0, 0, 0x0D, 0x40],
        );
        check(RecordType::WKS, "10.0.0.2 17", "10.0.0.2 17", &[10, 0, 0, 2, 17]);
        let mut wire = vec![10, 0, 0, 2, 6];
        wire.extend(std::iter::repeat_n(0, 8191));
        wire.push(1);
        check(RecordType::WKS, "10.0.0.2 6 65535", "10.0.0.2 6 65535", &wire);
        refuse(RecordType::WKS, "10.0.0.1 tcp nosuchservice");
        refuse(RecordType::WKS, "10.0.0.1 256 80");
        refuse(RecordType::WKS, "10.0.0.1 6 65536");
        refuse(RecordType::WKS, "10.0.0.1");
        // A trailing zero octet in the bit map is refused.
        assert!(RData::parse(RecordType::WKS, &[10, 0, 0, 1, 6, 0x40, 0], 0, 7).is_err());
    }

    #[test]
    fn rfc2874_section_3_1_a6() {
        check(
            RecordType::A6,
            "0 2345:c1:ca11:1:1234:5678:9abc:def0",
            "0 2345:c1:ca11:1:1234:5678:9abc:def0",
            b"\x00\x23\x45\x00\xc1\xca\x11\x00\x01\x12\x34\x56\x78\x9a\xbc\xde\xf0",
        );
        // RFC 2874 §3.1.4 style: 64-bit suffix and a prefix name.
        check(
            RecordType::A6,
            "64 ::1234:5678:9abc:def0 SUBNET-1.IP6.X.",
            "64 ::1234:5678:9abc:def0 SUBNET-1.IP6.X.",
            b"\x40\x12\x34\x56\x78\x9a\xbc\xde\xf0\x08SUBNET-1\x03IP6\x01X\x00",
        );
        // Prefix bits in the given address are cleared, as BIND does.
        check(
            RecordType::A6,
            "127 ::ffff:3 foo.",
            "127 ::1 foo.",
            b"\x7f\x01\x03foo\x00",
        );
        check(RecordType::A6, "128 .", "128 .", b"\x80\x00");
        refuse(RecordType::A6, "129 ::1 .");
        refuse(RecordType::A6, "64 ::1");
        refuse(RecordType::A6, "0 ::1 extra.");
        // Non-zero pad bits on the wire are refused.
        assert!(RData::parse(RecordType::A6, b"\x7f\x81\x00", 0, 3).is_err());
    }

    #[test]
    fn rfc3123_section_5_apl() {
        // RFC 3123 §5: `foo.example. IN APL 1:192.168.32.0/21 !1:192.168.38.0/28`
        check(
            RecordType::APL,
            "1:192.168.32.0/21 !1:192.168.38.0/28",
            "1:192.168.32.0/21 !1:192.168.38.0/28",
            b"\x00\x01\x15\x03\xc0\xa8\x20\x00\x01\x1c\x83\xc0\xa8\x26",
        );
        check(
            RecordType::APL,
            "1:224.0.0.0/4 2:FF00:0:0:0:0:0:0:0/8",
            "1:224.0.0.0/4 2:ff00::/8",
            b"\x00\x01\x04\x01\xe0\x00\x02\x08\x01\xff",
        );
        check(RecordType::APL, "", "", b"");
        refuse(RecordType::APL, "3:1.2.3.4/8");
        refuse(RecordType::APL, "1:1.2.3.4/33");
        refuse(RecordType::APL, "2:1.2.3.4/8");
        refuse(RecordType::APL, "1:1.2.3.4/");
        refuse(RecordType::APL, "1:1.2.3.4");
        // Trailing zero octets and unknown families are refused on the wire.
        assert!(RData::parse(RecordType::APL, b"\x00\x01\x08\x02\x0a\x00", 0, 6).is_err());
        assert!(RData::parse(RecordType::APL, b"\x00\x03\x08\x01\x0a", 0, 5).is_err());
    }

    #[test]
    fn rfc7043_sections_3_2_and_4_2_eui() {
        check(
            RecordType::EUI48,
            "00-00-5e-00-53-2a",
            "00-00-5e-00-53-2a",
            &[0, 0, 0x5e, 0, 0x53, 0x2a],
        );
        check(
            RecordType::EUI64,
            "00-00-5E-EF-10-00-00-2A",
            "00-00-5e-ef-10-00-00-2a",
            &[0, 0, 0x5e, 0xef, 0x10, 0, 0, 0x2a],
        );
        refuse(RecordType::EUI48, "00-00-5e-00-53");
        refuse(RecordType::EUI48, "00-00-5e-00-53-2a-00");
        refuse(RecordType::EUI48, "00:00-5e-00-53-2a");
        refuse(RecordType::EUI48, "0-00-5e-00-53-2a");
        refuse(RecordType::EUI64, "00-00-5e-00-53-2a");
    }

    #[test]
    fn rfc6742_section_5_nid_l32_l64() {
        check(
            RecordType::NID,
            "10 0014:4fff:ff20:ee64",
            "10 14:4fff:ff20:ee64",
            b"\x00\x0a\x00\x14\x4f\xff\xff\x20\xee\x64",
        );
        check(
            RecordType::L64,
            "10 2001:0DB8:1140:1000",
            "10 2001:db8:1140:1000",
            b"\x00\x0a\x20\x01\x0d\xb8\x11\x40\x10\x00",
        );
        check(
            RecordType::L32,
            "10 10.1.2.0",
            "10 10.1.2.0",
            b"\x00\x0a\x0a\x01\x02\x00",
        );
        refuse(RecordType::NID, "10 0014:4fff:ff20");
        refuse(RecordType::NID, "10 0014:4fff:ff20:ee64:1");
        refuse(RecordType::L64, "10 2001:0DB8:1140:10000");
        refuse(RecordType::L64, "10 2001-0DB8:1140:1000");
        refuse(RecordType::L32, "10 10.1.2");
        refuse(RecordType::L32, "65536 10.1.2.0");
    }

    #[test]
    fn nimrod_eid_nimloc() {
        check(RecordType::EID, "8A 4B ( 00 )", "8A4B00", b"\x8a\x4b\x00");
        check(RecordType::NIMLOC, "32142254", "32142254", b"\x32\x14\x22\x54");
        refuse(RecordType::EID, "");
        refuse(RecordType::EID, "123");
        assert!(RData::parse(RecordType::NIMLOC, b"", 0, 0).is_err());
    }

    #[test]
    fn atm_forum_af_dans_0152_atma() {
        check(
            RecordType::ATMA,
            "39.246f.000e7c9c0312.0001.0001.000012345678.00",
            "39246F000E7C9C03120001000100001234567800",
            b"\x00\x39\x24\x6f\x00\x0e\x7c\x9c\x03\x12\x00\x01\x00\x01\x00\x00\x12\x34\x56\x78\x00",
        );
        check(
            RecordType::ATMA,
            "+358.400.1234567",
            "+3584001234567",
            b"\x013584001234567",
        );
        refuse(RecordType::ATMA, ".39");
        refuse(RecordType::ATMA, "39.");
        refuse(RecordType::ATMA, "+12a");
        refuse(RecordType::ATMA, "123");
        assert!(RData::parse(RecordType::ATMA, b"\x02\x01", 0, 2).is_err());
        assert!(RData::parse(RecordType::ATMA, b"\x01a", 0, 2).is_err());
    }
}
