//! The zone's nodes: a vector sorted by canonical key (the order DNSSEC and AXFR need, and
//! binary search for "the name before"), plus a hash index of positions for exact lookups,
//! which are what answering does most.
//!
//! An ordered tree costs tens of key comparisons per probe; the index costs one hash and one
//! comparison, about six octets per name. Changes after loading (UPDATE, IXFR) rebuild the
//! index, which is linear in the zone: the snapshot model already copies the zone per change.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::zone::{BuildKeyHasher, Node};

/// Nodes by canonical key (relative to the origin), in canonical order.
#[derive(Clone, Default)]
pub(crate) struct NodeMap {
    entries: Vec<(Box<[u8]>, Node)>,
    index: HashTable<u32>,
    hasher: BuildKeyHasher,
}

impl std::fmt::Debug for NodeMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, n)| (k, &n.name)))
            .finish()
    }
}

impl NodeMap {
    /// From pairs already in key order (as the zone builder produces them); sorts them if
    /// they are not.
    pub(crate) fn from_sorted(mut entries: Vec<(Box<[u8]>, Node)>) -> NodeMap {
        if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        let mut map = NodeMap {
            entries,
            index: HashTable::new(),
            hasher: BuildKeyHasher::default(),
        };
        map.reindex();
        map
    }

    fn reindex(&mut self) {
        let hasher = &self.hasher;
        self.index.clear();
        self.index
            .reserve(self.entries.len(), |&i| hasher.hash_one(&self.entries[i as usize].0));
        for (i, (k, _)) in self.entries.iter().enumerate() {
            self.index.insert_unique(hasher.hash_one(k), i as u32, |&j| {
                hasher.hash_one(&self.entries[j as usize].0)
            });
        }
    }

    fn position(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        self.index
            .find(hash, |&i| *self.entries[i as usize].0 == *key)
            .map(|&i| i as usize)
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
        self.entries.extend(more);
        let appended_in_order = self.entries[start.saturating_sub(1)..].is_sorted_by(|a, b| a.0 <= b.0);
        if appended_in_order {
            let hasher = &self.hasher;
            for i in start..self.entries.len() {
                let hash = hasher.hash_one(&self.entries[i].0);
                self.index
                    .insert_unique(hash, i as u32, |&j| hasher.hash_one(&self.entries[j as usize].0));
            }
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
        self.entries.iter().map(|(_, n)| n)
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Node> {
        self.entries.iter_mut().map(|(_, n)| n)
    }

    /// Key and node pairs in canonical order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, (Box<[u8]>, Node)> {
        self.entries.iter()
    }

    /// The last node whose key sorts before `key`.
    pub(crate) fn before(&self, key: &[u8]) -> Option<&Node> {
        let at = self.entries.partition_point(|(k, _)| **k < *key);
        at.checked_sub(1).map(|i| &self.entries[i].1)
    }

    /// The nodes whose keys sort before `key`, closest first (for the covering NSEC).
    pub(crate) fn values_before(&self, key: &[u8]) -> impl Iterator<Item = &Node> {
        let at = self.entries.partition_point(|(k, _)| **k < *key);
        self.entries[..at].iter().rev().map(|(_, n)| n)
    }

    /// The node at `position` in canonical order.
    pub(crate) fn at(&self, position: usize) -> Option<&Node> {
        self.entries.get(position).map(|(_, n)| n)
    }

    /// The first key that sorts after `key`.
    pub(crate) fn key_after(&self, key: &[u8]) -> Option<&[u8]> {
        let at = self.entries.partition_point(|(k, _)| **k <= *key);
        self.entries.get(at).map(|(k, _)| &k[..])
    }
}
