//! Message codec benchmarks: reading a typical five-record response without copying it,
//! building one into a reused buffer, and, for comparison, reading one with every RDATA typed.
//!
//! `cargo bench -p banyan-wire --bench message` (about a minute). The figures are per
//! message.

use std::hint::black_box;
use std::time::Duration;

use banyan_wire::{Message, OwnedMessage};
use criterion::{criterion_main, Criterion, Throughput};

mod fixtures;

use fixtures::TypicalAnswer;

/// Parses the message and reads what a resolver reads from each record: owner name (label by
/// label, no copy), type, class and TTL.
fn parse_and_walk(wire: &[u8]) -> usize {
    let msg = Message::parse(wire).expect("the fixture parses");
    let mut seen = 0usize;
    for q in msg.questions() {
        seen += q.qname.labels().map(<[u8]>::len).sum::<usize>() + q.qtype.0 as usize;
    }
    for r in msg.answers().chain(msg.authority()).chain(msg.additional()) {
        seen += r.name.labels().map(<[u8]>::len).sum::<usize>();
        seen += r.rtype.0 as usize + r.class.0 as usize + r.ttl as usize;
    }
    seen
}

/// Parses the message and types every record's RDATA (names decompressed and copied).
fn parse_typed(wire: &[u8]) -> usize {
    let msg = Message::parse(wire).expect("the fixture parses");
    let mut seen = 0usize;
    for r in msg.answers().chain(msg.authority()).chain(msg.additional()) {
        let data = r.rdata().expect("the fixture's RDATA types");
        seen += data.rtype().0 as usize;
    }
    seen
}

fn benches(c: &mut Criterion) {
    let answer = TypicalAnswer::new();
    let wire = answer.to_wire();
    let mut g = c.benchmark_group("message");
    g.throughput(Throughput::Elements(1));

    g.bench_function("parse_walk_5_records", |b| b.iter(|| parse_and_walk(black_box(&wire))));
    g.bench_function("parse_typed_rdata_5_records", |b| {
        b.iter(|| parse_typed(black_box(&wire)))
    });
    g.bench_function("parse_owned_message_5_records", |b| {
        b.iter(|| {
            let msg = Message::parse(black_box(&wire)).expect("the fixture parses");
            OwnedMessage::from_view(&msg).expect("the fixture types")
        })
    });

    let mut buf = Vec::with_capacity(512);
    g.bench_function("build_5_records_compressed", |b| {
        b.iter(|| black_box(&answer).build(&mut buf))
    });
    g.finish();
}

/// The group, with short runs: the figures are stable to a few percent well within these
/// times, and the machine is shared. (Written out rather than with `criterion_group!`, whose
/// generated function has no doc comment.)
fn message() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args();
    benches(&mut c);
}

criterion_main!(message);
