//! The difference between two versions of a zone, in the form an IXFR response carries
//! (RFC 1995 §4): the records to delete from the old version, then the records to add.

use banyan_wire::{Record, RecordType};

use crate::zone::{Node, Rrset, Zone};

/// Records removed and added between two versions. A TTL change shows as the old records
/// removed and the new ones added, since IXFR carries whole records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneDiff {
    /// In the old version, not in the new (old SOA first when the serial changed).
    pub removed: Vec<Record>,
    /// In the new version, not in the old (new SOA first when the serial changed).
    pub added: Vec<Record>,
}

impl ZoneDiff {
    /// True when the versions hold the same records.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }

    /// Applies the difference to `zone` (which should be the old version): removals, then
    /// additions. Returns the number of removals that found nothing to remove.
    pub fn apply(&self, zone: &mut Zone) -> usize {
        let mut missing = 0;
        for r in &self.removed {
            if !zone.remove(&r.name, r.rtype(), &r.data.to_wire()) {
                missing += 1;
            }
        }
        for r in &self.added {
            // Additions of records outside the zone cannot come from `diff`; ignore them.
            let _ = zone.insert(r);
        }
        zone.finish();
        missing
    }
}

/// Computes what changed from `old` to `new`, walking both in canonical order.
pub fn diff(old: &Zone, new: &Zone) -> ZoneDiff {
    let mut out = ZoneDiff::default();
    let mut a = old.node_map().iter().peekable();
    let mut b = new.node_map().iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some((ka, _)), Some((kb, _))) if ka == kb => {
                let ((_, na), (_, nb)) = (
                    a.next().unwrap_or_else(|| unreachable!()),
                    b.next().unwrap_or_else(|| unreachable!()),
                );
                node_diff(old, na, nb, &mut out);
            }
            (Some((ka, _)), Some((kb, _))) if ka < kb => {
                let (_, na) = a.next().unwrap_or_else(|| unreachable!());
                all(old, na, &mut out.removed);
            }
            (Some(_), None) => {
                let (_, na) = a.next().unwrap_or_else(|| unreachable!());
                all(old, na, &mut out.removed);
            }
            _ => {
                let (_, nb) = b.next().unwrap_or_else(|| unreachable!());
                all(new, nb, &mut out.added);
            }
        }
    }
    // IXFR lists the SOA first in each part (RFC 1995 §4).
    for list in [&mut out.removed, &mut out.added] {
        if let Some(i) = list.iter().position(|r| r.rtype() == RecordType::SOA) {
            let soa = list.remove(i);
            list.insert(0, soa);
        }
    }
    out
}

fn all(zone: &Zone, node: &Node, out: &mut Vec<Record>) {
    for set in &node.rrsets {
        push(zone, node, set, set.rdata.iter(), out);
    }
}

fn node_diff(old: &Zone, na: &Node, nb: &Node, out: &mut ZoneDiff) {
    for sa in &na.rrsets {
        match nb.counterpart(sa) {
            Some(sb) if sb.ttl == sa.ttl => {
                push(
                    old,
                    na,
                    sa,
                    sa.rdata.iter().filter(|r| !sb.rdata.contains(r)),
                    &mut out.removed,
                );
                push(
                    old,
                    nb,
                    sb,
                    sb.rdata.iter().filter(|r| !sa.rdata.contains(r)),
                    &mut out.added,
                );
            }
            Some(sb) => {
                push(old, na, sa, sa.rdata.iter(), &mut out.removed);
                push(old, nb, sb, sb.rdata.iter(), &mut out.added);
            }
            None => push(old, na, sa, sa.rdata.iter(), &mut out.removed),
        }
    }
    for sb in &nb.rrsets {
        if na.counterpart(sb).is_none() {
            push(old, nb, sb, sb.rdata.iter(), &mut out.added);
        }
    }
}

fn push<'a>(zone: &Zone, node: &Node, set: &Rrset, rdata: impl Iterator<Item = &'a [u8]>, out: &mut Vec<Record>) {
    for w in rdata {
        out.push(Record {
            name: node.name.clone(),
            class: zone.class(),
            ttl: set.ttl,
            data: banyan_wire::RData::parse(set.rtype, w, 0, w.len()).unwrap_or_else(|_| banyan_wire::RData::Unknown {
                rtype: set.rtype,
                data: w.to_vec(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::{Class, Name};

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

    #[test]
    fn rfc1995_style_difference_and_apply() {
        let old = zone(&[
            "@ SOA ns host 1 2 3 4 5",
            "@ NS ns",
            "a A 192.0.2.1",
            "a A 192.0.2.2",
            "gone TXT \"x\"",
            "ttl 300 A 192.0.2.9",
        ]);
        let new = zone(&[
            "@ SOA ns host 2 2 3 4 5",
            "@ NS ns",
            "a A 192.0.2.1",
            "a A 192.0.2.3",
            "new.deep MX 10 a",
            "ttl 60 A 192.0.2.9",
        ]);
        let d = diff(&old, &new);
        let removed: Vec<String> = d.removed.iter().map(|r| r.to_string()).collect();
        let added: Vec<String> = d.added.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            removed,
            [
                "example.\t300\tIN\tSOA\tns.example. host.example. 1 2 3 4 5",
                "a.example.\t300\tIN\tA\t192.0.2.2",
                "gone.example.\t300\tIN\tTXT\t\"x\"",
                "ttl.example.\t300\tIN\tA\t192.0.2.9",
            ]
        );
        assert_eq!(
            added,
            [
                "example.\t300\tIN\tSOA\tns.example. host.example. 2 2 3 4 5",
                "a.example.\t300\tIN\tA\t192.0.2.3",
                "new.deep.example.\t300\tIN\tMX\t10 a.example.",
                "ttl.example.\t60\tIN\tA\t192.0.2.9",
            ]
        );
        let mut patched = old.clone();
        assert_eq!(d.apply(&mut patched), 0);
        assert!(diff(&patched, &new).is_empty());
        assert_eq!(patched.node_count(), new.node_count());
        assert!(diff(&new, &new).is_empty());
    }
}
