//! Serving signed zones to DNSSEC-aware clients (DO=1, RFC 3225): which signatures and
//! which proofs of non-existence a response carries (RFC 4035 §3.1, RFC 5155 §7.2).
//!
//! Zones arrive signed; this module only chooses records. [`Proofs`] collects, while the
//! answer section is written, the RRsets that go in the authority section after the SOA or
//! the NS RRset: NSEC or NSEC3 records (with their RRSIGs) and, for a referral, the signed
//! DS RRset. Everything is held on the stack; the only work per query beyond the unsigned
//! answer is NSEC3 hashing (SHA-1 on the stack) and binary searches.

use banyan_wire::message::{BuildError, BuildSection, MessageBuilder};
use banyan_wire::{Class, NameBuf, RecordType, WireName};
use banyan_zone::{Node, Nsec3Proof, Rrset, Zone};

use crate::answer::push_set;

/// Most RRsets a response's proofs hold: three per denial, and a wildcard proof for each
/// step of the longest chain (`answer::MAX_CHAIN`), with room to spare. More are not
/// possible with the bounded chain; were they, the extra ones would be left out.
const MAX_PROOFS: usize = 64;

/// RRsets for the authority section, each with the node whose RRSIGs sign it, in the order
/// found and without duplicates (RFC 4035 §3.1.3.2: the same NSEC may prove two things).
pub(crate) struct Proofs<'z> {
    sets: [Option<(&'z Node, &'z Rrset)>; MAX_PROOFS],
    len: usize,
}

impl Default for Proofs<'_> {
    fn default() -> Self {
        Proofs {
            sets: [None; MAX_PROOFS],
            len: 0,
        }
    }
}

impl<'z> Proofs<'z> {
    fn add(&mut self, node: &'z Node, rtype: RecordType) {
        let Some(set) = node.rrset(rtype) else { return };
        let seen = self.sets[..self.len]
            .iter()
            .flatten()
            .any(|(_, s)| std::ptr::eq(*s, set));
        if !seen && self.len < MAX_PROOFS {
            self.sets[self.len] = Some((node, set));
            self.len += 1;
        }
    }

    fn add_nsec3(&mut self, proof: Option<Nsec3Proof<'z>>) {
        if let Some(p) = proof {
            self.add(p.node(), RecordType::NSEC3);
        }
    }

    /// Writes the collected RRsets with their RRSIGs to the authority section.
    pub(crate) fn write(&self, b: &mut MessageBuilder<'_>, class: Class) -> Result<(), BuildError> {
        for &(node, set) in self.sets[..self.len].iter().flatten() {
            push_signed(b, BuildSection::Authority, &node.name, class, node, set, true)?;
        }
        Ok(())
    }

    /// A name that does not exist (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2): the NSEC covering
    /// the name and the NSEC covering the wildcard at the closest encloser; or the NSEC3
    /// closest encloser proof and the NSEC3 covering that wildcard.
    pub(crate) fn name_error(&mut self, zone: &'z Zone, qname: &NameBuf, closest_encloser: &Node) {
        let ce_labels = label_count(closest_encloser.name.wire());
        if zone.nsec3_params().is_some() {
            if let Some(ce) = self.closest_encloser_proof(zone, qname, ce_labels) {
                self.add_nsec3(wildcard_of(&ce).and_then(|wc| zone.nsec3_for(&wc)));
            }
            return;
        }
        self.add_covering_nsec(zone, qname);
        if let Some(wc) = wildcard_of(&NameBuf::from(&closest_encloser.name)) {
            self.add_covering_nsec(zone, &wc);
        }
    }

    /// An existing name without the type asked for (RFC 4035 §3.1.3.1 and §3.1.3.4,
    /// RFC 5155 §7.2.3-7.2.5). `node` is the wildcard when one was used.
    pub(crate) fn no_data(&mut self, zone: &'z Zone, qname: &NameBuf, node: &'z Node, wildcard: bool) {
        if zone.nsec3_params().is_some() {
            if wildcard {
                // §7.2.5: closest encloser proof, and the NSEC3 matching the wildcard.
                let ce_labels = label_count(node.name.wire()).saturating_sub(1);
                self.closest_encloser_proof(zone, qname, ce_labels);
                self.add_nsec3(zone.nsec3_for(&node.name));
            } else {
                // §7.2.3/§7.2.4: the NSEC3 matching the name; without one (an empty
                // non-terminal or a delegation under Opt-Out), the closest provable encloser
                // proof.
                self.closest_encloser_proof(zone, qname, label_count(qname.wire()));
            }
            return;
        }
        if wildcard {
            // §3.1.3.4: no closer match exists, and the wildcard lacks the type.
            self.add_covering_nsec(zone, qname);
            self.add(node, RecordType::NSEC);
        } else if node.rrset(RecordType::NSEC).is_some() {
            self.add(node, RecordType::NSEC);
        } else {
            // An empty non-terminal owns no NSEC: the one before it, whose next name lies
            // below it, shows that it exists without data.
            self.add_covering_nsec(zone, qname);
        }
    }

    /// An answer synthesised from `wildcard` (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6): the proof
    /// that the query name itself does not exist.
    pub(crate) fn wildcard_answer(&mut self, zone: &'z Zone, qname: &NameBuf, wildcard: &Node) {
        if zone.nsec3_params().is_some() {
            let next_closer_labels = label_count(wildcard.name.wire());
            self.add_nsec3(zone.nsec3_for(&ancestor(qname, next_closer_labels)));
        } else {
            self.add_covering_nsec(zone, qname);
        }
    }

    /// A referral (RFC 4035 §3.1.4, RFC 5155 §7.2.7): the signed DS RRset of a secure
    /// delegation; for an insecure one the NSEC (or NSEC3) proving there is no DS, or with
    /// NSEC3 Opt-Out the closest provable encloser proof.
    pub(crate) fn referral(&mut self, zone: &'z Zone, cut: &'z Node) {
        if cut.rrset(RecordType::DS).is_some() {
            self.add(cut, RecordType::DS);
        } else if zone.nsec3_params().is_some() {
            let name = NameBuf::from(&cut.name);
            self.closest_encloser_proof(zone, &name, label_count(name.wire()));
        } else {
            self.add(cut, RecordType::NSEC);
        }
    }

    /// The closest (provable) encloser proof of RFC 5155 §7.2.1 for `name`, trying
    /// ancestors from `from_labels` labels up to the apex: the NSEC3 matching the first
    /// that has one, and the NSEC3 covering the next closer name (unless the match is
    /// `name` itself). Returns the encloser proved.
    fn closest_encloser_proof(&mut self, zone: &'z Zone, name: &NameBuf, from_labels: usize) -> Option<NameBuf> {
        let apex_labels = label_count(zone.origin().wire());
        let name_labels = label_count(name.wire());
        for labels in (apex_labels..=from_labels.min(name_labels)).rev() {
            let candidate = ancestor(name, labels);
            if let Some(Nsec3Proof::Matches(node)) = zone.nsec3_for(&candidate) {
                self.add(node, RecordType::NSEC3);
                if labels < name_labels {
                    self.add_nsec3(zone.nsec3_for(&ancestor(name, labels + 1)));
                }
                return Some(candidate);
            }
        }
        None
    }

    fn add_covering_nsec<N: WireName + ?Sized>(&mut self, zone: &'z Zone, name: &N) {
        if let Some(node) = zone.nsec_covering(name) {
            self.add(node, RecordType::NSEC);
        }
    }
}

/// Writes `set` owned by `owner` and, when `dnssec`, the RRSIGs of `node` that cover it
/// right after (RFC 4035 §3.1.1). For a wildcard answer `owner` is the query name and the
/// RRSIGs keep their labels field (RFC 4035 §3.1.3.3), which tells validators of the
/// expansion. An RRSIG is never written without its RRset: it comes second, and a set
/// that does not fit ends the section with TC set (answer and authority).
pub(crate) fn push_signed<N: WireName + ?Sized>(
    b: &mut MessageBuilder<'_>,
    section: BuildSection,
    owner: &N,
    class: Class,
    node: &Node,
    set: &Rrset,
    dnssec: bool,
) -> Result<(), BuildError> {
    push_set(b, section, owner, class, set)?;
    if dnssec && set.rtype != RecordType::RRSIG {
        if let Some(sigs) = node.rrsigs(set.rtype) {
            push_set(b, section, owner, class, sigs)?;
        }
    }
    Ok(())
}

/// The most octets `set` takes under `owner`, without compression: what the additional
/// section checks before writing an RRset and its RRSIGs together.
pub(crate) fn wire_size<N: WireName + ?Sized>(owner: &N, set: &Rrset) -> usize {
    // Owner, then TYPE, CLASS, TTL and RDLENGTH (RFC 1035 §4.1.3).
    set.rdata.iter().map(|rd| owner.wire().len() + 10 + rd.len()).sum()
}

/// DNSSEC types a DO=0 client gets only when it asks for them by type (RFC 4035 §3.2.1):
/// left out of ANY answers.
pub(crate) fn is_dnssec_only(rtype: RecordType) -> bool {
    matches!(rtype, RecordType::RRSIG | RecordType::NSEC | RecordType::NSEC3)
}

/// Number of labels of a checked wire name, the root not counted.
fn label_count(wire: &[u8]) -> usize {
    let mut count = 0;
    let mut off = 0;
    while let Some(&len) = wire.get(off) {
        if len == 0 {
            break;
        }
        count += 1;
        off += 1 + len as usize;
    }
    count
}

/// The ancestor of `name` with `labels` labels (`name` itself when it has no more).
fn ancestor(name: &NameBuf, labels: usize) -> NameBuf {
    let wire = name.wire();
    let mut drop = label_count(wire).saturating_sub(labels);
    let mut off = 0;
    while drop > 0 {
        off += 1 + wire[off] as usize;
        drop -= 1;
    }
    NameBuf::from_wire(&wire[off..]).unwrap_or(*name)
}

/// `*.<name>` (RFC 4592 §2.1.1), or `None` when that would exceed 255 octets.
fn wildcard_of(name: &NameBuf) -> Option<NameBuf> {
    let wire = name.wire();
    let mut buf = [0u8; 257];
    buf[0] = 1;
    buf[1] = b'*';
    buf.get_mut(2..2 + wire.len())?.copy_from_slice(wire);
    NameBuf::from_wire(&buf[..2 + wire.len()]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::Name;

    fn nb(s: &str) -> NameBuf {
        NameBuf::from(&s.parse::<Name>().unwrap())
    }

    #[test]
    fn ancestors_and_wildcards() {
        let name = nb("a.z.w.example.");
        assert_eq!(label_count(name.wire()), 4);
        assert_eq!(ancestor(&name, 2), nb("w.example."));
        assert_eq!(ancestor(&name, 4), name);
        assert_eq!(ancestor(&name, 0), nb("."));
        assert_eq!(wildcard_of(&nb("x.w.example.")), Some(nb("*.x.w.example.")));
        assert_eq!(wildcard_of(&nb(".")), Some(nb("*.")));
    }
}
