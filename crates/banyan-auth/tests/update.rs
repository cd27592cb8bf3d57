//! Dynamic UPDATE (RFC 2136) against its semantics: the zone section (§3.1), each kind of
//! prerequisite (§2.4, §3.2), the prescan (§3.4.1), permissions (§3.3), each kind of change
//! (§2.5, §3.4.2) with the apex SOA/NS protections and CNAME conflicts, the serial (§3.6) and
//! the no-op update (§3.7). Messages are built with banyan-wire's `MessageBuilder`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use banyan_auth::{
    apply_update, respond, update_reply, Action, AuthConfig, Catalog, NamePattern, Request, SerialPolicy, Transport,
    UpdateRule,
};
use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::tsig::{self, KeyRing, TsigAlgorithm, TsigKey};
use banyan_wire::{Class, Header, Message, Name, Opcode, OwnedMessage, RData, Rcode, Record, RecordType};
use banyan_zone::{diff, parse_str, ParseOptions, Zone, ZoneDiff};

const ZONE: &str = "
@ SOA ns1 host 10 7200 3600 1209600 300
@ NS ns1
@ NS ns2
@ MX 10 mail
@ TXT \"apex text\"
ns1 A 192.0.2.1
ns2 A 192.0.2.2
mail A 192.0.2.25
www A 192.0.2.10
www A 192.0.2.11
alias CNAME www
deep.ent TXT \"below an empty non-terminal\"
sub NS ns.sub
ns.sub A 192.0.2.53
";

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn origin() -> Name {
    n("example.")
}

fn zone_with(text: &str) -> Zone {
    let opts = ParseOptions {
        origin: Some(origin()),
        default_ttl: Some(300),
        ..ParseOptions::default()
    };
    let mut z = Zone::new(origin(), Class::IN);
    let report = parse_str(text, Path::new("t"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    z
}

fn zone() -> Zone {
    zone_with(ZONE)
}

/// A record from zone file text, relative to `example.`, TTL 300 unless given.
fn rr(text: &str) -> Record {
    Record::from_text(text, Some(&origin()), Some(300)).unwrap()
}

/// A record with no RDATA in class ANY or NONE (RFC 2136 §2.4.1, §2.4.3, §2.5.2, §2.5.3).
fn empty(name: &str, class: Class, rtype: RecordType) -> Record {
    Record {
        name: Name::parse(name, Some(&origin())).unwrap(),
        class,
        ttl: 0,
        data: RData::Unknown { rtype, data: vec![] },
    }
}

/// §2.4.1: RRset exists (value independent).
fn rrset_exists(name: &str, rtype: RecordType) -> Record {
    empty(name, Class::ANY, rtype)
}

/// §2.4.3: RRset does not exist.
fn rrset_absent(name: &str, rtype: RecordType) -> Record {
    empty(name, Class::NONE, rtype)
}

/// §2.4.4: name is in use.
fn name_in_use(name: &str) -> Record {
    empty(name, Class::ANY, RecordType::ANY)
}

/// §2.4.5: name is not in use.
fn name_unused(name: &str) -> Record {
    empty(name, Class::NONE, RecordType::ANY)
}

/// §2.4.2: one RR of an RRset that must exist with exactly these values (TTL 0).
fn rrset_value(text: &str) -> Record {
    Record { ttl: 0, ..rr(text) }
}

/// §2.5.2: delete an RRset.
fn delete_rrset(name: &str, rtype: RecordType) -> Record {
    empty(name, Class::ANY, rtype)
}

/// §2.5.3: delete all RRsets at a name.
fn delete_name(name: &str) -> Record {
    empty(name, Class::ANY, RecordType::ANY)
}

/// §2.5.4: delete one RR.
fn delete_rr(text: &str) -> Record {
    Record {
        class: Class::NONE,
        ttl: 0,
        ..rr(text)
    }
}

fn message(zone: &str, ztype: RecordType, zclass: Class, prerequisites: &[Record], updates: &[Record]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x5150,
            opcode: Opcode::UPDATE.0,
            ..Header::default()
        },
    );
    b.question(&n(zone), ztype, zclass).unwrap();
    for r in prerequisites {
        b.push(BuildSection::Answer, r).unwrap();
    }
    for r in updates {
        b.push(BuildSection::Authority, r).unwrap();
    }
    b.finish();
    buf
}

fn update_msg(prerequisites: &[Record], updates: &[Record]) -> Vec<u8> {
    message("example.", RecordType::SOA, Class::IN, prerequisites, updates)
}

fn key() -> Name {
    n("ddns-key.example.")
}

/// Everything in the zone to the holder of `ddns-key.example.`.
fn all_rules() -> Vec<UpdateRule> {
    vec![UpdateRule {
        key: key(),
        names: NamePattern::Subdomain(origin()),
        types: vec![RecordType::ANY],
    }]
}

type Outcome = Result<Option<(Zone, ZoneDiff)>, Rcode>;

fn run_on(zone: &Zone, prerequisites: &[Record], updates: &[Record]) -> Outcome {
    let msg = update_msg(prerequisites, updates);
    apply_update(zone, &msg, Some(&key()), &all_rules(), SerialPolicy::Increment, 0)
}

fn run(prerequisites: &[Record], updates: &[Record]) -> Outcome {
    run_on(&zone(), prerequisites, updates)
}

fn rcode(outcome: Outcome) -> Rcode {
    match outcome {
        Ok(_) => Rcode::NOERROR,
        Err(rcode) => rcode,
    }
}

/// The updated zone; panics when the update failed or changed nothing.
fn changed(outcome: Outcome) -> (Zone, ZoneDiff) {
    match outcome {
        Ok(Some(done)) => done,
        other => panic!("expected a change, got {:?}", other.map(|o| o.map(|(_, d)| d))),
    }
}

fn unchanged(outcome: Outcome) {
    match outcome {
        Ok(None) => {}
        other => panic!("expected no change, got {:?}", other.map(|o| o.map(|(_, d)| d))),
    }
}

/// The records of `rtype` at `name`, as zone file lines, sorted.
fn rrset(zone: &Zone, name: &str, rtype: RecordType) -> Vec<String> {
    let name = Name::parse(name, Some(&origin())).unwrap();
    let mut lines: Vec<String> = zone
        .records()
        .filter(|r| r.name == name && r.rtype() == rtype)
        .map(|r| r.to_string())
        .collect();
    lines.sort();
    lines
}

fn serial(zone: &Zone) -> u32 {
    zone.soa().unwrap().serial
}

fn lines(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.to_string()).collect()
}

#[test]
fn rfc2136_section_3_1_zone_section() {
    let z = zone();
    let go = |msg: &[u8], signer: Option<&Name>| {
        rcode(apply_update(&z, msg, signer, &all_rules(), SerialPolicy::Increment, 0))
    };
    let add = [rr("new A 192.0.2.99")];
    assert_eq!(go(&update_msg(&[], &add), Some(&key())), Rcode::NOERROR);
    // §3.1.1: the zone section's type must be SOA.
    let msg = message("example.", RecordType::A, Class::IN, &[], &add);
    assert_eq!(go(&msg, Some(&key())), Rcode::FORMERR);
    // Not our zone, or not our class: NOTAUTH.
    let msg = message("example.org.", RecordType::SOA, Class::IN, &[], &add);
    assert_eq!(go(&msg, Some(&key())), Rcode::NOTAUTH);
    let msg = message("www.example.", RecordType::SOA, Class::IN, &[], &add);
    assert_eq!(go(&msg, Some(&key())), Rcode::NOTAUTH);
    let msg = message("example.", RecordType::SOA, Class::CH, &[], &[]);
    assert_eq!(go(&msg, Some(&key())), Rcode::NOTAUTH);
    // Two zones: FORMERR.
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            opcode: Opcode::UPDATE.0,
            ..Header::default()
        },
    );
    b.question(&origin(), RecordType::SOA, Class::IN).unwrap();
    b.question(&origin(), RecordType::SOA, Class::IN).unwrap();
    b.finish();
    assert_eq!(go(&buf, Some(&key())), Rcode::FORMERR);
    // Not an UPDATE, or not a message.
    let mut query = update_msg(&[], &add);
    query[2] &= !(0x0F << 3);
    assert_eq!(go(&query, Some(&key())), Rcode::FORMERR);
    assert_eq!(go(&[0, 1, 0x28, 0, 0, 1], Some(&key())), Rcode::FORMERR);
    // §3.3: an unsigned request is refused before anything is looked at.
    assert_eq!(go(&update_msg(&[], &add), None), Rcode::REFUSED);
    assert_eq!(go(&update_msg(&[name_in_use("nope")], &add), None), Rcode::REFUSED);
}

#[test]
fn rfc2136_section_2_4_1_rrset_exists_value_independent() {
    let add = [rr("new A 192.0.2.99")];
    assert_eq!(rcode(run(&[rrset_exists("www", RecordType::A)], &add)), Rcode::NOERROR);
    assert_eq!(
        rcode(run(&[rrset_exists("alias", RecordType::CNAME)], &add)),
        Rcode::NOERROR
    );
    assert_eq!(
        rcode(run(&[rrset_exists("www", RecordType::AAAA)], &add)),
        Rcode::NXRRSET
    );
    assert_eq!(rcode(run(&[rrset_exists("nope", RecordType::A)], &add)), Rcode::NXRRSET);
    // §3.2.1: TTL must be zero; class ANY carries no RDATA.
    let with_ttl = Record {
        ttl: 1,
        ..rrset_exists("www", RecordType::A)
    };
    assert_eq!(rcode(run(&[with_ttl], &add)), Rcode::FORMERR);
    let with_data = Record {
        class: Class::ANY,
        ..rrset_value("www A 192.0.2.10")
    };
    assert_eq!(rcode(run(&[with_data], &add)), Rcode::FORMERR);
}

#[test]
fn rfc2136_section_2_4_2_rrset_exists_value_dependent() {
    let add = [rr("new A 192.0.2.99")];
    // The whole RRset, in any order: true.
    let both = [rrset_value("www A 192.0.2.11"), rrset_value("www A 192.0.2.10")];
    assert_eq!(rcode(run(&both, &add)), Rcode::NOERROR);
    // A subset or a superset: NXRRSET.
    assert_eq!(rcode(run(&[rrset_value("www A 192.0.2.10")], &add)), Rcode::NXRRSET);
    let more = [
        rrset_value("www A 192.0.2.10"),
        rrset_value("www A 192.0.2.11"),
        rrset_value("www A 192.0.2.12"),
    ];
    assert_eq!(rcode(run(&more, &add)), Rcode::NXRRSET);
    // Names in RDATA compare ignoring case (canonical form, RFC 4034 §6.2).
    assert_eq!(
        rcode(run(&[rrset_value("@ MX 10 MAIL.Example.")], &add)),
        Rcode::NOERROR
    );
    assert_eq!(rcode(run(&[rrset_value("@ MX 20 mail")], &add)), Rcode::NXRRSET);
    // Two RRsets, both must match.
    let two = [
        rrset_value("alias CNAME www"),
        rrset_value("www A 192.0.2.10"),
        rrset_value("www A 192.0.2.11"),
    ];
    assert_eq!(rcode(run(&two, &add)), Rcode::NOERROR);
    // An RRset that does not exist at all.
    assert_eq!(rcode(run(&[rrset_value("nope A 192.0.2.10")], &add)), Rcode::NXRRSET);
    // §3.2.1: a non-zero TTL is FORMERR; a class other than the zone's, ANY or NONE too.
    assert_eq!(rcode(run(&[rr("www A 192.0.2.10")], &add)), Rcode::FORMERR);
    let chaos = Record {
        class: Class::CH,
        ..rrset_value("www A 192.0.2.10")
    };
    assert_eq!(rcode(run(&[chaos], &add)), Rcode::FORMERR);
}

#[test]
fn rfc2136_section_2_4_3_rrset_does_not_exist() {
    let add = [rr("new A 192.0.2.99")];
    assert_eq!(
        rcode(run(&[rrset_absent("www", RecordType::AAAA)], &add)),
        Rcode::NOERROR
    );
    assert_eq!(rcode(run(&[rrset_absent("nope", RecordType::A)], &add)), Rcode::NOERROR);
    assert_eq!(rcode(run(&[rrset_absent("www", RecordType::A)], &add)), Rcode::YXRRSET);
    let with_data = Record {
        class: Class::NONE,
        ..rrset_value("www A 192.0.2.10")
    };
    assert_eq!(rcode(run(&[with_data], &add)), Rcode::FORMERR);
}

#[test]
fn rfc2136_section_2_4_4_name_is_in_use() {
    let add = [rr("new A 192.0.2.99")];
    assert_eq!(rcode(run(&[name_in_use("www")], &add)), Rcode::NOERROR);
    assert_eq!(rcode(run(&[name_in_use("@")], &add)), Rcode::NOERROR);
    assert_eq!(rcode(run(&[name_in_use("nope")], &add)), Rcode::NXDOMAIN);
    // An empty non-terminal owns no RR: not in use (§2.4.4).
    assert_eq!(rcode(run(&[name_in_use("ent")], &add)), Rcode::NXDOMAIN);
}

#[test]
fn rfc2136_section_2_4_5_name_is_not_in_use() {
    let add = [rr("new A 192.0.2.99")];
    assert_eq!(rcode(run(&[name_unused("nope")], &add)), Rcode::NOERROR);
    assert_eq!(rcode(run(&[name_unused("ent")], &add)), Rcode::NOERROR);
    assert_eq!(rcode(run(&[name_unused("www")], &add)), Rcode::YXDOMAIN);
}

#[test]
fn rfc2136_section_3_2_prerequisites_in_order_and_notzone() {
    let add = [rr("new A 192.0.2.99")];
    let outside = Record {
        name: n("www.example.org."),
        ..name_in_use("www")
    };
    assert_eq!(rcode(run(&[outside], &add)), Rcode::NOTZONE);
    // The first failing prerequisite decides.
    let first_wins = [name_unused("www"), rrset_exists("nope", RecordType::A)];
    assert_eq!(rcode(run(&first_wins, &add)), Rcode::YXDOMAIN);
    let first_wins = [rrset_exists("nope", RecordType::A), name_unused("www")];
    assert_eq!(rcode(run(&first_wins, &add)), Rcode::NXRRSET);
    // A prerequisite-only update that holds is NOERROR and changes nothing.
    unchanged(run(&[name_in_use("www"), rrset_absent("www", RecordType::TXT)], &[]));
}

#[test]
fn rfc2136_section_3_4_1_prescan() {
    let outside = Record {
        name: n("new.example.org."),
        ..rr("new A 192.0.2.99")
    };
    assert_eq!(rcode(run(&[], &[outside])), Rcode::NOTZONE);
    for bad in [
        // Adding a meta type.
        Record {
            data: RData::Unknown {
                rtype: RecordType::ANY,
                data: vec![],
            },
            ..rr("new A 192.0.2.99")
        },
        // Deleting an RRset with a TTL or with RDATA.
        Record {
            ttl: 5,
            ..delete_rrset("www", RecordType::A)
        },
        Record {
            class: Class::ANY,
            ..delete_rr("www A 192.0.2.10")
        },
        // Deleting AXFR "records".
        delete_rrset("www", RecordType::AXFR),
        // Deleting one RR with a TTL, or of type ANY.
        Record {
            ttl: 5,
            ..delete_rr("www A 192.0.2.10")
        },
        empty("www", Class::NONE, RecordType::ANY),
        // A class that is neither the zone's, ANY nor NONE.
        Record {
            class: Class::CH,
            ..rr("new A 192.0.2.99")
        },
    ] {
        assert_eq!(rcode(run(&[], std::slice::from_ref(&bad))), Rcode::FORMERR, "{bad}");
    }
    // The prescan runs before any change: a bad entry after a good one changes nothing.
    let bad = Record {
        ttl: 5,
        ..delete_rrset("www", RecordType::A)
    };
    assert_eq!(rcode(run(&[], &[rr("new A 192.0.2.99"), bad])), Rcode::FORMERR);
}

#[test]
fn rfc2136_section_2_5_1_add_to_an_rrset() {
    let (z, d) = changed(run(&[], &[rr("new 600 A 192.0.2.99"), rr("www A 192.0.2.12")]));
    assert_eq!(
        rrset(&z, "new", RecordType::A),
        ["new.example.\t600\tIN\tA\t192.0.2.99"]
    );
    assert_eq!(rrset(&z, "www", RecordType::A).len(), 3);
    assert_eq!(serial(&z), 11);
    assert_eq!(
        lines(&d.removed),
        ["example.\t300\tIN\tSOA\tns1.example. host.example. 10 7200 3600 1209600 300"]
    );
    assert_eq!(
        lines(&d.added),
        [
            "example.\t300\tIN\tSOA\tns1.example. host.example. 11 7200 3600 1209600 300",
            "new.example.\t600\tIN\tA\t192.0.2.99",
            "www.example.\t300\tIN\tA\t192.0.2.12",
        ]
    );
    // Adding what is there (the same TTL) changes nothing (§3.4.2.2 replaces the RR with
    // itself), and the serial stays (§3.7).
    unchanged(run(&[], &[rr("www A 192.0.2.10")]));
    // Names in RDATA compare ignoring case: the zone's RR stays as written.
    unchanged(run(&[], &[rr("@ MX 10 MAIL.EXAMPLE.")]));
    // A duplicate with another TTL gives the RRset that TTL (one TTL per RRset).
    let (z, d) = changed(run(&[], &[rr("www 60 A 192.0.2.10")]));
    assert_eq!(
        rrset(&z, "www", RecordType::A),
        [
            "www.example.\t60\tIN\tA\t192.0.2.10",
            "www.example.\t60\tIN\tA\t192.0.2.11"
        ]
    );
    assert_eq!((d.removed.len(), d.added.len()), (3, 3), "SOA and the RRset twice");
}

#[test]
fn rfc2136_section_2_5_2_delete_an_rrset() {
    let (z, d) = changed(run(&[], &[delete_rrset("www", RecordType::A)]));
    assert!(rrset(&z, "www", RecordType::A).is_empty());
    assert!(z.node(&n("www.example.")).is_none(), "the emptied name is gone");
    assert_eq!(d.removed.len(), 3);
    assert_eq!(d.added.len(), 1);
    // An RRset that is not there: nothing changes.
    unchanged(run(&[], &[delete_rrset("www", RecordType::TXT)]));
    // A delegation's NS RRset may go (only the apex's is protected).
    let (z, _) = changed(run(&[], &[delete_rrset("sub", RecordType::NS)]));
    assert!(rrset(&z, "sub", RecordType::NS).is_empty());
}

#[test]
fn rfc2136_section_2_5_3_delete_all_rrsets_at_a_name() {
    let (z, _) = changed(run(&[], &[delete_name("www")]));
    assert!(z.node(&n("www.example.")).is_none());
    unchanged(run(&[], &[delete_name("nope")]));
    // §3.4.2.3: at the apex, everything but the SOA and NS RRsets.
    let (z, _) = changed(run(&[], &[delete_name("@")]));
    let apex: Vec<RecordType> = z.apex().rrsets.iter().map(|s| s.rtype).collect();
    assert_eq!(apex.len(), 2);
    assert!(apex.contains(&RecordType::SOA) && apex.contains(&RecordType::NS));
    assert_eq!(rrset(&z, "@", RecordType::NS).len(), 2);
}

#[test]
fn rfc2136_section_2_5_4_delete_an_rr_from_an_rrset() {
    let (z, d) = changed(run(&[], &[delete_rr("www A 192.0.2.10")]));
    assert_eq!(
        rrset(&z, "www", RecordType::A),
        ["www.example.\t300\tIN\tA\t192.0.2.11"]
    );
    assert_eq!(lines(&d.removed[1..]), ["www.example.\t300\tIN\tA\t192.0.2.10"]);
    // Matched on RDATA alone, names ignoring case.
    let (z, _) = changed(run(&[], &[delete_rr("@ MX 10 Mail.Example.")]));
    assert!(rrset(&z, "@", RecordType::MX).is_empty());
    // An RR that is not there.
    unchanged(run(&[], &[delete_rr("www A 192.0.2.99")]));
    // The last RR of a set takes the set (and the name) with it.
    let (z, _) = changed(run(
        &[],
        &[delete_rr("www A 192.0.2.10"), delete_rr("www A 192.0.2.11")],
    ));
    assert!(z.node(&n("www.example.")).is_none());
}

#[test]
fn rfc2136_section_3_4_2_apex_soa_and_ns_are_protected() {
    // §3.4.2.3: deleting the apex SOA or NS RRset, or the SOA RR, is ignored.
    unchanged(run(&[], &[delete_rrset("@", RecordType::SOA)]));
    unchanged(run(&[], &[delete_rrset("@", RecordType::NS)]));
    unchanged(run(&[], &[delete_rr("@ SOA ns1 host 10 7200 3600 1209600 300")]));
    // §3.4.2.4: one NS may go while another is left; the last one stays.
    let (z, _) = changed(run(&[], &[delete_rr("@ NS ns2")]));
    assert_eq!(rrset(&z, "@", RecordType::NS), ["example.\t300\tIN\tNS\tns1.example."]);
    unchanged(run_on(&z, &[], &[delete_rr("@ NS ns1")]));
    // Both in one update: the first goes, the second is then the last and stays.
    let (z, _) = changed(run(&[], &[delete_rr("@ NS ns1"), delete_rr("@ NS ns2")]));
    assert_eq!(rrset(&z, "@", RecordType::NS), ["example.\t300\tIN\tNS\tns2.example."]);
    // An SOA away from the apex is never added.
    unchanged(run(&[], &[rr("www SOA ns1 host 99 1 1 1 1")]));
}

#[test]
fn rfc2136_section_3_4_2_2_soa_replacement_and_section_3_6_serial() {
    // A smaller serial: ignored.
    unchanged(run(&[], &[rr("@ SOA ns1 host 9 7200 3600 1209600 300")]));
    // A greater serial: taken as it is, not incremented again (§3.6).
    let (z, d) = changed(run(&[], &[rr("@ SOA ns1 host 50 7200 3600 1209600 300")]));
    assert_eq!(serial(&z), 50);
    assert_eq!((d.removed.len(), d.added.len()), (1, 1));
    // The same serial with other values: replaced, and the serial advanced.
    let (z, _) = changed(run(&[], &[rr("@ SOA ns1 host 10 1800 3600 1209600 300")]));
    let soa = z.soa().unwrap();
    assert_eq!((soa.serial, soa.refresh), (11, 1800));
    // A greater serial in RFC 1982 terms, across the wrap.
    let high = zone_with(&ZONE.replace("host 10 ", "host 4294967290 "));
    let (z, _) = changed(run_on(&high, &[], &[rr("@ SOA ns1 host 5 7200 3600 1209600 300")]));
    assert_eq!(serial(&z), 5);
}

#[test]
fn rfc2136_section_3_4_2_2_cname_and_other_data() {
    // A CNAME where other data is: ignored.
    unchanged(run(&[], &[rr("www CNAME mail")]));
    // Other data where a CNAME is: ignored.
    unchanged(run(&[], &[rr("alias A 192.0.2.1")]));
    unchanged(run(&[], &[rr("alias TXT \"x\"")]));
    // A CNAME where a CNAME is: replaced (one CNAME per name).
    let (z, _) = changed(run(&[], &[rr("alias CNAME mail")]));
    assert_eq!(
        rrset(&z, "alias", RecordType::CNAME),
        ["alias.example.\t300\tIN\tCNAME\tmail.example."]
    );
    // In one update, the first kind of data at a new name wins.
    let (z, _) = changed(run(&[], &[rr("fresh TXT \"first\""), rr("fresh CNAME www")]));
    assert_eq!(rrset(&z, "fresh", RecordType::TXT).len(), 1);
    assert!(rrset(&z, "fresh", RecordType::CNAME).is_empty());
    let (z, _) = changed(run(&[], &[rr("fresh CNAME www"), rr("fresh TXT \"second\"")]));
    assert!(rrset(&z, "fresh", RecordType::TXT).is_empty());
    assert_eq!(rrset(&z, "fresh", RecordType::CNAME).len(), 1);
    // Replacing data by a CNAME takes a delete first.
    let (z, _) = changed(run(&[], &[delete_name("www"), rr("www CNAME mail")]));
    assert_eq!(rrset(&z, "www", RecordType::CNAME).len(), 1);
    assert!(rrset(&z, "www", RecordType::A).is_empty());
}

#[test]
fn rfc2136_section_3_3_permissions() {
    let z = zone();
    let rules = vec![
        // Hosts strictly below dyn.example., addresses only.
        UpdateRule {
            key: n("hosts."),
            names: "*.dyn.example.".parse().unwrap(),
            types: vec![RecordType::A, RecordType::AAAA],
        },
        // Anything but the structural types at www.example. exactly.
        UpdateRule {
            key: n("web."),
            names: "www.example.".parse().unwrap(),
            types: vec![],
        },
        // The delegation sub.example. and below: addresses and the like, not its NS.
        UpdateRule {
            key: n("child."),
            names: "sub:sub.example.".parse().unwrap(),
            types: vec![],
        },
        // The same names, every type.
        UpdateRule {
            key: n("parent."),
            names: "sub:sub.example.".parse().unwrap(),
            types: vec![RecordType::ANY],
        },
    ];
    let go = |signer: &str, updates: &[Record]| {
        let msg = update_msg(&[], updates);
        rcode(apply_update(
            &z,
            &msg,
            Some(&n(signer)),
            &rules,
            SerialPolicy::Increment,
            0,
        ))
    };
    assert_eq!(go("hosts.", &[rr("pc.dyn A 192.0.2.77")]), Rcode::NOERROR);
    assert_eq!(go("HOSTS.", &[rr("a.b.dyn AAAA 2001:db8::1")]), Rcode::NOERROR);
    assert_eq!(
        go("hosts.", &[rr("dyn A 192.0.2.77")]),
        Rcode::REFUSED,
        "strictly below"
    );
    assert_eq!(go("hosts.", &[rr("pc.dyn TXT \"no\"")]), Rcode::REFUSED, "type");
    assert_eq!(go("hosts.", &[rr("www A 192.0.2.77")]), Rcode::REFUSED, "name");
    assert_eq!(go("stranger.", &[rr("pc.dyn A 192.0.2.77")]), Rcode::REFUSED, "key");
    // One entry refused refuses the whole update.
    assert_eq!(
        go("hosts.", &[rr("pc.dyn A 192.0.2.77"), rr("www A 192.0.2.77")]),
        Rcode::REFUSED
    );
    // No types: anything but SOA, NS, RRSIG, NSEC and NSEC3.
    assert_eq!(go("web.", &[rr("www TXT \"ok\"")]), Rcode::NOERROR);
    assert_eq!(go("web.", &[delete_rrset("www", RecordType::A)]), Rcode::NOERROR);
    assert_eq!(go("web.", &[rr("www NS ns1")]), Rcode::REFUSED);
    assert_eq!(go("web.", &[rr("www.www TXT \"exact\"")]), Rcode::REFUSED);
    // Deleting a name needs every type there: the delegation's NS is not granted to child.
    assert_eq!(go("child.", &[delete_name("ns.sub")]), Rcode::NOERROR);
    assert_eq!(go("child.", &[delete_name("sub")]), Rcode::REFUSED);
    assert_eq!(go("child.", &[rr("sub NS ns2.sub")]), Rcode::REFUSED);
    assert_eq!(go("parent.", &[delete_name("sub")]), Rcode::NOERROR);
    assert_eq!(
        go("parent.", &[rr("sub NS ns2.sub"), rr("ns2.sub A 192.0.2.54")]),
        Rcode::NOERROR
    );
    assert_eq!(go("parent.", &[delete_name("www")]), Rcode::REFUSED);
    assert_eq!(go("web.", &[delete_name("www")]), Rcode::NOERROR);
    // A name with nothing to delete needs nothing.
    assert_eq!(go("web.", &[delete_name("nothing-here")]), Rcode::NOERROR);
    // Permissions are checked after the prerequisites (§3.2 before §3.3).
    let msg = update_msg(&[name_in_use("nope")], &[rr("www A 192.0.2.77")]);
    let outcome = apply_update(&z, &msg, Some(&n("hosts.")), &rules, SerialPolicy::Increment, 0);
    assert_eq!(rcode(outcome), Rcode::NXDOMAIN);
    // No rules: every signed change is refused, a prerequisite-only update passes.
    let msg = update_msg(&[], &[rr("pc.dyn A 192.0.2.77")]);
    assert_eq!(
        rcode(apply_update(&z, &msg, Some(&key()), &[], SerialPolicy::Increment, 0)),
        Rcode::REFUSED
    );
    let msg = update_msg(&[name_in_use("www")], &[]);
    unchanged(apply_update(&z, &msg, Some(&key()), &[], SerialPolicy::Increment, 0));
}

#[test]
fn name_patterns_and_serial_policies_parse() {
    assert_eq!("example.com.".parse(), Ok(NamePattern::Exact(n("example.com."))));
    assert_eq!(
        "sub:example.com.".parse(),
        Ok(NamePattern::Subdomain(n("example.com.")))
    );
    assert_eq!("*.example.com.".parse(), Ok(NamePattern::Wildcard(n("example.com."))));
    assert_eq!("*".parse(), Ok(NamePattern::Wildcard(Name::root())));
    for bad in ["", "sub:", "a..b", "sub:a..b", "*.a..b"] {
        assert!(bad.parse::<NamePattern>().is_err(), "{bad}");
    }
    let w = NamePattern::Wildcard(n("example."));
    assert!(w.matches(&n("a.b.EXAMPLE.")) && !w.matches(&n("example.")));
    let s = NamePattern::Subdomain(n("example."));
    assert!(s.matches(&n("example.")) && s.matches(&n("a.example.")) && !s.matches(&n("example.org.")));
    assert_eq!("increment".parse(), Ok(SerialPolicy::Increment));
    assert_eq!("unixtime".parse(), Ok(SerialPolicy::UnixTime));
    assert_eq!("date".parse(), Ok(SerialPolicy::DateCounter));
    assert!("weekly".parse::<SerialPolicy>().is_err());
}

#[test]
fn serial_policies_always_go_forward() {
    let now = 1_700_000_000; // 2023-11-14T22:13:20Z
    assert_eq!(SerialPolicy::Increment.next(10, now), 11);
    // RFC 1982 wrap; zero skipped.
    assert_eq!(SerialPolicy::Increment.next(u32::MAX, now), 1);
    assert_eq!(SerialPolicy::Increment.next(u32::MAX - 1, now), u32::MAX);
    assert_eq!(SerialPolicy::UnixTime.next(10, now), 1_700_000_000);
    assert_eq!(SerialPolicy::UnixTime.next(1_700_000_000, now), 1_700_000_001);
    assert_eq!(SerialPolicy::UnixTime.next(2_000_000_000, now), 2_000_000_001);
    assert_eq!(SerialPolicy::DateCounter.next(10, now), 2_023_111_400);
    assert_eq!(SerialPolicy::DateCounter.next(2_023_111_400, now), 2_023_111_401);
    assert_eq!(SerialPolicy::DateCounter.next(2_023_111_499, now), 2_023_111_500);
    assert_eq!(SerialPolicy::DateCounter.next(2_024_010_100, now), 2_024_010_101);
    // A serial "ahead" by RFC 1982 (more than 2^31 below in plain numbers) is followed.
    assert_eq!(SerialPolicy::DateCounter.next(3_000_000_000, now), 3_000_000_001);
    // Through apply_update.
    let add = [rr("new A 192.0.2.99")];
    let z = zone();
    let msg = update_msg(&[], &add);
    for (policy, want) in [
        (SerialPolicy::Increment, 11),
        (SerialPolicy::UnixTime, 1_700_000_000),
        (SerialPolicy::DateCounter, 2_023_111_400),
    ] {
        let (next, d) = changed(apply_update(&z, &msg, Some(&key()), &all_rules(), policy, now));
        assert_eq!(serial(&next), want, "{policy:?}");
        assert_eq!(d.added[0].rtype(), RecordType::SOA);
    }
    let wrap = zone_with(&ZONE.replace("host 10 ", "host 4294967295 "));
    let (next, _) = changed(run_on(&wrap, &[], &add));
    assert_eq!(serial(&next), 1);
}

#[test]
fn the_difference_is_the_change_and_applies() {
    let old = zone();
    let (new, d) = changed(run(
        &[rrset_exists("www", RecordType::A)],
        &[
            delete_rr("www A 192.0.2.10"),
            rr("www 300 AAAA 2001:db8::10"),
            delete_name("alias"),
            rr("x.y.z TXT \"deep\""),
            delete_rr("@ NS ns2"),
        ],
    ));
    assert_eq!(d.removed[0].rtype(), RecordType::SOA);
    assert_eq!(d.added[0].rtype(), RecordType::SOA);
    // The same records as a full comparison finds.
    let full = diff(&old, &new);
    let sorted = |v: &[Record]| {
        let mut l = lines(v);
        l.sort();
        l
    };
    assert_eq!(sorted(&d.removed), sorted(&full.removed));
    assert_eq!(sorted(&d.added), sorted(&full.added));
    // Applying it to the old version gives the new one (as an IXFR client would).
    let mut patched = old.clone();
    assert_eq!(d.apply(&mut patched), 0);
    assert!(diff(&patched, &new).is_empty());
    // The empty non-terminals of the new name exist for lookups.
    assert!(new.node(&n("y.z.example.")).is_some());
    // The old zone is untouched.
    assert_eq!(serial(&old), 10);
    assert_eq!(rrset(&old, "www", RecordType::A).len(), 2);
}

#[test]
fn respond_hands_updates_to_the_server_and_update_reply_answers() {
    let cat = Catalog::new(vec![zone()]);
    let config = AuthConfig::default();
    let ask = |bytes: &[u8], out: &mut Vec<u8>| {
        let req = Request {
            bytes,
            client: "192.0.2.200:5353".parse().unwrap(),
            transport: Transport::Udp,
            now: 0,
        };
        respond(&cat, &config, &req, out)
    };
    let mut out = Vec::new();
    let msg = update_msg(&[], &[rr("new A 192.0.2.99")]);
    assert_eq!(ask(&msg, &mut out), Action::Update { zone: origin() });
    assert!(out.is_empty(), "nothing written");
    // Not a zone we serve: NOTAUTH; a zone section of another type: FORMERR.
    let other = message("example.org.", RecordType::SOA, Class::IN, &[], &[]);
    assert_eq!(ask(&other, &mut out), Action::Reply);
    let reply = Message::parse(&out).unwrap();
    assert_eq!(
        (reply.rcode(), reply.header().opcode()),
        (Rcode::NOTAUTH, Opcode::UPDATE)
    );
    let bad = message("example.", RecordType::A, Class::IN, &[], &[]);
    ask(&bad, &mut out);
    assert_eq!(Message::parse(&out).unwrap().rcode(), Rcode::FORMERR);
    // The reply to an applied update: ID, opcode, QR, RCODE, the zone section.
    update_reply(&msg, Rcode::NXRRSET, &mut out);
    let reply = OwnedMessage::from_view(&Message::parse(&out).unwrap()).unwrap();
    assert_eq!(reply.header.id, 0x5150);
    assert!(reply.header.qr);
    assert_eq!(reply.header.opcode(), Opcode::UPDATE);
    assert_eq!(reply.header.rcode(), Rcode::NXRRSET);
    assert_eq!(reply.questions.len(), 1);
    assert_eq!(reply.questions[0].qname, origin());
    assert_eq!(reply.questions[0].qtype, RecordType::SOA);
    assert!(reply.answers.is_empty() && reply.authority.is_empty());
    update_reply(&[1, 2], Rcode::FORMERR, &mut out);
    assert!(out.is_empty());
}

#[test]
fn an_update_journalled_is_served_by_ixfr() {
    let old = zone();
    let (new, d) = changed(run_on(
        &old,
        &[],
        &[rr("new A 192.0.2.99"), delete_rr("www A 192.0.2.10")],
    ));
    let mut journal = banyan_auth::Journal::default();
    journal.push(d);
    let cat = Catalog::new(vec![old]).with_zone(new, Some(std::sync::Arc::new(journal)));
    let mut query = Vec::new();
    let mut b = MessageBuilder::new(&mut query, Header::default());
    b.question(&origin(), RecordType::IXFR, Class::IN).unwrap();
    b.push(BuildSection::Authority, &rr("@ SOA ns1 host 10 7200 3600 1209600 300"))
        .unwrap();
    b.finish();
    let signer = TsigKey::new(key(), TsigAlgorithm::HmacSha256, b"update test secret".to_vec());
    let config = AuthConfig {
        allow_transfer: vec!["key:ddns-key.example.".parse().unwrap()],
        keys: KeyRing::new(vec![signer.clone()]),
        ..AuthConfig::default()
    };
    tsig::sign_request(&mut query, &signer, 1_700_000_000);
    let req = Request {
        bytes: &query,
        client: "198.51.100.1:53".parse().unwrap(),
        transport: Transport::Tcp,
        now: 1_700_000_000,
    };
    let mut out = Vec::new();
    let Action::Stream(messages) = respond(&cat, &config, &req, &mut out) else {
        panic!("expected a transfer");
    };
    let records: Vec<String> = messages
        .iter()
        .flat_map(|m| OwnedMessage::from_view(&Message::parse(m).unwrap()).unwrap().answers)
        .map(|r| r.to_string())
        .collect();
    let soa = |s: u32| format!("example.\t300\tIN\tSOA\tns1.example. host.example. {s} 7200 3600 1209600 300");
    assert_eq!(
        records,
        [
            soa(11),
            soa(10),
            "www.example.\t300\tIN\tA\t192.0.2.10".to_string(),
            soa(11),
            "new.example.\t300\tIN\tA\t192.0.2.99".to_string(),
            soa(11),
        ]
    );
}
