//! The cache-hit path allocates nothing (DESIGN.md: no per-query allocation): answer-cache
//! hits and misses of every kind once the output buffer has grown, and RRset-cache lookups.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use banyan_resolver::cache::{Cache, CacheConfig, Negative};
use banyan_resolver::{AnswerCache, CacheReply, ClientQuery, RRset, Security, Trust};
use banyan_wire::edns::Edns;
use banyan_wire::message::BuildSection;
use banyan_wire::{Class, Header, MessageBuilder, Name, Record, RecordType};

fn name(s: &str) -> Name {
    s.parse().unwrap()
}

fn response(rcode: u8, qname: &str, qtype: RecordType, answer: &[&str], authority: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let header = Header {
        qr: true,
        rd: true,
        ra: true,
        rcode,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(&mut out, header);
    b.question(&name(qname), qtype, Class::IN).unwrap();
    for line in answer {
        b.push(BuildSection::Answer, &Record::from_text(line, None, None).unwrap())
            .unwrap();
    }
    for line in authority {
        b.push(BuildSection::Authority, &Record::from_text(line, None, None).unwrap())
            .unwrap();
    }
    b.finish();
    out
}

fn query(qname: &str, qtype: RecordType, edns: Option<bool>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Header {
            id: 0x1234,
            rd: true,
            ..Header::default()
        },
    );
    b.question(&name(qname), qtype, Class::IN).unwrap();
    if let Some(dnssec_ok) = edns {
        b.edns(&Edns {
            dnssec_ok,
            ..Edns::default()
        })
        .unwrap();
    }
    b.finish();
    out
}

#[test]
fn answer_cache_hits_and_misses_allocate_nothing() {
    let cache = AnswerCache::new(1 << 20, 4);
    let t0 = Instant::now();
    cache.store(
        &response(
            0,
            "www.example.",
            RecordType::A,
            &[
                "www.example. 300 IN CNAME web.example.",
                "web.example. 300 IN A 192.0.2.1",
            ],
            &[],
        ),
        false,
        false,
        t0,
    );
    cache.store(
        &response(
            3,
            "nope.example.",
            RecordType::A,
            &[],
            &["example. 300 IN SOA ns1.example. host.example. 1 7200 3600 1209600 300"],
        ),
        true,
        false,
        t0,
    );
    let wires = [
        query("WWW.example.", RecordType::A, Some(false)), // hit with OPT
        query("www.example.", RecordType::A, None),        // hit without OPT
        query("nope.Example.", RecordType::A, Some(true)), // NXDOMAIN hit, DO
        query("nope.example.", RecordType::A, None),       // miss: DO differs
        query("absent.example.", RecordType::A, None),     // miss: absent
        query("www.example.", RecordType::MX, None),       // miss: other type
    ];
    let queries: Vec<ClientQuery<'_>> = wires.iter().map(|w| ClientQuery::parse(w).unwrap()).collect();
    let mut out = Vec::with_capacity(65535);
    let now = t0 + Duration::from_secs(280); // within the last tenth: one prefetch
    let expect = |i: usize| if i < 3 { "hit" } else { "miss" };
    let info = allocation_counter::measure(|| {
        for _ in 0..3 {
            for (i, w) in wires.iter().enumerate() {
                // The whole fast path: reading the query, then the cache.
                let q = ClientQuery::parse(w).unwrap();
                let got = cache.reply(&q, 1232, now, &mut out);
                let kind = if matches!(got, CacheReply::Hit { .. }) {
                    "hit"
                } else {
                    "miss"
                };
                assert_eq!(kind, expect(i));
            }
            // Too big, and expired.
            assert_eq!(cache.reply(&queries[0], 20, now, &mut out), CacheReply::Miss);
            let late = t0 + Duration::from_secs(300);
            assert_eq!(cache.reply(&queries[1], 1232, late, &mut out), CacheReply::Miss);
        }
    });
    assert_eq!(info.count_total, 0, "allocations on the answer-cache path");
}

#[test]
fn rrset_cache_lookups_allocate_nothing() {
    let cache = Cache::new(CacheConfig::default());
    let t0 = Instant::now();
    let www = name("www.example.");
    cache.insert(
        RRset {
            name: www.clone(),
            rtype: RecordType::A,
            class: Class::IN,
            ttl: 300,
            rdata: vec![Box::new([192, 0, 2, 1])],
            sigs: Vec::new(),
            security: Security::Unchecked,
        },
        Trust::AuthAnswer,
        t0,
    );
    let nope = name("nope.example.");
    cache.insert_negative(
        &nope,
        None,
        Class::IN,
        Negative::NxDomain {
            soa: None,
            proofs: Vec::new(),
        },
        300,
        Trust::AuthAuthority,
        t0,
    );
    let upper = name("WWW.EXAMPLE.");
    let info = allocation_counter::measure(|| {
        for _ in 0..10 {
            assert!(cache.get(&upper, RecordType::A, Class::IN, t0).is_some());
            assert!(cache.get(&www, RecordType::AAAA, Class::IN, t0).is_none());
            assert!(cache
                .get_stale(&www, RecordType::A, Class::IN, t0 + Duration::from_secs(400))
                .is_some());
            assert!(cache.get_negative(&nope, RecordType::MX, Class::IN, t0).is_some());
            assert!(cache.get_negative(&www, RecordType::MX, Class::IN, t0).is_none());
        }
    });
    assert_eq!(info.count_total, 0, "allocations on RRset-cache lookups");
}
