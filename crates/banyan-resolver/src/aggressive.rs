//! Aggressive use of validated NSEC records (RFC 8198): an NSEC proven secure says that no
//! name exists between its owner and its next name, so a later question for any name in
//! that gap, or for a type missing from the owner's bitmap, is answered from the cache
//! without asking anybody. This is what stops random-subdomain floods from reaching the
//! authorities, and it costs only the records already validated.
//!
//! Only NSEC: NSEC3 hashes would need the zone's parameters and a hash per question, and
//! RFC 8198 §5.2 leaves it optional. Kept per zone in canonical order, bounded in size, each
//! record for its own TTL (and at most the SOA's negative TTL, RFC 8198 §5.9).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use banyan_wire::rdata::TypeBitmap;
use banyan_wire::{Name, RData, RecordType};

use crate::rrset::RRset;
use crate::validate::{closest_ancestor, nsec_covers};

/// NSEC records kept for all zones together; past this the oldest zone's are dropped.
pub const MAX_RECORDS: usize = 200_000;

/// A name ordered canonically (RFC 4034 §6.1), so a map of them is in zone order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Canonical(Name);

impl Ord for Canonical {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.canonical_cmp(&other.0)
    }
}

impl PartialOrd for Canonical {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One validated NSEC: the gap after its owner, the types at its owner.
#[derive(Clone, Debug)]
struct Gap {
    next: Name,
    types: TypeBitmap,
    /// The RRset as received (with its RRSIGs), to hand to DO clients.
    record: RRset,
    until: Instant,
}

#[derive(Default)]
struct Zone {
    soa: Option<(RRset, Instant)>,
    gaps: BTreeMap<Canonical, Gap>,
}

/// What the cache can prove about a question.
#[derive(Clone, Debug)]
pub enum Proven {
    /// No such name: the zone's SOA and the NSEC RRsets that prove it.
    NxDomain(RRset, Vec<RRset>),
    /// The name exists without the type.
    NoData(RRset, Vec<RRset>),
}

/// The validated NSEC records of every zone. `Sync`.
#[derive(Default)]
pub struct AggressiveNsec {
    zones: Mutex<HashMap<Name, Zone>>,
}

impl AggressiveNsec {
    /// Remembers the NSEC RRsets of a negative answer from `zone` that validated secure.
    pub fn learn(&self, zone: &Name, soa: &RRset, proofs: &[RRset], now: Instant) {
        let nsecs: Vec<&RRset> = proofs.iter().filter(|p| p.rtype == RecordType::NSEC).collect();
        if nsecs.is_empty() {
            return;
        }
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = zones.values().map(|z| z.gaps.len()).sum();
        if total + nsecs.len() > MAX_RECORDS {
            zones.clear();
        }
        let z = zones.entry(zone.clone()).or_default();
        let soa_until = now + Duration::from_secs(u64::from(soa.ttl));
        z.soa = Some((soa.clone(), soa_until));
        for set in nsecs {
            let Some(rdata) = set.rdata.first() else { continue };
            let Ok(RData::NSEC(nsec)) = RData::parse(RecordType::NSEC, rdata, 0, rdata.len()) else {
                continue;
            };
            // RFC 8198 §5.9: no longer than the SOA's negative TTL.
            let ttl = set.ttl.min(soa.ttl);
            z.gaps.insert(
                Canonical(set.name.clone()),
                Gap {
                    next: nsec.next.to_lowercase(),
                    types: nsec.types,
                    record: set.clone(),
                    until: now + Duration::from_secs(u64::from(ttl)),
                },
            );
        }
    }

    /// What the kept NSECs of `zone` prove about (`name`, `qtype`), if anything.
    pub fn prove(&self, zone: &Name, name: &Name, qtype: RecordType, now: Instant) -> Option<Proven> {
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let z = zones.get(zone)?;
        let (soa, soa_until) = z.soa.as_ref()?;
        if *soa_until <= now {
            return None;
        }
        let remaining = |until: Instant| u32::try_from(until.saturating_duration_since(now).as_secs()).unwrap_or(0);
        let mut soa = soa.clone();
        soa.ttl = remaining(*soa_until);
        // The NSEC at or before the name in canonical order.
        let (owner, gap) = z.gaps.range(..=Canonical(name.clone())).next_back()?;
        if gap.until <= now {
            return None;
        }
        if owner.0 == *name {
            if gap.types.contains(qtype) || gap.types.contains(RecordType::CNAME) || qtype == RecordType::DS {
                return None;
            }
            let mut record = gap.record.clone();
            record.ttl = remaining(gap.until);
            return Some(Proven::NoData(soa, vec![record]));
        }
        if !nsec_covers(&owner.0, &gap.next, name) || gap.next.is_subdomain_of(name) {
            // Not in the gap, or an empty non-terminal: nothing proven here.
            return None;
        }
        // The wildcard at the closest encloser must be proven absent too (RFC 8198 §5.1).
        let encloser = closest_ancestor(name, &owner.0, &gap.next, zone);
        let wildcard = encloser.prepend(b"*").ok()?;
        let (w_owner, w_gap) = z.gaps.range(..=Canonical(wildcard.clone())).next_back()?;
        if w_gap.until <= now || w_owner.0 == wildcard || !nsec_covers(&w_owner.0, &w_gap.next, &wildcard) {
            return None;
        }
        let mut records = vec![gap.record.clone()];
        if w_owner != owner {
            records.push(w_gap.record.clone());
        }
        for r in &mut records {
            r.ttl = r.ttl.min(soa.ttl);
        }
        Some(Proven::NxDomain(soa, records))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rrset::Security;

    fn set(text: &str) -> RRset {
        let r = banyan_wire::Record::from_text(text, None, None).unwrap();
        RRset {
            name: r.name.to_lowercase(),
            rtype: r.rtype(),
            class: r.class,
            ttl: r.ttl,
            rdata: vec![r.data.to_wire().into()],
            sigs: Vec::new(),
            security: Security::Secure,
        }
    }

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn gaps_prove_nxdomain_and_nodata_until_they_expire() {
        let cache = AggressiveNsec::default();
        let t0 = Instant::now();
        let soa = set("example. 300 IN SOA ns.example. h.example. 1 2 3 4 300");
        let proofs = [
            set("b.example. 300 IN NSEC d.example. A NSEC RRSIG"),
            set("example. 300 IN NSEC a.example. SOA NS NSEC RRSIG DNSKEY"),
        ];
        cache.learn(&n("example."), &soa, &proofs, t0);
        // c.example lies between b and d; *.example between the apex and a.
        match cache.prove(&n("example."), &n("c.example."), RecordType::A, t0) {
            Some(Proven::NxDomain(s, p)) => {
                assert_eq!(s.rtype, RecordType::SOA);
                assert_eq!(p.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            cache.prove(&n("example."), &n("b.example."), RecordType::MX, t0),
            Some(Proven::NoData(..))
        ));
        // b.example has an A record: nothing to prove; e.example is not in a known gap.
        assert!(cache
            .prove(&n("example."), &n("b.example."), RecordType::A, t0)
            .is_none());
        assert!(cache
            .prove(&n("example."), &n("e.example."), RecordType::A, t0)
            .is_none());
        assert!(cache
            .prove(
                &n("example."),
                &n("c.example."),
                RecordType::A,
                t0 + Duration::from_secs(301)
            )
            .is_none());
    }
}
