//! The answer cache: whole replies, ready to copy, keyed by question. A cache hit is a
//! hash lookup, one copy, the ID and TTLs patched: no allocation and no resolution, so it
//! runs on the UDP workers' fast path (Unbound keeps a message cache beside its RRset cache
//! for the same reason).
//!
//! What is kept of a reply is the octets after its question (answer, authority and
//! additional as the resolver built them), the section counts, the RCODE and where each
//! record's TTL lies. Compression pointers in those octets may point into the question at
//! offset 12; they stay valid in a client's reply because the client's own question is copied
//! to the same offset and must have the same length (a different length is a miss). Names
//! compressed against the question then come out spelled as the client spelled them, which
//! is what 0x20-randomising clients check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use banyan_wire::header::HEADER_LEN;
use banyan_wire::{Class, Header, Message, Name, Rcode, RecordType, WireName};

use crate::query::ClientQuery;
use crate::sieve::{KeyBuf, Shards};

/// The OPT record appended for EDNS clients: 11 octets (RFC 6891 §6.1.2).
const OPT_LEN: usize = 11;

/// The longest an entry is kept, whatever its TTLs say: a day, Unbound's `cache-max-ttl`
/// default, so a reply with absurd TTLs cannot pin memory for years.
const MAX_LIFETIME: u32 = 86400;

/// Key flag: the query had DO set (RFC 3225: the reply carries DNSSEC records or not).
const FLAG_DO: u8 = 1;
/// Key flag: the query had CD set (RFC 4035 §3.2.2: unvalidated data may be in the reply).
const FLAG_CD: u8 = 2;

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
    /// Client queries answered from it.
    pub hits: u64,
    /// Client queries it could not answer (no live entry, or too long for the limit).
    pub misses: u64,
}

/// Whole replies by (lowercased QNAME, QTYPE, QCLASS, DO, CD). `Sync`, sharded.
///
/// Sharded and bounded as the RRset cache is (see [`crate::cache::Cache`]): a key's hash
/// picks a shard behind its own lock with `max_bytes / shards` octets; lookups take a read
/// lock; SIEVE evicts, expired replies first. Each entry counts its kept octets, its TTL
/// offsets, its key and [`crate::cache::ENTRY_OVERHEAD`].
pub struct AnswerCache {
    shards: Shards<Kept>,
}

/// One kept reply.
struct Kept {
    /// Answer, authority and additional sections as built.
    sections: Box<[u8]>,
    /// Where each record's TTL starts in `sections`.
    ttl_at: Box<[u16]>,
    /// AN, NS and AR counts.
    counts: [u16; 3],
    /// Length of the question section it was kept with (QNAME + 4).
    question_len: usize,
    /// NOERROR or NXDOMAIN.
    rcode: u8,
    /// The reply was validated secure: AD for clients that asked with DO or AD
    /// (RFC 6840 §5.8).
    ad: bool,
    /// When it was kept.
    stored: Instant,
    /// The lowest record TTL: it is of no use after that.
    lifetime: u32,
    /// Set by the first reader to be told to prefetch.
    prefetch_claimed: AtomicBool,
}

impl Kept {
    fn expires(&self) -> Instant {
        self.stored
            .checked_add(Duration::from_secs(u64::from(self.lifetime)))
            .unwrap_or(self.stored)
    }
}

impl AnswerCache {
    /// An empty cache holding at most `max_bytes` octets in `shards` shards (rounded up to a
    /// power of two).
    pub fn new(max_bytes: usize, shards: usize) -> AnswerCache {
        AnswerCache {
            shards: Shards::new(max_bytes, shards),
        }
    }

    /// Keeps `reply` for the question it carries: a complete response message with exactly
    /// one question (lowercase QNAME) and no OPT record, as the resolver answered it.
    /// `dnssec_ok`/`cd` are the query flags it answered. It lives as long as its lowest
    /// record TTL (at most a day); a reply without records, or whose RCODE is not NOERROR or NXDOMAIN, is
    /// not kept (RFC 2308 §5: a negative answer is cached only with its SOA, whose TTL sets
    /// its life). Neither are truncated replies, replies with a TSIG, or an OPT that is not
    /// the last record (a last OPT is dropped). TTLs with the top bit set count as 0
    /// (RFC 2181 §8), so such a reply is not kept.
    pub fn store(&self, reply: &[u8], dnssec_ok: bool, cd: bool, now: Instant) {
        let Some((key, kept, weight)) = keep(reply, dnssec_ok, cd, now) else {
            return;
        };
        let key = key.as_bytes();
        let hash = self.shards.hash(key);
        self.shards
            .write(hash)
            .insert(hash, key, kept, weight, |k| now >= k.expires());
    }

    /// Writes the reply to `query` from the cache into `out` (cleared first): the query's ID,
    /// RD and CD; QR and RA set; AA clear (RFC 1035 §4.1.1: cached data is not
    /// authoritative); AD clear; the kept RCODE; the query's own question octets; the kept
    /// sections with every TTL counted down by the whole seconds since it was kept (RFC 1035
    /// §3.2.1); an OPT (payload 1232, DO echoed, RFC 6891 §6.1.2, RFC 3225 §3) when the query
    /// had one. [`CacheReply::Miss`] when there is no live entry, the query's question has
    /// another length than the kept one, or the reply would exceed `limit` octets. Allocates
    /// nothing once `out` has grown.
    pub fn reply(&self, query: &ClientQuery<'_>, limit: usize, now: Instant, out: &mut Vec<u8>) -> CacheReply {
        out.clear();
        let dnssec_ok = query.edns.is_some_and(|e| e.dnssec_ok);
        let key = key(
            query.qname.wire(),
            query.qtype,
            query.qclass,
            dnssec_ok,
            query.header.cd,
        );
        let key = key.as_bytes();
        let hash = self.shards.hash(key);
        let shard = self.shards.read(hash);
        let reply = Self::fill(shard.get(hash, key), query, limit, now, out);
        shard.count(matches!(reply, CacheReply::Hit { .. }));
        reply
    }

    /// The body of [`AnswerCache::reply`] once the entry is looked up.
    fn fill(kept: Option<&Kept>, query: &ClientQuery<'_>, limit: usize, now: Instant, out: &mut Vec<u8>) -> CacheReply {
        let Some(kept) = kept else {
            return CacheReply::Miss;
        };
        let dnssec_ok = query.edns.is_some_and(|e| e.dnssec_ok);
        let elapsed = now.saturating_duration_since(kept.stored).as_secs();
        // Every TTL is at least the lifetime, so while it lasts none has reached 0.
        if elapsed >= u64::from(kept.lifetime) {
            return CacheReply::Miss;
        }
        let Some(question) = query.bytes.get(query.question.clone()) else {
            return CacheReply::Miss;
        };
        let opt = query.edns.is_some();
        let total = HEADER_LEN + question.len() + kept.sections.len() + if opt { OPT_LEN } else { 0 };
        if question.len() != kept.question_len || total > limit {
            return CacheReply::Miss;
        }
        let header = Header {
            id: query.header.id,
            qr: true,
            opcode: 0,
            aa: false,
            tc: false,
            rd: query.header.rd,
            ra: true,
            z: false,
            ad: kept.ad && (query.header.ad || query.edns.is_some_and(|e| e.dnssec_ok)),
            cd: query.header.cd,
            rcode: kept.rcode,
            qdcount: 1,
            ancount: kept.counts[0],
            nscount: kept.counts[1],
            arcount: kept.counts[2] + u16::from(opt),
        };
        out.extend_from_slice(&header.to_bytes());
        out.extend_from_slice(question);
        let base = out.len();
        out.extend_from_slice(&kept.sections);
        // `elapsed` < lifetime ≤ u32::MAX.
        let elapsed32 = u32::try_from(elapsed).unwrap_or(u32::MAX);
        for &at in kept.ttl_at.iter() {
            let at = base + usize::from(at);
            if let Some(ttl) = out.get_mut(at..at + 4) {
                let original = u32::from_be_bytes([ttl[0], ttl[1], ttl[2], ttl[3]]);
                ttl.copy_from_slice(&original.saturating_sub(elapsed32).to_be_bytes());
            }
        }
        if opt {
            let [p0, p1] = banyan_wire::edns::DEFAULT_UDP_PAYLOAD.to_be_bytes();
            let flags = if dnssec_ok { 0x80 } else { 0 };
            // Root owner, type 41, payload size, extended RCODE 0, version 0, DO, no options.
            out.extend_from_slice(&[0, 0, 41, p0, p1, 0, 0, flags, 0, 0, 0]);
        }
        // Prefetch (Unbound's `prefetch`): with under a tenth of its life left, one caller
        // refreshes the entry while everyone keeps being served from it.
        let left = u64::from(kept.lifetime) - elapsed;
        let prefetch = left * 10 < u64::from(kept.lifetime) && !kept.prefetch_claimed.swap(true, Ordering::Relaxed);
        CacheReply::Hit { prefetch }
    }

    /// Forgets the replies to (qname, qtype, qclass), for every DO and CD combination.
    pub fn remove(&self, qname: &Name, qtype: RecordType, qclass: Class) {
        for (dnssec_ok, cd) in [(false, false), (false, true), (true, false), (true, true)] {
            let key = key(qname.as_wire(), qtype, qclass, dnssec_ok, cd);
            let key = key.as_bytes();
            let hash = self.shards.hash(key);
            self.shards.write(hash).remove(hash, key);
        }
    }

    /// Forgets everything (the eviction count stays).
    pub fn clear(&self) {
        self.shards.clear();
    }

    /// Entries, octets and evictions now.
    pub fn stats(&self) -> AnswerCacheStats {
        let t = self.shards.totals();
        AnswerCacheStats {
            entries: t.entries,
            bytes: t.bytes,
            evictions: t.evictions,
            hits: t.hits,
            misses: t.misses,
        }
    }
}

/// The key, on the stack: lowercased QNAME (RFC 4343), QTYPE, QCLASS and the flags.
fn key(qname_wire: &[u8], qtype: RecordType, qclass: Class, dnssec_ok: bool, cd: bool) -> KeyBuf {
    let [t0, t1] = qtype.0.to_be_bytes();
    let [c0, c1] = qclass.0.to_be_bytes();
    let flags = if dnssec_ok { FLAG_DO } else { 0 } | if cd { FLAG_CD } else { 0 };
    KeyBuf::new(qname_wire, &[t0, t1, c0, c1, flags])
}

/// What [`AnswerCache::store`] keeps of `reply`, its key and its weight; `None` when it is
/// not to be kept.
fn keep(reply: &[u8], dnssec_ok: bool, cd: bool, now: Instant) -> Option<(KeyBuf, Kept, usize)> {
    let msg = Message::parse(reply).ok()?;
    let header = msg.header();
    if header.qdcount != 1 || header.tc || header.opcode != 0 {
        return None;
    }
    let rcode = msg.rcode();
    if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
        return None;
    }
    let question = msg.question()?;
    // A question's name cannot be compressed (nothing precedes it to point at, and
    // `Message::parse` refuses pointers forward or into the name itself), so it lies whole
    // at offset 12.
    let name_end = crate::query::skip_name(reply, HEADER_LEN)?;
    let question_end = name_end + 4;
    let mut end = reply.len();
    let mut counts = [header.ancount, header.nscount, header.arcount];
    let mut ttl_at = Vec::with_capacity(usize::from(counts[0]) + usize::from(counts[1]) + usize::from(counts[2]));
    let mut lifetime = u32::MAX;
    for record in msg.answers().chain(msg.authority()).chain(msg.additional()) {
        match record.rtype {
            RecordType::TSIG => return None,
            RecordType::OPT => {
                // Ours is written per client; drop the resolver's if nothing follows it.
                let rdata_end = record.rdata_offset() + record.rdata_bytes().len();
                if rdata_end != reply.len() {
                    return None;
                }
                end = record.name.offset();
                counts[2] -= 1;
                continue;
            }
            _ => {}
        }
        // TTL, RDLENGTH, RDATA: the TTL is the 6 octets before the RDATA.
        let at = record.rdata_offset().checked_sub(6)?.checked_sub(question_end)?;
        ttl_at.push(u16::try_from(at).ok()?);
        // RFC 2181 §8: a TTL with the top bit set is read as 0.
        let ttl = if record.ttl > i32::MAX as u32 { 0 } else { record.ttl };
        lifetime = lifetime.min(ttl);
    }
    if ttl_at.is_empty() || lifetime == 0 {
        return None;
    }
    let lifetime = lifetime.min(MAX_LIFETIME);
    let sections: Box<[u8]> = reply.get(question_end..end)?.into();
    let ttl_at = ttl_at.into_boxed_slice();
    let weight = sections.len() + std::mem::size_of_val(&*ttl_at);
    let key = key(
        reply.get(HEADER_LEN..name_end)?,
        question.qtype,
        question.qclass,
        dnssec_ok,
        cd,
    );
    let kept = Kept {
        sections,
        ttl_at,
        counts,
        question_len: question_end - HEADER_LEN,
        rcode: header.rcode,
        ad: header.ad,
        stored: now,
        lifetime,
        prefetch_claimed: AtomicBool::new(false),
    };
    Some((key, kept, weight))
}

#[cfg(test)]
mod tests {
    use banyan_wire::edns::Edns;
    use banyan_wire::message::BuildSection;
    use banyan_wire::{MessageBuilder, Record};

    use super::*;
    use crate::sieve::{node_footprint, ENTRY_OVERHEAD};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn name(s: &str) -> Name {
        Name::parse(s, None).unwrap()
    }

    /// A resolver's reply: header as given, the question, then the records by section.
    fn response(rcode: u8, qname: &str, qtype: RecordType, sections: [&[&str]; 3], edns: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let header = Header {
            id: 1,
            qr: true,
            aa: true,
            rd: true,
            ra: true,
            ad: true,
            rcode,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(&mut out, header);
        b.question(&name(qname), qtype, Class::IN).unwrap();
        let kinds = [BuildSection::Answer, BuildSection::Authority, BuildSection::Additional];
        for (section, lines) in kinds.into_iter().zip(sections) {
            for line in lines {
                b.push(section, &Record::from_text(line, None, None).unwrap()).unwrap();
            }
        }
        if edns {
            b.edns(&Edns::default()).unwrap();
        }
        b.finish();
        out
    }

    fn cname_chain() -> Vec<u8> {
        response(
            0,
            "www.example.",
            RecordType::A,
            [
                &[
                    "www.example. 300 IN CNAME web.example.",
                    "web.example. 600 IN A 192.0.2.1",
                ],
                &[],
                &[],
            ],
            false,
        )
    }

    fn nxdomain() -> Vec<u8> {
        response(
            3,
            "nope.example.",
            RecordType::AAAA,
            [
                &[],
                &["example. 900 IN SOA ns1.example. host.example. 1 7200 3600 1209600 300"],
                &[],
            ],
            false,
        )
    }

    /// A client's query; `edns` is `Some(DO)` for one with an OPT record.
    fn query(qname: &str, qtype: RecordType, id: u16, edns: Option<bool>, cd: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let header = Header {
            id,
            rd: true,
            cd,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(&mut out, header);
        b.question(&name(qname), qtype, Class::IN).unwrap();
        if let Some(dnssec_ok) = edns {
            b.edns(&Edns {
                dnssec_ok,
                udp_payload_size: 4096,
                ..Edns::default()
            })
            .unwrap();
        }
        b.finish();
        out
    }

    fn answer(cache: &AnswerCache, q: &[u8], limit: usize, now: Instant, out: &mut Vec<u8>) -> CacheReply {
        let q = ClientQuery::parse(q).unwrap();
        cache.reply(&q, limit, now, out)
    }

    fn ttls(msg: &Message<'_>) -> Vec<u32> {
        msg.answers()
            .chain(msg.authority())
            .chain(msg.additional())
            .filter(|r| r.rtype != RecordType::OPT)
            .map(|r| r.ttl)
            .collect()
    }

    #[test]
    fn entry_overhead_covers_a_node() {
        assert!(
            node_footprint::<Kept>() <= ENTRY_OVERHEAD,
            "{}",
            node_footprint::<Kept>()
        );
    }

    #[test]
    fn round_trip_with_the_clients_spelling_id_and_counted_down_ttls() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, false, t0);
        assert_eq!(cache.stats().entries, 1);
        let q = query("WwW.ExAmPlE.", RecordType::A, 0xBEEF, Some(false), false);
        let mut out = Vec::new();
        assert_eq!(
            answer(&cache, &q, 1232, t0 + secs(100), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        let msg = Message::parse(&out).unwrap();
        let h = msg.header();
        assert_eq!(h.id, 0xBEEF);
        assert!(h.qr && h.rd && h.ra);
        assert!(!h.aa && !h.tc && !h.ad && !h.cd && !h.z);
        assert_eq!(h.opcode, 0);
        assert_eq!(msg.rcode(), Rcode::NOERROR);
        assert_eq!(h.counts(), [1, 2, 0, 1]);
        let question = msg.question().unwrap();
        assert_eq!(question.qname.to_string(), "WwW.ExAmPlE.");
        assert_eq!((question.qtype, question.qclass), (RecordType::A, Class::IN));
        assert_eq!(ttls(&msg), [200, 500]);
        let records: Vec<Record> = msg.answers().map(|r| r.to_record().unwrap()).collect();
        // Names compressed against the question read as the client wrote it (RFC 4343 §4.1:
        // case is not significant, and 0x20 clients look for their pattern).
        assert_eq!(records[0].name.to_string(), "WwW.ExAmPlE.");
        assert_eq!(records[0].data.to_string(), "web.ExAmPlE.");
        assert_eq!(records[1].name.to_string(), "web.ExAmPlE.");
        assert_eq!(records[1].data.to_string(), "192.0.2.1");
        let opt = msg.opt_record().unwrap();
        assert_eq!(opt.class.0, banyan_wire::edns::DEFAULT_UDP_PAYLOAD);
        assert_eq!(opt.ttl, 0);
        assert!(opt.rdata_bytes().is_empty());
        assert!(out.len() <= 1232);
    }

    #[test]
    fn nxdomain_with_soa_round_trip() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&nxdomain(), false, false, t0);
        let q = query("Nope.Example.", RecordType::AAAA, 7, None, false);
        let mut out = Vec::new();
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(42), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        let msg = Message::parse(&out).unwrap();
        assert_eq!(msg.rcode(), Rcode::NXDOMAIN);
        assert_eq!(msg.header().counts(), [1, 0, 1, 0]);
        assert!(msg.opt_record().is_none());
        assert_eq!(ttls(&msg), [858]);
        let soa = msg.authority().next().unwrap().to_record().unwrap();
        assert_eq!(soa.rtype(), RecordType::SOA);
        assert_eq!(soa.name.to_string(), "Example.");
        // Lives for the SOA's TTL.
        assert_eq!(answer(&cache, &q, 512, t0 + secs(900), &mut out), CacheReply::Miss);
    }

    #[test]
    fn do_is_echoed_and_part_of_the_key() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), true, false, t0);
        let mut out = Vec::new();
        let plain = query("www.example.", RecordType::A, 1, Some(false), false);
        assert_eq!(answer(&cache, &plain, 1232, t0, &mut out), CacheReply::Miss);
        assert!(out.is_empty());
        let no_edns = query("www.example.", RecordType::A, 1, None, false);
        assert_eq!(answer(&cache, &no_edns, 512, t0, &mut out), CacheReply::Miss);
        let dnssec = query("www.example.", RecordType::A, 2, Some(true), false);
        assert_eq!(
            answer(&cache, &dnssec, 1232, t0, &mut out),
            CacheReply::Hit { prefetch: false }
        );
        let msg = Message::parse(&out).unwrap();
        let opt = msg.opt_record().unwrap();
        assert_eq!(opt.ttl, 0x8000);
        assert_eq!(msg.edns().unwrap().unwrap().udp_payload_size, 1232);
    }

    #[test]
    fn cd_is_copied_and_part_of_the_key() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, true, t0);
        let mut out = Vec::new();
        let q = query("www.example.", RecordType::A, 1, None, false);
        assert_eq!(answer(&cache, &q, 512, t0, &mut out), CacheReply::Miss);
        let q = query("www.example.", RecordType::A, 1, None, true);
        assert_eq!(
            answer(&cache, &q, 512, t0, &mut out),
            CacheReply::Hit { prefetch: false }
        );
        let h = Header::parse(&out).unwrap();
        assert!(h.cd && h.rd && !h.ad);
        // Another type or class is another question.
        let q = query("www.example.", RecordType::AAAA, 1, None, true);
        assert_eq!(answer(&cache, &q, 512, t0, &mut out), CacheReply::Miss);
    }

    #[test]
    fn expires_with_its_lowest_ttl() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, false, t0);
        let q = query("www.example.", RecordType::A, 1, None, false);
        let mut out = Vec::new();
        assert!(matches!(
            answer(&cache, &q, 512, t0 + secs(299), &mut out),
            CacheReply::Hit { .. }
        ));
        assert_eq!(ttls(&Message::parse(&out).unwrap()), [1, 301]);
        assert_eq!(answer(&cache, &q, 512, t0 + secs(300), &mut out), CacheReply::Miss);
        assert!(out.is_empty());
        // A fresh copy replaces the expired one.
        cache.store(&cname_chain(), false, false, t0 + secs(300));
        assert!(matches!(
            answer(&cache, &q, 512, t0 + secs(301), &mut out),
            CacheReply::Hit { .. }
        ));
        assert_eq!(cache.stats().entries, 1);
    }

    #[test]
    fn prefetch_is_asked_once_in_the_last_tenth() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, false, t0);
        let q = query("www.example.", RecordType::A, 1, None, false);
        let mut out = Vec::new();
        // 31 s of 300 left: not yet.
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(269), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        // 29 s left: the first caller is asked, later ones are not.
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(271), &mut out),
            CacheReply::Hit { prefetch: true }
        );
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(272), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(299), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        // The refreshed entry may ask again.
        cache.store(&cname_chain(), false, false, t0 + secs(290));
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(291), &mut out),
            CacheReply::Hit { prefetch: false }
        );
        assert_eq!(
            answer(&cache, &q, 512, t0 + secs(561), &mut out),
            CacheReply::Hit { prefetch: true }
        );
    }

    #[test]
    fn too_big_for_the_limit_is_a_miss() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, false, t0);
        let q = query("www.example.", RecordType::A, 1, Some(false), false);
        let mut out = Vec::new();
        assert!(matches!(answer(&cache, &q, 1232, t0, &mut out), CacheReply::Hit { .. }));
        let len = out.len();
        assert!(matches!(answer(&cache, &q, len, t0, &mut out), CacheReply::Hit { .. }));
        assert_eq!(answer(&cache, &q, len - 1, t0, &mut out), CacheReply::Miss);
        assert!(out.is_empty());
    }

    #[test]
    fn only_noerror_and_nxdomain_with_records_are_kept() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        let a = ["www.example. 300 IN A 192.0.2.1"];
        for rcode in [2u8, 5] {
            cache.store(
                &response(rcode, "www.example.", RecordType::A, [&a, &[], &[]], false),
                false,
                false,
                t0,
            );
        }
        // NODATA without SOA: nothing says how long it may be believed.
        cache.store(
            &response(0, "www.example.", RecordType::A, [&[], &[], &[]], false),
            false,
            false,
            t0,
        );
        // TTL 0: for this transaction only.
        let zero = ["www.example. 0 IN A 192.0.2.1"];
        cache.store(
            &response(0, "www.example.", RecordType::A, [&zero, &[], &[]], false),
            false,
            false,
            t0,
        );
        // Truncated.
        let mut tc = response(0, "www.example.", RecordType::A, [&a, &[], &[]], false);
        tc[2] |= 0x02;
        cache.store(&tc, false, false, t0);
        // Not a message.
        cache.store(&[1, 2, 3], false, false, t0);
        assert_eq!(cache.stats(), AnswerCacheStats::default());
        let q = query("www.example.", RecordType::A, 1, None, false);
        assert_eq!(answer(&cache, &q, 512, t0, &mut Vec::new()), CacheReply::Miss);
    }

    #[test]
    fn a_trailing_opt_in_the_kept_reply_is_dropped() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        let glue = ["ns1.example. 300 IN A 192.0.2.53"];
        let ns = ["example. 300 IN NS ns1.example."];
        cache.store(
            &response(0, "example.", RecordType::NS, [&ns, &[], &glue], true),
            false,
            false,
            t0,
        );
        let q = query("example.", RecordType::NS, 1, None, false);
        let mut out = Vec::new();
        assert!(matches!(answer(&cache, &q, 512, t0, &mut out), CacheReply::Hit { .. }));
        let msg = Message::parse(&out).unwrap();
        assert_eq!(msg.header().counts(), [1, 1, 0, 1]);
        assert!(msg.opt_record().is_none());
        let q = query("example.", RecordType::NS, 1, Some(false), false);
        assert!(matches!(answer(&cache, &q, 512, t0, &mut out), CacheReply::Hit { .. }));
        assert_eq!(Message::parse(&out).unwrap().header().counts(), [1, 1, 0, 2]);
    }

    #[test]
    fn remove_and_clear() {
        let cache = AnswerCache::new(1 << 20, 4);
        let t0 = Instant::now();
        cache.store(&cname_chain(), false, false, t0);
        cache.store(&cname_chain(), true, true, t0);
        cache.store(&nxdomain(), false, false, t0);
        assert_eq!(cache.stats().entries, 3);
        cache.remove(&name("WWW.example."), RecordType::A, Class::IN);
        assert_eq!(cache.stats().entries, 1);
        cache.clear();
        assert_eq!(cache.stats(), AnswerCacheStats::default());
    }

    #[test]
    fn memory_bound_holds_and_evicts() {
        let max_bytes = 32 << 10;
        let cache = AnswerCache::new(max_bytes, 4);
        let t0 = Instant::now();
        for i in 0..5000 {
            let owner = format!("host{i}.example.");
            let a = format!("{owner} 300 IN A 192.0.2.1");
            cache.store(
                &response(0, &owner, RecordType::A, [&[&a], &[], &[]], false),
                false,
                false,
                t0,
            );
        }
        let stats = cache.stats();
        assert!(stats.bytes <= max_bytes, "{stats:?}");
        assert!(stats.evictions > 0);
        assert_eq!(stats.entries as u64 + stats.evictions, 5000);
        let q = query("host4999.example.", RecordType::A, 1, None, false);
        assert!(matches!(
            answer(&cache, &q, 512, t0, &mut Vec::new()),
            CacheReply::Hit { .. }
        ));
    }

    #[test]
    fn concurrent_use_from_four_threads() {
        let cache = AnswerCache::new(1 << 20, 8);
        let t0 = Instant::now();
        let replies: Vec<(String, Vec<u8>)> = (0..200)
            .map(|i| {
                let owner = format!("n{i}.example.");
                let a = format!("{owner} 300 IN A 192.0.2.1");
                let r = response(0, &owner, RecordType::A, [&[&a], &[], &[]], false);
                (owner, r)
            })
            .collect();
        std::thread::scope(|s| {
            for t in 0..4u16 {
                let (cache, replies) = (&cache, &replies);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (owner, reply) in replies {
                        cache.store(reply, false, false, t0);
                        let q = query(&owner.to_uppercase(), RecordType::A, t, None, false);
                        assert!(matches!(answer(cache, &q, 512, t0, &mut out), CacheReply::Hit { .. }));
                        assert_eq!(Header::parse(&out).unwrap().id, t);
                    }
                });
            }
        });
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.evictions), (200, 0));
    }
}
