//! Counters of what the servers answered, and their rendering in the Prometheus text
//! exposition format (version 0.0.4), served over HTTP by [`MetricsEndpoint`].
//!
//! The authoritative server counts every query as it answers it ([`Counters`]): by
//! transport, by query type (a fixed set, [`QTYPES`]) and by the reply's RCODE, plus the
//! response rate limiter's verdicts. Each count is one `Relaxed` atomic increment into a
//! fixed array: no lock and no allocation on the answering path. Reading them
//! ([`MetricsHandle::snapshot`]) copies the numbers and the zones' serials; [`render`] turns
//! snapshots into text. All metric names start with `banyan_`.
//!
//! What it does not do: histograms of latency (that would need a clock read per query), the
//! extended RCODE bits of an OPT record (BADCOOKIE counts as the four low bits in the
//! header, YXRRSET), per-zone query counts.

use std::fmt::Write as _;
use std::io::{self, BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use banyan_auth::Catalog;
use banyan_resolver::resolver::CounterValues;
use banyan_resolver::{AnswerCacheStats, Resolver};

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

/// The authoritative server's counters, shared by every worker; all increments are
/// `Relaxed` (the counts need no ordering with anything else).
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
        }
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
}

/// What the authoritative server reports: its counts and each zone's SOA serial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// The counters.
    pub counts: CountValues,
    /// Each zone served (origin in presentation form, with its final dot) and its SOA serial,
    /// sorted by origin.
    pub zones: Vec<(String, u32)>,
}

/// A cheap, cloneable, `Send` view of a running server's counters and zones, for a metrics
/// endpoint on another thread ([`crate::Server::metrics_handle`]).
#[derive(Clone)]
pub struct MetricsHandle {
    pub(crate) counters: Arc<Counters>,
    pub(crate) catalog: Arc<ArcSwap<Catalog>>,
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
        }
    }
}

/// What the resolver reports: its counters and the answer cache's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolverMetrics {
    /// `banyan_resolver::Counters` now.
    pub counters: CounterValues,
    /// The whole-reply cache now.
    pub answer_cache: AnswerCacheStats,
}

impl ResolverMetrics {
    /// Reads `resolver`'s counters and cache sizes.
    pub fn of(resolver: &Resolver) -> ResolverMetrics {
        ResolverMetrics {
            counters: resolver.counters.values(),
            answer_cache: resolver.answers.stats(),
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

/// The Prometheus text exposition (format 0.0.4) of what is given: the authoritative
/// server's metrics and the resolver's, each when running.
pub fn render(auth: Option<&MetricsSnapshot>, resolver: Option<&ResolverMetrics>) -> String {
    let mut out = String::with_capacity(4096);
    if let Some(a) = auth {
        let c = &a.counts;
        let name = "banyan_auth_queries_total";
        header(
            &mut out,
            name,
            "counter",
            "Queries received by the authoritative server, by transport.",
        );
        sample(&mut out, name, "transport", "udp", c.queries[Proto::Udp as usize]);
        sample(&mut out, name, "transport", "tcp", c.queries[Proto::Tcp as usize]);
        sample(&mut out, name, "transport", "tls", c.queries[Proto::Tls as usize]);
        sample(&mut out, name, "transport", "https", c.queries[Proto::Https as usize]);
        let name = "banyan_auth_queries_by_type_total";
        header(
            &mut out,
            name,
            "counter",
            "Queries received by the authoritative server, by QTYPE.",
        );
        for (i, &(_, t)) in QTYPES.iter().enumerate() {
            sample(&mut out, name, "qtype", t, c.qtypes[i]);
        }
        sample(&mut out, name, "qtype", "other", c.qtypes[QTYPES.len()]);
        let name = "banyan_auth_responses_total";
        header(
            &mut out,
            name,
            "counter",
            "Replies of the authoritative server, by header RCODE.",
        );
        for (i, rcode) in RCODE_NAMES.iter().enumerate() {
            sample(&mut out, name, "rcode", rcode, c.rcodes[i]);
        }
        let other: u64 = c.rcodes[RCODE_NAMES.len()..].iter().sum();
        sample(&mut out, name, "rcode", "other", other);
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
    }
    out
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
            },
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
        // Every sample line is `name{labels} value` or `name value`; every metric has its
        // HELP and TYPE before its samples.
        assert!(text.ends_with('\n'));
        assert_eq!(render(None, None), "");
        assert!(!render(Some(&auth), None).contains("banyan_resolver_"));
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
