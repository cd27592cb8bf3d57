//! The RRset cache: positive RRsets and negative answers (RFC 2308), TTLs counting down,
//! trust ranks (RFC 2181 §5.4.1), serve-stale (RFC 8767), a memory bound with eviction;
//! sharded so worker threads never share one lock.
//!
//! API CONTRACT (stub: bodies to be written).

use std::sync::Arc;
use std::time::Instant;

use banyan_wire::{Class, Name, RecordType};

use crate::rrset::{RRset, Trust};

/// Cache limits. Defaults: [`CacheConfig::default`].
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// Memory bound in octets for all entries together (as [`RRset::weight`] counts).
    pub max_bytes: usize,
    /// TTLs below this are raised to it (Unbound `cache-min-ttl`, default 0).
    pub min_ttl: u32,
    /// TTLs above this are lowered to it (Unbound `cache-max-ttl`, default 86400).
    pub max_ttl: u32,
    /// Negative answers are kept at most this long (RFC 2308 §5; Unbound default 3600).
    pub max_negative_ttl: u32,
    /// How long after expiry an entry may still be served stale (RFC 8767 §5: 1 to 3
    /// days; default 86400). 0 turns serve-stale off.
    pub stale_for: u32,
    /// Number of shards (rounded up to a power of two).
    pub shards: usize,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            max_bytes: 64 << 20,
            min_ttl: 0,
            max_ttl: 86400,
            max_negative_ttl: 3600,
            stale_for: 86400,
            shards: 64,
        }
    }
}

/// A negative answer (RFC 2308 §2): the name does not exist, or has no data of the type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Negative {
    /// NXDOMAIN: no records of any type at the name.
    NxDomain {
        /// The zone's SOA from the authority section, TTL already lowered to the negative TTL.
        soa: Option<RRset>,
    },
    /// NODATA: the name exists, without records of the type.
    NoData {
        /// As for NxDomain.
        soa: Option<RRset>,
    },
}

/// Something found in the cache.
#[derive(Clone, Debug)]
pub struct Cached<T> {
    /// The data.
    pub value: Arc<T>,
    /// Seconds left to live; 0 for stale data.
    pub ttl: u32,
    /// Its trust.
    pub trust: Trust,
    /// True when it expired and is served under RFC 8767.
    pub stale: bool,
}

/// Counters for tests, stats and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries held now.
    pub entries: usize,
    /// Octets held now (the quantity bounded by `max_bytes`).
    pub bytes: usize,
    /// Entries evicted to stay under the bound.
    pub evictions: u64,
}

/// The cache. `Sync`: shared by every thread.
pub struct Cache {
    _config: CacheConfig,
}

impl Cache {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Cache {
        Cache { _config: config }
    }

    /// Stores `rrset` (its name must already be lowercase) unless an unexpired entry of
    /// higher trust holds the key. TTL clamped to [min_ttl, max_ttl]; TTL 0 is not stored.
    /// A positive entry replaces a NODATA entry for the same name and type.
    pub fn insert(&self, rrset: RRset, trust: Trust, now: Instant) {
        let _ = (rrset, trust, now);
        todo!()
    }

    /// The live RRset for (name, type, class); `name` may have any case.
    pub fn get(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<RRset>> {
        let _ = (name, rtype, class, now);
        todo!()
    }

    /// As [`Cache::get`], but also an expired entry within `stale_for` (marked stale).
    pub fn get_stale(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<RRset>> {
        let _ = (name, rtype, class, now);
        todo!()
    }

    /// Stores a negative answer for `name`: NXDOMAIN (for every type) when `rtype` is
    /// `None`, else NODATA for that type; kept for min(ttl, max_negative_ttl) seconds.
    pub fn insert_negative(
        &self,
        name: &Name,
        rtype: Option<RecordType>,
        class: Class,
        negative: Negative,
        ttl: u32,
        trust: Trust,
        now: Instant,
    ) {
        let _ = (name, rtype, class, negative, ttl, trust, now);
        todo!()
    }

    /// The live negative answer covering (name, type): NXDOMAIN for the name first, else
    /// NODATA for the type.
    pub fn get_negative(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<Negative>> {
        let _ = (name, rtype, class, now);
        todo!()
    }

    /// Entries, octets and evictions now.
    pub fn stats(&self) -> CacheStats {
        todo!()
    }
}
