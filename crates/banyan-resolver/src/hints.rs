//! Root hints: where resolution starts (RFC 1034 §5.3.2, RFC 8109). Built in: IANA's 13
//! root servers with their IPv4 and IPv6 addresses; or read from a file in RFC 1035 format
//! (`/usr/share/dns/root.hints`, `named.root`).
//!
//! The built-in hints are master-file text read by the same parser as a hints file, so the
//! two can never be read differently. The hints only prime the resolver (RFC 8109 §3): the
//! first query it sends asks a root server for the current root NS set.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use banyan_wire::{Class, Name, RData, Record, RecordType};
use banyan_zone::{ParseOptions, ParseReport};

use crate::rrset::{RRset, Security};

/// The TTL of the hints' records, as IANA's `named.root` gives it (1000 hours).
pub const HINTS_TTL: u32 = 3_600_000;

/// IANA's root hints (`named.root`, "last update: April 18, 2024", root zone 2024041801):
/// the same names and addresses as Debian's `dns-root-data` 2024071801. b.root-servers.net
/// has had its addresses since November 2023.
pub const BUILTIN_HINTS: &str = "\
; The root servers (RFC 8109 priming starts here), as in IANA's named.root of 2024-04-18.
$TTL 3600000
.                    NS    a.root-servers.net.
.                    NS    b.root-servers.net.
.                    NS    c.root-servers.net.
.                    NS    d.root-servers.net.
.                    NS    e.root-servers.net.
.                    NS    f.root-servers.net.
.                    NS    g.root-servers.net.
.                    NS    h.root-servers.net.
.                    NS    i.root-servers.net.
.                    NS    j.root-servers.net.
.                    NS    k.root-servers.net.
.                    NS    l.root-servers.net.
.                    NS    m.root-servers.net.
a.root-servers.net.  A     198.41.0.4
a.root-servers.net.  AAAA  2001:503:ba3e::2:30
b.root-servers.net.  A     170.247.170.2
b.root-servers.net.  AAAA  2801:1b8:10::b
c.root-servers.net.  A     192.33.4.12
c.root-servers.net.  AAAA  2001:500:2::c
d.root-servers.net.  A     199.7.91.13
d.root-servers.net.  AAAA  2001:500:2d::d
e.root-servers.net.  A     192.203.230.10
e.root-servers.net.  AAAA  2001:500:a8::e
f.root-servers.net.  A     192.5.5.241
f.root-servers.net.  AAAA  2001:500:2f::f
g.root-servers.net.  A     192.112.36.4
g.root-servers.net.  AAAA  2001:500:12::d0d
h.root-servers.net.  A     198.97.190.53
h.root-servers.net.  AAAA  2001:500:1::53
i.root-servers.net.  A     192.36.148.17
i.root-servers.net.  AAAA  2001:7fe::53
j.root-servers.net.  A     192.58.128.30
j.root-servers.net.  AAAA  2001:503:c27::2:30
k.root-servers.net.  A     193.0.14.129
k.root-servers.net.  AAAA  2001:7fd::1
l.root-servers.net.  A     199.7.83.42
l.root-servers.net.  AAAA  2001:500:9f::42
m.root-servers.net.  A     202.12.27.33
m.root-servers.net.  AAAA  2001:dc3::35
";

/// Why a hints file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HintsError {
    /// The file did not parse; each message says file:line:column and what was wrong.
    #[error("{path}: root hints do not parse: {}", errors.join("; "))]
    Parse {
        /// The file.
        path: String,
        /// The parser's messages.
        errors: Vec<String>,
    },
    /// No NS record at the root, or no address for any root server name.
    #[error("{path}: no root server with an address in the hints")]
    Empty {
        /// The file.
        path: String,
    },
}

/// The root servers: each name with its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootHints {
    /// (server name, its addresses), in the order given.
    pub servers: Vec<(Name, Vec<IpAddr>)>,
}

impl RootHints {
    /// IANA's hints (named.root), built in: [`BUILTIN_HINTS`] read as a hints file.
    pub fn builtin() -> RootHints {
        match RootHints::parse(BUILTIN_HINTS, Path::new("<built-in root hints>")) {
            Ok(hints) => hints,
            // Not reached: the text is fixed, and the test `builtin_has_all_13` reads it on
            // every run. An empty set makes the resolver fail loudly rather than guess.
            Err(_) => RootHints { servers: Vec::new() },
        }
    }

    /// Reads a hints file in RFC 1035 master-file format: NS records at `.`, A/AAAA records
    /// for their names; other records ignored.
    pub fn from_file(path: &Path) -> Result<RootHints, HintsError> {
        let mut records = Vec::new();
        let report = banyan_zone::parse_file(path, &parse_options(), &mut |r| records.push(r));
        RootHints::from_records(records, &report, path)
    }

    /// As [`RootHints::from_file`], from text (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<RootHints, HintsError> {
        let mut records = Vec::new();
        let report = banyan_zone::parse_str(text, path, &parse_options(), &mut |r| records.push(r));
        RootHints::from_records(records, &report, path)
    }

    /// The root NS RRset the hints imply (TTL 3600000 as named.root has).
    pub fn ns_rrset(&self) -> RRset {
        let rdata = self.servers.iter().map(|(name, _)| name.as_wire().into()).collect();
        RRset {
            name: Name::root(),
            rtype: RecordType::NS,
            class: Class::IN,
            ttl: HINTS_TTL,
            rdata,
            sigs: Vec::new(),
            security: Security::Unchecked,
        }
    }

    /// The A and AAAA RRsets of the root server names, A before AAAA for each name, in the
    /// order of [`RootHints::servers`]; a name without addresses of a family has no set of it.
    pub fn address_rrsets(&self) -> Vec<RRset> {
        let mut sets = Vec::with_capacity(self.servers.len() * 2);
        for (name, addrs) in &self.servers {
            let v4: Vec<Box<[u8]>> = addrs
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V4(v4) => Some(Box::from(v4.octets().as_slice())),
                    IpAddr::V6(_) => None,
                })
                .collect();
            let v6: Vec<Box<[u8]>> = addrs
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V6(v6) => Some(Box::from(v6.octets().as_slice())),
                    IpAddr::V4(_) => None,
                })
                .collect();
            for (rtype, rdata) in [(RecordType::A, v4), (RecordType::AAAA, v6)] {
                if !rdata.is_empty() {
                    sets.push(RRset {
                        name: name.clone(),
                        rtype,
                        class: Class::IN,
                        ttl: HINTS_TTL,
                        rdata,
                        sigs: Vec::new(),
                        security: Security::Unchecked,
                    });
                }
            }
        }
        sets
    }

    /// Picks the root NS names and their addresses out of parsed records. Names are
    /// lowercased (the cache is keyed case-insensitively, RFC 4343) and duplicates dropped;
    /// a server named without any address stays in the list, as Unbound keeps it, so that its
    /// address can be looked up once the other roots answer.
    fn from_records(records: Vec<Record>, report: &ParseReport, path: &Path) -> Result<RootHints, HintsError> {
        let display = path.display().to_string();
        if !report.errors.is_empty() {
            return Err(HintsError::Parse {
                path: display,
                errors: report.errors.iter().map(|e| e.to_string()).collect(),
            });
        }
        let mut servers: Vec<(Name, Vec<IpAddr>)> = Vec::new();
        let mut addresses: HashMap<Name, Vec<IpAddr>> = HashMap::new();
        for record in records {
            if record.class != Class::IN {
                continue;
            }
            match record.data {
                RData::NS(target) if record.name.is_root() => {
                    let target = target.to_lowercase();
                    if !servers.iter().any(|(n, _)| *n == target) {
                        servers.push((target, Vec::new()));
                    }
                }
                RData::A(a) => addresses
                    .entry(record.name.to_lowercase())
                    .or_default()
                    .push(IpAddr::V4(a.0)),
                RData::AAAA(a) => addresses
                    .entry(record.name.to_lowercase())
                    .or_default()
                    .push(IpAddr::V6(a.0)),
                _ => {}
            }
        }
        for (name, addrs) in &mut servers {
            if let Some(found) = addresses.remove(name) {
                for addr in found {
                    if !addrs.contains(&addr) {
                        addrs.push(addr);
                    }
                }
            }
        }
        if servers.iter().all(|(_, addrs)| addrs.is_empty()) {
            return Err(HintsError::Empty { path: display });
        }
        Ok(RootHints { servers })
    }
}

/// How hints are read: names relative to the root; a record without a TTL gets named.root's
/// (the TTL of hints does not matter, RFC 8109 §3 replaces them at priming); no `$INCLUDE`,
/// since a hints file is one file.
fn parse_options() -> ParseOptions {
    ParseOptions {
        origin: Some(Name::root()),
        default_ttl: Some(HINTS_TTL),
        allow_include: false,
        ..ParseOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::path::PathBuf;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    /// The 13 letters with IANA's addresses (named.root, 2024-04-18).
    const IANA: [(&str, &str, &str); 13] = [
        ("a", "198.41.0.4", "2001:503:ba3e::2:30"),
        ("b", "170.247.170.2", "2801:1b8:10::b"),
        ("c", "192.33.4.12", "2001:500:2::c"),
        ("d", "199.7.91.13", "2001:500:2d::d"),
        ("e", "192.203.230.10", "2001:500:a8::e"),
        ("f", "192.5.5.241", "2001:500:2f::f"),
        ("g", "192.112.36.4", "2001:500:12::d0d"),
        ("h", "198.97.190.53", "2001:500:1::53"),
        ("i", "192.36.148.17", "2001:7fe::53"),
        ("j", "192.58.128.30", "2001:503:c27::2:30"),
        ("k", "193.0.14.129", "2001:7fd::1"),
        ("l", "199.7.83.42", "2001:500:9f::42"),
        ("m", "202.12.27.33", "2001:dc3::35"),
    ];

    #[test]
    fn builtin_has_all_13() {
        let hints = RootHints::builtin();
        assert_eq!(hints.servers.len(), 13);
        for ((server, addrs), (letter, v4, v6)) in hints.servers.iter().zip(IANA) {
            assert_eq!(server.as_wire(), name(&format!("{letter}.root-servers.net.")).as_wire());
            let want: Vec<IpAddr> = vec![
                IpAddr::V4(v4.parse::<Ipv4Addr>().unwrap()),
                IpAddr::V6(v6.parse::<Ipv6Addr>().unwrap()),
            ];
            assert_eq!(*addrs, want, "{letter}.root-servers.net");
        }
    }

    #[test]
    fn builtin_matches_debian_dns_root_data() {
        // Debian's copy (dns-root-data 2024071801) in the shared test data, and the system's
        // copy when the package is installed: both must say what the built-in hints say.
        let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/root/debian-dns-root-data/root.hints");
        let system = PathBuf::from("/usr/share/dns/root.hints");
        let mut checked = 0;
        for path in [shared, system] {
            if path.exists() {
                assert_eq!(
                    RootHints::from_file(&path).unwrap(),
                    RootHints::builtin(),
                    "{}",
                    path.display()
                );
                checked += 1;
            }
        }
        if checked == 0 {
            eprintln!("no root.hints file here to compare with; skipped");
        }
    }

    #[test]
    fn rrsets_of_builtin() {
        let hints = RootHints::builtin();
        let ns = hints.ns_rrset();
        assert!(ns.name.is_root());
        assert_eq!((ns.rtype, ns.class, ns.ttl), (RecordType::NS, Class::IN, HINTS_TTL));
        assert_eq!(ns.rdata.len(), 13);
        assert_eq!(&*ns.rdata[0], b"\x01a\x0croot-servers\x03net\x00");

        let sets = hints.address_rrsets();
        assert_eq!(sets.len(), 26);
        assert_eq!(sets[0].name.as_wire(), b"\x01a\x0croot-servers\x03net\x00");
        assert_eq!((sets[0].rtype, sets[0].ttl), (RecordType::A, HINTS_TTL));
        assert_eq!(sets[0].rdata, vec![Box::from([198u8, 41, 0, 4].as_slice())]);
        assert_eq!(sets[1].rtype, RecordType::AAAA);
        let v6: Ipv6Addr = "2001:503:ba3e::2:30".parse().unwrap();
        assert_eq!(&*sets[1].rdata[0], v6.octets().as_slice());
    }

    #[test]
    fn parses_small_hints_ignoring_other_records() {
        let text = "\
.                 3600000 IN NS   NS1.Example.
.                 3600000 IN NS   ns2.example.
.                 3600000 IN NS   ns1.example.
NS1.EXAMPLE.      3600000 IN A    192.0.2.1
ns1.example.      3600000 IN AAAA 2001:db8::1
ns1.example.      3600000 IN A    192.0.2.1
ns3.example.      3600000 IN A    192.0.2.3
ns1.example.      3600000 IN TXT  \"ignored\"
example.          3600000 IN NS   ns1.example.
";
        let hints = RootHints::parse(text, Path::new("small.hints")).unwrap();
        assert_eq!(hints.servers.len(), 2, "duplicate NS dropped; ns3 is not a root server");
        assert_eq!(hints.servers[0].0.as_wire(), b"\x03ns1\x07example\x00", "lowercased");
        assert_eq!(
            hints.servers[0].1,
            vec![
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                "2001:db8::1".parse::<IpAddr>().unwrap()
            ]
        );
        assert!(hints.servers[1].1.is_empty(), "ns2 has no address but is kept");
        assert_eq!(hints.ns_rrset().rdata.len(), 2);
        assert_eq!(hints.address_rrsets().len(), 2);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let text = ". 3600000 NS a.example.\na.example. 3600000 A 192.0.2.300\n";
        let err = RootHints::parse(text, Path::new("bad.hints")).unwrap_err();
        match &err {
            HintsError::Parse { path, errors } => {
                assert_eq!(path, "bad.hints");
                assert_eq!(errors.len(), 1);
                assert!(errors[0].starts_with("bad.hints:2:"), "{}", errors[0]);
            }
            other => panic!("expected Parse, got {other:?}"),
        }
        assert!(err
            .to_string()
            .starts_with("bad.hints: root hints do not parse: bad.hints:2:"));
    }

    #[test]
    fn missing_file_is_a_parse_error() {
        let err = RootHints::from_file(Path::new("/nonexistent/root.hints")).unwrap_err();
        assert!(matches!(err, HintsError::Parse { .. }), "{err:?}");
    }

    #[test]
    fn empty_hints() {
        for text in [
            "",
            "; nothing\n",
            ". 3600000 NS a.example.\n",
            "a.example. 3600000 A 192.0.2.1\n",
        ] {
            let err = RootHints::parse(text, Path::new("empty.hints")).unwrap_err();
            assert!(
                matches!(&err, HintsError::Empty { path } if path == "empty.hints"),
                "{text:?}: {err:?}"
            );
        }
    }
}
