//! The zone's nodes: a vector sorted by canonical key (the order DNSSEC and AXFR need, and
//! binary search for "the name before"), plus a hash index of positions for exact lookups,
//! which are what answering does most.
//!
//! An ordered tree costs tens of key comparisons per probe; the index costs one hash and one
//! comparison. Changes after loading (UPDATE, IXFR) rebuild the index, which is linear in
//! the zone: the snapshot model already copies the zone per change.
//!
//! The index is open addressing with linear probing over 8-octet slots, each holding 32 bits
//! of the key's hash next to the position: a probe reads one cache line of slots (where a
//! table with separate control octets and buckets reads two), and a key is compared only when
//! its 32-bit tag matches. At most half the slots are used: 8 to 16 octets per name.

use std::hash::BuildHasher;

use crate::short_bytes::ShortBytes;
use crate::zone::{BuildKeyHasher, Node};

/// Nodes by canonical key (relative to the origin), in canonical order.
#[derive(Clone, Default)]
pub(crate) struct NodeMap {
    entries: Vec<Entry>,
    index: Index,
    hasher: BuildKeyHasher,
}

/// A key and its node, aligned to a cache line and 64 octets long: the probe that confirms a
/// lookup (the key), and the flags and RRset pointer the answer reads next, come in the one
/// cache-line miss. Unaligned, the 72 octets the pair took before its RRsets became a boxed
/// slice straddled two lines in every entry.
#[derive(Clone)]
#[repr(align(64))]
pub(crate) struct Entry(pub(crate) NodeKey, pub(crate) Node);

/// A node's canonical key, held inline when short (most are), so that the comparison that
/// confirms a lookup reads the entry it loads anyway instead of another allocation, and a
/// zone of short names needs no allocation per key. 24 octets either way.
pub(crate) type NodeKey = ShortBytes;

/// Positions in `entries` by key hash: each slot is `tag << 32 | (position + 1)`, 0 when free,
/// the tag being the hash's upper 32 bits; the slot to start at is the hash's lower bits.
#[derive(Clone, Default)]
struct Index {
    slots: Vec<u64>,
}

impl Index {
    /// An empty index with room for `len` positions at most half full.
    fn with_room(len: usize) -> Index {
        let cap = (len.max(4) * 2).next_power_of_two();
        Index { slots: vec![0; cap] }
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Whether `len` positions keep the table at most half full.
    fn has_room(&self, len: usize) -> bool {
        len * 2 <= self.slots.len()
    }

    fn insert(&mut self, hash: u64, position: usize) {
        let mask = self.mask();
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = (hash >> 32) << 32 | (position as u64 + 1);
    }

    /// The first position, in probe order, whose tag matches `hash` and for which `is` holds.
    #[inline]
    fn find(&self, hash: u64, mut is: impl FnMut(usize) -> bool) -> Option<usize> {
        let mask = self.mask();
        let tag = hash >> 32;
        let mut at = hash as usize & mask;
        // At most half the slots are used, so a free one ends every probe.
        loop {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let position = (slot as u32 - 1) as usize;
                if is(position) {
                    return Some(position);
                }
            }
            at = (at + 1) & mask;
        }
    }
}

impl std::fmt::Debug for NodeMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|Entry(k, n)| (k, &n.name)))
            .finish()
    }
}

impl NodeMap {
    /// From pairs already in key order (as the zone builder produces them); sorts them if
    /// they are not.
    pub(crate) fn from_sorted(mut entries: Vec<Entry>) -> NodeMap {
        if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        let mut map = NodeMap {
            entries,
            index: Index::default(),
            hasher: BuildKeyHasher::default(),
        };
        map.reindex();
        map
    }

    fn reindex(&mut self) {
        let mut index = Index::with_room(self.entries.len());
        for (i, Entry(k, _)) in self.entries.iter().enumerate() {
            index.insert(self.hasher.hash_one(&**k), i);
        }
        self.index = index;
    }

    /// The hash `key` is indexed by.
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The index slot a probe for `hash` starts at (prefetching: its cache line is loaded).
    pub(crate) fn first_slot(&self, hash: u64) -> u64 {
        self.index
            .slots
            .get(hash as usize & self.index.mask())
            .copied()
            .unwrap_or(0)
    }

    /// The entry a probe for `hash` stops at on its tag alone, without the key comparison
    /// that confirms a lookup: prefetching loads what a lookup would, and a rare tag collision
    /// only loads an entry for nothing.
    fn entry_by_tag(&self, hash: u64) -> Option<&Entry> {
        self.index.find(hash, |_| true).and_then(|i| self.entries.get(i))
    }

    /// Loads the entry a probe for `hash` reaches (prefetching), returning its node's number
    /// of RRsets so that the load is used.
    pub(crate) fn touch_entry(&self, hash: u64) -> Option<usize> {
        self.entry_by_tag(hash).map(|Entry(_, n)| n.rrsets.len())
    }

    /// Loads that node's RRsets (prefetching), returning the first one's TTL so that the load
    /// is used.
    pub(crate) fn touch_rrsets(&self, hash: u64) -> Option<u32> {
        self.entry_by_tag(hash)
            .and_then(|Entry(_, n)| n.rrsets.first())
            .map(|r| r.ttl)
    }

    fn position(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hash(key);
        self.index
            .find(hash, |i| self.entries.get(i).is_some_and(|Entry(k, _)| **k == *key))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<&Node> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub(crate) fn get_mut(&mut self, key: &[u8]) -> Option<&mut Node> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub(crate) fn contains_key(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// Adds a node; appending in key order is cheap, anything else re-sorts.
    pub(crate) fn insert(&mut self, key: Box<[u8]>, node: Node) {
        self.extend(std::iter::once((key, node)));
    }

    /// Adds nodes whose keys are not present yet: appended, sorted if needed, re-indexed.
    pub(crate) fn extend(&mut self, more: impl IntoIterator<Item = (Box<[u8]>, Node)>) {
        let start = self.entries.len();
        self.entries
            .extend(more.into_iter().map(|(k, n)| Entry(NodeKey::from(k), n)));
        let appended_in_order = self.entries[start.saturating_sub(1)..].is_sorted_by(|a, b| a.0 <= b.0);
        if appended_in_order && self.index.has_room(self.entries.len()) {
            for i in start..self.entries.len() {
                let hash = self.hasher.hash_one(&*self.entries[i].0);
                self.index.insert(hash, i);
            }
        } else if appended_in_order {
            self.reindex();
        } else {
            // Sorting on eight key octets held inline (and on the whole key only on a tie)
            // keeps comparisons in cache instead of chasing a pointer per key.
            let prefix = |k: &[u8]| {
                let mut b = [0u8; 8];
                let n = k.len().min(8);
                b[..n].copy_from_slice(&k[..n]);
                u64::from_be_bytes(b)
            };
            self.entries
                .sort_unstable_by(|a, b| prefix(&a.0).cmp(&prefix(&b.0)).then_with(|| a.0.cmp(&b.0)));
            self.reindex();
        }
    }

    /// Removes the node with `key`.
    pub(crate) fn remove(&mut self, key: &[u8]) {
        if let Some(i) = self.position(key) {
            self.entries.remove(i);
            self.reindex();
        }
    }

    /// The nodes in canonical order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Node> {
        self.entries.iter().map(|Entry(_, n)| n)
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Node> {
        self.entries.iter_mut().map(|Entry(_, n)| n)
    }

    /// Key and node pairs in canonical order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&NodeKey, &Node)> {
        self.entries.iter().map(|Entry(k, n)| (k, n))
    }

    /// The last node whose key sorts before `key`.
    pub(crate) fn before(&self, key: &[u8]) -> Option<&Node> {
        let at = self.entries.partition_point(|Entry(k, _)| **k < *key);
        at.checked_sub(1).map(|i| &self.entries[i].1)
    }

    /// The nodes whose keys sort before `key`, closest first (for the covering NSEC).
    pub(crate) fn values_before(&self, key: &[u8]) -> impl Iterator<Item = &Node> {
        let at = self.entries.partition_point(|Entry(k, _)| **k < *key);
        self.entries[..at].iter().rev().map(|Entry(_, n)| n)
    }

    /// The node at `position` in canonical order.
    pub(crate) fn at(&self, position: usize) -> Option<&Node> {
        self.entries.get(position).map(|Entry(_, n)| n)
    }

    /// The first key that sorts after `key`.
    pub(crate) fn key_after(&self, key: &[u8]) -> Option<&[u8]> {
        let at = self.entries.partition_point(|Entry(k, _)| **k <= *key);
        self.entries.get(at).map(|Entry(k, _)| &k[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::Name;

    fn node() -> Node {
        Node {
            name: Name::root(),
            rrsets: Box::default(),
            flags: crate::zone::NodeFlags::default(),
        }
    }

    /// An entry is one cache line: a field added to `Node` or `NodeKey` that breaks this
    /// costs a second cache miss per lookup (or 64 more octets per name).
    #[test]
    fn an_entry_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Entry>(), 64);
        assert_eq!(std::mem::align_of::<Entry>(), 64);
    }

    /// Keys short enough to be held inline and longer ones, added one by one (the index grows
    /// many times) and out of order (re-sorted), are all found, and absent ones are not.
    #[test]
    fn index_finds_inline_and_long_keys_across_growth() {
        let key = |i: usize| -> Box<[u8]> {
            let long = if i % 3 == 0 {
                "x".repeat(30 + i % 7)
            } else {
                String::new()
            };
            format!("host{i}{long}\0").into_bytes().into()
        };
        let mut map = NodeMap::default();
        for i in (0..2000).rev() {
            map.insert(key(i), node());
        }
        assert_eq!(map.len(), 2000);
        assert!(map.iter().is_sorted_by(|a, b| a.0 < b.0));
        for i in 0..2000 {
            assert!(map.contains_key(&key(i)), "{i}");
        }
        assert!(!map.contains_key(b"host2000\0"));
        assert!(!map.contains_key(b""));
        map.remove(&key(7));
        assert!(!map.contains_key(&key(7)));
        assert!(map.contains_key(&key(8)));
        assert_eq!(map.len(), 1999);
        assert_eq!(std::mem::size_of::<NodeKey>(), 24);
    }
}
