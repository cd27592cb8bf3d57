//! Online signing ([`banyan_dnssec::resign_zone`]): a zone re-signed after a change signs
//! exactly the RRsets that changed (and the NSEC/NSEC3 records the change touched) and keeps
//! every other signature; the chain stays whole as names come and go; signatures close to
//! expiry are made again. Every RRSIG of every version is checked with `verify_rrsig`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use banyan_dnssec::canonical::RrsigFields;
use banyan_dnssec::{
    earliest_expiration, needs_resigning, nsec3_hash, resign_zone, verify_rrsig, Denial, SignOptions, SignedZone,
    SigningKey,
};
use banyan_wire::rdata::RData;
use banyan_wire::{Name, RecordType};
use banyan_zone::Zone;
use common::name;

/// 2026-01-01T00:00:00Z.
const NOW: u32 = 1_767_225_600;
const HOUR: u32 = 3600;
const DAY: u32 = 86400;

const ZONE: &[&str] = &[
    "example. 3600 IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 300",
    "example. 3600 IN NS ns1.example.",
    "example. 3600 IN MX 10 mail.example.",
    "ns1.example. 3600 IN A 192.0.2.1",
    "mail.example. 3600 IN A 192.0.2.2",
    "www.example. 3600 IN A 192.0.2.3",
    "a.b.example. 3600 IN TXT \"below an empty non-terminal\"",
    "sub.example. 3600 IN NS ns.sub.example.",
    "sub.example. 3600 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ns.sub.example. 3600 IN A 192.0.2.53",
    "insecure.example. 3600 IN NS ns.elsewhere.",
];

fn zone_of(lines: &[&str]) -> Zone {
    let mut zone = Zone::new(name("example."), banyan_wire::Class::IN);
    for line in lines {
        zone.insert(&common::record(line)).unwrap();
    }
    zone.finish();
    zone
}

/// `ZONE` with `remove` left out and `add` added.
fn edited(remove: &[&str], add: &[&str]) -> Zone {
    let lines: Vec<&str> = ZONE
        .iter()
        .copied()
        .filter(|l| !remove.contains(l))
        .chain(add.iter().copied())
        .collect();
    zone_of(&lines)
}

fn keys() -> Vec<SigningKey> {
    vec![
        SigningKey::generate(&name("example."), 13, true).unwrap(),
        SigningKey::generate(&name("example."), 13, false).unwrap(),
    ]
}

fn options(now: u32, denial: &Denial) -> SignOptions {
    let mut o = SignOptions::new(now);
    o.denial = denial.clone();
    o.threads = 1;
    o
}

fn nsec3() -> Denial {
    Denial::Nsec3 {
        salt: Vec::new(),
        iterations: 0,
        opt_out: false,
    }
}

fn resign(previous: Option<&SignedZone>, zone: &Zone, keys: &[SigningKey], denial: &Denial, now: u32) -> SignedZone {
    let signed = resign_zone(previous.map(|p| &p.zone), zone, keys, &options(now, denial), now).unwrap();
    check(&signed.zone, denial, now);
    signed
}

/// (signed anew, kept) RRsets.
fn counts(s: &SignedZone) -> (usize, usize) {
    (s.rrsets_signed, s.rrsets_reused)
}

/// Every RRSIG verifies at `now` with a key of the zone's DNSKEY RRset; every authoritative
/// RRset is signed; the NSEC or NSEC3 chain covers exactly the names it should, in order,
/// and closes.
fn check(zone: &Zone, denial: &Denial, now: u32) {
    let origin = zone.origin().clone();
    let dnskeys: Vec<&[u8]> = zone.apex().rrset(RecordType::DNSKEY).unwrap().rdata.iter().collect();
    for node in zone.nodes() {
        for set in node.rrsets.iter().filter(|s| s.rtype != RecordType::RRSIG) {
            let authoritative = !node.flags.occluded
                && (!node.flags.delegation || matches!(set.rtype, RecordType::DS | RecordType::NSEC));
            let sigs = node.rrsigs(set.rtype);
            assert_eq!(sigs.is_some(), authoritative, "{} {}", node.name, set.rtype);
            let Some(sigs) = sigs else { continue };
            let rdatas: Vec<&[u8]> = set.rdata.iter().collect();
            for sig in &sigs.rdata {
                let (fields, _) = RrsigFields::from_rdata(sig).unwrap();
                let key = dnskeys
                    .iter()
                    .find(|k| banyan_dnssec::key_tag(k) == fields.key_tag)
                    .expect("RRSIG by a published key");
                verify_rrsig(&node.name, set.rtype, zone.class(), &rdatas, sig, &origin, key, now, 0)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", node.name, set.rtype));
            }
        }
    }
    match denial {
        Denial::Nsec => {
            let names: Vec<&Name> = zone
                .nodes()
                .filter(|n| !n.flags.occluded && !n.is_empty_non_terminal())
                .map(|n| &n.name)
                .collect();
            let owners: Vec<&Name> = zone
                .nodes()
                .filter(|n| n.rrset(RecordType::NSEC).is_some())
                .map(|n| &n.name)
                .collect();
            assert_eq!(owners, names, "one NSEC per name");
            for (i, owner) in owners.iter().enumerate() {
                let node = zone.node(*owner).unwrap();
                let RData::NSEC(n) = node.rrset(RecordType::NSEC).unwrap().typed().next().unwrap() else {
                    panic!()
                };
                assert_eq!(&n.next, owners[(i + 1) % owners.len()], "next after {owner}");
                for set in node
                    .rrsets
                    .iter()
                    .filter(|s| !node.flags.delegation || s.rtype != RecordType::A)
                {
                    assert!(n.types.contains(set.rtype), "{owner}: {} in the bitmap", set.rtype);
                }
            }
        }
        Denial::Nsec3 { salt, iterations, .. } => {
            // Names with data (not glue), delegations and the empty non-terminals above them.
            let mut expected: Vec<[u8; 20]> = zone
                .nodes()
                .filter(|n| !n.flags.occluded && n.rrset(RecordType::NSEC3).is_none())
                .map(|n| nsec3_hash(&n.name, salt, *iterations))
                .collect();
            expected.sort_unstable();
            let mut chain: Vec<([u8; 20], Vec<u8>)> = zone
                .nodes()
                .filter_map(|n| {
                    let RData::NSEC3(r) = n.rrset(RecordType::NSEC3)?.typed().next()? else {
                        return None;
                    };
                    let first = n.name.to_string();
                    let label = first.split('.').next().unwrap().to_ascii_uppercase();
                    let hash = banyan_wire::text::base32hex_decode(&label).unwrap();
                    Some((hash.try_into().unwrap(), r.next_hashed))
                })
                .collect();
            chain.sort_unstable_by_key(|c| c.0);
            let hashes: Vec<[u8; 20]> = chain.iter().map(|c| c.0).collect();
            assert_eq!(hashes, expected, "one NSEC3 per name, none more");
            for (i, (_, next)) in chain.iter().enumerate() {
                assert_eq!(
                    next[..],
                    chain[(i + 1) % chain.len()].0[..],
                    "the chain closes in order"
                );
            }
        }
    }
}

/// With NSEC: a changed record re-signs its RRset only; a new name adds its RRsets, its NSEC
/// and its predecessor's NSEC; a removed name re-signs its predecessor's NSEC; a new type at
/// a name re-signs that name's NSEC (its bitmap); a new serial re-signs the SOA.
#[test]
fn nsec_resigning_signs_exactly_what_changed() {
    let keys = keys();
    let d = Denial::Nsec;
    let first = resign(None, &zone_of(ZONE), &keys, &d, NOW);
    // SOA NS MX DNSKEY CDS CDNSKEY at the apex, 3 A, 1 TXT, DS at sub; NSEC at the apex,
    // a.b, insecure, mail, ns1, sub, www.
    assert_eq!(counts(&first), (11 + 7, 0));
    let total = first.rrsets_signed;

    let same = resign(Some(&first), &zone_of(ZONE), &keys, &d, NOW + HOUR);
    assert_eq!(counts(&same), (0, total), "nothing changed, nothing signed");

    let www = "www.example. 3600 IN A 192.0.2.3";
    let changed = resign(
        Some(&same),
        &edited(&[www], &["www.example. 3600 IN A 192.0.2.33"]),
        &keys,
        &d,
        NOW + 2 * HOUR,
    );
    assert_eq!(counts(&changed), (1, total - 1), "www A only");

    let added = resign(
        Some(&changed),
        &edited(
            &[www],
            &["www.example. 3600 IN A 192.0.2.33", "new.example. 3600 IN A 192.0.2.9"],
        ),
        &keys,
        &d,
        NOW + 3 * HOUR,
    );
    // new A, new NSEC, and mail's NSEC (mail < new < ns1) now pointing at new.
    assert_eq!(counts(&added), (3, total - 1));

    let removed = resign(Some(&added), &zone_of(ZONE), &keys, &d, NOW + 4 * HOUR);
    // www A back to its old address, mail's NSEC back to ns1.
    assert_eq!(counts(&removed), (2, total - 2));
    assert!(removed.zone.node(&name("new.example.")).is_none());

    let typed = resign(
        Some(&removed),
        &edited(&[], &["www.example. 3600 IN AAAA 2001:db8::3"]),
        &keys,
        &d,
        NOW + 5 * HOUR,
    );
    assert_eq!(counts(&typed), (2, total - 1), "www AAAA and www's NSEC bitmap");

    let soa = ZONE[0];
    let serial = resign(
        Some(&typed),
        &edited(
            &[soa],
            &[
                &soa.replace(" 1 7200", " 2 7200"),
                "www.example. 3600 IN AAAA 2001:db8::3",
            ],
        ),
        &keys,
        &d,
        NOW + 6 * HOUR,
    );
    assert_eq!(counts(&serial), (1, total), "the SOA");
}

/// With NSEC3: a changed record re-signs its RRset; a new name adds its RRset and NSEC3 and
/// re-signs the NSEC3 that precedes its hash; removing it re-signs that one again; a
/// delegation's DS removed turns its NSEC3's bitmap (and the delegation's signing) over.
#[test]
fn nsec3_resigning_keeps_the_chain_and_signs_what_changed() {
    let keys = keys();
    let d = nsec3();
    let first = resign(None, &zone_of(ZONE), &keys, &d, NOW);
    // 11 RRsets, NSEC3PARAM, 8 NSEC3 (apex, a.b, b, insecure, mail, ns1, sub, www).
    assert_eq!(counts(&first), (11 + 1 + 8, 0));
    let total = first.rrsets_signed;

    let changed = resign(
        Some(&first),
        &edited(
            &["mail.example. 3600 IN A 192.0.2.2"],
            &["mail.example. 3600 IN A 192.0.2.22"],
        ),
        &keys,
        &d,
        NOW + HOUR,
    );
    assert_eq!(counts(&changed), (1, total - 1));

    let added = resign(
        Some(&first),
        &edited(&[], &["new.example. 3600 IN A 192.0.2.9"]),
        &keys,
        &d,
        NOW + 2 * HOUR,
    );
    assert_eq!(counts(&added), (3, total - 1), "new A, its NSEC3, the previous NSEC3");

    let removed = resign(Some(&added), &zone_of(ZONE), &keys, &d, NOW + 3 * HOUR);
    assert_eq!(
        counts(&removed),
        (1, total - 1),
        "the previous NSEC3, pointing past it again"
    );

    let deep = resign(
        Some(&removed),
        &edited(&[], &["x.y.z.example. 3600 IN A 192.0.2.10"]),
        &keys,
        &d,
        NOW + 4 * HOUR,
    );
    // The A, NSEC3 for x.y.z and the empty non-terminals y.z and z, and between one and
    // three predecessors whose next hash changed: the hashes decide, so count from the zone.
    let predecessors = deep.rrsets_signed - 4;
    assert!((1..=3).contains(&predecessors), "{}", deep.rrsets_signed);
    assert_eq!(deep.rrsets_reused, total - predecessors);
}

/// A new ZSK signs everything it signs (it signed nothing before; the KSK's CDS and CDNSKEY
/// signatures stay); a key withdrawn leaves the other keys' signatures in place and re-signs
/// only the DNSKEY RRset.
#[test]
fn key_added_signs_everything_key_removed_signs_the_key_sets() {
    let mut keys = keys();
    let d = Denial::Nsec;
    let first = resign(None, &zone_of(ZONE), &keys, &d, NOW);
    let total = first.rrsets_signed;
    keys.push(SigningKey::generate(&name("example."), 13, false).unwrap());
    let two_zsks = resign(Some(&first), &zone_of(ZONE), &keys, &d, NOW + HOUR);
    assert_eq!(counts(&two_zsks), (total - 2, 2), "all but CDS and CDNSKEY");
    keys.remove(1);
    let one_zsk = resign(Some(&two_zsks), &zone_of(ZONE), &keys, &d, NOW + 2 * HOUR);
    assert_eq!(counts(&one_zsk), (1, total - 1), "the DNSKEY RRset");
    let sigs = one_zsk
        .zone
        .node(&name("www.example."))
        .unwrap()
        .rrsigs(RecordType::A)
        .unwrap();
    assert_eq!(sigs.rdata.len(), 1, "the withdrawn key's signature is gone");
}

/// Signatures are made again once they are within the refresh window (a quarter of the
/// validity) of expiring, and not before.
#[test]
fn signatures_near_expiry_are_refreshed() {
    let keys = keys();
    for d in [Denial::Nsec, nsec3()] {
        let short = |now: u32| {
            let mut o = options(now, &d);
            o.expiration = now + 4 * DAY;
            o.jitter = 0;
            o
        };
        let zone = zone_of(ZONE);
        let first = resign_zone(None, &zone, &keys, &short(NOW), NOW).unwrap();
        let total = first.rrsets_signed;
        assert_eq!(earliest_expiration(&first.zone), Some(NOW + 4 * DAY));

        // A little later: a day of validity left is a quarter of 4 days; nothing is due.
        let soon = NOW + 2 * HOUR;
        assert!(!needs_resigning(&first.zone, &short(soon), soon));
        let again = resign_zone(Some(&first.zone), &zone, &keys, &short(soon), soon).unwrap();
        assert_eq!(counts(&again), (0, total));

        // Three and a half days in: half a day left, within the refresh window of a day.
        let late = NOW + 3 * DAY + 12 * HOUR;
        assert!(needs_resigning(&again.zone, &short(late), late));
        let refreshed = resign_zone(Some(&again.zone), &zone, &keys, &short(late), late).unwrap();
        assert_eq!(counts(&refreshed), (total, 0));
        check(&refreshed.zone, &d, late);
        assert_eq!(earliest_expiration(&refreshed.zone), Some(late + 4 * DAY));
        assert!(!needs_resigning(&refreshed.zone, &short(late), late));
    }
}
