//! What an authoritative server may be told: its UDP size, identity answers, who may
//! transfer zones, and which zones it is a secondary for.

use std::net::IpAddr;
use std::str::FromStr;

use banyan_wire::Name;

/// The server's answering policy. Defaults are those of DESIGN.md: 1232-octet UDP answers,
/// no NSID, no CHAOS identity answers, zone transfers refused, no secondary zones (so every
/// NOTIFY is answered NOTAUTH).
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
    /// Clients allowed to AXFR and IXFR (over TCP) zones without a list of their own, by
    /// address or by TSIG key. Empty: nobody.
    pub allow_transfer: Vec<TransferAcl>,
    /// Zones with a transfer list of their own (DESIGN.md `[[auth.zone]] allow_transfer`),
    /// used instead of `allow_transfer` for that zone.
    pub zone_transfer: Vec<(Name, Vec<TransferAcl>)>,
    /// Zones this server is a secondary for, each with the addresses of its primaries: a
    /// NOTIFY for one of them is accepted from those addresses only (RFC 1996 §3.10).
    /// Default: none.
    pub secondaries: Vec<(Name, Vec<IpAddr>)>,
    /// The TSIG keys requests may be signed with (RFC 8945): a signed request is verified
    /// and its response signed; a key may be named in a transfer list.
    pub keys: banyan_wire::tsig::KeyRing,
    /// Who may NOTIFY for zones this server is no secondary of (RFC 1996 §3.10 by analogy):
    /// the writers of a store whose zones it serves as they come (a registrar's dashboard),
    /// so that a change or a new zone is read at once. Default: nobody.
    pub notifiers: Vec<Cidr>,
    /// DNS Cookies (RFC 7873, server cookies of RFC 9018): the secret and whether a valid
    /// server cookie is required over UDP. Default `None`: off, a COOKIE option in a request
    /// is ignored (a malformed one is still FORMERR, RFC 7873 §5.2.2).
    pub cookies: Option<crate::cookies::CookieConfig>,
    /// Views, tried in order (see [`crate::views`]). Default: none, and answering looks at
    /// nothing more.
    pub views: Vec<crate::views::View>,
    /// Whether the EDNS Client Subnet option (RFC 7871) of a query chooses the view and is
    /// answered with its scope (§7.2.1). Default false: ECS is ignored, as RFC 7871 §7.1.3
    /// has servers that do not use it do, and views match the source address.
    pub ecs: bool,
    /// Clients whose [`crate::WHY_OPTION`] is answered with the explanation of the view
    /// chosen. Default: nobody.
    pub debug_allow: Vec<Cidr>,
    /// A MaxMind DB (`.mmdb`) whose country and continent codes views may match
    /// ([`crate::View::with_geo_regions`]). Default: none.
    pub geoip: Option<std::sync::Arc<crate::geoip::GeoIp>>,
}

impl AuthConfig {
    /// Whether a client at `client`, whose request was verified with the TSIG key named
    /// `key` (`None`: unsigned), may transfer the zone `origin`: true when an entry of the
    /// zone's list (or of `allow_transfer`, for zones without one) holds the address or
    /// names the key.
    pub fn may_transfer(&self, origin: &Name, client: IpAddr, key: Option<&Name>) -> bool {
        let list = self
            .zone_transfer
            .iter()
            .find(|(zone, _)| zone == origin)
            .map_or(&self.allow_transfer, |(_, list)| list);
        list.iter().any(|entry| entry.allows(client, key))
    }

    /// The primaries of `zone` when this server is a secondary for it (RFC 1996 §3.10).
    pub fn primaries(&self, zone: &Name) -> Option<&[IpAddr]> {
        self.secondaries
            .iter()
            .find(|(z, _)| z == zone)
            .map(|(_, list)| list.as_slice())
    }
}

/// One entry of a transfer list: an address prefix, or the name of a TSIG key (RFC 8945)
/// the request must have been verified with. Written `192.0.2.0/24`, `2001:db8::1`, or
/// `key:NAME` (`key:transfer.example.`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferAcl {
    /// Clients whose address lies in the prefix.
    Addr(Cidr),
    /// Requests signed with this key (matched ignoring case, as names are).
    Key(Name),
}

impl TransferAcl {
    /// Whether the entry admits a client at `client` whose request carries `key`.
    pub fn allows(&self, client: IpAddr, key: Option<&Name>) -> bool {
        match self {
            TransferAcl::Addr(cidr) => cidr.contains(client),
            TransferAcl::Key(name) => key == Some(name),
        }
    }
}

/// Why a transfer list entry did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad transfer list entry {0:?}: expected ADDRESS, ADDRESS/LENGTH or key:NAME")]
pub struct TransferAclError(pub String);

impl FromStr for TransferAcl {
    type Err = TransferAclError;
    fn from_str(s: &str) -> Result<TransferAcl, TransferAclError> {
        let bad = || TransferAclError(s.to_string());
        match s.strip_prefix("key:") {
            Some(name) if !name.is_empty() => name.parse().map(TransferAcl::Key).map_err(|_| bad()),
            Some(_) => Err(bad()),
            None => s.parse().map(TransferAcl::Addr).map_err(|_| bad()),
        }
    }
}

impl From<Cidr> for TransferAcl {
    fn from(cidr: Cidr) -> TransferAcl {
        TransferAcl::Addr(cidr)
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
            secondaries: Vec::new(),
            keys: banyan_wire::tsig::KeyRing::default(),
            notifiers: Vec::new(),
            cookies: None,
            views: Vec::new(),
            ecs: false,
            debug_allow: Vec::new(),
            geoip: None,
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

impl Cidr {
    /// True for an IPv4 prefix.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// How many leading bits `ip` shares with the prefix's address, at most the prefix
    /// length (IPv4-mapped IPv6 addresses counted as IPv4); 0 across families.
    pub fn common_bits(&self, ip: IpAddr) -> u8 {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let shared = match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => leading_shared(&a.octets(), &b.octets()),
            (IpAddr::V6(a), IpAddr::V6(b)) => leading_shared(&a.octets(), &b.octets()),
            _ => 0,
        };
        shared.min(self.prefix)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn leading_shared(a: &[u8], b: &[u8]) -> u8 {
    let mut bits = 0u32;
    for (x, y) in a.iter().zip(b) {
        let differ = x ^ y;
        bits += differ.leading_zeros();
        if differ != 0 {
            break;
        }
    }
    bits.min(u8::MAX as u32) as u8
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
        assert!(config.may_transfer(&"example.".parse().unwrap(), lo, None));
        assert!(!config.may_transfer(&"example.".parse().unwrap(), peer, None));
        assert!(!config.may_transfer(&"SECRET.example.".parse().unwrap(), lo, None));
        assert!(config.may_transfer(&"secret.example.".parse().unwrap(), peer, None));
    }

    #[test]
    fn transfer_lists_by_address_or_tsig_key() {
        let key: Name = "xfr.example.".parse().unwrap();
        let other: Name = "other.example.".parse().unwrap();
        assert_eq!(
            "key:XFR.example.".parse::<TransferAcl>(),
            Ok(TransferAcl::Key(key.clone()))
        );
        assert_eq!(
            "192.0.2.0/24".parse::<TransferAcl>(),
            Ok(TransferAcl::Addr("192.0.2.0/24".parse().unwrap()))
        );
        for bad in ["key:", "key:a..b", "192.0.2.0/99", "nonsense"] {
            assert!(bad.parse::<TransferAcl>().is_err(), "{bad}");
        }
        let config = AuthConfig {
            allow_transfer: vec!["key:xfr.example.".parse().unwrap(), "192.0.2.0/24".parse().unwrap()],
            ..AuthConfig::default()
        };
        let zone: Name = "example.".parse().unwrap();
        let outside = "203.0.113.1".parse().unwrap();
        assert!(
            config.may_transfer(&zone, outside, Some(&key)),
            "the key admits any address"
        );
        assert!(
            !config.may_transfer(&zone, outside, Some(&other)),
            "another key does not"
        );
        assert!(!config.may_transfer(&zone, outside, None), "unsigned from outside");
        assert!(
            config.may_transfer(&zone, "192.0.2.9".parse().unwrap(), None),
            "the prefix admits"
        );
    }
}
