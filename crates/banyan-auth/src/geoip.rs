//! A reader of MaxMind DB (`.mmdb`) files, enough for views: the country and continent
//! codes of an address and the length of the network the database gives them for.
//!
//! The format (MaxMind DB File Format Specification 2.0): a binary search tree over the
//! address bits, 16 zero octets, a data section of typed values, and at the end the
//! metadata (a map after the marker `\xAB\xCD\xEFMaxMind.com`). Only the types the GeoIP2
//! and GeoLite2 country and city databases use for these fields are decoded; the rest are
//! skipped by their size.

use std::net::IpAddr;

/// Marks the start of the metadata section.
const METADATA_MARKER: &[u8] = b"\xAB\xCD\xEFMaxMind.com";

/// Deepest nesting of maps and arrays decoded (the spec sets no limit; real files nest 3).
const MAX_DEPTH: usize = 16;

/// Most values decoded for one lookup or for the metadata: pointers let a small file name one
/// big map from every entry of another, nested [`MAX_DEPTH`] deep, which would otherwise take
/// forever. A country record holds a few dozen values.
const MAX_VALUES: usize = 100_000;

/// What the database says of an address: ISO 3166 country code, continent code, and the
/// prefix length of the network the answer holds for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoAnswer {
    /// `country.iso_code`, e.g. `DE`.
    pub country: Option<String>,
    /// `continent.code`, e.g. `EU`.
    pub continent: Option<String>,
    /// Bits of the address that led to the record (or to its absence).
    pub prefix: u8,
}

/// Why a database could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoIpError {
    /// No metadata marker: not a MaxMind DB file.
    #[error("not a MaxMind DB file (no metadata marker)")]
    NoMetadata,
    /// The metadata lacks a field or has an unusable value.
    #[error("bad metadata: {0}")]
    Metadata(&'static str),
    /// A value or tree node points outside the file, or is of an unknown type.
    #[error("corrupt database at offset {0}")]
    Corrupt(usize),
}

/// An opened database, held in memory.
#[derive(Clone)]
pub struct GeoIp {
    bytes: Vec<u8>,
    node_count: u32,
    record_size: u16,
    ip_version: u16,
    data_start: usize,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GeoIp({} nodes, IPv{})", self.node_count, self.ip_version)
    }
}

/// A decoded value: what the fields used here need, the rest reduced to `Other`.
#[derive(Debug)]
enum Value {
    Str(String),
    Uint(u64),
    Map(Vec<(String, Value)>),
    Other,
}

impl Value {
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl GeoIp {
    /// Reads a database from its octets.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoIp, GeoIpError> {
        let at = bytes
            .windows(METADATA_MARKER.len())
            .rposition(|w| w == METADATA_MARKER)
            .ok_or(GeoIpError::NoMetadata)?;
        let meta_start = at + METADATA_MARKER.len();
        let mut budget = MAX_VALUES;
        let (meta, _) = decode(&bytes, meta_start, meta_start, 0, &mut budget)?;
        let uint = |k: &'static str| match meta.get(k) {
            Some(Value::Uint(n)) => Ok(*n),
            _ => Err(GeoIpError::Metadata(k)),
        };
        let node_count = u32::try_from(uint("node_count")?).map_err(|_| GeoIpError::Metadata("node_count"))?;
        let record_size = u16::try_from(uint("record_size")?).map_err(|_| GeoIpError::Metadata("record_size"))?;
        let ip_version = u16::try_from(uint("ip_version")?).map_err(|_| GeoIpError::Metadata("ip_version"))?;
        if !matches!(record_size, 24 | 28 | 32) {
            return Err(GeoIpError::Metadata("record_size"));
        }
        if !matches!(ip_version, 4 | 6) {
            return Err(GeoIpError::Metadata("ip_version"));
        }
        let tree = node_count as usize * usize::from(record_size) / 4;
        let data_start = tree + 16;
        if data_start > at {
            return Err(GeoIpError::Metadata("node_count"));
        }
        Ok(GeoIp {
            bytes,
            node_count,
            record_size,
            ip_version,
            data_start,
        })
    }

    /// Reads the file at `path`.
    pub fn open(path: &std::path::Path) -> std::io::Result<Result<GeoIp, GeoIpError>> {
        Ok(GeoIp::from_bytes(std::fs::read(path)?))
    }

    /// The record of node `node`, side `right`.
    fn record(&self, node: u32, right: bool) -> Result<u32, GeoIpError> {
        let size = usize::from(self.record_size) / 4;
        let at = node as usize * size;
        let b = self.bytes.get(at..at + size).ok_or(GeoIpError::Corrupt(at))?;
        let be = |s: &[u8]| s.iter().fold(0u32, |acc, x| acc << 8 | u32::from(*x));
        Ok(match (self.record_size, right) {
            (24, false) => be(&b[0..3]),
            (24, true) => be(&b[3..6]),
            (28, false) => (u32::from(b[3] & 0xF0) << 20) | be(&b[0..3]),
            (28, true) => (u32::from(b[3] & 0x0F) << 24) | be(&b[4..7]),
            (_, false) => be(&b[0..4]),
            (_, true) => be(&b[4..8]),
        })
    }

    /// Looks `ip` up; `None` when the database has no record for it (still with the
    /// prefix length that decided it, in the error-free case) or cannot hold it.
    pub fn lookup(&self, ip: IpAddr) -> Result<GeoAnswer, GeoIpError> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (bits, width, mut node): ([u8; 16], usize, u32) = match ip {
            IpAddr::V4(a) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&a.octets());
                // An IPv6 tree holds IPv4 under ::/96 (the spec's IPv4 start node).
                let mut node = 0;
                if self.ip_version == 6 {
                    for _ in 0..96 {
                        if node >= self.node_count {
                            break;
                        }
                        node = self.record(node, false)?;
                    }
                }
                (b, 32, node)
            }
            IpAddr::V6(a) if self.ip_version == 6 => (a.octets(), 128, 0),
            IpAddr::V6(_) => {
                return Ok(GeoAnswer {
                    country: None,
                    continent: None,
                    prefix: 0,
                })
            }
        };
        let mut depth = 0;
        while depth < width && node < self.node_count {
            let bit = bits[depth / 8] >> (7 - depth % 8) & 1 == 1;
            node = self.record(node, bit)?;
            depth += 1;
        }
        let prefix = depth as u8;
        if node <= self.node_count {
            return Ok(GeoAnswer {
                country: None,
                continent: None,
                prefix,
            });
        }
        // A record past the tree points into the data section, 16 octets after the tree's
        // end (the spec's separator); one pointing into the separator is corrupt.
        let offset = ((node - self.node_count) as usize)
            .checked_sub(16)
            .ok_or(GeoIpError::Corrupt(node as usize))?
            + self.data_start;
        let mut budget = MAX_VALUES;
        let (value, _) = decode(&self.bytes, self.data_start, offset, 0, &mut budget)?;
        Ok(GeoAnswer {
            country: value
                .get("country")
                .and_then(|c| c.get("iso_code"))
                .and_then(Value::text),
            continent: value.get("continent").and_then(|c| c.get("code")).and_then(Value::text),
            prefix,
        })
    }
}

/// Decodes the value at `at` (pointers are relative to `base`, the data section); returns
/// it and the offset after it. Each value decoded takes one of `budget`.
fn decode(buf: &[u8], base: usize, at: usize, depth: usize, budget: &mut usize) -> Result<(Value, usize), GeoIpError> {
    if depth > MAX_DEPTH || *budget == 0 {
        return Err(GeoIpError::Corrupt(at));
    }
    *budget -= 1;
    let byte = |i: usize| buf.get(i).copied().ok_or(GeoIpError::Corrupt(i));
    let ctrl = byte(at)?;
    let mut pos = at + 1;
    let mut kind = ctrl >> 5;
    if kind == 1 {
        // A pointer: its size bits hold the pointer's length and high bits.
        let ss = (ctrl >> 3) & 3;
        let vvv = usize::from(ctrl & 7);
        let take = |n: usize| -> Result<usize, GeoIpError> {
            let s = buf.get(pos..pos + n).ok_or(GeoIpError::Corrupt(pos))?;
            Ok(s.iter().fold(0usize, |acc, x| acc << 8 | usize::from(*x)))
        };
        let (target, len) = match ss {
            0 => ((vvv << 8 | take(1)?), 1),
            1 => ((vvv << 16 | take(2)?) + 2048, 2),
            2 => ((vvv << 24 | take(3)?) + 526_336, 3),
            _ => (take(4)?, 4),
        };
        let (value, _) = decode(buf, base, base + target, depth + 1, budget)?;
        return Ok((value, pos + len));
    }
    if kind == 0 {
        // Extended types are 7 + the next octet; past 255 there is no such type.
        kind = 7u8.checked_add(byte(pos)?).ok_or(GeoIpError::Corrupt(pos))?;
        pos += 1;
    }
    let mut size = usize::from(ctrl & 0x1F);
    if size >= 29 {
        let extra = size - 28;
        let s = buf.get(pos..pos + extra).ok_or(GeoIpError::Corrupt(pos))?;
        let n = s.iter().fold(0usize, |acc, x| acc << 8 | usize::from(*x));
        size = match extra {
            1 => 29 + n,
            2 => 285 + n,
            _ => 65_821 + n,
        };
        pos += extra;
    }
    let payload = |pos: usize| buf.get(pos..pos + size).ok_or(GeoIpError::Corrupt(pos));
    match kind {
        2 => {
            let s = std::str::from_utf8(payload(pos)?).map_err(|_| GeoIpError::Corrupt(pos))?;
            Ok((Value::Str(s.to_string()), pos + size))
        }
        5 | 6 | 9 | 10 if size <= 8 => {
            let n = payload(pos)?.iter().fold(0u64, |acc, x| acc << 8 | u64::from(*x));
            Ok((Value::Uint(n), pos + size))
        }
        7 => {
            let mut pairs = Vec::with_capacity(size.min(64));
            for _ in 0..size {
                let (key, next) = decode(buf, base, pos, depth + 1, budget)?;
                let (value, next) = decode(buf, base, next, depth + 1, budget)?;
                pos = next;
                if let Value::Str(k) = key {
                    pairs.push((k, value));
                }
            }
            Ok((Value::Map(pairs), pos))
        }
        11 => {
            for _ in 0..size {
                pos = decode(buf, base, pos, depth + 1, budget)?.1;
            }
            Ok((Value::Other, pos))
        }
        // Boolean: the value is in the size bits.
        14 => Ok((Value::Other, pos)),
        3 if size == 8 => Ok((Value::Other, pos + 8)),
        15 if size == 4 => Ok((Value::Other, pos + 4)),
        4 | 8 | 10 => {
            payload(pos)?;
            Ok((Value::Other, pos + size))
        }
        _ => Err(GeoIpError::Corrupt(at)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.push(2 << 5 | s.len() as u8);
        out.extend_from_slice(s.as_bytes());
    }

    fn map(out: &mut Vec<u8>, n: u8) {
        out.push(7 << 5 | n);
    }

    /// A minimal IPv4 database: `net`/`len` → {country: {iso_code}, continent: {code}}.
    pub(crate) fn database(net: [u8; 4], len: usize, country: &str, continent: &str) -> Vec<u8> {
        let node_count = len as u32;
        let mut out = Vec::new();
        let data_pointer = node_count + 16;
        for depth in 0..len {
            let bit = net[depth / 8] >> (7 - depth % 8) & 1 == 1;
            let on = if depth + 1 == len {
                data_pointer
            } else {
                depth as u32 + 1
            };
            let (left, right) = if bit { (node_count, on) } else { (on, node_count) };
            out.extend_from_slice(&left.to_be_bytes()[1..]);
            out.extend_from_slice(&right.to_be_bytes()[1..]);
        }
        out.extend_from_slice(&[0; 16]);
        map(&mut out, 2);
        string(&mut out, "country");
        map(&mut out, 1);
        string(&mut out, "iso_code");
        string(&mut out, country);
        string(&mut out, "continent");
        map(&mut out, 1);
        string(&mut out, "code");
        string(&mut out, continent);
        out.extend_from_slice(METADATA_MARKER);
        map(&mut out, 3);
        string(&mut out, "node_count");
        out.extend_from_slice(&[6 << 5 | 4]);
        out.extend_from_slice(&node_count.to_be_bytes());
        string(&mut out, "record_size");
        out.extend_from_slice(&[5 << 5 | 2, 0, 24]);
        string(&mut out, "ip_version");
        out.extend_from_slice(&[5 << 5 | 2, 0, 4]);
        out
    }

    #[test]
    fn looks_up_country_continent_and_prefix() {
        let db = GeoIp::from_bytes(database([10, 1, 0, 0], 16, "DE", "EU")).unwrap();
        let a = db.lookup("10.1.2.3".parse().unwrap()).unwrap();
        assert_eq!(
            (a.country.as_deref(), a.continent.as_deref(), a.prefix),
            (Some("DE"), Some("EU"), 16)
        );
        let none = db.lookup("10.2.0.1".parse().unwrap()).unwrap();
        assert_eq!((none.country, none.prefix), (None, 15), "left the tree at bit 15");
        assert_eq!(db.lookup("2001:db8::1".parse().unwrap()).unwrap().country, None);
        assert!(GeoIp::from_bytes(b"not a database".to_vec()).is_err());
        let mut cut = database([10, 1, 0, 0], 16, "DE", "EU");
        cut.truncate(40);
        assert!(GeoIp::from_bytes(cut).is_err());
    }
}
