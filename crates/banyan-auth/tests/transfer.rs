//! Zone transfers out — IXFR (RFC 1995) from a zone's journal, AXFR and IXFR allowed by
//! address or TSIG key — and NOTIFY in (RFC 1996).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use banyan_auth::{
    is_notify_ack, notify_message, respond, Action, AuthConfig, Catalog, Journal, Request, TransferAcl, Transport,
};
use banyan_wire::edns::Edns;
use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::tsig::{self, KeyRing, TsigAlgorithm, TsigKey};
use banyan_wire::{Class, Header, Message, Name, Opcode, OwnedMessage, Rcode, Record, RecordType};
use banyan_zone::{diff, parse_str, ParseOptions, Zone};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn zone(text: &str) -> Zone {
    let origin = n("example.");
    let opts = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: Some(300),
        ..ParseOptions::default()
    };
    let mut z = Zone::new(origin, Class::IN);
    let report = parse_str(text, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

const V1: &str = "
@ SOA ns host 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
a A 192.0.2.10
old TXT \"going\"
";

const V2: &str = "
@ SOA ns host 2 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
a A 192.0.2.11
";

const V3: &str = "
@ SOA ns host 3 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
a A 192.0.2.11
b AAAA 2001:db8::b
";

/// Version 3, with a journal from version 1.
fn catalog() -> Catalog {
    let (v1, v2, v3) = (zone(V1), zone(V2), zone(V3));
    let journal = Journal::new(vec![diff(&v1, &v2), diff(&v2, &v3)]);
    Catalog::new(Vec::new()).with_zone(v3, Some(Arc::new(journal)))
}

fn soa(serial: u32) -> Record {
    Record::from_text(
        &format!("example. 300 IN SOA ns.example. host.example. {serial} 7200 3600 1209600 300"),
        None,
        None,
    )
    .unwrap()
}

/// An IXFR query for example. carrying the client's SOA (RFC 1995 §3), or none.
fn ixfr(serial: Option<u32>, edns: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x1995,
            ..Header::default()
        },
    );
    b.question(&n("example."), RecordType::IXFR, Class::IN).unwrap();
    if let Some(s) = serial {
        b.push(BuildSection::Authority, &soa(s)).unwrap();
    }
    if edns {
        b.edns(&Edns::default()).unwrap();
    }
    b.finish();
    buf
}

fn axfr() -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(&mut buf, Header::default());
    b.question(&n("example."), RecordType::AXFR, Class::IN).unwrap();
    b.finish();
    buf
}

const CLIENT: &str = "192.0.2.53:5353";

fn allow_lan() -> AuthConfig {
    AuthConfig {
        allow_transfer: vec!["192.0.2.0/24".parse().unwrap()],
        ..AuthConfig::default()
    }
}

/// The clock of the signed queries (any fixed time: the server is given the same one).
const NOW: u64 = 1_700_000_000;

/// Asks `bytes`, signed with a key named `key` when given (a key the server knows: it is
/// added to the config's key ring), and returns what the server does.
fn ask(
    cat: &Catalog,
    config: &AuthConfig,
    bytes: &[u8],
    transport: Transport,
    key: Option<&Name>,
) -> (Action, Vec<u8>) {
    let mut out = Vec::new();
    let mut config = config.clone();
    let mut bytes = bytes.to_vec();
    if let Some(name) = key {
        let key = TsigKey::new(
            name.clone(),
            TsigAlgorithm::HmacSha256,
            b"transfer test secret".to_vec(),
        );
        let mut keys: Vec<TsigKey> = config.keys.iter().cloned().collect();
        keys.push(key.clone());
        config.keys = KeyRing::new(keys);
        tsig::sign_request(&mut bytes, &key, NOW);
    }
    let req = Request {
        bytes: &bytes,
        client: CLIENT.parse::<SocketAddr>().unwrap(),
        transport,
        now: NOW,
    };
    let action = respond(cat, &config, &req, &mut out);
    (action, out)
}

/// Every answer record of a transfer, as lines, checking the message framing on the way.
fn transferred(messages: &[Vec<u8>]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let msg = Message::parse(m).unwrap();
        assert!(msg.header().qr && msg.header().aa && !msg.header().tc);
        assert_eq!(msg.id(), messages_id(m));
        assert_eq!(
            msg.header().qdcount,
            u16::from(i == 0),
            "the question in the first only"
        );
        let owned = OwnedMessage::from_view(&msg).unwrap();
        lines.extend(owned.answers.iter().map(|r| r.to_string()));
    }
    lines
}

fn messages_id(m: &[u8]) -> u16 {
    Header::parse(m).unwrap().id
}

fn soa_line(serial: u32) -> String {
    soa(serial).to_string()
}

fn single_soa(out: &[u8]) -> Vec<String> {
    let msg = Message::parse(out).unwrap();
    assert_eq!(msg.rcode(), Rcode::NOERROR);
    assert!(msg.header().aa);
    assert_eq!(msg.header().qdcount, 1);
    let owned = OwnedMessage::from_view(&msg).unwrap();
    owned.answers.iter().map(|r| r.to_string()).collect()
}

#[test]
fn rfc1995_section_2_client_up_to_date_gets_the_soa_alone() {
    let cat = catalog();
    for serial in [3, 4, 3 + (1 << 30)] {
        for transport in [Transport::Tcp, Transport::Udp] {
            let (action, out) = ask(&cat, &allow_lan(), &ixfr(Some(serial), false), transport, None);
            assert_eq!(action, Action::Reply, "serial {serial}");
            assert_eq!(single_soa(&out), [soa_line(3)], "serial {serial}");
        }
    }
}

#[test]
fn rfc1995_section_4_incremental_transfer_from_the_journal() {
    let cat = catalog();
    let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(1), false), Transport::Tcp, None);
    let Action::Stream(messages) = action else {
        panic!("expected a transfer, got {action:?}");
    };
    assert_eq!(
        transferred(&messages),
        [
            soa_line(3),
            // 1 → 2: deletions after the old SOA, additions after the new.
            soa_line(1),
            "a.example.\t300\tIN\tA\t192.0.2.10".to_string(),
            "old.example.\t300\tIN\tTXT\t\"going\"".to_string(),
            soa_line(2),
            "a.example.\t300\tIN\tA\t192.0.2.11".to_string(),
            // 2 → 3: nothing deleted.
            soa_line(2),
            soa_line(3),
            "b.example.\t300\tIN\tAAAA\t2001:db8::b".to_string(),
            soa_line(3),
        ]
    );
    // From version 2: one difference.
    let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(2), false), Transport::Tcp, None);
    let Action::Stream(messages) = action else {
        panic!("expected a transfer");
    };
    assert_eq!(
        transferred(&messages),
        [
            soa_line(3),
            soa_line(2),
            soa_line(3),
            "b.example.\t300\tIN\tAAAA\t2001:db8::b".to_string(),
            soa_line(3),
        ]
    );
}

#[test]
fn rfc1995_section_4_too_old_for_the_journal_gets_the_whole_zone() {
    let cat = catalog();
    for serial in [0, (1u32 << 31) + 3] {
        let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(serial), false), Transport::Tcp, None);
        let Action::Stream(messages) = action else {
            panic!("expected a transfer");
        };
        let lines = transferred(&messages);
        assert_eq!(lines.first(), Some(&soa_line(3)));
        assert_eq!(lines.last(), Some(&soa_line(3)));
        assert_eq!(
            lines.len(),
            zone(V3).record_count() + 1,
            "AXFR form: every record, SOA twice"
        );
    }
    // A journal that does not end at the served version is not used.
    let (v1, v2) = (zone(V1), zone(V2));
    let stale = Journal::new(vec![diff(&v1, &v2)]);
    let cat = Catalog::new(Vec::new()).with_zone(zone(V3), Some(Arc::new(stale)));
    let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(1), false), Transport::Tcp, None);
    let Action::Stream(messages) = action else {
        panic!("expected a transfer");
    };
    assert_eq!(transferred(&messages).len(), zone(V3).record_count() + 1);
}

#[test]
fn rfc1995_section_3_ixfr_needs_the_client_soa() {
    let cat = catalog();
    let (action, out) = ask(&cat, &allow_lan(), &ixfr(None, false), Transport::Tcp, None);
    assert_eq!(action, Action::Reply);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::FORMERR);
}

#[test]
fn rfc1995_section_2_ixfr_over_udp() {
    let cat = catalog();
    // Allowed, and the differences fit: answered whole in one datagram.
    let (action, out) = ask(&cat, &allow_lan(), &ixfr(Some(2), true), Transport::Udp, None);
    assert_eq!(action, Action::Reply);
    let msg = Message::parse(&out).unwrap();
    assert!(msg.opt_record().is_some(), "EDNS answered with EDNS");
    assert_eq!(transferred(std::slice::from_ref(&out)).len(), 5);
    // Not on the transfer list: the SOA alone (public data, no changes).
    let (_, out) = ask(
        &cat,
        &AuthConfig::default(),
        &ixfr(Some(2), false),
        Transport::Udp,
        None,
    );
    assert_eq!(single_soa(&out), [soa_line(3)]);
    // Too large for a datagram: the SOA alone, so the client tries TCP.
    let big: String = (0..40).map(|i| format!("t{i} TXT \"{}\"\n", "x".repeat(40))).collect();
    let v4 = zone(&format!("{}{big}", V3.replace("host 3 ", "host 4 ")));
    let journal = Journal::new(vec![diff(&zone(V3), &v4)]);
    let cat = Catalog::new(Vec::new()).with_zone(v4, Some(Arc::new(journal)));
    let (_, out) = ask(&cat, &allow_lan(), &ixfr(Some(3), false), Transport::Udp, None);
    assert_eq!(single_soa(&out), [soa_line(4)]);
    assert!(out.len() <= 512);
    // No history for the client's version: the SOA alone too.
    let (_, out) = ask(&cat, &allow_lan(), &ixfr(Some(1), false), Transport::Udp, None);
    assert_eq!(single_soa(&out), [soa_line(4)]);
    // Over TCP the same differences stream.
    let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(3), false), Transport::Tcp, None);
    let Action::Stream(messages) = action else {
        panic!("expected a transfer");
    };
    assert_eq!(transferred(&messages).len(), 4 + 40);
}

/// An IXFR over UDP that fits the datagram only without its TSIG: room is kept for the TSIG
/// (RFC 8945 §5.3), so it does not fit, and the client gets our SOA alone (RFC 1995 §2), signed,
/// within its size, and tries TCP.
#[test]
fn signed_ixfr_over_udp_that_fits_only_unsigned_gets_the_soa() {
    let key = n("xfr-key.example.");
    let tsig_len = tsig::response_len(&TsigKey::new(key.clone(), TsigAlgorithm::HmacSha256, Vec::new()));
    // The smallest change of this shape whose unsigned answer no longer leaves room for a TSIG.
    let (cat, unsigned) = (1..40)
        .find_map(|count| {
            let more: String = (0..count)
                .map(|i| format!("t{i} TXT \"{}\"\n", "x".repeat(8)))
                .collect();
            let v4 = zone(&format!("{}{more}", V3.replace("host 3 ", "host 4 ")));
            let journal = Journal::new(vec![diff(&zone(V3), &v4)]);
            let cat = Catalog::new(Vec::new()).with_zone(v4, Some(Arc::new(journal)));
            let (_, out) = ask(&cat, &allow_lan(), &ixfr(Some(3), false), Transport::Udp, None);
            let whole = transferred(std::slice::from_ref(&out)).len() == 4 + count;
            (whole && out.len() + tsig_len > 512).then_some((cat, out))
        })
        .expect("a change that fits 512 octets only unsigned");
    assert!(unsigned.len() <= 512);
    let (action, out) = ask(&cat, &allow_lan(), &ixfr(Some(3), false), Transport::Udp, Some(&key));
    assert_eq!(action, Action::Reply);
    assert!(out.len() <= 512, "{} octets", out.len());
    let msg = Message::parse(&out).unwrap();
    assert!(!msg.header().tc);
    assert!(msg.tsig_record().is_some(), "signed");
    assert_eq!(single_soa(&out), [soa_line(4)]);
}

#[test]
fn large_incremental_transfers_span_messages() {
    let big: String = (0..3000).map(|i| format!("h{i} A 192.0.2.{}\n", i % 250)).collect();
    let v4 = zone(&format!("{}{big}", V3.replace("host 3 ", "host 4 ")));
    let d = diff(&zone(V3), &v4);
    let mut expected = vec![soa_line(4), soa_line(3), soa_line(4)];
    expected.extend(d.added[1..].iter().map(|r| r.to_string()));
    expected.push(soa_line(4));
    let cat = Catalog::new(Vec::new()).with_zone(v4, Some(Arc::new(Journal::new(vec![d]))));
    let (action, _) = ask(&cat, &allow_lan(), &ixfr(Some(3), false), Transport::Tcp, None);
    let Action::Stream(messages) = action else {
        panic!("expected a transfer");
    };
    assert!(messages.len() > 1, "{} messages", messages.len());
    assert_eq!(transferred(&messages), expected);
}

#[test]
fn transfers_allowed_by_tsig_key() {
    let cat = catalog();
    let key = n("xfr-key.example.");
    let config = AuthConfig {
        allow_transfer: vec![TransferAcl::Key(key.clone())],
        ..AuthConfig::default()
    };
    let refused = |action: Action, out: &[u8]| {
        assert_eq!(action, Action::Reply);
        assert_eq!(Message::parse(out).unwrap().rcode(), Rcode::REFUSED);
    };
    // The key admits from any address; unsigned or another key does not.
    let (action, _) = ask(&cat, &config, &axfr(), Transport::Tcp, Some(&key));
    assert!(matches!(action, Action::Stream(_)));
    let upper = n("XFR-KEY.example.");
    let (action, _) = ask(&cat, &config, &axfr(), Transport::Tcp, Some(&upper));
    assert!(matches!(action, Action::Stream(_)), "names compare ignoring case");
    let (action, out) = ask(&cat, &config, &axfr(), Transport::Tcp, None);
    refused(action, &out);
    let (action, out) = ask(&cat, &config, &axfr(), Transport::Tcp, Some(&n("other.")));
    refused(action, &out);
    // IXFR over TCP likewise.
    let (action, _) = ask(&cat, &config, &ixfr(Some(1), false), Transport::Tcp, Some(&key));
    assert!(matches!(action, Action::Stream(_)));
    let (action, out) = ask(&cat, &config, &ixfr(Some(1), false), Transport::Tcp, None);
    refused(action, &out);
    // A per-zone list naming the key replaces the global address list.
    let config = AuthConfig {
        allow_transfer: vec!["192.0.2.0/24".parse().unwrap()],
        zone_transfer: vec![(n("example."), vec!["key:xfr-key.example.".parse().unwrap()])],
        ..AuthConfig::default()
    };
    let (action, out) = ask(&cat, &config, &axfr(), Transport::Tcp, None);
    refused(action, &out);
    let (action, _) = ask(&cat, &config, &axfr(), Transport::Tcp, Some(&key));
    assert!(matches!(action, Action::Stream(_)));
}

fn secondary_config() -> AuthConfig {
    AuthConfig {
        secondaries: vec![(n("example."), vec!["192.0.2.1".parse().unwrap()])],
        ..AuthConfig::default()
    }
}

fn notify_from(from: &str, bytes: &[u8], config: &AuthConfig) -> (Action, Vec<u8>) {
    let mut out = Vec::new();
    let req = Request {
        bytes,
        client: from.parse().unwrap(),
        transport: Transport::Udp,
        now: 0,
    };
    let action = respond(&Catalog::default(), config, &req, &mut out);
    (action, out)
}

#[test]
fn rfc1996_section_3_notify_from_a_primary_is_acknowledged() {
    let zone_name = n("example.");
    let mut notify = Vec::new();
    notify_message(&zone_name, 0x4004, Some(&soa(7)), &mut notify);
    let (action, out) = notify_from("192.0.2.1:53", &notify, &secondary_config());
    assert_eq!(
        action,
        Action::Notify {
            zone: zone_name.clone(),
            serial: Some(7)
        }
    );
    // RFC 1996 §4.7: same ID, QR, opcode NOTIFY, AA, the question echoed, NOERROR.
    let msg = Message::parse(&out).unwrap();
    let h = msg.header();
    assert_eq!((h.id, h.qr, h.aa, h.opcode()), (0x4004, true, true, Opcode::NOTIFY));
    assert_eq!(msg.rcode(), Rcode::NOERROR);
    assert!(is_notify_ack(&out, 0x4004, &zone_name));
    // Without the SOA hint, and from an IPv4-mapped address.
    let mut bare = Vec::new();
    notify_message(&zone_name, 9, None, &mut bare);
    let (action, out) = notify_from("[::ffff:192.0.2.1]:53", &bare, &secondary_config());
    assert_eq!(
        action,
        Action::Notify {
            zone: zone_name.clone(),
            serial: None
        }
    );
    assert!(is_notify_ack(&out, 9, &zone_name));
}

#[test]
fn rfc1996_section_3_10_notify_from_elsewhere_is_refused() {
    let mut notify = Vec::new();
    notify_message(&n("example."), 1, Some(&soa(7)), &mut notify);
    let rcode_of = |(action, out): (Action, Vec<u8>)| {
        assert_eq!(action, Action::Reply);
        let msg = Message::parse(&out).unwrap();
        assert_eq!(msg.header().opcode(), Opcode::NOTIFY);
        msg.rcode()
    };
    // Not a known primary: REFUSED.
    assert_eq!(
        rcode_of(notify_from("192.0.2.2:53", &notify, &secondary_config())),
        Rcode::REFUSED
    );
    // Not a zone we are a secondary for: NOTAUTH.
    let mut other = Vec::new();
    notify_message(&n("example.org."), 1, None, &mut other);
    assert_eq!(
        rcode_of(notify_from("192.0.2.1:53", &other, &secondary_config())),
        Rcode::NOTAUTH
    );
    assert_eq!(
        rcode_of(notify_from("192.0.2.1:53", &notify, &AuthConfig::default())),
        Rcode::NOTAUTH
    );
    // A question other than SOA: FORMERR.
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            opcode: Opcode::NOTIFY.0,
            ..Header::default()
        },
    );
    b.question(&n("example."), RecordType::A, Class::IN).unwrap();
    b.finish();
    assert_eq!(
        rcode_of(notify_from("192.0.2.1:53", &buf, &secondary_config())),
        Rcode::FORMERR
    );
}

/// RFC 1035 §3.3.13: a secondary's copy past EXPIRE is no longer answered from (SERVFAIL, as
/// BIND and Knot do) nor passed on by transfer, until the catalog marks it fresh again.
#[test]
fn an_expired_zone_answers_servfail_and_is_not_transferred() {
    let fresh = catalog();
    let expired = fresh.with_expired(&n("example."), true);
    assert!(expired.is_expired(&n("example.")));
    let mut q = Vec::new();
    let mut b = MessageBuilder::new(&mut q, Header::default());
    b.question(&n("a.example."), RecordType::A, Class::IN).unwrap();
    b.finish();
    let (action, out) = ask(&fresh, &allow_lan(), &q, Transport::Udp, None);
    assert_eq!(action, Action::Reply);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::NOERROR);
    let (_, out) = ask(&expired, &allow_lan(), &q, Transport::Udp, None);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::SERVFAIL);
    let (action, out) = ask(&expired, &allow_lan(), &axfr(), Transport::Tcp, None);
    assert_eq!(action, Action::Reply);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::SERVFAIL);
    // Marked fresh again (a refresh succeeded): answered as before; replacing the zone
    // keeps the mark until then.
    let still = expired.with_zone(zone(V3), None);
    assert!(still.is_expired(&n("example.")));
    let again = expired.with_expired(&n("example."), false);
    let (_, out) = ask(&again, &allow_lan(), &q, Transport::Udp, None);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::NOERROR);
}

/// A server taking zones from a store another process writes (`notifiers`): a NOTIFY from
/// the writer for any zone — one it does not serve yet included — is acknowledged and acted
/// on; from anyone else it is REFUSED; a known secondary zone still needs its primary.
#[test]
fn notify_from_a_store_writer_is_acknowledged_for_any_zone() {
    let config = AuthConfig {
        notifiers: vec!["127.0.0.0/8".parse().unwrap()],
        ..secondary_config()
    };
    let mut new_zone = Vec::new();
    notify_message(&n("newsite.test."), 3, None, &mut new_zone);
    let (action, out) = notify_from("127.0.0.1:40000", &new_zone, &config);
    assert_eq!(
        action,
        Action::Notify {
            zone: n("newsite.test."),
            serial: None
        }
    );
    assert!(is_notify_ack(&out, 3, &n("newsite.test.")));
    let (action, out) = notify_from("192.0.2.9:53", &new_zone, &config);
    assert_eq!(action, Action::Reply);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::REFUSED);
    // example. has its primary: the writers of the store are not it.
    let mut secondary = Vec::new();
    notify_message(&n("example."), 4, None, &mut secondary);
    let (action, out) = notify_from("127.0.0.1:40000", &secondary, &config);
    assert_eq!(action, Action::Reply);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::REFUSED);
}
