//! The story of one resolution, step by step: which server was asked and why, what it said,
//! how long it took. `banyan query +trace` prints it; the resolver keeps traces of chosen
//! client queries in a bounded ring, readable as JSON (the dashboard draws them).

use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::Mutex;

use serde::Serialize;

/// One step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// Answered from local data (RFC 6761/6303 zones).
    Local {
        /// The name.
        name: String,
    },
    /// Found in the cache.
    CacheHit {
        /// Owner.
        name: String,
        /// Type, or "NXDOMAIN"/"NODATA".
        what: String,
        /// Seconds left.
        ttl: u32,
    },
    /// Root priming started (RFC 8109): the root NS set is asked of a hinted server.
    Priming,
    /// A query sent.
    Query {
        /// The zone whose server was asked.
        zone: String,
        /// The server's name (from the NS set), when known.
        server: Option<String>,
        /// Its address and port.
        address: String,
        /// Why this server: "fastest (srtt 3 ms)", "untried", "exploration", "only choice".
        why: String,
        /// The name asked, as sent (0x20 case pattern included).
        qname: String,
        /// The type asked.
        qtype: String,
        /// Over TCP.
        tcp: bool,
    },
    /// A reply and what it meant.
    Reply {
        /// Milliseconds from query to reply.
        ms: u64,
        /// "referral", "answer", "cname", "nxdomain", "nodata", "lame", "truncated".
        kind: String,
        /// Human summary: the zone cut and its NS and glue, the records, the reason.
        detail: Vec<String>,
    },
    /// No reply in time (or the address was unreachable).
    Timeout {
        /// The address.
        address: String,
        /// Milliseconds waited.
        ms: u64,
    },
    /// A datagram that did not match the query (wrong ID, port, question) was ignored.
    Ignored {
        /// The reason.
        reason: String,
    },
    /// Addresses of a name server are needed first (a glueless delegation).
    NsLookup {
        /// The name server's name.
        name: String,
    },
    /// The CNAME/DNAME chain continues at a name elsewhere.
    Restart {
        /// The new name.
        name: String,
    },
    /// DNSSEC validation: a link of the chain of trust fetched, or the verdict.
    Validation {
        /// What happened.
        detail: String,
    },
    /// The end: the RCODE sent to the client.
    Done {
        /// The RCODE.
        rcode: String,
        /// Upstream queries this resolution sent.
        upstream_queries: u32,
        /// Milliseconds in all.
        ms: u64,
    },
}

/// A finished trace: the question and its steps.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    /// "name type".
    pub question: String,
    /// The steps in order.
    pub events: Vec<TraceEvent>,
}

/// The last [`TraceRing::CAPACITY`] traces of client queries chosen for tracing, and
/// optionally a file that receives each as one line of JSON (JSON Lines).
pub struct TraceRing {
    /// Suffix of names whose resolutions are traced (`None`: none are).
    watch: Option<banyan_wire::Name>,
    ring: Mutex<VecDeque<Trace>>,
    sink: Option<Mutex<Box<dyn std::io::Write + Send>>>,
}

impl TraceRing {
    /// Traces kept; older ones are dropped.
    pub const CAPACITY: usize = 256;

    /// A ring that records resolutions of names at or below `watch` (none when `None`).
    pub fn new(watch: Option<banyan_wire::Name>) -> TraceRing {
        TraceRing {
            watch,
            ring: Mutex::new(VecDeque::new()),
            sink: None,
        }
    }

    /// As [`TraceRing::new`], also writing each trace as a JSON line to `sink`.
    pub fn with_sink(watch: Option<banyan_wire::Name>, sink: Box<dyn std::io::Write + Send>) -> TraceRing {
        TraceRing {
            sink: Some(Mutex::new(sink)),
            ..TraceRing::new(watch)
        }
    }

    /// Whether resolutions of `name` should be traced.
    pub fn wants(&self, name: &banyan_wire::Name) -> bool {
        self.watch.as_ref().is_some_and(|w| name.is_subdomain_of(w))
    }

    /// Keeps a finished trace.
    pub fn push(&self, trace: Trace) {
        if let Some(sink) = &self.sink {
            if let Ok(line) = serde_json::to_string(&trace) {
                let mut w = sink.lock().unwrap_or_else(|e| e.into_inner());
                // A full disk loses trace lines, never answers.
                let _ = writeln!(w, "{line}").and_then(|()| w.flush());
            }
        }
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() == Self::CAPACITY {
            ring.pop_front();
        }
        ring.push_back(trace);
    }

    /// The kept traces as a JSON array, oldest first.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.snapshot()).unwrap_or_else(|_| "[]".into())
    }

    /// The kept traces, oldest first.
    pub fn snapshot(&self) -> Vec<Trace> {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn ring_is_bounded_and_written_as_json_lines() {
        let out = Shared::default();
        let ring = TraceRing::with_sink(Some("example.".parse().unwrap()), Box::new(out.clone()));
        assert!(ring.wants(&"www.example.".parse().unwrap()));
        assert!(!ring.wants(&"www.example.org.".parse().unwrap()));
        for i in 0..TraceRing::CAPACITY + 5 {
            ring.push(Trace {
                question: format!("q{i}.example. A"),
                events: vec![TraceEvent::Priming],
            });
        }
        let kept = ring.snapshot();
        assert_eq!(kept.len(), TraceRing::CAPACITY);
        assert_eq!(kept[0].question, "q5.example. A");
        let json: serde_json::Value = serde_json::from_str(&ring.to_json()).unwrap();
        assert_eq!(json[0]["events"][0]["event"], "priming");
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), TraceRing::CAPACITY + 5);
        assert!(text
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    }
}
