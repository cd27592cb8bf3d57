//! The lookup page: a name resolved here, iteratively from the root (RFC 1034 §5.3.3), each
//! server asked shown as a step — root → TLD → authoritative — beside the answer the
//! configured resolver gives its clients, and whether that answer came from its cache.
//!
//! The resolution is the resolver library's own (`banyan_server::upstream::resolve` with
//! tracing on), from a fresh [`Resolver`] with an empty cache for every lookup, so the trace
//! is the whole path and never a cache hit. [`steps`] turns its events into the steps the
//! page draws ([`crate::trace_svg`]) and the API returns.
//!
//! How "from cache" is told (RFC 1035 §3.2.1, RFC 2181 §8): a resolver hands out a cached
//! record with the TTL it has left, and one it has just fetched with the full TTL the
//! authoritative server gave. So the resolver's answer TTL is compared with the TTL the trace
//! saw at the authoritative server ([`classify`]): lower means it was cached, about the
//! difference in seconds ago; equal means fetched now (or less than a second ago). For a
//! negative answer the SOA's TTL in the authority section is compared (RFC 2308 §5).

use std::net::IpAddr;
use std::sync::Arc;

use banyan_resolver::trace::TraceEvent;
use banyan_resolver::{Answer, LocalZones, Resolver, ResolverConfig};
use banyan_wire::{Class, Name, RData, Rcode, RecordType};
use serde::Serialize;

use crate::config::TraceConfig;
use crate::dns_exchange;
use crate::error::WebError;
use crate::state::AppState;

/// One server asked during the trace, and what it said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The zone whose server was asked (`.` for the root).
    pub zone: String,
    /// The server's name, when known from the NS set.
    pub server: Option<String>,
    /// Its address and port.
    pub address: String,
    /// The question as sent.
    pub question: String,
    /// Sent over TCP.
    pub tcp: bool,
    /// Milliseconds to the reply (or waited, for a timeout); `None` when nothing came back.
    pub ms: Option<u64>,
    /// What the reply meant: `referral`, `answer`, `cname`, `nxdomain`, `nodata`,
    /// `minimised`, `lame`, `truncated`, `timeout`…
    pub kind: String,
    /// What it said, in a line: "referral to test. (ns1.nic.test.)", "answer: …".
    pub said: String,
    /// Everything the trace noted about the reply.
    pub detail: Vec<String>,
}

/// How the resolver's answer relates to the authoritative data ([`classify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum CacheVerdict {
    /// Served from its cache, fetched about `age` seconds ago.
    Cached {
        /// Seconds since it was fetched: authoritative TTL minus the TTL left.
        age: u32,
    },
    /// Fetched just now (or less than a second ago).
    Fresh,
    /// Cannot tell: no TTL to compare, or the resolver's is larger (it caps TTLs, or the
    /// data changed since it fetched them).
    Unknown,
}

/// Compares the resolver's TTL with the authoritative one (see the module's documentation).
pub fn classify(resolver_ttl: Option<u32>, authoritative_ttl: Option<u32>) -> CacheVerdict {
    match (resolver_ttl, authoritative_ttl) {
        (Some(r), Some(a)) if r < a => CacheVerdict::Cached { age: a - r },
        (Some(r), Some(a)) if r == a => CacheVerdict::Fresh,
        _ => CacheVerdict::Unknown,
    }
}

/// The configured resolver's own answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolverView {
    /// Its address.
    pub address: String,
    /// Its RCODE, when it answered.
    pub rcode: Option<String>,
    /// The answer section, one record a line (presentation form).
    pub answer: Vec<String>,
    /// The TTL it gave: of the records asked for, or of the SOA of a negative answer.
    pub ttl: Option<u32>,
    /// The TTL the trace saw at the authoritative server, for the same data.
    pub authoritative_ttl: Option<u32>,
    /// From its cache or not ([`classify`]).
    pub cache: CacheVerdict,
    /// Milliseconds it took.
    pub ms: Option<u64>,
    /// Why it could not be asked, or did not answer.
    pub error: Option<String>,
}

/// A finished lookup: the page's content and the JSON of `GET /api/lookup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The name asked, absolute.
    pub name: String,
    /// The type asked.
    pub qtype: String,
    /// The servers asked, in order.
    pub steps: Vec<Step>,
    /// The RCODE the trace ended with.
    pub rcode: String,
    /// The trace's answer, one record a line.
    pub answer: Vec<String>,
    /// The trace's authority section (the SOA of a negative answer).
    pub authority: Vec<String>,
    /// Queries sent in all.
    pub upstream_queries: Option<u32>,
    /// Milliseconds in all.
    pub total_ms: Option<u64>,
    /// The configured resolver's answer, when one is configured.
    pub resolver: Option<ResolverView>,
}

/// Parses the name of a lookup as typed: any case, final dot optional, Unicode allowed, `.`
/// for the root.
pub fn parse_name(text: &str) -> Result<Name, WebError> {
    let t = text.trim();
    if t == "." {
        return Ok(Name::root());
    }
    let t = t.trim_end_matches('.');
    if t.is_empty() {
        return Err(WebError::BadRequest("enter a name to look up".into()));
    }
    Name::from_unicode(t).map_err(|e| WebError::BadRequest(format!("{t:?} is not a valid domain name: {e}")))
}

/// Parses the type of a lookup (`A` when empty). Meta-types are refused: zone transfers are
/// not lookups (RFC 5936), and ANY gets partial answers by design (RFC 8482).
pub fn parse_type(text: &str) -> Result<RecordType, WebError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(RecordType::A);
    }
    let rtype: RecordType = t
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| WebError::BadRequest(format!("{t:?} is not a record type")))?;
    if rtype.is_meta() {
        return Err(WebError::BadRequest(format!("{rtype} is not looked up here")));
    }
    Ok(rtype)
}

/// What a reply said, in a line.
fn said(kind: &str, detail: &[String]) -> String {
    let first = detail.first().map(String::as_str).unwrap_or("");
    match kind {
        "referral" => match first.strip_prefix("zone cut ") {
            Some(rest) => match rest.split_once(": NS ") {
                Some((zone, ns)) => format!("referral to {zone} ({ns})"),
                None => format!("referral: {rest}"),
            },
            None => "referral".to_owned(),
        },
        "answer" | "cname" if detail.is_empty() => format!("{kind} (empty)"),
        "answer" | "cname" => format!("{kind}: {}", detail.join("; ")),
        "nxdomain" => format!("NXDOMAIN: {first}"),
        "nodata" => format!("NODATA: {first}"),
        _ if detail.is_empty() => kind.to_owned(),
        _ => format!("{kind}: {}", detail.join("; ")),
    }
}

/// The steps of a trace: one per query sent, with the reply (or timeout) that followed it.
/// Events that are not about a server asked (priming notes, validation, cache hits) are
/// left out.
pub fn steps(events: &[TraceEvent]) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    // The query a reply belongs to: the last one sent that has none yet.
    let mut open: Option<usize> = None;
    for event in events {
        match event {
            TraceEvent::Query {
                zone,
                server,
                address,
                qname,
                qtype,
                tcp,
                ..
            } => {
                out.push(Step {
                    zone: zone.clone(),
                    server: server.clone(),
                    address: address.clone(),
                    question: format!("{qname} {qtype}"),
                    tcp: *tcp,
                    ms: None,
                    kind: "pending".to_owned(),
                    said: "no reply recorded".to_owned(),
                    detail: Vec::new(),
                });
                open = Some(out.len() - 1);
            }
            TraceEvent::Reply { ms, kind, detail } => {
                if let Some(step) = open.take().and_then(|i| out.get_mut(i)) {
                    step.ms = Some(*ms);
                    step.kind = kind.clone();
                    step.said = said(kind, detail);
                    step.detail = detail.clone();
                }
            }
            TraceEvent::Timeout { ms, .. } => {
                if let Some(step) = open.take().and_then(|i| out.get_mut(i)) {
                    step.ms = Some(*ms);
                    step.kind = "timeout".to_owned();
                    step.said = format!("no answer after {ms} ms");
                }
            }
            _ => {}
        }
    }
    out
}

/// The TTL a client would be given for the answer to `qtype`: the lowest TTL of the records
/// of that type in the answer section, else (negative answers) of the SOA in the authority
/// section.
fn answer_ttl(answer: &Answer, qtype: RecordType) -> Option<u32> {
    answer
        .answer
        .iter()
        .filter(|s| s.rtype == qtype)
        .map(|s| s.ttl)
        .min()
        .or_else(|| {
            answer
                .authority
                .iter()
                .filter(|s| s.rtype == RecordType::SOA)
                .map(|s| s.ttl)
                .min()
        })
}

/// Resolves `name qtype` from the root with tracing on, with a resolver of its own.
async fn trace(config: &TraceConfig, name: &Name, qtype: RecordType) -> (Answer, Vec<TraceEvent>) {
    let mut rc = ResolverConfig {
        upstream_port: config.upstream_port,
        // Labs run their servers on loopback and private addresses.
        allow_private_upstream: true,
        ..ResolverConfig::default()
    };
    // One question, then dropped: small caches are plenty.
    rc.answer_cache_bytes = 1 << 16;
    rc.cache.max_bytes = 1 << 20;
    // The real path is the point: no local answers for special-use names (RFC 6761) either.
    let mut resolver = Resolver::new(rc, config.root_hints.clone(), LocalZones::none());
    if let Some(anchors) = &config.trust_anchors {
        resolver.set_trust_anchors(anchors.clone());
    }
    let resolver = Arc::new(resolver);
    let (answer, trace) = banyan_server::upstream::resolve(&resolver, name, qtype, Class::IN, true, false).await;
    (answer, trace.map(|t| t.events).unwrap_or_default())
}

/// Asks the configured resolver (RD set) and compares its TTL with `authoritative_ttl`.
async fn ask_resolver(
    address: std::net::SocketAddr,
    name: &Name,
    qtype: RecordType,
    authoritative_ttl: Option<u32>,
) -> ResolverView {
    let mut view = ResolverView {
        address: address.to_string(),
        rcode: None,
        answer: Vec::new(),
        ttl: None,
        authoritative_ttl,
        cache: CacheVerdict::Unknown,
        ms: None,
        error: None,
    };
    let reply = match dns_exchange::ask(address, name, qtype, true).await {
        Ok(r) => r,
        Err(e) => {
            view.error = Some(e.to_string());
            return view;
        }
    };
    view.ms = Some(reply.ms);
    let Ok(m) = reply.message() else {
        view.error = Some("unreadable reply".into());
        return view;
    };
    view.rcode = Some(m.rcode().to_string());
    let mut wanted: Option<u32> = None;
    for r in m.answers() {
        if let Ok(rec) = r.to_record() {
            if rec.rtype() == qtype {
                wanted = Some(wanted.map_or(rec.ttl, |w| w.min(rec.ttl)));
            }
            view.answer.push(rec.to_string());
        }
    }
    let soa_ttl = m
        .authority()
        .filter(|r| r.rtype == RecordType::SOA)
        .filter_map(|r| match r.rdata() {
            Ok(RData::SOA(_)) => Some(r.ttl),
            _ => None,
        })
        .min();
    view.ttl = wanted.or(if m.rcode() == Rcode::NOERROR && !view.answer.is_empty() {
        None
    } else {
        soa_ttl
    });
    view.cache = classify(view.ttl, authoritative_ttl);
    view
}

/// Runs a lookup for a client at `client`: counted against the lookup limit first
/// ([`WebError::LookupLimited`] past it), [`WebError::Unavailable`] when tracing is not
/// configured.
pub async fn run(state: &AppState, client: Option<IpAddr>, name: &Name, qtype: RecordType) -> Result<Lookup, WebError> {
    let Some(config) = &state.config().trace else {
        return Err(WebError::Unavailable("lookups are not configured here"));
    };
    state.count_lookup(client)?;
    let (answer, events) = trace(config, name, qtype).await;
    let authoritative_ttl = answer_ttl(&answer, qtype);
    let resolver = match state.config().resolver {
        Some(address) => Some(ask_resolver(address, name, qtype, authoritative_ttl).await),
        None => None,
    };
    let (upstream_queries, total_ms) = events
        .iter()
        .rev()
        .find_map(|e| match e {
            TraceEvent::Done {
                upstream_queries, ms, ..
            } => Some((Some(*upstream_queries), Some(*ms))),
            _ => None,
        })
        .unwrap_or((None, None));
    Ok(Lookup {
        name: name.to_string(),
        qtype: qtype.to_string(),
        steps: steps(&events),
        rcode: answer.rcode.to_string(),
        answer: answer
            .answer
            .iter()
            .flat_map(banyan_resolver::resolution::describe_set)
            .collect(),
        authority: answer
            .authority
            .iter()
            .flat_map(banyan_resolver::resolution::describe_set)
            .collect(),
        upstream_queries,
        total_ms,
        resolver,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn query(zone: &str, server: &str, address: &str) -> TraceEvent {
        TraceEvent::Query {
            zone: zone.into(),
            server: Some(server.into()),
            address: address.into(),
            why: "only choice".into(),
            qname: "www.example.test.".into(),
            qtype: "A".into(),
            tcp: false,
        }
    }

    fn reply(ms: u64, kind: &str, detail: &[&str]) -> TraceEvent {
        TraceEvent::Reply {
            ms,
            kind: kind.into(),
            detail: detail.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    pub(crate) fn sample() -> Vec<TraceEvent> {
        vec![
            TraceEvent::Priming,
            query(".", "a.root.lab.", "127.54.0.1:5300"),
            reply(1, "referral", &["zone cut test.: NS ns1.nic.test.", "NS ttl 86400"]),
            query("test.", "ns1.nic.test.", "127.54.0.2:5300"),
            TraceEvent::Timeout {
                address: "127.54.0.2:5300".into(),
                ms: 800,
            },
            query("test.", "ns1.nic.test.", "127.54.0.2:5300"),
            reply(2, "referral", &["zone cut example.test.: NS ns1.example.test."]),
            query("example.test.", "ns1.example.test.", "127.54.0.3:5300"),
            reply(3, "answer", &["www.example.test. 300 A 192.0.2.1"]),
            TraceEvent::Done {
                rcode: "NOERROR".into(),
                upstream_queries: 4,
                ms: 806,
            },
        ]
    }

    #[test]
    fn steps_pair_each_query_with_its_reply() {
        let s = steps(&sample());
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].zone, ".");
        assert_eq!(s[0].said, "referral to test. (ns1.nic.test.)");
        assert_eq!(s[1].kind, "timeout");
        assert_eq!(s[1].said, "no answer after 800 ms");
        assert_eq!(s[2].server.as_deref(), Some("ns1.nic.test."));
        assert_eq!(s[3].kind, "answer");
        assert_eq!(s[3].said, "answer: www.example.test. 300 A 192.0.2.1");
        assert_eq!(s[3].ms, Some(3));
    }

    #[test]
    fn rfc2308_negative_replies_are_named() {
        assert_eq!(
            said("nxdomain", &["no.example.test. does not exist".into()]),
            "NXDOMAIN: no.example.test. does not exist"
        );
        assert_eq!(
            said("nodata", &["x has no AAAA records".into()]),
            "NODATA: x has no AAAA records"
        );
    }

    #[test]
    fn rfc1035_section_3_2_1_ttl_left_tells_cached_from_fresh() {
        assert_eq!(classify(Some(250), Some(300)), CacheVerdict::Cached { age: 50 });
        assert_eq!(classify(Some(300), Some(300)), CacheVerdict::Fresh);
        assert_eq!(classify(Some(400), Some(300)), CacheVerdict::Unknown);
        assert_eq!(classify(None, Some(300)), CacheVerdict::Unknown);
        assert_eq!(classify(Some(300), None), CacheVerdict::Unknown);
    }

    #[test]
    fn names_and_types_as_typed() {
        assert_eq!(
            parse_name(" WWW.Example.test ").expect("name").to_string(),
            "WWW.Example.test."
        );
        assert!(parse_name(".").expect("root").is_root());
        assert!(parse_name("").is_err());
        assert_eq!(parse_type("").expect("default"), RecordType::A);
        assert_eq!(parse_type("aaaa").expect("aaaa"), RecordType::AAAA);
        assert!(parse_type("AXFR").is_err());
        assert!(parse_type("nonsense").is_err());
    }
}
