//! Signing whole zones ([`banyan_dnssec::sign_zone`]): the RFC 4035 Appendix A and RFC 5155
//! Appendix A zones, unsigned, signed with generated keys, then every RRSIG checked with
//! [`banyan_dnssec::verify_rrsig`] and the NSEC and NSEC3 chains checked against the zone
//! (and, for NSEC3, against the RFC's own chain, which hashing makes deterministic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use banyan_dnssec::canonical::RrsigFields;
use banyan_dnssec::{sign_zone, verify_rrsig, Denial, SignOptions, SignedZone, SigningKey};
use banyan_wire::rdata::{RData, TypeBitmap};
use banyan_wire::{Name, RecordType};
use banyan_zone::{load_zone_file, Zone};
use common::name;

/// An NSEC3 record as compared: owner, flags, iterations, salt, next hash, bitmap.
type Nsec3Row = (String, u8, u16, Vec<u8>, Vec<u8>, String);

/// 2026-01-01T00:00:00Z.
const NOW: u32 = 1_767_225_600;

fn domain_zone(file: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/zonefile/valid/domain"
    ))
    .join(file)
}

fn load(path: &Path, origin: &str) -> Zone {
    let loaded = load_zone_file(path, Some(&name(origin))).unwrap();
    assert!(loaded.parse.is_ok(), "{:?}", loaded.parse.errors);
    loaded.zone
}

fn keys(origin: &str, alg: u8, ksk: bool, zsk: bool) -> Vec<SigningKey> {
    let mut keys = Vec::new();
    if ksk {
        keys.push(SigningKey::generate(&name(origin), alg, true).unwrap());
    }
    if zsk {
        keys.push(SigningKey::generate(&name(origin), alg, false).unwrap());
    }
    keys
}

fn sign(zone: &Zone, keys: &[SigningKey], denial: Denial) -> SignedZone {
    let mut options = SignOptions::new(NOW);
    options.denial = denial;
    options.threads = 2;
    sign_zone(zone, keys, &options, &|_, _| {}).unwrap()
}

/// Checks every RRSIG of the zone with the DNSKEY it names; returns, per (owner, type)
/// signed, the key tags that signed it. Fails on an RRSIG without its RRset or its key.
fn verify_all(zone: &Zone) -> BTreeMap<(String, RecordType), Vec<u16>> {
    let origin = zone.origin().clone();
    let dnskeys: Vec<&[u8]> = zone.apex().rrset(RecordType::DNSKEY).unwrap().rdata.iter().collect();
    let mut signed = BTreeMap::new();
    for node in zone.nodes() {
        for sigs in node.rrsets.iter().filter(|s| s.rtype == RecordType::RRSIG) {
            let covered = sigs.covered().unwrap();
            let set = node
                .rrset(covered)
                .unwrap_or_else(|| panic!("RRSIG without RRset at {} {covered}", node.name));
            assert_eq!(sigs.ttl, set.ttl, "RRSIG TTL at {} {covered}", node.name);
            let rdatas: Vec<&[u8]> = set.rdata.iter().collect();
            for sig in &sigs.rdata {
                let (fields, _) = RrsigFields::from_rdata(sig).unwrap();
                let key = dnskeys
                    .iter()
                    .find(|k| banyan_dnssec::key_tag(k) == fields.key_tag)
                    .expect("RRSIG by a key in the DNSKEY RRset");
                verify_rrsig(&node.name, covered, zone.class(), &rdatas, sig, &origin, key, NOW, 0)
                    .unwrap_or_else(|e| panic!("{} {covered}: {e}", node.name));
                signed
                    .entry((node.name.to_string().to_lowercase(), covered))
                    .or_insert_with(Vec::new)
                    .push(fields.key_tag);
            }
        }
    }
    signed
}

/// Every authoritative RRset is signed, nothing else is: not delegation NS, not glue, not
/// the non-authoritative data at a cut.
fn assert_signed_exactly_the_authoritative_data(zone: &Zone, signed: &BTreeMap<(String, RecordType), Vec<u16>>) {
    for node in zone.nodes() {
        for set in node.rrsets.iter().filter(|s| s.rtype != RecordType::RRSIG) {
            let key = (node.name.to_string().to_lowercase(), set.rtype);
            let authoritative = !node.flags.occluded
                && (!node.flags.delegation || matches!(set.rtype, RecordType::DS | RecordType::NSEC));
            assert_eq!(
                signed.contains_key(&key),
                authoritative,
                "{} {}: signed or not as it should be",
                node.name,
                set.rtype
            );
        }
    }
}

fn types_of(node: &banyan_zone::Node, rtype: RecordType) -> TypeBitmap {
    match node.rrset(rtype).unwrap().typed().next().unwrap() {
        RData::NSEC(n) => n.types,
        RData::NSEC3(n) => n.types,
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc4035_appendix_a_zone_signed_with_nsec() {
    let unsigned = load(&domain_zone("rfc4035-appendix-A.zone"), "example.");
    let keys = keys("example.", 13, true, true);
    let (ksk, zsk) = (keys[0].key_tag(), keys[1].key_tag());
    let signed = sign(&unsigned, &keys, Denial::Nsec);
    let zone = &signed.zone;
    let sigs = verify_all(zone);
    assert_signed_exactly_the_authoritative_data(zone, &sigs);
    // The KSK signs the apex key sets, the ZSK the rest (RFC 6781 §3.1).
    for t in [RecordType::DNSKEY, RecordType::CDS, RecordType::CDNSKEY] {
        assert_eq!(sigs[&("example.".into(), t)], [ksk], "{t}");
    }
    assert_eq!(sigs[&("example.".into(), RecordType::SOA)], [zsk]);
    assert_eq!(sigs[&("*.w.example.".into(), RecordType::MX)], [zsk]);
    assert_eq!(signed.signatures, sigs.values().map(Vec::len).sum::<usize>());
    assert_eq!(signed.rrsets_signed, sigs.len());

    // The NSEC chain: every authoritative name with data and every delegation, in canonical
    // order, closing at the apex; bitmaps as RFC 4034 §4.1.2 and RFC 4035 §2.3 ask.
    let chain: Vec<&banyan_zone::Node> = zone
        .nodes()
        .filter(|n| !n.flags.occluded && !n.is_empty_non_terminal())
        .collect();
    let names: Vec<String> = chain.iter().map(|n| n.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "example.",
            "a.example.",
            "ai.example.",
            "b.example.",
            "ns1.example.",
            "ns2.example.",
            "*.w.example.",
            "x.w.example.",
            "x.y.w.example.",
            "xx.example."
        ]
    );
    assert_eq!(signed.denial_records, chain.len());
    for (i, node) in chain.iter().enumerate() {
        let nsec = node.rrset(RecordType::NSEC).unwrap();
        // RFC 9077: the lesser of the SOA TTL (3600) and MINIMUM (1800).
        assert_eq!(nsec.ttl, 1800);
        let RData::NSEC(n) = nsec.typed().next().unwrap() else {
            panic!()
        };
        assert_eq!(n.next, chain[(i + 1) % chain.len()].name, "next after {}", node.name);
        let expected = TypeBitmap::from_types(
            node.rrsets
                .iter()
                .map(|s| s.rtype)
                .filter(|&t| !node.flags.delegation || matches!(t, RecordType::NS | RecordType::DS))
                .chain([RecordType::RRSIG, RecordType::NSEC]),
        );
        assert_eq!(n.types, expected, "{}", node.name);
    }
    // The A record at the b.example cut is not the zone's (the file's comment says so).
    assert_eq!(
        types_of(zone.node(&name("b.example.")).unwrap(), RecordType::NSEC).to_string(),
        "NS RRSIG NSEC"
    );
    assert_eq!(
        types_of(zone.apex(), RecordType::NSEC).to_string(),
        "NS SOA MX RRSIG NSEC DNSKEY CDS CDNSKEY"
    );
    assert_eq!(
        types_of(zone.node(&name("a.example.")).unwrap(), RecordType::NSEC).to_string(),
        "NS DS RRSIG NSEC"
    );

    // DS for the parent: SHA-256 and SHA-384 of the KSK; CDS (SHA-256) mirrors the first.
    let ds: Vec<String> = signed.ds.iter().map(|r| r.to_string()).collect();
    assert_eq!(ds.len(), 2);
    assert!(ds[0].contains(&format!("DS\t{ksk} 13 2 ")), "{ds:?}");
    assert!(ds[1].contains(&format!("DS\t{ksk} 13 4 ")), "{ds:?}");
    let cds = zone.apex().rrset(RecordType::CDS).unwrap();
    assert_eq!(cds.rdata.len(), 1);
    let ds_rdata = signed.ds[0].data.to_wire();
    assert_eq!(cds.rdata.first().unwrap(), &ds_rdata[..]);
    assert_eq!(zone.apex().rrset(RecordType::CDNSKEY).unwrap().rdata.len(), 1);
}

#[test]
fn rfc5155_appendix_a_zone_gives_the_rfc_nsec3_chain() {
    let mut unsigned = load(&domain_zone("rfc5155-appendix-A.zone"), "example.");
    // The RFC's zone holds a name that looks like an NSEC3 owner (its hash is kohar…); the
    // unsigned extraction dropped it with the DNSSEC records.
    unsigned
        .insert(&common::record(
            "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN A 192.0.2.127",
        ))
        .unwrap();
    unsigned.finish();
    let denial = Denial::Nsec3 {
        salt: vec![0xaa, 0xbb, 0xcc, 0xdd],
        iterations: 12,
        opt_out: true,
    };
    // A ZSK alone, as in the RFC's zone the DNSKEY set has no CDS/CDNSKEY beside it.
    let signed = sign(&unsigned, &keys("example.", 15, false, true), denial.clone());
    let zone = &signed.zone;
    let sigs = verify_all(zone);
    assert_signed_exactly_the_authoritative_data(zone, &sigs);

    let rfc = load(
        &common::vector("rfc-examples/rfc5155/appendix-A-example-zone.zone"),
        "example.",
    );
    let nsec3s = |z: &Zone| -> Vec<Nsec3Row> {
        z.nodes()
            .filter_map(|n| {
                let RData::NSEC3(r) = n.rrset(RecordType::NSEC3)?.typed().next()? else {
                    return None;
                };
                Some((
                    n.name.to_string().to_lowercase(),
                    r.flags,
                    r.iterations,
                    r.salt,
                    r.next_hashed,
                    r.types.to_string(),
                ))
            })
            .collect()
    };
    let ours = nsec3s(zone);
    let theirs = nsec3s(&rfc);
    assert_eq!(theirs.len(), 12);
    assert_eq!(ours, theirs);
    assert_eq!(signed.denial_records, 12);
    // Each NSEC3 at the RFC 9077 TTL, and the NSEC3PARAM with flags 0 (RFC 5155 §4.1.2).
    for n in zone.nodes().filter(|n| n.rrset(RecordType::NSEC3).is_some()) {
        assert_eq!(n.rrset(RecordType::NSEC3).unwrap().ttl, 1800);
    }
    assert_eq!(
        zone.apex()
            .rrset(RecordType::NSEC3PARAM)
            .unwrap()
            .typed()
            .next()
            .unwrap()
            .to_string(),
        "1 0 12 AABBCCDD"
    );
    // The zone now serves NSEC3 proofs (banyan-zone indexes the chain the NSEC3PARAM names).
    assert!(zone.nsec3_params().is_some());

    // Without Opt-Out the insecure delegation c.example gets its record (NS only, nothing
    // signed there), and the flags are 0.
    let denial = Denial::Nsec3 {
        salt: vec![0xaa, 0xbb, 0xcc, 0xdd],
        iterations: 12,
        opt_out: false,
    };
    let signed = sign(&unsigned, &keys("example.", 13, true, true), denial);
    verify_all(&signed.zone);
    let ours = nsec3s(&signed.zone);
    assert_eq!(ours.len(), 13);
    assert!(ours.iter().all(|r| r.1 == 0));
    let c = banyan_dnssec::nsec3_label(&name("c.example."), &[0xaa, 0xbb, 0xcc, 0xdd], 12);
    let c = ours.iter().find(|r| r.0 == format!("{c}.example.")).unwrap();
    assert_eq!(c.5, "NS");
    let apex = ours
        .iter()
        .find(|r| r.0.starts_with("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"))
        .unwrap();
    assert_eq!(apex.5, "NS SOA MX RRSIG DNSKEY NSEC3PARAM CDS CDNSKEY");
}

#[test]
fn signing_a_signed_zone_replaces_its_dnssec_records() {
    let unsigned = load(&domain_zone("rfc4035-appendix-A.zone"), "example.");
    let first = sign(&unsigned, &keys("example.", 15, true, true), Denial::Nsec);
    let keys2 = keys("example.", 13, true, false);
    let denial = Denial::Nsec3 {
        salt: Vec::new(),
        iterations: 0,
        opt_out: false,
    };
    let second = sign(&first.zone, &keys2, denial);
    let sigs = verify_all(&second.zone);
    // No NSEC left, only the new key's signatures; the old DNSKEYs stay published
    // (pre-published or retiring keys live in the zone file), the CDS only for the new KSK.
    assert!(second.zone.nodes().all(|n| n.rrset(RecordType::NSEC).is_none()));
    assert!(sigs.values().all(|tags| tags == &[keys2[0].key_tag()]));
    assert_eq!(second.zone.apex().rrset(RecordType::DNSKEY).unwrap().rdata.len(), 3);
    assert_eq!(second.zone.apex().rrset(RecordType::CDS).unwrap().rdata.len(), 1);
    // A KSK alone signs everything (dnssec-signzone does the same).
    assert!(sigs.contains_key(&("ai.example.".into(), RecordType::A)));
}

#[test]
fn ed25519_signing_is_reproducible() {
    // Ed25519 signatures are deterministic (RFC 8032) and so is the jitter: the same zone and
    // keys sign to the same text.
    let unsigned = load(&domain_zone("rfc4035-appendix-A.zone"), "example.");
    let keys = keys("example.", 15, true, true);
    let a = sign(&unsigned, &keys, Denial::Nsec).zone.to_string();
    let b = sign(&unsigned, &keys, Denial::Nsec).zone.to_string();
    assert_eq!(a, b);
    // Expirations spread over the jitter, never past the expiration asked for.
    let options = SignOptions::new(NOW);
    let mut expirations: Vec<u32> = a
        .lines()
        .filter(|l| l.contains("\tRRSIG\t"))
        .map(|l| {
            let r = banyan_wire::Record::from_text(l, None, None).unwrap();
            let RData::RRSIG(s) = r.data else { panic!() };
            s.expiration
        })
        .collect();
    expirations.sort_unstable();
    expirations.dedup();
    assert!(expirations.len() > 5, "{expirations:?}");
    assert!(expirations
        .iter()
        .all(|&e| e <= options.expiration && e >= options.expiration - options.jitter));
}

#[test]
fn zone_keys_are_read_from_a_directory() {
    let dir = std::env::temp_dir().join(format!("banyan-signzone-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let zone: Name = name("Example.");
    let ksk = SigningKey::generate(&zone, 13, true).unwrap();
    ksk.write_bind_files(&dir).unwrap();
    let zsk = SigningKey::generate(&name("example."), 15, false).unwrap();
    zsk.write_bind_files(&dir).unwrap();
    // Another zone's key, and a zone whose name starts the same, are left alone.
    SigningKey::generate(&name("other."), 13, true)
        .unwrap()
        .write_bind_files(&dir)
        .unwrap();
    SigningKey::generate(&name("example.com."), 13, true)
        .unwrap()
        .write_bind_files(&dir)
        .unwrap();
    let found = SigningKey::load_zone_keys(&dir, &name("example.")).unwrap();
    let mut tags: Vec<u16> = found.iter().map(SigningKey::key_tag).collect();
    tags.sort_unstable();
    let mut want = vec![ksk.key_tag(), zsk.key_tag()];
    want.sort_unstable();
    assert_eq!(tags, want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_are_typed_errors() {
    let unsigned = load(&domain_zone("rfc4035-appendix-A.zone"), "example.");
    let options = SignOptions::new(NOW);
    let none: &[SigningKey] = &[];
    assert!(matches!(
        sign_zone(&unsigned, none, &options, &|_, _| {}),
        Err(banyan_dnssec::SignError::NoKeys(_))
    ));
    let foreign = keys("example.com.", 13, true, false);
    let e = sign_zone(&unsigned, &foreign, &options, &|_, _| {}).unwrap_err();
    assert!(
        e.to_string().contains("belongs to zone example.com., not example."),
        "{e}"
    );
    let mut backwards = options.clone();
    backwards.expiration = backwards.inception;
    let k = keys("example.", 13, true, false);
    assert!(matches!(
        sign_zone(&unsigned, &k, &backwards, &|_, _| {}),
        Err(banyan_dnssec::SignError::BadValidity)
    ));
}

#[test]
fn peer_generated_keys_sign() {
    // dnssec-keygen's ECDSA ZSK (a 31-octet scalar in its file) and ldns-keygen's Ed25519 KSK.
    let keys = SigningKey::load_zone_keys(&common::local("keygen"), &name("example.")).unwrap();
    let tags: Vec<u16> = keys.iter().map(SigningKey::key_tag).collect();
    assert_eq!(tags, [39408, 23419]);
    let unsigned = load(&domain_zone("rfc4035-appendix-A.zone"), "example.");
    let signed = sign(&unsigned, &keys, Denial::Nsec);
    let sigs = verify_all(&signed.zone);
    // Two algorithms: each signs every RRset (RFC 6840 §5.11), its only key in both roles.
    assert!(sigs.values().all(|t| t.len() == 2), "{sigs:?}");
    assert_signed_exactly_the_authoritative_data(&signed.zone, &sigs);
}

#[test]
fn imported_rsasha256_key_signs() {
    // RSA keys cannot be generated with ring, but one made by dnssec-keygen signs.
    let dir = common::local("signzone");
    let key = SigningKey::from_bind_files(
        &dir.join("Kexample.test.+008+57016.key"),
        &dir.join("Kexample.test.+008+57016.private"),
    )
    .unwrap();
    let unsigned = load(&dir.join("example.test.zone"), "example.test.");
    let signed = sign(&unsigned, &[key], Denial::Nsec);
    let sigs = verify_all(&signed.zone);
    assert!(sigs.values().all(|t| t == &[57016]));
    assert!(sigs.contains_key(&("example.test.".into(), RecordType::DNSKEY)));
}
