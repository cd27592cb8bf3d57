//! BIND interoperability: dst signature vectors, BIND key files (shared test data and
//! freshly made by `dnssec-keygen`), a zone signed by `dnssec-signzone` that `sign_rrset`
//! must reproduce byte for byte, and key files of ours that `dnssec-signzone` must accept.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use banyan_dnssec::canonical::RrsigFields;
use banyan_dnssec::verify::VerifyError;
use banyan_dnssec::{ds_rdata, key_tag, sign_rrset, verify_rrsig, verify_signature, DnssecError, SigningKey};
use banyan_wire::rdata::RData;
use banyan_wire::text::hex_decode;
use banyan_wire::{Class, RecordType};
use common::*;

/// A fresh empty directory under the system temporary directory.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("banyan-dnssec-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `.key`/`.private` pair for a stem.
fn pair(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("{stem}.key")), dir.join(format!("{stem}.private")))
}

/// The key tag and algorithm a `K<zone>+<alg>+<tag>` file name states.
fn stem_numbers(stem: &str) -> (u8, u16) {
    let mut parts = stem.rsplitn(3, '+');
    let tag = parts.next().unwrap().parse().unwrap();
    let alg = parts.next().unwrap().parse().unwrap();
    (alg, tag)
}

/// Every `K*.key` stem in a directory.
fn stems(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".key").map(str::to_string)
        })
        .collect();
    out.sort();
    out
}

/// Reads the DNSKEY record of a `.key` file.
fn dnskey_of(path: &Path) -> banyan_wire::Record {
    records_of_file(path)
        .into_iter()
        .find(|r| matches!(r.data, RData::DNSKEY(_)))
        .unwrap()
}

/// Signs an A RRset with the key and checks the RRSIG with its DNSKEY.
fn sign_and_verify(key: &SigningKey) {
    let owner = key.owner().prepend(b"www").unwrap();
    let rdatas: [&[u8]; 2] = [&[192, 0, 2, 1], &[192, 0, 2, 2]];
    let sig = sign_rrset(
        key,
        &owner,
        RecordType::A,
        Class::IN,
        300,
        &rdatas,
        1_700_000_000,
        1_800_000_000,
    )
    .unwrap();
    let ok = verify_rrsig(
        &owner,
        RecordType::A,
        Class::IN,
        &rdatas,
        &sig,
        key.owner(),
        key.dnskey_rdata(),
        1_750_000_000,
        0,
    );
    assert_eq!(ok, Ok(()), "{key:?}");
    // The same signature over different data fails.
    let other: [&[u8]; 1] = [&[192, 0, 2, 3]];
    let bad = verify_rrsig(
        &owner,
        RecordType::A,
        Class::IN,
        &other,
        &sig,
        key.owner(),
        key.dnskey_rdata(),
        1_750_000_000,
        0,
    );
    assert_eq!(bad, Err(VerifyError::BadSignature));
}

#[test]
fn bind_dst_test_signatures() {
    let dir = vector("bind/testdata/dst");
    let data1 = std::fs::read(dir.join("test1.data")).unwrap();
    let data2 = std::fs::read(dir.join("test2.data")).unwrap();
    let rsa = dnskey_of(&dir.join("Ktest.+008+11349.key")).data.to_wire();
    let ec = dnskey_of(&dir.join("Ktest.+013+49130.key")).data.to_wire();
    assert_eq!((key_tag(&rsa), key_tag(&ec)), (11349, 49130));
    for (file, alg, key, other) in [
        ("test1.rsasha256sig", 8, &rsa, &ec),
        ("test1.ecdsa256sig", 13, &ec, &rsa),
    ] {
        let hex = std::fs::read_to_string(dir.join(file)).unwrap();
        let sig = hex_decode(hex.trim()).unwrap();
        assert_eq!(verify_signature(alg, &key[4..], &data1, &sig), Ok(()), "{file}");
        assert_eq!(
            verify_signature(alg, &key[4..], &data2, &sig),
            Err(VerifyError::BadSignature),
            "{file}"
        );
        assert!(
            verify_signature(alg, &other[4..], &data1, &sig).is_err(),
            "{file} with the other key"
        );
    }
}

/// The BIND test keys and the ldns-made keys of the `domain` crate: key tags from the file
/// names, DS records, and import (supported algorithms) or a typed refusal (others).
#[test]
fn bind_and_domain_key_files() {
    let mut imported = 0;
    for dir in [
        "bind/testkeys",
        "bind/comparekeys",
        "bind/testdata/dst",
        "bind/testdata/skr",
        "keys/domain",
    ] {
        let dir = vector(dir);
        for stem in stems(&dir) {
            let (key_path, private_path) = pair(&dir, &stem);
            let (alg, tag) = stem_numbers(&stem);
            if alg == 2 {
                // Diffie-Hellman keys are KEY records, not DNSKEY ones (RFC 2539).
                let err = SigningKey::from_bind_files(&key_path, &private_path).unwrap_err();
                assert!(err.to_string().contains("expected a DNSKEY"), "{stem}: {err}");
                continue;
            }
            let dnskey = dnskey_of(&key_path);
            let wire = dnskey.data.to_wire();
            assert_eq!((key_tag(&wire), wire[3]), (tag, alg), "{stem}");
            let ds_path = dir.join(format!("{stem}.ds"));
            if ds_path.exists() {
                for ds in records_of_file(&ds_path) {
                    let ds = ds.data.to_wire();
                    assert_eq!(ds_rdata(&dnskey.name, &wire, ds[3]).unwrap(), ds, "{stem}");
                }
            }
            match SigningKey::from_bind_files(&key_path, &private_path) {
                Ok(key) => {
                    assert!(banyan_dnssec::can_sign(alg), "{stem}");
                    assert_eq!((key.key_tag(), key.algorithm()), (tag, alg));
                    assert_eq!(key.dnskey_rdata(), wire);
                    sign_and_verify(&key);
                    imported += 1;
                }
                Err(DnssecError::KeyFile { reason, .. }) if reason.contains("does not match") => {
                    // BIND's comparekeys pairs with an altered exponent or modulus.
                    assert!(
                        ["Kexample-e.+008+53973", "Kexample-n.+008+37464"].contains(&stem.as_str()),
                        "{stem}"
                    );
                }
                Err(DnssecError::UnsupportedAlgorithm(a)) => assert!(!banyan_dnssec::can_sign(a), "{stem}"),
                Err(DnssecError::KeyFile { reason, .. }) if reason.contains("at least 2048") => {
                    assert_eq!(stem, "Ktest.+008+11349", "only the 1024-bit dst key is too small");
                }
                Err(e) => panic!("{stem}: {e}"),
            }
        }
    }
    assert_eq!(imported, 14);
}

#[test]
fn generate_write_read_round_trip() {
    let dir = scratch("roundtrip");
    let zone = name("Example.Org.");
    for alg in [13, 14, 15] {
        for ksk in [false, true] {
            let key = SigningKey::generate(&zone, alg, ksk).unwrap();
            assert_eq!(key.flags(), if ksk { 257 } else { 256 });
            assert_eq!(key.is_ksk(), ksk);
            let (k, p) = key.write_bind_files(&dir).unwrap();
            assert_eq!(
                k.file_name().unwrap().to_string_lossy(),
                format!("KExample.Org.+{alg:03}+{:05}.key", key.key_tag())
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
            }
            let back = SigningKey::from_bind_files(&k, &p).unwrap();
            assert_eq!(back.dnskey_rdata(), key.dnskey_rdata());
            assert_eq!(back.owner(), key.owner());
            sign_and_verify(&back);
            // Writing the read-back key gives the same files.
            let dir2 = scratch(&format!("roundtrip2-{alg}-{ksk}"));
            let (k2, p2) = back.write_bind_files(&dir2).unwrap();
            assert_eq!(std::fs::read(&k).unwrap(), std::fs::read(&k2).unwrap());
            assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&p2).unwrap());
            std::fs::remove_dir_all(&dir2).unwrap();
        }
    }
    // An imported RSA key writes out the same fields.
    let src = vector("keys/domain");
    let (k, p) = pair(&src, "Ktest.+008+60616");
    let rsa = SigningKey::from_bind_files(&k, &p).unwrap();
    let (k2, p2) = rsa.write_bind_files(&dir).unwrap();
    let again = SigningKey::from_bind_files(&k2, &p2).unwrap();
    assert_eq!(again.dnskey_rdata(), rsa.dnskey_rdata());
    assert_eq!(again.sign(b"x").unwrap(), rsa.sign(b"x").unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn key_file_errors() {
    let dir = scratch("errors");
    let key = SigningKey::generate(&name("example."), 13, false).unwrap();
    let (k, p) = key.write_bind_files(&dir).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    // A private key that belongs to another public key.
    let other = SigningKey::generate(&name("example."), 13, false).unwrap();
    let (_, p_other) = other.write_bind_files(&dir).unwrap();
    let err = SigningKey::from_bind_files(&k, &p_other).unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
    // Bad base64, with its line number.
    std::fs::write(&p, text.replace("PrivateKey: ", "PrivateKey: !!")).unwrap();
    match SigningKey::from_bind_files(&k, &p).unwrap_err() {
        DnssecError::KeyFile { line, .. } => assert_eq!(line, 3),
        e => panic!("{e}"),
    }
    // Not a private key file.
    std::fs::write(&p, "hello\n").unwrap();
    assert!(matches!(
        SigningKey::from_bind_files(&k, &p),
        Err(DnssecError::KeyFile { line: 1, .. })
    ));
    // A missing file.
    assert!(matches!(
        SigningKey::from_bind_files(&dir.join("nope.key"), &p),
        Err(DnssecError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// BIND's dnssec-signzone output must be reproduced byte for byte wherever the algorithm is
/// deterministic (RSA PKCS#1 v1.5 with 2048-bit keys, Ed25519): canonical form with
/// mixed-case names in MX, NS, SOA, SRV and CNAME RDATA, NSEC next names kept in case,
/// a wildcard owner, and KSK-only signing of the DNSKEY RRset.
#[test]
fn dnssec_signzone_signatures_reproduced() {
    let dir = local("signzone");
    let keys: Vec<SigningKey> = stems(&dir)
        .iter()
        .map(|stem| {
            let (k, p) = pair(&dir, stem);
            SigningKey::from_bind_files(&k, &p).unwrap()
        })
        .collect();
    assert_eq!(keys.len(), 3);
    let recs = records_of_file(&dir.join("example.test.zone.signed"));
    let mut reproduced = 0;
    for set in rrsets(&recs) {
        for sig in &set.rrsigs {
            let (head, _) = RrsigFields::from_rdata(sig).unwrap();
            let key = keys.iter().find(|k| k.key_tag() == head.key_tag).unwrap();
            let made = sign_rrset(
                key,
                &set.owner,
                set.rtype,
                set.class,
                head.original_ttl,
                &set.rdata_refs(),
                head.inception,
                head.expiration,
            )
            .unwrap();
            assert_eq!(&made, sig, "{} {} key {}", set.owner, set.rtype, head.key_tag);
            let ok = verify_rrsig(
                &set.owner,
                set.rtype,
                set.class,
                &set.rdata_refs(),
                sig,
                key.owner(),
                key.dnskey_rdata(),
                epoch("20250101000000"),
                0,
            );
            assert_eq!(ok, Ok(()));
            reproduced += 1;
        }
    }
    assert_eq!(
        reproduced,
        recs.iter().filter(|r| r.rtype() == RecordType::RRSIG).count()
    );
    assert!(reproduced >= 40, "{reproduced}");
    // The DS records dnssec-signzone wrote.
    for ds in records_of_file(&dir.join("dsset-example.test.")) {
        let ds = ds.data.to_wire();
        let key = keys.iter().find(|k| k.key_tag().to_be_bytes() == ds[..2]).unwrap();
        assert_eq!(ds_rdata(key.owner(), key.dnskey_rdata(), ds[3]).unwrap(), ds);
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    let path = path.trim();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// Keys fresh from `dnssec-keygen` (Debian `bind9-utils`), one per algorithm we sign with,
/// read and used. Skipped, with a note, when the tool is not installed.
#[test]
fn dnssec_keygen_keys_are_read() {
    let Some(keygen) = tool("dnssec-keygen") else {
        println!("NOTE: dnssec-keygen not installed (Debian bind9-utils): dnssec_keygen_keys_are_read skipped");
        return;
    };
    let dir = scratch("keygen");
    for (alg, extra) in [
        ("ECDSAP256SHA256", vec![]),
        ("ECDSAP384SHA384", vec![]),
        ("ED25519", vec![]),
        ("RSASHA256", vec!["-b", "2048"]),
        ("RSASHA512", vec!["-b", "2048"]),
    ] {
        for ksk in [false, true] {
            let mut cmd = Command::new(&keygen);
            cmd.current_dir(&dir).args(["-q", "-a", alg]).args(&extra);
            if ksk {
                cmd.args(["-f", "KSK"]);
            }
            let out = cmd.args(["-n", "ZONE", "keygen.example"]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let stem = String::from_utf8(out.stdout).unwrap().trim().to_string();
            let (k, p) = pair(&dir, &stem);
            let key = SigningKey::from_bind_files(&k, &p).unwrap_or_else(|e| panic!("{stem}: {e}"));
            assert_eq!((key.algorithm(), key.key_tag()), stem_numbers(&stem));
            assert_eq!(key.is_ksk(), ksk);
            sign_and_verify(&key);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Keys written by `write_bind_files` are accepted by `dnssec-signzone`, and its
/// signatures verify with our code. Skipped, with a note, when the tool is not installed.
#[test]
fn dnssec_signzone_accepts_written_keys() {
    let Some(signzone) = tool("dnssec-signzone") else {
        println!(
            "NOTE: dnssec-signzone not installed (Debian bind9-utils): dnssec_signzone_accepts_written_keys skipped"
        );
        return;
    };
    let dir = scratch("signzone");
    let zone = name("test.");
    let mut keys = Vec::new();
    for (alg, ksk) in [(13, true), (13, false), (14, true), (15, true)] {
        keys.push(SigningKey::generate(&zone, alg, ksk).unwrap());
    }
    // An imported RSA key, written back out by us.
    let (k, p) = pair(&vector("keys/domain"), "Ktest.+008+60616");
    keys.push(SigningKey::from_bind_files(&k, &p).unwrap());
    let mut zone_text = String::from(
        "$TTL 300\ntest. IN SOA ns.test. h.test. 1 2 3 4 5\ntest. IN NS ns.test.\nns.test. IN A 192.0.2.1\n",
    );
    let mut stems = Vec::new();
    for key in &keys {
        key.write_bind_files(&dir).unwrap();
        zone_text.push_str(&format!("$INCLUDE {}.key\n", key.file_stem()));
        stems.push(key.file_stem());
    }
    std::fs::write(dir.join("zone.db"), zone_text).unwrap();
    let out = Command::new(&signzone)
        .current_dir(&dir)
        // -z: every key signs everything, so each algorithm needs no separate ZSK.
        .args([
            "-z",
            "-o",
            "test.",
            "-s",
            "20240101000000",
            "-e",
            "20340101000000",
            "-O",
            "full",
        ])
        .args(["-f", "zone.signed", "zone.db"])
        .args(&stems)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dnssec-signzone: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records_of_file(&dir.join("zone.signed"));
    let mut checked = 0;
    for set in rrsets(&recs) {
        for sig in &set.rrsigs {
            let (head, _) = RrsigFields::from_rdata(sig).unwrap();
            let key = keys
                .iter()
                .find(|k| k.key_tag() == head.key_tag && k.algorithm() == head.algorithm)
                .unwrap();
            let ok = verify_rrsig(
                &set.owner,
                set.rtype,
                set.class,
                &set.rdata_refs(),
                sig,
                key.owner(),
                key.dnskey_rdata(),
                epoch("20250101000000"),
                0,
            );
            assert_eq!(ok, Ok(()), "{} {}", set.owner, set.rtype);
            checked += 1;
        }
    }
    // Four algorithms over SOA, NS, NSEC, A, NSEC and DNSKEY (twice for the P-256 KSK+ZSK).
    assert!(checked >= 20, "{checked}");
    std::fs::remove_dir_all(&dir).unwrap();
}
