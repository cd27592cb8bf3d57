//! The RRset cache: positive RRsets and negative answers (RFC 2308), TTLs counting down,
//! trust ranks (RFC 2181 §5.4.1), serve-stale (RFC 8767), a memory bound with eviction;
//! sharded so worker threads never share one lock.
//!
//! One map holds everything, keyed by (lowercased owner, type, class) (RFC 4343: names
//! compare without case). NODATA is kept under the type it denies, so a positive RRset and a
//! NODATA for the same name and type replace each other; NXDOMAIN is kept under the reserved
//! type 0 (RFC 6895 §3.1: never a real type), once for the whole name (RFC 2308 §5: it covers
//! every type).
//!
//! Expired entries stay (RFC 8767 §4: the data may be served stale when resolution fails)
//! until `stale_for` seconds past expiry; after that they are the first to be evicted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use banyan_wire::{Class, Name, RecordType};

use crate::rrset::{RRset, Trust};
use crate::sieve::{KeyBuf, Shards};

pub use crate::sieve::ENTRY_OVERHEAD;

/// The type NXDOMAIN entries are kept under: 0 is reserved (RFC 6895 §3.1), so no RRset and
/// no NODATA can collide with it.
const NXDOMAIN_TYPE: u16 = 0;

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
        /// The NSEC/NSEC3 RRsets (with their RRSIGs) that prove it (RFC 4035 §3.1.3), for
        /// validation and for clients that ask with DO.
        proofs: Vec<RRset>,
    },
    /// NODATA: the name exists, without records of the type.
    NoData {
        /// As for NxDomain.
        soa: Option<RRset>,
        /// As for NxDomain.
        proofs: Vec<RRset>,
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
    /// Lookups that found live data (each of a NXDOMAIN and a NODATA look-up counts).
    pub hits: u64,
    /// Lookups that found nothing usable.
    pub misses: u64,
}

/// The cache. `Sync`: shared by every thread.
///
/// Sharded: a key's hash picks one of [`CacheConfig::shards`] shards, each behind its own
/// lock and holding `max_bytes / shards` octets, so threads working on different names
/// rarely meet. Lookups take a read lock and allocate nothing (the key is built on the
/// stack). Each entry counts its data's weight, its key and [`ENTRY_OVERHEAD`] against the
/// bound; when an insert would pass its shard's share, entries are evicted by SIEVE, those
/// past their serve-stale window first.
pub struct Cache {
    config: CacheConfig,
    shards: Shards<Entry>,
}

/// What an entry holds.
enum Data {
    Positive(Arc<RRset>),
    Negative(Arc<Negative>),
}

struct Entry {
    data: Data,
    trust: Trust,
    expires: Instant,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        now < self.expires
    }
}

impl Cache {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Cache {
        let shards = Shards::new(config.max_bytes, config.shards);
        Cache { config, shards }
    }

    /// Stores `rrset` (its name must already be lowercase) unless an unexpired entry of
    /// higher trust holds the key (RFC 2181 §5.4.1). TTL clamped to [min_ttl, max_ttl];
    /// TTL 0 is not stored (RFC 1035 §3.2.1: such data is for the transaction at hand only).
    /// A positive entry replaces a NODATA entry for the same name and type, and drops an
    /// NXDOMAIN for the name that is not more trusted (the name evidently exists). Type 0
    /// (reserved) is not stored.
    pub fn insert(&self, rrset: RRset, trust: Trust, now: Instant) {
        if rrset.ttl == 0 || rrset.rtype.0 == NXDOMAIN_TYPE {
            return;
        }
        // Not `clamp`: it panics when a configuration has min_ttl > max_ttl.
        let ttl = rrset.ttl.max(self.config.min_ttl).min(self.config.max_ttl);
        let key = key(&rrset.name, rrset.rtype.0, rrset.class);
        let nxdomain = key_nxdomain(&rrset.name, rrset.class);
        let weight = rrset.weight();
        if self.store(&key, Data::Positive(Arc::new(rrset)), weight, trust, ttl, now) {
            let hash = self.shards.hash(nxdomain.as_bytes());
            let mut shard = self.shards.write(hash);
            let replaceable = shard
                .peek(hash, nxdomain.as_bytes())
                .is_some_and(|e| !e.live(now) || e.trust <= trust);
            if replaceable {
                shard.remove(hash, nxdomain.as_bytes());
            }
        }
    }

    /// The live RRset for (name, type, class); `name` may have any case.
    pub fn get(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<RRset>> {
        self.positive(name, rtype, class, now, false)
    }

    /// As [`Cache::get`], but also an expired entry within `stale_for` (marked stale, TTL 0;
    /// RFC 8767 §4 lets a resolver answer with it when fresh data cannot be had).
    pub fn get_stale(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<RRset>> {
        self.positive(name, rtype, class, now, true)
    }

    /// Stores a negative answer for `name`: NXDOMAIN (for every type) when `rtype` is
    /// `None`, else NODATA for that type; kept for min(ttl, max_negative_ttl) seconds
    /// (RFC 2308 §5: the TTL is the SOA's TTL or MINIMUM, whichever is lower, which the caller
    /// passes). Trust as for [`Cache::insert`]; a NODATA replaces a positive RRset of the type.
    #[allow(clippy::too_many_arguments)]
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
        let ttl = ttl.min(self.config.max_negative_ttl);
        if ttl == 0 {
            return;
        }
        let key = match rtype {
            None => key_nxdomain(name, class),
            Some(t) => key(name, t.0, class),
        };
        let weight = negative_weight(&negative);
        self.store(&key, Data::Negative(Arc::new(negative)), weight, trust, ttl, now);
    }

    /// The live negative answer covering (name, type): NXDOMAIN for the name first, else
    /// NODATA for the type (RFC 2308 §5).
    pub fn get_negative(&self, name: &Name, rtype: RecordType, class: Class, now: Instant) -> Option<Cached<Negative>> {
        let nx = key_nxdomain(name, class);
        let nodata = key(name, rtype.0, class);
        self.negative(&nx, now).or_else(|| self.negative(&nodata, now))
    }

    /// Forgets the entry for (name, type, class), positive or NODATA; with `rtype` `None`,
    /// the NXDOMAIN for the name. For operators flushing a name (Unbound's `flush_type`).
    pub fn remove(&self, name: &Name, rtype: Option<RecordType>, class: Class) {
        let key = match rtype {
            None => key_nxdomain(name, class),
            Some(t) => key(name, t.0, class),
        };
        let hash = self.shards.hash(key.as_bytes());
        self.shards.write(hash).remove(hash, key.as_bytes());
    }

    /// Forgets everything (the eviction count stays).
    pub fn clear(&self) {
        self.shards.clear();
    }

    /// Entries, octets and evictions now.
    pub fn stats(&self) -> CacheStats {
        let t = self.shards.totals();
        CacheStats {
            entries: t.entries,
            bytes: t.bytes,
            evictions: t.evictions,
            hits: t.hits,
            misses: t.misses,
        }
    }

    /// Stores an entry living `ttl` seconds unless a live, more trusted one holds the key.
    fn store(&self, key: &KeyBuf, data: Data, weight: usize, trust: Trust, ttl: u32, now: Instant) -> bool {
        let Some(expires) = now.checked_add(Duration::from_secs(u64::from(ttl))) else {
            return false;
        };
        let stale_for = self.stale_for();
        let key = key.as_bytes();
        let hash = self.shards.hash(key);
        let mut shard = self.shards.write(hash);
        // RFC 2181 §5.4.1: data is replaced only by data at least as trusted; expired data
        // by anything.
        if shard.peek(hash, key).is_some_and(|e| e.live(now) && e.trust > trust) {
            return false;
        }
        let entry = Entry { data, trust, expires };
        shard.insert(hash, key, entry, weight, |e| past_stale(e, now, stale_for))
    }

    fn stale_for(&self) -> Duration {
        Duration::from_secs(u64::from(self.config.stale_for))
    }

    fn positive(
        &self,
        name: &Name,
        rtype: RecordType,
        class: Class,
        now: Instant,
        stale_ok: bool,
    ) -> Option<Cached<RRset>> {
        let key = key(name, rtype.0, class);
        let key = key.as_bytes();
        let hash = self.shards.hash(key);
        let shard = self.shards.read(hash);
        let found = (|| {
            let entry = shard.get(hash, key)?;
            let Data::Positive(rrset) = &entry.data else {
                return None;
            };
            let stale = !entry.live(now);
            if stale && (!stale_ok || past_stale(entry, now, self.stale_for())) {
                return None;
            }
            Some(Cached {
                value: Arc::clone(rrset),
                ttl: ttl_left(entry, now),
                trust: entry.trust,
                stale,
            })
        })();
        shard.count(found.is_some());
        found
    }

    fn negative(&self, key: &KeyBuf, now: Instant) -> Option<Cached<Negative>> {
        let key = key.as_bytes();
        let hash = self.shards.hash(key);
        let shard = self.shards.read(hash);
        let found = shard.get(hash, key).and_then(|entry| match &entry.data {
            Data::Negative(n) if entry.live(now) => Some(Cached {
                value: Arc::clone(n),
                ttl: ttl_left(entry, now),
                trust: entry.trust,
                stale: false,
            }),
            _ => None,
        });
        shard.count(found.is_some());
        found
    }
}

/// The key for (name, type, class), on the stack.
fn key(name: &Name, rtype: u16, class: Class) -> KeyBuf {
    let [t0, t1] = rtype.to_be_bytes();
    let [c0, c1] = class.0.to_be_bytes();
    KeyBuf::new(name.as_wire(), &[t0, t1, c0, c1])
}

fn key_nxdomain(name: &Name, class: Class) -> KeyBuf {
    key(name, NXDOMAIN_TYPE, class)
}

/// Whole seconds left, rounded down; 0 once expired.
fn ttl_left(entry: &Entry, now: Instant) -> u32 {
    let secs = entry.expires.saturating_duration_since(now).as_secs();
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// Expired and past the serve-stale window (RFC 8767 §5): of no use to anyone.
fn past_stale(entry: &Entry, now: Instant, stale_for: Duration) -> bool {
    now.saturating_duration_since(entry.expires) >= stale_for && !entry.live(now)
}

fn negative_weight(negative: &Negative) -> usize {
    let (soa, proofs) = match negative {
        Negative::NxDomain { soa, proofs } | Negative::NoData { soa, proofs } => (soa.as_ref(), proofs),
    };
    std::mem::size_of::<Negative>() + soa.map_or(0, RRset::weight) + proofs.iter().map(RRset::weight).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::rrset::Security;
    use crate::sieve::node_footprint;

    const IN: Class = Class::IN;

    fn name(s: &str) -> Name {
        Name::parse(s, None).unwrap()
    }

    fn a(owner: &str, ttl: u32, last: u8) -> RRset {
        RRset {
            name: name(owner),
            rtype: RecordType::A,
            class: IN,
            ttl,
            rdata: vec![Box::new([192, 0, 2, last])],
            sigs: Vec::new(),
            security: Security::Unchecked,
        }
    }

    fn soa() -> Option<RRset> {
        Some(RRset {
            name: name("example."),
            rtype: RecordType::SOA,
            class: IN,
            ttl: 300,
            rdata: vec![vec![0u8; 22].into_boxed_slice()],
            sigs: Vec::new(),
            security: Security::Unchecked,
        })
    }

    /// What one entry for `rrset` counts against the bound.
    fn footprint(rrset: &RRset) -> usize {
        rrset.weight() + rrset.name.len() + 4 + ENTRY_OVERHEAD
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn small(max_bytes: usize, shards: usize) -> Cache {
        Cache::new(CacheConfig {
            max_bytes,
            shards,
            ..CacheConfig::default()
        })
    }

    #[test]
    fn entry_overhead_covers_a_node() {
        assert!(
            node_footprint::<Entry>() <= ENTRY_OVERHEAD,
            "{}",
            node_footprint::<Entry>()
        );
    }

    #[test]
    fn ttl_counts_down_and_expires() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0);
        let got = cache.get(&name("www.example."), RecordType::A, IN, t0).unwrap();
        assert_eq!((got.ttl, got.stale, got.trust), (300, false, Trust::AuthAnswer));
        assert_eq!(got.value.rdata[0][..], [192, 0, 2, 1]);
        let later = cache
            .get(&name("www.example."), RecordType::A, IN, t0 + secs(100))
            .unwrap();
        assert_eq!(later.ttl, 200);
        // Rounded down: 0.5 s in, 299 whole seconds are left.
        let half = cache.get(
            &name("www.example."),
            RecordType::A,
            IN,
            t0 + Duration::from_millis(500),
        );
        assert_eq!(half.unwrap().ttl, 299);
        assert!(cache
            .get(&name("www.example."), RecordType::A, IN, t0 + secs(300))
            .is_none());
        // Other type, other class: nothing.
        assert!(cache.get(&name("www.example."), RecordType::AAAA, IN, t0).is_none());
        assert!(cache.get(&name("www.example."), RecordType::A, Class::CH, t0).is_none());
    }

    #[test]
    fn rfc4343_lookups_ignore_case() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0);
        assert!(cache.get(&name("WwW.ExAmPlE."), RecordType::A, IN, t0).is_some());
    }

    #[test]
    fn ttls_are_clamped_and_zero_is_not_stored() {
        let cache = Cache::new(CacheConfig {
            min_ttl: 60,
            max_ttl: 3600,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        cache.insert(a("low.example.", 5, 1), Trust::AuthAnswer, t0);
        cache.insert(a("high.example.", 604800, 1), Trust::AuthAnswer, t0);
        cache.insert(a("zero.example.", 0, 1), Trust::AuthAnswer, t0);
        assert_eq!(cache.get(&name("low.example."), RecordType::A, IN, t0).unwrap().ttl, 60);
        assert_eq!(
            cache.get(&name("high.example."), RecordType::A, IN, t0).unwrap().ttl,
            3600
        );
        assert!(cache.get_stale(&name("zero.example."), RecordType::A, IN, t0).is_none());
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn rfc2181_section_5_4_1_trust_ranks() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        let ns1 = name("ns1.example.");
        // Glue does not replace an authoritative answer.
        cache.insert(a("ns1.example.", 300, 1), Trust::AuthAnswer, t0);
        cache.insert(a("ns1.example.", 300, 2), Trust::Additional, t0 + secs(10));
        let got = cache.get(&ns1, RecordType::A, IN, t0 + secs(10)).unwrap();
        assert_eq!((got.value.rdata[0][3], got.trust), (1, Trust::AuthAnswer));
        // An authoritative answer replaces glue.
        cache.insert(a("glue.example.", 300, 1), Trust::Additional, t0);
        cache.insert(a("glue.example.", 300, 2), Trust::AuthAnswer, t0 + secs(10));
        let got = cache
            .get(&name("glue.example."), RecordType::A, IN, t0 + secs(10))
            .unwrap();
        assert_eq!((got.value.rdata[0][3], got.trust, got.ttl), (2, Trust::AuthAnswer, 300));
        // Equal trust replaces (fresher data).
        cache.insert(a("ns1.example.", 600, 3), Trust::AuthAnswer, t0 + secs(20));
        let got = cache.get(&ns1, RecordType::A, IN, t0 + secs(20)).unwrap();
        assert_eq!((got.value.rdata[0][3], got.ttl), (3, 600));
        // Expired data is replaced by anything, glue included.
        cache.insert(a("ns1.example.", 100, 4), Trust::Additional, t0 + secs(700));
        let got = cache.get(&ns1, RecordType::A, IN, t0 + secs(700)).unwrap();
        assert_eq!((got.value.rdata[0][3], got.trust), (4, Trust::Additional));
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn rfc2308_section_5_nxdomain_covers_every_type_nodata_one() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        let nx = name("nope.example.");
        cache.insert_negative(
            &nx,
            None,
            IN,
            Negative::NxDomain {
                soa: soa(),
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAuthority,
            t0,
        );
        for t in [RecordType::A, RecordType::AAAA, RecordType::MX] {
            let got = cache.get_negative(&name("NOPE.example."), t, IN, t0 + secs(1)).unwrap();
            assert_eq!(
                *got.value,
                Negative::NxDomain {
                    soa: soa(),
                    proofs: Vec::new()
                }
            );
            assert_eq!(got.ttl, 299);
        }
        assert!(cache.get(&nx, RecordType::A, IN, t0).is_none());
        let nd = name("www.example.");
        cache.insert_negative(
            &nd,
            Some(RecordType::AAAA),
            IN,
            Negative::NoData {
                soa: soa(),
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAuthority,
            t0,
        );
        let got = cache.get_negative(&nd, RecordType::AAAA, IN, t0).unwrap();
        assert_eq!(
            *got.value,
            Negative::NoData {
                soa: soa(),
                proofs: Vec::new()
            }
        );
        assert!(cache.get_negative(&nd, RecordType::A, IN, t0).is_none());
        assert!(cache.get_negative(&nd, RecordType::AAAA, IN, t0 + secs(300)).is_none());
    }

    #[test]
    fn negative_ttl_is_capped() {
        let cache = Cache::new(CacheConfig {
            max_negative_ttl: 60,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        let nx = name("nope.example.");
        cache.insert_negative(
            &nx,
            None,
            IN,
            Negative::NxDomain {
                soa: None,
                proofs: Vec::new(),
            },
            86400,
            Trust::AuthAuthority,
            t0,
        );
        assert_eq!(cache.get_negative(&nx, RecordType::A, IN, t0).unwrap().ttl, 60);
        assert!(cache.get_negative(&nx, RecordType::A, IN, t0 + secs(60)).is_none());
        cache.insert_negative(
            &nx,
            None,
            IN,
            Negative::NxDomain {
                soa: None,
                proofs: Vec::new(),
            },
            0,
            Trust::AuthAuthority,
            t0,
        );
        assert_eq!(cache.get_negative(&nx, RecordType::A, IN, t0).unwrap().ttl, 60);
    }

    #[test]
    fn positive_replaces_nodata_and_back() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        let www = name("www.example.");
        cache.insert_negative(
            &www,
            Some(RecordType::A),
            IN,
            Negative::NoData {
                soa: soa(),
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAnswer,
            t0,
        );
        assert!(cache.get_negative(&www, RecordType::A, IN, t0).is_some());
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0 + secs(1));
        assert!(cache.get_negative(&www, RecordType::A, IN, t0 + secs(1)).is_none());
        assert!(cache.get(&www, RecordType::A, IN, t0 + secs(1)).is_some());
        cache.insert_negative(
            &www,
            Some(RecordType::A),
            IN,
            Negative::NoData {
                soa: None,
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAnswer,
            t0 + secs(2),
        );
        assert!(cache.get(&www, RecordType::A, IN, t0 + secs(2)).is_none());
        assert!(cache.get_negative(&www, RecordType::A, IN, t0 + secs(2)).is_some());
        assert_eq!(cache.stats().entries, 1);
    }

    #[test]
    fn positive_clears_nxdomain_of_no_higher_trust() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        let n = name("new.example.");
        cache.insert_negative(
            &n,
            None,
            IN,
            Negative::NxDomain {
                soa: None,
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAuthority,
            t0,
        );
        // Glue says otherwise: not trusted enough to contradict the authority's NXDOMAIN.
        cache.insert(a("new.example.", 300, 1), Trust::Additional, t0);
        assert!(cache.get_negative(&n, RecordType::AAAA, IN, t0).is_some());
        cache.insert(a("new.example.", 300, 1), Trust::AuthAnswer, t0);
        assert!(cache.get_negative(&n, RecordType::AAAA, IN, t0).is_none());
    }

    #[test]
    fn rfc8767_section_4_serve_stale_window() {
        let cache = Cache::new(CacheConfig {
            stale_for: 3600,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        let www = name("www.example.");
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0);
        let fresh = cache.get_stale(&www, RecordType::A, IN, t0 + secs(10)).unwrap();
        assert_eq!((fresh.stale, fresh.ttl), (false, 290));
        assert!(cache.get(&www, RecordType::A, IN, t0 + secs(301)).is_none());
        let stale = cache.get_stale(&www, RecordType::A, IN, t0 + secs(301)).unwrap();
        assert_eq!((stale.stale, stale.ttl), (true, 0));
        assert!(cache
            .get_stale(&www, RecordType::A, IN, t0 + secs(300 + 3599))
            .is_some());
        assert!(cache
            .get_stale(&www, RecordType::A, IN, t0 + secs(300 + 3600))
            .is_none());
        // Negative answers are not served stale.
        cache.insert_negative(
            &www,
            Some(RecordType::MX),
            IN,
            Negative::NoData {
                soa: None,
                proofs: Vec::new(),
            },
            60,
            Trust::AuthAnswer,
            t0,
        );
        assert!(cache.get_negative(&www, RecordType::MX, IN, t0 + secs(61)).is_none());
    }

    #[test]
    fn serve_stale_off() {
        let cache = Cache::new(CacheConfig {
            stale_for: 0,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0);
        assert!(cache
            .get_stale(&name("www.example."), RecordType::A, IN, t0 + secs(300))
            .is_none());
    }

    #[test]
    fn memory_bound_holds_and_evicts() {
        let max_bytes = 64 << 10;
        let cache = small(max_bytes, 4);
        let t0 = Instant::now();
        for i in 0..20_000u32 {
            let owner = format!("host{i}.example.");
            cache.insert(a(&owner, 300, i as u8), Trust::AuthAnswer, t0);
            if i % 1000 == 0 {
                assert!(cache.stats().bytes <= max_bytes);
            }
        }
        let stats = cache.stats();
        assert!(stats.bytes <= max_bytes, "{stats:?}");
        assert!(stats.evictions > 0);
        assert_eq!(stats.entries as u64 + stats.evictions, 20_000);
        // The bound is used, not wasted: over three quarters of it is filled.
        assert!(stats.bytes > max_bytes * 3 / 4, "{stats:?}");
        let one = footprint(&a("host0.example.", 300, 0));
        assert!(stats.bytes >= stats.entries * one);
        cache.clear();
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(cache.stats().bytes, 0);
    }

    #[test]
    fn sieve_keeps_hot_entries() {
        // One shard, room for about 200 entries; 10 hot names read between cold inserts.
        let one = footprint(&a("cold00000.example.", 300, 0));
        let cache = small(200 * one, 1);
        let t0 = Instant::now();
        let hot: Vec<Name> = (0..10).map(|i| name(&format!("hot{i:06}.example."))).collect();
        for h in &hot {
            cache.insert(a(&h.to_string(), 300, 1), Trust::AuthAnswer, t0);
        }
        for i in 0..5000 {
            cache.insert(a(&format!("cold{i:05}.example."), 300, 2), Trust::AuthAnswer, t0);
            if i % 20 == 0 {
                for h in &hot {
                    cache.get(h, RecordType::A, IN, t0);
                }
            }
        }
        assert!(hot.iter().all(|h| cache.get(h, RecordType::A, IN, t0).is_some()));
        let cold_left = (0..4000)
            .filter(|i| {
                cache
                    .get(&name(&format!("cold{i:05}.example.")), RecordType::A, IN, t0)
                    .is_some()
            })
            .count();
        assert_eq!(cold_left, 0);
        assert!(cache.stats().evictions >= 4800);
    }

    #[test]
    fn entries_past_the_stale_window_go_first() {
        let one = footprint(&a("a0.example.", 300, 0));
        let cache = Cache::new(CacheConfig {
            max_bytes: 3 * one,
            shards: 1,
            stale_for: 10,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        cache.insert(a("a0.example.", 10, 0), Trust::AuthAnswer, t0);
        cache.insert(a("a1.example.", 300, 1), Trust::AuthAnswer, t0);
        cache.insert(a("a2.example.", 300, 2), Trust::AuthAnswer, t0);
        let t1 = t0 + secs(5);
        // a0 is hit (visited) but dies at t0 + 20; a1 and a2 are cold.
        assert!(cache.get(&name("a0.example."), RecordType::A, IN, t1).is_some());
        cache.insert(a("a3.example.", 300, 3), Trust::AuthAnswer, t0 + secs(30));
        assert!(cache
            .get_stale(&name("a0.example."), RecordType::A, IN, t0 + secs(30))
            .is_none());
        assert!(cache
            .get(&name("a1.example."), RecordType::A, IN, t0 + secs(30))
            .is_some());
        assert_eq!(cache.stats().evictions, 1);
    }

    #[test]
    fn concurrent_use_keeps_stats_consistent() {
        let cache = Cache::new(CacheConfig {
            shards: 8,
            ..CacheConfig::default()
        });
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..500u32 {
                        // 250 names shared by all threads, 250 of each thread's own.
                        let owner = if i % 2 == 0 {
                            format!("shared{:04}.example.", i / 2)
                        } else {
                            format!("own{t}-{:04}.example.", i / 2)
                        };
                        cache.insert(a(&owner, 300, t as u8), Trust::AuthAnswer, t0);
                        assert!(cache.get(&name(&owner), RecordType::A, IN, t0).is_some());
                    }
                });
            }
        });
        let stats = cache.stats();
        assert_eq!(stats.entries, 250 + 4 * 250);
        assert_eq!(stats.evictions, 0);
        let shared = footprint(&a("shared0000.example.", 300, 0));
        let own = footprint(&a("own0-0000.example.", 300, 0));
        assert_eq!(stats.bytes, 250 * shared + 1000 * own);
    }

    #[test]
    fn concurrent_use_under_pressure_stays_bounded() {
        let max_bytes = 32 << 10;
        let cache = small(max_bytes, 4);
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..3000u32 {
                        let owner = format!("n{}.example.", (i * 7 + t) % 5000);
                        cache.insert(a(&owner, 300, 1), Trust::AuthAnswer, t0 + secs(u64::from(i % 7)));
                        let _ = cache.get(&name(&owner), RecordType::A, IN, t0);
                        let _ = cache.get_negative(&name(&owner), RecordType::A, IN, t0);
                    }
                });
            }
        });
        let stats = cache.stats();
        assert!(stats.bytes <= max_bytes, "{stats:?}");
        assert!(stats.evictions > 0);
        assert!(stats.entries > 0);
    }

    #[test]
    fn remove_forgets_one_key() {
        let cache = Cache::new(CacheConfig::default());
        let t0 = Instant::now();
        let www = name("www.example.");
        cache.insert(a("www.example.", 300, 1), Trust::AuthAnswer, t0);
        cache.insert_negative(
            &www,
            None,
            IN,
            Negative::NxDomain {
                soa: None,
                proofs: Vec::new(),
            },
            300,
            Trust::AuthAuthority,
            t0,
        );
        cache.remove(&www, None, IN);
        assert!(cache.get_negative(&www, RecordType::A, IN, t0).is_none());
        assert!(cache.get(&www, RecordType::A, IN, t0).is_some());
        cache.remove(&www, Some(RecordType::A), IN);
        assert!(cache.get(&www, RecordType::A, IN, t0).is_none());
        // The lookups are counted: NXDOMAIN and NODATA keys missed, one hit, one miss.
        assert_eq!(
            cache.stats(),
            CacheStats {
                hits: 1,
                misses: 3,
                ..CacheStats::default()
            }
        );
    }
}
