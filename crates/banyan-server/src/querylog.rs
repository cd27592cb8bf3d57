//! The query log: one JSON object per line per query answered (or dropped), written off the
//! answering path by a [`crate::sink::Sink`].
//!
//! A line: `time` (RFC 3339, UTC, microseconds, when the query arrived), `client`
//! (address:port), `transport`, `qname`, `qtype`, `rcode` (of the reply; `null` when none
//! was sent), `size` (octets of the reply), `latency_us`, `flags` (the reply's header flags,
//! e.g. `"qr aa rd"`), and for the resolver `cache` (`"hit"` or `"miss"`) and `upstream`
//! (upstream queries its resolution sent), and `view` when views name one. Parsing the
//! question and formatting happen on the writer thread; the answering side copies the query
//! and reply octets into an [`Event`] only when some log is on.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use banyan_wire::{Message, Rcode};

use crate::metrics::Proto;
use crate::sink::{Destination, Format, Sink, QUEUE};

/// Which server answered: decides the dnstap message types (AUTH_* or CLIENT_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The authoritative server.
    Auth,
    /// The recursive resolver.
    Resolver,
}

/// One query and its reply, as the query log and dnstap see them.
#[derive(Clone, Debug)]
pub struct Event {
    /// When the query arrived (for a UDP batch: when the batch was received).
    pub time: SystemTime,
    /// How long until the reply was sent (UDP answers at once: the batch's time divided by
    /// its size).
    pub latency: Duration,
    /// The client.
    pub client: SocketAddr,
    /// The address the query came in on, when known (dnstap's `response_address`).
    pub server: Option<SocketAddr>,
    /// The transport.
    pub transport: Proto,
    /// The query message.
    pub query: Vec<u8>,
    /// The reply message; empty when none was sent.
    pub reply: Vec<u8>,
    /// Resolver only: answered from the cache (true) or resolved.
    pub cache_hit: Option<bool>,
    /// Resolver only: upstream queries sent for it.
    pub upstream: Option<u32>,
    /// The view that answered, when views are configured (the authoritative server names the view that matched).
    pub view: Option<Arc<str>>,
}

/// The wall-clock time a query arrived that was answered `took` ago: the clock is read once,
/// when the reply is ready, not on arrival.
pub(crate) fn arrived(took: Duration) -> SystemTime {
    SystemTime::now().checked_sub(took).unwrap_or(UNIX_EPOCH)
}

/// The JSON-lines encoding.
pub struct JsonLines;

impl Format for JsonLines {
    type Event = Arc<Event>;

    fn encode(&self, e: &Arc<Event>, out: &mut Vec<u8>) {
        let mut line = String::with_capacity(256);
        line.push_str("{\"time\":\"");
        rfc3339(e.time, &mut line);
        let _ = write!(
            line,
            "\",\"client\":\"{}\",\"transport\":\"{}\"",
            e.client,
            e.transport.name()
        );
        let question = Message::parse(&e.query)
            .ok()
            .and_then(|m| m.question().map(|q| q.to_question()));
        match question {
            Some(q) => {
                line.push_str(",\"qname\":");
                json_string(&q.qname.to_string(), &mut line);
                let _ = write!(line, ",\"qtype\":\"{}\"", q.qtype);
            }
            None => line.push_str(",\"qname\":null,\"qtype\":null"),
        }
        match e.reply.get(2..4) {
            Some(&[hi, lo]) => {
                let _ = write!(
                    line,
                    ",\"rcode\":\"{}\",\"size\":{},\"flags\":\"{}\"",
                    Rcode(u16::from(lo & 0x0f)),
                    e.reply.len(),
                    flags(hi, lo)
                );
            }
            _ => line.push_str(",\"rcode\":null,\"size\":0,\"flags\":\"\""),
        }
        let _ = write!(line, ",\"latency_us\":{}", e.latency.as_micros());
        if let Some(hit) = e.cache_hit {
            let _ = write!(line, ",\"cache\":\"{}\"", if hit { "hit" } else { "miss" });
        }
        if let Some(n) = e.upstream {
            let _ = write!(line, ",\"upstream\":{n}");
        }
        if let Some(v) = &e.view {
            line.push_str(",\"view\":");
            json_string(v, &mut line);
        }
        line.push_str("}\n");
        out.extend_from_slice(line.as_bytes());
    }
}

/// The header flags set (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD), space-separated.
fn flags(hi: u8, lo: u8) -> String {
    let mut names = Vec::with_capacity(7);
    for (set, name) in [
        (hi & 0x80 != 0, "qr"),
        (hi & 0x04 != 0, "aa"),
        (hi & 0x02 != 0, "tc"),
        (hi & 0x01 != 0, "rd"),
        (lo & 0x80 != 0, "ra"),
        (lo & 0x20 != 0, "ad"),
        (lo & 0x10 != 0, "cd"),
    ] {
        if set {
            names.push(name);
        }
    }
    names.join(" ")
}

/// `s` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `t` in RFC 3339 form, UTC, with microseconds: `2024-07-01T12:00:00.000000Z`.
fn rfc3339(t: SystemTime, out: &mut String) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rest) = (secs / 86400, secs % 86400);
    let (y, m, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        d.subsec_micros()
    );
}

/// Year, month and day of the `days`-th day after 1970-01-01 in the proleptic Gregorian
/// calendar (the era arithmetic of H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Where a server's queries are logged: the query log and dnstap, each when configured.
#[derive(Clone, Debug, Default)]
pub struct LogConfig {
    /// `query_log`: a path, or `-` for standard error.
    pub query_log: Option<Destination>,
    /// `dnstap`: `file:PATH` or `unix:PATH`.
    pub dnstap: Option<Destination>,
    /// dnstap's `identity` field (default: the host name is not looked up; "banyan").
    pub identity: Option<String>,
}

impl LogConfig {
    /// True when neither log is configured.
    pub fn is_empty(&self) -> bool {
        self.query_log.is_none() && self.dnstap.is_none()
    }
}

/// The logs of one server, running. The answering paths hold an `Option` of it: `None`
/// (no log configured) costs them one check per batch or query.
pub struct Logs {
    query_log: Option<Sink<Arc<Event>>>,
    dnstap: Option<Sink<Arc<Event>>>,
}

impl Logs {
    /// Starts the writers configured; `None` when none is. An error when a destination
    /// cannot be opened.
    pub fn start(config: &LogConfig, role: Role) -> std::io::Result<Option<Arc<Logs>>> {
        if config.is_empty() {
            return Ok(None);
        }
        let query_log = config
            .query_log
            .clone()
            .map(|d| Sink::start("banyan-query-log", d, JsonLines, QUEUE))
            .transpose()?;
        let dnstap = config
            .dnstap
            .clone()
            .map(|d| {
                let format = crate::dnstap::Dnstap::new(role, config.identity.as_deref().unwrap_or("banyan"));
                Sink::start("banyan-dnstap", d, format, QUEUE)
            })
            .transpose()?;
        Ok(Some(Arc::new(Logs { query_log, dnstap })))
    }

    /// Hands `event` to every log (dropped and counted by a log that is behind).
    pub fn emit(&self, event: Event) {
        let event = Arc::new(event);
        if let Some(s) = &self.dnstap {
            s.offer(event.clone());
        }
        if let Some(s) = &self.query_log {
            s.offer(event);
        }
    }

    /// Reopens every log's destination (SIGHUP, after rotation).
    pub fn reopen(&self) {
        for s in [&self.query_log, &self.dnstap].into_iter().flatten() {
            s.reopen();
        }
    }

    /// Events dropped so far by the query log and by dnstap.
    pub fn dropped(&self) -> [u64; 2] {
        [
            self.query_log.as_ref().map_or(0, Sink::dropped),
            self.dnstap.as_ref().map_or(0, Sink::dropped),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        let mut s = String::new();
        rfc3339(UNIX_EPOCH + Duration::from_micros(1_719_835_200_000_001), &mut s);
        assert_eq!(s, "2024-07-01T12:00:00.000001Z");
    }

    #[test]
    fn encodes_one_line() {
        let mut query = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        query.extend_from_slice(b"\x03w\"w\x07example\x00\x00\x1c\x00\x01");
        let mut reply = query.clone();
        reply[2] = 0x85;
        reply[3] = 0x83;
        let e = Arc::new(Event {
            time: UNIX_EPOCH + Duration::from_secs(1_719_835_200),
            latency: Duration::from_micros(42),
            client: "127.0.0.1:5353".parse().expect("addr"),
            server: None,
            transport: Proto::Udp,
            query,
            reply,
            cache_hit: Some(false),
            upstream: Some(3),
            view: Some("inside".into()),
        });
        let mut out = Vec::new();
        JsonLines.encode(&e, &mut out);
        let line = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            line,
            "{\"time\":\"2024-07-01T12:00:00.000000Z\",\"client\":\"127.0.0.1:5353\",\"transport\":\"udp\",\
             \"qname\":\"w\\\\\\\"w.example.\",\"qtype\":\"AAAA\",\"rcode\":\"NXDOMAIN\",\"size\":29,\
             \"flags\":\"qr aa rd ra\",\"latency_us\":42,\"cache\":\"miss\",\"upstream\":3,\"view\":\"inside\"}\n"
        );
        // No reply, no question.
        let e = Arc::new(Event {
            query: vec![0; 5],
            reply: Vec::new(),
            cache_hit: None,
            upstream: None,
            view: None,
            ..(*e).clone()
        });
        let mut out = Vec::new();
        JsonLines.encode(&e, &mut out);
        let line = String::from_utf8(out).expect("utf-8");
        assert!(
            line.contains("\"qname\":null,\"qtype\":null,\"rcode\":null,\"size\":0"),
            "{line}"
        );
    }
}
