//! The authoritative lookup of RFC 1034 §4.3.2 over one zone, with DNAME (RFC 6672 §3.2)
//! and wildcards (RFC 4592 §3.3), as outcomes rather than errors.
//!
//! One call walks from the apex down to the query name, one map probe per label, so its cost
//! grows with the number of labels and the logarithm of the zone size, and it allocates
//! nothing. Following a CNAME chain is the caller's loop ([`Zone::resolve`] does it).

use banyan_wire::{Name, RecordType, WireName};

use crate::zone::{Key, Node, Rrset, Zone};

/// Longest CNAME chain [`Zone::resolve`] follows inside one zone, as BIND (16) and Knot do.
pub const MAX_CNAME_CHAIN: usize = 16;

/// The outcome of looking a name and type up in a zone.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'z> {
    /// The RRset asked for. With `wildcard`, it was synthesised from that wildcard node
    /// (RFC 4592 §3.3.1): the owner to answer with is the query name.
    Answer {
        /// The node holding the data (the wildcard node when synthesised).
        node: &'z Node,
        /// The RRset.
        rrset: &'z Rrset,
        /// The wildcard used, if any.
        wildcard: Option<&'z Node>,
    },
    /// A type ANY query at an existing name: every RRset of the node (RFC 8482 lets the
    /// server choose a subset).
    Any {
        /// The node.
        node: &'z Node,
        /// The wildcard used, if any.
        wildcard: Option<&'z Node>,
    },
    /// The name owns a CNAME and another type was asked for (RFC 1034 §4.3.2 step 3a):
    /// answer with the CNAME and continue at its target.
    Cname {
        /// The node owning the CNAME.
        node: &'z Node,
        /// The CNAME RRset (one record).
        rrset: &'z Rrset,
        /// The wildcard used, if any.
        wildcard: Option<&'z Node>,
    },
    /// A DNAME at an ancestor of the query name (RFC 6672 §3.2): answer with it and a
    /// CNAME synthesised by replacing the DNAME owner with its target.
    Dname {
        /// The node owning the DNAME.
        node: &'z Node,
        /// The DNAME RRset.
        rrset: &'z Rrset,
    },
    /// The name is at or below a zone cut (RFC 1034 §4.3.2 step 3b): refer to the child's
    /// name servers; glue comes from [`Zone::glue`].
    Referral {
        /// The delegation point.
        cut: &'z Node,
        /// Its NS RRset.
        ns: &'z Rrset,
    },
    /// The name exists (possibly as an empty non-terminal, or through a wildcard) but has no
    /// data of the type asked for.
    NoData {
        /// The node.
        node: &'z Node,
        /// The wildcard used, if any.
        wildcard: Option<&'z Node>,
    },
    /// The name does not exist (RFC 1034 §4.3.2 step 3c, no wildcard applies).
    NxDomain {
        /// The closest encloser (RFC 4592 §3.3.1): the deepest existing ancestor.
        closest_encloser: &'z Node,
    },
    /// The name is not at or below the zone's origin.
    NotInZone,
}

impl Zone {
    /// Looks `qname`/`qtype` up (RFC 1034 §4.3.2 steps 3a-3c).
    ///
    /// DS is answered from the parent side of a zone cut (RFC 4035 §3.1.4.1): a DS query at
    /// a delegation point is not referred.
    pub fn lookup<N: WireName + ?Sized>(&self, qname: &N, qtype: RecordType) -> Lookup<'_> {
        if !qname.is_subdomain_of_wire(self.origin().as_wire()) {
            return Lookup::NotInZone;
        }
        let key = Key::new(qname);
        // Most questions name an existing node. If nothing above it is a cut or a DNAME
        // (`occluded`, worked out by `finish`), it answers after a single probe; only the rest
        // walk down from the apex label by label.
        if let Some(node) = self.node_by_key(key.as_bytes()) {
            if !node.flags.occluded {
                if node.flags.delegation && qtype != RecordType::DS {
                    if let Some(ns) = node.rrset(RecordType::NS) {
                        return Lookup::Referral { cut: node, ns };
                    }
                }
                return answer_at(node, qtype, None);
            }
        }
        let apex_labels = self.origin().label_count();
        let labels = key.labels();
        let mut closest = self.apex();
        let mut closest_labels = apex_labels;
        for k in apex_labels..=labels {
            let Some(node) = self.node_by_key(key.prefix(k)) else {
                break;
            };
            let exact = k == labels;
            if node.flags.delegation && !(exact && qtype == RecordType::DS) {
                if let Some(ns) = node.rrset(RecordType::NS) {
                    return Lookup::Referral { cut: node, ns };
                }
            }
            if !exact {
                if let Some(rrset) = node.rrset(RecordType::DNAME) {
                    return Lookup::Dname { node, rrset };
                }
            }
            closest = node;
            closest_labels = k;
            if exact {
                return answer_at(node, qtype, None);
            }
        }
        // No exact match: the source of synthesis is `*.<closest encloser>` (RFC 4592 §3.3.1).
        match self.node_by_key(key.wildcard_child(closest_labels).as_bytes()) {
            Some(wc) => answer_at(wc, qtype, Some(wc)),
            None => Lookup::NxDomain {
                closest_encloser: closest,
            },
        }
    }

    /// Follows CNAMEs inside this zone from `qname` (RFC 1034 §4.3.2 step 3a), returning each
    /// step's owner and outcome, ending at the first outcome that is not a CNAME, at a target
    /// outside the zone, at a loop, or after [`MAX_CNAME_CHAIN`] CNAMEs.
    pub fn resolve(&self, qname: &Name, qtype: RecordType) -> Vec<(Name, Lookup<'_>)> {
        let mut steps = Vec::new();
        let mut name = qname.clone();
        loop {
            let outcome = self.lookup(&name, qtype);
            let next = match outcome {
                Lookup::Cname { rrset, .. } => rrset.typed().next().and_then(|d| match d {
                    banyan_wire::RData::CNAME(target) => Some(target),
                    _ => None,
                }),
                _ => None,
            };
            steps.push((name.clone(), outcome));
            match next {
                Some(target)
                    if steps.len() <= MAX_CNAME_CHAIN
                        && target.is_subdomain_of(self.origin())
                        && !steps.iter().any(|(n, _)| *n == target) =>
                {
                    name = target
                }
                _ => return steps,
            }
        }
    }

    /// Address RRsets (A, AAAA) of `target` when it is inside this zone — at an ordinary
    /// name or as glue below a cut (RFC 1034 §4.3.2 step 3b).
    pub fn glue<'z, N: WireName + ?Sized>(&'z self, target: &N) -> impl Iterator<Item = &'z Rrset> + 'z {
        self.node(target)
            .into_iter()
            .flat_map(|n| n.rrsets.iter())
            .filter(|s| s.rtype == RecordType::A || s.rtype == RecordType::AAAA)
    }
}

fn answer_at<'z>(node: &'z Node, qtype: RecordType, wildcard: Option<&'z Node>) -> Lookup<'z> {
    if qtype == RecordType::ANY {
        return if node.rrsets.is_empty() {
            Lookup::NoData { node, wildcard }
        } else {
            Lookup::Any { node, wildcard }
        };
    }
    if let Some(rrset) = node.rrset(qtype) {
        return Lookup::Answer { node, rrset, wildcard };
    }
    if let Some(rrset) = node.rrset(RecordType::CNAME) {
        return Lookup::Cname { node, rrset, wildcard };
    }
    Lookup::NoData { node, wildcard }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{parse_str, ParseOptions};
    use std::path::Path;

    fn zone(text: &str, origin: &str) -> Zone {
        let origin: Name = origin.parse().unwrap();
        let opts = ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: Some(3600),
            ..ParseOptions::default()
        };
        let mut z = Zone::new(origin, banyan_wire::Class::IN);
        let report = parse_str(text, Path::new("t"), &opts, &mut |r| {
            z.insert(&r).unwrap();
        });
        assert!(report.is_ok(), "{:?}", report.errors);
        z.finish();
        z
    }

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    /// A short name for an outcome, for compact assertions.
    fn kind(l: &Lookup<'_>) -> String {
        match l {
            Lookup::Answer { node, rrset, wildcard } => {
                format!("answer {} {} wc={}", node.name, rrset.rtype, wildcard.is_some())
            }
            Lookup::Any { node, .. } => format!("any {}", node.name),
            Lookup::Cname { node, .. } => format!("cname {}", node.name),
            Lookup::Dname { node, .. } => format!("dname {}", node.name),
            Lookup::Referral { cut, ns } => format!("referral {} ({} NS)", cut.name, ns.rdata.len()),
            Lookup::NoData { node, wildcard } => format!("nodata {} wc={}", node.name, wildcard.is_some()),
            Lookup::NxDomain { closest_encloser } => format!("nxdomain ce={}", closest_encloser.name),
            Lookup::NotInZone => "notinzone".into(),
        }
    }

    const EXAMPLE: &str = "
@ SOA ns1 host 1 2 3 4 5
@ NS ns1
@ NS ns2
ns1 A 192.0.2.1
www A 192.0.2.10
www AAAA 2001:db8::10
alias CNAME www
chain1 CNAME chain2
chain2 CNAME alias
loop1 CNAME loop2
loop2 CNAME loop1
out CNAME www.elsewhere.
sub NS ns.sub
sub DS \\# 36 30390D020000000000000000000000000000000000000000000000000000000000000000
ns.sub A 192.0.2.53
deep.below.sub A 192.0.2.99
a.b.c TXT \"ent above\"
old DNAME new.example.
x.old A 192.0.2.77
";

    #[test]
    fn rfc1034_section_4_3_2_outcomes() {
        let z = zone(EXAMPLE, "example.");
        let q = |name: &str, t: RecordType| kind(&z.lookup(&n(name), t));
        assert_eq!(q("www.example.", RecordType::A), "answer www.example. A wc=false");
        assert_eq!(q("WWW.EXAMPLE.", RecordType::AAAA), "answer www.example. AAAA wc=false");
        assert_eq!(q("www.example.", RecordType::MX), "nodata www.example. wc=false");
        assert_eq!(q("alias.example.", RecordType::A), "cname alias.example.");
        assert_eq!(
            q("alias.example.", RecordType::CNAME),
            "answer alias.example. CNAME wc=false"
        );
        assert_eq!(q("nope.example.", RecordType::A), "nxdomain ce=example.");
        assert_eq!(q("x.y.a.b.c.example.", RecordType::A), "nxdomain ce=a.b.c.example.");
        // Empty non-terminals exist: NODATA, not NXDOMAIN.
        assert_eq!(q("b.c.example.", RecordType::A), "nodata b.c.example. wc=false");
        assert_eq!(q("c.example.", RecordType::TXT), "nodata c.example. wc=false");
        assert_eq!(q("example.", RecordType::NS), "answer example. NS wc=false");
        assert_eq!(q("example.", RecordType::ANY), "any example.");
        assert_eq!(q("www.example.org.", RecordType::A), "notinzone");
    }

    #[test]
    fn referrals_glue_and_ds_at_the_cut() {
        let z = zone(EXAMPLE, "example.");
        let q = |name: &str, t: RecordType| kind(&z.lookup(&n(name), t));
        assert_eq!(q("sub.example.", RecordType::A), "referral sub.example. (1 NS)");
        assert_eq!(q("sub.example.", RecordType::NS), "referral sub.example. (1 NS)");
        assert_eq!(
            q("deep.below.sub.example.", RecordType::A),
            "referral sub.example. (1 NS)"
        );
        assert_eq!(q("ns.sub.example.", RecordType::A), "referral sub.example. (1 NS)");
        // RFC 4035 §3.1.4.1: DS at the cut is the parent's data.
        assert_eq!(q("sub.example.", RecordType::DS), "answer sub.example. DS wc=false");
        assert_eq!(q("x.sub.example.", RecordType::DS), "referral sub.example. (1 NS)");
        assert_eq!(z.glue(&n("ns.sub.example.")).count(), 1);
        assert!(z.node(&n("ns.sub.example.")).unwrap().flags.occluded);
        assert!(z.node(&n("sub.example.")).unwrap().flags.delegation);
        assert!(!z.apex().flags.delegation);
    }

    #[test]
    fn rfc6672_dname() {
        let z = zone(EXAMPLE, "example.");
        assert_eq!(
            kind(&z.lookup(&n("x.old.example."), RecordType::A)),
            "dname old.example."
        );
        assert_eq!(
            kind(&z.lookup(&n("a.b.old.example."), RecordType::A)),
            "dname old.example."
        );
        // The DNAME owner itself is ordinary data.
        assert_eq!(
            kind(&z.lookup(&n("old.example."), RecordType::DNAME)),
            "answer old.example. DNAME wc=false"
        );
        assert_eq!(
            kind(&z.lookup(&n("old.example."), RecordType::A)),
            "nodata old.example. wc=false"
        );
        assert!(z.node(&n("x.old.example.")).unwrap().flags.occluded);
    }

    #[test]
    fn cname_chains_and_loops() {
        let z = zone(EXAMPLE, "example.");
        let steps = z.resolve(&n("chain1.example."), RecordType::A);
        let kinds: Vec<String> = steps.iter().map(|(_, l)| kind(l)).collect();
        assert_eq!(
            kinds,
            [
                "cname chain1.example.",
                "cname chain2.example.",
                "cname alias.example.",
                "answer www.example. A wc=false"
            ]
        );
        assert_eq!(z.resolve(&n("loop1.example."), RecordType::A).len(), 2);
        let out = z.resolve(&n("out.example."), RecordType::A);
        assert_eq!(out.len(), 1, "target outside the zone ends the chain");
    }

    /// The zone of RFC 4592 §2.2.1 and the answers of its §2.2.1 examples.
    #[test]
    fn rfc4592_section_2_2_1_examples() {
        let z = zone(
            "
$ORIGIN example.
example.                 3600 IN  SOA   ns.example.com. ns.example.net. 1 2 3 4 5
example.                 3600     NS    ns.example.com.
example.                 3600     NS    ns.example.net.
*.example.               3600     TXT   \"this is a wildcard\"
*.example.               3600     MX    10 host1.example.
sub.*.example.           3600     TXT   \"this is not a wildcard\"
host1.example.           3600     A     192.0.2.1
_ssh._tcp.host1.example. 3600     SRV   \\# 21 000a0000001605686f737431076578616d706c6500
_ssh._tcp.host2.example. 3600     SRV   \\# 21 000a0000001605686f737431076578616d706c6500
subdel.example.          3600     NS    ns.example.com.
subdel.example.          3600     NS    ns.example.net.
",
            "example.",
        );
        let q = |name: &str, t: RecordType| kind(&z.lookup(&n(name), t));
        // Synthesised from *.example.:
        assert_eq!(q("host3.example.", RecordType::MX), "answer *.example. MX wc=true");
        assert_eq!(q("host3.example.", RecordType::A), "nodata *.example. wc=true");
        assert_eq!(q("foo.bar.example.", RecordType::TXT), "answer *.example. TXT wc=true");
        // Not synthesised:
        assert_eq!(q("host1.example.", RecordType::MX), "nodata host1.example. wc=false");
        assert_eq!(q("sub.*.example.", RecordType::MX), "nodata sub.*.example. wc=false");
        assert_eq!(
            q("_telnet._tcp.host1.example.", RecordType::SRV),
            "nxdomain ce=_tcp.host1.example."
        );
        assert_eq!(
            q("host.subdel.example.", RecordType::A),
            "referral subdel.example. (2 NS)"
        );
        assert_eq!(q("ghost.*.example.", RecordType::MX), "nxdomain ce=*.example.");
    }
}
