//! An upstream server's reply, read into RRsets and sorted into what it means for the
//! resolution: an answer, a referral, a negative answer or a lame reply (RFC 1034 §5.3.3,
//! RFC 2308 §2). Everything outside the asked server's bailiwick is dropped here, before
//! anything can reach the cache (RFC 2181 §5.4.1; the classic Kaminsky-era defence).

use banyan_wire::{Message, Name, Rcode, RecordType};

use crate::rrset::{RRset, Security};

/// Longest CNAME/DNAME chain followed inside one reply.
const MAX_CHAIN_IN_REPLY: usize = 16;

/// A reply's records, grouped into RRsets per section.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    /// The answer section.
    pub answer: Vec<RRset>,
    /// The authority section.
    pub authority: Vec<RRset>,
    /// The additional section, OPT and TSIG left out.
    pub additional: Vec<RRset>,
}

/// Why a reply was not usable as it stood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Malformed: the message or a record in it did not parse.
    Malformed,
}

impl Sections {
    /// Reads every record of `msg` (names decompressed, owners lowercased), merging records
    /// of one RRset and keeping the lowest TTL of the set (RFC 2181 §5.2).
    pub fn read(msg: &Message<'_>) -> Result<Sections, Unusable> {
        let mut s = Sections::default();
        for (records, out) in [
            (msg.answers(), &mut s.answer),
            (msg.authority(), &mut s.authority),
            (msg.additional(), &mut s.additional),
        ] {
            for r in records {
                if matches!(r.rtype, RecordType::OPT | RecordType::TSIG) {
                    continue;
                }
                // Names inside RDATA in canonical (lower) case, RFC 4034 §6.2: a name that
                // came compressed against our 0x20-spelled question would otherwise keep
                // that random spelling in every answer given from the cache.
                let mut data = Vec::new();
                r.rdata()
                    .map_err(|_| Unusable::Malformed)?
                    .write(&mut banyan_wire::wire::CanonicalSink(&mut data));
                let name = r.name.to_name().to_lowercase();
                match out
                    .iter_mut()
                    .find(|set| set.rtype == r.rtype && set.class == r.class && set.name == name)
                {
                    Some(set) => {
                        set.ttl = set.ttl.min(r.ttl);
                        if !set.rdata.iter().any(|d| **d == *data) {
                            set.rdata.push(data.into());
                        }
                    }
                    None => out.push(RRset {
                        name,
                        rtype: r.rtype,
                        class: r.class,
                        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
                        ttl: if r.ttl > i32::MAX as u32 { 0 } else { r.ttl },
                        rdata: vec![data.into()],
                        sigs: Vec::new(),
                        security: Security::Unchecked,
                    }),
                }
            }
        }
        for section in [&mut s.answer, &mut s.authority, &mut s.additional] {
            attach_rrsigs(section);
        }
        Ok(s)
    }

    /// Drops every RRset whose owner lies outside `zone` (the zone the asked server was
    /// asked as a server of): a server is only believed about its own zone.
    pub fn keep_in_bailiwick(&mut self, zone: &Name) {
        for section in [&mut self.answer, &mut self.authority, &mut self.additional] {
            section.retain(|set| set.name.is_subdomain_of(zone));
        }
    }

    /// The RRset of `section` at (name, type).
    pub fn find<'a>(section: &'a [RRset], name: &Name, rtype: RecordType) -> Option<&'a RRset> {
        section.iter().find(|s| s.rtype == rtype && s.name == *name)
    }
}

/// Moves each RRSIG onto the RRset it covers (same owner, type covered; RFC 4035 §3.1.1
/// puts them in the same section). RRSIGs that cover nothing in the section stay as an RRSIG
/// set (the answer to a query for type RRSIG).
fn attach_rrsigs(section: &mut Vec<RRset>) {
    let mut i = 0;
    while i < section.len() {
        if section[i].rtype != RecordType::RRSIG {
            i += 1;
            continue;
        }
        let rrsigs = std::mem::take(&mut section[i].rdata);
        let owner = section[i].name.clone();
        let mut left = Vec::new();
        for sig in rrsigs {
            let covered = sig.get(..2).map(|c| RecordType(u16::from_be_bytes([c[0], c[1]])));
            match section
                .iter_mut()
                .find(|set| Some(set.rtype) == covered && set.name == owner)
            {
                Some(set) => set.sigs.push(sig),
                None => left.push(sig),
            }
        }
        if left.is_empty() {
            section.remove(i);
        } else {
            section[i].rdata = left;
            i += 1;
        }
    }
}

/// What a reply means for the question it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// Data for the question: `chain` is the CNAME/DNAME hops from the question's name, in
    /// order (DNAME hops come with the CNAME synthesised from them, RFC 6672 §3); `records`
    /// the RRset asked for at the chain's end, absent when the chain ends where this zone
    /// has nothing to say (it leaves the bailiwick: the caller follows `next`).
    Answer {
        /// The hops.
        chain: Vec<RRset>,
        /// The data at the chain's end.
        records: Option<RRset>,
        /// Where the chain continues outside this reply's bailiwick.
        next: Option<Name>,
    },
    /// NXDOMAIN for `name` (the chain's end): the SOA to cache with it.
    NxDomain {
        /// Hops followed before reaching the name that does not exist.
        chain: Vec<RRset>,
        /// The name that does not exist.
        name: Name,
        /// The zone's SOA from the authority section, if one came.
        soa: Option<RRset>,
    },
    /// NODATA for `name`: the name exists without the type.
    NoData {
        /// Hops followed.
        chain: Vec<RRset>,
        /// The name without data.
        name: Name,
        /// The zone's SOA, if one came.
        soa: Option<RRset>,
    },
    /// A referral to `zone`'s servers (RFC 1034 §4.3.2 step 3b), with the glue in bailiwick.
    Referral {
        /// The delegated zone, below the asked server's zone and above the question.
        zone: Name,
        /// Its NS RRset.
        ns: RRset,
        /// A/AAAA RRsets for NS names inside the asked server's zone.
        glue: Vec<RRset>,
    },
    /// An answer the resolver cannot use from this server: the next one should be asked.
    Lame(&'static str),
}

/// Sorts out a reply to `qname`/`qtype` from a server of `zone` whose bailiwick-checked
/// records are `s` (see [`Sections::keep_in_bailiwick`]).
pub fn classify(rcode: Rcode, aa: bool, s: &Sections, zone: &Name, qname: &Name, qtype: RecordType) -> Meaning {
    if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
        return Meaning::Lame(match rcode {
            Rcode::SERVFAIL => "SERVFAIL",
            Rcode::REFUSED => "REFUSED",
            Rcode::NOTIMP => "NOTIMP",
            Rcode::FORMERR => "FORMERR",
            _ => "unexpected RCODE",
        });
    }
    // Follow the chain from the question through the answer section.
    let mut chain = Vec::new();
    let mut name = qname.clone();
    for _ in 0..MAX_CHAIN_IN_REPLY {
        if let Some(set) = Sections::find(&s.answer, &name, qtype) {
            return Meaning::Answer {
                chain,
                records: Some(set.clone()),
                next: None,
            };
        }
        if qtype == RecordType::ANY {
            // RFC 8482 servers answer ANY with some RRset (often HINFO): whatever is at the name.
            if let Some(set) = s.answer.iter().find(|set| set.name == name) {
                return Meaning::Answer {
                    chain,
                    records: Some(set.clone()),
                    next: None,
                };
            }
        }
        let hop = match dname_above(&s.answer, &name) {
            Some((dname, target)) => {
                chain.push(dname.clone());
                let cname = RRset {
                    name: name.clone(),
                    rtype: RecordType::CNAME,
                    class: dname.class,
                    ttl: dname.ttl,
                    rdata: vec![target.as_wire().into()],
                    sigs: Vec::new(),
                    security: Security::Unchecked,
                };
                chain.push(cname);
                Some(target)
            }
            None => match Sections::find(&s.answer, &name, RecordType::CNAME) {
                Some(cname) if qtype != RecordType::CNAME => {
                    chain.push(cname.clone());
                    cname.rdata.first().and_then(|d| Name::from_wire(d).ok())
                }
                _ => None,
            },
        };
        let Some(target) = hop else { break };
        let target = target.to_lowercase();
        if chain
            .iter()
            .filter(|c| c.rtype == RecordType::CNAME)
            .any(|c| c.name == target)
        {
            return Meaning::Lame("CNAME loop");
        }
        if !target.is_subdomain_of(zone) {
            return Meaning::Answer {
                chain,
                records: None,
                next: Some(target),
            };
        }
        name = target;
    }
    let soa = s
        .authority
        .iter()
        .find(|set| set.rtype == RecordType::SOA && name.is_subdomain_of(&set.name))
        .cloned();
    if rcode == Rcode::NXDOMAIN {
        return Meaning::NxDomain { chain, name, soa };
    }
    // A referral: NS below the asked zone and at or above the name, without AA.
    let referral = s
        .authority
        .iter()
        .find(|set| set.rtype == RecordType::NS && set.name != *zone && name.is_subdomain_of(&set.name));
    if let (Some(ns), false) = (referral, aa) {
        if !chain.is_empty() {
            // A CNAME inside this zone whose target is delegated further down: the target's
            // data comes from the child; restart there.
            return Meaning::Answer {
                chain,
                records: None,
                next: Some(name),
            };
        }
        let glue = s
            .additional
            .iter()
            .filter(|set| matches!(set.rtype, RecordType::A | RecordType::AAAA))
            .filter(|set| {
                ns.rdata
                    .iter()
                    .any(|d| Name::from_wire(d).is_ok_and(|n| n.to_lowercase() == set.name))
            })
            .cloned()
            .collect();
        return Meaning::Referral {
            zone: ns.name.clone(),
            ns: ns.clone(),
            glue,
        };
    }
    if !chain.is_empty() && soa.is_none() && !aa {
        return Meaning::Answer {
            chain,
            records: None,
            next: Some(name),
        };
    }
    if soa.is_some() || aa {
        return Meaning::NoData { chain, name, soa };
    }
    // NOERROR, nothing for the name, no SOA, no referral, no AA: a lame or upward referral.
    Meaning::Lame("neither an answer nor a referral")
}

/// A DNAME in `answer` at a proper ancestor of `name`, with the name it rewrites to.
fn dname_above<'a>(answer: &'a [RRset], name: &Name) -> Option<(&'a RRset, Name)> {
    answer
        .iter()
        .filter(|set| set.rtype == RecordType::DNAME && set.name != *name && name.is_subdomain_of(&set.name))
        .find_map(|set| {
            let target = Name::from_wire(set.rdata.first()?).ok()?;
            let rewritten = name.replace_suffix(&set.name, &target)?.ok()?;
            Some((set, rewritten))
        })
}

/// The negative-caching TTL of a reply (RFC 2308 §5): the lower of the SOA's TTL and its
/// MINIMUM field.
pub fn negative_ttl(soa: &RRset) -> u32 {
    let minimum = soa
        .rdata
        .first()
        .and_then(|d| d.get(d.len().saturating_sub(4)..))
        .and_then(|m| <[u8; 4]>::try_from(m).ok())
        .map_or(0, u32::from_be_bytes);
    soa.ttl.min(minimum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::RData;

    fn set(text: &str) -> RRset {
        let r = banyan_wire::Record::from_text(text, None, None).unwrap();
        RRset {
            name: r.name.to_lowercase(),
            rtype: r.rtype(),
            class: r.class,
            ttl: r.ttl,
            rdata: vec![r.data.to_wire().into()],
            sigs: Vec::new(),
            security: Security::Unchecked,
        }
    }

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap()
    }

    #[test]
    fn referral_with_glue_in_bailiwick_only() {
        let s = Sections {
            answer: vec![],
            authority: vec![set("example.test. 3600 IN NS ns1.example.test.")],
            additional: vec![
                set("ns1.example.test. 3600 IN A 127.0.0.1"),
                set("www.bank.test. 3600 IN A 6.6.6.6"),
            ],
        };
        let m = classify(
            Rcode::NOERROR,
            false,
            &s,
            &n("test."),
            &n("www.example.test."),
            RecordType::A,
        );
        let Meaning::Referral { zone, glue, .. } = m else {
            panic!("{m:?}")
        };
        assert_eq!(zone, n("example.test."));
        assert_eq!(glue.len(), 1);
    }

    #[test]
    fn cname_chain_leaving_the_bailiwick() {
        let s = Sections {
            answer: vec![
                set("www.a.test. 300 IN CNAME x.a.test."),
                set("x.a.test. 300 IN CNAME y.b.lab."),
            ],
            authority: vec![],
            additional: vec![],
        };
        let m = classify(
            Rcode::NOERROR,
            true,
            &s,
            &n("a.test."),
            &n("www.a.test."),
            RecordType::A,
        );
        let Meaning::Answer { chain, records, next } = m else {
            panic!("{m:?}")
        };
        assert_eq!(chain.len(), 2);
        assert!(records.is_none());
        assert_eq!(next, Some(n("y.b.lab.")));
    }

    #[test]
    fn dname_synthesises_a_cname() {
        let s = Sections {
            answer: vec![
                set("old.test. 300 IN DNAME new.test."),
                set("www.new.test. 300 IN A 192.0.2.1"),
            ],
            authority: vec![],
            additional: vec![],
        };
        let m = classify(
            Rcode::NOERROR,
            true,
            &s,
            &n("test."),
            &n("www.old.test."),
            RecordType::A,
        );
        let Meaning::Answer { chain, records, .. } = m else {
            panic!("{m:?}")
        };
        assert_eq!(chain[1].rtype, RecordType::CNAME);
        assert_eq!(
            records.unwrap().rdata[0].as_ref(),
            RData::A(banyan_wire::rdata::A("192.0.2.1".parse().unwrap())).to_wire()
        );
    }

    #[test]
    fn negative_answers() {
        let soa = set("test. 900 IN SOA ns.test. admin.test. 1 2 3 4 300");
        assert_eq!(negative_ttl(&soa), 300);
        let s = Sections {
            answer: vec![],
            authority: vec![soa],
            additional: vec![],
        };
        let nx = classify(Rcode::NXDOMAIN, true, &s, &n("test."), &n("no.test."), RecordType::A);
        assert!(matches!(nx, Meaning::NxDomain { soa: Some(_), .. }));
        let nodata = classify(Rcode::NOERROR, true, &s, &n("test."), &n("yes.test."), RecordType::A);
        assert!(matches!(nodata, Meaning::NoData { soa: Some(_), .. }));
        let lame = classify(
            Rcode::NOERROR,
            false,
            &Sections::default(),
            &n("test."),
            &n("a.test."),
            RecordType::A,
        );
        assert!(matches!(lame, Meaning::Lame(_)));
        assert!(matches!(
            classify(
                Rcode::REFUSED,
                false,
                &Sections::default(),
                &n("test."),
                &n("a.test."),
                RecordType::A
            ),
            Meaning::Lame("REFUSED")
        ));
    }

    #[test]
    fn out_of_bailiwick_records_are_dropped() {
        let mut s = Sections {
            answer: vec![
                set("www.example.test. 300 IN A 192.0.2.1"),
                set("www.bank.lab. 300 IN A 6.6.6.6"),
            ],
            authority: vec![set("lab. 300 IN NS evil.example.")],
            additional: vec![set("evil.example. 300 IN A 6.6.6.6")],
        };
        s.keep_in_bailiwick(&n("example.test."));
        assert_eq!(s.answer.len(), 1);
        assert!(s.authority.is_empty() && s.additional.is_empty());
    }
}
