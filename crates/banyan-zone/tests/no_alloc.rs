//! A lookup allocates nothing (issue 3: "a lookup must not allocate"): every outcome of
//! `Zone::lookup`, wildcard synthesis included, measured with a counting allocator.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use banyan_wire::{Class, Name, RecordType};
use banyan_zone::{parse_str, Lookup, ParseOptions, Zone};

const ZONE: &str = "
@ SOA ns1 host 1 2 3 4 5
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.10
alias CNAME www
*.wild TXT \"synthesised\"
sub NS ns.sub
ns.sub A 192.0.2.53
old DNAME new.example.
a.b.c TXT \"ent\"
";

fn zone() -> Zone {
    let origin: Name = "example.".parse().unwrap();
    let opts = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: Some(300),
        ..ParseOptions::default()
    };
    let mut z = Zone::new(origin, Class::IN);
    let report = parse_str(ZONE, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

#[test]
fn every_lookup_outcome_allocates_nothing() {
    let z = zone();
    let queries: Vec<(Name, RecordType)> = [
        ("www.example.", RecordType::A),
        ("www.example.", RecordType::MX),
        ("alias.example.", RecordType::A),
        ("x.y.wild.example.", RecordType::TXT),
        ("x.wild.example.", RecordType::A),
        ("deep.sub.example.", RecordType::A),
        ("x.old.example.", RecordType::A),
        ("b.c.example.", RecordType::A),
        ("nope.example.", RecordType::A),
        ("example.", RecordType::ANY),
        ("www.example.org.", RecordType::A),
    ]
    .iter()
    .map(|(n, t)| (n.parse().unwrap(), *t))
    .collect();
    let mut kinds = Vec::with_capacity(queries.len());
    let info = allocation_counter::measure(|| {
        for (name, rtype) in &queries {
            let outcome = z.lookup(name, *rtype);
            kinds.push(std::mem::discriminant(&outcome));
        }
    });
    assert_eq!(info.count_total, 0, "lookups allocated {} times", info.count_total);
    // The queries cover every outcome, so the measurement covers every path.
    assert!(matches!(
        z.lookup(&queries[3].0, queries[3].1),
        Lookup::Answer { wildcard: Some(_), .. }
    ));
    assert_eq!(kinds.iter().collect::<std::collections::HashSet<_>>().len(), 8);
}
