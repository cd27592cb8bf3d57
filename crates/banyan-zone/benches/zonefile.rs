//! Zone-file parsing and zone lookup benchmarks.
//!
//! `parse/root.zone`: the real signed root zone from ../shared/testdata (2.27 MB).
//! `parse/generated-200k`: a generated zone of 200,000 names with a typical record mix.
//! `load/root.zone`: parse plus building the zone tree. `lookup/*`: one lookup in the root
//! zone (a referral) and an NXDOMAIN.
//! Throughput is in bytes of master file per second.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use banyan_wire::{Class, Name, RecordType};
use banyan_zone::{parse_file, parse_str, ParseOptions, Zone};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn root_zone_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/root/root.zone-2023051100")
}

/// A zone of `names` names: per name an A, every 4th an AAAA, every 8th an MX and a TXT,
/// every 16th a delegation with glue.
pub fn generated_zone(names: usize) -> String {
    let mut s = String::with_capacity(names * 60);
    s.push_str(
        "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n",
    );
    for i in 0..names {
        use std::fmt::Write;
        let _ = writeln!(s, "host{i} A 10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        if i % 4 == 0 {
            let _ = writeln!(s, "host{i} AAAA 2001:db8::{:x}", i & 0xffff);
        }
        if i % 8 == 0 {
            let _ = writeln!(s, "host{i} MX 10 mail{i}");
            let _ = writeln!(s, "host{i} TXT \"v=spf1 ip4:10.0.0.0/8 -all\"");
        }
        if i % 16 == 0 {
            let _ = writeln!(s, "deleg{i} NS ns.deleg{i}\nns.deleg{i} A 10.1.2.3");
        }
    }
    s
}

fn parse(c: &mut Criterion) {
    let root = root_zone_path();
    let size = std::fs::metadata(&root).map(|m| m.len()).unwrap_or(0);
    let mut g = c.benchmark_group("parse");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(size));
    g.bench_function("root.zone", |b| {
        b.iter(|| {
            let mut n = 0usize;
            let report = parse_file(&root, &ParseOptions::default(), &mut |r| {
                n += black_box(&r).ttl as usize & 1;
            });
            assert!(report.is_ok());
            n
        })
    });
    let text = generated_zone(200_000);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("generated-200k", |b| {
        b.iter(|| {
            let mut n = 0usize;
            let report = parse_str(&text, Path::new("gen"), &ParseOptions::default(), &mut |r| {
                n += black_box(&r).ttl as usize & 1;
            });
            assert!(report.is_ok());
            n
        })
    });
    g.finish();
}

fn load_root() -> Zone {
    let mut zone = Zone::new(Name::root(), Class::IN);
    let report = parse_file(&root_zone_path(), &ParseOptions::default(), &mut |r| {
        let _ = zone.insert(&r);
    });
    assert!(report.is_ok());
    zone.finish();
    zone
}

fn load(c: &mut Criterion) {
    let size = std::fs::metadata(root_zone_path()).map(|m| m.len()).unwrap_or(0);
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(size));
    g.bench_function("root.zone", |b| b.iter(load_root));
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let zone = load_root();
    let referral: Name = "www.example.com.".parse().unwrap_or_else(|_| Name::root());
    let nx: Name = "www.no-such-tld-here.".parse().unwrap_or_else(|_| Name::root());
    let mut g = c.benchmark_group("lookup");
    g.bench_function("root-referral", |b| {
        b.iter(|| black_box(zone.lookup(black_box(&referral), RecordType::A)))
    });
    g.bench_function("root-nxdomain", |b| {
        b.iter(|| black_box(zone.lookup(black_box(&nx), RecordType::A)))
    });
    g.finish();
}

criterion_group!(benches, parse, load, lookup);
criterion_main!(benches);
