//! One client question resolved iteratively (RFC 1034 §5.3.3), as a state machine with no
//! sockets and no clock inside: the caller asks [`Resolution::poll`] what to do, sends the
//! query it is given, and hands back the reply ([`Resolution::on_reply`]) or the silence
//! ([`Resolution::on_timeout`]). `banyan-server` does the I/O; tests script the replies.
//!
//! The work is a stack of tasks: the client's question at the bottom, above it the lookups it
//! waits for — the root priming query (RFC 8109) and the addresses of name servers named
//! without glue. Each task knows its zone cut (the closest enclosing zone whose servers are
//! known) and asks those servers, following referrals down, with QNAME minimisation
//! (RFC 9156) on the way.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use banyan_wire::edns::{ClientSubnet, Cookie, Edns, EdnsOption};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Rcode, RecordType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::aggressive::Proven;
use crate::answer::Answer;
use crate::cache::Negative;
use crate::infra::Choice;
use crate::reply::{classify, negative_ttl, Meaning, Sections};
use crate::resolver::{Configured, Counters, Resolver, Transport};
use crate::rrset::{RRset, Security, Trust};
use crate::trace::{Trace, TraceEvent};
use crate::validate::{self, Validator};

/// RFC 9156 §2.3's MAX_MINIMISE_COUNT: minimised queries per zone cut before the full
/// name is sent at once (a bound on work for names with many labels).
const MAX_MINIMISE_COUNT: usize = 10;

/// What the caller should do next.
#[derive(Debug)]
pub enum Step {
    /// Send this query and report the reply or the timeout.
    Send(Outgoing),
    /// The resolution is over: this is the answer.
    Done(Answer),
}

/// A query to send upstream.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Where to: the server's address and the upstream port.
    pub server: SocketAddr,
    /// Over TCP (the UDP reply was truncated, or the forward zone says TCP).
    pub tcp: bool,
    /// The transport: UDP or TCP as `tcp` says, or TLS/HTTPS for a forward zone so
    /// configured.
    pub transport: Transport,
    /// The forward zone (index in `ResolverConfig::forward`) whose forwarder this is; the
    /// I/O side finds the TLS name, URL and CA there.
    pub forward: Option<usize>,
    /// The query message.
    pub message: Vec<u8>,
    /// How long to wait for the reply.
    pub timeout: Duration,
}

/// What became of a datagram handed to [`Resolution::on_reply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It was the reply: the query is over, poll again.
    Accepted,
    /// It was not the reply (wrong address, port, ID or question, or unreadable): keep
    /// waiting for the real one until the timeout.
    Ignored(&'static str),
}

/// Why a task exists.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Purpose {
    /// The client's question (following CNAMEs as they come).
    Client,
    /// The root NS set, asked of a hinted server (RFC 8109 §3).
    Priming,
    /// An address of a name server that came without glue.
    NsAddress,
    /// A DS or DNSKEY RRset the validator needs (RFC 4035 §5).
    Fetch,
}

/// The zone whose servers a task is asking.
#[derive(Clone, Debug)]
struct Cut {
    zone: Name,
    /// The zone's NS names.
    ns: Vec<Name>,
    /// Addresses already asked (or found dead) at this cut.
    tried: Vec<IpAddr>,
    /// NS names whose addresses were looked up already.
    looked_up: Vec<Name>,
    /// Labels of the name sent in the next minimised query; `None` once the full name goes.
    minimise: Option<usize>,
    minimised_sent: usize,
    /// A forward or stub zone: its servers are the configured addresses, not NS names.
    configured: Option<Configured>,
}

#[derive(Clone, Debug)]
struct Task {
    purpose: Purpose,
    qname: Name,
    qtype: RecordType,
    cut: Option<Cut>,
}

/// The query in flight.
#[derive(Clone, Debug)]
struct InFlight {
    id: u16,
    server: SocketAddr,
    /// The name as sent (with its 0x20 pattern) and its lowercase form.
    sent: Name,
    sent_lower: Name,
    qtype: RecordType,
    tcp: bool,
    edns: bool,
    caps: bool,
    at: Instant,
    /// The client subnet sent with it (RFC 7871 §7.1.2), if any.
    ecs: Option<ClientSubnet>,
    /// The client cookie sent (RFC 7873 §5.1), which the reply must carry if it has one.
    cookie: Option<[u8; 8]>,
    /// This query already repeats one that got BADCOOKIE.
    cookie_retried: bool,
}

/// A send that must repeat the last query to the same server (over TCP after TC, without
/// EDNS after FORMERR, without 0x20 after a case mismatch).
#[derive(Clone, Copy, Debug)]
struct Repeat {
    server: SocketAddr,
    tcp: bool,
    edns: bool,
    caps: bool,
    cookie_retried: bool,
}

/// One client question's resolution.
pub struct Resolution {
    qname: Name,
    qtype: RecordType,
    qclass: Class,
    started: Instant,
    sent: u32,
    /// The CNAME/DNAME records met so far, for the answer section.
    chain: Vec<RRset>,
    tasks: Vec<Task>,
    in_flight: Option<InFlight>,
    repeat: Option<Repeat>,
    /// The next send repeats a query answered BADCOOKIE.
    cookie_retry: bool,
    primed: bool,
    /// Skip the cache for the client's own question (a prefetch renews it).
    refresh: bool,
    /// NSEC/NSEC3 RRsets that came with the client's positive answer (wildcard proofs).
    proofs: Vec<RRset>,
    /// The answer waiting for validation, and the validator's state.
    validation: Option<(Answer, Validator)>,
    /// Validation is over (or was not wanted): the next result is final.
    validated: bool,
    /// Seconds since 1970 when the resolution started, for signature validity.
    unix_start: u32,
    result: Option<Answer>,
    finished: bool,
    rng: StdRng,
    trace: Option<Vec<TraceEvent>>,
    /// The client's subnet, sent with the queries for its question when ECS is configured.
    ecs: Option<ClientSubnet>,
    /// The longest SCOPE PREFIX-LENGTH of the replies the answer came from (RFC 7871
    /// §7.2.1): non-zero means the answer was tailored to the subnet and is kept out of the
    /// shared caches.
    scope: u8,
}

impl Resolution {
    /// Starts resolving (qname, qtype, qclass); IDs and 0x20 patterns from a CSPRNG seeded
    /// from the thread's (ChaCha-based) generator.
    pub fn new(qname: &Name, qtype: RecordType, qclass: Class, now: Instant) -> Resolution {
        Resolution::with_rng(qname, qtype, qclass, now, StdRng::from_rng(&mut rand::rng()))
    }

    /// As [`Resolution::new`] with a given generator (tests use a seeded one).
    pub fn with_rng(qname: &Name, qtype: RecordType, qclass: Class, now: Instant, rng: StdRng) -> Resolution {
        let qname = qname.to_lowercase();
        Resolution {
            tasks: vec![Task {
                purpose: Purpose::Client,
                qname: qname.clone(),
                qtype,
                cut: None,
            }],
            qname,
            qtype,
            qclass,
            started: now,
            sent: 0,
            chain: Vec::new(),
            in_flight: None,
            repeat: None,
            cookie_retry: false,
            primed: false,
            refresh: false,
            proofs: Vec::new(),
            validation: None,
            validated: false,
            // The wall clock is the caller's to read (no clock inside): see set_unix_time.
            unix_start: 0,
            result: None,
            finished: false,
            rng,
            trace: None,
            ecs: None,
            scope: 0,
        }
    }

    /// Sends `subnet` as the client's EDNS Client Subnet (RFC 7871 §7.1.2) with the queries
    /// for its question (to the zones `ResolverConfig::ecs` names).
    pub fn set_client_subnet(&mut self, subnet: ClientSubnet) {
        self.ecs = Some(subnet);
    }

    /// The longest scope an authority gave the answer (RFC 7871 §7.2.1); 0: valid for every
    /// client, and cached as usual.
    pub fn ecs_scope(&self) -> u8 {
        self.scope
    }

    /// Sets the wall-clock time (seconds since 1970) at the start of the resolution, against
    /// which signatures are checked. The driver sets it from the system clock; tests replay
    /// old RFC vectors with their own time. Without it a validating resolution is at 1970
    /// and finds every signature not yet valid.
    pub fn set_unix_time(&mut self, secs: u32) {
        self.unix_start = secs;
    }

    fn unix(&self, now: Instant) -> u32 {
        let elapsed = u32::try_from(now.saturating_duration_since(self.started).as_secs()).unwrap_or(u32::MAX);
        self.unix_start.wrapping_add(elapsed)
    }

    /// Asks upstream even when the cache holds the question's answer: a prefetch renews an
    /// entry shortly before it expires.
    pub fn refresh(&mut self) {
        self.refresh = true;
    }

    /// Records every step; [`Resolution::trace`] returns them.
    pub fn enable_trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    /// The steps so far (empty unless [`Resolution::enable_trace`] was called).
    pub fn trace(&self) -> Trace {
        Trace {
            question: format!("{} {}", self.qname, self.qtype),
            events: self.trace.clone().unwrap_or_default(),
        }
    }

    /// Upstream queries sent so far.
    pub fn upstream_queries(&self) -> u32 {
        self.sent
    }

    fn note(&mut self, event: impl FnOnce() -> TraceEvent) {
        if let Some(t) = &mut self.trace {
            t.push(event());
        }
    }

    /// The next thing to do. Call again after each reply or timeout; once it has returned
    /// [`Step::Done`] the resolution is over.
    pub fn poll(&mut self, r: &Resolver, now: Instant) -> Step {
        loop {
            if let Some(answer) = self.result.take() {
                let wanted = !self.validated
                    && r.validating()
                    && !answer.uncacheable
                    && matches!(answer.rcode, Rcode::NOERROR | Rcode::NXDOMAIN);
                if self.validation.take().is_some() || !wanted {
                    // A result while validating is a failure to fetch (budget, no server):
                    // final as it is.
                    self.validated = true;
                } else {
                    self.tasks.clear();
                    self.validation = Some((answer, Validator::new()));
                    continue;
                }
                self.finished = true;
                let (rcode, sent, ms) = (answer.rcode, self.sent, millis(now - self.started));
                self.note(|| TraceEvent::Done {
                    rcode: rcode.to_string(),
                    upstream_queries: sent,
                    ms,
                });
                if rcode == Rcode::SERVFAIL {
                    Counters::bump(&r.counters.servfail);
                }
                return Step::Done(answer);
            }
            if self.finished {
                return Step::Done(servfail());
            }
            if self.sent >= r.config.max_upstream_queries || now.duration_since(self.started) >= r.config.time_budget {
                self.give_up(r, now);
                continue;
            }
            if let Some(rep) = self.repeat.take() {
                self.cookie_retry = rep.cookie_retried;
                if let Some(out) = self.send(r, rep.server, None, None, rep.tcp, rep.edns, rep.caps, now) {
                    return Step::Send(out);
                }
                continue;
            }
            if self.tasks.is_empty() {
                if let Some((answer, mut validator)) = self.validation.take() {
                    let unix = self.unix(now);
                    match validator.step(r, &answer, &self.qname, self.qtype, unix, now) {
                        validate::Step::Fetch(name, rtype) => {
                            self.note(|| TraceEvent::Validation {
                                detail: format!("fetching {name} {rtype} for the chain of trust"),
                            });
                            self.tasks.push(Task {
                                purpose: Purpose::Fetch,
                                qname: name,
                                qtype: rtype,
                                cut: None,
                            });
                            self.validation = Some((answer, validator));
                        }
                        validate::Step::Done(security, ede) => {
                            let answer = self.verdict(r, answer, security, ede, now);
                            self.validated = true;
                            self.result = Some(answer);
                        }
                    }
                    continue;
                }
            }
            let Some(task) = self.tasks.last() else {
                self.give_up(r, now);
                continue;
            };
            if task.cut.is_none() {
                if self.try_cache(r, now) {
                    continue;
                }
                self.find_cut(r, now);
                continue;
            }
            match self.choose(r, now) {
                Some((server, name, why)) => {
                    // Forwarders recurse for us and may rebuild the question; 0x20 is for
                    // authorities.
                    let forwarding = self.forwarding().is_some();
                    let caps = r.config.case_randomisation && !forwarding && !r.infra.no_caps(server.ip());
                    if let Some(out) = self.send(r, server, name, Some(why), false, true, caps, now) {
                        return Step::Send(out);
                    }
                }
                None => {
                    if !self.look_up_ns_address(r) {
                        self.task_failed(r, now);
                    }
                }
            }
        }
    }

    /// Answers the top task from the cache when it can; true when the task moved on.
    fn try_cache(&mut self, r: &Resolver, now: Instant) -> bool {
        let Some(task) = self.tasks.last() else { return false };
        if task.purpose == Purpose::Priming {
            return false;
        }
        let (name, qtype, purpose) = (task.qname.clone(), task.qtype, task.purpose.clone());
        if purpose == Purpose::Client && self.chain.is_empty() && self.qclass == Class::IN {
            // Response policy (RPZ) first, as BIND applies it before local data and cache.
            if let Some(policy) = r.policy_answer(&name, qtype) {
                self.note(|| TraceEvent::Local { name: name.to_string() });
                self.result = Some(policy);
                return true;
            }
        }
        if purpose == Purpose::Client && self.chain.is_empty() {
            if let Some(local) = r.local.answer(&(&name).into(), qtype, self.qclass) {
                self.note(|| TraceEvent::Local { name: name.to_string() });
                self.result = Some(local);
                return true;
            }
        }
        if purpose == Purpose::Client && self.chain.is_empty() && self.refresh {
            self.refresh = false;
            return false;
        }
        if purpose == Purpose::Client && self.chain.is_empty() && r.validating() {
            let zone = validate::zone_of(r, &name, now);
            if let Some(proven) = r.aggressive.prove(&zone, &name, qtype, now) {
                let (rcode, mut authority) = match proven {
                    Proven::NxDomain(soa, proofs) => (Rcode::NXDOMAIN, [vec![soa], proofs].concat()),
                    Proven::NoData(soa, proofs) => (Rcode::NOERROR, [vec![soa], proofs].concat()),
                };
                for set in &mut authority {
                    set.security = Security::Secure;
                }
                self.note(|| TraceEvent::CacheHit {
                    name: name.to_string(),
                    what: format!("{rcode} from a validated NSEC (RFC 8198)"),
                    ttl: authority[0].ttl,
                });
                Counters::bump(&r.counters.aggressive_nsec);
                self.tasks.pop();
                self.validated = true;
                self.result = Some(Answer {
                    rcode,
                    answer: Vec::new(),
                    authority,
                    uncacheable: false,
                    security: Security::Secure,
                    ede: None,
                    unchecked: None,
                });
                return true;
            }
        }
        if qtype != RecordType::ANY {
            if let Some(hit) = r
                .cache
                .get(&name, qtype, self.qclass, now)
                .filter(|h| answerable(h.trust, &purpose))
            {
                self.note(|| TraceEvent::CacheHit {
                    name: name.to_string(),
                    what: qtype.to_string(),
                    ttl: hit.ttl,
                });
                let mut set = (*hit.value).clone();
                set.ttl = hit.ttl;
                self.task_answered(Some(set));
                return true;
            }
        }
        if let Some(neg) = r
            .cache
            .get_negative(&name, qtype, self.qclass, now)
            .filter(|n| answerable(n.trust, &purpose))
        {
            let (what, soa, proofs, nx) = match &*neg.value {
                Negative::NxDomain { soa, proofs } => ("NXDOMAIN", soa.clone(), proofs.clone(), true),
                Negative::NoData { soa, proofs } => ("NODATA", soa.clone(), proofs.clone(), false),
            };
            self.note(|| TraceEvent::CacheHit {
                name: name.to_string(),
                what: what.into(),
                ttl: neg.ttl,
            });
            let soa = soa.map(|mut s| {
                s.ttl = neg.ttl;
                s
            });
            self.task_negative(r, nx, soa, proofs);
            return true;
        }
        if qtype != RecordType::CNAME {
            if let Some(hit) = r
                .cache
                .get(&name, RecordType::CNAME, self.qclass, now)
                .filter(|h| answerable(h.trust, &purpose))
            {
                self.note(|| TraceEvent::CacheHit {
                    name: name.to_string(),
                    what: "CNAME".into(),
                    ttl: hit.ttl,
                });
                let mut set = (*hit.value).clone();
                set.ttl = hit.ttl;
                let target = set.rdata.first().and_then(|d| Name::from_wire(d).ok());
                match target {
                    Some(target) => self.follow(r, vec![set], target.to_lowercase()),
                    None => self.task_failed(r, now),
                }
                return true;
            }
        }
        false
    }

    /// Sets the top task's zone cut: the closest enclosing zone with a cached NS set, or the
    /// root from the hints after priming.
    fn find_cut(&mut self, r: &Resolver, now: Instant) {
        let Some(task) = self.tasks.last() else { return };
        let mut at = Some(task.qname.clone());
        // A DS record lives in the parent zone (RFC 4035 §3.1.4.1): start above the name.
        if task.qtype == RecordType::DS {
            at = at.and_then(|n| n.parent());
        }
        let configured = at.as_ref().and_then(|n| r.config.configured_zone(n));
        if let Some((zone, which @ Configured::Forward(_))) = configured {
            // Everything at or below a forward zone goes to its forwarders, whatever
            // delegations are cached.
            self.set_cut(r, zone, Vec::new(), Some(which));
            return;
        }
        while let Some(name) = at {
            if let Some((zone, which)) = configured.as_ref().filter(|(z, _)| *z == name) {
                // A stub zone's configured servers stand for its NS set; delegations below
                // it found in the cache were learnt from them and are used first.
                self.set_cut(r, zone.clone(), Vec::new(), Some(*which));
                return;
            }
            if let Some(ns) = r.cache.get(&name, RecordType::NS, self.qclass, now) {
                let names: Vec<Name> = ns
                    .value
                    .rdata
                    .iter()
                    .filter_map(|d| Name::from_wire(d).ok())
                    .map(|n| n.to_lowercase())
                    .collect();
                if !names.is_empty() {
                    self.set_cut(r, name, names, None);
                    return;
                }
            }
            at = name.parent();
        }
        // Nothing cached, not even the root's NS set.
        if self.primed || task.purpose == Purpose::Priming {
            // Priming failed (or its NS set expired): the hints themselves are the cut.
            let names = r.hints.servers.iter().map(|(n, _)| n.to_lowercase()).collect();
            self.seed_hint_addresses(r, now);
            self.set_cut(r, Name::root(), names, None);
            return;
        }
        // RFC 8109 §3: ask a hinted server for the root NS set before anything else.
        self.primed = true;
        self.note(|| TraceEvent::Priming);
        self.seed_hint_addresses(r, now);
        let names = r.hints.servers.iter().map(|(n, _)| n.to_lowercase()).collect();
        self.tasks.push(Task {
            purpose: Purpose::Priming,
            qname: Name::root(),
            qtype: RecordType::NS,
            cut: None,
        });
        self.set_cut(r, Name::root(), names, None);
    }

    /// Puts the hints' addresses in the cache at the lowest trust, where any real answer
    /// replaces them.
    fn seed_hint_addresses(&self, r: &Resolver, now: Instant) {
        for set in r.hints.address_rrsets() {
            if r.cache.get(&set.name, set.rtype, set.class, now).is_none() {
                r.cache.insert(set, Trust::Additional, now);
            }
        }
    }

    fn set_cut(&mut self, r: &Resolver, zone: Name, ns: Vec<Name>, configured: Option<Configured>) {
        let Some(task) = self.tasks.last_mut() else { return };
        let forward = matches!(configured, Some(Configured::Forward(_)));
        let minimise = (r.config.qname_minimisation
            && !forward
            && task.purpose != Purpose::Priming
            && task.qname.label_count() > zone.label_count() + 1)
            .then_some(zone.label_count() + 1);
        task.cut = Some(Cut {
            zone,
            ns,
            tried: Vec::new(),
            looked_up: Vec::new(),
            minimise,
            minimised_sent: 0,
            configured,
        });
    }

    /// The forward zone (its index) whose forwarders the top task asks, if any.
    fn forwarding(&self) -> Option<usize> {
        match self.tasks.last()?.cut.as_ref()?.configured {
            Some(Configured::Forward(i)) => Some(i),
            _ => None,
        }
    }

    /// The next server of the top task's cut to ask, with its NS name and why.
    fn choose(&mut self, r: &Resolver, now: Instant) -> Option<(SocketAddr, Option<Name>, Choice)> {
        let cut = self.tasks.last()?.cut.as_ref()?;
        if let Some(which) = cut.configured {
            // Configured servers are asked whatever their address (the operator chose them).
            let servers = r.config.configured_addresses(which);
            let addrs: Vec<IpAddr> = servers.iter().map(|s| s.ip()).collect();
            let tried = cut.tried.clone();
            let roll: f64 = self.rng.random();
            let (ip, why) = r.infra.choose(&addrs, &|a| tried.contains(&a), roll, now)?;
            let server = servers.iter().find(|s| s.ip() == ip).copied()?;
            return Some((server, None, why));
        }
        let mut candidates: Vec<(IpAddr, Name)> = Vec::new();
        for ns in &cut.ns {
            for rtype in [RecordType::A, RecordType::AAAA] {
                if rtype == RecordType::AAAA && !r.config.ipv6 {
                    continue;
                }
                if let Some(set) = r.cache.get(ns, rtype, Class::IN, now) {
                    for d in &set.value.rdata {
                        if let Some(ip) = address(rtype, d) {
                            if usable(r, ip) && !candidates.iter().any(|(a, _)| *a == ip) {
                                candidates.push((ip, ns.clone()));
                            }
                        }
                    }
                }
            }
        }
        let addrs: Vec<IpAddr> = candidates.iter().map(|(a, _)| *a).collect();
        let tried = cut.tried.clone();
        let roll: f64 = self.rng.random();
        let (ip, why) = r.infra.choose(&addrs, &|a| tried.contains(&a), roll, now)?;
        let name = candidates.iter().find(|(a, _)| *a == ip).map(|(_, n)| n.clone());
        Some((SocketAddr::new(ip, r.config.upstream_port), name, why))
    }

    /// Pushes a lookup of the next NS name of the top cut that has no known address; false
    /// when there is none left to look up (or the depth bound is reached).
    fn look_up_ns_address(&mut self, r: &Resolver) -> bool {
        if self.tasks.len() > r.config.max_depth {
            return false;
        }
        let busy: Vec<Name> = self.tasks.iter().map(|t| t.qname.clone()).collect();
        let Some(cut) = self.tasks.last_mut().and_then(|t| t.cut.as_mut()) else {
            return false;
        };
        let Some(ns) = cut
            .ns
            .iter()
            .find(|n| !cut.looked_up.contains(n) && !busy.contains(n))
            .cloned()
        else {
            return false;
        };
        cut.looked_up.push(ns.clone());
        self.note(|| TraceEvent::NsLookup { name: ns.to_string() });
        self.tasks.push(Task {
            purpose: Purpose::NsAddress,
            qname: ns,
            qtype: RecordType::A,
            cut: None,
        });
        true
    }

    /// Builds and records the query of the top task to `server`; `why` is `None` for a repeat
    /// to the same server (over TCP, without EDNS or without 0x20).
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        r: &Resolver,
        server: SocketAddr,
        server_name: Option<Name>,
        why: Option<Choice>,
        tcp: bool,
        edns: bool,
        caps: bool,
        now: Instant,
    ) -> Option<Outgoing> {
        let task = self.tasks.last_mut()?;
        let cut = task.cut.as_mut()?;
        // RFC 9156 §2.3 lets cached knowledge skip labels: a shortened name already known to
        // exist (data, NODATA or an alias cached for it) inside this zone needs no query.
        // Unbound does the same; without it every cold name under a known empty
        // non-terminal would cost two queries.
        while let Some(labels) = cut.minimise {
            if labels >= task.qname.label_count() {
                break;
            }
            let shortened = task.qname.suffix(labels);
            let known = r.cache.get(&shortened, RecordType::A, self.qclass, now).is_some()
                || r.cache.get(&shortened, RecordType::CNAME, self.qclass, now).is_some()
                || r.cache
                    .get_negative(&shortened, RecordType::A, self.qclass, now)
                    .is_some_and(|n| matches!(*n.value, Negative::NoData { .. }));
            if !known {
                break;
            }
            cut.minimise = (labels + 1 < task.qname.label_count()).then_some(labels + 1);
        }
        let (sent_lower, qtype) = match cut.minimise {
            Some(labels) if labels < task.qname.label_count() => (task.qname.suffix(labels), RecordType::A),
            _ => (task.qname.clone(), task.qtype),
        };
        if !cut.tried.contains(&server.ip()) {
            cut.tried.push(server.ip());
        }
        let zone = cut.zone.clone();
        let ecs = match (&self.ecs, &r.config.ecs) {
            (Some(subnet), Some(config)) if task.purpose == Purpose::Client && config.sent_for(&sent_lower) => {
                Some(*subnet)
            }
            _ => None,
        };
        let forward = match cut.configured {
            Some(Configured::Forward(i)) => Some(i),
            _ => None,
        };
        let transport = match forward.and_then(|i| r.config.forward.get(i)).map(|f| f.transport) {
            _ if tcp => Transport::Tcp,
            Some(t) => t,
            None => Transport::Udp,
        };
        let tcp = transport == Transport::Tcp;
        let sent = if caps {
            randomise_case(&sent_lower, &mut self.rng)
        } else {
            sent_lower.clone()
        };
        let id: u16 = self.rng.random();
        let mut message = Vec::with_capacity(64);
        let mut b = MessageBuilder::new(
            &mut message,
            Header {
                id,
                // A forwarder is asked to recurse (RFC 1034 §5.3.1); a validating resolver
                // asks it not to check signatures (CD) so that it validates the data itself
                // and a bogus answer is not hidden behind a forwarder's SERVFAIL.
                rd: forward.is_some(),
                cd: forward.is_some() && r.validating(),
                ..Header::default()
            },
        );
        b.question(&sent, qtype, self.qclass).ok()?;
        // RFC 7873 §5.1: a cookie on every query over UDP and TCP (an encrypted transport
        // authenticates the server already, and a cookie there would only identify us).
        let cookie = (edns && r.config.cookies && matches!(transport, Transport::Udp | Transport::Tcp))
            .then(|| r.client_cookie(server.ip()));
        if edns {
            b.edns(&Edns {
                udp_payload_size: r.config.udp_payload,
                // RFC 4035 §4.1: a validating resolver asks for RRSIGs and proofs.
                dnssec_ok: r.validating(),
                options: ecs
                    .map(EdnsOption::ClientSubnet)
                    .into_iter()
                    .chain(cookie.map(|client| {
                        EdnsOption::Cookie(Cookie {
                            client,
                            server: r.infra.server_cookie(server.ip()),
                        })
                    }))
                    .collect(),
                ..Edns::default()
            })
            .ok()?;
        }
        let cookie_retried = std::mem::take(&mut self.cookie_retry);
        b.finish();
        self.sent += 1;
        Counters::bump(&r.counters.upstream_queries);
        let timeout = if tcp {
            // A TCP exchange needs a handshake first; the UDP estimate would be too short.
            r.infra.timeout_for(server.ip(), now) * 3
        } else {
            r.infra.timeout_for(server.ip(), now)
        };
        self.note(|| TraceEvent::Query {
            zone: zone.to_string(),
            server: server_name.map(|n| n.to_string()),
            address: server.to_string(),
            why: why.map_or_else(|| "the same server again".into(), describe_choice),
            qname: sent.to_string(),
            qtype: qtype.to_string(),
            tcp,
        });
        self.in_flight = Some(InFlight {
            id,
            server,
            sent,
            sent_lower,
            qtype,
            tcp,
            edns,
            caps,
            at: now,
            ecs: ecs.filter(|_| edns),
            cookie,
            cookie_retried,
        });
        Some(Outgoing {
            server,
            tcp,
            transport,
            forward,
            message,
            timeout,
        })
    }

    /// The query in flight got no reply in time, or its address was unreachable.
    pub fn on_timeout(&mut self, r: &Resolver, now: Instant) {
        if let Some(q) = self.in_flight.take() {
            r.infra.record_timeout(q.server.ip(), now);
            self.note(|| TraceEvent::Timeout {
                address: q.server.to_string(),
                ms: millis(now - q.at),
            });
        }
    }

    /// A datagram (or TCP message) from `from` while a query is in flight. Only the reply —
    /// same address and port, same ID, same question spelled exactly as sent — is
    /// accepted; anything else is ignored and the wait goes on.
    pub fn on_reply(&mut self, r: &Resolver, now: Instant, from: SocketAddr, bytes: &[u8]) -> Verdict {
        let verdict = self.check_reply(from, bytes);
        if let Verdict::Ignored(reason) = verdict {
            Counters::bump(&r.counters.rejected_replies);
            self.note(|| TraceEvent::Ignored { reason: reason.into() });
            return verdict;
        }
        let Some(q) = self.in_flight.take() else {
            return Verdict::Ignored("no query in flight");
        };
        r.infra.record_rtt(q.server.ip(), now - q.at, now);
        let Ok(msg) = Message::parse(bytes) else {
            return Verdict::Ignored("unreadable");
        };
        let ms = millis(now - q.at);
        let exact = msg
            .question()
            .is_some_and(|qv| name_bytes_equal(bytes, qv.qname.offset(), &q.sent));
        if !exact {
            // Same name, other case: the server does not echo 0x20 (or someone guessed
            // everything but the case). Ask again without it (Unbound's caps fallback).
            r.infra.set_no_caps(q.server.ip());
            self.note(|| {
                reply_event(
                    ms,
                    "case-mismatch",
                    vec!["0x20 not echoed; asking again without it".into()],
                )
            });
            self.repeat = Some(Repeat {
                server: q.server,
                tcp: q.tcp,
                edns: q.edns,
                caps: false,
                cookie_retried: q.cookie_retried,
            });
            return Verdict::Accepted;
        }
        if let Some(Cookie {
            server: Some(server_cookie),
            ..
        }) = reply_cookie(&msg)
        {
            // RFC 7873 §5.3: kept, and sent back from now on.
            r.infra.set_server_cookie(q.server.ip(), &server_cookie);
        }
        if msg.rcode() == Rcode::BADCOOKIE && q.cookie.is_some() {
            // RFC 7873 §5.3: the server wants its (new) cookie back: once more with it,
            // then over TCP, where the cookie is not needed.
            if !q.cookie_retried || !q.tcp {
                self.note(|| {
                    reply_event(
                        ms,
                        "badcookie",
                        vec!["BADCOOKIE; asking again with the server cookie".into()],
                    )
                });
                self.repeat = Some(Repeat {
                    server: q.server,
                    tcp: q.tcp || q.cookie_retried,
                    edns: q.edns,
                    caps: q.caps,
                    cookie_retried: true,
                });
                return Verdict::Accepted;
            }
        }
        let header = *msg.header();
        if header.tc && !q.tcp {
            self.note(|| reply_event(ms, "truncated", vec!["TC set; asking again over TCP".into()]));
            self.repeat = Some(Repeat {
                server: q.server,
                tcp: true,
                edns: q.edns,
                caps: q.caps,
                cookie_retried: q.cookie_retried,
            });
            return Verdict::Accepted;
        }
        if msg.rcode() == Rcode::FORMERR && q.edns {
            // RFC 6891 §7: a server that does not know EDNS may answer FORMERR; ask plain.
            self.note(|| reply_event(ms, "formerr", vec!["FORMERR to EDNS; asking again without".into()]));
            self.repeat = Some(Repeat {
                server: q.server,
                tcp: q.tcp,
                edns: false,
                caps: q.caps,
                cookie_retried: q.cookie_retried,
            });
            return Verdict::Accepted;
        }
        self.handle(r, now, &q, &msg, ms);
        Verdict::Accepted
    }

    fn check_reply(&self, from: SocketAddr, bytes: &[u8]) -> Verdict {
        let Some(q) = &self.in_flight else {
            return Verdict::Ignored("no query in flight");
        };
        if from != q.server {
            return Verdict::Ignored("from another address or port");
        }
        let Ok(msg) = Message::parse(bytes) else {
            return Verdict::Ignored("malformed");
        };
        let h = msg.header();
        if !h.qr {
            return Verdict::Ignored("not a response");
        }
        if h.id != q.id {
            return Verdict::Ignored("wrong ID");
        }
        match msg.question() {
            Some(qv)
                if h.qdcount == 1 && qv.qtype == q.qtype && qv.qclass == self.qclass && qv.qname.eq_name(&q.sent) => {}
            _ => return Verdict::Ignored("question does not match"),
        }
        // RFC 7873 §5.3: a reply carrying a client cookie other than ours is forged (or
        // for another query) and is discarded; one without a cookie is a server that does
        // not do cookies.
        match (q.cookie, msg.edns().is_some_and(|e| e.is_err()), reply_cookie(&msg)) {
            (Some(_), true, _) => Verdict::Ignored("malformed OPT record"),
            (Some(sent), false, Some(got)) if got.client != sent => Verdict::Ignored("client cookie does not match"),
            _ => Verdict::Accepted,
        }
    }

    /// Acts on an accepted reply to `q`.
    fn handle(&mut self, r: &Resolver, now: Instant, q: &InFlight, msg: &Message<'_>, ms: u64) {
        let Some(task) = self.tasks.last() else { return };
        let Some(cut) = &task.cut else { return };
        let zone = cut.zone.clone();
        let forwarded = matches!(cut.configured, Some(Configured::Forward(_)));
        let minimised = q.sent_lower != task.qname || q.qtype != task.qtype;
        let purpose = task.purpose.clone();
        let mut sections = match Sections::read(msg) {
            Ok(s) => s,
            Err(_) => {
                self.note(|| reply_event(ms, "lame", vec!["a record did not parse".into()]));
                return;
            }
        };
        let before = sections.answer.len() + sections.authority.len() + sections.additional.len();
        sections.keep_in_bailiwick(&zone);
        let dropped = before - (sections.answer.len() + sections.authority.len() + sections.additional.len());
        if dropped > 0 {
            for _ in 0..dropped {
                Counters::bump(&r.counters.rejected_replies);
            }
            self.note(|| TraceEvent::Ignored {
                reason: format!("{dropped} RRsets outside the bailiwick of {zone} dropped"),
            });
        }
        // RFC 7871 §7.3: a reply whose option does not echo what was sent is dropped; one
        // with a non-zero scope is tailored to the subnet and kept out of the shared cache.
        let mut tailored = false;
        if let Some(sent) = q.ecs {
            let echoed = match msg.edns() {
                Some(Ok(e)) => match e.option(banyan_wire::edns::code::CLIENT_SUBNET) {
                    Some(EdnsOption::ClientSubnet(c)) => Some(*c),
                    _ => None,
                },
                _ => None,
            };
            if let Some(c) = echoed {
                if c.address != sent.address || c.source_prefix != sent.source_prefix {
                    self.note(|| reply_event(ms, "lame", vec!["ECS option does not match the query's".into()]));
                    return;
                }
                if c.scope_prefix > 0 {
                    tailored = true;
                    self.scope = self.scope.max(c.scope_prefix);
                }
            }
        }
        let cache = |set: RRset, trust: Trust| {
            if !tailored {
                r.cache.insert(set, trust, now);
            }
        };
        let aa = msg.header().aa;
        let meaning = classify(msg.rcode(), aa, &sections, &zone, &q.sent_lower, q.qtype);
        // The NSEC/NSEC3 RRsets of the authority section: denial proofs, and for a wildcard
        // answer the proof that no closer name exists (RFC 4035 §3.1.3).
        let proofs: Vec<RRset> = sections
            .authority
            .iter()
            .filter(|set| matches!(set.rtype, RecordType::NSEC | RecordType::NSEC3))
            .cloned()
            .collect();
        let answer_trust = if aa { Trust::AuthAnswer } else { Trust::NonAuthAnswer };
        if minimised && matches!(meaning, Meaning::Answer { .. } | Meaning::NoData { .. }) {
            // RFC 9156 §3: the shortened name exists (data, an alias or an empty
            // non-terminal) and this zone is still authoritative for it: one label more.
            // Its records are real answers to the question sent and are cached as such.
            match &meaning {
                Meaning::Answer { chain, records, .. } => {
                    for set in chain.iter().chain(records) {
                        cache(set.clone(), answer_trust);
                    }
                }
                Meaning::NoData {
                    chain,
                    name,
                    soa: Some(soa),
                } if chain.is_empty() && !tailored => {
                    // Remembered so that the next name below it skips this step.
                    let mut soa = soa.clone();
                    soa.ttl = negative_ttl(&soa);
                    let ttl = soa.ttl;
                    let neg = Negative::NoData {
                        soa: Some(soa),
                        proofs: Vec::new(),
                    };
                    r.cache
                        .insert_negative(name, Some(q.qtype), self.qclass, neg, ttl, answer_trust, now);
                }
                _ => {}
            }
            self.note(|| {
                reply_event(
                    ms,
                    "minimised",
                    vec![format!("{} exists; one label more", q.sent_lower)],
                )
            });
            self.deeper();
            return;
        }
        match meaning {
            Meaning::Lame(reason) => {
                self.note(|| reply_event(ms, "lame", vec![reason.into()]));
            }
            Meaning::Referral { zone: child, ns, glue } => {
                if forwarded {
                    // A forwarder is to answer, not to delegate: another forwarder is tried.
                    self.note(|| reply_event(ms, "lame", vec!["a referral from a forwarder".into()]));
                    return;
                }
                if purpose == Purpose::Priming {
                    self.note(|| reply_event(ms, "lame", vec!["a referral to a priming query".into()]));
                    return;
                }
                let names: Vec<Name> = ns
                    .rdata
                    .iter()
                    .filter_map(|d| Name::from_wire(d).ok())
                    .map(|n| n.to_lowercase())
                    .collect();
                // Built only when tracing: formatting is most of a reply's cost otherwise.
                self.note(|| {
                    let mut detail = vec![format!("zone cut {child}: NS {}", join(&names))];
                    for g in &glue {
                        for d in &g.rdata {
                            if let Some(ip) = address(g.rtype, d) {
                                detail.push(format!("glue {} {ip} (ttl {})", g.name, g.ttl));
                            }
                        }
                    }
                    detail.push(format!("NS ttl {}", ns.ttl));
                    reply_event(ms, "referral", detail)
                });
                r.cache.insert(ns, Trust::Referral, now);
                for g in glue {
                    r.cache.insert(g, Trust::Additional, now);
                }
                // A signed parent's referral carries the child's DS (or the proof that
                // there is none, RFC 4035 §3.1.4): kept, it saves the validator a query per
                // zone cut, as Unbound does. The parent is authoritative for it.
                if let Some(ds) = Sections::find(&sections.authority, &child, RecordType::DS) {
                    r.cache.insert(ds.clone(), Trust::AuthAuthority, now);
                } else if r.validating() && !proofs.is_empty() {
                    let ttl = proofs.iter().map(|p| p.ttl).min().unwrap_or(0);
                    let neg = Negative::NoData {
                        soa: None,
                        proofs: proofs.clone(),
                    };
                    // Referral trust: good for the validator's chain, not for answering a
                    // client (it has no SOA for the authority section).
                    r.cache.insert_negative(
                        &child,
                        Some(RecordType::DS),
                        self.qclass,
                        neg,
                        ttl,
                        Trust::Referral,
                        now,
                    );
                }
                self.set_cut(r, child, names, None);
            }
            Meaning::Answer { chain, records, next } => {
                for c in &chain {
                    cache(c.clone(), answer_trust);
                }
                if let Some(set) = &records {
                    cache(set.clone(), answer_trust);
                }
                if purpose == Purpose::Priming {
                    // RFC 8109 §3.3: the root servers' addresses come in the additional section.
                    let names: Vec<Name> = records
                        .iter()
                        .flat_map(|s| s.rdata.iter())
                        .filter_map(|d| Name::from_wire(d).ok())
                        .map(|n| n.to_lowercase())
                        .collect();
                    for set in sections.additional {
                        if matches!(set.rtype, RecordType::A | RecordType::AAAA) && names.contains(&set.name) {
                            r.cache.insert(set, Trust::Additional, now);
                        }
                    }
                    self.note(|| reply_event(ms, "answer", vec![format!("root NS: {}", join(&names))]));
                    self.tasks.pop();
                    return;
                }
                self.note(|| {
                    let mut detail: Vec<String> = chain.iter().flat_map(describe_set).collect();
                    detail.extend(records.iter().flat_map(describe_set));
                    let kind = if records.is_none() { "cname" } else { "answer" };
                    reply_event(ms, kind, detail)
                });
                if purpose == Purpose::Client {
                    self.proofs.extend(proofs);
                }
                match (records, next) {
                    (Some(set), _) => {
                        self.chain_extend(chain);
                        self.task_answered(Some(set));
                    }
                    (None, Some(next)) => self.follow(r, chain, next),
                    (None, None) => self.task_answered(None),
                }
            }
            Meaning::NxDomain { chain, name, soa } => {
                if minimised {
                    // Unbound's relaxed mode: an NXDOMAIN for a shortened name may come from
                    // a server that mishandles empty non-terminals (RFC 8020 is not
                    // universal), so the full name is asked before believing it.
                    self.note(|| {
                        reply_event(
                            ms,
                            "minimised",
                            vec![format!("NXDOMAIN for {}; asking the full name", q.sent_lower)],
                        )
                    });
                    self.stop_minimising();
                    return;
                }
                self.negative(r, true, chain, name, soa, proofs, q.qtype, answer_trust, ms, now);
            }
            Meaning::NoData { chain, name, soa } => {
                self.negative(r, false, chain, name, soa, proofs, q.qtype, answer_trust, ms, now);
            }
        }
    }

    /// A negative answer for `name` (NXDOMAIN when `nx`, else NODATA for `qtype`): cached
    /// for the SOA's negative TTL (RFC 2308 §5) with its proofs, and given to the task.
    #[allow(clippy::too_many_arguments)]
    fn negative(
        &mut self,
        r: &Resolver,
        nx: bool,
        chain: Vec<RRset>,
        name: Name,
        soa: Option<RRset>,
        proofs: Vec<RRset>,
        qtype: RecordType,
        trust: Trust,
        ms: u64,
        now: Instant,
    ) {
        // A negative answer tailored to the client's subnet (RFC 7871) is not shared.
        let shared = self.scope == 0;
        for c in chain.iter().filter(|_| shared) {
            r.cache.insert(c.clone(), trust, now);
        }
        let soa = soa.map(|mut s| {
            s.ttl = negative_ttl(&s);
            s
        });
        if let Some(s) = soa.as_ref().filter(|_| shared) {
            let (neg, rtype) = if nx {
                let neg = Negative::NxDomain {
                    soa: Some(s.clone()),
                    proofs: proofs.clone(),
                };
                (neg, None)
            } else {
                let neg = Negative::NoData {
                    soa: Some(s.clone()),
                    proofs: proofs.clone(),
                };
                (neg, Some(qtype))
            };
            r.cache
                .insert_negative(&name, rtype, self.qclass, neg, s.ttl, trust, now);
        }
        self.note(|| {
            let (kind, what) = if nx {
                ("nxdomain", format!("{name} does not exist{}", soa_note(&soa)))
            } else {
                ("nodata", format!("{name} has no {qtype} records{}", soa_note(&soa)))
            };
            reply_event(ms, kind, vec![what])
        });
        self.chain_extend(chain);
        self.task_negative(r, nx, soa, proofs);
    }

    /// One more label in the next minimised query (RFC 9156 §3 step 5).
    fn deeper(&mut self) {
        let Some(task) = self.tasks.last_mut() else { return };
        let total = task.qname.label_count();
        if let Some(cut) = task.cut.as_mut() {
            cut.minimised_sent += 1;
            // The server that answered is as good as any for the next step.
            cut.tried.clear();
            cut.minimise = match cut.minimise {
                Some(l) if l + 1 < total && cut.minimised_sent < MAX_MINIMISE_COUNT => Some(l + 1),
                _ => None,
            };
        }
    }

    fn stop_minimising(&mut self) {
        if let Some(cut) = self.tasks.last_mut().and_then(|t| t.cut.as_mut()) {
            cut.minimise = None;
            cut.tried.clear();
        }
    }

    fn chain_extend(&mut self, chain: Vec<RRset>) {
        if self.tasks.len() == 1 && self.tasks[0].purpose == Purpose::Client {
            self.chain.extend(chain);
        }
    }

    /// The top task's chain continues at `next`, outside the zone that answered.
    fn follow(&mut self, r: &Resolver, chain: Vec<RRset>, next: Name) {
        let client = self.tasks.len() == 1 && self.tasks[0].purpose == Purpose::Client;
        if client {
            let looped = self
                .chain
                .iter()
                .any(|c| c.rtype == RecordType::CNAME && c.name == next)
                || next == self.qname;
            self.chain.extend(chain);
            let hops = self.chain.iter().filter(|c| c.rtype == RecordType::CNAME).count();
            if looped || hops > r.config.max_chain {
                self.result = Some(servfail());
                return;
            }
        }
        self.note(|| TraceEvent::Restart { name: next.to_string() });
        if let Some(task) = self.tasks.last_mut() {
            task.qname = next;
            task.cut = None;
        }
    }

    /// The top task has its data (`None`: a chain that ended without data of the type, in
    /// which case the client gets NOERROR with the chain alone).
    fn task_answered(&mut self, set: Option<RRset>) {
        let Some(task) = self.tasks.pop() else { return };
        if task.purpose == Purpose::Client {
            let mut answer = std::mem::take(&mut self.chain);
            answer.extend(set);
            self.result = Some(Answer {
                rcode: Rcode::NOERROR,
                answer,
                authority: std::mem::take(&mut self.proofs),
                uncacheable: false,
                security: crate::rrset::Security::Unchecked,
                ede: None,
                unchecked: None,
            });
        }
    }

    /// The top task's name does not exist (`nx`) or has no data of the type.
    fn task_negative(&mut self, r: &Resolver, nx: bool, soa: Option<RRset>, proofs: Vec<RRset>) {
        let Some(task) = self.tasks.last_mut() else { return };
        match task.purpose {
            Purpose::Client => {
                self.tasks.pop();
                let mut authority: Vec<RRset> = soa.into_iter().collect();
                authority.extend(proofs);
                self.result = Some(Answer {
                    rcode: if nx { Rcode::NXDOMAIN } else { Rcode::NOERROR },
                    answer: std::mem::take(&mut self.chain),
                    authority,
                    uncacheable: false,
                    security: crate::rrset::Security::Unchecked,
                    ede: None,
                    unchecked: None,
                });
            }
            Purpose::NsAddress if !nx && task.qtype == RecordType::A && r.config.ipv6 => {
                // No IPv4 address: perhaps an IPv6 one.
                task.qtype = RecordType::AAAA;
                task.cut = None;
            }
            _ => {
                self.tasks.pop();
            }
        }
    }

    /// Every server of the top task's cut failed.
    fn task_failed(&mut self, r: &Resolver, now: Instant) {
        let Some(task) = self.tasks.last() else {
            self.give_up(r, now);
            return;
        };
        match task.purpose {
            Purpose::Client => self.give_up(r, now),
            // The parent goes on with the servers it can still reach.
            Purpose::NsAddress | Purpose::Priming | Purpose::Fetch => {
                self.tasks.pop();
            }
        }
    }

    /// Applies the validator's verdict (RFC 4035 §4.3): bogus becomes SERVFAIL with its
    /// Extended DNS Error; secure data is kept in the cache marked so, and later answers
    /// built from it need not check it again.
    fn verdict(
        &mut self,
        r: &Resolver,
        mut answer: Answer,
        security: Security,
        ede: Option<(u16, String)>,
        now: Instant,
    ) -> Answer {
        let text = match &ede {
            Some((code, why)) => format!("{security:?} (EDE {code}: {why})"),
            None => format!("{security:?}"),
        };
        self.note(|| TraceEvent::Validation { detail: text });
        r.counters.validated(security);
        if security == Security::Bogus {
            Counters::bump(&r.counters.bogus);
            return Answer {
                security,
                ede,
                unchecked: Some(Box::new(answer)),
                ..servfail()
            };
        }
        answer.security = security;
        if security == Security::Secure {
            for set in &mut answer.answer {
                set.security = Security::Secure;
                if self.scope == 0 {
                    r.cache.insert(set.clone(), Trust::AuthAnswer, now);
                }
            }
            // RFC 8198: the NSECs of a secure denial answer later questions in their gaps.
            if let Some(soa) = answer.authority.iter().find(|s| s.rtype == RecordType::SOA) {
                r.aggressive.learn(&soa.name, soa, &answer.authority, now);
            }
        }
        answer
    }

    /// The budget is spent or every server failed: stale data if there is some
    /// (RFC 8767 §4), SERVFAIL otherwise.
    fn give_up(&mut self, r: &Resolver, now: Instant) {
        let name = self
            .tasks
            .first()
            .map_or_else(|| self.qname.clone(), |t| t.qname.clone());
        self.tasks.clear();
        if let Some(stale) = r.cache.get_stale(&name, self.qtype, self.qclass, now) {
            Counters::bump(&r.counters.stale_answers);
            let mut set = (*stale.value).clone();
            set.ttl = r.config.stale_answer_ttl;
            let mut answer = std::mem::take(&mut self.chain);
            answer.push(set);
            self.note(|| TraceEvent::CacheHit {
                name: name.to_string(),
                what: "stale".into(),
                ttl: 0,
            });
            self.result = Some(Answer {
                rcode: Rcode::NOERROR,
                answer,
                authority: Vec::new(),
                uncacheable: true,
                security: crate::rrset::Security::Unchecked,
                ede: None,
                unchecked: None,
            });
            return;
        }
        self.result = Some(servfail());
    }
}

/// The COOKIE option of a reply, if it has a readable one.
fn reply_cookie(msg: &Message<'_>) -> Option<Cookie> {
    let edns = msg.edns()?.ok()?;
    edns.options.into_iter().find_map(|o| match o {
        EdnsOption::Cookie(c) => Some(c),
        _ => None,
    })
}

/// Whether cached data of this trust may answer a task: a client (or the validator) is
/// never answered with a referral's NS set or with glue (RFC 2181 §5.4.1: such data is good
/// enough to find servers, not to answer with); the child is asked instead.
fn answerable(trust: Trust, purpose: &Purpose) -> bool {
    match purpose {
        Purpose::Client | Purpose::Fetch => trust >= Trust::NonAuthAnswer,
        Purpose::NsAddress | Purpose::Priming => true,
    }
}

/// The answer when resolution failed: SERVFAIL, nothing to keep.
pub fn servfail() -> Answer {
    Answer {
        rcode: Rcode::SERVFAIL,
        answer: Vec::new(),
        authority: Vec::new(),
        uncacheable: true,
        security: crate::rrset::Security::Unchecked,
        ede: None,
        unchecked: None,
    }
}

/// Whether `ip` may be asked at all under the configuration.
fn usable(r: &Resolver, ip: IpAddr) -> bool {
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    if ip.is_ipv6() && !r.config.ipv6 {
        return false;
    }
    r.config.allow_private_upstream || !is_private(ip)
}

/// Loopback, RFC 1918, link-local, unique-local: addresses a public name has no business
/// pointing a resolver at (DNS rebinding) unless the operator runs a lab there.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.octets()[0] == 0,
        IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The address in an A or AAAA RDATA.
pub fn address(rtype: RecordType, rdata: &[u8]) -> Option<IpAddr> {
    match rtype {
        RecordType::A => <[u8; 4]>::try_from(rdata).ok().map(IpAddr::from),
        RecordType::AAAA => <[u8; 16]>::try_from(rdata).ok().map(IpAddr::from),
        _ => None,
    }
}

/// `name` with each letter's case chosen at random (draft-vixie-dnsext-dns0x20): about one
/// more bit of entropy per letter that a forger must guess.
fn randomise_case(name: &Name, rng: &mut StdRng) -> Name {
    let mut wire = name.as_wire().to_vec();
    let mut at = 0;
    while at < wire.len() && wire[at] != 0 {
        let len = wire[at] as usize;
        for b in &mut wire[at + 1..at + 1 + len] {
            if b.is_ascii_alphabetic() && rng.random::<bool>() {
                *b ^= 0x20;
            }
        }
        at += 1 + len;
    }
    Name::from_wire(&wire).unwrap_or_else(|_| name.clone())
}

/// True when the (uncompressed, as replies to our queries have it) name at `offset` of
/// `msg` has exactly the octets of `name`, case included.
fn name_bytes_equal(msg: &[u8], offset: usize, name: &Name) -> bool {
    msg.get(offset..offset + name.len())
        .is_some_and(|b| b == name.as_wire())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn reply_event(ms: u64, kind: &str, detail: Vec<String>) -> TraceEvent {
    TraceEvent::Reply {
        ms,
        kind: kind.into(),
        detail,
    }
}

fn describe_choice(c: Choice) -> String {
    match c {
        Choice::OnlyChoice => "only choice".into(),
        Choice::Fastest { srtt } => format!("fastest (srtt {} ms)", srtt.as_millis()),
        Choice::Untried => "untried".into(),
        Choice::Exploration => "exploration".into(),
    }
}

fn join(names: &[Name]) -> String {
    names.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ")
}

/// Presentation lines of an RRset with its TTL.
pub fn describe_set(set: &RRset) -> Vec<String> {
    set.rdata
        .iter()
        .map(|d| {
            let text = banyan_wire::RData::parse(set.rtype, d, 0, d.len())
                .map_or_else(|_| "(unreadable)".to_string(), |r| r.to_string());
            format!("{} {} {} {}", set.name, set.ttl, set.rtype, text)
        })
        .collect()
}

fn soa_note(soa: &Option<RRset>) -> String {
    soa.as_ref()
        .map(|s| format!(" (SOA {}, negative ttl {})", s.name, s.ttl))
        .unwrap_or_default()
}
