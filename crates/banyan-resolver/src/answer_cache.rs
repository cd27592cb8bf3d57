//! The answer cache: whole replies, ready to copy, keyed by question. A cache hit is a
//! hash lookup, one copy, the ID and TTLs patched: no allocation and no resolution, so it
//! runs on the UDP workers' fast path (Unbound keeps a message cache beside its RRset cache
//! for the same reason).
//!
//! API CONTRACT (stub: bodies to be written).

use std::time::Instant;

use crate::query::ClientQuery;

/// What [`AnswerCache::reply`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheReply {
    /// The reply is in `out`. `prefetch` is true (once per entry) when the entry has less
    /// than a tenth of its TTL left: the caller should refresh it in the background.
    Hit {
        /// Refresh this question now.
        prefetch: bool,
    },
    /// Nothing usable: absent, expired, or larger than the limit.
    Miss,
}

/// Counters for tests and stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnswerCacheStats {
    /// Entries held.
    pub entries: usize,
    /// Octets held.
    pub bytes: usize,
    /// Entries evicted to stay under the bound.
    pub evictions: u64,
}

/// Whole replies by (lowercased QNAME, QTYPE, QCLASS, DO, CD). `Sync`, sharded.
pub struct AnswerCache {
    _max_bytes: usize,
}

impl AnswerCache {
    /// An empty cache holding at most `max_bytes` octets in `shards` shards.
    pub fn new(max_bytes: usize, shards: usize) -> AnswerCache {
        let _ = shards;
        AnswerCache { _max_bytes: max_bytes }
    }

    /// Keeps `reply` for the question it carries: a complete response message with exactly
    /// one question (lowercase QNAME) and no OPT record, as the resolver answered it.
    /// `dnssec_ok`/`cd` are the query flags it answered. It lives as long as its lowest
    /// record TTL; a reply without records, or whose RCODE is not NOERROR or NXDOMAIN, is
    /// not kept.
    pub fn store(&self, reply: &[u8], dnssec_ok: bool, cd: bool, now: Instant) {
        let _ = (reply, dnssec_ok, cd, now);
        todo!()
    }

    /// Writes the reply to `query` from the cache into `out` (cleared first): the query's ID,
    /// RD and CD; QR and RA set; AA clear; the kept RCODE; the query's own question octets;
    /// the kept sections with every TTL counted down by the time since it was kept; an OPT
    /// (payload 1232, DO echoed) when the query had one. [`CacheReply::Miss`] when there is
    /// no live entry or the reply would exceed `limit` octets. Allocates nothing once `out`
    /// has grown.
    pub fn reply(&self, query: &ClientQuery<'_>, limit: usize, now: Instant, out: &mut Vec<u8>) -> CacheReply {
        let _ = (query, limit, now, out);
        todo!()
    }

    /// Entries, octets and evictions now.
    pub fn stats(&self) -> AnswerCacheStats {
        todo!()
    }
}
