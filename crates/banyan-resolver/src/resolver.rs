//! What every resolution shares: configuration, caches, the upstream table, root hints,
//! local zones and counters. `Sync`; one per resolver process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use banyan_wire::message::BuildSection;
use banyan_wire::{Class, Header, MessageBuilder, Name, Rcode, RecordType};

use crate::aggressive::AggressiveNsec;
use crate::answer::Answer;
use crate::answer_cache::AnswerCache;
use crate::cache::{Cache, CacheConfig};
use crate::hints::RootHints;
use crate::histogram::{Histogram, HistogramValues};
use crate::infra::Infra;
use crate::local::LocalZones;
use crate::query::ClientQuery;
use crate::rpz::ResponsePolicy;
use crate::rrset::Security;
use crate::trace::TraceRing;
use crate::validate::{KeyCache, TrustAnchors};

/// How the resolver behaves. Defaults in [`ResolverConfig::default`]; each limit is named so
/// the docs and the code say the same thing.
#[derive(Clone, Debug)]
pub struct ResolverConfig {
    /// Port upstream servers are asked on (53; other values are for labs and tests).
    pub upstream_port: u16,
    /// Upstream queries one client query may cause, sub-resolutions included (Unbound's
    /// `max-sent-count` is 32 per query plus its sub-queries; 64 covers a deep glueless chain).
    pub max_upstream_queries: u32,
    /// Nested name-server address lookups (a glueless delegation whose servers are themselves
    /// under glueless delegations…).
    pub max_depth: usize,
    /// Longest CNAME/DNAME chain followed across zones (Unbound: 11 restarts).
    pub max_chain: usize,
    /// Wall-clock budget of one resolution, after which it answers SERVFAIL (or stale data).
    pub time_budget: Duration,
    /// QNAME minimisation (RFC 9156), relaxed as Unbound's default.
    pub qname_minimisation: bool,
    /// Random letter case in upstream queries (draft-vixie-dnsext-dns0x20), with a fallback
    /// per server that does not echo it.
    pub case_randomisation: bool,
    /// Ask upstream servers on IPv6 addresses.
    pub ipv6: bool,
    /// Ask upstream servers on loopback and private addresses (labs need it; Unbound's
    /// `private-address` is the opposite switch).
    pub allow_private_upstream: bool,
    /// UDP payload size offered upstream and to clients (RFC 6891; DNS Flag Day 2020).
    pub udp_payload: u16,
    /// The RRset cache's limits.
    pub cache: CacheConfig,
    /// Memory bound of the answer cache.
    pub answer_cache_bytes: usize,
    /// TTL of stale data served when no authority answers (RFC 8767 §4 recommends 30 s).
    pub stale_answer_ttl: u32,
    /// EDNS Client Subnet sent upstream (RFC 7871); `None` (the default): never, for the
    /// clients' privacy.
    pub ecs: Option<crate::ecs::EcsConfig>,
    /// Send DNS cookies upstream (RFC 7873 §5.1) over UDP and TCP, echo the servers'
    /// cookies, drop replies whose client cookie is wrong (on by default, as BIND's
    /// `send-cookie`).
    pub cookies: bool,
    /// Zones whose questions go to forwarders with RD=1 (Unbound's `forward-zone`).
    pub forward: Vec<ForwardZone>,
    /// Zones whose iteration starts at configured servers (Unbound's `stub-zone`).
    pub stub: Vec<StubZone>,
}

/// How queries reach a configured upstream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP, and TCP when the reply is truncated (RFC 7766 §5).
    #[default]
    Udp,
    /// TCP only (RFC 7766).
    Tcp,
    /// DNS over TLS (RFC 7858).
    Tls,
    /// DNS over HTTPS (RFC 8484).
    Https,
}

/// A forward zone: names at or below `zone` ("." for all) are asked of `addresses` with
/// RD=1 and their answers taken (cached by TTL, validated when trust anchors are set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardZone {
    /// The zone (lowercase).
    pub zone: Name,
    /// The forwarders, with their ports.
    pub addresses: Vec<std::net::SocketAddr>,
    /// How they are asked.
    pub transport: Transport,
    /// For TLS and HTTPS: the name in SNI and verified in the certificate (RFC 8310 §8).
    /// With neither it nor `ca`, TLS is opportunistic (encrypted, not authenticated).
    pub tls_name: Option<String>,
    /// For HTTPS: the URL `https://HOST[:PORT]/PATH` (RFC 8484 §3); HOST is the name verified.
    pub url: Option<String>,
    /// A PEM file of the certificates to trust instead of the system's.
    pub ca: Option<std::path::PathBuf>,
}

/// A stub zone: iteration for names at or below `zone` starts at `addresses` (asked with
/// RD=0, referrals below followed) instead of descending from the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubZone {
    /// The zone (lowercase).
    pub zone: Name,
    /// Its authoritative servers, with their ports.
    pub addresses: Vec<std::net::SocketAddr>,
}

/// The configured zone that covers a name: the forward or stub zone with the most labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Configured {
    /// `ResolverConfig::forward[i]`.
    Forward(usize),
    /// `ResolverConfig::stub[i]`.
    Stub(usize),
}

impl ResolverConfig {
    /// The closest forward or stub zone at or above `name`, if any (a stub zone below a
    /// forward zone wins for its names, as in Unbound).
    pub fn configured_zone(&self, name: &Name) -> Option<(Name, Configured)> {
        let forward = self
            .forward
            .iter()
            .enumerate()
            .map(|(i, f)| (&f.zone, Configured::Forward(i)));
        let stub = self
            .stub
            .iter()
            .enumerate()
            .map(|(i, s)| (&s.zone, Configured::Stub(i)));
        forward
            .chain(stub)
            .filter(|(zone, _)| name.is_subdomain_of(zone))
            .max_by_key(|(zone, _)| zone.label_count())
            .map(|(zone, which)| (zone.clone(), which))
    }

    /// The addresses of a configured zone.
    pub fn configured_addresses(&self, which: Configured) -> &[std::net::SocketAddr] {
        match which {
            Configured::Forward(i) => self.forward.get(i).map_or(&[], |f| &f.addresses),
            Configured::Stub(i) => self.stub.get(i).map_or(&[], |s| &s.addresses),
        }
    }
}

impl Default for ResolverConfig {
    fn default() -> ResolverConfig {
        ResolverConfig {
            upstream_port: 53,
            max_upstream_queries: 64,
            max_depth: 4,
            max_chain: 12,
            time_budget: Duration::from_secs(10),
            qname_minimisation: true,
            case_randomisation: true,
            ipv6: true,
            allow_private_upstream: true,
            udp_payload: banyan_wire::edns::DEFAULT_UDP_PAYLOAD,
            cache: CacheConfig::default(),
            answer_cache_bytes: 32 << 20,
            stale_answer_ttl: 30,
            ecs: None,
            cookies: true,
            forward: Vec::new(),
            stub: Vec::new(),
        }
    }
}

/// Counters, for tests (`banyan up`'s proof that a warm second round asks nobody) and stats.
#[derive(Default, Debug)]
pub struct Counters {
    /// Client queries that needed a resolution (answer-cache misses).
    pub resolutions: AtomicU64,
    /// Client queries answered from the answer cache.
    pub cache_hits: AtomicU64,
    /// Queries sent upstream.
    pub upstream_queries: AtomicU64,
    /// Upstream replies discarded as not matching (ID, address, question) or out of bailiwick.
    pub rejected_replies: AtomicU64,
    /// Resolutions that ended in SERVFAIL.
    pub servfail: AtomicU64,
    /// Answers served stale (RFC 8767).
    pub stale_answers: AtomicU64,
    /// Answers that failed DNSSEC validation (answered SERVFAIL).
    pub bogus: AtomicU64,
    /// Negative answers synthesised from validated NSEC records (RFC 8198).
    pub aggressive_nsec: AtomicU64,
    /// Upstream replies accepted, by the RCODE in their header (RFC 1035 §4.1.1).
    pub upstream_rcodes: [AtomicU64; 16],
    /// Upstream queries that had no reply in time.
    pub upstream_timeouts: AtomicU64,
    /// Upstream queries that failed on the network (no route, refused connection, ICMP).
    pub upstream_errors: AtomicU64,
    /// Round-trip time of upstream queries answered, from send to the accepted reply.
    pub upstream_rtt: Histogram,
    /// Validation verdicts of answers (RFC 4035 §4.3), indexed as [`VALIDATION_STATES`].
    pub validation: [AtomicU64; 4],
}

/// The DNSSEC verdicts counted in [`Counters::validation`], in index order (RFC 4035 §4.3).
pub const VALIDATION_STATES: [&str; 4] = ["secure", "insecure", "bogus", "indeterminate"];

/// A point-in-time copy of [`Counters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CounterValues {
    /// See [`Counters::resolutions`].
    pub resolutions: u64,
    /// See [`Counters::cache_hits`].
    pub cache_hits: u64,
    /// See [`Counters::upstream_queries`].
    pub upstream_queries: u64,
    /// See [`Counters::rejected_replies`].
    pub rejected_replies: u64,
    /// See [`Counters::servfail`].
    pub servfail: u64,
    /// See [`Counters::stale_answers`].
    pub stale_answers: u64,
    /// See [`Counters::bogus`].
    pub bogus: u64,
    /// See [`Counters::aggressive_nsec`].
    pub aggressive_nsec: u64,
    /// See [`Counters::upstream_rcodes`].
    pub upstream_rcodes: [u64; 16],
    /// See [`Counters::upstream_timeouts`].
    pub upstream_timeouts: u64,
    /// See [`Counters::upstream_errors`].
    pub upstream_errors: u64,
    /// See [`Counters::upstream_rtt`].
    pub upstream_rtt: HistogramValues,
    /// See [`Counters::validation`].
    pub validation: [u64; 4],
}

impl Counters {
    /// Adds one to `c`.
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The values now.
    pub fn values(&self) -> CounterValues {
        let v = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterValues {
            resolutions: v(&self.resolutions),
            cache_hits: v(&self.cache_hits),
            upstream_queries: v(&self.upstream_queries),
            rejected_replies: v(&self.rejected_replies),
            servfail: v(&self.servfail),
            stale_answers: v(&self.stale_answers),
            bogus: v(&self.bogus),
            aggressive_nsec: v(&self.aggressive_nsec),
            upstream_rcodes: self.upstream_rcodes.each_ref().map(v),
            upstream_timeouts: v(&self.upstream_timeouts),
            upstream_errors: v(&self.upstream_errors),
            upstream_rtt: self.upstream_rtt.values(),
            validation: self.validation.each_ref().map(v),
        }
    }

    /// Counts an upstream reply accepted after `rtt`, by its header RCODE (a reply shorter
    /// than a header is not counted by RCODE).
    pub fn upstream_reply(&self, reply: &[u8], rtt: Duration) {
        if let Some(&flags) = reply.get(3) {
            Counters::bump(&self.upstream_rcodes[usize::from(flags & 0x0f)]);
        }
        self.upstream_rtt.observe(rtt);
    }

    /// Counts a validation verdict; `Unchecked` (validation off) is not counted.
    pub fn validated(&self, security: Security) {
        let slot = match security {
            Security::Secure => 0,
            Security::Insecure => 1,
            Security::Bogus => 2,
            Security::Indeterminate => 3,
            Security::Unchecked => return,
        };
        Counters::bump(&self.validation[slot]);
    }
}

/// The resolver's shared state.
pub struct Resolver {
    /// Configuration.
    pub config: ResolverConfig,
    /// RRsets and negative answers.
    pub cache: Cache,
    /// Whole replies for the fast path.
    pub answers: AnswerCache,
    /// What is known of upstream addresses.
    pub infra: Infra,
    /// Where resolution starts.
    pub hints: RootHints,
    /// Names answered locally.
    pub local: LocalZones,
    /// Counters.
    pub counters: Counters,
    /// Traces of chosen client queries.
    pub traces: TraceRing,
    /// DNSSEC trust anchors; none means no validation (the default of the library; the
    /// `banyan` commands install the root's unless told not to).
    pub anchors: TrustAnchors,
    /// Zone key statuses proven so far.
    pub key_cache: KeyCache,
    /// Validated NSEC records, used to answer from the cache (RFC 8198).
    pub aggressive: AggressiveNsec,
    /// Response policy zones (blocklists), swapped whole on reload ([`Resolver::set_policy`]).
    pub policy: arc_swap::ArcSwap<ResponsePolicy>,
    /// Answers tailored to client subnets (RFC 7871 §7.3.1), when ECS is configured.
    pub ecs_answers: crate::ecs::EcsCache,
    /// The secret client cookies are derived from (RFC 7873 §5.1), random per process.
    cookie_secret: [u8; 16],
}

impl Resolver {
    /// Validates answers from these trust anchors on (RFC 4035 §4.4).
    pub fn set_trust_anchors(&mut self, anchors: TrustAnchors) {
        self.anchors = anchors;
    }

    /// Whether answers are validated.
    pub fn validating(&self) -> bool {
        !self.anchors.is_empty()
    }

    /// Traces resolutions of names at or below `watch` into the ring (and `sink`, as JSON
    /// lines, when given).
    pub fn trace_names(&mut self, watch: Name, sink: Option<Box<dyn std::io::Write + Send>>) {
        self.traces = match sink {
            Some(s) => TraceRing::with_sink(Some(watch), s),
            None => TraceRing::new(Some(watch)),
        };
    }

    /// A resolver with empty caches.
    pub fn new(config: ResolverConfig, hints: RootHints, local: LocalZones) -> Resolver {
        Resolver {
            cache: Cache::new(config.cache.clone()),
            answers: AnswerCache::new(config.answer_cache_bytes, config.cache.shards),
            infra: Infra::new(),
            hints,
            local,
            counters: Counters::default(),
            traces: TraceRing::new(None),
            anchors: TrustAnchors::none(),
            key_cache: KeyCache::default(),
            aggressive: AggressiveNsec::default(),
            policy: arc_swap::ArcSwap::from_pointee(ResponsePolicy::none()),
            ecs_answers: crate::ecs::EcsCache::default(),
            cookie_secret: rand::random(),
            config,
        }
    }

    /// The client cookie sent to `server` (RFC 7873 §5.1, Appendix A.1): a keyed hash of
    /// the server's address under a per-process secret, so each server sees its own value
    /// and none can predict another's. The client address is left out: the kernel picks it
    /// per socket and the state machine never learns it.
    pub fn client_cookie(&self, server: std::net::IpAddr) -> [u8; 8] {
        use std::hash::{Hash as _, Hasher as _};
        // SipHash (std's DefaultHasher) with the secret hashed first as its key material.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.cookie_secret.hash(&mut h);
        server.hash(&mut h);
        h.finish().to_be_bytes()
    }

    /// Puts `policy` in force for every resolution from now on, and empties the whole-reply
    /// cache, which may hold answers the new policy overrides (policy answers themselves are
    /// never cached).
    pub fn set_policy(&self, policy: ResponsePolicy) {
        self.policy.store(std::sync::Arc::new(policy));
        self.answers.clear();
    }

    /// The response policy's answer for a client's `qname` (any case) and `qtype`, when a
    /// rule applies ([`ResponsePolicy::answer`]).
    pub fn policy_answer(&self, qname: &Name, qtype: RecordType) -> Option<crate::answer::Answer> {
        let policy = self.policy.load();
        if policy.is_empty() {
            return None;
        }
        policy.answer(&qname.to_lowercase(), qtype)
    }

    /// The answer to a query without RD (RFC 1034 §4.3.1: no recursion): the cached RRset
    /// or negative answer, else a referral to the closest zone whose NS set is cached (as
    /// BIND and Unbound answer such queries), else the root's servers from the hints.
    pub fn answer_from_cache(&self, qname: &Name, qtype: RecordType, qclass: Class, now: std::time::Instant) -> Answer {
        let found = |rcode, answer, authority| Answer {
            rcode,
            answer,
            authority,
            uncacheable: true,
            security: crate::rrset::Security::Unchecked,
            ede: None,
            unchecked: None,
        };
        if let Some(hit) = self.cache.get(qname, qtype, qclass, now) {
            let mut set = (*hit.value).clone();
            set.ttl = hit.ttl;
            return found(Rcode::NOERROR, vec![set], Vec::new());
        }
        if let Some(neg) = self.cache.get_negative(qname, qtype, qclass, now) {
            let (rcode, soa) = match &*neg.value {
                crate::cache::Negative::NxDomain { soa, .. } => (Rcode::NXDOMAIN, soa.clone()),
                crate::cache::Negative::NoData { soa, .. } => (Rcode::NOERROR, soa.clone()),
            };
            let soa = soa.map(|mut s| {
                s.ttl = neg.ttl;
                s
            });
            return found(rcode, Vec::new(), soa.into_iter().collect());
        }
        let mut at = Some(qname.clone());
        while let Some(name) = at {
            if let Some(ns) = self.cache.get(&name, RecordType::NS, qclass, now) {
                let mut set = (*ns.value).clone();
                set.ttl = ns.ttl;
                return found(Rcode::NOERROR, Vec::new(), vec![set]);
            }
            at = name.parent();
        }
        found(Rcode::NOERROR, Vec::new(), vec![self.hints.ns_rrset()])
    }
}

/// Writes `answer` as the reply to `query` into `out` (cleared first), within `limit`
/// octets: when it does not fit, whole RRsets are left out and TC is set (RFC 2181 §9), so
/// the client retries over TCP. A client that set DO gets the RRSIGs and the NSEC/NSEC3
/// proofs (RFC 4035 §3.2.1); AD is set on a secure answer when the client set DO or AD
/// (RFC 6840 §5.8); an Extended DNS Error explains a SERVFAIL from validation (RFC 8914).
pub fn write_reply(answer: &Answer, query: &ClientQuery<'_>, udp_payload: u16, limit: usize, out: &mut Vec<u8>) {
    // CD: the client checks signatures itself and wants the data even when we found it bogus
    // (RFC 4035 §3.2.2).
    let answer = match (&answer.unchecked, query.header.cd) {
        (Some(unchecked), true) => unchecked,
        _ => answer,
    };
    let dnssec_ok = query.edns.is_some_and(|e| e.dnssec_ok);
    let header = Header {
        id: query.header.id,
        qr: true,
        rd: query.header.rd,
        ra: true,
        cd: query.header.cd,
        ad: answer.security == Security::Secure && (dnssec_ok || query.header.ad),
        rcode: (answer.rcode.0 & 0xF) as u8,
        ..Header::default()
    };
    out.clear();
    let mut b = MessageBuilder::new(out, header);
    b.set_limit(limit);
    let edns = query.edns.map(|e| banyan_wire::edns::Edns {
        udp_payload_size: udp_payload,
        dnssec_ok: e.dnssec_ok,
        options: answer
            .ede
            .iter()
            .map(|(code, text)| {
                banyan_wire::edns::EdnsOption::ExtendedError(banyan_wire::edns::ExtendedError {
                    info_code: *code,
                    extra_text: text.clone(),
                })
            })
            .collect(),
        ..Default::default()
    });
    if let Some(e) = &edns {
        b.reserve(e.wire_len());
    }
    // The client's own spelling of the name goes back (RFC 1035 §7.3 has resolvers match
    // replies by question; some clients compare case-sensitively after 0x20).
    let raw = &query.bytes[query.question.clone()];
    let qname = banyan_wire::NameBuf::from_wire(&raw[..raw.len() - 4]).unwrap_or(query.qname);
    if b.question(&qname, query.qtype, query.qclass).is_ok() {
        let _ = push_sections(&mut b, answer, dnssec_ok);
    }
    if let Some(e) = &edns {
        let _ = b.edns(e);
    }
    b.finish();
}

/// Writes `answer` in the form the answer cache keeps for clients with (or without) DO:
/// lowercase question, no OPT, no size limit, AD when secure. `false` when it is not to be
/// kept.
pub fn cacheable_reply(
    answer: &Answer,
    qname: &Name,
    qtype: RecordType,
    qclass: Class,
    dnssec_ok: bool,
    out: &mut Vec<u8>,
) -> bool {
    if answer.uncacheable || !matches!(answer.rcode, Rcode::NOERROR | Rcode::NXDOMAIN) {
        return false;
    }
    out.clear();
    let header = Header {
        qr: true,
        ra: true,
        ad: answer.security == Security::Secure,
        rcode: (answer.rcode.0 & 0xF) as u8,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(out, header);
    b.set_limit(banyan_wire::message::MAX_MESSAGE_LEN);
    if b.question(&qname.to_lowercase(), qtype, qclass).is_err() || push_sections(&mut b, answer, dnssec_ok).is_err() {
        return false;
    }
    b.finish();
    true
}

fn push_sections(
    b: &mut MessageBuilder<'_>,
    answer: &Answer,
    dnssec_ok: bool,
) -> Result<(), banyan_wire::message::BuildError> {
    for (section, sets) in [
        (BuildSection::Answer, &answer.answer),
        (BuildSection::Authority, &answer.authority),
    ] {
        for set in sets {
            let dnssec_record = matches!(set.rtype, RecordType::NSEC | RecordType::NSEC3);
            if dnssec_record && !dnssec_ok && section == BuildSection::Authority {
                continue;
            }
            for rdata in &set.rdata {
                b.push_stored(section, &set.name, set.rtype, set.class, set.ttl, rdata)?;
            }
            if dnssec_ok {
                for sig in &set.sigs {
                    b.push_stored(section, &set.name, RecordType::RRSIG, set.class, set.ttl, sig)?;
                }
            }
        }
    }
    Ok(())
}
