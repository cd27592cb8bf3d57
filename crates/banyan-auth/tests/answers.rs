//! Authoritative answers, query in and response out, against RFC 1034 §6's example zones
//! and a zone with every case of RFC 1034 §4.3.2, RFC 4592 and RFC 6672.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use banyan_wire::edns::{Edns, EdnsOption};
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, OwnedMessage, Rcode, Record, RecordType};
use banyan_zone::{parse_file, parse_str, ParseOptions, Zone};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn zone_from_file(path: &Path, origin: &str) -> Zone {
    let origin = n(origin);
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        ..ParseOptions::default()
    };
    let report = parse_file(path, &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

fn zone_from_text(text: &str, origin: &str) -> Zone {
    let origin = n(origin);
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_str(text, Path::new("test"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

fn rfc1034_catalog() -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/zonefile/valid/domain");
    Catalog::new(vec![
        zone_from_file(&dir.join("rfc1034-6-1-root.zone"), "."),
        zone_from_file(&dir.join("rfc1034-6-1-edu.zone"), "edu."),
    ])
}

struct Query {
    name: &'static str,
    qtype: RecordType,
    qclass: Class,
    edns: Option<Edns>,
    transport: Transport,
}

fn q(name: &'static str, qtype: RecordType) -> Query {
    Query {
        name,
        qtype,
        qclass: Class::IN,
        edns: None,
        transport: Transport::Udp,
    }
}

fn query_bytes(query: &Query) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x4242,
            rd: true,
            ..Header::default()
        },
    );
    b.question(&n(query.name), query.qtype, query.qclass).unwrap();
    if let Some(e) = &query.edns {
        b.edns(e).unwrap();
    }
    b.finish();
    buf
}

fn client() -> SocketAddr {
    "127.0.0.1:5353".parse().unwrap()
}

fn ask_with(catalog: &Catalog, config: &AuthConfig, query: &Query) -> OwnedMessage {
    let bytes = query_bytes(query);
    let mut out = Vec::new();
    let action = respond(
        catalog,
        config,
        &Request {
            bytes: &bytes,
            client: client(),
            transport: query.transport,
            now: 0,
        },
        &mut out,
    );
    assert_eq!(action, Action::Reply);
    let msg = Message::parse(&out).expect("response parses");
    assert_eq!(msg.id(), 0x4242);
    assert!(msg.header().qr);
    assert!(msg.header().rd, "RD is copied");
    OwnedMessage::from_view(&msg).unwrap()
}

fn ask(catalog: &Catalog, query: Query) -> OwnedMessage {
    ask_with(catalog, &AuthConfig::default(), &query)
}

fn lines(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.rtype() != RecordType::OPT)
        .map(|r| r.to_string().to_ascii_lowercase())
        .collect()
}

#[test]
fn rfc1034_section_6_2_1_authoritative_answer() {
    let r = ask(&rfc1034_catalog(), q("SRI-NIC.ARPA.", RecordType::A));
    assert!(r.header.aa);
    assert_eq!(r.header.rcode, 0);
    assert_eq!(
        lines(&r.answers),
        [
            "sri-nic.arpa.\t86400\tin\ta\t26.0.0.73",
            "sri-nic.arpa.\t86400\tin\ta\t10.0.0.51"
        ]
    );
    assert!(r.authority.is_empty() && r.additional.is_empty());
}

#[test]
fn rfc1034_section_6_2_2_any() {
    let r = ask(&rfc1034_catalog(), q("SRI-NIC.ARPA.", RecordType::ANY));
    assert!(r.header.aa);
    assert_eq!(r.answers.len(), 4, "A, A, MX, HINFO");
}

#[test]
fn rfc1034_section_6_2_3_mx_with_additional_addresses() {
    let r = ask(&rfc1034_catalog(), q("SRI-NIC.ARPA.", RecordType::MX));
    assert_eq!(lines(&r.answers), ["sri-nic.arpa.\t86400\tin\tmx\t0 sri-nic.arpa."]);
    assert_eq!(
        lines(&r.additional),
        [
            "sri-nic.arpa.\t86400\tin\ta\t26.0.0.73",
            "sri-nic.arpa.\t86400\tin\ta\t10.0.0.51"
        ]
    );
}

#[test]
fn rfc1034_section_6_2_4_nodata_with_soa() {
    let r = ask(&rfc1034_catalog(), q("SRI-NIC.ARPA.", RecordType::NS));
    assert!(r.header.aa);
    assert_eq!(r.header.rcode, 0);
    assert!(r.answers.is_empty());
    // RFC 2308 §3: the SOA, its TTL the smaller of its TTL and MINIMUM.
    assert_eq!(r.authority.len(), 1);
    assert_eq!(r.authority[0].rtype(), RecordType::SOA);
    assert_eq!(r.authority[0].ttl, 86400);
}

#[test]
fn rfc1034_section_6_2_5_name_error() {
    let r = ask(&rfc1034_catalog(), q("SIR-NIC.ARPA.", RecordType::A));
    assert!(r.header.aa);
    assert_eq!(r.header.rcode, Rcode::NXDOMAIN.0 as u8);
    assert_eq!(r.authority[0].rtype(), RecordType::SOA);
}

#[test]
fn rfc1034_section_6_2_6_referral_with_glue() {
    let r = ask(&rfc1034_catalog(), q("BRL.MIL.", RecordType::A));
    assert!(!r.header.aa, "a referral is not authoritative");
    assert!(r.answers.is_empty());
    assert_eq!(
        lines(&r.authority),
        ["mil.\t86400\tin\tns\tsri-nic.arpa.", "mil.\t86400\tin\tns\ta.isi.edu."]
    );
    // Addresses of both name servers: SRI-NIC.ARPA (authoritative data) and A.ISI.EDU (glue
    // below the EDU cut).
    let additional = lines(&r.additional);
    assert!(
        additional.contains(&"a.isi.edu.\t86400\tin\ta\t26.3.0.103".to_string()),
        "{additional:?}"
    );
}

#[test]
fn rfc1034_section_6_2_7_cname_then_the_child_zone() {
    // In 1987 the root answered C.ISI.EDU's address from glue; since RFC 2181 §5.4.1 glue is
    // not an answer, so the CNAME is followed into the served EDU zone, where C.ISI.EDU is
    // below the ISI cut: the answer holds the CNAME and the authority the referral.
    let r = ask(&rfc1034_catalog(), q("USC-ISIC.ARPA.", RecordType::A));
    assert!(r.header.aa);
    assert_eq!(lines(&r.answers), ["usc-isic.arpa.\t86400\tin\tcname\tc.isi.edu."]);
    assert!(lines(&r.authority)
        .iter()
        .all(|l| l.starts_with("isi.edu.\t172800\tin\tns\t")));
}

#[test]
fn rfc1034_section_6_2_8_cname_asked_for() {
    let r = ask(&rfc1034_catalog(), q("USC-ISIC.ARPA.", RecordType::CNAME));
    assert_eq!(lines(&r.answers), ["usc-isic.arpa.\t86400\tin\tcname\tc.isi.edu."]);
    assert!(r.authority.is_empty());
}

const EXAMPLE: &str = "
@ SOA ns1 host 2024010101 7200 3600 1209600 300
@ NS ns1
@ NS ns2.other.
ns1 A 192.0.2.1
www A 192.0.2.10
alias CNAME www
chain CNAME alias
loop1 CNAME loop2
loop2 CNAME loop1
out CNAME www.elsewhere.
*.wild TXT \"synthesised\"
sub NS ns.sub
sub NS ns.other.
sub DS \\# 36 30390D020000000000000000000000000000000000000000000000000000000000000000
ns.sub A 192.0.2.53
old DNAME new.example.
big TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"
big TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"
big TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"
big TXT \"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"
big TXT \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"
big TXT \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"
";

fn example_catalog() -> Catalog {
    let child = zone_from_text("@ SOA ns host 1 2 3 4 5\n@ NS ns\nns A 192.0.2.53\n", "sub.example.");
    Catalog::new(vec![zone_from_text(EXAMPLE, "example."), child])
}

#[test]
fn cname_chains_loops_and_targets_outside() {
    let cat = example_catalog();
    let r = ask(&cat, q("chain.example.", RecordType::A));
    assert_eq!(
        lines(&r.answers),
        [
            "chain.example.\t3600\tin\tcname\talias.example.",
            "alias.example.\t3600\tin\tcname\twww.example.",
            "www.example.\t3600\tin\ta\t192.0.2.10"
        ]
    );
    let r = ask(&cat, q("loop1.example.", RecordType::A));
    assert_eq!(r.answers.len(), 2, "the loop is cut when it comes back");
    let r = ask(&cat, q("out.example.", RecordType::A));
    assert_eq!(lines(&r.answers), ["out.example.\t3600\tin\tcname\twww.elsewhere."]);
    assert_eq!(r.header.rcode, 0);
}

#[test]
fn rfc4592_wildcard_synthesis_uses_the_query_name() {
    let cat = example_catalog();
    let r = ask(&cat, q("a.b.wild.example.", RecordType::TXT));
    assert!(r.header.aa);
    assert_eq!(lines(&r.answers), ["a.b.wild.example.\t3600\tin\ttxt\t\"synthesised\""]);
    let r = ask(&cat, q("a.wild.example.", RecordType::A));
    assert_eq!(r.header.rcode, 0, "wildcard NODATA");
    assert_eq!(r.authority[0].rtype(), RecordType::SOA);
    assert_eq!(r.authority[0].ttl, 300, "min(SOA TTL, MINIMUM)");
}

#[test]
fn rfc6672_dname_synthesises_a_cname() {
    let cat = example_catalog();
    let r = ask(&cat, q("x.old.example.", RecordType::A));
    let a = lines(&r.answers);
    assert_eq!(a[0], "old.example.\t3600\tin\tdname\tnew.example.");
    assert_eq!(a[1], "x.old.example.\t3600\tin\tcname\tx.new.example.");
    assert_eq!(r.header.rcode, Rcode::NXDOMAIN.0 as u8, "x.new.example. does not exist");
}

#[test]
fn ds_comes_from_the_parent_side_of_the_cut() {
    let cat = example_catalog();
    let r = ask(&cat, q("sub.example.", RecordType::DS));
    assert!(r.header.aa);
    assert_eq!(r.answers.len(), 1);
    assert_eq!(r.answers[0].rtype(), RecordType::DS);
    // Any other type at the child apex comes from the child zone.
    let r = ask(&cat, q("sub.example.", RecordType::NS));
    assert!(r.header.aa);
    assert_eq!(lines(&r.answers), ["sub.example.\t3600\tin\tns\tns.sub.example."]);
}

#[test]
fn referral_from_a_parent_serving_only_the_parent() {
    let cat = Catalog::new(vec![zone_from_text(EXAMPLE, "example.")]);
    let r = ask(&cat, q("www.sub.example.", RecordType::A));
    assert!(!r.header.aa);
    assert_eq!(r.authority.len(), 2);
    assert_eq!(lines(&r.additional), ["ns.sub.example.\t3600\tin\ta\t192.0.2.53"]);
}

#[test]
fn refused_outside_served_zones_and_for_other_classes() {
    let cat = example_catalog();
    let r = ask(&cat, q("www.example.org.", RecordType::A));
    assert_eq!(r.header.rcode, Rcode::REFUSED.0 as u8);
    assert!(!r.header.aa);
    let mut query = q("www.example.", RecordType::A);
    query.qclass = Class::HS;
    assert_eq!(ask(&cat, query).header.rcode, Rcode::REFUSED.0 as u8);
}

#[test]
fn udp_truncation_and_edns_sizes() {
    let cat = example_catalog();
    // Without EDNS: 512 octets; six 100-octet strings do not fit.
    let r = ask(&cat, q("big.example.", RecordType::TXT));
    assert!(r.header.tc);
    assert!(r.answers.is_empty(), "whole RRsets only (RFC 2181 §9)");
    // With EDNS and a big enough buffer, or over TCP, everything comes.
    let mut query = q("big.example.", RecordType::TXT);
    query.edns = Some(Edns {
        udp_payload_size: 4096,
        ..Edns::default()
    });
    let r = ask(&cat, query);
    assert!(!r.header.tc);
    assert_eq!(r.answers.len(), 6);
    let opt = r
        .additional
        .iter()
        .find(|r| r.rtype() == RecordType::OPT)
        .expect("OPT echoed");
    assert_eq!(opt.class.0, 1232, "our UDP size");
    let mut query = q("big.example.", RecordType::TXT);
    query.transport = Transport::Tcp;
    assert_eq!(ask(&cat, query).answers.len(), 6);
}

#[test]
fn rfc6891_badvers_and_nsid() {
    let cat = example_catalog();
    let mut query = q("www.example.", RecordType::A);
    query.edns = Some(Edns {
        version: 1,
        ..Edns::default()
    });
    let bytes = query_bytes(&query);
    let mut out = Vec::new();
    let req = Request {
        bytes: &bytes,
        client: client(),
        transport: Transport::Udp,
        now: 0,
    };
    respond(&cat, &AuthConfig::default(), &req, &mut out);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::BADVERS);
    let config = AuthConfig {
        nsid: Some(b"ns1.banyan".to_vec()),
        ..AuthConfig::default()
    };
    let mut query = q("www.example.", RecordType::A);
    query.edns = Some(Edns {
        options: vec![EdnsOption::Nsid(Vec::new())],
        ..Edns::default()
    });
    let r = ask_with(&cat, &config, &query);
    let opt = r.additional.iter().find(|r| r.rtype() == RecordType::OPT).unwrap();
    assert!(opt.data.to_wire().ends_with(b"ns1.banyan"));
}

fn raw(bytes: &[u8], transport: Transport) -> (Action, Vec<u8>) {
    let mut out = Vec::new();
    let req = Request {
        bytes,
        client: client(),
        transport,
        now: 0,
    };
    let action = respond(&example_catalog(), &AuthConfig::default(), &req, &mut out);
    (action, out)
}

#[test]
fn bad_input_formerr_notimp_and_drops() {
    // No header: dropped.
    assert_eq!(raw(&[1, 2, 3], Transport::Udp).0, Action::Drop);
    // A response: dropped.
    let mut resp = query_bytes(&q("www.example.", RecordType::A));
    resp[2] |= 0x80;
    assert_eq!(raw(&resp, Transport::Udp).0, Action::Drop);
    // Garbage after a header: FORMERR with the same ID.
    let (action, out) = raw(&[0xAB, 0xCD, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0], Transport::Udp);
    assert_eq!(action, Action::Reply);
    let msg = Message::parse(&out).unwrap();
    assert_eq!((msg.id(), msg.rcode()), (0xABCD, Rcode::FORMERR));
    // Two questions: FORMERR.
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(&mut buf, Header::default());
    b.question(&n("a.example."), RecordType::A, Class::IN).unwrap();
    b.question(&n("b.example."), RecordType::A, Class::IN).unwrap();
    b.finish();
    assert_eq!(
        Message::parse(&raw(&buf, Transport::Udp).1).unwrap().rcode(),
        Rcode::FORMERR
    );
    // Opcode STATUS: NOTIMP.
    let mut status = query_bytes(&q("www.example.", RecordType::A));
    status[2] |= 2 << 3;
    assert_eq!(
        Message::parse(&raw(&status, Transport::Udp).1).unwrap().rcode(),
        Rcode::NOTIMP
    );
}

#[test]
fn chaos_identity_only_when_configured() {
    let cat = example_catalog();
    let mut query = q("version.bind.", RecordType::TXT);
    query.qclass = Class::CH;
    assert_eq!(ask(&cat, query).header.rcode, Rcode::REFUSED.0 as u8);
    let config = AuthConfig {
        chaos_version: Some("banyan 0.1".into()),
        ..AuthConfig::default()
    };
    let mut query = q("VERSION.BIND.", RecordType::TXT);
    query.qclass = Class::CH;
    let r = ask_with(&cat, &config, &query);
    assert_eq!(lines(&r.answers), ["version.bind.\t0\tch\ttxt\t\"banyan 0.1\""]);
}

#[test]
fn axfr_over_tcp_to_allowed_clients_only() {
    let cat = example_catalog();
    let bytes = query_bytes(&q("example.", RecordType::AXFR));
    let req = |transport| Request {
        bytes: &bytes,
        client: client(),
        transport,
        now: 0,
    };
    let mut out = Vec::new();
    // Refused by default.
    assert_eq!(
        respond(&cat, &AuthConfig::default(), &req(Transport::Tcp), &mut out),
        Action::Reply
    );
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::REFUSED);
    let config = AuthConfig {
        allow_transfer: vec!["127.0.0.0/8".parse().unwrap()],
        ..AuthConfig::default()
    };
    // Over UDP: refused even for allowed clients.
    respond(&cat, &config, &req(Transport::Udp), &mut out);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::REFUSED);
    let Action::Stream(messages) = respond(&cat, &config, &req(Transport::Tcp), &mut out) else {
        panic!("expected a transfer");
    };
    let mut records = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let msg = Message::parse(m).unwrap();
        assert!(msg.header().aa && !msg.header().tc);
        assert_eq!(msg.header().qdcount, u16::from(i == 0));
        records.extend(OwnedMessage::from_view(&msg).unwrap().answers);
    }
    assert_eq!(records.first().unwrap().rtype(), RecordType::SOA);
    assert_eq!(records.last().unwrap().rtype(), RecordType::SOA);
    let zone = zone_from_text(EXAMPLE, "example.");
    assert_eq!(records.len(), zone.record_count() + 1, "every record, SOA twice");
    // Not a zone we serve at that name: NOTAUTH.
    let bytes = query_bytes(&q("www.example.", RecordType::AXFR));
    let req = Request {
        bytes: &bytes,
        client: client(),
        transport: Transport::Tcp,
        now: 0,
    };
    respond(&cat, &config, &req, &mut out);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::NOTAUTH);
}

#[test]
fn additional_section_for_answers_does_not_truncate() {
    let cat = example_catalog();
    let r = ask(&cat, q("example.", RecordType::NS));
    assert!(!r.header.tc);
    assert_eq!(lines(&r.additional), ["ns1.example.\t3600\tin\ta\t192.0.2.1"]);
}

#[test]
fn responses_parse_whole_and_fit_512_octets() {
    let cat = example_catalog();
    for name in [
        "www.example.",
        "alias.example.",
        "x.old.example.",
        "a.sub.example.",
        "nope.example.",
    ] {
        for t in [
            RecordType::A,
            RecordType::AAAA,
            RecordType::NS,
            RecordType::ANY,
            RecordType::MX,
        ] {
            let bytes = query_bytes(&Query {
                name,
                qtype: t,
                qclass: Class::IN,
                edns: None,
                transport: Transport::Udp,
            });
            let mut out = Vec::new();
            let req = Request {
                bytes: &bytes,
                client: client(),
                transport: Transport::Udp,
                now: 0,
            };
            respond(&cat, &AuthConfig::default(), &req, &mut out);
            assert!(Message::parse(&out).is_ok(), "{name} {t}");
            assert!(out.len() <= 512);
        }
    }
}
