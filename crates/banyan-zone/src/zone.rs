//! The in-memory zone: nodes in canonical order (RFC 4034 §6.1), each with its RRsets in
//! uncompressed wire form, and zone cuts and occlusion worked out once at load so that a
//! lookup never rediscovers them.

use std::collections::HashMap;
use std::fmt;

use banyan_wire::{Class, Name, RData, Record, RecordType, WireName};

use crate::nodemap::NodeMap;
use crate::nsec3::Nsec3Index;
use crate::short_bytes::ShortBytes;

/// Longest canonical key: every octet of a 255-octet name escaped to two octets.
const MAX_KEY_LEN: usize = 512;

/// A name's key in the zone's map: labels from the root down, lowercased, each followed by
/// a 0x00 separator, with octets 0x00 and 0x01 escaped as 0x01 0x01 and 0x01 0x02. The
/// escape keeps the byte order of labels and makes the separator the smallest octet, so
/// comparing keys as octet strings is exactly the canonical name order, and an ancestor's
/// key is a prefix of its descendants' keys.
pub(crate) struct Key {
    bytes: [u8; MAX_KEY_LEN],
    len: usize,
    /// `ends[i]` is the key length covering the first `i + 1` labels from the root.
    ends: [u16; 128],
    labels: usize,
}

impl Key {
    #[inline]
    pub(crate) fn new<N: WireName + ?Sized>(name: &N) -> Key {
        let mut key = Key {
            bytes: [0; MAX_KEY_LEN],
            len: 0,
            ends: [0; 128],
            labels: 0,
        };
        let mut offsets = [0u8; 128];
        let wire = name.wire();
        let mut n = 0;
        let mut off = 0usize;
        while wire[off] != 0 {
            offsets[n] = off as u8;
            n += 1;
            off += 1 + wire[off] as usize;
        }
        for i in (0..n).rev() {
            let o = offsets[i] as usize;
            let label = &wire[o + 1..o + 1 + wire[o] as usize];
            // The usual label has nothing to escape: lowercased and checked in one pass (which
            // the compiler vectorises); the rare one with octets 0 or 1 is written again.
            let to = &mut key.bytes[key.len..key.len + label.len()];
            let mut plain = true;
            for (t, &b) in to.iter_mut().zip(label) {
                *t = b.to_ascii_lowercase();
                plain &= b > 1;
            }
            if plain {
                key.len += label.len();
            } else {
                for &b in label {
                    match b {
                        0 => key.push2(1, 1),
                        1 => key.push2(1, 2),
                        _ => key.push(b.to_ascii_lowercase()),
                    }
                }
            }
            key.push(0);
            key.ends[key.labels] = key.len as u16;
            key.labels += 1;
        }
        key
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn push2(&mut self, a: u8, b: u8) {
        self.push(a);
        self.push(b);
    }

    /// The key of the ancestor with `labels` labels (0 is the root).
    pub(crate) fn prefix(&self, labels: usize) -> &[u8] {
        if labels == 0 {
            return &[];
        }
        &self.bytes[..self.ends[labels - 1] as usize]
    }

    /// The key of `*.<the ancestor with `labels` labels>` (RFC 4592's source of synthesis),
    /// built on the stack.
    pub(crate) fn wildcard_child(&self, labels: usize) -> WildcardKey {
        let prefix = self.prefix(labels);
        let mut bytes = [0u8; MAX_KEY_LEN + 2];
        bytes[..prefix.len()].copy_from_slice(prefix);
        bytes[prefix.len()] = b'*';
        bytes[prefix.len() + 1] = 0;
        WildcardKey {
            bytes,
            len: prefix.len() + 2,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub(crate) fn labels(&self) -> usize {
        self.labels
    }
}

/// A wildcard's key, on the stack.
pub(crate) struct WildcardKey {
    bytes: [u8; MAX_KEY_LEN + 2],
    len: usize,
}

impl WildcardKey {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A set of records with the same owner, class and type (RFC 2181 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rrset {
    /// The type.
    pub rtype: RecordType,
    /// The TTL shared by the set.
    pub ttl: u32,
    /// Each record's RDATA in uncompressed wire form, in the order first seen, no duplicates.
    pub rdata: RdataList,
}

/// The RDATA of an RRset's records, kept in one allocation: each record's wire form after a
/// 16-bit length. One allocation per RRset instead of one per record plus a vector saves
/// about 40 octets per RRset and two allocations (most RRsets hold one record). A list of up
/// to 22 octets (one A record with its length is 6, one AAAA 18) needs no allocation at all
/// and, answering, reads no cache line besides its RRset's; the list grows from 16 to 24
/// octets for it, which the saved allocation (32 octets with the allocator's header) pays
/// for several times.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RdataList {
    blob: ShortBytes,
}

impl RdataList {
    /// A list of one record.
    pub fn one(rdata: &[u8]) -> RdataList {
        RdataList {
            blob: ShortBytes::concat(&[&(rdata.len() as u16).to_be_bytes(), rdata]),
        }
    }

    /// The records' RDATA, in order.
    pub fn iter(&self) -> RdataIter<'_> {
        RdataIter { rest: &self.blob[..] }
    }

    /// The first record's RDATA.
    pub fn first(&self) -> Option<&[u8]> {
        self.iter().next()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.blob.is_empty()
    }

    /// Whether a record with exactly this RDATA is present.
    pub fn contains(&self, rdata: &[u8]) -> bool {
        self.iter().any(|r| r == rdata)
    }

    /// Appends a record (RDATA is at most 65535 octets, RFC 1035 §3.2.1).
    pub fn push(&mut self, rdata: &[u8]) {
        self.blob = ShortBytes::concat(&[&self.blob[..], &(rdata.len() as u16).to_be_bytes(), rdata]);
    }

    /// Removes the record with exactly this RDATA; whether it was there.
    pub fn remove(&mut self, rdata: &[u8]) -> bool {
        let mut at = 0;
        for r in self.iter() {
            if r == rdata {
                let all = &self.blob;
                self.blob = ShortBytes::concat(&[&all[..at], &all[at + 2 + r.len()..]]);
                return true;
            }
            at += 2 + r.len();
        }
        false
    }
}

impl std::fmt::Debug for RdataList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a RdataList {
    type Item = &'a [u8];
    type IntoIter = RdataIter<'a>;
    fn into_iter(self) -> RdataIter<'a> {
        self.iter()
    }
}

/// Iterator over an [`RdataList`].
pub struct RdataIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RdataIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.rest.split_first_chunk::<2>()?;
        let len = u16::from_be_bytes(*len) as usize;
        let (rdata, rest) = rest.split_at_checked(len)?;
        self.rest = rest;
        Some(rdata)
    }
}

impl Rrset {
    /// For RRSIG sets, the type the signatures cover: RRSIGs are grouped per covered type,
    /// since each carries the TTL of the RRset it signs (RFC 4034 §3).
    pub fn covered(&self) -> Option<RecordType> {
        covered(self.rtype, self.rdata.first()?)
    }

    /// True when a record of `rtype` with `rdata` belongs in this set.
    fn holds(&self, rtype: RecordType, rdata: &[u8]) -> bool {
        self.rtype == rtype && (rtype != RecordType::RRSIG || self.covered() == covered(rtype, rdata))
    }

    /// The typed RDATA of each record.
    pub fn typed(&self) -> impl Iterator<Item = RData> + '_ {
        self.rdata
            .iter()
            .filter_map(move |w| RData::parse(self.rtype, w, 0, w.len()).ok())
    }
}

fn covered(rtype: RecordType, rdata: &[u8]) -> Option<RecordType> {
    (rtype == RecordType::RRSIG && rdata.len() >= 2).then(|| RecordType(u16::from_be_bytes([rdata[0], rdata[1]])))
}

/// Adds one record to a node's RRsets (RFC 2181 §5: no duplicates; one TTL per RRset).
pub(crate) fn add_record(node: &mut Node, ttl: u32, rtype: RecordType, rdata: &[u8]) -> Inserted {
    if let Some(set) = node.rrsets.iter_mut().find(|r| r.holds(rtype, rdata)) {
        return add_to_set(set, ttl, rdata);
    }
    edit_sets(node, |sets| add_record_to(sets, ttl, rtype, rdata))
}

/// Changes the number of a node's RRsets: the boxed slice is re-made at its new length.
/// Changes after loading are rare; loading builds each node's sets in a vector
/// ([`add_record_to`]).
fn edit_sets<R>(node: &mut Node, edit: impl FnOnce(&mut Vec<Rrset>) -> R) -> R {
    let mut sets = std::mem::take(&mut node.rrsets).into_vec();
    let out = edit(&mut sets);
    node.rrsets = sets.into_boxed_slice();
    out
}

/// [`add_record`] into RRsets being collected for a node.
pub(crate) fn add_record_to(sets: &mut Vec<Rrset>, ttl: u32, rtype: RecordType, rdata: &[u8]) -> Inserted {
    match sets.iter_mut().find(|r| r.holds(rtype, rdata)) {
        Some(set) => add_to_set(set, ttl, rdata),
        None => {
            sets.push(Rrset {
                rtype,
                ttl,
                rdata: RdataList::one(rdata),
            });
            Inserted::New
        }
    }
}

fn add_to_set(set: &mut Rrset, ttl: u32, rdata: &[u8]) -> Inserted {
    if set.rdata.contains(rdata) {
        return Inserted::Duplicate;
    }
    set.rdata.push(rdata);
    if set.ttl != ttl {
        Inserted::TtlMismatch { kept: set.ttl }
    } else {
        Inserted::New
    }
}

/// Hashes canonical keys for the build map: a multiply-rotate hash over 8-octet words,
/// seeded per zone from the standard library's random state so that crafted zone data cannot
/// aim at collisions it cannot see. Several times cheaper than SipHash on short keys.
#[derive(Clone)]
pub(crate) struct BuildKeyHasher {
    seed: u64,
}

impl Default for BuildKeyHasher {
    fn default() -> BuildKeyHasher {
        use std::hash::BuildHasher as _;
        BuildKeyHasher {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1,
        }
    }
}

impl std::fmt::Debug for BuildKeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuildKeyHasher")
    }
}

impl std::hash::BuildHasher for BuildKeyHasher {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.seed)
    }
}

/// The hasher of [`BuildKeyHasher`].
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn mix(&mut self, word: u64) {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(w) ^ (rest.len() as u64) << 56);
    }
    fn finish(&self) -> u64 {
        // Final avalanche so that the low bits the table uses depend on every input bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

/// Facts about a node worked out at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeFlags {
    /// The zone's apex.
    pub apex: bool,
    /// A delegation point: NS records below the apex (RFC 1034 §4.2.1). Its data other
    /// than DS (and NSEC/RRSIG) is not authoritative.
    pub delegation: bool,
    /// Below a delegation point or below a DNAME (RFC 6672 §2.4): not visible to lookups;
    /// glue addresses live here.
    pub occluded: bool,
}

/// One name of the zone, with its RRsets (none for an empty non-terminal).
#[derive(Debug, Clone)]
pub struct Node {
    /// The owner, case as first written.
    pub name: Name,
    /// The RRsets, at most one per type. A boxed slice of exactly their number rather than a
    /// vector: 8 octets smaller in every node (which keeps a node and its key in one cache
    /// line), and no spare capacity (a vector grows to 4 sets, 128 octets, at its second).
    pub rrsets: Box<[Rrset]>,
    /// Cut and occlusion flags.
    pub flags: NodeFlags,
}

impl Node {
    /// The RRset of `rtype`, if any (for RRSIG, the first group; see [`Node::rrsigs`]).
    pub fn rrset(&self, rtype: RecordType) -> Option<&Rrset> {
        self.rrsets.iter().find(|r| r.rtype == rtype)
    }

    /// The RRSIGs covering `covered`, if any.
    pub fn rrsigs(&self, covered: RecordType) -> Option<&Rrset> {
        self.rrsets
            .iter()
            .find(|r| r.rtype == RecordType::RRSIG && r.covered() == Some(covered))
    }

    /// The set in this node that corresponds to `other` (same type, and for RRSIG the same
    /// covered type).
    pub fn counterpart(&self, other: &Rrset) -> Option<&Rrset> {
        let first = other.rdata.first()?;
        self.rrsets.iter().find(|r| r.holds(other.rtype, first))
    }

    /// True for an empty non-terminal (a name that exists only because names below it do).
    pub fn is_empty_non_terminal(&self) -> bool {
        self.rrsets.is_empty()
    }
}

/// Why a record was not added to a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsertError {
    /// The owner is not at or below the origin.
    #[error("{name} is outside the zone {origin}")]
    OutOfZone {
        /// The record's owner.
        name: Name,
        /// The zone's origin.
        origin: Name,
    },
    /// The record's class is not the zone's.
    #[error("class {found} in a zone of class {zone}")]
    Class {
        /// The record's class.
        found: Class,
        /// The zone's class.
        zone: Class,
    },
}

/// What an insertion found that is legal but worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// A new record.
    New,
    /// The same RDATA was already in the RRset; nothing changed (RFC 2181 §5).
    Duplicate,
    /// Added, but its TTL differs from the RRset's; the RRset keeps its TTL (RFC 2181 §5.2).
    TtlMismatch {
        /// The TTL the RRset keeps.
        kept: u32,
    },
}

/// A zone: origin, class and nodes in canonical order.
///
/// Insertions go to a hash map first and reach the ordered map in [`Zone::finish`], sorted
/// once and built in bulk: inserting a million names one by one into an ordered tree costs a
/// cache miss per level, a hash insert about one.
#[derive(Debug, Clone)]
pub struct Zone {
    origin: Name,
    class: Class,
    /// Keyed by the canonical key *below the origin* (the origin's own key, which every
    /// name of the zone starts with, is left off: comparisons then decide on the octets that
    /// differ, and each key is shorter).
    nodes: NodeMap,
    /// Length of the origin's canonical key, cut from the front of every key in the maps.
    skip: usize,
    /// Nodes created since the last `finish`, not yet in `nodes`.
    pending: HashMap<Box<[u8]>, Node, BuildKeyHasher>,
    records: usize,
    /// Reused to encode RDATA before it is boxed at its exact size.
    scratch: Vec<u8>,
    /// The NSEC3 owner hashes, sorted (RFC 5155 §7.2 lookups), built by `finish` when the
    /// apex has an NSEC3PARAM; dropped by any change, since it holds node positions.
    nsec3: Option<Nsec3Index>,
}

impl Zone {
    /// An empty zone for `origin` (its apex node exists from the start).
    pub fn new(origin: Name, class: Class) -> Zone {
        let mut nodes = NodeMap::default();
        let skip = Key::new(&origin).as_bytes().len();
        nodes.insert(
            Box::from(&[][..]),
            Node {
                name: origin.clone(),
                rrsets: Box::default(),
                flags: NodeFlags {
                    apex: true,
                    ..NodeFlags::default()
                },
            },
        );
        Zone {
            origin,
            class,
            nodes,
            skip,
            pending: HashMap::default(),
            records: 0,
            scratch: Vec::new(),
            nsec3: None,
        }
    }

    /// A canonical key as the maps hold it: without the origin's part.
    fn rel<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        key.get(self.skip..).unwrap_or(&[])
    }

    /// A zone from nodes already in canonical order (see `ZoneBuilder`); cut flags are
    /// worked out by [`Zone::finish`].
    pub(crate) fn from_sorted(origin: Name, class: Class, nodes: NodeMap, records: usize) -> Zone {
        let skip = Key::new(&origin).as_bytes().len();
        Zone {
            origin,
            class,
            nodes,
            skip,
            pending: HashMap::default(),
            records,
            scratch: Vec::new(),
            nsec3: None,
        }
    }

    /// The origin (apex name).
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// Number of records.
    pub fn record_count(&self) -> usize {
        self.records
    }

    /// Number of names, empty non-terminals included.
    pub fn node_count(&self) -> usize {
        self.nodes.len() + self.pending.len()
    }

    /// The apex node.
    pub fn apex(&self) -> &Node {
        self.node(&self.origin)
            .unwrap_or_else(|| unreachable!("the apex is created with the zone"))
    }

    /// The SOA record's data, if the zone has one.
    pub fn soa(&self) -> Option<banyan_wire::rdata::Soa> {
        match self.apex().rrset(RecordType::SOA)?.typed().next()? {
            RData::SOA(soa) => Some(soa),
            _ => None,
        }
    }

    /// Adds a record. Empty non-terminals between it and the apex are created. Cut flags
    /// are not updated: call [`Zone::finish`] after the last insertion.
    pub fn insert(&mut self, record: &Record) -> Result<Inserted, InsertError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        record.data.write(&mut scratch);
        let outcome = self.insert_wire(&record.name, record.class, record.ttl, record.rtype(), &scratch);
        self.scratch = scratch;
        outcome
    }

    /// As [`Zone::insert`], with RDATA already in wire form.
    pub fn insert_wire(
        &mut self,
        name: &Name,
        class: Class,
        ttl: u32,
        rtype: RecordType,
        rdata: &[u8],
    ) -> Result<Inserted, InsertError> {
        if !name.is_subdomain_of(&self.origin) {
            return Err(InsertError::OutOfZone {
                name: name.clone(),
                origin: self.origin.clone(),
            });
        }
        if class != self.class {
            return Err(InsertError::Class {
                found: class,
                zone: self.class,
            });
        }
        self.nsec3 = None;
        let key = Key::new(name);
        let k = self.rel(key.as_bytes());
        // One probe in the common case (the name is new in this load and already has a node).
        let outcome = if let Some(node) = self.pending.get_mut(k) {
            add_record(node, ttl, rtype, rdata)
        } else if let Some(node) = self.nodes.get_mut(k) {
            add_record(node, ttl, rtype, rdata)
        } else {
            self.create_with_ancestors(name, &key);
            match self.pending.get_mut(k) {
                Some(node) => add_record(node, ttl, rtype, rdata),
                None => unreachable!("node created above"),
            }
        };
        if outcome != Inserted::Duplicate {
            self.records += 1;
        }
        Ok(outcome)
    }

    /// Makes room for `nodes` more names (a loader that knows the file size can guess).
    pub fn reserve(&mut self, nodes: usize) {
        self.pending.reserve(nodes);
    }

    /// Removes one record (matched by owner, type and RDATA; TTL ignored, as UPDATE and
    /// IXFR deletions match, RFC 2136 §2.5.4). Returns whether it was there. Nodes left
    /// without data and without descendants are removed, ancestors included.
    pub fn remove(&mut self, name: &Name, rtype: RecordType, rdata: &[u8]) -> bool {
        self.merge_pending();
        self.nsec3 = None;
        let key = Key::new(name);
        let Some(node) = self.nodes.get_mut(key.as_bytes().get(self.skip..).unwrap_or(&[])) else {
            return false;
        };
        let Some(i) = node.rrsets.iter().position(|s| s.holds(rtype, rdata)) else {
            return false;
        };
        if !node.rrsets[i].rdata.remove(rdata) {
            return false;
        }
        if node.rrsets[i].rdata.is_empty() {
            edit_sets(node, |sets| sets.remove(i));
        }
        self.records -= 1;
        let apex_labels = self.origin.label_count();
        let mut labels = key.labels();
        while labels > apex_labels {
            let k = key.prefix(labels).get(self.skip..).unwrap_or(&[]);
            let empty = self.nodes.get(k).is_some_and(|n| n.rrsets.is_empty());
            if !empty || self.has_descendants(k) {
                break;
            }
            self.nodes.remove(k);
            labels -= 1;
        }
        true
    }

    /// Moves nodes created since the last `finish` into the ordered map (sorted once,
    /// indexed once).
    fn merge_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        self.nodes.extend(pending);
    }

    /// Whether any node lies below the node with key `k` (descendant keys extend `k`).
    fn has_descendants(&self, k: &[u8]) -> bool {
        self.nodes.key_after(k).is_some_and(|next| next.starts_with(k))
    }

    fn create_with_ancestors(&mut self, name: &Name, key: &Key) {
        let apex_labels = self.origin.label_count();
        let mut labels = key.labels();
        let mut current = name.clone();
        let mut first = true;
        while labels > apex_labels {
            let k = key.prefix(labels).get(self.skip..).unwrap_or(&[]);
            // The name itself is known to be missing; its ancestors may exist.
            if !first && (self.pending.contains_key(k) || self.nodes.contains_key(k)) {
                break;
            }
            first = false;
            self.pending.insert(
                Box::from(k),
                Node {
                    name: current.clone(),
                    rrsets: Box::default(),
                    flags: NodeFlags::default(),
                },
            );
            match current.parent() {
                Some(p) => current = p,
                None => break,
            }
            labels -= 1;
        }
    }

    /// Works out delegation points and occluded names (the "adjust" step): must be called
    /// after insertions and before lookups.
    pub fn finish(&mut self) {
        self.merge_pending();
        let mut occluder: Option<Name> = None;
        for node in self.nodes.values_mut() {
            let below = occluder
                .as_ref()
                .is_some_and(|o| node.name.is_subdomain_of(o) && node.name != *o);
            if !below {
                occluder = None;
            }
            node.flags.occluded = below;
            node.flags.delegation = !node.flags.apex && node.rrset(RecordType::NS).is_some();
            if !below && (node.flags.delegation || node.rrset(RecordType::DNAME).is_some()) {
                occluder = Some(node.name.clone());
            }
        }
        self.nsec3 = Nsec3Index::build(self);
    }

    /// The node of exactly `name`, ignoring cuts (for glue and checks).
    pub fn node<N: WireName + ?Sized>(&self, name: &N) -> Option<&Node> {
        self.nodes.get(self.rel(Key::new(name).as_bytes()))
    }

    /// All nodes in canonical order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// The last node before `name` in canonical order (for NSEC), whether or not `name`
    /// exists.
    pub fn previous(&self, name: &Name) -> Option<&Node> {
        let key = Key::new(name);
        self.nodes.before(self.rel(key.as_bytes()))
    }

    pub(crate) fn node_map(&self) -> &NodeMap {
        &self.nodes
    }

    /// Length of the origin's canonical key, left off the keys in the node map.
    pub(crate) fn skip(&self) -> usize {
        self.skip
    }

    pub(crate) fn nsec3_index(&self) -> Option<&Nsec3Index> {
        self.nsec3.as_ref()
    }

    /// The hash the node map probes for the node with `key` (see [`crate::prefetch`]).
    pub(crate) fn key_hash(&self, key: &Key) -> u64 {
        self.nodes.hash(self.rel(key.as_bytes()))
    }

    /// The node with the (absolute) canonical `key`.
    pub(crate) fn node_by_key(&self, key: &[u8]) -> Option<&Node> {
        self.nodes.get(self.rel(key))
    }

    /// Every record, SOA first, then in canonical order (the order AXFR and printing use).
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        let soa = self
            .apex()
            .rrset(RecordType::SOA)
            .into_iter()
            .flat_map(move |set| self.expand(self.apex(), set));
        let rest = self.nodes.values().flat_map(move |node| {
            node.rrsets
                .iter()
                .filter(move |set| !(node.flags.apex && set.rtype == RecordType::SOA))
                .flat_map(move |set| self.expand(node, set))
        });
        soa.chain(rest)
    }

    fn expand<'a>(&'a self, node: &'a Node, set: &'a Rrset) -> impl Iterator<Item = Record> + 'a {
        set.rdata.iter().map(move |w| Record {
            name: node.name.clone(),
            class: self.class,
            ttl: set.ttl,
            data: RData::parse(set.rtype, w, 0, w.len()).unwrap_or_else(|_| RData::Unknown {
                rtype: set.rtype,
                data: w.to_vec(),
            }),
        })
    }
}

impl fmt::Display for Zone {
    /// The zone as a master file: fully qualified, one record per line, SOA first, then
    /// canonical order. It parses back to the same records.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in self.records() {
            writeln!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn rdata_lists_move_between_inline_and_heap_and_compare_by_content() {
        let a = [192, 0, 2, 1];
        let aaaa = [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let mut list = RdataList::one(&a);
        assert!(matches!(list.blob, ShortBytes::Inline { len: 6, .. }));
        list.push(&aaaa[..4]);
        // 6 + 6 = 12 octets: still inline.
        assert!(matches!(list.blob, ShortBytes::Inline { len: 12, .. }));
        list.push(&aaaa);
        // 12 + 18 = 30: on the heap.
        assert!(matches!(list.blob, ShortBytes::Heap(_)));
        assert_eq!(list.iter().collect::<Vec<_>>(), [&a[..], &aaaa[..4], &aaaa[..]]);
        assert_eq!(list.len(), 3);
        assert!(list.remove(&aaaa));
        assert!(!list.remove(&aaaa));
        // Back to 12 octets: inline again, and equal to the same list built directly.
        assert!(matches!(list.blob, ShortBytes::Inline { len: 12, .. }));
        let mut direct = RdataList::one(&a);
        direct.push(&aaaa[..4]);
        assert_eq!(list, direct);
        assert!(list.remove(&a) && list.remove(&aaaa[..4]));
        assert!(list.is_empty());
        assert_eq!(list, RdataList::default());
        // An AAAA record alone fits; a longer RDATA does not.
        assert!(matches!(RdataList::one(&aaaa).blob, ShortBytes::Inline { len: 18, .. }));
        assert!(matches!(RdataList::one(&[7; 21]).blob, ShortBytes::Heap(_)));
    }

    #[test]
    fn keys_follow_canonical_order_rfc4034_section_6_1() {
        let names = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        for w in names.windows(2) {
            let (a, b) = (Key::new(&n(w[0])), Key::new(&n(w[1])));
            assert!(a.as_bytes() < b.as_bytes(), "{} < {}", w[0], w[1]);
        }
        // Labels holding 0x00/0x01 octets must not collide with label boundaries.
        let a = Key::new(&n("a\\000b.x."));
        let b = Key::new(&n("b.a.x."));
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert!(Key::new(&n("a.x.")).as_bytes() < Key::new(&n("a\\000.x.")).as_bytes());
        assert!(Key::new(&n("a\\000.x.")).as_bytes() < Key::new(&n("a\\001.x.")).as_bytes());
        assert!(Key::new(&n("a\\001.x.")).as_bytes() < Key::new(&n("a\\002.x.")).as_bytes());
        let k = Key::new(&n("www.Example.COM."));
        assert_eq!(k.prefix(2), Key::new(&n("example.com.")).as_bytes());
        assert_eq!(k.prefix(0), b"");
    }

    #[test]
    fn insertion_creates_empty_non_terminals_and_merges_rrsets() {
        let mut z = Zone::new(n("example."), Class::IN);
        let rec = |s: &str| Record::from_text(s, Some(&n("example.")), Some(300)).unwrap();
        assert_eq!(z.insert(&rec("a.b.c A 192.0.2.1")).unwrap(), Inserted::New);
        assert_eq!(z.insert(&rec("a.b.c A 192.0.2.1")).unwrap(), Inserted::Duplicate);
        assert_eq!(
            z.insert(&rec("a.b.c 60 A 192.0.2.2")).unwrap(),
            Inserted::TtlMismatch { kept: 300 }
        );
        z.finish();
        assert!(z.node(&n("b.c.example.")).unwrap().is_empty_non_terminal());
        assert!(z.node(&n("c.example.")).unwrap().is_empty_non_terminal());
        assert_eq!(z.node_count(), 4);
        assert_eq!(z.record_count(), 2);
        assert!(matches!(
            z.insert(&rec("x.other. A 192.0.2.1")),
            Err(InsertError::OutOfZone { .. })
        ));
        assert_eq!(z.previous(&n("b.c.example.")).unwrap().name, n("c.example."));
        // RRSIGs are grouped by covered type, each with its own TTL (RFC 4034 §3).
        let sig = |t: &str, ttl: u32| {
            rec(&format!(
                "s {ttl} RRSIG {t} 13 2 {ttl} 20300101000000 20200101000000 1 example. AQID"
            ))
        };
        assert_eq!(z.insert(&sig("A", 60)).unwrap(), Inserted::New);
        assert_eq!(z.insert(&sig("TXT", 300)).unwrap(), Inserted::New);
        z.finish();
        let s = z.node(&n("s.example.")).unwrap();
        assert_eq!(s.rrsigs(RecordType::A).unwrap().ttl, 60);
        assert_eq!(s.rrsigs(RecordType::TXT).unwrap().ttl, 300);
        assert!(z.remove(&n("s.example."), RecordType::RRSIG, &sig("TXT", 300).data.to_wire()));
        assert!(z.node(&n("s.example.")).unwrap().rrsigs(RecordType::TXT).is_none());
        assert!(z.remove(&n("s.example."), RecordType::RRSIG, &sig("A", 60).data.to_wire()));
        assert_eq!(z.previous(&n("zzz.example.")).unwrap().name, n("a.b.c.example."));
        // Removing the only data below c.example. removes the empty non-terminals too.
        let a1 = rec("a.b.c A 192.0.2.1").data.to_wire();
        let a2 = rec("a.b.c A 192.0.2.2").data.to_wire();
        assert!(z.remove(&n("a.b.c.example."), RecordType::A, &a1));
        assert!(!z.remove(&n("a.b.c.example."), RecordType::A, &a1));
        assert_eq!(z.node_count(), 4);
        assert!(z.remove(&n("A.B.C.example."), RecordType::A, &a2));
        assert_eq!(z.node_count(), 1);
        assert_eq!(z.record_count(), 0);
    }
}

#[cfg(test)]
mod prop {
    use super::*;
    use crate::parser::{parse_str, ParseOptions};
    use proptest::prelude::*;

    fn record() -> impl Strategy<Value = String> {
        let owner = prop_oneof![
            Just("@"),
            Just("www"),
            Just("a.b"),
            Just("*.w"),
            Just("x\\.y"),
            Just("deep.a.b")
        ];
        let data = prop_oneof![
            any::<[u8; 4]>().prop_map(|a| format!("A {}.{}.{}.{}", a[0], a[1], a[2], a[3])),
            any::<u16>().prop_map(|p| format!("MX {p} mail")),
            "[a-z \"\\\\]{0,20}".prop_map(|t| format!("TXT \"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))),
            Just("NS ns.other.".to_string()),
            any::<u16>().prop_map(|t| format!("TYPE{} \\# 2 abcd", 1000 + t % 1000)),
        ];
        (owner, 0u32..100_000, data).prop_map(|(o, ttl, d)| format!("{o} {ttl} {d}"))
    }

    proptest! {
        /// Printing a zone and reading the text back gives the same zone.
        #[test]
        fn print_parse_round_trip(lines in proptest::collection::vec(record(), 1..30)) {
            let origin: Name = "example.".parse().unwrap();
            let opts = ParseOptions { origin: Some(origin.clone()), ..ParseOptions::default() };
            let mut zone = Zone::new(origin.clone(), Class::IN);
            let report = parse_str(&lines.join("\n"), std::path::Path::new("gen"), &opts, &mut |r| { let _ = zone.insert(&r); });
            prop_assert!(report.is_ok(), "{:?}", report.errors);
            zone.finish();
            let printed = zone.to_string();
            let mut again = Zone::new(origin, Class::IN);
            let report = parse_str(&printed, std::path::Path::new("printed"), &ParseOptions::default(), &mut |r| { let _ = again.insert(&r); });
            prop_assert!(report.is_ok(), "{:?}\n{printed}", report.errors);
            again.finish();
            prop_assert!(crate::diff::diff(&zone, &again).is_empty(), "{printed}");
            prop_assert_eq!(again.to_string(), printed);
        }
    }
}
