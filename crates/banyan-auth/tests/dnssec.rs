//! Serving signed zones: the responses of RFC 4035 Appendix B (NSEC) and RFC 5155 Appendix B
//! (NSEC3) from their Appendix A zones, compared record for record; DO=0 clients getting no
//! DNSSEC records; truncation never leaving an RRSIG without its RRset.
//!
//! The one documented difference from the RFC texts: for positive answers (RFC 4035 B.1 and
//! B.6, RFC 5155 B.4) the RFCs also put the zone's NS RRset and its RRSIG in the authority
//! section, and the addresses of those name servers in the additional section. Banyan
//! answers minimally (as NSD and Knot do by default), so those records are absent; every
//! other record is the same, and what the additional section holds is a subset of the RFC's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use banyan_wire::edns::Edns;
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, OwnedMessage, Record, RecordType};
use banyan_zone::{parse_file, parse_str, ParseOptions, Zone};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn rfc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/dnssec/rfc-examples")
}

fn load(path: &Path) -> Catalog {
    let origin = n("example.");
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_file(path, &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    Catalog::new(vec![z])
}

fn rfc4035_zone() -> Catalog {
    load(&rfc_dir().join("rfc4035/appendix-A-signed-zone.zone"))
}

fn rfc5155_zone() -> Catalog {
    load(&rfc_dir().join("rfc5155/appendix-A-example-zone.zone"))
}

/// One response as the RFC prints it.
struct Expected {
    aa: bool,
    rcode: u8,
    qname: Name,
    qtype: RecordType,
    answer: Vec<Record>,
    authority: Vec<Record>,
    additional: Vec<Record>,
}

/// Reads an Appendix B text (`;; Header`, `;; Question`, `;; Answer`, `;; Authority`,
/// `;; Additional`; records in master-file form). Some files hold more than one response
/// (RFC 5155 B.2 and B.2.1); `which` picks one.
fn expected(file: &str, which: usize) -> Expected {
    let text = std::fs::read_to_string(rfc_dir().join(file)).unwrap();
    // RFC 5155 B.6 prints an RRSIG's closing parenthesis without the opening one (the
    // testdata README notes it); the record is the RFC's own, so the test restores the `(`.
    let text = text.replace("RRSIG NSEC3 7 2 3600\n", "RRSIG NSEC3 7 2 3600 (\n");
    let responses: Vec<&str> = text.split(";; Header:").skip(1).collect();
    let response = responses[which];
    let mut sections: [String; 5] = Default::default();
    let mut current = 0;
    for (i, line) in response.lines().enumerate() {
        if i == 0 {
            sections[0] = line.to_string();
            continue;
        }
        let marker = line.trim();
        let next = match marker {
            ";; Question" => Some(1),
            ";; Answer" => Some(2),
            ";; Authority" => Some(3),
            ";; Additional" => Some(4),
            _ => None,
        };
        match next {
            Some(s) => current = s,
            None if current > 0 => {
                sections[current].push_str(line);
                sections[current].push('\n');
            }
            None => {}
        }
    }
    let header = &sections[0];
    let rcode = header
        .split("RCODE=")
        .nth(1)
        .and_then(|r| r.trim().parse().ok())
        .unwrap();
    assert!(header.contains("DO"), "{file}: a DO=1 response");
    let question: Vec<&str> = sections[1]
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .unwrap()
        .split_whitespace()
        .collect();
    let records = |text: &str| {
        let mut out = Vec::new();
        let opts = ParseOptions {
            origin: Some(n("example.")),
            default_ttl: Some(3600),
            ..ParseOptions::default()
        };
        // The closing prose after a response is comment lines; the rest is records.
        let report = parse_str(text, Path::new(file), &opts, &mut |r| out.push(r));
        assert!(report.is_ok(), "{file}: {:?}", report.errors);
        out
    };
    Expected {
        aa: header.split_whitespace().any(|w| w == "AA"),
        rcode,
        qname: n(question[0]),
        qtype: question.last().unwrap().parse().unwrap(),
        answer: records(&sections[2]),
        authority: records(&sections[3]),
        additional: records(&sections[4]),
    }
}

fn query(qname: &Name, qtype: RecordType, dnssec: Option<bool>, udp_size: u16) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x5155,
            ..Header::default()
        },
    );
    b.question(qname, qtype, Class::IN).unwrap();
    if let Some(dnssec_ok) = dnssec {
        b.edns(&Edns {
            udp_payload_size: udp_size,
            dnssec_ok,
            ..Edns::default()
        })
        .unwrap();
    }
    b.finish();
    buf
}

fn ask_raw(cat: &Catalog, config: &AuthConfig, bytes: &[u8], transport: Transport) -> Vec<u8> {
    let mut out = Vec::new();
    let req = Request {
        bytes,
        client: "127.0.0.1:5353".parse().unwrap(),
        transport,
        now: 0,
    };
    assert_eq!(respond(cat, config, &req, &mut out), Action::Reply);
    out
}

fn ask(cat: &Catalog, qname: &Name, qtype: RecordType, dnssec: bool) -> OwnedMessage {
    let out = ask_raw(
        cat,
        &AuthConfig::default(),
        &query(qname, qtype, Some(dnssec), 4096),
        Transport::Udp,
    );
    let msg = Message::parse(&out).unwrap();
    let edns = msg.edns().expect("OPT in the response").unwrap();
    assert_eq!(edns.dnssec_ok, dnssec, "DO echoed (RFC 3225 §3)");
    OwnedMessage::from_view(&msg).unwrap()
}

/// Records as comparable text: owner lowercased, TTL, type and RDATA in wire form.
fn set_of<'a>(records: impl IntoIterator<Item = &'a Record>) -> BTreeSet<String> {
    records
        .into_iter()
        .filter(|r| r.rtype() != RecordType::OPT)
        .map(|r| {
            let wire: String = r.data.to_wire().iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {} {} {wire}", r.name.to_lowercase(), r.ttl, r.rtype())
        })
        .collect()
}

/// The zone's NS RRset and its RRSIG: the RFCs add them to positive answers; Banyan answers
/// minimally.
fn is_apex_ns(r: &Record) -> bool {
    let covers_ns = matches!(&r.data, banyan_wire::RData::RRSIG(s) if s.type_covered == RecordType::NS);
    r.name == n("example.") && (r.rtype() == RecordType::NS || covers_ns)
}

/// Asks the Appendix B question of `file` and compares the response with the RFC's.
fn check_appendix_b(cat: &Catalog, file: &str, which: usize) {
    let want = expected(file, which);
    let got = ask(cat, &want.qname, want.qtype, true);
    assert_eq!(got.header.aa, want.aa, "{file}: AA");
    assert_eq!(got.header.rcode, want.rcode, "{file}: RCODE");
    assert!(!got.header.tc, "{file}: not truncated");
    assert_eq!(set_of(&got.answers), set_of(&want.answer), "{file}: answer section");
    let minimal = !want.answer.is_empty();
    let want_authority = want.authority.iter().filter(|r| !(minimal && is_apex_ns(r)));
    assert_eq!(
        set_of(&got.authority),
        set_of(want_authority),
        "{file}: authority section"
    );
    let got_additional = set_of(&got.additional);
    let want_additional = set_of(&want.additional);
    assert!(
        got_additional.is_subset(&want_additional),
        "{file}: additional section {got_additional:#?} not within the RFC's {want_additional:#?}"
    );
    if !want.authority.iter().any(is_apex_ns) || !minimal {
        assert_eq!(got_additional, want_additional, "{file}: additional section");
    } else {
        // What is missing is only the addresses of the NS targets left out of authority.
        for missing in want_additional.difference(&got_additional) {
            assert!(
                missing.starts_with("ns1.example.") || missing.starts_with("ns2.example."),
                "{file}: {missing}"
            );
        }
    }
    // Every RRSIG travels with the RRset it covers (RFC 4035 §3.1.1).
    for section in [&got.answers, &got.authority, &got.additional] {
        assert_no_orphan_rrsig(section);
    }
}

fn assert_no_orphan_rrsig(records: &[Record]) {
    for r in records {
        if let banyan_wire::RData::RRSIG(sig) = &r.data {
            assert!(
                records
                    .iter()
                    .any(|o| o.name == r.name && o.rtype() == sig.type_covered),
                "RRSIG {r} without its RRset"
            );
        }
    }
}

fn is_dnssec_record(r: &Record) -> bool {
    matches!(
        r.rtype(),
        RecordType::RRSIG | RecordType::NSEC | RecordType::NSEC3 | RecordType::DS
    )
}

#[test]
fn rfc4035_appendix_b_1_answer() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.1-answer.txt", 0);
}

#[test]
fn rfc4035_appendix_b_2_name_error() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.2-name-error.txt", 0);
}

#[test]
fn rfc4035_appendix_b_3_no_data_error() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.3-no-data-error.txt", 0);
}

#[test]
fn rfc4035_appendix_b_4_referral_to_signed_zone() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.4-referral-to-signed-zone.txt", 0);
}

#[test]
fn rfc4035_appendix_b_5_referral_to_unsigned_zone() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.5-referral-to-unsigned-zone.txt", 0);
}

#[test]
fn rfc4035_appendix_b_6_wildcard_expansion() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.6-wildcard-expansion.txt", 0);
}

#[test]
fn rfc4035_appendix_b_7_wildcard_no_data_error() {
    check_appendix_b(&rfc4035_zone(), "rfc4035/appendix-B.7-wildcard-no-data-error.txt", 0);
}

#[test]
fn rfc4035_appendix_b_8_ds_child_zone_no_data_error() {
    check_appendix_b(
        &rfc4035_zone(),
        "rfc4035/appendix-B.8-ds-child-zone-no-data-error.txt",
        0,
    );
}

#[test]
fn rfc5155_appendix_b_1_name_error() {
    check_appendix_b(&rfc5155_zone(), "rfc5155/appendix-B.1-name-error.txt", 0);
}

#[test]
fn rfc5155_appendix_b_2_no_data_error() {
    check_appendix_b(&rfc5155_zone(), "rfc5155/appendix-B.2-no-data-error.txt", 0);
}

#[test]
fn rfc5155_appendix_b_2_1_no_data_error_empty_non_terminal() {
    check_appendix_b(&rfc5155_zone(), "rfc5155/appendix-B.2-no-data-error.txt", 1);
}

#[test]
fn rfc5155_appendix_b_3_referral_to_an_opt_out_unsigned_zone() {
    check_appendix_b(
        &rfc5155_zone(),
        "rfc5155/appendix-B.3-referral-to-an-opt-out-unsigned-zone.txt",
        0,
    );
}

#[test]
fn rfc5155_appendix_b_4_wildcard_expansion() {
    check_appendix_b(&rfc5155_zone(), "rfc5155/appendix-B.4-wildcard-expansion.txt", 0);
}

#[test]
fn rfc5155_appendix_b_5_wildcard_no_data_error() {
    check_appendix_b(&rfc5155_zone(), "rfc5155/appendix-B.5-wildcard-no-data-error.txt", 0);
}

#[test]
fn rfc5155_appendix_b_6_ds_child_zone_no_data_error() {
    check_appendix_b(
        &rfc5155_zone(),
        "rfc5155/appendix-B.6-ds-child-zone-no-data-error.txt",
        0,
    );
}

const RFC4035_CASES: [&str; 8] = [
    "rfc4035/appendix-B.1-answer.txt",
    "rfc4035/appendix-B.2-name-error.txt",
    "rfc4035/appendix-B.3-no-data-error.txt",
    "rfc4035/appendix-B.4-referral-to-signed-zone.txt",
    "rfc4035/appendix-B.5-referral-to-unsigned-zone.txt",
    "rfc4035/appendix-B.6-wildcard-expansion.txt",
    "rfc4035/appendix-B.7-wildcard-no-data-error.txt",
    "rfc4035/appendix-B.8-ds-child-zone-no-data-error.txt",
];

const RFC5155_CASES: [(&str, usize); 7] = [
    ("rfc5155/appendix-B.1-name-error.txt", 0),
    ("rfc5155/appendix-B.2-no-data-error.txt", 0),
    ("rfc5155/appendix-B.2-no-data-error.txt", 1),
    ("rfc5155/appendix-B.3-referral-to-an-opt-out-unsigned-zone.txt", 0),
    ("rfc5155/appendix-B.4-wildcard-expansion.txt", 0),
    ("rfc5155/appendix-B.5-wildcard-no-data-error.txt", 0),
    ("rfc5155/appendix-B.6-ds-child-zone-no-data-error.txt", 0),
];

/// RFC 4035 §3.2.1: without DO, the same questions get the unsigned answers, no RRSIG,
/// NSEC, NSEC3 or DS added.
#[test]
fn rfc4035_section_3_2_1_do_clear_gets_no_dnssec_records() {
    let cases = RFC4035_CASES
        .iter()
        .map(|f| (rfc4035_zone(), *f, 0))
        .chain(RFC5155_CASES.iter().map(|(f, w)| (rfc5155_zone(), *f, *w)));
    for (cat, file, which) in cases {
        let want = expected(file, which);
        for dnssec in [None, Some(false)] {
            let out = ask_raw(
                &cat,
                &AuthConfig::default(),
                &query(&want.qname, want.qtype, dnssec, 4096),
                Transport::Udp,
            );
            let msg = Message::parse(&out).unwrap();
            if dnssec.is_some() {
                assert!(!msg.edns().unwrap().unwrap().dnssec_ok, "{file}: DO stays clear");
            }
            let got = OwnedMessage::from_view(&msg).unwrap();
            assert_eq!(got.header.rcode, want.rcode, "{file}");
            for r in got.answers.iter().chain(&got.authority).chain(&got.additional) {
                assert!(!is_dnssec_record(r), "{file}: {r} sent to a DO=0 client");
            }
            let unsigned_answer = want.answer.iter().filter(|r| !is_dnssec_record(r));
            assert_eq!(set_of(&got.answers), set_of(unsigned_answer), "{file}");
        }
    }
}

/// Asked for by type, DNSSEC records are data, DO or not (RFC 4035 §3.2.1).
#[test]
fn dnssec_types_asked_for_are_answered_without_do() {
    let cat = rfc4035_zone();
    let r = ask(&cat, &n("example."), RecordType::DNSKEY, false);
    assert_eq!(r.answers.len(), 2);
    assert!(r.answers.iter().all(|r| r.rtype() == RecordType::DNSKEY));
    let r = ask(&cat, &n("ns1.example."), RecordType::NSEC, false);
    assert_eq!(r.answers.len(), 1);
    // Every RRSIG of the name, whatever type each covers.
    let r = ask(&cat, &n("example."), RecordType::RRSIG, false);
    let covered: BTreeSet<RecordType> = r
        .answers
        .iter()
        .map(|r| match &r.data {
            banyan_wire::RData::RRSIG(s) => s.type_covered,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        covered,
        [
            RecordType::SOA,
            RecordType::NS,
            RecordType::MX,
            RecordType::NSEC,
            RecordType::DNSKEY
        ]
        .into_iter()
        .collect()
    );
    // The DS of a secure delegation, from the parent side, with its RRSIG when DO is set.
    let r = ask(&cat, &n("a.example."), RecordType::DS, false);
    assert_eq!(r.answers.len(), 1);
    let r = ask(&cat, &n("a.example."), RecordType::DS, true);
    assert_eq!(r.answers.len(), 2);
    assert!(r.header.aa);
}

/// ANY with DO: each RRset followed by its RRSIGs; without DO, no RRSIG or NSEC.
#[test]
fn any_keeps_rrsigs_beside_their_rrsets() {
    let cat = rfc4035_zone();
    let r = ask(&cat, &n("ns1.example."), RecordType::ANY, true);
    let types: Vec<String> = r.answers.iter().map(|r| r.rtype().to_string()).collect();
    assert_eq!(types, ["A", "RRSIG", "NSEC", "RRSIG"]);
    let r = ask(&cat, &n("ns1.example."), RecordType::ANY, false);
    let types: Vec<String> = r.answers.iter().map(|r| r.rtype().to_string()).collect();
    assert_eq!(types, ["A"]);
}

/// RFC 4035 §3.1.3.2 with an empty non-terminal: NSEC zones prove a name exists without data
/// by the NSEC before it (its next name lies below).
#[test]
fn nsec_empty_non_terminal_no_data() {
    // y.w.example. exists only because x.y.w.example. does.
    let r = ask(&rfc4035_zone(), &n("y.w.example."), RecordType::A, true);
    assert_eq!(r.header.rcode, 0);
    let nsec: Vec<String> = r
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::NSEC)
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(nsec, ["x.w.example."]);
    assert_no_orphan_rrsig(&r.authority);
}

/// RFC 4035 §3.1.1: a response that cannot hold an RRset's RRSIGs is truncated; an RRSIG never
/// arrives without its RRset, and the additional section holds signed RRsets whole or not at
/// all.
#[test]
fn rfc4035_section_3_1_1_truncation_keeps_rrsigs_with_their_rrsets() {
    let cat = rfc4035_zone();
    let config = AuthConfig::default();
    let mut truncated = 0;
    for (name, qtype) in [
        ("ml.example.", RecordType::A),
        ("a.z.w.example.", RecordType::AAAA),
        ("x.w.example.", RecordType::MX),
        ("example.", RecordType::DNSKEY),
        ("example.", RecordType::ANY),
        ("mc.a.example.", RecordType::MX),
        ("a.z.w.example.", RecordType::MX),
    ] {
        for size in [512u16, 600, 700, 800, 900, 1000, 1232] {
            let out = ask_raw(&cat, &config, &query(&n(name), qtype, Some(true), size), Transport::Udp);
            assert!(out.len() <= size.max(512) as usize, "{name} {qtype} fits {size}");
            let msg = OwnedMessage::from_view(&Message::parse(&out).unwrap()).unwrap();
            truncated += usize::from(msg.header.tc);
            assert_no_orphan_rrsig(&msg.answers);
            assert_no_orphan_rrsig(&msg.authority);
            assert_no_orphan_rrsig(&msg.additional);
            for r in msg.additional.iter().filter(|r| {
                !matches!(r.rtype(), RecordType::OPT | RecordType::RRSIG) && !r.name.to_string().contains(".a.example")
            }) {
                assert!(
                    msg.additional.iter().any(|s| matches!(&s.data,
                        banyan_wire::RData::RRSIG(sig) if s.name == r.name && sig.type_covered == r.rtype())),
                    "{name} {qtype} at {size}: {r} in additional without its RRSIG"
                );
            }
            if msg.header.tc {
                assert!(
                    msg.answers.len() + msg.authority.len() < 12,
                    "{name} {qtype} at {size}: truncated"
                );
            }
        }
    }
    assert!(truncated > 5, "the small buffers truncate ({truncated})");
    // A negative answer at 512 octets: SOA, 2 NSEC and 3 RRSIGs of 1024-bit RSA do not fit.
    let out = ask_raw(
        &cat,
        &config,
        &query(&n("ml.example."), RecordType::A, Some(true), 512),
        Transport::Udp,
    );
    let msg = Message::parse(&out).unwrap();
    assert!(msg.header().tc);
    assert!(msg.edns().unwrap().unwrap().dnssec_ok);
    // Over TCP the same answer is whole.
    let out = ask_raw(
        &cat,
        &config,
        &query(&n("ml.example."), RecordType::A, Some(true), 512),
        Transport::Tcp,
    );
    let msg = OwnedMessage::from_view(&Message::parse(&out).unwrap()).unwrap();
    assert!(!msg.header.tc);
    assert_eq!(msg.authority.len(), 6);
}

/// A CNAME synthesised by a wildcard is signed with the wildcard's RRSIG under the query
/// name, and the proof of the query name's absence comes along (RFC 4035 §3.1.3.3).
#[test]
fn wildcard_cname_and_dname_with_do() {
    let mut text = std::fs::read_to_string(rfc_dir().join("rfc4035/appendix-A-signed-zone.zone")).unwrap();
    // Unsigned additions are enough to see which records are chosen (no validation here).
    text.push_str("\n*.c.example. 3600 CNAME xx.example.\nc.example. 3600 NSEC *.c.example. NSEC\n*.c.example. 3600 NSEC d.example. CNAME NSEC\n");
    let origin = n("example.");
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    assert!(parse_str(&text, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    })
    .is_ok());
    z.finish();
    let cat = Catalog::new(vec![z]);
    let r = ask(&cat, &n("q.c.example."), RecordType::A, true);
    let answer: Vec<String> = r.answers.iter().map(|r| format!("{} {}", r.name, r.rtype())).collect();
    assert_eq!(
        answer,
        ["q.c.example. CNAME", "xx.example. A", "xx.example. RRSIG"],
        "the wildcard CNAME (unsigned here), then the signed target"
    );
    let proof: Vec<String> = r
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::NSEC)
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(proof, ["*.c.example."], "the NSEC covering q.c.example.");
}

/// Zero allocations per DO=1 query, NSEC3 hashing included.
#[test]
fn signed_answers_allocate_nothing() {
    for (cat, names) in [
        (
            rfc4035_zone(),
            ["x.w.example.", "ml.example.", "a.z.w.example.", "mc.b.example."],
        ),
        (
            rfc5155_zone(),
            ["a.c.x.w.example.", "y.w.example.", "a.z.w.example.", "mc.c.example."],
        ),
    ] {
        let config = AuthConfig::default();
        let queries: Vec<Vec<u8>> = names
            .iter()
            .flat_map(|name| {
                [RecordType::MX, RecordType::AAAA, RecordType::DS].map(|t| query(&n(name), t, Some(true), 1232))
            })
            .collect();
        let mut out = Vec::with_capacity(65535);
        let client = "127.0.0.1:53".parse().unwrap();
        let run = |out: &mut Vec<u8>| {
            for q in &queries {
                let req = Request {
                    bytes: q,
                    client,
                    transport: Transport::Udp,
                    now: 0,
                };
                respond(&cat, &config, &req, out);
            }
        };
        run(&mut out);
        let info = allocation_counter::measure(|| run(&mut out));
        assert_eq!(
            info.count_total,
            0,
            "allocations answering {} signed queries",
            queries.len()
        );
    }
}

/// RFC 5155 §7.2.4: a DS query at an Opt-Out delegation with no NSEC3 of its own gets the
/// closest provable encloser proof: the apex's NSEC3 and the Opt-Out NSEC3 covering the name.
#[test]
fn rfc5155_section_7_2_4_ds_at_an_opt_out_delegation() {
    let r = ask(&rfc5155_zone(), &n("c.example."), RecordType::DS, true);
    assert!(r.header.aa);
    assert_eq!(r.header.rcode, 0);
    assert!(r.answers.is_empty());
    let owners: Vec<String> = r
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::NSEC3)
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(
        owners,
        [
            "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
            "35mthgpgcu1qg68fab165klnsnk3dpvl.example."
        ]
    );
    assert_no_orphan_rrsig(&r.authority);
    // The secure delegation a.example. answers its DS, signed.
    let r = ask(&rfc5155_zone(), &n("a.example."), RecordType::DS, true);
    let types: Vec<String> = r.answers.iter().map(|r| r.rtype().to_string()).collect();
    assert_eq!(types, ["DS", "RRSIG"]);
}
