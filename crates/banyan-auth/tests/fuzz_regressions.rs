//! Runs the committed corpus of the `update` fuzz target (seeds and anything the fuzzer kept
//! or crashed on) through exactly the check the fuzzer makes, in the normal test suite; and
//! makes the seeds.
//!
//! The seeds are written by `BANYAN_WRITE_FUZZ_SEEDS=1 cargo test -p banyan-auth --test
//! fuzz_regressions` into `fuzz/corpus/update/` (files named `seed-*`); the tests below check
//! them whether or not they are written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/update.rs"]
mod update_property;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/geoip.rs"]
mod geoip_property;

use banyan_wire::edns::Edns;
use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::{Class, Header, Name, Opcode, RData, Rcode, Record, RecordType};
use update_property::{check_update, update_message, ID};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/update");

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// One entry of a seed: a record from zone file text (relative to `example.`, TTL 300 unless
/// given), or a record without RDATA in class ANY or NONE (RFC 2136 §2.4, §2.5).
enum Entry {
    Text(BuildSection, &'static str),
    Empty(BuildSection, &'static str, Class, RecordType),
    Opt,
}

/// A seed: the first octet (flags), then the sections of an UPDATE built with
/// `MessageBuilder`, cut after the zone section, which the target builds itself at the same
/// offset (so compression pointers keep their meaning).
fn seed(flags: u8, entries: &[Entry]) -> Vec<u8> {
    let origin: Name = "example.".parse().unwrap();
    let header = Header {
        id: ID,
        opcode: Opcode::UPDATE.0,
        ..Header::default()
    };
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(&mut buf, header);
    b.question(&origin, RecordType::SOA, Class::IN).unwrap();
    for entry in entries {
        match entry {
            Entry::Text(section, text) => {
                let record = Record::from_text(text, Some(&origin), Some(300)).unwrap();
                b.push(*section, &record).unwrap();
            }
            Entry::Empty(section, name, class, rtype) => {
                let record = Record {
                    name: Name::parse(name, Some(&origin)).unwrap(),
                    class: *class,
                    ttl: 0,
                    data: RData::Unknown {
                        rtype: *rtype,
                        data: Vec::new(),
                    },
                };
                b.push(*section, &record).unwrap();
            }
            Entry::Opt => b.edns(&Edns::default()).unwrap(),
        }
    }
    b.finish();
    let count = |at: usize| u8::try_from(u16::from_be_bytes([buf[at], buf[at + 1]])).unwrap();
    let mut data = vec![flags, count(6), count(8), count(10)];
    data.extend_from_slice(&buf[12 + 9 + 4..]);
    // The target rebuilds the very message.
    assert_eq!(update_message(&data).unwrap(), buf);
    data
}

/// The seeds, with what the update signed under the permissive rule comes to.
fn seeds() -> Vec<(&'static str, Vec<u8>, Result<bool, Rcode>)> {
    use BuildSection::{Additional, Answer as Prereq, Authority as Update};
    use Entry::{Empty, Opt, Text};
    let sign = 1;
    let unixtime = 1 << 1;
    let date = 2 << 1;
    let serial_max = 2 << 3;
    let serial_now = 3 << 3;
    vec![
        ("add-a", seed(0, &[Text(Update, "new 300 IN A 192.0.2.99")]), Ok(true)),
        (
            "add-below-dyn-signed",
            seed(
                sign,
                &[
                    Text(Update, "host.dyn 60 IN A 192.0.2.7"),
                    Text(Update, "host.dyn 60 IN TXT \"t\""),
                ],
            ),
            Ok(true),
        ),
        (
            "name-in-use-then-delete-rrset",
            seed(
                unixtime,
                &[
                    Empty(Prereq, "www", Class::ANY, RecordType::ANY),
                    Empty(Update, "www", Class::ANY, RecordType::TXT),
                ],
            ),
            Ok(true),
        ),
        (
            "rrset-value-then-delete-rr",
            seed(
                serial_max,
                &[
                    Text(Prereq, "www 0 IN A 192.0.2.10"),
                    Text(Prereq, "www 0 IN A 192.0.2.11"),
                    Text(Update, "www 0 NONE A 192.0.2.11"),
                ],
            ),
            Ok(true),
        ),
        (
            "replace-cname",
            seed(
                0,
                &[
                    Empty(Update, "alias", Class::ANY, RecordType::ANY),
                    Text(Update, "alias 300 IN CNAME mail"),
                ],
            ),
            Ok(true),
        ),
        (
            "raise-soa",
            seed(
                0,
                &[Text(Update, "@ 3600 IN SOA ns1 hostmaster 20 7200 3600 1209600 300")],
            ),
            Ok(true),
        ),
        (
            "delete-apex-spares-soa-ns",
            seed(date | serial_now, &[Empty(Update, "@", Class::ANY, RecordType::ANY)]),
            Ok(true),
        ),
        (
            "rrset-missing",
            seed(
                0,
                &[
                    Empty(Prereq, "nothing", Class::ANY, RecordType::A),
                    Text(Update, "new 300 IN A 192.0.2.1"),
                ],
            ),
            Err(Rcode::NXRRSET),
        ),
        (
            "name-not-in-use-fails",
            seed(sign, &[Empty(Prereq, "www", Class::NONE, RecordType::ANY)]),
            Err(Rcode::YXDOMAIN),
        ),
        (
            "delegation-and-glue",
            seed(
                0,
                &[
                    Text(Update, "sub 3600 IN NS ns2.sub"),
                    Text(Update, "ns2.sub 3600 IN A 192.0.2.54"),
                    Text(Update, "ns.sub 0 NONE A 192.0.2.53"),
                ],
            ),
            Ok(true),
        ),
        (
            "wildcard",
            seed(
                serial_max | unixtime,
                &[
                    Text(Update, "*.wild 300 IN TXT \"w\""),
                    Text(Update, "*.wild 0 NONE MX 10 mail"),
                ],
            ),
            Ok(true),
        ),
        (
            "with-edns",
            seed(sign, &[Text(Update, "edns 300 IN AAAA 2001:db8::53"), Opt]),
            Ok(true),
        ),
        (
            "not-in-zone",
            seed(0, &[Text(Update, "www.other.test. 300 IN A 192.0.2.1")]),
            Err(Rcode::NOTZONE),
        ),
        (
            "delete-one-apex-ns",
            seed(0, &[Text(Update, "@ 0 NONE NS ns2")]),
            Ok(true),
        ),
        (
            "no-change",
            seed(0, &[Text(Update, "www 300 IN A 192.0.2.10")]),
            Ok(false),
        ),
        (
            "additional-ignored",
            seed(
                0,
                &[
                    Text(Update, "mail 300 IN MX 5 mail"),
                    Text(Additional, "mail 300 IN A 192.0.2.25"),
                ],
            ),
            Ok(true),
        ),
    ]
}

#[test]
fn update_seeds_pass_the_check() {
    let seeds = seeds();
    if std::env::var_os("BANYAN_WRITE_FUZZ_SEEDS").is_some() {
        fs::create_dir_all(CORPUS).unwrap();
        for (name, data, _) in &seeds {
            fs::write(Path::new(CORPUS).join(format!("seed-{name}")), data).unwrap();
        }
    }
    for (name, data, expected) in &seeds {
        assert_eq!(check_update(data), Some(*expected), "{name}");
    }
}

#[test]
fn update_corpus() {
    let mut ran = 0;
    for path in files(Path::new(CORPUS)) {
        check_update(&fs::read(&path).unwrap());
        ran += 1;
    }
    assert!(ran >= 16, "the seeds are committed");
}

/// The `geoip` target's corpus (its seeds come from `fuzz/geoip_seeds.py`): every file goes
/// through the fuzzer's check; the seeds load and answer as they were built to.
#[test]
fn geoip_corpus_passes_the_fuzz_check() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/geoip"));
    let mut seeds = 0;
    for file in files(dir) {
        let data = fs::read(&file).unwrap();
        let loaded = geoip_property::check_geoip(&data);
        if file
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            assert!(loaded, "{}: a seed must load", file.display());
            seeds += 1;
        }
    }
    assert_eq!(seeds, 2);
    let v4 = banyan_auth::geoip::GeoIp::from_bytes(fs::read(dir.join("seed-v4-de-eu")).unwrap()).unwrap();
    let a = v4.lookup("10.1.2.3".parse().unwrap()).unwrap();
    assert_eq!(
        (a.country.as_deref(), a.continent.as_deref(), a.prefix),
        (Some("DE"), Some("EU"), 16)
    );
    let v6 = banyan_auth::geoip::GeoIp::from_bytes(fs::read(dir.join("seed-v6-jp-as")).unwrap()).unwrap();
    let a = v6.lookup("2001:db8::1".parse().unwrap()).unwrap();
    assert_eq!((a.country.as_deref(), a.prefix), (Some("JP"), 32));
}
