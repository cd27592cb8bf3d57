//! Counters of what the servers answered, and their rendering in the Prometheus text
//! exposition format (version 0.0.4), served over HTTP by [`MetricsEndpoint`].
//!
//! The authoritative server counts every query as it answers it ([`Counters`]): by
//! transport, by query type (a fixed set, [`QTYPES`]) and by the reply's RCODE, plus the
//! response rate limiter's verdicts. Each count is one `Relaxed` atomic increment into a
//! fixed array of the worker's own ([`CounterSet`]: no cache line shared between UDP
//! workers): no lock and no allocation on the answering path. Reading them
//! ([`MetricsHandle::snapshot`]) copies the numbers and the zones' serials; [`render`] turns
//! snapshots into text. All metric names start with `banyan_`.
//!
//! Latency histograms ([`Histogram`], fixed buckets from 10 µs to 10 s): the authoritative
//! answer time by transport and the resolver's client-query time, cache hit or resolved.
//! Over UDP the clock is not read per query: a worker reads it once when `recvmmsg` returns
//! and once when the batch's replies are ready (just before `sendmmsg`, so a client holding
//! its reply finds it counted), and each query of the batch is counted with the batch's time
//! divided by its size (`Histogram::observe_many`). So the UDP figure is the time a query
//! spends in Banyan after the kernel hands it over, averaged over its batch; time queued in
//! the socket buffer and the send itself are not in it. Over TCP each query is timed on its
//! own, up to its reply being ready to write.
//!
//! The resolver's own counters (`banyan_resolver::Counters`: upstream queries by outcome and
//! their round-trip times, DNSSEC verdicts) and its caches' hits, misses, evictions and sizes
//! are read from the [`Resolver`] when rendering; the resolver service's front counts its
//! client queries by transport, type and RCODE in a [`ResolverCounters`].
//!
//! What it does not do: the extended RCODE bits of an OPT record (BADCOOKIE counts as the four low bits in the
//! header, YXRRSET), per-zone query counts.

use std::fmt::Write as _;
use std::io::{self, BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use banyan_auth::Catalog;
pub use banyan_resolver::histogram::{Histogram, HistogramValues, BUCKETS_SECONDS};
use banyan_resolver::resolver::{CounterValues, VALIDATION_STATES};
use banyan_resolver::{AnswerCacheStats, CacheStats, Resolver};

/// The query types counted by name, in label order; every other type counts as `other`
/// (the last slot of [`Counters::qtypes`]).
pub const QTYPES: [(u16, &str); 12] = [
    (1, "A"),
    (28, "AAAA"),
    (2, "NS"),
    (6, "SOA"),
    (15, "MX"),
    (16, "TXT"),
    (5, "CNAME"),
    (48, "DNSKEY"),
    (43, "DS"),
    (255, "ANY"),
    (252, "AXFR"),
    (251, "IXFR"),
];

/// Slots in [`Counters::qtypes`]: the named types and `other`.
pub const QTYPE_SLOTS: usize = QTYPES.len() + 1;

/// Names of the header RCODEs 0 to 10 (RFC 1035 §4.1.1, RFC 2136 §2.2); 11 to 15 are
/// rendered as `other` (unassigned in the header's four bits).
const RCODE_NAMES: [&str; 11] = [
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
    "NOTZONE",
];

/// Which transport a query came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// UDP (RFC 1035 §4.2.1).
    Udp = 0,
    /// TCP (RFC 1035 §4.2.2, RFC 7766).
    Tcp = 1,
    /// DNS over TLS (RFC 7858).
    Tls = 2,
    /// DNS over HTTPS (RFC 8484).
    Https = 3,
}

/// How many [`Proto`]s there are: the length of [`Counters::queries`].
pub const PROTOS: usize = 4;

impl Proto {
    /// True for the transports that encrypt (DoT, DoH): the only ones whose responses are
    /// padded (RFC 7830 §6, RFC 8467).
    pub fn is_encrypted(self) -> bool {
        matches!(self, Proto::Tls | Proto::Https)
    }
}

impl Proto {
    /// `udp`, `tcp`, `tls` or `https`, as labels and logs name it.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Udp => "udp",
            Proto::Tcp => "tcp",
            Proto::Tls => "tls",
            Proto::Https => "https",
        }
    }

    /// Every transport, in index order.
    pub const ALL: [Proto; PROTOS] = [Proto::Udp, Proto::Tcp, Proto::Tls, Proto::Https];
}

/// Counters of queries answered: one per UDP worker and one shared by the TCP tasks, summed
/// by a [`CounterSet`]; all increments are `Relaxed` (the counts need no ordering with
/// anything else).
#[derive(Debug, Default)]
pub struct Counters {
    /// Queries received, indexed by [`Proto`].
    pub queries: [AtomicU64; PROTOS],
    /// Queries by QTYPE, indexed as [`QTYPES`] with `other` last.
    pub qtypes: [AtomicU64; QTYPE_SLOTS],
    /// Replies by the RCODE in their header (the four bits of RFC 1035 §4.1.1), 0 to 15.
    pub rcodes: [AtomicU64; 16],
    /// UDP replies withheld by response rate limiting.
    pub rrl_dropped: AtomicU64,
    /// UDP replies sent truncated (TC=1) by response rate limiting.
    pub rrl_slipped: AtomicU64,
    /// UDP replies over the rate sent all the same: the query's server cookie proved its
    /// sender's address.
    pub rrl_cookie_exempt: AtomicU64,
    /// UDP replies over the rate sent all the same because the limiter only logs.
    pub rrl_log_only: AtomicU64,
    /// Answer time, indexed by [`Proto`] (UDP: per batch, see the module's docs).
    pub latency: [Histogram; PROTOS],
}

impl Counters {
    /// Counts a query received over `proto`, by its QTYPE (read from the question without
    /// parsing the message; a malformed one counts as `other`).
    pub fn query(&self, proto: Proto, query: &[u8]) {
        self.queries[proto as usize].fetch_add(1, Ordering::Relaxed);
        self.qtypes[qtype_slot(query)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a reply by the RCODE in its header; a reply shorter than a header is not
    /// counted.
    pub fn reply(&self, reply: &[u8]) {
        if let Some(&flags) = reply.get(3) {
            self.rcodes[usize::from(flags & 0x0f)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The numbers now.
    pub fn values(&self) -> CountValues {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CountValues {
            queries: self.queries.each_ref().map(load),
            qtypes: self.qtypes.each_ref().map(load),
            rcodes: self.rcodes.each_ref().map(load),
            rrl_dropped: load(&self.rrl_dropped),
            rrl_slipped: load(&self.rrl_slipped),
            rrl_cookie_exempt: load(&self.rrl_cookie_exempt),
            rrl_log_only: load(&self.rrl_log_only),
            latency: self.latency.each_ref().map(Histogram::values),
        }
    }
}

/// Counters of one server kept per worker and summed when read: each UDP worker counts
/// into a part of its own, so the answering threads share no counter cache line; the TCP
/// tasks (and resolutions) share the first part.
#[derive(Debug)]
pub struct PerWorker<T> {
    parts: std::sync::Mutex<Vec<Arc<T>>>,
}

impl<T: Default> PerWorker<T> {
    /// A set whose first part is `shared`.
    pub fn new(shared: Arc<T>) -> PerWorker<T> {
        PerWorker {
            parts: std::sync::Mutex::new(vec![shared]),
        }
    }

    /// A new part, for one worker.
    pub fn part(&self) -> Arc<T> {
        let part = Arc::new(T::default());
        self.parts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(part.clone());
        part
    }

    /// Calls `f` with every part.
    fn each(&self, mut f: impl FnMut(&T)) {
        let parts = self.parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for p in parts.iter() {
            f(p);
        }
    }
}

/// The authoritative server's counters, per worker.
pub type CounterSet = PerWorker<Counters>;

impl PerWorker<Counters> {
    /// The sum of every part now.
    pub fn values(&self) -> CountValues {
        let mut total = CountValues::default();
        self.each(|p| total.add(&p.values()));
        total
    }
}

/// The slot in [`Counters::qtypes`] of the query's QTYPE: the question's name is walked
/// label by label (RFC 1035 §4.1.2; a question's name is never compressed), then the type
/// read. Anything malformed is `other`.
fn qtype_slot(query: &[u8]) -> usize {
    let other = QTYPES.len();
    let mut at = 12;
    loop {
        match query.get(at) {
            Some(0) => break,
            Some(&len) if len < 64 => at += 1 + usize::from(len),
            _ => return other,
        }
    }
    let Some(&[hi, lo]) = query.get(at + 1..at + 3).and_then(|b| <&[u8; 2]>::try_from(b).ok()) else {
        return other;
    };
    let qtype = u16::from_be_bytes([hi, lo]);
    QTYPES.iter().position(|&(t, _)| t == qtype).unwrap_or(other)
}

/// A copy of [`Counters`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountValues {
    /// See [`Counters::queries`].
    pub queries: [u64; PROTOS],
    /// See [`Counters::qtypes`].
    pub qtypes: [u64; QTYPE_SLOTS],
    /// See [`Counters::rcodes`].
    pub rcodes: [u64; 16],
    /// See [`Counters::rrl_dropped`].
    pub rrl_dropped: u64,
    /// See [`Counters::rrl_slipped`].
    pub rrl_slipped: u64,
    /// See [`Counters::rrl_cookie_exempt`].
    pub rrl_cookie_exempt: u64,
    /// See [`Counters::rrl_log_only`].
    pub rrl_log_only: u64,
    /// See [`Counters::latency`].
    pub latency: [HistogramValues; PROTOS],
}

impl CountValues {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &CountValues) {
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        add(&mut self.queries, &other.queries);
        add(&mut self.qtypes, &other.qtypes);
        add(&mut self.rcodes, &other.rcodes);
        self.rrl_dropped += other.rrl_dropped;
        self.rrl_slipped += other.rrl_slipped;
        self.rrl_cookie_exempt += other.rrl_cookie_exempt;
        self.rrl_log_only += other.rrl_log_only;
        for (a, b) in self.latency.iter_mut().zip(&other.latency) {
            a.add(b);
        }
    }
}

/// What the authoritative server reports: its counts and each zone's SOA serial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// The counters.
    pub counts: CountValues,
    /// Each zone served (origin in presentation form, with its final dot) and its SOA serial,
    /// sorted by origin.
    pub zones: Vec<(String, u32)>,
    /// Events dropped by the query log and by dnstap (their writer was behind).
    pub log_dropped: [u64; 2],
}

/// A cheap, cloneable, `Send` view of a running server's counters and zones, for a metrics
/// endpoint on another thread ([`crate::Server::metrics_handle`]).
#[derive(Clone)]
pub struct MetricsHandle {
    pub(crate) counters: Arc<CounterSet>,
    pub(crate) catalog: Arc<ArcSwap<Catalog>>,
    pub(crate) logs: Option<Arc<crate::querylog::Logs>>,
}

impl MetricsHandle {
    /// The counts and the serials of the zones served now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let catalog = self.catalog.load();
        let mut zones: Vec<(String, u32)> = catalog
            .zones()
            .map(|z| (z.origin().to_string(), z.soa().map_or(0, |s| s.serial)))
            .collect();
        zones.sort();
        MetricsSnapshot {
            counts: self.counters.values(),
            zones,
            log_dropped: self.logs.as_ref().map_or([0, 0], |l| l.dropped()),
        }
    }
}

/// What the resolver service's front counts: client queries by transport, type and RCODE
/// (and the per-client limit's verdicts in `rrl_*`), and how long clients waited.
#[derive(Debug, Default)]
pub struct ResolverCounters {
    /// Client queries and replies, as the authoritative server counts its own (its
    /// `latency` is not used: see [`ResolverCounters::latency`]).
    pub clients: Counters,
    /// Time from a query's arrival to its reply: index 0 answered at once (from the answer
    /// cache, or refused), 1 resolved. UDP answers at once are timed per batch.
    pub latency: [Histogram; 2],
}

/// What the resolver reports: its counters, the caches' figures and, when it runs as a
/// service, its front's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolverMetrics {
    /// `banyan_resolver::Counters` now.
    pub counters: CounterValues,
    /// The whole-reply cache now.
    pub answer_cache: AnswerCacheStats,
    /// The RRset cache now.
    pub cache: CacheStats,
    /// Client queries, when a [`ResolverCounters`] was given.
    pub clients: Option<CountValues>,
    /// See [`ResolverCounters::latency`].
    pub latency: [HistogramValues; 2],
    /// Events dropped by the query log and by dnstap.
    pub log_dropped: [u64; 2],
}

impl ResolverMetrics {
    /// Reads `resolver`'s counters and cache figures (no front: a resolver used as a library).
    pub fn of(resolver: &Resolver) -> ResolverMetrics {
        ResolverMetrics::with_front(resolver, None)
    }

    /// Reads `resolver`'s counters and cache figures, and the front's counts (summed over
    /// its workers) when given.
    pub fn with_front(resolver: &Resolver, front: Option<&PerWorker<ResolverCounters>>) -> ResolverMetrics {
        let mut clients = CountValues::default();
        let mut latency = [HistogramValues::default(); 2];
        if let Some(f) = front {
            f.each(|part| {
                clients.add(&part.clients.values());
                for (total, h) in latency.iter_mut().zip(&part.latency) {
                    total.add(&h.values());
                }
            });
        }
        ResolverMetrics {
            counters: resolver.counters.values(),
            answer_cache: resolver.answers.stats(),
            cache: resolver.cache.stats(),
            clients: front.map(|_| clients),
            latency,
            log_dropped: [0, 0],
        }
    }
}

/// A cheap, cloneable, `Send` view of a running resolver service's counters, for a metrics
/// endpoint on another thread (`ResolverServer::metrics_handle`).
#[derive(Clone)]
pub struct ResolverMetricsHandle {
    pub(crate) resolver: Arc<Resolver>,
    pub(crate) front: Arc<PerWorker<ResolverCounters>>,
    pub(crate) logs: Option<Arc<crate::querylog::Logs>>,
}

impl ResolverMetricsHandle {
    /// The figures now.
    pub fn snapshot(&self) -> ResolverMetrics {
        ResolverMetrics {
            log_dropped: self.logs.as_ref().map_or([0, 0], |l| l.dropped()),
            ..ResolverMetrics::with_front(&self.resolver, Some(&self.front))
        }
    }
}

/// `value` escaped for a label value of the text exposition format: backslash, double quote
/// and newline become `\\`, `\"` and `\n`.
fn escape_label(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Writes a metric's `# HELP` and `# TYPE` lines.
fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Writes one sample with a single label.
fn sample(out: &mut String, name: &str, label: &str, value_of_label: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}{{{label}=\"");
    escape_label(value_of_label, out);
    let _ = writeln!(out, "\"}} {value}");
}

/// Writes one sample with several labels.
fn sample_labels(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"");
        escape_label(v, out);
        out.push('"');
    }
    let _ = writeln!(out, "}} {value}");
}

/// Writes a Prometheus histogram: for each series (labelled `label`, or not when `label` is
/// empty) its cumulative `_bucket{le=…}` samples ending with `+Inf`, its `_sum` in seconds
/// and its `_count` (equal to the `+Inf` bucket).
fn histogram(out: &mut String, name: &str, help: &str, label: &str, series: &[(&str, &HistogramValues)]) {
    header(out, name, "histogram", help);
    let bucket = format!("{name}_bucket");
    for (value, h) in series {
        let cumulative = h.cumulative();
        for (i, n) in cumulative.iter().enumerate() {
            let le = BUCKETS_SECONDS.get(i).map_or_else(|| "+Inf".to_owned(), f64::to_string);
            if label.is_empty() {
                sample_labels(out, &bucket, &[("le", &le)], n);
            } else {
                sample_labels(out, &bucket, &[(label, value), ("le", &le)], n);
            }
        }
        let seconds = h.sum_nanos as f64 / 1e9;
        let labels = if label.is_empty() {
            String::new()
        } else {
            format!("{{{label}=\"{value}\"}}")
        };
        let _ = writeln!(out, "{name}_sum{labels} {seconds}");
        let _ = writeln!(out, "{name}_count{labels} {}", h.count);
    }
}

/// Writes queries by transport, by type and replies by RCODE under `prefix` (`banyan_auth`,
/// `banyan_resolver`), as counted by a [`Counters`].
fn query_counts(out: &mut String, prefix: &str, who: &str, c: &CountValues) {
    let name = format!("{prefix}_queries_total");
    header(
        out,
        &name,
        "counter",
        &format!("Queries received by the {who}, by transport."),
    );
    for p in Proto::ALL {
        sample(out, &name, "transport", p.name(), c.queries[p as usize]);
    }
    let name = format!("{prefix}_queries_by_type_total");
    header(
        out,
        &name,
        "counter",
        &format!("Queries received by the {who}, by QTYPE."),
    );
    for (i, &(_, t)) in QTYPES.iter().enumerate() {
        sample(out, &name, "qtype", t, c.qtypes[i]);
    }
    sample(out, &name, "qtype", "other", c.qtypes[QTYPES.len()]);
    let name = format!("{prefix}_responses_total");
    header(
        out,
        &name,
        "counter",
        &format!("Replies of the {who}, by header RCODE."),
    );
    rcodes(out, &name, &c.rcodes);
}

/// Writes the log drop counts under `prefix`.
fn log_dropped(out: &mut String, prefix: &str, dropped: [u64; 2]) {
    let name = format!("{prefix}_log_dropped_total");
    header(
        out,
        &name,
        "counter",
        "Query log and dnstap events dropped because their writer was behind or failing.",
    );
    sample(out, &name, "log", "query_log", dropped[0]);
    sample(out, &name, "log", "dnstap", dropped[1]);
}

/// Writes one sample per named RCODE and `other`.
fn rcodes(out: &mut String, name: &str, counts: &[u64; 16]) {
    for (i, rcode) in RCODE_NAMES.iter().enumerate() {
        sample(out, name, "rcode", rcode, counts[i]);
    }
    let other: u64 = counts[RCODE_NAMES.len()..].iter().sum();
    sample(out, name, "rcode", "other", other);
}

/// The Prometheus text exposition (format 0.0.4) of what is given: the authoritative
/// server's metrics and the resolver's, each when running.
pub fn render(auth: Option<&MetricsSnapshot>, resolver: Option<&ResolverMetrics>) -> String {
    let mut out = String::with_capacity(4096);
    if let Some(a) = auth {
        let c = &a.counts;
        query_counts(&mut out, "banyan_auth", "authoritative server", c);
        let name = "banyan_auth_rrl_total";
        header(
            &mut out,
            name,
            "counter",
            "UDP replies over the rate: withheld (drop), truncated (slip), or sent because a \
             server cookie proved the client (cookie_exempt) or the limiter only logs (log_only).",
        );
        sample(&mut out, name, "verdict", "drop", c.rrl_dropped);
        sample(&mut out, name, "verdict", "slip", c.rrl_slipped);
        sample(&mut out, name, "verdict", "cookie_exempt", c.rrl_cookie_exempt);
        sample(&mut out, name, "verdict", "log_only", c.rrl_log_only);
        histogram(
            &mut out,
            "banyan_auth_answer_duration_seconds",
            "Time from receiving a query to sending its reply, by transport (UDP: per batch).",
            "transport",
            &Proto::ALL.map(|p| (p.name(), &c.latency[p as usize])),
        );
        log_dropped(&mut out, "banyan_auth", a.log_dropped);
        let name = "banyan_zone_serial";
        header(&mut out, name, "gauge", "SOA serial of each zone served.");
        for (zone, serial) in &a.zones {
            sample(&mut out, name, "zone", zone, serial);
        }
    }
    if let Some(r) = resolver {
        let c = &r.counters;
        let counters: [(&str, &str, u64); 8] = [
            (
                "resolutions",
                "Client queries that needed a resolution (answer-cache misses).",
                c.resolutions,
            ),
            (
                "cache_hits",
                "Client queries answered from the answer cache.",
                c.cache_hits,
            ),
            ("upstream_queries", "Queries sent upstream.", c.upstream_queries),
            (
                "rejected_replies",
                "Upstream replies discarded as not matching or out of bailiwick.",
                c.rejected_replies,
            ),
            ("servfail", "Resolutions that ended in SERVFAIL.", c.servfail),
            ("stale_answers", "Answers served stale (RFC 8767).", c.stale_answers),
            ("bogus", "Answers that failed DNSSEC validation.", c.bogus),
            (
                "aggressive_nsec",
                "Negative answers synthesised from validated NSEC (RFC 8198).",
                c.aggressive_nsec,
            ),
        ];
        for (what, help, value) in counters {
            let name = format!("banyan_resolver_{what}_total");
            header(&mut out, &name, "counter", help);
            let _ = writeln!(out, "{name} {value}");
        }
        let s = &r.answer_cache;
        let gauges: [(&str, &str, &str, u64); 3] = [
            (
                "banyan_resolver_answer_cache_entries",
                "gauge",
                "Replies held in the answer cache.",
                s.entries as u64,
            ),
            (
                "banyan_resolver_answer_cache_bytes",
                "gauge",
                "Octets held in the answer cache.",
                s.bytes as u64,
            ),
            (
                "banyan_resolver_answer_cache_evictions_total",
                "counter",
                "Answer cache entries evicted to stay under its bound.",
                s.evictions,
            ),
        ];
        for (name, kind, help, value) in gauges {
            header(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
        render_resolver_more(&mut out, r);
    }
    out
}

/// The resolver's figures beyond the first counters: clients, upstream, validation, caches.
fn render_resolver_more(out: &mut String, r: &ResolverMetrics) {
    let c = &r.counters;
    log_dropped(out, "banyan_resolver", r.log_dropped);
    if let Some(clients) = &r.clients {
        query_counts(out, "banyan_resolver", "resolver", clients);
        let name = "banyan_resolver_client_limit_total";
        header(
            out,
            name,
            "counter",
            "Client queries dropped or answered truncated by the per-client limit.",
        );
        sample(out, name, "verdict", "drop", clients.rrl_dropped);
        sample(out, name, "verdict", "slip", clients.rrl_slipped);
        histogram(
            out,
            "banyan_resolver_query_duration_seconds",
            "Time from a client query's arrival to its reply: answered from the cache (hit) or resolved (miss).",
            "cache",
            &[("hit", &r.latency[0]), ("miss", &r.latency[1])],
        );
    }
    let name = "banyan_resolver_upstream_outcomes_total";
    header(
        out,
        name,
        "counter",
        "Upstream queries by outcome: a reply accepted, no reply in time, or a network error.",
    );
    let answered: u64 = c.upstream_rcodes.iter().sum();
    sample(out, name, "outcome", "answer", answered);
    sample(out, name, "outcome", "timeout", c.upstream_timeouts);
    sample(out, name, "outcome", "error", c.upstream_errors);
    let name = "banyan_resolver_upstream_responses_total";
    header(out, name, "counter", "Upstream replies accepted, by header RCODE.");
    rcodes(out, name, &c.upstream_rcodes);
    histogram(
        out,
        "banyan_resolver_upstream_rtt_seconds",
        "Round-trip time of upstream queries answered.",
        "",
        &[("", &c.upstream_rtt)],
    );
    let name = "banyan_resolver_validation_total";
    header(
        out,
        name,
        "counter",
        "DNSSEC validation verdicts of answers (RFC 4035 §4.3).",
    );
    for (state, n) in VALIDATION_STATES.iter().zip(c.validation) {
        sample(out, name, "result", state, n);
    }
    let name = "banyan_resolver_cache_lookups_total";
    header(
        out,
        name,
        "counter",
        "Cache lookups by cache (rrset: RRsets and negative answers; answer: whole replies) and result.",
    );
    for (cache, hits, misses) in [
        ("rrset", r.cache.hits, r.cache.misses),
        ("answer", r.answer_cache.hits, r.answer_cache.misses),
    ] {
        sample_labels(out, name, &[("cache", cache), ("result", "hit")], hits);
        sample_labels(out, name, &[("cache", cache), ("result", "miss")], misses);
    }
    let gauges: [(&str, &str, &str, u64); 3] = [
        (
            "banyan_resolver_rrset_cache_entries",
            "gauge",
            "RRsets and negative answers held in the RRset cache.",
            r.cache.entries as u64,
        ),
        (
            "banyan_resolver_rrset_cache_bytes",
            "gauge",
            "Octets held in the RRset cache.",
            r.cache.bytes as u64,
        ),
        (
            "banyan_resolver_rrset_cache_evictions_total",
            "counter",
            "RRset cache entries evicted to stay under its bound.",
            r.cache.evictions,
        ),
    ];
    for (name, kind, help, value) in gauges {
        header(out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
}

/// How long a metrics client may take to send its request or read the reply.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest request head read; a scraper's `GET /metrics` is a few hundred octets.
const MAX_REQUEST_HEAD: usize = 8192;

/// The HTTP endpoint: `GET /metrics` answered with what `metrics` renders, `404` for any
/// other path, `405` for any other method; one connection at a time on its own thread
/// (a scraper asks every few seconds), `Connection: close` after each reply. Dropping it
/// stops the thread.
pub struct MetricsEndpoint {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MetricsEndpoint {
    /// Binds `addr` (port 0 picks one; [`MetricsEndpoint::local_addr`] tells which) and
    /// serves on a thread named `banyan-metrics`.
    pub fn start(
        addr: SocketAddr,
        metrics: impl Fn() -> String + Send + 'static,
    ) -> Result<MetricsEndpoint, crate::ServerError> {
        let err = |source| crate::ServerError::Bind {
            addr,
            proto: "http",
            source,
        };
        let listener = TcpListener::bind(addr).map_err(err)?;
        let local_addr = listener.local_addr().map_err(err)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("banyan-metrics".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::Relaxed) {
                        return;
                    }
                    // A client that misbehaves loses its connection; the next is served.
                    if let Ok(stream) = stream {
                        let _ = serve_one(stream, &metrics);
                    }
                }
            })
            .map_err(crate::ServerError::Start)?;
        Ok(MetricsEndpoint {
            local_addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for MetricsEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread waits in `accept`: one connection wakes it to see the flag.
        let _ = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request head and writes the reply.
fn serve_one(stream: TcpStream, metrics: &impl Fn() -> String) -> io::Result<()> {
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    let mut reader = BufReader::new(io::Read::take(&stream, MAX_REQUEST_HEAD as u64));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The rest of the head is read and ignored, so the client is not reset mid-send.
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // A query string (`/metrics?x=y`) is allowed and ignored.
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics()),
        ("GET" | "HEAD", _) => ("404 Not Found", "text/plain; charset=utf-8", "not found\n".to_owned()),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "method not allowed\n".to_owned(),
        ),
    };
    let mut w = &stream;
    write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        w.write_all(body.as_bytes())?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query for `example.com.` of type `qtype`.
    fn query(qtype: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x07example\x03com\x00");
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&[0, 1]);
        q
    }

    #[test]
    fn qtype_slots() {
        assert_eq!(qtype_slot(&query(1)), 0);
        assert_eq!(qtype_slot(&query(28)), 1);
        assert_eq!(qtype_slot(&query(251)), 11);
        assert_eq!(qtype_slot(&query(99)), QTYPES.len());
        // Truncated in the name, in the type, and a compression pointer: `other`.
        assert_eq!(qtype_slot(&query(1)[..15]), QTYPES.len());
        assert_eq!(qtype_slot(&query(1)[..26]), QTYPES.len());
        assert_eq!(
            qtype_slot(&[0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1]),
            QTYPES.len()
        );
        assert_eq!(qtype_slot(&[]), QTYPES.len());
    }

    #[test]
    fn counters_count() {
        let c = Counters::default();
        c.query(Proto::Udp, &query(1));
        c.query(Proto::Tcp, &query(252));
        c.reply(&[0, 0, 0x84, 0x03]);
        c.reply(&[0, 0, 0x84, 0x0e]);
        c.reply(&[0, 0]);
        let v = c.values();
        assert_eq!(v.queries, [1, 1, 0, 0]);
        assert_eq!(v.qtypes[0], 1);
        assert_eq!(v.qtypes[10], 1);
        assert_eq!(v.rcodes[3], 1);
        assert_eq!(v.rcodes[14], 1);
    }

    #[test]
    fn counter_set_sums_its_parts() {
        let shared = Arc::new(Counters::default());
        let set = CounterSet::new(shared.clone());
        let (a, b) = (set.part(), set.part());
        shared.query(Proto::Tcp, &query(1));
        a.query(Proto::Udp, &query(1));
        b.query(Proto::Udp, &query(28));
        a.latency[0].observe(Duration::from_micros(20));
        b.latency[0].observe_many(Duration::from_micros(20), 2);
        let v = set.values();
        assert_eq!(v.queries, [2, 1, 0, 0]);
        assert_eq!((v.qtypes[0], v.qtypes[1]), (2, 1));
        assert_eq!(v.latency[0].count, 3);
        assert_eq!(v.latency[0].sum_nanos, 40_000);
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = String::new();
        escape_label("a\\b\"c\nd", &mut out);
        assert_eq!(out, r#"a\\b\"c\nd"#);
    }

    #[test]
    fn renders_exposition_lines() {
        let mut counts = CountValues {
            queries: [5, 2, 1, 0],
            rrl_dropped: 7,
            ..CountValues::default()
        };
        counts.qtypes[0] = 4;
        counts.qtypes[QTYPES.len()] = 3;
        counts.rcodes[0] = 6;
        counts.rcodes[3] = 1;
        counts.rcodes[12] = 1;
        let auth = MetricsSnapshot {
            counts,
            zones: vec![("example.com.".into(), 2024010101), ("we\"ird\\.\n".into(), 1)],
            log_dropped: [0, 0],
        };
        let resolver = ResolverMetrics {
            counters: CounterValues {
                cache_hits: 9,
                ..CounterValues::default()
            },
            answer_cache: AnswerCacheStats {
                entries: 3,
                bytes: 300,
                evictions: 0,
                hits: 9,
                misses: 2,
            },
            ..ResolverMetrics::default()
        };
        let text = render(Some(&auth), Some(&resolver));
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "# HELP banyan_auth_queries_total Queries received by the authoritative server, by transport.",
            "# TYPE banyan_auth_queries_total counter",
            r#"banyan_auth_queries_total{transport="udp"} 5"#,
            r#"banyan_auth_queries_total{transport="tcp"} 2"#,
            r#"banyan_auth_queries_total{transport="tls"} 1"#,
            r#"banyan_auth_queries_total{transport="https"} 0"#,
            r#"banyan_auth_queries_by_type_total{qtype="A"} 4"#,
            r#"banyan_auth_queries_by_type_total{qtype="AAAA"} 0"#,
            r#"banyan_auth_queries_by_type_total{qtype="other"} 3"#,
            r#"banyan_auth_responses_total{rcode="NOERROR"} 6"#,
            r#"banyan_auth_responses_total{rcode="NXDOMAIN"} 1"#,
            r#"banyan_auth_responses_total{rcode="other"} 1"#,
            r#"banyan_auth_rrl_total{verdict="drop"} 7"#,
            r#"banyan_auth_rrl_total{verdict="slip"} 0"#,
            "# TYPE banyan_zone_serial gauge",
            r#"banyan_zone_serial{zone="example.com."} 2024010101"#,
            r#"banyan_zone_serial{zone="we\"ird\\.\n"} 1"#,
            "# TYPE banyan_resolver_cache_hits_total counter",
            "banyan_resolver_cache_hits_total 9",
            "banyan_resolver_resolutions_total 0",
            "# TYPE banyan_resolver_answer_cache_entries gauge",
            "banyan_resolver_answer_cache_entries 3",
            "banyan_resolver_answer_cache_bytes 300",
            "banyan_resolver_answer_cache_evictions_total 0",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        assert!(lines.contains(&r#"banyan_resolver_cache_lookups_total{cache="answer",result="miss"} 2"#));
        // Without the service's front, no client counts.
        assert!(!text.contains("banyan_resolver_queries_total"));
        parse(&text);
        assert!(text.ends_with('\n'));
        assert_eq!(render(None, None), "");
        assert!(!render(Some(&auth), None).contains("banyan_resolver_"));
    }

    /// A sample's labels, in order.
    type Labels = Vec<(String, String)>;

    /// One sample: name, labels, value.
    type Sample = (String, Labels, f64);

    /// Parses the text exposition format strictly enough for our output: every sample's
    /// metric (the name without `_bucket`, `_sum`, `_count` for a histogram) has had its
    /// HELP then TYPE line; label values are quoted; values are numbers. Then checks every
    /// histogram: buckets cumulative, `+Inf` last and equal to `_count`, `_sum` present.
    fn parse(text: &str) -> Vec<Sample> {
        let mut typed: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut helped = std::collections::HashSet::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap_or_default();
                assert!(helped.insert(name.to_owned()), "HELP twice for {name}");
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut parts = rest.split(' ');
                let (name, kind) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                assert!(helped.contains(name), "TYPE before HELP: {line}");
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                assert!(typed.insert(name.to_owned(), kind.to_owned()).is_none(), "{line}");
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let value: f64 = value.parse().expect("a number");
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), Vec::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("closing brace");
                    let labels = body
                        .split("\",")
                        .map(|kv| {
                            let (k, v) = kv.split_once("=\"").expect("k=\"v\"");
                            (k.to_owned(), v.trim_end_matches('"').to_owned())
                        })
                        .collect();
                    (name.to_owned(), labels)
                }
            };
            assert!(name.starts_with("banyan_"), "{name}");
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(&name)
                .to_owned();
            let kind = typed.get(&family).unwrap_or_else(|| panic!("no TYPE for {name}"));
            if kind == "counter" {
                assert!(family.ends_with("_total"), "counter {family}");
            }
            if kind == "histogram" {
                assert!(family.ends_with("_seconds"), "histogram {family}");
            }
            samples.push((name, labels, value));
        }
        // Histograms: group bucket samples by their labels other than `le`.
        for (family, _) in typed.iter().filter(|(_, k)| *k == "histogram") {
            let bucket = format!("{family}_bucket");
            let mut series: std::collections::BTreeMap<Labels, Vec<(String, f64)>> = std::collections::BTreeMap::new();
            for (name, labels, value) in &samples {
                if *name == bucket {
                    let le = labels.iter().find(|(k, _)| k == "le").expect("le").1.clone();
                    let rest: Vec<_> = labels.iter().filter(|(k, _)| k != "le").cloned().collect();
                    series.entry(rest).or_default().push((le, *value));
                }
            }
            assert!(!series.is_empty(), "{family} has no buckets");
            for (labels, buckets) in series {
                assert_eq!(buckets.len(), BUCKETS_SECONDS.len() + 1);
                assert_eq!(buckets.last().map(|b| b.0.as_str()), Some("+Inf"));
                assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{family} not cumulative");
                let bounds: Vec<f64> = buckets[..BUCKETS_SECONDS.len()]
                    .iter()
                    .map(|b| b.0.parse().expect("bound"))
                    .collect();
                assert!(bounds.windows(2).all(|w| w[0] < w[1]));
                let count = samples
                    .iter()
                    .find(|(n, l, _)| *n == format!("{family}_count") && *l == labels)
                    .expect("_count")
                    .2;
                assert_eq!(buckets.last().map(|b| b.1), Some(count), "{family}");
                assert!(samples
                    .iter()
                    .any(|(n, l, _)| *n == format!("{family}_sum") && *l == labels));
            }
        }
        samples
    }

    #[test]
    fn histograms_render_cumulative_and_consistent() {
        let c = Counters::default();
        c.latency[0].observe_many(Duration::from_micros(640), 64);
        c.latency[0].observe(Duration::from_millis(7));
        c.latency[1].observe(Duration::from_secs(30));
        let shared_front = Arc::new(ResolverCounters::default());
        shared_front.latency[1].observe(Duration::from_millis(40));
        let front = PerWorker::new(shared_front);
        let worker = front.part();
        worker.latency[0].observe(Duration::from_micros(30));
        worker.clients.query(Proto::Udp, &query(1));
        let resolver = Resolver::new(
            banyan_resolver::ResolverConfig::default(),
            banyan_resolver::RootHints::builtin(),
            banyan_resolver::LocalZones::default(),
        );
        resolver
            .counters
            .upstream_reply(&[0, 0, 0x80, 0x03], Duration::from_millis(12));
        Counters::default().query(Proto::Udp, &query(1));
        resolver.counters.validated(banyan_resolver::Security::Bogus);
        let auth = MetricsSnapshot {
            counts: c.values(),
            zones: Vec::new(),
            log_dropped: [0, 4],
        };
        let r = ResolverMetrics::with_front(&resolver, Some(&front));
        assert!(ResolverMetrics::of(&resolver).clients.is_none());
        let text = render(Some(&auth), Some(&r));
        let samples = parse(&text);
        let value = |name: &str, labels: &[(&str, &str)]| {
            samples
                .iter()
                .find(|(n, l, _)| {
                    n == name
                        && l.len() == labels.len()
                        && labels.iter().all(|(k, v)| l.contains(&((*k).into(), (*v).into())))
                })
                .map(|s| s.2)
        };
        let udp = [("transport", "udp")];
        assert_eq!(value("banyan_auth_answer_duration_seconds_count", &udp), Some(65.0));
        // 64 queries of 10 µs each land in the first bucket.
        assert_eq!(
            value(
                "banyan_auth_answer_duration_seconds_bucket",
                &[("transport", "udp"), ("le", "0.00001")]
            ),
            Some(64.0)
        );
        assert_eq!(
            value(
                "banyan_auth_answer_duration_seconds_bucket",
                &[("transport", "udp"), ("le", "0.01")]
            ),
            Some(65.0)
        );
        let sum = value("banyan_auth_answer_duration_seconds_sum", &udp).unwrap_or_default();
        assert!((sum - 0.00764).abs() < 1e-9, "{sum}");
        assert_eq!(
            value(
                "banyan_auth_answer_duration_seconds_bucket",
                &[("transport", "tcp"), ("le", "10")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(
                "banyan_auth_answer_duration_seconds_bucket",
                &[("transport", "tcp"), ("le", "+Inf")]
            ),
            Some(1.0)
        );
        assert_eq!(
            value("banyan_resolver_query_duration_seconds_count", &[("cache", "miss")]),
            Some(1.0)
        );
        assert_eq!(value("banyan_resolver_upstream_rtt_seconds_count", &[]), Some(1.0));
        assert_eq!(
            value("banyan_resolver_upstream_responses_total", &[("rcode", "NXDOMAIN")]),
            Some(1.0)
        );
        assert_eq!(
            value("banyan_resolver_upstream_outcomes_total", &[("outcome", "answer")]),
            Some(1.0)
        );
        assert_eq!(
            value("banyan_resolver_validation_total", &[("result", "bogus")]),
            Some(1.0)
        );
        assert_eq!(
            value("banyan_resolver_queries_total", &[("transport", "udp")]),
            Some(1.0)
        );
        assert_eq!(
            value("banyan_resolver_query_duration_seconds_count", &[("cache", "hit")]),
            Some(1.0)
        );
    }

    #[test]
    fn endpoint_serves_metrics_and_404() -> io::Result<()> {
        use std::io::Read as _;
        let endpoint = MetricsEndpoint::start(([127, 0, 0, 1], 0).into(), || "banyan_x 1\n".to_owned())
            .map_err(io::Error::other)?;
        let get = |path: &str| -> io::Result<String> {
            let mut s = TcpStream::connect(endpoint.local_addr())?;
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")?;
            let mut reply = String::new();
            s.read_to_string(&mut reply)?;
            Ok(reply)
        };
        let ok = get("/metrics")?;
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: text/plain; version=0.0.4"), "{ok}");
        assert!(ok.ends_with("\r\n\r\nbanyan_x 1\n"), "{ok}");
        let missing = get("/other")?;
        assert!(missing.starts_with("HTTP/1.1 404 Not Found\r\n"), "{missing}");
        drop(endpoint);
        Ok(())
    }
}
