//! The property the `resolver_reply` target checks, kept apart from libFuzzer so that
//! `crates/banyan-resolver/tests/fuzz_regressions.rs` includes this file and runs the
//! committed corpus through the same check.
//!
//! The input is a sequence of upstream replies, each a two-octet length and a body. Each
//! query the resolution sends is answered with the next body spliced behind a header that
//! carries the query's ID (so the reply gets past the ID check) and the query's own question
//! octets; the body's first ten octets give the flags and the answer, authority and
//! additional counts. When the input runs out the remaining queries time out. Whatever the
//! replies, the resolution must end (no loop), within its upstream budget, without a panic.

use std::path::Path;
use std::time::{Duration, Instant};

use banyan_resolver::{LocalZones, Resolution, Resolver, ResolverConfig, RootHints, Step};
use banyan_wire::{Class, Message, Name, RecordType};
use rand::SeedableRng;

/// Runs one resolution of `www.example.test.` against the replies in `data`.
pub fn check_resolver_reply(data: &[u8]) {
    let hints = RootHints::parse(". 3600000 NS a.root.\na.root. 3600000 A 10.0.0.1\n", Path::new("hints"))
        .expect("fixed hints parse");
    let config = ResolverConfig {
        max_upstream_queries: 24,
        ..ResolverConfig::default()
    };
    let resolver = Resolver::new(config, hints, LocalZones::none());
    let qtype = match data.first() {
        Some(b) => RecordType(u16::from(*b % 64)),
        None => RecordType::A,
    };
    let qname: Name = "www.example.test.".parse().expect("fixed name");
    let mut clock = Instant::now();
    let rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut res = Resolution::with_rng(&qname, qtype, Class::IN, clock, rng);
    let mut rest = data.get(1..).unwrap_or_default();
    for _ in 0..200 {
        match res.poll(&resolver, clock) {
            Step::Done(_) => {
                assert!(res.upstream_queries() <= 24, "budget kept");
                return;
            }
            Step::Send(out) => {
                let Some((body, tail)) = next_chunk(rest) else {
                    clock += out.timeout;
                    res.on_timeout(&resolver, clock);
                    continue;
                };
                rest = tail;
                let reply = splice(&out.message, body);
                clock += Duration::from_millis(1);
                res.on_reply(&resolver, clock, out.server, &reply);
            }
        }
    }
    panic!("the resolution did not end within 200 steps");
}

fn next_chunk(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(u16::from_be_bytes([*data.first()?, *data.get(1)?]));
    let body = data.get(2..2 + len.min(data.len() - 2))?;
    Some((body, &data[2 + body.len()..]))
}

/// A reply to `query`: its ID, QR set, flags and counts from `body[..10]`, its question,
/// then the rest of `body`.
fn splice(query: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(query.len() + body.len());
    out.extend_from_slice(&query[..2]);
    let mut fixed = [0u8; 10];
    for (f, b) in fixed.iter_mut().zip(body) {
        *f = *b;
    }
    out.push(fixed[0] | 0x80);
    out.push(fixed[1]);
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&fixed[2..8]);
    // The question, as the query had it (it ends before any OPT record).
    let question_end = Message::parse(query)
        .ok()
        .and_then(|m| m.question().map(|q| q.qname.offset()))
        .map_or(12, |start| {
            let mut at = start;
            while at < query.len() && query[at] != 0 {
                at += 1 + usize::from(query[at]);
            }
            at + 5
        });
    out.extend_from_slice(&query[12..question_end.min(query.len())]);
    out.extend_from_slice(body.get(10..).unwrap_or_default());
    out
}
