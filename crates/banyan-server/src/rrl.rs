//! Response rate limiting (RRL) on the authoritative server's UDP answers, as BIND's
//! `rate-limit` clause (BIND 9 ARM, "Response Rate Limiting") and Knot DNS's `rrl` module
//! do it: a spoofed-source flood must not turn the server into an amplifier aimed at the
//! spoofed address, while a real client caught in it still gets its answer over TCP.
//!
//! Each response is put in a bucket named by the client's prefix (/24 for IPv4, /56 for
//! IPv6 by default, as BIND), the kind of response ([`ResponseKind`]) and a key that depends
//! on the kind: the query name and type for answers and NODATA, the zone for NXDOMAIN (so a
//! flood of random names under one zone is one bucket), the delegation point for referrals,
//! nothing for errors (all errors to a prefix share one bucket, as BIND does).
//!
//! A bucket is BIND's account balance: credited `rate` tokens per second, never above `rate`
//! (a burst of one second's worth), debited one per response, and responses are withheld
//! while the balance is negative. Withheld responses keep debiting down to `-window × rate`,
//! so a client that floods stays limited, and one that stops is answered again within
//! `window` seconds (BIND's `window`, default 15). Stored as the theoretical arrival time of
//! the generic cell rate algorithm, which is that balance expressed as a time: no fractions
//! of tokens, and the credit for elapsed time is implicit.
//!
//! Of the withheld responses, every `slip`-th is sent truncated instead (TC=1, the question
//! and nothing else, RFC 1035 §4.1.1), so a real client retries over TCP, which a spoofer
//! cannot complete (BIND's and Knot's `slip`, default 2; 0 never, 1 always). Errors are not
//! truncated but sent as they are at the slip rate, as BIND does: a truncated REFUSED tells a
//! client nothing.
//!
//! The table is fixed in size and allocated once; every bucket is one `AtomicU64` updated by
//! compare-and-swap, so the UDP workers share it without a lock and without allocating. Two
//! ways per set: a new key takes the slot of the pair whose debt has run out soonest, and an
//! overwritten bucket starts afresh (bounded memory, as Knot's `table-size`). Only UDP is
//! limited: a TCP client's address is proven by the handshake (BIND and Knot do the same).

use std::hash::{BuildHasher as _, Hasher as _, RandomState};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use banyan_auth::Cidr;
use banyan_wire::header::HEADER_LEN;
use banyan_wire::{Header, RecordType};

/// Default `window`: BIND's 15 seconds.
pub const DEFAULT_RRL_WINDOW: Duration = Duration::from_secs(15);
/// Default `slip`: BIND's and Knot's 2 (every other withheld response is sent truncated).
pub const DEFAULT_RRL_SLIP: u8 = 2;
/// Default IPv4 prefix length: BIND's 24.
pub const DEFAULT_RRL_IPV4_PREFIX: u8 = 24;
/// Default IPv6 prefix length: BIND's 56.
pub const DEFAULT_RRL_IPV6_PREFIX: u8 = 56;
/// Default number of buckets (rounded up to a power of two): 64 Ki buckets of 8 octets,
/// 512 KiB. BIND's `max-table-size` defaults to 20000 entries and Knot's `table-size` to
/// 393241; this is between them, and each bucket here is far smaller.
pub const DEFAULT_RRL_TABLE_SIZE: usize = 1 << 16;
/// Largest `slip`, as BIND (`slip` takes 0 to 10).
pub const MAX_RRL_SLIP: u8 = 10;
/// Longest `window`, as BIND (1 to 3600 seconds).
pub const MAX_RRL_WINDOW: Duration = Duration::from_secs(3600);
/// Most buckets: 16 Mi (128 MiB), far beyond any real table.
pub const MAX_RRL_TABLE_SIZE: usize = 1 << 24;

/// Response rate limiting settings (BIND 9 ARM "Response Rate Limiting"; Knot DNS `rrl`).
/// Rates are responses per second per client prefix and bucket key; 0 means that kind is
/// not limited. Defaults in one place: [`RrlConfig::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrlConfig {
    /// Answers (NOERROR with records in the answer section), per query name and type
    /// (BIND's `responses-per-second`).
    pub responses_per_second: u32,
    /// NODATA answers, per query name and type (BIND's `nodata-per-second`; default the
    /// responses rate).
    pub nodata_per_second: u32,
    /// NXDOMAIN answers, per zone (BIND's `nxdomains-per-second`; default the responses rate).
    pub nxdomains_per_second: u32,
    /// Errors (FORMERR, SERVFAIL, NOTIMP, REFUSED…), all together (BIND's
    /// `errors-per-second`; default the responses rate).
    pub errors_per_second: u32,
    /// Referrals, per delegation point (BIND's `referrals-per-second`; default the responses
    /// rate).
    pub referrals_per_second: u32,
    /// Every response to a client prefix, whatever its name (BIND's `all-per-second`;
    /// default 0, off). The per-name buckets cannot see a flood of names a wildcard answers
    /// (each `random.wild.example.` is its own bucket); this bucket does.
    pub all_per_second: u32,
    /// Decide as usual but withhold nothing, only count what would have been withheld
    /// (BIND's `log-only`): for trying rates out on live traffic.
    pub log_only: bool,
    /// How long a flood is remembered: withheld responses still debit the bucket down to
    /// `window × rate` (BIND's `window`; default 15 s, 1 s to 1 h).
    pub window: Duration,
    /// Every `slip`-th withheld response is sent truncated (TC=1) instead of dropped; 0
    /// never, 1 always (BIND's and Knot's `slip`; default 2, at most 10).
    pub slip: u8,
    /// IPv4 clients are counted by this prefix (BIND's `ipv4-prefix-length`; default 24).
    pub ipv4_prefix: u8,
    /// IPv6 clients are counted by this prefix (BIND's `ipv6-prefix-length`; default 56).
    pub ipv6_prefix: u8,
    /// Clients never limited (BIND's `exempt-clients`, Knot's `whitelist`; default none).
    pub exempt: Vec<Cidr>,
    /// Buckets in the table, rounded up to a power of two (Knot's `table-size`; default
    /// 65536, at most 16 Mi).
    pub table_size: usize,
}

impl RrlConfig {
    /// `responses_per_second` for every kind of response, and BIND's defaults for the rest.
    pub fn new(responses_per_second: u32) -> RrlConfig {
        RrlConfig {
            responses_per_second,
            nodata_per_second: responses_per_second,
            nxdomains_per_second: responses_per_second,
            errors_per_second: responses_per_second,
            referrals_per_second: responses_per_second,
            all_per_second: 0,
            log_only: false,
            window: DEFAULT_RRL_WINDOW,
            slip: DEFAULT_RRL_SLIP,
            ipv4_prefix: DEFAULT_RRL_IPV4_PREFIX,
            ipv6_prefix: DEFAULT_RRL_IPV6_PREFIX,
            exempt: Vec::new(),
            table_size: DEFAULT_RRL_TABLE_SIZE,
        }
    }

    /// Checks every setting is in its range (the ranges BIND accepts).
    pub fn check(&self) -> Result<(), RrlError> {
        if self.ipv4_prefix > 32 {
            return Err(RrlError::Ipv4Prefix(self.ipv4_prefix));
        }
        if self.ipv6_prefix > 128 {
            return Err(RrlError::Ipv6Prefix(self.ipv6_prefix));
        }
        if self.slip > MAX_RRL_SLIP {
            return Err(RrlError::Slip(self.slip));
        }
        if self.window < Duration::from_secs(1) || self.window > MAX_RRL_WINDOW {
            return Err(RrlError::Window(self.window));
        }
        if self.table_size < 2 || self.table_size > MAX_RRL_TABLE_SIZE {
            return Err(RrlError::TableSize(self.table_size));
        }
        Ok(())
    }
}

/// A rate-limiting setting out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RrlError {
    /// IPv4 prefix length above 32.
    #[error("ipv4_prefix {0}: expected 0 to 32")]
    Ipv4Prefix(u8),
    /// IPv6 prefix length above 128.
    #[error("ipv6_prefix {0}: expected 0 to 128")]
    Ipv6Prefix(u8),
    /// `slip` above [`MAX_RRL_SLIP`].
    #[error("slip {0}: expected 0 to 10")]
    Slip(u8),
    /// `window` outside 1 s ..= [`MAX_RRL_WINDOW`].
    #[error("window {0:?}: expected 1 s to 1 h")]
    Window(Duration),
    /// `table_size` below 2 or above [`MAX_RRL_TABLE_SIZE`].
    #[error("table_size {0}: expected 2 to 16777216")]
    TableSize(usize),
}

/// What a response is, for rate limiting: each kind has its own rate and bucket key (BIND 9
/// ARM "Response Rate Limiting": responses, nodata, nxdomains, referrals, errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ResponseKind {
    /// NOERROR with records in the answer section; keyed by query name and type.
    Answer = 0,
    /// NOERROR with an empty answer that is not a referral; keyed by query name and type.
    NoData = 1,
    /// NXDOMAIN (RFC 1035 §4.1.1 RCODE 3); keyed by the zone (the SOA owner in authority).
    NxDomain = 2,
    /// A referral (no answer, not AA, NS records in authority; RFC 1034 §4.3.2 step 3b);
    /// keyed by the delegation point.
    Referral = 3,
    /// Any other RCODE; all errors to a prefix share one bucket.
    Error = 4,
    /// Every response, counted again in one bucket per prefix when `all_per_second` is set.
    All = 5,
}

/// What to do with a response (BIND's `dns_rrl_result_t`: OK, DROP, SLIP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it as it is.
    Send,
    /// Send nothing.
    Drop,
    /// Send it truncated (TC=1, the question only) so a real client retries over TCP; for
    /// [`ResponseKind::Error`], send it as it is (BIND "leaks" errors at the slip rate).
    Slip,
}

/// What [`Rrl::filter`] did with a response: the limiter's [`Verdict`], or why a response
/// it would have withheld is sent all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Within the rates: sent as it is.
    Send,
    /// Withheld: send nothing.
    Drop,
    /// Withheld, but sent cut down to the truncated slip (errors: as they are).
    Slip,
    /// Over the rates, but the query carried a valid server cookie (RFC 7873 §5.2.5): the
    /// client's address is proven, so the response cannot be a reflection and is sent as it
    /// is. Unbound's `ip-ratelimit` lets valid cookies through the same way.
    CookieExempt,
    /// Over the rates with `log_only` set: sent as it is, counted as what would have been
    /// withheld.
    LogOnly,
}

/// One million: rates are per second and times in microseconds.
const MICROS: u64 = 1_000_000;
/// A bucket packs `tag:16 | slip count:8 | theoretical arrival time:40` (µs since the
/// limiter started, modulo 2^40 ≈ 12.7 days).
const TIME_BITS: u32 = 40;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;
const SLIP_SHIFT: u32 = TIME_BITS;
const TAG_SHIFT: u32 = 48;

/// The response rate limiter: a fixed table of token buckets shared by the UDP workers
/// without locks. Sans-I/O: the caller passes the time in, so tests drive it with a made-up
/// clock. Built by [`Rrl::new`].
pub struct Rrl {
    /// Emission interval per kind (µs per response; `rate` per second); 0 = not limited.
    interval: [u64; 6],
    log_only: bool,
    /// Most debt, as time ahead of now: one second of burst plus the window.
    ceiling: u64,
    slip: u8,
    ipv4_mask: u32,
    ipv6_mask: u128,
    exempt: Vec<Cidr>,
    buckets: Box<[AtomicU64]>,
    /// Keyed per process so nobody can aim names at one bucket from outside.
    hasher: RandomState,
    /// Time zero of the buckets' clocks.
    epoch: Instant,
}

impl std::fmt::Debug for Rrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rrl")
            .field("interval_us", &self.interval)
            .field("slip", &self.slip)
            .field("buckets", &self.buckets.len())
            .finish_non_exhaustive()
    }
}

impl Rrl {
    /// A limiter with `config`'s rates and an empty table (allocated here, once). Its clock
    /// starts now: pass [`Instant`]s from now on to [`Rrl::decide`].
    pub fn new(config: RrlConfig) -> Result<Rrl, RrlError> {
        config.check()?;
        let interval = |rate: u32| {
            if rate == 0 {
                0
            } else {
                (MICROS / u64::from(rate)).max(1)
            }
        };
        let size = config.table_size.next_power_of_two();
        Ok(Rrl {
            interval: [
                interval(config.responses_per_second),
                interval(config.nodata_per_second),
                interval(config.nxdomains_per_second),
                interval(config.referrals_per_second),
                interval(config.errors_per_second),
                interval(config.all_per_second),
            ],
            log_only: config.log_only,
            ceiling: MICROS + duration_micros(config.window),
            slip: config.slip,
            ipv4_mask: u32::MAX.checked_shl(32 - u32::from(config.ipv4_prefix)).unwrap_or(0),
            ipv6_mask: u128::MAX.checked_shl(128 - u32::from(config.ipv6_prefix)).unwrap_or(0),
            exempt: config.exempt,
            buckets: (0..size).map(|_| AtomicU64::new(0)).collect(),
            hasher: RandomState::new(),
            epoch: Instant::now(),
        })
    }

    /// Decides the fate of `reply` (a response the answering core wrote) to `client` at
    /// `now`, and on [`Outcome::Slip`] cuts it down in place to the truncated reply to send.
    /// Responses that are not to a QUERY (NOTIFY, UPDATE) are never limited. `proven` is
    /// asked only of a response about to be withheld: whether the query carried a valid
    /// server cookie (so the cookie is not looked for on the common path).
    pub fn filter(&self, client: IpAddr, reply: &mut Vec<u8>, now: Instant, proven: impl FnOnce() -> bool) -> Outcome {
        let Some((kind, key)) = self.classify(reply) else {
            return Outcome::Send;
        };
        let mut verdict = self.decide(client, kind, key, now);
        if self.interval[ResponseKind::All as usize] != 0 {
            // Counted in the prefix's own bucket too, whatever the first verdict.
            let all = self.decide(client, ResponseKind::All, 0, now);
            if verdict == Verdict::Send {
                verdict = all;
            }
        }
        match verdict {
            Verdict::Send => Outcome::Send,
            _ if self.log_only => Outcome::LogOnly,
            _ if proven() => Outcome::CookieExempt,
            Verdict::Drop => Outcome::Drop,
            Verdict::Slip => {
                if kind != ResponseKind::Error {
                    truncate_to_question(reply);
                }
                Outcome::Slip
            }
        }
    }

    /// The kind of `reply` and its bucket key (a keyed hash of the name, and type, the kind
    /// is counted by); `None` for a response to anything but a standard QUERY. Reads the
    /// reply in place, allocating nothing; a reply it cannot read counts as an error.
    pub fn classify(&self, reply: &[u8]) -> Option<(ResponseKind, u64)> {
        let header = Header::parse(reply)?;
        if !header.qr || header.opcode != 0 {
            return None;
        }
        let error = Some((ResponseKind::Error, 0));
        if header.rcode != 0 && header.rcode != 3 {
            return error;
        }
        if header.qdcount != 1 {
            return error;
        }
        let qname_at = HEADER_LEN;
        let Some(after_qname) = skip_name(reply, qname_at) else {
            return error;
        };
        let Some(qtype) = reply.get(after_qname..after_qname + 2) else {
            return error;
        };
        let qtype = u16::from_be_bytes([qtype[0], qtype[1]]);
        let by_query = |kind| {
            let mut h = self.hasher.build_hasher();
            hash_name(reply, qname_at, &mut h)?;
            h.write_u16(qtype);
            Some((kind, h.finish()))
        };
        if header.rcode == 0 && header.ancount > 0 {
            return by_query(ResponseKind::Answer).or(error);
        }
        // The authority section: its SOA names the zone (NXDOMAIN, NODATA), its NS the
        // delegation point (a referral).
        let mut pos = after_qname + 4;
        for _ in 0..header.ancount {
            pos = skip_record(reply, pos)?;
        }
        let mut soa = None;
        let mut ns = None;
        for _ in 0..header.nscount {
            let rtype_at = skip_name(reply, pos)?;
            let rtype = reply.get(rtype_at..rtype_at + 2)?;
            match RecordType(u16::from_be_bytes([rtype[0], rtype[1]])) {
                RecordType::SOA => soa = soa.or(Some(pos)),
                RecordType::NS => ns = ns.or(Some(pos)),
                _ => {}
            }
            pos = skip_record(reply, pos)?;
        }
        let by_owner = |kind, at: Option<usize>| {
            let mut h = self.hasher.build_hasher();
            // Without an SOA (a zone without one cannot be loaded, but be safe), the query
            // name stands in.
            hash_name(reply, at.unwrap_or(qname_at), &mut h)?;
            Some((kind, h.finish()))
        };
        if header.rcode == 3 {
            return by_owner(ResponseKind::NxDomain, soa).or(error);
        }
        if !header.aa && soa.is_none() && ns.is_some() {
            return by_owner(ResponseKind::Referral, ns).or(error);
        }
        by_query(ResponseKind::NoData).or(error)
    }

    /// Counts one response of `kind` with bucket key `key` (from [`Rrl::classify`], or any
    /// hash the caller chooses) to `client` at `now`, and says whether to send it. Never
    /// allocates or blocks.
    pub fn decide(&self, client: IpAddr, kind: ResponseKind, key: u64, now: Instant) -> Verdict {
        let interval = self.interval[kind as usize];
        if interval == 0 || self.exempt.iter().any(|c| c.contains(client)) {
            return Verdict::Send;
        }
        let mut h = self.hasher.build_hasher();
        match client {
            IpAddr::V4(v4) => self.hash_v4(&mut h, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                // A v4 client on a dual-stack socket is the same client as over v4.
                Some(v4) => self.hash_v4(&mut h, u32::from(v4)),
                None => {
                    h.write_u8(6);
                    h.write_u128(u128::from(v6) & self.ipv6_mask);
                }
            },
        }
        h.write_u8(kind as u8);
        h.write_u64(key);
        let hash = h.finish();
        let tag = hash >> TAG_SHIFT;
        let set = (hash as usize) & (self.buckets.len() - 1) & !1;
        let now = duration_micros(now.saturating_duration_since(self.epoch));
        // Lock-free: a failed exchange means another worker's succeeded; read again.
        loop {
            let pair = [
                self.buckets[set].load(Ordering::Relaxed),
                self.buckets[set + 1].load(Ordering::Relaxed),
            ];
            // This key's bucket, or else the one of the pair with the least debt left.
            let way = match pair.iter().position(|b| b >> TAG_SHIFT == tag) {
                Some(way) => way,
                None => usize::from(self.debt(pair[1], now) < self.debt(pair[0], now)),
            };
            let old = pair[way];
            let (debt, slips) = if old >> TAG_SHIFT == tag {
                (self.debt(old, now), ((old >> SLIP_SHIFT) & 0xFF) as u8)
            } else {
                (0, 0)
            };
            // GCRA: the arrival time this response would take, as time ahead of now.
            let ahead = debt + interval;
            let (verdict, slips) = if ahead <= MICROS {
                (Verdict::Send, slips)
            } else if self.slip > 0 && slips + 1 >= self.slip {
                (Verdict::Slip, 0)
            } else {
                (Verdict::Drop, slips.saturating_add(1))
            };
            // Withheld responses debit too (BIND's balance goes down to -window × rate).
            let tat = (now + ahead.min(self.ceiling)) & TIME_MASK;
            let new = tag << TAG_SHIFT | u64::from(slips) << SLIP_SHIFT | tat;
            if self.buckets[set + way]
                .compare_exchange_weak(old, new, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return verdict;
            }
        }
    }

    fn hash_v4(&self, h: &mut impl std::hash::Hasher, v4: u32) {
        h.write_u8(4);
        h.write_u32(v4 & self.ipv4_mask);
    }

    /// How far ahead of `now` (µs) a bucket's theoretical arrival time is: 0 when it is paid
    /// off. A time further ahead than any debt can be was written more than 2^39 µs ago and
    /// wrapped around: it is stale, so 0 too.
    fn debt(&self, bucket: u64, now: u64) -> u64 {
        let ahead = (bucket & TIME_MASK).wrapping_sub(now) & TIME_MASK;
        if ahead <= self.ceiling {
            ahead
        } else {
            0
        }
    }
}

fn duration_micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Cuts a response down to its header, question and OPT record, with TC set and no other
/// records: the reply a slipped response becomes (BIND's truncated slip; RFC 1035 §4.1.1
/// TC, RFC 7766 §5 retry over TCP). The RCODE and AA are kept, as BIND keeps NXDOMAIN. The
/// OPT record stays (RFC 6891 §7: a response to an EDNS query carries one), and with it the
/// server cookie, so a client that speaks cookies can come back over UDP with a proven
/// address instead of over TCP. Built in place, so nothing is allocated.
pub fn truncate_to_question(reply: &mut Vec<u8>) {
    let Some(mut header) = Header::parse(reply) else {
        return;
    };
    let mut end = HEADER_LEN;
    let mut questions = 0;
    for _ in 0..header.qdcount {
        match skip_name(reply, end) {
            Some(after) if after + 4 <= reply.len() => {
                end = after + 4;
                questions += 1;
            }
            _ => break,
        }
    }
    let opt = if questions == header.qdcount {
        find_opt(reply, end, &header)
    } else {
        None
    };
    header.tc = true;
    header.qdcount = questions;
    header.ancount = 0;
    header.nscount = 0;
    header.arcount = 0;
    if let Some(opt) = opt {
        let len = opt.end - opt.start;
        reply.copy_within(opt, end);
        end += len;
        header.arcount = 1;
    }
    reply.truncate(end);
    reply[..HEADER_LEN].copy_from_slice(&header.to_bytes());
}

/// Where the OPT record (RFC 6891 §6.1.1) of a message is, its records starting at `pos`.
fn find_opt(msg: &[u8], mut pos: usize, header: &Header) -> Option<std::ops::Range<usize>> {
    let records = u32::from(header.ancount) + u32::from(header.nscount);
    for _ in 0..records {
        pos = skip_record(msg, pos)?;
    }
    for _ in 0..header.arcount {
        let end = skip_record(msg, pos)?;
        // OPT's owner is the root, one zero octet, so its type is right after it.
        if msg.get(pos) == Some(&0) && msg.get(pos + 1..pos + 3) == Some(&[0, 41]) {
            return Some(pos..end);
        }
        pos = end;
    }
    None
}

/// The offset after the name at `pos` (which may end in a compression pointer).
fn skip_name(buf: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *buf.get(pos)? as usize;
        match len {
            0 => return Some(pos + 1),
            l if l & 0xC0 == 0xC0 => return buf.get(pos + 1).map(|_| pos + 2),
            l if l <= 63 => pos += 1 + l,
            _ => return None,
        }
    }
}

/// The offset after the resource record at `pos`.
fn skip_record(buf: &[u8], pos: usize) -> Option<usize> {
    let fixed = skip_name(buf, pos)?;
    let rdlen = buf.get(fixed + 8..fixed + 10)?;
    let end = fixed + 10 + usize::from(u16::from_be_bytes([rdlen[0], rdlen[1]]));
    (end <= buf.len()).then_some(end)
}

/// Feeds the name at `pos` to `h`, lowercased (names compare without case, RFC 4343), its
/// compression pointers followed (a bounded number of them).
fn hash_name(buf: &[u8], mut pos: usize, h: &mut impl std::hash::Hasher) -> Option<()> {
    let mut hops = 0;
    let mut label = [0u8; 64];
    loop {
        let len = *buf.get(pos)? as usize;
        if len & 0xC0 == 0xC0 {
            hops += 1;
            if hops > 64 {
                return None;
            }
            pos = (len & 0x3F) << 8 | usize::from(*buf.get(pos + 1)?);
            continue;
        }
        if len > 63 {
            return None;
        }
        let bytes = buf.get(pos + 1..pos + 1 + len)?;
        label[0] = len as u8;
        for (d, s) in label[1..].iter_mut().zip(bytes) {
            *d = s.to_ascii_lowercase();
        }
        h.write(&label[..=len]);
        if len == 0 {
            return Some(());
        }
        pos += 1 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::{Class, MessageBuilder, Name, Rcode};

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn rrl(config: RrlConfig) -> (Rrl, Instant) {
        let rrl = Rrl::new(config).expect("valid config");
        let t0 = rrl.epoch;
        (rrl, t0)
    }

    /// `n` responses at `at`, tallied as (sent, dropped, slipped).
    fn burst(rrl: &Rrl, client: &str, key: u64, n: usize, at: Instant) -> (usize, usize, usize) {
        let mut tally = (0, 0, 0);
        for _ in 0..n {
            match rrl.decide(ip(client), ResponseKind::Answer, key, at) {
                Verdict::Send => tally.0 += 1,
                Verdict::Drop => tally.1 += 1,
                Verdict::Slip => tally.2 += 1,
            }
        }
        tally
    }

    #[test]
    fn a_burst_gets_one_seconds_worth_then_slips_every_second() {
        let (rrl, t0) = rrl(RrlConfig::new(5));
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 25, t0), (5, 10, 10));
    }

    #[test]
    fn slip_zero_never_slips_and_one_always_does() {
        let (never, t0) = rrl(RrlConfig {
            slip: 0,
            ..RrlConfig::new(5)
        });
        assert_eq!(burst(&never, "192.0.2.1", 1, 20, t0), (5, 15, 0));
        let (always, t0) = rrl(RrlConfig {
            slip: 1,
            ..RrlConfig::new(5)
        });
        assert_eq!(burst(&always, "192.0.2.1", 1, 20, t0), (5, 0, 15));
        let (third, t0) = rrl(RrlConfig {
            slip: 3,
            ..RrlConfig::new(5)
        });
        assert_eq!(burst(&third, "192.0.2.1", 1, 20, t0), (5, 10, 5));
    }

    #[test]
    fn buckets_refill_at_the_rate_as_the_clock_moves() {
        let (rrl, t0) = rrl(RrlConfig {
            slip: 0,
            ..RrlConfig::new(10)
        });
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 10, t0).0, 10);
        // Just before the next token (one per 100 ms): nothing.
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 1, t0 + Duration::from_millis(99)).0, 0);
        // That withheld response debited too, so the token due at 100 ms comes at 200 ms.
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 1, t0 + Duration::from_millis(199)).0, 0);
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 1, t0 + Duration::from_millis(300)).0, 1);
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 2, t0 + Duration::from_millis(400)).0, 1);
        // A quiet client gets a full second's burst back, never more.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 30, later).0, 10);
    }

    #[test]
    fn a_flood_is_remembered_for_the_window_then_forgiven() {
        let (rrl, t0) = rrl(RrlConfig {
            slip: 0,
            window: Duration::from_secs(15),
            ..RrlConfig::new(5)
        });
        // A flood far past the window's worth: the debt stops at 15 s.
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 1000, t0).0, 5);
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 1, t0 + Duration::from_secs(14)).0, 0);
        let (rrl2, t0) = self::rrl(RrlConfig {
            slip: 0,
            window: Duration::from_secs(15),
            ..RrlConfig::new(5)
        });
        assert_eq!(burst(&rrl2, "192.0.2.1", 1, 1000, t0).0, 5);
        // 15 s plus one interval after the flood, answered again.
        assert_eq!(burst(&rrl2, "192.0.2.1", 1, 1, t0 + Duration::from_millis(15_200)).0, 1);
    }

    #[test]
    fn a_prefix_is_one_client() {
        let (rrl, t0) = rrl(RrlConfig::new(4));
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 2, t0).0, 2);
        assert_eq!(burst(&rrl, "192.0.2.200", 1, 2, t0).0, 2);
        assert_eq!(burst(&rrl, "192.0.2.77", 1, 1, t0).0, 0, "the /24 has spent its four");
        assert_eq!(burst(&rrl, "192.0.3.1", 1, 4, t0).0, 4, "another /24 is not");
        // IPv6 by /56; an IPv4-mapped client is its IPv4 address.
        assert_eq!(burst(&rrl, "2001:db8:0:1::1", 1, 2, t0).0, 2);
        assert_eq!(burst(&rrl, "2001:db8:0:ff::2", 1, 3, t0).0, 2);
        assert_eq!(burst(&rrl, "2001:db8:0:100::1", 1, 4, t0).0, 4);
        assert_eq!(burst(&rrl, "::ffff:192.0.2.9", 1, 1, t0).0, 0);
    }

    #[test]
    fn keys_and_kinds_are_counted_apart() {
        let (rrl, t0) = rrl(RrlConfig::new(3));
        assert_eq!(burst(&rrl, "192.0.2.1", 1, 5, t0).0, 3);
        assert_eq!(burst(&rrl, "192.0.2.1", 2, 5, t0).0, 3);
        assert_eq!(
            rrl.decide(ip("192.0.2.1"), ResponseKind::NxDomain, 1, t0),
            Verdict::Send
        );
    }

    #[test]
    fn exempt_clients_and_unlimited_kinds_are_always_sent() {
        let (rrl, t0) = rrl(RrlConfig {
            exempt: vec!["192.0.2.0/28".parse().expect("cidr")],
            errors_per_second: 0,
            ..RrlConfig::new(1)
        });
        assert_eq!(burst(&rrl, "192.0.2.5", 1, 100, t0).0, 100);
        assert_eq!(burst(&rrl, "192.0.2.100", 1, 100, t0).0, 1);
        for _ in 0..100 {
            assert_eq!(
                rrl.decide(ip("198.51.100.1"), ResponseKind::Error, 0, t0),
                Verdict::Send
            );
        }
    }

    #[test]
    fn a_small_table_stays_small_and_still_limits() {
        let (rrl, t0) = rrl(RrlConfig {
            table_size: 2,
            ..RrlConfig::new(2)
        });
        assert_eq!(rrl.buckets.len(), 2);
        // Many keys overwrite one another; the latest one is still counted.
        for key in 0..1000 {
            rrl.decide(ip("192.0.2.1"), ResponseKind::Answer, key, t0);
        }
        assert_eq!(burst(&rrl, "192.0.2.1", 5000, 5, t0).0, 2);
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let bad = |c: RrlConfig| Rrl::new(c).err();
        assert_eq!(
            bad(RrlConfig {
                ipv4_prefix: 33,
                ..RrlConfig::new(5)
            }),
            Some(RrlError::Ipv4Prefix(33))
        );
        assert_eq!(
            bad(RrlConfig {
                slip: 11,
                ..RrlConfig::new(5)
            }),
            Some(RrlError::Slip(11))
        );
        assert!(bad(RrlConfig {
            window: Duration::ZERO,
            ..RrlConfig::new(5)
        })
        .is_some());
        assert!(bad(RrlConfig {
            ipv4_prefix: 0,
            ipv6_prefix: 128,
            ..RrlConfig::new(5)
        })
        .is_none());
    }

    /// A response built as the answering core would: `records` as (section, name, type).
    fn reply(qname: &str, qtype: RecordType, rcode: Rcode, aa: bool, records: &[(u8, &str, RecordType)]) -> Vec<u8> {
        use banyan_wire::message::BuildSection;
        use banyan_wire::rdata::{Soa, A};
        use banyan_wire::RData;
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                id: 7,
                qr: true,
                aa,
                rcode: rcode.0 as u8,
                ..Header::default()
            },
        );
        let q = Name::parse(qname, None).expect("name");
        b.question(&q, qtype, Class::IN).expect("question");
        for &(section, owner, rtype) in records {
            let owner = Name::parse(owner, None).expect("owner");
            let ns = Name::parse("ns1.example.com.", None).expect("ns");
            let data = match rtype {
                RecordType::NS => RData::NS(ns),
                RecordType::SOA => RData::SOA(Soa {
                    mname: ns.clone(),
                    rname: ns,
                    serial: 1,
                    refresh: 1,
                    retry: 1,
                    expire: 1,
                    minimum: 1,
                }),
                _ => RData::A(A("192.0.2.1".parse().expect("a"))),
            };
            let section = if section == 1 {
                BuildSection::Answer
            } else {
                BuildSection::Authority
            };
            b.push_parts(section, &owner, Class::IN, 300, &data).expect("record");
        }
        b.finish();
        buf
    }

    #[test]
    fn responses_are_classified_from_their_bytes() {
        let (rrl, _) = rrl(RrlConfig::new(5));
        let kind = |r: &[u8]| rrl.classify(r).map(|(k, _)| k);
        let soa = (2, "example.com.", RecordType::SOA);
        let answer = reply(
            "www.example.com.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &[(1, "www.example.com.", RecordType::A)],
        );
        assert_eq!(kind(&answer), Some(ResponseKind::Answer));
        let nodata = reply("www.example.com.", RecordType::MX, Rcode::NOERROR, true, &[soa]);
        assert_eq!(kind(&nodata), Some(ResponseKind::NoData));
        let referral = reply(
            "a.sub.example.com.",
            RecordType::A,
            Rcode::NOERROR,
            false,
            &[(2, "sub.example.com.", RecordType::NS)],
        );
        assert_eq!(kind(&referral), Some(ResponseKind::Referral));
        let refused = reply("www.example.org.", RecordType::A, Rcode::REFUSED, false, &[]);
        assert_eq!(kind(&refused), Some(ResponseKind::Error));
        // NXDOMAIN is keyed by the zone, whatever the name (and case): one bucket for a
        // random-subdomain flood.
        let nx1 = reply("xyz1.example.com.", RecordType::A, Rcode::NXDOMAIN, true, &[soa]);
        let nx2 = reply(
            "QQQ.Example.COM.",
            RecordType::AAAA,
            Rcode::NXDOMAIN,
            true,
            &[(2, "EXAMPLE.com.", RecordType::SOA)],
        );
        assert_eq!(rrl.classify(&nx1).map(|(k, _)| k), Some(ResponseKind::NxDomain));
        assert_eq!(rrl.classify(&nx1).map(|(_, h)| h), rrl.classify(&nx2).map(|(_, h)| h));
        // Answers are keyed by name (without case) and type.
        let key = |name: &str, t| {
            rrl.classify(&reply(name, t, Rcode::NOERROR, true, &[(1, name, t)]))
                .map(|(_, h)| h)
        };
        assert_eq!(
            key("www.example.com.", RecordType::A),
            key("WWW.example.COM.", RecordType::A)
        );
        assert_ne!(
            key("www.example.com.", RecordType::A),
            key("ftp.example.com.", RecordType::A)
        );
        assert_ne!(
            key("www.example.com.", RecordType::A),
            key("www.example.com.", RecordType::AAAA)
        );
        // Not a QUERY response, or not a response at all: not limited.
        let mut notify = answer.clone();
        notify[2] |= 4 << 3;
        assert_eq!(kind(&notify), None);
        assert_eq!(kind(&answer[..5]), None);
        // Garbage after a good header counts as an error.
        let mut cut = answer.clone();
        cut.truncate(14);
        assert_eq!(kind(&cut), Some(ResponseKind::Error));
    }

    #[test]
    fn a_slipped_reply_is_the_question_with_tc() {
        let (rrl, t0) = rrl(RrlConfig {
            slip: 1,
            ..RrlConfig::new(1)
        });
        let answer = reply(
            "www.example.com.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &[(1, "www.example.com.", RecordType::A)],
        );
        let mut first = answer.clone();
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut first, t0, || false), Outcome::Send);
        assert_eq!(first, answer);
        let mut second = answer.clone();
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut second, t0, || false), Outcome::Slip);
        let msg = banyan_wire::Message::parse(&second).expect("slip parses");
        assert!(msg.header().tc && msg.header().aa && msg.header().qr);
        assert_eq!(msg.header().counts(), [1, 0, 0, 0]);
        assert_eq!(msg.id(), 7);
        assert!(msg.question().is_some_and(|q| q.qtype == RecordType::A));
        // An error slips as it is.
        let refused = reply("www.example.org.", RecordType::A, Rcode::REFUSED, false, &[]);
        let (mut a, mut b) = (refused.clone(), refused.clone());
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut a, t0, || false), Outcome::Send);
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut b, t0, || false), Outcome::Slip);
        assert_eq!(b, refused);
    }

    #[test]
    fn a_slip_keeps_the_opt_record_and_its_cookie() {
        use banyan_wire::edns::{Cookie, Edns, EdnsOption};
        let (rrl, t0) = rrl(RrlConfig {
            slip: 1,
            ..RrlConfig::new(1)
        });
        let cookie = Cookie {
            client: [1; 8],
            server: Some(vec![2; 16]),
        };
        let edns = Edns {
            options: vec![EdnsOption::Cookie(cookie.clone())],
            ..Edns::default()
        };
        // An answer with an authority record and the OPT record the answering core writes.
        let mut answer = Vec::new();
        {
            use banyan_wire::message::BuildSection;
            use banyan_wire::rdata::A;
            use banyan_wire::RData;
            let header = Header {
                id: 7,
                qr: true,
                aa: true,
                ..Header::default()
            };
            let mut b = MessageBuilder::new(&mut answer, header);
            let www = Name::parse("www.example.com.", None).expect("name");
            let apex = Name::parse("example.com.", None).expect("name");
            let ns = Name::parse("ns1.example.com.", None).expect("name");
            b.question(&www, RecordType::A, Class::IN).expect("question");
            let a = RData::A(A("192.0.2.1".parse().expect("a")));
            b.push_parts(BuildSection::Answer, &www, Class::IN, 300, &a)
                .expect("answer");
            b.push_parts(BuildSection::Authority, &apex, Class::IN, 300, &RData::NS(ns))
                .expect("ns");
            b.edns(&edns).expect("opt");
            b.finish();
        }
        let mut first = answer.clone();
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut first, t0, || false), Outcome::Send);
        let mut second = answer.clone();
        assert_eq!(rrl.filter(ip("192.0.2.1"), &mut second, t0, || false), Outcome::Slip);
        let msg = banyan_wire::Message::parse(&second).expect("slip parses");
        assert!(msg.header().tc);
        assert_eq!(msg.header().counts(), [1, 0, 0, 1]);
        let got = msg.edns().expect("an OPT record").expect("a good one");
        assert_eq!(
            got.option(banyan_wire::edns::code::COOKIE),
            Some(&EdnsOption::Cookie(cookie))
        );
    }

    #[test]
    fn a_proven_client_and_log_only_are_sent_what_would_be_withheld() {
        let answer = reply(
            "www.example.com.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &[(1, "www.example.com.", RecordType::A)],
        );
        let (limiter, t0) = rrl(RrlConfig::new(1));
        let mut r = answer.clone();
        assert_eq!(
            limiter.filter(ip("192.0.2.1"), &mut r, t0, || unreachable!()),
            Outcome::Send
        );
        // Over the rate: a valid cookie is asked for only now, and lets the answer through
        // untouched.
        let mut r = answer.clone();
        assert_eq!(
            limiter.filter(ip("192.0.2.1"), &mut r, t0, || true),
            Outcome::CookieExempt
        );
        assert_eq!(r, answer);
        let mut r = answer.clone();
        assert_ne!(limiter.filter(ip("192.0.2.1"), &mut r, t0, || false), Outcome::Send);

        let (logging, t0) = rrl(RrlConfig {
            log_only: true,
            slip: 1,
            ..RrlConfig::new(1)
        });
        let outcomes: Vec<Outcome> = (0..3)
            .map(|_| {
                let mut r = answer.clone();
                let o = logging.filter(ip("192.0.2.1"), &mut r, t0, || false);
                assert_eq!(r, answer, "log-only never cuts a reply");
                o
            })
            .collect();
        assert_eq!(outcomes, [Outcome::Send, Outcome::LogOnly, Outcome::LogOnly]);
    }

    #[test]
    fn all_per_second_catches_a_flood_of_distinct_names() {
        // A wildcard answers every name, so each name has its own per-name bucket and none
        // ever fills; BIND's all-per-second bucket per prefix does.
        let (rrl, t0) = rrl(RrlConfig {
            all_per_second: 10,
            slip: 0,
            ..RrlConfig::new(5)
        });
        let sent = (0..50)
            .filter(|i| {
                let name = format!("r{i}.wild.example.com.");
                let mut r = reply(&name, RecordType::A, Rcode::NOERROR, true, &[(1, &name, RecordType::A)]);
                rrl.filter(ip("192.0.2.1"), &mut r, t0, || false) == Outcome::Send
            })
            .count();
        assert_eq!(sent, 10);
        // Another prefix has its own.
        let mut r = reply(
            "x.example.com.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &[(1, "x.example.com.", RecordType::A)],
        );
        assert_eq!(rrl.filter(ip("198.51.100.1"), &mut r, t0, || false), Outcome::Send);
    }

    #[test]
    fn shared_by_threads() {
        let (rrl, t0) = rrl(RrlConfig {
            slip: 0,
            ..RrlConfig::new(100)
        });
        let sent = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let (n, _, _) = burst(&rrl, "192.0.2.1", 1, 1000, t0);
                    sent.fetch_add(n, Ordering::Relaxed);
                });
            }
        });
        // Exactly one second's burst, however the four interleave.
        assert_eq!(sent.load(Ordering::Relaxed), 100);
    }
}
