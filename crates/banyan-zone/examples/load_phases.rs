//! Times the phases of loading a zone file (parse, insert, finish, check, drop), for
//! profiling: `cargo run --release -p banyan-zone --example load_phases FILE ORIGIN`.

#![allow(clippy::unwrap_used)]

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let origin: banyan_wire::Name = std::env::args().nth(2).unwrap().parse().unwrap();
    let t = std::time::Instant::now();
    let mut n = 0;
    let opts = banyan_zone::ParseOptions {
        origin: Some(origin.clone()),
        ..Default::default()
    };
    banyan_zone::parse_file(std::path::Path::new(&path), &opts, &mut |_r| n += 1);
    println!("parse only: {:?} ({n})", t.elapsed());
    let t = std::time::Instant::now();
    let mut zone = banyan_zone::Zone::new(origin, banyan_wire::Class::IN);
    banyan_zone::parse_file(std::path::Path::new(&path), &opts, &mut |r| {
        let _ = zone.insert(&r);
    });
    println!("parse+insert: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    zone.finish();
    println!("finish: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let f = banyan_zone::check_zone(&zone);
    println!("check: {:?} ({})", t.elapsed(), f.len());
    let rss = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap_or("")
        .to_string();
    println!(
        "resident with the zone loaded: {rss} ({} names, {} records)",
        zone.node_count(),
        zone.record_count()
    );
    let t = std::time::Instant::now();
    drop(zone);
    println!("drop: {:?}", t.elapsed());
}
