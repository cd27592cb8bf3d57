//! Zone content checks, as `named-checkzone` and `kzonecheck` make them: the SOA and NS
//! at the apex, CNAME and DNAME rules, delegations with their glue, occluded data, and RRset
//! consistency.

use std::fmt;

use banyan_wire::{Name, RData, RecordType};

use crate::zone::{Node, Zone};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The zone can be served but something is probably not what was meant.
    Warning,
    /// The zone must not be served as it is.
    Error,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// No SOA at the apex (RFC 1035 §5.2).
    MissingSoa,
    /// More than one SOA record at the apex (RFC 1035 §5.2).
    MultipleSoa,
    /// An SOA below the apex.
    SoaNotAtApex,
    /// No NS at the apex (RFC 1035 §5.2).
    MissingApexNs,
    /// A CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1; RRSIG and NSEC are
    /// allowed by RFC 4035 §2.5).
    CnameAndOtherData,
    /// More than one CNAME record at one name (RFC 2181 §10.1).
    MultipleCname,
    /// More than one DNAME record at one name (RFC 6672 §2.4).
    MultipleDname,
    /// A DS record at the apex: DS belongs in the parent (RFC 4035 §2.4).
    DsAtApex,
    /// A DS record at a name that is not a delegation point (RFC 4035 §2.4).
    DsNotAtDelegation,
    /// An SVCB record for a DNS server (`_dns` owner, RFC 9461 §3) without `alpn`, or
    /// offering DoH (`h2`, `h3`, `http/1.1`) without `dohpath` (RFC 9461 §5).
    DnsSvcbInvalid,
    /// An NSEC3 owner whose first label is not an unpadded base32hex hash (RFC 5155 §3).
    Nsec3OwnerNotHash,
    /// A CDS algorithm at the apex with no CDS record matching a key of the DNSKEY RRset, or
    /// CDS without DNSKEY: the parent would install a DS for no key (RFC 7344 §4.1, RFC 8078
    /// §4; the delete form `0 0 0 00` is exempt).
    CdsWithoutKey,
    /// A CDNSKEY algorithm at the apex with no CDNSKEY record equal to a key of the DNSKEY
    /// RRset, or CDNSKEY without DNSKEY (RFC 7344 §4.1, RFC 8078 §4).
    CdnskeyWithoutKey,
    /// A name that must be a host name (RFC 952, RFC 1123 §2.1) and is not: a PTR target in
    /// the reverse trees other than the DNS-SD prefixes (RFC 6763 §11), or a ServiceMode
    /// SVCB/HTTPS target (RFC 9460 §2.5). BIND's `check-names` for primary zones.
    NotHostName {
        /// The offending name in the RDATA.
        target: Name,
    },
    /// A response-policy-zone IP trigger not in its canonical form, which the policy would
    /// never match (draft-vixie-dnsop-dns-rpz §4.1.1).
    RpzTriggerNotCanonical {
        /// The canonical spelling, empty when the trigger is no address.
        canonical: String,
    },
    /// A record outside the zone's origin.
    OutOfZone,
    /// An NS target inside the zone (below a cut, or at an ordinary name) with no A or AAAA.
    MissingGlue {
        /// The name server.
        target: Name,
    },
    /// Data below a delegation or DNAME other than glue: never served (RFC 6672 §2.4,
    /// RFC 1034 §4.2.1).
    Occluded {
        /// The cut or DNAME owner hiding it.
        by: Name,
    },
    /// Records of one RRset with different TTLs; the first TTL is used (RFC 2181 §5.2).
    TtlMismatch {
        /// The TTL kept.
        kept: u32,
    },
    /// The same record twice; one is kept (RFC 2181 §5).
    Duplicate,
}

/// One finding, naming the owner and type concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// The owner name concerned.
    pub name: Name,
    /// The type concerned, where one is.
    pub rtype: Option<RecordType>,
    /// What.
    pub kind: FindingKind,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::MissingSoa => f.write_str("no SOA record at the zone apex"),
            FindingKind::MultipleSoa => f.write_str("more than one SOA record"),
            FindingKind::SoaNotAtApex => f.write_str("SOA record below the zone apex"),
            FindingKind::MissingApexNs => f.write_str("no NS records at the zone apex"),
            FindingKind::CnameAndOtherData => f.write_str("CNAME and other data"),
            FindingKind::MultipleCname => f.write_str("more than one CNAME record"),
            FindingKind::MultipleDname => f.write_str("more than one DNAME record"),
            FindingKind::DsAtApex => f.write_str("DS record at the zone apex (DS belongs in the parent zone)"),
            FindingKind::DsNotAtDelegation => f.write_str("DS not at delegation point"),
            FindingKind::DnsSvcbInvalid => {
                f.write_str("SVCB record not valid: _dns needs alpn, and dohpath when alpn offers DoH")
            }
            FindingKind::Nsec3OwnerNotHash => f.write_str("NSEC3 owner is not an unpadded base32hex hash"),
            FindingKind::CdsWithoutKey => {
                f.write_str("CDS/CDNSKEY consistency checks failed: a CDS algorithm has no CDS matching a DNSKEY")
            }
            FindingKind::CdnskeyWithoutKey => f.write_str(
                "CDS/CDNSKEY consistency checks failed: a CDNSKEY algorithm has no CDNSKEY equal to a DNSKEY",
            ),
            FindingKind::NotHostName { target } => write!(f, "bad name (check-names): {target} is not a host name"),
            FindingKind::RpzTriggerNotCanonical { canonical } if canonical.is_empty() => {
                f.write_str("invalid rpz IP address: the trigger is no address")
            }
            FindingKind::RpzTriggerNotCanonical { canonical } => {
                write!(f, "invalid rpz IP address: not in canonical form {canonical}")
            }
            FindingKind::OutOfZone => f.write_str("record outside the zone"),
            FindingKind::MissingGlue { target } => write!(f, "missing glue: no A or AAAA for name server {target}"),
            FindingKind::Occluded { by } => write!(f, "occluded by the delegation or DNAME at {by}: never served"),
            FindingKind::TtlMismatch { kept } => write!(f, "TTLs differ within the RRset; using {kept}"),
            FindingKind::Duplicate => f.write_str("duplicate record ignored"),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.rtype {
            Some(t) => write!(f, "{level}: {}/{t}: {}", self.name, self.kind),
            None => write!(f, "{level}: {}: {}", self.name, self.kind),
        }
    }
}

fn finding(severity: Severity, node: &Node, rtype: Option<RecordType>, kind: FindingKind) -> Finding {
    Finding {
        severity,
        name: node.name.clone(),
        rtype,
        kind,
    }
}

/// Runs every content check over a finished zone.
pub fn check_zone(zone: &Zone) -> Vec<Finding> {
    let mut out = Vec::new();
    let apex = zone.apex();
    match apex.rrset(RecordType::SOA) {
        None => out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::SOA),
            FindingKind::MissingSoa,
        )),
        Some(s) if s.rdata.len() > 1 => out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::SOA),
            FindingKind::MultipleSoa,
        )),
        Some(_) => {}
    }
    if apex.rrset(RecordType::NS).is_none() {
        out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::NS),
            FindingKind::MissingApexNs,
        ));
    }
    if apex.rrset(RecordType::DS).is_some() {
        out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::DS),
            FindingKind::DsAtApex,
        ));
    }
    check_cds(zone, &mut out);
    let mut occluder: Option<&Node> = None;
    for node in zone.nodes() {
        if let Some(o) = occluder {
            if !(node.name.is_subdomain_of(&o.name) && node.name != o.name) {
                occluder = None;
            }
        }
        if !node.flags.apex && node.rrset(RecordType::SOA).is_some() {
            out.push(finding(
                Severity::Error,
                node,
                Some(RecordType::SOA),
                FindingKind::SoaNotAtApex,
            ));
        }
        if let Some(c) = node.rrset(RecordType::CNAME) {
            if c.rdata.len() > 1 {
                out.push(finding(
                    Severity::Error,
                    node,
                    Some(RecordType::CNAME),
                    FindingKind::MultipleCname,
                ));
            }
            let others = node
                .rrsets
                .iter()
                .any(|s| !matches!(s.rtype, RecordType::CNAME | RecordType::RRSIG | RecordType::NSEC));
            if others {
                out.push(finding(
                    Severity::Error,
                    node,
                    Some(RecordType::CNAME),
                    FindingKind::CnameAndOtherData,
                ));
            }
        }
        if !node.flags.apex && !node.flags.delegation && node.rrset(RecordType::DS).is_some() {
            out.push(finding(
                Severity::Error,
                node,
                Some(RecordType::DS),
                FindingKind::DsNotAtDelegation,
            ));
        }
        if is_dns_service(&node.name) {
            if let Some(set) = node.rrset(RecordType::SVCB) {
                if set
                    .typed()
                    .any(|rd| matches!(rd, RData::SVCB(svcb) if !dns_svcb_valid(&svcb)))
                {
                    out.push(finding(
                        Severity::Error,
                        node,
                        Some(RecordType::SVCB),
                        FindingKind::DnsSvcbInvalid,
                    ));
                }
            }
        }
        check_host_names(node, &mut out);
        // Empty non-terminals above a trigger (`zz.3.2.2001.rpz-ip`) are no triggers.
        let trigger = (!node.rrsets.is_empty())
            .then(|| crate::names::rpz_noncanonical_trigger(&node.name, zone.origin()))
            .flatten();
        if let Some(canonical) = trigger {
            out.push(finding(
                Severity::Error,
                node,
                None,
                FindingKind::RpzTriggerNotCanonical { canonical },
            ));
        }
        if node.rrset(RecordType::NSEC3).is_some() {
            let hash = node.name.labels().next().and_then(|l| std::str::from_utf8(l).ok());
            if hash
                .and_then(banyan_wire::text::base32hex_decode)
                .is_none_or(|h| h.is_empty())
            {
                out.push(finding(
                    Severity::Error,
                    node,
                    Some(RecordType::NSEC3),
                    FindingKind::Nsec3OwnerNotHash,
                ));
            }
        }
        if node.rrset(RecordType::DNAME).is_some_and(|d| d.rdata.len() > 1) {
            out.push(finding(
                Severity::Error,
                node,
                Some(RecordType::DNAME),
                FindingKind::MultipleDname,
            ));
        }
        if let Some(o) = occluder {
            // Addresses below a cut are glue; anything else there is hidden.
            let by_dname = o.rrset(RecordType::DNAME).is_some() && !o.flags.delegation;
            for s in &node.rrsets {
                if by_dname || !matches!(s.rtype, RecordType::A | RecordType::AAAA) {
                    out.push(finding(
                        Severity::Warning,
                        node,
                        Some(s.rtype),
                        FindingKind::Occluded { by: o.name.clone() },
                    ));
                }
            }
        } else if node.flags.delegation || (node.rrset(RecordType::DNAME).is_some() && !node.flags.occluded) {
            occluder = Some(node);
        }
        if node.flags.apex || node.flags.delegation {
            check_glue(zone, node, &mut out);
        }
    }
    out
}

/// `_dns.NAME` or `_PORT._dns.NAME`: the owner of DNS server SVCB records (RFC 9461 §2).
fn is_dns_service(name: &Name) -> bool {
    let mut labels = name.labels();
    match (labels.next(), labels.next()) {
        (Some(first), _) if first.eq_ignore_ascii_case(b"_dns") => true,
        (Some(first), Some(second)) => first.first() == Some(&b'_') && second.eq_ignore_ascii_case(b"_dns"),
        _ => false,
    }
}

/// RFC 9461 §3 and §5: a ServiceMode record names its transports with `alpn`, and one that
/// offers DNS over HTTPS carries the `dohpath` template. (BIND applies the same rule.)
///
/// An ALPN id holding a comma (`alpn=h1\\,h2` is the one id `h1,h2` by RFC 9460 App. A.1)
/// is also judged by its comma-separated parts: a client that splits the list before
/// unescaping it, as RFC 9460 §7.1.1 warns some do, would see `h2` and go looking for a
/// DoH path that is not there. BIND judges such ids the same way.
fn dns_svcb_valid(svcb: &banyan_wire::rdata::Svcb) -> bool {
    use banyan_wire::rdata::{SvcParam, SvcParamKey};
    if svcb.priority == 0 {
        return true;
    }
    let Some(SvcParam::Alpn(ids)) = svcb.param(SvcParamKey::ALPN) else {
        return false;
    };
    // The HTTP ids of the IANA ALPN registry.
    let http = |id: &[u8]| matches!(id, b"h2" | b"h3" | b"h2c" | b"http/1.1" | b"http/1.0" | b"http/0.9");
    let doh = ids.iter().any(|id| id.split(|b| *b == b',').any(http));
    !doh || svcb.param(SvcParamKey::DOHPATH).is_some()
}

/// CDS and CDNSKEY against the apex DNSKEY RRset (RFC 7344 §4.1, RFC 8078 §4): for every
/// algorithm the CDS RRset names, at least one CDS must be the DS of a published DNSKEY, and
/// likewise one CDNSKEY must equal a published DNSKEY; otherwise the parent, acting on them,
/// would break the delegation. The delete form (algorithm 0, RFC 8078 §4) is exempt, and
/// CDS of digest types this crate cannot compute are not judged.
fn check_cds(zone: &Zone, out: &mut Vec<Finding>) {
    let apex = zone.apex();
    let keys: Vec<&[u8]> = apex
        .rrset(RecordType::DNSKEY)
        .map_or(Vec::new(), |s| s.rdata.iter().collect());
    let judge = |rtype: RecordType, matches: &dyn Fn(&[u8]) -> bool| -> bool {
        let Some(set) = apex.rrset(rtype) else { return true };
        // Algorithm → some record of it matched.
        let mut seen: Vec<(u8, bool)> = Vec::new();
        for rd in set.rdata.iter() {
            let Some(&alg) = rd.get(if rtype == RecordType::CDS { 2 } else { 3 }) else {
                continue;
            };
            if alg == 0 {
                continue;
            }
            let Some(hit) = (if rtype == RecordType::CDS {
                cds_matches(zone.origin(), rd, &keys)
            } else {
                Some(matches(rd))
            }) else {
                continue;
            };
            match seen.iter_mut().find(|(a, _)| *a == alg) {
                Some(entry) => entry.1 |= hit,
                None => seen.push((alg, hit)),
            }
        }
        seen.iter().all(|(_, hit)| *hit)
    };
    if !judge(RecordType::CDS, &|_| false) {
        out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::CDS),
            FindingKind::CdsWithoutKey,
        ));
    }
    if !judge(RecordType::CDNSKEY, &|rd| keys.contains(&rd)) {
        out.push(finding(
            Severity::Error,
            apex,
            Some(RecordType::CDNSKEY),
            FindingKind::CdnskeyWithoutKey,
        ));
    }
}

/// Whether the CDS RDATA `cds` is the DS of one of `keys` (RFC 4034 §5.1.4: key tag,
/// algorithm, digest type, digest of owner and DNSKEY RDATA); `None` when its digest type is
/// not SHA-1, SHA-256 or SHA-384.
fn cds_matches(owner: &Name, cds: &[u8], keys: &[&[u8]]) -> Option<bool> {
    let digest_type = *cds.get(3)?;
    // A digest type we cannot compute is not judged (`ds_digest` says which those are).
    crate::ds_digest(owner, &[], digest_type)?;
    Some(keys.iter().any(|key| {
        let Ok(RData::DNSKEY(k)) = RData::parse(RecordType::DNSKEY, key, 0, key.len()) else {
            return false;
        };
        cds[..3] == [(k.key_tag() >> 8) as u8, k.key_tag() as u8, k.algorithm][..]
            && crate::ds_digest(owner, key, digest_type).is_some_and(|d| d == cds[4..])
    }))
}

/// BIND's `check-names` for the records whose RDATA names a host: PTR in the reverse trees
/// (RFC 1035 §3.5, RFC 3596 §2.5) except the DNS-SD browsing names (RFC 6763 §11), and
/// ServiceMode SVCB and HTTPS targets (RFC 9460 §2.5, where AliasMode targets may be any
/// name).
fn check_host_names(node: &Node, out: &mut Vec<Finding>) {
    use crate::names::{is_dns_sd_prefix, is_host_name, is_reverse_name};
    if let Some(set) = node.rrset(RecordType::PTR) {
        if is_reverse_name(&node.name) && !is_dns_sd_prefix(&node.name) {
            for rd in set.typed() {
                if let RData::PTR(target) = rd {
                    if !is_host_name(&target) {
                        out.push(finding(
                            Severity::Error,
                            node,
                            Some(RecordType::PTR),
                            FindingKind::NotHostName { target },
                        ));
                    }
                }
            }
        }
    }
    for rtype in [RecordType::SVCB, RecordType::HTTPS] {
        let Some(set) = node.rrset(rtype) else { continue };
        for rd in set.typed() {
            if let RData::SVCB(svcb) | RData::HTTPS(svcb) = rd {
                if svcb.priority != 0 && !is_host_name(&svcb.target) {
                    out.push(finding(
                        Severity::Error,
                        node,
                        Some(rtype),
                        FindingKind::NotHostName { target: svcb.target },
                    ));
                }
            }
        }
    }
}

/// NS targets that need addresses in this zone: below this cut (glue, RFC 1034 §4.2.1), or
/// at the apex, any in-zone name that is not below some other cut.
fn check_glue(zone: &Zone, node: &Node, out: &mut Vec<Finding>) {
    let Some(ns) = node.rrset(RecordType::NS) else {
        return;
    };
    for rd in ns.typed() {
        let RData::NS(target) = rd else { continue };
        let needs = if node.flags.apex {
            target.is_subdomain_of(zone.origin())
                && !matches!(zone.lookup(&target, RecordType::A), crate::Lookup::Referral { .. })
        } else {
            target.is_subdomain_of(&node.name)
        };
        if needs && zone.glue(&target).next().is_none() {
            out.push(finding(
                Severity::Error,
                node,
                Some(RecordType::NS),
                FindingKind::MissingGlue { target },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::{Class, Record};

    fn zone(lines: &[&str]) -> Zone {
        let origin: Name = "example.".parse().unwrap();
        let mut z = Zone::new(origin.clone(), Class::IN);
        for l in lines {
            z.insert(&Record::from_text(l, Some(&origin), Some(300)).unwrap())
                .unwrap();
        }
        z.finish();
        z
    }

    fn kinds(z: &Zone) -> Vec<String> {
        check_zone(z).iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn good_zone_has_no_findings() {
        let z = zone(&[
            "@ SOA ns host 1 2 3 4 5",
            "@ NS ns",
            "@ NS ns.other.",
            "ns A 192.0.2.1",
            "sub NS ns.sub",
            "sub NS ns.elsewhere.",
            "ns.sub A 192.0.2.2",
            "www CNAME @",
        ]);
        assert_eq!(kinds(&z), Vec::<String>::new());
    }

    #[test]
    fn each_problem_is_named() {
        let z = zone(&[
            "@ NS ns",
            "@ DS \\# 36 30390D020000000000000000000000000000000000000000000000000000000000000000",
            "x SOA ns host 1 2 3 4 5",
            "c CNAME a",
            "c CNAME b",
            "c A 192.0.2.1",
            "sub NS ns.sub",
            "sub NS ns2.sub",
            "ns2.sub AAAA ::1",
            "txt.sub TXT \"hidden\"",
            "d DNAME target.",
            "x.d A 192.0.2.9",
        ]);
        assert_eq!(
            kinds(&z),
            [
                "error: example./SOA: no SOA record at the zone apex",
                "error: example./DS: DS record at the zone apex (DS belongs in the parent zone)",
                "error: example./NS: missing glue: no A or AAAA for name server ns.example.",
                "error: c.example./CNAME: more than one CNAME record",
                "error: c.example./CNAME: CNAME and other data",
                "warning: x.d.example./A: occluded by the delegation or DNAME at d.example.: never served",
                "error: sub.example./NS: missing glue: no A or AAAA for name server ns.sub.example.",
                "warning: txt.sub.example./TXT: occluded by the delegation or DNAME at sub.example.: never served",
                "error: x.example./SOA: SOA record below the zone apex",
            ]
        );
    }
}
