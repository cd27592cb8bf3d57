//! Times loading a zone file and its phases, for profiling:
//! `cargo run --release -p banyan-zone --example load_phases FILE ORIGIN`.
//!
//! First the loader's own path (bulk build and checks) with the resident memory it leaves,
//! then each phase alone: parsing, one-by-one insertion, `finish`, checks.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

fn resident() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let path = Path::new(&path);
    let origin: banyan_wire::Name = std::env::args().nth(2).unwrap().parse().unwrap();
    let before = resident();
    let t = Instant::now();
    let loaded = banyan_zone::load_zone_file(path, Some(&origin)).unwrap();
    println!("load_zone_file (bulk build + checks): {:?}", t.elapsed());
    println!(
        "resident: {before} before, {} with the zone loaded ({} names, {} records)",
        resident(),
        loaded.zone.node_count(),
        loaded.zone.record_count()
    );
    drop(loaded);

    let opts = banyan_zone::ParseOptions {
        origin: Some(origin.clone()),
        ..Default::default()
    };
    let t = Instant::now();
    let mut n = 0;
    banyan_zone::parse_file(path, &opts, &mut |_r| n += 1);
    println!("parse only: {:?} ({n} records)", t.elapsed());
    let t = Instant::now();
    let mut zone = banyan_zone::Zone::new(origin, banyan_wire::Class::IN);
    banyan_zone::parse_file(path, &opts, &mut |r| {
        let _ = zone.insert(&r);
    });
    println!("parse + one-by-one insert: {:?}", t.elapsed());
    let t = Instant::now();
    zone.finish();
    println!("finish: {:?}", t.elapsed());
    let t = Instant::now();
    let f = banyan_zone::check_zone(&zone);
    println!("check: {:?} ({} findings)", t.elapsed(), f.len());
}
