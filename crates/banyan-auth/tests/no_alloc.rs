//! Answering allocates nothing for the common outcomes (DESIGN.md: "no heap allocation … per
//! query"): answers, CNAME chains, NXDOMAIN, NODATA, referrals with glue, MX with additional
//! addresses, wildcards, EDNS. (DNAME synthesis, CHAOS and AXFR may allocate.)

#![allow(clippy::unwrap_used)]

use std::path::Path;

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
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
    let origin: Name = "example.".parse().unwrap();
    let opts = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: Some(300),
        ..ParseOptions::default()
    };
    let mut z = Zone::new(origin, Class::IN);
    assert!(parse_str(ZONE, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    })
    .is_ok());
    z.finish();
    Catalog::new(vec![z])
}

#[test]
fn common_outcomes_allocate_nothing() {
    let cat = catalog();
    let config = AuthConfig::default();
    let queries: Vec<Vec<u8>> = [
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
    .collect();
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
