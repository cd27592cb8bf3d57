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

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/query.rs"]
mod query_property;

use banyan_wire::edns::{ClientSubnet, Cookie, Edns, EdnsOption};
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

const QUERY_CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/query");

/// Bits of the `query` target's first octet (see `fuzz/src/query.rs`).
mod q {
    pub const RFC4035: u8 = 1;
    pub const RFC5155: u8 = 2;
    pub const JOURNAL: u8 = 3;
    pub const ALL_OPTIONS: u8 = 4;
    pub const REQUIRE_COOKIES: u8 = 8 | ALL_OPTIONS;
    pub const FROM_EU: u8 = 1 << 4;
    pub const FROM_V6: u8 = 2 << 4;
    pub const SIGNED: u8 = 0x40;
    pub const LONG_KEY: u8 = 0x80;
}

/// A query of the `query` target: the flags octet, then the message.
struct Ask {
    flags: u8,
    qname: &'static str,
    qtype: RecordType,
    qclass: Class,
    edns: Option<Edns>,
    opcode: Opcode,
    /// A record for the authority section (IXFR's SOA, RFC 1995 §3).
    authority: Option<&'static str>,
}

impl Ask {
    fn new(flags: u8, qname: &'static str, qtype: RecordType) -> Ask {
        Ask {
            flags,
            qname,
            qtype,
            qclass: Class::IN,
            edns: None,
            opcode: Opcode::QUERY,
            authority: None,
        }
    }

    fn edns(mut self, size: u16, dnssec_ok: bool, options: Vec<EdnsOption>) -> Ask {
        self.edns = Some(Edns {
            udp_payload_size: size,
            dnssec_ok,
            options,
            ..Edns::default()
        });
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let header = Header {
            id: 0x5157,
            opcode: self.opcode.0,
            ..Header::default()
        };
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, header);
        b.question(&self.qname.parse::<Name>().unwrap(), self.qtype, self.qclass)
            .unwrap();
        if let Some(text) = self.authority {
            let record = Record::from_text(text, None, None).unwrap();
            b.push(BuildSection::Authority, &record).unwrap();
        }
        if let Some(e) = &self.edns {
            b.edns(e).unwrap();
        }
        b.finish();
        let mut data = vec![self.flags];
        data.extend_from_slice(&buf);
        data
    }
}

/// What a seed is made to show: the UDP answer's RCODE (header bits) and TC, and whether
/// TCP gave a transfer stream. `None`: nothing sent over UDP.
type Expect = (Option<(u8, bool)>, bool);

/// The `query` seeds, each with what it shows.
fn query_seeds() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use q::*;
    use RecordType as T;
    let ok = |tc| (Some((0, tc)), false);
    let rcode = |r: u8| (Some((r, false)), false);
    let long = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.long.example.";
    let cookie = |server: Option<Vec<u8>>| {
        EdnsOption::Cookie(Cookie {
            client: *b"clientck",
            server,
        })
    };
    let ecs = EdnsOption::ClientSubnet(ClientSubnet {
        address: "10.1.0.0".parse().unwrap(),
        source_prefix: 16,
        scope_prefix: 0,
    });
    let long_question = query_property::long_name("example.").to_string();
    let long_question: &'static str = Box::leak(long_question.into_boxed_str());
    let why = EdnsOption::Unknown {
        code: banyan_auth::WHY_OPTION,
        data: Vec::new(),
    };
    let mut seeds = vec![
        ("www-a", Ask::new(0, "www.example.", T::A).bytes(), ok(false)),
        ("www-a-case", Ask::new(0, "WwW.ExAmPlE.", T::A).bytes(), ok(false)),
        ("big-txt", Ask::new(0, "big.example.", T::TXT).bytes(), ok(true)),
        (
            "big-txt-edns",
            Ask::new(0, "big.example.", T::TXT).edns(4096, false, vec![]).bytes(),
            ok(true),
        ),
        (
            "big-txt-edns-signed",
            Ask::new(SIGNED, "big.example.", T::TXT)
                .edns(4096, false, vec![])
                .bytes(),
            ok(true),
        ),
        (
            "big-any-edns",
            Ask::new(0, "big.example.", T::ANY).edns(1400, false, vec![]).bytes(),
            ok(true),
        ),
        ("www-signed", Ask::new(SIGNED, "www.example.", T::A).bytes(), ok(false)),
        ("alias-chain", Ask::new(0, "alias.example.", T::A).bytes(), ok(false)),
        ("cname-loop", Ask::new(0, "loop1.example.", T::A).bytes(), ok(false)),
        ("cname-out", Ask::new(0, "out.example.", T::A).bytes(), ok(false)),
        (
            "cname-to-child",
            Ask::new(0, "tochild.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "cname-to-net",
            Ask::new(0, "tonet.example.", T::AAAA).bytes(),
            ok(false),
        ),
        ("dname", Ask::new(0, "host.sub.dn.example.", T::A).bytes(), ok(false)),
        ("dname-yxdomain", Ask::new(0, long, T::A).bytes(), rcode(6)),
        ("wildcard", Ask::new(0, "host3.example.", T::MX).bytes(), ok(false)),
        (
            "wildcard-nodata",
            Ask::new(0, "host3.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "not-a-wildcard",
            Ask::new(0, "sub.*.example.", T::TXT).bytes(),
            ok(false),
        ),
        (
            "below-wildcard-ent",
            Ask::new(0, "foo.bar.example.", T::TXT).bytes(),
            ok(false),
        ),
        (
            "srv",
            Ask::new(0, "_ssh._tcp.host1.example.", T::SRV).bytes(),
            ok(false),
        ),
        ("nxdomain", Ask::new(0, "x.www.example.", T::A).bytes(), rcode(3)),
        (
            "referral-glue",
            Ask::new(0, "www.subdel.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "referral-noglue",
            Ask::new(0, "x.noglue.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "ds-parent-side",
            Ask::new(0, "child.example.", T::DS).bytes(),
            ok(false),
        ),
        ("child-zone", Ask::new(0, "www.child.example.", T::A).bytes(), ok(false)),
        (
            "empty-non-terminal",
            Ask::new(0, "b.c.ent.example.", T::A).bytes(),
            ok(false),
        ),
        ("mx-additional", Ask::new(0, "many.example.", T::MX).bytes(), ok(false)),
        ("any", Ask::new(0, "www.example.", T::ANY).bytes(), ok(false)),
        (
            "unknown-type",
            Ask::new(0, "unknown.example.", RecordType(65280)).bytes(),
            ok(false),
        ),
        ("caa", Ask::new(0, "caa.example.", T::CAA).bytes(), ok(false)),
        ("refused", Ask::new(0, "www.other.test.", T::A).bytes(), rcode(5)),
        (
            "chaos-version",
            Ask {
                qclass: Class::CH,
                ..Ask::new(ALL_OPTIONS, "version.bind.", T::TXT)
            }
            .bytes(),
            ok(false),
        ),
        (
            "chaos-refused",
            Ask {
                qclass: Class::CH,
                ..Ask::new(0, "id.server.", T::TXT)
            }
            .bytes(),
            rcode(5),
        ),
        (
            "nsid",
            Ask::new(ALL_OPTIONS, "www.example.", T::A)
                .edns(1232, false, vec![EdnsOption::Nsid(Vec::new())])
                .bytes(),
            ok(false),
        ),
        (
            "cookie-required-badcookie",
            Ask::new(REQUIRE_COOKIES, "www.example.", T::A)
                .edns(1232, false, vec![cookie(None)])
                .bytes(),
            rcode(23 & 0xF),
        ),
        (
            "cookie-required-none",
            Ask::new(REQUIRE_COOKIES, "www.example.", T::A)
                .edns(1232, false, vec![])
                .bytes(),
            ok(true),
        ),
        (
            "cookie-bad-server-cookie",
            Ask::new(ALL_OPTIONS, "www.example.", T::A)
                .edns(1232, false, vec![cookie(Some(vec![1; 16]))])
                .bytes(),
            ok(false),
        ),
        (
            "view-by-address",
            Ask::new(ALL_OPTIONS | FROM_EU, "www.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "view-cname",
            Ask::new(ALL_OPTIONS | FROM_EU, "alias.example.", T::A).bytes(),
            ok(false),
        ),
        (
            "view-v6",
            Ask::new(ALL_OPTIONS | FROM_V6, "www.example.", T::AAAA).bytes(),
            ok(false),
        ),
        (
            "view-by-ecs-why",
            Ask::new(ALL_OPTIONS, "www.example.", T::A)
                .edns(1232, false, vec![ecs, why])
                .bytes(),
            ok(false),
        ),
        // Over UDP a transfer is refused (RFC 5936 §4.2 has AXFR over TCP only).
        (
            "axfr-allowed",
            Ask::new(ALL_OPTIONS, "example.", T::AXFR).bytes(),
            (Some((5, false)), true),
        ),
        ("axfr-refused", Ask::new(0, "example.", T::AXFR).bytes(), rcode(5)),
        (
            "ixfr-allowed",
            Ask {
                authority: Some(
                    "child.example. 0 IN SOA ns.child.example. hostmaster.child.example. 5 7200 3600 1209600 300",
                ),
                ..Ask::new(ALL_OPTIONS, "child.example.", T::IXFR)
            }
            .bytes(),
            // Over UDP, without a journal reaching the client's serial: our SOA alone (RFC 1995
            // §2, §4), which sends the client to TCP.
            (Some((0, false)), true),
        ),
        (
            "ixfr-journal-udp",
            Ask {
                authority: Some("example. 0 IN SOA ns1.example. hostmaster.example. 2026112199 7200 3600 1209600 300"),
                ..Ask::new(JOURNAL | ALL_OPTIONS, "example.", T::IXFR)
            }
            .edns(1232, false, vec![])
            .bytes(),
            (Some((0, false)), true),
        ),
        (
            "ixfr-journal-udp-signed",
            Ask {
                authority: Some("example. 0 IN SOA ns1.example. hostmaster.example. 2026112200 7200 3600 1209600 300"),
                ..Ask::new(JOURNAL | ALL_OPTIONS | SIGNED, "example.", T::IXFR)
            }
            .bytes(),
            (Some((0, false)), true),
        ),
        (
            "mxmany-signed-512",
            Ask::new(SIGNED, "mxmany.example.", T::MX)
                .edns(512, false, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "notify-long-key",
            Ask {
                opcode: Opcode::NOTIFY,
                ..Ask::new(ALL_OPTIONS | SIGNED | LONG_KEY, long_question, T::SOA)
            }
            .bytes(),
            ok(true),
        ),
        (
            "notimp-long-key",
            Ask {
                opcode: Opcode(3),
                ..Ask::new(SIGNED | LONG_KEY, long_question, T::A)
            }
            .bytes(),
            ok(true),
        ),
        (
            "ixfr-without-soa",
            Ask::new(ALL_OPTIONS, "child.example.", T::IXFR).bytes(),
            rcode(1),
        ),
        (
            "update-handed-on",
            Ask {
                opcode: Opcode::UPDATE,
                ..Ask::new(0, "example.", T::SOA)
            }
            .bytes(),
            (None, false),
        ),
        (
            "opcode-notimp",
            Ask {
                opcode: Opcode(3),
                ..Ask::new(0, "www.example.", T::A)
            }
            .bytes(),
            rcode(4),
        ),
        // RFC 4035 Appendix B's questions, with DO.
        (
            "rfc4035-b1",
            Ask::new(RFC4035, "x.w.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b2",
            Ask::new(RFC4035, "ml.example.", T::A).edns(1232, true, vec![]).bytes(),
            rcode(3),
        ),
        (
            "rfc4035-b3",
            Ask::new(RFC4035, "ns1.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b4",
            Ask::new(RFC4035, "mc.a.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b5",
            Ask::new(RFC4035, "mc.b.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b6",
            Ask::new(RFC4035, "a.z.w.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b7",
            Ask::new(RFC4035, "a.z.w.example.", T::AAAA)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc4035-b8",
            Ask::new(RFC4035, "example.", T::DS).edns(1232, true, vec![]).bytes(),
            ok(false),
        ),
        (
            "rfc4035-dnskey-512",
            Ask::new(RFC4035, "example.", T::DNSKEY).edns(512, true, vec![]).bytes(),
            ok(true),
        ),
        // RFC 5155 Appendix B's questions, with DO.
        (
            "rfc5155-b1",
            Ask::new(RFC5155, "a.c.x.w.example.", T::A)
                .edns(1232, true, vec![])
                .bytes(),
            rcode(3),
        ),
        (
            "rfc5155-b2",
            Ask::new(RFC5155, "ns1.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc5155-b3",
            Ask::new(RFC5155, "mc.c.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc5155-b4",
            Ask::new(RFC5155, "a.z.w.example.", T::MX)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc5155-b5",
            Ask::new(RFC5155, "a.z.w.example.", T::AAAA)
                .edns(1232, true, vec![])
                .bytes(),
            ok(false),
        ),
        (
            "rfc5155-b6",
            Ask::new(RFC5155, "example.", T::DS).edns(1232, true, vec![]).bytes(),
            ok(false),
        ),
    ];
    // Malformed: as received, no name to build them from.
    let www = Ask::new(0, "www.example.", T::A).bytes();
    let mut two_questions = www.clone();
    two_questions[1 + 5] = 2;
    let mut response = www.clone();
    response[1 + 2] |= 0x80;
    let mut badvers = Ask::new(0, "www.example.", T::A).edns(1232, false, vec![]).bytes();
    // The OPT record's TTL: extended RCODE, then VERSION (RFC 6891 §6.1.3).
    let at = badvers.len() - 2 - 2 - 1;
    badvers[at] = 1;
    seeds.extend([
        ("badvers", badvers, rcode(0)),
        ("two-questions", two_questions, rcode(1)),
        ("response-dropped", response, (None, false)),
        ("question-cut", www[..www.len() - 3].to_vec(), rcode(1)),
        (
            "header-only",
            vec![0, 0x51, 0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            rcode(1),
        ),
        ("short", vec![0, 0x51, 0x57, 0], (None, false)),
    ]);
    seeds
}

#[test]
fn query_seeds_show_what_they_were_made_for() {
    let seeds = query_seeds();
    if std::env::var_os("BANYAN_WRITE_FUZZ_SEEDS").is_some() {
        fs::create_dir_all(QUERY_CORPUS).unwrap();
        for (name, data, _) in &seeds {
            fs::write(Path::new(QUERY_CORPUS).join(format!("seed-{name}")), data).unwrap();
        }
    }
    for (name, data, (udp, stream)) in &seeds {
        let outcome = query_property::check_query(data).unwrap();
        let got = outcome.udp.map(|h| (h.rcode, h.tc));
        assert_eq!(got, *udp, "{name}: UDP RCODE and TC");
        assert_eq!(outcome.tcp_stream, *stream, "{name}: a transfer stream over TCP");
        if name.starts_with("ixfr-journal") {
            // RFC 1995 §4: the differences, between the new SOA at the start and at the end.
            let answers = outcome.udp.unwrap().ancount;
            assert!(answers > 4, "{name}: {answers} answer records over UDP");
        }
    }
}

/// A signed answer over UDP fits the client's size with its TSIG (RFC 8945 §5.3), whatever
/// size the client offers: around the size of the whole answer, the answer is cut for it.
/// And the room is kept while answering, not found missing after: twelve MX records fit any
/// size with their TSIG, so they are always answered, the additional addresses cut to fit
/// (not the whole answer replaced by a truncated one).
#[test]
fn signed_udp_answers_leave_room_for_the_tsig() {
    let mut truncated = 0;
    for size in 512..=1232 {
        let ask = |qname, qtype| Ask::new(q::SIGNED, qname, qtype).edns(size, false, vec![]).bytes();
        let outcome = query_property::check_query(&ask("mid.example.", RecordType::TXT)).unwrap();
        truncated += usize::from(outcome.udp.unwrap().tc);
        let many = query_property::check_query(&ask("mxmany.example.", RecordType::MX)).unwrap();
        let header = many.udp.unwrap();
        assert_eq!((header.tc, header.ancount), (false, 12), "size {size}");
    }
    // The eight TXT records take about 700 octets; with the TSIG they fit from some size on.
    assert!((100..700).contains(&truncated), "{truncated} sizes truncated");
}

/// RFC 8945 §5.3: a signed reply that cannot carry its TSIG becomes the question and the TSIG
/// with TC, or the TSIG alone when the question is too long for that: here (seeds
/// `notify-long-key`, `notimp-long-key`) a NOTIFY acknowledgement and a NOTIMP, each repeating
/// a 249-octet question, signed with a key of a 250-octet name.
#[test]
fn signed_replies_too_long_for_their_tsig_are_cut() {
    let seeds = query_seeds();
    for name in ["notify-long-key", "notimp-long-key"] {
        let (_, data, _) = seeds.iter().find(|(n, _, _)| *n == name).unwrap();
        let outcome = query_property::check_query(data).unwrap();
        let (udp, tcp) = (outcome.udp.unwrap(), outcome.tcp.unwrap());
        assert_eq!((udp.rcode, udp.tc, udp.qdcount), (0, true, 0), "{name} over UDP");
        assert!(!tcp.tc, "{name} over TCP");
    }
}

#[test]
fn query_corpus_passes_the_fuzz_check() {
    let mut ran = 0;
    for path in files(Path::new(QUERY_CORPUS)) {
        query_property::check_query(&fs::read(&path).unwrap());
        ran += 1;
    }
    assert!(ran >= 60, "the seeds are committed");
}

/// A TSIG error answers with the request's own key and algorithm names (RFC 8945 §5.3.2):
/// with a long question and a long unknown key name it would pass 512 octets, so it is cut
/// to fit, TC set, still NOTAUTH. (The fuzzer found it: `regression-badkey-error-too-long`.)
#[test]
fn tsig_errors_fit_a_datagram() {
    let qname = query_property::long_name("example.");
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x8945,
            ..Header::default()
        },
    );
    b.question(&qname, RecordType::A, Class::IN).unwrap();
    b.finish();
    let stranger = banyan_wire::tsig::TsigKey::new(
        query_property::long_name("stranger."),
        banyan_wire::tsig::TsigAlgorithm::HmacSha512,
        b"a key the server does not know".to_vec(),
    );
    banyan_wire::tsig::sign_request(&mut buf, &stranger, query_property::NOW);
    let mut data = vec![0];
    data.extend_from_slice(&buf);
    let outcome = query_property::check_query(&data).unwrap();
    let (udp, tcp) = (outcome.udp.unwrap(), outcome.tcp.unwrap());
    assert_eq!((udp.rcode, udp.tc), (Rcode::NOTAUTH.0 as u8, true));
    assert_eq!((tcp.rcode, tcp.tc), (Rcode::NOTAUTH.0 as u8, false));
}
