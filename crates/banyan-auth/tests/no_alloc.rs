//! Answering allocates nothing for the common outcomes (DESIGN.md: "no heap allocation … per
//! query"): answers, CNAME chains, NXDOMAIN, NODATA, referrals with glue, MX with additional
//! addresses, wildcards, EDNS. (DNAME synthesis, CHAOS and AXFR may allocate.) Nor does
//! prefetching a batch of them from a zone large enough for it.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use banyan_auth::{prefetch, respond, Action, AuthConfig, Catalog, Request, Transport, PREFETCH_MIN_NODES};
use banyan_wire::edns::Edns;
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, RecordType};
use banyan_zone::{parse_str, ParseOptions, Zone};

const ZONE: &str = "
@ SOA ns1 host 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.1
mail A 192.0.2.25
www A 192.0.2.10
alias CNAME www
chain CNAME alias
*.wild TXT \"synthesised\"
sub NS ns.sub
ns.sub A 192.0.2.53
";

fn catalog() -> Catalog {
    catalog_with(ZONE)
}

fn catalog_with(text: &str) -> Catalog {
    let origin: Name = "example.".parse().unwrap();
    let opts = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: Some(300),
        ..ParseOptions::default()
    };
    let mut z = Zone::new(origin, Class::IN);
    assert!(parse_str(text, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    })
    .is_ok());
    z.finish();
    Catalog::new(vec![z])
}

fn queries() -> Vec<Vec<u8>> {
    [
        ("www.example.", RecordType::A),
        ("chain.example.", RecordType::A),
        ("nope.example.", RecordType::A),
        ("www.example.", RecordType::MX),
        ("a.b.sub.example.", RecordType::A),
        ("example.", RecordType::MX),
        ("x.wild.example.", RecordType::TXT),
        ("www.example.org.", RecordType::A),
    ]
    .iter()
    .map(|(name, t)| {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.question(&name.parse::<Name>().unwrap(), *t, Class::IN).unwrap();
        b.edns(&Edns::default()).unwrap();
        b.finish();
        buf
    })
    .collect()
}

#[test]
fn common_outcomes_allocate_nothing() {
    let cat = catalog();
    let config = AuthConfig::default();
    let queries = queries();
    let mut out = Vec::with_capacity(65535);
    // A first pass, so that `out` has grown to its working size.
    let client = "127.0.0.1:53".parse().unwrap();
    for q in &queries {
        let req = Request {
            bytes: q,
            client,
            transport: Transport::Udp,
            now: 0,
        };
        assert_eq!(respond(&cat, &config, &req, &mut out), Action::Reply);
        assert!(Message::parse(&out).is_ok());
    }
    let info = allocation_counter::measure(|| {
        for q in &queries {
            let req = Request {
                bytes: q,
                client,
                transport: Transport::Udp,
                now: 0,
            };
            respond(&cat, &config, &req, &mut out);
        }
    });
    assert_eq!(info.count_total, 0, "allocations answering {} queries", queries.len());
}

#[test]
fn prefetching_a_batch_allocates_nothing() {
    let mut text = ZONE.to_string();
    for i in 0..PREFETCH_MIN_NODES {
        text.push_str(&format!("host{i} A 192.0.2.1\n"));
    }
    let cat = catalog_with(&text);
    assert!(
        cat.node_count() >= PREFETCH_MIN_NODES,
        "a zone too small to be prefetched"
    );
    let queries = queries();
    let mut prefetched = 0;
    let info = allocation_counter::measure(|| prefetched = prefetch(&cat, queries.iter().map(Vec::as_slice)));
    assert_eq!(info.count_total, 0, "allocations prefetching {} queries", queries.len());
    // All but the question for example.org., in no zone here.
    assert_eq!(prefetched, queries.len() - 1);
}
