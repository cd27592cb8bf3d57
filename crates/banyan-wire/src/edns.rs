//! EDNS(0) (RFC 6891): the OPT pseudo-record and its options.
//!
//! OPT wire format (RFC 6891 §6.1.2): owner `.`, TYPE 41, CLASS = requester's UDP payload
//! size, TTL = extended RCODE (8 bits) | VERSION (8 bits) | DO (1 bit) | Z (15 bits), RDATA =
//! a sequence of options, each OPTION-CODE (16 bits), OPTION-LENGTH (16 bits), OPTION-DATA.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::RdataError;
use crate::text::hex_encode;
use crate::wire::{Reader, WireSink};

/// The UDP payload size Banyan advertises and uses by default: 1232 octets, the value
/// agreed at DNS Flag Day 2020 to avoid IP fragmentation.
pub const DEFAULT_UDP_PAYLOAD: u16 = 1232;

/// Option codes (IANA "DNS EDNS0 Option Codes (OPT)").
pub mod code {
    /// Name server identifier (RFC 5001).
    pub const NSID: u16 = 3;
    /// Client subnet (RFC 7871).
    pub const CLIENT_SUBNET: u16 = 8;
    /// Cookie (RFC 7873).
    pub const COOKIE: u16 = 10;
    /// TCP keepalive (RFC 7828).
    pub const TCP_KEEPALIVE: u16 = 11;
    /// Padding (RFC 7830).
    pub const PADDING: u16 = 12;
    /// Extended DNS error (RFC 8914).
    pub const EXTENDED_ERROR: u16 = 15;
}

/// The contents of an OPT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edns {
    /// Largest UDP payload the sender can receive (RFC 6891 §6.2.3); values under 512 are
    /// treated as 512 by receivers.
    pub udp_payload_size: u16,
    /// Upper 8 bits of the 12-bit RCODE (RFC 6891 §6.1.3).
    pub extended_rcode: u8,
    /// EDNS version; only 0 is defined.
    pub version: u8,
    /// DO: DNSSEC records wanted (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 flag bits, which must be zero when sent and ignored when received.
    pub z: u16,
    /// The options, in order.
    pub options: Vec<EdnsOption>,
}

impl Default for Edns {
    fn default() -> Edns {
        Edns {
            udp_payload_size: DEFAULT_UDP_PAYLOAD,
            extended_rcode: 0,
            version: 0,
            dnssec_ok: false,
            z: 0,
            options: Vec::new(),
        }
    }
}

impl Edns {
    /// Builds from the OPT record's CLASS, TTL and RDATA, typing each option.
    pub fn from_opt(class: u16, ttl: u32, rdata: &[u8]) -> Result<Edns, RdataError> {
        let mut options = Vec::new();
        for opt in OptionIter::new(rdata) {
            let (code, data) = opt?;
            options.push(EdnsOption::parse(code, data)?);
        }
        Ok(Edns {
            udp_payload_size: class,
            extended_rcode: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            z: (ttl & 0x7FFF) as u16,
            options,
        })
    }

    /// The OPT record's TTL field.
    pub fn ttl(&self) -> u32 {
        (self.extended_rcode as u32) << 24
            | (self.version as u32) << 16
            | (self.dnssec_ok as u32) << 15
            | (self.z & 0x7FFF) as u32
    }

    /// Writes the whole OPT record (owner, type, class, TTL, RDLENGTH, RDATA).
    pub fn write_record<S: WireSink>(&self, s: &mut S) {
        s.put_u8(0);
        s.put_u16(41);
        s.put_u16(self.udp_payload_size);
        s.put_u32(self.ttl());
        let len_at = s.position();
        s.put_u16(0);
        for opt in &self.options {
            opt.write(s);
        }
        let len = s.position() - len_at - 2;
        s.patch_u16(len_at, len as u16);
    }

    /// Octets the OPT record takes on the wire.
    pub fn wire_len(&self) -> usize {
        11 + self.options.iter().map(|o| 4 + o.data_len()).sum::<usize>()
    }

    /// The first option with `code`.
    pub fn option(&self, code: u16) -> Option<&EdnsOption> {
        self.options.iter().find(|o| o.code() == code)
    }
}

/// Iterates over the raw options of OPT RDATA: `(code, data)`.
pub struct OptionIter<'a> {
    r: Reader<'a>,
}

impl<'a> OptionIter<'a> {
    /// Iterates over `rdata`.
    pub fn new(rdata: &'a [u8]) -> OptionIter<'a> {
        OptionIter { r: Reader::over(rdata) }
    }
}

impl<'a> Iterator for OptionIter<'a> {
    type Item = Result<(u16, &'a [u8]), RdataError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.r.is_empty() {
            return None;
        }
        let item = (|| {
            let code = self.r.u16()?;
            let len = self.r.u16()? as usize;
            Ok((code, self.r.bytes(len)?))
        })();
        if item.is_err() {
            // Stop after the first error so a broken option list ends the iteration.
            self.r = Reader::over(&[]);
        }
        Some(item)
    }
}

/// One EDNS option, typed where Banyan knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EdnsOption {
    /// NSID (RFC 5001 §2.3): empty in a query, the server's identifier in a response.
    Nsid(Vec<u8>),
    /// Client subnet (RFC 7871 §6).
    ClientSubnet(ClientSubnet),
    /// Cookie (RFC 7873 §4).
    Cookie(Cookie),
    /// TCP keepalive (RFC 7828 §3.1): empty in a query; the idle timeout in units of 100 ms
    /// in a response.
    TcpKeepalive(Option<u16>),
    /// Padding (RFC 7830 §3): the number of padding octets (which are zero when sent).
    Padding(u16),
    /// Extended DNS error (RFC 8914 §2).
    ExtendedError(ExtendedError),
    /// Any other option, kept as octets.
    Unknown {
        /// The option code.
        code: u16,
        /// The option data.
        data: Vec<u8>,
    },
}

impl EdnsOption {
    /// Types an option from its code and data, refusing data its RFC does not allow.
    pub fn parse(code: u16, data: &[u8]) -> Result<EdnsOption, RdataError> {
        Ok(match code {
            code::NSID => EdnsOption::Nsid(data.to_vec()),
            code::CLIENT_SUBNET => EdnsOption::ClientSubnet(ClientSubnet::parse(data)?),
            code::COOKIE => EdnsOption::Cookie(Cookie::parse(data)?),
            code::TCP_KEEPALIVE => EdnsOption::TcpKeepalive(match data.len() {
                0 => None,
                2 => Some(u16::from_be_bytes([data[0], data[1]])),
                _ => return Err(RdataError::Invalid),
            }),
            code::PADDING => EdnsOption::Padding(data.len() as u16),
            code::EXTENDED_ERROR => EdnsOption::ExtendedError(ExtendedError::parse(data)?),
            _ => EdnsOption::Unknown {
                code,
                data: data.to_vec(),
            },
        })
    }

    /// The option code.
    pub fn code(&self) -> u16 {
        match self {
            EdnsOption::Nsid(_) => code::NSID,
            EdnsOption::ClientSubnet(_) => code::CLIENT_SUBNET,
            EdnsOption::Cookie(_) => code::COOKIE,
            EdnsOption::TcpKeepalive(_) => code::TCP_KEEPALIVE,
            EdnsOption::Padding(_) => code::PADDING,
            EdnsOption::ExtendedError(_) => code::EXTENDED_ERROR,
            EdnsOption::Unknown { code, .. } => *code,
        }
    }

    fn data_len(&self) -> usize {
        match self {
            EdnsOption::Nsid(d) => d.len(),
            EdnsOption::ClientSubnet(c) => 4 + c.address_octets(),
            EdnsOption::Cookie(c) => 8 + c.server.as_ref().map_or(0, Vec::len),
            EdnsOption::TcpKeepalive(t) => t.map_or(0, |_| 2),
            EdnsOption::Padding(n) => *n as usize,
            EdnsOption::ExtendedError(e) => 2 + e.extra_text.len(),
            EdnsOption::Unknown { data, .. } => data.len(),
        }
    }

    /// Writes code, length and data.
    pub fn write<S: WireSink>(&self, s: &mut S) {
        s.put_u16(self.code());
        s.put_u16(self.data_len() as u16);
        match self {
            EdnsOption::Nsid(d) => s.put(d),
            EdnsOption::ClientSubnet(c) => c.write(s),
            EdnsOption::Cookie(c) => {
                s.put(&c.client);
                if let Some(server) = &c.server {
                    s.put(server);
                }
            }
            EdnsOption::TcpKeepalive(t) => {
                if let Some(t) = t {
                    s.put_u16(*t);
                }
            }
            EdnsOption::Padding(n) => {
                for _ in 0..*n {
                    s.put_u8(0);
                }
            }
            EdnsOption::ExtendedError(e) => {
                s.put_u16(e.info_code);
                s.put(e.extra_text.as_bytes());
            }
            EdnsOption::Unknown { data, .. } => s.put(data),
        }
    }
}

impl fmt::Display for EdnsOption {
    /// Shown as `dig` shows options in the OPT pseudosection.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdnsOption::Nsid(d) => {
                write!(f, "NSID: {}", hex_encode(d))?;
                if !d.is_empty() && d.iter().all(|b| (0x20..0x7F).contains(b)) {
                    write!(f, " (\"{}\")", String::from_utf8_lossy(d))?;
                }
                Ok(())
            }
            EdnsOption::ClientSubnet(c) => {
                write!(f, "CLIENT-SUBNET: {}/{}/{}", c.address, c.source_prefix, c.scope_prefix)
            }
            EdnsOption::Cookie(c) => {
                write!(f, "COOKIE: {}", hex_encode(&c.client))?;
                if let Some(s) = &c.server {
                    write!(f, "{}", hex_encode(s))?;
                }
                Ok(())
            }
            EdnsOption::TcpKeepalive(None) => write!(f, "TCP-KEEPALIVE"),
            EdnsOption::TcpKeepalive(Some(t)) => write!(f, "TCP-KEEPALIVE: {}.{} secs", t / 10, t % 10),
            EdnsOption::Padding(n) => write!(f, "PADDING: {n} octets"),
            EdnsOption::ExtendedError(e) => {
                write!(f, "EDE: {}", e.info_code)?;
                if let Some(name) = ExtendedError::describe(e.info_code) {
                    write!(f, " ({name})")?;
                }
                if !e.extra_text.is_empty() {
                    write!(f, ": ({})", e.extra_text)?;
                }
                Ok(())
            }
            EdnsOption::Unknown { code, data } => write!(f, "OPT={code}: {}", hex_encode(data)),
        }
    }
}

/// EDNS Client Subnet (RFC 7871 §6).
///
/// Wire format: FAMILY (16 bits, 1 = IPv4, 2 = IPv6), SOURCE PREFIX-LENGTH (8), SCOPE
/// PREFIX-LENGTH (8), ADDRESS truncated to ceil(source/8) octets with the bits past the
/// prefix zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSubnet {
    /// The client's network, bits past `source_prefix` zero.
    pub address: IpAddr,
    /// Bits of `address` that are significant.
    pub source_prefix: u8,
    /// In responses, bits the answer is valid for; zero in queries.
    pub scope_prefix: u8,
}

impl ClientSubnet {
    fn address_octets(&self) -> usize {
        (self.source_prefix as usize).div_ceil(8)
    }

    /// Reads and checks an ECS option: known family, prefixes within the family's width,
    /// exactly the right number of address octets, and no bits set past the source prefix
    /// (RFC 7871 §6: such a query gets FORMERR).
    pub fn parse(data: &[u8]) -> Result<ClientSubnet, RdataError> {
        let mut r = Reader::over(data);
        let family = r.u16()?;
        let source_prefix = r.u8()?;
        let scope_prefix = r.u8()?;
        let width = match family {
            1 => 32,
            2 => 128,
            _ => return Err(RdataError::Invalid),
        };
        if source_prefix > width || scope_prefix > width {
            return Err(RdataError::Invalid);
        }
        let octets = r.rest();
        if octets.len() != (source_prefix as usize).div_ceil(8) {
            return Err(RdataError::Invalid);
        }
        let mut full = [0u8; 16];
        full[..octets.len()].copy_from_slice(octets);
        if source_prefix % 8 != 0 {
            let last = octets[octets.len() - 1];
            if last & (0xFF >> (source_prefix % 8)) != 0 {
                return Err(RdataError::Invalid);
            }
        }
        let address = if family == 1 {
            IpAddr::V4(Ipv4Addr::new(full[0], full[1], full[2], full[3]))
        } else {
            IpAddr::V6(Ipv6Addr::from(full))
        };
        Ok(ClientSubnet {
            address,
            source_prefix,
            scope_prefix,
        })
    }

    /// An option for `address` with `source_prefix` significant bits (the rest cleared).
    pub fn new(address: IpAddr, source_prefix: u8) -> ClientSubnet {
        let (bytes, width): (Vec<u8>, u8) = match address {
            IpAddr::V4(a) => (a.octets().to_vec(), 32),
            IpAddr::V6(a) => (a.octets().to_vec(), 128),
        };
        let source_prefix = source_prefix.min(width);
        let mut masked = bytes;
        for (i, b) in masked.iter_mut().enumerate() {
            let bits_before = (i * 8) as u32;
            let keep = (source_prefix as u32).saturating_sub(bits_before).min(8);
            *b &= if keep == 0 { 0 } else { 0xFFu8 << (8 - keep) };
        }
        let address = match address {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(masked[0], masked[1], masked[2], masked[3])),
            IpAddr::V6(_) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&masked);
                IpAddr::V6(Ipv6Addr::from(a))
            }
        };
        ClientSubnet {
            address,
            source_prefix,
            scope_prefix: 0,
        }
    }

    fn write<S: WireSink>(&self, s: &mut S) {
        let (family, bytes): (u16, [u8; 16]) = match self.address {
            IpAddr::V4(a) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&a.octets());
                (1, b)
            }
            IpAddr::V6(a) => (2, a.octets()),
        };
        s.put_u16(family);
        s.put_u8(self.source_prefix);
        s.put_u8(self.scope_prefix);
        s.put(&bytes[..self.address_octets()]);
    }
}

/// DNS cookie (RFC 7873 §4): an 8-octet client cookie, optionally followed by an 8- to
/// 32-octet server cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// The client cookie.
    pub client: [u8; 8],
    /// The server cookie, when present.
    pub server: Option<Vec<u8>>,
}

impl Cookie {
    /// Reads a cookie option, refusing lengths RFC 7873 §5.2.2 calls malformed (FORMERR).
    pub fn parse(data: &[u8]) -> Result<Cookie, RdataError> {
        match data.len() {
            8 => Ok(Cookie {
                client: data.try_into().map_err(|_| RdataError::Invalid)?,
                server: None,
            }),
            16..=40 => Ok(Cookie {
                client: data[..8].try_into().map_err(|_| RdataError::Invalid)?,
                server: Some(data[8..].to_vec()),
            }),
            _ => Err(RdataError::Invalid),
        }
    }
}

/// Extended DNS error (RFC 8914 §2): INFO-CODE (16 bits) and UTF-8 EXTRA-TEXT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedError {
    /// The info code (RFC 8914 §4).
    pub info_code: u16,
    /// Free text for people; may be empty.
    pub extra_text: String,
}

impl ExtendedError {
    /// Reads the option; EXTRA-TEXT that is not UTF-8 is kept with replacement characters
    /// (RFC 8914 §2 says it "SHOULD" be UTF-8; a response is not refused for it).
    pub fn parse(data: &[u8]) -> Result<ExtendedError, RdataError> {
        if data.len() < 2 {
            return Err(RdataError::Short);
        }
        let text = &data[2..];
        // A trailing NUL is tolerated as some implementations send one.
        let text = text.strip_suffix(&[0]).unwrap_or(text);
        Ok(ExtendedError {
            info_code: u16::from_be_bytes([data[0], data[1]]),
            extra_text: String::from_utf8_lossy(text).into_owned(),
        })
    }

    /// The registered name of an info code (RFC 8914 §4).
    pub fn describe(info_code: u16) -> Option<&'static str> {
        Some(match info_code {
            0 => "Other",
            1 => "Unsupported DNSKEY Algorithm",
            2 => "Unsupported DS Digest Type",
            3 => "Stale Answer",
            4 => "Forged Answer",
            5 => "DNSSEC Indeterminate",
            6 => "DNSSEC Bogus",
            7 => "Signature Expired",
            8 => "Signature Not Yet Valid",
            9 => "DNSKEY Missing",
            10 => "RRSIGs Missing",
            11 => "No Zone Key Bit Set",
            12 => "NSEC Missing",
            13 => "Cached Error",
            14 => "Not Ready",
            15 => "Blocked",
            16 => "Censored",
            17 => "Filtered",
            18 => "Prohibited",
            19 => "Stale NXDOMAIN Answer",
            20 => "Not Authoritative",
            21 => "Not Supported",
            22 => "No Reachable Authority",
            23 => "Network Error",
            24 => "Invalid Data",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(opt: EdnsOption) -> Vec<u8> {
        let mut buf = Vec::new();
        opt.write(&mut buf);
        let mut it = OptionIter::new(&buf);
        let (code, data) = it.next().unwrap().unwrap();
        assert!(it.next().is_none());
        assert_eq!(EdnsOption::parse(code, data).unwrap(), opt);
        buf
    }

    #[test]
    fn rfc7871_section_6_client_subnet() {
        let ecs = ClientSubnet::new("192.0.2.77".parse().unwrap(), 24);
        assert_eq!(ecs.address, "192.0.2.0".parse::<IpAddr>().unwrap());
        let wire = round_trip(EdnsOption::ClientSubnet(ecs));
        assert_eq!(wire, [0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2]);
        let ecs6 = ClientSubnet::new("2001:db8:1234:5678::1".parse().unwrap(), 56);
        let wire = round_trip(EdnsOption::ClientSubnet(ecs6));
        assert_eq!(wire.len(), 4 + 4 + 7);
        // Bits set past the source prefix: FORMERR material.
        assert!(ClientSubnet::parse(&[0, 1, 23, 0, 192, 0, 3]).is_err());
        // Too many address octets.
        assert!(ClientSubnet::parse(&[0, 1, 8, 0, 192, 0]).is_err());
        // Unknown family, prefix too long.
        assert!(ClientSubnet::parse(&[0, 3, 0, 0]).is_err());
        assert!(ClientSubnet::parse(&[0, 1, 33, 0, 1, 2, 3, 4, 5]).is_err());
        // Source prefix 0 (RFC 7871 §7.1.2: the client does not want ECS used).
        assert!(ClientSubnet::parse(&[0, 1, 0, 0]).is_ok());
    }

    #[test]
    fn rfc9018_appendix_a_cookies() {
        // A.1: client cookie 2464c4abcf10c957; A.2 response adds the server cookie
        // 010000005cf79f111f8130c3eee29480.
        let client = crate::text::hex_decode("2464c4abcf10c957").unwrap();
        let both = crate::text::hex_decode("2464c4abcf10c957010000005cf79f111f8130c3eee29480").unwrap();
        let c = Cookie::parse(&client).unwrap();
        assert_eq!(c.server, None);
        let c = Cookie::parse(&both).unwrap();
        assert_eq!(c.server.as_deref().map(<[u8]>::len), Some(16));
        round_trip(EdnsOption::Cookie(c));
        for bad in [7usize, 9, 15, 41] {
            assert!(Cookie::parse(&vec![0; bad]).is_err(), "length {bad}");
        }
    }

    #[test]
    fn other_options() {
        round_trip(EdnsOption::Nsid(b"ns1".to_vec()));
        round_trip(EdnsOption::Nsid(Vec::new()));
        round_trip(EdnsOption::TcpKeepalive(None));
        round_trip(EdnsOption::TcpKeepalive(Some(1200)));
        assert_eq!(round_trip(EdnsOption::Padding(3)), [0, 12, 0, 3, 0, 0, 0]);
        round_trip(EdnsOption::ExtendedError(ExtendedError {
            info_code: 7,
            extra_text: "signature expired".into(),
        }));
        round_trip(EdnsOption::Unknown {
            code: 65001,
            data: vec![1, 2, 3],
        });
        assert!(EdnsOption::parse(code::TCP_KEEPALIVE, &[1]).is_err());
        assert!(EdnsOption::parse(code::EXTENDED_ERROR, &[1]).is_err());
        let text = EdnsOption::ExtendedError(ExtendedError {
            info_code: 6,
            extra_text: String::new(),
        })
        .to_string();
        assert_eq!(text, "EDE: 6 (DNSSEC Bogus)");
    }

    #[test]
    fn opt_record_fields() {
        let edns = Edns {
            udp_payload_size: 1232,
            extended_rcode: 1,
            version: 0,
            dnssec_ok: true,
            z: 0,
            options: vec![EdnsOption::Nsid(Vec::new())],
        };
        let mut buf = Vec::new();
        edns.write_record(&mut buf);
        assert_eq!(buf.len(), edns.wire_len());
        assert_eq!(buf, [0, 0, 41, 0x04, 0xD0, 1, 0, 0x80, 0, 0, 4, 0, 3, 0, 0]);
        let back = Edns::from_opt(1232, u32::from_be_bytes([1, 0, 0x80, 0]), &buf[11..]).unwrap();
        assert_eq!(back, edns);
        assert!(Edns::from_opt(512, 0, &[0, 3, 0, 5, 1]).is_err());
    }
}
