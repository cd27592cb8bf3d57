//! Answering from a large zone, in batches as the UDP workers do: the user-space half of
//! `bench/auth.sh` (the kernel's half, `recvmmsg`/`sendmmsg`, is not here), without its
//! noise.
//!
//! The zone and the query mix are `bench/auth.sh`'s: blocks of 16 names (a delegation with
//! glue, a CNAME, 14 hosts with A, some AAAA, MX and TXT) and 45% A, 10% AAAA, 10% MX/TXT,
//! 10% NXDOMAIN, 10% referrals, 10% CNAME, 5% wildcard, spread over the whole zone so that
//! most lookups miss the CPU caches as they do under load.
//!
//! `answer/<names>`: 64 queries (a full `recvmmsg` batch) prefetched together
//! ([`banyan_auth::prefetch`]) and answered one after another into reused buffers, as
//! `banyan-server`'s UDP worker does. Throughput is in queries. The zone of 1600 names fits in
//! the CPU caches: it measures the work without the cache misses (and is too small to be
//! prefetched). With `NO_PREFETCH` set in the environment the batches are answered without
//! prefetching, for comparing the two.
//!
//! `find/<zones>`: finding the zone a question is in among one or 10,000 zones.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::fmt::Write;
use std::hint::black_box;
use std::net::SocketAddr;
use std::path::Path;

use banyan_auth::{prefetch, respond, AuthConfig, Catalog, Request, Transport};
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Name, RecordType};
use banyan_zone::{parse_str, ParseOptions, Zone, ZoneBuilder};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: usize = 64;
/// Queries prepared, cycled through batch by batch: far more than the caches hold answers for.
const QUERIES: usize = 64 * 1024;

/// `bench/auth.sh`'s `gen_zone`.
fn zone_text(names: usize) -> String {
    let mut s = String::with_capacity(names * 50);
    s.push_str("$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n");
    s.push_str("@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n*.wild A 192.0.2.3\n*.wild TXT \"wildcard\"\n");
    for i in 0..names {
        let (a, b, c) = ((i >> 16) & 255, (i >> 8) & 255, i & 255);
        let _ = match i % 16 {
            0 => writeln!(
                s,
                "deleg{i} NS ns1.deleg{i}\ndeleg{i} NS ns2.deleg{i}\nns1.deleg{i} A 10.{a}.{b}.{c}\nns2.deleg{i} AAAA 2001:db8:1::{:x}",
                i % 65536
            ),
            1 => writeln!(s, "alias{i} CNAME host{}", i + 1),
            _ => {
                let _ = writeln!(s, "host{i} A 10.{a}.{b}.{c}");
                if i % 4 == 2 {
                    let _ = writeln!(s, "host{i} AAAA 2001:db8::{:x}", i % 65536);
                }
                if i % 8 == 3 {
                    let _ = writeln!(s, "host{i} MX 10 host{i}\nhost{i} TXT \"v=spf1 ip4:10.0.0.0/8 -all\"");
                }
                Ok(())
            }
        };
    }
    s
}

/// Built as loading a zone file builds it (`ZoneBuilder`), so that the nodes and RRsets lie in
/// memory as they do in a server.
fn zone(names: usize) -> Zone {
    let origin: Name = "bench.test.".parse().expect("origin");
    let mut builder = ZoneBuilder::new(origin.clone(), Class::IN, names * 2);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_str(&zone_text(names), Path::new("bench"), &opts, &mut |r| {
        builder.add(&r).expect("add");
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    builder.finish().0
}

/// `bench/auth.sh`'s `gen_queries` mix, from a fixed-seed generator.
fn queries(names: usize) -> Vec<Vec<u8>> {
    let mut state = 20240601u64;
    let mut rand = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let blocks = names / 16;
    (0..QUERIES)
        .map(|id| {
            let p = rand() % 100;
            let base = rand() % blocks * 16;
            let (name, qtype) = match p {
                0..45 => (format!("host{}", base + 2 + rand() % 14), RecordType::A),
                45..55 => (format!("host{}", base + 2 + rand() % 14), RecordType::AAAA),
                55..60 => (format!("host{}", base + 3 + 8 * (rand() % 2)), RecordType::MX),
                60..65 => (format!("host{}", base + 3 + 8 * (rand() % 2)), RecordType::TXT),
                65..75 => (format!("nx{}", rand() % names), RecordType::A),
                75..85 => (format!("www.deleg{base}"), RecordType::A),
                85..95 => (format!("alias{}", base + 1), RecordType::A),
                _ => (format!("x{}.wild", rand() % names), RecordType::A),
            };
            let name: Name = format!("{name}.bench.test.").parse().expect("query name");
            let mut buf = Vec::new();
            let mut b = MessageBuilder::new(
                &mut buf,
                Header {
                    id: id as u16,
                    ..Header::default()
                },
            );
            b.question(&name, qtype, Class::IN).expect("question");
            b.finish();
            buf
        })
        .collect()
}

fn answer(c: &mut Criterion) {
    let config = AuthConfig::default();
    let client: SocketAddr = "127.0.0.1:5300".parse().expect("address");
    let prefetching = std::env::var_os("NO_PREFETCH").is_none();
    for names in [1_600, 100_000, 1_000_000] {
        let catalog = Catalog::new(vec![zone(names)]);
        let queries = queries(names);
        let mut replies: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(1232)).collect();
        let mut g = c.benchmark_group("answer");
        g.throughput(Throughput::Elements(BATCH as u64));
        let mut batches = queries.chunks(BATCH).cycle();
        g.bench_function(names.to_string(), |b| {
            b.iter(|| {
                let batch = batches.next().unwrap_or_default();
                if prefetching {
                    prefetch(&catalog, batch.iter().map(Vec::as_slice));
                }
                for (query, out) in batch.iter().zip(replies.iter_mut()) {
                    let req = Request {
                        bytes: query,
                        client,
                        transport: Transport::Udp,
                        now: 0,
                    };
                    black_box(respond(&catalog, &config, &req, out));
                }
            })
        });
        g.finish();
    }
}

/// `find/<zones>`: which of many zones a question is in, as a hosting provider's server with
/// that many second-level zones under a few TLDs looks it up for every query (64 names per
/// iteration, most under a zone, some under none).
fn find(c: &mut Criterion) {
    let mut g = c.benchmark_group("find");
    for zones in [1, 10_000] {
        let tlds = ["com.", "net.", "org.", "example."];
        let catalog = Catalog::new(
            (0..zones)
                .map(|i| {
                    let origin: Name = format!("site{i}.{}", tlds[i % tlds.len()]).parse().expect("origin");
                    Zone::new(origin, Class::IN)
                })
                .collect(),
        );
        let names: Vec<Name> = (0..BATCH)
            .map(|i| {
                let i = i * 7919 % (zones + zones / 8 + 1);
                format!("www.site{i}.{}", tlds[i % tlds.len()]).parse().expect("name")
            })
            .collect();
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function(zones.to_string(), |b| {
            b.iter(|| {
                for name in &names {
                    black_box(catalog.find(name));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, answer, find);
criterion_main!(benches);
