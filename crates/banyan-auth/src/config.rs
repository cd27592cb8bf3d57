//! What an authoritative server may be told: its UDP size, identity answers, and who may
//! transfer zones.

use std::net::IpAddr;
use std::str::FromStr;

/// The server's answering policy. Defaults are those of DESIGN.md: 1232-octet UDP answers,
/// no NSID, no CHAOS identity answers, zone transfers refused.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Largest UDP response, whatever the client offers (RFC 6891 §6.2.5); the DNS Flag Day
    /// 2020 value 1232 avoids fragmentation.
    pub max_udp_payload: u16,
    /// Name server identifier returned to clients that ask for it (RFC 5001).
    pub nsid: Option<Vec<u8>>,
    /// The TXT answer to `version.bind`/`version.server` CH TXT; `None` refuses them.
    pub chaos_version: Option<String>,
    /// The TXT answer to `id.server`/`hostname.bind` CH TXT; `None` refuses them.
    pub chaos_id: Option<String>,
    /// Clients allowed to AXFR (over TCP) zones without a list of their own. Empty: nobody.
    pub allow_transfer: Vec<Cidr>,
    /// Zones with a transfer list of their own (DESIGN.md `[[auth.zone]] allow_transfer`),
    /// used instead of `allow_transfer` for that zone.
    pub zone_transfer: Vec<(banyan_wire::Name, Vec<Cidr>)>,
}

impl AuthConfig {
    /// Whether `client` may transfer the zone `origin`.
    pub fn may_transfer(&self, origin: &banyan_wire::Name, client: IpAddr) -> bool {
        let list = self
            .zone_transfer
            .iter()
            .find(|(zone, _)| zone == origin)
            .map_or(&self.allow_transfer, |(_, list)| list);
        list.iter().any(|c| c.contains(client))
    }
}

impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig {
            max_udp_payload: banyan_wire::edns::DEFAULT_UDP_PAYLOAD,
            nsid: None,
            chaos_version: None,
            chaos_id: None,
            allow_transfer: Vec::new(),
            zone_transfer: Vec::new(),
        }
    }
}

/// An address prefix such as `192.0.2.0/24` or `2001:db8::/32`; a bare address is a /32 or
/// /128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a prefix did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad address prefix {0:?}: expected ADDRESS or ADDRESS/LENGTH")]
pub struct CidrError(pub String);

impl Cidr {
    /// True when `ip` lies in the prefix. IPv4-mapped IPv6 clients match IPv4 prefixes.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => masked(&a.octets(), &b.octets(), self.prefix),
            (IpAddr::V6(a), IpAddr::V6(b)) => masked(&a.octets(), &b.octets(), self.prefix),
            _ => false,
        }
    }
}

fn masked(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let mut bits = prefix as usize;
    for (x, y) in a.iter().zip(b) {
        if bits == 0 {
            return true;
        }
        let take = bits.min(8);
        let mask = 0xFFu8 << (8 - take);
        if x & mask != y & mask {
            return false;
        }
        bits -= take;
    }
    true
}

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let bad = || CidrError(s.to_string());
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let c: Cidr = "192.0.2.0/24".parse().unwrap();
        assert!(c.contains("192.0.2.77".parse().unwrap()));
        assert!(!c.contains("192.0.3.1".parse().unwrap()));
        assert!(c.contains("::ffff:192.0.2.1".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("192.0.2.1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!("192.0.2.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
    }

    #[test]
    fn per_zone_transfer_lists_replace_the_global_one() {
        let config = AuthConfig {
            allow_transfer: vec!["127.0.0.0/8".parse().unwrap()],
            zone_transfer: vec![("secret.example.".parse().unwrap(), vec!["192.0.2.7".parse().unwrap()])],
            ..AuthConfig::default()
        };
        let lo = "127.0.0.1".parse().unwrap();
        let peer = "192.0.2.7".parse().unwrap();
        assert!(config.may_transfer(&"example.".parse().unwrap(), lo));
        assert!(!config.may_transfer(&"example.".parse().unwrap(), peer));
        assert!(!config.may_transfer(&"SECRET.example.".parse().unwrap(), lo));
        assert!(config.may_transfer(&"secret.example.".parse().unwrap(), peer));
    }
}
