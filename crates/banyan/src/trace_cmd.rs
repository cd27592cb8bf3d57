//! `banyan query NAME +trace`: resolves the name iteratively from the root hints, in this
//! process, and prints the story: each server asked and why, what it said, how long it took,
//! and the TTL horizon of every record of the answer.

use std::sync::Arc;

use anyhow::Context as _;
use banyan_resolver::resolution::describe_set;
use banyan_resolver::trace::TraceEvent;
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints, TrustAnchors};

use crate::dig_args::{OutputStyle, QueryOptions};
use crate::query::Outcome;

/// Runs the trace and prints it (text, or JSON with `+json`).
pub fn run(opts: &QueryOptions) -> anyhow::Result<Outcome> {
    let hints = match &opts.root_hints {
        Some(path) => RootHints::from_file(path)?,
        None => RootHints::builtin(),
    };
    let hint_count = hints.servers.len();
    let mut config = ResolverConfig::default();
    if let Some(p) = opts.upstream_port {
        config.upstream_port = p;
    }
    // One question, no clients: the answer cache is not needed.
    config.answer_cache_bytes = 1 << 16;
    config.cache.max_bytes = 16 << 20;
    // A trace shows the real path; local answers for special-use names would hide it.
    let mut resolver = Resolver::new(config, hints, LocalZones::none());
    // With +dnssec the trace also validates: the built-in root anchors, or --trust-anchor.
    match (&opts.trust_anchor, opts.dnssec) {
        (Some(path), _) => resolver.set_trust_anchors(TrustAnchors::from_file(path)?),
        (None, true) => resolver.set_trust_anchors(TrustAnchors::builtin()),
        (None, false) => {}
    }
    let resolver = Arc::new(resolver);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (answer, trace) = runtime.block_on(banyan_server::upstream::resolve(
        &resolver,
        &opts.name,
        opts.qtype,
        opts.qclass,
        true,
        false,
    ));
    let trace = trace.unwrap_or_else(|| banyan_resolver::trace::Trace {
        question: format!("{} {}", opts.name, opts.qtype),
        events: Vec::new(),
    });
    if opts.style == OutputStyle::Json {
        let json = serde_json::json!({
            "question": trace.question,
            "root_hints": hint_count,
            "events": trace.events,
            "rcode": answer.rcode.to_string(),
            "answer": answer.answer.iter().flat_map(describe_set).collect::<Vec<_>>(),
            "authority": answer.authority.iter().flat_map(describe_set).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(Outcome::Answered);
    }
    println!(
        ";; tracing {} from the root hints ({hint_count} root servers)",
        trace.question
    );
    for event in &trace.events {
        print_event(event);
    }
    println!();
    if answer.security != banyan_resolver::Security::Unchecked {
        println!(";; DNSSEC: {:?}", answer.security);
    }
    for set in answer.answer.iter().chain(&answer.authority) {
        for line in describe_set(set) {
            println!("{line}\t; {}", horizon(set.ttl));
        }
    }
    Ok(Outcome::Answered)
}

fn print_event(event: &TraceEvent) {
    match event {
        TraceEvent::Local { name } => println!(";; {name} is a special-use name, answered locally"),
        TraceEvent::CacheHit { name, what, ttl } => println!(";; from cache: {name} {what} (ttl {ttl})"),
        TraceEvent::Priming => println!(";; priming: asking a root server for the current root NS set (RFC 8109)"),
        TraceEvent::Query {
            zone,
            server,
            address,
            why,
            qname,
            qtype,
            tcp,
        } => {
            let who = server.as_deref().unwrap_or("?");
            let over = if *tcp { " over TCP" } else { "" };
            println!("\n;; zone {zone}: asking {who} ({address}, {why}){over}: {qname} {qtype}");
        }
        TraceEvent::Reply { ms, kind, detail } => {
            println!(";;   {ms} ms, {kind}");
            for d in detail {
                println!(";;     {d}");
            }
        }
        TraceEvent::Timeout { address, ms } => println!(";;   no answer from {address} after {ms} ms"),
        TraceEvent::Ignored { reason } => println!(";;   ignored: {reason}"),
        TraceEvent::NsLookup { name } => {
            println!(";; name server {name} came without glue: resolving its address first")
        }
        TraceEvent::Restart { name } => println!(";; the chain continues at {name}"),
        TraceEvent::Validation { detail } => println!(";; DNSSEC: {detail}"),
        TraceEvent::Done {
            rcode,
            upstream_queries,
            ms,
        } => println!("\n;; {rcode} after {upstream_queries} upstream queries in {ms} ms"),
    }
}

/// "cached for 5m (until 10:42:07 UTC)": when a resolver that fetched it now lets it go.
fn horizon(ttl: u32) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let until = (now + u64::from(ttl)) % 86400;
    format!(
        "cached for {} (until {:02}:{:02}:{:02} UTC)",
        span(ttl),
        until / 3600,
        until / 60 % 60,
        until % 60
    )
}

fn span(secs: u32) -> String {
    match secs {
        s if s >= 86400 => format!("{}d{}h", s / 86400, s % 86400 / 3600),
        s if s >= 3600 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span(30), "30s");
        assert_eq!(span(300), "5m0s");
        assert_eq!(span(3600 * 2 + 60), "2h1m");
        assert_eq!(span(86400 * 2), "2d0h");
        assert!(horizon(60).starts_with("cached for 1m0s (until "));
    }
}
