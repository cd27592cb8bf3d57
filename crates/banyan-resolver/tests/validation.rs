//! DNSSEC validation against the RFC 4035 Appendix A signed zone `example.`, served by
//! Banyan's authoritative answering on a simulated network (tests/net), with a trust anchor
//! for `example.` and the clock set inside the signatures' validity window (April 2004).
//! The questions are those of RFC 4035 Appendix B: an answer, a name error, NODATA, a
//! wildcard expansion, wildcard NODATA, and a referral to an unsigned zone; then the same
//! zone tampered with, and the signatures expired.

#![allow(clippy::unwrap_used)]

mod net;

use std::path::Path;
use std::time::Instant;

use banyan_resolver::validate::ede;
use banyan_resolver::{Answer, LocalZones, Resolution, Resolver, ResolverConfig, RootHints, Security, TrustAnchors};
use banyan_wire::{Class, Rcode, RecordType};
use banyan_zone::Zone;
use net::{n, zone, Net};
use rand::SeedableRng;

/// 2004-04-20T00:00:00Z, inside the Appendix A signatures' window (2004-04-09 to 05-09).
const APRIL_2004: u32 = 1_082_419_200;

fn example_zone() -> Zone {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/dnssec/rfc-examples/rfc4035/appendix-A-signed-zone.zone");
    banyan_zone::load_zone(&path, Some(&n("example."))).unwrap()
}

const ROOT: &str = ". SOA a.root. nstld.root. 1 1800 900 604800 86400
. NS a.root.
a.root. A 10.0.1.1
example. NS ns1.example.
example. NS ns2.example.
ns1.example. A 192.0.2.1
ns2.example. A 192.0.2.2
";

/// b.example, delegated without DS from example.: unsigned.
const B_EXAMPLE: &str = "@ SOA ns1.b.example. hostmaster.b.example. 1 3600 900 604800 300
@ NS ns1.b.example.
ns1 A 192.0.2.7
www A 192.0.2.77
";

fn net_with(example: Zone) -> Net {
    Net::new(vec![
        ("10.0.1.1", vec![zone(".", ROOT)]),
        ("192.0.2.1", vec![example.clone()]),
        ("192.0.2.2", vec![example]),
        ("192.0.2.7", vec![zone("b.example.", B_EXAMPLE)]),
    ])
}

/// The KSK of example. (flags 257) as a DNSKEY trust anchor line.
fn anchor(example: &Zone) -> TrustAnchors {
    let dnskeys = example.apex().rrset(RecordType::DNSKEY).unwrap();
    let ksk = dnskeys
        .rdata
        .iter()
        .find(|d| u16::from_be_bytes([d[0], d[1]]) == 257)
        .unwrap();
    let text = banyan_wire::RData::parse(RecordType::DNSKEY, ksk, 0, ksk.len()).unwrap();
    TrustAnchors::parse(&format!("example. IN DNSKEY {text}\n"), "anchor").unwrap()
}

fn resolver(anchors: TrustAnchors) -> Resolver {
    let hints = RootHints::parse(". 3600000 NS a.root.\na.root. 3600000 A 10.0.1.1\n", Path::new("hints")).unwrap();
    let mut r = Resolver::new(ResolverConfig::default(), hints, LocalZones::none());
    r.set_trust_anchors(anchors);
    r
}

fn ask(net: &mut Net, r: &Resolver, name: &str, qtype: RecordType, unix: u32) -> Answer {
    let mut clock = Instant::now();
    let mut res = Resolution::with_rng(&n(name), qtype, Class::IN, clock, rand::rngs::StdRng::seed_from_u64(3));
    res.set_unix_time(unix);
    net.run(r, &mut res, &mut clock)
}

#[test]
fn rfc4035_appendix_b_answers_validate() {
    let example = example_zone();
    let r = resolver(anchor(&example));
    let mut net = net_with(example);
    let cases = [
        ("x.w.example.", RecordType::MX, Rcode::NOERROR, 1),     // B.1 answer
        ("ml.example.", RecordType::A, Rcode::NXDOMAIN, 0),      // B.2 name error
        ("ns1.example.", RecordType::MX, Rcode::NOERROR, 0),     // B.3 NODATA
        ("a.z.w.example.", RecordType::MX, Rcode::NOERROR, 1),   // B.6 wildcard expansion
        ("a.z.w.example.", RecordType::AAAA, Rcode::NOERROR, 0), // B.7 wildcard NODATA
        ("xx.example.", RecordType::A, Rcode::NOERROR, 1),
    ];
    for (name, qtype, rcode, answers) in cases {
        let a = ask(&mut net, &r, name, qtype, APRIL_2004);
        assert_eq!(a.rcode, rcode, "{name} {qtype}: {a:?}");
        assert_eq!(a.answer.len(), answers, "{name} {qtype}");
        assert_eq!(a.security, Security::Secure, "{name} {qtype}: {:?}", a.ede);
    }
}

#[test]
fn an_unsigned_delegation_is_insecure() {
    let example = example_zone();
    let r = resolver(anchor(&example));
    let mut net = net_with(example);
    // B.5: b.example has no DS; the NSEC at b.example. proves it.
    let a = ask(&mut net, &r, "www.b.example.", RecordType::A, APRIL_2004);
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert_eq!(a.answer.len(), 1);
    assert_eq!(a.security, Security::Insecure, "{:?}", a.ede);
}

#[test]
fn tampered_data_and_expired_signatures_are_bogus() {
    // xx.example. A changed after signing: its RRSIG no longer matches.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/dnssec/rfc-examples/rfc4035/appendix-A-signed-zone.zone");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("192.0.2.10", "192.0.2.66");
    let dir = std::env::temp_dir().join(format!("banyan-validation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tampered_path = dir.join("example.zone");
    std::fs::write(&tampered_path, text).unwrap();
    let tampered = banyan_zone::load_zone(&tampered_path, Some(&n("example."))).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let r = resolver(anchor(&tampered));
    let mut net = net_with(tampered);
    let a = ask(&mut net, &r, "xx.example.", RecordType::A, APRIL_2004);
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert_eq!(a.security, Security::Bogus);
    assert_eq!(a.ede.as_ref().map(|(c, _)| *c), Some(ede::BOGUS), "{:?}", a.ede);
    assert!(a.answer.is_empty());
    assert_eq!(r.counters.values().bogus, 1);
    // A client with CD set gets the data as received (RFC 4035 §3.2.2).
    let unchecked = a.unchecked.as_ref().unwrap();
    assert_eq!((unchecked.rcode, unchecked.answer.len()), (Rcode::NOERROR, 1));
    // Untouched data of the same zone still validates.
    let ok = ask(&mut net, &r, "x.w.example.", RecordType::MX, APRIL_2004);
    assert_eq!(ok.security, Security::Secure, "{:?}", ok.ede);

    // A year later every signature has expired.
    let example = example_zone();
    let r = resolver(anchor(&example));
    let mut net = net_with(example);
    let a = ask(&mut net, &r, "x.w.example.", RecordType::MX, APRIL_2004 + 365 * 86400);
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert_eq!(
        a.ede.as_ref().map(|(c, _)| *c),
        Some(ede::SIGNATURE_EXPIRED),
        "{:?}",
        a.ede
    );
}

#[test]
fn a_wrong_anchor_is_bogus_and_no_anchor_is_no_validation() {
    let example = example_zone();
    let wrong = TrustAnchors::parse(
        "example. IN DS 12345 8 2 0000000000000000000000000000000000000000000000000000000000000000\n",
        "t",
    )
    .unwrap();
    let r = resolver(wrong);
    let mut net = net_with(example.clone());
    let a = ask(&mut net, &r, "x.w.example.", RecordType::MX, APRIL_2004);
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert_eq!(
        a.ede.as_ref().map(|(c, _)| *c),
        Some(ede::DNSKEY_MISSING),
        "{:?}",
        a.ede
    );

    let r = resolver(TrustAnchors::none());
    let mut net = net_with(example);
    let a = ask(&mut net, &r, "x.w.example.", RecordType::MX, APRIL_2004);
    assert_eq!((a.rcode, a.security), (Rcode::NOERROR, Security::Unchecked));
}

/// 2010-01-01T00:00:00Z, inside the RFC 5155 Appendix A signatures' window.
const JANUARY_2010: u32 = 1_262_304_000;

fn nsec3_zone() -> Zone {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/dnssec/rfc-examples/rfc5155/appendix-A-example-zone.zone");
    banyan_zone::load_zone(&path, Some(&n("example."))).unwrap()
}

#[test]
fn rfc5155_appendix_b_nsec3_proofs_validate() {
    let example = nsec3_zone();
    let r = resolver(anchor(&example));
    let mut net = Net::new(vec![
        ("10.0.1.1", vec![zone(".", ROOT)]),
        ("192.0.2.1", vec![example.clone()]),
        ("192.0.2.2", vec![example]),
        // c.example, delegated without DS under NSEC3 opt-out.
        (
            "192.0.2.7",
            vec![zone("c.example.", &B_EXAMPLE.replace("b.example", "c.example"))],
        ),
    ]);
    let cases = [
        // B.1: every NSEC3 of Appendix A has opt-out, including the one covering the next
        // closer name: the name could be an unsigned delegation, so the denial is insecure
        // (RFC 5155 §6; Unbound's "nc has optout"), not secure.
        (
            "a.c.x.w.example.",
            RecordType::A,
            Rcode::NXDOMAIN,
            0,
            Security::Insecure,
        ),
        ("ns1.example.", RecordType::MX, Rcode::NOERROR, 0, Security::Secure), // B.2
        ("y.w.example.", RecordType::A, Rcode::NOERROR, 0, Security::Secure),  // B.2.1 empty non-terminal
        ("a.z.w.example.", RecordType::MX, Rcode::NOERROR, 1, Security::Secure), // B.4 wildcard
        ("a.z.w.example.", RecordType::AAAA, Rcode::NOERROR, 0, Security::Secure), // B.5 wildcard NODATA
        ("www.c.example.", RecordType::A, Rcode::NOERROR, 1, Security::Insecure), // B.3 opt-out
    ];
    for (name, qtype, rcode, answers, security) in cases {
        let a = ask(&mut net, &r, name, qtype, JANUARY_2010);
        assert_eq!(a.rcode, rcode, "{name} {qtype}: {a:?}");
        assert_eq!(a.answer.len(), answers, "{name} {qtype}");
        assert_eq!(a.security, security, "{name} {qtype}: {:?}", a.ede);
    }
}

#[test]
fn validated_nsec_answers_other_names_in_its_gap() {
    // RFC 8198: after ml.example's NXDOMAIN (NSEC b.example → ns1.example, and the apex's
    // NSEC covering *.example), mm.example lies in the same gap: no query needed.
    let example = example_zone();
    let r = resolver(anchor(&example));
    let mut net = net_with(example);
    let nx = ask(&mut net, &r, "ml.example.", RecordType::A, APRIL_2004);
    assert_eq!((nx.rcode, nx.security), (Rcode::NXDOMAIN, Security::Secure));
    let before = net.count();
    let synthesised = ask(&mut net, &r, "mm.example.", RecordType::A, APRIL_2004);
    assert_eq!(
        (synthesised.rcode, synthesised.security),
        (Rcode::NXDOMAIN, Security::Secure)
    );
    assert_eq!(net.count(), before, "answered from the validated NSECs");
    assert_eq!(r.counters.values().aggressive_nsec, 1);
    assert!(synthesised.authority.iter().any(|s| s.rtype == RecordType::NSEC));
    // Outside the gap, the authorities are asked.
    let other = ask(&mut net, &r, "zz.example.", RecordType::A, APRIL_2004);
    assert_eq!(other.rcode, Rcode::NXDOMAIN);
    assert!(net.count() > before);
}
