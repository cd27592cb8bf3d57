//! Runs the committed corpus of the `transfer_in` fuzz target (seeds and anything the fuzzer
//! kept or crashed on) through exactly the check the fuzzer makes, in the normal test suite;
//! and makes the seeds.
//!
//! The seeds are written by `BANYAN_WRITE_FUZZ_SEEDS=1 cargo test -p banyan-zone --test
//! fuzz_regressions` into `fuzz/corpus/transfer_in/` (files named `seed-*`); the tests below
//! check them whether or not they are written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/transfer_in.rs"]
mod transfer_in_property;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/zonefile.rs"]
mod zonefile_property;

use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::{Class, Header, Name, Record, RecordType};
use transfer_in_property::{check_transfer_in, TransferOutcome};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/transfer_in");
const BIND_AXFR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../banyan-wire/tests/data/tsig/axfr-hmac-sha256.txt"
);

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Writes each seed to `dir/seed-<name>` when `BANYAN_WRITE_FUZZ_SEEDS` is set.
fn write_seeds<'a>(dir: &str, seeds: impl IntoIterator<Item = (&'a str, &'a [u8])>) {
    if std::env::var_os("BANYAN_WRITE_FUZZ_SEEDS").is_none() {
        return;
    }
    fs::create_dir_all(dir).unwrap();
    for (name, data) in seeds {
        fs::write(Path::new(dir).join(format!("seed-{name}")), data).unwrap();
    }
}

/// Runs `check` on every file of the corpus in `dir`, which holds at least the `seeds`
/// committed seeds.
fn run_corpus(dir: &str, seeds: usize, check: impl Fn(&[u8])) {
    let mut ran = 0;
    for path in files(Path::new(dir)) {
        check(&fs::read(&path).unwrap());
        ran += 1;
    }
    assert!(ran >= seeds, "the seeds are committed");
}

fn soa(serial: u32) -> String {
    format!("@ 3600 IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300")
}

const ZONE: [&str; 14] = [
    "@ 3600 IN NS ns1",
    "@ 3600 IN NS ns2",
    "@ 300 IN MX 10 mail",
    "ns1 300 IN A 192.0.2.1",
    "ns2 300 IN AAAA 2001:db8::2",
    "mail 300 IN A 192.0.2.25",
    "www 300 IN A 192.0.2.10",
    "alias 300 IN CNAME www",
    "sub 3600 IN NS ns.sub",
    "ns.sub 3600 IN A 192.0.2.53",
    "*.wild 300 IN TXT \"wild\"",
    "old 300 IN DNAME new.example.",
    "_sip._tcp 300 IN SRV 0 5 5060 www",
    "deep.ent 300 IN TXT \"below an empty non-terminal\"",
];

/// One message of a transfer answering `qtype`, the records in its answer section.
fn message(qtype: RecordType, records: &[String]) -> Vec<u8> {
    let origin: Name = "example.".parse().unwrap();
    let header = Header {
        id: 0x5a5a,
        qr: true,
        aa: true,
        ..Header::default()
    };
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(&mut buf, header);
    b.question(&origin, qtype, Class::IN).unwrap();
    for text in records {
        let record = Record::from_text(text, Some(&origin), Some(300)).unwrap();
        b.push(BuildSection::Answer, &record).unwrap();
    }
    b.finish();
    buf
}

/// A seed: the first octet, then each message with its two-octet length (RFC 1035 §4.2.2).
fn stream(first: u8, messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![first];
    for m in messages {
        out.extend_from_slice(&u16::try_from(m.len()).unwrap().to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

fn axfr_first() -> u8 {
    0
}

fn ixfr_from(serial: u8) -> u8 {
    serial << 1 | 1
}

fn lines(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

/// The seeds, with what each comes to.
fn seeds() -> Vec<(&'static str, Vec<u8>, TransferOutcome)> {
    let whole: Vec<String> = std::iter::once(soa(7))
        .chain(lines(&ZONE))
        .chain(std::iter::once(soa(7)))
        .collect();
    let axfr = RecordType::AXFR;
    let ixfr = RecordType::IXFR;
    let bind_axfr: Vec<Vec<u8>> = fs::read_to_string(BIND_AXFR)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("< "))
        .map(|hex| banyan_wire::text::hex_decode(hex).unwrap())
        .collect();
    vec![
        (
            "axfr-one-message",
            stream(axfr_first(), &[message(axfr, &whole)]),
            TransferOutcome::Full(15),
        ),
        (
            "axfr-three-messages",
            stream(
                axfr_first(),
                &[
                    message(axfr, &whole[..5]),
                    message(axfr, &whole[5..10]),
                    message(axfr, &whole[10..]),
                ],
            ),
            TransferOutcome::Full(15),
        ),
        (
            "axfr-soa-only",
            stream(axfr_first(), &[message(axfr, &[soa(1), soa(1)])]),
            TransferOutcome::Full(1),
        ),
        (
            "axfr-closing-soa-differs",
            stream(axfr_first(), &[message(axfr, &[soa(1), ZONE[0].to_string(), soa(2)])]),
            TransferOutcome::Refused,
        ),
        (
            "axfr-bind-six-messages",
            stream(axfr_first(), &bind_axfr),
            TransferOutcome::Full(83),
        ),
        (
            "ixfr-incremental",
            stream(
                ixfr_from(1),
                &[
                    message(
                        ixfr,
                        &[
                            soa(3),
                            soa(1),
                            "www 300 IN A 192.0.2.10".into(),
                            soa(2),
                            "www 300 IN A 192.0.2.11".into(),
                        ],
                    ),
                    message(
                        ixfr,
                        &[
                            soa(2),
                            soa(3),
                            "mail 300 IN A 192.0.2.26".into(),
                            "new 60 IN TXT \"added\"".into(),
                            soa(3),
                        ],
                    ),
                ],
            ),
            TransferOutcome::Incremental(2),
        ),
        (
            "ixfr-up-to-date",
            stream(ixfr_from(5), &[message(ixfr, &[soa(5)])]),
            TransferOutcome::UpToDate,
        ),
        (
            "ixfr-axfr-form",
            stream(ixfr_from(1), &[message(ixfr, &whole)]),
            TransferOutcome::Full(15),
        ),
        (
            "ixfr-broken-chain",
            stream(ixfr_from(1), &[message(ixfr, &[soa(3), soa(2), soa(3), soa(3)])]),
            TransferOutcome::Refused,
        ),
    ]
}

#[test]
fn transfer_in_seeds_pass_the_check() {
    let seeds = seeds();
    write_seeds(CORPUS, seeds.iter().map(|(name, data, _)| (*name, data.as_slice())));
    for (name, data, expected) in &seeds {
        assert_eq!(check_transfer_in(data), *expected, "{name}");
    }
}

#[test]
fn transfer_in_corpus() {
    run_corpus(CORPUS, 9, |data| {
        check_transfer_in(data);
    });
}

const ZONEFILE_CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/zonefile");

/// The `zonefile` seeds: master-file syntax of RFC 1035 §5 and its extensions, each with the
/// records and errors it reads to, and the records of the zone built from it.
fn zonefile_seeds() -> Vec<(&'static str, &'static str, (usize, usize, usize))> {
    vec![
        (
            "directives",
            "$ORIGIN example.\n$TTL 1h\n@ IN SOA ns1 hostmaster ( 1 ; serial\n  7200 3600 1209600 300 )\n  NS ns1\nns1 A 192.0.2.1\n$ORIGIN sub.example.\nwww 300 IN A 192.0.2.2\n",
            (4, 0, 4),
        ),
        (
            "owner-class-ttl-orders",
            "@ 3600 IN SOA ns1 h 1 2 3 4 5\na IN 60 A 192.0.2.1\nb 60 IN A 192.0.2.2\nc IN A 192.0.2.3\n\tAAAA 2001:db8::3\n",
            (5, 0, 5),
        ),
        (
            "escapes-and-strings",
            "@ SOA ns1 h 1 2 3 4 5\na\\.b TXT \"quoted \\\"string\\\" with ; semicolon\" unquoted \\065\n\\@ TXT \"\\255\\000\"\n",
            (3, 0, 3),
        ),
        (
            "unknown-types",
            "@ SOA ns1 h 1 2 3 4 5\nx TYPE65280 \\# 4 deadbeef\ny CLASS1 TYPE1 \\# 4 c0000201\nz A \\# 4 c0000202\n",
            (4, 0, 4),
        ),
        (
            "generate",
            "@ SOA ns1 h 1 2 3 4 5\n$GENERATE 1-4 host$ A 192.0.2.$\n$GENERATE 1-3/2 ${10,3,x} CNAME host$\n",
            (7, 0, 7),
        ),
        (
            "many-types",
            "@ SOA ns1 h 1 2 3 4 5\n@ MX 10 mail\n@ CAA 0 issue \"ca.example.net\"\n_sip._tcp SRV 0 5 5060 sip\n@ HTTPS 1 . alpn=h2,h3 port=443\n@ SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\nn NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.net!\" .\n@ DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\nd DNAME example.net.\n",
            (9, 0, 9),
        ),
        (
            "out-of-zone-and-errors",
            "@ SOA ns1 h 1 2 3 4 5\nwww.example.org. A 192.0.2.9\nbad A 300.1.2.3\n$INCLUDE /etc/passwd\nc CNAME x\nc A 192.0.2.4\n",
            // CNAME beside other data is kept by the builder; `check_zone` reports it.
            (4, 2, 3),
        ),
        ("empty", "", (0, 0, 0)),
    ]
}

#[test]
fn zonefile_seeds_pass_the_check() {
    let seeds = zonefile_seeds();
    write_seeds(
        ZONEFILE_CORPUS,
        seeds.iter().map(|(name, text, _)| (*name, text.as_bytes())),
    );
    for (name, text, (records, errors, in_zone)) in &seeds {
        let outcome = zonefile_property::check_zonefile(text.as_bytes()).unwrap();
        assert_eq!(
            (outcome.records, outcome.errors, outcome.in_zone),
            (*records, *errors, *in_zone),
            "{name}"
        );
    }
}

#[test]
fn zonefile_corpus_passes_the_fuzz_check() {
    run_corpus(ZONEFILE_CORPUS, 8, |data| {
        zonefile_property::check_zonefile(data);
    });
}
