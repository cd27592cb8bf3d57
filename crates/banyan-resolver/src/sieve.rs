//! The bounded, sharded store under both caches: entries keyed by octet strings, held in
//! shards behind their own locks, each shard kept under its share of a memory bound by
//! SIEVE eviction (Zhang et al., "SIEVE is Simpler than LRU", NSDI 2024).
//!
//! SIEVE keeps one FIFO queue and a "visited" bit per entry. A hit only sets the bit, so a
//! lookup needs no write access to the queue and can run under a read lock. To evict, a hand
//! walks from the oldest entry towards the newest, clearing bits as it passes, and removes the
//! first entry whose bit was clear; it remembers where it stopped. Entries hit since the hand
//! last passed survive; one-hit wonders leave quickly. That is what a DNS cache wants: a few
//! popular names hit all the time among a long tail of names asked once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::{DefaultHashBuilder, HashTable};

use banyan_wire::name::MAX_NAME_LEN;

/// Octets counted for every entry on top of its key and value: the queue node (links, hash,
/// weight, visited bit, the key's box), the table's index and control octet, and the
/// allocator's bookkeeping for the key. Rounded up so the bound is never an underestimate of
/// the fixed part (the tests check it covers both caches' nodes).
pub const ENTRY_OVERHEAD: usize = 128;

/// The longest key: a name, type, class and a flags octet.
const MAX_KEY_LEN: usize = MAX_NAME_LEN + 5;

/// No node: the end of the queue, or a hand not yet placed.
const NIL: u32 = u32::MAX;

/// A cache key built on the stack, so that lookups do not allocate: the owner name
/// lowercased (RFC 4343 §3: only A-Z fold) followed by fixed-width fields.
pub(crate) struct KeyBuf {
    buf: [u8; MAX_KEY_LEN],
    len: usize,
}

impl KeyBuf {
    /// The key for `name_wire` (uncompressed, at most 255 octets) followed by `tail` (at most
    /// 5 octets). Longer input is cut, which only a broken caller could produce.
    pub(crate) fn new(name_wire: &[u8], tail: &[u8]) -> KeyBuf {
        let mut buf = [0u8; MAX_KEY_LEN];
        let n = name_wire.len().min(MAX_NAME_LEN);
        buf[..n].copy_from_slice(&name_wire[..n]);
        // Label length octets are at most 63, below 'A', so lowercasing leaves them alone.
        buf[..n].make_ascii_lowercase();
        let t = tail.len().min(MAX_KEY_LEN - n);
        buf[n..n + t].copy_from_slice(&tail[..t]);
        KeyBuf { buf, len: n + t }
    }

    /// The key octets.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// One entry in a shard's queue.
pub(crate) struct Node<V> {
    key: Box<[u8]>,
    hash: u64,
    /// What this entry counts against the bound: value, key and [`ENTRY_OVERHEAD`].
    weight: usize,
    /// Set by a hit (under the read lock, hence atomic), cleared by the passing hand.
    visited: AtomicBool,
    /// Towards the newest entry.
    newer: u32,
    /// Towards the oldest entry.
    older: u32,
    value: V,
}

/// Size of a queue node holding `V` plus the table's share: what [`ENTRY_OVERHEAD`] must cover.
#[cfg(test)]
pub(crate) const fn node_footprint<V>() -> usize {
    std::mem::size_of::<Option<Node<V>>>() + std::mem::size_of::<u32>() + 1
}

/// One shard: a hash table of positions into a slab of nodes linked as the SIEVE queue.
pub(crate) struct Sieve<V> {
    table: HashTable<u32>,
    nodes: Vec<Option<Node<V>>>,
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
    hand: u32,
    bytes: usize,
    budget: usize,
    evictions: u64,
    /// Lookups answered and not, as the cache above judges them ([`Sieve::count`]); atomics
    /// because lookups hold only the read lock, one pair per shard so threads on different
    /// shards do not share them.
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<V> Sieve<V> {
    fn new(budget: usize) -> Sieve<V> {
        Sieve {
            table: HashTable::new(),
            nodes: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
            hand: NIL,
            bytes: 0,
            budget,
            evictions: 0,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn node(&self, at: u32) -> Option<&Node<V>> {
        self.nodes.get(at as usize).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, at: u32) -> Option<&mut Node<V>> {
        self.nodes.get_mut(at as usize).and_then(Option::as_mut)
    }

    fn position(&self, hash: u64, key: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.table
            .find(hash, |&at| {
                nodes
                    .get(at as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|n| *n.key == *key)
            })
            .copied()
    }

    /// The value under `key`, marked as visited (a SIEVE hit).
    pub(crate) fn get(&self, hash: u64, key: &[u8]) -> Option<&V> {
        let node = self.node(self.position(hash, key)?)?;
        // Only write when the bit changes, so hot entries do not bounce a cache line
        // between cores on every hit.
        if !node.visited.load(Ordering::Relaxed) {
            node.visited.store(true, Ordering::Relaxed);
        }
        Some(&node.value)
    }

    /// Counts one lookup of the cache above as a hit or a miss (for its metrics).
    pub(crate) fn count(&self, hit: bool) {
        let c = if hit { &self.hits } else { &self.misses };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The value under `key`, not counted as a hit (for checks made while inserting).
    pub(crate) fn peek(&self, hash: u64, key: &[u8]) -> Option<&V> {
        self.node(self.position(hash, key)?).map(|n| &n.value)
    }

    /// Stores `value` under `key`, replacing what was there, evicting until it fits: dead
    /// entries (`dead` says which) whenever the hand meets them, else by SIEVE. Returns false,
    /// changing nothing, when the entry alone exceeds the shard's budget.
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        key: &[u8],
        value: V,
        value_weight: usize,
        dead: impl Fn(&V) -> bool,
    ) -> bool {
        let weight = value_weight + key.len() + ENTRY_OVERHEAD;
        if weight > self.budget {
            return false;
        }
        // A replaced entry goes to the back of the queue as new, and gives its key box back.
        let key_box = match self.take(hash, key) {
            Some(old) => old.key,
            None if self.free.is_empty() && self.nodes.len() >= NIL as usize => return false,
            None => Box::from(key),
        };
        while self.bytes + weight > self.budget && self.evict_one(&dead) {}
        let node = Node {
            key: key_box,
            hash,
            weight,
            visited: AtomicBool::new(false),
            newer: NIL,
            older: self.newest,
            value,
        };
        let at = match self.free.pop() {
            Some(at) => {
                if let Some(slot) = self.nodes.get_mut(at as usize) {
                    *slot = Some(node);
                }
                at
            }
            None => {
                // Below NIL: checked above (no free slot means `nodes` holds fewer than NIL).
                let at = self.nodes.len() as u32;
                self.nodes.push(Some(node));
                at
            }
        };
        let newest = self.newest;
        if let Some(n) = self.node_mut(newest) {
            n.newer = at;
        }
        self.newest = at;
        if self.oldest == NIL {
            self.oldest = at;
        }
        let nodes = &self.nodes;
        self.table.insert_unique(hash, at, |&i| {
            nodes.get(i as usize).and_then(Option::as_ref).map_or(0, |n| n.hash)
        });
        self.bytes += weight;
        true
    }

    /// Removes the entry under `key`, returning its value.
    pub(crate) fn remove(&mut self, hash: u64, key: &[u8]) -> Option<V> {
        self.take(hash, key).map(|n| n.value)
    }

    /// Drops every entry (the eviction count stays).
    pub(crate) fn clear(&mut self) {
        self.table.clear();
        self.nodes.clear();
        self.free.clear();
        self.newest = NIL;
        self.oldest = NIL;
        self.hand = NIL;
        self.bytes = 0;
    }

    fn take(&mut self, hash: u64, key: &[u8]) -> Option<Node<V>> {
        let at = self.position(hash, key)?;
        self.unlink(at)
    }

    /// Takes node `at` out of the table and the queue; the hand moves on past it.
    fn unlink(&mut self, at: u32) -> Option<Node<V>> {
        let node = self.nodes.get_mut(at as usize)?.take()?;
        if let Ok(entry) = self.table.find_entry(node.hash, |&i| i == at) {
            entry.remove();
        }
        match self.node_mut(node.older) {
            Some(o) => o.newer = node.newer,
            None => self.oldest = node.newer,
        }
        match self.node_mut(node.newer) {
            Some(n) => n.older = node.older,
            None => self.newest = node.older,
        }
        if self.hand == at {
            self.hand = node.newer;
        }
        self.free.push(at);
        self.bytes -= node.weight;
        Some(node)
    }

    /// Evicts one entry; false when the shard is empty.
    fn evict_one(&mut self, dead: &impl Fn(&V) -> bool) -> bool {
        // Two passes clear every visited bit, so the walk ends within 2n + 1 steps; the
        // bound only guards against a broken queue.
        for _ in 0..=2 * self.table.len() + 1 {
            if self.hand == NIL {
                self.hand = self.oldest;
            }
            let at = self.hand;
            let Some(node) = self.node_mut(at) else {
                return false;
            };
            if node.visited.load(Ordering::Relaxed) && !dead(&node.value) {
                *node.visited.get_mut() = false;
                self.hand = node.newer;
                continue;
            }
            self.unlink(at);
            self.evictions += 1;
            return true;
        }
        false
    }
}

/// Sums over shards.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Totals {
    pub(crate) entries: usize,
    pub(crate) bytes: usize,
    pub(crate) evictions: u64,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
}

/// The shards of one cache and the hasher that picks among them.
pub(crate) struct Shards<V> {
    shards: Box<[RwLock<Sieve<V>>]>,
    hasher: DefaultHashBuilder,
    mask: usize,
}

impl<V> Shards<V> {
    /// `count` shards (rounded up to a power of two, at least 1) sharing `max_bytes` evenly.
    pub(crate) fn new(max_bytes: usize, count: usize) -> Shards<V> {
        let count = count.max(1).checked_next_power_of_two().unwrap_or(1);
        let budget = max_bytes / count;
        Shards {
            shards: (0..count).map(|_| RwLock::new(Sieve::new(budget))).collect(),
            hasher: DefaultHashBuilder::default(),
            mask: count - 1,
        }
    }

    /// The key's hash: picks the shard (from its middle bits) and the table slot.
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(key)
    }

    fn shard(&self, hash: u64) -> &RwLock<Sieve<V>> {
        // hashbrown uses the low bits for the bucket and the top 7 for its control octets;
        // the middle bits are independent of both.
        let i = (hash >> 32) as usize & self.mask;
        &self.shards[i]
    }

    /// The shard for `hash`, to read. A poisoned lock is used as it is: every update
    /// leaves the shard consistent before anything that could panic.
    pub(crate) fn read(&self, hash: u64) -> RwLockReadGuard<'_, Sieve<V>> {
        self.shard(hash).read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The shard for `hash`, to change.
    pub(crate) fn write(&self, hash: u64) -> RwLockWriteGuard<'_, Sieve<V>> {
        self.shard(hash).write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Empties every shard.
    pub(crate) fn clear(&self) {
        for s in self.shards.iter() {
            s.write().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }

    /// Entries, octets and evictions over all shards.
    pub(crate) fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in self.shards.iter() {
            let s = s.read().unwrap_or_else(PoisonError::into_inner);
            t.entries += s.table.len();
            t.bytes += s.bytes;
            t.evictions += s.evictions;
            t.hits += s.hits.load(Ordering::Relaxed);
            t.misses += s.misses.load(Ordering::Relaxed);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sieve(entries: usize) -> Sieve<u32> {
        Sieve::new(entries * (ENTRY_OVERHEAD + 1))
    }

    fn put(s: &mut Sieve<u32>, k: u8) -> bool {
        s.insert(u64::from(k), &[k], u32::from(k), 0, |_| false)
    }

    #[test]
    fn keybuf_lowercases_only_the_name() {
        let k = KeyBuf::new(b"\x03WwW\x00", b"AB");
        assert_eq!(k.as_bytes(), b"\x03www\x00AB");
    }

    #[test]
    fn evicts_unvisited_first_and_keeps_visited() {
        let mut s = sieve(3);
        for k in 1..=3 {
            assert!(put(&mut s, k));
        }
        assert!(s.get(1, &[1]).is_some());
        // 1 was hit: the hand passes it (clearing its bit) and evicts 2, the oldest cold one.
        assert!(put(&mut s, 4));
        assert!(s.peek(1, &[1]).is_some());
        assert!(s.peek(2, &[2]).is_none());
        assert!(s.peek(3, &[3]).is_some());
        assert_eq!(s.evictions, 1);
        // The hand stopped after 2; 3 is next, unvisited.
        assert!(put(&mut s, 5));
        assert!(s.peek(3, &[3]).is_none());
        assert_eq!(s.table.len(), 3);
        assert_eq!(s.bytes, 3 * (ENTRY_OVERHEAD + 1));
    }

    #[test]
    fn dead_entries_go_even_when_visited() {
        let mut s = sieve(2);
        assert!(put(&mut s, 1));
        assert!(put(&mut s, 2));
        assert!(s.get(1, &[1]).is_some());
        assert!(s.get(2, &[2]).is_some());
        assert!(s.insert(3, &[3], 3, 0, |&v| v == 2));
        assert!(s.peek(2, &[2]).is_none());
        assert!(s.peek(1, &[1]).is_some());
    }

    #[test]
    fn replace_remove_and_oversize() {
        let mut s = sieve(2);
        assert!(put(&mut s, 1));
        assert!(s.insert(1, &[1], 10, 0, |_| false));
        assert_eq!(s.peek(1, &[1]), Some(&10));
        assert_eq!(s.table.len(), 1);
        assert_eq!(s.bytes, ENTRY_OVERHEAD + 1);
        assert!(!s.insert(9, &[9], 9, 2 * ENTRY_OVERHEAD, |_| false));
        assert_eq!(s.remove(1, &[1]), Some(10));
        assert_eq!((s.table.len(), s.bytes, s.evictions), (0, 0, 0));
        assert!(put(&mut s, 2));
        s.clear();
        assert!(s.peek(2, &[2]).is_none());
    }
}
