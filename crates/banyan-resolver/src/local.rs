//! Names answered without asking anybody: RFC 6761 special-use names (`localhost`,
//! `invalid`, `test`, …) and RFC 6303 locally served reverse zones, as Unbound's default
//! local zones do.
//!
//! Each zone is one of two of Unbound's local-zone types:
//! - *static*: the zone's own data answers; a name in the zone without data of the type asked
//!   gets NODATA, a name not in the zone NXDOMAIN, both with the zone's SOA in the authority
//!   section (RFC 2308 §3) so the client may cache the answer.
//! - *redirect* (`localhost.` only): every name at or below the apex answers with the apex's
//!   data, as RFC 6761 §6.3 asks of `localhost` and its subdomains.
//!
//! Their content is Unbound's, synthesized: an apex SOA `localhost. nobody.invalid. 1 3600
//! 1200 604800 10800` and NS `localhost.`, TTL 10800.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use banyan_wire::name::MAX_NAME_LEN;
use banyan_wire::rdata::{Aaaa, Soa, A};
use banyan_wire::{Class, Name, NameBuf, RData, Rcode, RecordType, WireName};

use crate::answer::Answer;
use crate::rrset::{RRset, Security};

/// The TTL of local data, as Unbound gives its default zones.
pub const LOCAL_TTL: u32 = 10800;

/// The zones RFC 6761 and RFC 6303 ask a resolver to answer itself, exactly the list in
/// `unbound.conf(5)` ("local-zone" defaults) of Unbound's repository in 2025 (NLnet Labs
/// `doc/unbound.conf.rst` at commit 032a379, with `util/as112.c`), which has `home.arpa`
/// (RFC 8375), `resolver.arpa` (RFC 9462) and `service.arpa` (DNS-SD's Service
/// Registration Protocol, RFC 9665), the newest additions. `local.` is not among them: it
/// belongs to multicast DNS (RFC 6762), and Unbound leaves it to the host. `localhost.`,
/// `127.in-addr.arpa.` and the `::1` reverse zone have data and are built apart.
const EMPTY_ZONES: &[&str] = &[
    "home.arpa.",
    "resolver.arpa.",
    "service.arpa.",
    "onion.",
    "test.",
    "invalid.",
    // AS112 (RFC 6303 §4): private and special-use IPv4 reverse zones.
    "10.in-addr.arpa.",
    // 16.172 … 31.172 and 64.100 … 127.100 are generated in `defaults`.
    "168.192.in-addr.arpa.",
    "0.in-addr.arpa.",
    "254.169.in-addr.arpa.",
    "2.0.192.in-addr.arpa.",
    "100.51.198.in-addr.arpa.",
    "113.0.203.in-addr.arpa.",
    "255.255.255.255.in-addr.arpa.",
    // IPv6: unspecified (::), unique local (fd00::/8), link local (fe80::/10), documentation.
    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "d.f.ip6.arpa.",
    "8.e.f.ip6.arpa.",
    "9.e.f.ip6.arpa.",
    "a.e.f.ip6.arpa.",
    "b.e.f.ip6.arpa.",
    "8.b.d.0.1.0.0.2.ip6.arpa.",
];

/// The reverse name of `::1` (RFC 3596 §2.5), apex of its own zone.
const IP6_LOOPBACK_REVERSE: &str = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.";

/// How a zone answers names it has no data for (Unbound's local-zone types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// NXDOMAIN below the apex unless the name has data (or data below it).
    Static,
    /// Every name in the zone is answered with the apex's data.
    Redirect,
}

/// One local zone: its apex, kind and data. Owner names and RDATA are lowercase wire form.
#[derive(Clone, Debug)]
struct LocalZone {
    apex: Name,
    kind: Kind,
    /// The apex SOA, for the authority section of negative answers.
    soa: RRset,
    /// All RRsets of the zone, the SOA included.
    data: Vec<RRset>,
}

impl LocalZone {
    /// A zone with Unbound's synthesized SOA and NS at `apex`.
    fn new(apex: Name, kind: Kind) -> LocalZone {
        let localhost = Name::from_labels([b"localhost".as_slice()]).unwrap_or_else(|_| Name::root());
        let invalid = Name::from_labels([b"nobody".as_slice(), b"invalid".as_slice()]).unwrap_or_else(|_| Name::root());
        let soa = rrset(
            &apex,
            &RData::SOA(Soa {
                mname: localhost.clone(),
                rname: invalid,
                serial: 1,
                refresh: 3600,
                retry: 1200,
                expire: 604800,
                minimum: 10800,
            }),
        );
        let ns = rrset(&apex, &RData::NS(localhost));
        LocalZone {
            apex,
            kind,
            soa: soa.clone(),
            data: vec![ns, soa],
        }
    }

    /// Adds one record (its own RRset: the defaults have one record per set).
    fn with(mut self, owner: Name, data: RData) -> LocalZone {
        self.data.push(rrset(&owner, &data));
        self
    }

    /// The answer for `qname` (lowercase wire, at or below the apex).
    fn answer(&self, qname: &[u8], qtype: RecordType) -> Answer {
        let lookup = match self.kind {
            Kind::Static => qname,
            Kind::Redirect => self.apex.as_wire(),
        };
        // ANY gets every set the name has (Unbound answers ANY from local data the same way);
        // a name with a CNAME answers any other type with it (RFC 1034 §3.6.2).
        let wanted = |set: &&RRset| set.name.as_wire() == lookup && (qtype == RecordType::ANY || set.rtype == qtype);
        let alias = |set: &&RRset| set.name.as_wire() == lookup && set.rtype == RecordType::CNAME;
        let has_wanted = self.data.iter().any(|s| wanted(&s));
        let found: Vec<RRset> = self
            .data
            .iter()
            .filter(|set| if has_wanted { wanted(set) } else { alias(set) })
            .map(|set| {
                let mut set = set.clone();
                if self.kind == Kind::Redirect {
                    // As a wildcard would (RFC 4592 §2.2.1): the owner is the name asked.
                    set.name = owned(qname);
                }
                set
            })
            .collect();
        if !found.is_empty() {
            return Answer {
                rcode: Rcode::NOERROR,
                answer: found,
                authority: Vec::new(),
                uncacheable: true,
                security: crate::rrset::Security::Unchecked,
                ede: None,
                unchecked: None,
            };
        }
        // A name exists when it owns data or has data below it (an empty non-terminal such
        // as 0.0.127.in-addr.arpa is NODATA, not NXDOMAIN: RFC 8020 §2).
        let exists = self.kind == Kind::Redirect
            || self
                .data
                .iter()
                .any(|set| banyan_wire::name::wire_is_subdomain_of(set.name.as_wire(), lookup));
        Answer {
            rcode: if exists { Rcode::NOERROR } else { Rcode::NXDOMAIN },
            answer: Vec::new(),
            authority: vec![self.soa.clone()],
            uncacheable: true,
            security: crate::rrset::Security::Unchecked,
            ede: None,
            unchecked: None,
        }
    }
}

/// An RRset of one record with the local TTL.
fn rrset(owner: &Name, data: &RData) -> RRset {
    RRset {
        name: owner.to_lowercase(),
        rtype: data.rtype(),
        class: Class::IN,
        ttl: LOCAL_TTL,
        rdata: vec![data.to_wire().into_boxed_slice()],
        sigs: Vec::new(),
        security: Security::Unchecked,
    }
}

/// An owned name from checked wire form (the caller's `NameBuf`).
fn owned(wire: &[u8]) -> Name {
    Name::from_wire(wire).unwrap_or_else(|_| Name::root())
}

impl LocalZone {
    /// A static zone serving the data of `zone` (its SOA for negative answers, or Unbound's
    /// synthesized one when it has none), each RRset kept whole.
    fn from_zone(zone: &banyan_zone::Zone) -> LocalZone {
        let apex = zone.origin().to_lowercase();
        // The records grouped into RRsets, in the zone's order.
        let mut groups: Vec<(Name, RecordType, Vec<banyan_wire::Record>)> = Vec::new();
        for r in zone.records() {
            let owner = r.name.to_lowercase();
            match groups.iter_mut().find(|(n, t, _)| *n == owner && *t == r.rtype()) {
                Some((_, _, records)) => records.push(r),
                None => groups.push((owner, r.rtype(), vec![r])),
            }
        }
        let sets: Vec<RRset> = groups
            .iter()
            .filter_map(|(owner, _, records)| RRset::from_records(owner, records))
            .collect();
        let soa = sets
            .iter()
            .find(|s| s.rtype == RecordType::SOA && s.name == apex)
            .cloned()
            .unwrap_or_else(|| LocalZone::new(apex.clone(), Kind::Static).soa);
        LocalZone {
            apex,
            kind: Kind::Static,
            soa,
            data: sets,
        }
    }
}

/// The locally served zones.
#[derive(Clone, Debug, Default)]
pub struct LocalZones {
    zones: Vec<LocalZone>,
    /// Lowercase wire form of each apex → its index in `zones`. A query walks its own
    /// suffixes (one hash each, no allocation), so the cost is the qname's label count,
    /// whatever the number of zones.
    index: HashMap<Box<[u8]>, usize>,
}

impl LocalZones {
    /// Unbound's default set (see `unbound.conf(5)`, "local-zone" defaults): `localhost.`
    /// (redirect, RFC 6761 §6.3), the loopback reverse zones `127.in-addr.arpa.` and `::1`'s
    /// (RFC 6303 §4.2, §4.3), the special-use domains `home.arpa.` (RFC 8375),
    /// `resolver.arpa.` (RFC 9462), `service.arpa.` (RFC 9665), `onion.` (RFC 7686),
    /// `test.` and `invalid.` (RFC 6761 §6.2, §6.4), and the AS112 reverse zones of RFC 6303.
    pub fn defaults() -> LocalZones {
        let mut zones = LocalZones::default();
        if let Some(localhost) = name("localhost.") {
            zones.insert(
                LocalZone::new(localhost.clone(), Kind::Redirect)
                    .with(localhost.clone(), RData::A(A(Ipv4Addr::LOCALHOST)))
                    .with(localhost, RData::AAAA(Aaaa(Ipv6Addr::LOCALHOST))),
            );
        }
        let reverse = [
            ("127.in-addr.arpa.", "1.0.0.127.in-addr.arpa."),
            (IP6_LOOPBACK_REVERSE, IP6_LOOPBACK_REVERSE),
        ];
        for (apex, ptr_owner) in reverse {
            if let (Some(apex), Some(owner), Some(target)) = (name(apex), name(ptr_owner), name("localhost.")) {
                zones.insert(LocalZone::new(apex, Kind::Static).with(owner, RData::PTR(target)));
            }
        }
        let generated = (16..=31)
            .map(|b| format!("{b}.172.in-addr.arpa."))
            .chain((64..=127).map(|b| format!("{b}.100.in-addr.arpa.")));
        let names = EMPTY_ZONES.iter().map(|s| s.to_string()).chain(generated);
        for text in names {
            if let Some(apex) = name(&text) {
                zones.insert(LocalZone::new(apex, Kind::Static));
            }
        }
        zones
    }

    /// Serves `zone` locally (Unbound's `local-zone: … static` with its `local-data`): names
    /// at or below its apex are answered from its data only, NXDOMAIN or NODATA otherwise,
    /// never resolved. A zone at the apex of a default one replaces it.
    pub fn add_zone(&mut self, zone: &banyan_zone::Zone) {
        self.insert(LocalZone::from_zone(zone));
    }

    /// No local zones: every name is resolved (`--no-default-local-zones`).
    pub fn none() -> LocalZones {
        LocalZones::default()
    }

    /// How many zones are served locally.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// True when no zone is served locally.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The apex of the local zone that holds `qname`, if any (the longest match).
    pub fn zone_of(&self, qname: &NameBuf) -> Option<&Name> {
        let mut scratch = [0u8; MAX_NAME_LEN];
        let lower = lowercase(qname.wire(), &mut scratch);
        self.find(lower).map(|zone| &zone.apex)
    }

    /// The local answer for a question (lowercase `qname`), or `None` when the name is not
    /// in a local zone. Only class IN has local zones, as in Unbound. A DS query is looked up
    /// from the parent of `qname`: DS lives on the parent side of a zone cut (RFC 4034 §5),
    /// so `DS test.` is for the root to answer, not the local `test.` zone.
    pub fn answer(&self, qname: &NameBuf, qtype: RecordType, qclass: Class) -> Option<Answer> {
        if qclass != Class::IN || self.zones.is_empty() {
            return None;
        }
        // Lowercased again although the caller promises it: a stack copy is cheap, and a
        // mixed-case name must not slip past the index.
        let mut scratch = [0u8; MAX_NAME_LEN];
        let lower = lowercase(qname.wire(), &mut scratch);
        let search = if qtype == RecordType::DS && lower.len() > 1 {
            &lower[1 + lower[0] as usize..]
        } else {
            lower
        };
        let zone = self.find(search)?;
        Some(zone.answer(lower, qtype))
    }

    /// The zone holding `lower` (lowercase, checked wire form), walking its suffixes from
    /// the longest, so the closest enclosing zone wins.
    fn find(&self, lower: &[u8]) -> Option<&LocalZone> {
        let mut off = 0;
        while off < lower.len() {
            if let Some(&i) = self.index.get(&lower[off..]) {
                return self.zones.get(i);
            }
            off += 1 + lower[off] as usize;
        }
        None
    }

    /// Adds a zone; a second zone at the same apex replaces the first.
    fn insert(&mut self, zone: LocalZone) {
        let key: Box<[u8]> = zone.apex.to_lowercase().as_wire().into();
        match self.index.get(&key) {
            Some(&i) => self.zones[i] = zone,
            None => {
                self.index.insert(key, self.zones.len());
                self.zones.push(zone);
            }
        }
    }
}

/// `wire` lowercased into `scratch`.
fn lowercase<'a>(wire: &[u8], scratch: &'a mut [u8; MAX_NAME_LEN]) -> &'a [u8] {
    let len = wire.len().min(MAX_NAME_LEN);
    let out = &mut scratch[..len];
    out.copy_from_slice(&wire[..len]);
    out.make_ascii_lowercase();
    out
}

/// A built-in name. The texts are fixed, so this never fails; `defaults_hold_every_zone`
/// checks that each one made it in.
fn name(text: &str) -> Option<Name> {
    Name::parse(text, None).ok().map(|n| n.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> NameBuf {
        NameBuf::from(&Name::parse(text, None).unwrap())
    }

    fn ask(text: &str, qtype: RecordType) -> Option<Answer> {
        LocalZones::defaults().answer(&q(text), qtype, Class::IN)
    }

    fn wire(text: &str) -> Vec<u8> {
        Name::parse(text, None).unwrap().as_wire().to_vec()
    }

    /// The SOA RDATA Unbound synthesizes for every default zone.
    fn unbound_soa() -> Vec<u8> {
        let mut v = wire("localhost.");
        v.extend(wire("nobody.invalid."));
        for n in [1u32, 3600, 1200, 604800, 10800] {
            v.extend(n.to_be_bytes());
        }
        v
    }

    fn assert_negative(a: &Answer, rcode: Rcode, apex: &str) {
        assert_eq!(a.rcode, rcode);
        assert!(a.answer.is_empty());
        assert_eq!(a.authority.len(), 1);
        let soa = &a.authority[0];
        assert_eq!((soa.rtype, soa.class, soa.ttl), (RecordType::SOA, Class::IN, LOCAL_TTL));
        assert_eq!(soa.name.as_wire(), wire(apex).as_slice());
        assert_eq!(&*soa.rdata[0], unbound_soa().as_slice());
        assert!(a.uncacheable);
    }

    #[test]
    fn defaults_hold_every_zone() {
        let zones = LocalZones::defaults();
        // localhost, two loopback reverse zones, the listed empty zones, 16 of 172.16/12
        // and 64 of 100.64/10.
        assert_eq!(zones.len(), 3 + EMPTY_ZONES.len() + 16 + 64);
        assert_eq!(zones.index.len(), zones.len());
        for apex in [
            "17.172.in-addr.arpa.",
            "127.100.in-addr.arpa.",
            "resolver.arpa.",
            "home.arpa.",
        ] {
            assert_eq!(
                zones.zone_of(&q(apex)).map(|n| n.as_wire().to_vec()),
                Some(wire(apex)),
                "{apex}"
            );
        }
        assert!(zones.zone_of(&q("15.172.in-addr.arpa.")).is_none());
        assert!(zones.zone_of(&q("32.172.in-addr.arpa.")).is_none());
        assert!(
            zones.zone_of(&q("local.")).is_none(),
            "local. is mDNS's, not a default zone"
        );
    }

    #[test]
    fn localhost_addresses() {
        let a = ask("localhost.", RecordType::A).unwrap();
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert!(a.uncacheable);
        assert!(a.authority.is_empty());
        assert_eq!(a.answer.len(), 1);
        assert_eq!(a.answer[0].name.as_wire(), wire("localhost.").as_slice());
        assert_eq!(a.answer[0].ttl, LOCAL_TTL);
        assert_eq!(a.answer[0].rdata, vec![Box::from([127u8, 0, 0, 1].as_slice())]);

        let aaaa = ask("LocalHost.", RecordType::AAAA).unwrap();
        assert_eq!(aaaa.answer[0].name.as_wire(), wire("localhost.").as_slice());
        assert_eq!(&*aaaa.answer[0].rdata[0], Ipv6Addr::LOCALHOST.octets().as_slice());
    }

    #[test]
    fn localhost_apex_soa_and_ns() {
        let soa = ask("localhost.", RecordType::SOA).unwrap();
        assert_eq!(&*soa.answer[0].rdata[0], unbound_soa().as_slice());
        let ns = ask("localhost.", RecordType::NS).unwrap();
        assert_eq!(&*ns.answer[0].rdata[0], wire("localhost.").as_slice());
        let any = ask("localhost.", RecordType::ANY).unwrap();
        assert_eq!(any.answer.len(), 4);
    }

    #[test]
    fn localhost_mx_is_nodata() {
        let a = ask("localhost.", RecordType::MX).unwrap();
        assert_negative(&a, Rcode::NOERROR, "localhost.");
    }

    #[test]
    fn below_localhost_answers_as_localhost() {
        let a = ask("foo.localhost.", RecordType::A).unwrap();
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert_eq!(a.answer[0].name.as_wire(), wire("foo.localhost.").as_slice());
        assert_eq!(&*a.answer[0].rdata[0], [127u8, 0, 0, 1].as_slice());
        let deep = ask("a.b.c.localhost.", RecordType::AAAA).unwrap();
        assert_eq!(deep.answer[0].name.as_wire(), wire("a.b.c.localhost.").as_slice());
        let mx = ask("foo.localhost.", RecordType::MX).unwrap();
        assert_negative(&mx, Rcode::NOERROR, "localhost.");
    }

    #[test]
    fn loopback_reverse() {
        let a = ask("1.0.0.127.in-addr.arpa.", RecordType::PTR).unwrap();
        assert_eq!(a.rcode, Rcode::NOERROR);
        assert_eq!(a.answer[0].name.as_wire(), wire("1.0.0.127.in-addr.arpa.").as_slice());
        assert_eq!(&*a.answer[0].rdata[0], wire("localhost.").as_slice());

        let v6 = ask(IP6_LOOPBACK_REVERSE, RecordType::PTR).unwrap();
        assert_eq!(&*v6.answer[0].rdata[0], wire("localhost.").as_slice());

        assert_negative(
            &ask("1.0.0.127.in-addr.arpa.", RecordType::A).unwrap(),
            Rcode::NOERROR,
            "127.in-addr.arpa.",
        );
        assert_negative(
            &ask("0.0.127.in-addr.arpa.", RecordType::PTR).unwrap(),
            Rcode::NOERROR,
            "127.in-addr.arpa.",
        );
        assert_negative(
            &ask("2.0.0.127.in-addr.arpa.", RecordType::PTR).unwrap(),
            Rcode::NXDOMAIN,
            "127.in-addr.arpa.",
        );
    }

    #[test]
    fn private_reverse_is_nxdomain_with_soa() {
        let a = ask("1.1.168.192.in-addr.arpa.", RecordType::PTR).unwrap();
        assert_negative(&a, Rcode::NXDOMAIN, "168.192.in-addr.arpa.");
        let a = ask("1.168.192.in-addr.arpa.", RecordType::PTR).unwrap();
        assert_negative(&a, Rcode::NXDOMAIN, "168.192.in-addr.arpa.");
        let apex = ask("168.192.in-addr.arpa.", RecordType::PTR).unwrap();
        assert_negative(&apex, Rcode::NOERROR, "168.192.in-addr.arpa.");
        let ula = ask("1.0.0.0.d.f.ip6.arpa.", RecordType::PTR).unwrap();
        assert_negative(&ula, Rcode::NXDOMAIN, "d.f.ip6.arpa.");
    }

    #[test]
    fn test_and_invalid_are_nxdomain() {
        assert_negative(&ask("test.", RecordType::A).unwrap(), Rcode::NOERROR, "test.");
        assert_negative(&ask("www.test.", RecordType::A).unwrap(), Rcode::NXDOMAIN, "test.");
        assert_negative(
            &ask("foo.invalid.", RecordType::AAAA).unwrap(),
            Rcode::NXDOMAIN,
            "invalid.",
        );
        assert_negative(&ask("x.onion.", RecordType::A).unwrap(), Rcode::NXDOMAIN, "onion.");
        assert_negative(
            &ask("_dns.resolver.arpa.", RecordType::SVCB).unwrap(),
            Rcode::NXDOMAIN,
            "resolver.arpa.",
        );
        let ns = ask("invalid.", RecordType::NS).unwrap();
        assert_eq!(&*ns.answer[0].rdata[0], wire("localhost.").as_slice());
    }

    #[test]
    fn other_names_are_resolved() {
        assert!(ask("example.com.", RecordType::A).is_none());
        assert!(ask("localhost.example.com.", RecordType::A).is_none());
        assert!(ask("testing.", RecordType::A).is_none());
        assert!(ask("in-addr.arpa.", RecordType::PTR).is_none());
        assert!(ask("11.in-addr.arpa.", RecordType::PTR).is_none());
        assert!(ask(".", RecordType::NS).is_none());
    }

    #[test]
    fn ds_goes_to_the_parent() {
        assert!(ask("test.", RecordType::DS).is_none());
        assert!(ask("localhost.", RecordType::DS).is_none());
        assert_negative(&ask("foo.test.", RecordType::DS).unwrap(), Rcode::NXDOMAIN, "test.");
    }

    #[test]
    fn only_class_in() {
        assert!(LocalZones::defaults()
            .answer(&q("localhost."), RecordType::A, Class::CH)
            .is_none());
    }

    #[test]
    fn none_answers_nothing() {
        let zones = LocalZones::none();
        assert!(zones.is_empty());
        for name in [
            "localhost.",
            "foo.localhost.",
            "1.0.0.127.in-addr.arpa.",
            "test.",
            "invalid.",
            "example.com.",
        ] {
            assert!(zones.answer(&q(name), RecordType::A, Class::IN).is_none(), "{name}");
        }
    }

    #[test]
    fn a_zone_of_ones_own_is_served_whole() {
        let origin = Name::parse("corp.internal.", None).unwrap();
        let mut z = banyan_zone::Zone::new(origin.clone(), Class::IN);
        let text =
            "@ 300 SOA ns h 1 2 3 4 60\n@ 300 NS ns\nns 300 A 10.0.0.1\nwww 300 A 10.0.0.2\nwww 300 A 10.0.0.3\n\
                    alias 300 CNAME www\na.b 300 TXT x\n";
        let opts = banyan_zone::ParseOptions {
            origin: Some(origin),
            ..banyan_zone::ParseOptions::default()
        };
        let report = banyan_zone::parse_str(text, std::path::Path::new("t"), &opts, &mut |r| {
            z.insert(&r).unwrap();
        });
        assert!(report.is_ok(), "{:?}", report.errors);
        z.finish();
        let mut zones = LocalZones::defaults();
        zones.add_zone(&z);
        let ask = |text: &str, qtype| zones.answer(&q(text), qtype, Class::IN).unwrap();
        let www = ask("www.corp.internal.", RecordType::A);
        assert_eq!(
            (www.answer.len(), www.answer[0].rdata.len()),
            (1, 2),
            "one RRset of two"
        );
        let alias = ask("alias.corp.internal.", RecordType::A);
        assert_eq!(alias.answer[0].rtype, RecordType::CNAME);
        assert_eq!(
            ask("b.corp.internal.", RecordType::A).rcode,
            Rcode::NOERROR,
            "empty non-terminal"
        );
        let missing = ask("nope.corp.internal.", RecordType::A);
        assert_eq!(missing.rcode, Rcode::NXDOMAIN);
        assert_eq!(missing.authority[0].rtype, RecordType::SOA);
        assert!(zones.answer(&q("www.example.com."), RecordType::A, Class::IN).is_none());
    }
}
