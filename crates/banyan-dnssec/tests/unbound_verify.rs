//! Unbound's verification unit vectors (`testcode/unitverify.c` data): signatures, DS
//! matching and NSEC3 hashes, checked at the times in `EXPECTED.tsv`.
#![allow(clippy::unwrap_used)]

mod common;

use banyan_dnssec::ds::ds_matches;
use banyan_dnssec::verify::VerifyError;
use banyan_dnssec::{nsec3_label, verify_rrsig};
use banyan_wire::rdata::RData;
use common::*;

/// (file, validation time) from EXPECTED.tsv, for the `verify` rows.
fn verify_files() -> Vec<(String, u32)> {
    std::fs::read_to_string(vector("unbound-verify/EXPECTED.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 3 && f[1] == "verify").then(|| (f[0].to_string(), epoch(f[2])))
        })
        .collect()
}

/// The outcome of one RRset against the key set, the way Unbound's unit test judges it:
/// every supported algorithm of the DNSKEY set needs one RRSIG that verifies (Unbound's
/// `algo_needs`; RFC 4035 §2.2 has zones sign with each of them). RFC 6840 §5.11 lets a
/// validator accept any one valid signature instead; that policy choice is the validator's,
/// `verify_rrsig` judges single signatures. Errors: the last failure seen, with
/// UnsupportedAlgorithm when nothing supported was there to check.
fn check_rrset(set: &SignedRrset, keys: &[(banyan_wire::Name, Vec<u8>)], now: u32) -> Result<(), VerifyError> {
    let mut needs: Vec<u8> = keys
        .iter()
        .map(|(_, k)| k[3])
        .filter(|&a| banyan_dnssec::is_supported(a))
        .collect();
    needs.sort_unstable();
    needs.dedup();
    let mut last = Err(VerifyError::KeyMismatch);
    let mut verified: Vec<u8> = Vec::new();
    for sig in &set.rrsigs {
        for (owner, key) in keys {
            match verify_rrsig(
                &set.owner,
                set.rtype,
                set.class,
                &set.rdata_refs(),
                sig,
                owner,
                key,
                now,
                0,
            ) {
                Ok(()) => verified.push(key[3]),
                Err(VerifyError::KeyMismatch) => {}
                Err(e @ VerifyError::UnsupportedAlgorithm(_)) => {
                    if needs.is_empty() {
                        last = Err(e);
                    }
                }
                Err(e) => last = Err(e),
            }
        }
    }
    if !needs.is_empty() && needs.iter().all(|a| verified.contains(a)) {
        return Ok(());
    }
    if needs.is_empty() {
        return last;
    }
    last.and(Err(VerifyError::BadSignature))
}

#[test]
fn unbound_test_sigs_and_test_signatures() {
    let files = verify_files();
    assert_eq!(files.len(), 20);
    let mut secure = 0;
    let mut bogus = 0;
    let mut unsupported = 0;
    for (file, now) in files {
        let entries = unbound_entries(&vector(&format!("unbound-verify/{file}")));
        let keys: Vec<_> = entries[0]
            .records
            .iter()
            .filter(|r| matches!(r.data, RData::DNSKEY(_)))
            .map(|r| (r.name.clone(), r.data.to_wire()))
            .collect();
        assert!(!keys.is_empty(), "{file}");
        for entry in &entries[1..] {
            let qbogus = entry.qname.as_ref().is_some_and(starts_bogus);
            for set in rrsets(&entry.records) {
                if set.rrsigs.is_empty() {
                    continue; // Unbound counts unsigned RRsets as bogus; nothing to verify.
                }
                let got = check_rrset(&set, &keys, now);
                let what = format!("{file}: {} {} -> {got:?}", set.owner, set.rtype);
                // DSA (3, test_signatures.2-7), GOST (12) and Ed448 (16) are not supported:
                // such RRsets come out unsupported, which a validator treats as insecure.
                let algs: Vec<u8> = set.rrsigs.iter().map(|s| s[2]).collect();
                if algs.iter().all(|&a| !banyan_dnssec::is_supported(a)) {
                    assert!(
                        matches!(got, Err(VerifyError::UnsupportedAlgorithm(3 | 12 | 16))),
                        "{what}"
                    );
                    unsupported += 1;
                } else if qbogus || starts_bogus(&set.owner) {
                    assert!(got.is_err(), "{what}");
                    bogus += 1;
                } else {
                    assert_eq!(got, Ok(()), "{what}");
                    secure += 1;
                }
            }
        }
    }
    println!("secure {secure}, bogus {bogus}, unsupported {unsupported}");
    assert!(secure > 20 && bogus > 3 && unsupported >= 2);
}

#[test]
fn unbound_test_sigs_revoked() {
    // A revoked key validates its own DNSKEY RRset only (RFC 5011 §2.1).
    let entries = unbound_entries(&vector("unbound-verify/test_sigs.revoked"));
    let key = &entries[0].records[0];
    let now = epoch("20080414005004");
    let soa = rrsets(&entries[1].records)
        .into_iter()
        .find(|s| s.rtype.to_string() == "SOA")
        .unwrap();
    assert_eq!(
        verify_rrsig(
            &soa.owner,
            soa.rtype,
            soa.class,
            &soa.rdata_refs(),
            &soa.rrsigs[0],
            &key.name,
            &key.data.to_wire(),
            now,
            0
        ),
        Err(VerifyError::Revoked)
    );
}

#[test]
fn unbound_test_ds_sha1_and_sha384() {
    for file in ["test_ds.sha1", "test_ds.sha384"] {
        let entries = unbound_entries(&vector(&format!("unbound-verify/{file}")));
        assert!(entries.len() >= 3);
        for entry in entries {
            let expect = entry.qname.as_ref().unwrap().labels().next().unwrap() == b"yes";
            let ds = entry.records.iter().find(|r| matches!(r.data, RData::DS(_))).unwrap();
            let key = entry
                .records
                .iter()
                .find(|r| matches!(r.data, RData::DNSKEY(_)))
                .unwrap();
            assert_eq!(ds.name, key.name);
            assert_eq!(
                ds_matches(&ds.data.to_wire(), &key.name, &key.data.to_wire()),
                expect,
                "{file}: {}",
                ds
            );
        }
    }
}

#[test]
fn unbound_test_nsec3_hash() {
    let entries = unbound_entries(&vector("unbound-verify/test_nsec3_hash.1"));
    assert_eq!(entries.len(), 16);
    for entry in entries {
        let qname = entry.qname.unwrap();
        let answer = entry.records.iter().find(|r| r.rtype().to_string() == "AAAA").unwrap();
        let RData::NSEC3(nsec3) = &entry
            .records
            .iter()
            .find(|r| r.rtype().to_string() == "NSEC3")
            .unwrap()
            .data
        else {
            unreachable!()
        };
        assert_eq!(nsec3.hash_algorithm, 1);
        let label = nsec3_label(&qname, &nsec3.salt, nsec3.iterations);
        let expected = String::from_utf8(answer.name.labels().next().unwrap().to_vec()).unwrap();
        assert_eq!(label, expected.to_lowercase(), "{qname}");
    }
}
